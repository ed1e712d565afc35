"""Publishing: the repo tree (pure), the folder target, and the Hub target on a loopback Hub.

The Hub tests run the real huggingface_hub and datasets clients in a subprocess pointed at
tests/hub_emulator.py (HF_ENDPOINT is read at import time), and assert through those clients.
"""

from __future__ import annotations

import io
import json
import pickle
import re
import textwrap
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from hub_emulator import HubEmulator, run_client, validate_card_yaml

from annotate.errors import AnnotateError, ConnectionFailed
from annotate.model import Item
from annotate.publish import (
    MANIFEST,
    PROVENANCE_COLUMNS,
    RESPONSE_COLUMNS,
    BenchmarkRelease,
    CampaignInfo,
    build_tree,
    describe_plan,
    parse_target,
    plan_commit,
    pseudonym,
    write_folder,
)

SALT = "pepper-for-tests"
TOKEN = "hf_publishTestToken0123456789abcdef"
ARC = "data/arc/validation-00000-of-00001.parquet"
TQA = "data/truthfulqa/validation-00000-of-00001.parquet"
ARC_REVIEWED = "data/arc_reviewed/validation-00000-of-00001.parquet"
TQA_REVIEWED = "data/truthfulqa_reviewed/validation-00000-of-00001.parquet"
RESPONSES = "data/responses/train-00000-of-00001.parquet"
CONTRIBUTORS = "data/contributors/train-00000-of-00001.parquet"
OPTION_COLS = ("option_a", "option_b", "option_c", "option_d", "option_e")


# --- fakes: two small benchmarks in the Okapi schemas, resolved, with raw responses ----


def arc_rows() -> list[dict]:
    rows = [
        {
            "id": f"ARC-Challenge/validation/q{i}",
            "answer": "ABCD"[i % 4],
            "instruction": f"¿Pregunta {i}?",
            "option_a": f"a{i}",
            "option_b": f"b{i}",
            "option_c": f"c{i}",
            "option_d": f"d{i}",
        }
        for i in range(6)
    ]
    rows[5]["option_e"] = "e5"  # like the real file: one row has a fifth option
    return rows


def tqa_rows() -> list[dict]:
    return [
        {
            "question": f"¿Qué pasa {i}?",
            "mc1_targets_choices": [f"sí {i}", f"no {i}"],
            "mc2_targets_choices": [f"sí {i}", "tal vez", f"no {i}"],
            "mc1_targets_labels": [1, 0],
            "mc2_targets_labels": [1, 1, 0],
        }
        for i in range(3)
    ]


def rebuild(item: Item, segments) -> dict:
    """The trivial adapter: segment names are column names; write the texts back."""
    return {**item.row, **segments}


def arc_items(rows: list[dict]) -> list[Item]:
    return [
        Item(
            benchmark="arc",
            key=row["id"].rsplit("/", 1)[-1],
            index=i,
            segments={k: row[k] for k in ("instruction", *OPTION_COLS) if k in row},
            row=row,
        )
        for i, row in enumerate(rows)
    ]


def tqa_items(rows: list[dict]) -> list[Item]:
    return [
        Item(
            benchmark="truthfulqa", key=str(i), index=i, segments={"question": r["question"]}, row=r
        )
        for i, r in enumerate(rows)
    ]


def resolved_row(item: Item, status: str, final: dict | None = None, n: int = 2, agr=1.0) -> dict:
    final = final or item.segments
    changed = [k for k in final if final[k] != item.segments.get(k)]
    return {
        "record_id": item.record_id,
        "status": status,
        "final_segments": json.dumps(final, ensure_ascii=False),
        "mt_segments": json.dumps(item.segments, ensure_ascii=False),
        "n_submitted": n,
        "agreement": agr,
        "low_confidence": False,
        "changed_segments": json.dumps(changed),
    }


