"""The bulk upsert body push sends itself (argilla_io.bulk_items), without a server."""

from __future__ import annotations

import pytest

from annotate import argilla_io
from annotate.errors import AnnotateError

QUESTIONS = {"correction": "q-corr", "error_spans": "q-spans", "verdict": "q-verdict"}


def _payload(i: int, **suggestions) -> dict:
    return {
        "id": f"arc:item-{i}",
        "fields": {"translation": f"texto {i}", "original": f"text {i}"},
        "metadata": {"benchmark": "arc", "content_hash": f"h{i}", "triage_score": 0.25},
        "suggestions": suggestions,
    }


def test_every_payload_becomes_one_item_with_suggestions_by_question_id():
    span = {"start": 0, "end": 5, "label": "minor"}
    spans = {"value": [span], "agent": "annotate-triage"}
    payloads = [_payload(0, correction="texto 0"), _payload(1, error_spans=spans), _payload(2)]
    items = argilla_io.bulk_items(payloads, QUESTIONS)
    assert [i["external_id"] for i in items] == [p["id"] for p in payloads]
    for item, p in zip(items, payloads, strict=True):
        assert item["fields"] == p["fields"] and item["metadata"] == p["metadata"]
        assert "id" not in item  # upserted by external id, never by a server id
    assert items[0]["suggestions"] == [{"question_id": "q-corr", "value": "texto 0"}]
    assert items[1]["suggestions"] == [{"question_id": "q-spans", **spans}]
    assert items[2]["suggestions"] == []
    empty = argilla_io.bulk_items([_payload(3, error_spans={"value": [], "agent": "a"})], QUESTIONS)
    assert empty[0]["suggestions"] == [{"question_id": "q-spans", "value": [], "agent": "a"}]
    assert spans == {"value": [span], "agent": "annotate-triage"}  # the payload is left as it was


def test_a_suggestion_for_a_question_the_dataset_lacks_names_record_and_question():
    with pytest.raises(AnnotateError, match=r"'arc:item-7'.*'esa_score'"):
        argilla_io.bulk_items([_payload(7, esa_score=70)], QUESTIONS)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"detail": "Record at position 1 is not\nvalid because x"},
            "record 'arc:item-1': Record at",
        ),
        (
            {"detail": {"code": "c", "params": {"message": "Record at position 0\nis bad"}}},
            "'arc:item-0'",
        ),
        ({"detail": {"message": "no such\nquestion"}}, "no such question"),
        (
            {"detail": [{"loc": ["body", "items", 0, "fields"], "msg": "field\nrequired"}]},
            "body.items.0.fields: field required",
        ),
        ({"detail": "Record at position 9 is not valid"}, "Record at position 9"),  # no such row
        ([1, 2], "[1, 2]"),  # JSON, but not an object: the body as text
        ("<html>\n<p>Bad gateway</p>", "<html> <p>Bad gateway</p>"),  # not JSON at all
    ],
)
def test_a_refusal_is_one_line_naming_the_record(body, expected):
    """What the server said, in any of its shapes, becomes one line; a record it names
    by its position in the batch is named by its id."""
    import json

    import httpx

    content = body if isinstance(body, str) else json.dumps(body)
    response = httpx.Response(422, content=content.encode())
    text = argilla_io._refused_record(argilla_io._detail(response), [_payload(0), _payload(1)])
    assert expected in text and "\n" not in text
