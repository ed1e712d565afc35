"""`annotate publish` end to end: the scripted campaign, to a folder and to a loopback Hub.

The CLI runs unmodified as a subprocess; every check goes through the real clients
(datasets.load_dataset, huggingface_hub.HfApi) in processes pointed at the emulator.
"""

from __future__ import annotations

import json

import pytest
import yaml
from campaigns import OKAPI, arc_campaign, cli, cli_json, scripted_campaign
from hub_emulator import HubEmulator, run_client

pytestmark = pytest.mark.server

# Hand counts from the script in campaigns.scripted_campaign: submitted verdicts per user.
SUBMITTED = {"ana": 6, "ben": 5, "cris": 4}
SOURCE_ROWS = 6
UNUSABLE = 1


@pytest.fixture(scope="module")
def pulled(argilla_server, tmp_path_factory):
    scripted = scripted_campaign(argilla_server, tmp_path_factory.mktemp("publish"))
    cli_json("pull", "-c", str(scripted["config"]), info=argilla_server)
    return scripted


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    with HubEmulator(tmp_path_factory.mktemp("hub"), token="hf_emulator_secret_0123") as h:
        yield h


def _check_release(load: dict, scripted: dict) -> None:
    """What both targets must hold, read back by datasets.load_dataset."""
    mt, ids = scripted["mt"], scripted["ids"]
    source = json.loads((OKAPI / "m_arc_es_validation.json").read_text(encoding="utf-8"))[:6]
    arc = load["arc"]
    assert arc["num_rows"] == SOURCE_ROWS - UNUSABLE
    assert set(source[0]) <= set(arc["columns"])
    assert {"validation_status", "n_annotators", "machine_translation"} <= set(arc["columns"])
    rows = {r["id"]: r for r in arc["rows"]}
    key = {rid: rid.split(":", 1)[1] for rid in ids}
    assert key[ids[2]] not in rows  # unusable
    # two equal votes written with different spacing: the earliest, as written
    assert rows[key[ids[1]]]["instruction"] == "Pregunta  arreglada."
    assert rows[key[ids[1]]]["validation_status"] == "corrected"
    assert (
        json.loads(rows[key[ids[1]]]["machine_translation"])["question"] == mt[ids[1]]["question"]
    )
    assert rows[key[ids[5]]]["option_a"] == "rapidez"
    assert rows[key[ids[0]]]["instruction"] == source[0]["instruction"]
    assert rows[key[ids[0]]]["validation_status"] == "validated"
    assert rows[key[ids[3]]]["validation_status"] == "needs_review"
    assert rows[key[ids[4]]]["validation_status"] == "unannotated"
    contributors = load["contributors"]["rows"]
    assert sorted(c["submitted"] for c in contributors) == sorted(SUBMITTED.values())
    # Credited by Argilla username (the default); the raw responses stay pseudonymised.
    by_name = {c["contributor"].split("-")[0]: c["submitted"] for c in contributors}
    assert by_name == SUBMITTED
    assert load["responses"]["num_rows"] > 0
    assert all(r["annotator"].startswith("annotator-") for r in load["responses"]["rows"])


LOAD_ALL = """
import json, sys, datasets
target = sys.argv[1] if len(sys.argv) > 1 else {target!r}
out = {{}}
for config in ("arc", "responses", "contributors"):
    ds = datasets.load_dataset(target, config)
    split = next(iter(ds.values()))
    out[config] = {{"num_rows": split.num_rows, "columns": split.column_names,
                    "rows": split.to_list()}}
print(json.dumps(out, default=str))
"""


def test_publish_to_folder_reads_back_with_datasets(pulled, tmp_path):
    out = tmp_path / "release"
    result = cli("publish", "-c", str(pulled["config"]), "--to", str(out))
    assert result.returncode == 0, result.stderr
    load = run_client(
        LOAD_ALL.format(target=str(out)),
        env={"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")},
    )
    _check_release(load, pulled)
    card = (out / "README.md").read_text(encoding="utf-8")
    meta = yaml.safe_load(card.split("---\n")[1])
    assert meta["license"] == "cc-by-nc-4.0" and meta["language"] == ["es"]
    assert {c["config_name"] for c in meta["configs"]} == {
        "arc",
        "arc_reviewed",
        "responses",
        "contributors",
    }

    # Publishing again to the same folder changes nothing.
    again = cli_json("publish", "-c", str(pulled["config"]), "--to", str(out))
    assert again["written"]["unchanged"] is True


