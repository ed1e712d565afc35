"""A release you can trust: what reaches a published row, on real Okapi items (issue 10).

Each test runs the real adapters, `resolve` and publish's row building on a small
campaign whose outcome was worked out by hand.
"""

from __future__ import annotations

import copy
import json

import pandas as pd
import pytest
from campaigns import make_config
from releases import Responses, load, okapi_rows, published, run

from annotate import store
from annotate.adapters import RowError, get_adapter
from annotate.campaign import load_items, run_resolve
from annotate.config import load_config
from annotate.errors import AnnotateError
from annotate.listing import reason_text
from annotate.model import format_correction, parse_correction
from annotate.pairing import build_items
from annotate.privacy import find_secrets
from annotate.publish import (
    BenchmarkRelease,
    CampaignInfo,
    _benchmark_table,
    _redact,
    _responses_rows,
)
from annotate.push import push
from annotate.store import RECORD_COLUMNS, RESPONSE_COLUMNS


def fix(item, **segments: str) -> str:
    """A correction as an annotator submits it: the MT with some segments replaced."""
    return format_correction({**item.segments, **segments})


def issues_of(res, item) -> list[str]:
    return json.loads(res.items.set_index("record_id").loc[item.record_id, "issues"])


def status_of(res, item) -> str:
    return res.items.set_index("record_id").loc[item.record_id, "status"]


# --- 1. rejected corrections never reach the release ------------------------------------


def test_rejected_corrections_publish_the_source_row_byte_for_byte():
    arc = load("arc", "arc", okapi_rows("m_arc_es_validation.json")[:3])
    tqa = load("truthfulqa", "truthfulqa", okapi_rows("m_truthfulqa_es_validation.json")[:1])
    r = Responses()
    for user in ("ana", "ben"):
        # B becomes a copy of A: duplicate_choices
        r.answer(arc[0], user, "corrected", correction=fix(arc[0], B=arc[0].segments["A"]))
        # C emptied: empty_segment
        r.answer(arc[1], user, "corrected", correction=fix(arc[1], C=""))
        # a TruthfulQA choice emptied (it sits in both the mc1 and the mc2 list)
        r.answer(tqa[0], user, "corrected", correction=fix(tqa[0], A="   "))
    res, tables = run({"arc": ("arc", arc), "truthfulqa": ("truthfulqa", tqa)}, r.frame())

    for item, kind in (
        (arc[0], "duplicate_choices"),
        (arc[1], "empty_segment"),
        (tqa[0], "empty_segment"),
    ):
        assert status_of(res, item) == "needs_review"
        assert any(i.startswith(kind) for i in issues_of(res, item))
        row = res.items.set_index("record_id").loc[item.record_id]
        assert json.loads(row["final_segments"]) == item.segments  # the MT, not the rejected text
        assert row["changed_segments"] == "[]"
    rows = {**published(tables["arc"]), **published(tables["truthfulqa"])}
    for item in (arc[0], arc[1], tqa[0]):
        row = rows[item.record_id]
        assert {k: row[k] for k in item.row} == item.row
        assert row["validation_status"] == "needs_review" and row["machine_translation"] is None


def test_publish_does_not_trust_a_text_whose_status_is_not_corrected():
    """A resolved table that carries a text on a non-corrected item (or a corrected item
    whose text breaks a blocking check) still publishes the source row."""
    adapter = get_adapter("arc")
    items = load("arc", "arc", okapi_rows("m_arc_es_validation.json")[:4])
    bad = {**items[0].segments, "B": items[0].segments["A"]}
    good = {**items[3].segments, "question": "¿Pregunta arreglada?"}
    resolved = pd.DataFrame(
        [
            {
                "record_id": it.record_id,
                "status": status,
                "final_segments": json.dumps(final, ensure_ascii=False),
                "mt_segments": json.dumps(it.segments, ensure_ascii=False),
                "n_submitted": 2,
                "agreement": 1.0,
            }
            for it, status, final in (
                (items[0], "needs_review", bad),
                (items[1], "validated", {**items[1].segments, "A": "otra cosa"}),
                (items[2], "corrected", {**items[2].segments, "C": items[2].segments["D"]}),
                (items[3], "corrected", good),
            )
        ]
    )
    before = copy.deepcopy([it.row for it in items])
    table, counts = _benchmark_table(
        BenchmarkRelease("arc", items, adapter.to_row, resolved, source="arc (test)")
    )
    rows = published(table)
    for it in items[:3]:
        assert {k: rows[it.record_id][k] for k in it.row} == it.row
    assert rows[items[2].record_id]["validation_status"] == "needs_review"
    assert rows[items[3].record_id]["instruction"] == "¿Pregunta arreglada?"
    assert counts["corrected"] == 1 and counts["needs_review"] == 2
    assert [it.row for it in items] == before  # the source rows were not modified


