"""`annotate push`: seed review tasks from translated benchmarks, again and again, safely.

Every benchmark is loaded, split into items and paired *before* Argilla is touched, so
bad input stops the push with nothing half-created. Each item is matched to the record
it already has (`identity.match_identities`: by id, by content, by similarity), so a
typo fix or a reordered file updates records instead of duplicating them; a row that
cannot be matched with confidence stops the push (`--accept-new` pushes it as new).
Each record carries a hash of what the annotator sees: a re-push skips unchanged
records, creates only what is new, and updates changed ones in place. A changed record
that already has responses goes back to the queue: its responses are archived in a new
pull snapshot, then deleted from Argilla, then the new text is written, so no vote ever
counts for a text it was not cast on. A push killed at any point is completed by
running it again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from annotate.errors import AnnotateError
from annotate.model import Item
from annotate.triage import metadata_names

BATCH = 256  # the SDK's own default (argilla DatasetRecords.DEFAULT_BATCH_SIZE)


@dataclass
class PushPlan:
    """What a push of one benchmark will do (pure; computed from items and hashes)."""

    create: list[Item] = field(default_factory=list)
    update: list[Item] = field(default_factory=list)
    unchanged: list[Item] = field(default_factory=list)


def plan_push(items: Iterable[Item], existing: dict[str, str | None]) -> PushPlan:
    """Split items by what Argilla already holds: new, changed, or identical."""
    plan = PushPlan()
    for item in items:
        if item.record_id not in existing:
            plan.create.append(item)
        elif existing[item.record_id] != item.content_hash:
            plan.update.append(item)
        else:
            plan.unchanged.append(item)
    return plan


@dataclass
class BenchmarkPush:
    benchmark: str
    dataset: str
    items: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict] = field(default_factory=list)
    unpaired: int = 0
    orphans: int = 0
    dataset_created: bool = False
    settings: list[str] = field(default_factory=list)  # settings changed (or to change)
    rematched: int = 0  # items that took over a record made under another key
    vanished: int = 0  # records that match no item of the source any more
    accepted_new: int = 0  # doubtful rows pushed as new records (--accept-new)
    changed_with_responses: int = 0
    returned: int = 0  # responses archived and deleted: their records are pending again
    archive: str | None = None  # the snapshot holding them
    triage_flagged: int | None = None  # items with a triage finding (None: triage is off)
    triage_refreshed: int = 0  # unchanged records whose triage metadata was (re)written
    gold: int = 0  # gold items mixed into the dataset (gold.py; not counted in `items`)
    gold_retired: int = 0  # records pushed as gold that the gold file no longer lists

    def as_dict(self) -> dict[str, Any]:
        triage = (
            {}
            if self.triage_flagged is None
            else {"triage_flagged": self.triage_flagged, "triage_refreshed": self.triage_refreshed}
        )
        return {
            "benchmark": self.benchmark,
            "dataset": self.dataset,
            "items": self.items,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
            "rejected_rows": self.rejected,
            "unpaired": self.unpaired,
            "orphans": self.orphans,
            "dataset_created": self.dataset_created,
            "settings_updated": self.settings,
            "rematched": self.rematched,
            "vanished": self.vanished,
            "accepted_new": self.accepted_new,
            "changed_with_responses": self.changed_with_responses,
            "responses_returned": self.returned,
            "archive": self.archive,
            **triage,
            "gold": self.gold,
            "gold_retired": self.gold_retired,
        }


def _problem(p: Any) -> dict:
    return {"row": p.index, "key": p.key, "reason": p.reason}


def load_all(cfg: Any, names: list[str] | None, limit: int | None) -> list[Any]:
    """Load and check every selected benchmark before anything is sent."""
    from annotate.pairing import load_benchmark

    selected = cfg.benchmarks
    if names:
        known = {b.name for b in cfg.benchmarks}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise AnnotateError(
                f"{cfg.path}: no benchmark named {unknown[0]!r}",
                hint=f"the config has: {', '.join(sorted(known))}",
            )
        selected = [b for b in cfg.benchmarks if b.name in names]
    loads = []
    for bench in selected:
        load = load_benchmark(cfg, bench)
        if limit is not None:
            load = dataclasses.replace(load, items=load.items[:limit])
        loads.append((bench, load))
    return loads


def _check_rejected(cfg: Any, loads: list, skip_rejected: bool) -> None:
    if skip_rejected:
        return
    for bench, load in loads:
        if load.rejected:
            first = load.rejected[0]
            more = f" (and {len(load.rejected) - 1} more)" if len(load.rejected) > 1 else ""
            raise AnnotateError(
                f"{cfg.path}: benchmark {bench.name!r}: row {first.index}: {first.reason}{more}",
                hint="fix the source, or pass --skip-rejected to push the valid rows "
                "and list the rejected ones",
            )


def design_for(cfg: Any, bench: Any, items: list[Item]) -> Any:
    from annotate.argilla_io import DatasetDesign

    keys = ["benchmark", "split"]
    for extra in ("subject", "category"):
        if any(extra in item.metadata for item in items):
            keys.append(extra)
    return DatasetDesign(
        name=bench.dataset_name,
        guidelines=cfg.guidelines_text,
        lang=cfg.language,
        with_original=bench.original is not None,
        error_categories=cfg.error_categories,
        min_submitted=cfg.min_submitted,
        metadata=tuple(keys),
        protocol=cfg.protocol,
        float_metadata=metadata_names(cfg.triage),
    )


def check_settings(client: Any, cfg: Any, loads: list) -> dict[str, Any]:
    """Each existing dataset's settings against the config, before anything is written.

    A change Argilla cannot make (a question added or removed, labels renamed) stops
    the push in one line with nothing changed; the rest is planned per benchmark.
    """
    from annotate import argilla_io
    from annotate.dataset_settings import REFUSAL_HINT

    if argilla_io.ensure_workspace(client, cfg.workspace, create=False) is None:
        return {}
    plans = {}
    for bench, load in loads:
        design = design_for(cfg, bench, load.items)
        plan = argilla_io.settings_plan(client, design, cfg.workspace)
        if plan is None:
            continue
        if plan.refusals:
            raise AnnotateError(
                f"{cfg.path}: benchmarks[{cfg.benchmark_index(bench)}] "
                f"(dataset {plan.dataset!r}): {plan.refusal()}",
                hint=REFUSAL_HINT,
            )
        plans[bench.name] = plan
    return plans


def _update_settings(client: Any, dataset: Any, plan: Any, result: BenchmarkPush) -> None:
    """Apply a dataset's planned settings changes (dry run: only report them)."""
    from annotate import argilla_io

    if plan is None or not plan.updates:
        return
    result.settings = plan.labels
    if dataset is not None and not result.dataset_created:
        argilla_io.apply_settings(client, dataset, plan)


