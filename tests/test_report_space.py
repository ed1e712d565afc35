"""`annotate report --to`: the report as a static Space (loopback Hub, real client) or a folder.

The CLI runs unmodified in a subprocess pointed at tests/hub_emulator.py; what landed is
read back with the real huggingface_hub client in another process. No Argilla needed:
a campaign with no pull yet still has a (deterministic) page.
"""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml
from campaigns import cli, make_config, one_error_line
from hub_emulator import HubEmulator, run_client
from hypothesis import given
from hypothesis import strategies as st

from annotate.errors import AnnotateError
from annotate.space import (
    git_blob_id,
    parse_report_target,
    plan_space_commit,
    site_files,
    space_card,
)

TOKEN = "hf_emulator_space_secret_42"
REPO = "emulator-user/leaderboard"


# --- pure parts ---------------------------------------------------------------------------


def test_git_blob_id_is_gits() -> None:
    data = "<p>ñ</p>\n".encode()
    git = subprocess.run(
        ["git", "hash-object", "--stdin"], input=data, capture_output=True, check=True
    )
    assert git_blob_id(data) == git.stdout.decode().strip()


_paths = st.sampled_from(["README.md", "index.html", "old.html", "css/x.css", ".gitattributes"])


@given(
    files=st.dictionaries(_paths, st.binary(max_size=20), min_size=1),
    remote=st.dictionaries(_paths, st.binary(max_size=20)),
)
def test_plan_makes_the_space_equal_the_files(files: dict, remote: dict) -> None:
    """Applying the plan to the remote gives exactly the files (+ .gitattributes); a file
    already there is never re-sent; a second plan is empty."""
    ids = {p: git_blob_id(b) for p, b in remote.items()}
    adds, deletes = plan_space_commit(files, ids)
    after = {p: b for p, b in remote.items() if p not in deletes} | {p: files[p] for p in adds}
    assert all(after[p] == b for p, b in files.items())
    assert set(after) - set(files) <= {".gitattributes"}
    assert not [p for p in adds if remote.get(p) == files[p]]
    assert plan_space_commit(files, {p: git_blob_id(b) for p, b in after.items()}) == ([], [])


def test_space_card_is_a_static_space_card() -> None:
    card = space_card(title="Informe: ñ", campaign="c", generated_at="2025-03-12 10:00 UTC")
    text = card.decode()
    assert text.startswith("---\n")
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta["sdk"] == "static" and meta["app_file"] == "index.html"
    assert {"title", "emoji", "colorFrom", "colorTo", "pinned"} <= set(meta)
    assert meta["title"] == "Informe: ñ"
    assert card == space_card(title="Informe: ñ", campaign="c", generated_at="2025-03-12 10:00 UTC")
    with pytest.raises(AnnotateError, match="color_from"):
        space_card(title="t", campaign="c", generated_at="x", color_from="orange")


@pytest.mark.parametrize(
    "to", ["hf://datasets/org/name", "hf://spaces/org", "hf://spaces/org/../x", "hf://spaces/a/b/c"]
)
def test_only_space_targets_on_the_hub(to: str) -> None:
    with pytest.raises(AnnotateError, match="hf://spaces/ORG/NAME"):
        parse_report_target(to)


def test_site_files() -> None:
    assert sorted(site_files("<p>x</p>", b"card")) == ["README.md", "index.html"]


# --- end to end ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    with HubEmulator(tmp_path_factory.mktemp("hub"), token=TOKEN) as h:
        yield h


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    return make_config(
        tmp_path_factory.mktemp("space"),
        benchmarks=["arc"],
        report={"thresholds": [50], "space": {"emoji": "🏆", "color_to": "green"}},
    )


def _report(config, hub, tmp_path, *args: str, token: str | None = TOKEN):
    env = hub.client_env(tmp_path / "cache", token=token)
    return cli("report", "-c", str(config), *args, env=env, timeout=300)


