"""Publish a campaign: the validated benchmarks, the raw responses and the credits, as ONE
dataset repository on the Hugging Face Hub or in a local folder.

One code path for every target: `build_tree` (pure) makes the exact bytes of every file of
the repo; `write_folder` and `push_to_hub` only move those bytes. That keeps `--dry-run`
honest (`plan_commit` + `describe_plan` show exactly what would be sent), makes the folder
and the Hub repo identical, and makes republishing unchanged data a no-op diff, because the
same inputs always give byte-identical files.

Layout of the tree (the Hub's dataset viewer and `datasets.load_dataset(repo, config)` read it
through the `configs:` of the card):

    README.md                                        dataset card (annotate.card)
    data/<benchmark>/<split>-00000-of-00001.parquet  one config per benchmark (every row)
    data/<benchmark>_reviewed/<split>-...parquet      only the rows volunteers validated or
                                                     corrected (`<benchmark>_reviewed` config)
    data/responses/train-00000-of-00001.parquet      every raw response, pseudonymised
    data/contributors/train-00000-of-00001.parquet   credits and ranking
    lm_eval/<task>_{all,reviewed}.yaml               lm-evaluation-harness tasks (Okapi prompts)
    lm_eval/utils.py                                 their prompt helpers and folder loader
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import math
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from annotate import privacy
from annotate.errors import AnnotateError, ConnectionFailed
from annotate.model import STATUSES, Item
from annotate.review import PROVENANCE_NOTE as REVIEW_PROVENANCE
from annotate.store import RESPONSE_COLUMNS as PULLED_RESPONSE_COLUMNS

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

PublishTree = dict[str, bytes]
"""An ordered mapping repo path -> file content: the whole published repository."""

MANIFEST = ".annotate-publish.json"
OWNED_PREFIXES = ("data/", "lm_eval/")  # stale files here are ours to delete on the Hub
SPECIAL_CONFIGS = ("responses", "contributors")
REVIEWED_SUFFIX = "_reviewed"  # `<benchmark>_reviewed`: the rows a human validated or corrected
REVIEWED_STATUSES = ("validated", "corrected")

# Columns added to every benchmark row (name -> what the card says about it).
PROVENANCE_COLUMNS: dict[str, str] = {
    "record_id": "the item's id in the campaign (`<benchmark>:<key>`); joins `responses`",
    "validation_status": "how the item was resolved (see below)",
    "n_annotators": "number of submitted reviews of the item",
    "annotator_agreement": "agreement among the item's submitted verdicts, from 0 to 1 "
    "(null when it could not be computed, e.g. no reviews)",
    "machine_translation": "JSON object of the machine-translated segments a correction "
    "replaced (segment name -> text); null when the text is the machine translation",
    "adjudicated_by": REVIEW_PROVENANCE,
}

# The only columns of the responses table that are ever published (allow-list: anything
# else the upstream table grows, e-mails or keys included, is dropped).
RESPONSE_COLUMNS = (
    "record_id",
    "benchmark",
    "item_key",
    "annotator",
    "question",
    "value",
    "status",
    "inserted_at",
    "updated_at",
)

_CONFIG_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_SPLIT_NAME = re.compile(r"^\w+(\.\w+)*$")
_HUB_PART = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$")


@dataclass
class BenchmarkRelease:
    """One benchmark, resolved, ready to be published as a config in its original schema."""

    name: str
    items: list[Item]
    rebuild: Callable[[Item, Mapping[str, str]], dict]
    resolved: pd.DataFrame
    source: str
    original_source: str | None = None
    license: str | None = None
    # The split the rows are published under. None: taken from `source` when it names one
    # (train/validation/test/dev), else "test".
    split: str | None = None
    adapter: str | None = None  # the adapter kind: picks the lm-eval prompt (arc vs mmlu)
    # Columns a protocol adds after the provenance ones (ESA: annotate.esa_quality):
    # name -> (Arrow type name, what the card says), valued per item from its resolved row.
    extra_columns: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    extra_values: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None


@dataclass
class CampaignInfo:
    """The campaign settings the published card and the privacy rules depend on."""

    campaign: str
    language: str
    source_language: str
    guidelines: str
    min_submitted: int
    method: str
    license: str | None = None
    pretty_name: str | None = None
    name_contributors: bool = True
    exclude_contributors: list[str] | None = None
    salt: str = ""
    citation: str | None = None
    anonymous_contributors: list[str] | None = None
    name_in_responses: bool = False
    gold: dict[str, Any] | None = None  # resolve's gold summary (gold.py), for the card


@dataclass(frozen=True)
class PublishTarget:
    """Where `--to` points: a Hub dataset repo or a local folder."""

    kind: Literal["hub", "folder"]
    repo_id: str | None = None
    path: Path | None = None

    def __str__(self) -> str:
        return f"hf://datasets/{self.repo_id}" if self.kind == "hub" else str(self.path)


# --- targets -------------------------------------------------------------------------


def parse_target(to: str) -> PublishTarget:
    """`hf://datasets/ORG/NAME` -> a Hub repo; anything else -> a folder path."""
    if not to.startswith("hf://"):
        if not to.strip():
            raise AnnotateError(
                "empty publish target", "pass --to ./folder or hf://datasets/ORG/NAME"
            )
        return PublishTarget("folder", path=Path(to).expanduser())
    parts = to[len("hf://") :].strip("/").split("/")
    ok = (
        len(parts) == 3
        and parts[0] == "datasets"
        and all(_HUB_PART.match(p) and ".." not in p and "--" not in p for p in parts[1:])
    )
    if not ok:
        raise AnnotateError(
            f"not a Hub dataset target: {to!r}", "use hf://datasets/ORG/NAME (or a folder path)"
        )
    return PublishTarget("hub", repo_id=f"{parts[1]}/{parts[2]}")


# --- small pure helpers --------------------------------------------------------------


def _missing(value: Any) -> bool:
    """None, NaN, pandas NA/NaT: the ways a DataFrame says "no value"."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


