"""Glue between the stages: the campaign's items, its latest pull, its resolution on disk.

The items of a campaign are always rebuilt from its config (the same deterministic
loading push used) and matched to the pulled records the way push matched them, so
resolve and publish see exactly what was pushed without a second copy to drift; the
record hashes stored in Argilla tell when the source changed after annotators saw it,
and votes on records that match no item any more are counted and reported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotate.errors import AnnotateError

if TYPE_CHECKING:
    import pandas as pd

    from annotate.resolve import Resolution


def load_items(cfg: Any, records: pd.DataFrame | None = None) -> dict[str, Any]:
    """benchmark name -> BenchmarkLoad (items, rejected, unpaired), in config order.

    Items are matched to the records of `records` (default: the latest pull, if any)
    the way push matched them (`identity.match_identities`), so an item whose text was
    edited keeps the record id its votes are under.
    """
    import dataclasses

    from annotate import gold, identity
    from annotate.pairing import load_benchmark

    loads = {bench.name: load_benchmark(cfg, bench) for bench in cfg.benchmarks}
    if records is None:
        records = _latest_records(cfg)
    ids = gold.campaign_gold(cfg, loads, check=True)[1]
    records = gold.without_gold(records, ids)  # gold records are never benchmark items
    if records is None or not len(records):
        return loads
    for name, load in loads.items():
        rows = records[records["benchmark"] == name].to_dict("records")
        if not rows:
            continue
        match = identity.match_identities(load.items, identity.existing_from_rows(rows))
        loads[name] = dataclasses.replace(load, items=identity.rekey(load.items, match))
    return loads


def _latest_records(cfg: Any) -> pd.DataFrame | None:
    from annotate import store

    loaded = store.load(cfg.workdir)
    return None if loaded is None else loaded[1]


def unmatched_votes(items: pd.DataFrame, responses: pd.DataFrame) -> dict[str, int]:
    """Records with responses that match no item (rows deleted, or edited past recognition),
    and the submitted verdicts on them: resolve cannot count these, so it says so."""
    from annotate.model import Q_VERDICT

    gone = responses[~responses["record_id"].isin(set(items["record_id"]))]
    votes = gone[(gone["status"] == "submitted") & (gone["question"] == Q_VERDICT)]
    return {
        "unmatched_records": int(gone["record_id"].nunique()),
        "unmatched_votes": int(len(votes)),
    }


def items_frame(loads: dict[str, Any]) -> pd.DataFrame:
    """The items as resolve reads them: ids, segments and originals as JSON."""
    import pandas as pd

    rows = [
        {
            "record_id": item.record_id,
            "benchmark": item.benchmark,
            "item_key": item.key,
            "segments": json.dumps(item.segments, ensure_ascii=False),
            "original": json.dumps(item.original, ensure_ascii=False)
            if item.original is not None
            else None,
            "content_hash": item.content_hash,
        }
        for load in loads.values()
        for item in load.items
    ]
    return pd.DataFrame(
        rows,
        columns=["record_id", "benchmark", "item_key", "segments", "original", "content_hash"],
    )


def latest_responses(
    cfg: Any, snapshot: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The pulled snapshot to work from (`snapshot`: see store.load); one line if none."""
    from annotate import store

    loaded = store.load(cfg.workdir, snapshot)
    if loaded is None:
        raise AnnotateError(
            f"no pulled responses in {cfg.workdir}",
            hint=f"run `annotate pull -c {cfg.path}` first",
        )
    return loaded


def stale_records(items: pd.DataFrame, records: pd.DataFrame) -> list[str]:
    """Records whose pushed text differs from the source now (re-push before resolving)."""
    pushed = dict(zip(records["record_id"], records["content_hash"], strict=True))
    return [
        rid
        for rid, h in zip(items["record_id"], items["content_hash"], strict=True)
        if rid in pushed and isinstance(pushed[rid], str) and pushed[rid] != h
    ]