def make_releases(corrected_text: str = "¿Pregunta corregida 1?") -> list[BenchmarkRelease]:
    a = arc_items(arc_rows())
    arc_resolved = pd.DataFrame(
        [
            resolved_row(a[0], "validated", n=3),
            resolved_row(a[1], "corrected", {**a[1].segments, "instruction": corrected_text}),
            resolved_row(a[2], "unusable"),
            resolved_row(a[3], "needs_review", n=2, agr=0.5),
            # a[4]: nobody reviewed it (absent from the resolved table)
            resolved_row(a[5], "validated", n=2),
        ]
    )
    t = tqa_items(tqa_rows())
    tqa_resolved = pd.DataFrame(
        [
            resolved_row(t[0], "validated"),
            resolved_row(t[1], "corrected", {"question": "¿Qué ocurre 1?"}),
            resolved_row(t[2], "unannotated", n=0, agr=float("nan")),
        ]
    )
    return [
        BenchmarkRelease(
            name="arc",
            items=a,
            rebuild=rebuild,
            resolved=arc_resolved,
            source="alexandrainst/m_arc (config es, split validation)",
            original_source="allenai/ai2_arc ARC-Challenge",
            license="CC BY-NC 4.0",
        ),
        BenchmarkRelease(
            name="truthfulqa",
            items=t,
            rebuild=rebuild,
            resolved=tqa_resolved,
            source="m_truthfulqa_es_validation.json (Okapi)",
            original_source=None,
            license="CC BY-NC 4.0",
        ),
    ]


def make_responses() -> pd.DataFrame:
    users = {"alice": "u-1", "bob": "u-2", "carol": "u-3"}
    rows = []

    def add(user, rid, bench, question, value, status="submitted"):
        rows.append(
            {
                "record_id": rid,
                "benchmark": bench,
                "item_key": rid.split(":", 1)[1],
                "user_id": users[user],
                "username": user,
                "question": question,
                "value": value,
                "status": status,
                "inserted_at": pd.Timestamp("2025-01-02T03:04:05Z"),
                "updated_at": "2025-01-02T03:04:06+00:00",
                "email": f"{user}@example.org",  # must never be published
                "api_key": "argilla.apikey.secret",  # must never be published
            }
        )

    for user in ("alice", "bob", "carol"):
        add(user, "arc:q0", "arc", "verdict", "correct")
        add(user, "arc:q1", "arc", "verdict", "corrected")
        add(user, "arc:q1", "arc", "error_categories", ["mistranslation"])
    add("alice", "truthfulqa:0", "truthfulqa", "verdict", "correct")
    add("alice", "truthfulqa:1", "truthfulqa", "verdict", "corrected")
    add("bob", "arc:q3", "arc", "comment", "unsure, mail me at bob@example.com", status="draft")
    add("bob", "arc:q2", "arc", "verdict", "unusable", status="discarded")
    return pd.DataFrame(rows)


def make_annotators() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "username": "alice",
                "user_id": "u-1",
                "submitted": 4,
                "drafts": 0,
                "discarded": 0,
                "agreement_with_consensus": 1.0,
                "per_benchmark": '{"arc": 2, "truthfulqa": 2}',
            },
            {
                "username": "bob",
                "user_id": "u-2",
                "submitted": 2,
                "drafts": 1,
                "discarded": 1,
                "agreement_with_consensus": 0.5,
                "per_benchmark": '{"arc": 2}',
            },
            {
                "username": "carol",
                "user_id": "u-3",
                "submitted": 2,
                "drafts": 0,
                "discarded": 0,
                "agreement_with_consensus": 1.0,
                "per_benchmark": '{"arc": 2}',
            },
        ]
    )


def make_agreement() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "benchmark": "overall",
                "n_items": 4,
                "n_ratings": 9,
                "alpha": 0.71,
                "alpha_low": 0.52,
                "alpha_high": 0.88,
                "percent_agreement": 0.83,
            },
            {
                "benchmark": "arc",
                "n_items": 3,
                "n_ratings": 7,
                "alpha": 0.81,
                "alpha_low": 0.6,
                "alpha_high": 0.95,
                "percent_agreement": 0.9,
            },
            {
                "benchmark": "truthfulqa",
                "n_items": 1,
                "n_ratings": 2,
                "alpha": float("nan"),
                "alpha_low": float("nan"),
                "alpha_high": float("nan"),
                "percent_agreement": 1.0,
            },
        ]
    )


