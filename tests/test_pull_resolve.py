"""pull + resolve end to end: three volunteers answer through the REST API, we decide.

Every expected status and text below was worked out by hand from the scripted answers.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from campaigns import cli, cli_json, scripted_campaign

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def scripted(argilla_server, tmp_path_factory):
    return scripted_campaign(argilla_server, tmp_path_factory.mktemp("scripted"))


def test_pull_stores_every_response_with_usernames(scripted, argilla_server):
    config, tag = scripted["config"], scripted["tag"]
    result = cli_json("pull", "-c", str(config), info=argilla_server)
    assert result["records"] == 6
    # 3+3+3+2+3+3 responses (record x user), drafts and discards included
    assert result["responses"] == 17
    assert result["new"] == 17 and result["changed"] == 0

    snap = result["path"]
    responses = pd.read_parquet(f"{snap}/responses.parquet")
    assert set(responses["username"]) == {f"ana-{tag}", f"ben-{tag}", f"cris-{tag}"}
    assert set(responses["status"]) == {"submitted", "draft", "discarded"}
    assert {
        "record_id",
        "benchmark",
        "item_key",
        "user_id",
        "question",
        "value",
        "inserted_at",
        "updated_at",
    } <= set(responses.columns)
    discard = responses[responses["status"] == "discarded"]
    assert list(discard["username"]) == [f"cris-{tag}"]
    records = pd.read_parquet(f"{snap}/records.parquet")
    assert sorted(records["record_id"]) == sorted(scripted["ids"])
    assert records["suggestion"].str.startswith("[[question]]").eq(True).all()

    again = cli_json("pull", "-c", str(config), info=argilla_server)
    assert again["new"] == 0 and again["changed"] == 0 and again["responses"] == 17


def test_resolve_decides_exactly_the_scripted_outcome(scripted, argilla_server):
    config, ids, mt = scripted["config"], scripted["ids"], scripted["mt"]
    cli_json("pull", "-c", str(config), info=argilla_server)
    summary = cli_json("resolve", "-c", str(config))
    assert summary["status_counts"]["arc"] == {
        "validated": 1,
        "corrected": 2,
        "unusable": 1,
        "needs_review": 1,
        "unannotated": 1,
    }
    workdir = json.loads(cli("pull", "-c", str(config), "--json", info=argilla_server).stdout)[
        "path"
    ].rsplit("/snapshots/", 1)[0]
    items = pd.read_parquet(f"{workdir}/resolved/items.parquet").set_index("record_id")
    status = items["status"].to_dict()
    assert [status[i] for i in ids] == [
        "validated",
        "corrected",
        "unusable",
        "needs_review",
        "unannotated",
        "corrected",
    ]
    final = {i: json.loads(items.loc[i, "final_segments"]) for i in ids}
    assert final[ids[0]] == mt[ids[0]]
    # two equal votes written with different spacing: the earliest, as written
    assert final[ids[1]] == {**mt[ids[1]], "question": "Pregunta  arreglada."}
    assert mt[ids[5]]["A"] == mt[ids[5]]["B"] == "velocidad"  # the MT's own defect
    assert final[ids[5]] == {**mt[ids[5]], "question": "Texto base ab", "A": "rapidez"}
    assert bool(items.loc[ids[5], "low_confidence"]) is True
    assert bool(items.loc[ids[1], "low_confidence"]) is False
    assert int(items.loc[ids[4], "n_submitted"]) == 1
    assert "arc" in summary["agreement"] and "overall" in summary["agreement"]


def test_an_edited_response_shows_after_the_next_pull(scripted, argilla_server):
    config, users, rec, ids = (scripted[k] for k in ("config", "users", "rec", "ids"))
    cli_json("pull", "-c", str(config), info=argilla_server)
    cris = users["cris"]
    found = cris.post(
        f"/api/v1/me/datasets/{_dataset_id(scripted)}/records/search",
        {},
        params={"include": "responses", "limit": 100},
    )
    response = next(
        r
        for item in found["items"]
        if item["record"]["id"] == rec[ids[2]]
        for r in item["record"]["responses"]
    )
    assert response["values"]["verdict"]["value"] == "correct"
    cris.update_response(response["id"], {"verdict": "unusable"})
    after = cli_json("pull", "-c", str(config), info=argilla_server)
    assert after["changed"] == 1 and after["new"] == 0
    responses = pd.read_parquet(f"{after['path']}/responses.parquet")
    mine = responses[
        (responses["record_id"] == ids[2])
        & (responses["username"] == f"cris-{scripted['tag']}")
        & (responses["question"] == "verdict")
    ]
    assert list(mine["value"]) == ["unusable"]


def _dataset_id(scripted) -> str:
    owner = scripted["owner"]
    rid = next(iter(scripted["rec"].values()))
    return owner.get(f"/api/v1/records/{rid}")["dataset_id"]