def _records(df: pd.DataFrame | None, columns: Sequence[str] | None = None) -> list[dict]:
    """Rows of a DataFrame as plain dicts (NaN -> None), only `columns` when given.

    Column-wise `tolist()` is ~10x faster than `to_dict("records")` on pandas 3's Arrow
    strings, which matters for a campaign's tens of thousands of responses.
    """
    if df is None or not len(df):
        return []
    names = list(df.columns) if columns is None else list(columns)
    n = len(df)
    values = [[_py(v) for v in df[c].tolist()] if c in df.columns else [None] * n for c in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def _py(value: Any) -> Any:
    """A plain Python value (numpy scalars and arrays unwrapped, NaN -> None)."""
    if type(value) in (str, int, bool):
        return value
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):
        value = value.tolist()
    if isinstance(value, list):
        return [_py(v) for v in value]
    if not isinstance(value, list | dict) and _missing(value):
        return None
    return value


def _json_dict(value: Any) -> dict[str, str] | None:
    value = _py(value)
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        return None
    return {str(k): str(v) for k, v in parsed.items()} if isinstance(parsed, dict) else None


def _redact(text: str) -> str:
    """Free text as published: no e-mail addresses, Hugging Face tokens or API keys."""
    return privacy.redact(text)


def pseudonym(salt: str, key: str) -> str:
    """A stable, unguessable stand-in for an annotator: `annotator-<sha256(salt+id)[:10]>`."""
    if not salt:
        raise AnnotateError(
            "the campaign has no salt, so pseudonyms could be reversed",
            "set a long random salt in the campaign config before publishing",
        )
    return "annotator-" + hashlib.sha256((salt + key).encode("utf-8")).hexdigest()[:10]


def _split_of(release: BenchmarkRelease) -> str:
    split = release.split
    if split is None:
        found = re.findall(
            r"(?<![A-Za-z])(train|validation|test|dev)(?![A-Za-z])", release.source or "", re.I
        )
        split = found[-1].lower() if found else "test"
    if not _SPLIT_NAME.match(split):
        raise AnnotateError(
            f"invalid split name {split!r} for benchmark {release.name!r}",
            "split names are letters, digits and underscores",
        )
    return split


