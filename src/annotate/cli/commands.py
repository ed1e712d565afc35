"""The campaign commands: push, pull, resolve, publish, status, report, users."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach the campaign commands to the root app."""
    return None
