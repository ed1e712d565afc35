"""Re-pushing a changed config, and who may push: on the session's real argilla-server.

A re-push compares the dataset's settings with the config, applies what Argilla can
change (guidelines, min_submitted, titles, metadata properties) and refuses in one line
what it cannot; a key that is no owner's or admin's is refused before anything is read;
a server that does not answer is said to be retried.
"""

from __future__ import annotations

import os
import time

import pytest
import yaml
from argilla_rest import Rest
from campaigns import cli, cli_json, make_config, one_error_line, scripted_campaign

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
    for command in (["push"], ["push", "--dry-run"], ["pull"]):
        result = cli(*command, "-c", str(config), env=env)
        line = one_error_line(
            result, f"'ann-{tag}'", "annotator", f"{command[0]} needs an owner's or admin's key"
        )
        assert key not in line and "403" not in line


# --- a server that does not answer ------------------------------------------------------


def test_dead_api_url_says_it_is_retrying_then_one_error(tmp_path, dead_url):
    config = make_config(tmp_path, benchmarks=["arc"])
    url = dead_url
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


# --- settings changed in the config after the first push ---------------------------------


@pytest.fixture(scope="module")
def annotated(argilla_server, tmp_path_factory):
    """Six items with responses (tests/campaigns.scripted_campaign), and the dataset's id."""
    scripted = scripted_campaign(argilla_server, tmp_path_factory.mktemp("settings"))
    owner = scripted["owner"]
    workspace = _workspace_id(owner, scripted["config"])
    scripted["dataset"] = next(
        d["id"] for d in owner.get("/api/v1/me/datasets")["items"] if d["workspace_id"] == workspace
    )
    return scripted


def _edit(config, **changes) -> None:
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data.update(changes)
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


def _settings(owner: Rest, dataset: str) -> dict:
    """What Argilla holds: guidelines, min_submitted, question titles and label texts."""
    info = owner.get(f"/api/v1/datasets/{dataset}")
    questions = owner.get(f"/api/v1/datasets/{dataset}/questions")["items"]
    return {
        "guidelines": info["guidelines"],
        "min_submitted": info["distribution"]["min_submitted"],
        "questions": {
            q["name"]: (q["title"], [o["text"] for o in q["settings"].get("options") or []])
            for q in questions
        },
    }


def _metadata(owner: Rest, dataset: str) -> list[dict]:
    return owner.get(f"/api/v1/me/datasets/{dataset}/metadata-properties")["items"]


def _statuses(owner: Rest, dataset: str) -> dict[str, str]:
    records = owner.get(f"/api/v1/datasets/{dataset}/records", params={"limit": 100})["items"]
    return {r["external_id"]: r["status"] for r in records}


def _wait_for(check, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.5)


def test_a_change_argilla_cannot_make_is_one_line_and_changes_nothing(
    argilla_server, annotated, tmp_path
):
    owner, dataset, config = annotated["owner"], annotated["dataset"], annotated["config"]
    before = _settings(owner, dataset)
    original = config.read_text(encoding="utf-8")
    try:
        # Possible changes (guidelines, min_submitted) next to an impossible one: nothing
        # is applied, not even the possible ones.
        _edit(config, error_categories=False, guidelines="Otras pautas.", min_submitted=3)
        for extra in ([], ["--dry-run"]):
            result = cli("push", "-c", str(config), *extra, info=argilla_server)
            line = one_error_line(result, str(config), "benchmarks[0]", "error_categories")
            assert "cannot be removed" in line
        assert _settings(owner, dataset) == before
    finally:
        config.write_text(original, encoding="utf-8")


def test_repush_applies_guidelines_min_submitted_and_titles(argilla_server, annotated):
    owner, dataset, config = annotated["owner"], annotated["dataset"], annotated["config"]
    item4 = annotated["ids"][4]  # one submitted answer, a draft and a discard
    before = _settings(owner, dataset)
    assert before["min_submitted"] == 2 and _statuses(owner, dataset)[item4] == "pending"
    guidelines = "Pautas nuevas: revisa también las opciones."
    _edit(config, guidelines=guidelines, min_submitted=1, language="eu")
    # Metadata changed behind the config's back: one property retitled, one deleted.
    metadata = {m["name"]: m for m in _metadata(owner, dataset)}
    owner.patch(f"/api/v1/metadata-properties/{metadata['benchmark']['id']}", {"title": "B!"})
    owner.http.delete(f"/api/v1/metadata-properties/{metadata['split']['id']}").raise_for_status()

    planned = cli_json("push", "-c", str(config), "--dry-run", info=argilla_server)
    want = ["guidelines", "min_submitted 2→1"]
    labels = planned["benchmarks"][0]["settings_updated"]
    assert labels[:2] == want and any(label.startswith("question 'verdict'") for label in labels)
    assert labels[-2:] == ["metadata 'benchmark' title", "metadata 'split' added"]
    assert _settings(owner, dataset) == before  # a dry run changes nothing

    shown = cli("push", "-c", str(config), info=argilla_server)
    assert shown.returncode == 0, shown.stderr
    assert "arc: settings updated: guidelines, min_submitted 2→1" in shown.stderr
    after = _settings(owner, dataset)
    assert after["guidelines"] == guidelines and after["min_submitted"] == 1
    from annotate import records

    verdict_title = records.question_titles("eu")["verdict"]
    assert after["questions"]["verdict"] == (
        verdict_title,
        list(records.verdict_labels("eu").values()),
    )
    assert {m["name"]: m["title"] for m in _metadata(owner, dataset)} == {
        "benchmark": "benchmark",
        "split": "split",
    }
    # The server recomputes record statuses in a background job: item 4 now has enough.
    _wait_for(lambda: _statuses(owner, dataset)[item4] == "completed", "item 4 completed")
    assert set(_statuses(owner, dataset).values()) == {"completed"}

    # Pushed again: nothing left to change; the responses are all still there.
    again = cli_json("push", "-c", str(config), info=argilla_server)
    assert again["benchmarks"][0]["settings_updated"] == []
    pulled = cli_json("pull", "-c", str(config), info=argilla_server)
    assert pulled["responses"] == 17  # every scripted answer kept (3 per item, 2 on item 3)
