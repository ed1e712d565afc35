"""The review stage: settle what the crowd left open, and audit what it accepted.

A campaign ends with items resolve could not settle (`needs_review`: tied verdicts, a
correction that broke a check; `low_confidence`: corrections nobody agreed on). Argilla
has no reviewer step, so `annotate review push` builds one: per benchmark, a review
dataset in the reviewers' workspace holding those items, plus a seeded random audit
sample of the items the crowd accepted (`review.audit_fraction`). Each review record
shows what a reviewer needs and nothing more: the English original when paired, the
machine translation, each distinct candidate correction with how many annotators wrote
it, the problems resolve found, and the annotators' comments (redacted). The reviewer
decides: the MT is right / candidate N is right / my own correction / unusable.

`pull` stores the review datasets next to the responses (two more tables in the same
snapshot: append-only, checksummed), and `resolve` applies them (`adjudicate`): a
submitted decision overrides the crowd, but a correction still goes through every
blocking check (a failing one leaves the item `needs_review`, with the reason). A
decision counts only for the text it was made on: each review record carries the item's
content hash, and a decision on an item whose text changed since is stale and settles
nothing. The audit sample gives the crowd's error rate on accepted items, with a 95%
Wilson score interval.

Idempotency: review record ids are `<record id>@<content hash>`, stable across runs.
A re-run creates what is missing, updates unanswered records whose content changed
(e.g. a new candidate), and DELETES unanswered records of items that left the queue
(the crowd settled them meanwhile, or their text changed): a mark would leave them in
every reviewer's Argilla queue, and a record nobody answered holds nothing to lose.
A record anyone answered (a draft included) is never changed or deleted, so the
meaning of "candidate 2" never shifts under a reviewer. Every write is an upsert or a
delete by id, so a run cut short is finished by running it again.

Everything here but `push_reviews`, `pull_reviews` and `load_reviews` is pure.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from annotate.model import (
    Q_COMMENT,
    Q_CORRECTION,
    Q_VERDICT,
    Item,
    format_correction,
    parse_correction,
)
from annotate.store import RESPONSE_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

# --- the review dataset's layout --------------------------------------------------------

Q_DECISION = "decision"
MAX_CANDIDATES = 5  # labels are per dataset: candidate_1 .. candidate_5 (more are listed)
D_MT = "mt"
D_OWN = "own"
D_UNUSABLE = "unusable"
CANDIDATE_PREFIX = "candidate_"
DECISIONS: tuple[str, ...] = (
    D_MT,
    *(f"{CANDIDATE_PREFIX}{n}" for n in range(1, MAX_CANDIDATES + 1)),
    D_OWN,
    D_UNUSABLE,
)
FIELDS: tuple[str, ...] = ("original", "translation", "candidates", "notes")
REASON_DISPUTE = "dispute"  # resolve left it needs_review or low_confidence
REASON_AUDIT = "audit"  # the crowd accepted it; drawn into the audit sample
ACCEPTED = ("validated", "corrected")
DATASET_SUFFIX = "-review"
WORKSPACE_SUFFIX = "-review"
Z95 = 1.959963984540054  # standard normal quantile for a two-sided 95% interval
CI_METHOD = "Wilson score interval, 95%"

# Columns of the two tables pull adds to a snapshot.
REVIEW_RECORD_COLUMNS = [
    "review_id",
    "argilla_id",
    "benchmark",
    "dataset",
    "record_id",
    "item_key",
    "content_hash",
    "reason",
    "candidates",
    "status",
    "inserted_at",
    "updated_at",
]
# A review response is the store's response row, keyed by the review record, not the item.
REVIEW_RESPONSE_COLUMNS = [
    "review_id",
    *(c for c in RESPONSE_COLUMNS if c != "item_key"),
]
RECORDS_TABLE = "review_records.parquet"
RESPONSES_TABLE = "review_responses.parquet"

# Columns adjudicate adds to the resolution's items.
ITEM_COLUMNS: tuple[str, ...] = (
    "crowd_status",
    "review_reason",
    "review_decision",
    "reviewer",
    "reviewer_id",
)

# --- texts, in the campaign's language (unknown languages fall back to English) ---------


def texts(lang: str) -> dict[str, str]:
    """The review stage's words in `lang` (its base language, else English)."""
    from annotate.records import base_language
    from annotate.review_texts import TEXTS

    return {**TEXTS["en"], **TEXTS.get(base_language(lang), {})}


def decision_labels(lang: str) -> dict[str, str]:
    """DECISIONS -> the label a reviewer sees, in order."""
    from annotate.records import verdict_labels

    t = texts(lang)
    out = {D_MT: t["mt"]}
    for n in range(1, MAX_CANDIDATES + 1):
        out[f"{CANDIDATE_PREFIX}{n}"] = t["candidate"].format(n=n)
    out[D_OWN] = t["own"]
    out[D_UNUSABLE] = verdict_labels(lang)["unusable"]
    return out


def review_workspace(cfg: Any) -> str:
    """The reviewers' workspace: `review.workspace`, else `<workspace>-review`."""
    review = getattr(cfg, "review", None)
    name = getattr(review, "workspace", None)
    return name or f"{cfg.workspace}{WORKSPACE_SUFFIX}"


def review_dataset_name(dataset_name: str) -> str:
    """The review dataset of a benchmark's dataset (same workspace-independent name)."""
    return f"{dataset_name}{DATASET_SUFFIX}"


@dataclass(frozen=True)
class ReviewDesign:
    """The settings of one benchmark's review dataset (compared on every review push)."""

    name: str
    lang: str
    with_original: bool

    def spec(self) -> dict[str, Any]:
        """The settings in the REST API's shape (as argilla_io.DatasetDesign.spec)."""
        from annotate.records import question_titles

        t = texts(self.lang)
        base = question_titles(self.lang, with_original=self.with_original)
        titles = {
            "original": base["original"],
            "translation": t["translation"],
            "candidates": t["candidates"],
            "notes": t["notes"],
        }
        names = FIELDS if self.with_original else FIELDS[1:]
        fields = [
            {
                "name": n,
                "title": titles[n],
                "required": n == "translation",
                "settings": {"type": "text", "use_markdown": True},
            }
            for n in names
        ]
        options = [
            {"value": v, "text": label, "description": None}
            for v, label in decision_labels(self.lang).items()
        ]
        questions = [
            {
                "name": Q_DECISION,
                "title": t["decision"],
                "description": t["decision_help"],
                "required": True,
                "settings": {"type": "label_selection", "options": options},
            },
            {
                "name": Q_CORRECTION,
                "title": base[Q_CORRECTION],
                "description": t["correction_help"],
                "required": False,
                "settings": {"type": "text", "use_markdown": False},
            },
            {
                "name": Q_COMMENT,
                "title": base[Q_COMMENT],
                "description": t["comment_help"],
                "required": False,
                "settings": {"type": "text", "use_markdown": False},
            },
        ]
        metadata = [
            {"name": m, "title": m, "settings": {"type": "terms"}} for m in ("benchmark", "reason")
        ]
        return {
            "guidelines": t["guidelines"],
            "min_submitted": 1,
            "fields": fields,
            "questions": questions,
            "metadata": metadata,
            "identity": ("translation", Q_DECISION),
        }