# --- 2. corrections keep their whitespace -------------------------------------------------


def mmlu_program():
    rows = okapi_rows("m_mmlu_es_dev.json")
    (row,) = [r for r in rows if r["id"] == "high_school_computer_science/dev/3"]
    return load("mmlu", "mmlu", [row], split="dev")[0]


def test_an_indented_program_keeps_its_indentation_when_one_line_is_fixed():
    item = mmlu_program()
    program = item.segments["question"]
    assert '\n   MUESTRA ("Hotel")' in program  # the real item: indented code
    lines = program.split("\n")
    lines[-1] = "¿Qué se muestra al ejecutar el programa?"
    fixed = "\n".join(lines)
    r = Responses()
    r.answer(item, "ana", "corrected", correction=fix(item, question=fixed))
    # the second annotator's text differs only in spacing: the same vote
    r.answer(item, "ben", "corrected", correction=fix(item, question=fixed.replace(" {", "  {")))
    res, tables = run({"mmlu": ("mmlu", [item])}, r.frame())
    assert status_of(res, item) == "corrected"
    row = published(tables["mmlu"])[item.record_id]
    assert row["instruction"] == fixed  # every line as written, indentation included
    assert json.loads(row["machine_translation"]) == {"question": program}


def test_tabs_double_spaces_and_a_leading_indent_are_published_as_written():
    item = load("arc", "arc", okapi_rows("m_arc_es_validation.json")[:1])[0]
    choice = "\tdef f(x):\n\t\treturn  x  * 2"
    text = fix(item, A=choice, question="Dos  espacios\ty un tabulador.")
    assert parse_correction(text, list(item.segments))["A"] == choice
    r = Responses()
    for user in ("ana", "ben"):
        r.answer(item, user, "corrected", correction=text)
    res, tables = run({"arc": ("arc", [item])}, r.frame())
    row = published(tables["arc"])[item.record_id]
    assert row["option_a"] == choice
    assert row["instruction"] == "Dos  espacios\ty un tabulador."


def test_published_corrections_are_nfc_and_nothing_else():
    item = load("arc", "arc", okapi_rows("m_arc_es_validation.json")[:1])[0]
    decomposed = "Cancio\u0301n  nueva"  # ó as o + combining accent, and a double space
    r = Responses()
    for user in ("ana", "ben"):
        r.answer(item, user, "corrected", correction=fix(item, question=decomposed))
    _, tables = run({"arc": ("arc", [item])}, r.frame())
    assert published(tables["arc"])[item.record_id]["instruction"] == "Canción  nueva"


def test_a_zero_width_character_alone_is_not_a_correction():
    item = load("arc", "arc", okapi_rows("m_arc_es_validation.json")[:1])[0]
    r = Responses()
    for user in ("ana", "ben"):
        zw = fix(item, A=item.segments["A"] + "\u200b", B="\ufeff" + item.segments["B"])
        r.answer(item, user, "corrected", correction=zw)
    res, tables = run({"arc": ("arc", [item])}, r.frame())
    assert status_of(res, item) == "needs_review"
    assert "correction_equals_mt" in issues_of(res, item)
    row = published(tables["arc"])[item.record_id]
    assert {k: row[k] for k in item.row} == item.row