@dataclass
class _Planned:
    """One benchmark after the reads: what to write, what to send back to the queue."""

    bench: Any
    design: Any
    dataset: Any
    plan: PushPlan
    stale: dict[str, list[str]]  # record id -> ids of its responses, when its content changes
    result: BenchmarkPush
    findings: dict[str, list] = field(default_factory=dict)  # triage, by record id
    refresh: list[Item] = field(default_factory=list)  # unchanged, but triage metadata is not


def _doubt_error(cfg: Any, bench: Any, doubts: list) -> AnnotateError:
    d = doubts[0]
    more = f" (and {len(doubts) - 1} more)" if len(doubts) > 1 else ""
    return AnnotateError(
        f"{cfg.path}: benchmark {bench.name!r}: row {d.item.index}: cannot tell whether it is "
        f"record {d.record_id} edited (similarity {d.similarity:.2f}) or a new item{more}",
        hint="make the row match its record again, or pass --accept-new to push it as a new "
        "record (the old record keeps its votes; resolve reports them)",
    )


def _plan_benchmark(
    cfg: Any, client: Any, bench: Any, load: Any, *, accept_new: bool, gold: Any = None
) -> _Planned:
    """Read what Argilla holds for one benchmark and decide; writes nothing.

    `gold` (gold.PushGold): its items are planned by their own ids, and records known as
    gold are never matched to a benchmark item."""
    from annotate import argilla_io, identity

    items = load.items
    result = BenchmarkPush(
        benchmark=bench.name,
        dataset=bench.dataset_name,
        items=len(items),
        rejected=[_problem(p) for p in load.rejected],
        unpaired=len(load.unpaired),
        orphans=len(load.orphans),
    )
    design = design_for(cfg, bench, items)
    dataset = None
    existing: list[dict] = []
    if client is not None:
        dataset = argilla_io.find_dataset(client, design.name, cfg.workspace)
        if dataset is not None:  # its settings were checked by check_settings
            mine = items + (gold.items.get(bench.name, []) if gold is not None else [])
            existing = _existing(client, dataset, mine)
    mine = existing if gold is None else gold.benchmark_records(existing)
    match = identity.match_identities(items, identity.existing_from_rows(mine))
    if match.doubtful and not accept_new:
        raise _doubt_error(cfg, bench, match.doubtful)
    rekeyed = identity.rekey(items, match)
    plan = plan_push(rekeyed, {r["record_id"]: r["content_hash"] for r in existing})
    changed = {it.record_id for it in plan.update}
    stale = {
        r["record_id"]: [x["id"] for x in r["responses"]]
        for r in existing
        if r["record_id"] in changed and r["responses"]
    }
    result.created, result.updated = len(plan.create), len(plan.update)
    result.unchanged = len(plan.unchanged)
    result.rematched = sum(a is not b for a, b in zip(items, rekeyed, strict=True))
    result.vanished = len(match.vanished)
    result.accepted_new = len(match.doubtful)
    result.changed_with_responses = len(
        {r["record_id"] for r in existing if r["record_id"] in changed and r["responses"]}
    )
    result.returned = sum(map(len, stale.values()))
    result.dataset_created = dataset is None
    mixed: list[Item] = []
    if gold is not None:  # after the counts above, which are the benchmark's own
        mixed = gold.add_to(plan, stale, existing, bench.name, result)
    planned = _Planned(bench, design, dataset, plan, stale, result)
    if cfg.triage.enabled:  # gold items too: a record without a score would stand out
        _plan_triage(cfg, planned, rekeyed, mixed, existing)
    return planned


