"""The campaign's local, append-only store of pulled responses.

    <workdir>/snapshots/<UTC time>/responses.parquet   one row per record x user x question
    <workdir>/snapshots/<UTC time>/records.parquet     the records as pushed (texts, status)
    <workdir>/snapshots/<UTC time>/meta.json           counts, time of the pull, checksums
    <workdir>/LATEST                                   the name of the newest good snapshot
    <workdir>/resolved/...                             what `resolve` decided

A snapshot is written into a hidden folder and renamed into place, and LATEST is
replaced atomically after that, so an interrupted pull leaves the last good snapshot
as it was. Snapshots are never modified, which gives progress over time for free.

Snapshots are the campaign's history, so damage (a truncated file, a disk error, a
hand edit) is detected rather than read as data: meta.json records the size and SHA-256
of each table, checked on every read. A damaged snapshot is named in one line; the
commands that read snapshots can be told to use the newest intact one instead
(`--snapshot latest-intact`), and `pull` always writes a fresh one. Snapshots written
before checksums existed are still read (and checked for readability).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotate.errors import AnnotateError
from annotate.paths import atomic_write_bytes, fsync_dir, on_disk

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


LATEST_INTACT = "latest-intact"
TABLES = ("responses.parquet", "records.parquet")


class SnapshotDamaged(AnnotateError):
    """A snapshot (or the LATEST pointer) cannot be trusted; the message names it."""


def snapshot_name(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return now.strftime("%Y%m%dT%H%M%S_%fZ")


def snapshots(workdir: Path) -> list[Path]:
    """Complete snapshots, oldest first (hidden folders are unfinished writes)."""
    root = workdir / "snapshots"
    try:
        return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:  # no pull yet, or not a folder: nothing to read
        return []


def _digest(data: bytes) -> dict[str, Any]:
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def latest(workdir: Path) -> Path | None:
    """The snapshot LATEST names; None when nothing was pulled yet.

    Raises SnapshotDamaged when LATEST cannot be read or names no snapshot while
    snapshots exist: saying "nothing pulled" then would hide the campaign's history.
    """
    pointer = workdir / "LATEST"
    try:
        name = pointer.read_bytes().decode("utf-8").strip()
    except FileNotFoundError:
        name = None
    except (OSError, UnicodeDecodeError) as exc:
        reason = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else exc.strerror
        raise _damaged(workdir, f"{pointer} is unreadable ({reason})") from None
    if name is None:
        if snapshots(workdir):
            raise _damaged(workdir, f"{pointer} is missing")
        return None
    path = workdir / "snapshots" / name
    if not name or "/" in name or name.startswith(".") or not path.is_dir():
        raise _damaged(workdir, f"{pointer} names snapshot {name[:60]!r}, which does not exist")
    return path


def _damaged(workdir: Path, what: str) -> SnapshotDamaged:
    intact = newest_intact(workdir)
    if intact is not None:
        hint = f"pass --snapshot {LATEST_INTACT} to use {intact.name}, or run `annotate pull`"
    else:
        hint = "no intact snapshot is left: run `annotate pull` for a fresh one"
    return SnapshotDamaged(what, hint=hint)


def check_snapshot(path: Path) -> dict:
    """The snapshot's meta once its files match their checksums; SnapshotDamaged if not."""
    try:
        meta = json.loads((path / "meta.json").read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise SnapshotDamaged(f"snapshot {path} is damaged: meta.json is missing") from None
    except (OSError, ValueError) as exc:
        raise SnapshotDamaged(
            f"snapshot {path} is damaged: meta.json is unreadable ({type(exc).__name__})"
        ) from None
    if not isinstance(meta, dict):
        raise SnapshotDamaged(f"snapshot {path} is damaged: meta.json is not an object")
    files = meta.get("files")
    # the core tables, and any other table the pull listed (the review stage's)
    extra = [n for n in files if n not in TABLES] if isinstance(files, dict) else []
    for name in (*TABLES, *extra):
        try:
            data = (path / name).read_bytes()
        except OSError as exc:
            raise SnapshotDamaged(
                f"snapshot {path} is damaged: {name}: {exc.strerror or exc}"
            ) from None
        expected = files.get(name) if isinstance(files, dict) else None
        if expected is not None and _digest(data) != expected:
            raise SnapshotDamaged(
                f"snapshot {path} is damaged: {name} has {len(data)} bytes that do not "
                f"match its checksum ({expected.get('bytes')} bytes written)"
            )
    return meta


def read_snapshot(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(responses, records, meta) of one snapshot, checked; SnapshotDamaged names it."""
    import pandas as pd

    meta = check_snapshot(path)
    frames = []
    for name in TABLES:
        try:
            frames.append(pd.read_parquet(path / name))
        except Exception as exc:  # pyarrow's errors vary by damage: any is damage here
            raise SnapshotDamaged(
                f"snapshot {path} is damaged: {name} is not a readable table ({type(exc).__name__})"
            ) from None
    return frames[0], frames[1], meta


def newest_intact(workdir: Path) -> Path | None:
    """The newest snapshot whose files pass their checks (None when there is none)."""
    for path in reversed(snapshots(workdir)):
        try:
            read_snapshot(path)
        except SnapshotDamaged:
            continue
        return path
    return None


def load(workdir: Path, which: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame, dict] | None:
    """The snapshot a command should read: None or "latest" (what LATEST names),
    "latest-intact" (the newest undamaged one) or a snapshot's name. None when
    nothing was pulled yet; SnapshotDamaged (one line, with a way out) otherwise."""
    if which in (None, "", "latest"):
        path = latest(workdir)
        if path is None:
            return None
        try:
            return read_snapshot(path)
        except SnapshotDamaged as exc:
            raise _damaged(workdir, exc.message) from None
    if which == LATEST_INTACT:
        for path in reversed(snapshots(workdir)):
            try:
                return read_snapshot(path)
            except SnapshotDamaged:
                continue
        if not snapshots(workdir):
            return None
        raise SnapshotDamaged(
            f"every snapshot in {workdir / 'snapshots'} is damaged",
            hint="run `annotate pull` for a fresh one",
        )
    path = workdir / "snapshots" / which
    if "/" in which or which.startswith(".") or not path.is_dir():
        names = [p.name for p in snapshots(workdir)][-3:]
        raise AnnotateError(
            f"no snapshot named {which!r} in {workdir / 'snapshots'}",
            hint=f"use latest, {LATEST_INTACT}"
            + (f" or one of the newest: {', '.join(names)}" if names else ""),
        )
    return read_snapshot(path)


def write_snapshot(
    workdir: Path,
    responses: pd.DataFrame,
    records: pd.DataFrame,
    meta: dict[str, Any],
    extra: dict[str, pd.DataFrame] | None = None,
) -> Path:
    """Write a complete snapshot, then point LATEST at it (both steps atomic).

    The tables are serialised in memory first, so their checksums are those of the
    bytes written; a failed write (full disk) removes the unfinished folder. `extra`
    tables (file name -> frame: the review stage's) are written and checksummed alike.
    """
    root = workdir / "snapshots"
    with on_disk(root):
        root.mkdir(parents=True, exist_ok=True)
        for stale in root.glob(".tmp-*"):  # left by an interrupted pull (we hold the lock)
            shutil.rmtree(stale, ignore_errors=True)
    blobs = {}
    tables = {**dict(zip(TABLES, (responses, records), strict=True)), **(extra or {})}
    for name, frame in tables.items():
        buf = io.BytesIO()
        frame.to_parquet(buf, index=False)
        blobs[name] = buf.getvalue()
    on_disk_meta = {**meta, "files": {n: _digest(b) for n, b in blobs.items()}}
    blobs["meta.json"] = json.dumps(on_disk_meta, indent=2, default=str).encode("utf-8")
    name = meta["snapshot"]
    tmp = root / f".tmp-{name}"
    final = root / name
    with on_disk(root):
        try:
            tmp.mkdir()
            for file, data in blobs.items():
                with open(tmp / file, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
            fsync_dir(tmp)
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        fsync_dir(root)
        atomic_write_bytes(workdir / "LATEST", name.encode())
    return final


def history(workdir: Path) -> list[dict]:
    """The meta of every snapshot, oldest first (progress over time)."""
    out = []
    for path in snapshots(workdir):
        try:
            meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(meta, dict):
            out.append(meta)
    return out


def resolved_dir(workdir: Path) -> Path:
    return workdir / "resolved"