def test_a_choice_of_only_invisible_characters_is_empty():
    item = load("arc", "arc", okapi_rows("m_arc_es_validation.json")[:1])[0]
    r = Responses()
    for user in ("ana", "ben"):
        r.answer(item, user, "corrected", correction=fix(item, question="¿Nueva?", C="\u200b"))
    res, tables = run({"arc": ("arc", [item])}, r.frame())
    assert status_of(res, item) == "needs_review"
    assert "empty_segment:C" in issues_of(res, item)


# --- 5. secrets inside corrections ------------------------------------------------------

LOCAL_KEY = "annotate.Zx8_vQ3-kL0pW2mN7rT5yB1cD4fG6hJ9"
ARGILLA_KEY = "R2d2-C3PO_bb8xWq7LmN0pQrStUvWxYz0123456789aBc"  # token_urlsafe() shape
SECRETS = {
    "email": "Escríbeme a josé.pérez@ejemplo.es.",
    "hf_token": "token hf_pastedByMistake0123456789XYZ",
    "api_key": f"clave {LOCAL_KEY}",
}


def test_a_correction_with_a_secret_goes_to_review_with_its_reason():
    items = load("arc", "arc", okapi_rows("m_arc_es_validation.json")[:4])
    r = Responses()
    cases = [*SECRETS.items(), ("api_key", f"pegué {ARGILLA_KEY} sin querer")]
    for item, (_kind, text) in zip(items, cases, strict=True):
        for user in ("ana", "ben"):
            r.answer(item, user, "corrected", correction=fix(item, B=text))
    res, tables = run({"arc": ("arc", items)}, r.frame())
    rows = published(tables["arc"])
    for item, (kind, _text) in zip(items, cases, strict=True):
        assert status_of(res, item) == "needs_review"
        assert f"contains_secret:B:{kind}" in issues_of(res, item)
        assert {k: rows[item.record_id][k] for k in item.row} == item.row
    assert res.summary()["issues"]["contains_secret"] == 4


def test_a_secret_already_in_the_source_text_does_not_block_its_correction():
    row = {
        "id": "Mercury_1",
        "instruction": "¿Qué parte de soporte@ejemplo.com es el dominio?",
        "option_a": "soporte",
        "option_b": "ejemplo.com",
        "option_c": "@",
        "option_d": "com",
        "answer": "B",
    }
    item = load("arc", "arc", [row])[0]
    fixed = "¿Qué parte de soporte@ejemplo.com es el nombre de dominio?"
    r = Responses()
    for user in ("ana", "ben"):
        r.answer(item, user, "corrected", correction=fix(item, question=fixed))
    res, tables = run({"arc": ("arc", [item])}, r.frame())
    assert status_of(res, item) == "corrected"
    assert published(tables["arc"])[item.record_id]["instruction"] == fixed


def test_no_text_of_the_real_okapi_data_looks_like_a_secret():
    """Guards the patterns against false positives on benchmark prose and code."""
    for name, adapter in (
        ("m_arc_es_validation.json", "arc"),
        ("m_mmlu_es_dev.json", "mmlu"),
        ("m_truthfulqa_es_validation.json", "truthfulqa"),
    ):
        for item in load(adapter, "b", okapi_rows(name)):
            for text in item.segments.values():
                assert find_secrets(text) == [], (item.key, text)
    for text in (
        "Pneumonoultramicroscopicsilicovolcanoconiosis es una palabra larga.",
        "sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "La secuencia ATGCGTACGTTAGCATGCGTACGTTAGCATGCGTACG codifica una proteína.",
        "Abre annotate.py y escribe @decorador antes de la función.",
        "El 10@ de marzo; a@b; correo@localhost",
    ):
        assert find_secrets(text) == [], text


def test_redaction_removes_unicode_addresses_whole_and_api_keys_from_comments():
    assert _redact("Escríbeme a josé.pérez@ejemplo.es, gracias") == (
        "Escríbeme a [email removed], gracias"
    )
    assert _redact("ñandú_ü@correo.cat") == "[email removed]"
    info = CampaignInfo("c", "es", "en", "", 2, "majority", salt="pepper")
    comments = [
        f"mi clave es {LOCAL_KEY}",
        f"la de Argilla: {ARGILLA_KEY}",
        "owner.apikey",
        "josé.pérez@ejemplo.es y hf_pastedByMistake0123456789XYZ",
    ]
    rows = _responses_rows(
        info,
        [
            {
                "record_id": "arc:1",
                "user_id": "u1",
                "username": "ana",
                "question": "comment",
                "value": c,
            }
            for c in comments
        ],
    )
    assert sorted(row["value"] for row in rows) == sorted(
        [
            "mi clave es [key removed]",
            "la de Argilla: [key removed]",
            "[key removed]",
            "[email removed] y [token removed]",
        ]
    )


