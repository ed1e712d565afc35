"""The campaign commands: push, users, pull, resolve, publish, status, report.

Each command parses options, calls one library function and hands the result to
`annotate.output`; nothing here computes anything.
"""

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
    accept_new: bool = typer.Option(
        False,
        "--accept-new",
        help="Push rows that resemble an existing record but cannot be matched to it as new "
        "records (default: stop and name the row).",
    ),
    batch_size: int = typer.Option(
        256, "--batch-size", min=1, max=1000, help="Records per request (smaller for slow servers)."
    ),
    api_url: str | None = ApiUrlOpt,
    api_key: str | None = ApiKeyOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Load translated benchmarks, pair them with their originals, seed review tasks.

    Re-running is safe: unchanged records are skipped, new ones created, changed ones
    updated in place, and an interrupted push is completed. Items keep their record when
    their text is edited or the file reordered; a changed record that has responses goes
    back to the annotators' queue (its responses are archived by a pull first). Settings
    changed in the config since (guidelines, min_submitted, titles, metadata) are applied
    to the existing datasets; what Argilla cannot change is refused before anything is sent.

    Examples:

      annotate push -c configs/sample-es.yaml

      annotate push -c configs/sample-es.yaml --benchmark arc --limit 50 --dry-run

      annotate push -c configs/sample-es.yaml --accept-new

      ARGILLA_API_URL=https://my-space.hf.space ARGILLA_API_KEY=... annotate push -c campaign.yaml
    """
    from annotate import output
    from annotate.push import push as run_push
    from annotate.push import push_notes

    cfg = load_campaign(config)
    results = run_push(
        cfg,
        _conn(api_url, api_key),
        benchmarks=benchmark or None,
        limit=limit,
        dry_run=dry_run,
        skip_rejected=skip_rejected,
        accept_new=accept_new,
        batch_size=batch_size,
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
        if r["settings_updated"]:
            state = "settings to update" if dry_run else "settings updated"
            output.note(f"{r['benchmark']}: {state}: {', '.join(r['settings_updated'])}")
    for line in push_notes(rows, dry_run=dry_run):
        output.note(line)


users_app = typer.Typer(
    help="Manage annotator accounts.\n\nExample:\n\n  annotate users add -w somos600m -f users.csv",
    no_args_is_help=True,
)


@users_app.command("add")
def users_add(
    workspace: str = typer.Option(..., "--workspace", "-w", help="Workspace to add them to."),
    file: Path = typer.Option(
        ...,
        "--file",
        "-f",
        help="CSV with a 'username' column; optional: first_name, last_name, role "
        "(annotator or admin), password (else one is generated).",
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

    Generated passwords are written to --passwords-out, readable only by you, before
    the accounts exist: an interrupted run loses none, and its re-run reuses them.

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
        ["username", "role", "account", "workspace", "password"],
        [
            (u["username"], u["role"], u["account"], u["workspace"], u["password"])
            for u in result["users"]
        ],
        title=f"Annotators in {workspace}",
    )
    if result["passwords_file"]:
        output.note(f"Passwords of new accounts: {result['passwords_file']} (owner-only)")


def pull(
    config: Path = ConfigOpt,
    api_url: str | None = ApiUrlOpt,
    api_key: str | None = ApiKeyOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Harvest every response (submitted, draft, discarded) into a new local snapshot.

    Snapshots are kept (progress over time) and written atomically: an interrupted
    pull leaves the last good one intact. Needs an owner's or admin's key, to credit
    annotators by username.

    Examples:

      annotate pull -c configs/sample-es.yaml

      annotate pull -c configs/sample-es.yaml --json
    """
    from annotate import output
    from annotate.pull import pull as run_pull

    cfg = load_campaign(config, warn_legacy=False)
    result = run_pull(cfg, _conn(api_url, api_key), on_progress=_bar(not json_out))
    if json_out:
        output.print_json(result)
        return
    output.print_table(
        ["benchmark", "dataset", "records", "completed", "responses", "submitted", "annotators"],
        [
            (
                b["benchmark"],
                b["dataset"],
                b["records"],
                b.get("completed", 0),
                b["responses"],
                b.get("submitted", 0),
                b.get("annotators", 0),
            )
            for b in result["benchmarks"]
        ],
        title=f"Pulled snapshot {result['snapshot']}",
    )
    output.note(
        f"{result['records']} records, {result['responses']} responses; "
        f"{result['new']} new and {result['changed']} changed since the last pull."
    )
    missing = [b["benchmark"] for b in result["benchmarks"] if b.get("note") == "not pushed yet"]
    if missing:
        output.note(
            f"not pushed yet: {', '.join(missing)} (`annotate push -c {config}` creates them)"
        )
    if result.get("review_warning"):
        output.note(result["review_warning"])
    if result.get("damaged_previous"):
        output.note(
            f"warning: {result['damaged_previous']}; compared with "
            f"{result['previous'] or 'nothing'}, and LATEST now names the new snapshot"
        )