READ_SPACE = """
import json
from huggingface_hub import HfApi, hf_hub_download
api = HfApi()
info = api.repo_info({repo!r}, repo_type="space")
path = hf_hub_download({repo!r}, "index.html", repo_type="space")
print(json.dumps({{"sdk": info.sdk, "card": info.card_data.to_dict() if info.card_data else None,
    "files": sorted(s.rfilename for s in info.siblings),
    "index": open(path, encoding="utf-8").read()}}))
"""


def test_publish_to_a_space_then_nothing_when_unchanged(config, hub, tmp_path) -> None:
    first = _report(config, hub, tmp_path, "--to", f"hf://spaces/{REPO}", "--json")
    assert first.returncode == 0, first.stderr
    assert TOKEN not in first.stdout + first.stderr
    result = json.loads(first.stdout)
    assert result["changed"] and result["kind"] == "space"
    assert sorted(result["uploaded"]) == ["README.md", "index.html"]
    commits = hub.commits(REPO, "space")
    assert len(commits) == 2  # the repo's initial commit, then ONE with both files

    seen = run_client(READ_SPACE.format(repo=REPO), hub.client_env(tmp_path / "c2", token=TOKEN))
    assert seen["sdk"] == "static"
    assert seen["card"]["app_file"] == "index.html" and seen["card"]["sdk"] == "static"
    assert seen["card"]["emoji"] == "🏆" and seen["card"]["colorTo"] == "green"
    assert seen["files"] == [".gitattributes", "README.md", "index.html"]

    # The folder target writes the very same bytes.
    site = tmp_path / "site"
    local = _report(config, hub, tmp_path, "--to", str(site), "--json")
    assert local.returncode == 0, local.stderr
    assert (site / "index.html").read_text(encoding="utf-8") == seen["index"]
    assert hub.files(REPO, "space")["README.md"] == (site / "README.md").read_bytes()
    again = json.loads(_report(config, hub, tmp_path, "--to", str(site), "--json").stdout)
    assert again["written"] == [] and not again["changed"]

    # Nothing new: no commit, nothing uploaded.
    uploads = len([r for r in hub.requests if r[0] == "POST" and "/commit/" in r[1]])
    second = _report(config, hub, tmp_path, "--to", f"hf://spaces/{REPO}", "--json")
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["changed"] is False
    assert len(hub.commits(REPO, "space")) == 2
    assert len([r for r in hub.requests if r[0] == "POST" and "/commit/" in r[1]]) == uploads


def test_stale_files_go_in_the_same_commit(config, hub, tmp_path) -> None:
    """A Space that already holds other files: ours are added and the rest deleted, in one
    commit (.gitattributes stays)."""
    repo = "emulator-user/stale-board"
    run_client(
        f"""
from huggingface_hub import HfApi
api = HfApi()
api.create_repo({repo!r}, repo_type="space", space_sdk="static")
api.upload_file(path_or_fileobj=b"old", path_in_repo="old.html", repo_id={repo!r},
                repo_type="space")
print(1)
""",
        hub.client_env(tmp_path / "c3", token=TOKEN),
    )
    before = len(hub.commits(repo, "space"))
    done = _report(config, hub, tmp_path, "--to", f"hf://spaces/{repo}", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["deleted"] == ["old.html"]
    assert len(hub.commits(repo, "space")) == before + 1
    assert sorted(hub.files(repo, "space")) == [".gitattributes", "README.md", "index.html"]


def test_token_errors_are_one_line(config, hub, tmp_path) -> None:
    none = _report(config, hub, tmp_path, "--to", f"hf://spaces/{REPO}", token=None)
    one_error_line(none, "no Hugging Face token", "HF_TOKEN")
    with hub.failing(401, echo_authorization=True):
        bad = _report(config, hub, tmp_path, "--to", f"hf://spaces/{REPO}")
    line = one_error_line(bad, "refused the token", f"spaces/{REPO}")
    assert TOKEN not in bad.stdout + bad.stderr and TOKEN not in line
    wrong = _report(config, hub, tmp_path, "--to", "hf://datasets/org/name")
    one_error_line(wrong, "not a Hub Space target")
    both = _report(config, hub, tmp_path, "--to", "site", "--out", "x.html")
    one_error_line(both, "--out and --to")
