"""The dataset card tells the truth about review coverage (pure: no server, no Hub).

A release where few or no items were reviewed must say so in its first lines, in its YAML
metadata and in its name; it offers `<benchmark>_reviewed` configs with only the rows people
validated or corrected; and a release with nothing reviewed is refused unless asked for.
"""

from __future__ import annotations

import io
import json

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from hub_emulator import validate_card_yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_publish import (
    ARC,
    ARC_REVIEWED,
    SALT,
    arc_items,
    arc_rows,
    make_campaign,
    make_releases,
    make_tree,
    rebuild,
    resolved_row,
)

from annotate.errors import AnnotateError
from annotate.model import STATUSES
from annotate.publish import BenchmarkRelease


def front_matter(tree: dict[str, bytes]) -> dict:
    text = tree["README.md"].decode()
    return yaml.safe_load(text.split("\n---\n", 1)[0][4:])


def body(tree: dict[str, bytes]) -> str:
    return tree["README.md"].decode().split("\n---\n", 1)[1].lstrip("\n")


def rows(tree: dict[str, bytes], path: str) -> list[dict]:
    return pq.read_table(io.BytesIO(tree[path])).to_pylist()


def arc_release(statuses: list[str | None]) -> BenchmarkRelease:
    """ARC with one status per source row (None: absent from the resolution, unannotated)."""
    items = arc_items(arc_rows()[: len(statuses)])
    resolved = [resolved_row(i, s) for i, s in zip(items, statuses, strict=True) if s]
    frame = pd.DataFrame(resolved) if resolved else pd.DataFrame(columns=["record_id", "status"])
    return BenchmarkRelease("arc", items, rebuild, frame, "alexandrainst/m_arc (es, validation)")


UNREVIEWED = ["unannotated", "needs_review", None, "unannotated"]


def test_a_release_with_nothing_reviewed_is_refused_in_one_line():
    with pytest.raises(AnnotateError) as err:
        make_tree(releases=[arc_release(UNREVIEWED)])
    message = str(err.value)
    assert "0 of 4" in message and "--allow-unreviewed" in message
    assert "\n" not in message


def test_all_unusable_is_refused_too_since_no_row_was_checked():
    with pytest.raises(AnnotateError, match="--allow-unreviewed"):
        make_tree(releases=[arc_release(["unusable", "unannotated"])])


def test_an_allowed_unreviewed_release_says_so_and_never_says_validated():
    campaign = make_campaign(pretty_name="SomosNLP: human-validated Okapi Spanish benchmarks")
    tree = make_tree(campaign, releases=[arc_release(UNREVIEWED)], allow_unreviewed=True)
    meta = front_matter(tree)
    assert "validated" not in meta["pretty_name"].lower()
    assert "unreviewed" in meta["pretty_name"]
    assert "human-validated" not in meta["tags"]
    assert meta["annotation_coverage"]["reviewed"] == 0
    assert meta["annotation_coverage"]["items"] == 4
    first = body(tree).splitlines()[:3]
    assert first[0].startswith("# ") and "validated" not in first[0].lower()
    assert "0 of 4 items (0%)" in first[2]
    assert "No published row has been checked by a person yet" in first[2]
    assert rows(tree, ARC_REVIEWED) == []
    assert validate_card_yaml(tree["README.md"].decode())[0] == []


def test_a_partial_release_states_coverage_per_benchmark_and_status_first():
    tree = make_tree(repo_id="org/okapi-es")
    cov = front_matter(tree)["annotation_coverage"]
    # make_releases: arc 6 items (validated 2, corrected 1, unusable 1, needs_review 1,
    # unannotated 1); truthfulqa 3 (validated 1, corrected 1, unannotated 1).
    assert cov["benchmarks"]["arc"]["status"] == {
        "validated": 2,
        "corrected": 1,
        "unusable": 1,
        "needs_review": 1,
        "unannotated": 1,
    }
    assert (cov["benchmarks"]["arc"]["items"], cov["benchmarks"]["arc"]["reviewed"]) == (6, 4)
    assert cov["benchmarks"]["arc"]["reviewed_rows"] == 3
    assert (cov["items"], cov["reviewed"], cov["reviewed_rows"]) == (9, 6, 5)
    assert cov["status"]["unannotated"] == 2
    lines = body(tree).splitlines()
    assert "6 of 9 items (67%)" in lines[2]
    assert "| arc | 6 | 4 | 67% | 2 | 1 | 1 | 1 | 1 |" in lines[:10]
    assert "| truthfulqa | 3 | 2 | 67% | 1 | 1 | 0 | 0 | 1 |" in lines[:10]
    meta = front_matter(tree)
    assert "validated" not in meta["pretty_name"].lower()  # campaign name is not set here
    assert "67% human-reviewed" in meta["pretty_name"]
    assert 'load_dataset("org/okapi-es", "arc_reviewed", split="validation")' in body(tree)


def test_a_configured_name_claiming_validated_is_qualified_until_it_is_true():
    partial = make_tree(make_campaign(pretty_name="Validated Okapi ES"))
    assert front_matter(partial)["pretty_name"] == "partly human-reviewed Okapi ES"
    release = arc_release(["validated", "corrected", "unusable"])
    full = make_tree(make_campaign(pretty_name="Validated Okapi ES"), releases=[release])
    assert front_matter(full)["pretty_name"] == "Validated Okapi ES"
    assert "human-validated" in front_matter(full)["tags"]
    generated = make_tree(make_campaign(pretty_name=None), releases=[release])
    assert front_matter(generated)["pretty_name"] == "arc (Spanish, human-validated)"


