"""Rendering items for annotators, record payloads and the localized labels."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from annotate.adapters import get_adapter
from annotate.model import (
    ERROR_CATEGORIES,
    Q_COMMENT,
    Q_CORRECTION,
    Q_ERRORS,
    Q_VERDICT,
    VERDICTS,
    Item,
    parse_correction,
)
from annotate.records import (
    base_language,
    error_labels,
    escape_markdown,
    field_titles,
    question_titles,
    record_payload,
    render_item,
    render_original,
    verdict_labels,
)

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data" / "okapi"
LANGS = ("es", "ca", "eu", "gl", "pt", "en")


def mmlu_item() -> Item:
    row = json.loads((DATA / "m_mmlu_es_dev.json").read_text(encoding="utf-8"))[0]
    return get_adapter("mmlu").to_item(row, 0, "mmlu", "dev")


def test_render_item_lists_lettered_choices_and_marks_the_answer():
    item = mmlu_item()
    text = render_item(item, "es")
    assert text.startswith("*Tema: econometrics*")
    assert "**Pregunta**" in text and "**Opciones**" in text
    assert "  \nyt = 0.2 + 0.4 yt-1 + ut" in text  # line breaks kept
    lines = [line for line in text.splitlines() if line.startswith("- **")]
    assert [line[4] for line in lines] == ["A", "B", "C", "D"]
    marked = [line for line in lines if "✅" in line]
    assert marked == ["- **D.** 0.33 ✅ *(respuesta correcta)*"]
    assert text.index("**Pregunta**") < text.index("**Opciones**")


def test_render_uses_the_campaign_language():
    item = mmlu_item()
    assert "**Galdera**" in render_item(item, "eu") and "erantzun zuzena" in render_item(item, "eu")
    assert "**Question**" in render_item(item, "fr")  # unknown -> English
    assert "respuesta correcta" in render_item(item, "es-MX")


def test_hellaswag_context_comes_first():
    row = {
        "ind": 1,
        "activity_label": "Cocina",
        "ctx_a": "Una mujer corta cebolla.",
        "ctx_b": "ella",
        "ctx": "Una mujer corta cebolla. ella",
        "endings": ["llora.", "canta.", "vuela.", "duerme."],
        "label": 0,
    }
    item = get_adapter("hellaswag").to_item(row, 0, "hellaswag", "validation")
    text = render_item(item, "ca")
    assert text.startswith("*Categoria: Cocina*")
    assert text.index("**Context**") < text.index("**Opcions**")
    assert "**Pregunta**" not in text
    assert "- **A.** llora. ✅ *(resposta correcta)*" in text


def test_render_original():
    item = mmlu_item()
    assert render_original(item) is None
    english = {"question": "Mean of y?", "A": "0.2", "B": "0.4", "C": "0.5", "D": "0.33"}
    paired = dataclasses.replace(item, original=english)
    text = render_original(paired)
    assert "**Question**\n\nMean of y?" in text
    assert "- **D.** 0.33 ✅ *(correct answer)*" in text


def test_escape_markdown():
    assert escape_markdown("a*b_c <d> [e]") == "a\\*b\\_c \\<d\\> \\[e\\]"
    assert escape_markdown("# no\n1. list\n- item") == "\\# no  \n1\\. list  \n\\- item"
    assert escape_markdown("0.33\n-1\n2019.") == "0.33  \n-1  \n2019\\."
    assert escape_markdown("a\n---") == "a  \n\\-\\-\\-"


def test_record_payload_without_original():
    item = mmlu_item()
    payload = record_payload(item, lang="es")
    assert payload["id"] == item.record_id == "mmlu:econometrics/dev/1"
    assert set(payload["fields"]) == {"translation"}
    assert payload["fields"]["translation"] == render_item(item, "es")
    correction = payload["suggestions"]["correction"]
    assert correction.startswith("[[question]]\n")
    assert parse_correction(correction, list(item.segments)) == {
        k: v.strip() for k, v in item.segments.items()
    }
    assert payload["metadata"] == {
        "benchmark": "mmlu",
        "split": "dev",
        "subject": "econometrics",
        "content_hash": item.content_hash,
        "item_key": "econometrics/dev/1",
    }
    json.dumps(payload)  # plain data


def test_record_payload_with_original_and_category():
    item = dataclasses.replace(
        mmlu_item(),
        original={"question": "Q?", "A": "a", "B": "b", "C": "c", "D": "d"},
        metadata={"split": "validation", "category": "Cocina"},
    )
    payload = record_payload(item, lang="gl")
    assert list(payload["fields"]) == ["original", "translation"]
    assert "**Question**" in payload["fields"]["original"]
    assert "**Pregunta**" in payload["fields"]["translation"]
    assert payload["metadata"]["category"] == "Cocina" and "subject" not in payload["metadata"]


def test_content_hash_changes_with_what_annotators_see():
    item = mmlu_item()
    changed = dataclasses.replace(item, segments=dict(item.segments, A="0,2"))
    assert (
        record_payload(item, lang="es")["metadata"]["content_hash"]
        != (record_payload(changed, lang="es")["metadata"]["content_hash"])
    )


@pytest.mark.parametrize("lang", LANGS)
def test_labels_cover_the_vocabulary(lang):
    verdicts = verdict_labels(lang)
    assert list(verdicts) == list(VERDICTS) and all(verdicts.values())
    errors = error_labels(lang)
    assert list(errors) == list(ERROR_CATEGORIES) and all(errors.values())
    assert len(set(errors.values())) == len(errors)
    titles = question_titles(lang)
    for name in (Q_VERDICT, Q_ERRORS, Q_CORRECTION, Q_COMMENT):
        assert titles[name] and titles[f"{name}_description"]
    assert "[[...]]" in titles[f"{Q_CORRECTION}_description"]
    assert titles["original"] and titles["translation"]
    assert field_titles(lang) == {
        "original": titles["original"],
        "translation": titles["translation"],
    }


def test_spanish_labels_and_fallback():
    assert verdict_labels("es") == {
        "correct": "Correcta",
        "corrected": "Corregida",
        "unusable": "Inservible",
    }
    assert error_labels("es")["answer_changed"] == "Cambia la respuesta correcta"
    assert question_titles("es")[Q_VERDICT] == "¿Es correcta la traducción?"
    assert verdict_labels("xx") == verdict_labels("en")
    assert base_language("ES_es") == "es" and base_language(None) == "en"
