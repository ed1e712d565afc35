"""The campaign report: one self-contained static HTML page built from the pulled frames.

Why static and self-contained: the page is published as a static Space and opened by
volunteers on any device, so it must work offline and load nothing (no CDN, no fonts, no
scripts). Charts are inline SVG computed here, so they render everywhere, print well and
can be tested without a JS runtime. Each chart comes in a wide and a compact layout and a
CSS container query picks one, so phones get readable labels instead of shrunken ones.
Every function is pure except `write_report`; all text from the data goes through `_esc`,
so a username cannot become markup.
"""

from __future__ import annotations

import functools
import html
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotate.i18n import fmt_float, fmt_int, fmt_pct, label, language_name, plural, t
from annotate.model import ERROR_CATEGORIES, STATUSES, VERDICTS
from annotate.resolve import (
    AGREEMENT_COLUMNS,
    ALPHA_RELIABLE,
    ALPHA_TENTATIVE,
    interpret_alpha,
)

if TYPE_CHECKING:
    import jinja2
    import pandas as pd

# Krippendorff's reading of alpha (Krippendorff 2004): reliable / tentative / low.
TOP_LEADERBOARD_BARS = 20
TOP_DISAGREEMENTS = 20
OVERALL = "overall"
_PALETTE_SIZE = 8

HISTORY_COLUMNS = (
    "pulled_at",
    "benchmark",
    "records",
    "completed",
    "submitted_responses",
    "annotators",
)
PROGRESS_COLUMNS = (
    "benchmark",
    "total",
    "pending",
    "completed",
    "submitted_responses",
    "annotators",
)
LEADERBOARD_COLUMNS = ("username", "submitted", "per_benchmark", "agreement_with_consensus")
# Optional leaderboard columns, shown only when the frame has them (gold: once gold exists).
CARE_COLUMNS = ("phantom_corrections", "gold_accuracy")
VERDICT_COLUMNS = ("benchmark", "verdict", "count")
ERROR_COLUMNS = ("benchmark", "category", "count")
DISAGREEMENT_COLUMNS = ("benchmark", "item_key", "votes", "agreement", "status", "question")


@dataclass(eq=False)
class ReportData:
    """Everything the report shows, as produced by the pull/resolve/stats stages.

    Any frame may be None or empty (a campaign with no pull yet); its section then says
    so instead of failing. Fractions (`agreement_with_consensus`, `percent_agreement`,
    `agreement`) are 0..1. `generated_at` is passed in so the same data gives the same page.
    """

    campaign: str
    language: str
    generated_at: str
    thresholds: list[int] = field(default_factory=list)
    low_agreement: float | None = None  # flag agreement with the consensus below this
    phantom_flag: int = 1  # flag this many phantom corrections
    gold_min_accuracy: float | None = None  # flag accuracy on gold below this (gold.py)
    history: pd.DataFrame | None = None
    progress: pd.DataFrame | None = None
    leaderboard: pd.DataFrame | None = None
    agreement: pd.DataFrame | None = None
    verdicts: pd.DataFrame | None = None
    errors: pd.DataFrame | None = None
    disagreements: pd.DataFrame | None = None
    triage: list[dict[str, Any]] | None = None  # triage.measure rows (when triage is on)
    mt_quality: dict[str, Any] | None = None  # protocol: esa (annotate.esa_quality.summarize)
    # the review stage (annotate.review.report_review): {"rows": [...], "audit": {...}}
    review: dict[str, Any] | None = None


# --- small pure helpers -----------------------------------------------------------------


def _esc(value: object) -> str:
    """Escape for HTML text and attribute values (inline SVG uses the same parser)."""
    return html.escape(str(value), quote=True)


def _num(value: Any) -> float | None:
    """A finite float, or None for NaN/None/NA/garbage (so NaN never reaches a chart)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _int(value: Any) -> int:
    x = _num(value)
    return round(x) if x is not None else 0


def _str(value: Any) -> str:
    """Text of a cell; '' for None/NaN/NA (pandas' missing values are not strings)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        try:
            import pandas as pd

            if pd.isna(value):
                return ""
        except (TypeError, ValueError):
            pass
    return str(value)


def _clip(text: str, n: int) -> str:
    """Shorten long labels for a chart axis; the full text stays in a <title> tooltip."""
    return text if len(text) <= n else text[: max(n - 1, 1)].rstrip() + "…"


def _json_counts(value: Any) -> dict[str, float]:
    """Read a `{label: count}` column that arrives as JSON text (or already a dict)."""
    if isinstance(value, Mapping):
        raw: Any = value
    else:
        text = _str(value).strip()
        if not text:
            return {}
        try:
            raw = json.loads(text)
        except ValueError:
            return {}
    if not isinstance(raw, Mapping):
        return {}
    out: dict[str, float] = {}
    for k, v in raw.items():
        x = _num(v)
        if x is not None:
            out[str(k)] = x
    return out


def _frame(df: pd.DataFrame | None, columns: Sequence[str]) -> pd.DataFrame:
    """A copy with the expected columns (missing ones as NA), so sections never KeyError."""
    import pandas as pd

    if df is None:
        return pd.DataFrame({c: [] for c in columns})
    out = df.copy()
    for c in columns:
        if c not in out.columns:
            out[c] = pd.NA
    return out.reset_index(drop=True)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return df.to_dict(orient="records")


def _nice_step(span: float, n: int, *, integer: bool) -> float:
    raw = max(span, 1e-9) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if raw <= m * mag * (1 + 1e-9))
    return max(step, 1.0) if integer else step


def _ticks(hi: float, n: int = 5, *, integer: bool = True) -> list[float]:
    """Round axis ticks from 0 to at least `hi` (1-2-5 steps)."""
    if hi <= 0:
        return [0.0, 1.0]
    step = _nice_step(hi, n, integer=integer)
    count = math.ceil(hi / step - 1e-9)
    return [i * step for i in range(count + 1)]


