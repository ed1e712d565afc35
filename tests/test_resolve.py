"""Resolution rules on hand-made campaigns whose answers were worked out by hand."""

from __future__ import annotations

import json
import math
import unicodedata

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotate.model import Q_CORRECTION, Q_ERRORS, Q_VERDICT, format_correction
from annotate.resolve import (
    ITEM_COLUMNS,
    Resolution,
    alpha_nominal,
    bootstrap_alpha,
    choose_correction,
    interpret_alpha,
    levenshtein,
    percent_agreement,
    resolve,
)

T0 = pd.Timestamp("2025-01-01T00:00:00Z")

MT = {"question": "¿Cuál es la capital de Francia?", "A": "París", "B": "Lyon", "C": "Niza"}
EN = {"question": "What is the capital of France?", "A": "Paris", "B": "Lyon", "C": "Nice"}


def make_items(n: int, benchmark: str = "b1", mt: dict | None = None, en: dict | None = EN):
    mt = mt or MT
    return pd.DataFrame(
        {
            "record_id": [f"{benchmark}:{i}" for i in range(n)],
            "benchmark": benchmark,
            "item_key": [str(i) for i in range(n)],
            "segments": json.dumps(mt, ensure_ascii=False),
            "original": json.dumps(en, ensure_ascii=False) if en else None,
        }
    )


class Campaign:
    """Builds the tidy responses table the way pull does (one row per question)."""

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.clock = 0

    def answer(
        self,
        record: str,
        user: str,
        verdict: str | None,
        *,
        status: str = "submitted",
        correction: str | None = None,
        errors: list[str] | None = None,
    ) -> Campaign:
        self.clock += 1
        t = T0 + pd.Timedelta(minutes=self.clock)
        base = {
            "record_id": record,
            "benchmark": record.split(":")[0],
            "item_key": record.split(":")[1],
            "user_id": f"id-{user}",
            "username": user,
            "status": status,
            "inserted_at": t,
            "updated_at": t,
        }
        for q, v in (
            (Q_VERDICT, verdict),
            (Q_CORRECTION, correction),
            (Q_ERRORS, json.dumps(errors) if errors is not None else None),
        ):
            if v is not None or (q == Q_VERDICT and status == "discarded"):
                self.rows.append({**base, "question": q, "value": v})
        return self

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)


def fix(**changes: str) -> str:
    """A correction text: the MT with some segments replaced."""
    return format_correction({**MT, **changes})


def one(res: Resolution, record: str = "b1:0") -> dict:
    row = res.items.set_index("record_id").loc[record].to_dict()
    for col in ("votes", "annotators", "error_categories", "final_segments", "mt_segments"):
        row[col] = json.loads(row[col])
    row["changed_segments"] = json.loads(row["changed_segments"])
    row["issues"] = json.loads(row["issues"])
    return row


# --- verdicts -------------------------------------------------------------------------


def test_unanimous_item_is_validated_with_the_mt():
    c = Campaign()
    for u in ("ana", "ben", "cy"):
        c.answer("b1:0", u, "correct")
    res = resolve(make_items(1), c.frame(), min_votes=2)
    row = one(res)
    assert list(res.items.columns) == list(ITEM_COLUMNS)
    assert row["status"] == "validated" and row["verdict"] == "correct"
    assert row["n_submitted"] == 3 and row["votes"] == {"correct": 3}
    assert row["agreement"] == 1.0 and not row["low_confidence"]
    assert row["final_segments"] == MT and row["changed_segments"] == []
    assert row["annotators"] == ["ana", "ben", "cy"] and row["issues"] == []


def test_two_to_one_majority_wins():
    c = Campaign()
    c.answer("b1:0", "ana", "unusable").answer("b1:0", "ben", "correct")
    c.answer("b1:0", "cy", "unusable")
    row = one(resolve(make_items(1), c.frame(), min_votes=3))
    assert row["status"] == "unusable" and row["verdict"] == "unusable"
    assert row["votes"] == {"correct": 1, "unusable": 2}
    assert row["agreement"] == pytest.approx(2 / 3)
    assert row["final_segments"] == MT