def _parquet_bytes(table: pa.Table) -> bytes:
    """Parquet with nothing time- or machine-dependent in it, so equal tables give equal bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    kwargs: dict[str, Any] = {"compression": "snappy", "write_statistics": True}
    try:  # content-defined chunking: a one-row change re-uploads little on Xet storage
        pq.write_table(table, sink, use_content_defined_chunking=True, **kwargs)
    except TypeError:  # pyarrow < 21
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, **kwargs)
    return sink.getvalue().to_pybytes()


# --- the benchmark configs -----------------------------------------------------------


def _benchmark_table(
    release: BenchmarkRelease, reviewer_name: Callable[[str, str], str] | None = None
) -> tuple[pa.Table, dict[str, int]]:
    """The published rows of one benchmark (source schema + provenance), and status counts.

    `reviewer_name(username, user_id)` names a reviewer who settled an item
    (`adjudicated_by`), as the responses name annotators."""
    import pyarrow as pa

    resolved: dict[str, dict[str, Any]] = {}
    for rec in _records(release.resolved):
        resolved[str(rec.get("record_id"))] = rec
    counts = dict.fromkeys(STATUSES, 0)
    rows: list[dict[str, Any]] = []
    for item in release.items:
        res = resolved.get(item.record_id, {})
        status = _py(res.get("status")) or "unannotated"
        if status not in STATUSES:
            raise AnnotateError(
                f"unknown status {status!r} for {item.record_id}",
                f"expected one of {', '.join(STATUSES)}",
            )
        final = _accepted_correction(item, res) if status == "corrected" else None
        if status == "corrected" and final is None:
            status = "needs_review"  # a correction that fails a blocking check: not published
        counts[status] += 1
        if status == "unusable":
            continue
        if final is None:  # anything not corrected is the source row, byte for byte
            row = copy.deepcopy(item.row)
            replaced = {}
        else:
            row = dict(release.rebuild(item, final))
            replaced = {k: t for k, t in item.segments.items() if final[k] != t}
        agreement = _py(res.get("agreement"))
        row["record_id"] = item.record_id
        row["validation_status"] = status
        row["n_annotators"] = int(_py(res.get("n_submitted")) or 0)
        row["annotator_agreement"] = None if agreement is None else float(agreement)
        row["machine_translation"] = json.dumps(replaced, ensure_ascii=False) if replaced else None
        if release.extra_values is not None:
            row.update(release.extra_values(res))
        reviewer = _py(res.get("reviewer"))
        settled = reviewer is not None and status != "needs_review" and reviewer_name is not None
        row["adjudicated_by"] = (
            reviewer_name(str(reviewer), str(_py(res.get("reviewer_id")) or ""))
            if settled
            else None
        )
        rows.append(row)

    # Columns: the union over all source rows, in first-seen order (some Okapi ARC rows have
    # an `option_e`, most don't); types inferred from all values, not just the first row.
    columns = list(dict.fromkeys(k for i in release.items for k in i.row))
    try:
        source = pa.Table.from_pylist(
            [{k: i.row.get(k) for k in columns} for i in release.items]
        ).schema
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise AnnotateError(
            f"benchmark {release.name!r}: source rows have mixed types ({exc})",
            "check the translation source file",
        ) from exc
    added = {**PROVENANCE_COLUMNS, **release.extra_columns}
    clash = [c for c in added if c in source.names]
    if clash:
        raise AnnotateError(
            f"benchmark {release.name!r} already has a column named {clash[0]!r}",
            "rename it in the source: annotate adds that provenance column",
        )
    known = set(source.names) | set(added)
    extras = list(dict.fromkeys(k for r in rows for k in r if k not in known))
    fields = list(source)
    if extras:
        fields += list(pa.Table.from_pylist([{k: r.get(k) for k in extras} for r in rows]).schema)
    fields += [
        pa.field("record_id", pa.string()),
        pa.field("validation_status", pa.string()),
        pa.field("n_annotators", pa.int64()),
        pa.field("annotator_agreement", pa.float64()),
        pa.field("machine_translation", pa.string()),
        pa.field("adjudicated_by", pa.string()),
    ]
    fields += [pa.field(n, getattr(pa, kind)()) for n, (kind, _) in release.extra_columns.items()]
    schema = pa.schema(fields)
    try:
        table = pa.Table.from_pylist(rows, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise AnnotateError(
            f"benchmark {release.name!r}: a corrected row no longer fits the source schema ({exc})",
            "the adapter's to_row must keep each column's type",
        ) from exc
    return table, counts


def reviewed_rows(table: pa.Table) -> pa.Table:
    """Only the rows a human validated or corrected (the `<benchmark>_reviewed` config)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    keep = pc.is_in(table["validation_status"], value_set=pa.array(REVIEWED_STATUSES))
    return table.filter(keep)


def _check_config_names(names: Sequence[str]) -> None:
    """Benchmark names become config names, next to `<name>_reviewed` and the special two."""
    for name in names:
        if not _CONFIG_NAME.match(name) or name in SPECIAL_CONFIGS:
            raise AnnotateError(
                f"benchmark name {name!r} cannot be a dataset config",
                "use letters, digits, '_', '-' or '.', and not 'responses' or 'contributors'",
            )
    if len(set(names)) != len(names):
        raise AnnotateError("two benchmarks share a name", f"names: {', '.join(names)}")
    clash = set(names) & {n + REVIEWED_SUFFIX for n in names}
    if clash:
        name = sorted(clash)[0]
        raise AnnotateError(
            f"benchmark name {name!r} clashes with the reviewed-only config of "
            f"{name.removesuffix(REVIEWED_SUFFIX)!r}",
            f"rename the benchmark: annotate publishes '<name>{REVIEWED_SUFFIX}' configs",
        )