def make_campaign(**overrides) -> CampaignInfo:
    values = dict(
        campaign="okapi-es-2025",
        language="es",
        source_language="en",
        guidelines="Read the English original first.\n\n---\n\nFix only what is wrong.",
        min_submitted=2,
        method="majority",
        license=None,
        pretty_name=None,
        name_contributors=True,
        exclude_contributors=["carol"],
        salt=SALT,
        citation="@misc{okapi_es_validated, title={Validated Okapi ES}, year={2025}}",
    )
    values.update(overrides)
    return CampaignInfo(**values)


def make_tree(campaign: CampaignInfo | None = None, releases=None, responses=None, **kw):
    return build_tree(
        campaign or make_campaign(),
        releases if releases is not None else make_releases(),
        make_responses() if responses is None else responses,
        make_annotators(),
        make_agreement(),
        **kw,
    )


def table(tree: dict[str, bytes], path: str) -> pa.Table:
    return pq.read_table(io.BytesIO(tree[path]))


def front_matter(readme: bytes) -> dict:
    text = readme.decode()
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("\n---\n", 1)[0][4:])


# --- the tree (pure) -----------------------------------------------------------------


def test_tree_layout_is_one_config_per_benchmark_plus_responses_and_contributors():
    tree = make_tree(repo_id="org/okapi-es")
    assert list(tree) == [
        "README.md",
        ARC,
        ARC_REVIEWED,
        TQA,
        TQA_REVIEWED,
        RESPONSES,
        CONTRIBUTORS,
        "lm_eval/arc_es_all.yaml",
        "lm_eval/arc_es_reviewed.yaml",
        "lm_eval/truthfulqa_es_mc1_all.yaml",
        "lm_eval/truthfulqa_es_mc1_reviewed.yaml",
        "lm_eval/truthfulqa_es_mc2_all.yaml",
        "lm_eval/truthfulqa_es_mc2_reviewed.yaml",
        "lm_eval/utils.py",
    ]
    configs = {c["config_name"]: c for c in front_matter(tree["README.md"])["configs"]}
    assert list(configs) == [
        "arc",
        "arc_reviewed",
        "truthfulqa",
        "truthfulqa_reviewed",
        "responses",
        "contributors",
    ]
    assert configs["arc"]["data_files"] == [
        {"split": "validation", "path": "data/arc/validation-*.parquet"}
    ]
    assert configs["arc"].get("default") is True


def test_benchmark_rows_keep_the_source_schema_drop_unusable_and_apply_corrections():
    releases = make_releases()
    rows = table(make_tree(releases=releases), ARC).to_pylist()
    source = arc_rows()
    assert len(rows) == len(source) - 1  # q2 was unusable
    assert [r["id"] for r in rows] == [s["id"] for i, s in enumerate(source) if i != 2]
    cols = ["id", "answer", "instruction", *OPTION_COLS[:4], "option_e", *PROVENANCE_COLUMNS]
    assert table(make_tree(), ARC).schema.names == cols
    by_id = {r["id"].rsplit("/", 1)[1]: r for r in rows}
    assert by_id["q1"]["instruction"] == "¿Pregunta corregida 1?"
    assert by_id["q1"]["validation_status"] == "corrected"
    assert json.loads(by_id["q1"]["machine_translation"]) == {"instruction": "¿Pregunta 1?"}
    assert by_id["q0"]["machine_translation"] is None
    assert by_id["q0"]["instruction"] == "¿Pregunta 0?"
    assert (by_id["q0"]["n_annotators"], by_id["q0"]["annotator_agreement"]) == (3, 1.0)
    assert by_id["q3"]["validation_status"] == "needs_review"
    unreviewed = by_id["q4"]
    assert (unreviewed["validation_status"], unreviewed["n_annotators"]) == ("unannotated", 0)
    assert unreviewed["annotator_agreement"] is None
    assert by_id["q5"]["option_e"] == "e5" and by_id["q0"]["option_e"] is None
    assert by_id["q1"]["record_id"] == "arc:q1"