def test_tie_goes_to_review():
    c = Campaign().answer("b1:0", "ana", "correct").answer("b1:0", "ben", "unusable")
    row = one(resolve(make_items(1), c.frame(), min_votes=2))
    assert row["status"] == "needs_review" and row["verdict"] is None
    assert row["agreement"] == 0.5 and row["issues"] == ["verdict_tie"]


def test_too_few_votes_is_unannotated():
    c = Campaign().answer("b1:0", "ana", "correct")
    res = resolve(make_items(2), c.frame(), min_votes=2)
    row, empty = one(res, "b1:0"), one(res, "b1:1")
    assert row["status"] == "unannotated" and row["verdict"] is None and row["n_submitted"] == 1
    assert empty["status"] == "unannotated" and empty["n_submitted"] == 0
    assert math.isnan(empty["agreement"]) and empty["votes"] == {} and empty["annotators"] == []


def test_drafts_are_ignored():
    c = Campaign().answer("b1:0", "ana", "correct").answer("b1:0", "ben", "correct")
    c.answer("b1:0", "cy", "unusable", status="draft")
    res = resolve(make_items(1), c.frame(), min_votes=2)
    row = one(res)
    assert row["status"] == "validated" and row["n_submitted"] == 2
    assert row["votes"] == {"correct": 2} and "cy" not in row["annotators"]
    cy = res.annotators.set_index("username").loc["cy"]
    assert cy["drafts"] == 1 and cy["submitted"] == 0


def test_discards_are_counted_but_not_votes():
    c = Campaign().answer("b1:0", "ana", "correct")
    c.answer("b1:0", "ben", "unusable", status="discarded")
    c.answer("b1:0", "cy", None, status="discarded")
    res = resolve(make_items(1), c.frame(), min_votes=2)
    row = one(res)
    assert row["status"] == "unannotated" and row["n_submitted"] == 1
    assert row["n_discarded"] == 2 and row["votes"] == {"correct": 1}
    assert res.annotators.set_index("username").loc["ben", "discarded"] == 1


def test_changed_answer_counts_once_with_the_new_value():
    # pull sends only the latest value: ben changed "correct" into "unusable"
    c = Campaign().answer("b1:0", "ana", "unusable").answer("b1:0", "ben", "unusable")
    row = one(resolve(make_items(1), c.frame(), min_votes=2))
    assert row["status"] == "unusable" and row["n_submitted"] == 2


def test_duplicate_rows_keep_the_latest_value():
    c = Campaign().answer("b1:0", "ben", "correct")  # older answer, then changed
    c.answer("b1:0", "ana", "unusable").answer("b1:0", "ben", "unusable")
    frame = c.frame().sample(frac=1.0, random_state=1)  # row order must not matter
    row = one(resolve(make_items(1), frame, min_votes=2))
    assert row["status"] == "unusable" and row["n_submitted"] == 2
    assert row["votes"] == {"unusable": 2}


def test_error_categories_are_counted_over_submitted_responses():
    c = Campaign()
    c.answer("b1:0", "ana", "unusable", errors=["mistranslation", "terminology"])
    c.answer("b1:0", "ben", "unusable", errors=["terminology"])
    c.answer("b1:0", "cy", "unusable", errors=["omission_addition"], status="draft")
    row = one(resolve(make_items(1), c.frame(), min_votes=2))
    assert row["error_categories"] == {"mistranslation": 1, "terminology": 2}


def test_responses_to_unknown_records_are_reported_not_used():
    c = Campaign().answer("b1:0", "ana", "correct").answer("b1:99", "ana", "unusable")
    res = resolve(make_items(1), c.frame(), min_votes=1)
    assert res.orphan_responses == 1 and one(res)["status"] == "validated"


# --- corrections ----------------------------------------------------------------------


