"""The campaign report renders every section, in the campaign's language, safely and offline."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from annotate.i18n import fmt_float, fmt_int, fmt_pct, label, plural, resolve_lang, t
from annotate.model import VERDICTS
from annotate.report import (
    ReportData,
    alpha_reading,
    build_report,
    top_disagreements,
    write_report,
)

EVIL = "<script>alert(1)</script>"
SECTIONS = (
    "summary",
    "history",
    "completion",
    "leaderboard",
    "agreement",
    "verdicts",
    "errors",
    "disagreements",
)
BENCHMARKS = ("arc_challenge", "hellaswag", "mmlu")


def sample_data(language: str = "es") -> ReportData:
    """A small but realistic campaign: 3 benchmarks, 8 pulls, 26 volunteers, hostile text."""
    pulls = pd.date_range("2025-03-01 09:00", periods=8, freq="36h", tz="Europe/Madrid")
    totals = {"arc_challenge": 1172, "hellaswag": 1000, "mmlu": 14042}
    history = pd.DataFrame(
        [
            {
                "pulled_at": ts,
                "benchmark": b,
                "records": totals[b],
                "completed": int(totals[b] * 0.08 * i * (1 + j) / 3),
                "submitted_responses": int(totals[b] * 0.2 * i * (1 + j) / 3),
                "annotators": 3 + 2 * i + j,
            }
            for i, ts in enumerate(pulls)
            for j, b in enumerate(BENCHMARKS)
        ]
    )
    last = history[history["pulled_at"] == pulls[-1]]
    progress = pd.DataFrame(
        {
            "benchmark": last["benchmark"],
            "total": last["records"],
            "pending": last["records"] - last["completed"],
            "completed": last["completed"],
            "submitted_responses": last["submitted_responses"],
            "annotators": last["annotators"],
        }
    )
    names = [
        "maria_garcia",
        "José María Ñúñez",
        EVIL,
        "somosnlp-fan",
        "lucia.r",
        "pau_i_vila",
        "aitor",
        "xoana",
        "a_very_long_username_that_keeps_going_on",
    ] + [f"volunteer{i:02d}" for i in range(17)]
    submitted = [412, 233, 120, 75, 50, 49, 49, 31, 20] + [17 - i for i in range(17)]
    leaderboard = pd.DataFrame(
        {
            "username": names,
            "submitted": submitted,
            "per_benchmark": [
                json.dumps({"mmlu": n - n // 3, "arc_challenge": n // 3}) for n in submitted
            ],
            "agreement_with_consensus": [0.91, 0.84, float("nan")] + [0.7] * (len(names) - 3),
        }
    )
    agreement = pd.DataFrame(
        {
            "benchmark": ["overall", "arc_challenge", "hellaswag", "mmlu"],
            "n_items": [640, 210, 30, 400],
            "n_ratings": [1702, 540, 61, 1101],
            "alpha": [0.734, 0.842, float("nan"), 0.611],
            "alpha_low": [0.70, 0.80, float("nan"), 0.55],
            "alpha_high": [0.77, 0.88, float("nan"), 0.67],
            "percent_agreement": [0.81, 0.9, float("nan"), 0.74],
        }
    )
    verdicts = pd.DataFrame(
        [
            {"benchmark": b, "verdict": v, "count": n}
            for b, counts in {
                "arc_challenge": (310, 120, 18),
                "hellaswag": (40, 25, 9),
                "mmlu": (505, 301, 44),
            }.items()
            for v, n in zip(VERDICTS, counts, strict=True)
        ]
    )
    errors = pd.DataFrame(
        {
            "benchmark": ["mmlu"] * 5 + ["arc_challenge"] * 3,
            "category": [
                "mistranslation",
                "terminology",
                "grammar_spelling",
                "answer_changed",
                "untranslated",
                "mistranslation",
                "omission_addition",
                "cultural_adaptation",
            ],
            "count": [120, 88, 61, 12, 7, 40, 22, 5],
        }
    )
    disagreements = pd.DataFrame(
        {
            "benchmark": ["mmlu"] * 24,
            "item_key": [f"mmlu-{i:04d}" for i in range(24)],
            "votes": [json.dumps({"correct": 1, "corrected": 1, "unusable": 1})] * 2
            + [json.dumps({"correct": 2, "corrected": 1})] * 22,
            "agreement": [0.0, 0.0] + [0.5 + i / 100 for i in range(22)],
            "status": ["needs_review", "needs_review"] + ["corrected"] * 22,
            "question": ['¿Cuál es el resultado de 2 < 3 & "x"? <b>negrita</b>'] * 24,
        }
    )
    return ReportData(
        campaign="SomosNLP · Validación de benchmarks",
        language=language,
        generated_at="2025-03-12 10:00 UTC",
        thresholds=[50],
        history=history,
        progress=progress,
        leaderboard=leaderboard,
        agreement=agreement,
        verdicts=verdicts,
        errors=errors,
        disagreements=disagreements,
    )


def empty_data() -> ReportData:
    """A campaign before its first pull: every frame empty (or absent)."""
    return ReportData(
        campaign="empty",
        language="es",
        generated_at="2025-03-01",
        thresholds=[50],
        history=pd.DataFrame(
            columns=[
                "pulled_at",
                "benchmark",
                "records",
                "completed",
                "submitted_responses",
                "annotators",
            ]
        ),
        progress=pd.DataFrame(),
        leaderboard=None,
    )


class _Collector(HTMLParser):
    """Collects tags, attributes and visible text, the way a browser would parse them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> _Collector:
    p = _Collector()
    p.feed(page)
    p.close()
    return p


