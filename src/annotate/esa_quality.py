"""How good was the machine translation: ESA scores, MQM penalties and span agreement.

Under `protocol: esa` every submitted response carries a 0-10 score and error spans over
the segment layout (annotate.esa). Per item:

* `mt_esa_score`: the mean of the submitted scores, times 10 (0-100, ESA's scale; Kocmi
  et al., WMT 2024).
* `mt_mqm_penalty`: an MQM-style penalty from the spans, with the weights Google and WMT
  use for their MQM data (Freitag et al., TACL 2021; github google/wmt-mqm-human-evaluation):
  major 5, minor 1, minor punctuation 0.1, non-translation 25. That variant caps a
  segment at 5 errors; here a *segment* is one part of the item (the question, option A,
  ...), so per annotator and segment the 5 heaviest errors count, and a non-translation
  counts 25 for its segment in place of everything else there. An annotator's penalty is
  the sum over segments; the item's is the mean over its annotators (no spans: 0), as
  that repository's scoring script does (it reports the negated value). Its annotators
  could mark at most 5 errors per segment; Argilla cannot limit spans, so the cap is
  applied here. The penalty is not normalised by length (themqm.org's per-word variant
  is not this one): lower is better, 0 is no error found.
* `mt_span_f1`: how much annotators agree on *where* the errors are: character-level F1
  between each pair of annotators (2|A∩B| / (|A| + |B|) over the characters each marked,
  severity aside), averaged over the pairs in which anyone marked something. Pairwise F1
  is the agreement measure for span annotation, where chance agreement is undefined
  (Hripcsak & Rothschild, "Agreement, the F-measure, and reliability in information
  retrieval", JAMIA 12(3), 2005). Per benchmark it is pooled over all pairs (micro).
* `mt_segment_penalty`: the penalty per segment (which option was wrong), and `mt_spans`:
  every span mapped to its segment (annotator, segment, offsets in the segment's text,
  label, category, severity, counted weight).

Per benchmark: means of the item scores and penalties with 95% percentile bootstrap
intervals (items resampled, seeded), and per error category the spans and the penalty
they account for. Only submitted responses on the item's current text count (as in
resolve). Pure functions, a Python loop per answered item: 14k items answered by two
annotators (two spans each) took 8-9 s, and their summary (bootstrap included) 3-4 s, on
a 2-core VM at load average 9 (about a quarter of a core); items nobody answered cost
nothing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from annotate.esa import (
    MAJOR,
    MINOR,
    NON_TRANSLATION,
    PUNCTUATION,
    SCORE_QUESTION,
    SCORE_SCALE,
    SPAN_QUESTION,
    Layout,
    parse_label,
    parse_layout,
    segment_offsets,
)

if TYPE_CHECKING:
    import pandas as pd

WEIGHT_MAJOR = 5.0
WEIGHT_MINOR = 1.0
WEIGHT_MINOR_PUNCTUATION = 0.1
WEIGHT_NON_TRANSLATION = 25.0
MAX_ERRORS_PER_SEGMENT = 5
UNCATEGORISED = "uncategorised"

# The per-item columns resolve adds to its items table in ESA campaigns.
QUALITY_COLUMNS: tuple[str, ...] = (
    "n_esa",
    "mt_esa_score",
    "mt_mqm_penalty",
    "mt_span_f1",
    "mt_segment_penalty",
    "mt_spans",
    "mt_span_overlap",  # 2|A∩B| summed over the item's pairs: the pooled F1's numerator
    "mt_span_marked",  # |A|+|B| summed over them: its denominator
)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str


def read_spans(value: Any) -> list[Span]:
    """A span answer as pulled (JSON text or a list of {start, end, label}) -> spans.

    Entries without integer offsets, or empty (end <= start), are dropped: the server
    refuses them, so they can only come from a damaged file, and a bad entry must not
    sink the item's other spans."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    out = []
    for entry in value if isinstance(value, list) else []:
        if not isinstance(entry, Mapping):
            continue
        start, end, label = entry.get("start"), entry.get("end"), entry.get("label")
        if (
            isinstance(start, int)
            and isinstance(end, int)
            and not isinstance(start, bool)
            and not isinstance(end, bool)
            and end > start
        ):
            out.append(Span(start, end, str(label or MAJOR)))
    return out