def _status_table(summary: dict) -> list[tuple]:
    from annotate.model import STATUSES

    rows = []
    for bench, counts in summary["status_counts"].items():
        agree = summary["agreement"].get(bench, {})
        alpha = agree.get("alpha")
        ci = (
            f"{alpha:.3f} [{agree['alpha_low']:.3f}, {agree['alpha_high']:.3f}]"
            if alpha is not None and agree.get("alpha_low") is not None
            else ("—" if alpha is None else f"{alpha:.3f}")
        )
        pct = agree.get("percent_agreement")
        rows.append(
            (
                bench,
                *(counts.get(s, 0) for s in STATUSES),
                ci,
                "—" if pct is None else f"{pct:.1%}",
                agree.get("interpretation", ""),
            )
        )
    return rows


def resolve(
    config: Path = ConfigOpt, snapshot: str | None = SnapshotOpt, json_out: bool = JsonOpt
) -> None:
    """Decide each item from the latest pull: verdict, final text, agreement.

    Majority of submitted verdicts (ties go to needs_review, too few votes stay
    unannotated), the correction most annotators wrote, Krippendorff's alpha with a
    bootstrap confidence interval. Results go to <workdir>/resolved/. Campaigns with
    `protocol: esa` also get the MT quality: ESA score, MQM penalty and span agreement per
    benchmark (with 95% bootstrap intervals) and per error category. Reviewers' decisions
    (annotate review push) override the crowd when their correction passes every check,
    and the audit sample gives the crowd's error rate with a Wilson 95% interval.

    Examples:

      annotate resolve -c configs/sample-es.yaml

      annotate resolve -c configs/sample-es.yaml --json | jq .agreement

      annotate resolve -c configs/sample-es-esa.yaml --json | jq .mt_quality.benchmarks

      annotate resolve -c configs/sample-es.yaml --snapshot latest-intact
    """
    from annotate import output
    from annotate.campaign import run_resolve
    from annotate.model import STATUSES

    cfg = load_campaign(config)
    _resolution, summary = run_resolve(cfg, snapshot=snapshot)
    if json_out:
        output.print_json(summary)
        return
    output.print_table(
        ["benchmark", *STATUSES, "alpha [95% CI]", "agreement", "reading"],
        _status_table(summary),
        title=f"Resolution ({summary['method']}, at least {summary['min_votes']} votes)",
    )
    if summary.get("triage"):
        from annotate import triage

        output.print_table(
            list(triage.MEASURE_COLUMNS),
            triage.measure_table(summary["triage"]["checks"]),
            title="Triage checks against the verdicts (positive: corrected or unusable)",
        )
    if summary.get("mt_quality"):  # protocol: esa
        from annotate.esa_quality import QUALITY_TABLE, quality_rows

        output.print_table(
            QUALITY_TABLE, quality_rows(summary["mt_quality"]), title="MT quality (ESA, MQM)"
        )
    if summary.get("gold"):
        from annotate.gold import summary_table

        output.print_table(*summary_table(summary["gold"]))
    if summary.get("review"):
        from annotate.review import resolve_notes

        for line in resolve_notes(summary["review"]):
            output.note(line)
    review = summary["status_counts"].get("overall", {}).get("needs_review", 0)
    if review:
        output.note(
            f"Items needing review: {review} (`annotate items -c {config}` lists them "
            "with the reasons)."
        )
    if summary.get("unmatched_votes") or summary.get("unmatched_records"):
        output.note(
            f"warning: {summary['unmatched_votes']} submitted votes on "
            f"{summary['unmatched_records']} records that match no item of the source any "
            "more (rows deleted, or edited beyond recognition without a push) are not counted"
        )
    if summary.get("stale_records"):
        output.note(
            f"warning: {summary['stale_records']} records changed in the source after "
            "they were pushed; push again so annotators see the current text"
        )
    if summary.get("stale_votes"):
        output.note(
            f"{summary['stale_votes']} votes on {summary['stale_items']} items were cast on "
            "an earlier text and do not count; those items need votes on their current text"
        )