def test_reviewed_configs_hold_exactly_the_validated_and_corrected_rows_in_the_same_schema():
    tree = make_tree()
    full = pq.read_table(io.BytesIO(tree[ARC]))
    reviewed = pq.read_table(io.BytesIO(tree[ARC_REVIEWED]))
    assert reviewed.schema == full.schema
    expected = [r for r in full.to_pylist() if r["validation_status"] in ("validated", "corrected")]
    assert reviewed.to_pylist() == expected and len(expected) == 3


def test_a_benchmark_named_like_a_reviewed_config_is_refused():
    releases = make_releases()
    releases[1].name = "arc_reviewed"
    with pytest.raises(AnnotateError, match="arc_reviewed"):
        make_tree(releases=releases)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([*STATUSES, None]), min_size=1, max_size=6))
def test_coverage_metadata_and_name_agree_with_the_published_rows(statuses):
    reviewed_rows = sum(s in ("validated", "corrected") for s in statuses)
    release = arc_release(statuses)
    tree = make_tree(make_campaign(pretty_name=None), releases=[release], allow_unreviewed=True)
    meta = front_matter(tree)
    cov = meta["annotation_coverage"]
    published = rows(tree, ARC)
    counts = {s: sum((x or "unannotated") == s for x in statuses) for s in STATUSES}
    assert cov["status"] == counts == cov["benchmarks"]["arc"]["status"]
    assert cov["reviewed"] == counts["validated"] + counts["corrected"] + counts["unusable"]
    assert cov["reviewed_rows"] == reviewed_rows == len(rows(tree, ARC_REVIEWED))
    assert cov["published_rows"] == len(published) == len(statuses) - counts["unusable"]
    all_checked = all(r["validation_status"] in ("validated", "corrected") for r in published)
    assert ("validated" in meta["pretty_name"]) == all_checked
    assert ("human-validated" in meta["tags"]) == all_checked
    assert f"{cov['reviewed']} of {len(statuses)} items" in body(tree).splitlines()[2]
    assert validate_card_yaml(tree["README.md"].decode())[0] == []
    json.dumps(cov)  # plain numbers and strings only


# --- credit by name ------------------------------------------------------------------


def _campaign_defaults(**over):
    """The test campaign with every naming setting left at its default."""
    from dataclasses import fields

    from annotate.publish import CampaignInfo

    base = make_campaign()
    naming = {"name_contributors", "exclude_contributors", "anonymous_contributors"}
    values = {f.name: getattr(base, f.name) for f in fields(base) if f.name not in naming}
    return CampaignInfo(**(values | over))


def test_by_default_contributors_are_credited_by_username_and_responses_pseudonymised():
    from test_publish import CONTRIBUTORS, RESPONSES

    from annotate.publish import pseudonym

    tree = make_tree(_campaign_defaults())
    credited = [r["contributor"] for r in rows(tree, CONTRIBUTORS)]
    assert credited == ["alice", "carol", "bob"]  # carol ties bob, agrees more
    thanks = body(tree).split("## Contributors", 1)[1]
    assert "| 1 | alice | 4 |" in thanks and "| 2 | bob | 2 |" in thanks
    assert "anonymous" not in thanks
    annotators = {r["annotator"] for r in rows(tree, RESPONSES)}
    assert annotators == {pseudonym(SALT, u) for u in ("u-1", "u-2", "u-3")}


def test_anonymous_people_are_counted_not_named_and_excluded_people_left_out():
    from test_publish import CONTRIBUTORS

    from annotate.publish import pseudonym

    campaign = _campaign_defaults(anonymous_contributors=["Bob"], exclude_contributors=["carol"])
    tree = make_tree(campaign)
    credited = rows(tree, CONTRIBUTORS)
    assert [r["contributor"] for r in credited] == ["alice", pseudonym(SALT, "u-2")]
    assert credited[1]["submitted"] == 2  # counted
    assert "named" not in credited[0]  # the card's helper flag is not a published column
    thanks = body(tree).split("## Contributors", 1)[1]
    assert "Thank you to the 2 volunteers (1 of them chose to stay anonymous" in thanks
    for path, content in tree.items():
        assert b"bob" not in content.lower() and b"carol" not in content, path


def test_config_defaults_credit_by_name_and_old_publish_keys_still_load(tmp_path):
    from campaigns import SAMPLE

    from annotate.config import load_config

    cfg = load_config(SAMPLE)
    assert cfg.publish.name_contributors is True
    assert cfg.publish.anonymous_contributors == [] and cfg.publish.name_in_responses is False
    old = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    old["publish"] = {"name_contributors": False, "exclude_contributors": ["x"]}
    for bench in old["benchmarks"]:
        bench["translation"]["path"] = str(SAMPLE.parent / bench["translation"]["path"])
    path = tmp_path / "old.yaml"
    path.write_text(yaml.safe_dump(old, allow_unicode=True), encoding="utf-8")
    loaded = load_config(path).publish
    assert (loaded.name_contributors, loaded.exclude_contributors) == (False, ["x"])
    assert loaded.anonymous_contributors == []