def error_weight(label: str) -> float:
    """The MQM weight of one error (Google/WMT): major 5, minor 1, minor punctuation 0.1,
    non-translation 25."""
    category, severity = parse_label(label)
    if category == NON_TRANSLATION:
        return WEIGHT_NON_TRANSLATION
    if severity == MINOR:
        return WEIGHT_MINOR_PUNCTUATION if category == PUNCTUATION else WEIGHT_MINOR
    return WEIGHT_MAJOR


def counted_weights(labels: Sequence[str]) -> list[float]:
    """The weight each error of ONE annotator in ONE segment counts for, in input order:
    the 5 heaviest count (ties: the earlier), the rest 0; a non-translation counts 25
    and nothing else in the segment does."""
    weights = [error_weight(label) for label in labels]
    nt = [i for i, label in enumerate(labels) if parse_label(label)[0] == NON_TRANSLATION]
    if nt:
        return [WEIGHT_NON_TRANSLATION if i == nt[0] else 0.0 for i in range(len(labels))]
    keep = sorted(range(len(weights)), key=lambda i: (-weights[i], i))[:MAX_ERRORS_PER_SEGMENT]
    return [weights[i] if i in keep else 0.0 for i in range(len(weights))]


def segment_penalty(labels: Sequence[str]) -> float:
    """MQM penalty of one annotator's errors in one segment."""
    return sum(counted_weights(labels))


@dataclass(frozen=True)
class PlacedSpan:
    """A span as the release shows it: the segment it falls in (None when it covers no
    segment text at all, e.g. only a marker line), offsets in that segment's text."""

    segment: str | None
    start: int
    end: int
    missing: bool
    label: str
    weight: float = 0.0


def place(spans: Sequence[Span], lay: Layout | None) -> list[PlacedSpan]:
    """Each span in its segment (the first one it touches), weights counted per segment.

    Without a layout (a field not laid out as pushed) every span is in one segment, None.
    A span that touches no segment text or sentinel is kept with segment None and weight
    0: it cannot say what was wrong."""
    placed: list[tuple[str | None, int, int, bool, str, bool]] = []
    for span in spans:
        if lay is None:
            placed.append((None, span.start, span.end, False, span.label, True))
            continue
        pieces = segment_offsets(lay, span.start, span.end)
        if not pieces:
            placed.append((None, span.start, span.end, False, span.label, False))
            continue
        first = pieces[0]
        end = max(p.end for p in pieces if p.segment == first.segment)
        missing = all(p.missing for p in pieces if p.segment == first.segment)
        placed.append((first.segment, first.start, end, missing, span.label, True))
    weights = [0.0] * len(placed)
    by_segment: dict[str | None, list[int]] = {}
    for i, p in enumerate(placed):
        if p[5]:
            by_segment.setdefault(p[0], []).append(i)
    for idx in by_segment.values():
        for i, w in zip(idx, counted_weights([placed[i][4] for i in idx]), strict=True):
            weights[i] = w
    return [
        PlacedSpan(p[0], p[1], p[2], p[3], p[4], w) for p, w in zip(placed, weights, strict=True)
    ]


def marked_characters(spans: Sequence[Span], lay: Layout | None) -> set[int]:
    """The field positions an annotator marked, inside segment texts and sentinels only
    (marker lines and separators are layout, not translation)."""
    out: set[int] = set()
    for span in spans:
        if lay is None:
            out.update(range(span.start, span.end))
            continue
        for piece in segment_offsets(lay, span.start, span.end):
            if piece.missing:
                out.update(range(*lay.missing[piece.segment]))
            else:
                s = lay.segments[piece.segment][0]
                out.update(range(s + piece.start, s + piece.end))
    return out