def _existing(client: Any, dataset: Any, items: list[Item]) -> list[dict]:
    """What the dataset holds, for planning `items` (the benchmark's and its gold ones).

    When every item is there under its own id with its own hash (a re-push of an
    unchanged source), nothing needs the records' texts (identities are matched by id)
    or responses (none goes back to the queue): the listing without them took 1.8 s
    instead of 3.6 to 4.1 s for 10k records."""
    from annotate import argilla_io

    light = argilla_io.existing_records(client, dataset, details=False)
    hashes = {r["record_id"]: r["content_hash"] for r in light}
    if all(hashes.get(it.record_id) == it.content_hash for it in items):
        return light
    return argilla_io.existing_records(client, dataset)


def triage_findings(cfg: Any, items: list[Item], gold: list[Item]) -> dict[str, list]:
    """The checks' findings on a benchmark's items and on its gold items.

    The benchmark's are its own (what resolve measures them against): a check with
    per-benchmark statistics (the length ratio) must not move because gold items were
    added. Gold items are judged among the benchmark's, like any record."""
    from annotate import triage

    findings = triage.campaign_findings(cfg, items)
    if gold:
        together = triage.campaign_findings(cfg, items + gold)
        findings |= {it.record_id: together[it.record_id] for it in gold}
    return findings


