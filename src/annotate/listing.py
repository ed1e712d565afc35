"""Which items are in which status, and why: the worklist behind `annotate items`.

Resolve counts statuses; an organizer then needs the items themselves ("which 12 need
review, and what is wrong with each?") to open them in Argilla or fix the source. This
reads the resolution frame resolve writes (one row per item; its `issues` column holds
codes such as `verdict_tie` or `duplicate_choices:A,B`) and turns each item into its
reasons in plain words. Pure: no server, no disk; unknown issue codes (resolve may grow
new rules) are shown as they are, never dropped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

# issue code -> what it means: "{detail}" is what follows the code's colon, split again at
# its first colon into "{name}" (a segment) and "{what}" ('+' joined kinds, e.g. a secret's).
REASONS: dict[str, str] = {
    "verdict_tie": "the verdicts tied",
    "correction_missing": "'corrected' won but no correction was submitted",
    "correction_unparseable": "a correction broke the [[...]] marker lines",
    "correction_equals_mt": "'corrected' won but the correction equals the machine translation",
    "choice_count_changed": "the correction changed the number of choices",
    "empty_segment": "segment {detail} is empty",
    "duplicate_choices": "choices {detail} are identical",
    "identical_to_original": "segment {detail} equals the English original (left untranslated?)",
    "contains_secret": "the correction of segment {name} holds {what} (never published)",
    "stale_votes": "{detail} vote(s) were cast on an earlier text and do not count",
    "left_out_votes": "{detail} vote(s) left out: their annotators are below gold.min_accuracy",
    # the review stage (annotate.review)
    "review_rejected": "a reviewer's correction failed a check (the reasons follow); "
    "the reviewer can change the decision in Argilla",
    "review_invalid": "a reviewer's decision {detail!r} is not one that was offered",
    "stale_review": "a reviewer's decision was made on an earlier text and does not count",
}

EXCERPT = 80


def reason_text(code: str) -> str:
    """'duplicate_choices:A,B' -> 'choices A,B are identical' (unknown codes as they are)."""
    kind, _, detail = code.partition(":")
    template = REASONS.get(kind)
    if template is None:
        return code
    name, _, what = detail.partition(":")
    return template.format(
        detail=detail or "?", name=name or "?", what=what.replace("+", ", ") or "?"
    )


def _json(text: Any, default: Any) -> Any:
    if not isinstance(text, str) or not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def _question(segments: Any) -> str:
    """The start of the item's question (or first segment), on one line."""
    seg = _json(segments, {})
    if not isinstance(seg, dict) or not seg:
        return ""
    text = str(seg.get("question") or next(iter(seg.values())) or "")
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def item_reasons(row: dict[str, Any], *, min_votes: int) -> list[str]:
    """Why an item has its status, in words: its issues, what the status implies, and
    the error categories annotators flagged."""
    issues = _json(row.get("issues"), [])
    reasons = [reason_text(str(code)) for code in issues if code]
    n = int(row.get("n_submitted") or 0)
    status = row.get("status")
    if status == "unannotated":
        reasons.insert(0, f"{n} of {min_votes} submitted votes")
    flagged = _json(row.get("error_categories"), {})
    if isinstance(flagged, dict) and flagged:
        reasons.append("flagged: " + ", ".join(f"{k} {v}" for k, v in flagged.items()))
    if row.get("low_confidence"):
        reasons.append(
            "low confidence: the corrections differed (the most central one won), "
            "or the aggregation model overruled the majority"
        )
    return reasons


def comments_by_record(responses: pd.DataFrame) -> dict[str, list[dict[str, str]]]:
    """record id -> the comments annotators left ({username, status, comment}), in time
    order. Submitted and discarded responses only: a draft is unfinished, while a discard
    with a comment ("I can't judge this because...") is exactly what a reviewer needs."""
    from annotate.model import Q_COMMENT

    if responses.empty:
        return {}
    rows = responses[
        (responses["question"] == Q_COMMENT)
        & responses["status"].isin(["submitted", "discarded"])
        & responses["value"].notna()
    ].sort_values(["record_id", "updated_at"], kind="stable")
    out: dict[str, list[dict[str, str]]] = {}
    for row in rows.itertuples(index=False):
        text = " ".join(str(row.value).split())
        if text:
            out.setdefault(str(row.record_id), []).append(
                {"username": str(row.username), "status": str(row.status), "comment": text}
            )
    return out


def list_items(
    items: pd.DataFrame,
    *,
    statuses: Iterable[str] | None = None,
    benchmarks: Iterable[str] | None = None,
    min_votes: int = 1,
    comments: dict[str, list[dict[str, str]]] | None = None,
) -> list[dict[str, Any]]:
    """Items in `statuses` (all when None) of `benchmarks`, with their reasons (and the
    annotators' `comments`, from `comments_by_record`), in order."""
    wanted = set(statuses) if statuses is not None else None
    benches = set(benchmarks) if benchmarks is not None else None
    out = []
    for row in items.to_dict("records"):
        if wanted is not None and row.get("status") not in wanted:
            continue
        if benches is not None and row.get("benchmark") not in benches:
            continue
        agreement = row.get("agreement")
        out.append(
            {
                "record_id": row.get("record_id"),
                "benchmark": row.get("benchmark"),
                "item_key": row.get("item_key"),
                "status": row.get("status"),
                "verdict": row.get("verdict"),
                "votes": _json(row.get("votes"), {}),
                "n_submitted": int(row.get("n_submitted") or 0),
                "agreement": None
                if agreement is None or (isinstance(agreement, float) and math.isnan(agreement))
                else float(agreement),
                "issues": _json(row.get("issues"), []),
                "reasons": item_reasons(row, min_votes=min_votes),
                "comments": (comments or {}).get(str(row.get("record_id")), []),
                "question": _question(row.get("mt_segments")),
            }
        )
    return out


def votes_text(votes: dict[str, int]) -> str:
    """{'correct': 1, 'corrected': 1} -> 'correct 1, corrected 1'."""
    return ", ".join(f"{label} {count}" for label, count in votes.items()) or "—"


def comments_text(comments: list[dict[str, str]]) -> str:
    """The comments as one table cell: 'ana: text | ben: text'."""
    return " | ".join(f"{c['username']}: {c['comment']}" for c in comments)


def campaign_items(
    cfg: Any,
    *,
    statuses: Iterable[str] | None,
    benchmarks: Iterable[str] | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """Resolve the campaign's latest pull and list its items in `statuses` (the first
    `limit` of them; `count` is always the total)."""
    from annotate.campaign import latest_responses, run_resolve
    from annotate.errors import AnnotateError
    from annotate.model import STATUSES

    unknown = sorted(set(statuses or ()) - set(STATUSES))
    if unknown:
        raise AnnotateError(
            f"unknown status {unknown[0]!r}", hint=f"choose from: {', '.join(STATUSES)}"
        )
    for name in benchmarks or ():
        cfg.benchmark(name)  # one line naming the known benchmarks when unknown
    resolution, summary = run_resolve(cfg)
    responses = latest_responses(cfg)[0]
    rows = list_items(
        resolution.items,
        statuses=statuses,
        benchmarks=benchmarks,
        min_votes=cfg.resolution.min_votes_effective,
        comments=comments_by_record(responses),
    )
    return {
        "snapshot": summary.get("snapshot"),
        "statuses": list(statuses) if statuses is not None else list(STATUSES),
        "benchmarks": list(benchmarks) if benchmarks else [b.name for b in cfg.benchmarks],
        "count": len(rows),
        "items": rows if limit is None else rows[:limit],
    }
