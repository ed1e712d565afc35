"""Gold items without a server: the gold file, what counts as right, accuracy worked by
hand, and what the threshold does to a hand-made vote table."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotate import gold
from annotate.adapters import get_adapter
from annotate.config import campaign_from_dict
from annotate.errors import ConfigError
from annotate.listing import reason_text
from annotate.model import Q_CORRECTION, Q_VERDICT, format_correction
from annotate.resolve import resolve

T0 = pd.Timestamp("2025-01-01T00:00:00Z")

ROW = {
    "id": "ARC-Challenge/train/Mercury_1",
    "answer": "B",
    "instruction": "¿Qué planeta está más cerca del Sol?",
    "option_a": "Venus",
    "option_b": "Mercurio",
    "option_c": "Marte",
    "option_d": "Venus",  # the MT made A and D the same word: the gold fix is D
}
SHAPES = {"arc": gold.BenchmarkShape(get_adapter("arc"), "validation", with_original=False)}
LABEL = "c.yaml: gold.path: gold.jsonl"


def row(n: int = 1, verdict: str = "correct", **extra) -> dict:
    return {
        **ROW,
        "id": f"ARC-Challenge/train/Mercury_{n}",
        "benchmark": "arc",
        "gold_verdict": verdict,
        **extra,
    }


def parse(rows: list) -> list[gold.GoldItem]:
    return gold.parse_gold(rows, SHAPES, label=LABEL)


# --- the gold file ---------------------------------------------------------------------


def test_gold_rows_become_items_like_any_other() -> None:
    items = parse(
        [
            row(1, "correct"),
            row(2, "unusable"),
            row(3, "corrected", gold_text={"D": "Júpiter"}),
            row(4, "corrected", gold_text=format_correction({**_mt(), "D": "Saturno"})),
        ]
    )
    assert [g.verdict for g in items] == ["correct", "unusable", "corrected", "corrected"]
    # the record id, segments and visible metadata are those of any ARC item of the split
    plain = get_adapter("arc").to_item(row(1), 0, "arc", "validation")
    assert items[0].item.segments == plain.segments
    assert items[0].record_id == "arc:ARC-Challenge/train/Mercury_1"
    assert items[0].item.metadata == {"split": "validation"}
    # segments not given keep the machine translation
    assert items[2].text == {**_mt(), "D": "Júpiter"}
    assert items[3].text == {**_mt(), "D": "Saturno"}
    assert items[0].text is None and [g.row for g in items] == [1, 2, 3, 4]


def _mt() -> dict[str, str]:
    return get_adapter("arc").to_item(ROW, 0, "arc", "validation").segments


@pytest.mark.parametrize(
    ("rows", "where", "says"),
    [
        ([["not", "an", "object"]], "row 1", "expected an object"),
        ([{**ROW, "gold_verdict": "correct"}], "row 1: benchmark", "required key missing"),
        ([row(benchmark="mmlu")], "row 1: benchmark", "no benchmark 'mmlu'"),
        ([row(1), row(2, "wrong")], "row 2: gold_verdict", "'wrong' is not a verdict"),
        ([{**row(), "gold_verdict": None}], "row 1: gold_verdict", "required key missing"),
        ([row(verdict="corrected")], "row 1: gold_text", "needs its accepted text"),
        ([row(gold_text={"D": "x"})], "row 1: gold_text", "only a 'corrected' gold item"),
        (
            [row(verdict="corrected", gold_text={"E": "x"})],
            "row 1: gold_text",
            "no segment named 'E'",
        ),
        ([row(verdict="corrected", gold_text={"D": 3})], "row 1: gold_text.D", "expected text"),
        ([row(verdict="corrected", gold_text=7)], "row 1: gold_text", "expected a mapping"),
        ([row(verdict="corrected", gold_text="[[A]]\nx")], "row 1: gold_text", "marker lines"),
        (
            [row(verdict="corrected", gold_text={"D": "Venus "})],
            "row 1: gold_text",
            "correction_equals_mt",
        ),
        (
            [row(verdict="corrected", gold_text={"C": "Venus", "D": "Júpiter"})],
            "row 1: gold_text",
            "duplicate_choices:A,C",
        ),
        ([row(1), {**row(2), "answer": None}], "row 2", "no answer"),
        ([row(1), row(1)], "row 2", "same id 'arc:ARC-Challenge/train/Mercury_1' as row 1"),
        ([row(gold_original={"id": "x"})], "row 1: gold_original", "shows no original"),
    ],
)
def test_every_bad_row_is_one_line_naming_file_row_and_key(rows, where, says) -> None:
    with pytest.raises(ConfigError) as err:
        parse(rows)
    message = str(err.value)
    assert message.startswith(f"{LABEL}: {where}"), message
    assert says in message
    assert "\n" not in message


def test_an_original_is_aligned_like_a_benchmark_items() -> None:
    shapes = {"arc": gold.BenchmarkShape(get_adapter("arc"), "validation", with_original=True)}
    english = {**ROW, "instruction": "Which planet is closest to the Sun?"}
    english.update(option_a="Venus", option_b="Mercury", option_c="Mars", option_d="Jupiter")
    (g,) = gold.parse_gold([row(gold_original=english)], shapes, label=LABEL)
    assert g.item.original is not None and g.item.original["B"] == "Mercury"
    with pytest.raises(ConfigError, match=r"row 1: gold_original: .*answer differs"):
        gold.parse_gold([row(gold_original={**english, "answer": "C"})], shapes, label=LABEL)


def test_a_gold_item_must_not_be_a_benchmark_item() -> None:
    (g,) = parse([row(7)])
    same_id = get_adapter("arc").to_item(row(7), 4, "arc", "validation")
    same_text = get_adapter("arc").to_item({**ROW, "id": "other"}, 5, "arc", "validation")
    other = get_adapter("arc").to_item({**ROW, "id": "o", "option_d": "Sol"}, 6, "arc", "x")
    gold.check_distinct([g], [other], label=LABEL)  # fine
    with pytest.raises(ConfigError, match=r"row 1: has the same id as benchmark item"):
        gold.check_distinct([g], [other, same_id], label=LABEL)
    with pytest.raises(ConfigError, match=r"row 1: has the same texts as .*'arc:other'.*row 5"):
        gold.check_distinct([g], [same_text], label=LABEL)


def _config(tmp_path: Path, gold_section: dict | None, **extra) -> dict:
    src = tmp_path / "m_arc_es_validation.json"
    src.write_text(json.dumps([{**ROW, "id": "real-1", "option_d": "Sol"}]), encoding="utf-8")
    data = {
        "campaign": "c",
        "language": "es",
        "workspace": "w",
        "guidelines": "g",
        "benchmarks": [{"name": "arc", "adapter": "arc", "translation": {"path": str(src)}}],
        **extra,
    }
    if gold_section is not None:
        data["gold"] = gold_section
    return data


def test_config_section_defaults_and_refusals(tmp_path: Path) -> None:
    (tmp_path / "gold.jsonl").write_text(json.dumps(row()) + "\n", encoding="utf-8")
    assert campaign_from_dict(_config(tmp_path, None), base_dir=tmp_path).gold is None
    cfg = campaign_from_dict(_config(tmp_path, {"path": "gold.jsonl"}), base_dir=tmp_path)
    assert (cfg.gold.min_accuracy, cfg.gold.min_seen, cfg.gold.mode) == (None, 5, "exclude")
    assert [g.record_id for g in gold.load_gold(cfg)] == ["arc:ARC-Challenge/train/Mercury_1"]
    bad = [
        ({"path": "nope.jsonl"}, "gold.path: file not found"),
        ({"path": "gold.jsonl", "min_accuracy": 1.5}, "gold.min_accuracy"),
        ({"path": "gold.jsonl", "mode": "drop"}, "gold.mode"),
        ({"path": "gold.jsonl", "min_seen": 0}, "gold.min_seen"),
        ({"path": "gold.jsonl", "treshold": 0.7}, "gold.treshold: unknown key"),
    ]
    for section, says in bad:
        with pytest.raises(ConfigError, match=says):
            campaign_from_dict(_config(tmp_path, section), base_dir=tmp_path)
    weight = {"path": "gold.jsonl", "min_accuracy": 0.7, "mode": "weight"}
    with pytest.raises(ConfigError, match="gold.mode: 'weight' needs resolution.method"):
        campaign_from_dict(
            _config(tmp_path, weight, resolution={"method": "dawid_skene"}), base_dir=tmp_path
        )


def test_a_bad_gold_file_names_the_config_file_and_row(tmp_path: Path) -> None:
    lines = [json.dumps(row(1)), json.dumps(row(2, "maybe"))]
    (tmp_path / "gold.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cfg = campaign_from_dict(
        _config(tmp_path, {"path": "gold.jsonl"}), base_dir=tmp_path, file=tmp_path / "c.yaml"
    )
    with pytest.raises(ConfigError) as err:
        gold.load_gold(cfg)
    assert str(err.value).startswith(f"{tmp_path / 'c.yaml'}: gold.path: {tmp_path}/gold.jsonl")
    assert "row 2: gold_verdict: 'maybe' is not a verdict" in str(err.value)


def test_a_csv_gold_file_leaves_cells_blank_where_a_row_has_no_value(tmp_path: Path) -> None:
    """A spreadsheet's CSV export has the gold_text column on every row: an empty cell on
    a `correct` row is no accepted text (it failed as one), and on a `corrected` row it is
    a missing one."""
    fixed = format_correction({**_mt(), "D": "Júpiter"})
    frame = pd.DataFrame([row(1, "correct", gold_text=""), row(2, "corrected", gold_text=fixed)])
    frame.to_csv(tmp_path / "gold.csv", index=False, encoding="utf-8-sig")
    cfg = campaign_from_dict(_config(tmp_path, {"path": "gold.csv"}), base_dir=tmp_path)
    first, second = gold.load_gold(cfg)
    assert (first.verdict, first.text) == ("correct", None)
    assert second.text is not None and second.text["D"] == "Júpiter"
    with pytest.raises(ConfigError, match="row 1: gold_text: a corrected gold item needs"):
        parse([row(1, "corrected", gold_text="  ")])


# --- what counts as right --------------------------------------------------------------


def test_judge() -> None:
    fixed, plain, bad = parse(
        [
            row(1, "corrected", gold_text={"D": "Júpiter"}),
            row(2, "correct"),
            row(3, "unusable"),
        ]
    )
    mt = _mt()
    assert gold.judge(plain, "correct", None)
    assert not gold.judge(plain, "corrected", format_correction({**mt, "D": "Júpiter"}))
    assert gold.judge(bad, "unusable", None) and not gold.judge(bad, "correct", None)
    # corrected: another right wording of the broken segment is right
    assert gold.judge(fixed, "corrected", format_correction({**mt, "D": "Neptuno"}))
    assert gold.judge(fixed, "corrected", format_correction({**mt, "A": "x", "D": "Júpiter"}))
    # ...but the box left as the MT (a phantom), a fix elsewhere, a broken text are not
    assert not gold.judge(fixed, "corrected", format_correction(mt))
    assert not gold.judge(fixed, "corrected", format_correction({**mt, "D": " Venus"}))
    assert not gold.judge(fixed, "corrected", format_correction({**mt, "C": "Plutón"}))
    assert not gold.judge(fixed, "corrected", "[[question]]\nbroken")
    assert not gold.judge(fixed, "corrected", None)
    assert not gold.judge(fixed, "correct", None)


# --- accuracy, worked by hand ----------------------------------------------------------


class Votes:
    """The tidy responses table, one row per question, the way pull writes it."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, record: str, user: str, verdict: str | None, **kw) -> Votes:
        t = T0 + pd.Timedelta(minutes=len(self.rows))
        base = {
            "record_id": record,
            "benchmark": record.split(":")[0],
            "item_key": record.split(":", 1)[1],
            "user_id": f"id-{user}",
            "username": user,
            "status": kw.get("status", "submitted"),
            "inserted_at": t,
            "updated_at": t,
        }
        self.rows.append({**base, "question": Q_VERDICT, "value": verdict})
        if kw.get("correction") is not None:
            self.rows.append({**base, "question": Q_CORRECTION, "value": kw["correction"]})
        return self

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)