def test_list_and_int_columns_keep_their_types():
    tbl = table(make_tree(), TQA)
    assert tbl.schema.field("mc1_targets_labels").type == pa.list_(pa.int64())
    assert tbl.schema.field("mc2_targets_choices").type == pa.list_(pa.string())
    assert tbl.schema.field("n_annotators").type == pa.int64()
    rows = tbl.to_pylist()
    assert len(rows) == 3
    assert rows[1]["question"] == "¿Qué ocurre 1?" and rows[1]["mc1_targets_labels"] == [1, 0]
    assert rows[2]["annotator_agreement"] is None


def test_responses_are_raw_allow_listed_and_never_leak_emails_or_keys():
    tree = make_tree()
    tbl = table(tree, RESPONSES)
    assert tuple(tbl.schema.names) == RESPONSE_COLUMNS
    rows = tbl.to_pylist()
    assert len(rows) == len(make_responses())
    assert {r["status"] for r in rows} == {"submitted", "draft", "discarded"}
    names = {r["annotator"] for r in rows}
    assert names == {pseudonym(SALT, u) for u in ("u-1", "u-2", "u-3")}  # by default
    comment = next(r for r in rows if r["question"] == "comment")
    assert comment["value"] == "unsure, mail me at [email removed]"
    assert json.loads(next(r for r in rows if r["question"] == "error_categories")["value"]) == [
        "mistranslation"
    ]
    for path, content in tree.items():
        for secret in (b"@example.", b"argilla.apikey", b"u-1", b"carol"):
            assert secret not in content, (path, secret)


def test_named_responses_name_everyone_but_the_excluded_and_the_anonymous():
    campaign = make_campaign(name_in_responses=True, anonymous_contributors=["BOB"])
    names = {r["annotator"] for r in table(make_tree(campaign), RESPONSES).to_pylist()}
    assert names == {"alice", pseudonym(SALT, "u-2"), pseudonym(SALT, "u-3")}


def test_without_name_contributors_everyone_is_a_pseudonym():
    tree = make_tree(make_campaign(name_contributors=False, exclude_contributors=[]))
    names = {r["annotator"] for r in table(tree, RESPONSES).to_pylist()}
    assert names == {pseudonym(SALT, u) for u in ("u-1", "u-2", "u-3")}
    assert all(re.fullmatch(r"annotator-[0-9a-f]{10}", n) for n in names)
    for content in tree.values():
        assert b"alice" not in content and b"bob" not in content


def test_a_username_that_is_an_email_is_never_published():
    responses = make_responses()
    responses.loc[responses["username"] == "bob", "username"] = "bob.smith@uni.example"
    tree = make_tree(make_campaign(name_in_responses=True), responses=responses)
    names = {r["annotator"] for r in table(tree, RESPONSES).to_pylist()}
    assert names == {"alice", pseudonym(SALT, "u-2"), pseudonym(SALT, "u-3")}
    assert all(b"uni.example" not in content for content in tree.values())


def test_pseudonyms_need_a_salt():
    with pytest.raises(AnnotateError, match="salt"):
        make_tree(make_campaign(name_contributors=False, salt=""))


def test_contributors_count_submitted_items_only_rank_them_and_leave_out_the_excluded():
    rows = table(make_tree(), CONTRIBUTORS).to_pylist()
    assert [r["contributor"] for r in rows] == ["alice", "bob"]  # carol excluded
    alice, bob = rows
    assert (alice["rank"], alice["submitted"]) == (1, 4)
    assert (alice["submitted_arc"], alice["submitted_truthfulqa"]) == (2, 2)
    assert (bob["rank"], bob["submitted"], bob["submitted_truthfulqa"]) == (2, 2, 0)  # no draft
    assert bob["agreement_with_consensus"] == 0.5