def _series_class(index: int) -> str:
    return f"s{index % _PALETTE_SIZE}"


def _benchmark_order(data: ReportData) -> list[str]:
    """One order for benchmarks across the page, so each keeps its colour everywhere."""
    names: set[str] = set()
    for df in (data.progress, data.history, data.agreement, data.verdicts, data.errors):
        if df is not None and "benchmark" in df.columns:
            names.update(_str(b) for b in df["benchmark"].tolist())
    names.discard("")
    names.discard(OVERALL)
    return sorted(names, key=lambda s: (s.casefold(), s))


def _in_order(names: Iterable[str], order: Sequence[str]) -> list[str]:
    present = set(names)
    return [b for b in order if b in present] + sorted(present - set(order))


def _thresholds(values: Iterable[Any]) -> list[int]:
    return sorted({_int(v) for v in values if _int(v) > 0})


def alpha_reading(alpha: float | None) -> str:
    """Krippendorff's reading of alpha: 'reliable', 'tentative', 'low' or 'na'."""
    reading = interpret_alpha(alpha)
    return "na" if reading == "undefined" else reading


# --- SVG building blocks ----------------------------------------------------------------

# Generous for DejaVu/Liberation at the 13px label size, so clipped labels never spill.
_LABEL_CHAR_PX = 8.2


def _svg(chart_id: str, width: int, height: float, title: str, desc: str, body: str) -> str:
    """An accessible, scalable SVG: role=img, <title>/<desc> wired to aria-labelledby."""
    h = math.ceil(height)
    return (
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {width} {h}" '
        f'width="{width}" height="{h}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-title">{_esc(title)}</title>'
        f'<desc id="{chart_id}-desc">{_esc(desc)}</desc>{body}</svg>'
    )


def _text(x: float, y: float, text: str, *, cls: str = "", anchor: str = "start") -> str:
    c = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{c}>{_esc(text)}</text>'


def _line(x1: float, y1: float, x2: float, y2: float, cls: str, tip: str = "") -> str:
    inner = f"<title>{_esc(tip)}</title></line>" if tip else ""
    end = f">{inner}" if tip else "/>"
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" class="{cls}"{end}'


def _rect(x: float, y: float, w: float, h: float, cls: str, tip: str = "") -> str:
    tip_el = f"<title>{_esc(tip)}</title>" if tip else ""
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" '
        f'class="{cls}">{tip_el}</rect>'
    )


@dataclass(frozen=True)
class _Rows:
    """Where the parts of a one-row-per-thing chart go.

    Wide: `label | bar | value` on one line. Compact (phones, narrow columns): the label on
    its own line with the value at its right end, and a full-width bar below, so text keeps
    a readable size instead of shrinking with the chart.
    """

    compact: bool
    width: int
    left: int
    right: int
    top: int
    row_h: float
    bar_h: float

    @staticmethod
    def make(
        compact: bool, *, left: int, right: int, top: int = 8, row_h: float = 34, bar_h: float = 20
    ) -> _Rows:
        if compact:
            return _Rows(True, 360, 2, 2, top, 44, min(bar_h, 14))
        return _Rows(False, 720, left, right, top, row_h, bar_h)

    @property
    def x0(self) -> float:
        return float(self.left)

    @property
    def bar_w(self) -> float:
        return float(self.width - self.left - self.right)

    def row_top(self, i: int) -> float:
        return self.top + i * self.row_h

    def bar_y(self, i: int) -> float:
        if self.compact:
            return self.row_top(i) + 22
        return self.row_top(i) + (self.row_h - self.bar_h) / 2

    def mid(self, i: int) -> float:
        return self.bar_y(i) + self.bar_h / 2

    def text_y(self, i: int) -> float:
        return self.row_top(i) + 15 if self.compact else self.mid(i) + 4.5

    def height(self, n: int, bottom: float = 8) -> float:
        return self.top + n * self.row_h + bottom

    def label(self, i: int, name: str, *, strong: bool = False, reserve: float = 120) -> str:
        """The row's name, clipped to its room; the full name stays as a tooltip."""
        room_px = (self.width - reserve - 8) if self.compact else (self.left - 14)
        room = max(int(room_px / (_LABEL_CHAR_PX * (1.08 if strong else 1))), 4)
        shown = _clip(name, room)
        tip = f"<title>{_esc(name)}</title>" if shown != name else ""
        x, anchor = (self.left, "start") if self.compact else (self.left - 10, "end")
        cls = "label strong" if strong else "label"
        return (
            f'<text x="{x:.1f}" y="{self.text_y(i):.1f}" text-anchor="{anchor}" class="{cls}">'
            f"{tip}{_esc(shown)}</text>"
        )

    def value(self, i: int, inner: str, *, cls: str = "value", at: float | None = None) -> str:
        """Value text (pre-escaped SVG): right of the bar (or at `at`), or end of the label line."""
        if self.compact:
            x, anchor = self.width - self.right, "end"
        else:
            x, anchor = (at + 6 if at is not None else self.width - self.right + 10), "start"
        return (
            f'<text x="{x:.1f}" y="{self.text_y(i):.1f}" text-anchor="{anchor}" class="{cls}">'
            f"{inner}</text>"
        )


# --- progress over time -----------------------------------------------------------------


def _fmt_time(ts: pd.Timestamp, span_seconds: float) -> str:
    return ts.strftime("%Y-%m-%d" if span_seconds >= 3 * 86400 else "%m-%d %H:%M")