# --- 6. questionable source items are rejected, naming the row -------------------------


def ai2_arc_row(**over) -> dict:
    row = {
        "id": "Mercury_7",
        "question": "¿Qué es más rápido?",
        "choices": {"text": ["luz", "sonido", "agua", "viento"], "label": ["A", "B", "C", "D"]},
        "answerKey": "A",
    }
    return {**row, **over}


def tqa_row(mc1: list[int], mc2: list[int]) -> dict:
    return {
        "question": "¿Qué pasa si comes semillas de sandía?",
        "mc1_targets_choices": ["Nada", "Te crece una sandía", "Te mueres"][: len(mc1)],
        "mc2_targets_choices": ["Nada", "Las digieres", "Te crece una sandía"][: len(mc2)],
        "mc1_targets_labels": mc1,
        "mc2_targets_labels": mc2,
    }


def questionable_rows() -> list[tuple[str, dict, str]]:
    arc = okapi_rows("m_arc_es_validation.json")[0]
    mmlu = okapi_rows("m_mmlu_es_dev.json")[0]
    return [
        ("arc", {**arc, "answer": ""}, "no answer in 'answer'"),
        ("arc", {**arc, "answer": None}, "no answer in 'answer'"),
        ("mmlu", {**mmlu, "answer": ""}, "no answer in 'answer'"),
        ("arc", ai2_arc_row(answerKey=""), "no answer in 'answerKey'"),
        (
            "arc",
            ai2_arc_row(choices={"text": ["luz", "sonido", "agua"], "label": ["A", "B"]}),
            "choices.text has 3 entries but choices.label has 2",
        ),
        (
            "mmlu",
            {"question": "2+2?", "subject": "math", "choices": ["3", "4"], "answer": None},
            "no answer in 'answer'",
        ),
        (
            "truthfulqa",
            tqa_row([0, 0, 0], [1, 0, 0]),
            "mc1 has 0 correct answers, expected exactly 1",
        ),
        (
            "truthfulqa",
            tqa_row([1, 1, 0], [1, 0, 0]),
            "mc1 has 2 correct answers, expected exactly 1",
        ),
        ("truthfulqa", tqa_row([1, 0, 0], [0, 0, 0]), "mc2 has no correct answer"),
    ]


def test_questionable_source_rows_are_rejected_with_one_line_naming_the_row():
    for adapter, bad, message in questionable_rows():
        with pytest.raises(RowError) as info:
            get_adapter(adapter).to_item(bad, 7, "b", "validation")
        assert str(info.value) == f"row 7: {message}"
    # the same rows among good ones: the good ones load, the bad one is listed (what
    # push reports, and skips with --skip-rejected)
    for adapter, bad, message in questionable_rows():
        good = {
            "arc": okapi_rows("m_arc_es_validation.json")[:2],
            "mmlu": okapi_rows("m_mmlu_es_dev.json")[:2],
            "truthfulqa": okapi_rows("m_truthfulqa_es_validation.json")[:2],
        }[adapter]
        items, rejected = build_items(
            [good[0], bad, good[1]],
            get_adapter(adapter),
            benchmark="b",
            split="validation",
            source="src.json",
        )
        assert [i.index for i in items] == [0, 2]
        assert [(p.index, p.reason) for p in rejected] == [(1, f"{message} (in src.json)")]