# --- which items go to review -------------------------------------------------------------


def in_audit(record_id: str, *, seed: int, fraction: float) -> bool:
    """Whether an accepted item is drawn into the audit sample.

    Each item is drawn on its own, with probability `fraction`, by a seeded hash of its
    id: the same items on every run, and the sample does not reshuffle as the campaign
    grows (an item accepted later is drawn or not on its own). A Bernoulli sample, so
    the number audited is about fraction x accepted items, not exactly.
    """
    if fraction <= 0:
        return False
    if fraction >= 1:
        return True
    digest = hashlib.sha256(f"{seed}:{record_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def review_queue(
    resolved: pd.DataFrame, *, audit_fraction: float = 0.0, seed: int = 13
) -> dict[str, str]:
    """record id -> why it goes to review: `dispute` (needs_review, or low_confidence)
    or `audit` (accepted with confidence, and drawn into the sample), in frame order."""
    out: dict[str, str] = {}
    for rid, status, low in zip(
        resolved["record_id"], resolved["status"], resolved["low_confidence"], strict=True
    ):
        if status == "needs_review" or bool(low):
            out[str(rid)] = REASON_DISPUTE
        elif status in ACCEPTED and in_audit(str(rid), seed=seed, fraction=audit_fraction):
            out[str(rid)] = REASON_AUDIT
    return out


@dataclass(frozen=True)
class Candidate:
    """One distinct correction annotators wrote for an item.

    `text` is what the reviewer's "candidate N" applies (its most common exact form);
    None when it is withheld (it holds a secret the MT did not have): never shown, never
    selectable. `segments` is None when its marker lines are broken.
    """

    text: str | None
    segments: dict[str, str] | None
    count: int
    issues: tuple[str, ...] = ()


def candidates(
    mt: Mapping[str, str], original: Mapping[str, str] | None, texts_in_order: Sequence[Any]
) -> list[Candidate]:
    """The distinct corrections among `texts_in_order` (the corrections of "corrected"
    votes, in submission order), most written first, earliest first on ties.

    Texts are compared as resolve compares them (parsed, NFC, whitespace collapsed, no
    invisible characters). Corrections equal to the MT are not candidates (the MT is
    the reviewer's first option); unparseable ones are, compared as raw text.
    """
    from annotate.privacy import find_secrets
    from annotate.resolve import _finalize, correction_issues, normalize_text

    names = list(mt)
    mt_key = tuple(normalize_text(mt[n]) for n in names)
    groups: dict[Any, list[str]] = {}
    parsed: dict[Any, dict[str, str] | None] = {}
    for text in texts_in_order:
        if not isinstance(text, str) or not text.strip():
            continue
        seg = parse_correction(text, names)
        if seg is None:
            key: Any = ("raw", normalize_text(text))
        else:
            key = tuple(normalize_text(seg[n]) for n in names)
            if key == mt_key:
                continue
        groups.setdefault(key, []).append(text)
        parsed.setdefault(key, None if seg is None else _finalize(dict(mt), seg))
    order = sorted(groups, key=lambda k: -len(groups[k]))  # stable: earliest first on ties
    out = []
    for key in order:
        forms = groups[key]
        form = max(dict.fromkeys(forms), key=forms.count)
        seg = parsed[key]
        if seg is None:
            out.append(Candidate(form, None, len(forms), ("correction_unparseable",)))
            continue
        issues = tuple(correction_issues(seg, dict(mt), dict(original) if original else None))
        secret = any(
            [k for k in find_secrets(seg[n]) if k not in find_secrets(mt[n])] for n in names
        )
        out.append(Candidate(None if secret else form, seg, len(forms), issues))
    return out


def crowd_corrections(responses: pd.DataFrame) -> dict[str, list[str]]:
    """record id -> the corrections of submitted "corrected" votes, in submission order.

    `responses` is the pulled table (already without votes cast on an earlier text)."""
    if responses is None or not len(responses):
        return {}
    sub = responses[responses["status"] == "submitted"]
    votes = sub[(sub["question"] == Q_VERDICT) & (sub["value"] == "corrected")]
    texts_ = sub[sub["question"] == Q_CORRECTION][["record_id", "user_id", "value"]]
    merged = votes[["record_id", "user_id", "updated_at"]].merge(
        texts_, on=["record_id", "user_id"], how="inner"
    )
    merged = merged.sort_values(["record_id", "updated_at", "user_id"], kind="stable")
    out: dict[str, list[str]] = {}
    for rid, value in zip(merged["record_id"], merged["value"], strict=True):
        if isinstance(value, str):
            out.setdefault(str(rid), []).append(value)
    return out


def current_votes(responses: pd.DataFrame, items: pd.DataFrame) -> Any:
    """The responses (with the `content_hash` each was cast on, campaign.cast_on) without
    votes cast on an earlier text of their item (the same rule as resolve: unknown
    hashes count as current)."""
    if not len(responses):
        return responses
    now = dict(zip(items["record_id"], items["content_hash"], strict=True))
    current = responses["record_id"].map(now)
    stale = current.notna() & responses["content_hash"].notna()
    stale &= current.astype(object) != responses["content_hash"].astype(object)
    return responses[~stale.to_numpy(dtype=bool)]


# --- building review records ----------------------------------------------------------------


def review_id(record_id: str, content_hash: str | None) -> str:
    """A review record's id: the item's record id and the hash of the text reviewed."""
    return f"{record_id}@{content_hash or 'nohash'}"


def _md(text: str) -> str:
    from annotate.records import escape_markdown

    return escape_markdown(text)


