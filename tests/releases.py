"""Whole small campaigns without a server: source rows -> items -> responses -> resolve ->
published rows, through the real adapters, `resolve` and publish's row building.

Used by tests/test_release*.py. Responses are built the way pull writes them (one row
per record x user x question), with an optional `content_hash`: the hash of the text the
vote was cast on (pull takes it from the record as Argilla showed it).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pyarrow as pa

from annotate.adapters import get_adapter
from annotate.campaign import items_frame
from annotate.model import Q_COMMENT, Q_CORRECTION, Q_VERDICT, Item
from annotate.publish import BenchmarkRelease, _benchmark_table
from annotate.resolve import Resolution, resolve

OKAPI = Path(__file__).resolve().parents[1] / "data" / "okapi"
T0 = pd.Timestamp("2025-01-01T00:00:00Z")


def okapi_rows(name: str) -> list[dict]:
    return json.loads((OKAPI / name).read_text(encoding="utf-8"))


def load(adapter: str, benchmark: str, rows: list[dict], split: str = "validation") -> list[Item]:
    """Items exactly as push builds them (no pairing)."""
    ad = get_adapter(adapter)
    return [ad.to_item(row, i, benchmark, split) for i, row in enumerate(rows)]


class Responses:
    """The tidy responses table, one `answer` at a time (later answers are later in time)."""

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.clock = 0

    def answer(
        self,
        item: Item,
        user: str,
        verdict: str,
        *,
        correction: str | None = None,
        comment: str | None = None,
        status: str = "submitted",
        content_hash: str | None = None,
    ) -> Responses:
        self.clock += 1
        t = T0 + pd.Timedelta(minutes=self.clock)
        base = {
            "record_id": item.record_id,
            "benchmark": item.benchmark,
            "item_key": item.key,
            "user_id": f"id-{user}",
            "username": user,
            "status": status,
            "inserted_at": t,
            "updated_at": t,
            "content_hash": content_hash or item.content_hash,
        }
        for question, value in (
            (Q_VERDICT, verdict),
            (Q_CORRECTION, correction),
            (Q_COMMENT, comment),
        ):
            if value is not None:
                self.rows.append({**base, "question": question, "value": value})
        return self

    def frame(self) -> pd.DataFrame:
        columns = [
            "record_id",
            "benchmark",
            "item_key",
            "user_id",
            "username",
            "status",
            "inserted_at",
            "updated_at",
            "content_hash",
            "question",
            "value",
        ]
        return pd.DataFrame(self.rows, columns=columns)


def run(
    benchmarks: dict[str, tuple[str, list[Item]]], responses: pd.DataFrame, min_votes: int = 2
) -> tuple[Resolution, dict[str, pa.Table]]:
    """Resolve, then build each benchmark's published table: {benchmark: table}."""
    loads = {name: SimpleNamespace(items=items) for name, (_, items) in benchmarks.items()}
    res = resolve(items_frame(loads), responses, min_votes=min_votes, n_bootstrap=0)
    tables = {}
    for name, (adapter, items) in benchmarks.items():
        release = BenchmarkRelease(
            name=name,
            items=items,
            rebuild=get_adapter(adapter).to_row,
            resolved=res.items[res.items["benchmark"] == name].reset_index(drop=True),
            source=f"{name} (test)",
        )
        tables[name] = _benchmark_table(release)[0]
    return res, tables


def published(table: pa.Table) -> dict[str, dict]:
    """record_id -> published row."""
    return {row["record_id"]: row for row in table.to_pylist()}