def test_card_metadata_validates_and_the_body_tells_how_the_data_was_made():
    from huggingface_hub import DatasetCard

    readme = make_tree(repo_id="org/okapi-es")["README.md"].decode()
    errors, _ = validate_card_yaml(readme, "dataset")
    assert errors == []
    meta = DatasetCard(readme).data.to_dict()
    assert meta["license"] == "cc-by-nc-4.0"
    assert meta["language"] == ["es"]
    assert meta["size_categories"] == ["n<1K"]
    assert "multiple-choice" in meta["task_categories"]
    assert meta["pretty_name"]
    body = readme.split("\n---\n", 1)[1]
    for expected in (
        "alexandrainst/m\\_arc",  # sources (Markdown-escaped)
        "at least **2** submitted reviews",  # overlap
        "majority vote",  # method
        "| arc | 3 | 7 | 0.810 | [0.600, 0.950] | 90.0% | reliable |",  # agreement + CI
        "Fix only what is wrong.",  # guidelines
        "| 1 | alice | 4 | 2 | 2 | 100% |",  # ranking
        "Thank you",
        "@misc{okapi_es_validated",  # campaign citation
        "dac2023okapi",  # Okapi citation
        'load_dataset("org/okapi-es", "arc", split="validation")',
    ):
        assert expected in body, expected
    assert "| arc | 6 | 2 | 1 | 1 | 1 | 1 | 5 |" in body  # counts per status


def test_invalid_front_matter_is_caught_by_the_validator():
    assert validate_card_yaml("---\nlicense: [unclosed\n---\n")[0]
    assert validate_card_yaml("---\nconfigs: nope\n---\n")[0]
    assert validate_card_yaml("---\nsize_categories: [huge]\n---\n")[0]


def test_same_inputs_give_byte_identical_trees_whatever_the_response_order():
    first = make_tree()
    shuffled = make_responses().sample(frac=1.0, random_state=7).reset_index(drop=True)
    second = make_tree(responses=shuffled)
    assert first == second


def task_yaml(content: bytes) -> dict:
    """A task file as lm_eval reads it, with `!function x.y` kept as the string "!x.y"."""

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!function", lambda loader, node: "!" + loader.construct_scalar(node))
    return yaml.load(content, Loader=Loader)  # noqa: S506 (a SafeLoader subclass)


def test_lm_eval_tasks_read_the_hub_repo_or_the_folder_they_sit_in():
    tree = make_tree(repo_id="org/okapi-es")
    arc = task_yaml(tree["lm_eval/arc_es_reviewed.yaml"])
    assert (arc["dataset_path"], arc["dataset_name"], arc["test_split"]) == (
        "org/okapi-es",
        "arc_reviewed",
        "validation",
    )
    assert task_yaml(tree["lm_eval/arc_es_all.yaml"])["dataset_name"] == "arc"
    assert arc["process_docs"] == "!utils.process_arc" and arc["output_type"] == "multiple_choice"
    mc2 = task_yaml(tree["lm_eval/truthfulqa_es_mc2_all.yaml"])
    assert mc2["process_results"] == "!utils.process_results_mc2"
    assert mc2["doc_to_choice"] == "mc2_choices"
    card = tree["README.md"].decode()
    assert "include: LM_EVAL_TASKS/okapi/arc_multilingual/arc_es.yaml" in card
    assert "dataset_path: org/okapi-es\ndataset_name: arc_reviewed" in card
    local = task_yaml(make_tree()["lm_eval/arc_es_all.yaml"])
    assert "dataset_path" not in local  # `dataset_path: .` only worked from inside the folder
    assert local["custom_dataset"] == "!utils.load_folder"
    assert local["dataset_kwargs"] == {"name": "arc"}


