"""`publish --dry-run --to hf://...` when the Hub fails: one line, never the token.

The dry run reads the repo's file list to plan the commit. Whatever the Hub answers
(401, 500, an error quoting the request's Authorization header) or when it cannot be
reached at all, the CLI prints ONE `error:` line, exits non-zero and shows no `hf_...`.
"""

from __future__ import annotations

import json
import socket

import pytest
from campaigns import cli, cli_json, make_config, one_error_line
from hub_emulator import HubEmulator, run_client

pytestmark = pytest.mark.server

TOKEN = "hf_dry_run_secret_0123456789"


@pytest.fixture(scope="module")
def pulled(argilla_server, tmp_path_factory):
    """A pushed and pulled campaign (no responses needed to plan a publish)."""
    tmp = tmp_path_factory.mktemp("dry-run-hub")
    config = make_config(tmp, benchmarks=["arc"])
    cli_json("push", "-c", str(config), "--limit", "3", info=argilla_server)
    cli_json("pull", "-c", str(config), info=argilla_server)
    return config


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    with HubEmulator(tmp_path_factory.mktemp("hub"), token=TOKEN) as h:
        yield h


def _dry_run(config, env):
    return cli(
        "publish",
        "-c",
        str(config),
        "--to",
        "hf://datasets/somosnlp/arc-es",
        "--dry-run",
        "--allow-unreviewed",
        env=env,
    )


@pytest.mark.parametrize(
    ("status", "echo", "fragments"),
    [
        (401, False, ("refused the token", "401")),
        (500, False, ("HTTP 500",)),
        (500, True, ("HTTP 500",)),
        (401, True, ("401",)),
    ],
    ids=["401", "500", "500 echoing the token", "401 echoing the token"],
)
def test_hub_errors_are_one_line_without_the_token(pulled, hub, tmp_path, status, echo, fragments):
    env = hub.client_env(tmp_path / "cache", token=TOKEN)
    with hub.failing(status, echo_authorization=echo):
        result = _dry_run(pulled, env)
    one_error_line(result, "somosnlp/arc-es", *fragments)
    assert "hf_" not in result.stdout + result.stderr


def test_unreachable_hub_is_one_line(pulled, hub, tmp_path):
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = hub.client_env(tmp_path / "cache", token=TOKEN)
    env["HF_ENDPOINT"] = f"http://127.0.0.1:{port}"
    result = _dry_run(pulled, env)
    line = one_error_line(result, f"127.0.0.1:{port}")
    assert "hf_" not in result.stdout + result.stderr
    assert "could not reach the Hub" in line


def test_offline_mode_is_one_line(pulled, hub, tmp_path):
    env = {**hub.client_env(tmp_path / "cache", token=TOKEN), "HF_HUB_OFFLINE": "1"}
    result = _dry_run(pulled, env)
    one_error_line(result, "could not reach the Hub")
    assert "hf_" not in result.stdout + result.stderr


def test_dry_run_still_plans_against_a_working_hub(pulled, hub, tmp_path):
    """The file list the plan is made from is complete: a stale file, deep in a folder
    of an existing repo, is planned for deletion; nothing is sent."""
    repo = "somosnlp/arc-es-existing"
    env = hub.client_env(tmp_path / "cache", token=TOKEN)
    run_client(
        "import json\nfrom huggingface_hub import HfApi\n"
        f"HfApi().create_repo({repo!r}, repo_type='dataset')\n"
        f"HfApi().upload_file(path_or_fileobj=b'old', path_in_repo='data/arc/old/x.parquet', "
        f"repo_id={repo!r}, repo_type='dataset')\nprint(json.dumps(1))",
        env=env,
    )
    commits = len(hub.commits(repo))
    result = cli(
        "publish",
        "-c",
        str(pulled),
        "--to",
        f"hf://datasets/{repo}",
        "--dry-run",
        "--allow-unreviewed",
        "--json",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)["plan"]
    assert "delete  data/arc/old/x.parquet" in plan.splitlines()
    assert any(line.startswith("add     README.md") for line in plan.splitlines())
    assert len(hub.commits(repo)) == commits
