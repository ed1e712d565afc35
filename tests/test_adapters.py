"""Adapters: rows -> Items -> rows, exactly, for real Okapi files and generated rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotate.adapters import RowError, choice_names, get_adapter
from annotate.model import format_correction, parse_correction

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data" / "okapi"
OKAPI = [
    ("m_arc_es_validation.json", "arc", 297),
    ("m_mmlu_es_dev.json", "mmlu", 272),
    ("m_truthfulqa_es_validation.json", "truthfulqa", 789),
]


def okapi(name: str) -> list[dict]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def same(a: dict, b: dict) -> bool:
    """Equal, with the same key order and the same value types all the way down."""
    return a == b and json.dumps(a, ensure_ascii=False) == json.dumps(b, ensure_ascii=False)


# --- real files -----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kind", "count"), OKAPI)
def test_okapi_round_trip_is_exact_for_every_row(name, kind, count):
    rows = okapi(name)
    adapter = get_adapter(kind)
    keys = set()
    assert len(rows) == count
    for i, row in enumerate(rows):
        item = adapter.to_item(row, i, kind, "validation")
        assert same(adapter.to_row(item, item.segments), row), f"row {i}"
        assert item.row is row
        assert item.answer and set(item.answer) <= set(item.segments)
        assert list(item.segments)[0] == "question"
        keys.add(item.key)
    assert len(keys) == count  # keys are unique


def test_okapi_arc_item():
    row = okapi("m_arc_es_validation.json")[0]
    item = get_adapter("arc").to_item(row, 0, "arc", "validation")
    assert item.key == "ARC-Challenge/validation/Mercury_7099103"
    assert list(item.segments) == ["question", "A", "B", "C", "D"]
    assert item.segments["question"] == row["instruction"]
    assert item.segments["D"] == row["option_d"]
    assert item.answer == ("D",)
    assert item.metadata == {"split": "validation"}
    assert item.record_id == "arc:ARC-Challenge/validation/Mercury_7099103"


def test_okapi_arc_five_and_three_options():
    rows = okapi("m_arc_es_validation.json")
    adapter = get_adapter("arc")
    sizes = {len(adapter.to_item(r, i, "arc", "v").segments) - 1 for i, r in enumerate(rows)}
    assert sizes == {3, 4, 5}


def test_okapi_mmlu_subject_from_id():
    row = okapi("m_mmlu_es_dev.json")[0]
    item = get_adapter("mmlu").to_item(row, 0, "mmlu", "dev")
    assert item.key == "econometrics/dev/1"
    assert item.metadata == {"split": "dev", "subject": "econometrics"}


def test_truthfulqa_union_keeps_collapsed_duplicates_apart():
    rows = okapi("m_truthfulqa_es_validation.json")
    adapter = get_adapter("truthfulqa")
    row = rows[57]  # mc1 and mc2 each hold one string twice: two English choices collapsed
    item = adapter.to_item(row, 57, "truthfulqa", "validation")
    assert item.key.startswith("tqa-")
    assert adapter.to_item(row, 3, "truthfulqa", "validation").key == item.key  # not positional
    assert list(item.segments) == ["question", "A", "B", "C", "D", "E"]
    assert item.segments["B"] == item.segments["C"]
    assert item.answer == ("A",)
    cols = adapter.segment_columns(row, 57)
    assert cols["A"] == ["mc1_targets_choices[0]", "mc2_targets_choices[0]"]
    assert cols["D"] == ["mc2_targets_choices[1]"]
    fixed = dict(item.segments, C="Los puercoespines lanzan sus púas.")
    out = adapter.to_row(item, fixed)
    assert out["mc1_targets_choices"][2] == "Los puercoespines lanzan sus púas."
    assert out["mc2_targets_choices"][4] == "Los puercoespines lanzan sus púas."
    assert out["mc1_targets_choices"][1] == row["mc1_targets_choices"][1]
    assert out["mc1_targets_labels"] == row["mc1_targets_labels"]


def test_truthfulqa_shared_choice_is_written_to_both_lists():
    row = okapi("m_truthfulqa_es_validation.json")[0]
    adapter = get_adapter("truthfulqa")
    item = adapter.to_item(row, 0, "tqa", "validation")
    union = list(dict.fromkeys(row["mc1_targets_choices"] + row["mc2_targets_choices"]))
    assert [item.segments[n] for n in list(item.segments)[1:]] == union
    out = adapter.to_row(item, dict(item.segments, A="La llegada a la Luna."))
    assert out["mc1_targets_choices"][0] == "La llegada a la Luna."
    assert out["mc2_targets_choices"][0] == "La llegada a la Luna."
    assert row["mc1_targets_choices"][0] == "El aterrizaje en la luna."  # source untouched


def test_truthfulqa_hub_nested_shape():
    row = {
        "question": "Q?",
        "mc1_targets": {"choices": ["a", "b"], "labels": [1, 0]},
        "mc2_targets": {"choices": ["a", "c", "b"], "labels": [1, 1, 0]},
    }
    adapter = get_adapter("truthfulqa")
    item = adapter.to_item(row, 3, "tqa", "validation")
    assert item.segments == {"question": "Q?", "A": "a", "B": "b", "C": "c"}
    assert item.answer == ("A",)
    assert same(adapter.to_row(item, item.segments), row)
    assert adapter.shape(row) == ((1, 0), (1, 1, 0))


# --- other shapes ---------------------------------------------------------------------------


def hellaswag_row(**over) -> dict:
    row = {
        "ind": 24,
        "activity_label": "Quitar tejas",
        "ctx_a": "Un hombre está sentado en un tejado.",
        "ctx_b": "él",
        "ctx": "Un hombre está sentado en un tejado. él",
        "endings": ["usa papel.", "arranca tejas.", "está de pie.", "se sienta."],
        "source_id": "activitynet~v_-JhWjGDPHMY",
        "split": "val",
        "split_type": "indomain",
        "label": 3,
    }
    row.update(over)
    return row


def test_hellaswag_item_and_round_trip():
    adapter = get_adapter("hellaswag")
    row = hellaswag_row()
    item = adapter.to_item(row, 0, "hellaswag", "validation")
    assert item.key == "24"
    assert list(item.segments) == ["context", "A", "B", "C", "D"]
    assert item.answer == ("D",)
    assert item.metadata == {"split": "validation", "category": "Quitar tejas"}
    assert same(adapter.to_row(item, item.segments), row)
    string_label = hellaswag_row(label="3", ind=None)
    item = adapter.to_item(string_label, 5, "hellaswag", "validation")
    assert item.answer == ("D",) and item.key.startswith("hs-")
    assert adapter.to_item(hellaswag_row(label=""), 0, "h", "test").answer == ()


def test_hellaswag_context_keeps_ctx_a_ctx_b_relation():
    adapter = get_adapter("hellaswag")
    row = hellaswag_row()
    item = adapter.to_item(row, 0, "h", "v")
    out = adapter.to_row(item, dict(item.segments, context="Un hombre se sienta en un tejado. él"))
    assert out["ctx"] == "Un hombre se sienta en un tejado. él"
    assert out["ctx_a"] == "Un hombre se sienta en un tejado." and out["ctx_b"] == "él"
    out = adapter.to_row(item, dict(item.segments, context="Un hombre, en un tejado,"))
    assert (out["ctx_a"], out["ctx_b"], out["ctx"]) == ("Un hombre, en un tejado,", "", out["ctx"])
    # no relation in the source: only ctx changes
    odd = hellaswag_row(ctx="Otro texto.")
    item = adapter.to_item(odd, 0, "h", "v")
    out = adapter.to_row(item, dict(item.segments, context="Otro texto corregido."))
    assert (out["ctx_a"], out["ctx_b"]) == (odd["ctx_a"], odd["ctx_b"])


def test_ai2_arc_and_cais_mmlu_shapes():
    arc = {
        "id": "Mercury_7099103",
        "question": "Why?",
        "choices": {"text": ["w", "x", "y", "z"], "label": ["1", "2", "3", "4"]},
        "answerKey": "4",
    }
    adapter = get_adapter("arc")
    item = adapter.to_item(arc, 0, "arc", "test")
    assert item.key == "Mercury_7099103" and item.answer == ("D",)
    assert list(item.segments) == ["question", "A", "B", "C", "D"]
    assert same(adapter.to_row(item, item.segments), arc)
    mmlu = {"question": "2+2?", "subject": "math", "choices": ["3", "4", "5", "6"], "answer": 1}
    adapter = get_adapter("mmlu")
    item = adapter.to_item(mmlu, 7, "mmlu", "test")
    assert item.answer == ("B",) and item.metadata["subject"] == "math"
    assert same(adapter.to_row(item, item.segments), mmlu)


def test_generic_adapter():
    columns = {"id": "uid", "question": "q", "context": "passage", "choices": "opts", "answer": "a"}
    adapter = get_adapter("generic", columns)
    row = {"uid": 7, "passage": "Texto.", "q": "¿Qué?", "opts": ["x", "y", "z"], "a": 2}
    item = adapter.to_item(row, 0, "g", "test")
    assert item.key == "7"
    assert list(item.segments) == ["question", "context", "A", "B", "C"]
    assert item.answer == ("C",)
    assert same(adapter.to_row(item, item.segments), row)
    by_columns = get_adapter("generic", {"question": "q", "choices": ["c1", "c2"], "answer": "a"})
    row = {"q": "¿Qué?", "c1": "sí", "c2": "no", "a": "no"}
    item = by_columns.to_item(row, 4, "g", "")
    assert item.answer == ("B",) and item.key.startswith("row-") and item.metadata == {}


# --- rows that are rejected, never fixed ---------------------------------------------------------


def arc_row(**over) -> dict:
    row = {
        "id": "x",
        "answer": "A",
        "instruction": "¿Pregunta?",
        "option_a": "a",
        "option_b": "b",
        "option_c": "c",
        "option_d": "d",
    }
    row.update(over)
    return {k: v for k, v in row.items() if v is not ...}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (arc_row(instruction="  "), "empty question in 'instruction'"),
        (arc_row(instruction=...), "missing column 'instruction'"),
        (arc_row(option_b=""), "empty choice in 'option_b'"),
        (arc_row(option_b=None), "empty choice in 'option_b'"),
        (arc_row(option_c=...), "missing column 'option_c'"),
        (arc_row(option_a=3), "column 'option_a' is int, expected text"),
        (arc_row(instruction=["x"]), "column 'instruction' is list, expected text"),
        (arc_row(answer="E"), "answer 'E' is not one of the choices A-D"),
        (arc_row(answer=...), "missing column 'answer'"),
        (arc_row(option_b="a\n[[A]]\nb"), "reserved for corrections"),
        (arc_row(option_b=..., option_c=..., option_d=...), "needs at least 2"),
    ],
)
def test_bad_rows_raise_row_error(row, message):
    with pytest.raises(RowError) as info:
        get_adapter("arc").to_item(row, 12, "arc", "v")
    assert info.value.index == 12
    assert message in info.value.message
    assert str(info.value).startswith("row 12: ")


def test_trailing_empty_options_mean_fewer_options():
    row = arc_row(option_d="", option_e=None)
    item = get_adapter("arc").to_item(row, 0, "arc", "v")
    assert list(item.segments) == ["question", "A", "B", "C"]
    assert same(get_adapter("arc").to_row(item, item.segments), row)


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"mc1_targets_labels": [1, 0]}, "choices but 2 labels"),
        ({"mc1_targets_choices": ["a", "", "c"]}, "empty choice"),
        ({"mc1_targets_labels": [1, 0, "0"]}, "expected 0 or 1"),
        ({"mc2_targets_choices": "abc"}, "expected a list"),
        ({"question": None}, "column 'question' is null"),
    ],
)
def test_bad_truthfulqa_rows(over, message):
    row = {
        "question": "¿Q?",
        "mc1_targets_choices": ["a", "b", "c"],
        "mc2_targets_choices": ["a", "b"],
        "mc1_targets_labels": [1, 0, 0],
        "mc2_targets_labels": [1, 0],
    }
    row.update(over)
    with pytest.raises(RowError, match=message):
        get_adapter("truthfulqa").to_item(row, 0, "tqa", "v")


def test_bad_hellaswag_rows():
    adapter = get_adapter("hellaswag")
    with pytest.raises(RowError, match="missing column 'endings'"):
        adapter.to_item({"ctx": "x"}, 0, "h", "v")
    with pytest.raises(RowError, match="expected text"):
        adapter.to_item(hellaswag_row(endings=["a", {"es": "b"}]), 0, "h", "v")
    with pytest.raises(RowError, match="out of range"):
        adapter.to_item(hellaswag_row(label=7), 0, "h", "v")


def test_arc_adapter_on_a_truthfulqa_row_says_what_is_missing():
    row = okapi("m_truthfulqa_es_validation.json")[0]
    with pytest.raises(RowError, match="missing column 'instruction'"):
        get_adapter("arc").to_item(row, 0, "arc", "v")


def test_to_row_checks_segment_names():
    item = get_adapter("arc").to_item(arc_row(), 0, "arc", "v")
    with pytest.raises(ValueError, match="do not match"):
        get_adapter("arc").to_row(item, {"question": "x"})


def test_choice_names_continue_after_z():
    names = choice_names(30)
    assert names[:3] == ["A", "B", "C"] and names[25] == "Z"
    assert names[26:] == ["AA", "AB", "AC", "AD"]
    assert len(set(choice_names(800))) == 800


def test_unknown_adapter():
    with pytest.raises(ValueError, match="unknown adapter"):
        get_adapter("squad")
    with pytest.raises(ValueError):
        get_adapter("generic")


# --- property-based: generated rows round-trip exactly ------------------------------------------

# Texts an annotator could see: non-blank, no line that looks like a correction marker.
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="[]"),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() != "")


@st.composite
def okapi_mc_rows(draw):
    n = draw(st.integers(2, 5))
    row = {"id": draw(st.one_of(st.none(), TEXT)), "instruction": draw(TEXT)}
    for i in range(n):
        row[f"option_{'abcde'[i]}"] = draw(TEXT)
    trailing = draw(st.sampled_from(["absent", "none", "empty"]))
    if n < 5 and trailing != "absent":
        row[f"option_{'abcde'[n]}"] = None if trailing == "none" else ""
    row["answer"] = draw(st.sampled_from("ABCDE"[:n]))
    keys = list(row)
    order = draw(st.permutations(keys))
    return {k: row[k] for k in order}


@st.composite
def truthfulqa_rows(draw):
    pool = draw(st.lists(TEXT, min_size=1, max_size=6))
    mc1 = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=6))
    mc2 = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=8))
    true1 = draw(st.integers(0, len(mc1) - 1))  # mc1: exactly one correct answer
    labels2 = draw(st.lists(st.integers(0, 1), min_size=len(mc2), max_size=len(mc2)))
    labels2[draw(st.integers(0, len(mc2) - 1))] = 1  # mc2: at least one
    return {
        "question": draw(TEXT),
        "mc1_targets_choices": mc1,
        "mc2_targets_choices": mc2,
        "mc1_targets_labels": [int(i == true1) for i in range(len(mc1))],
        "mc2_targets_labels": labels2,
    }


@st.composite
def hellaswag_rows(draw):
    ctx_a, ctx_b = draw(TEXT), draw(st.one_of(st.just(""), TEXT))
    related = draw(st.booleans())
    ctx = (f"{ctx_a} {ctx_b}" if ctx_b else ctx_a) if related else draw(TEXT)
    endings = draw(st.lists(TEXT, min_size=2, max_size=5))
    return {
        "ind": draw(st.integers(0, 10**6)),
        "activity_label": draw(TEXT),
        "ctx_a": ctx_a,
        "ctx_b": ctx_b,
        "ctx": ctx,
        "endings": endings,
        "label": draw(st.one_of(st.integers(0, len(endings) - 1), st.just(""))),
    }


def corrected(segments: dict[str, str], data) -> dict[str, str]:
    new = dict(segments)
    for name in data.draw(st.lists(st.sampled_from(list(segments)), max_size=3)):
        new[name] = data.draw(TEXT)
    return new


@settings(max_examples=150, deadline=None)
@given(row=okapi_mc_rows(), data=st.data())
def test_property_mc_round_trip(row, data):
    adapter = get_adapter("mmlu")
    item = adapter.to_item(row, 3, "mmlu", "dev")
    assert same(adapter.to_row(item, item.segments), row)
    new = corrected(item.segments, data)
    again = adapter.to_item(adapter.to_row(item, new), 3, "mmlu", "dev")
    assert again.segments == new and again.answer == item.answer


@settings(max_examples=150, deadline=None)
@given(row=truthfulqa_rows(), data=st.data())
def test_property_truthfulqa_round_trip(row, data):
    adapter = get_adapter("truthfulqa")
    item = adapter.to_item(row, 1, "tqa", "validation")
    assert same(adapter.to_row(item, item.segments), row)
    names = set(item.segments)
    assert sum(len(v) for k, v in adapter.segment_columns(row).items() if k != "question") == len(
        row["mc1_targets_choices"]
    ) + len(row["mc2_targets_choices"])
    new = corrected(item.segments, data)
    out = adapter.to_row(item, new)
    assert out["mc1_targets_labels"] == row["mc1_targets_labels"]
    choices = [v for k, v in new.items() if k != "question"]
    if len(set(choices)) == len(choices):  # distinct texts: re-reading finds the same items
        again = adapter.to_item(out, 1, "tqa", "validation")
        assert again.segments == new and set(again.segments) == names


@settings(max_examples=150, deadline=None)
@given(row=hellaswag_rows(), data=st.data())
def test_property_hellaswag_round_trip(row, data):
    adapter = get_adapter("hellaswag")
    item = adapter.to_item(row, 0, "hellaswag", "validation")
    assert same(adapter.to_row(item, item.segments), row)
    new = corrected(item.segments, data)
    out = adapter.to_row(item, new)
    assert out["ctx"] == new["context"] and out["endings"] == [new[n] for n in list(new)[1:]]
    if row["ctx"] == (f"{row['ctx_a']} {row['ctx_b']}" if row["ctx_b"] else row["ctx_a"]):
        b = out["ctx_b"]
        assert out["ctx"] == (f"{out['ctx_a']} {b}" if b else out["ctx_a"])


@settings(max_examples=100, deadline=None)
@given(row=okapi_mc_rows())
def test_property_segments_survive_the_correction_format(row):
    item = get_adapter("arc").to_item(row, 0, "arc", "v")
    parsed = parse_correction(format_correction(item.segments), list(item.segments))
    last = list(item.segments)[-1]
    # the line break after a segment is the format's; a "\r" before it makes a Windows one
    assert parsed == {
        k: edge_lines_dropped(v if k == last else v + "\n") for k, v in item.segments.items()
    }


def edge_lines_dropped(text: str) -> str:
    """A segment as the correction format keeps it: all but blank lines at its edges."""
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)
