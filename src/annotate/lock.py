"""One run at a time per campaign: a second run waits, and says who it is waiting for.

Two pushes on a fresh campaign would each take the other's half-created dataset for a
draft left by a crash and delete it; two pulls would sweep each other's unfinished
snapshot. A lock file in the campaign's workdir (`.lock`) serialises them.

The lock is an advisory `flock` on that file, so the kernel releases it when its holder
exits, however it exits: a lock of a process killed with -9 is taken over at once, with
no stale-pid guessing. The holder writes its pid, command and start time into the file,
which is only ever read to tell the waiting run whom it waits for.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from annotate.paths import on_disk, pid_alive

LOCK_NAME = ".lock"

# Locks this process holds: path -> (fd, depth). A command that calls another stage
# (publish resolves first) takes the same lock again without waiting for itself.
_held: dict[Path, tuple[int, int]] = {}
_guard = threading.Lock()


def _say(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def holder(path: Path) -> dict | None:
    """Who holds (or last held) the lock at `path`: pid, command, since; None if unknown."""
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "null")
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def describe(info: dict | None) -> str:
    """'pid 123 (annotate pull, since 2026-12-01 10:22:05 UTC)' for a holder's record."""
    if not info:
        return "another annotate run"
    since = str(info.get("since", "?"))[:19].replace("T", " ")
    state = "" if pid_alive(int(info.get("pid") or 0)) else ", exited"
    return f"pid {info.get('pid')} ({info.get('command', 'annotate')}, since {since} UTC{state})"


def _flock(fd: int, blocking: bool) -> bool:
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def hold(path: Path, command: str, *, say: Callable[[str], None] | None = _say) -> Iterator[None]:
    """Hold the lock file `path` for the block; wait (saying for whom) if it is taken."""
    path = Path(path).absolute()
    with _guard:
        if path in _held:
            fd, depth = _held[path]
            _held[path] = (fd, depth + 1)
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            _release(path)
        return
    with on_disk(path, "locking"):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _flock(fd, blocking=False):
            if say is not None:
                say(f"waiting for {path.parent}: in use by {describe(holder(path))}")
            _flock(fd, blocking=True)
        record = {
            "pid": os.getpid(),
            "command": command,
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        with contextlib.suppress(OSError):  # only informative: a full disk must not stop us
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(record).encode(), 0)
    except BaseException:
        os.close(fd)
        raise
    with _guard:
        _held[path] = (fd, 1)
    try:
        yield
    finally:
        _release(path)


def _release(path: Path) -> None:
    with _guard:
        fd, depth = _held[path]
        if depth > 1:
            _held[path] = (fd, depth - 1)
            return
        del _held[path]
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)  # a finished run leaves an empty file, the same after every run
    os.close(fd)  # closing the only descriptor releases the flock


def campaign_lock(workdir: Path, command: str) -> contextlib.AbstractContextManager[None]:
    """The lock of one campaign workdir (push, pull, resolve and publish take it)."""
    return hold(Path(workdir) / LOCK_NAME, command)
