"""The ESA protocol: error spans and a 0-100 score on the machine translation itself.

`protocol: verdict` (the default) asks whether a translation is right and fixes it;
`protocol: esa` also *measures* it, as WMT does since 2024 with Error Span Annotation
(Kocmi et al., WMT 2024, aclanthology 2024.wmt-1.131): annotators mark error spans as
minor or major, then score the item 0-100. The verdict and correction questions stay, so
the data still gets fixed.

The layout (a contract other modules build on, e.g. triage's span suggestions):
- the spans are over the text field `SPAN_FIELD`, which holds the translation laid out
  by segment in plain text (Argilla does not render Markdown on a field that carries a
  span question, argilla #4722): a marker line `[[name]]` per segment (question, context,
  A, B, ...; the correct answer's marker line says so), then the segment's text, then one
  `[MISSING]` sentinel (`MISSING`): a span over it marks an omission in that segment, as
  ESA marks omissions;
- `SPAN_QUESTION` (labels `minor`/`major`, or `<category>:<severity>` and
  `non_translation` when error categories are on) and `SCORE_QUESTION` (a 0-10 rating,
  times 10: see `SCORE_SCALE`);
- `layout(segments)` / `item_layout(item, lang)` build the field text; `field_offsets`
  and `segment_offsets` map (segment, start, end within the segment) to offsets in the
  field and back. Offsets are Python string indices (code points), as argilla-server
  checks them.

Pure functions only, tested without a server.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from annotate.model import ERROR_CATEGORIES, Q_ERRORS

PROTOCOLS: tuple[str, ...] = ("verdict", "esa")

SPAN_QUESTION = "error_spans"
SCORE_QUESTION = "esa_score"
# The text field the spans are over: the translation, laid out by segment (plain text).
SPAN_FIELD = "translation"
# The omission sentinel, one per segment, after its text.
MISSING = "[MISSING]"

MINOR, MAJOR = "minor", "major"
SEVERITIES: tuple[str, ...] = (MINOR, MAJOR)
# Google/WMT MQM's "Non-translation!": the whole segment is no translation (weight 25).
NON_TRANSLATION = "non_translation"
# Categories a span may carry (`<category>:<severity>`) when error categories are on: the
# verdict design's categories plus punctuation, which MQM weighs apart (minor: 0.1).
PUNCTUATION = "punctuation"
SPAN_CATEGORIES: tuple[str, ...] = (
    "mistranslation",
    "omission_addition",
    "grammar_spelling",
    PUNCTUATION,
    "terminology",
    "untranslated",
    "answer_changed",
    "cultural_adaptation",
)
assert set(ERROR_CATEGORIES) <= set(SPAN_CATEGORIES)

# The score question: Argilla ratings hold 2 to 11 values in 0..10, so 0..10 times 10.
# ESA's own scale is a 0-100 slider with four anchors; 11 points is the finest Argilla
# offers, where the four anchors as labels would round every judgement to 0/33/66/100.
SCORE_VALUES: tuple[int, ...] = tuple(range(11))
SCORE_SCALE = 10


def span_labels(error_categories: bool) -> tuple[str, ...]:
    """The span question's label values, in display order."""
    if not error_categories:
        return SEVERITIES
    labels = [f"{c}:{s}" for c in SPAN_CATEGORIES for s in SEVERITIES]
    return (*labels, NON_TRANSLATION)


def parse_label(label: str) -> tuple[str | None, str]:
    """'terminology:major' -> ('terminology', 'major'); 'minor' -> (None, 'minor');
    'non_translation' -> ('non_translation', 'major'). Unknown severities read as major
    (the cautious side); a label is never dropped."""
    if label == NON_TRANSLATION:
        return NON_TRANSLATION, MAJOR
    category, _, severity = label.rpartition(":")
    severity = severity if severity in SEVERITIES else MAJOR
    return (category or None), severity


