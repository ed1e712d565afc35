"""The insight commands: `status` (live, from Argilla) and `report` (static HTML page).

Thin like every command module: parse options, call one library function, hand the
result to `annotate.output`. Heavy imports happen inside the command bodies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from annotate.cli._common import (
    ApiKeyOpt,
    ApiUrlOpt,
    ConfigOpt,
    HfTokenOpt,
    JsonOpt,
    PrivateSpaceOpt,
    ReportOutOpt,
    SnapshotOpt,
    load_campaign,
)

STATUS_COLUMNS = (
    "benchmark",
    "records",
    "completed",
    "pending",
    "submitted",
    "drafts",
    "discarded",
    "annotators",
)


def _benchmark_rows(result: dict[str, Any]) -> list[tuple]:
    rows: list[tuple] = []
    for b in result["benchmarks"]:
        if not b["pushed"]:
            rows.append((b["benchmark"], "not pushed", "", "", "", "", "", ""))
            continue
        done = f"{b['completed']} ({b['completed'] / b['total']:.0%})" if b["total"] else "0"
        rows.append(
            (
                b["benchmark"],
                b["total"],
                done,
                b["pending"],
                b["submitted"],
                b["drafts"],
                b["discarded"],
                b["annotators"],
            )
        )
    if len(result["benchmarks"]) > 1:
        t = result["totals"]
        done = f"{t['completed']} ({t['completed'] / t['total']:.0%})" if t["total"] else "0"
        rows.append(
            (
                "total",
                t["total"],
                done,
                t["pending"],
                t["submitted"],
                t["drafts"],
                t["discarded"],
                t["annotators"],
            )
        )
    return rows


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _gold_cell(row: dict[str, Any]) -> str:
    """'80% of 5' (accuracy on gold and the gold items seen), '—' for none."""
    seen = row.get("gold_seen")
    share = _share(row.get("gold_accuracy"))
    return share if not seen or row.get("gold_accuracy") is None else f"{share} of {seen}"


def _agreement_line(agreement: dict[str, Any]) -> str:
    from annotate.status import format_alpha, pulled_label

    if not agreement.get("available"):
        return f"Agreement: {agreement.get('note', 'not available')}"
    parts = [f"{e['benchmark']} {format_alpha(e)}" for e in agreement["benchmarks"]]
    when = pulled_label(agreement.get("pulled_at"))
    return f"Agreement (pull of {when}): " + "; ".join(parts)


def status(
    config: Path = ConfigOpt,
    top: int = typer.Option(10, "--top", min=1, help="How many contributors to list."),
    snapshot: str | None = SnapshotOpt,
    api_url: str | None = ApiUrlOpt,
    api_key: str | None = ApiKeyOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Show the campaign's progress now, straight from Argilla (no pull needed).

    Per benchmark: records, completed and pending records, submitted responses, drafts,
    discards and annotators (people with at least one submitted response). The top
    contributors are ranked by submitted responses only: drafts and discards are not
    contributions. Agreement (Krippendorff's alpha) comes from the latest pull, when
    there is one. After a `review push`, the review queue too: records, pending,
    settled and reviewers active per benchmark (`review` in --json).

    Examples:

      annotate status -c configs/sample-es.yaml

      annotate status -c configs/sample-es.yaml --top 25

      annotate status -c configs/sample-es.yaml --json | jq '.leaderboard[0]'
    """
    from annotate import output
    from annotate.connection import resolve_connection
    from annotate.status import campaign_status

    cfg = load_campaign(config)
    result = campaign_status(cfg, resolve_connection(api_url, api_key), top=top, snapshot=snapshot)
    if json_out:
        output.print_json(result)
        return
    output.print_table(
        STATUS_COLUMNS,
        _benchmark_rows(result),
        title=f"{result['campaign']} · workspace {result['workspace']} · {result['url']}",
    )
    board = result["leaderboard"]
    if board:
        gold = any("gold_accuracy" in r for r in board)
        output.print_table(
            ["#", "volunteer", "submitted", "agreement", "phantom corrections"]
            + (["gold accuracy"] if gold else [])
            + ["per benchmark"],
            [
                (
                    r["rank"],
                    r["username"],
                    r["submitted"],
                    _share(r.get("agreement_with_consensus")),
                    r.get("phantom_corrections", 0),
                    *([_gold_cell(r)] if gold else []),
                    ", ".join(f"{b} {n}" for b, n in r["per_benchmark"].items()),
                )
                for r in board
            ],
            title=f"Top {len(board)} contributors (submitted responses)",
        )
    else:
        typer.echo("No submitted responses yet.")
    typer.echo(_agreement_line(result["agreement"]))
    if result.get("review"):
        from annotate.cli.review import print_queue

        print_queue(result["review"])
    for note in result["notes"]:
        output.note(note)