def _candidates_md(cands: Sequence[Candidate], mt: Mapping[str, str], lang: str) -> str:
    """Each candidate: its number, how many wrote it, the segments it changes (with the
    MT they replace), and its problems."""
    from annotate.listing import reason_text

    t = texts(lang)
    shown = [c for c in cands if c.text is not None]
    withheld = len(cands) - len(shown)
    parts: list[str] = []
    if not shown:
        parts.append(f"*{t['no_candidates']}*")
    for n, cand in enumerate(shown, start=1):
        if n == MAX_CANDIDATES + 1:
            parts.append(f"*{t['more'].format(n=len(shown) - MAX_CANDIDATES)}*")
        head = t["candidate_head"].format(n=n) if n <= MAX_CANDIDATES else "·"
        lines = [f"**{head}** ({t['written_by'].format(n=cand.count)})"]
        if cand.segments is None:
            lines.append(f"*{t['broken']}*")
            lines.append("```\n" + (cand.text or "").replace("```", "'''") + "\n```")
        else:
            for name, text in cand.segments.items():
                if text != mt.get(name):
                    lines.append(f"- **{_md(name)}.** {_md(text)}  \n  ~~{_md(mt.get(name, ''))}~~")
        problems = [reason_text(i) for i in cand.issues]
        if problems:
            lines.append(f"*{t['its_problems']}: {_md('; '.join(problems))}*")
        parts.append("\n".join(lines))
    if withheld:
        parts.append(f"*{t['withheld'].format(n=withheld)}*")
    return "\n\n".join(parts)


def _notes_md(
    reason: str,
    votes: Mapping[str, int],
    issues: Sequence[str],
    comments: Sequence[str],
    lang: str,
) -> str:
    """Why the item is in review: the reason, the votes, the problems, the comments
    (already redacted: no e-mail address or key reaches a reviewer)."""
    from annotate.listing import reason_text
    from annotate.records import verdict_labels

    t = texts(lang)
    labels = verdict_labels(lang)
    parts = [f"**{t[reason]}**"]
    if votes:
        shown = ", ".join(f"{labels.get(k, k)}: {v}" for k, v in votes.items())
        parts.append(f"**{t['votes']}:** {_md(shown)}")
    problems = [reason_text(i) for i in issues]
    if problems:
        parts.append(f"**{t['problems']}**\n\n" + "\n".join(f"- {_md(p)}" for p in problems))
    if comments:
        parts.append(f"**{t['comments']}**\n\n" + "\n".join(f"- {_md(c)}" for c in comments))
    return "\n\n".join(parts)


def review_payload(
    item: Item,
    *,
    reason: str,
    cands: Sequence[Candidate],
    votes: Mapping[str, int],
    issues: Sequence[str],
    comments: Sequence[str],
    lang: str,
    source_lang: str = "en",
) -> dict[str, Any]:
    """One review record (id, fields, suggestion, metadata), as argilla_io.log_records
    takes it. The correction box starts as the leading selectable candidate (the MT when
    there is none); the candidates are kept in the metadata so that "candidate N" means
    at resolve time exactly what the reviewer saw."""
    from annotate.privacy import redact
    from annotate.records import render_item, render_original

    shown = [c for c in cands if c.text is not None]
    fields: dict[str, str] = {}
    original = render_original(item, source_lang)
    if original is not None:
        fields["original"] = original
    fields["translation"] = render_item(item, lang)
    fields["candidates"] = _candidates_md(cands, item.segments, lang)
    fields["notes"] = _notes_md(reason, votes, issues, [redact(c) for c in comments], lang)
    leading = next((c for c in shown if c.segments is not None), None)
    prefill = format_correction(leading.segments) if leading else format_correction(item.segments)
    metadata: dict[str, Any] = {
        "benchmark": item.benchmark,
        "reason": reason,
        "record_id": item.record_id,
        "item_key": item.key,
        "content_hash": item.content_hash,
        "candidates": json.dumps([c.text for c in shown[:MAX_CANDIDATES]], ensure_ascii=False),
    }
    payload = {
        "id": review_id(item.record_id, item.content_hash),
        "fields": fields,
        "suggestions": {Q_CORRECTION: prefill},
        "metadata": metadata,
    }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()
    metadata["review_hash"] = digest[:16]
    return payload


@dataclass
class ReviewPlan:
    """What a review push does to one review dataset (pure; from payloads and records)."""

    create: list[dict] = field(default_factory=list)
    update: list[dict] = field(default_factory=list)
    unchanged: int = 0
    delete: list[str] = field(default_factory=list)  # Argilla ids of unanswered records
    answered: int = 0  # records someone answered: never touched


def plan_reviews(payloads: Sequence[dict], existing: Iterable[Mapping[str, Any]]) -> ReviewPlan:
    """Compare the queue (`payloads`) with the records the dataset holds (REST dicts
    with `external_id`, `id`, `metadata`, `responses`). See the module doc for why
    unanswered records off the queue are deleted and answered ones never touched."""
    plan = ReviewPlan()
    wanted = {p["id"]: p for p in payloads}
    have: dict[str, Mapping[str, Any]] = {}
    for rec in existing:
        ext = str(rec.get("external_id") or rec.get("id"))
        have[ext] = rec
        if rec.get("responses"):
            plan.answered += 1
        elif ext not in wanted:
            plan.delete.append(str(rec["id"]))
    for rid, payload in wanted.items():
        rec = have.get(rid)
        if rec is None:
            plan.create.append(payload)
        elif rec.get("responses"):
            continue
        elif (rec.get("metadata") or {}).get("review_hash") != payload["metadata"]["review_hash"]:
            plan.update.append(payload)
        else:
            plan.unchanged += 1
    return plan


# --- pull: the review datasets into the snapshot --------------------------------------------


def tidy_reviews(
    raw_records: Iterable[Mapping[str, Any]],
    *,
    benchmark: str,
    dataset: str,
    usernames: Mapping[str, str],
) -> tuple[list[dict], list[dict]]:
    """REST review records with responses -> (record rows, response rows), one response
    row per record x reviewer x question (a response with no values: one row, no value)."""
    from annotate.pull import response_rows

    records: list[dict] = []
    responses: list[dict] = []
    for rec in raw_records:
        meta = rec.get("metadata") or {}
        rid = str(rec.get("external_id") or rec["id"])
        record_id = str(meta.get("record_id") or rid.split("@", 1)[0])
        records.append(
            {
                "review_id": rid,
                "argilla_id": str(rec["id"]),
                "benchmark": benchmark,
                "dataset": dataset,
                "record_id": record_id,
                "item_key": meta.get("item_key"),
                "content_hash": meta.get("content_hash"),
                "reason": meta.get("reason"),
                "candidates": meta.get("candidates"),
                "status": rec.get("status"),
                "inserted_at": rec.get("inserted_at"),
                "updated_at": rec.get("updated_at"),
            }
        )
        for resp in rec.get("responses") or []:
            base = {"review_id": rid, "record_id": record_id, "benchmark": benchmark}
            responses += response_rows(resp, base, usernames, Q_DECISION)
    return records, responses