def test_all_different_corrections_pick_the_medoid():
    # only the question differs, so distances are those of the three questions:
    # q1-q2 = 2 ("come" -> "comió"), q2-q3 = 3 (e->l, l->a, o->a), q1-q3 = 2 + 3 = 5.
    # Totals: q1 = 7, q2 = 5, q3 = 8 -> q2 is the medoid (and not the first submitted).
    q1, q2, q3 = "el perro come", "el perro comió", "la perra comió"
    assert [levenshtein(q1, q2), levenshtein(q2, q3), levenshtein(q1, q3)] == [2, 3, 5]
    c = Campaign()
    for user, q in (("ana", q1), ("ben", q2), ("cy", q3)):
        c.answer("b1:0", user, "corrected", correction=fix(question=q))
    row = one(resolve(make_items(1), c.frame(), min_votes=2))
    assert row["status"] == "corrected" and row["low_confidence"]
    assert row["final_segments"] == {**MT, "question": q2}
    assert row["changed_segments"] == ["question"]


def test_two_equal_corrections_beat_a_third_despite_spacing_and_nfc():
    nfd = unicodedata.normalize("NFD", "¿Cuál   es la capital?\n")
    assert nfd != "¿Cuál es la capital?"
    c = Campaign()
    c.answer("b1:0", "ana", "corrected", correction=fix(B="Marsella"))
    c.answer("b1:0", "ben", "corrected", correction=fix(question="¿Cuál es la capital?", A="Paris"))
    c.answer("b1:0", "cy", "corrected", correction=fix(question=nfd, A=" Paris "))
    row = one(resolve(make_items(1), c.frame(), min_votes=2))
    assert row["status"] == "corrected" and not row["low_confidence"]
    assert row["final_segments"] == {**MT, "question": "¿Cuál es la capital?", "A": "Paris"}
    assert row["changed_segments"] == ["question", "A"]


def test_whitespace_only_edit_of_a_segment_is_not_a_change():
    c = Campaign()
    for u in ("ana", "ben"):
        c.answer(
            "b1:0", u, "corrected", correction=fix(question=MT["question"] + "  ", B="Marsella")
        )
    row = one(resolve(make_items(1), c.frame(), min_votes=2))
    assert row["final_segments"]["question"] == MT["question"]
    assert row["changed_segments"] == ["B"]


def test_only_correctors_texts_count():
    c = Campaign()
    c.answer("b1:0", "ana", "corrected", correction=fix(B="Marsella"))
    c.answer("b1:0", "ben", "corrected", correction=fix(B="Marsella"))
    # cy said "correct": the (edited) text she left behind is not a vote
    c.answer("b1:0", "cy", "correct", correction=fix(B="Burdeos"))
    c.answer("b1:0", "dee", "correct", correction=fix(B="Burdeos"))
    c.answer("b1:0", "eve", "corrected", correction=fix(B="Burdeos"))
    row = one(resolve(make_items(1), c.frame(), min_votes=2))
    assert row["status"] == "corrected" and row["final_segments"]["B"] == "Marsella"


def test_unparseable_corrections_go_to_review():
    broken = "Lo siento, no sé.\n" + fix(B="Marsella")  # text before the first marker
    missing = fix(B="Marsella").replace("[[C]]\n", "")
    c = Campaign()
    c.answer("b1:0", "ana", "corrected", correction=broken)
    c.answer("b1:0", "ben", "corrected", correction=missing)
    row = one(resolve(make_items(1), c.frame(), min_votes=2))
    assert row["status"] == "needs_review" and row["verdict"] == "corrected"
    assert row["issues"] == ["correction_unparseable"]
    assert row["final_segments"] == MT and row["changed_segments"] == []


def test_one_unparseable_correction_does_not_vote():
    c = Campaign()
    c.answer("b1:0", "ana", "corrected", correction="[[question]]\nhola")
    c.answer("b1:0", "ben", "corrected", correction=fix(C="Marsella"))
    row = one(resolve(make_items(1), c.frame(), min_votes=2))
    assert row["status"] == "corrected" and not row["low_confidence"]
    assert row["final_segments"]["C"] == "Marsella"