def test_bad_benchmark_names_and_column_clashes_are_user_errors():
    releases = make_releases()
    releases[0].name = "responses"
    with pytest.raises(AnnotateError, match="responses"):
        make_tree(releases=releases)
    releases = make_releases()
    for item in releases[1].items:
        item.row["validation_status"] = "x"
    with pytest.raises(AnnotateError, match="validation_status"):
        make_tree(releases=releases)


@pytest.mark.parametrize(
    ("to", "kind", "value"),
    [
        ("hf://datasets/org/okapi-es", "hub", "org/okapi-es"),
        ("hf://datasets/org/okapi-es/", "hub", "org/okapi-es"),
        ("./out/okapi", "folder", "out/okapi"),
        ("/tmp/x", "folder", "/tmp/x"),
    ],
)
def test_parse_target(to, kind, value):
    target = parse_target(to)
    assert target.kind == kind
    assert (target.repo_id if kind == "hub" else str(target.path)) == value


@pytest.mark.parametrize(
    "to",
    [
        "hf://org/name",
        "hf://datasets/org",
        "hf://datasets/org/a/b",
        "hf://models/o/n",
        "hf://datasets/org/bad..name",
        "hf://datasets/-org/name",
    ],
)
def test_parse_target_rejects_malformed_hub_urls_naming_the_value(to):
    with pytest.raises(AnnotateError) as err:
        parse_target(to)
    assert repr(to) in err.value.message
    assert "\n" not in str(err.value)


def test_plan_commit_adds_everything_and_deletes_only_our_stale_files():
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    tree = make_tree()
    existing = [
        ".gitattributes",
        "README.md",
        ARC,
        "data/arc/validation-00001-of-00002.parquet",
        "data/old/test-00000-of-00001.parquet",
        "lm_eval/old.yaml",
        "notes/keep.md",
    ]
    ops = plan_commit(tree, existing)
    adds = [op.path_in_repo for op in ops if isinstance(op, CommitOperationAdd)]
    deletes = [op.path_in_repo for op in ops if isinstance(op, CommitOperationDelete)]
    assert adds == list(tree)
    assert deletes == [
        "data/arc/validation-00001-of-00002.parquet",
        "data/old/test-00000-of-00001.parquet",
        "lm_eval/old.yaml",
    ]
    text = describe_plan(tree, ops)
    assert "delete  lm_eval/old.yaml" in text and ".gitattributes" not in text
    assert f"{len(tree)} file(s) to upload" in text and "3 stale file(s)" in text


# --- folder target -------------------------------------------------------------------


def test_folder_target_reads_back_with_datasets_and_republish_removes_stale_files(tmp_path):
    import datasets

    dest = tmp_path / "out" / "okapi-es"
    tree = make_tree()
    report = write_folder(tree, dest)
    assert report["removed"] == [] and len(report["changed"]) == len(tree)
    assert json.loads((dest / MANIFEST).read_text())["files"] == sorted(tree)
    cache = tmp_path / "cache"
    for config, split, n in [
        ("arc", "validation", 5),
        ("arc_reviewed", "validation", 3),
        ("truthfulqa", "validation", 3),
        ("truthfulqa_reviewed", "validation", 2),
        ("responses", "train", 13),
        ("contributors", "train", 2),
    ]:
        ds = datasets.load_dataset(str(dest), config, split=split, cache_dir=str(cache))
        assert ds.num_rows == n, config
    arc = datasets.load_dataset(str(dest), "arc", split="validation", cache_dir=str(cache))
    assert arc.features["n_annotators"].dtype == "int64"

    (dest / "notes.txt").write_text("mine")  # not ours: kept
    assert write_folder(tree, dest)["unchanged"] is True
    report = write_folder(make_tree(releases=make_releases()[:1]), dest)
    assert report["removed"] == [
        TQA,
        TQA_REVIEWED,
        "lm_eval/truthfulqa_es_mc1_all.yaml",
        "lm_eval/truthfulqa_es_mc1_reviewed.yaml",
        "lm_eval/truthfulqa_es_mc2_all.yaml",
        "lm_eval/truthfulqa_es_mc2_reviewed.yaml",
    ]
    assert not (dest / TQA).exists() and (dest / ARC).exists()
    assert not (dest / "data" / "truthfulqa").exists()  # emptied folders go too
    assert (dest / "notes.txt").read_text() == "mine"
    assert not [p for p in dest.parent.iterdir() if p.name != "okapi-es"]  # no temp dirs left