@pytest.fixture(scope="module")
def page_es() -> str:
    return build_report(sample_data(), lang="es")


@pytest.fixture(scope="module")
def page_en() -> str:
    return build_report(sample_data("en"), lang="en")


def section_html(page: str, sid: str) -> str:
    m = re.search(rf'<section class="card" id="{sid}".*?</section>', page, re.S)
    assert m, f"section {sid} missing"
    return m.group(0)


@pytest.mark.parametrize("sid", SECTIONS)
def test_every_section_is_there_with_content(page_es: str, sid: str) -> None:
    body = section_html(page_es, sid)
    assert t("es", "no_data") not in body
    assert f'href="#{sid}"' in page_es  # reachable from the table of contents


def test_charts_are_inline_accessible_svg(page_es: str) -> None:
    tags = parse(page_es).tags
    svgs = [a for tag, a in tags if tag == "svg"]
    ids = {a.get("id") for a in svgs}
    assert {
        "chart-history-completed",
        "chart-history-submitted-responses",
        "chart-completion",
        "chart-leaderboard",
        "chart-agreement",
        "chart-verdicts",
        "chart-errors",
    } <= ids
    assert {f"{i}-compact" for i in ids if not i.endswith("-compact")} <= ids
    for a in svgs:
        assert a.get("role") == "img"
        for ref in (a.get("aria-labelledby") or "").split():
            assert f'id="{ref}"' in page_es
        assert a.get("viewbox")  # HTMLParser lower-cases attribute names


def test_spanish_labels(page_es: str) -> None:
    assert '<html lang="es">' in page_es
    for key in ("history", "completion", "leaderboard", "agreement", "disagreements"):
        assert t("es", key) in page_es
    assert "Progreso en el tiempo" in page_es
    assert "Acuerdo entre anotadores" in page_es
    assert label("es", "verdict", "unusable") in page_es
    assert label("es", "error", "mistranslation") in page_es
    assert label("es", "status", "needs_review") in page_es
    assert "Progress over time" not in page_es
    assert "español" in page_es


def test_english_labels(page_en: str) -> None:
    assert '<html lang="en">' in page_en
    assert "Progress over time" in page_en
    assert "Inter-annotator agreement" in page_en
    assert "Unusable" in page_en
    assert "Progreso en el tiempo" not in page_en


def test_unknown_language_falls_back_to_english() -> None:
    assert resolve_lang("xx") == "en"
    assert resolve_lang("es-AR") == "es"
    page = build_report(sample_data("xx"), lang="xx")
    assert "Progress over time" in page


@pytest.mark.parametrize("lang", ["ca", "eu", "gl", "pt"])
def test_other_languages_render(lang: str) -> None:
    page = build_report(sample_data(lang), lang=lang)
    assert f'<html lang="{lang}">' in page
    assert t(lang, "history") in page
    assert t(lang, "history") != t("en", "history")