def test_missing_correction_goes_to_review():
    c = Campaign().answer("b1:0", "ana", "corrected").answer("b1:0", "ben", "corrected")
    row = one(resolve(make_items(1), c.frame(), min_votes=2))
    assert row["status"] == "needs_review" and row["issues"] == ["correction_missing"]


def test_correction_equal_to_mt_is_a_vote_for_the_mt():
    c = Campaign()
    c.answer("b1:0", "ana", "corrected", correction=fix())
    c.answer("b1:0", "ben", "corrected", correction=fix(question=" " + MT["question"]))
    c.answer("b1:0", "cy", "corrected", correction=fix(B="Marsella"))
    row = one(resolve(make_items(1), c.frame(), min_votes=2))
    assert row["status"] == "needs_review" and row["issues"] == ["correction_equals_mt"]
    assert row["final_segments"] == MT


def test_duplicated_choices_block():
    c = Campaign()
    for u in ("ana", "ben"):
        c.answer("b1:0", u, "corrected", correction=fix(C="Lyon "))
    row = one(resolve(make_items(1), c.frame(), min_votes=2))
    assert row["status"] == "needs_review" and row["issues"] == ["duplicate_choices:B,C"]


def test_empty_segment_blocks():
    c = Campaign()
    for u in ("ana", "ben"):
        c.answer("b1:0", u, "corrected", correction=fix(C=""))
    row = one(resolve(make_items(1), c.frame(), min_votes=2))
    assert row["status"] == "needs_review" and row["issues"] == ["empty_segment:C"]


def test_identical_to_original_is_only_a_warning():
    c = Campaign()
    for u in ("ana", "ben"):
        c.answer("b1:0", u, "corrected", correction=fix(C="Nice"))
    row = one(resolve(make_items(1), c.frame(), min_votes=2))
    assert row["status"] == "corrected" and row["issues"] == ["identical_to_original:C"]
    assert row["final_segments"]["C"] == "Nice"


def test_validated_mt_with_duplicate_choices_is_a_warning():
    items = make_items(1, mt={**MT, "C": "Lyon"})
    c = Campaign().answer("b1:0", "ana", "correct").answer("b1:0", "ben", "correct")
    row = one(resolve(items, c.frame(), min_votes=2))
    assert row["status"] == "validated" and row["issues"] == ["duplicate_choices:B,C"]


def test_choose_correction_tie_between_two_goes_to_the_earliest():
    mt = {"question": "a"}
    got = choose_correction(mt, ["[[question]]\nbb", "[[question]]\ncc"])
    assert got.segments == {"question": "bb"} and got.low_confidence


# --- methods --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["dawid_skene", "mace", "glad"])
def test_crowdkit_methods_give_a_verdict_to_every_item_with_enough_votes(method):
    rng = np.random.default_rng(3)
    c = Campaign()
    labels = ["correct", "corrected", "unusable"]
    for i in range(30):
        n = 1 if i % 10 == 0 else 2 + i % 2  # every tenth item has too few votes
        for u in range(n):
            lab = labels[i % 3] if rng.random() < 0.8 else labels[rng.integers(3)]
            c.answer(f"b1:{i}", f"u{u}", lab, correction=fix(B=f"x{i}"))
    res = resolve(make_items(30), c.frame(), min_votes=2, method=method)
    items = res.items
    enough = items["n_submitted"] >= 2
    assert items.loc[enough, "verdict"].notna().all()
    assert (items.loc[~enough, "status"] == "unannotated").all()
    assert set(items.loc[enough, "status"]) <= {
        "validated",
        "corrected",
        "unusable",
        "needs_review",
    }


def test_unknown_method_and_bad_min_votes_are_rejected():
    with pytest.raises(ValueError, match="method"):
        resolve(make_items(1), Campaign().frame(), min_votes=1, method="vote")
    with pytest.raises(ValueError, match="min_votes"):
        resolve(make_items(1), Campaign().frame(), min_votes=0)


# --- agreement ------------------------------------------------------------------------

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", nominal example C:
# 4 observers x 12 units with missing values; published alpha = 0.743.
WORKED = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def to_counts(matrix) -> np.ndarray:
    """Reliability matrix (coders x units, NaN missing) -> units x values counts."""
    m = np.array(matrix, dtype=float)
    values = np.unique(m[~np.isnan(m)])
    return np.stack([(m == v).sum(axis=0) for v in values], axis=1)


