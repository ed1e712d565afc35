"""`annotate pull`: harvest every response into the local store, as a new snapshot.

Argilla's exports carry opaque user ids and the SDK hides discards with no values, so
records are read through the REST API with all responses (submitted, draft, discarded)
and user ids are mapped to usernames here. The transformation into the tidy long table
is a pure function (`tidy`), tested without a server.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from annotate.errors import AnnotateError
from annotate.model import Q_CORRECTION, Q_VERDICT
from annotate.store import RECORD_COLUMNS, RESPONSE_COLUMNS

if TYPE_CHECKING:
    import pandas as pd


def _value(value: Any) -> str | None:
    """Responses become strings: labels as is, lists (multi-label) as JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def tidy(
    raw_records: Iterable[dict], *, benchmark: str, dataset: str, usernames: dict[str, str]
) -> tuple[list[dict], list[dict]]:
    """REST records with responses -> (response rows, record rows).

    One response row per record x user x question. A response with no values (a
    discard, typically) still gets one row, under the verdict question with no value,
    so that every discard is visible and counted.
    """
    responses: list[dict] = []
    records: list[dict] = []
    for rec in raw_records:
        external_id = rec.get("external_id") or rec["id"]
        metadata = rec.get("metadata") or {}
        item_key = metadata.get("item_key") or external_id.split(":", 1)[-1]
        suggestion = next(
            (
                s.get("value")
                for s in rec.get("suggestions") or []
                # the REST API names the question by id only: the correction is the
                # campaign's one text-valued suggestion (triage's spans are lists)
                if s.get("question_name") == Q_CORRECTION or isinstance(s.get("value"), str)
            ),
            None,
        )
        records.append(
            {
                "record_id": external_id,
                "argilla_id": rec["id"],
                "benchmark": benchmark,
                "dataset": dataset,
                "item_key": item_key,
                "status": rec.get("status"),
                "content_hash": metadata.get("content_hash"),
                "translation": (rec.get("fields") or {}).get("translation"),
                "suggestion": _value(suggestion),
                "inserted_at": rec.get("inserted_at"),
                "updated_at": rec.get("updated_at"),
            }
        )
        for resp in rec.get("responses") or []:
            base = {"record_id": external_id, "benchmark": benchmark, "item_key": item_key}
            responses += response_rows(resp, base, usernames, Q_VERDICT)
    return responses, records


def response_rows(
    resp: dict, base: dict, usernames: Mapping[str, str], empty_question: str
) -> list[dict]:
    """One REST response -> one row per question answered (`base` + who, status, times).

    A response with no values (a discard, typically) still gets one row, under
    `empty_question` with no value, so that every discard is visible and counted."""
    user_id = str(resp["user_id"])
    base = {
        **base,
        "user_id": user_id,
        "username": usernames.get(user_id, user_id),
        "status": resp.get("status"),
        "inserted_at": resp.get("inserted_at"),
        "updated_at": resp.get("updated_at"),
    }
    values = resp.get("values") or {}
    rows = [] if values else [{**base, "question": empty_question, "value": None}]
    for question, answer in values.items():
        value = answer.get("value") if isinstance(answer, dict) else answer
        rows.append({**base, "question": question, "value": _value(value)})
    return rows


