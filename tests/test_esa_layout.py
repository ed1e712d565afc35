"""The ESA layout: the span field's text and the segment <-> offset mapping (no server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotate import esa, esa_text
from annotate.adapters import get_adapter
from annotate.argilla_io import DatasetDesign
from annotate.config import campaign_from_dict
from annotate.dataset_settings import plan_settings
from annotate.errors import ConfigError
from annotate.model import Q_CORRECTION, Q_ERRORS, Q_VERDICT, Item
from annotate.records import record_payload

DATA = Path(__file__).resolve().parents[1] / "data" / "okapi"
LANGS = ("es", "ca", "eu", "gl", "pt", "en")


def item(segments: dict[str, str], answer: tuple[str, ...] = ("B",)) -> Item:
    return Item("arc", "k1", 0, segments, {}, None, answer)


def test_layout_by_hand():
    lay = esa.layout({"question": "¿Qué?", "A": "Sí"}, {"A": "✅"})
    assert lay.text == "[[question]]\n¿Qué? [MISSING]\n\n[[A]] ✅\nSí [MISSING]"
    # "[[question]]\n" is 13 code points; "¿Qué?" 5; " " 1; "[MISSING]" 9 (19..28);
    # then "\n\n" 2 and "[[A]] ✅\n" 8: A's text starts at 28 + 2 + 8 = 38.
    assert lay.segments == {"question": (13, 18), "A": (38, 40)}
    assert lay.missing == {"question": (19, 28), "A": (41, 50)}
    assert lay.text[38:40] == "Sí"
    assert esa.field_offsets(lay, "question", 1, 4) == (14, 17)  # "Qué"
    assert esa.segment_offsets(lay, 14, 17) == [esa.SegmentSpan("question", 1, 4)]
    assert esa.missing_offsets(lay, "A") == (41, 50)
    assert esa.segment_offsets(lay, 41, 50) == [esa.SegmentSpan("A", 2, 2, missing=True)]


def test_spans_over_markers_and_across_segments():
    lay = esa.layout({"question": "abc", "A": "de"})
    # the whole marker line of A: no segment
    a_marker = lay.text.index("[[A]]")
    assert esa.segment_offsets(lay, a_marker, a_marker + 5) == []
    # from inside the question over its sentinel, the separator and A's marker into "d"
    s = esa.field_offsets(lay, "question", 1, 2)[0]
    e = esa.field_offsets(lay, "A", 0, 1)[1]
    assert esa.segment_offsets(lay, s, e) == [
        esa.SegmentSpan("question", 1, 3),
        esa.SegmentSpan("question", 3, 3, missing=True),
        esa.SegmentSpan("A", 0, 1),
    ]
    # out of range or empty: nothing, never an exception
    assert esa.segment_offsets(lay, len(lay.text), len(lay.text) + 10) == []
    assert esa.segment_offsets(lay, 5, 5) == []
    assert esa.segment_offsets(lay, -4, 1) == []  # clipped to the marker line
    with pytest.raises(ValueError, match="outside segment 'A'"):
        esa.field_offsets(lay, "A", 0, 3)
    with pytest.raises(ValueError, match="no segment 'Z'"):
        esa.field_offsets(lay, "Z", 0, 1)


def test_truthfulqa_with_many_options_and_indented_code():
    names = ["question"] + [chr(ord("A") + i) for i in range(26)] + ["AA", "AB"]
    segments = {n: f"opción {n}" for n in names}
    segments["B"] = "def f(x):\n    return x\n\tpass"  # indentation and tabs kept exactly
    segments["C"] = ""  # an empty segment still has its sentinel
    segments["D"] = "[[E]]\nnot a marker"  # marker-like text inside a segment
    lay = esa.layout(segments)
    for name, text in segments.items():
        s, e = lay.segments[name]
        assert lay.text[s:e] == text
        ms, me = lay.missing[name]
        assert lay.text[ms:me] == esa.MISSING
    parsed = esa.parse_layout(lay.text, names)
    assert parsed == lay
    s, e = esa.field_offsets(lay, "B", 14, 20)
    assert lay.text[s:e] == "return"


SEGMENT_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30
) | st.sampled_from(["[[A]]", "x [MISSING]", "\n\n[[B]]\n", "  indented\n\tcode", ""])


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(SEGMENT_TEXT, min_size=1, max_size=14),
    data=st.data(),
)
def test_mapping_round_trips(texts, data):
    names = ["question"] + [chr(ord("A") + i) for i in range(len(texts) - 1)]
    segments = dict(zip(names, texts, strict=True))
    lay = esa.layout(segments, {names[-1]: "✅ (correct answer)"})
    assert esa.parse_layout(lay.text, names) == lay
    # every character of the field is in at most one segment or sentinel
    owners = [0] * len(lay.text)
    for rng in [*lay.segments.values(), *lay.missing.values()]:
        for i in range(*rng):
            owners[i] += 1
    assert max(owners) == 1
    name = data.draw(st.sampled_from(names))
    n = len(segments[name])
    if n:
        start = data.draw(st.integers(0, n - 1))
        end = data.draw(st.integers(start + 1, n))
        s, e = esa.field_offsets(lay, name, start, end)
        assert lay.text[s:e] == segments[name][start:end]
        assert esa.segment_offsets(lay, s, e) == [esa.SegmentSpan(name, start, end)]
    # any field span maps to pieces whose text is exactly what it covered in segments
    a = data.draw(st.integers(-3, len(lay.text) + 3))
    b = data.draw(st.integers(-3, len(lay.text) + 3))
    for piece in esa.segment_offsets(lay, min(a, b), max(a, b)):
        assert piece.segment in segments
        assert 0 <= piece.start <= piece.end <= len(segments[piece.segment])
        assert piece.missing or piece.start < piece.end


def test_parse_layout_refuses_other_texts():
    lay = esa.layout({"question": "q", "A": "a"})
    assert esa.parse_layout(lay.text, ["question", "B"]) is None
    assert esa.parse_layout(lay.text, ["A", "question"]) is None
    assert esa.parse_layout("**Pregunta**\n\nq", ["question"]) is None
    assert esa.parse_layout(lay.text + "x", ["question", "A"]) is None


def test_item_layout_marks_the_answer_in_the_marker_line():
    row = json.loads((DATA / "m_mmlu_es_dev.json").read_text(encoding="utf-8"))[0]
    it = get_adapter("mmlu").to_item(row, 0, "mmlu", "dev")
    payload = record_payload(it, lang="es", protocol="esa")
    text = payload["fields"][esa.SPAN_FIELD]
    assert "[[D]] ✅ (respuesta correcta)\n0.33 [MISSING]" in text
    assert "**" not in text  # plain text: Markdown is not rendered next to a span question
    assert esa.parse_layout(text, list(it.segments)) == esa.item_layout(it, "es")
    # the verdict design is untouched
    assert record_payload(it, lang="es")["fields"]["translation"].startswith("*Tema:")


def test_labels():
    assert esa.span_labels(False) == ("minor", "major")
    labels = esa.span_labels(True)
    assert "terminology:major" in labels and "punctuation:minor" in labels
    assert labels[-1] == esa.NON_TRANSLATION and len(labels) == len(set(labels)) == 17
    assert esa.parse_label("terminology:minor") == ("terminology", "minor")
    assert esa.parse_label("major") == (None, "major")
    assert esa.parse_label("non_translation") == ("non_translation", "major")
    assert esa.parse_label("odd:whatever") == ("odd", "major")
    for lang in LANGS:
        texts = esa_text.span_label_texts(lang, labels)
        assert len(set(texts.values())) == len(labels)
        assert all(0 < len(t) <= 500 for t in texts.values())
        block = esa_text.texts(lang)
        assert esa.MISSING in block["guidelines"] and esa.MISSING in block["span_description"]
    assert esa_text.span_label_texts("es", ("minor", "major")) == {
        "minor": "Leve",
        "major": "Grave",
    }


def design(protocol: str, categories: bool = True) -> DatasetDesign:
    return DatasetDesign("d", "Guide.", "es", True, categories, 2, ("benchmark",), protocol)


def test_esa_design_spec():
    spec = design("esa").spec()
    names = [q["name"] for q in spec["questions"]]
    assert names == [esa.SPAN_QUESTION, esa.SCORE_QUESTION, Q_VERDICT, Q_CORRECTION, "comment"]
    span, score = spec["questions"][:2]
    assert span["settings"]["field"] == esa.SPAN_FIELD and not span["required"]
    assert [o["value"] for o in span["settings"]["options"]] == list(esa.span_labels(True))
    assert [o["value"] for o in score["settings"]["options"]] == list(range(11))
    fields = {f["name"]: f for f in spec["fields"]}
    assert fields[esa.SPAN_FIELD]["settings"]["use_markdown"] is False
    assert fields["original"]["settings"]["use_markdown"] is True
    assert spec["guidelines"].startswith("Guide.\n\n## Cómo marcar errores (ESA)")
    plain = design("esa", categories=False).spec()
    assert [o["value"] for o in plain["questions"][0]["settings"]["options"]] == ["minor", "major"]
    assert Q_ERRORS not in [q["name"] for q in plain["questions"]]
    # the verdict design did not change
    verdict = design("verdict").spec()
    assert [q["name"] for q in verdict["questions"]] == [
        Q_VERDICT,
        Q_ERRORS,
        Q_CORRECTION,
        "comment",
    ]
    assert all(f["settings"]["use_markdown"] for f in verdict["fields"])


def live(spec: dict) -> dict:
    """A spec as the REST API returns it (ids on items)."""
    out = dict(spec)
    for key in ("fields", "questions", "metadata"):
        out[key] = [{**x, "id": f"{key}-{i}"} for i, x in enumerate(spec[key])]
    return out


def test_switching_protocol_on_an_existing_dataset_is_refused():
    to_esa = plan_settings(live(design("verdict").spec()), design("esa").spec(), dataset="d")
    assert to_esa.refusal() == (
        "protocol: the dataset was pushed with protocol 'verdict', the config asks for "
        "'esa'; a dataset cannot switch (annotate.esa)"
    )
    assert to_esa.updates == []  # nothing half-applied
    back = plan_settings(live(design("esa").spec()), design("verdict").spec(), dataset="d")
    assert back.refusal().startswith("protocol: the dataset was pushed with protocol 'esa'")
    toggled = plan_settings(live(design("esa").spec()), design("esa", False).spec(), dataset="d")
    assert toggled.refusal() == (
        "error_categories: the dataset's error spans were labelled with categories; that "
        "cannot change"
    )
    same = plan_settings(live(design("esa").spec()), design("esa").spec(), dataset="d")
    assert same.refusals == [] and same.updates == []
    # a language change on an ESA dataset is an update of texts, not a refusal
    english = DatasetDesign("d", "Guide.", "en", True, True, 2, ("benchmark",), "esa")
    relabel = plan_settings(live(design("esa").spec()), english.spec(), dataset="d")
    assert (
        relabel.refusals == []
        and "question 'error_spans' title/description/labels" in relabel.labels
    )


def test_config_protocol():
    base = {
        "campaign": "c",
        "language": "es",
        "workspace": "w",
        "guidelines": "g",
        "benchmarks": [
            {
                "name": "arc",
                "adapter": "arc",
                "translation": {"path": str(DATA / "m_arc_es_validation.json")},
            }
        ],
    }
    assert campaign_from_dict(base).protocol == "verdict"
    assert campaign_from_dict({**base, "protocol": "esa"}).protocol == "esa"
    with pytest.raises(ConfigError, match="protocol"):
        campaign_from_dict({**base, "protocol": "mqm"})


def test_every_bundled_item_lays_out_and_parses_back():
    """The real data: TruthfulQA items with up to 20 options, MMLU items with programs."""
    from annotate.config import load_config
    from annotate.pairing import load_benchmark

    cfg = load_config(Path(__file__).resolve().parents[1] / "configs" / "sample-es-esa.yaml")
    widest = 0
    for bench in cfg.benchmarks:
        for it in load_benchmark(cfg, bench).items:
            text = record_payload(it, lang="es", protocol="esa")["fields"][esa.SPAN_FIELD]
            lay = esa.parse_layout(text, list(it.segments))
            assert lay == esa.item_layout(it, "es"), it.record_id
            assert {n: text[s:e] for n, (s, e) in lay.segments.items()} == it.segments
            widest = max(widest, len(it.segments))
    assert widest >= 14  # a TruthfulQA item with 13+ options was among them