def test_publish_to_hub_then_republish_in_one_commit(pulled, hub, tmp_path, argilla_server):
    repo = "somosnlp/arc-es-validated"
    env = hub.client_env(tmp_path / "cache", token=hub.token)
    first = cli("publish", "-c", str(pulled["config"]), "--to", f"hf://datasets/{repo}", env=env)
    assert first.returncode == 0, first.stderr
    commits_after_first = len(hub.commits(repo))

    load = run_client(LOAD_ALL.format(target=repo), env=env)
    _check_release(load, pulled)

    # A stale shard from an older layout, committed by someone else.
    run_client(
        "import json\nfrom huggingface_hub import HfApi\n"
        f"HfApi().upload_file(path_or_fileobj=b'old', path_in_repo='data/arc/old-00000-of-00002"
        f".parquet', repo_id={repo!r}, repo_type='dataset')\nprint(json.dumps(1))",
        env=env,
    )
    before = len(hub.commits(repo))
    assert before == commits_after_first + 1
    again = cli_json(
        "publish", "-c", str(pulled["config"]), "--to", f"hf://datasets/{repo}", env=env
    )
    assert len(hub.commits(repo)) == before + 1
    assert "data/arc/old-00000-of-00002.parquet" in again["commit"]["deleted"]
    files = run_client(
        "import json\nfrom huggingface_hub import HfApi\n"
        f"print(json.dumps(HfApi().list_repo_files({repo!r}, repo_type='dataset')))",
        env=env,
    )
    assert "data/arc/old-00000-of-00002.parquet" not in files
    assert "README.md" in files

    # Nothing leaks: neither the Hub token nor the Argilla key, in files or output.
    secrets = [hub.token, argilla_server.api_key]
    for path, content in hub.files(repo).items():
        for secret in secrets:
            assert secret.encode() not in content, path
    for stream in (first.stdout, first.stderr, json.dumps(again)):
        for secret in secrets:
            assert secret not in stream


def test_dry_run_sends_nothing(pulled, hub, tmp_path):
    repo = "somosnlp/dry-run-only"
    env = hub.client_env(tmp_path / "cache", token=hub.token)
    result = cli(
        "publish",
        "-c",
        str(pulled["config"]),
        "--to",
        f"hf://datasets/{repo}",
        "--dry-run",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "README.md" in result.stdout + result.stderr
    assert hub.commits(repo) == []


def test_missing_and_wrong_token_are_one_line_errors(pulled, hub, tmp_path):
    repo = "somosnlp/needs-a-token"
    no_token = cli(
        "publish",
        "-c",
        str(pulled["config"]),
        "--to",
        f"hf://datasets/{repo}",
        env=hub.client_env(tmp_path / "c1"),
    )
    assert no_token.returncode != 0
    assert no_token.stderr.strip().splitlines()[-1].startswith("error: no Hugging Face token")
    wrong = "hf_wrong_token_9876543210"
    bad = cli(
        "publish",
        "-c",
        str(pulled["config"]),
        "--to",
        f"hf://datasets/{repo}",
        env=hub.client_env(tmp_path / "c2", token=wrong),
    )
    assert bad.returncode != 0
    lines = bad.stderr.strip().splitlines()
    assert lines[-1].startswith("error: ") and repo in lines[-1]
    assert "Traceback" not in bad.stderr
    assert wrong not in bad.stderr + bad.stdout
    assert hub.commits(repo) == []


def test_bad_target_is_one_line_error(pulled):
    result = cli("publish", "-c", str(pulled["config"]), "--to", "hf://models/x")
    assert result.returncode != 0
    assert "hf://models/x" in result.stderr.strip().splitlines()[-1]


def test_a_campaign_nobody_reviewed_is_refused_unless_allowed(argilla_server, tmp_path):
    rows, src, config = arc_campaign(tmp_path, 4)
    cli_json("push", "-c", str(config), info=argilla_server)
    cli_json("pull", "-c", str(config), info=argilla_server)
    out = tmp_path / "release"
    refused = cli("publish", "-c", str(config), "--to", str(out))
    assert refused.returncode != 0
    lines = refused.stderr.strip().splitlines()
    assert lines[-1].startswith("error: no item has been validated or corrected yet (0 of 4")
    assert "--allow-unreviewed" in refused.stderr and "Traceback" not in refused.stderr
    assert not out.exists()  # nothing half-written

    allowed = cli_json("publish", "-c", str(config), "--to", str(out), "--allow-unreviewed")
    assert allowed["written"]["files"] > 0
    card = (out / "README.md").read_text(encoding="utf-8")
    meta = yaml.safe_load(card.split("---\n")[1])
    assert meta["annotation_coverage"]["reviewed"] == 0
    assert "validated" not in meta["pretty_name"].lower()  # the sample's name says "validated"
    assert "0 of 4 items (0%)" in card.split("---\n", 2)[2].lstrip().splitlines()[2]