def _plan_triage(
    cfg: Any, planned: _Planned, items: list[Item], gold: list[Item], existing: list[dict]
) -> None:
    """Run the checks; plan to rewrite the unchanged records whose triage metadata is not
    what it would be now (triage just turned on, or other checks): the same text and
    hash, so their responses stay and they keep their place in every queue."""
    from annotate import triage

    planned.findings = triage_findings(cfg, items, gold)
    stored = {r["record_id"]: r.get("metadata") or {} for r in existing}
    planned.refresh = [
        item
        for item in planned.plan.unchanged
        if triage.metadata_differs(
            stored.get(item.record_id, {}),
            triage.record_metadata(planned.findings[item.record_id], cfg.triage),
        )
    ]
    planned.result.triage_flagged = sum(bool(planned.findings[i.record_id]) for i in items)
    planned.result.triage_refreshed = len(planned.refresh)


def push(
    cfg: Any,
    conn: Any | None,
    *,
    benchmarks: list[str] | None = None,
    limit: int | None = None,
    dry_run: bool = False,
    skip_rejected: bool = False,
    accept_new: bool = False,
    batch_size: int = BATCH,
    on_progress: Callable[[Iterable, int, str], Iterable] | None = None,
) -> list[BenchmarkPush]:
    """Push the campaign's benchmarks; returns one summary per benchmark.

    Everything is read and decided first (items, identities, what changed), so a doubtful
    row stops the push before anything is written. Then, when records that already have
    responses change, the responses are archived by a pull (a new snapshot) and deleted
    from Argilla before the new text is written: votes never count for a text they were
    not cast on, and the record is pending again. In that order a re-run after a kill
    finds the same changed records and finishes the job.

    A push that changes Argilla holds the campaign's lock: a second push of the same
    campaign waits, instead of taking the first one's half-created dataset for a
    crash's leftover and deleting it.
    """
    import contextlib

    from annotate.lock import campaign_lock

    loads = load_all(cfg, benchmarks, limit)
    _check_rejected(cfg, loads, skip_rejected)
    held = (
        contextlib.nullcontext()
        if dry_run or conn is None
        else campaign_lock(cfg.workdir, f"annotate push -c {cfg.path}")
    )
    with held:
        return _push(
            cfg,
            conn,
            loads,
            dry_run=dry_run,
            accept_new=accept_new,
            batch_size=batch_size,
            on_progress=on_progress,
        )


def _push(
    cfg: Any,
    conn: Any | None,
    loads: list,
    *,
    dry_run: bool,
    accept_new: bool,
    batch_size: int,
    on_progress: Callable[[Iterable, int, str], Iterable] | None,
) -> list[BenchmarkPush]:
    from annotate import argilla_io

    client = argilla_io.connect(conn) if conn is not None else None
    workspace = None
    settings: dict[str, Any] = {}
    if client is not None:
        argilla_io.require_manager(client, "push")
        settings = check_settings(client, cfg, loads)
        workspace = argilla_io.ensure_workspace(client, cfg.workspace, create=False)
    from annotate.gold import PushGold

    mixed = PushGold.of(cfg, loads)  # a bad gold file stops here, before any write
    planned = [
        _plan_benchmark(
            cfg,
            client if workspace is not None else None,
            bench,
            load,
            accept_new=accept_new,
            gold=mixed,
        )
        for bench, load in loads
    ]
    if dry_run or client is None:
        for p in planned:
            _update_settings(client, None, settings.get(p.bench.name), p.result)
        return [p.result for p in planned]

    mixed.remember(cfg.workdir)  # before sending: a killed push forgets no gold record
    archive = None
    if any(p.stale for p in planned):
        from annotate.pull import pull

        archive = pull(cfg, conn)["snapshot"]
    if workspace is None:
        workspace = argilla_io.ensure_workspace(client, cfg.workspace)
    for p in planned:
        dataset, p.result.dataset_created = argilla_io.ensure_dataset(client, p.design, workspace)
        _update_settings(client, dataset, settings.get(p.bench.name), p.result)
        if p.stale:
            p.result.archive = archive
        todo = p.plan.create + p.plan.update + p.refresh
        batches = [todo[i : i + batch_size] for i in range(0, len(todo), batch_size)]
        wrapped = (
            on_progress(batches, len(batches), f"{p.bench.name} → {p.design.name}")
            if on_progress
            else batches
        )
        _send(client, dataset, p, cfg, batches, wrapped, batch_size)
    return [p.result for p in planned]


