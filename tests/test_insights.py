"""The report's data comes from the store: two pulls of a scripted campaign, then the page.

Pure functions are checked on hand-made response tables (built like pull builds them);
the integration test scripts a campaign answered in two rounds with a pull after each,
checks every frame of ReportData against counts worked out by hand from the script and
against what `annotate resolve` says, then opens `annotate report`'s page in a real
headless Chromium.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pytest
from browser import Browser, browser_or_skip
from campaigns import cli, cli_json, make_config
from test_report_browser import CHARTS, _assert_drawn, _errors, _save
from test_resolve import Campaign, make_items
from test_status import Scripted, push_campaign

from annotate import insights
from annotate.config import load_config
from annotate.report import build_report
from annotate.resolve import resolve

# --- pure functions -----------------------------------------------------------------------


def test_history_frame_one_row_per_pull_and_pushed_benchmark() -> None:
    metas = [
        {
            "pulled_at": "2025-03-01T09:00:00+00:00",
            "benchmarks": [
                {"benchmark": "arc", "records": 6, "completed": 1, "submitted": 4, "annotators": 2},
                {"benchmark": "mmlu", "records": 0, "responses": 0, "note": "not pushed yet"},
            ],
        },
        {
            "pulled_at": "2025-03-02T09:00:00+00:00",
            "benchmarks": [
                {"benchmark": "arc", "records": 6, "completed": 3, "submitted": 9, "annotators": 3},
                {
                    "benchmark": "mmlu",
                    "records": 4,
                    "completed": 0,
                    "submitted": 1,
                    "annotators": 1,
                },
            ],
        },
    ]
    h = insights.history_frame(metas)
    assert list(h["benchmark"]) == ["arc", "arc", "mmlu"]  # mmlu starts when it was pushed
    assert list(h["submitted_responses"]) == [4, 9, 1]
    assert list(h["completed"]) == [1, 3, 0]
    assert str(h["pulled_at"].dt.tz) == "UTC"
    assert insights.history_frame([]).empty


def _responses() -> pd.DataFrame:
    c = Campaign()
    c.answer("b1:0", "ana", "correct").answer("b1:0", "ben", "correct")
    c.answer("b1:1", "ana", "corrected", errors=["terminology", "mistranslation"])
    c.answer("b1:1", "ben", "unusable", errors=["answer_changed"])
    c.answer("b1:1", "cris", "correct")
    c.answer("b1:2", "ana", "correct").answer("b1:2", "ben", "unusable")
    c.answer("b1:3", "ana", "correct")
    c.answer("b1:3", "ben", "unusable", status="draft", errors=["untranslated"])
    c.answer("b1:3", "cris", None, status="discarded")
    c.answer("b2:0", "ana", "unusable", errors=["terminology"])
    c.answer("b2:0", "ben", "unusable")
    return c.frame()


def test_verdict_and_error_counts_use_submitted_responses_only() -> None:
    r = _responses()
    v = insights.verdict_counts(r)
    got = {(b, k): n for b, k, n in v.itertuples(index=False)}
    # b1: correct = ana 0, ben 0, cris 1, ana 2, ana 3; corrected = ana 1; unusable = ben 1, 2
    assert got == {
        ("b1", "correct"): 5,
        ("b1", "corrected"): 1,
        ("b1", "unusable"): 2,
        ("b2", "unusable"): 2,
    }
    assert list(v["verdict"][v["benchmark"] == "b1"]) == ["correct", "corrected", "unusable"]
    e = insights.error_counts(r)
    got = {(b, k): n for b, k, n in e.itertuples(index=False)}
    # ben's draft flagged "untranslated": drafts are not counted
    assert got == {
        ("b1", "mistranslation"): 1,
        ("b1", "terminology"): 1,
        ("b1", "answer_changed"): 1,
        ("b2", "terminology"): 1,
    }
    empty = r.iloc[0:0]
    assert insights.verdict_counts(empty).empty and insights.error_counts(empty).empty


def test_a_changed_answer_counts_once_with_its_latest_value() -> None:
    c = Campaign().answer("b1:0", "ana", "correct").answer("b1:0", "ana", "unusable")
    v = insights.verdict_counts(c.frame())
    assert v.to_dict("records") == [{"benchmark": "b1", "verdict": "unusable", "count": 1}]


def test_progress_frame_counts_records_and_submitted_responses() -> None:
    r = _responses()
    records = pd.DataFrame(
        {
            "record_id": ["b1:0", "b1:1", "b1:2", "b1:3", "b1:4", "b2:0"],
            "benchmark": ["b1"] * 5 + ["b2"],
            "status": ["completed", "completed", "completed", "pending", "pending", "completed"],
        }
    )
    p = insights.progress_frame(records, r).set_index("benchmark")
    assert p.loc["b1"].to_dict() == {
        "total": 5,
        "pending": 2,
        "completed": 3,
        "submitted_responses": 8,  # record x user, not question rows (b1:1 has 2 rows each)
        "annotators": 3,
    }
    assert p.loc["b2", "submitted_responses"] == 2 and p.loc["b2", "annotators"] == 2


def test_leaderboard_frame_drops_people_with_no_submitted_verdict() -> None:
    c = Campaign().answer("b1:0", "ana", "correct")
    c.answer("b1:0", "drafty", "correct", status="draft")
    res = resolve(make_items(1), c.frame(), min_votes=1)
    board = insights.leaderboard_frame(res.annotators)
    assert list(board["username"]) == ["ana"]
    assert list(board.columns) == [
        "username",
        "submitted",
        "per_benchmark",
        "agreement_with_consensus",
    ]


def test_disagreements_lowest_agreement_first_unanimous_left_out() -> None:
    r = _responses()
    items = pd.concat([make_items(5, "b1"), make_items(1, "b2")], ignore_index=True)
    long_q = "¿Por qué " + "muy " * 60 + "largo?"
    segments = dict.fromkeys(items["record_id"], json.dumps({"question": "Q", "A": "x"}))
    segments["b1:1"] = json.dumps({"question": long_q, "A": "x"})
    res = resolve(items, r, min_votes=2)
    d = insights.disagreements_frame(res.items, segments=segments)
    # b1:1 is 1-1-1 (1/3), b1:2 is a 1-1 tie (1/2); b1:0 and b2:0 are unanimous,
    # b1:3 has one submitted vote
    assert list(d["item_key"]) == ["1", "2"]
    assert d["agreement"].tolist() == pytest.approx([1 / 3, 1 / 2])
    assert list(d["status"]) == ["needs_review", "needs_review"]
    assert json.loads(d["votes"][0]) == {"correct": 1, "corrected": 1, "unusable": 1}
    q = d["question"][0]
    assert len(q) <= insights.QUESTION_CHARS and q.endswith("…")
    assert " ".join(long_q.split()).startswith(q[:-1])
    assert d["question"][1] == "Q"
    # fewer rows asked for: the worst come first
    assert list(insights.disagreements_frame(res.items, n=1)["item_key"]) == ["1"]


def test_question_text() -> None:
    assert insights.question_text(json.dumps({"context": "c", "question": " a\n b "})) == "a b"
    assert insights.question_text(json.dumps({"context": "only"})) == "only"
    assert insights.question_text("not json") == "" and insights.question_text(None) == ""


def test_verdict_pairs_is_the_coincidence_matrix_alpha_comes_from() -> None:
    r = _responses()
    m = insights.verdict_pairs(r)
    assert list(m.index) == list(m.columns) == ["correct", "corrected", "unusable"]
    assert np.allclose(m.to_numpy(), m.to_numpy().T)
    # b1:0 a-a: 2 x correct/correct; b1:1 (3 votes) each ordered pair 1/2; b1:2 correct/unusable
    assert m.loc["correct", "correct"] == pytest.approx(2)
    assert m.loc["correct", "unusable"] == pytest.approx(0.5 + 1)
    assert m.loc["unusable", "unusable"] == pytest.approx(2)  # b2:0
    # pairable values: 2 + 3 + 2 + 2 = 9 (b1:3 has one vote)
    assert m.to_numpy().sum() == pytest.approx(9)
    # alpha from the matrix equals the krippendorff package's on the same votes
    o = m.to_numpy()
    n_c, n = o.sum(axis=0), o.sum()
    alpha = 1 - (n - 1) * (o.sum() - np.trace(o)) / (n**2 - (n_c**2).sum())
    votes = insights.submitted_verdicts(r)
    table = votes.pivot(index="username", columns="record_id", values="verdict")
    codes = table.apply(lambda col: col.map({"correct": 0, "corrected": 1, "unusable": 2}))
    ref = krippendorff.alpha(codes.to_numpy(dtype=float), level_of_measurement="nominal")
    assert alpha == pytest.approx(ref, abs=1e-12)


def test_agreement_lines_for_people() -> None:
    frame = pd.DataFrame(
        {
            "benchmark": ["arc", "mmlu"],
            "n_items": [12, 1],
            "n_ratings": [30, 2],
            "alpha": [0.71234, float("nan")],
            "alpha_low": [0.5, float("nan")],
            "alpha_high": [0.9, float("nan")],
            "percent_agreement": [0.8, float("nan")],
        }
    )
    assert insights.agreement_lines(frame) == [
        "arc: α = 0.7123 [0.5000, 0.9000] · 12 items · tentative",
        "mmlu: α = n/a · 1 item with 2+ votes",
    ]


def test_report_data_without_a_pull_is_empty_but_valid(tmp_path: Path) -> None:
    cfg = load_config(make_config(tmp_path, benchmarks=["arc"]))
    data = insights.report_data(cfg)
    assert data.generated_at == insights.NO_PULL
    assert data.history is not None and data.history.empty
    assert data.progress is None and data.leaderboard is None
    assert data.thresholds == [50] and data.language == "es"
    page = build_report(data, lang="es")
    assert page.count('class="empty"') == 8


def test_report_language_is_checked(tmp_path: Path) -> None:
    from annotate.errors import AnnotateError

    cfg = load_config(make_config(tmp_path, benchmarks=["arc"]))
    assert insights.report_language(cfg, None) == "es"
    assert insights.report_language(cfg, "EN-gb") == "en"
    with pytest.raises(AnnotateError, match="use one of: en, es"):
        insights.report_language(cfg, "klingon")


# --- a scripted campaign with two pulls -----------------------------------------------------


@pytest.fixture(scope="module")
def two_pulls(argilla_server, tmp_path_factory) -> dict:
    """6 ARC + 4 MMLU items; round 1 (ana, ben), pull; round 2 (cris and more), pull."""
    s: Scripted = push_campaign(
        argilla_server, tmp_path_factory.mktemp("insights"), {"arc": 6, "mmlu": 4}
    )
    s.add_users("ana", "ben", "cris")
    fixed = "Pregunta corregida."
    for i in range(4):
        verdict = "corrected" if i == 1 else "correct"
        errors = ["mistranslation"] if i == 1 else None
        s.answer("ana", "arc", i, verdict, errors=errors, question=fixed)
    s.answer("ana", "mmlu", 0, "correct")
    s.answer("ana", "mmlu", 1, "correct")
    s.answer("ben", "arc", 0, "correct")
    s.answer("ben", "arc", 1, "corrected", errors=["mistranslation", "terminology"], question=fixed)
    s.answer("ben", "arc", 2, "unusable", errors=["answer_changed"])
    s.answer("ben", "arc", 3, "correct")
    s.answer("ben", "mmlu", 0, "correct")
    s.answer("ben", "mmlu", 1, "corrected", errors=["grammar_spelling"], question="Otra.")
    first = cli_json("pull", "-c", str(s.config), info=argilla_server)

    for i in range(3):
        s.answer("cris", "arc", i, "correct")
        s.answer("cris", "mmlu", i, "correct")
    s.answer("ana", "arc", 4, "correct")
    s.answer("ana", "arc", 5, "unusable", status="draft", errors=["untranslated"])
    s.answer("ben", "arc", 4, "unusable")
    s.answer("cris", "mmlu", 3, None, status="discarded")
    second = cli_json("pull", "-c", str(s.config), info=argilla_server)
    return {"s": s, "pulls": [first, second]}


@pytest.mark.server
def test_report_data_from_two_pulls(two_pulls) -> None:
    s: Scripted = two_pulls["s"]
    first, second = two_pulls["pulls"]
    cfg = load_config(s.config)
    data = insights.report_data(cfg)

    # history: one point per pull and benchmark, worked out by hand from the script
    h = data.history.sort_values(["benchmark", "pulled_at"]).reset_index(drop=True)
    when = [pd.Timestamp(p["pulled_at"]) for p in (first, second)]
    assert list(h["pulled_at"]) == when * 2
    assert list(h["benchmark"]) == ["arc", "arc", "mmlu", "mmlu"]
    assert list(h["records"]) == [6, 6, 4, 4]
    assert list(h["completed"]) == [4, 5, 2, 2]  # >= 2 submitted votes (min_submitted 2)
    assert list(h["submitted_responses"]) == [8, 13, 4, 7]
    assert list(h["annotators"]) == [2, 3, 2, 3]
    assert data.generated_at == insights.generated_label(second["pulled_at"])
    assert data.generated_at.endswith("UTC")

    p = data.progress.set_index("benchmark")
    assert p.loc["arc"].to_dict() == {
        "total": 6,
        "pending": 1,
        "completed": 5,
        "submitted_responses": s.count("submitted", bench="arc"),
        "annotators": 3,
    }
    assert p.loc["mmlu", "submitted_responses"] == s.count("submitted", bench="mmlu") == 7
    assert (p.loc["mmlu", "completed"], p.loc["mmlu", "pending"]) == (2, 2)

    verdicts = {(b, v): n for b, v, n in data.verdicts.itertuples(index=False)}
    assert verdicts == {
        ("arc", "correct"): 9,  # ana 0,2,3,4; ben 0,3; cris 0,1,2
        ("arc", "corrected"): 2,
        ("arc", "unusable"): 2,  # ben 2, ben 4 (ana's 5 is a draft)
        ("mmlu", "correct"): 6,
        ("mmlu", "corrected"): 1,
    }
    errors = {(b, c): n for b, c, n in data.errors.itertuples(index=False)}
    assert errors == {
        ("arc", "mistranslation"): 2,
        ("arc", "terminology"): 1,
        ("arc", "answer_changed"): 1,
        ("mmlu", "grammar_spelling"): 1,
    }

    # the leaderboard is resolve's annotators table, people with submitted verdicts only
    resolved = cli_json("resolve", "-c", str(s.config))
    saved = pd.read_parquet(cfg.workdir / "resolved" / "annotators.parquet")
    board = data.leaderboard.set_index("username")
    assert board["submitted"].to_dict() == {
        s.username("ana"): 7,
        s.username("ben"): 7,
        s.username("cris"): 6,
    }
    # care next to the count: every correction in the script changes the MT; no gold yet
    assert board["phantom_corrections"].to_dict() == dict.fromkeys(board.index, 0)
    assert "gold_accuracy" not in board.columns
    for row in saved.to_dict("records"):
        assert board.loc[row["username"], "per_benchmark"] == row["per_benchmark"]
        assert board.loc[row["username"], "agreement_with_consensus"] == pytest.approx(
            row["agreement_with_consensus"], nan_ok=True
        )
    alphas = dict(zip(data.agreement["benchmark"], data.agreement["alpha"], strict=True))
    for bench, entry in resolved["agreement"].items():
        assert _same(alphas[bench], entry["alpha"])

    # disagreements: arc 4 is a 1-1 tie; arc 1, arc 2 and mmlu 1 are 2-to-1
    keys = {b: [r["external_id"].split(":", 1)[1] for r in s.records[b]] for b in s.records}
    d = data.disagreements
    assert list(zip(d["benchmark"], d["item_key"], strict=True)) == [
        ("arc", keys["arc"][4]),
        *sorted([("arc", keys["arc"][1]), ("arc", keys["arc"][2])]),
        ("mmlu", keys["mmlu"][1]),
    ]
    assert d["agreement"].tolist() == pytest.approx([1 / 2, 2 / 3, 2 / 3, 2 / 3])
    assert d["status"][0] == "needs_review"
    for row in d.to_dict("records"):
        i = keys[row["benchmark"]].index(row["item_key"])
        full = " ".join(s.mt(row["benchmark"], i)["question"].split())
        assert full.startswith(row["question"].rstrip("…")) and len(row["question"]) <= 120


def _same(a, b) -> bool:
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        return (a is None or math.isnan(a)) and (b is None or math.isnan(b))
    return a == pytest.approx(b)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from browser_or_skip()


@pytest.mark.server
def test_report_command_page_renders_in_chromium(two_pulls, browser: Browser, tmp_path) -> None:
    s: Scripted = two_pulls["s"]
    out = tmp_path / "site" / "index.html"
    result = cli_json("report", "-c", str(s.config), "--out", str(out))
    assert result["path"] == str(out) and out.is_file() and result["pulls"] == 2
    assert result["lang"] == "es" and result["volunteers"] == 3
    text = cli("report", "-c", str(s.config), "--out", str(tmp_path / "en.html"), "--lang", "en")
    assert text.returncode == 0, text.stderr
    assert 'lang="en"' in (tmp_path / "en.html").read_text(encoding="utf-8")

    browser.color_scheme("light")
    browser.set_viewport(1280, 900)
    browser.open(out)
    assert browser.js("return document.readyState") == "complete"
    assert browser.js("return document.documentElement.lang") == "es"
    _assert_drawn(browser, CHARTS)
    # two pulls: two points per benchmark line in each history chart
    dots = browser.js(
        "return document.querySelectorAll('#chart-history-completed circle.dot').length"
    )
    assert dots == 4
    assert browser.js("return performance.getEntriesByType('resource').length") == 0
    # real item keys are long ("ARC-Challenge/validation/Mercury_7190155"): on a desktop
    # the disagreements table must still fit, status column included, without scrolling
    box = browser.js(
        "const t = document.querySelector('table.disagreements');"
        "return [t.scrollWidth, t.parentElement.clientWidth];"
    )
    assert box[0] <= box[1], f"disagreements table overflows its box: {box}"
    page_text = browser.js("return document.body.innerText")
    for short in ("ana", "ben", "cris"):
        assert s.username(short) in page_text
    assert insights.generated_label(two_pulls["pulls"][1]["pulled_at"]) in page_text
    shot = browser.screenshot(tmp_path / "campaign-report.png")
    assert shot.stat().st_size > 10_000
    _save(shot)
    assert _errors(browser.console()) == []


def test_report_command_without_a_pull(tmp_path: Path) -> None:
    config = make_config(tmp_path, benchmarks=["arc"])
    out = tmp_path / "empty.html"
    result = cli("report", "-c", str(config), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "no pull yet" in result.stderr
    assert out.read_text(encoding="utf-8").count('class="empty"') == 8
