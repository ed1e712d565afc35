"""The shapes that flow between stages: items, verdicts, statuses, the correction format.

Data flows one way: source rows -> Items -> Argilla records -> responses -> resolutions ->
published rows. This module holds only the vocabulary every stage shares, so that no stage
has to import another to agree on a name.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# The label question every campaign asks, and the order it is shown in.
VERDICTS: tuple[str, ...] = ("correct", "corrected", "unusable")

# The optional multi-label question: what was wrong with the machine translation.
ERROR_CATEGORIES: tuple[str, ...] = (
    "mistranslation",
    "omission_addition",
    "grammar_spelling",
    "terminology",
    "untranslated",
    "answer_changed",
    "cultural_adaptation",
)

# Resolution statuses of an item (published as a provenance column).
STATUSES: tuple[str, ...] = ("validated", "corrected", "unusable", "needs_review", "unannotated")

# Argilla question names (stable: pull and resolve read them back).
Q_VERDICT = "verdict"
Q_ERRORS = "error_categories"
Q_CORRECTION = "correction"
Q_COMMENT = "comment"


@dataclass(frozen=True)
class Item:
    """One benchmark item, split into named text segments an annotator can review.

    `segments` holds the translation, in display order (question first, then context,
    then choices). `original` holds the English text under the same names when the item
    was paired with its original. `row` is the untouched translation source row, so the
    adapter can rebuild it in the benchmark's own schema after correction.
    """

    benchmark: str
    key: str
    index: int
    segments: dict[str, str]
    row: dict[str, Any]
    original: dict[str, str] | None = None
    answer: tuple[str, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def record_id(self) -> str:
        """The Argilla record id: stable across pushes, unique across benchmarks."""
        return f"{self.benchmark}:{self.key}"

    @property
    def content_hash(self) -> str:
        """Changes exactly when what an annotator sees changes (drives push's skip/update)."""
        payload = json.dumps(
            [self.segments, self.original, list(self.answer), self.metadata],
            ensure_ascii=False,
            sort_keys=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


# --- the correction text format ------------------------------------------------------
# One Argilla text question holds the whole corrected item. Each segment starts with a
# marker line `[[name]]`; everything up to the next marker is that segment's text.
# The suggestion pre-fills this text with the machine translation, so annotators only
# change what is wrong and never have to retype markers.

_MARKER = re.compile(r"^\[\[([A-Za-z0-9_.-]+)\]\][ \t]*$", re.MULTILINE)


def format_correction(segments: Mapping[str, str]) -> str:
    """Render segments as the editable correction text."""
    return "\n".join(f"[[{name}]]\n{text}" for name, text in segments.items())


def parse_correction(text: str, names: list[str] | tuple[str, ...]) -> dict[str, str] | None:
    """Read a correction back into segments; None when it no longer maps onto `names`.

    The markers must all be there, once each, in the original order, with nothing
    before the first one: anything else means the annotator broke the structure, and
    the caller flags the item for review instead of guessing.
    """
    if "\r" in text:  # a Windows clipboard: line breaks, not content
        text = text.replace("\r\n", "\n")
    matches = list(_MARKER.finditer(text))
    found = [m.group(1) for m in matches]
    if found != list(names) or (matches and text[: matches[0].start()].strip()):
        return None
    out: dict[str, str] = {}
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        out[m.group(1)] = _segment_text(text[m.end() : end])
    return out


def _segment_text(raw: str) -> str:
    """A segment as written: blank lines around it are layout, everything else is content.

    Indentation, tabs and inner spacing are kept (MMLU's programs are indented), so only
    whole whitespace-only lines at the start and the end are dropped.
    """
    lines = raw.split("\n")
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end])