def _send(client, dataset, p: _Planned, cfg: Any, batches: list, wrapped, batch_size: int) -> None:
    """Send the batches in order, each with its stale responses deleted just before."""
    from annotate import argilla_io

    created = {item.record_id for item in p.plan.create}
    questions = argilla_io.question_ids(client, dataset) if batches else {}
    for batch in wrapped:
        # a batch's old responses go just before its new text: an annotator can only
        # answer the old text in between for the length of one batch
        old = [x for item in batch for x in p.stale.get(item.record_id, ())]
        argilla_io.delete_responses(client, old)
        payloads = [
            _payload(cfg, p, item, existing=item.record_id not in created) for item in batch
        ]
        argilla_io.log_records(
            client, dataset, payloads, batch_size=batch_size, questions=questions
        )


def _payload(cfg: Any, planned: _Planned, item: Item, *, existing: bool = False) -> dict[str, Any]:
    """The record push writes: what the annotator sees, plus triage's metadata.

    `existing`: the record is on the server already; when triage no longer finds anything
    in it (a check dropped from `checks`, the text fixed), its earlier span suggestion is
    replaced by an empty one, as an upsert keeps the suggestions it is not given."""
    from annotate import records, triage

    payload = records.record_payload(item, lang=cfg.language, protocol=cfg.protocol)
    if cfg.triage.enabled:
        found = planned.findings.get(item.record_id, [])
        payload["metadata"].update(triage.record_metadata(found, cfg.triage))
        if cfg.protocol == "esa":  # pre-filled error spans; verdict campaigns: the score only
            from annotate.esa import SPAN_QUESTION

            spans = triage.span_suggestion(
                item, found, lang=cfg.language, error_categories=cfg.error_categories
            )
            if spans is None and existing:
                spans = {"value": [], "agent": triage.AGENT}
            if spans is not None:
                payload["suggestions"][SPAN_QUESTION] = spans
    return payload


def push_notes(rows: list[dict], *, dry_run: bool) -> list[str]:
    """The lines that say what a push did to records people already answered."""
    lines = []
    for r in rows:
        name = r["benchmark"]
        if r["rematched"]:
            lines.append(f"{name}: {r['rematched']} items kept their record under an older key")
        if r["responses_returned"]:
            verb = "would be" if dry_run else "were"
            where = f" (snapshot {r['archive']})" if r.get("archive") else ""
            lines.append(
                f"{name}: {r['changed_with_responses']} records changed; "
                f"{r['responses_returned']} earlier responses {verb} archived{where} "
                "and returned to the queue"
            )
        if r["accepted_new"]:
            lines.append(f"{name}: {r['accepted_new']} doubtful rows pushed as new records")
        if r.get("triage_flagged") is not None:
            lines.append(
                f"{name}: triage flagged {r['triage_flagged']} of {r['items']} items"
                + (
                    f"; {r['triage_refreshed']} unchanged records "
                    f"{'would get' if dry_run else 'got'} their triage score "
                    "(text and responses untouched)"
                    if r["triage_refreshed"]
                    else ""
                )
            )
        if r.get("gold"):
            lines.append(f"{name}: {r['gold']} gold items mixed in (not benchmark items)")
        if r.get("gold_retired"):
            lines.append(
                f"{name}: {r['gold_retired']} records pushed as gold are no longer in the gold "
                "file (kept in Argilla; never benchmark items)"
            )
        if r["vanished"]:
            lines.append(
                f"{name}: {r['vanished']} records match no row of the source any more "
                "(kept in Argilla; resolve reports their votes)"
            )
    return lines
