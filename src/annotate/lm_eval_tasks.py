"""lm-evaluation-harness task files for a published release (`lm_eval/*.yaml` + `utils.py`).

Each benchmark in an Okapi schema gets the prompts of the matching Okapi task of
lm-evaluation-harness (arc_multilingual, m_mmlu, hellaswag_multilingual,
truthfulqa_multilingual mc1 and mc2), so scores are comparable with theirs, in two variants:
`<task>_all` reads every published row (`<benchmark>` config) and `<task>_reviewed` only the
rows volunteers validated or corrected (`<benchmark>_reviewed`).

Where the data is read from:
- Hub target: `dataset_path: ORG/NAME` + `dataset_name: <config>`, the usual form.
- folder target: `custom_dataset: !function utils.load_folder`, which loads the config from the
  folder the task file sits in. `dataset_path` cannot do that: it is resolved against the
  current directory (`dataset_path: .` fails with `dataset_name should be specified`
  anywhere but inside the folder, and an absolute path breaks when the folder moves).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

UTILS_PATH = "lm_eval/utils.py"
VARIANTS = ("all", "reviewed")

# The Okapi task files of lm-evaluation-harness each schema mirrors (under lm_eval/tasks/).
UPSTREAM = {
    "arc": ["okapi/arc_multilingual/arc_{lang}.yaml"],
    "mmlu": ["okapi/mmlu_multilingual/m_mmlu_{lang}.yaml"],
    "hellaswag": ["okapi/hellaswag_multilingual/hellaswag_{lang}.yaml"],
    "truthfulqa": [
        "okapi/truthfulqa_multilingual/truthfulqa_{lang}_mc1.yaml",
        "okapi/truthfulqa_multilingual/truthfulqa_{lang}_mc2.yaml",
    ],
}
UPSTREAM_DIR = "LM_EVAL_TASKS"  # placeholder: the tasks/ folder of the installed harness

_ACC = {"metric": "acc", "aggregation": "mean", "higher_is_better": True}
_ACC_NORM = {"metric": "acc_norm", "aggregation": "mean", "higher_is_better": True}


class _Function(str):
    """A `!function module.name` value in a task YAML (resolved by lm_eval next to the file)."""


@dataclass(frozen=True)
class LmEvalTask:
    """One task file: its name, the config it reads, and the YAML text."""

    name: str
    variant: str  # "all" | "reviewed"
    config: str
    yaml: str

    @property
    def path(self) -> str:
        return f"lm_eval/{self.name}.yaml"


def schema_of(adapter: str | None, benchmark: str, columns: Sequence[str]) -> str | None:
    """Which Okapi task a benchmark's published columns fit, or None."""
    cols = set(columns)
    if {"instruction", "answer", "option_a", "option_b"} <= cols:
        mmlu = adapter == "mmlu" or (adapter is None and "mmlu" in benchmark.lower())
        return "mmlu" if mmlu else "arc"
    if {"question", "mc1_targets_choices", "mc1_targets_labels"} <= cols:
        return "truthfulqa"
    if {"ctx_a", "ctx_b", "activity_label", "endings", "label"} <= cols:
        return "hellaswag"
    return None


def task_name(benchmark: str, language: str, variant: str, metric: str = "") -> str:
    raw = "_".join(p for p in (benchmark, language, metric, variant) if p)
    return re.sub(r"[^A-Za-z0-9_]+", "_", raw).lower()


def _prompt(schema: str, columns: Sequence[str]) -> list[tuple[str, dict[str, Any]]]:
    """(metric suffix, prompt part of the YAML) per task of a schema, as upstream has them."""
    if schema == "arc":
        return [("", _docs("process_arc", "query", "choices", "gold", [_ACC, _ACC_NORM]))]
    if schema == "hellaswag":
        return [("", _docs("process_hellaswag", "query", "choices", "gold", [_ACC, _ACC_NORM]))]
    if schema == "truthfulqa":
        mc1 = _docs("process_truthfulqa", "query", "mc1_choices", "mc1_gold", [_ACC])
        mc2 = _docs("process_truthfulqa", "query", "mc2_choices", 0, [_ACC])
        mc2["process_results"] = _Function("utils.process_results_mc2")
        return [("mc1", mc1), ("mc2", mc2)]
    options = [c for c in ("option_a", "option_b", "option_c", "option_d") if c in columns]
    letters = [o[-1].upper() for o in options]
    listed = "".join(f"\n{L}. {{{{{o}}}}}" for L, o in zip(letters, options, strict=True))
    return [
        (
            "",
            {
                "doc_to_text": "{{instruction.strip()}}" + listed + "\nAnswer:",
                "doc_to_choice": letters,
                "doc_to_target": "answer",
                "metric_list": [_ACC],
            },
        )
    ]