def _accepted_correction(item: Item, res: Mapping[str, Any]) -> dict[str, str] | None:
    """The final text of a `corrected` item, or None when it must not be published.

    Publish does not take resolve's word for it: the correction must be made against
    this very source text (same segments) and pass every blocking check of its text
    again. (A final text equal to the source publishes the source either way.)
    """
    from annotate.resolve import blocks, check_integrity

    mt = _json_dict(res.get("mt_segments"))
    final = _json_dict(res.get("final_segments"))
    if final is None or mt != item.segments or list(final) != list(item.segments):
        return None
    return None if blocks(check_integrity(final, item.segments, item.original)) else final


# --- responses and contributors ------------------------------------------------------


def _people(names: Iterable[str] | None) -> set[str]:
    """A config list of usernames (or account ids), compared case-insensitively."""
    return {str(x).casefold() for x in names or [] if str(x).strip()}


def _listed(people: set[str], username: str, user_id: str) -> bool:
    return username.casefold() in people or (bool(user_id) and user_id.casefold() in people)


def _display_name(campaign: CampaignInfo, named: bool, username: str, user_id: str) -> str:
    """The username when `named` and the person neither opted out nor asked to stay
    anonymous (and it is not an e-mail address); otherwise a pseudonym."""
    private = _people(campaign.exclude_contributors) | _people(campaign.anonymous_contributors)
    if (
        named
        and username
        and not _listed(private, username, user_id)
        and not privacy.EMAIL.search(username)
    ):
        return username
    return pseudonym(campaign.salt, user_id or username)


def _text(value: Any) -> str | None:
    if type(value) is str:
        return _redact(value)
    value = _py(value)
    if value is None:
        return None
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False)
    return _redact(value)


def _timestamp(value: Any) -> str | None:
    value = _py(value)
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


# What build_tree reads from the upstream responses table (nothing else is even loaded).
_RESPONSE_INPUT = PULLED_RESPONSE_COLUMNS


def _responses_rows(campaign: CampaignInfo, responses: list[dict]) -> list[dict]:
    """The published responses: allow-listed columns, pseudonyms (unless the campaign
    names people in the raw responses too), redacted text, sorted."""
    names: dict[tuple[str, str], str] = {}
    rows = []
    for rec in responses:
        username = str(rec.get("username") or "")
        user_id = str(rec.get("user_id") or "")
        who = (username, user_id)
        if who not in names:
            names[who] = _display_name(campaign, campaign.name_in_responses, username, user_id)
        out = {
            "record_id": _text(rec.get("record_id")),
            "benchmark": _text(rec.get("benchmark")),
            "item_key": _text(rec.get("item_key")),
            "annotator": names[who],
            "question": _text(rec.get("question")),
            "value": _text(rec.get("value")),
            "status": _text(rec.get("status")),
            "inserted_at": _timestamp(rec.get("inserted_at")),
            "updated_at": _timestamp(rec.get("updated_at")),
        }
        rows.append({k: out[k] for k in RESPONSE_COLUMNS})
    key = ("benchmark", "record_id", "annotator", "question", "status", "updated_at", "value")
    rows.sort(key=lambda r: tuple(r[k] or "" for k in key))
    return rows


def _contributors_rows(
    campaign: CampaignInfo,
    benchmarks: Sequence[str],
    responses: list[dict],
    annotators: pd.DataFrame | None,
) -> list[dict[str, Any]]:
    """Credits: distinct items each person submitted, per benchmark, ranked. People who
    opted out are left out; anonymous ones are counted under a pseudonym."""
    excluded = _people(campaign.exclude_contributors)
    people: dict[str, dict[str, Any]] = {}

    def person(username: str, user_id: str) -> dict[str, Any]:
        key = user_id or username
        if key not in people:
            people[key] = {
                "username": username,
                "user_id": user_id,
                "items": {},
                "agreement": None,
                "fallback": None,
            }
        return people[key]

    for rec in responses:
        if rec.get("status") != "submitted":
            continue
        p = person(str(rec.get("username") or ""), str(rec.get("user_id") or ""))
        bench = str(rec.get("benchmark") or "")
        p["items"].setdefault(bench, set()).add(str(rec.get("record_id")))
    for rec in _records(annotators):
        p = person(str(rec.get("username") or ""), str(rec.get("user_id") or ""))
        agreement = rec.get("agreement_with_consensus")
        p["agreement"] = None if agreement is None else float(agreement)
        if not p["items"]:
            per = _json_dict_any(rec.get("per_benchmark"))
            p["fallback"] = (int(_py(rec.get("submitted")) or 0), per)

    rows = []
    for p in people.values():
        if _listed(excluded, p["username"], p["user_id"]):
            continue
        if p["items"]:
            per = {b: len(ids) for b, ids in p["items"].items()}
            total = sum(per.values())
        elif p["fallback"]:
            total, per = p["fallback"]
        else:
            continue
        if total <= 0:
            continue
        name = _display_name(campaign, campaign.name_contributors, p["username"], p["user_id"])
        row: dict[str, Any] = {
            "rank": 0,
            "contributor": name,
            "named": name == p["username"],  # for the card's count; not a published column
            "submitted": int(total),
        }
        for b in benchmarks:
            row[f"submitted_{b}"] = int(per.get(b, 0))
        row["agreement_with_consensus"] = p["agreement"]
        rows.append(row)
    rows.sort(
        key=lambda r: (
            -r["submitted"],
            -(r["agreement_with_consensus"] if r["agreement_with_consensus"] is not None else -1),
            r["contributor"],
        )
    )
    for i, row in enumerate(rows):
        same = i > 0 and rows[i - 1]["submitted"] == row["submitted"]
        row["rank"] = rows[i - 1]["rank"] if same else i + 1
    return rows