def _gold_set() -> dict[str, gold.GoldItem]:
    items = parse(
        [
            row(1, "correct"),
            row(2, "correct"),
            row(3, "unusable"),
            row(4, "corrected", gold_text={"D": "Júpiter"}),
            row(5, "correct"),
        ]
    )
    return {g.record_id: g for g in items}


def _gid(n: int) -> str:
    return f"arc:ARC-Challenge/train/Mercury_{n}"


def test_accuracy_worked_by_hand() -> None:
    g = _gold_set()
    mt = _mt()
    v = Votes()
    # ana: all 5 right (her corrected gold fixes D her own way)
    for n in (1, 2, 5):
        v.add(_gid(n), "ana", "correct")
    v.add(_gid(3), "ana", "unusable")
    v.add(_gid(4), "ana", "corrected", correction=format_correction({**mt, "D": "Saturno"}))
    # carl clicks "corrected" everywhere with the box untouched: 0 of 5
    for n in range(1, 6):
        v.add(_gid(n), "carl", "corrected", correction=format_correction(mt))
    # dani: 2 right of 3 seen; a draft and a discard are not answers
    v.add(_gid(1), "dani", "correct").add(_gid(2), "dani", "unusable")
    v.add(_gid(3), "dani", "unusable")
    v.add(_gid(4), "dani", "correct", status="draft")
    v.add(_gid(5), "dani", None, status="discarded")
    # eva answered no gold item; a vote on a benchmark item is not a gold answer
    v.add("arc:real-1", "eva", "correct")
    table = gold.accuracy_table(gold.gold_votes(v.frame(), g))
    got = {r["username"]: (r["seen"], r["right"], r["accuracy"]) for r in table.to_dict("records")}
    assert got == {"ana": (5, 5, 1.0), "carl": (5, 0, 0.0), "dani": (3, 2, 2 / 3)}
    assert gold.by_username(table)["dani"] == {"accuracy": 2 / 3, "seen": 3}

    policy = gold.Policy(min_accuracy=0.7, min_seen=5, mode="exclude")
    assert gold.vote_weights(table, policy) == {"id-carl": 0.0}  # dani: only 3 seen
    assert gold.vote_weights(table, gold.Policy(0.7, 3, "exclude")) == {
        "id-carl": 0.0,
        "id-dani": 0.0,
    }
    assert gold.vote_weights(table, gold.Policy(0.7, 3, "weight")) == {
        "id-carl": 0.0,
        "id-dani": pytest.approx(2 / 3),
    }
    assert gold.vote_weights(table, gold.Policy(None, 1, "exclude")) == {}  # report only