def cast_on(responses: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """The responses with `content_hash`: the hash of the text their record showed when
    pulled, i.e. the text they were cast on (push sends a record whose text changes back
    to the queue, deleting its responses, so a pulled response always answers the text
    pulled with it). resolve counts a vote only when that is the item's current text."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    def strings(column: pd.Series) -> pa.Array:
        return pa.array(column.astype(object), type=pa.large_string(), from_pandas=True)

    # Arrow's hash join: ~20x a dict lookup per response row at 400k rows
    where = pc.index_in(strings(responses["record_id"]), value_set=strings(records["record_id"]))
    hashes = strings(records["content_hash"]).take(where)
    return responses.assign(content_hash=pd.Series(hashes, dtype="str", index=responses.index))


def run_resolve(
    cfg: Any, loads: dict[str, Any] | None = None, *, snapshot: str | None = None
) -> tuple[Resolution, dict]:
    """Resolve the latest pull and save the result under <workdir>/resolved/."""
    from annotate.lock import campaign_lock

    with campaign_lock(cfg.workdir, f"annotate resolve -c {cfg.path}"):
        return _run_resolve(cfg, loads, snapshot)


def _run_resolve(
    cfg: Any, loads: dict[str, Any] | None, snapshot: str | None
) -> tuple[Resolution, dict]:
    from annotate import gold, store
    from annotate.esa_quality import with_quality
    from annotate.resolve import resolve
    from annotate.review import with_reviews

    responses, records, meta = latest_responses(cfg, snapshot)
    loads = loads if loads is not None else load_items(cfg, records)
    items = items_frame(loads)
    every = cast_on(responses, records)
    seen = gold.campaign_view(cfg, every, loads)  # gold answers out, scored
    voted = seen.responses

    def decide(weights: dict[str, float]) -> tuple[Resolution, dict | None]:
        resolution = resolve(
            items,
            voted,
            min_votes=cfg.resolution.min_votes_effective,
            method=cfg.resolution.method,
            voter_weights=weights,
        )
        resolution = with_quality(cfg, resolution, items, voted, records)
        # reviewers' decisions (review stage) override the crowd's outcome
        return with_reviews(resolution, items, cfg.workdir, meta)

    resolution, review_summary = decide(seen.weights)
    if gold.uses_reviews(cfg):  # what reviewers settled scores the annotators too
        again = gold.reviewed_view(cfg, every, loads, resolution.items)
        if again.weights != seen.weights:
            resolution, review_summary = decide(again.weights)
        seen = again
    summary = resolution.summary()
    if review_summary is not None:
        summary["review"] = review_summary
    summary["snapshot"] = meta.get("snapshot")
    stale = stale_records(items, records)
    summary["stale_records"] = len(stale)  # the exact count; a sample of ids below
    summary["stale_record_ids"] = stale[:20]
    summary.update(unmatched_votes(items, seen.responses))
    if seen.active:
        summary["gold"] = seen.summary()
    if cfg.triage.enabled:
        from annotate import triage

        summary["triage"] = triage.evaluate(cfg, loads, resolution.items)
    out = store.resolved_dir(cfg.workdir)
    save_resolution(out, resolution, summary)
    return resolution, summary


def save_resolution(out: Path, resolution: Resolution, summary: dict) -> None:
    """Write the three tables and the summary; replaced together once all are on disk."""
    import io

    from annotate.paths import atomic_write_many, on_disk

    files = {}
    for name in ("items", "agreement", "annotators"):
        buf = io.BytesIO()
        getattr(resolution, name).to_parquet(buf, index=False)
        files[out / f"{name}.parquet"] = buf.getvalue()
    files[out / "summary.json"] = json.dumps(
        summary, indent=2, ensure_ascii=False, default=str
    ).encode("utf-8")
    with on_disk(out):
        atomic_write_many(files)


def publish_campaign(
    cfg: Any,
    to: str,
    *,
    dry_run: bool = False,
    private: bool = False,
    token: str | None = None,
    allow_unreviewed: bool = False,
    snapshot: str | None = None,
) -> dict:
    """Resolve the latest pull and publish the campaign to a folder or a Hub repo.

    Refuses (AnnotateError) when no item was validated or corrected, unless
    `allow_unreviewed`. Holds the campaign's lock (resolve writes `resolved/`)."""
    from annotate.lock import campaign_lock

    with campaign_lock(cfg.workdir, f"annotate publish -c {cfg.path}"):
        return _publish_campaign(
            cfg,
            to,
            dry_run=dry_run,
            private=private,
            token=token,
            allow_unreviewed=allow_unreviewed,
            snapshot=snapshot,
        )


def _publish_campaign(
    cfg: Any,
    to: str,
    *,
    dry_run: bool,
    private: bool,
    token: str | None,
    allow_unreviewed: bool,
    snapshot: str | None,
) -> dict:
    from annotate import esa_quality, gold, publish
    from annotate.adapters import get_adapter
    from annotate.paths import on_disk

    target = publish.parse_target(to)
    responses, records, meta = latest_responses(cfg, snapshot)
    loads = load_items(cfg, records)
    resolution, summary = run_resolve(cfg, loads, snapshot=snapshot)
    # answers on gold items are no benchmark responses (and would give the gold items away)
    responses = gold.without_gold(responses, gold.campaign_gold(cfg, loads)[1])

    esa = cfg.protocol == "esa"
    if esa:  # each span placed in its segment, so the release says which option was wrong
        segments = {i.record_id: i.segments for load in loads.values() for i in load.items}
        responses = esa_quality.release_responses(responses, records, segments)
    releases = []
    for bench in cfg.benchmarks:
        adapter = get_adapter(bench.adapter, bench.columns)
        resolved = resolution.items[resolution.items["benchmark"] == bench.name]
        releases.append(
            publish.BenchmarkRelease(
                name=bench.name,
                items=loads[bench.name].items,
                rebuild=adapter.to_row,
                resolved=resolved.reset_index(drop=True),
                source=bench.translation.label,
                original_source=bench.original.label if bench.original else None,
                license=cfg.publish.license,
                split=bench.split,
                adapter=bench.adapter,
                extra_columns=esa_quality.RELEASE_COLUMNS if esa else {},
                extra_values=esa_quality.release_values if esa else None,
            )
        )
    info = publish.CampaignInfo(
        campaign=cfg.campaign,
        language=cfg.language,
        source_language=cfg.source_language,
        guidelines=cfg.guidelines_text,
        min_submitted=cfg.min_submitted,
        method=cfg.resolution.method,
        license=cfg.publish.license,
        pretty_name=cfg.publish.pretty_name,
        name_contributors=cfg.publish.name_contributors,
        exclude_contributors=list(cfg.publish.exclude_contributors),
        anonymous_contributors=list(cfg.publish.anonymous_contributors),
        name_in_responses=cfg.publish.name_in_responses,
        salt=cfg.publish.salt or "",
        citation=cfg.publish.citation,
        gold=summary.get("gold"),
    )
    tree = publish.build_tree(
        info,
        releases,
        responses,
        resolution.annotators,
        resolution.agreement,
        repo_id=target.repo_id,
        allow_unreviewed=allow_unreviewed,
        mt_quality=summary.get("mt_quality"),
        review=summary.get("review"),
    )
    result: dict[str, Any] = {
        "target": to,
        "kind": target.kind,
        "dry_run": dry_run,
        "snapshot": meta.get("snapshot"),
        "files": publish.tree_summary(tree),
        "status_counts": summary["status_counts"],
    }
    if target.kind == "folder":
        if not dry_run:
            with on_disk(target.path):
                result["written"] = publish.write_folder(tree, target.path)
        return result
    if dry_run:
        existing = _existing_hub_files(target.repo_id, token)
        ops = publish.plan_commit(tree, existing)
        result["plan"] = publish.describe_plan(tree, ops)
        return result
    result["commit"] = publish.push_to_hub(tree, target.repo_id, token=token, private=private)
    return result


def _existing_hub_files(repo_id: str, token: str | None) -> list[str]:
    """What the repo holds now (nothing when it does not exist yet); reads only.

    A dry run fails the way the real publish does: one line, the token masked.
    """
    import os

    from huggingface_hub import HfApi
    from huggingface_hub.errors import RepositoryNotFoundError

    from annotate.publish import hub_failure

    token = token or os.environ.get("HF_TOKEN") or None
    api = HfApi(token=token)
    try:
        # repo_info lists the files like the real publish reads its head (list_repo_files
        # would retry a failing Hub for 23 s, printing two lines per retry).
        siblings = api.repo_info(repo_id, repo_type="dataset").siblings or []
        return [s.rfilename for s in siblings]
    except RepositoryNotFoundError:
        return []
    except Exception as exc:
        error = hub_failure(exc, repo_id, api.endpoint, token)
        if error is None:
            raise
        raise error from None
