"""Options shared by every command, defined once."""

from __future__ import annotations

from pathlib import Path

import typer

JsonOpt = typer.Option(False, "--json", help="Print the result as JSON (for scripts).")
ConfigOpt = typer.Option(
    ...,
    "--config",
    "-c",
    help="The campaign config (YAML). Paths in it, and the default workdir "
    ".annotate/<campaign>, are relative to its folder.",
    exists=False,
)
ApiUrlOpt = typer.Option(
    None, "--api-url", help="Argilla URL (env: ARGILLA_API_URL; default: the running local server)."
)
ApiKeyOpt = typer.Option(
    None, "--api-key", help="Argilla API key (env: ARGILLA_API_KEY).", show_default=False
)
HfTokenOpt = typer.Option(
    None, "--token", help="Hugging Face token (env: HF_TOKEN).", show_default=False
)
PrivateSpaceOpt = typer.Option(False, "--private", help="Create the Space private.")
ReportOutOpt = typer.Option(
    None,
    "--out",
    "-o",
    help="Where to write the page (default: <workdir>/report.html).",
    show_default=False,
)
SnapshotOpt = typer.Option(
    None,
    "--snapshot",
    help="Which pull to read: latest (default), latest-intact (the newest undamaged one, "
    "when the latest is damaged) or a snapshot's name (a folder in <workdir>/snapshots).",
    show_default=False,
)


def load_campaign(config: Path, *, warn_legacy: bool = True):
    """Load the config; its warnings (a guessed split, pulls at an old workdir) to stderr.

    `warn_legacy=False` for pull, which refuses with that same line instead.
    """
    from annotate import output
    from annotate.config import load_config

    cfg = load_config(config)
    notices = [*cfg.warnings, *([cfg.legacy_notice] if warn_legacy and cfg.legacy_notice else [])]
    for notice in notices:
        output.note(f"warning: {config}: {notice}")
    return cfg
