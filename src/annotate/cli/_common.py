"""Options shared by every command, defined once."""

from __future__ import annotations

import typer

JsonOpt = typer.Option(False, "--json", help="Print the result as JSON (for scripts).")
ConfigOpt = typer.Option(..., "--config", "-c", help="The campaign config (YAML).", exists=False)
ApiUrlOpt = typer.Option(
    None, "--api-url", help="Argilla URL (env: ARGILLA_API_URL; default: the running local server)."
)
ApiKeyOpt = typer.Option(
    None, "--api-key", help="Argilla API key (env: ARGILLA_API_KEY).", show_default=False
)
