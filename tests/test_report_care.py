"""Credit that rewards care: agreement and phantom corrections next to the count, gold as a
hook. Pure functions, no server."""

from __future__ import annotations

import html
import json
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_report import parse, sample_data, section_html

from annotate.i18n import t
from annotate.insights import phantom_corrections, with_care
from annotate.model import Q_CORRECTION, Q_VERDICT, format_correction
from annotate.report import build_report
from annotate.status import add_care, care_by_user

MT = {"question": "¿Cuál es la capital?", "option_a": "Madrid"}
SEGMENTS = {"r1": json.dumps(MT), "r2": json.dumps({"question": "Otra pregunta"})}


def _rows(user: str, record: str, verdict: str, text: str | None, **kw) -> list[dict]:
    base = {
        "record_id": record,
        "benchmark": "arc",
        "item_key": record,
        "user_id": f"id-{user}",
        "username": user,
        "status": kw.get("status", "submitted"),
        "inserted_at": "2025-01-01T00:00:00",
        "updated_at": kw.get("at", "2025-01-01T00:00:00"),
    }
    rows = [{**base, "question": Q_VERDICT, "value": verdict}]
    if text is not None:
        rows.append({**base, "question": Q_CORRECTION, "value": text})
    return rows


def _frame(*groups: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([r for g in groups for r in g])


def test_phantom_corrections_per_person() -> None:
    untouched = format_correction(MT)
    spaced = untouched.replace("capital?", "capital?  ").replace("Madrid", " Madrid\u200b")
    real = format_correction({**MT, "option_a": "Lisboa"})
    responses = _frame(
        _rows("ana", "r1", "corrected", untouched),  # phantom
        _rows("ana", "r2", "corrected", format_correction({"question": "Otra pregunta"})),
        _rows("ben", "r1", "corrected", spaced),  # spacing/invisible chars are no change
        _rows("cris", "r1", "corrected", real),  # a real correction
        _rows("dan", "r1", "correct", untouched),  # not a "corrected" verdict
        _rows("eve", "r1", "corrected", untouched, status="draft"),  # not submitted
        _rows("fer", "r1", "corrected", None),  # no text: correction_missing, not phantom
        _rows("gil", "r1", "corrected", "[[question]]\nroto"),  # broken markers: not equal
    )
    assert phantom_corrections(responses, SEGMENTS) == {"ana": 2, "ben": 1}
    assert phantom_corrections(responses.iloc[0:0], SEGMENTS) == {}


def test_the_latest_answer_counts() -> None:
    """A phantom later fixed is not a phantom; a real correction later undone is one."""
    real = format_correction({**MT, "option_a": "X"})
    fixed = _frame(
        _rows("ana", "r1", "corrected", format_correction(MT), at="2025-01-01T00:00:00"),
        _rows("ana", "r1", "corrected", real, at="2025-01-02"),
    )
    assert phantom_corrections(fixed, SEGMENTS) == {}
    assert phantom_corrections(fixed.iloc[::-1].reset_index(drop=True), SEGMENTS) == {}
    undone = _frame(
        _rows("ana", "r1", "corrected", real, at="2025-01-01"),
        _rows("ana", "r1", "corrected", format_correction(MT), at="2025-01-02T00:00:00"),
    )
    assert phantom_corrections(undone, SEGMENTS) == {"ana": 1}


_seg = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12)


@settings(deadline=None, max_examples=60)
@given(
    mt=st.dictionaries(st.sampled_from(["question", "a", "b"]), _seg, min_size=1),
    edit=_seg,
)
def test_phantom_iff_no_segment_changed(mt: dict, edit: str) -> None:
    """Property: the untouched box is always a phantom; changing one segment's visible text
    never is."""
    segments = {"r1": json.dumps(mt)}
    same = _frame(_rows("ana", "r1", "corrected", format_correction(mt)))
    from annotate.resolve import normalize_text

    name = next(iter(mt))
    if normalize_text(mt[name]) and "[[" not in "".join(mt.values()) + edit:
        assert phantom_corrections(same, segments) == {"ana": 1}
    changed = {**mt, name: mt[name] + " " + edit}
    if normalize_text(edit) and "[[" not in "".join(changed.values()):
        other = _frame(_rows("ana", "r1", "corrected", format_correction(changed)))
        assert phantom_corrections(other, segments) == {}