def test_alpha_matches_the_published_worked_example():
    assert round(alpha_nominal(to_counts(WORKED)), 3) == 0.743
    ref = krippendorff.alpha(np.array(WORKED, dtype=float), level_of_measurement="nominal")
    assert alpha_nominal(to_counts(WORKED)) == pytest.approx(ref, abs=1e-12)


def test_alpha_matches_krippendorff_on_ragged_random_data():
    rng = np.random.default_rng(7)
    for _ in range(20):
        m = rng.integers(0, 4, size=(6, 40)).astype(float)
        m[rng.random(m.shape) < 0.55] = np.nan
        ref = krippendorff.alpha(m, level_of_measurement="nominal")
        assert alpha_nominal(to_counts(m)) == pytest.approx(ref, abs=1e-12)


def test_percent_agreement_by_hand():
    # unit 1: a a b -> 1 agreeing pair of 3; unit 2: a a -> 1 of 1; unit 3: one rating
    counts = [[2, 1], [2, 0], [1, 0]]
    assert percent_agreement(counts) == pytest.approx(2 / 4)


def test_resolve_agreement_equals_krippendorff_on_the_responses():
    rng = np.random.default_rng(11)
    c = Campaign()
    labels = ["correct", "corrected", "unusable"]
    users = [f"u{j}" for j in range(5)]
    for i in range(60):
        bench = "b1" if i < 30 else "b2"
        for u in users:
            if rng.random() < 0.5:
                lab = labels[i % 3] if rng.random() < 0.7 else labels[rng.integers(3)]
                c.answer(f"{bench}:{i}", u, lab, correction=fix(B=f"x{i}"))
    items = pd.concat([make_items(30, "b1"), make_items(60, "b2").iloc[30:]])
    responses = c.frame()
    res = resolve(items, responses, min_votes=2, n_bootstrap=200)
    agr = res.agreement.set_index("benchmark")
    assert list(agr.index) == ["b1", "b2", "overall"]
    verdicts = responses[responses["question"] == Q_VERDICT]
    for bench in ("b1", "b2", "overall"):
        sub = verdicts if bench == "overall" else verdicts[verdicts["benchmark"] == bench]
        matrix = (
            sub.pivot(index="user_id", columns="record_id", values="value")
            .replace({lab: k for k, lab in enumerate(labels)})
            .astype(float)
        )
        ref = krippendorff.alpha(matrix.to_numpy(), level_of_measurement="nominal")
        assert agr.loc[bench, "alpha"] == pytest.approx(ref, abs=1e-12)
        pairable = (matrix.notna().sum(axis=0) >= 2).sum()
        assert agr.loc[bench, "n_items"] == pairable
        assert (
            agr.loc[bench, "alpha_low"] <= agr.loc[bench, "alpha"] <= agr.loc[bench, "alpha_high"]
        )


def test_bootstrap_equals_resampling_items_in_distribution():
    rng = np.random.default_rng(5)
    counts = to_counts(np.where(rng.random((3, 400)) < 0.2, np.nan, rng.integers(0, 3, (3, 400))))
    low, high = bootstrap_alpha(counts, n_bootstrap=4000, seed=1)
    # the naive way: resample pairable units with replacement and recompute alpha
    pairable = counts[counts.sum(axis=1) >= 2]
    naive = [
        alpha_nominal(pairable[rng.integers(0, len(pairable), len(pairable))]) for _ in range(4000)
    ]
    nlow, nhigh = np.percentile(naive, [2.5, 97.5])
    assert low == pytest.approx(nlow, abs=0.01) and high == pytest.approx(nhigh, abs=0.01)
    assert bootstrap_alpha(counts, n_bootstrap=500, seed=3) == bootstrap_alpha(
        counts, n_bootstrap=500, seed=3
    )


