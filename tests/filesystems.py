"""Real file-system faults for tests: a nearly full disk and a read-only folder.

Where the test may mount (root, or a user namespace), these are small tmpfs mounts, so
the CLI meets the kernel's own ENOSPC and EROFS. Elsewhere they fall back to what an
unprivileged process can do: a file-size limit in the child (EFBIG on the first byte
past it) and a file standing where a folder should be (ENOTDIR).
"""

from __future__ import annotations

import contextlib
import errno
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def _mount(target: Path, options: str) -> bool:
    target.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _umount(target: Path) -> None:
    subprocess.run(["umount", "-l", str(target)], capture_output=True, timeout=30)


@dataclass
class Disk:
    """A folder whose writes fail: `path`, and how to start a child that meets the fault."""

    path: Path
    kind: str  # "tmpfs" or the fallback's name
    file_limit: int | None = None  # RLIMIT_FSIZE for the child (fallback only)

    def preexec(self):
        if self.file_limit is None:
            return None
        limit = self.file_limit

        def apply() -> None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a kill
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        return apply


def fill(folder: Path, leave: int) -> None:
    """Fill the file system of `folder`, then free `leave` bytes."""
    filler = folder / ".filler"
    chunk = b"\0" * 65536
    with open(filler, "wb") as fh:
        try:
            while True:
                fh.write(chunk)
                fh.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    size = filler.stat().st_size
    os.truncate(filler, max(0, size - leave))


@contextlib.contextmanager
def full_disk(root: Path, *, size: str = "8m", leave: int = 4096) -> Iterator[Disk]:
    """A small file system (tmpfs), not yet full, else a folder and a size limit.

    Tests put a campaign on it first, then `make_full` leaves `leave` bytes free.
    """
    target = root / "disk"
    if _mount(target, f"size={size},mode=0755"):
        try:
            yield Disk(target, "tmpfs")
        finally:
            _umount(target)
    else:
        yield Disk(target, "file-size limit", file_limit=leave)


def make_full(disk: Disk, leave: int = 4096) -> None:
    """Use up the disk's space (tmpfs); the fallback is full by its limit already."""
    if disk.kind == "tmpfs":
        fill(disk.path, leave)


@contextlib.contextmanager
def read_only(root: Path) -> Iterator[Disk]:
    """A folder nothing can be written into: a tmpfs remounted read-only (even root
    cannot write there), else a folder path whose parent is a file."""
    target = root / "ro"
    if _mount(target, "size=1m,mode=0755"):
        (target / "existing.txt").write_text("untouched\n")
        ok = subprocess.run(
            ["mount", "-o", "remount,ro", str(target)], capture_output=True, timeout=30
        )
        try:
            if ok.returncode == 0:
                yield Disk(target, "tmpfs")
                return
        finally:
            _umount(target)
    blocker = root / "not-a-folder"
    blocker.write_text("a file where a folder should be\n")
    yield Disk(blocker / "ro", "file in the way")


def run(args: list[str], *, disk: Disk | None = None, env: dict | None = None, timeout=300):
    """The real CLI in a subprocess, meeting `disk`'s fault."""
    return subprocess.run(
        [sys.executable, "-m", "annotate", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        preexec_fn=disk.preexec() if disk is not None else None,
    )


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes (to prove nothing changed)."""
    if not folder.is_dir():
        return {}
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".filler"
    }


def one_line_error(result, *, after_notes: bool = False) -> str:
    """The CLI failed with exactly one `error: ` line and no traceback; return it.

    `after_notes` allows progress notes before it ("Starting Argilla...")."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    if after_notes:
        lines = lines[-1:]
        assert sum(ln.startswith("error:") for ln in result.stderr.splitlines()) == 1
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]