def test_folder_target_refuses_to_overwrite_files_it_did_not_write(tmp_path):
    (tmp_path / "README.md").write_text("my own readme")
    with pytest.raises(AnnotateError, match="not written by annotate"):
        write_folder(make_tree(), tmp_path)
    assert (tmp_path / "README.md").read_text() == "my own readme"


# --- Hub target, on the loopback emulator ----------------------------------------------

PUSH = """
import json, pickle
from annotate.errors import AnnotateError, ConnectionFailed
from annotate.publish import push_to_hub
tree = pickle.load(open({tree!r}, "rb"))
try:
    out = push_to_hub(tree, {repo!r}, token={token!r}, private={private!r})
except AnnotateError as exc:
    out = {{"error": str(exc), "type": type(exc).__name__, "exit_code": exc.exit_code}}
print(json.dumps(out))
"""

READ = """
import json
import datasets
from huggingface_hub import HfApi
api = HfApi()
files = api.list_repo_files({repo!r}, repo_type="dataset")
rows = {{c: datasets.load_dataset({repo!r}, c, split=s).to_list()
        for c, s in [("arc", "validation"), ("truthfulqa", "validation"),
                     ("responses", "train"), ("contributors", "train")]}}
print(json.dumps({{"files": files, "rows": rows}}, default=str))
"""


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    with HubEmulator(tmp_path_factory.mktemp("hub"), token=TOKEN) as hub:
        yield hub


def push(hub, tmp_path, tree, repo, *, token=None, env_token=None, private=False):
    path = tmp_path / f"tree-{len(list(tmp_path.iterdir()))}.pkl"
    path.write_bytes(pickle.dumps(tree))
    env = hub.client_env(tmp_path / "client", token=env_token)
    code = PUSH.format(tree=str(path), repo=repo, token=token, private=private)
    return run_client(code, env)


def test_hub_publish_then_republish_is_one_commit_and_removes_stale_shards(hub, tmp_path):
    repo = "okapi/es-validated"
    first = push(hub, tmp_path, make_tree(repo_id=repo), repo, env_token=TOKEN)
    assert first["changed"] is True and first["deleted"] == []
    assert len(hub.commits(repo)) == 2  # the repo's initial commit, then ours

    env = hub.client_env(tmp_path / "client", token=TOKEN)
    got = run_client(READ.format(repo=repo), env)
    assert sorted(got["files"]) == sorted([".gitattributes", *make_tree(repo_id=repo)])
    assert len(got["rows"]["arc"]) == 5 and len(got["rows"]["contributors"]) == 2
    assert got["rows"]["arc"][1]["instruction"] == "¿Pregunta corregida 1?"

    # Someone left an extra shard; then one item changes and we publish again.
    stale = "data/arc/validation-00001-of-00002.parquet"
    run_client(
        textwrap.dedent(f"""
        import json
        from huggingface_hub import HfApi, CommitOperationAdd
        HfApi().create_commit({repo!r}, [CommitOperationAdd({stale!r}, b"PAR1 stale")],
                              commit_message="stale", repo_type="dataset")
        print(json.dumps(True))
        """),
        env,
    )
    n_before = len(hub.commits(repo))
    tree = make_tree(releases=make_releases("¿Pregunta corregida otra vez?"), repo_id=repo)
    second = push(hub, tmp_path, tree, repo, token=TOKEN)
    assert second["deleted"] == [stale]
    assert len(hub.commits(repo)) == n_before + 1  # exactly one new commit
    head = hub.files(repo)
    assert stale not in head and ".gitattributes" in head
    assert {p: c for p, c in head.items() if p != ".gitattributes"} == tree
    got = run_client(READ.format(repo=repo), env)
    assert got["rows"]["arc"][1]["instruction"] == "¿Pregunta corregida otra vez?"

    # Same inputs again: byte-identical files, so no commit at all.
    third = push(hub, tmp_path, tree, repo, token=TOKEN)
    assert third["changed"] is False
    assert len(hub.commits(repo)) == n_before + 1


