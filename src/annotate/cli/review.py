"""`annotate review ...`: the review stage (settle disputes, audit accepted items)."""

from __future__ import annotations

from pathlib import Path

import typer

from annotate.cli._common import (
    ApiKeyOpt,
    ApiUrlOpt,
    ConfigOpt,
    JsonOpt,
    SnapshotOpt,
    load_campaign,
)

app = typer.Typer(
    help="Send what the crowd left open to reviewers, and audit what it accepted.\n\n"
    "The loop: pull, resolve, review push; reviewers decide in Argilla; pull and resolve "
    "again (their decisions settle the items), then publish.\n\n"
    "Example:\n\n  annotate review push -c configs/sample-es.yaml",
    no_args_is_help=True,
)


@app.command("push")
def push(
    config: Path = ConfigOpt,
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would happen; change nothing."),
    snapshot: str | None = SnapshotOpt,
    api_url: str | None = ApiUrlOpt,
    api_key: str | None = ApiKeyOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Build each benchmark's review dataset from the latest pull, in the reviewers' workspace.

    It holds every item resolve left needs_review or low_confidence, plus a seeded random
    sample of the accepted ones (review.audit_fraction in the config). Re-running is safe:
    unanswered records follow the queue (items the crowd settled meanwhile are deleted
    from it), records a reviewer answered are never touched. Reviewers need accounts in
    the review workspace (review.workspace, default <workspace>-review).

    Examples:

      annotate pull -c configs/sample-es.yaml && annotate review push -c configs/sample-es.yaml

      annotate review push -c configs/sample-es.yaml --dry-run

      annotate users add -w somos600m-review -f reviewers.csv

      annotate review push -c configs/sample-es.yaml --json | jq '.benchmarks[].queue'
    """
    from annotate import output
    from annotate.cli.commands import _bar, _conn
    from annotate.review import push_reviews

    cfg = load_campaign(config)
    result = push_reviews(
        cfg,
        lambda: _conn(api_url, api_key),
        dry_run=dry_run,
        snapshot=snapshot,
        on_progress=_bar(not json_out),
    )
    if json_out:
        output.print_json(result)
        return
    title = "Review plan (dry run: nothing changed)" if dry_run else "Review push"
    output.print_table(
        [
            "benchmark",
            "dataset",
            "queue",
            "disputes",
            "audit",
            "created",
            "updated",
            "unchanged",
            "deleted",
            "answered",
        ],
        [
            (
                r["benchmark"],
                r["dataset"],
                r["queue"],
                r["disputes"],
                r["audit"],
                r["created"],
                r["updated"],
                r["unchanged"],
                r["deleted"],
                r["answered"],
            )
            for r in result["benchmarks"]
        ],
        title=f"{title} · workspace {result['workspace']} · pull {result['snapshot']}",
    )
    deleted = sum(r["deleted"] for r in result["benchmarks"])
    if deleted:
        verb = "would leave" if dry_run else "left"
        output.note(
            f"{deleted} unanswered review records {verb} the queue: the crowd settled "
            "their items since, or their text changed"
        )
    if not any(r["queue"] for r in result["benchmarks"]):
        output.note("Nothing to review: no item needs review, and the audit sample is empty.")


def print_queue(queue: dict) -> None:
    """The review queue as `status` shows it (one row per benchmark)."""
    from annotate import output

    rows = [
        (r["benchmark"], r["dataset"], r["records"], r["pending"], r["settled"], r["reviewers"])
        if r["pushed"]
        else (r["benchmark"], r["dataset"], "not pushed", "", "", "")
        for r in queue["benchmarks"]
    ]
    output.print_table(
        ["benchmark", "review dataset", "records", "pending", "settled", "reviewers"],
        rows,
        title=f"Review queue · workspace {queue['workspace']} · {queue['pending']} pending, "
        f"{queue['settled']} settled, {queue['reviewers']} reviewers active",
    )


def register(root: typer.Typer) -> None:
    """Attach `review` to the root app."""
    root.add_typer(app, name="review")
