"""`annotate server start|stop|status`: the embedded Argilla."""

from __future__ import annotations

from pathlib import Path

import typer

from annotate.cli._common import JsonOpt

app = typer.Typer(
    help=(
        "Run a real Argilla locally: no Docker, no Elasticsearch, no Redis to install.\n\n"
        "Examples:\n\n"
        "  annotate server start\n\n"
        "  annotate server start --port 6901 --data-dir ./argilla-data --json\n\n"
        "  annotate server status\n\n"
        "  annotate server stop"
    ),
    no_args_is_help=True,
)

DataDirOpt = typer.Option(
    None, "--data-dir", help="Folder for the database, credentials and log (default: per-user)."
)


@app.command()
def start(
    data_dir: Path | None = DataDirOpt,
    port: int = typer.Option(6900, "--port", help="Port to listen on (0: any free port)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind (0.0.0.0 to share)."),
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        envvar="ANNOTATE_DATABASE_URL",
        help="PostgreSQL instead of SQLite, for big campaigns (remembered for restarts).",
        show_default=False,
    ),
    workers: int | None = typer.Option(
        None,
        "--workers",
        help="HTTP processes serving requests, up to one per free core (default 1; each "
        "takes about 300 MB).",
        show_default=False,
    ),
    json_out: bool = JsonOpt,
) -> None:
    """Start the local Argilla (installs it on first use) and print how to log in.

    Running it again while the server is up prints the same details; a second start on
    the same data folder at the same time waits for the first.

    Examples:

      annotate server start

      annotate server start --data-dir ./argilla-data --port 6901 --json

      annotate server start --port 0 --json    # any free port: read the URL from the output

      annotate server start --workers 2        # a workshop: use 2 cores (about 300 MB each)

      annotate server start --database-url postgresql://argilla:PASSWORD@localhost:5432/argilla
    """
    from annotate import output, server

    if not json_out:
        output.note("Starting Argilla...")
    info = server.start(
        data_dir=data_dir,
        port=port,
        host=host,
        notify=output.note,
        database_url=database_url,
        workers=workers,
    )
    if json_out:
        output.print_json(info.public())
        return
    output.print_kv(
        {
            "URL": info.url,
            "username": info.username,
            "password": info.password,
            "API key": info.api_key,
            "data": str(info.data_dir),
        },
        title="Argilla is running",
    )
    output.note("Open the URL in a browser and log in with the username and password above.")


@app.command()
def stop(data_dir: Path | None = DataDirOpt, json_out: bool = JsonOpt) -> None:
    """Stop the local Argilla; its data stays for the next start.

    Without --data-dir: the newest server `start` started that is still running. Only
    processes proven to be that server are signalled; a stale pid file is removed.

    Examples:

      annotate server stop

      annotate server stop --data-dir ./argilla-data
    """
    from annotate import output, server

    stopped = server.stop(data_dir=data_dir, notify=output.note)
    if json_out:
        output.print_json({"stopped": stopped})
    else:
        output.note("Argilla stopped." if stopped else "Argilla was not running.")


@app.command()
def status(data_dir: Path | None = DataDirOpt, json_out: bool = JsonOpt) -> None:
    """Say whether the local Argilla is up, and where (its data folder names which one).

    Example:

      annotate server status --json
    """
    from annotate import output, server

    state = server.status(data_dir=data_dir)
    if json_out:
        output.print_json(state)
    else:
        output.print_kv({k: v for k, v in state.items() if v is not None}, title="Argilla server")
    if not state["running"]:
        raise typer.Exit(1)
