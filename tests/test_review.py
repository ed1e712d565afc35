"""The review stage's pure functions, without a server: the queue, the audit draw,
candidates, record building, the re-run plan, decisions and the Wilson interval."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotate import review
from annotate.config import campaign_from_dict
from annotate.errors import ConfigError
from annotate.model import Item, format_correction
from annotate.resolve import blocks, check_integrity

MT = {"question": "¿Cuál es la capital de Francia?", "A": "París", "B": "Lyon", "C": "Niza"}
EN = {"question": "What is the capital of France?", "A": "Paris", "B": "Lyon", "C": "Nice"}
T0 = pd.Timestamp("2025-01-01T00:00:00Z")


def item(key: str = "1", segments: dict | None = None) -> Item:
    return Item(
        benchmark="arc",
        key=key,
        index=0,
        segments=dict(segments or MT),
        row={},
        original=dict(EN),
        answer=("A",),
    )


def fix(**segments: str) -> str:
    return format_correction({**MT, **segments})


# --- config --------------------------------------------------------------------------------


def _cfg(**review_section):
    data = {
        "campaign": "c",
        "language": "es",
        "workspace": "w",
        "guidelines": "g",
        "benchmarks": [
            {"name": "arc", "adapter": "arc", "translation": {"hub": "x", "split": "t"}}
        ],
    }
    if review_section:
        data["review"] = review_section
    return campaign_from_dict(data)


def test_review_config_defaults_keep_todays_behaviour():
    cfg = _cfg()
    assert (cfg.review.workspace, cfg.review.audit_fraction, cfg.review.seed) == (None, 0.0, 13)
    assert review.review_workspace(cfg) == "w-review"
    assert review.review_workspace(_cfg(workspace="reviewers")) == "reviewers"


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"audit_fraction": 1.5}, "review.audit_fraction"),
        ({"audit_fraction": "10%"}, "review.audit_fraction"),
        ({"seed": "x"}, "review.seed"),
        ({"workspace": ""}, "review.workspace"),
        ({"workspace": "w"}, "review.workspace"),  # the annotators' own workspace
        ({"audit": 0.1}, "review.audit"),
    ],
)
def test_bad_review_config_names_the_key(section, key):
    with pytest.raises(ConfigError) as err:
        _cfg(**section)
    assert f"config: {key}:" in str(err.value)
    assert "\n" not in str(err.value)


# --- the queue and the audit draw -------------------------------------------------------------


def resolved(rows: list[tuple[str, str, bool]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_id": [r[0] for r in rows],
            "status": [r[1] for r in rows],
            "low_confidence": [r[2] for r in rows],
        }
    )


def test_queue_holds_disputes_and_audits_only_confident_accepted_items():
    frame = resolved(
        [
            ("a:1", "needs_review", False),
            ("a:2", "corrected", True),  # low confidence: a dispute, not an audit
            ("a:3", "validated", False),
            ("a:4", "corrected", False),
            ("a:5", "unusable", False),
            ("a:6", "unannotated", False),
        ]
    )
    assert review.review_queue(frame) == {"a:1": "dispute", "a:2": "dispute"}
    assert review.review_queue(frame, audit_fraction=1.0) == {
        "a:1": "dispute",
        "a:2": "dispute",
        "a:3": "audit",
        "a:4": "audit",
    }


def test_audit_draw_is_seeded_stable_and_about_the_fraction():
    ids = [f"arc:{i}" for i in range(4000)]
    drawn = [i for i in ids if review.in_audit(i, seed=3, fraction=0.1)]
    # pinned: a change of the draw would re-shuffle the audits of running campaigns
    assert (len(drawn), drawn[:4]) == (404, ["arc:14", "arc:23", "arc:24", "arc:44"])
    assert 320 <= len(drawn) <= 480  # Binomial(4000, 0.1): mean 400, sd 19
    assert drawn != [i for i in ids if review.in_audit(i, seed=4, fraction=0.1)]
    assert not any(review.in_audit(i, seed=3, fraction=0.0) for i in ids[:50])
    # a growing campaign keeps its earlier audits: the queue of the first 1,000 accepted
    # items is the first 1,000's part of the queue of all 4,000
    accepted = resolved([(i, "validated", False) for i in ids])
    first = review.review_queue(accepted.head(1000), audit_fraction=0.1, seed=3)
    grown = review.review_queue(accepted, audit_fraction=0.1, seed=3)
    assert first and first == {k: v for k, v in grown.items() if k in set(ids[:1000])}


# --- candidates and the record ------------------------------------------------------------------


def test_candidates_count_writers_and_order_by_count_then_first():
    texts = [
        fix(question="Uno"),
        fix(question="Dos"),
        fix(question="Dos  "),  # the same as "Dos" once whitespace is normalised
        MT and format_correction(MT),  # equal to the MT: not a candidate
        "broken text with no markers",
        fix(A="Lyon"),  # makes A == B
    ]
    cands = review.candidates(MT, EN, texts)
    assert [(c.segments or {}).get("question") for c in cands[:2]] == ["Dos", "Uno"]
    assert [c.count for c in cands] == [2, 1, 1, 1]
    assert cands[0].text == fix(question="Dos")  # the earliest of the equal forms
    assert cands[2].segments is None and cands[2].issues == ("correction_unparseable",)
    assert "duplicate_choices:A,B" in cands[3].issues


def test_candidate_with_a_secret_is_withheld():
    cands = review.candidates(MT, EN, [fix(question="Escribe a ana@example.org")])
    assert cands[0].text is None
    payload = review.review_payload(
        item(), reason="dispute", cands=cands, votes={}, issues=[], comments=[], lang="es"
    )
    assert "ana@example.org" not in json.dumps(payload, ensure_ascii=False)
    assert json.loads(payload["metadata"]["candidates"]) == []
    assert "retenida" in payload["fields"]["candidates"]


def test_review_payload_shows_what_a_reviewer_needs_in_the_campaign_language():
    cands = review.candidates(
        MT, EN, [fix(question="Uno"), fix(question="Dos"), fix(question="Dos")]
    )
    inputs = {
        "reason": "dispute",
        "cands": cands,
        "votes": {"correct": 1, "corrected": 3},
        "issues": ["verdict_tie"],
        "comments": ["mira esto, escribe a bob@example.com"],
        "lang": "es",
    }
    payload = review.review_payload(item(), **inputs)
    fields = payload["fields"]
    assert set(fields) == {"original", "translation", "candidates", "notes"}
    assert "Propuesta 1" in fields["candidates"] and "2 anotador" in fields["candidates"]
    assert fields["candidates"].index("Dos") < fields["candidates"].index("Uno")
    assert "the verdicts tied" in fields["notes"] and "Corregida: 3" in fields["notes"]
    assert "email removed" in fields["notes"] and "bob@example.com" not in fields["notes"]
    # the box starts as the leading candidate; the candidates are kept as shown
    assert payload["suggestions"]["correction"] == fix(question="Dos")
    assert json.loads(payload["metadata"]["candidates"]) == [
        fix(question="Dos"),
        fix(question="Uno"),
    ]
    assert payload["id"] == f"arc:1@{item().content_hash}"
    # same inputs, same record (a re-run sees no change)
    assert review.review_payload(item(), **inputs) == payload


def test_review_dataset_settings_in_each_language():
    for lang, title in (("es", "Tu decisión"), ("eu", "Zure erabakia"), ("xx", "Your decision")):
        spec = review.ReviewDesign("d", lang, with_original=True).spec()
        decision = next(q for q in spec["questions"] if q["name"] == "decision")
        assert decision["title"] == title
        assert [o["value"] for o in decision["settings"]["options"]] == list(review.DECISIONS)
        assert len({o["text"] for o in decision["settings"]["options"]}) == len(review.DECISIONS)
    no_original = review.ReviewDesign("d", "es", with_original=False).spec()
    assert [f["name"] for f in no_original["fields"]] == ["translation", "candidates", "notes"]


# --- the re-run plan ---------------------------------------------------------------------------


def test_plan_creates_updates_deletes_and_never_touches_answered_records():
    def payload(rid: str, h: str) -> dict:
        return {"id": rid, "metadata": {"review_hash": h}}

    existing = [
        {"id": "u1", "external_id": "a:1@h", "metadata": {"review_hash": "x"}, "responses": []},
        {"id": "u2", "external_id": "a:2@h", "metadata": {"review_hash": "old"}, "responses": []},
        {"id": "u3", "external_id": "a:3@h", "metadata": {"review_hash": "x"}, "responses": []},
        {"id": "u4", "external_id": "a:4@h", "metadata": {"review_hash": "old"}, "responses": [{}]},
        {"id": "u5", "external_id": "a:5@h", "metadata": {}, "responses": [{"status": "draft"}]},
    ]
    plan = review.plan_reviews(
        [
            payload("a:1@h", "x"),
            payload("a:2@h", "new"),
            payload("a:4@h", "new"),
            payload("a:6@h", "y"),
        ],
        existing,
    )
    assert [p["id"] for p in plan.create] == ["a:6@h"]
    assert [p["id"] for p in plan.update] == ["a:2@h"]
    assert plan.unchanged == 1
    assert plan.delete == ["u3"]  # off the queue and unanswered
    assert plan.answered == 2  # a:4 (submitted) and a:5 (a draft) are left alone


# --- decisions ---------------------------------------------------------------------------------


def decision(value, *, correction=None, cands=(), content_hash="h", reason="dispute"):
    return review.Decision(
        review_id="arc:1@h",
        record_id="arc:1",
        reason=reason,
        content_hash=content_hash,
        candidates=tuple(cands),
        user_id="u-rita",
        username="rita",
        value=value,
        correction=correction,
        when=T0,
    )


def test_decisions_apply_and_corrections_pass_every_blocking_check():
    good = fix(question="Pregunta arreglada")
    assert review.apply_decision(decision("mt"), MT, EN, "h").status == "validated"
    assert review.apply_decision(decision("unusable"), MT, EN, "h").status == "unusable"
    took = review.apply_decision(decision("candidate_1", cands=[good]), MT, EN, "h")
    assert (took.status, took.final["question"]) == ("corrected", "Pregunta arreglada")
    own = review.apply_decision(decision("own", correction=good), MT, EN, "h")
    assert own.status == "corrected"
    dup = review.apply_decision(decision("own", correction=fix(C="Lyon")), MT, EN, "h")
    assert dup.status is None and dup.issues[:1] == ("review_rejected",)
    assert "duplicate_choices:B,C" in dup.issues
    same = review.apply_decision(decision("own", correction=format_correction(MT)), MT, EN, "h")
    assert same.status is None and "correction_equals_mt" in same.issues
    missing = review.apply_decision(decision("own"), MT, EN, "h")
    assert missing.issues == ("review_rejected", "correction_missing")
    broken = review.apply_decision(decision("own", correction="no markers"), MT, EN, "h")
    assert "correction_unparseable" in broken.issues


def test_unknown_or_unoffered_decisions_settle_nothing():
    assert review.apply_decision(decision("maybe"), MT, EN, "h").issues == ("review_invalid:maybe",)
    one = [fix(question="x")]
    assert review.apply_decision(decision("candidate_2", cands=one), MT, EN, "h").status is None
    withheld = review.apply_decision(decision("candidate_1", cands=[None]), MT, EN, "h")
    assert withheld.issues == ("review_invalid:candidate_1",)
    assert review.apply_decision(decision(None), MT, EN, "h").issues == ("review_invalid:None",)


def test_a_decision_on_an_earlier_text_is_stale():
    out = review.apply_decision(decision("mt", content_hash="old"), MT, EN, "new")
    assert (out.status, out.issues) == (None, ("stale_review",))


# --- adjudicate: the crowd's outcome with the decisions applied ---------------------------------


def crowd_items(rows):
    """A minimal Resolution.items frame: (record_id, status, final dict, low_confidence)."""
    return pd.DataFrame(
        {
            "record_id": [r[0] for r in rows],
            "benchmark": "arc",
            "item_key": [r[0].split(":")[1] for r in rows],
            "status": [r[1] for r in rows],
            "verdict": [None] * len(rows),
            "low_confidence": [r[3] for r in rows],
            "mt_segments": json.dumps(MT, ensure_ascii=False),
            "final_segments": [json.dumps(r[2], ensure_ascii=False) for r in rows],
            "changed_segments": "[]",
            "issues": "[]",
            "votes": "{}",
        }
    )


def item_frame(ids, hashes=None):
    return pd.DataFrame(
        {
            "record_id": ids,
            "segments": json.dumps(MT, ensure_ascii=False),
            "original": json.dumps(EN, ensure_ascii=False),
            "content_hash": hashes or ["h"] * len(ids),
        }
    )


def review_tables(entries):
    """entries: (record_id, reason, candidates, [(user, decision, correction, minute)])."""
    recs, resp = [], []
    for rid, reason, cands, answers in entries:
        rv = f"{rid}@h"
        recs.append(
            {
                "review_id": rv,
                "record_id": rid,
                "content_hash": "h",
                "reason": reason,
                "candidates": json.dumps(cands, ensure_ascii=False),
            }
        )
        for user, value, correction, minute in answers:
            t = T0 + pd.Timedelta(minutes=minute)
            for q, v in (("decision", value), ("correction", correction)):
                if v is not None:
                    resp.append(
                        {
                            "review_id": rv,
                            "record_id": rid,
                            "user_id": f"id-{user}",
                            "username": user,
                            "question": q,
                            "value": v,
                            "status": "submitted",
                            "updated_at": t,
                        }
                    )
    return pd.DataFrame(recs), pd.DataFrame(resp)


def test_adjudicate_by_hand():
    fixed = {**MT, "question": "Arreglada"}
    crowd = crowd_items(
        [
            ("arc:1", "needs_review", MT, False),  # tie -> rita: candidate 1
            ("arc:2", "validated", MT, False),  # audit -> rita: mt (unchanged)
            ("arc:3", "validated", MT, False),  # audit -> rita: own fix (changed: the crowd erred)
            ("arc:4", "corrected", fixed, False),  # audit -> rita: candidate 1 = the crowd's text
            ("arc:5", "needs_review", MT, False),  # rita's own text breaks a check
            ("arc:6", "validated", MT, False),  # no review
        ]
    )
    recs, resp = review_tables(
        [
            ("arc:1", "dispute", [fix(question="Arreglada")], [("rita", "candidate_1", None, 1)]),
            ("arc:2", "audit", [], [("rita", "mt", None, 2)]),
            ("arc:3", "audit", [], [("rita", "own", fix(question="Otra"), 3)]),
            ("arc:4", "audit", [fix(question="Arreglada")], [("sam", "candidate_1", None, 4)]),
            ("arc:5", "dispute", [], [("rita", "own", fix(A="Lyon"), 5)]),
        ]
    )
    ids = [f"arc:{i}" for i in range(1, 7)]
    adj = review.adjudicate(crowd, item_frame(ids), recs, resp)
    out = adj.items.set_index("record_id")
    assert out["status"].to_dict() == {
        "arc:1": "corrected",
        "arc:2": "validated",
        "arc:3": "corrected",
        "arc:4": "corrected",
        "arc:5": "needs_review",
        "arc:6": "validated",
    }
    assert out["crowd_status"]["arc:1"] == "needs_review"
    assert json.loads(out.loc["arc:3", "final_segments"])["question"] == "Otra"
    assert json.loads(out.loc["arc:3", "changed_segments"]) == ["question"]
    assert out.loc["arc:1", "reviewer"] == "rita" and out.loc["arc:4", "reviewer"] == "sam"
    assert pd.isna(out.loc["arc:5", "reviewer"]) and pd.isna(out.loc["arc:6", "reviewer"])
    assert "review_rejected" in json.loads(out.loc["arc:5", "issues"])
    assert json.loads(out.loc["arc:5", "final_segments"]) == MT  # a rejected text is never final
    s = adj.summary
    assert (s["settled"], s["rejected"], s["invalid"], s["stale"]) == (4, 1, 0, 0)
    # audited: arc:2 (same), arc:3 (changed), arc:4 (same text) -> N=3, K=1
    assert (s["audit"]["checked"], s["audit"]["changed"]) == (3, 1)
    assert s["audit"]["error_rate"] == pytest.approx(1 / 3)
    assert s["audit"]["ci_low"] == pytest.approx(0.0615, abs=5e-4)
    assert s["audit"]["ci_high"] == pytest.approx(0.7923, abs=5e-4)
    assert [(r["username"], r["reviewed"], r["settled"]) for r in adj.reviewers] == [
        ("rita", 4, 3),
        ("sam", 1, 1),
    ]
    # sam decides arc:1 after rita: his decision settles it, and rita's overruled one is
    # still work she did (credited as reviewed, not settled)
    later = pd.concat([resp, resp.iloc[:1].assign(user_id="id-sam", username="sam", value="mt")])
    later.iloc[-1, later.columns.get_loc("updated_at")] = T0 + pd.Timedelta(minutes=9)
    again = review.adjudicate(crowd, item_frame(ids), recs, later)
    assert again.items.set_index("record_id").loc["arc:1", "reviewer"] == "sam"
    assert [(r["username"], r["reviewed"], r["settled"]) for r in again.reviewers] == [
        ("rita", 4, 2),
        ("sam", 2, 2),
    ]
    settled = review.settled_by_reviewers(adj.items)
    assert [(s.item_key, s.decision) for s in settled] == [
        ("1", "corrected"),
        ("2", "correct"),
        ("3", "corrected"),
        ("4", "corrected"),
    ]
    assert settled[0].accepted_text["question"] == "Arreglada" and settled[0].benchmark == "arc"


def test_latest_reviewer_wins_and_drafts_decide_nothing():
    crowd = crowd_items([("arc:1", "needs_review", MT, False)])
    recs, resp = review_tables(
        [("arc:1", "dispute", [], [("rita", "mt", None, 1), ("sam", "unusable", None, 2)])]
    )
    out = review.adjudicate(crowd, item_frame(["arc:1"]), recs, resp).items
    assert (out["status"][0], out["reviewer"][0]) == ("unusable", "sam")
    resp["status"] = "draft"
    out = review.adjudicate(crowd, item_frame(["arc:1"]), recs, resp).items
    assert out["status"][0] == "needs_review" and pd.isna(out["reviewer"][0])


def test_adjudicate_without_reviews_changes_nothing():
    crowd = crowd_items([("arc:1", "needs_review", MT, False)])
    recs, resp = review_tables([])
    adj = review.adjudicate(crowd, item_frame(["arc:1"]), recs, resp)
    assert adj.items["status"].tolist() == ["needs_review"]
    assert adj.summary["audit"]["checked"] == 0 and adj.summary["audit"]["error_rate"] is None


# --- the audit's interval ----------------------------------------------------------------------


def test_wilson_interval_worked_by_hand():
    # k=1, n=10: p=0.1, z^2=3.8415; centre=(0.1+0.19207)/1.38415=0.21101,
    # half=1.96/1.38415*sqrt(0.009+0.0096037)=0.19314 -> [0.0179, 0.4042]
    low, high = review.wilson_interval(1, 10)
    assert low == pytest.approx(0.01788, abs=5e-5) and high == pytest.approx(0.40415, abs=5e-5)
    # k=0: the lower bound is 0, the upper 3.84/(10+3.84)=0.2775
    low, high = review.wilson_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(0.27753, abs=5e-5)
    assert all(math.isnan(x) for x in review.wilson_interval(0, 0))


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=2000), st.data())
def test_wilson_interval_holds_the_estimate(n, data):
    k = data.draw(st.integers(min_value=0, max_value=n))
    low, high = review.wilson_interval(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0


# --- property: a decision never publishes text that fails a blocking check ---------------------

_SEG = st.text(alphabet=st.sampled_from(list("abcLyonParísNiza @.")), max_size=12)


@settings(max_examples=150, deadline=None)
@given(st.fixed_dictionaries({"question": _SEG, "A": _SEG, "B": _SEG, "C": _SEG}))
def test_any_own_correction_is_the_mt_or_passes_every_check(segments):
    out = review.apply_decision(
        decision("own", correction=format_correction(segments)), MT, EN, "h"
    )
    if out.status == "corrected":
        assert not blocks(check_integrity(out.final, MT, EN))
        assert out.final != MT
    else:
        assert out.status is None and "review_rejected" in out.issues


# --- the command's one-line errors (no server needed: they stop before connecting) -------------


def test_review_push_bad_config_and_no_pull_are_one_line(tmp_path):
    from campaigns import cli, make_config, one_error_line

    bad = make_config(tmp_path / "bad", benchmarks=["arc"], review={"audit_fraction": 2})
    one_error_line(cli("review", "push", "-c", str(bad)), "review.audit_fraction")
    fresh = make_config(tmp_path / "fresh", benchmarks=["arc"])
    one_error_line(cli("review", "push", "-c", str(fresh)), "no pulled responses")


# --- what resolve, the card and the credits say --------------------------------------------------


def test_audit_sentence_and_resolve_notes():
    audit = review._audit({"checked": 10, "changed": 1})
    assert audit["ci_method"] == "Wilson score interval, 95%"
    line = review.audit_sentence(audit)
    assert line.startswith(
        "Reviewers re-checked 10 accepted items (a random audit sample) and changed 1"
    )
    assert "10.0%" in line and "1.8% to 40.4%" in line
    assert review.audit_sentence(review._audit({"checked": 0, "changed": 0})) is None
    notes = review.resolve_notes({"settled": 3, "rejected": 1, "audit": audit})
    assert notes[0].startswith("Review: 3 items settled by reviewers, 1 decisions rejected")
    assert notes[1] == line
    assert review.card_review_lines(None) == []
    assert line in review.card_review_lines({"settled": 3, "audit": audit})


def test_reviewers_are_ranked_and_opt_outs_left_out():
    people = [
        {"username": "rita", "user_id": "1", "reviewed": 4, "settled": 3},
        {"username": "sam", "user_id": "2", "reviewed": 5, "settled": 3},
        {"username": "shy", "user_id": "3", "reviewed": 9, "settled": 9},
        {"username": "idle", "user_id": "4", "reviewed": 0, "settled": 0},
    ]
    rows = review.reviewer_rows(people, lambda u, i: None if u == "shy" else u)
    assert [(r["rank"], r["reviewer"], r["settled"], r["reviewed"]) for r in rows] == [
        (1, "sam", 3, 5),
        (2, "rita", 3, 4),
    ]
    lines = review.card_reviewer_lines(rows)
    assert "## Reviewers" in lines and "| 1 | sam | 3 | 5 |" in lines
    assert review.card_reviewer_lines([]) == []


# --- pull: the review datasets as tables ---------------------------------------------------


def test_tidy_reviews_and_an_empty_review_dataset():
    raw = [
        {
            "id": "uuid-1",
            "external_id": "arc:1@h",
            "status": "completed",
            "metadata": {
                "record_id": "arc:1",
                "item_key": "1",
                "content_hash": "h",
                "reason": "dispute",
                "candidates": "[]",
            },
            "inserted_at": "2025-01-01T00:00:00",
            "updated_at": "2025-01-01T00:00:00",
            "responses": [
                {
                    "user_id": "u1",
                    "status": "submitted",
                    "values": {"decision": {"value": "mt"}},
                    "inserted_at": "2025-01-01T00:01:00",
                    "updated_at": "2025-01-01T00:01:00",
                },
                {"user_id": "u2", "status": "discarded", "values": {}, "updated_at": None},
            ],
        }
    ]
    recs, resp = review.tidy_reviews(raw, benchmark="arc", dataset="d", usernames={"u1": "rita"})
    assert recs[0]["record_id"] == "arc:1" and recs[0]["reason"] == "dispute"
    assert [(r["username"], r["question"], r["value"]) for r in resp] == [
        ("rita", "decision", "mt"),
        ("u2", "decision", None),
    ]
    rf, pf = review.review_frames(recs, resp)
    assert list(rf.columns) == review.REVIEW_RECORD_COLUMNS and len(pf) == 2
    ds = review.decisions(rf, pf)
    assert [(d.record_id, d.value, d.username) for d in ds] == [("arc:1", "mt", "rita")]
    # a review dataset whose records were all deleted: empty tables, nothing decided
    rf, pf = review.review_frames([], [])
    assert len(rf) == 0 and review.decisions(rf, pf) == []
    assert review.snapshot_queue(rf, pf, ["arc"]) == []


def test_only_the_first_five_candidates_can_be_chosen():
    texts = [fix(question=f"Versión {n}") for n in range(7)]
    cands = review.candidates(MT, EN, texts)
    payload = review.review_payload(
        item(), reason="dispute", cands=cands, votes={}, issues=[], comments=[], lang="en"
    )
    offered = json.loads(payload["metadata"]["candidates"])
    assert offered == texts[:5]  # candidate_1 .. candidate_5, in submission order (ties)
    assert "2 more candidate(s)" in payload["fields"]["candidates"]
    assert "Versión 6" in payload["fields"]["candidates"]  # shown, to copy into one's own
    chosen = review.apply_decision(decision("candidate_5", cands=offered), MT, EN, "h")
    assert chosen.final["question"] == "Versión 4"