def test_a_vote_on_an_earlier_text_of_a_gold_item_is_not_scored() -> None:
    g = _gold_set()
    frame = Votes().add(_gid(1), "ana", "correct").add(_gid(2), "ana", "correct").frame()
    frame["content_hash"] = [g[_gid(1)].item.content_hash, "an-older-hash"]
    table = gold.accuracy_table(gold.gold_votes(frame, g))
    assert table[["seen", "right"]].values.tolist() == [[1, 1]]


# --- the threshold on a hand-made vote table ----------------------------------------------

MT = {"question": "¿Capital de Francia?", "A": "París", "B": "Lyon"}


def _items(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_id": [f"b:{i}" for i in range(n)],
            "benchmark": "b",
            "item_key": [str(i) for i in range(n)],
            "segments": json.dumps(MT, ensure_ascii=False),
            "original": None,
        }
    )


def _statuses(res) -> list[str]:
    return res.items["status"].tolist()


def test_exclude_and_weight_on_a_hand_made_table() -> None:
    v = Votes()
    # b:0  ana correct, carl unusable             -> tie | 1 vote | correct 1 vs 0.2
    v.add("b:0", "ana", "correct").add("b:0", "carl", "unusable")
    # b:1  ana, ben correct, carl unusable        -> validated in every mode
    v.add("b:1", "ana", "correct").add("b:1", "ben", "correct").add("b:1", "carl", "unusable")
    # b:2  carl, ben unusable, ana correct        -> unusable | tie 1-1 | 1.2 vs 1: unusable
    v.add("b:2", "carl", "unusable").add("b:2", "ben", "unusable").add("b:2", "ana", "correct")
    # b:3  carl, dani unusable; ana, ben correct  -> tie | validated | validated (2 vs 1.2)
    for who, verdict in (("carl", "unusable"), ("dani", "unusable")):
        v.add("b:3", who, verdict)
    v.add("b:3", "ana", "correct").add("b:3", "ben", "correct")
    frame, items = v.frame(), _items(4)
    plain = resolve(items, frame, min_votes=2)
    out = resolve(items, frame, min_votes=2, voter_weights={"id-carl": 0.0})
    weighed = resolve(items, frame, min_votes=2, voter_weights={"id-carl": 0.2})
    assert _statuses(plain) == ["needs_review", "validated", "unusable", "needs_review"]
    assert _statuses(out) == ["unannotated", "validated", "needs_review", "validated"]
    assert _statuses(weighed) == ["validated", "validated", "unusable", "validated"]
    # left out: not a vote anywhere (counts, agreement); down-weighted: still a vote
    assert out.items["n_submitted"].tolist() == [1, 2, 2, 3]
    assert weighed.items["n_submitted"].tolist() == [2, 3, 3, 4]
    assert json.loads(out.items["annotators"][0]) == ["ana"]
    # `annotate items` says why b:0 is unannotated although two people answered it
    assert [json.loads(x)[0] for x in out.items["issues"]] == ["left_out_votes:1"] * 4
    assert reason_text("left_out_votes:1").startswith("1 vote(s) left out")
    assert not any("left_out" in x for x in weighed.items["issues"])
    assert out.items["agreement"].tolist()[1] == 1.0
    # ...and carl keeps the credit for the work (4 submitted verdicts) in every mode
    for res in (plain, out, weighed):
        board = res.annotators.set_index("username")
        assert board.loc["carl", "submitted"] == 4