def test_hub_publish_without_a_token_says_how_to_give_one(hub, tmp_path):
    out = push(hub, tmp_path, make_tree(), "okapi/no-token")
    assert out["type"] == "ConnectionFailed"
    assert out["error"] == "no Hugging Face token: set HF_TOKEN or pass --token"
    assert hub.commits("okapi/no-token") == []


@pytest.mark.parametrize("repo", ["okapi/wrong-token-new", "okapi/es-existing"])
def test_hub_publish_with_a_wrong_token_names_the_repo_never_the_token(hub, tmp_path, repo):
    if repo.endswith("existing"):
        push(hub, tmp_path, make_tree(), repo, token=TOKEN)
    before = len(hub.commits(repo))
    wrong = "hf_wrongTokenABCDEFGHIJKLMNOPQRSTU"
    out = push(hub, tmp_path, make_tree(), repo, token=wrong)
    assert out["type"] == "ConnectionFailed" and out["exit_code"] == 3
    assert f"datasets/{repo}" in out["error"] and "(HTTP 403)" in out["error"]
    assert wrong not in json.dumps(out) and "\n" not in out["error"]
    assert len(hub.commits(repo)) == before


def test_unreachable_hub_is_one_clear_line(tmp_path):
    import socket

    from annotate.publish import push_to_hub

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ConnectionFailed) as err:
        push_to_hub(make_tree(), "okapi/x", token=TOKEN, endpoint=f"http://127.0.0.1:{port}")
    assert f"127.0.0.1:{port}" in str(err.value) and TOKEN not in str(err.value)
    assert "\n" not in str(err.value)


def test_private_repo_is_hidden_from_anonymous_readers(hub, tmp_path):
    repo = "okapi/private-one"
    push(hub, tmp_path, make_tree(), repo, token=TOKEN, private=True)
    code = textwrap.dedent(f"""
        import json
        from huggingface_hub import HfApi
        from huggingface_hub.errors import RepositoryNotFoundError
        try:
            HfApi().list_repo_files({repo!r}, repo_type="dataset", token=False)
            print(json.dumps("visible"))
        except RepositoryNotFoundError:
            print(json.dumps("hidden"))
        """)
    assert run_client(code, hub.client_env(tmp_path / "client")) == "hidden"


def test_the_token_is_written_nowhere(hub, tmp_path):
    repo = "okapi/token-check"
    out = push(hub, tmp_path, make_tree(repo_id=repo), repo, env_token=TOKEN)
    assert TOKEN not in json.dumps(out)
    for path in Path(hub.root).rglob("*"):  # every stored object, the history, the state
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
    for content in hub.files(repo).values():
        assert TOKEN.encode() not in content


def test_real_okapi_arc_round_trips_unchanged_when_everything_is_validated():
    """With no corrections, the published ARC rows are the Okapi rows, column for column."""
    source = json.loads(
        (Path(__file__).parents[1] / "data/okapi/m_arc_es_validation.json").read_text()
    )
    items = arc_items(source)
    resolved = pd.DataFrame([resolved_row(i, "validated") for i in items])
    release = BenchmarkRelease("arc", items, rebuild, resolved, "m_arc_es_validation.json")
    tbl = table(make_tree(releases=[release]), ARC)
    assert tbl.num_rows == len(source)
    published = tbl.select([c for c in tbl.schema.names if c not in PROVENANCE_COLUMNS])
    keys = list(dict.fromkeys(k for row in source for k in row))
    assert published.schema.names == keys
    assert published.to_pylist() == [{k: row.get(k) for k in keys} for row in source]
