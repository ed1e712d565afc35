"""Where annotate keeps its own files, and how it writes them so that nothing is half-written.

Every write goes to a temporary file `.<name>.<pid>.tmp` next to its target, is flushed to
the disk, then renamed over the target (and the folder synced, so the rename survives a
power cut). A failed write removes its temporary file; temporary files of processes that
died (kill -9) are swept by the next write to the same folder.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

from annotate.errors import os_error

_TMP = re.compile(r"^\..+\.(\d+)\.tmp$")


def annotate_home() -> Path:
    """The per-user data folder (ANNOTATE_HOME, else XDG_DATA_HOME/annotate)."""
    override = os.environ.get("ANNOTATE_HOME")
    if override:
        return Path(override).expanduser().resolve()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser().resolve() / "annotate"


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (ours or another user's)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_temp_files(folder: Path) -> list[Path]:
    """Remove `.X.<pid>.tmp` files left in `folder` by processes that no longer run."""
    removed = []
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            match = _TMP.match(entry.name)
            if match and int(match.group(1)) != os.getpid() and not pid_alive(int(match.group(1))):
                with contextlib.suppress(OSError):
                    entry.unlink()
                    removed.append(entry)
    return removed


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _temp_for(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def _stage(path: Path, data: bytes, mode: int) -> Path:
    """Write `data` to the temporary file of `path`, flushed to disk; removed on failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep_temp_files(path.parent)
    tmp = _temp_for(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if not mode & 0o077:  # a secret: exactly owner-only, whatever the umask says
            os.chmod(tmp, mode)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _commit(tmp: Path, path: Path) -> None:
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, atomically (credentials, secrets).

    The file is created 0600 before any byte is written, so a secret is never
    readable by others, not even for an instant.
    """
    _commit(_stage(path, text.encode("utf-8"), 0o600), path)


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write-then-rename, so an interrupted write never leaves a half file."""
    _commit(_stage(path, data, mode), path)


def atomic_write_many(files: dict[Path, bytes]) -> None:
    """Replace several files only once all of them are safely on disk.

    A full disk (or any error) while writing leaves every target as it was; only the
    renames, which need no space, happen after the last byte is written.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in files.items():
            staged.append((_stage(path, data, 0o644), path))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, path in staged:
        _commit(tmp, path)


@contextlib.contextmanager
def on_disk(path: Path | str, doing: str = "writing") -> Iterator[None]:
    """Turn an OSError inside the block into one line naming `path` (not a temp file)."""
    try:
        yield
    except OSError as exc:
        raise os_error(exc, path, doing) from None