def test_a_left_out_annotators_correction_never_becomes_the_text() -> None:
    # both say corrected with different texts; carl first: the medoid tie goes to carl
    v = Votes()
    v.add("b:0", "carl", "corrected", correction=format_correction({**MT, "B": "Lyonn"}))
    v.add("b:0", "ana", "corrected", correction=format_correction({**MT, "B": "Marsella"}))
    plain = resolve(_items(1), v.frame(), min_votes=1)
    out = resolve(_items(1), v.frame(), min_votes=1, voter_weights={"id-carl": 0.0})
    assert json.loads(plain.items["final_segments"][0])["B"] == "Lyonn"
    assert plain.items["low_confidence"][0]
    assert json.loads(out.items["final_segments"][0])["B"] == "Marsella"
    assert not out.items["low_confidence"][0]


VERDICT = st.sampled_from(["correct", "corrected", "unusable"])
VOTES = st.lists(
    st.tuples(st.integers(0, 4), st.sampled_from("abcd"), VERDICT), min_size=1, max_size=30
)


def _table(votes: list) -> pd.DataFrame:
    v = Votes()
    for item, who, verdict in dict(((i, w), (i, w, x)) for i, w, x in votes).values():
        v.add(f"b:{item}", who, verdict, correction=format_correction({**MT, "B": "Lyón"}))
    return v.frame()


