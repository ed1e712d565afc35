"""The lm-evaluation-harness tasks of a release run as shipped, with the harness's `dummy` model.

A scripted campaign over the sample's three benchmarks (a few rows each, two of them
validated) is published to a folder and to the loopback Hub. Every shipped task then runs in
a fresh process through `lm_eval.simple_evaluate` (the code path of `lm_eval --model dummy`,
minus indexing the harness's thousands of built-in tasks): from inside the folder, from
another directory, and from the Hub id. The rendered prompts, choices and targets are
compared with what the upstream Okapi task files of lm-evaluation-harness make of the same
rows, so scores on a release compare with theirs.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml
from argilla_rest import Rest
from campaigns import OKAPI, cli, cli_json, make_config
from hub_emulator import HubEmulator, run_client

ROWS = 4  # per benchmark
VALIDATED = 2  # the first two records of each benchmark get two `correct` votes
LIMIT = 3  # documents per task
SOURCES = {
    "arc": "m_arc_es_validation.json",
    "mmlu": "m_mmlu_es_dev.json",
    "truthfulqa": "m_truthfulqa_es_validation.json",
}
TASKS = {
    "arc_es_all",
    "arc_es_reviewed",
    "mmlu_es_all",
    "mmlu_es_reviewed",
    "truthfulqa_es_mc1_all",
    "truthfulqa_es_mc1_reviewed",
    "truthfulqa_es_mc2_all",
    "truthfulqa_es_mc2_reviewed",
}
UPSTREAM = Path(importlib.util.find_spec("lm_eval").origin).parent / "tasks" / "okapi"

EVALUATE = """
import json, os, sys
import lm_eval
from lm_eval.tasks import TaskManager

def run(include):
    tm = TaskManager(include_path=include, include_defaults=False)
    tasks = sorted(f[:-5] for f in os.listdir(include) if f.endswith(".yaml"))
    res = lm_eval.simple_evaluate(
        model="dummy", tasks=tasks, task_manager=tm, limit={limit}, log_samples=True
    )
    return {{
        t: {{
            "metrics": {{k: v for k, v in res["results"][t].items() if k.startswith("acc")}},
            "samples": [
                {{
                    "doc": {{k: s["doc"].get(k) for k in ("record_id", "validation_status")}},
                    "context": s["arguments"][0][0],
                    "choices": [a[1] for a in s["arguments"]],
                    "target": s["target"],
                }}
                for s in res["samples"][t]
            ],
        }}
        for t in tasks
    }}

out = []
for cwd, include in {runs!r}:
    os.chdir(cwd)
    out.append(run(include))
print(json.dumps(out, default=str))
"""


def evaluate(runs: list[tuple[str, str]], env: dict) -> list[dict]:
    """{task: metrics and samples} per (cwd, --include_path) run, all in one process."""
    return run_client(EVALUATE.format(limit=LIMIT, runs=runs), env, timeout=600)


@pytest.fixture(scope="module")
def campaign(argilla_server, tmp_path_factory):
    """The sample's benchmarks cut to ROWS rows, pushed, two items each validated, pulled."""
    tmp = tmp_path_factory.mktemp("lmeval")
    files = {}
    for name, source in SOURCES.items():
        rows = json.loads((OKAPI / source).read_text(encoding="utf-8"))[:ROWS]
        files[name] = tmp / source
        files[name].write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    config = make_config(tmp, files=files)
    cli_json("push", "-c", str(config), info=argilla_server)

    owner = Rest(argilla_server.url, argilla_server.api_key)
    workspace = yaml.safe_load(config.read_text())["workspace"]
    ws = next(w for w in owner.get("/api/v1/me/workspaces")["items"] if w["name"] == workspace)
    voters = [
        owner.create_annotator(f"{n}-{workspace[-8:]}", f"{n}-password-123", ws["id"])
        for n in ("eva", "fer")
    ]
    validated = set()
    for dataset in owner.get("/api/v1/me/datasets")["items"]:
        if dataset["workspace_id"] != ws["id"]:
            continue
        records = owner.get(f"/api/v1/datasets/{dataset['id']}/records", params={"limit": 100})
        for record in records["items"][:VALIDATED]:
            validated.add(record["external_id"])
            for voter in voters:
                voter.respond(record["id"], {"verdict": "correct"})
    cli_json("pull", "-c", str(config), info=argilla_server)
    return {"config": config, "validated": validated, "tmp": tmp}


@pytest.fixture(scope="module")
def folder(campaign):
    out = campaign["tmp"] / "release"
    cli_json("publish", "-c", str(campaign["config"]), "--to", str(out))
    return out


