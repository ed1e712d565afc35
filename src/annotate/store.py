"""The campaign's local, append-only store of pulled responses.

    <workdir>/snapshots/<UTC time>/responses.parquet   one row per record x user x question
    <workdir>/snapshots/<UTC time>/records.parquet     the records as pushed (texts, status)
    <workdir>/snapshots/<UTC time>/meta.json           counts and the time of the pull
    <workdir>/LATEST                                   the name of the newest good snapshot
    <workdir>/resolved/...                             what `resolve` decided

A snapshot is written into a hidden folder and renamed into place, and LATEST is
replaced atomically after that, so an interrupted pull leaves the last good snapshot
as it was. Snapshots are never modified, which gives progress over time for free.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotate.paths import atomic_write_bytes

if TYPE_CHECKING:
    import pandas as pd

RESPONSE_COLUMNS = [
    "record_id",
    "benchmark",
    "item_key",
    "user_id",
    "username",
    "question",
    "value",
    "status",
    "inserted_at",
    "updated_at",
]
RECORD_COLUMNS = [
    "record_id",
    "argilla_id",
    "benchmark",
    "dataset",
    "item_key",
    "status",
    "content_hash",
    "translation",
    "suggestion",
    "inserted_at",
    "updated_at",
]


def snapshot_name(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return now.strftime("%Y%m%dT%H%M%S_%fZ")


def snapshots(workdir: Path) -> list[Path]:
    """Complete snapshots, oldest first (hidden folders are unfinished writes)."""
    root = workdir / "snapshots"
    if not root.exists():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def latest(workdir: Path) -> Path | None:
    try:
        name = (workdir / "LATEST").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    path = workdir / "snapshots" / name
    return path if (path / "meta.json").exists() else None


def write_snapshot(
    workdir: Path, responses: pd.DataFrame, records: pd.DataFrame, meta: dict[str, Any]
) -> Path:
    """Write a complete snapshot, then point LATEST at it (both steps atomic)."""
    root = workdir / "snapshots"
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob(".tmp-*"):  # left by an interrupted pull
        shutil.rmtree(stale, ignore_errors=True)
    name = meta["snapshot"]
    tmp = root / f".tmp-{name}"
    tmp.mkdir()
    responses.to_parquet(tmp / "responses.parquet", index=False)
    records.to_parquet(tmp / "records.parquet", index=False)
    (tmp / "meta.json").write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
    for f in tmp.iterdir():
        with open(f, "rb") as fh:
            os.fsync(fh.fileno())
    final = root / name
    os.rename(tmp, final)
    atomic_write_bytes(workdir / "LATEST", name.encode())
    return final


def read_snapshot(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    import pandas as pd

    return (
        pd.read_parquet(path / "responses.parquet"),
        pd.read_parquet(path / "records.parquet"),
        json.loads((path / "meta.json").read_text(encoding="utf-8")),
    )


def history(workdir: Path) -> list[dict]:
    """The meta of every snapshot, oldest first (progress over time)."""
    out = []
    for path in snapshots(workdir):
        try:
            out.append(json.loads((path / "meta.json").read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return out


def resolved_dir(workdir: Path) -> Path:
    return workdir / "resolved"
