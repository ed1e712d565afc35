"""Item identities without ids: keys that ignore position, matching that survives edits.

Pure tests on the bundled TruthfulQA-es (789 items, no id column): the records a
campaign already has are built as push built them, the source is edited the way
organisers edit it, and the items must land on the same records.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotate.adapters import get_adapter
from annotate.identity import (
    Existing,
    existing_from_rows,
    match_identities,
    rekey,
    segments_of,
)
from annotate.model import format_correction
from annotate.pairing import build_items
from annotate.push import plan_push

TQA = Path(__file__).resolve().parents[1] / "data" / "okapi" / "m_truthfulqa_es_validation.json"
ROWS = json.loads(TQA.read_text(encoding="utf-8"))


def items_of(rows, adapter="truthfulqa", bench="truthfulqa"):
    items, rejected = build_items(
        rows, get_adapter(adapter), benchmark=bench, split="validation", source="tqa.json"
    )
    assert not rejected
    return items


def records_of(items, *, legacy: bool = False) -> list[Existing]:
    """The records push made for these items (`legacy`: the positional keys of before)."""
    out = []
    for it in items:
        rid = it.record_id
        if legacy:
            digest = hashlib.sha1(it.segments["question"].encode("utf-8")).hexdigest()[:8]
            rid = f"{it.benchmark}:tqa-{it.index}-{digest}"
        out.append(Existing(rid, it.content_hash, dict(it.segments)))
    return out


def repush(items, records):
    """What push does: match, take over the records, plan (create / update / unchanged)."""
    match = match_identities(items, records)
    kept = rekey(items, match)
    plan = plan_push(kept, {r.record_id: r.content_hash for r in records})
    return match, kept, plan


def typo(text: str) -> str:
    """Swap the first two letters of the longest word: a typical typo (or its fix)."""
    word = max(text.split(), key=len)
    return text.replace(word, word[1] + word[0] + word[2:], 1)


# --- keys -------------------------------------------------------------------------------------


def test_keys_do_not_depend_on_position():
    items = items_of(ROWS)
    keys = {it.segments["question"]: it.key for it in items}
    shuffled = list(reversed(ROWS[10:])) + ROWS[:5]  # reordered, rows 5..9 deleted
    for it in items_of(shuffled):
        assert it.key == keys[it.segments["question"]]
    assert len({it.key for it in items}) == len(items)


def test_repeated_questions_get_distinct_keys_that_survive_deleting_one():
    a = copy.deepcopy(ROWS[0])
    b = copy.deepcopy(ROWS[1])
    b["question"] = a["question"]  # one question asked twice, with other choices
    twin = copy.deepcopy(a)  # and a row identical in every text
    items = items_of([a, b, twin, ROWS[2]])
    keys = [it.key for it in items]
    assert len(set(keys)) == 4
    assert keys[0].startswith(keys[3][:4]) and keys[2] == keys[0] + "-2"
    # deleting the first row renames neither the other question nor the unrelated row
    later = items_of([b, twin, ROWS[2]])
    assert [it.key for it in later] == [keys[1], keys[0], keys[3]]


# --- matching ---------------------------------------------------------------------------------


def test_typo_fix_keeps_the_record_and_is_an_update():
    items = items_of(ROWS)
    records = records_of(items)
    rows = copy.deepcopy(ROWS)
    rows[40]["question"] = typo(rows[40]["question"])
    match, kept, plan = repush(items_of(rows), records)
    assert kept[40].record_id == items[40].record_id
    assert (len(plan.create), len(plan.update), len(plan.unchanged)) == (0, 1, 788)
    assert match.vanished == [] and match.doubtful == []


def test_typo_in_the_question_and_a_choice_is_matched_by_similarity():
    items = items_of(ROWS)
    rows = copy.deepcopy(ROWS)
    rows[7]["question"] = typo(rows[7]["question"])
    rows[7]["mc2_targets_choices"][-1] = typo(rows[7]["mc2_targets_choices"][-1])
    match, kept, plan = repush(items_of(rows), records_of(items))
    assert kept[7].record_id == items[7].record_id and match.how["similar"] == 1
    assert not plan.create


def test_rev_on_every_question_keeps_789_records():
    """Issue 10: appending " (rev)" to every question doubled the dataset to 1,578."""
    items = items_of(ROWS)
    for legacy in (False, True):
        records = records_of(items, legacy=legacy)
        rows = [dict(r, question=r["question"] + " (rev)") for r in ROWS]
        match, kept, plan = repush(items_of(rows), records)
        assert not plan.create and len(plan.update) == 789
        assert {it.record_id for it in kept} == {r.record_id for r in records}
        assert [it.record_id for it in kept] == [r.record_id for r in records]  # each its own


def test_campaigns_pushed_with_positional_keys_keep_their_records():
    items = items_of(ROWS)
    records = records_of(items, legacy=True)
    rows = list(reversed(ROWS[:300])) + ROWS[301:]  # reordered, one row deleted
    match, kept, plan = repush(items_of(rows), records)
    assert not plan.create and not plan.update and len(plan.unchanged) == 788
    assert match.vanished == [records[300].record_id]
    by_question = {r.segments["question"]: r.record_id for r in records}
    assert all(it.record_id == by_question[it.segments["question"]] for it in kept)


def test_a_doubtful_row_is_named_not_created():
    one, two = copy.deepcopy(ROWS[0]), copy.deepcopy(ROWS[0])
    one["question"] += " (versión 1)"
    two["question"] += " (versión 2)"
    records = records_of(items_of([one, two, ROWS[1]]))
    merged = copy.deepcopy(ROWS[0])
    merged["question"] += " (versión)"  # the near-twins merged: which record is it?
    match = match_identities(items_of([ROWS[1], merged]), records)
    assert list(match.record_of) == [0] and not match.new
    (doubt,) = match.doubtful
    assert doubt.item.index == 1 and doubt.record_id in {r.record_id for r in records[:2]}
    assert 0.5 <= doubt.similarity < 1


def test_a_new_unrelated_row_is_new_and_the_deleted_row_vanishes():
    items = items_of(ROWS[:50])
    rows = ROWS[:20] + ROWS[21:50] + [ROWS[600]]
    match, kept, plan = repush(items_of(rows), records_of(items))
    assert [it.segments["question"] for it in plan.create] == [ROWS[600]["question"]]
    assert match.vanished == [items[20].record_id] and not match.doubtful


def test_ids_are_never_second_guessed():
    okapi = TQA.parent / "m_arc_es_validation.json"
    rows = json.loads(okapi.read_text(encoding="utf-8"))[:5]
    items = items_of(rows, "arc", "arc")
    renamed = copy.deepcopy(rows)
    renamed[0]["id"] = "Other/1"
    match, _kept, plan = repush(items_of(renamed, "arc", "arc"), records_of(items))
    assert [it.key for it in plan.create] == ["Other/1"] and not match.doubtful
    assert match.vanished == [items[0].record_id]


def test_snapshot_rows_read_back_the_texts_push_wrote():
    item = items_of(ROWS[:1])[0]
    row = {
        "record_id": item.record_id,
        "content_hash": item.content_hash,
        "suggestion": format_correction(item.segments),
    }
    assert existing_from_rows([row]) == [Existing(item.record_id, item.content_hash, item.segments)]
    assert segments_of(None) is None and segments_of("no markers") is None


@settings(max_examples=25, deadline=None)
@given(
    order=st.permutations(range(60)),
    dropped=st.sets(st.integers(0, 59), max_size=10),
    edited=st.sets(st.integers(0, 59), max_size=15),
)
def test_any_reorder_deletion_and_typo_fix_keeps_every_identity(order, dropped, edited):
    items = items_of(ROWS[:60])
    records = records_of(items, legacy=True)
    rows = []
    for i in order:
        if i in dropped:
            continue
        row = copy.deepcopy(ROWS[i])
        if i in edited:
            row["question"] = typo(row["question"])
        rows.append(row)
    match, kept, plan = repush(items_of(rows), records)
    assert not plan.create and not match.doubtful
    assert [it.record_id for it in kept] == [
        records[i].record_id for i in order if i not in dropped
    ]
    assert sorted(match.vanished) == sorted(records[i].record_id for i in dropped)


@pytest.mark.parametrize("legacy", [False, True])
def test_matching_is_one_to_one(legacy):
    items = items_of(ROWS[:80])
    rows = [dict(r, question=typo(r["question"])) for r in ROWS[:80]]
    match = match_identities(items_of(rows), records_of(items, legacy=legacy))
    assert len(set(match.record_of.values())) == len(match.record_of) == 80
