"""A new user's first steps, without a server: texts, defaults, the Makefile.

Each test here was written from a stumble met when the campaign was run as a
newcomer would (issue 10, point 10).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from annotate import i18n
from annotate.adapters import get_adapter
from annotate.config import FALLBACK_SPLIT, SPLIT_NAMES, load_config, split_from_name
from annotate.errors import AnnotateError
from annotate.model import Q_VERDICT
from annotate.pairing import load_benchmark
from annotate.pull import pull
from annotate.records import (
    CORRECT_MARK,
    TRUE_MARK,
    escape_markdown,
    question_titles,
    record_payload,
    render_item,
    render_original,
    ui_labels,
)

REPO = Path(__file__).resolve().parents[1]
OKAPI = REPO / "data" / "okapi"
LANGS = ("es", "ca", "eu", "gl", "pt", "en")


def _campaign(folder: Path, files: dict[str, str], **over) -> Path:
    """A config in `folder` over copies of the sample files, named as given."""
    folder.mkdir(parents=True, exist_ok=True)
    sample = {"arc": "m_arc_es_validation.json", "mmlu": "m_mmlu_es_dev.json"}
    benchmarks = []
    for name, file_name in files.items():
        shutil.copy(OKAPI / sample[name], folder / file_name)
        benchmarks.append({"name": name, "adapter": name, "translation": {"path": file_name}})
    data = {
        "campaign": "new-user",
        "language": "pt",
        "workspace": "ws",
        "guidelines": "Revise a tradução.",
        "benchmarks": benchmarks,
        **over,
    }
    path = folder / "campaign.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# --- the workdir is next to the config ------------------------------------------------


def test_default_workdir_is_next_to_the_config_wherever_commands_run(tmp_path, monkeypatch):
    config = _campaign(tmp_path / "campaign", {"arc": "arc_validation.json"})
    for cwd in (tmp_path, tmp_path / "campaign", tmp_path / "elsewhere"):
        cwd.mkdir(exist_ok=True)
        monkeypatch.chdir(cwd)
        cfg = load_config(config)
        assert cfg.workdir == (tmp_path / "campaign" / ".annotate" / "new-user").resolve()
        assert cfg.legacy_workdir is None and cfg.legacy_notice is None and cfg.warnings == []


def test_pulls_at_the_old_workdir_are_named_and_never_start_a_new_history(tmp_path, monkeypatch):
    config = _campaign(tmp_path / "campaign", {"arc": "arc_validation.json"})
    old = tmp_path / "home" / ".annotate" / "new-user"
    (old / "snapshots" / "20260101T000000_000000Z").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "home")
    cfg = load_config(config)
    assert cfg.legacy_workdir == old.resolve()
    notice = cfg.legacy_notice
    assert "\n" not in notice and str(old.resolve()) in notice and str(cfg.workdir) in notice
    with pytest.raises(AnnotateError) as refused:
        pull(cfg, None)  # refuses before it connects to anything
    assert notice in str(refused.value) and str(config.resolve()) in str(refused.value)
    assert not cfg.workdir.exists()

    # Once moved (or once the new workdir exists), nothing more is said.
    old.parent.rename(cfg.workdir.parent)
    assert load_config(config).legacy_notice is None
    # An explicit workdir is the user's choice: never second-guessed.
    (tmp_path / "home" / ".annotate" / "new-user" / "snapshots").mkdir(parents=True)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    config.write_text(yaml.safe_dump({**data, "workdir": "state"}), encoding="utf-8")
    assert load_config(config).legacy_notice is None


def test_help_says_where_paths_and_the_workdir_are_relative_to():
    out = subprocess.run(
        [sys.executable, "-m", "annotate", "pull", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "200"},
    ).stdout
    assert "default workdir .annotate/<campaign>, are relative to its folder" in out


# --- a split for local files ----------------------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "split"),
    [
        ("m_arc_pt_validation.json", "validation"),
        ("m_mmlu_pt_dev.json", "dev"),
        ("es_val.json", "val"),
        ("test-00000-of-00001.parquet", "test"),
        ("Train.JSONL", "train"),
        ("my-test-items_validation.jsonl", "validation"),
        ("arc.json", None),
        ("latest.json", None),
        ("contest_devices.json", None),
    ],
)
def test_split_is_read_from_the_file_name(file_name, split):
    assert split_from_name(Path(file_name)) == split


def test_local_files_get_their_split_or_a_warning(tmp_path):
    config = _campaign(tmp_path, {"arc": "m_arc_pt_validation.json", "mmlu": "mmlu.json"})
    cfg = load_config(config)
    assert [b.split for b in cfg.benchmarks] == ["validation", FALLBACK_SPLIT]
    assert FALLBACK_SPLIT in SPLIT_NAMES
    (warning,) = cfg.warnings
    assert warning.startswith("benchmarks[1].split: ") and "'mmlu.json'" in warning
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["benchmarks"][1]["split"] = "dev"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    cfg = load_config(config)
    assert [b.split for b in cfg.benchmarks] == ["validation", "dev"] and cfg.warnings == []


def test_no_shipped_or_documented_config_leaves_the_split_to_chance(tmp_path):
    for path in sorted((REPO / "configs").glob("*.yaml")):
        cfg = load_config(path)
        assert cfg.warnings == [], path
        assert all(b.split in SPLIT_NAMES for b in cfg.benchmarks), path
    # The README's config template, with its path pointed at the bundled file.
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    template = readme.split("## The campaign config", 1)[1].split("```yaml\n", 1)[1]
    data = yaml.safe_load(template.split("```", 1)[0])
    for bench in data["benchmarks"]:
        path = OKAPI / Path(bench["translation"]["path"]).name
        bench["translation"]["path"] = str(path)
        bench.pop("original", None), bench.pop("pairing", None)
    (tmp_path / "c.yaml").write_text(json.dumps(data), encoding="utf-8")
    cfg = load_config(tmp_path / "c.yaml")
    assert cfg.warnings == [] and [b.split for b in cfg.benchmarks] == ["validation"]
    assert all("split" in bench for bench in data["benchmarks"])  # shown, not only inferred


# --- the verdict hint without an original ---------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_verdict_hint_asks_to_compare_only_when_there_is_an_original(lang):
    key = f"{Q_VERDICT}_description"
    paired = question_titles(lang, with_original=True)[key]
    alone = question_titles(lang, with_original=False)[key]
    assert question_titles(lang)[key] == paired  # the default keeps the paired wording
    compare = paired.split(". ", 1)[0]  # "Compare it with the original", in `lang`
    assert compare not in alone
    # Both still explain the three verdicts, in the same words.
    assert paired.split(". ", 1)[1] in alone


# --- make sample PORT=... -------------------------------------------------------------


def _make_dry_run(*args: str) -> str:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    out = subprocess.run(
        [make, "-n", "-C", str(REPO), "sample", *args], capture_output=True, text=True, check=True
    )
    return next(line for line in out.stdout.splitlines() if "server start" in line)


def test_make_sample_honours_port():
    assert _make_dry_run("PORT=7123").split()[-2:] == ["--port", "7123"]
    assert "--port" not in _make_dry_run("PORT=")


# --- TruthfulQA: every true answer is marked ------------------------------------------


def _marked(text: str) -> dict[str, set[str]]:
    """Rendered choice lines -> {mark: texts after the letter}, for ✅ and ☑️."""
    out: dict[str, set[str]] = {CORRECT_MARK: set(), TRUE_MARK: set()}
    for line in text.splitlines():
        for mark in out:
            if line.startswith("- **") and f" {mark} *(" in line:
                out[mark].add(line.split(".** ", 1)[1].split(f" {mark} *(", 1)[0])
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_truthfulqa_marks_the_best_answer_and_every_other_true_one(lang):
    rows = json.loads((OKAPI / "m_truthfulqa_es_validation.json").read_text(encoding="utf-8"))
    adapter = get_adapter("truthfulqa")
    legend = ui_labels(lang)["unmarked_false"]
    several = 0
    for index, row in enumerate(rows):
        item = adapter.to_item(row, index, "truthfulqa", "validation")
        item = dataclasses.replace(item, original=dict(item.segments))  # an English side too
        best = {c for c, lab in zip(*_targets(row, "mc1"), strict=True) if lab == 1}
        true = {c for c, lab in zip(*_targets(row, "mc2"), strict=True) if lab == 1}
        for text in (render_item(item, lang), render_original(item, lang)):
            marked = _marked(text)
            assert marked[CORRECT_MARK] == {escape_markdown(c) for c in best}, index
            assert marked[CORRECT_MARK] | marked[TRUE_MARK] == {
                escape_markdown(c) for c in best | true
            }, index
            assert text.rstrip().endswith(f"*{legend}*")
        several += len(true) > 1
    assert several > 500  # most items have several true answers: the case that was missed


def test_single_answer_benchmarks_keep_one_mark_and_no_legend():
    row = json.loads((OKAPI / "m_arc_es_validation.json").read_text(encoding="utf-8"))[0]
    text = render_item(get_adapter("arc").to_item(row, 0, "arc", "validation"), "es")
    marked = _marked(text)
    assert len(marked[CORRECT_MARK]) == 1 and marked[TRUE_MARK] == set()
    assert ui_labels("es")["unmarked_false"] not in text and "(respuesta correcta)" in text


def _targets(row: dict, which: str) -> tuple[list[str], list[int]]:
    return row[f"{which}_targets_choices"], row[f"{which}_targets_labels"]


# --- the report speaks every built-in language -----------------------------------------

# Words that read the same in every language, so a language may leave them to English.
SAME_EVERYWHERE = {"alpha", "benchmark", "rank", "reached_badge", "total", "utc"}


@pytest.mark.parametrize("lang", LANGS)
def test_the_report_speaks_every_language_annotators_see(lang):
    assert i18n.resolve_lang(lang) == lang  # not an English fallback
    table = i18n.STRINGS[lang]
    assert set(i18n.STRINGS["en"]) - set(table) <= SAME_EVERYWHERE
    assert set(table) <= set(i18n.STRINGS["en"])
    if lang != "en":
        translated = {k for k in table if k not in SAME_EVERYWHERE | {"html_lang", "of_total"}}
        same = {k for k in translated if table[k] == i18n.STRINGS["en"][k]}
        assert len(same) <= 3, same  # a few words are shared (Total, Item), not whole texts
    assert i18n.fmt_pct(0.5, lang).replace("\u00a0", "") in ("50%", "%50")
    assert i18n.fmt_float(0.25, lang) == ("0.25" if lang == "en" else "0,25")


# --- a Portuguese campaign, as a new user writes it ------------------------------------


def test_a_portuguese_campaign_from_the_okapi_files_alone(tmp_path):
    """No split, no original, no workdir: what a newcomer's first config looks like."""
    data = {
        "campaign": "okapi-pt",
        "language": "pt",
        "workspace": "okapi-pt",
        "guidelines": "Revise a tradução.",
        "benchmarks": [
            {"name": name, "adapter": name, "translation": {"path": str(OKAPI / file_name)}}
            for name, file_name in (
                ("arc", "m_arc_pt_validation.json"),
                ("mmlu", "m_mmlu_pt_dev.json"),
            )
        ],
    }
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    cfg = load_config(tmp_path / "c.yaml")
    assert cfg.warnings == [] and [b.split for b in cfg.benchmarks] == ["validation", "dev"]
    assert cfg.workdir == (tmp_path / ".annotate" / "okapi-pt").resolve()
    for bench in cfg.benchmarks:
        load = load_benchmark(cfg, bench)
        rows = json.loads(bench.translation.path.read_text(encoding="utf-8"))
        assert (
            load.rejected == []
            and len(load.items) == len(rows) == {"arc": 298, "mmlu": 280}[bench.name]
        )
        for item in load.items:
            payload = record_payload(item, lang="pt")
            assert payload["metadata"]["split"] == bench.split
            assert "original" not in payload["fields"]
            text = payload["fields"]["translation"]
            assert text.count(CORRECT_MARK) == 1 and "(resposta correta)" in text
