"""annotate creates datasets through the REST API; the SDK is the reference.

Each spec annotate uses (verdict campaigns with and without the original, error
categories and hidden float metadata; ESA with and without categories; review
datasets) is created twice on the real server: by the argilla SDK from the same spec,
and by `argilla_io.create_dataset`. What the server then holds (dataset attributes,
fields, questions, metadata properties) must be the same, and a re-push must find
nothing to change.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from argilla_rest import Rest

from annotate import argilla_io
from annotate.argilla_io import DatasetDesign
from annotate.review import ReviewDesign

pytestmark = pytest.mark.server

VOLATILE = {"id", "dataset_id", "inserted_at", "updated_at", "last_activity_at", "name"}


def sdk_settings(spec: dict[str, Any]):
    """The SDK's settings for a spec: how datasets were created before (the reference)."""
    import argilla as rg

    fields = [
        rg.TextField(
            name=f["name"],
            title=f["title"],
            use_markdown=f["settings"]["use_markdown"],
            required=f["required"],
        )
        for f in spec["fields"]
    ]
    questions: list[Any] = []
    for q in spec["questions"]:
        common = {k: q[k] for k in ("name", "title", "description", "required")}
        kind = q["settings"]["type"]
        labels = {o["value"]: o.get("text") for o in q["settings"].get("options", [])}
        if kind == "text":
            questions.append(rg.TextQuestion(**common, use_markdown=q["settings"]["use_markdown"]))
        elif kind == "rating":
            questions.append(rg.RatingQuestion(**common, values=list(labels)))
        elif kind == "span":
            questions.append(
                rg.SpanQuestion(
                    **common,
                    field=q["settings"]["field"],
                    labels=labels,
                    allow_overlapping=q["settings"]["allow_overlapping"],
                )
            )
        elif kind == "label_selection":
            questions.append(rg.LabelQuestion(**common, labels=labels))
        else:
            questions.append(rg.MultiLabelQuestion(**common, labels=labels))
    kinds = {"terms": rg.TermsMetadataProperty, "float": rg.FloatMetadataProperty}
    metadata = [
        kinds[m["settings"]["type"]](
            name=m["name"],
            title=m["title"],
            visible_for_annotators=m.get("visible_for_annotators", True),
        )
        for m in spec["metadata"]
    ]
    return rg.Settings(
        guidelines=spec["guidelines"],
        fields=fields,
        questions=questions,
        metadata=metadata,
        allow_extra_metadata=True,
        distribution=rg.TaskDistribution(min_submitted=spec["min_submitted"]),
    )


def _design(**changes) -> DatasetDesign:
    base = {
        "name": "x",
        "guidelines": "# Guía\n\nRevisa la traducción.\n",
        "lang": "es",
        "with_original": True,
        "error_categories": False,
        "min_submitted": 2,
        "metadata": ("benchmark", "split", "subject"),
    }
    return DatasetDesign(**(base | changes))


DESIGNS = {
    "verdict": _design(),
    "verdict, no original, categories, hidden floats": _design(
        with_original=False,
        error_categories=True,
        lang="ca",
        float_metadata=("triage_score", "annotate_priority"),
    ),
    "esa": _design(protocol="esa", lang="eu"),
    "esa with categories": _design(protocol="esa", error_categories=True, lang="gl"),
    "review": ReviewDesign("x", "pt", True),
}


def _state(rest: Rest, dataset_id: str) -> dict:
    def clean(item: dict) -> dict:
        return {k: v for k, v in item.items() if k not in VOLATILE}

    base = f"/api/v1/datasets/{dataset_id}"
    dataset = clean(rest.get(base))
    dataset.pop("workspace_id")
    paths = {
        "fields": f"{base}/fields",
        "questions": f"{base}/questions",
        "metadata": f"/api/v1/me/datasets/{dataset_id}/metadata-properties",
    }
    return {
        "dataset": dataset,
        **{
            part: [clean(i) | {"name": i["name"]} for i in rest.get(path)["items"]]
            for part, path in paths.items()
        },
    }


@pytest.mark.parametrize("kind", list(DESIGNS))
def test_rest_creation_matches_the_sdk_and_a_repush_changes_nothing(argilla_server, kind):
    import argilla as rg

    from annotate.connection import Connection
    from annotate.dataset_settings import plan_settings

    design = DESIGNS[kind]
    spec = design.spec()
    client = argilla_io.connect(Connection(argilla_server.url, argilla_server.api_key, "test"))
    ws_name = f"ws-{uuid.uuid4().hex[:8]}"
    workspace = argilla_io.ensure_workspace(client, ws_name)
    assert argilla_io.ensure_workspace(client, ws_name) == workspace  # found, not made twice

    sdk = rg.Argilla(api_url=argilla_server.url, api_key=argilla_server.api_key)
    reference = rg.Dataset(
        name="by-sdk", workspace=ws_name, settings=sdk_settings(spec), client=sdk
    ).create()
    ours = argilla_io.create_dataset(client, "by-annotate", spec, workspace)

    rest = Rest(argilla_server.url, argilla_server.api_key)
    assert _state(rest, ours.id) == _state(rest, str(reference.id))
    assert argilla_io.find_dataset(client, "by-annotate", ws_name) == ours
    assert argilla_io.find_dataset(client, "by-annotate", "no-such-workspace") is None
    assert argilla_io.find_dataset(client, "no-such-dataset", ws_name) is None
    plan = plan_settings(argilla_io.live_spec(client, ours.id), spec, dataset="by-annotate")
    assert not plan.updates and not plan.refusals


def test_a_refused_creation_is_one_line_and_leaves_no_draft(argilla_server):
    from annotate.connection import Connection
    from annotate.errors import AnnotateError

    client = argilla_io.connect(Connection(argilla_server.url, argilla_server.api_key, "test"))
    ws_name = f"ws-{uuid.uuid4().hex[:8]}"
    workspace = argilla_io.ensure_workspace(client, ws_name)
    spec = _design().spec()
    spec["questions"][0]["settings"]["options"] *= 2  # the same labels twice: refused
    with pytest.raises(AnnotateError) as refused:
        argilla_io.create_dataset(client, "bad", spec, workspace)
    assert "'bad'" in str(refused.value) and "\n" not in str(refused.value)
    assert argilla_io.find_dataset(client, "bad", ws_name) is None