def test_threshold_count(page_es: str) -> None:
    lb = sample_data().leaderboard
    assert lb is not None
    expected = int((lb["submitted"] >= 50).sum())
    assert expected == 5  # sanity: 412, 233, 120, 75 and exactly 50
    assert f'data-threshold="50" data-reached="{expected}"' in page_es
    assert plural("es", "reached", expected, threshold="50") in page_es
    board = section_html(page_es, "leaderboard")
    assert board.count('class="badge reached"') == expected
    assert board.count('<tr class="reached">') == expected


def test_several_thresholds() -> None:
    data = sample_data("en")
    data.thresholds = [100, 50, 100]
    page = build_report(data, lang="en")
    assert 'data-threshold="50" data-reached="5"' in page
    assert 'data-threshold="100" data-reached="3"' in page
    assert "3 volunteers have reached 100 validations" in page
    # one dashed line per distinct threshold, in the wide and the compact chart
    assert page.count('class="threshold"') == 2 * 2


def test_numbers_appear_localised(page_es: str, page_en: str) -> None:
    data = sample_data()
    assert data.progress is not None
    total = int(data.progress["total"].sum())
    done = int(data.progress["completed"].sum())
    assert total > 9999
    assert fmt_int(total, "es") in page_es and "." in fmt_int(total, "es")
    assert fmt_int(total, "en") in page_en and "," in fmt_int(total, "en")
    assert fmt_pct(done / total, "es") in page_es
    assert ">412<" in page_es  # top volunteer's validations
    assert fmt_float(0.734, "es") == "0,73" and "0,73" in page_es
    assert "0.73" in page_en
    assert fmt_pct(0.81, "en") == "81%" and "81%" in page_en
    assert fmt_pct(0.81, "es") == "81\u00a0%"
    assert fmt_pct(0.81, "eu") == "%\u00a081"


def test_agreement_reading_and_nan(page_en: str) -> None:
    assert [alpha_reading(a) for a in (0.85, 0.8, 0.7, 0.667, 0.5, None)] == [
        "reliable",
        "reliable",
        "tentative",
        "tentative",
        "low",
        "na",
    ]
    body = section_html(page_en, "agreement")
    assert 'data-reading="reliable"' in body  # arc 0.842
    assert 'data-reading="tentative"' in body  # overall 0.734
    assert 'data-reading="low"' in body  # mmlu 0.611
    assert 'data-reading="na"' in body  # hellaswag NaN
    assert "nan" not in body.lower().replace("nan-", "")
    assert "0.70 – 0.77" in body


def test_disagreements_top_20_most_disagreed_first(page_es: str) -> None:
    data = sample_data()
    assert data.disagreements is not None
    rows = top_disagreements(data.disagreements)
    assert len(rows) == 20
    assert [r["item_key"] for r in rows[:2]] == ["mmlu-0000", "mmlu-0001"]
    body = section_html(page_es, "disagreements")
    assert body.split("<tbody>")[1].count("<tr>") == 20
    assert "mmlu-0019" in body and "mmlu-0020" not in body


def test_hostile_text_is_escaped(page_es: str) -> None:
    assert EVIL not in page_es
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page_es
    assert "<b>negrita</b>" not in page_es
    parsed = parse(page_es)
    assert not [tag for tag, _ in parsed.tags if tag in ("script", "b", "iframe", "img")]
    visible = "".join(parsed.text)
    assert EVIL in visible  # shown to people as text, exactly as typed
    assert "José María Ñúñez" in visible


def test_hostile_campaign_name_and_generated_at() -> None:
    data = sample_data("en")
    data.campaign = '"><img src=x onerror=alert(1)>'
    data.generated_at = "<i>now</i>"
    page = build_report(data, lang="en")
    assert "<img" not in page and "<i>now" not in page
    assert not [tag for tag, _ in parse(page).tags if tag in ("img", "i")]


def test_no_external_resources(page_es: str) -> None:
    for tag, attrs in parse(page_es).tags:
        for name in ("src", "href", "xlink:href", "action", "data", "poster"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("http:", "https:", "//")), (tag, name, value)
        if tag == "a":
            assert (attrs.get("href") or "").startswith("#")
    assert "http://" not in page_es and "https://" not in page_es
    assert "@import" not in page_es and "url(" not in page_es
    assert "<script" not in page_es.lower()


