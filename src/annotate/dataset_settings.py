"""What a re-push changes in an existing dataset's settings, and what it must refuse.

A campaign's config keeps evolving after its datasets exist: the guidelines are
rewritten, `min_submitted` is raised or lowered, the language of the titles changes, a
benchmark gains a `subject` column. Argilla lets some of this change in place and not
the rest, so a push compares the dataset's settings (as the REST API returns them) with
the ones the config asks for, and plans REST updates for the first kind and one-line
refusals for the second. Pure: both sides are plain dicts, nothing is sent from here.

What Argilla 2.8 can change on a published dataset: guidelines and the task
distribution (the server then recomputes every record's status in a background job),
field titles and markdown, question titles, descriptions and label *texts*, metadata
property titles, and new metadata properties. What it cannot: adding or removing a field
or a question, a question's type or `required`, adding, removing or renaming a label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from annotate.model import Q_VERDICT

# The config key behind a field or question, so a refusal names what the user changed.
CONFIG_KEY = {
    ("field", "original"): "original",
    ("question", "error_categories"): "error_categories",
    ("question", "error_spans"): "protocol",
    ("question", "esa_score"): "protocol",
}
REFUSAL_HINT = (
    "Argilla cannot change that in a dataset that exists: undo the change, or give the "
    "benchmark another 'dataset' name in the config to start a new dataset"
)


@dataclass(frozen=True)
class Update:
    """One REST update: PATCH `target` `id` with `body` (POST for a new metadata property)."""

    target: str  # "dataset", "field", "question", "metadata", "new_metadata"
    id: str | None
    body: dict[str, Any]
    label: str  # what the summary says, e.g. "min_submitted 2→3"


@dataclass
class SettingsPlan:
    dataset: str
    updates: list[Update] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return [u.label for u in self.updates]

    def refusal(self) -> str:
        """The first refusal, and how many more (one line for an error)."""
        more = f" (and {len(self.refusals) - 1} more)" if len(self.refusals) > 1 else ""
        return f"{self.refusals[0]}{more}"


def _text(value: Any) -> str:
    """None and "" are the same absent title or description."""
    return value or ""


def _options(question: dict) -> list[dict]:
    return list((question.get("settings") or {}).get("options") or [])


def _named(items: list[dict]) -> dict[str, dict]:
    return {item["name"]: item for item in items}


def _structure(plan: SettingsPlan, kind: str, have: dict, want: dict) -> None:
    """Refuse what Argilla cannot add or remove: fields and questions."""
    for name in want.keys() - have.keys():
        key = CONFIG_KEY.get((kind, name), f"{kind} {name!r}")
        plan.refusals.append(f"{key}: the dataset has no {kind} {name!r} and one cannot be added")
    for name in have.keys() - want.keys():
        key = CONFIG_KEY.get((kind, name), f"{kind} {name!r}")
        plan.refusals.append(f"{key}: the dataset's {kind} {name!r} cannot be removed")


def _plan_dataset(plan: SettingsPlan, live: dict, wanted: dict) -> None:
    # argilla-server strips the guidelines' surrounding whitespace when it creates a
    # dataset (not on PATCH): a YAML block's final newline is no change.
    if _text(live.get("guidelines")).strip() != _text(wanted["guidelines"]).strip():
        plan.updates.append(
            Update("dataset", None, {"guidelines": wanted["guidelines"]}, "guidelines")
        )
    old, new = live.get("min_submitted"), wanted["min_submitted"]
    if old != new:
        body = {"distribution": {"strategy": "overlap", "min_submitted": new}}
        plan.updates.append(Update("dataset", None, body, f"min_submitted {old}→{new}"))


def _plan_fields(plan: SettingsPlan, have: dict[str, dict], want: dict[str, dict]) -> None:
    for name in sorted(have.keys() & want.keys()):
        h, w = have[name], want[name]
        changed = []
        if _text(h.get("title")) != _text(w["title"]):
            changed.append("title")
        if (h.get("settings") or {}).get("use_markdown") != w["settings"]["use_markdown"]:
            changed.append("markdown")
        if bool(h.get("required")) != bool(w["required"]):
            plan.refusals.append(f"field {name!r}: 'required' cannot change")
        elif changed:
            body = {"title": w["title"], "settings": w["settings"]}
            plan.updates.append(
                Update("field", h["id"], body, f"field {name!r} {'/'.join(changed)}")
            )


def _plan_questions(plan: SettingsPlan, have: dict[str, dict], want: dict[str, dict]) -> None:
    for name in sorted(have.keys() & want.keys(), key=list(want).index):
        h, w = have[name], want[name]
        kind_have = (h.get("settings") or {}).get("type")
        kind_want = w["settings"]["type"]
        if kind_have != kind_want:
            plan.refusals.append(
                f"question {name!r}: is a {kind_have} question, the config needs {kind_want}"
            )
            continue
        if bool(h.get("required")) != bool(w["required"]):
            plan.refusals.append(f"question {name!r}: 'required' cannot change")
            continue
        values_have = [o["value"] for o in _options(h)]
        values_want = [o["value"] for o in _options(w)]
        if sorted(values_have) != sorted(values_want) and name == "error_spans":
            # ESA: the span labels are the severities, or category:severity (annotate.esa)
            have_cats = any(":" in v for v in values_have)
            plan.refusals.append(
                f"error_categories: the dataset's error spans were labelled "
                f"{'with' if have_cats else 'without'} categories; that cannot change"
            )
            continue
        if sorted(values_have) != sorted(values_want):
            gone = sorted(set(values_have) - set(values_want))
            new = sorted(set(values_want) - set(values_have))
            what = "; ".join(
                part
                for part in (f"removes {gone}" if gone else "", f"adds {new}" if new else "")
                if part
            )
            plan.refusals.append(f"question {name!r}: labels cannot change (the config {what})")
            continue
        changed = []
        if _text(h.get("title")) != _text(w["title"]):
            changed.append("title")
        if _text(h.get("description")) != _text(w["description"]):
            changed.append("description")
        texts_have = {o["value"]: o.get("text") for o in _options(h)}
        if any(texts_have[o["value"]] != o.get("text") for o in _options(w)):
            changed.append("labels")
        use_markdown = w["settings"].get("use_markdown")
        if (
            use_markdown is not None
            and (h.get("settings") or {}).get("use_markdown") != use_markdown
        ):
            changed.append("markdown")
        if changed:
            body = {"title": w["title"], "description": w["description"], "settings": w["settings"]}
            plan.updates.append(
                Update("question", h["id"], body, f"question {name!r} {'/'.join(changed)}")
            )


def _plan_metadata(plan: SettingsPlan, have: dict[str, dict], want: dict[str, dict]) -> None:
    """New metadata properties are added, titles updated; extra ones are left alone
    (records may still carry those values)."""
    for name, w in want.items():
        h = have.get(name)
        if h is None:
            body = {"visible_for_annotators": True, **w}
            plan.updates.append(Update("new_metadata", None, body, f"metadata {name!r} added"))
        elif (h.get("settings") or {}).get("type") != w["settings"]["type"]:
            plan.refusals.append(f"metadata {name!r}: its type cannot change")
        elif _text(h.get("title")) != _text(w["title"]):
            body = {"title": w["title"]}
            plan.updates.append(Update("metadata", h["id"], body, f"metadata {name!r} title"))


def plan_settings(live: dict[str, Any], wanted: dict[str, Any], *, dataset: str) -> SettingsPlan:
    """Compare `live` (read from Argilla, items carry their `id`) with `wanted`.

    Both: {"guidelines", "min_submitted", "fields", "questions", "metadata"}, the last
    three lists of dicts in the REST API's shape (name, title, settings, ...); `wanted`
    may name its (field, question) "identity" (default: translation, verdict).
    """
    plan = SettingsPlan(dataset=dataset)
    have_fields, want_fields = _named(live["fields"]), _named(wanted["fields"])
    have_questions, want_questions = _named(live["questions"]), _named(wanted["questions"])
    # what makes a dataset one of ours: a campaign dataset's translation and verdict, or
    # what another kind of dataset (the review stage's) names under "identity"
    key_field, key_question = wanted.get("identity") or ("translation", Q_VERDICT)
    if key_field not in have_fields or key_question not in have_questions:
        plan.refusals.append(
            f"exists with other settings (fields {sorted(have_fields)}, questions "
            f"{sorted(have_questions)}): not a dataset of this campaign"
        )
        return plan
    have_protocol = "esa" if "error_spans" in have_questions else "verdict"
    want_protocol = "esa" if "error_spans" in want_questions else "verdict"
    if have_protocol != want_protocol:  # one line, not the list of questions it implies
        plan.refusals.append(
            f"protocol: the dataset was pushed with protocol {have_protocol!r}, the config "
            f"asks for {want_protocol!r}; a dataset cannot switch (annotate.esa)"
        )
        return plan
    _structure(plan, "field", have_fields, want_fields)
    _structure(plan, "question", have_questions, want_questions)
    _plan_dataset(plan, live, wanted)
    _plan_fields(plan, have_fields, want_fields)
    _plan_questions(plan, have_questions, want_questions)
    _plan_metadata(plan, _named(live["metadata"]), _named(wanted["metadata"]))
    return plan