def pair_overlap(a: set[int], b: set[int]) -> tuple[int, int]:
    """(2|A∩B|, |A|+|B|): F1 is their ratio; sums of both pool pairs (micro F1)."""
    return 2 * len(a & b), len(a) + len(b)


def span_f1(marked: Sequence[set[int]]) -> tuple[float, int, int]:
    """Mean pairwise character F1 over pairs where anyone marked something (NaN when
    none), and the pooled (2|A∩B|, |A|+|B|) sums for a micro average."""
    f1s, inter, total = [], 0, 0
    for i in range(len(marked)):
        for j in range(i + 1, len(marked)):
            n, d = pair_overlap(marked[i], marked[j])
            if d:
                f1s.append(n / d)
                inter, total = inter + n, total + d
    return (sum(f1s) / len(f1s) if f1s else math.nan), inter, total


@dataclass(frozen=True)
class Answer:
    """One annotator's submitted ESA answer on one item."""

    annotator: str
    score: int | None
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class ItemQuality:
    n_esa: int
    esa_score: float
    mqm_penalty: float
    span_f1: float
    f1_pairs: tuple[int, int]
    segment_penalty: dict[str | None, float]
    spans: list[dict[str, Any]]


def item_quality(answers: Sequence[Answer], lay: Layout | None) -> ItemQuality:
    """ESA score, MQM penalty (mean over annotators), span F1 and the placed spans."""
    scores = [a.score for a in answers if a.score is not None]
    esa_score = SCORE_SCALE * sum(scores) / len(scores) if scores else math.nan
    per_segment: dict[str | None, float] = {}
    placed_rows = []
    for a in answers:
        for p in place(a.spans, lay):
            per_segment[p.segment] = per_segment.get(p.segment, 0.0) + p.weight
            category, severity = parse_label(p.label)
            placed_rows.append(
                {
                    "annotator": a.annotator,
                    "segment": p.segment,
                    "start": p.start,
                    "end": p.end,
                    "missing": p.missing,
                    "label": p.label,
                    "category": category,
                    "severity": severity,
                    "weight": p.weight,
                }
            )
    n = len(answers)
    mean_segment = {k: v / n for k, v in per_segment.items() if v} if n else {}
    penalty = sum(per_segment.values()) / n if n else math.nan
    f1, inter, total = span_f1([marked_characters(a.spans, lay) for a in answers])
    return ItemQuality(n, esa_score, penalty, f1, (inter, total), mean_segment, placed_rows)


# --- frames -------------------------------------------------------------------------------


def _field_texts(records: pd.DataFrame) -> dict[str, Any]:
    """record id -> the span field as pulled ({} for snapshots without the column)."""
    if "translation" not in records:
        return {}
    return dict(zip(records["record_id"], records["translation"], strict=True))


def _layout_of(text: Any, segments: dict[str, str]) -> Layout | None:
    if not isinstance(text, str):
        return None
    return parse_layout(text, list(segments))


def answers_by_item(responses: pd.DataFrame) -> dict[str, list[Answer]]:
    """record id -> submitted ESA answers, from pull's tidy table (stale rows removed by
    the caller). An annotator counts on an item when their submitted response has a score
    or spans."""
    import pandas as pd

    rows = responses[
        (responses["status"].astype(str) == "submitted")
        & responses["question"].isin([SCORE_QUESTION, SPAN_QUESTION])
    ]
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for rec in rows.itertuples(index=False):
        key = (str(rec.record_id), str(rec.user_id))
        slot = found.setdefault(key, {"name": str(rec.username), "score": None, "spans": ()})
        value = None if pd.isna(rec.value) else rec.value
        if rec.question == SCORE_QUESTION:
            try:
                score = int(str(value))
            except ValueError:
                score = None
            slot["score"] = score if score is not None and 0 <= score <= 10 else None
        else:
            slot["spans"] = tuple(read_spans(value))
    out: dict[str, list[Answer]] = {}
    for (rid, _), slot in sorted(found.items()):
        out.setdefault(rid, []).append(Answer(slot["name"], slot["score"], slot["spans"]))
    return out