def test_empty_frames_render_friendly_messages() -> None:
    page = build_report(empty_data(), lang="es")
    for sid in SECTIONS:
        assert t("es", "no_data") in section_html(page, sid), sid
    assert "<svg" not in page


def test_partial_data_renders() -> None:
    """A pull with progress but no responses yet; one snapshot only; odd values."""
    data = sample_data("en")
    assert data.history is not None
    data.history = data.history.iloc[:3].copy()  # one pull: points, no lines
    data.leaderboard = pd.DataFrame(columns=["username", "submitted"])
    data.agreement = pd.DataFrame({"benchmark": ["overall"], "alpha": [float("nan")]})
    data.verdicts = pd.DataFrame({"benchmark": ["mmlu"], "verdict": ["weird"], "count": [None]})
    data.errors = None
    data.disagreements = pd.DataFrame(
        {"benchmark": ["mmlu"], "item_key": ["k"], "votes": ["not json"], "agreement": [None]}
    )
    page = build_report(data, lang="en")
    assert "<polyline" not in section_html(page, "history")
    # 2 metrics x (wide + compact) x 3 benchmarks
    assert section_html(page, "history").count("<circle") == 2 * 2 * 3
    for sid in ("leaderboard", "verdicts", "errors"):
        assert t("en", "no_data") in section_html(page, sid)
    assert 'data-reading="na"' in section_html(page, "agreement")
    assert ">k<" in section_html(page, "disagreements")


def test_deterministic(page_es: str) -> None:
    assert build_report(sample_data(), lang="es") == page_es


def test_write_report_is_atomic(tmp_path: Path, page_es: str) -> None:
    target = tmp_path / "site" / "index.html"
    out = write_report(page_es, target)
    assert out == target and target.read_text(encoding="utf-8") == page_es
    write_report("<!DOCTYPE html><p>v2</p>", target)
    assert target.read_text(encoding="utf-8").endswith("v2</p>")
    assert [p.name for p in target.parent.iterdir()] == ["index.html"]  # no temp left over


# --- templates --------------------------------------------------------------------------

TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "annotate" / "templates"


def test_markup_and_styles_live_in_templates(page_es: str) -> None:
    """The page is the templates' output: its styles are report.css verbatim, and each
    section's markup comes from its own template (a designer edits those, not Python)."""
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    assert f"<style>{css}</style>" in page_es
    for sid in SECTIONS:
        assert (TEMPLATES / "sections" / f"{sid}.html.j2").is_file(), sid
    source = (Path(__file__).resolve().parents[1] / "src" / "annotate" / "report.py").read_text()
    assert "<table" not in source and "<style" not in source and "{color-scheme" not in source


def test_templates_ship_as_package_data() -> None:
    """Every template file matches pyproject's package-data globs (expanded the way
    setuptools does, recursive glob from the package folder), so a wheel has them."""
    import glob
    import tomllib

    package = TEMPLATES.parent
    pyproject = tomllib.loads((package.parents[1] / "pyproject.toml").read_text())
    globs = pyproject["tool"]["setuptools"]["package-data"]["annotate"]
    shipped = {Path(f) for g in globs for f in glob.glob(g, root_dir=package, recursive=True)}
    files = {p.relative_to(package) for p in TEMPLATES.rglob("*") if p.is_file()}
    assert files and files <= shipped, files - shipped


def test_templates_autoescape_every_value() -> None:
    """A value the templates print is escaped even when it reaches them raw (autoescape)."""
    from annotate.report import _environment

    env = _environment()
    assert env.autoescape is True
    rendered = env.from_string("{{ v }}").render(v=EVIL)
    assert EVIL not in rendered and "&lt;script&gt;" in rendered


def test_missing_template_value_fails_loudly() -> None:
    """A typo in a template is an error in the tests, never a silently blank cell."""
    import jinja2

    from annotate.report import _environment

    with pytest.raises(jinja2.UndefinedError):
        _environment().from_string("{{ nothing.here }}").render()
