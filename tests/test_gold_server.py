"""Gold items end to end on the real server: a careless annotator is caught and loses
their vote.

Four ARC items and five gold items (other ARC rows of the same file). Four annotators
answer through the REST API; every expected status was worked out by hand:

gold (g0-g2 correct, g3 unusable, g4 corrected: option D fixed)
  ana   all right                                    5/5
  ben   g4 "correct"                                 4/5 = 80%
  carl  "correct" everywhere                         3/5 = 60%  (< 70% after 5: caught)
  dani  answers no gold item                         no score, never caught

benchmark items       votes                          all counted   carl left out  weight 0.6
  b0  ana, ben unusable; carl correct                unusable      unusable       unusable
  b1  ana corrected; carl correct                    needs_review  unannotated    corrected
  b2  ana correct; ben unusable; carl correct        validated     needs_review   validated
  b3  ana, ben, dani corrected (same); carl correct  corrected     corrected      corrected
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from argilla_rest import Rest, queue_body
from campaigns import OKAPI, cli, make_config, one_error_line

from annotate.campaign import publish_campaign, run_resolve
from annotate.config import load_config
from annotate.connection import resolve_connection
from annotate.insights import report_data
from annotate.model import format_correction, parse_correction
from annotate.pull import pull
from annotate.push import push
from annotate.status import campaign_status

pytestmark = pytest.mark.server

STATUS_ALL = ["unusable", "needs_review", "validated", "corrected"]
STATUS_EXCLUDE = ["unusable", "unannotated", "needs_review", "corrected"]
STATUS_WEIGHT = ["unusable", "corrected", "validated", "corrected"]


def _write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _segments(suggestion: str) -> dict[str, str]:
    names = [
        ln[2:-2] for ln in suggestion.splitlines() if ln.startswith("[[") and ln.endswith("]]")
    ]
    segments = parse_correction(suggestion, names)
    assert segments is not None
    return segments


@pytest.fixture(scope="module")
def campaign(argilla_server, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gold")
    rows = json.loads((OKAPI / "m_arc_es_validation.json").read_text(encoding="utf-8"))
    src = tmp / "arc.json"
    src.write_text(json.dumps(rows[:4], ensure_ascii=False), encoding="utf-8")
    verdicts = ["correct", "correct", "correct", "unusable", "corrected"]
    gold_rows = [
        {**r, "benchmark": "arc", "gold_verdict": v}
        for r, v in zip(rows[10:15], verdicts, strict=True)
    ]
    gold_rows[4]["gold_text"] = {"D": rows[14]["option_d"] + " (corregida)"}
    gold_file = tmp / "gold.jsonl"
    gold_file.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in gold_rows))
    section = {"path": str(gold_file), "min_accuracy": 0.7, "min_seen": 5}
    config = make_config(tmp, benchmarks=["arc"], files={"arc": src}, gold=section)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    variants = {
        "exclude": config,
        "weight": _write(tmp / "weight.yaml", {**data, "gold": {**section, "mode": "weight"}}),
        "report_only": _write(tmp / "report.yaml", {**data, "gold": {"path": str(gold_file)}}),
        "no_gold": _write(tmp / "nogold.yaml", {k: v for k, v in data.items() if k != "gold"}),
    }
    conn = resolve_connection(argilla_server.url, argilla_server.api_key)
    (pushed,) = push(load_config(config), conn)

    owner = Rest(argilla_server.url, argilla_server.api_key)
    ws = next(
        w for w in owner.get("/api/v1/me/workspaces")["items"] if w["name"] == data["workspace"]
    )
    dataset = next(
        d for d in owner.get("/api/v1/me/datasets")["items"] if d["workspace_id"] == ws["id"]
    )
    records = owner.get(
        f"/api/v1/datasets/{dataset['id']}/records", params={"include": "suggestions", "limit": 100}
    )["items"]
    by_id = {r["external_id"]: r for r in records}
    bench = [f"arc:{r['id']}" for r in rows[:4]]
    gold = [f"arc:{r['id']}" for r in rows[10:15]]
    mt = {rid: _segments(by_id[rid]["suggestions"][0]["value"]) for rid in bench + gold}
    tag = data["workspace"][-8:]
    users = {
        n: owner.create_annotator(f"{n}-{tag}", f"{n}-password-123", ws["id"])
        for n in ("ana", "ben", "carl", "dani")
    }
    ana, ben, carl, dani = (users[n] for n in ("ana", "ben", "carl", "dani"))
    rec = {rid: by_id[rid]["id"] for rid in bench + gold}

    def fix(rid: str, **segments: str) -> str:
        return format_correction({**mt[rid], **segments})

    for i, rid in enumerate(gold):  # the gold answers
        right = verdicts[i]
        ana.respond(rec[rid], {"verdict": right, "correction": fix(rid, D="Otra forma")})
        ben.respond(rec[rid], {"verdict": "correct" if i == 4 else right})
        carl.respond(rec[rid], {"verdict": "correct"})
    b0, b1, b2, b3 = bench
    ana.respond(rec[b0], {"verdict": "unusable"})
    ben.respond(rec[b0], {"verdict": "unusable"})
    ana.respond(rec[b1], {"verdict": "corrected", "correction": fix(b1, question="Arreglada.")})
    ana.respond(rec[b2], {"verdict": "correct"})
    ben.respond(rec[b2], {"verdict": "unusable"})
    for u in (ana, ben, dani):
        u.respond(rec[b3], {"verdict": "corrected", "correction": fix(b3, A="Arreglo común")})
    for rid in bench:
        carl.respond(rec[rid], {"verdict": "correct"})
    pulled = pull(load_config(config), conn)
    return {
        "pulled": pulled,
        "variants": variants,
        "pushed": pushed.as_dict(),
        "conn": conn,
        "bench": bench,
        "gold": gold,
        "tag": tag,
        "owner": owner,
        "dataset": dataset,
        "carl": carl,
        "tmp": tmp,
        "gold_file": gold_file,
        "config": config,
    }


def _statuses(summary_items: pd.DataFrame, bench: list[str]) -> list[str]:
    return summary_items.set_index("record_id").loc[bench, "status"].tolist()


def _resolve(campaign, variant: str) -> tuple[dict, pd.DataFrame]:
    resolution, summary = run_resolve(load_config(campaign["variants"][variant]))
    return json.loads(json.dumps(summary, default=str)), resolution.items


def test_gold_is_pushed_like_any_item_and_again_idempotently(campaign, argilla_server):
    assert campaign["pushed"]["items"] == 4 and campaign["pushed"]["gold"] == 5
    assert campaign["pushed"]["created"] == 4  # the benchmark's own counts
    (again,) = (r.as_dict() for r in push(load_config(campaign["config"]), campaign["conn"]))
    assert (again["created"], again["updated"], again["unchanged"], again["gold"]) == (0, 0, 4, 5)
    assert again["responses_returned"] == 0
    total = campaign["owner"].get(
        f"/api/v1/datasets/{campaign['dataset']['id']}/records", params={"limit": 100}
    )["total"]
    assert total == 9
    # what an annotator's queue shows of a gold record is what it shows of any other
    fresh = campaign["owner"].create_annotator(
        f"eve-{campaign['tag']}",
        "eve-password-123",
        campaign["dataset"]["workspace_id"],
    )
    shown = fresh.post(
        f"/api/v1/me/datasets/{campaign['dataset']['id']}/records/search",
        queue_body(record_statuses=[]),  # completed records too: every record
        params={"include": ["responses", "suggestions"], "limit": 100},
    )["items"]
    assert len(shown) == 9
    looks = {
        (tuple(sorted(r["record"]["fields"])), tuple(sorted(r["record"]["metadata"] or {})))
        for r in shown
    }
    assert looks == {(("translation",), ("benchmark", "split"))}
    assert {r["record"]["metadata"]["split"] for r in shown} == {"validation"}


def test_the_careless_annotator_is_caught_and_loses_their_vote(campaign, argilla_server):
    tag, bench = campaign["tag"], campaign["bench"]
    summary, items = _resolve(campaign, "exclude")
    assert _statuses(items, bench) == STATUS_EXCLUDE
    assert not set(items["record_id"]) & set(campaign["gold"])  # gold is no benchmark item
    g = summary["gold"]
    scores = {a["username"]: (a["seen"], a["right"], a["weight"]) for a in g["annotators"]}
    assert scores == {
        f"ana-{tag}": (5, 5, 1.0),
        f"ben-{tag}": (5, 4, 1.0),
        f"carl-{tag}": (5, 3, 0.0),
    }
    assert (g["items"], g["annotators_affected"], g["votes_affected"]) == (5, 1, 4)
    assert summary["unmatched_votes"] == 0 and summary["orphan_responses"] == 0
    assert summary["items"] == 4 and summary["submitted_verdicts"] == 12  # carl keeps credit

    weighted, items = _resolve(campaign, "weight")
    assert _statuses(items, bench) == STATUS_WEIGHT
    assert {a["username"]: a["weight"] for a in weighted["gold"]["annotators"]}[
        f"carl-{tag}"
    ] == pytest.approx(0.6)

    # the table: one row per annotator who answered gold, with what the threshold did
    text = cli("resolve", "-c", str(campaign["config"]), info=argilla_server).stdout
    words = " ".join(text.split())
    assert "Gold accuracy (5 gold items; below 70% after 5+ gold: exclude;" in words
    assert f"carl-{tag} │ 5 │ 3 │ 60% │ left out" in words


def test_without_a_threshold_every_vote_counts_and_gold_still_stays_out(campaign, argilla_server):
    bench = campaign["bench"]
    report_only, items = _resolve(campaign, "report_only")
    assert _statuses(items, bench) == STATUS_ALL
    assert report_only["gold"]["annotators_affected"] == 0
    # gold removed from the config after the push: the ledger still keeps its records out
    no_gold, items = _resolve(campaign, "no_gold")
    assert _statuses(items, bench) == STATUS_ALL and "gold" not in no_gold
    assert no_gold["items"] == 4 and no_gold["unmatched_votes"] == 0
    assert not set(items["record_id"]) & set(campaign["gold"])
    (row,) = (
        r.as_dict() for r in push(load_config(campaign["variants"]["no_gold"]), campaign["conn"])
    )
    assert (row["created"], row["vanished"], row["gold"], row["gold_retired"]) == (0, 0, 0, 5)


def test_publish_has_no_gold_row_and_the_card_says_what_gold_did(campaign, argilla_server):
    out = campaign["tmp"] / "release"
    publish_campaign(load_config(campaign["config"]), str(out))
    gold_keys = {rid.split(":", 1)[1] for rid in campaign["gold"]}
    published = pd.concat(pd.read_parquet(p) for p in out.glob("**/*.parquet"))
    arc = pd.concat(pd.read_parquet(p) for p in out.glob("data/arc/*.parquet"))
    assert sorted(arc["validation_status"]) == sorted(s for s in STATUS_EXCLUDE if s != "unusable")
    for column in ("id", "record_id", "item_key"):
        if column in published:
            assert not set(published[column].dropna().astype(str)) & (
                gold_keys | set(campaign["gold"])
            )
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "5 gold items (items with a known answer)" in card
    assert "1 annotator was below 70% accuracy on gold" in card
    assert "their 4 verdicts were left out of the resolution" in card
    for task in out.glob("lm_eval/*.yaml"):
        assert not any(k in task.read_text(encoding="utf-8") for k in gold_keys)

    # progress counts benchmark items only: in the pull's history and in the report
    assert campaign["pulled"]["records"] == 9  # every answer is stored, gold ones too
    (progress,) = campaign["pulled"]["benchmarks"]
    assert (progress["records"], progress["completed"]) == (4, 4)
    data = report_data(load_config(campaign["config"]))
    assert data.progress["total"].tolist() == [4] and data.gold_min_accuracy == 0.7
    board = data.leaderboard.set_index("username")
    assert board.loc[f"carl-{campaign['tag']}", "gold_accuracy"] == pytest.approx(0.6)
    assert board.loc[f"carl-{campaign['tag']}", "gold_seen"] == 5
    assert data.verdicts["count"].sum() == 12  # benchmark verdicts, no gold answer

    status = campaign_status(load_config(campaign["config"]), campaign["conn"])
    (row,) = status["benchmarks"]
    assert (row["total"], row["completed"], row["pending"], row["gold"]) == (4, 4, 0, 5)
    board = {r["username"]: r for r in status["leaderboard"]}
    tag = campaign["tag"]
    assert board[f"carl-{tag}"]["gold_accuracy"] == pytest.approx(0.6)
    assert board[f"carl-{tag}"]["gold_seen"] == 5
    assert board[f"dani-{tag}"]["gold_accuracy"] is None


def test_a_bad_gold_file_stops_push_in_one_line(campaign, argilla_server):
    data = yaml.safe_load(campaign["config"].read_text(encoding="utf-8"))
    rows = [json.loads(x) for x in campaign["gold_file"].read_text().splitlines()]
    bad = campaign["tmp"] / "bad.jsonl"
    bad.write_text(json.dumps(rows[0]) + "\n" + json.dumps({**rows[1], "gold_verdict": "ok"}))
    cfg = _write(campaign["tmp"] / "bad.yaml", {**data, "gold": {"path": str(bad)}})
    result = cli("push", "-c", str(cfg), info=argilla_server)
    one_error_line(result, "gold.path", "bad.jsonl", "row 2: gold_verdict: 'ok' is not a verdict")
    assert result.returncode == 2