def quality_frame(
    items: pd.DataFrame, responses: pd.DataFrame, records: pd.DataFrame
) -> pd.DataFrame:
    """One row per item: record_id, benchmark and QUALITY_COLUMNS (NaN/{}/[] when no
    ESA answer). `responses` as resolve gets them (with `content_hash`: votes on an
    earlier text are left out); `records` gives the span field as pushed."""
    import pandas as pd

    resp = responses
    if "content_hash" in resp and "content_hash" in items and len(resp):
        current = dict(zip(items["record_id"], items["content_hash"], strict=True))
        now = resp["record_id"].map(current)
        stale = now.notna() & resp["content_hash"].notna() & (now != resp["content_hash"])
        resp = resp[~stale]
    answers = answers_by_item(resp)
    texts = _field_texts(records)
    rows = []
    nobody = item_quality([], None)
    for rec in items.itertuples(index=False):
        given = answers.get(rec.record_id, [])
        if given:
            q = item_quality(given, _layout_of(texts.get(rec.record_id), json.loads(rec.segments)))
        else:  # most items of a campaign under way: no layout to read
            q = nobody
        rows.append(
            {
                "record_id": rec.record_id,
                "benchmark": rec.benchmark,
                "n_esa": q.n_esa,
                "mt_esa_score": q.esa_score,
                "mt_mqm_penalty": q.mqm_penalty,
                "mt_span_f1": q.span_f1,
                "mt_segment_penalty": json.dumps(
                    {str(k): v for k, v in q.segment_penalty.items()}, ensure_ascii=False
                ),
                "mt_spans": json.dumps(q.spans, ensure_ascii=False),
                "mt_span_overlap": q.f1_pairs[0],
                "mt_span_marked": q.f1_pairs[1],
            }
        )
    columns = ["record_id", "benchmark", *QUALITY_COLUMNS]
    return pd.DataFrame(rows, columns=columns)