def to_frames(responses: list[dict], records: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    import pandas as pd

    resp = pd.DataFrame(responses, columns=RESPONSE_COLUMNS)
    recs = pd.DataFrame(records, columns=RECORD_COLUMNS)
    for frame in (resp, recs):
        for col in ("inserted_at", "updated_at"):
            frame[col] = pd.to_datetime(frame[col], utc=True, format="ISO8601")
    for col in ("value", "username", "user_id", "question", "status"):
        resp[col] = resp[col].astype("string")
    return resp, recs


def diff(previous: pd.DataFrame | None, current: pd.DataFrame) -> dict[str, int]:
    """New and changed responses (record x user) since the previous snapshot."""
    key = ["record_id", "user_id"]

    def per_response(frame: pd.DataFrame) -> dict[tuple, tuple]:
        out: dict[tuple, list] = {}
        ordered = frame.sort_values(["record_id", "user_id", "question"])
        for row in ordered.itertuples(index=False):
            out.setdefault((row.record_id, row.user_id), []).append(
                (row.question, None if _isna(row.value) else row.value, row.status)
            )
        return {k: tuple(v) for k, v in out.items()}

    cur = per_response(current[key + ["question", "value", "status"]])
    if previous is None or previous.empty:
        return {"new": len(cur), "changed": 0}
    prev = per_response(previous[key + ["question", "value", "status"]])
    new = sum(1 for k in cur if k not in prev)
    changed = sum(1 for k, v in cur.items() if k in prev and prev[k] != v)
    return {"new": new, "changed": changed}


def _isna(value: Any) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _not_pushed(cfg: Any, conn: Any, what: str) -> AnnotateError:
    """Pull before the first push: one line, and no empty snapshot to mislead later stages."""
    return AnnotateError(
        f"{cfg.path}: nothing to pull from {conn.url}: {what}",
        hint=f"run `annotate push -c {cfg.path}` first",
    )


def pull(cfg: Any, conn: Any, *, on_progress=None) -> dict:
    """Fetch all responses of the campaign's datasets into a new snapshot.

    Refuses (nothing written) when the campaign was never pushed to this server: an
    empty snapshot would read as "no one has annotated anything yet"; and when earlier
    pulls sit at the old default workdir: a new one would start the history afresh.
    One pull at a time per workdir (a second one waits): two would sweep each other's
    unfinished snapshot folder.
    """
    from annotate.lock import campaign_lock

    if getattr(cfg, "legacy_notice", None):  # before the lock, which creates the workdir
        raise AnnotateError(f"{cfg.path}: {cfg.legacy_notice}")
    with campaign_lock(cfg.workdir, f"annotate pull -c {cfg.path}"):
        return _pull(cfg, conn, on_progress=on_progress)


def _pull(cfg: Any, conn: Any, *, on_progress=None) -> dict:
    from annotate import argilla_io, store

    client = argilla_io.connect(conn)
    argilla_io.require_manager(client, "pull")
    if argilla_io.ensure_workspace(client, cfg.workspace, create=False) is None:
        raise _not_pushed(cfg, conn, f"workspace {cfg.workspace!r} does not exist")
    names = argilla_io.usernames(client)
    gold_ids = _gold_ids(cfg)
    all_responses: list[dict] = []
    all_records: list[dict] = []
    per_benchmark = []
    benches = cfg.benchmarks
    wrapped = on_progress(benches, len(benches), "pulling") if on_progress else benches
    for bench in wrapped:
        dataset = argilla_io.find_dataset(client, bench.dataset_name, cfg.workspace)
        if dataset is None:
            per_benchmark.append(
                {
                    "benchmark": bench.name,
                    "dataset": bench.dataset_name,
                    "records": 0,
                    "responses": 0,
                    "note": "not pushed yet",
                }
            )
            continue
        raw = argilla_io.list_records_with_responses(client, dataset)
        responses, records = tidy(
            raw, benchmark=bench.name, dataset=bench.dataset_name, usernames=names
        )
        all_responses.extend(responses)
        all_records.extend(records)
        if gold_ids:  # the progress of the benchmark: gold answers are stored, not counted
            records = [r for r in records if r["record_id"] not in gold_ids]
            responses = [r for r in responses if r["record_id"] not in gold_ids]
        per_benchmark.append(
            {
                "benchmark": bench.name,
                "dataset": bench.dataset_name,
                "records": len(records),
                "completed": sum(1 for r in records if r["status"] == "completed"),
                "responses": len({(r["record_id"], r["user_id"]) for r in responses}),
                "submitted": len(
                    {
                        (r["record_id"], r["user_id"])
                        for r in responses
                        if r["status"] == "submitted"
                    }
                ),
                "annotators": len({r["user_id"] for r in responses if r["status"] == "submitted"}),
            }
        )
    if all(b.get("note") == "not pushed yet" for b in per_benchmark):
        datasets = ", ".join(repr(b["dataset"]) for b in per_benchmark)
        raise _not_pushed(cfg, conn, f"no dataset {datasets} in workspace {cfg.workspace!r}")
    resp_df, rec_df = to_frames(all_responses, all_records)
    from annotate.review import lost_reviews, pull_reviews, review_workspace

    reviews = pull_reviews(client, cfg, names)  # the review stage's datasets, if any
    lost = lost_reviews(cfg.workdir, review_workspace(cfg)) if reviews is None else None

    workdir = cfg.workdir
    previous_name, previous, damaged = _previous(workdir)
    changes = diff(previous, resp_df)
    now = datetime.now(UTC)
    meta = {
        "snapshot": store.snapshot_name(now),
        "pulled_at": now.isoformat(),
        "campaign": cfg.campaign,
        "records": int(len(rec_df)),
        "responses": int(resp_df[["record_id", "user_id"]].drop_duplicates().shape[0]),
        "new": changes["new"],
        "changed": changes["changed"],
        "benchmarks": per_benchmark,
    }
    if reviews is not None:
        meta["review_records"] = int(len(reviews["review_records.parquet"]))
    path = store.write_snapshot(workdir, resp_df, rec_df, meta, extra=reviews)
    result = {**meta, "path": str(path), "previous": previous_name}
    if damaged:
        result["damaged_previous"] = damaged
    if lost:
        result["review_warning"] = lost
    return result


def _gold_ids(cfg: Any) -> set[str]:
    """Record ids of the campaign's gold items (gold.py), for the progress counts only.

    A bad gold file must not stop the harvest (it stores every answer, gold ones too):
    then the ids push recorded are used, and the other commands report the file."""
    from annotate.errors import ConfigError
    from annotate.gold import campaign_gold, ledger_ids

    try:
        return campaign_gold(cfg)[1]
    except ConfigError:
        return ledger_ids(cfg.workdir)


def _previous(workdir: Any) -> tuple[str | None, pd.DataFrame | None, str | None]:
    """The snapshot to compare with: the latest, else the newest intact one.

    A damaged latest snapshot must not stop the pull that repairs the campaign: the
    new snapshot is written regardless, and the damage is reported.
    """
    from annotate import store

    damaged = None
    try:
        loaded = store.load(workdir)
    except store.SnapshotDamaged as exc:
        damaged = exc.message
        try:
            loaded = store.load(workdir, store.LATEST_INTACT)
        except store.SnapshotDamaged:
            loaded = None
    if loaded is None:
        return None, None, damaged
    return loaded[2].get("snapshot"), loaded[0], damaged