@settings(max_examples=25, deadline=None)
@given(votes=VOTES, left_out=st.sets(st.sampled_from("abcd"), max_size=2))
def test_leaving_out_is_resolving_without_their_votes(votes, left_out) -> None:
    """Property: with weight 0, items resolve exactly as if those people never voted;
    weight 1 changes nothing; the credit table still counts everyone."""
    frame, items = _table(votes), _items(5)
    out = resolve(items, frame, min_votes=1, voter_weights={f"id-{w}": 0.0 for w in left_out})
    alone = resolve(items, frame[~frame["username"].isin(left_out)], min_votes=1)
    cols = ["status", "verdict", "n_submitted", "votes", "final_segments", "annotators"]
    pd.testing.assert_frame_equal(out.items[cols], alone.items[cols])
    same = resolve(items, frame, min_votes=1, voter_weights={"id-a": 1.0})
    base = resolve(items, frame, min_votes=1)
    pd.testing.assert_frame_equal(same.items, base.items)
    assert int(out.annotators["submitted"].sum()) == int(base.annotators["submitted"].sum())


@pytest.mark.parametrize("method", ["dawid_skene"])  # glad, mace: the same code path
def test_crowdkit_methods_never_see_a_left_out_vote(method) -> None:
    votes = [(i, w, "correct") for i in range(5) for w in "ab"]
    votes += [(i, "c", "unusable") for i in range(5)]  # c contradicts everyone
    frame, items = _table(votes), _items(5)
    out = resolve(items, frame, min_votes=1, method=method, voter_weights={"id-c": 0.0})
    assert out.items["n_submitted"].tolist() == [2] * 5
    assert out.items["status"].tolist() == ["validated"] * 5
    assert json.loads(out.items["votes"][0]) == {"correct": 2}


# --- what the other stages see -----------------------------------------------------------