def offline_env(cache: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("HF_ENDPOINT", "HF_TOKEN")}
    return env | {
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_HOME": str(cache / "hf-home"),
        "HF_DATASETS_CACHE": str(cache / "datasets"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }


def _upstream(module: str, name: str):
    spec = importlib.util.spec_from_file_location(name, UPSTREAM / module / "utils.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def upstream_docs(folder: Path, config: str, cache: Path) -> list[dict]:
    """The documents the upstream Okapi task files make of a published config."""
    import datasets

    ds = datasets.load_dataset(str(folder), config, cache_dir=str(cache))
    ds = next(iter(ds.values()))
    if config.startswith("arc"):
        if "option_e" not in ds.column_names:  # upstream reads doc["option_e"] as is
            ds = ds.add_column("option_e", [None] * ds.num_rows)
        return list(_upstream("arc_multilingual", "okapi_arc").process_docs(ds))
    if config.startswith("truthfulqa"):
        return list(_upstream("truthfulqa_multilingual", "okapi_tqa").process_docs(ds))
    from lm_eval.utils import apply_template

    template = yaml.safe_load((UPSTREAM / "mmlu_multilingual" / "_default_yaml").read_text())
    return [
        dict(
            doc,
            query=apply_template(template["doc_to_text"], doc),
            gold="ABCD".index(doc["answer"]),
        )
        for doc in ds
    ]


def check_against_upstream(results: dict, folder: Path, validated: set, cache: Path) -> None:
    assert set(results) == TASKS
    for task, got in results.items():
        bench, variant = task.split("_", 1)[0], task.rsplit("_", 1)[1]
        config = bench if variant == "all" else f"{bench}_reviewed"
        expected = upstream_docs(folder, config, cache)
        n_rows = VALIDATED if variant == "reviewed" else ROWS
        assert len(expected) == n_rows, config
        assert len(got["samples"]) == min(LIMIT, n_rows), task
        assert got["metrics"], task
        if variant == "reviewed":
            assert {s["doc"]["validation_status"] for s in got["samples"]} == {"validated"}
            assert {s["doc"]["record_id"] for s in got["samples"]} <= validated
        for sample, up in zip(got["samples"], expected, strict=False):
            assert sample["context"] == up["query"], task
            if bench == "mmlu":
                assert sample["choices"] == [" A", " B", " C", " D"]
                assert "ABCD".index(sample["target"]) == up["gold"]  # a letter, as upstream
            elif bench == "arc":
                assert sample["choices"] == [" " + c for c in up["choices"]]
                assert sample["target"] == up["gold"]
            else:
                mc = "mc1" if "_mc1_" in task else "mc2"
                assert sample["choices"] == [" " + c for c in up[f"{mc}_choices"]], task
                assert sample["target"] == 0  # upstream: the true answer comes first
                assert sample["context"].startswith("Q: What is human life expectancy")
        mc2 = got["metrics"].get("acc,none")
        if "_mc2_" in task:
            assert 0.0 < mc2 < 1.0  # a probability mass, not a 0/1 accuracy


@pytest.mark.server
def test_every_shipped_task_runs_from_the_folder_and_from_any_directory(campaign, folder, tmp_path):
    shipped = {p.stem for p in (folder / "lm_eval").glob("*.yaml")}
    assert shipped == TASKS
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # A copy elsewhere stands for a moved or downloaded folder: nothing in the task files
    # may depend on where the folder was published.
    moved = tmp_path / "moved" / "release"
    shutil.copytree(folder, moved)
    # The card's overrides for the upstream Okapi task files, as a user would save them.
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    card = (folder / "README.md").read_text(encoding="utf-8")
    for block in re.findall(r"```yaml\n# (\S+)\n(.*?)```", card, re.S):
        text = block[1].replace("LM_EVAL_TASKS", str(UPSTREAM.parent))
        text = text.replace("/path/to/this/folder", str(moved))
        (upstream / block[0]).write_text(text, encoding="utf-8")
    assert sorted(p.name for p in upstream.iterdir()) == [
        "upstream_m_mmlu_es_reviewed.yaml",  # no ARC: the sample has no option_e column
        "upstream_truthfulqa_es_mc1_reviewed.yaml",
        "upstream_truthfulqa_es_mc2_reviewed.yaml",
    ]
    out = evaluate(
        [
            (str(folder), "lm_eval"),
            (str(elsewhere), str(moved / "lm_eval")),
            (str(elsewhere), str(upstream)),
        ],
        offline_env(tmp_path / "cache"),
    )
    inside, outside, upstream_run = out
    check_against_upstream(inside, folder, campaign["validated"], tmp_path / "cache")
    for task in TASKS:  # the same documents, whatever the working directory
        assert [s["context"] for s in outside[task]["samples"]] == [
            s["context"] for s in inside[task]["samples"]
        ]
    # The upstream files, so overridden, render exactly what the shipped tasks render.
    for task, got in upstream_run.items():
        ours = task.removeprefix("upstream_").removeprefix("m_")
        assert [(s["context"], s["choices"], s["target"]) for s in got["samples"]] == [
            (s["context"], s["choices"], s["target"]) for s in inside[ours]["samples"]
        ], task


@pytest.mark.server
def test_every_shipped_task_runs_from_the_hub_id(campaign, folder, tmp_path):
    with HubEmulator(tmp_path / "hub", token="hf_lmEvalTestToken0123456789") as hub:
        repo = "somosnlp/lm-eval-check"
        env = hub.client_env(tmp_path / "publish", token=hub.token)

        result = cli(
            "publish", "-c", str(campaign["config"]), "--to", f"hf://datasets/{repo}", env=env
        )
        assert result.returncode == 0, result.stderr
        tasks_dir = tmp_path / "from-hub"
        run_client(
            "import json\nfrom huggingface_hub import snapshot_download\n"
            f"snapshot_download({repo!r}, repo_type='dataset', allow_patterns=['lm_eval/*'], "
            f"local_dir={str(tasks_dir)!r})\nprint(json.dumps(1))",
            env,
        )
        assert not (tasks_dir / "data").exists()  # only the task files: data comes from the Hub
        spec = yaml.safe_load(
            (tasks_dir / "lm_eval" / "arc_es_reviewed.yaml").read_text().replace("!function", "")
        )
        assert (spec["dataset_path"], spec["dataset_name"]) == (repo, "arc_reviewed")
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        (out,) = evaluate(
            [(str(elsewhere), str(tasks_dir / "lm_eval"))], hub.client_env(tmp_path / "eval")
        )
    check_against_upstream(out, folder, campaign["validated"], tmp_path / "cache")


# --- the shipped helpers against upstream's own code (pure, no server) ------------------


def test_shipped_prompt_helpers_equal_upstream_okapi_code_on_awkward_rows():
    """lm_eval/utils.py reproduces upstream's documents, HellaSwag included (the sample has
    none), on rows with WikiHow brackets, double spaces, padding and a fifth option."""
    import datasets
    import numpy as np

    from annotate import lm_eval_utils as ours

    arc = [
        {"id": "1", "instruction": "  ¿Qué  [title] pasa? ", "answer": "E", "option_a": "a",
         "option_b": "b [x]", "option_c": "c", "option_d": "d", "option_e": "e  e"},
        {"id": "2", "instruction": "Q", "answer": "A", "option_a": "x", "option_b": "y",
         "option_c": "", "option_d": "z", "option_e": None},
    ]  # fmt: skip
    hella = [
        {"ind": 1, "activity_label": "Cocina", "ctx_a": "Una mujer [step] corta", "ctx_b": "el pan",
         "endings": [" lo come.", "lo  tira [title] fuera", "x", "y"], "label": "1"},
    ]  # fmt: skip
    tqa = [
        {"question": " ¿Qué  es [x] esto? ", "mc1_targets_choices": ["sí", "no"],
         "mc1_targets_labels": [1, 0], "mc2_targets_choices": ["sí", "tal vez", "no"],
         "mc2_targets_labels": [1, 1, 0]},
    ]  # fmt: skip
    cases = [
        (arc, ours.process_arc, _upstream("arc_multilingual", "up_arc").process_docs),
        (hella, ours.process_hellaswag, _upstream("hellaswag_multilingual", "up_hs").process_docs),
        (tqa, ours.process_truthfulqa, _upstream("truthfulqa_multilingual", "up_tqa").process_docs),
    ]
    for rows, mine, theirs in cases:
        got = list(mine(datasets.Dataset.from_list(rows)))
        want = list(theirs(datasets.Dataset.from_list(rows)))
        for g, w in zip(got, want, strict=True):
            if rows is tqa:
                del w["gold"]  # upstream's unused placeholder (" "); the target is 0
            assert {k: g[k] for k in w} == w
    upstream_tqa = _upstream("truthfulqa_multilingual", "up_tqa2")
    doc = list(ours.process_truthfulqa(datasets.Dataset.from_list(tqa)))[0]
    assert doc["mc1_gold"] == 0  # upstream's fixed target
    results = [(float(x), False) for x in np.log([0.5, 0.2, 0.3])]
    assert ours.process_results_mc2(doc, results) == pytest.approx(
        upstream_tqa.process_results_mc2(doc, results)
    )


def test_each_okapi_schema_gets_its_upstream_prompt_and_unknown_schemas_none():
    from test_publish import task_yaml

    from annotate.lm_eval_tasks import benchmark_tasks

    def tasks(name, columns, adapter=None, reviewed=True):
        found = benchmark_tasks(
            benchmark=name,
            adapter=adapter,
            split="validation",
            columns=columns,
            language="gl",
            repo_id="org/x",
            reviewed_config=f"{name}_reviewed",
            with_reviewed=reviewed,
        )
        return {t.name: task_yaml(t.yaml.encode()) for t in found}

    hella = tasks("hs", ["ind", "activity_label", "ctx_a", "ctx_b", "endings", "label"])
    assert set(hella) == {"hs_gl_all", "hs_gl_reviewed"}
    assert hella["hs_gl_all"]["process_docs"] == "!utils.process_hellaswag"
    mcq = ["id", "instruction", "option_a", "option_b", "option_c", "option_d", "answer"]
    assert tasks("exam", mcq, adapter="mmlu")["exam_gl_all"]["doc_to_choice"] == list("ABCD")
    assert tasks("exam", mcq, adapter="arc")["exam_gl_all"]["doc_to_choice"] == "choices"
    assert set(tasks("exam", mcq, reviewed=False)) == {"exam_gl_all"}  # no reviewed row
    assert tasks("free", ["text", "label"]) == {}