def review_frames(records: list[dict], responses: list[dict]) -> tuple[Any, Any]:
    """The two snapshot tables, typed like pull's."""
    import pandas as pd

    recs = pd.DataFrame(records, columns=REVIEW_RECORD_COLUMNS)
    resp = pd.DataFrame(responses, columns=REVIEW_RESPONSE_COLUMNS)
    for frame in (recs, resp):
        for col in ("inserted_at", "updated_at"):
            frame[col] = pd.to_datetime(frame[col], utc=True, format="ISO8601")
    for col in REVIEW_RECORD_COLUMNS:
        if col not in ("inserted_at", "updated_at"):
            recs[col] = recs[col].astype("string")
    for col in REVIEW_RESPONSE_COLUMNS:
        if col not in ("inserted_at", "updated_at"):
            resp[col] = resp[col].astype("string")
    return recs, resp


def pull_reviews(client: Any, cfg: Any, usernames: Mapping[str, str]) -> dict[str, Any] | None:
    """The review datasets' records and responses as snapshot tables ({file: frame}),
    or None when no review push was ever made (nothing is added to the snapshot)."""
    from annotate import argilla_io

    workspace = review_workspace(cfg)
    if argilla_io.ensure_workspace(client, workspace, create=False) is None:
        return None
    records: list[dict] = []
    responses: list[dict] = []
    found = False
    for bench in cfg.benchmarks:
        name = review_dataset_name(bench.dataset_name)
        dataset = argilla_io.find_dataset(client, name, workspace)
        if dataset is None:
            continue
        found = True
        raw = argilla_io.list_records_with_responses(client, dataset)
        recs, resp = tidy_reviews(raw, benchmark=bench.name, dataset=name, usernames=usernames)
        records += recs
        responses += resp
    if not found:
        return None
    recs_df, resp_df = review_frames(records, responses)
    return {RECORDS_TABLE: recs_df, RESPONSES_TABLE: resp_df}


def lost_reviews(workdir: Any, workspace: str) -> str | None:
    """A warning when this pull found no review dataset but an earlier pull had review
    records: resolve would silently drop every reviewer's decision (review.workspace
    changed or was removed from the config). None otherwise."""
    from pathlib import Path

    from annotate import store

    for meta in reversed(store.history(Path(workdir))):
        n = meta.get("review_records")
        if isinstance(n, int) and n > 0:
            return (
                f"warning: no review dataset in workspace {workspace!r}, but pull "
                f"{meta.get('snapshot')} had {n} review records: resolve will apply no reviewer "
                "decision (set review.workspace back to where the reviewers worked)"
            )
    return None


def load_reviews(workdir: Any, meta: Mapping[str, Any]) -> tuple[Any, Any]:
    """The review tables of the snapshot `meta` describes (empty frames when it has
    none: pulled before any review push, or by an older version). Checked like the
    other tables: the snapshot's checksums cover them."""
    from pathlib import Path

    import pandas as pd

    from annotate.store import SnapshotDamaged

    empty = (
        pd.DataFrame(columns=REVIEW_RECORD_COLUMNS),
        pd.DataFrame(columns=REVIEW_RESPONSE_COLUMNS),
    )
    files = meta.get("files") if isinstance(meta.get("files"), dict) else {}
    name = meta.get("snapshot")
    if not name or RECORDS_TABLE not in files:
        return empty
    path = Path(workdir) / "snapshots" / str(name)
    frames = []
    for table in (RECORDS_TABLE, RESPONSES_TABLE):
        try:
            frames.append(pd.read_parquet(path / table))
        except Exception as exc:  # checked by store.check_snapshot: any failure is damage
            raise SnapshotDamaged(
                f"snapshot {path} is damaged: {table} is not a readable table "
                f"({type(exc).__name__})"
            ) from None
    return frames[0], frames[1]


# --- resolve: applying the reviewers' decisions ---------------------------------------------


@dataclass(frozen=True)
class Decision:
    """A reviewer's latest submitted decision on one review record."""

    review_id: str
    record_id: str
    reason: str | None
    content_hash: str | None
    candidates: tuple[str | None, ...]
    user_id: str
    username: str
    value: str | None
    correction: str | None
    when: Any


def decisions(review_records: pd.DataFrame, review_responses: pd.DataFrame) -> list[Decision]:
    """Every submitted decision, one per review record: the latest reviewer's (a second
    reviewer who revisits a record corrects the first). Drafts and discards decide nothing."""
    import pandas as pd

    if review_records is None or not len(review_records) or not len(review_responses):
        return []
    sub = review_responses[review_responses["status"] == "submitted"]
    if not len(sub):
        return []
    recs = {str(r["review_id"]): r for r in review_records.to_dict("records")}
    per: dict[tuple[str, str], dict[str, Any]] = {}
    for row in sub.to_dict("records"):
        key = (str(row["review_id"]), str(row["user_id"]))
        entry = per.setdefault(key, {"row": row, "values": {}})
        entry["values"][str(row["question"])] = row["value"]
        if pd.Timestamp(row["updated_at"]) > pd.Timestamp(entry["row"]["updated_at"]):
            entry["row"] = row
    latest: dict[str, dict[str, Any]] = {}
    for (rid, _user), entry in sorted(per.items()):
        if rid not in recs:
            continue
        best = latest.get(rid)
        when = pd.Timestamp(entry["row"]["updated_at"])
        if best is None or when > pd.Timestamp(best["row"]["updated_at"]):
            latest[rid] = entry
    out = []
    for rid, entry in latest.items():
        rec, row, values = recs[rid], entry["row"], entry["values"]
        try:
            cands = json.loads(rec.get("candidates") or "[]")
        except (TypeError, ValueError):
            cands = []
        value = values.get(Q_DECISION)
        correction = values.get(Q_CORRECTION)
        out.append(
            Decision(
                review_id=rid,
                record_id=str(rec["record_id"]),
                reason=None if _na(rec.get("reason")) else str(rec.get("reason")),
                content_hash=None if _na(rec.get("content_hash")) else str(rec["content_hash"]),
                candidates=tuple(c if isinstance(c, str) else None for c in cands)
                if isinstance(cands, list)
                else (),
                user_id=str(row["user_id"]),
                username=str(row["username"]),
                value=None if _na(value) else str(value),
                correction=None if _na(correction) else str(correction),
                when=row["updated_at"],
            )
        )
    return out


