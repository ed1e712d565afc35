"""`annotate push`: seed review tasks from translated benchmarks, again and again, safely.

Every benchmark is loaded, split into items and paired *before* Argilla is touched, so
bad input stops the push with nothing half-created. Record ids are derived from the
source, and each record carries a hash of what the annotator sees: a re-push skips
unchanged records, updates changed ones in place (their responses stay) and creates
only what is new. A push killed at any point is completed by running it again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from annotate.errors import AnnotateError
from annotate.model import Item

BATCH = 200


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

    def as_dict(self) -> dict[str, Any]:
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


def push(
    cfg: Any,
    conn: Any | None,
    *,
    benchmarks: list[str] | None = None,
    limit: int | None = None,
    dry_run: bool = False,
    skip_rejected: bool = False,
    batch_size: int = BATCH,
    on_progress: Callable[[Iterable, int, str], Iterable] | None = None,
) -> list[BenchmarkPush]:
    """Push the campaign's benchmarks; returns one summary per benchmark.

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
            cfg, conn, loads, dry_run=dry_run, batch_size=batch_size, on_progress=on_progress
        )


def _push(
    cfg: Any,
    conn: Any | None,
    loads: list,
    *,
    dry_run: bool,
    batch_size: int,
    on_progress: Callable[[Iterable, int, str], Iterable] | None,
) -> list[BenchmarkPush]:
    from annotate import argilla_io, records

    client = argilla_io.connect(conn) if conn is not None else None
    workspace = None
    settings: dict[str, Any] = {}
    if client is not None:
        argilla_io.require_manager(client, "push")
        settings = check_settings(client, cfg, loads)
        workspace = argilla_io.ensure_workspace(client, cfg.workspace, create=not dry_run)

    results = []
    for bench, load in loads:
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
        existing: dict[str, str | None] = {}
        dataset = None
        if client is not None:
            if dry_run:
                dataset = (
                    argilla_io.find_dataset(client, design.name, cfg.workspace)
                    if workspace is not None
                    else None
                )
            else:
                dataset, result.dataset_created = argilla_io.ensure_dataset(
                    client, design, workspace
                )
            _update_settings(client, None if dry_run else dataset, settings.get(bench.name), result)
            if dataset is not None:
                existing = argilla_io.existing_hashes(client, dataset)
        plan = plan_push(items, existing)
        result.created, result.updated = len(plan.create), len(plan.update)
        result.unchanged = len(plan.unchanged)
        if dry_run:
            result.dataset_created = dataset is None
        if not dry_run and dataset is not None:
            todo = plan.create + plan.update
            batches = [todo[i : i + batch_size] for i in range(0, len(todo), batch_size)]
            wrapped = (
                on_progress(batches, len(batches), f"{bench.name} → {design.name}")
                if on_progress
                else batches
            )
            for batch in wrapped:
                payloads = [records.record_payload(item, lang=cfg.language) for item in batch]
                argilla_io.log_records(dataset, payloads, batch_size=batch_size)
        results.append(result)
    return results