def items(
    config: Path = ConfigOpt,
    status: list[str] = typer.Option(
        [],
        "--status",
        "-s",
        help="List items in this status (repeatable; default: needs_review). One of "
        "validated, corrected, unusable, needs_review, unannotated.",
    ),
    all_statuses: bool = typer.Option(False, "--all", help="List items in every status."),
    benchmark: list[str] = typer.Option(
        [], "--benchmark", "-b", help="Only this benchmark (repeatable)."
    ),
    limit: int | None = typer.Option(None, "--limit", min=1, help="List the first N items."),
    json_out: bool = JsonOpt,
) -> None:
    """List the items in a status, with the reasons for it (resolves the latest pull).

    The worklist for reviewers: which items need review and why (tied verdicts, a
    correction that made two choices identical, an empty option...), the error
    categories and comments annotators left, with the record id and the start of the
    question to find the item in Argilla.

    Examples:

      annotate items -c configs/sample-es.yaml

      annotate items -c configs/sample-es.yaml --status unannotated --benchmark arc --limit 20

      annotate items -c configs/sample-es.yaml --all --json | jq '.items[].reasons'
    """
    from annotate import output
    from annotate.listing import campaign_items, comments_text, votes_text

    cfg = load_campaign(config)
    statuses = None if all_statuses else (status or ["needs_review"])
    result = campaign_items(cfg, statuses=statuses, benchmarks=benchmark or None, limit=limit)
    if json_out:
        output.print_json(result)
        return
    wanted = ", ".join(result["statuses"])
    if not result["items"]:
        output.note(f"No items with status {wanted} (pull {result['snapshot']}).")
        return
    output.print_table(
        ["benchmark", "record", "status", "votes", "reasons", "comments", "question"],
        [
            (
                r["benchmark"],
                r["record_id"],
                r["status"],
                votes_text(r["votes"]),
                "; ".join(r["reasons"]) or "—",
                comments_text(r["comments"]),
                r["question"],
            )
            for r in result["items"]
        ],
        title=f"Items with status {wanted}: {result['count']} (pull {result['snapshot']})",
    )
    if len(result["items"]) < result["count"]:
        output.note(f"first {len(result['items'])} of {result['count']} shown (--limit)")


def publish(
    config: Path = ConfigOpt,
    to: str = typer.Option(
        ..., "--to", help="A folder, or hf://datasets/ORG/NAME for a Hub dataset repository."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="List the files and the commit; write or send nothing."
    ),
    private: bool = typer.Option(False, "--private", help="Create the Hub repository private."),
    token: str | None = typer.Option(
        None, "--token", help="Hugging Face token (env: HF_TOKEN).", show_default=False
    ),
    allow_unreviewed: bool = typer.Option(
        False,
        "--allow-unreviewed",
        help="Publish even when no item was validated or corrected yet (refused otherwise).",
    ),
    snapshot: str | None = SnapshotOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Publish the validated benchmarks, the raw responses and the contributors' credits.

    Resolves the latest pull first. One config per benchmark in its original schema
    (unusable items left out) with provenance columns, a `<benchmark>_reviewed` config
    with only the rows volunteers validated or corrected, a `responses` and a
    `contributors` config, lm-evaluation-harness tasks, and a dataset card that states
    the review coverage first. The same tree goes to a folder or, as one commit that
    also removes stale files, to a Hub repository. A campaign with no validated or
    corrected item is refused unless --allow-unreviewed.

    Examples:

      annotate publish -c configs/sample-es.yaml --to ./release

      annotate publish -c configs/sample-es.yaml --dry-run --to hf://datasets/somosnlp/arc-es

      HF_TOKEN=hf_... annotate publish -c campaign.yaml --to hf://datasets/somosnlp/benchmarks-es

      annotate publish -c campaign.yaml --to ./preview --allow-unreviewed
    """
    from annotate import output
    from annotate.campaign import publish_campaign

    cfg = load_campaign(config)
    result = publish_campaign(
        cfg,
        to,
        dry_run=dry_run,
        private=private,
        token=token,
        allow_unreviewed=allow_unreviewed,
        snapshot=snapshot,
    )
    if json_out:
        output.print_json(result)
        return
    if dry_run and result.get("plan"):
        output.note(result["plan"])
    output.print_table(
        ["file", "bytes"],
        [(f["path"], f["bytes"]) for f in result["files"]],
        title=("Would publish to " if dry_run else "Published to ") + to,
    )
    commit = result.get("commit")
    if commit:
        state = "new commit" if commit["changed"] else "nothing changed, no commit"
        output.note(f"{commit['url']}: {state} ({commit['commit']})")


def register(app: typer.Typer) -> None:
    """Attach the campaign commands to the root app."""
    app.command()(push)
    app.command()(pull)
    app.command()(resolve)
    app.command()(items)
    app.command()(publish)
    app.add_typer(users_app, name="users")