def _na(value: Any) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class Outcome:
    """What one decision does to its item: a status and final text, or why it cannot."""

    status: str | None  # None: the decision settles nothing (invalid, stale, rejected)
    final: dict[str, str] | None = None
    issues: tuple[str, ...] = ()


def decision_text(d: Decision) -> str | None | bool:
    """The correction a decision applies: the chosen candidate's text or the reviewer's
    own; None for a decision without text (mt, unusable); False for an invalid one
    (an unknown value, or a candidate number that was not offered)."""
    value = d.value or ""
    if value in (D_MT, D_UNUSABLE):
        return None
    if value == D_OWN:
        return d.correction or ""
    if value.startswith(CANDIDATE_PREFIX):
        try:
            n = int(value[len(CANDIDATE_PREFIX) :])
        except ValueError:
            return False
        if 1 <= n <= len(d.candidates) and d.candidates[n - 1] is not None:
            return d.candidates[n - 1]
    return False


def apply_decision(
    d: Decision, mt: dict[str, str], original: dict[str, str] | None, current_hash: str | None
) -> Outcome:
    """The outcome of one decision on its item. A decision made on another text than the
    item's current one is stale; an unknown decision is invalid; a correction (chosen or
    written) must pass every blocking check resolve applies to the crowd's."""
    from annotate.resolve import _finalize, blocks, correction_issues

    if d.content_hash is not None and current_hash is not None and d.content_hash != current_hash:
        return Outcome(None, issues=("stale_review",))
    text = decision_text(d)
    if text is False:
        return Outcome(None, issues=(f"review_invalid:{d.value}",))
    if d.value == D_MT:
        return Outcome("validated", dict(mt))
    if d.value == D_UNUSABLE:
        return Outcome("unusable", dict(mt))
    if not text or not str(text).strip():
        return Outcome(None, issues=("review_rejected", "correction_missing"))
    seg = parse_correction(str(text), list(mt))
    if seg is None:
        return Outcome(None, issues=("review_rejected", "correction_unparseable"))
    final = _finalize(mt, seg)
    found = correction_issues(final, mt, original)
    if blocks(found):
        return Outcome(None, issues=("review_rejected", *found))
    return Outcome("corrected", final, tuple(found))


def _norm_final(final: Mapping[str, str] | None) -> tuple[str, ...] | None:
    from annotate.resolve import normalize_text

    return None if final is None else tuple(normalize_text(v) for v in final.values())


@dataclass
class Adjudication:
    """resolve's items with the reviewers' decisions applied, and what to say about it."""

    items: Any  # pd.DataFrame
    summary: dict[str, Any]
    reviewers: list[dict[str, Any]]


