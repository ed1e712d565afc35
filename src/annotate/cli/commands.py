"""The campaign commands: push, users, pull, resolve, publish, status, report.

Each command parses options, calls one library function and hands the result to
`annotate.output`; nothing here computes anything.
"""

from __future__ import annotations

from pathlib import Path

import typer

from annotate.cli._common import ApiKeyOpt, ApiUrlOpt, ConfigOpt, JsonOpt


def _load(config: Path):
    from annotate.config import load_config

    return load_config(config)


def _conn(api_url: str | None, api_key: str | None):
    from annotate.connection import resolve_connection

    return resolve_connection(api_url, api_key)


def _bar(enabled: bool):
    from annotate import output

    def wrap(items, total, description):
        return output.progress(items, total=total, description=description, enabled=enabled)

    return wrap


def push(
    config: Path = ConfigOpt,
    benchmark: list[str] = typer.Option(
        [], "--benchmark", "-b", help="Push only this benchmark (repeatable)."
    ),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Push the first N items."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would happen; change nothing."),
    skip_rejected: bool = typer.Option(
        False, "--skip-rejected", help="Push the valid rows when some are rejected (listed)."
    ),
    api_url: str | None = ApiUrlOpt,
    api_key: str | None = ApiKeyOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Load translated benchmarks, pair them with their originals, seed review tasks.

    Re-running is safe: unchanged records are skipped, changed ones updated in place
    (their responses stay), and an interrupted push is completed.

    Examples:

      annotate push -c configs/sample-es.yaml

      annotate push -c configs/sample-es.yaml --benchmark arc --limit 50 --dry-run

      ARGILLA_API_URL=https://my-space.hf.space ARGILLA_API_KEY=... annotate push -c campaign.yaml
    """
    from annotate import output
    from annotate.push import push as run_push

    cfg = _load(config)
    results = run_push(
        cfg,
        _conn(api_url, api_key),
        benchmarks=benchmark or None,
        limit=limit,
        dry_run=dry_run,
        skip_rejected=skip_rejected,
        on_progress=_bar(not json_out),
    )
    rows = [r.as_dict() for r in results]
    if json_out:
        output.print_json({"dry_run": dry_run, "benchmarks": rows})
        return
    title = "Push plan (dry run: nothing changed)" if dry_run else "Push summary"
    output.print_table(
        [
            "benchmark",
            "dataset",
            "items",
            "created",
            "updated",
            "unchanged",
            "rejected",
            "unpaired",
        ],
        [
            (
                r["benchmark"],
                r["dataset"],
                r["items"],
                r["created"],
                r["updated"],
                r["unchanged"],
                r["rejected"],
                r["unpaired"],
            )
            for r in rows
        ],
        title=title,
    )
    for r in rows:
        for p in r["rejected_rows"]:
            output.note(f"rejected: {r['benchmark']} row {p['row']}: {p['reason']}")


users_app = typer.Typer(
    help="Manage annotator accounts.\n\nExample:\n\n  annotate users add -w somos600m -f users.csv",
    no_args_is_help=True,
)


@users_app.command("add")
def users_add(
    workspace: str = typer.Option(..., "--workspace", "-w", help="Workspace to add them to."),
    file: Path = typer.Option(
        ..., "--file", "-f", help="CSV with a 'username' column (first_name, last_name optional)."
    ),
    passwords_out: Path = typer.Option(
        Path("new-passwords.csv"),
        "--passwords-out",
        help="Where the new accounts' passwords go (owner-only file, never the terminal).",
    ),
    api_url: str | None = ApiUrlOpt,
    api_key: str | None = ApiKeyOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Create annotator accounts (reusing existing ones) and add them to a workspace.

    Passwords of new accounts are written to --passwords-out, readable only by you.

    Examples:

      annotate users add --workspace somos600m --file volunteers.csv

      annotate users add -w somos600m -f volunteers.csv --passwords-out secrets/passwords.csv
    """
    from annotate import output
    from annotate.users import add_users

    result = add_users(
        _conn(api_url, api_key), workspace=workspace, csv_path=file, passwords_out=passwords_out
    )
    if json_out:
        output.print_json(result)
        return
    output.print_table(
        ["username", "account", "workspace"],
        [(u["username"], u["account"], u["workspace"]) for u in result["users"]],
        title=f"Annotators in {workspace}",
    )
    if result["passwords_file"]:
        output.note(f"Passwords of new accounts: {result['passwords_file']} (owner-only)")


def register(app: typer.Typer) -> None:
    """Attach the campaign commands to the root app."""
    app.command()(push)
    app.add_typer(users_app, name="users")