def _docs(process: str, text: str, choice: str, target: Any, metrics: list) -> dict[str, Any]:
    return {
        "process_docs": _Function(f"utils.{process}"),
        "doc_to_text": text,
        "doc_to_choice": choice,
        "doc_to_target": target,
        "metric_list": metrics,
    }


def benchmark_tasks(
    *,
    benchmark: str,
    adapter: str | None,
    split: str,
    columns: Sequence[str],
    language: str,
    repo_id: str | None,
    reviewed_config: str,
    with_reviewed: bool,
) -> list[LmEvalTask]:
    """The task files of one benchmark (none when its schema is not an Okapi one)."""
    schema = schema_of(adapter, benchmark, columns)
    if schema is None:
        return []
    out = []
    for variant in VARIANTS:
        if variant == "reviewed" and not with_reviewed:
            continue  # no reviewed row: a task with no documents would fail
        config = reviewed_config if variant == "reviewed" else benchmark
        for metric, prompt in _prompt(schema, columns):
            name = task_name(benchmark, language, variant, metric)
            spec: dict[str, Any] = {"task": name}
            if repo_id:
                spec |= {"dataset_path": repo_id, "dataset_name": config}
            else:
                spec |= {
                    "custom_dataset": _Function("utils.load_folder"),
                    "dataset_kwargs": {"name": config},
                }
            spec |= {"test_split": split, "output_type": "multiple_choice"}
            spec |= prompt
            spec["metadata"] = {"version": 2.0}
            rows = (
                "the rows volunteers validated or corrected"
                if variant == "reviewed"
                else "every published row"
            )
            header = (
                f"# lm-evaluation-harness task: the Okapi {schema} prompt on {rows} "
                f"(config `{config}`).\n"
                f"# Generated by annotate publish. Run: lm_eval --include_path "
                f"PATH/TO/lm_eval --tasks {name} --model ...\n"
            )
            out.append(LmEvalTask(name, variant, config, header + _dump(spec)))
    return out


def upstream_overrides(
    schema: str, language: str, dataset_path: str, config: str, split: str, columns: Sequence[str]
) -> list[tuple[str, str]]:
    """(file name, YAML) per upstream Okapi task, pointed at a release config: the exact
    overrides its dataset and split names need (upstream reads `alexandrainst/m_*` with
    train/validation/test, test or val splits; a release has one split). None for ARC data
    without an `option_e` column, which the upstream ARC code reads unconditionally."""
    if schema == "arc" and "option_e" not in columns:
        return []
    out = []
    for path in UPSTREAM.get(schema, []):
        upstream = path.format(lang=language)
        variant = "reviewed" if config.endswith("_reviewed") else "all"
        name = task_name(
            "upstream_" + upstream.rsplit("/", 1)[1].removesuffix(".yaml"), "", variant
        )
        spec: dict[str, Any] = {
            "include": f"{UPSTREAM_DIR}/{upstream}",
            "task": name,
            "dataset_path": dataset_path,
            "dataset_name": config,
            "training_split": None,
            "validation_split": None,
            "test_split": split,
        }
        if schema == "mmlu":
            spec["fewshot_split"] = None
        out.append((f"{name}.yaml", _dump(spec)))
    return out


def utils_source() -> bytes:
    """The `lm_eval/utils.py` shipped with every release that has tasks."""
    return resources.files("annotate").joinpath("lm_eval_utils.py").read_bytes()


def _dump(spec: dict[str, Any]) -> str:
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
        style = '"' if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    Dumper.add_representer(
        _Function, lambda d, v: d.represent_scalar("!function", str(v), style="")
    )
    return yaml.dump(spec, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=1000)