def history_chart(
    history: pd.DataFrame,
    metric: str,
    lang: str,
    order: Sequence[str],
    chart_id: str,
    *,
    compact: bool = False,
) -> str:
    """Lines per benchmark of `metric` against pull time (points too while they fit)."""
    import pandas as pd

    df = history.copy()
    df["t"] = pd.to_datetime(df["pulled_at"], utc=True, errors="coerce")
    df["v"] = pd.to_numeric(df[metric], errors="coerce")
    df["benchmark"] = df["benchmark"].map(_str)
    df = df.dropna(subset=["t", "v"]).sort_values(["benchmark", "t"], kind="stable")
    if df.empty:
        return ""
    width, height = (360, 250) if compact else (560, 300)
    left, right, top, bottom = 56, 18 if compact else 20, 14, 40
    t0, t1 = df["t"].min(), df["t"].max()
    span = (t1 - t0).total_seconds()
    lo_s = t0.timestamp() - (3600 if span == 0 else 0)
    hi_s = t1.timestamp() + (3600 if span == 0 else 0)
    yticks = _ticks(float(df["v"].max()), 4 if compact else 5)
    ymax = yticks[-1]
    pw, ph = width - left - right, height - top - bottom

    def sx(ts: pd.Timestamp) -> float:
        return left + (ts.timestamp() - lo_s) / (hi_s - lo_s) * pw

    def sy(v: float) -> float:
        return top + ph - v / ymax * ph

    parts: list[str] = []
    for tv in yticks:
        parts.append(_line(left, sy(tv), width - right, sy(tv), "grid"))
        parts.append(_text(left - 8, sy(tv) + 4, fmt_int(tv, lang), cls="tick", anchor="end"))
    nx = 0 if span == 0 else (2 if compact else 4)
    for i in range(nx + 1):
        ts = t0 + (t1 - t0) * (i / nx) if nx else t0
        x = sx(ts)
        anchor = "middle" if nx == 0 or 0 < i < nx else ("start" if i == 0 else "end")
        parts.append(_line(x, top + ph, x, top + ph + 5, "axis"))
        parts.append(_text(x, height - bottom + 20, _fmt_time(ts, span), cls="tick", anchor=anchor))
    parts.append(_line(left, top + ph, width - right, top + ph, "axis"))
    for idx, name in enumerate(_in_order(df["benchmark"], order)):
        sub = df[df["benchmark"] == name]
        pos = order.index(name) if name in order else idx
        cls = _series_class(pos)
        dash = ' stroke-dasharray="6 3"' if pos >= _PALETTE_SIZE else ""
        pts = [(sx(r["t"]), sy(float(r["v"])), r["t"], float(r["v"])) for r in _records(sub)]
        if len(pts) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in pts)
            parts.append(f'<polyline points="{path}" class="line {cls}"{dash}/>')
        for x, y, ts, v in pts if len(pts) <= 60 else pts[-1:]:
            tip = f"{name} · {ts.strftime('%Y-%m-%d %H:%M')} {t(lang, 'utc')}: {fmt_int(v, lang)}"
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" class="dot {cls}">'
                f"<title>{_esc(tip)}</title></circle>"
            )
    label_metric = t(lang, "completed_records" if metric == "completed" else metric)
    desc = t(
        lang,
        "history_chart_desc",
        metric=label_metric,
        start=t0.strftime("%Y-%m-%d %H:%M"),
        end=t1.strftime("%Y-%m-%d %H:%M"),
    )
    return _svg(chart_id, width, height, label_metric, desc, "".join(parts))


# --- completion per benchmark -----------------------------------------------------------


def completion_chart(
    progress: pd.DataFrame, lang: str, chart_id: str = "chart-completion", *, compact: bool = False
) -> str:
    """Stacked horizontal bars (completed | pending | other) with the percentage done."""
    rows = []
    for r in _records(progress):
        done, pending = max(_int(r["completed"]), 0), max(_int(r["pending"]), 0)
        total = max(_int(r["total"]), done + pending)
        rows.append((_str(r["benchmark"]), done, pending, total - done - pending, total))
    if not rows:
        return ""
    if len(rows) > 1:
        sums = [sum(col) for col in zip(*[r[1:] for r in rows], strict=True)]
        rows.append((t(lang, "total"), *sums))
    lay = _Rows.make(compact, left=170, right=150)
    parts = []
    for i, (name, done, pending, other, total) in enumerate(rows):
        is_total = len(rows) > 1 and i == len(rows) - 1
        if is_total:
            y = lay.row_top(i) - 1
            parts.append(_line(0, y, lay.width, y, "grid"))
        parts.append(lay.label(i, name, strong=is_total, reserve=150))
        x = lay.x0
        for value, cls, key in (
            (done, "seg-done", "completed"),
            (pending, "seg-pending", "pending"),
            (other, "seg-other", "other"),
        ):
            if value <= 0 or total <= 0:
                continue
            w = value / total * lay.bar_w
            share = fmt_pct(value / total, lang)
            tip = f"{name} · {t(lang, key)}: {fmt_int(value, lang)} ({share})"
            parts.append(_rect(x, lay.bar_y(i), w, lay.bar_h, cls, tip))
            x += w
        if total <= 0:
            parts.append(_rect(lay.x0, lay.bar_y(i), lay.bar_w, lay.bar_h, "seg-pending"))
        share = fmt_pct(done / total, lang) if total else t(lang, "na")
        detail = t(lang, "of_total", done=fmt_int(done, lang), total=fmt_int(total, lang))
        parts.append(
            lay.value(
                i,
                f'<tspan class="strong">{_esc(share)}</tspan>'
                f'<tspan class="muted-text" dx="6">{_esc(detail)}</tspan>',
            )
        )
    return _svg(
        chart_id,
        lay.width,
        lay.height(len(rows)),
        t(lang, "completion"),
        t(lang, "completion_chart_desc"),
        "".join(parts),
    )


