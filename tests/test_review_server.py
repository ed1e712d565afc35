"""The review loop end to end against the real server: scripted annotators leave a tie,
broken and disagreeing corrections; `review push` builds the review datasets; a
scripted reviewer settles them through the REST API; pull, resolve and publish give the
hand-worked statuses, texts, provenance and credits; the audit sample's planted crowd
mistake shows up in the error rate.

One campaign for the module (nine ARC items, two annotators and a late third, one
reviewer): the steps run once, in order, and each test reads what it needs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from argilla_rest import Rest
from campaigns import arc_campaign, cli_json

from annotate.config import load_config
from annotate.connection import Connection
from annotate.insights import write_campaign_report
from annotate.model import format_correction, parse_correction
from annotate.pull import pull
from annotate.push import push as run_push
from annotate.review import push_reviews
from annotate.status import campaign_status

ROWS = 9
ANSWER_TO_TEXT = "Texto corregido por la revisora."


def _mt(row: dict) -> dict[str, str]:
    seg = {"question": row["instruction"]}
    for letter in "abcd":
        seg[letter.upper()] = row[f"option_{letter}"]
    return seg


def _dataset(owner: Rest, workspace: str, name: str) -> dict:
    ws = next(w for w in owner.get("/api/v1/me/workspaces")["items"] if w["name"] == workspace)
    return next(
        d
        for d in owner.get("/api/v1/me/datasets")["items"]
        if d["workspace_id"] == ws["id"] and d["name"] == name
    )


def _records(owner: Rest, dataset_id: str) -> dict[str, dict]:
    items = owner.get(
        f"/api/v1/datasets/{dataset_id}/records",
        params={"include": ["responses", "suggestions"], "limit": 1000},
    )["items"]
    return {r["external_id"]: r for r in items}


@pytest.fixture(scope="module")
def loop(argilla_server, tmp_path_factory) -> dict:
    """Run the whole scripted loop once; return what the tests check."""
    tmp = tmp_path_factory.mktemp("review")
    rows, src, config = arc_campaign(tmp, ROWS, review={"audit_fraction": 1.0, "seed": 7})
    cfg = yaml.safe_load(config.read_text())
    cli_json("push", "-c", str(config), info=argilla_server)

    owner = Rest(argilla_server.url, argilla_server.api_key)
    dataset = _dataset(owner, cfg["workspace"], f"{cfg['campaign']}-arc")
    ws_id = dataset["workspace_id"]
    tag = cfg["workspace"][-8:]
    ana, ben, cris = (
        owner.create_annotator(f"{n}-{tag}", f"{n}-password-123", ws_id)
        for n in ("ana", "ben", "cris")
    )
    recs = _records(owner, dataset["id"])
    ids = [f"arc:{r['id']}" for r in rows]
    rec = {rid: recs[rid]["id"] for rid in ids}
    mt = {rid: _mt(r) for rid, r in zip(ids, rows, strict=True)}

    def fix(i: int, **segments: str) -> str:
        return format_correction({**mt[ids[i]], **segments})

    # 0: both correct -> validated (audited: the reviewer confirms the MT)
    # 4: both correct -> validated (audited: the planted crowd mistake, the reviewer fixes it)
    # 5: both correct -> validated (audited: confirmed)
    for i in (0, 4, 5):
        ana.respond(rec[ids[i]], {"verdict": "correct"})
        ben.respond(rec[ids[i]], {"verdict": "correct"})
    # 1: a tie, correct vs corrected -> needs_review; the reviewer takes candidate 1
    ana.respond(rec[ids[1]], {"verdict": "correct"})
    ben.respond(
        rec[ids[1]], {"verdict": "corrected", "correction": fix(1, question="Pregunta uno.")}
    )
    # 2: both wrote the same broken correction (A == B) -> needs_review (duplicate_choices);
    #    the reviewer writes their own, valid one
    broken = fix(2, B=mt[ids[2]]["A"])
    ana.respond(rec[ids[2]], {"verdict": "corrected", "correction": broken})
    ben.respond(rec[ids[2]], {"verdict": "corrected", "correction": broken})
    # 3: two different corrections -> corrected, low_confidence (the earliest, ana's, wins);
    #    the reviewer takes candidate 2 (ben's)
    ana.respond(rec[ids[3]], {"verdict": "corrected", "correction": fix(3, question="Versión A.")})
    ben.respond(rec[ids[3]], {"verdict": "corrected", "correction": fix(3, question="Versión B.")})
    # 6: a tie; the reviewer's own correction makes C == D -> stays needs_review
    ana.respond(rec[ids[6]], {"verdict": "correct"})
    ben.respond(rec[ids[6]], {"verdict": "unusable"})
    # 7: a tie; the reviewer decides, then the source text changes: the decision is stale
    ana.respond(rec[ids[7]], {"verdict": "correct"})
    ben.respond(rec[ids[7]], {"verdict": "unusable"})
    # 8: a tie at first; a third annotator settles it (unusable) before any reviewer looks
    ana.respond(rec[ids[8]], {"verdict": "unusable"})
    ben.respond(rec[ids[8]], {"verdict": "correct"})

    cli_json("pull", "-c", str(config), info=argilla_server)
    first = cli_json("review", "push", "-c", str(config), info=argilla_server)
    review_ws = f"{cfg['workspace']}-review"
    review_ds = _dataset(owner, review_ws, f"{cfg['campaign']}-arc-review")
    first_records = _records(owner, review_ds["id"])

    # the crowd settles item 8 meanwhile; a re-run drops it from the queue, twice is a no-op
    # (in-process from here where the CLI adds nothing the steps above did not show)
    cris.respond(rec[ids[8]], {"verdict": "unusable"})
    campaign = load_config(config)
    conn = Connection(argilla_server.url, argilla_server.api_key, "test")
    pull(campaign, conn)
    second = push_reviews(campaign, conn)
    third = push_reviews(campaign, conn)
    records = _records(owner, review_ds["id"])

    # a reviewer settles the queue through the REST API, as the UI does
    rita = owner.create_annotator(f"rita-{tag}", "rita-password-123", review_ds["workspace_id"])
    by_item = {r["metadata"]["record_id"]: r["id"] for r in records.values()}
    own_fix = fix(2, B="Otra opción distinta.")
    decisions = {
        0: {"decision": "mt"},
        1: {"decision": "candidate_1"},
        2: {"decision": "own", "correction": own_fix},
        3: {"decision": "candidate_2"},
        4: {"decision": "own", "correction": fix(4, question=ANSWER_TO_TEXT)},
        5: {"decision": "mt"},
        6: {"decision": "own", "correction": fix(6, D=mt[ids[6]]["C"])},  # C == D: rejected
        7: {"decision": "mt"},
    }
    for i, values in decisions.items():
        rita.respond(by_item[ids[i]], values)

    # item 7's text changes in the source after the reviewer decided: push sends it back to
    # the annotators (its votes archived), and the reviewer's decision is stale
    rows[7]["instruction"] += " (texto revisado)"
    src.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    run_push(campaign, conn)
    pulled = pull(campaign, conn)
    resolved = cli_json("resolve", "-c", str(config), info=argilla_server)
    after = push_reviews(campaign, conn)
    release = tmp / "release"
    published = cli_json("publish", "-c", str(config), "--to", str(release), info=argilla_server)
    users = {u["username"]: u["id"] for u in owner.get("/api/v1/users")["items"]}
    status = campaign_status(campaign, conn)
    page = tmp / "report.html"
    write_campaign_report(campaign, page)

    return {
        "pulled": pulled,
        "status": status,
        "page": page.read_text(encoding="utf-8"),
        "resolved": resolved,
        "after": after,
        "release": release,
        "published": published,
        "rita": (f"rita-{tag}", users[f"rita-{tag}"]),
        "own_fix": own_fix,
        "server": argilla_server,
        "config": config,
        "cfg": cfg,
        "owner": owner,
        "ids": ids,
        "mt": mt,
        "rec": rec,
        "tag": tag,
        "src": src,
        "rows": rows,
        "review_ws": review_ws,
        "review_ds": review_ds,
        "pushes": (first, second, third),
        "first_records": first_records,
        "records": records,
        "broken": broken,
    }


def test_review_push_queues_disputes_and_the_audit_sample(loop):
    first = loop["pushes"][0]["benchmarks"][0]
    ids = loop["ids"]
    # disputes: the ties (1, 6, 7, 8), the broken correction (2), the disagreement (3);
    # audit (fraction 1): every item accepted with confidence (0, 4, 5)
    assert (first["queue"], first["disputes"], first["audit"]) == (9, 6, 3)
    assert first["created"] == 9 and first["dataset_created"]
    recs = loop["first_records"]
    reasons = {r["metadata"]["record_id"]: r["metadata"]["reason"] for r in recs.values()}
    assert reasons == {ids[i]: ("audit" if i in (0, 4, 5) else "dispute") for i in range(ROWS)}
    # stable ids: the item's record id and the hash of the text under review
    for ext, r in recs.items():
        assert ext == f"{r['metadata']['record_id']}@{r['metadata']['content_hash']}"


def test_review_record_shows_candidates_problems_and_prefill(loop):
    ids, mt = loop["ids"], loop["mt"]
    by_item = {r["metadata"]["record_id"]: r for r in loop["first_records"].values()}
    r3 = by_item[ids[3]]
    fields = r3["fields"]
    assert "Versión A." in fields["candidates"] and "Versión B." in fields["candidates"]
    assert "1 anotador" in fields["candidates"]  # how many wrote each, in Spanish
    assert fields["translation"] and "original" not in fields  # the sample has no original
    # the correction box starts as the leading candidate (the earliest of the tie: ana's)
    prefill = next(s["value"] for s in r3["suggestions"])
    assert parse_correction(prefill, list(mt[ids[3]]))["question"] == "Versión A."
    assert json.loads(r3["metadata"]["candidates"]) == [
        format_correction({**mt[ids[3]], "question": "Versión A."}),
        format_correction({**mt[ids[3]], "question": "Versión B."}),
    ]
    # the broken correction is listed with its problem; the tie says so
    r2 = by_item[ids[2]]
    assert "2 anotador" in r2["fields"]["candidates"]
    assert "identical" in r2["fields"]["candidates"] or "identical" in r2["fields"]["notes"]
    assert "tied" in by_item[ids[1]]["fields"]["notes"]
    # no candidates: the MT prefills the box
    r0 = by_item[ids[0]]
    assert (
        parse_correction(next(s["value"] for s in r0["suggestions"]), list(mt[ids[0]]))
        == mt[ids[0]]
    )


def test_review_push_reruns_follow_the_queue_without_duplicates(loop):
    ids = loop["ids"]
    _, second, third = (p["benchmarks"][0] for p in loop["pushes"])
    # item 8 was settled by the crowd meanwhile: its unanswered record is deleted
    assert (second["queue"], second["deleted"], second["created"], second["updated"]) == (
        8,
        1,
        0,
        0,
    )
    assert second["unchanged"] == 8
    assert (third["created"], third["updated"], third["deleted"], third["unchanged"]) == (
        0,
        0,
        0,
        8,
    )
    items = sorted(r["metadata"]["record_id"] for r in loop["records"].values())
    assert items == sorted(ids[:8])


def _items(loop) -> pd.DataFrame:
    work = Path(loop["cfg"]["workdir"])
    return pd.read_parquet(work / "resolved" / "items.parquet").set_index("record_id")


def test_pull_stores_the_review_tables_in_the_snapshot(loop):
    snap = Path(loop["pulled"]["path"])
    meta = json.loads((snap / "meta.json").read_text())
    assert {"review_records.parquet", "review_responses.parquet"} <= set(meta["files"])
    reviews = pd.read_parquet(snap / "review_responses.parquet")
    assert set(reviews["username"]) == {loop["rita"][0]}
    assert (reviews["question"] == "decision").sum() == 8


def test_resolve_applies_the_reviewers_decisions_as_worked_by_hand(loop):
    ids, mt = loop["ids"], loop["mt"]
    items = _items(loop)
    status = {i: items.loc[ids[i], "status"] for i in range(ROWS)}
    assert status == {
        0: "validated",  # audit: confirmed
        1: "corrected",  # tie -> candidate 1
        2: "corrected",  # broken crowd correction -> the reviewer's own
        3: "corrected",  # disagreement -> candidate 2
        4: "corrected",  # audit: the planted crowd mistake, fixed
        5: "validated",  # audit: confirmed
        6: "needs_review",  # the reviewer's own correction made C == D
        7: "unannotated",  # text changed: votes returned, the decision is stale
        8: "unusable",  # the crowd settled it; never reviewed
    }

    def final(i):
        return json.loads(items.loc[ids[i], "final_segments"])

    assert final(1) == {**mt[ids[1]], "question": "Pregunta uno."}
    assert final(2) == {**mt[ids[2]], "B": "Otra opción distinta."}
    assert final(3) == {**mt[ids[3]], "question": "Versión B."}
    assert final(4) == {**mt[ids[4]], "question": ANSWER_TO_TEXT}
    assert final(6) == mt[ids[6]]  # a rejected correction never becomes the text
    issues6 = json.loads(items.loc[ids[6], "issues"])
    assert "review_rejected" in issues6 and "duplicate_choices:C,D" in issues6
    assert "stale_review" in json.loads(items.loc[ids[7], "issues"])
    rita = loop["rita"][0]
    assert [items.loc[ids[i], "reviewer"] for i in range(6)] == [rita] * 6
    assert all(pd.isna(items.loc[ids[i], "reviewer"]) for i in (6, 7, 8))
    assert (
        items.loc[ids[3], "crowd_status"] == "corrected" and not items.loc[ids[3], "low_confidence"]
    )


def test_the_audit_gives_the_crowds_error_rate_with_its_interval(loop):
    review = loop["resolved"]["review"]
    # audited: 0, 4, 5 (accepted with confidence); the reviewer changed 4 -> K=1 of N=3
    # Wilson 95%: centre (1/3 + 0.6402)/2.2805 = 0.4269, half 0.3654 -> [0.0615, 0.7923]
    audit = review["audit"]
    assert (audit["checked"], audit["changed"]) == (3, 1)
    assert audit["ci_low"] == pytest.approx(0.0615, abs=5e-4)
    assert audit["ci_high"] == pytest.approx(0.7923, abs=5e-4)
    assert (review["settled"], review["rejected"], review["stale"]) == (6, 1, 1)
    assert review["pending"] == 0


def test_publish_marks_adjudicated_rows_and_credits_reviewers_apart(loop):
    from annotate.config import load_config
    from annotate.publish import pseudonym

    release, ids = loop["release"], loop["ids"]
    salt = load_config(loop["config"]).publish.salt
    rita_name, rita_id = loop["rita"]
    arc = pd.read_parquet(next((release / "data" / "arc").glob("*.parquet")))
    arc = arc.set_index("record_id")
    who = pseudonym(salt, rita_id)
    assert [arc.loc[ids[i], "adjudicated_by"] for i in range(6)] == [who] * 6
    assert pd.isna(arc.loc[ids[6], "adjudicated_by"]) and ids[8] not in arc.index
    assert arc.loc[ids[4], "instruction"] == ANSWER_TO_TEXT
    contributors = pd.read_parquet(next((release / "data" / "contributors").glob("*.parquet")))
    assert rita_name not in set(contributors["contributor"])
    reviewers = pd.read_parquet(next((release / "data" / "reviewers").glob("*.parquet")))
    # reviewed: her 8 submitted decisions, item 7's made stale by the text change included
    assert reviewers.to_dict("records") == [
        {"rank": 1, "reviewer": rita_name, "settled": 6, "reviewed": 8}
    ]
    card = (release / "README.md").read_text()
    assert "Reviewers re-checked 3 accepted items (a random audit sample) and changed 1" in card
    assert "## Reviewers" in card and "config_name: reviewers" in card


def test_every_published_cell_is_the_source_or_a_correction_that_passed(loop):
    from annotate.resolve import blocks, check_integrity

    arc = pd.read_parquet(next((loop["release"] / "data" / "arc").glob("*.parquet")))
    source = {f"arc:{r['id']}": r for r in loop["rows"]}
    for row in arc.to_dict("records"):
        src = source[row["record_id"]]
        text = {k: row[k] for k in src}
        if pd.isna(row["machine_translation"]):
            assert text == src  # not corrected: the source row, as is
            continue
        assert row["validation_status"] == "corrected"
        seg, mt = _mt(text), _mt(src)
        assert seg != mt and not blocks(check_integrity(seg, mt, None))


def test_review_push_after_the_decisions_leaves_answered_records_alone(loop):
    after = loop["after"]["benchmarks"][0]
    # the queue (crowd disputes + audit: items 0-6) is all answered; 7's answered record stays
    assert (after["created"], after["updated"], after["deleted"]) == (0, 0, 0)
    assert after["answered"] == 8


def test_status_and_report_show_the_review_queue(loop):
    queue = loop["status"]["review"]
    # 8 review records: 7 decided (0-7 minus none: all 8 answered), none pending
    assert (queue["pending"], queue["settled"], queue["reviewers"]) == (0, 8, 1)
    assert queue["benchmarks"][0]["records"] == 8
    page = loop["page"]
    assert 'id="review"' in page and "Revisores activos" in page
    assert "volvieron a comprobar 3 ítems aceptados y cambiaron 1" in page


def test_pull_warns_when_the_reviews_it_had_are_gone(loop, tmp_path):
    """review.workspace changed (or removed) after a review round: the pull finds no review
    dataset, and says so instead of letting resolve silently drop every decision."""
    import shutil

    cfg = {**loop["cfg"], "review": {"workspace": f"elsewhere-{loop['tag']}"}}
    cfg["workdir"] = str(tmp_path / "work")
    shutil.copytree(loop["cfg"]["workdir"], cfg["workdir"])
    config = tmp_path / "moved.yaml"
    config.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    conn = Connection(loop["server"].url, loop["server"].api_key, "test")
    warning = pull(load_config(config), conn)["review_warning"]
    assert f"'elsewhere-{loop['tag']}'" in warning and "8 review records" in warning
    config.write_text(yaml.safe_dump({**cfg, "review": loop["cfg"]["review"]}), encoding="utf-8")
    assert "review_warning" not in pull(load_config(config), conn)  # found again: no warning
