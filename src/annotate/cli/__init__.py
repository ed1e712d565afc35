"""The `annotate` command: a thin Typer layer that only assembles the command modules.

Every command module imports nothing heavy at import time (argilla, datasets, pandas are
imported inside the command bodies), so `annotate --help` stays fast.
"""

from __future__ import annotations

import sys

import typer

from annotate import __version__
from annotate.errors import AnnotateError, os_error

app = typer.Typer(
    name="annotate",
    help=(
        "Run community annotation campaigns on Argilla to validate machine-translated "
        "LLM benchmarks, and publish the validated benchmarks with credit for every "
        "volunteer.\n\n"
        "Quick start:\n\n"
        "  annotate server start\n\n"
        "  annotate push -c configs/sample-es.yaml"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"annotate {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    pass


def _register() -> None:
    from annotate.cli import commands, insights, review, server, watch

    app.add_typer(server.app, name="server")
    commands.register(app)
    insights.register(app)
    watch.register(app)
    review.register(app)


def _notices() -> None:
    """The library's notices (logger "annotate", e.g. "retrying ...") as plain stderr lines."""
    import logging

    logger = logging.getLogger("annotate")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def main(argv: list[str] | None = None) -> int:
    """Entry point: known problems become one line on stderr and a non-zero exit."""
    _register()
    _notices()
    try:
        app(args=argv, standalone_mode=True)
    except AnnotateError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(exc.exit_code)
    except OSError as exc:  # the disk refused (full, read-only, ...): one line, no traceback
        if exc.errno is None:  # an HTTP client's error dressed as OSError: not the disk's
            raise
        error = os_error(exc)
        sys.stderr.write(f"error: {error}\n")
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: re-run the same command to continue safely\n")
        sys.exit(130)
    return 0
