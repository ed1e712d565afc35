"""Re-pushing a changed config, and who may push: on the session's real argilla-server.

A re-push compares the dataset's settings with the config, applies what Argilla can
change (guidelines, min_submitted, titles, metadata properties) and refuses in one line
what it cannot; a key that is no owner's or admin's is refused before anything is read;
a server that does not answer is said to be retried.
"""

from __future__ import annotations

import os

import pytest
import yaml
from argilla_rest import Rest
from campaigns import cli, cli_json, make_config, one_error_line
from conftest import free_port

pytestmark = pytest.mark.server


def _workspace_id(rest: Rest, config) -> str:
    name = yaml.safe_load(config.read_text(encoding="utf-8"))["workspace"]
    return next(w["id"] for w in rest.get("/api/v1/me/workspaces")["items"] if w["name"] == name)


# --- who may push ---------------------------------------------------------------------


def test_annotator_key_is_refused_early_naming_the_role(argilla_server, tmp_path):
    owner = Rest(argilla_server.url, argilla_server.api_key)
    config = make_config(tmp_path, benchmarks=["arc"])
    cli_json("push", "-c", str(config), "--limit", "2", info=argilla_server)
    tag = tmp_path.name[-10:].replace("_", "")
    annotator = owner.create_annotator(
        f"ann-{tag}", "ann-password-123", _workspace_id(owner, config)
    )
    key = annotator.http.headers["X-Argilla-Api-Key"]
    env = {"ARGILLA_API_URL": argilla_server.url, "ARGILLA_API_KEY": key}
    for extra in ([], ["--dry-run"]):
        result = cli("push", "-c", str(config), *extra, env=env)
        line = one_error_line(result, f"'ann-{tag}'", "annotator", "owner's or admin's key")
        assert key not in line and "403" not in line


# --- a server that does not answer ------------------------------------------------------


def test_dead_api_url_says_it_is_retrying_then_one_error(tmp_path):
    config = make_config(tmp_path, benchmarks=["arc"])
    url = f"http://127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "ANNOTATE_HTTP_RETRIES": "2",
        "ANNOTATE_HTTP_BACKOFF": "0.1",
    }
    result = cli("push", "-c", str(config), "--api-url", url, "--api-key", "annotate.x", env=env)
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith(f"Argilla at {url} did not answer")
    assert "retrying up to 2 time(s)" in lines[0]
    assert lines[1].startswith(f"error: cannot reach Argilla at {url}")