def test_interpret_alpha_thresholds():
    assert [interpret_alpha(a) for a in (0.9, 0.8, 0.7, 0.667, 0.5, math.nan)] == [
        "reliable",
        "reliable",
        "tentative",
        "tentative",
        "low",
        "undefined",
    ]


# --- annotators and summary -----------------------------------------------------------


def test_annotator_frame_by_hand():
    c = Campaign()
    # item 0: ana, ben correct; cy unusable -> validated
    c.answer("b1:0", "ana", "correct").answer("b1:0", "ben", "correct")
    c.answer("b1:0", "cy", "unusable")
    # item 1: ana correct, ben unusable -> tie (no consensus, not scored)
    c.answer("b1:1", "ana", "correct").answer("b1:1", "ben", "unusable")
    # item 2 (other benchmark): ana unusable, cy unusable -> unusable; ben draft
    c.answer("b2:0", "ana", "unusable").answer("b2:0", "cy", "unusable")
    c.answer("b2:0", "ben", "correct", status="draft")
    items = pd.concat([make_items(2, "b1"), make_items(1, "b2")])
    res = resolve(items, c.frame(), min_votes=2)
    ann = res.annotators.set_index("username")
    assert list(res.annotators["username"]) == ["ana", "ben", "cy"]
    assert ann.loc["ana", "submitted"] == 3 and ann.loc["ana", "agreement_with_consensus"] == 1.0
    assert ann.loc["ben", "submitted"] == 2 and ann.loc["ben", "drafts"] == 1
    assert ann.loc["ben", "agreement_with_consensus"] == 1.0  # only item 0 is scored
    assert ann.loc["cy", "agreement_with_consensus"] == 0.5
    assert json.loads(ann.loc["ana", "per_benchmark"]) == {"b1": 2, "b2": 1}
    assert ann.loc["cy", "user_id"] == "id-cy"


def test_summary_is_plain_json():
    c = Campaign().answer("b1:0", "ana", "correct").answer("b1:0", "ben", "correct")
    c.answer("b1:1", "ana", "correct").answer("b1:1", "ben", "unusable")
    s = resolve(make_items(3), c.frame(), min_votes=2, n_bootstrap=50).summary()
    json.dumps(s, allow_nan=False)
    assert s["status_counts"]["b1"] == {
        "validated": 1,
        "corrected": 0,
        "unusable": 0,
        "needs_review": 1,
        "unannotated": 1,
    }
    assert s["issues"] == {"verdict_tie": 1}
    # alpha: one unit agrees, one doesn't -> coincidences correct:3, unusable:1 with
    # o(correct,correct)=2, n=4: alpha = 1 - 3 * (4 - 2) / (16 - 9 - 1) = 0
    assert s["agreement"]["b1"]["alpha"] == pytest.approx(0.0)
    assert s["agreement"]["b1"]["percent_agreement"] == pytest.approx(0.5)


# --- edit distance --------------------------------------------------------------------


def dp_levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcé \n", max_size=80), st.text(alphabet="abcé \n", max_size=80))
def test_levenshtein_matches_the_textbook_dp(a, b):
    assert levenshtein(a, b) == dp_levenshtein(a, b)


def test_levenshtein_long_strings():
    a = "x" * 300 + "el gato negro" * 20
    b = "y" + a[1:-5] + "zz"
    assert levenshtein(a, b) == dp_levenshtein(a, b)


def test_no_responses_at_all():
    empty = Campaign().answer("b1:0", "ana", "correct").frame().iloc[0:0]
    res = resolve(make_items(2), empty, min_votes=1, n_bootstrap=10)
    assert (res.items["status"] == "unannotated").all()
    assert res.annotators.empty and math.isnan(res.agreement["alpha"].iloc[-1])
    json.dumps(res.summary(), allow_nan=False)


def test_annotator_names_are_sorted_and_escaped_json():
    c = Campaign()
    for u in ("zoë", 'o"brien', "Ana"):
        c.answer("b1:0", u, "correct")
    row = one(resolve(make_items(1), c.frame(), min_votes=1))
    assert row["annotators"] == ["Ana", 'o"brien', "zoë"]