def report(
    config: Path = ConfigOpt,
    out: Path | None = ReportOutOpt,
    to: str | None = typer.Option(
        None,
        "--to",
        help="Publish instead: hf://spaces/ORG/NAME (a static Space) or a folder "
        "(index.html + README.md, the Space card). Nothing is sent when nothing changed.",
        show_default=False,
    ),
    private: bool = PrivateSpaceOpt,
    token: str | None = HfTokenOpt,
    lang: str | None = typer.Option(
        None,
        "--lang",
        help="Language of the page: en, es, ca, gl or eu (default: the campaign's).",
        show_default=False,
    ),
    snapshot: str | None = SnapshotOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Write the campaign report: one self-contained HTML page from the pulled data.

    Progress over time (one point per pull), completion, the volunteers' leaderboard,
    agreement, verdicts, error categories and the items with most disagreement. The page
    loads nothing from the network, so it can be opened offline or published as a static
    Space. Run `annotate pull` first; with no pull the page says there is no data yet.

    Examples:

      annotate report -c configs/sample-es.yaml --out report.html

      annotate report -c configs/sample-es.yaml --out public/index.html --lang en

      annotate pull -c campaign.yaml && annotate report -c campaign.yaml -o site/index.html

      HF_TOKEN=hf_... annotate report -c campaign.yaml --to hf://spaces/my-org/my-leaderboard

      annotate report -c campaign.yaml --to site/
    """
    from annotate import output
    from annotate.errors import AnnotateError
    from annotate.insights import publish_campaign_report, write_campaign_report

    if to is not None and out is not None:
        raise AnnotateError("--out and --to both given", "pass one: --out FILE or --to TARGET")
    cfg = load_campaign(config)
    if to is not None:
        published = publish_campaign_report(
            cfg, to, lang=lang, snapshot=snapshot, token=token, private=private
        )
        if json_out:
            output.print_json(published)
            return
        shown = {"published to": published["target"]}
        if published["kind"] == "space":
            shown |= {"url": published["url"], "commit": published["commit"]}
        shown |= {
            "changed": "yes" if published["changed"] else "no (nothing new to send)",
            "language": published["lang"],
            "data of": published["generated_at"],
            "volunteers": published["volunteers"],
        }
        output.print_kv(shown, title="Campaign report")
        if not published["pulls"]:
            output.note(f"no pull yet: run `annotate pull -c {config}` to fill the report")
        return
    target = out if out is not None else cfg.workdir / "report.html"
    result = write_campaign_report(cfg, target, lang=lang, snapshot=snapshot)
    if json_out:
        output.print_json(result)
        return
    output.print_kv(
        {
            "written": result["path"],
            "size": f"{result['bytes'] / 1024:.0f} KiB",
            "language": result["lang"],
            "data of": result["generated_at"],
            "pulls": result["pulls"],
            "volunteers": result["volunteers"],
        },
        title="Campaign report",
    )
    if not result["pulls"]:
        output.note(f"no pull yet: run `annotate pull -c {config}` to fill the report")


def register(app: typer.Typer) -> None:
    """Attach `status` and `report` to the root app."""
    app.command()(status)
    app.command()(report)