# --- leaderboard ------------------------------------------------------------------------


def _leaderboard_rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows sorted by validations (ties by name), with competition ranks (1, 2, 2, 4)."""
    rows = [
        {
            "username": _str(r["username"]),
            "submitted": max(_int(r["submitted"]), 0),
            "per_benchmark": _json_counts(r["per_benchmark"]),
            "agreement": _num(r["agreement_with_consensus"]),
            "phantom_corrections": _int(r["phantom_corrections"])
            if "phantom_corrections" in r
            else 0,
            "gold_accuracy": _num(r["gold_accuracy"]) if "gold_accuracy" in r else None,
            "gold_seen": _int(r["gold_seen"]) if "gold_seen" in r else None,
        }
        for r in _records(df)
    ]
    rows.sort(key=lambda r: (-r["submitted"], r["username"].casefold(), r["username"]))
    for i, r in enumerate(rows):
        same = i > 0 and rows[i - 1]["submitted"] == r["submitted"]
        r["rank"] = rows[i - 1]["rank"] if same else i + 1
    return rows


def leaderboard_chart(
    rows: Sequence[Mapping[str, Any]],
    thresholds: Sequence[int],
    lang: str,
    chart_id: str = "chart-leaderboard",
    *,
    compact: bool = False,
) -> str:
    """Horizontal bars for the top volunteers, with a dashed line at each threshold."""
    top_rows = list(rows[:TOP_LEADERBOARD_BARS])
    if not top_rows:
        return ""
    lay = _Rows.make(compact, left=170, right=56, top=30, row_h=24, bar_h=16)
    height = lay.height(len(top_rows), 10)
    xmax = _ticks(max([r["submitted"] for r in top_rows] + list(thresholds) + [1]))[-1]

    def sx(v: float) -> float:
        return lay.x0 + v / xmax * lay.bar_w

    first = min(thresholds) if thresholds else None
    bars: list[str] = []
    labels: list[str] = []
    values: list[str] = []
    for i, r in enumerate(top_rows):
        name, n = r["username"], r["submitted"]
        reached = first is not None and n >= first
        tip = f"#{r['rank']} {name}: {fmt_int(n, lang)}"
        labels.append(lay.label(i, f"{r['rank']}. {name}" if compact else name, reserve=60))
        bars.append(
            _rect(
                lay.x0,
                lay.bar_y(i),
                sx(n) - lay.x0,
                lay.bar_h,
                "bar reached" if reached else "bar",
                tip,
            )
        )
        values.append(lay.value(i, _esc(fmt_int(n, lang)), at=sx(n)))
    lines: list[str] = []
    for th in thresholds:
        x, shown = sx(th), fmt_int(th, lang)
        tip = _esc(t(lang, "threshold_line", threshold=shown))
        if compact:  # only across the bars, so the line never runs through a name
            spans = [(lay.bar_y(i) - 3, lay.bar_y(i) + lay.bar_h + 3) for i in range(len(top_rows))]
        else:
            spans = [(lay.top - 6, height - 6)]
        d = " ".join(f"M{x:.1f} {a:.1f}V{b:.1f}" for a, b in spans)
        lines.append(f'<path d="{d}" class="threshold"><title>{tip}</title></path>')
        lines.append(_text(x, lay.top - 12, f"≥ {shown}", cls="threshold-label", anchor="middle"))
    # Threshold lines over the bars (everyone sees where the goal is); text, haloed, on top.
    return _svg(
        chart_id,
        lay.width,
        height,
        t(lang, "top_volunteers", n=len(top_rows)),
        t(lang, "leaderboard_chart_desc", n=len(top_rows)),
        "".join(bars + lines + labels + values),
    )


# --- agreement --------------------------------------------------------------------------


def _agreement_rows(df: pd.DataFrame, order: Sequence[str]) -> list[dict[str, Any]]:
    """Overall first, then benchmarks in page order."""
    rank = {b: i for i, b in enumerate(order)}
    rows = []
    for r in _records(df):
        name = _str(r["benchmark"])
        rows.append(
            {
                "benchmark": name,
                "overall": name == OVERALL,
                "n_items": _num(r["n_items"]),
                "n_ratings": _num(r["n_ratings"]),
                "alpha": _num(r["alpha"]),
                "low": _num(r["alpha_low"]),
                "high": _num(r["alpha_high"]),
                "pa": _num(r["percent_agreement"]),
            }
        )
    rows.sort(key=lambda r: (not r["overall"], rank.get(r["benchmark"], len(rank)), r["benchmark"]))
    return rows


def agreement_chart(
    rows: Sequence[Mapping[str, Any]],
    lang: str,
    chart_id: str = "chart-agreement",
    *,
    compact: bool = False,
) -> str:
    """Alpha per benchmark as a dot with its interval as a whisker, over the reading bands."""
    if not rows:
        return ""
    lay = _Rows.make(compact, left=170, right=70, top=10, row_h=30, bar_h=14)
    ph = lay.row_h * len(rows)
    height = lay.height(len(rows), 40)
    lows = [v for r in rows for v in (r["alpha"], r["low"]) if v is not None]
    xmin = max(-1.0, math.floor(min([0.0, *lows]) * 5) / 5)
    pad = 8 if compact else 0  # room for a dot at either end of a full-width axis

    def sx(v: float) -> float:
        span = lay.bar_w - 2 * pad
        return lay.x0 + pad + (min(max(v, xmin), 1.0) - xmin) / (1.0 - xmin) * span

    y0, y1 = lay.top, lay.top + ph
    parts = [
        _rect(
            sx(ALPHA_TENTATIVE), y0, sx(ALPHA_RELIABLE) - sx(ALPHA_TENTATIVE), ph, "band tentative"
        ),
        _rect(sx(ALPHA_RELIABLE), y0, sx(1.0) - sx(ALPHA_RELIABLE), ph, "band reliable"),
    ]
    steps = round((1.0 - xmin) / 0.2)
    every = 2 if compact and steps > 6 else 1
    for k in range(steps + 1):
        v = round(xmin + k * 0.2, 6)
        parts.append(_line(sx(v), y0, sx(v), y1, "grid"))
        if k % every == 0:
            parts.append(_text(sx(v), y1 + 18, fmt_float(v, lang, 1), cls="tick", anchor="middle"))
    for ref in (ALPHA_TENTATIVE, ALPHA_RELIABLE):
        parts.append(_line(sx(ref), y0, sx(ref), y1, "refline"))
    parts.append(
        _text(
            sx(ALPHA_TENTATIVE) - 4,
            y1 + 32,
            fmt_float(ALPHA_TENTATIVE, lang, 3),
            cls="tick ref",
            anchor="end",
        )
    )
    for i, r in enumerate(rows):
        y = lay.mid(i)
        name = t(lang, "overall") if r["overall"] else r["benchmark"]
        parts.append(lay.label(i, name, strong=r["overall"], reserve=60))
        alpha, lo, hi = r["alpha"], r["low"], r["high"]
        reading = alpha_reading(alpha)
        interval = (
            f" [{fmt_float(lo, lang)}, {fmt_float(hi, lang)}]"
            if lo is not None and hi is not None
            else ""
        )
        tip = f"{name}: α = {fmt_float(alpha, lang)}{interval} · {t(lang, 'reading_' + reading)}"
        if lo is not None and hi is not None:
            x1, x2 = sx(min(lo, hi)), sx(max(lo, hi))
            parts.append(_line(x1, y, x2, y, "whisker"))
            parts.extend(_line(x, y - 6, x, y + 6, "whisker") for x in (x1, x2))
        if alpha is not None:
            parts.append(
                f'<circle cx="{sx(alpha):.1f}" cy="{y:.1f}" r="6" class="alpha-dot {reading}">'
                f"<title>{_esc(tip)}</title></circle>"
            )
        value = _esc(fmt_float(alpha, lang))
        parts.append(lay.value(i, value, cls=f"value strong r-{reading}"))
    return _svg(
        chart_id,
        lay.width,
        height,
        t(lang, "agreement"),
        t(lang, "agreement_chart_desc"),
        "".join(parts),
    )


# --- verdicts and error categories ------------------------------------------------------


def _counts_by(df: pd.DataFrame, key: str) -> dict[str, dict[str, int]]:
    """benchmark -> {key value -> count}, NaN-safe, summing duplicate rows."""
    out: dict[str, dict[str, int]] = {}
    for r in _records(df):
        b, k, n = _str(r["benchmark"]), _str(r[key]), _int(r["count"])
        if not k or n <= 0:
            continue
        out.setdefault(b, {})
        out[b][k] = out[b].get(k, 0) + n
    return out


def _ordered_keys(known: Sequence[str], present: Iterable[str]) -> list[str]:
    seen = set(present)
    return [k for k in known if k in seen] + sorted(seen - set(known))


def verdict_chart(
    counts: Mapping[str, Mapping[str, int]],
    order: Sequence[str],
    lang: str,
    chart_id: str = "chart-verdicts",
    *,
    compact: bool = False,
) -> str:
    """100% stacked bars of the verdicts per benchmark (and overall)."""
    names = _in_order(counts, order)
    if not names:
        return ""
    verdicts = _ordered_keys(VERDICTS, {v for c in counts.values() for v in c})
    rows: list[tuple[str, Mapping[str, int], bool]] = [(b, counts[b], False) for b in names]
    if len(rows) > 1:
        total: dict[str, int] = {}
        for c in counts.values():
            for v, n in c.items():
                total[v] = total.get(v, 0) + n
        rows.insert(0, (t(lang, "overall"), total, True))
    lay = _Rows.make(compact, left=170, right=70, bar_h=22)
    if compact:
        lay = _Rows(True, lay.width, lay.left, lay.right, lay.top, 50, 20)
    parts = []
    for i, (name, c, strong) in enumerate(rows):
        n = sum(c.values())
        parts.append(lay.label(i, name, strong=strong, reserve=60))
        x = lay.x0
        for v in verdicts:
            value = c.get(v, 0)
            if value <= 0 or n <= 0:
                continue
            w = value / n * lay.bar_w
            cls = f"v-{v}" if v in VERDICTS else "v-other"
            share = fmt_pct(value / n, lang)
            tip = f"{name} · {label(lang, 'verdict', v)}: {fmt_int(value, lang)} ({share})"
            parts.append(_rect(x, lay.bar_y(i), w, lay.bar_h, cls, tip))
            if w >= 44:
                parts.append(
                    _text(
                        x + w / 2,
                        lay.mid(i) + 4.5,
                        share,
                        cls=f"seg-label on-{cls}",
                        anchor="middle",
                    )
                )
            x += w
        parts.append(lay.value(i, _esc(fmt_int(n, lang)), cls="value muted-text"))
    return _svg(
        chart_id,
        lay.width,
        lay.height(len(rows)),
        t(lang, "verdicts"),
        t(lang, "verdicts_chart_desc"),
        "".join(parts),
    )


def error_chart(
    counts: Mapping[str, Mapping[str, int]],
    lang: str,
    chart_id: str = "chart-errors",
    *,
    compact: bool = False,
) -> str:
    """Horizontal bars of how often each error category was flagged (all benchmarks)."""
    totals: dict[str, int] = {}
    for c in counts.values():
        for k, n in c.items():
            totals[k] = totals.get(k, 0) + n
    if not totals:
        return ""
    known = {k: i for i, k in enumerate(ERROR_CATEGORIES)}
    cats = sorted(totals, key=lambda k: (-totals[k], known.get(k, len(known)), k))
    lay = _Rows.make(compact, left=210, right=60, top=6, row_h=26, bar_h=18)
    xmax = _ticks(max(totals.values()))[-1]
    parts = []
    for i, k in enumerate(cats):
        name = label(lang, "error", k)
        w = totals[k] / xmax * lay.bar_w
        parts.append(lay.label(i, name, reserve=60))
        parts.append(
            _rect(
                lay.x0, lay.bar_y(i), w, lay.bar_h, "bar err", f"{name}: {fmt_int(totals[k], lang)}"
            )
        )
        parts.append(lay.value(i, _esc(fmt_int(totals[k], lang)), at=lay.x0 + w))
    return _svg(
        chart_id,
        lay.width,
        lay.height(len(cats), 6),
        t(lang, "errors"),
        t(lang, "errors_chart_desc"),
        "".join(parts),
    )


# --- disagreements ----------------------------------------------------------------------


def top_disagreements(df: pd.DataFrame, n: int = TOP_DISAGREEMENTS) -> list[dict[str, Any]]:
    """The n items with the lowest agreement (more votes first on ties, then by key)."""
    df = _frame(df, DISAGREEMENT_COLUMNS)
    rows = [
        {
            "benchmark": _str(r["benchmark"]),
            "item_key": _str(r["item_key"]),
            "votes": _json_counts(r["votes"]),
            "agreement": _num(r["agreement"]),
            "status": _str(r["status"]),
            "question": _str(r["question"]),
        }
        for r in _records(df)
    ]
    rows.sort(
        key=lambda r: (
            r["agreement"] if r["agreement"] is not None else math.inf,
            -sum(r["votes"].values()),
            r["benchmark"],
            r["item_key"],
        )
    )
    return rows[:n]


# --- sections: what each template shows ------------------------------------------------
#
# Each `_x_section` returns the context its template (templates/sections/x.html.j2) needs,
# or None when there is nothing to show (the page then says so). Charts are built here as
# inline SVG strings and handed over as Markup; everything else is plain data the template
# escapes.

Section = dict[str, Any] | None


def _figure(
    build: Callable[[bool], str], *, legend: Sequence[Mapping[str, Any]] = (), lines: bool = False
) -> dict[str, Any] | None:
    """Both layouts of a chart; a CSS container query shows the one that fits its box.

    Bar charts switch to compact below 600px (their labels would shrink past ~11px);
    line charts (`lines`) have smaller text and a narrower viewBox, so they switch at 430px.
    """
    from markupsafe import Markup

    wide = build(False)
    if not wide:
        return None
    return {
        "wide": Markup(wide),  # built here; every text went through _esc
        "compact": Markup(build(True)),
        "legend": list(legend),
        "lines": lines,
    }


def _legend_item(cls: str, text: str, value: str | None = None) -> dict[str, Any]:
    return {"cls": cls, "text": text, "value": value}


def _history_section(data: ReportData, lang: str, order: Sequence[str]) -> Section:
    import pandas as pd

    df = _frame(data.history, HISTORY_COLUMNS)
    times = pd.to_datetime(df["pulled_at"], utc=True, errors="coerce")
    if df.empty or times.isna().all():
        return None
    latest = (
        df.assign(_t=times, _b=df["benchmark"].map(_str))
        .dropna(subset=["_t"])
        .sort_values("_t", kind="stable")
        .groupby("_b", sort=False)
        .tail(1)
    )
    panels = []
    for metric, key in (
        ("completed", "completed_records"),
        ("submitted_responses", "submitted_responses"),
    ):
        chart_id = f"chart-history-{metric.replace('_', '-')}"
        values = {r["_b"]: _num(r[metric]) for r in _records(latest)}
        legend = [
            _legend_item(
                _series_class(order.index(b) if b in order else i), b, fmt_int(values[b], lang)
            )
            for i, b in enumerate(_in_order(values, order))
        ]
        figure = _figure(
            lambda compact, m=metric, c=chart_id: history_chart(
                df, m, lang, order, c + ("-compact" if compact else ""), compact=compact
            ),
            legend=legend,
            lines=True,
        )
        if figure:
            panels.append({"title": key, "figure": figure})
    return {"panels": panels} if panels else None


def _completion_section(data: ReportData, lang: str, order: Sequence[str]) -> Section:
    df = _frame(data.progress, PROGRESS_COLUMNS)
    if df.empty:
        return None
    df["benchmark"] = df["benchmark"].map(_str)
    rank = {b: i for i, b in enumerate(order)}
    df = df.assign(_o=df["benchmark"].map(lambda b: rank.get(b, len(rank)))).sort_values(
        ["_o", "benchmark"], kind="stable"
    )
    legend = [
        _legend_item("seg-done", t(lang, "completed")),
        _legend_item("seg-pending", t(lang, "pending")),
    ]
    cols = ("total", "completed", "pending", "submitted_responses", "annotators")
    rows = [
        {"benchmark": r["benchmark"], "cells": [_num(r[c]) for c in cols]} for r in _records(df)
    ]
    figure = _figure(
        lambda compact: completion_chart(
            df, lang, "chart-completion" + ("-compact" if compact else ""), compact=compact
        ),
        legend=legend,
    )
    return {"figure": figure, "rows": rows}


def _leaderboard_section(data: ReportData, lang: str, thresholds: Sequence[int]) -> Section:
    frame = _frame(data.leaderboard, LEADERBOARD_COLUMNS)
    rows = _leaderboard_rows(frame)
    if not rows:
        return None
    # Care next to the count: phantom corrections when counted, gold only when it exists.
    care = [c for c in CARE_COLUMNS if c in frame.columns]
    low = data.low_agreement
    for r in rows:
        r["low_agreement"] = low is not None and r["agreement"] is not None and r["agreement"] < low
        r["phantom_flagged"] = r["phantom_corrections"] >= max(data.phantom_flag, 1)
        gold_min, accuracy = data.gold_min_accuracy, r["gold_accuracy"]
        r["gold_flagged"] = None not in (gold_min, accuracy) and accuracy < gold_min
        r["reached"] = bool(thresholds) and r["submitted"] >= min(thresholds)
        r["badges"] = [th for th in thresholds if r["submitted"] >= th]
        r["per_benchmark"] = sorted(r["per_benchmark"].items(), key=lambda kv: (-kv[1], kv[0]))
    headers = [
        ("num", t(lang, "rank")),
        ("", t(lang, "volunteer")),
        ("num", t(lang, "validations")),
        ("", t(lang, "per_benchmark")),
        ("num", t(lang, "agreement_with_consensus")),
        *[("num", t(lang, c)) for c in care],
        ("", t(lang, "milestones")),
    ]
    figure = _figure(
        lambda compact: leaderboard_chart(
            rows,
            thresholds,
            lang,
            "chart-leaderboard" + ("-compact" if compact else ""),
            compact=compact,
        )
    )
    return {
        "rows": rows,
        "headers": headers,
        "care_columns": care,
        "figure": figure,
        "n_top": min(len(rows), TOP_LEADERBOARD_BARS),
    }


def _agreement_section(data: ReportData, lang: str, order: Sequence[str]) -> Section:
    rows = _agreement_rows(_frame(data.agreement, AGREEMENT_COLUMNS), order)
    if not rows:
        return None
    for r in rows:
        r["reading"] = alpha_reading(r["alpha"])
    reliable = f"α ≥ {fmt_float(ALPHA_RELIABLE, lang, 1)} · {t(lang, 'reading_reliable')}"
    tentative = f"α ≥ {fmt_float(ALPHA_TENTATIVE, lang, 3)} · {t(lang, 'reading_tentative')}"
    figure = _figure(
        lambda compact: agreement_chart(
            rows, lang, "chart-agreement" + ("-compact" if compact else ""), compact=compact
        ),
        legend=[_legend_item("band reliable", reliable), _legend_item("band tentative", tentative)],
    )
    return {"figure": figure, "rows": rows}


def _verdicts_section(data: ReportData, lang: str, order: Sequence[str]) -> Section:
    counts = _counts_by(_frame(data.verdicts, VERDICT_COLUMNS), "verdict")
    if not counts:
        return None
    verdicts = _ordered_keys(VERDICTS, {v for c in counts.values() for v in c})
    legend = [
        _legend_item(f"v-{v}" if v in VERDICTS else "v-other", label(lang, "verdict", v))
        for v in verdicts
    ]
    rows = [
        {"benchmark": b, "counts": counts[b], "total": sum(counts[b].values())}
        for b in _in_order(counts, order)
    ]
    figure = _figure(
        lambda compact: verdict_chart(
            counts, order, lang, "chart-verdicts" + ("-compact" if compact else ""), compact=compact
        ),
        legend=legend,
    )
    return {"figure": figure, "verdicts": verdicts, "rows": rows}


def _errors_section(data: ReportData, lang: str, order: Sequence[str]) -> Section:
    counts = _counts_by(_frame(data.errors, ERROR_COLUMNS), "category")
    if not counts:
        return None
    cats = _ordered_keys(ERROR_CATEGORIES, {k for c in counts.values() for k in c})
    rows = [
        {"benchmark": b, "cells": [counts[b].get(k, 0) for k in cats]}
        for b in _in_order(counts, order)
    ]
    figure = _figure(
        lambda compact: error_chart(
            counts, lang, "chart-errors" + ("-compact" if compact else ""), compact=compact
        )
    )
    return {
        "figure": figure,
        "categories": cats,
        "rows": rows,
        "peak": max(n for c in counts.values() for n in c.values()),
    }


def _disagreements_section(data: ReportData, lang: str) -> Section:
    rows = top_disagreements(_frame(data.disagreements, DISAGREEMENT_COLUMNS))
    if not rows:
        return None
    for r in rows:
        r["question_short"] = _clip(r["question"], 160)
        r["votes"] = [(k, r["votes"][k]) for k in _ordered_keys(VERDICTS, r["votes"])]
    return {"rows": rows}


def _summary_section(data: ReportData, lang: str, thresholds: Sequence[int]) -> Section:
    progress = _frame(data.progress, PROGRESS_COLUMNS)
    leaderboard = _leaderboard_rows(_frame(data.leaderboard, LEADERBOARD_COLUMNS))
    agreement = _agreement_rows(_frame(data.agreement, AGREEMENT_COLUMNS), [])
    if progress.empty and not leaderboard and not agreement:
        return None
    has_progress = not progress.empty
    total = sum(_int(v) for v in progress["total"].tolist())
    done = sum(_int(v) for v in progress["completed"].tolist())
    responses = sum(_int(v) for v in progress["submitted_responses"].tolist())
    if leaderboard:
        volunteers: float | None = sum(1 for r in leaderboard if r["submitted"] > 0)
    else:  # per-benchmark counts overlap: the largest is a lower bound, not a sum
        volunteers = max((_num(v) or 0 for v in progress["annotators"].tolist()), default=None)
    overall = next((r for r in agreement if r["overall"]), None)
    alpha = overall["alpha"] if overall else None
    of_total = t(lang, "of_total", done=fmt_int(done, lang), total=fmt_int(total, lang))

    def kpi(key: str, value: str, sub: str = "", reading: str = "") -> dict[str, str]:
        return {"label": t(lang, key), "value": value, "sub": sub, "reading": reading}

    kpis = [
        kpi("kpi_records", fmt_int(total if has_progress else None, lang)),
        kpi(
            "kpi_completed",
            fmt_pct(done / total, lang) if total else t(lang, "na"),
            sub=of_total if total else "",
        ),
        kpi("kpi_responses", fmt_int(responses if has_progress else None, lang)),
        kpi("kpi_volunteers", fmt_int(volunteers, lang)),
        kpi("kpi_alpha", fmt_float(alpha, lang), reading=alpha_reading(alpha)),
    ]
    milestones = []
    if leaderboard:
        milestones = [
            {"threshold": th, "n": sum(1 for r in leaderboard if r["submitted"] >= th)}
            for th in thresholds
        ]
    return {"kpis": kpis, "milestones": milestones}


def triage_chart(
    rows: Sequence[Mapping[str, Any]],
    lang: str,
    chart_id: str = "chart-triage",
    *,
    compact: bool = False,
) -> str:
    """Per automatic check, its precision (upper bar) and recall (lower bar), 0-100%."""
    rows = [r for r in rows if r.get("precision") is not None or r.get("recall") is not None]
    if not rows:
        return ""
    lay = _Rows.make(compact, left=270, right=120, top=6, row_h=34, bar_h=22)
    half = lay.bar_h / 2 - 1
    parts = []
    for i, r in enumerate(rows):
        name = label(lang, "check", str(r["check"]))
        parts.append(lay.label(i, name, strong=r["check"] == "any", reserve=120))
        for k, (key, cls) in enumerate((("precision", "s0"), ("recall", "s1"))):
            value = r.get(key)
            if value is None:
                continue
            tip = f"{name}: {t(lang, key)} {fmt_pct(value, lang)}"
            y = lay.bar_y(i) + k * (half + 2)
            parts.append(_rect(lay.x0, y, value * lay.bar_w, half, cls, tip))
        shown = f"{fmt_pct(r.get('precision'), lang)} · {fmt_pct(r.get('recall'), lang)}"
        parts.append(lay.value(i, _esc(shown), at=lay.x0 + lay.bar_w))
    return _svg(
        chart_id,
        lay.width,
        lay.height(len(rows), 6),
        t(lang, "triage"),
        t(lang, "triage_chart_desc"),
        "".join(parts),
    )


def _triage_section(data: ReportData, lang: str) -> Section:
    if not data.triage:
        return None
    figure = _figure(
        lambda compact: triage_chart(
            data.triage or [],
            lang,
            "chart-triage" + ("-compact" if compact else ""),
            compact=compact,
        ),
        legend=[_legend_item("s0", t(lang, "precision")), _legend_item("s1", t(lang, "recall"))],
    )
    return {"figure": figure, "rows": list(data.triage)}


# --- page -------------------------------------------------------------------------------

SECTIONS: tuple[str, ...] = (
    "summary",
    "history",
    "completion",
    "leaderboard",
    "agreement",
    "verdicts",
    "errors",
    "disagreements",
)


@functools.cache
def _environment() -> jinja2.Environment:
    """The templates shipped in annotate/templates, autoescaped, failing on a missing name."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("annotate", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _helpers(lang: str) -> dict[str, Any]:
    """The i18n and number formatting the templates call, bound to the page's language."""
    return {
        "t": lambda key, **values: t(lang, key, **values),
        "plural": lambda key, n, **values: plural(lang, key, n, **values),
        "label": lambda kind, value: label(lang, kind, value),
        "fmt_int": lambda n: fmt_int(n, lang),
        "fmt_pct": lambda x: fmt_pct(x, lang),
        "fmt_float": lambda x: fmt_float(x, lang),
        "verdicts": VERDICTS,
        "statuses": STATUSES,
    }


