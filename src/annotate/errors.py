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