def test_view_takes_gold_out_and_counts_what_the_threshold_did() -> None:
    g = list(_gold_set().values())
    v = Votes()
    for n in range(1, 6):
        v.add(_gid(n), "carl", "unusable")
    v.add("b:0", "carl", "correct").add("b:1", "carl", "unusable").add("b:0", "ana", "correct")
    v.add("arc:old-gold", "ana", "correct")  # pushed as gold once, no longer in the config
    seen = gold.view(v.frame(), g, gold.Policy(0.7, 5, "exclude"), also_gold={"arc:old-gold"})
    assert set(seen.responses["record_id"]) == {"b:0", "b:1"}
    assert seen.weights == {"id-carl": 0.0} and seen.affected == 2
    summary = seen.summary()
    assert summary["items"] == 5 and summary["annotators_affected"] == 1
    assert summary["annotators"] == [
        {"username": "carl", "seen": 5, "right": 1, "accuracy": 0.2, "weight": 0.0}
    ]
    line = gold.card_line(summary)
    assert line is not None
    assert "5 gold items" in line and "1 annotator was below 70%" in line
    assert "their 2 verdicts were left out" in line
    headers, rows, title = gold.summary_table(summary)
    assert rows == [("carl", 5, 1, "20%", "left out")] and "1 annotators, 2 verdicts" in title
    # without gold nothing moves
    bare = gold.view(v.frame(), [], gold.Policy())
    assert bare.responses is not None and len(bare.responses) == len(v.frame())
    assert not bare.active and gold.card_line(bare.summary()) is None


def test_the_ledger_remembers_gold_pushed_earlier(tmp_path: Path) -> None:
    assert gold.ledger_ids(tmp_path) == set()
    gold.remember(tmp_path, ["arc:g1"])
    gold.remember(tmp_path, ["arc:g2", "arc:g1"])
    assert gold.ledger_ids(tmp_path) == {"arc:g1", "arc:g2"}
    (tmp_path / gold.LEDGER).write_text("{not json", encoding="utf-8")
    assert gold.ledger_ids(tmp_path) == set()  # unreadable: treated as empty, never fatal


def test_push_checks_the_gold_file_before_anything_is_sent(tmp_path: Path) -> None:
    from annotate.push import push

    def config(lines: list[dict]) -> object:
        (tmp_path / "gold.jsonl").write_text(
            "".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8"
        )
        return campaign_from_dict(
            _config(tmp_path, {"path": "gold.jsonl"}), base_dir=tmp_path, file="c.yaml"
        )

    (planned,) = push(config([row(1), row(2, "unusable")]), None, dry_run=True)
    assert (planned.items, planned.created, planned.gold) == (1, 1, 2)
    with pytest.raises(ConfigError, match=r"gold.jsonl: row 2: gold_verdict: 'x' is not"):
        push(config([row(1), row(2, "x")]), None, dry_run=True)
    # the benchmark's own row used as gold: same id; the same texts under another id
    real = {**ROW, "id": "real-1", "option_d": "Sol", "benchmark": "arc", "gold_verdict": "correct"}
    with pytest.raises(ConfigError, match=r"row 1: has the same id as benchmark item 'arc:real-1'"):
        push(config([real]), None, dry_run=True)
    with pytest.raises(ConfigError, match=r"row 2: has the same texts as benchmark item"):
        push(config([row(1), {**real, "id": "copy"}]), None, dry_run=True)


def test_with_triage_gold_items_get_a_score_like_any_other(tmp_path: Path) -> None:
    """With `triage.prioritize`, a record without a priority would sit at the end of every
    queue: gold items are scored like the rest, and only benchmark items are counted."""
    from annotate.push import _plan_benchmark, load_all

    (tmp_path / "gold.jsonl").write_text(json.dumps(row()) + "\n", encoding="utf-8")
    data = _config(tmp_path, {"path": "gold.jsonl"}, triage={"enabled": True, "prioritize": True})
    cfg = campaign_from_dict(data, base_dir=tmp_path)
    loads = load_all(cfg, None, None)
    mixed = gold.PushGold.of(cfg, loads)
    ((bench, load),) = loads
    planned = _plan_benchmark(cfg, None, bench, load, accept_new=False, gold=mixed)
    gold_id = "arc:ARC-Challenge/train/Mercury_1"
    assert {it.record_id for it in planned.plan.create} == {"arc:real-1", gold_id}
    assert gold_id in planned.findings  # the MT's duplicated choices are a finding
    assert planned.findings[gold_id] and planned.result.triage_flagged == 0