def bootstrap_mean(
    values: Sequence[float], *, n_bootstrap: int = 1000, seed: int = 0, level: float = 0.95
) -> tuple[float, float, float]:
    """(mean, low, high): a percentile bootstrap interval of the mean (values resampled
    with replacement, numpy's default generator seeded). NaN when there are no values;
    a single value gives a zero-width interval."""
    import numpy as np

    x = np.asarray([v for v in values if not math.isnan(v)], dtype=np.float64)
    if not len(x):
        return math.nan, math.nan, math.nan
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, len(x), size=(n_bootstrap, len(x)))].mean(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(x.mean()), float(low), float(high)


def _num(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 4)


def summarize(
    frame: pd.DataFrame, order: Iterable[str], *, seed: int = 0, n_bootstrap: int = 1000
) -> dict[str, Any]:
    """Per benchmark (in `order`, then "overall"): items scored, mean ESA score and MQM
    penalty with their 95% bootstrap intervals, pooled span F1; per benchmark and error
    category: spans by severity and the penalty per item they account for."""
    groups = [(name, frame[frame["benchmark"] == name]) for name in order]
    groups.append(("overall", frame))
    benchmarks: dict[str, Any] = {}
    categories: list[dict[str, Any]] = []
    for name, grp in groups:
        scored = grp[grp["n_esa"] > 0]
        esa = bootstrap_mean(list(scored["mt_esa_score"]), n_bootstrap=n_bootstrap, seed=seed)
        mqm = bootstrap_mean(list(scored["mt_mqm_penalty"]), n_bootstrap=n_bootstrap, seed=seed)
        den = int(grp["mt_span_marked"].sum())
        benchmarks[name] = {
            "items": len(grp),
            "scored_items": len(scored),
            "esa_score": _num(esa[0]),
            "esa_low": _num(esa[1]),
            "esa_high": _num(esa[2]),
            "mqm_penalty": _num(mqm[0]),
            "mqm_low": _num(mqm[1]),
            "mqm_high": _num(mqm[2]),
            "span_f1": _num(int(grp["mt_span_overlap"].sum()) / den) if den else None,
        }
        per_cat: dict[str, dict[str, float]] = {}
        for spans_json, n in zip(scored["mt_spans"], scored["n_esa"], strict=True):
            for s in json.loads(spans_json):
                cat = per_cat.setdefault(
                    s["category"] or UNCATEGORISED, {MINOR: 0, MAJOR: 0, "penalty": 0.0}
                )
                cat[s["severity"]] += 1
                cat["penalty"] += s["weight"] / n
        for cat, counts in sorted(per_cat.items(), key=lambda kv: (-kv[1]["penalty"], kv[0])):
            categories.append(
                {
                    "benchmark": name,
                    "category": cat,
                    "minor": int(counts[MINOR]),
                    "major": int(counts[MAJOR]),
                    "penalty_per_item": _num(counts["penalty"] / len(scored)),
                }
            )
    return {
        "benchmarks": benchmarks,
        "categories": categories,
        "weights": "MQM (Google/WMT): major 5, minor 1, minor punctuation 0.1, "
        "non-translation 25, at most 5 errors per segment",
        "span_agreement": "pairwise character-level F1 (Hripcsak & Rothschild 2005)",
        "seed": seed,
        "n_bootstrap": n_bootstrap,
    }


def attach(
    resolution: Any,
    items: pd.DataFrame,
    responses: pd.DataFrame,
    records: pd.DataFrame,
    *,
    order: Iterable[str],
    seed: int = 0,
    n_bootstrap: int = 1000,
) -> Any:
    """`resolution` (resolve.Resolution) with the quality columns on its items and the
    per-benchmark summary under `mt_quality` in its params (so in `summary()`)."""
    import dataclasses

    frame = quality_frame(items, responses, records)
    kept = resolution.items.drop(columns=list(QUALITY_COLUMNS), errors="ignore")  # saved ones
    merged = kept.merge(frame[["record_id", *QUALITY_COLUMNS]], on="record_id", how="left")
    summary = summarize(frame, order, seed=seed, n_bootstrap=n_bootstrap)
    params = {**resolution.params, "mt_quality": summary}
    return dataclasses.replace(resolution, items=merged, params=params)


def with_quality(
    cfg: Any, resolution: Any, items: pd.DataFrame, responses: pd.DataFrame, records: Any
) -> Any:
    """The hook resolve and the report call: `attach` in ESA campaigns, else unchanged."""
    if getattr(cfg, "protocol", "verdict") != "esa" or records is None:
        return resolution
    return attach(
        resolution,
        items,
        responses,
        records,
        order=[b.name for b in cfg.benchmarks],
        seed=int(resolution.params.get("seed", 0)),
        n_bootstrap=int(resolution.params.get("n_bootstrap", 1000)),
    )


def _interval(value: Any, low: Any, high: Any, digits: int, missing: str = "—") -> str:
    """'61.7 [55.0, 70.2]' (the interval left out when unknown; `missing`: no value)."""
    if value is None:
        return missing
    if low is None or high is None:
        return f"{value:.{digits}f}"
    return f"{value:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


QUALITY_TABLE = (
    "benchmark",
    "scored items",
    "ESA score [95% CI]",
    "MQM penalty [95% CI]",
    "span F1",
)


def quality_rows(mt_quality: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """The per-benchmark rows of `summarize` as table cells (resolve's summary table)."""
    rows = []
    for name, b in mt_quality["benchmarks"].items():
        rows.append(
            (
                name,
                f"{b['scored_items']}/{b['items']}",
                _interval(b["esa_score"], b["esa_low"], b["esa_high"], 1),
                _interval(b["mqm_penalty"], b["mqm_low"], b["mqm_high"], 2),
                "—" if b["span_f1"] is None else f"{b['span_f1']:.2f}",
            )
        )
    return rows


# --- the release ---------------------------------------------------------------------------

# Columns an ESA release adds to every benchmark row, after the provenance ones:
# name -> (Arrow type, what the card says about it).
RELEASE_COLUMNS: dict[str, tuple[str, str]] = {
    "mt_esa_score": (
        "float64",
        "quality of the machine translation, 0-100 (ESA: the mean of the annotators' 0-10 "
        "scores, times 10); null when nobody scored it",
    ),
    "mt_mqm_penalty": (
        "float64",
        "MQM-style penalty of the machine translation from the annotators' error spans "
        "(Google/WMT weights: major 5, minor 1, minor punctuation 0.1, non-translation 25, "
        "at most 5 errors per segment), mean over annotators; 0: no error marked; null "
        "when nobody annotated it",
    ),
    "mt_segment_penalty": (
        "string",
        "JSON object: that penalty per segment (`question`, `A`, `B`, ...), i.e. which "
        "part of the item the errors were in; null when nobody annotated it",
    ),
}


def release_values(resolved: Mapping[str, Any]) -> dict[str, Any]:
    """The RELEASE_COLUMNS of one item, from its resolved row (None when not scored)."""
    n = resolved.get("n_esa")
    if n is None or (isinstance(n, float) and math.isnan(n)) or int(n) == 0:
        return dict.fromkeys(RELEASE_COLUMNS)

    def number(key: str) -> float | None:
        value = resolved.get(key)
        return None if value is None or math.isnan(float(value)) else float(value)

    return {
        "mt_esa_score": number("mt_esa_score"),
        "mt_mqm_penalty": number("mt_mqm_penalty"),
        "mt_segment_penalty": resolved.get("mt_segment_penalty"),
    }


def placed_value(value: Any, lay: Layout | None, segments: Mapping[str, str]) -> str | None:
    """A span answer as the release publishes it: each span with its segment, its offsets
    in that segment's text and the text it covers (`missing`: an omission marked on the
    segment's [MISSING]), next to the offsets in the field Argilla showed."""
    spans = read_spans(value)
    if not spans and not isinstance(value, str):
        return None
    out = []
    for span, p in zip(spans, place(spans, lay), strict=True):
        text = None
        if p.segment is not None and p.segment in segments:
            text = "" if p.missing else segments[p.segment][p.start : p.end]
        out.append(
            {
                "start": span.start,
                "end": span.end,
                "label": span.label,
                "segment": p.segment,
                "segment_start": p.start if p.segment is not None else None,
                "segment_end": p.end if p.segment is not None else None,
                "missing": p.missing,
                "text": text,
            }
        )
    return json.dumps(out, ensure_ascii=False)


def release_responses(
    responses: pd.DataFrame, records: pd.DataFrame, segments: Mapping[str, Mapping[str, str]]
) -> pd.DataFrame:
    """The pulled responses with every span answer placed in its segments (`placed_value`).
    `segments`: record id -> the item's segments (names in order, and texts)."""
    rows = responses["question"].astype(str) == SPAN_QUESTION
    if not rows.any():
        return responses
    texts = _field_texts(records)
    out = responses.copy()
    values = []
    for rid, value in zip(out.loc[rows, "record_id"], out.loc[rows, "value"], strict=True):
        seg = segments.get(rid, {})
        text = texts.get(rid)
        lay = parse_layout(text, list(seg)) if isinstance(text, str) and seg else None
        values.append(placed_value(value, lay, seg))
    out.loc[rows, "value"] = values
    return out


def card_section(mt_quality: Mapping[str, Any]) -> list[str]:
    """The dataset card's "MT quality" section (Markdown lines): per benchmark, then per
    benchmark and error category."""
    out = [
        "",
        "### MT quality",
        "",
        "Volunteers also measured the machine translation with Error Span Annotation (ESA; "
        "Kocmi et al., WMT 2024): they marked each error as minor or major (an omission on "
        "the `[MISSING]` mark of the segment it is missing from) and scored the item from 0 "
        "to 100. Per item: `mt_esa_score` (mean score), `mt_mqm_penalty` (an MQM-style "
        "penalty from the spans: "
        f"{mt_quality['weights']}; lower is better) and `mt_segment_penalty` (where). Span "
        f"agreement is the {mt_quality['span_agreement']}, pooled over annotator pairs. "
        "Means with 95% bootstrap intervals (items resampled, "
        f"{mt_quality['n_bootstrap']} draws, seed {mt_quality['seed']}). The raw spans are "
        "in the `responses` config (question `error_spans`), each placed in its segment.",
        "",
        "| benchmark | items scored | ESA score (0-100) [95% CI] | MQM penalty [95% CI] "
        "| span F1 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, b in mt_quality["benchmarks"].items():
        shown = f"**{name}**" if name == "overall" else name
        f1 = "n/a" if b["span_f1"] is None else f"{b['span_f1']:.2f}"
        out.append(
            f"| {shown} | {b['scored_items']} of {b['items']} | "
            f"{_interval(b['esa_score'], b['esa_low'], b['esa_high'], 1, 'n/a')} | "
            f"{_interval(b['mqm_penalty'], b['mqm_low'], b['mqm_high'], 2, 'n/a')} | {f1} |"
        )
    categories = mt_quality["categories"]
    if categories:
        out += [
            "",
            "Errors per category (spans marked, and the penalty per scored item they account for):",
            "",
            "| benchmark | category | minor | major | penalty per item |",
            "| --- | --- | --- | --- | --- |",
        ]
        for c in categories:
            penalty = "n/a" if c["penalty_per_item"] is None else f"{c['penalty_per_item']:.2f}"
            out.append(
                f"| {c['benchmark']} | {c['category']} | {c['minor']} | {c['major']} | {penalty} |"
            )
    return out


def report_section(mt_quality: Mapping[str, Any], lang: str) -> dict[str, Any] | None:
    """The context of the report's "MT quality" section (templates/sections/mt_quality),
    labelled in `lang`; None when no item was scored."""
    from annotate.esa_text import category_texts, report_texts
    from annotate.i18n import fmt_float, fmt_int, t

    words = report_texts(lang)
    names = {**category_texts(lang), UNCATEGORISED: words["uncategorised"]}

    def interval(b: Mapping[str, Any], key: str, digits: int) -> tuple[str, str]:
        value, low, high = b[key], b[f"{key[:3]}_low"], b[f"{key[:3]}_high"]
        span = (
            f"{fmt_float(low, lang, digits)} – {fmt_float(high, lang, digits)}"
            if low is not None and high is not None
            else t(lang, "na")
        )
        return fmt_float(value, lang, digits), span

    rows = []
    for name, b in mt_quality["benchmarks"].items():
        esa, esa_ci = interval(b, "esa_score", 1)
        mqm, mqm_ci = interval(b, "mqm_penalty", 2)
        rows.append(
            {
                "benchmark": t(lang, "overall") if name == "overall" else name,
                "overall": name == "overall",
                "scored": f"{fmt_int(b['scored_items'], lang)} / {fmt_int(b['items'], lang)}",
                "esa": esa,
                "esa_ci": esa_ci,
                "mqm": mqm,
                "mqm_ci": mqm_ci,
                "f1": fmt_float(b["span_f1"], lang),
            }
        )
    if not any(b["scored_items"] for b in mt_quality["benchmarks"].values()):
        return None
    categories = [
        {
            "benchmark": t(lang, "overall") if c["benchmark"] == "overall" else c["benchmark"],
            "category": names.get(c["category"], c["category"]),
            "minor": fmt_int(c["minor"], lang),
            "major": fmt_int(c["major"], lang),
            "penalty": fmt_float(c["penalty_per_item"], lang),
        }
        for c in mt_quality["categories"]
    ]
    return {"words": words, "rows": rows, "categories": categories}


def card_metadata(mt_quality: Mapping[str, Any]) -> dict[str, Any]:
    """The card's YAML `mt_quality` block: per benchmark the scored items, the mean ESA
    score and MQM penalty with their 95% intervals, and span F1 (null when unknown)."""
    keys = ("scored_items", "esa_score", "esa_low", "esa_high", "mqm_penalty", "mqm_low")
    keys += ("mqm_high", "span_f1")
    return {name: {k: b[k] for k in keys} for name, b in mt_quality["benchmarks"].items()}
