"""`annotate watch`: keep the report live (Argilla webhooks, or polling)."""

from __future__ import annotations

import json
import signal
import sys
from datetime import datetime
from pathlib import Path

import typer

from annotate.cli._common import (
    ApiKeyOpt,
    ApiUrlOpt,
    ConfigOpt,
    HfTokenOpt,
    PrivateSpaceOpt,
    ReportOutOpt,
    load_campaign,
)


def _line(event: dict) -> str:
    """One human line per watcher event (never the webhook secret: it is not in events)."""
    kind = event["event"]
    if kind == "refreshed":
        line = (
            f"refreshed ({event['reason']}): {event['responses']} responses, "
            f"{event['new']} new, {event['changed']} changed; {event['volunteers']} "
            f"volunteers -> {event['report']}"
        )
        published = event.get("published")
        if published:
            sent = "published" if published["changed"] else "unchanged at"
            line += f"; {sent} {published['target']}"
        return line
    if kind == "webhook":
        return f"webhook {event['id']} registered: Argilla posts events to {event['url']}"
    if kind == "webhook-removed":
        return f"webhook {event['id']} removed"
    if kind == "watching":
        how = "on Argilla's events" if event["mode"] == "webhook" else "by polling"
        return f"watching {how}, at most one refresh every {event['interval']:g} s (Ctrl-C stops)"
    if kind == "fallback":
        return f"webhooks unavailable ({event['error']}): polling instead"
    if kind == "server-down":
        return f"Argilla at {event['url']} is not answering; waiting for it to come back"
    if kind == "error":
        return f"error ({event['reason']}): {event['error']}"
    return json.dumps(event, default=str)


def watch(
    config: Path = ConfigOpt,
    out: Path | None = ReportOutOpt,
    interval: float = typer.Option(
        60.0,
        "--interval",
        min=1.0,
        help="At most one refresh (pull + report) per this many seconds; the poll period.",
    ),
    poll: bool = typer.Option(
        False, "--poll", help="Poll instead of registering a webhook (e.g. a hosted Argilla)."
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Address the webhook listener binds to."),
    port: int = typer.Option(0, "--port", min=0, help="Listener port (default: a free one)."),
    public_url: str | None = typer.Option(
        None,
        "--public-url",
        help="The URL Argilla must post to, when it is not http://HOST:PORT/ (a tunnel).",
        show_default=False,
    ),
    to: str | None = typer.Option(
        None,
        "--to",
        help="Also publish each refreshed page: hf://spaces/ORG/NAME (a static Space) or a "
        "folder, as `annotate report --to` does (nothing sent when nothing changed).",
        show_default=False,
    ),
    private: bool = PrivateSpaceOpt,
    token: str | None = HfTokenOpt,
    lang: str | None = typer.Option(
        None, "--lang", help="Language of the page (default: the campaign's).", show_default=False
    ),
    api_url: str | None = ApiUrlOpt,
    api_key: str | None = ApiKeyOpt,
    json_out: bool = typer.Option(
        False, "--json", help="One JSON object per event on stdout (for scripts)."
    ),
) -> None:
    """Keep the campaign report live: refresh it whenever volunteers submit.

    Registers an Argilla webhook (response created/updated/deleted, record completed)
    pointing at a small listener on this machine, verifies every delivery's signature
    (forged or unsigned requests get 401 and change nothing), and on events pulls and
    rewrites the report, at most once per --interval. When Argilla cannot reach the
    listener (a hosted server), or with --poll, it pulls every --interval instead.
    It pulls once at start, re-registers if the server restarts, and removes its
    webhook on Ctrl-C or SIGTERM. Needs an owner's key (webhooks are owner-only).

    Examples:

      annotate watch -c configs/sample-es.yaml

      annotate watch -c campaign.yaml --out site/index.html --interval 120

      HF_TOKEN=hf_... annotate watch -c campaign.yaml --to hf://spaces/my-org/leaderboard

      annotate watch -c campaign.yaml --poll --interval 600 --api-url https://my.hf.space
    """
    from annotate import output
    from annotate.connection import resolve_connection
    from annotate.watch import Watcher

    cfg = load_campaign(config)
    publish = None
    if to is not None:
        from annotate.insights import publish_campaign_report
        from annotate.space import parse_report_target

        parse_report_target(to)  # a bad target fails now, not at the first refresh

        def publish() -> dict:
            return publish_campaign_report(cfg, to, lang=lang, token=token, private=private)

    def emit(event: dict) -> None:
        if json_out:
            stamped = {"at": datetime.now().astimezone().isoformat(timespec="seconds"), **event}
            sys.stdout.write(json.dumps(stamped, ensure_ascii=False, default=str) + "\n")
            sys.stdout.flush()
        elif event["event"] in ("error", "fallback", "server-down"):
            output.note(_line(event))
        else:
            typer.echo(f"{datetime.now():%H:%M:%S} {_line(event)}")

    watcher = Watcher(
        cfg,
        resolve_connection(api_url, api_key),
        out if out is not None else cfg.workdir / "report.html",
        interval=interval,
        poll=poll,
        host=host,
        port=port,
        public_url=public_url,
        lang=lang,
        publish=publish,
        emit=emit,
    )
    stops = 0

    def on_signal(signum, frame) -> None:  # noqa: ARG001
        nonlocal stops
        stops += 1
        if stops > 1:  # a second Ctrl-C: the user does not want to wait for the refresh
            raise KeyboardInterrupt
        watcher.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    watcher.run()


def register(app: typer.Typer) -> None:
    """Attach `watch` to the root app."""
    app.command()(watch)