def test_every_stage_refuses_gold_that_became_a_benchmark_item(tmp_path: Path) -> None:
    """A raised limit (or a row moved into the source) makes a gold item a benchmark item:
    resolve, report and publish stop as push does, instead of starving the item of votes.
    A record the ledger remembers as gold but that is a benchmark item now counts as one."""
    from annotate.campaign import load_items

    real = {**ROW, "id": "real-1", "option_d": "Sol", "benchmark": "arc", "gold_verdict": "correct"}
    (tmp_path / "gold.jsonl").write_text(json.dumps(real) + "\n", encoding="utf-8")
    data = _config(tmp_path, {"path": "gold.jsonl"}, workdir=str(tmp_path / "work"))
    with pytest.raises(ConfigError, match=r"row 1: has the same id as benchmark item 'arc:real-1'"):
        load_items(campaign_from_dict(data, base_dir=tmp_path))
    del data["gold"]
    cfg = campaign_from_dict(data, base_dir=tmp_path)
    gold.remember(cfg.workdir, ["arc:real-1", "arc:old-gold"])
    loads = load_items(cfg)
    assert gold.campaign_gold(cfg, loads)[1] == {"arc:old-gold"}
    assert gold.campaign_gold(cfg)[1] == {"arc:real-1", "arc:old-gold"}


def test_items_reviewers_settled_serve_as_gold_and_stay_benchmark_items() -> None:
    from dataclasses import dataclass as _dc

    @_dc(frozen=True)
    class Settled:  # the shape of review.settled_by_reviewers' items (the contract)
        benchmark: str
        item_key: str
        decision: str
        accepted_text: dict | None
        record_id: str = ""

    adapter = get_adapter("arc")
    items = [adapter.to_item({**ROW, "id": f"b{i}"}, i, "arc", "validation") for i in range(3)]
    settled = [
        Settled("arc", "b0", "correct", dict(_mt()), "arc:b0"),
        Settled("arc", "b1", "corrected", {**_mt(), "D": "Júpiter"}, "arc:b1"),
        Settled("arc", "gone", "unusable", None, "arc:gone"),  # no such item any more
        Settled("arc", "b2", "corrected", None, "arc:b2"),  # no text: not a known answer
    ]
    reviewed = gold.gold_from_reviews(settled, items)
    assert [(g.record_id, g.verdict) for g in reviewed] == [
        ("arc:b0", "correct"),
        ("arc:b1", "corrected"),
    ]
    mt = _mt()
    v = Votes()
    v.add("arc:b0", "carl", "unusable").add("arc:b1", "carl", "correct")
    v.add("arc:b0", "ana", "correct")
    v.add("arc:b1", "ana", "corrected", correction=format_correction({**mt, "D": "Saturno"}))
    seen = gold.view(v.frame(), [], gold.Policy(0.5, 2, "exclude"), reviewed=reviewed)
    assert len(seen.responses) == len(v.frame())  # their votes stay benchmark votes
    assert seen.weights == {"id-carl": 0.0}
    summary = seen.summary()
    assert (summary["items"], summary["from_reviews"]) == (0, 2)
    line = gold.card_line(summary)
    assert line is not None and line.startswith("2 items settled by reviewers served as gold")


def test_the_leaderboards_show_accuracy_with_the_gold_items_it_rests_on() -> None:
    from test_report import parse, sample_data, section_html

    from annotate.cli.insights import _gold_cell
    from annotate.report import build_report

    assert _gold_cell({"gold_accuracy": 0.6, "gold_seen": 5}) == "60% of 5"
    assert _gold_cell({"gold_accuracy": None, "gold_seen": 0}) == "—"
    data = sample_data()
    board = data.leaderboard.copy()
    n = len(board)
    board["phantom_corrections"] = 0
    board["gold_accuracy"] = [0.6, 0.9] + [float("nan")] * (n - 2)
    board["gold_seen"] = [5, 10] + [0] * (n - 2)
    data.leaderboard, data.gold_min_accuracy = board, 0.7
    cells = [
        a
        for _, a in parse(section_html(build_report(data, lang="en"), "leaderboard")).tags
        if a.get("data-col") == "gold_accuracy" or "data-gold-seen" in a
    ]
    gold_cells = [a for a in cells if a.get("data-col") == "gold_accuracy"]
    assert ["flag" in (a.get("class") or "") for a in gold_cells[:3]] == [True, False, False]
    assert [a["data-gold-seen"] for a in cells if "data-gold-seen" in a] == ["5", "10"]


