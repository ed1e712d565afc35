"""dataset_settings.plan_settings, without a server: what a re-push updates or refuses.

`live` is built the way Argilla returns a dataset created from a design (the design's
spec with ids), so the plans here are the ones a real re-push makes after a config edit.
"""

from __future__ import annotations

import copy
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotate.argilla_io import DatasetDesign
from annotate.dataset_settings import plan_settings

LANGS = ["es", "ca", "gl", "eu", "pt", "en"]


def design(**over) -> DatasetDesign:
    base = {
        "name": "c-arc",
        "guidelines": "Revisa la traducción.",
        "lang": "es",
        "with_original": True,
        "error_categories": True,
        "min_submitted": 2,
        "metadata": ("benchmark", "split"),
    }
    return DatasetDesign(**{**base, **over})


def live_of(d: DatasetDesign) -> dict:
    """A dataset as Argilla holds it after being created from `d` (items get ids)."""
    spec = copy.deepcopy(d.spec())
    counter = itertools.count()
    for key in ("fields", "questions", "metadata"):
        for item in spec[key]:
            item["id"] = f"{key}-{item['name']}-{next(counter)}"
    return spec


def apply(live: dict, plan) -> dict:
    """What the REST updates of `plan` do to `live` (Argilla merges PATCH bodies)."""
    out = copy.deepcopy(live)
    by_id = {item["id"]: item for key in ("fields", "questions", "metadata") for item in out[key]}
    for u in plan.updates:
        if u.target == "dataset":
            if "guidelines" in u.body:
                out["guidelines"] = u.body["guidelines"]
            if "distribution" in u.body:
                out["min_submitted"] = u.body["distribution"]["min_submitted"]
        elif u.target == "new_metadata":
            out["metadata"].append({**u.body, "id": f"new-{u.body['name']}"})
        else:
            item = by_id[u.id]
            for k, v in u.body.items():
                item[k] = {**item.get(k, {}), **v} if k == "settings" else v
    return out


def test_the_same_design_plans_nothing():
    d = design()
    plan = plan_settings(live_of(d), d.spec(), dataset=d.name)
    assert plan.updates == [] and plan.refusals == []


def test_guidelines_stored_without_their_trailing_newline_are_unchanged():
    """argilla-server stores a new dataset's guidelines without the final newline a YAML
    block gives them: the first re-push must not report (and send) them as changed."""
    d = design(guidelines="# Guía\n\nRevisa la traducción.\n")
    live = live_of(d) | {"guidelines": "# Guía\n\nRevisa la traducción."}
    assert plan_settings(live, d.spec(), dataset=d.name).updates == []
    edited = design(guidelines="# Guía\n\nRevisa bien la traducción.\n")
    assert plan_settings(live, edited.spec(), dataset=d.name).labels == ["guidelines"]


def test_guidelines_and_min_submitted_are_updated_in_place():
    live = live_of(design())
    plan = plan_settings(
        live, design(guidelines="Nuevas pautas.", min_submitted=3).spec(), dataset="c-arc"
    )
    assert plan.refusals == []
    assert plan.labels == ["guidelines", "min_submitted 2→3"]
    assert plan.updates[1].body == {"distribution": {"strategy": "overlap", "min_submitted": 3}}
    assert all(u.target == "dataset" and u.id is None for u in plan.updates)


def test_a_new_language_updates_titles_and_label_texts_not_values():
    plan = plan_settings(live_of(design(lang="es")), design(lang="eu").spec(), dataset="c-arc")
    assert plan.refusals == []
    verdict = next(u for u in plan.updates if u.label.startswith("question 'verdict'"))
    assert "labels" in verdict.label and verdict.id.startswith("questions-verdict")
    values = [o["value"] for o in verdict.body["settings"]["options"]]
    assert values == [o["value"] for o in design().spec()["questions"][0]["settings"]["options"]]
    assert any(u.target == "field" for u in plan.updates)


@pytest.mark.parametrize(
    ("before", "after", "key"),
    [
        ({"error_categories": True}, {"error_categories": False}, "error_categories:"),
        ({"error_categories": False}, {"error_categories": True}, "error_categories:"),
        ({"with_original": True}, {"with_original": False}, "original:"),
        ({"with_original": False}, {"with_original": True}, "original:"),
    ],
)
def test_adding_or_removing_a_question_or_field_is_refused(before, after, key):
    plan = plan_settings(
        live_of(design(**before)), design(**after, guidelines="x").spec(), dataset="c"
    )
    assert len(plan.refusals) == 1 and plan.refusals[0].startswith(key)
    assert "\n" not in plan.refusals[0]


def test_a_dataset_of_something_else_is_refused_as_a_whole():
    live = {"guidelines": None, "min_submitted": 1, "metadata": []}
    live["fields"] = [{"id": "f", "name": "text", "title": "text", "required": True}]
    live["questions"] = [{"id": "q", "name": "sentiment", "settings": {"type": "rating"}}]
    plan = plan_settings(live, design().spec(), dataset="c")
    assert plan.updates == [] and len(plan.refusals) == 1
    assert plan.refusals[0].startswith("exists with other settings (fields ['text']")


def test_renamed_labels_and_changed_types_are_refused():
    live = live_of(design())
    verdict = live["questions"][0]
    verdict["settings"]["options"][0]["value"] = "old_label"
    live["questions"][2]["settings"]["type"] = "rating"
    live["questions"][3]["required"] = True
    plan = plan_settings(live, design().spec(), dataset="c")
    assert len(plan.refusals) == 3
    assert "labels cannot change" in plan.refusals[0] and "old_label" in plan.refusals[0]
    assert "is a rating question" in plan.refusals[1]
    assert "'required' cannot change" in plan.refusals[2]


def test_metadata_is_added_and_retitled_extra_is_left_alone():
    live = live_of(design(metadata=("benchmark", "split", "old")))
    live["metadata"][0]["title"] = "Benchmark"
    plan = plan_settings(
        live, design(metadata=("benchmark", "split", "subject")).spec(), dataset="c"
    )
    assert plan.refusals == []
    assert plan.labels == ["metadata 'benchmark' title", "metadata 'subject' added"]
    added = plan.updates[1]
    assert added.target == "new_metadata" and added.body["settings"] == {"type": "terms"}


designs = st.builds(
    design,
    guidelines=st.text(min_size=1, max_size=20),
    lang=st.sampled_from(LANGS),
    min_submitted=st.integers(1, 100),
    metadata=st.lists(
        st.sampled_from(["benchmark", "split", "subject", "category"]), unique=True
    ).map(tuple),
)


@settings(max_examples=200, deadline=None)
@given(before=designs, after=designs, structure=st.sampled_from([(True, True), (False, True)]))
def test_applying_a_plan_leaves_nothing_to_change(before, after, structure):
    """Same questions and fields, anything else edited: never refused, and once the
    updates are applied, planning again finds nothing left to do (metadata the config
    dropped stays: records may still carry it)."""
    with_original, errors = structure
    before = design(
        **{**before.__dict__, "with_original": with_original, "error_categories": errors}
    )
    after = design(**{**after.__dict__, "with_original": with_original, "error_categories": errors})
    live = live_of(before)
    plan = plan_settings(live, after.spec(), dataset="c")
    assert plan.refusals == []
    if after.spec() == before.spec():
        assert plan.updates == []
    again = plan_settings(apply(live, plan), after.spec(), dataset="c")
    assert again.updates == [] and again.refusals == []
