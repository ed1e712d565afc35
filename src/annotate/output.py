"""One place decides human tables vs JSON, so no command formats its output twice.

Results go to stdout (a table, or JSON with --json); progress bars and notes go to
stderr, so `--json` output can always be piped into another program.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def _console(stderr: bool = False):
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Piped output (logs, CI) is not cut to 80 columns: tables stay readable in files.
    width = None if stream.isatty() else 160
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width)


def print_json(data: Any) -> None:
    """Machine-readable output: one JSON document on stdout."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def print_table(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    title: str | None = None,
    show_header: bool = True,
) -> None:
    """A readable table on stdout."""
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_header=show_header)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    _console().print(table)


def print_kv(data: dict[str, Any], title: str | None = None) -> None:
    """Key/value pairs as a two-column table."""
    print_table(["", ""], [(k, v) for k, v in data.items()], title=title, show_header=False)


def note(message: str) -> None:
    """A human note on stderr (never mixed into --json output): one line stays one line
    (no wrapping at the console width) and brackets are text, not markup."""
    _console(stderr=True).print(message, soft_wrap=True, markup=False)


def progress(
    items: Iterable[T], *, total: int | None, description: str, enabled: bool = True
) -> Iterator[T]:
    """Wrap an iterable in a progress bar on stderr (hidden when not a terminal or disabled)."""
    if not enabled or not sys.stderr.isatty():
        yield from items
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_console(stderr=True),
        transient=False,
    ) as bar:
        task = bar.add_task(description, total=total)
        for item in items:
            yield item
            bar.advance(task)