def test_with_care_adds_gold_only_when_it_exists() -> None:
    board = pd.DataFrame({"username": ["ana", "ben"], "submitted": [3, 1]})
    plain = with_care(board, {"ana": 2})
    assert plain["phantom_corrections"].tolist() == [2, 0]
    assert "gold_accuracy" not in plain.columns
    gold = with_care(board, {}, {"ben": 1.0})
    assert gold["gold_accuracy"].tolist()[1] == 1.0 and math.isnan(gold["gold_accuracy"][0])


def test_status_rows_keep_rank_and_gain_care() -> None:
    rows = [
        {"rank": 1, "username": "ana", "submitted": 9, "per_benchmark": {}},
        {"rank": 2, "username": "ben", "submitted": 4, "per_benchmark": {}},
        {"rank": 3, "username": "new", "submitted": 1, "per_benchmark": {}},
    ]
    care = care_by_user(
        [
            {"username": "ana", "agreement_with_consensus": 0.9},
            {"username": "ben", "agreement_with_consensus": float("nan")},
        ],
        {"ben": 3},
    )
    out = add_care(rows, care)
    assert [(r["rank"], r["username"], r["submitted"]) for r in out] == [
        (r["rank"], r["username"], r["submitted"]) for r in rows
    ]
    assert [r["agreement_with_consensus"] for r in out] == [0.9, None, None]
    assert [r["phantom_corrections"] for r in out] == [0, 3, 0]
    assert all("gold_accuracy" not in r for r in out)
    with_gold = add_care(rows, care_by_user([{"username": "ana"}], {}, {"ana": 0.75}))
    assert with_gold[0]["gold_accuracy"] == 0.75 and with_gold[1]["gold_accuracy"] is None


def _page(lang: str = "en", **care):
    data = sample_data(lang)
    assert data.leaderboard is not None
    board = data.leaderboard.copy()
    board["phantom_corrections"] = [3, 0, 1] + [0] * (len(board) - 3)
    for k, v in care.items():
        setattr(data, k, v) if k != "gold" else board.insert(len(board.columns), "gold_accuracy", v)
    data.leaderboard = board
    return build_report(data, lang=lang)


def _cells(page: str, col: str) -> list[dict]:
    return [
        a for tag, a in parse(section_html(page, "leaderboard")).tags if a.get("data-col") == col
    ]


def test_leaderboard_shows_care_next_to_the_count() -> None:
    page = _page(low_agreement=0.8, phantom_flag=2)
    body = section_html(page, "leaderboard")
    assert t("en", "phantom_corrections") in body and t("en", "care_intro") in body
    assert t("en", "gold_accuracy") not in body  # no gold data: no gold column
    phantoms = _cells(page, "phantom_corrections")
    assert len(phantoms) == 26
    # 3 >= 2 is flagged, 1 < 2 is not (the threshold is configurable)
    assert ["flag" in (a.get("class") or "") for a in phantoms[:3]] == [True, False, False]
    agree = _cells(page, "agreement")
    assert "flag" not in agree[0]["class"] and "flag" in agree[3]["class"]  # 0.91 ok, 0.7 low
    assert "flag" not in agree[2]["class"]  # NaN: not judged, not flagged
    # the count and its order are untouched
    assert body.index("maria_garcia") < body.index("José María Ñúñez")


def test_gold_column_appears_with_gold_data() -> None:
    gold = [0.5] * len(sample_data().leaderboard)  # type: ignore[arg-type]
    page = _page(gold=gold)
    assert t("en", "gold_accuracy") in section_html(page, "leaderboard")
    assert len(_cells(page, "gold_accuracy")) == 26


@pytest.mark.parametrize("lang", ["es", "ca", "gl", "eu", "pt"])
def test_care_labels_in_every_language(lang: str) -> None:
    body = html.unescape(section_html(_page(lang), "leaderboard"))
    assert t(lang, "phantom_corrections") in body and t(lang, "care_intro") in body
    assert t(lang, "phantom_corrections") != t("en", "phantom_corrections")