def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion k/n (Wilson 1927): good coverage at small
    n and at 0 or n successes, where the normal approximation gives nonsense. (nan, nan)
    when n == 0."""
    if n <= 0:
        return math.nan, math.nan
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    center = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    low = 0.0 if k == 0 else max(0.0, center - half)  # exact at the ends (no float dust)
    high = 1.0 if k == n else min(1.0, center + half)
    return low, high


def adjudicate(
    resolved: pd.DataFrame,
    items: pd.DataFrame,
    review_records: pd.DataFrame,
    review_responses: pd.DataFrame,
) -> Adjudication:
    """Apply the reviewers' submitted decisions to resolve's items (see the module doc).

    `resolved` is Resolution.items (the crowd's outcome), `items` the campaign's items
    (segments, original, content_hash). Adds ITEM_COLUMNS: `crowd_status` (before any
    review), `review_reason`, `review_decision`, and `reviewer`/`reviewer_id` for items
    a reviewer settled. The audit counts compare a reviewer's outcome with the crowd's
    on accepted items drawn for audit: changed when the status or the (normalised) text
    differs.
    """
    out = resolved.copy()
    out["crowd_status"] = out["status"].astype(object)
    for col in ITEM_COLUMNS[1:]:
        out[col] = None
    ds = decisions(review_records, review_responses)
    counts = {"settled": 0, "rejected": 0, "invalid": 0, "stale": 0}
    audit = {"checked": 0, "changed": 0}
    audit_by_bench: dict[str, dict[str, int]] = {}
    per_reviewer = _submitted_by(review_records, review_responses)
    summary_base = {"decisions": len(ds)}
    if not ds:
        return Adjudication(out, {**summary_base, **counts, "audit": _audit(audit)}, [])

    pos = {rid: i for i, rid in enumerate(out["record_id"].astype(str))}
    info = {
        str(r["record_id"]): r
        for r in items[["record_id", "segments", "original", "content_hash"]].to_dict("records")
    }
    # several review records of one item (older texts): the newest decision that is not
    # stale wins; stale ones only say so when nothing else decided
    ds.sort(key=lambda d: (d.record_id, str(d.when)))
    by_item: dict[str, list[Decision]] = {}
    for d in ds:
        by_item.setdefault(d.record_id, []).append(d)

    status_col = out.columns.get_loc("status")
    for rid, group in by_item.items():
        i = pos.get(rid)
        if i is None or rid not in info:
            continue  # a review of an item that no longer exists
        it = info[rid]
        mt = json.loads(it["segments"])
        original = json.loads(it["original"]) if isinstance(it["original"], str) else None
        current = it["content_hash"] if isinstance(it["content_hash"], str) else None
        outcomes = [(d, apply_decision(d, mt, original, current)) for d in group]
        live = [(d, o) for d, o in outcomes if "stale_review" not in o.issues]
        if not live:
            counts["stale"] += 1
            _add_issues(out, i, ["stale_review"])
            continue
        d, o = live[-1]
        reviewer = per_reviewer.setdefault(
            d.user_id, {"username": d.username, "user_id": d.user_id, "reviewed": 0, "settled": 0}
        )
        out.iat[i, out.columns.get_loc("review_reason")] = d.reason
        out.iat[i, out.columns.get_loc("review_decision")] = d.value
        if o.status is None:
            kind = (
                "invalid" if any(x.startswith("review_invalid") for x in o.issues) else "rejected"
            )
            counts[kind] += 1
            _add_issues(out, i, list(o.issues))
            if kind == "rejected":  # the reviewer wanted a change nobody may publish yet
                out.iat[i, status_col] = "needs_review"
                out.iat[i, out.columns.get_loc("final_segments")] = out.iat[
                    i, out.columns.get_loc("mt_segments")
                ]
                out.iat[i, out.columns.get_loc("changed_segments")] = "[]"
            continue
        crowd_status = str(out.iat[i, status_col])
        crowd_final = _json_obj(out.iat[i, out.columns.get_loc("final_segments")])
        crowd_low = bool(out.iat[i, out.columns.get_loc("low_confidence")])
        counts["settled"] += 1
        reviewer["settled"] += 1
        final = o.final or mt
        out.iat[i, status_col] = o.status
        out.iat[i, out.columns.get_loc("verdict")] = {
            "validated": "correct",
            "corrected": "corrected",
            "unusable": "unusable",
        }[o.status]
        out.iat[i, out.columns.get_loc("final_segments")] = json.dumps(final, ensure_ascii=False)
        out.iat[i, out.columns.get_loc("changed_segments")] = json.dumps(
            [n for n in final if final[n] != mt.get(n)], ensure_ascii=False
        )
        out.iat[i, out.columns.get_loc("low_confidence")] = False
        out.iat[i, out.columns.get_loc("reviewer")] = d.username
        out.iat[i, out.columns.get_loc("reviewer_id")] = d.user_id
        if o.issues:
            _add_issues(out, i, list(o.issues))
        if d.reason == REASON_AUDIT and crowd_status in ACCEPTED and not crowd_low:
            changed = o.status != crowd_status or _norm_final(final) != _norm_final(crowd_final)
            bench = str(out.iat[i, out.columns.get_loc("benchmark")])
            per = audit_by_bench.setdefault(bench, {"checked": 0, "changed": 0})
            for tally in (audit, per):
                tally["checked"] += 1
                tally["changed"] += int(changed)
    reviewers = sorted(per_reviewer.values(), key=lambda r: (-r["settled"], r["username"]))
    summary = {
        **summary_base,
        **counts,
        "audit": _audit(audit),
        "audit_by_benchmark": {b: _audit(v) for b, v in sorted(audit_by_bench.items())},
        "reviewers": len(reviewers),
    }
    return Adjudication(out, summary, reviewers)


def _submitted_by(
    review_records: pd.DataFrame, review_responses: pd.DataFrame
) -> dict[str, dict[str, Any]]:
    """Each reviewer with the number of review records they submitted a decision on: all
    their work is credited, also a decision a later reviewer's overrode or one made stale
    by a change of the item's text (`settled` counts what it decided)."""
    if review_records is None or not len(review_records) or not len(review_responses):
        return {}
    sub = review_responses[
        (review_responses["status"] == "submitted")
        & (review_responses["question"] == Q_DECISION)
        & review_responses["review_id"]
        .astype(str)
        .isin(set(review_records["review_id"].astype(str)))
    ]
    out: dict[str, dict[str, Any]] = {}
    done: set[tuple[str, str]] = set()
    for uid, name, rid in sub[["user_id", "username", "review_id"]].itertuples(index=False):
        entry = out.setdefault(
            str(uid), {"username": str(name), "user_id": str(uid), "reviewed": 0, "settled": 0}
        )
        if (str(uid), str(rid)) not in done:
            done.add((str(uid), str(rid)))
            entry["reviewed"] += 1
    return out


def _audit(tally: Mapping[str, int]) -> dict[str, Any]:
    """N checked, K changed, the crowd's error rate K/N and its Wilson 95% interval."""
    n, k = int(tally["checked"]), int(tally["changed"])
    low, high = wilson_interval(k, n)
    return {
        "checked": n,
        "changed": k,
        "error_rate": k / n if n else None,
        "ci_low": None if math.isnan(low) else low,
        "ci_high": None if math.isnan(high) else high,
        "ci_method": CI_METHOD,
    }


def _json_obj(text: Any) -> dict[str, str] | None:
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _add_issues(frame: pd.DataFrame, i: int, new: list[str]) -> None:
    col = frame.columns.get_loc("issues")
    try:
        have = json.loads(frame.iat[i, col] or "[]")
    except (TypeError, ValueError):
        have = []
    have += [x for x in new if x not in have]
    frame.iat[i, col] = json.dumps(have, ensure_ascii=False)


# --- the contract with gold: items reviewers settled ------------------------------------------


@dataclass(frozen=True)
class SettledItem:
    """An item a reviewer settled: gold may reuse it as a control item.

    `decision` is in the annotators' vocabulary (correct / corrected / unusable);
    `accepted_text` the segments the reviewer accepted (None for unusable)."""

    benchmark: str
    item_key: str
    decision: str
    accepted_text: dict[str, str] | None
    record_id: str = ""
    reviewer_id: str = ""  # who settled it (their own vote on it is no test of them)


def settled_by_reviewers(items: pd.DataFrame) -> list[SettledItem]:
    """The items reviewers settled, from adjudicated items (resolved/items.parquet after
    `resolve`, or Adjudication.items): only decisions that passed every check."""
    if "reviewer" not in items.columns:
        return []
    verdict = {"validated": "correct", "corrected": "corrected", "unusable": "unusable"}
    out = []
    for row in items.to_dict("records"):
        if _na(row.get("reviewer")) or row.get("status") not in verdict:
            continue
        text = None if row["status"] == "unusable" else _json_obj(row.get("final_segments"))
        out.append(
            SettledItem(
                benchmark=str(row["benchmark"]),
                item_key=str(row["item_key"]),
                decision=verdict[row["status"]],
                accepted_text=text,
                record_id=str(row["record_id"]),
                reviewer_id="" if _na(row.get("reviewer_id")) else str(row["reviewer_id"]),
            )
        )
    return out


# --- the review push ------------------------------------------------------------------------


@dataclass
class BenchmarkReview:
    benchmark: str
    dataset: str
    workspace: str
    queue: int = 0
    disputes: int = 0
    audit: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    answered: int = 0
    dataset_created: bool = False

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def build_queue(
    cfg: Any, loads: Mapping[str, Any], resolved: pd.DataFrame, responses: pd.DataFrame
) -> dict[str, list[dict]]:
    """benchmark -> the review payloads of its queue (pure given its inputs)."""
    from annotate.listing import comments_by_record

    queue = review_queue(resolved, audit_fraction=cfg.review.audit_fraction, seed=cfg.review.seed)
    rows = {str(r["record_id"]): r for r in resolved.to_dict("records")}
    texts_of = crowd_corrections(responses)
    comments = comments_by_record(responses)
    out: dict[str, list[dict]] = {}
    for bench in cfg.benchmarks:
        payloads = []
        for item in loads[bench.name].items:
            reason = queue.get(item.record_id)
            if reason is None:
                continue
            row = rows[item.record_id]
            cands = candidates(item.segments, item.original, texts_of.get(item.record_id, []))
            payloads.append(
                review_payload(
                    item,
                    reason=reason,
                    cands=cands,
                    votes=_json_obj(row.get("votes")) or {},
                    issues=[str(x) for x in json.loads(row.get("issues") or "[]")],
                    comments=[c["comment"] for c in comments.get(item.record_id, [])],
                    lang=cfg.language,
                    source_lang=cfg.source_language,
                )
            )
        out[bench.name] = payloads
    return out


def push_reviews(
    cfg: Any,
    conn: Any,
    *,
    dry_run: bool = False,
    snapshot: str | None = None,
    on_progress: Callable[[Iterable, int, str], Iterable] | None = None,
) -> dict[str, Any]:
    """Build or refresh every benchmark's review dataset from the latest pull.

    `conn` is a Connection, or a function giving one (called once the pull is read).
    Reads the pull (one line when there is none), resolves it as `resolve` does (the
    crowd's outcome: the review datasets never feed their own queue), then per
    benchmark creates, updates and deletes review records as `plan_reviews` says.
    """
    import contextlib

    from annotate.lock import campaign_lock

    held = (
        contextlib.nullcontext()
        if dry_run
        else campaign_lock(cfg.workdir, f"annotate review push -c {cfg.path}")
    )
    with held:
        return _push_reviews(cfg, conn, dry_run=dry_run, snapshot=snapshot, on_progress=on_progress)


def _push_reviews(
    cfg: Any,
    conn: Any,
    *,
    dry_run: bool,
    snapshot: str | None,
    on_progress: Callable[[Iterable, int, str], Iterable] | None,
) -> dict[str, Any]:
    from annotate import argilla_io, gold
    from annotate.campaign import cast_on, items_frame, latest_responses, load_items
    from annotate.resolve import resolve

    responses, records, meta = latest_responses(cfg, snapshot)
    loads = load_items(cfg, records)
    items = items_frame(loads)
    # the crowd's outcome exactly as `resolve` gets it (gold answers out, weights applied)
    seen = gold.campaign_view(cfg, cast_on(responses, records), loads)
    crowd = resolve(
        items,
        seen.responses,
        min_votes=cfg.resolution.min_votes_effective,
        method=cfg.resolution.method,
        n_bootstrap=0,
        voter_weights=seen.weights,
    )
    current = current_votes(seen.responses, items)
    queues = build_queue(cfg, loads, crowd.items, current)

    # the connection is resolved only now: "pull first" is said before "no server"
    client = argilla_io.connect(conn() if callable(conn) else conn)
    argilla_io.require_manager(client, "review push")
    ws_name = review_workspace(cfg)
    workspace = argilla_io.ensure_workspace(client, ws_name, create=False)
    results = []
    for bench in cfg.benchmarks:
        payloads = queues[bench.name]
        name = review_dataset_name(bench.dataset_name)
        result = BenchmarkReview(bench.name, name, ws_name, queue=len(payloads))
        result.disputes = sum(p["metadata"]["reason"] == REASON_DISPUTE for p in payloads)
        result.audit = len(payloads) - result.disputes
        design = ReviewDesign(name, cfg.language, bench.original is not None)
        dataset = None
        if workspace is not None:
            dataset = argilla_io.find_dataset(client, name, ws_name)
        existing = list(argilla_io.list_records_with_responses(client, dataset)) if dataset else []
        plan = plan_reviews(payloads, existing)
        result.created, result.updated = len(plan.create), len(plan.update)
        result.unchanged, result.deleted = plan.unchanged, len(plan.delete)
        result.answered = plan.answered
        result.dataset_created = dataset is None and bool(payloads)
        results.append(result)
        if dry_run:
            continue
        if dataset is None and not payloads:
            continue  # nothing to review: no empty dataset to confuse reviewers
        if workspace is None:
            workspace = argilla_io.ensure_workspace(client, ws_name)
        dataset, result.dataset_created = argilla_io.ensure_dataset(client, design, workspace)
        if not result.dataset_created:  # a new one has the design's settings already
            settings = argilla_io.settings_plan(client, design, ws_name)
            if settings is not None and settings.updates:
                argilla_io.apply_settings(client, dataset, settings)
        todo = plan.create + plan.update
        batches = [todo[i : i + 200] for i in range(0, len(todo), 200)]
        wrapped = (
            on_progress(batches, len(batches), f"{bench.name} → {name}") if on_progress else batches
        )
        questions = argilla_io.question_ids(client, dataset) if batches else {}
        for batch in wrapped:
            argilla_io.log_records(client, dataset, batch, questions=questions)
        if plan.delete:
            argilla_io.delete_records(client, dataset, plan.delete)
    return {
        "snapshot": meta.get("snapshot"),
        "workspace": ws_name,
        "dry_run": dry_run,
        "audit_fraction": cfg.review.audit_fraction,
        "benchmarks": [r.as_dict() for r in results],
    }


# --- hooks for resolve, publish and the card ---------------------------------------------------


def with_reviews(resolution: Any, items: pd.DataFrame, workdir: Any, meta: Mapping) -> Any:
    """resolve's Resolution with the snapshot's review decisions applied, and the review
    summary (None when the snapshot holds no review dataset: nothing is said then)."""
    import dataclasses

    records, responses = load_reviews(workdir, meta)
    adj = adjudicate(resolution.items, items, records, responses)
    summary = None
    if len(records):
        summary = {
            **adj.summary,
            "records": int(len(records)),
            "pending": int(
                len(set(records["review_id"].astype(str)) - _answered(responses, "submitted"))
            ),
            "by_reviewer": adj.reviewers,
        }
    return dataclasses.replace(resolution, items=adj.items), summary


def _answered(responses: pd.DataFrame, status: str) -> set[str]:
    if responses is None or not len(responses):
        return set()
    return set(responses.loc[responses["status"] == status, "review_id"].astype(str))


def audit_sentence(audit: Mapping[str, Any] | None) -> str | None:
    """ "Reviewers re-checked N accepted items and changed K (...)", or None with no audit."""
    if not audit or not audit.get("checked"):
        return None
    n, k = int(audit["checked"]), int(audit["changed"])
    rate = k / n
    low, high = audit.get("ci_low"), audit.get("ci_high")
    ci = f"; 95% Wilson interval {low:.1%} to {high:.1%}" if low is not None else ""
    return (
        f"Reviewers re-checked {n} accepted item{'s' if n != 1 else ''} (a random audit "
        f"sample) and changed {k}: the crowd's error rate on accepted items is "
        f"{rate:.1%}{ci}."
    )


PROVENANCE_NOTE = (
    "the reviewer whose decision settled the item, overriding the annotators' votes "
    "(named as in `responses`: a pseudonym unless the campaign names people there); null "
    "when the annotators' votes settled it"
)


def card_review_lines(summary: Mapping[str, Any] | None) -> list[str]:
    """The card's review paragraph (empty without a review stage)."""
    if not summary:
        return []
    settled = int(summary.get("settled", 0))
    lines = [
        "",
        "### Review",
        "",
        f"Items the volunteers could not settle (tied verdicts, corrections that failed a "
        f"check or that nobody agreed on) went to reviewers, with a random audit sample of "
        f"the accepted ones. {settled} item{'s were' if settled != 1 else ' was'} settled by "
        "a reviewer's decision, which overrides the votes; a reviewer's correction still had "
        "to pass every check. `adjudicated_by` says which rows.",
    ]
    audit = audit_sentence(summary.get("audit"))
    if audit:
        lines += ["", audit]
    return lines


def reviewer_rows(
    reviewers: Sequence[Mapping[str, Any]], display: Callable[[str, str], str | None]
) -> list[dict[str, Any]]:
    """Reviewers' credits, ranked by items settled: `display(username, user_id)` names
    them (as the contributors are named) or returns None to leave someone out."""
    rows = []
    for r in reviewers:
        name = display(str(r.get("username") or ""), str(r.get("user_id") or ""))
        if name is None or not int(r.get("reviewed", 0)):
            continue
        rows.append(
            {
                "rank": 0,
                "reviewer": name,
                "named": name == r.get("username"),
                "settled": int(r.get("settled", 0)),
                "reviewed": int(r.get("reviewed", 0)),
            }
        )
    rows.sort(key=lambda r: (-r["settled"], -r["reviewed"], r["reviewer"]))
    for i, row in enumerate(rows):
        same = i > 0 and (rows[i - 1]["settled"], rows[i - 1]["reviewed"]) == (
            row["settled"],
            row["reviewed"],
        )
        row["rank"] = rows[i - 1]["rank"] if same else i + 1
    return rows


def card_reviewer_lines(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The card's thanks to the reviewers, apart from the annotators'."""
    if not rows:
        return []
    out = [
        "",
        "## Reviewers",
        "",
        f"Thank you to the {len(rows)} reviewer{'s' if len(rows) != 1 else ''} who settled "
        "the disputes and re-checked the audit sample (the `reviewers` config): settled "
        "counts the items their decision settled, reviewed every decision they submitted.",
        "",
        "| rank | reviewer | settled | reviewed |",
        "| --- | --- | --- | --- |",
    ]
    for r in rows:
        name = str(r["reviewer"]).replace("|", "\\|")
        out.append(f"| {r['rank']} | {name} | {r['settled']} | {r['reviewed']} |")
    return out


# --- the review queue in status and the report ----------------------------------------------


def queue_row(benchmark: str, dataset: str, progress: Mapping | None, users: Any) -> dict:
    """One benchmark's review queue from the review dataset's progress payloads: records,
    pending (no decision yet), settled (a reviewer submitted one) and reviewers active
    (people with at least one submitted decision)."""
    from annotate.status import benchmark_row

    row = benchmark_row(benchmark, dataset, progress, users)
    return {
        "benchmark": benchmark,
        "dataset": dataset,
        "pushed": row["pushed"],
        "records": row["total"],
        "pending": row["pending"],
        "settled": row["completed"],
        "reviewers": row["annotators"],
    }


def live_queue(client: Any, cfg: Any) -> dict[str, Any] | None:
    """The review queue now, from Argilla (None before the first review push)."""

    from annotate import argilla_io
    from annotate.status import contributions

    workspace = review_workspace(cfg)
    if argilla_io.ensure_workspace(client, workspace, create=False) is None:
        return None
    rows, users_by = [], {}
    for bench in cfg.benchmarks:
        name = review_dataset_name(bench.dataset_name)
        dataset = argilla_io.find_dataset(client, name, workspace)
        if dataset is None:
            rows.append(queue_row(bench.name, name, None, None))
            continue
        progress = argilla_io.dataset_progress(client, dataset)
        users = argilla_io.users_progress(client, dataset)
        users_by[bench.name] = users
        rows.append(queue_row(bench.name, name, progress, users))
    people = contributions(users_by)
    return {
        "workspace": workspace,
        "benchmarks": rows,
        "pending": sum(r["pending"] for r in rows),
        "settled": sum(r["settled"] for r in rows),
        "reviewers": sum(1 for p in people.values() if p["submitted"] > 0),
    }


def snapshot_queue(
    review_records: pd.DataFrame, review_responses: pd.DataFrame, benchmarks: Sequence[str]
) -> list[dict[str, Any]]:
    """The review queue as of a pull, per benchmark (records, pending, settled,
    reviewers): what the report shows. Empty when the pull holds no review dataset."""
    if review_records is None or not len(review_records):
        return []
    sub = (
        review_responses[review_responses["status"] == "submitted"]
        if len(review_responses)
        else None
    )
    rows = []
    for bench in benchmarks:
        recs = review_records[review_records["benchmark"] == bench]
        if not len(recs):
            continue
        ids = set(recs["review_id"].astype(str))
        done = set() if sub is None else set(sub["review_id"].astype(str)) & ids
        people = (
            set()
            if sub is None
            else set(sub.loc[sub["review_id"].astype(str).isin(ids), "user_id"].astype(str))
        )
        rows.append(
            {
                "benchmark": bench,
                "records": len(ids),
                "pending": len(ids - done),
                "settled": len(done),
                "reviewers": len(people),
            }
        )
    return rows


def report_review(cfg: Any, pulled: Any) -> dict[str, Any] | None:
    """The report's review section from a pull (insights.Pulled): the queue per benchmark
    and the audit; None when the pull holds no review dataset."""
    records, responses = load_reviews(cfg.workdir, pulled.meta)
    if not len(records):
        return None
    rows = snapshot_queue(records, responses, [b.name for b in cfg.benchmarks])
    adj = adjudicate(pulled.resolution.items, pulled.items, records, responses)
    audit = adj.summary["audit"]
    return {"rows": rows, "audit": audit if audit["checked"] else None}


def resolve_notes(summary: Mapping[str, Any]) -> list[str]:
    """What `resolve` says about the review stage, one line each."""
    lines = [
        f"Review: {summary.get('settled', 0)} items settled by reviewers, "
        f"{summary.get('rejected', 0)} decisions rejected by a check, "
        f"{summary.get('invalid', 0)} invalid, {summary.get('stale', 0)} stale; "
        f"{summary.get('pending', 0)} review records still pending."
    ]
    audit = audit_sentence(summary.get("audit"))
    if audit:
        lines.append(audit)
    return lines