def test_from_reviews_scores_annotators_on_what_reviewers_settled(tmp_path: Path) -> None:
    """`gold: {from_reviews: true}`: the items review.settled_by_reviewers finds in resolve's
    items (after the review stage) score the annotators, and stay benchmark items."""
    from annotate.campaign import load_items

    with pytest.raises(ConfigError, match="gold: give 'path'"):
        campaign_from_dict(_config(tmp_path, {"min_accuracy": 0.5}), base_dir=tmp_path)
    section = {"from_reviews": True, "min_accuracy": 0.5, "min_seen": 1}
    data = _config(tmp_path, section, workdir=str(tmp_path / "work"))
    cfg = campaign_from_dict(data, base_dir=tmp_path)
    assert gold.uses_reviews(cfg) and gold.load_gold(cfg) == []
    loads = load_items(cfg)
    (item,) = loads["arc"].items
    resolved = pd.DataFrame(
        {
            "record_id": [item.record_id],
            "benchmark": ["arc"],
            "item_key": [item.key],
            "status": ["unusable"],
            "reviewer": ["rita"],
            "final_segments": [json.dumps(item.segments)],
        }
    )
    votes = Votes().add(item.record_id, "carl", "correct").add(item.record_id, "ana", "unusable")
    seen = gold.reviewed_view(cfg, votes.frame(), loads, resolved)
    assert seen.weights == {"id-carl": 0.0} and seen.summary()["from_reviews"] == 1
    assert len(seen.responses) == len(votes.frame())
    unsettled = gold.reviewed_view(cfg, votes.frame(), loads, resolved.assign(reviewer=None))
    assert unsettled.weights == {} and not unsettled.active
    # ana annotated the item and settled it as a reviewer: her vote is not scored against
    # her own decision (it would always be right); carl's still is
    own = gold.reviewed_view(cfg, votes.frame(), loads, resolved.assign(reviewer_id="id-ana"))
    assert set(own.table["username"]) == {"carl"} and own.weights == {"id-carl": 0.0}


def test_resolve_with_from_reviews_and_no_review_yet(tmp_path: Path) -> None:
    """resolve runs the from_reviews step on a pull without review tables: nothing settled,
    the gold file alone scores, the statuses are those of one pass."""
    from annotate import store
    from annotate.campaign import load_items, run_resolve

    (tmp_path / "gold.jsonl").write_text(json.dumps(row()) + "\n", encoding="utf-8")
    section = {"path": "gold.jsonl", "from_reviews": True, "min_accuracy": 0.5, "min_seen": 1}
    cfg = campaign_from_dict(
        _config(tmp_path, section, workdir=str(tmp_path / "work")), base_dir=tmp_path
    )
    (item,) = load_items(cfg)["arc"].items
    gid = _gid(1)
    v = Votes().add(gid, "carl", "unusable").add(gid, "ana", "correct")
    v.add(item.record_id, "carl", "unusable").add(item.record_id, "ana", "correct")
    responses = v.frame()
    records = pd.DataFrame(
        {
            "record_id": [item.record_id, gid],
            "argilla_id": ["u1", "u2"],
            "benchmark": "arc",
            "dataset": "c-arc",
            "item_key": [item.key, gid.split(":", 1)[1]],
            "status": "completed",
            "content_hash": [None, None],
            "translation": "",
            "suggestion": None,
            "inserted_at": T0,
            "updated_at": T0,
        }
    )
    store.write_snapshot(cfg.workdir, responses, records, {"snapshot": "s1", "benchmarks": []})
    resolution, summary = run_resolve(cfg)
    assert resolution.items["status"].tolist() == ["unannotated"]  # carl left out: 1 vote
    assert summary["gold"]["from_reviews"] == 0 and summary["gold"]["annotators_affected"] == 1
    # the report and status read the same pull the same way
    from annotate.insights import load_latest

    pulled = load_latest(cfg)
    assert pulled is not None and pulled.gold is not None
    assert pulled.resolution.items["status"].tolist() == ["unannotated"]
    assert pulled.gold.weights == {"id-carl": 0.0} and pulled.gold.progress["arc"]["total"] == 1