def build_report(data: ReportData, *, lang: str) -> str:
    """Render the whole campaign report as one offline HTML page, labelled in `lang`."""
    order = _benchmark_order(data)
    thresholds = _thresholds(data.thresholds)
    bodies = {
        "summary": _summary_section(data, lang, thresholds),
        "history": _history_section(data, lang, order),
        "completion": _completion_section(data, lang, order),
        "leaderboard": _leaderboard_section(data, lang, thresholds),
        "agreement": _agreement_section(data, lang, order),
        "verdicts": _verdicts_section(data, lang, order),
        "errors": _errors_section(data, lang, order),
        "disagreements": _disagreements_section(data, lang),
        "review": data.review if data.review and data.review.get("rows") else None,
    }
    # shown only in campaigns that run the triage (config `triage.enabled`)
    triage = [{"id": "triage", "body": _triage_section(data, lang)}] if data.triage else []
    ids = list(SECTIONS)
    if data.mt_quality:  # ESA campaigns: how good the machine translation was
        from annotate.esa_quality import report_section

        bodies["mt_quality"] = report_section(data.mt_quality, lang)
        ids.insert(ids.index("errors") + 1, "mt_quality")
    if bodies["review"] is not None:  # once the campaign has a review stage
        ids.append("review")
    meta = " · ".join(
        [
            t(lang, "generated_at", when=data.generated_at),
            t(lang, "campaign_language", language=language_name(data.language)),
        ]
    )
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=t(lang, "report_title", campaign=data.campaign),
            meta=meta,
            sections=[{"id": s, "body": bodies[s]} for s in ids] + triage,
            **_helpers(lang),
        )
    )


def write_report(html_text: str, path: str | os.PathLike[str]) -> Path:
    """Write the page atomically (temp file + os.replace) so a reader never sees half a page."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(html_text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a published page must be world-readable
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