def test_push_stops_on_an_item_without_an_answer_and_skips_it_when_asked(tmp_path):
    rows = okapi_rows("m_arc_es_validation.json")[:3]
    rows[1] = {**rows[1], "answer": ""}
    src = tmp_path / "arc.json"
    src.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    cfg = load_config(make_config(tmp_path, benchmarks=["arc"], files={"arc": src}))
    with pytest.raises(AnnotateError) as info:
        push(cfg, None, dry_run=True)
    assert "benchmark 'arc': row 1: no answer in 'answer'" in str(info.value)
    (result,) = push(cfg, None, dry_run=True, skip_rejected=True)
    assert result.items == 2 and [r["row"] for r in result.rejected] == [1]


# --- 3. a vote counts only for the content it was cast on ---------------------------------


def test_votes_cast_on_an_earlier_text_do_not_validate_the_new_one():
    items = load("arc", "arc", okapi_rows("m_arc_es_validation.json")[:3])
    old = "0123456789abcdef"  # the hash of the text before the source was edited
    r = Responses()
    for user in ("ana", "ben"):
        r.answer(items[0], user, "correct", content_hash=old)  # only stale votes
        r.answer(items[1], user, "corrected", correction=fix(items[1], A="x"), content_hash=old)
        r.answer(items[2], user, "correct", content_hash=old)
    r.answer(items[2], "cris", "correct")  # one vote on the current text: not enough
    res, tables = run({"arc": ("arc", items)}, r.frame())
    rows = published(tables["arc"])
    by_id = res.items.set_index("record_id")
    for item, stale, counted in ((items[0], 2, 0), (items[1], 2, 0), (items[2], 2, 1)):
        assert status_of(res, item) == "unannotated"
        assert by_id.loc[item.record_id, "n_stale"] == stale
        assert by_id.loc[item.record_id, "n_submitted"] == counted
        assert {k: rows[item.record_id][k] for k in item.row} == item.row
    assert json.loads(by_id.loc[items[2].record_id, "annotators"]) == ["cris"]
    assert issues_of(res, items[0]) == ["stale_votes:2"]  # `annotate items` says why
    assert reason_text("stale_votes:2") == "2 vote(s) were cast on an earlier text and do not count"
    summary = res.summary()
    assert summary["stale_votes"] == 6 and summary["stale_items"] == 3
    # a second vote on the current text validates it
    r.answer(items[2], "dani", "correct")
    res, _ = run({"arc": ("arc", items)}, r.frame())
    assert status_of(res, items[2]) == "validated"


def test_resolve_reads_the_hash_each_vote_was_cast_on_from_the_pulled_records(tmp_path):
    """30 items voted on, then 25 edited in the source: those 25 are not validated, and
    the summary counts all 25 stale records (not a first 20)."""
    rows = okapi_rows("m_arc_es_validation.json")[:30]
    src = tmp_path / "arc.json"
    src.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    cfg = load_config(make_config(tmp_path, benchmarks=["arc"], files={"arc": src}))
    pushed = load_items(cfg)["arc"].items
    records = pd.DataFrame(
        [
            {"record_id": it.record_id, "benchmark": "arc", "content_hash": it.content_hash}
            for it in pushed
        ],
        columns=RECORD_COLUMNS,
    )
    r = Responses()
    for it in pushed:
        for user in ("ana", "ben"):
            r.answer(it, user, "correct")
    responses = r.frame()[RESPONSE_COLUMNS]  # as pull writes it: no hash per response
    store.write_snapshot(
        cfg.workdir, responses, records, {"snapshot": store.snapshot_name(), "records": 30}
    )
    edited = [{**row, "instruction": row["instruction"] + " (revisada)"} for row in rows[:25]]
    src.write_text(json.dumps(edited + rows[25:], ensure_ascii=False), encoding="utf-8")

    res, summary = run_resolve(cfg)
    status = res.items.set_index("record_id")["status"]
    assert (status[[it.record_id for it in pushed[:25]]] == "unannotated").all()
    assert (status[[it.record_id for it in pushed[25:]]] == "validated").all()
    assert summary["stale_records"] == 25 and len(summary["stale_record_ids"]) == 20
    assert summary["stale_votes"] == 50 and summary["stale_items"] == 25
    saved = json.loads((store.resolved_dir(cfg.workdir) / "summary.json").read_text("utf-8"))
    assert saved["stale_records"] == 25
