"""The one exception the CLI turns into a one-line message (tracebacks are for bugs)."""

from __future__ import annotations


class AnnotateError(Exception):
    """A problem the user can fix: bad input, unreachable server, wrong key.

    `message` names the file, key, row or URL at fault; `hint` says what to do.
    """

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(AnnotateError):
    """The campaign config or an input file is malformed."""

    exit_code = 2


class ConnectionFailed(AnnotateError):
    """Argilla or the Hub could not be reached, or refused our credentials."""

    exit_code = 3


class FileSystemError(AnnotateError):
    """The disk refused: full, read-only, not ours to write, or not the kind of path we need."""

    exit_code = 4


# errno -> what the user can do about it (the OS's own words say what went wrong).
_OS_HINTS = {
    "ENOSPC": "the disk is full: free some space and re-run; nothing was half-written",
    "EDQUOT": "the disk quota is used up: free some space and re-run",
    "EFBIG": "the file is larger than this file system or a size limit allows",
    "EROFS": "that file system is mounted read-only: choose another path",
    "EACCES": "you may not write there: choose another path or fix its permissions",
    "EPERM": "you may not write there: choose another path or fix its permissions",
    "ENOTDIR": "a part of that path is a file, not a folder",
    "EISDIR": "that is a folder: pass a file path",
    "ELOOP": "a symbolic link in that path points back to itself",
    "ENAMETOOLONG": "use a shorter path",
    "ENOENT": "check the path",
    "EEXIST": "remove it or choose another path",
}


def os_error(exc: OSError, path: object | None = None, doing: str = "") -> FileSystemError:
    """One line for an OSError: the path (ours when given, else the OS's), the reason, a hint.

    `path` names what the user asked for (the target folder, not a temporary file in it);
    `doing` says what we were doing ("writing", "reading").
    """
    import errno as errno_mod

    name = path if path is not None else (exc.filename2 or exc.filename)
    reason = (exc.strerror or str(exc) or type(exc).__name__).rstrip(".")
    code = errno_mod.errorcode.get(exc.errno or -1, "")
    where = f"{doing} {name}" if doing and name is not None else (str(name) if name else doing)
    message = f"{where}: {reason[0].lower()}{reason[1:]}" if where else reason
    return FileSystemError(message, hint=_OS_HINTS.get(code))