# --- the layout -------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """The field text and where each segment's text and sentinel sit in it.

    `segments[name]` is the (start, end) of the segment's text, `missing[name]` that of
    its `[MISSING]` sentinel; both are half-open ranges of code points in `text`.
    """

    text: str
    segments: dict[str, tuple[int, int]]
    missing: dict[str, tuple[int, int]]


@dataclass(frozen=True)
class SegmentSpan:
    """A span within one segment: `start`/`end` index the segment's own text; an
    omission (a span over the sentinel) has `missing` set and start == end == len(text)."""

    segment: str
    start: int
    end: int
    missing: bool = False


def marker_line(name: str, note: str = "") -> str:
    return f"[[{name}]]" + (f" {note}" if note else "")


def layout(segments: Mapping[str, str], notes: Mapping[str, str] | None = None) -> Layout:
    """Lay `segments` out as the span field: `[[name]] note`, the text, ` [MISSING]`,
    segments separated by a blank line. Texts are kept exactly (indentation, tabs, line
    breaks), so a span's offsets point into the segment's own text."""
    notes = notes or {}
    parts: list[str] = []
    pos = 0
    spans: dict[str, tuple[int, int]] = {}
    missing: dict[str, tuple[int, int]] = {}
    for i, (name, text) in enumerate(segments.items()):
        head = ("\n\n" if i else "") + marker_line(name, notes.get(name, "")) + "\n"
        pos += len(head)
        spans[name] = (pos, pos + len(text))
        pos += len(text) + 1  # the space before the sentinel
        missing[name] = (pos, pos + len(MISSING))
        pos += len(MISSING)
        parts.append(f"{head}{text} {MISSING}")
    return Layout("".join(parts), spans, missing)


def answer_notes(item: Any, lang: str) -> dict[str, str]:
    """What each marker line says besides the name: the correct answer (and TruthfulQA's
    other true answers), so the annotator can check it still holds after translation."""
    from annotate import records

    ui = records.ui_labels(lang)
    truths = records.true_choices(item)
    notes = {}
    for name in item.segments:
        if name in item.answer:
            notes[name] = f"{records.CORRECT_MARK} ({ui['best' if truths else 'correct']})"
        elif name in truths:
            notes[name] = f"{records.TRUE_MARK} ({ui['also_true']})"
    return notes


def item_layout(item: Any, lang: str) -> Layout:
    """The span field of an `Item` as push writes it (what triage's offsets must match)."""
    return layout(item.segments, answer_notes(item, lang))


def field_offsets(lay: Layout, segment: str, start: int, end: int) -> tuple[int, int]:
    """(segment, start, end within the segment's text) -> (start, end) in the field.

    `start == end == len(text)` with `missing=True` semantics is `missing_offsets`; here
    the range must be a non-empty part of the segment's text (ValueError otherwise)."""
    if segment not in lay.segments:
        raise ValueError(f"no segment {segment!r} in the layout ({', '.join(lay.segments)})")
    s, e = lay.segments[segment]
    if not 0 <= start < end <= e - s:
        raise ValueError(f"span {start}:{end} is outside segment {segment!r} (length {e - s})")
    return s + start, s + end


def missing_offsets(lay: Layout, segment: str) -> tuple[int, int]:
    """The field offsets of `segment`'s `[MISSING]` sentinel (to mark an omission)."""
    if segment not in lay.missing:
        raise ValueError(f"no segment {segment!r} in the layout ({', '.join(lay.missing)})")
    return lay.missing[segment]


def segment_offsets(lay: Layout, start: int, end: int) -> list[SegmentSpan]:
    """Field offsets -> the part of the span in each segment it touches, in order.

    A span over a marker line or a separator keeps only its parts inside segments; one
    across two segments gives one piece per segment; one touching a sentinel gives an
    omission piece for that segment. [] when it touches no segment at all (only marker
    lines), or when it is empty or out of the field."""
    out: list[SegmentSpan] = []
    start, end = max(start, 0), min(end, len(lay.text))
    if start >= end:
        return out
    for name, (s, e) in lay.segments.items():
        lo, hi = max(start, s), min(end, e)
        if lo < hi:
            out.append(SegmentSpan(name, lo - s, hi - s))
        ms, me = lay.missing[name]
        if start < me and end > ms:
            out.append(SegmentSpan(name, e - s, e - s, missing=True))
    return out


_MARKER_LINE = re.compile(r"^\[\[([A-Za-z0-9_.-]+)\]\]")


def parse_layout(text: str, names: list[str] | tuple[str, ...]) -> Layout | None:
    """Rebuild a `Layout` from a field text as pushed (when the item's texts are no
    longer at hand, or a marker note changed with the language); None when `text` is
    not a layout of `names` in that order. A segment whose own text holds
    " [MISSING]" + a blank line + the next marker line reads as ending there: prefer
    `item_layout` when it rebuilds the pulled text exactly."""
    segments: dict[str, tuple[int, int]] = {}
    missing: dict[str, tuple[int, int]] = {}
    pos = 0
    tail = f" {MISSING}"
    for i, name in enumerate(names):
        head = "\n\n" if i else ""
        if not text.startswith(head + f"[[{name}]]", pos):
            return None
        line_end = text.find("\n", pos + len(head))
        if line_end < 0:
            return None
        s = line_end + 1
        nxt = f"{tail}\n\n[[{names[i + 1]}]]" if i + 1 < len(names) else None
        if nxt is None:
            if not text.endswith(tail) or len(text) - len(tail) < s:
                return None
            e = len(text) - len(tail)
        else:
            e = text.find(nxt, s)
            if e < 0:
                return None
        segments[name] = (s, e)
        missing[name] = (e + 1, e + 1 + len(MISSING))
        pos = e + len(tail)
    if pos != len(text):
        return None
    return Layout(text, segments, missing)


# --- the dataset design ------------------------------------------------------------------


def esa_spec(spec: dict[str, Any], *, lang: str, error_categories: bool) -> dict[str, Any]:
    """A verdict dataset spec (REST shape, see argilla_io.DatasetDesign.spec) turned into
    the ESA design: the translation field in plain text, the span and score questions
    first, then the verdict and the correction; the multi-label error question goes
    (categories live in the span labels), and the guidelines gain the ESA instructions."""
    from annotate import esa_text

    texts = esa_text.texts(lang)
    fields = []
    for f in spec["fields"]:
        if f["name"] == SPAN_FIELD:
            f = {**f, "settings": {**f["settings"], "use_markdown": False}}
        fields.append(f)
    labels = esa_text.span_label_texts(lang, span_labels(error_categories))
    span = {
        "name": SPAN_QUESTION,
        "title": texts["span_title"],
        "description": texts["span_description"],
        "required": False,
        "settings": {
            "type": "span",
            "field": SPAN_FIELD,
            "options": [{"value": v, "text": t, "description": None} for v, t in labels.items()],
            "allow_overlapping": False,
        },
    }
    score = {
        "name": SCORE_QUESTION,
        "title": texts["score_title"],
        "description": texts["score_description"],
        "required": True,
        "settings": {"type": "rating", "options": [{"value": v} for v in SCORE_VALUES]},
    }
    kept = [q for q in spec["questions"] if q["name"] != Q_ERRORS]
    guidelines = f"{spec['guidelines'].rstrip()}\n\n{texts['guidelines']}"
    return {
        **spec,
        "guidelines": guidelines,
        "fields": fields,
        "questions": [span, score, *kept],
    }