def _json_dict_any(value: Any) -> dict[str, int]:
    """per_benchmark counts from the annotators table: {bench: n} or {bench: {submitted: n}}."""
    value = _py(value)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    if not isinstance(value, dict):
        return {}
    out = {}
    for k, v in value.items():
        if isinstance(v, dict):
            v = v.get("submitted", 0)
        if isinstance(v, int | float) and not isinstance(v, bool):
            out[str(k)] = int(v)
    return out


def _contributors_table(rows: list[dict[str, Any]], benchmarks: Sequence[str]) -> pa.Table:
    import pyarrow as pa

    fields = [
        pa.field("rank", pa.int64()),
        pa.field("contributor", pa.string()),
        pa.field("submitted", pa.int64()),
    ]
    fields += [pa.field(f"submitted_{b}", pa.int64()) for b in benchmarks]
    fields.append(pa.field("agreement_with_consensus", pa.float64()))
    return pa.Table.from_pylist(rows, schema=pa.schema(fields))


def _reviewer_credits(
    campaign: CampaignInfo, review: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """Reviewers, credited apart from annotators and named as contributors are (opt-outs
    left out, anonymous ones under a pseudonym)."""
    from annotate.review import reviewer_rows

    excluded = _people(campaign.exclude_contributors)

    def display(username: str, user_id: str) -> str | None:
        if _listed(excluded, username, user_id):
            return None
        return _display_name(campaign, campaign.name_contributors, username, user_id)

    return reviewer_rows((review or {}).get("by_reviewer") or [], display)


def _reviewers_table(rows: list[dict[str, Any]]) -> pa.Table:
    import pyarrow as pa

    schema = pa.schema(
        [
            pa.field("rank", pa.int64()),
            pa.field("reviewer", pa.string()),
            pa.field("settled", pa.int64()),
            pa.field("reviewed", pa.int64()),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def _responses_table(rows: list[dict[str, Any]]) -> pa.Table:
    import pyarrow as pa

    schema = pa.schema([pa.field(c, pa.string()) for c in RESPONSE_COLUMNS])
    return pa.Table.from_pylist(rows, schema=schema)


# --- the tree ------------------------------------------------------------------------


def build_tree(
    campaign: CampaignInfo,
    releases: Sequence[BenchmarkRelease],
    responses: pd.DataFrame | None,
    annotators: pd.DataFrame | None,
    agreement: pd.DataFrame | None,
    *,
    repo_id: str | None = None,
    allow_unreviewed: bool = False,
    mt_quality: Mapping[str, Any] | None = None,
    review: Mapping[str, Any] | None = None,
) -> PublishTree:
    """Every file of the published repo, in order. Pure: same inputs, same bytes.

    `repo_id` (when publishing to the Hub) is only used in the card's examples and the
    lm-eval task files; without it they refer to the folder itself. A release in which no
    item was validated or corrected is refused unless `allow_unreviewed`: it would be the
    machine translation under a "validated" banner. `review` is resolve's review summary
    (the review stage): reviewers are credited in a `reviewers` config of their own.
    """
    from annotate.card import BenchmarkCardInfo, CardContext, hub_license, render_card
    from annotate.lm_eval_tasks import UTILS_PATH, benchmark_tasks, schema_of, utils_source

    _check_config_names([r.name for r in releases])
    names = [r.name for r in releases]
    tree: PublishTree = {}
    data: dict[str, bytes] = {}
    lm_eval: dict[str, bytes] = {}
    infos = []
    for release in releases:
        split = _split_of(release)
        table, counts = _benchmark_table(
            release, lambda u, i: _display_name(campaign, campaign.name_in_responses, u, i)
        )
        reviewed = reviewed_rows(table)
        path = f"data/{release.name}/{split}-00000-of-00001.parquet"
        reviewed_name = release.name + REVIEWED_SUFFIX
        data[path] = _parquet_bytes(table)
        data[f"data/{reviewed_name}/{split}-00000-of-00001.parquet"] = _parquet_bytes(reviewed)
        tasks = benchmark_tasks(
            benchmark=release.name,
            adapter=release.adapter,
            split=split,
            columns=table.schema.names,
            language=campaign.language,
            repo_id=repo_id,
            reviewed_config=reviewed_name,
            with_reviewed=reviewed.num_rows > 0,
        )
        lm_eval.update((t.path, t.yaml.encode("utf-8")) for t in tasks)
        infos.append(
            BenchmarkCardInfo(
                name=release.name,
                split=split,
                path=f"data/{release.name}/{split}-*.parquet",
                source=release.source,
                original_source=release.original_source,
                license=release.license,
                n_items=len(release.items),
                n_published=table.num_rows,
                status_counts=counts,
                lm_eval_tasks=tuple((t.name, t.variant) for t in tasks),
                schema=schema_of(release.adapter, release.name, table.schema.names),
                columns=tuple(table.schema.names),
                reviewed_name=reviewed_name,
                reviewed_path=f"data/{reviewed_name}/{split}-*.parquet",
                n_reviewed_rows=reviewed.num_rows,
            )
        )
    if not allow_unreviewed and not any(i.n_reviewed_rows for i in infos):
        total = sum(i.n_items for i in infos)
        raise AnnotateError(
            f"no item has been validated or corrected yet (0 of {total} reviewed): the "
            "release would be unreviewed machine translation",
            "collect reviews and pull first, or pass --allow-unreviewed to publish it anyway",
        )

    response_records = _records(responses, _RESPONSE_INPUT)
    response_rows = _responses_rows(campaign, response_records)
    data["data/responses/train-00000-of-00001.parquet"] = _parquet_bytes(
        _responses_table(response_rows)
    )
    people = _contributors_rows(campaign, names, response_records, annotators)
    data["data/contributors/train-00000-of-00001.parquet"] = _parquet_bytes(
        _contributors_table(people, names)
    )
    reviewers = _reviewer_credits(campaign, review)
    if reviewers:
        data["data/reviewers/train-00000-of-00001.parquet"] = _parquet_bytes(
            _reviewers_table(reviewers)
        )

    raw_licenses = [campaign.license] if campaign.license else [r.license for r in releases]
    license_names = list(dict.fromkeys(x.strip() for x in raw_licenses if x and x.strip()))
    license_ids = list(dict.fromkeys(hub_license(x) for x in license_names)) or ["unknown"]
    n_responses = len({(r["record_id"], r["annotator"]) for r in response_rows})
    ctx = CardContext(
        campaign=campaign,
        repo_id=repo_id,
        benchmarks=infos,
        agreement=_agreement_rows(agreement, names),
        contributors=people,
        n_responses=n_responses,
        n_response_rows=len(response_rows),
        provenance_columns={
            **PROVENANCE_COLUMNS,
            **{n: d for r in releases for n, (_, d) in r.extra_columns.items()},
        },
        license_ids=license_ids,
        mt_quality=mt_quality,
        license_names=license_names,
        review=review,
        reviewers=reviewers,
    )
    tree["README.md"] = render_card(ctx).encode("utf-8")
    tree.update(data)
    if lm_eval:
        lm_eval[UTILS_PATH] = utils_source()
    tree.update(sorted(lm_eval.items()))
    return tree


def _agreement_rows(agreement: pd.DataFrame | None, order: Sequence[str]) -> list[dict]:
    """Agreement rows in benchmark order, `overall` last, as plain values."""
    if agreement is None or not len(agreement):
        return []
    rows = _records(agreement)
    rank = {name: i for i, name in enumerate(order)}
    return sorted(
        rows,
        key=lambda r: (
            r.get("benchmark") == "overall",
            rank.get(r.get("benchmark"), len(rank)),
            str(r.get("benchmark")),
        ),
    )


# --- folder target -------------------------------------------------------------------


def _read_manifest(dest: Path) -> set[str]:
    try:
        data = json.loads((dest / MANIFEST).read_text("utf-8"))
        return {str(p) for p in data.get("files", [])}
    except (OSError, ValueError, AttributeError):
        return set()


def _safe_relpath(path: str) -> str:
    parts = path.split("/")
    if path.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise AnnotateError(f"unsafe path in publish tree: {path!r}")
    return path


def write_folder(tree: PublishTree, dest: str | os.PathLike[str]) -> dict[str, Any]:
    """Write the tree to a folder, staged in a temporary folder next to it first.

    A new folder appears at once (the staged folder is renamed). An existing one is updated
    file by file with atomic renames, so readers never see a half-written file and files
    that are not ours (a .git folder, notes) are left alone; the manifest is written before
    (old and new files) and after (new files), so an interrupted publish is tracked and
    cleaned up by the next one. Files a previous publish wrote (listed in
    `.annotate-publish.json`) and no longer in the tree are removed. Refuses to overwrite a
    file it did not write.
    """
    dest = Path(dest).absolute()
    if dest.exists() and not dest.is_dir():
        raise AnnotateError(f"publish target {dest} is a file", "pass a folder path")
    for path in tree:
        _safe_relpath(path)
    owned = _read_manifest(dest) if dest.is_dir() else set()
    clash = [p for p in tree if p not in owned and (dest / p).exists()]
    if clash:
        raise AnnotateError(
            f"{dest / clash[0]} exists and was not written by annotate publish",
            "publish into an empty folder, or remove that file",
        )
    previous: dict[str, bytes] = {}
    for rel in owned & set(tree):
        with contextlib.suppress(OSError):
            previous[rel] = (dest / rel).read_bytes()
    changed = [p for p, c in tree.items() if previous.get(p) != c]
    removed = sorted(p for p in owned - set(tree) if (dest / p).is_file())

    def manifest(files: Iterable[str]) -> str:
        digests = {p: hashlib.sha256(tree[p]).hexdigest() for p in sorted(files) if p in tree}
        return (
            json.dumps(
                {"tool": "annotate publish", "files": sorted(files), "sha256": digests}, indent=1
            )
            + "\n"
        )

    dest.parent.mkdir(parents=True, exist_ok=True)
    for leftover in dest.parent.glob(f".{dest.name}.publish-*"):  # from a killed publish
        shutil.rmtree(leftover, ignore_errors=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{dest.name}.publish-", dir=dest.parent))
    try:
        for rel in tree if not dest.exists() else changed:
            target = stage / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(tree[rel])
        if not dest.exists():
            (stage / MANIFEST).write_text(manifest(tree), "utf-8")
            os.replace(stage, dest)
        else:
            _write_atomic(dest / MANIFEST, manifest(set(tree) | owned).encode(), stage)
            for rel in changed:
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                os.replace(stage / rel, dest / rel)
            for rel in removed:
                (dest / rel).unlink(missing_ok=True)
                _prune_empty_dirs((dest / rel).parent, dest)
            _write_atomic(dest / MANIFEST, manifest(tree).encode(), stage)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return {
        "target": str(dest),
        "files": len(tree),
        "bytes": sum(len(c) for c in tree.values()),
        "changed": changed,
        "removed": removed,
        "unchanged": not changed and not removed,
    }


def _write_atomic(path: Path, content: bytes, stage: Path) -> None:
    tmp = stage / f"{path.name}.{uuid.uuid4().hex[:8]}"
    tmp.write_bytes(content)
    os.replace(tmp, path)


def _prune_empty_dirs(folder: Path, root: Path) -> None:
    """Remove folders a stale file leaves empty, up to (not including) the publish root."""
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


# --- Hub target ----------------------------------------------------------------------


def plan_commit(
    tree: PublishTree, existing_files: Iterable[str]
) -> list[CommitOperationAdd | CommitOperationDelete]:
    """The one commit that makes the repo equal the tree: an add per file, a delete per
    stale file of ours (under data/ or lm_eval/). Files elsewhere, .gitattributes included,
    are never deleted. Unchanged adds are dropped by the Hub client, not here."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    ops: list[CommitOperationAdd | CommitOperationDelete] = [
        CommitOperationAdd(path_in_repo=path, path_or_fileobj=content)
        for path, content in tree.items()
    ]
    stale = sorted(
        p
        for p in set(existing_files)
        if p not in tree and p.startswith(OWNED_PREFIXES) and p != ".gitattributes"
    )
    ops += [CommitOperationDelete(path_in_repo=p) for p in stale]
    return ops


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return f"{n} B"


def describe_plan(tree: PublishTree, ops: Sequence[Any]) -> str:
    """What a publish would send, for --dry-run: one line per file, then totals."""
    adds = [op.path_in_repo for op in ops if type(op).__name__ == "CommitOperationAdd"]
    deletes = [op.path_in_repo for op in ops if type(op).__name__ == "CommitOperationDelete"]
    width = max((len(p) for p in adds + deletes), default=0)
    lines = [f"add     {p:<{width}}  {_size(len(tree[p])):>9}" for p in adds]
    lines += [f"delete  {p}" for p in deletes]
    total = sum(len(tree[p]) for p in adds)
    lines.append(
        f"{len(adds)} file(s) to upload ({_size(total)}), {len(deletes)} stale file(s) to "
        "delete, in one commit (files whose content is unchanged are skipped)"
    )
    return "\n".join(lines)


def _resolve_token(token: str | None) -> str:
    token = token or os.environ.get("HF_TOKEN") or None
    if not token:
        raise ConnectionFailed("no Hugging Face token: set HF_TOKEN or pass --token")
    return token


def hub_failure(
    exc: Exception, repo_id: str, endpoint: str, token: str | None, *, repo_type: str = "dataset"
) -> AnnotateError | None:
    """The one line for a Hub answer or a network failure; None for anything else (a bug)."""
    from huggingface_hub.errors import HfHubHTTPError

    # OSError: connection refused, DNS, TLS, offline mode; httpx2 errors derive from neither.
    if isinstance(exc, HfHubHTTPError | OSError) or type(exc).__module__.startswith(
        ("httpx", "httpcore")
    ):
        return _hub_error(exc, repo_id, endpoint, token, repo_type=repo_type)
    return None


def _hub_error(
    exc: Exception, repo_id: str, endpoint: str, token: str | None, *, repo_type: str = "dataset"
) -> AnnotateError:
    """One line the user can act on; never the token, whatever the server echoed."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    server = ""
    if response is not None:
        server = response.headers.get("X-Error-Message") or ""
        if not server:
            try:
                server = str(response.json().get("error") or "")
            except Exception:
                server = ""
    if token:
        server = server.replace(token, "***")
    # Also any other token (one read from the login cache that we never saw).
    server = privacy.HF_TOKEN.sub("***", server).splitlines()[0][:200] if server else ""
    repo = f"{repo_type}s/{repo_id}"  # datasets/ORG/NAME or spaces/ORG/NAME
    if status in (401, 403):
        return ConnectionFailed(
            f"the Hub refused the token for {repo} (HTTP {status})",
            "check that HF_TOKEN (or --token) is valid and can write to that namespace",
        )
    if status == 412 or status == 409:
        return AnnotateError(
            f"{repo} changed while publishing (HTTP {status})", "run publish again"
        )
    if status is not None:
        detail = f": {server}" if server else ""
        return ConnectionFailed(f"publishing to {repo} failed (HTTP {status}){detail}")
    return ConnectionFailed(
        f"could not reach the Hub at {endpoint} ({type(exc).__name__})",
        "check the network, or HF_ENDPOINT",
    )


def push_to_hub(
    tree: PublishTree,
    repo_id: str,
    *,
    token: str | None = None,
    private: bool = False,
    endpoint: str | None = None,
    commit_message: str = "Publish validated benchmarks (annotate)",
) -> dict[str, Any]:
    """Make the dataset repo equal the tree in ONE commit (created if missing).

    The commit is guarded by the head it was planned against (parent_commit), so a
    concurrent change fails cleanly instead of being overwritten. Returns what happened.
    """
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    token = _resolve_token(token)
    api = HfApi(endpoint=endpoint, token=token)
    where = api.endpoint
    try:
        api.create_repo(repo_id, repo_type="dataset", exist_ok=True, private=private, token=token)
        head = api.repo_info(repo_id, repo_type="dataset", token=token).sha
        existing = api.list_repo_files(repo_id, repo_type="dataset", revision=head, token=token)
        ops = plan_commit(tree, existing)
        info = api.create_commit(
            repo_id,
            ops,
            commit_message=commit_message,
            repo_type="dataset",
            token=token,
            parent_commit=head,
        )
    except HfHubHTTPError as exc:
        raise _hub_error(exc, repo_id, where, token) from None
    except ValueError as exc:  # invalid README metadata, reported by validate-yaml
        first = str(exc).replace(token, "***").strip().splitlines()
        if not first or "README" not in first[0]:
            raise
        raise AnnotateError(
            f"the Hub rejected the dataset card of datasets/{repo_id}: {' '.join(first[:3])[:300]}"
        ) from None
    except OSError as exc:  # connection refused, DNS, TLS: httpx2 errors derive from neither
        raise _hub_error(exc, repo_id, where, token) from None
    except Exception as exc:
        if type(exc).__module__.startswith(("httpx", "httpcore")):
            raise _hub_error(exc, repo_id, where, token) from None
        raise
    deletes = [op.path_in_repo for op in ops if type(op).__name__ == "CommitOperationDelete"]
    return {
        "repo_id": repo_id,
        "url": f"{where}/datasets/{repo_id}",
        "commit": info.oid,
        "commit_url": info.commit_url,
        "changed": info.oid != head,
        "files": len(tree),
        "bytes": sum(len(c) for c in tree.values()),
        "deleted": deletes,
    }


def tree_summary(tree: PublishTree) -> list[dict[str, Any]]:
    """(path, size, sha256) per file: what --json prints for a dry run."""
    return [
        {"path": p, "bytes": len(c), "sha256": hashlib.sha256(c).hexdigest()}
        for p, c in tree.items()
    ]
