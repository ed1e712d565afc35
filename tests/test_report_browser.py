"""A real headless Chromium opens the report file: charts are drawn, nothing errs, no fetches.

Needs Debian's `chromium` and `chromium-driver`. Missing in CI (CI=true) is a failure,
with the apt line to fix it; elsewhere the test is skipped.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import APT_LINE, Browser, BrowserUnavailable, browser_or_skip, find_binaries
from test_report import empty_data, sample_data

from annotate.report import build_report, write_report

CHARTS = (
    "chart-history-completed",
    "chart-history-submitted-responses",
    "chart-completion",
    "chart-leaderboard",
    "chart-agreement",
    "chart-verdicts",
    "chart-errors",
)

# Per chart: its box, and how many drawn marks (rect/circle/polyline/line) have a real size.
_MEASURE = """
return arguments[0].map((id) => {
  const svg = document.getElementById(id);
  if (!svg) return {id, missing: true};
  const box = svg.getBoundingClientRect();
  const marks = [...svg.querySelectorAll('rect, circle, polyline, line')].filter((el) => {
    const b = el.getBoundingClientRect();
    return b.width > 0 || b.height > 0;
  }).length;
  const text = [...svg.querySelectorAll('text')].filter(
    (el) => el.getBBox().width > 0).length;
  return {id, width: box.width, height: box.height, marks, text,
          viewbox: svg.viewBox.baseVal.width};
});
"""


def _assert_drawn(
    browser: Browser, ids: list[str] | tuple[str, ...], max_width: float | None = None
) -> None:
    """Each chart is laid out with a real size and has visible marks and labels."""
    for c in browser.js(_MEASURE, list(ids)):
        assert not c.get("missing"), c
        assert c["width"] > 200 and c["height"] > 50, c
        assert c["marks"] > 0 and c["text"] > 0, c
        if max_width is not None:
            assert c["width"] <= max_width, c
            # a 13px label must stay >= ~11px on screen: the SVG is not scaled down much
            assert c["width"] / c["viewbox"] >= 0.85, c


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from browser_or_skip()


def _save(shot: Path) -> None:
    """Also keep the screenshot where a person (or the CI artefacts) can look at it."""
    target = os.environ.get("ANNOTATE_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(target) / shot.name)


def _errors(entries: list[dict]) -> list[dict]:
    return [e for e in entries if e.get("level") in ("SEVERE", "ERROR")]


def test_report_renders_in_chromium(browser: Browser, tmp_path: Path) -> None:
    data = sample_data()
    assert data.leaderboard is not None  # with the care columns, a phantom flagged
    data.leaderboard["phantom_corrections"] = [0, 2] + [0] * (len(data.leaderboard) - 2)
    data.low_agreement = 0.75
    page = write_report(build_report(data, lang="es"), tmp_path / "report.html")
    browser.color_scheme("light")
    browser.set_viewport(1280, 900)
    browser.open(page)

    assert browser.js("return document.readyState") == "complete"
    assert browser.js("return document.documentElement.lang") == "es"
    _assert_drawn(browser, CHARTS)
    # The hostile username is text in a table cell, never an element.
    assert browser.js("return document.querySelectorAll('script').length") == 0
    assert "<script>alert(1)</script>" in browser.js(
        "return document.querySelector('table.leaderboard').innerText"
    )
    # Nothing was fetched: the page is fully self-contained.
    assert browser.js("return performance.getEntriesByType('resource').length") == 0

    shot = browser.screenshot(tmp_path / "report-light.png")
    assert shot.stat().st_size > 10_000
    _save(shot)

    browser.color_scheme("dark")
    bg = browser.js("return getComputedStyle(document.body).backgroundColor")
    assert bg != "rgb(246, 247, 249)", "dark scheme should change the background"
    _save(browser.screenshot(tmp_path / "report-dark.png"))

    # Phones: the page itself must not scroll sideways (wide charts scroll in their box).
    browser.color_scheme("light")
    browser.set_viewport(390, 844)
    overflow = browser.js(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"page overflows a phone screen by {overflow}px"
    # ...and the compact charts take over, fitting the screen with readable text.
    _assert_drawn(browser, [f"{c}-compact" for c in CHARTS], max_width=390)
    hidden = browser.js(_MEASURE, list(CHARTS))
    assert all(c["width"] == 0 for c in hidden), "wide charts should be hidden on a phone"
    _save(browser.screenshot(tmp_path / "report-mobile.png"))

    assert _errors(browser.console()) == []


def test_empty_report_renders_in_chromium(browser: Browser, tmp_path: Path) -> None:
    page = write_report(build_report(empty_data(), lang="en"), tmp_path / "empty.html")
    browser.set_viewport(1280, 900)
    browser.open(page)
    empties = browser.js(
        "return [...document.querySelectorAll('p.empty')].filter("
        "(e) => e.getBoundingClientRect().height > 0).length"
    )
    assert empties == 8
    _save(browser.screenshot(tmp_path / "report-empty.png"))
    assert _errors(browser.console()) == []


def test_missing_browser_message_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the binaries, the error (a CI failure) says what to install."""
    monkeypatch.setenv("ANNOTATE_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("ANNOTATE_CHROMEDRIVER", "/nonexistent/chromedriver")
    with pytest.raises(BrowserUnavailable) as err:
        find_binaries()
    assert APT_LINE in str(err.value) and "chromium and chromedriver" in str(err.value)
