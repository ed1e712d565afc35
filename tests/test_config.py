"""The campaign config: what loads, what it resolves, and one-line errors for the rest."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from annotate.config import Campaign, dotted, load_config
from annotate.errors import ConfigError

HERE = Path(__file__).resolve().parent
CONFIGS = HERE.parent / "configs"
DATA = HERE.parent / "data" / "okapi"
ARC = DATA / "m_arc_es_validation.json"


def minimal(**over) -> dict:
    cfg = {
        "campaign": "test-es",
        "language": "es",
        "workspace": "ws",
        "guidelines": "Revisa la traducción.",
        "benchmarks": [{"name": "arc", "adapter": "arc", "translation": {"path": str(ARC)}}],
    }
    cfg.update(over)
    return cfg


def write(tmp_path: Path, data: dict | str, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, data: dict | str) -> ConfigError:
    path = write(tmp_path, data)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    err = info.value
    assert "\n" not in err.message, "messages are one line"
    assert str(path) in err.message, "messages name the file"
    return err


# --- the shipped configs ---------------------------------------------------------------


def test_sample_config_loads():
    cfg = load_config(CONFIGS / "sample-es.yaml")
    assert cfg.campaign == "somos600m-sample-es"
    assert cfg.language == "es" and cfg.source_language == "en"
    assert cfg.workspace == "somos600m"
    assert cfg.min_submitted == 2
    assert "[[" in cfg.guidelines_text and "Corregida" in cfg.guidelines_text
    assert [b.name for b in cfg.benchmarks] == ["arc", "mmlu", "truthfulqa"]
    assert len({b.dataset_name for b in cfg.benchmarks}) == 3
    for bench in cfg.benchmarks:
        assert bench.original is None and bench.pairing is None
        assert bench.translation.path is not None and bench.translation.path.is_file()
    assert cfg.benchmark("mmlu").split == "dev"
    assert cfg.path == (CONFIGS / "sample-es.yaml").resolve()


def test_somos600m_config_validates_without_network():
    cfg = load_config(CONFIGS / "somos600m-es.yaml")
    names = [b.name for b in cfg.benchmarks]
    assert names == ["arc", "hellaswag", "mmlu", "truthfulqa"]
    for bench in cfg.benchmarks:
        assert bench.translation.hub and bench.translation.config == "es"
        assert bench.original is not None and bench.original.hub
        assert bench.pairing is not None
    mmlu = cfg.benchmark("mmlu")
    assert mmlu.pairing.by == "key" and mmlu.pairing.original_template == "{subject}/test/{n}"
    assert cfg.benchmark("truthfulqa").pairing.by == "content"
    assert cfg.resolution.method == "dawid_skene"


# --- defaults and resolution -------------------------------------------------------------


def test_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_config(write(tmp_path, minimal()))
    bench = cfg.benchmarks[0]
    assert bench.dataset_name == "test-es-arc"
    assert bench.split == "validation"  # named by the file, m_arc_es_validation.json
    assert cfg.min_submitted == 2 and cfg.error_categories is True
    assert cfg.resolution.method == "majority"
    assert cfg.resolution.min_votes is None and cfg.resolution.min_votes_effective == 2
    assert cfg.publish.license is None and cfg.publish.name_contributors is True
    assert cfg.publish.exclude_contributors == []
    assert cfg.publish.salt and cfg.publish.salt == load_config(tmp_path / "c.yaml").publish.salt
    assert cfg.report.thresholds == [50]
    assert cfg.workdir == (tmp_path / ".annotate" / "test-es").resolve()
    assert cfg.workdir.is_absolute()


def test_min_votes_effective_follows_min_submitted(tmp_path):
    cfg = load_config(write(tmp_path, minimal(min_submitted=3)))
    assert cfg.resolution.min_votes_effective == 3
    cfg = load_config(write(tmp_path, minimal(min_submitted=3, resolution={"min_votes": 2})))
    assert cfg.resolution.min_votes_effective == 2


def test_paths_are_relative_to_the_config_file(tmp_path, monkeypatch):
    folder = tmp_path / "campaign"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "rows.json").write_text(ARC.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "guide.md").write_text("# Guía\nTexto.", encoding="utf-8")
    data = minimal(workdir="state", guidelines_file="guide.md")
    del data["guidelines"]
    data["benchmarks"][0]["translation"] = {"path": "data/rows.json", "split": "validation"}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    cfg = load_config(write(folder, data))
    assert cfg.benchmarks[0].translation.path == (folder / "data" / "rows.json").resolve()
    assert cfg.benchmarks[0].split == "validation"  # from the translation source
    assert cfg.guidelines_text == "# Guía\nTexto."
    assert cfg.workdir == (folder / "state").resolve()


def test_benchmark_lookup(tmp_path):
    cfg = load_config(write(tmp_path, minimal()))
    assert cfg.benchmark("arc").adapter == "arc"
    assert cfg.benchmark_index("arc") == 0
    with pytest.raises(ConfigError, match="no benchmark 'nope'"):
        cfg.benchmark("nope")


def test_dotted():
    assert dotted(("benchmarks", 1, "translation", "path")) == "benchmarks[1].translation.path"
    assert dotted(()) == ""


# --- errors: one line, file + key -----------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_invalid_yaml_names_the_line(tmp_path):
    err = error_of(tmp_path, "campaign: x\nlanguage: [es\nworkspace: y\n")
    assert "invalid YAML at line" in err.message


def test_duplicate_yaml_key(tmp_path):
    err = error_of(tmp_path, "campaign: a\ncampaign: b\n")
    assert "duplicate key 'campaign'" in err.message and "line 2" in err.message


def test_empty_and_non_mapping(tmp_path):
    assert "empty" in error_of(tmp_path, "").message
    assert "mapping" in error_of(tmp_path, "- a\n- b\n").message


def test_not_utf8(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_bytes("campaign: añ".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path)


def test_unknown_key_is_named_with_a_suggestion(tmp_path):
    data = minimal()
    data["benchmarks"][0]["colums"] = {"question": "q"}
    err = error_of(tmp_path, data)
    assert "benchmarks[0].colums: unknown key (did you mean 'columns'?)" in err.message
    assert err.hint and "adapter" in err.hint


def test_unknown_top_level_key(tmp_path):
    err = error_of(tmp_path, minimal(min_submited=2))
    assert ": min_submited: unknown key" in err.message


def test_missing_required_key(tmp_path):
    data = minimal()
    del data["workspace"]
    assert "workspace: required key missing" in error_of(tmp_path, data).message
    data = minimal()
    del data["benchmarks"][0]["name"]
    assert "benchmarks[0].name: required key missing" in error_of(tmp_path, data).message


HUGE = 10**20  # what `min_submitted: 100000000000000000000` (a typo for a small number) gives


@pytest.mark.parametrize(
    ("key", "edit", "bound"),
    [
        ("min_submitted", lambda d: d.update(min_submitted=HUGE), "100"),
        ("min_submitted", lambda d: d.update(min_submitted=101), "100"),
        ("resolution.min_votes", lambda d: d.update(resolution={"min_votes": HUGE}), "100"),
        ("benchmarks[0].limit", lambda d: d["benchmarks"][0].update(limit=HUGE), "10000000"),
        (
            "benchmarks[0].sample.n",
            lambda d: d["benchmarks"][0].update(sample={"n": HUGE}),
            "10000000",
        ),
        ("report.thresholds[1]", lambda d: d.update(report={"thresholds": [50, HUGE]}), "1000000"),
    ],
)
def test_numbers_are_bounded(tmp_path, key, edit, bound):
    """Every count in the config has an upper bound, named with its key in one line."""
    data = minimal()
    edit(data)
    err = error_of(tmp_path, data)
    assert f"{key}: " in err.message and f"less than or equal to {bound}" in err.message


def test_bounds_admit_real_values(tmp_path):
    data = minimal(min_submitted=100, report={"thresholds": [0, 1_000_000]})
    data["benchmarks"][0].update(limit=10_000_000, sample={"n": 10_000_000})
    cfg = load_config(write(tmp_path, data))
    assert cfg.min_submitted == 100 and cfg.resolution.min_votes_effective == 100


def test_wrong_types(tmp_path):
    err = error_of(tmp_path, minimal(min_submitted="2"))
    assert "min_submitted:" in err.message and "integer" in err.message
    err = error_of(tmp_path, minimal(min_submitted=0))
    assert "min_submitted:" in err.message
    err = error_of(tmp_path, minimal(error_categories="yes"))
    assert "error_categories:" in err.message
    data = minimal()
    data["benchmarks"][0]["adapter"] = "arcc"
    assert "benchmarks[0].adapter:" in error_of(tmp_path, data).message
    err = error_of(tmp_path, minimal(campaign="Not A Slug"))
    assert ": campaign:" in err.message


def test_missing_source_file_names_the_dotted_key(tmp_path):
    data = minimal()
    data["benchmarks"].append(
        {"name": "mmlu", "adapter": "mmlu", "translation": {"path": "nope/missing.json"}}
    )
    err = error_of(tmp_path, data)
    assert "benchmarks[1].translation.path: file not found" in err.message
    assert "missing.json" in err.message


def test_duplicate_benchmark_names(tmp_path):
    data = minimal()
    data["benchmarks"].append(dict(data["benchmarks"][0]))
    err = error_of(tmp_path, data)
    assert "benchmarks[1].name: duplicate benchmark name 'arc'" in err.message


def test_duplicate_dataset_names(tmp_path):
    data = minimal()
    data["benchmarks"].append(dict(data["benchmarks"][0], name="arc2", dataset="test-es-arc"))
    assert "benchmarks[1].dataset:" in error_of(tmp_path, data).message


def test_guidelines_exactly_one(tmp_path):
    data = minimal()
    del data["guidelines"]
    assert "guidelines:" in error_of(tmp_path, data).message
    (tmp_path / "g.md").write_text("x", encoding="utf-8")
    assert "guidelines:" in error_of(tmp_path, minimal(guidelines_file="g.md")).message
    data = minimal(guidelines_file="missing.md")
    del data["guidelines"]
    assert "guidelines_file: file not found" in error_of(tmp_path, data).message


def test_source_must_be_path_or_hub(tmp_path):
    data = minimal()
    data["benchmarks"][0]["translation"] = {"path": str(ARC), "hub": "a/b", "split": "x"}
    assert "benchmarks[0].translation:" in error_of(tmp_path, data).message
    data["benchmarks"][0]["translation"] = {"hub": "a/b"}
    assert "needs a 'split'" in error_of(tmp_path, data).message
    data["benchmarks"][0]["translation"] = {"path": str(ARC), "revision": "main"}
    assert "only apply to a 'hub'" in error_of(tmp_path, data).message


def test_pairing_rules(tmp_path):
    data = minimal()
    bench = data["benchmarks"][0]
    bench["original"] = {"hub": "allenai/ai2_arc", "config": "ARC-Challenge", "split": "test"}
    assert "needs a 'pairing'" in error_of(tmp_path, data).message
    bench["pairing"] = {"by": "key", "translation": ["id"], "original_template": "{id}/{x}"}
    err = error_of(tmp_path, data)
    assert "benchmarks[0].pairing:" in err.message and "'x'" in err.message
    bench["pairing"] = {"by": "position", "translation": ["id"]}
    assert "benchmarks[0].pairing:" in error_of(tmp_path, data).message
    bench["pairing"] = {"by": "id", "translation": ["id"]}
    cfg = load_config(write(tmp_path, data))
    assert cfg.benchmarks[0].pairing.original == ["id"]  # defaults to the translation's
    del bench["original"]
    assert "no 'original'" in error_of(tmp_path, data).message


def test_generic_needs_columns(tmp_path):
    data = minimal()
    data["benchmarks"][0]["adapter"] = "generic"
    assert "needs 'columns'" in error_of(tmp_path, data).message
    data["benchmarks"][0]["columns"] = {"question": "instruction", "choices": ["option_a"]}
    cfg = load_config(write(tmp_path, data))
    assert cfg.benchmarks[0].columns.choices == ["option_a"]
    data["benchmarks"][0]["adapter"] = "arc"
    assert "only applies to adapter 'generic'" in error_of(tmp_path, data).message


def test_min_votes_above_overlap(tmp_path):
    err = error_of(tmp_path, minimal(resolution={"min_votes": 3}))
    assert "resolution.min_votes:" in err.message


def test_limit_and_sample(tmp_path):
    data = minimal()
    data["benchmarks"][0].update(limit=10, sample={"n": 5})
    cfg = load_config(write(tmp_path, data))
    assert cfg.benchmarks[0].limit == 10
    assert cfg.benchmarks[0].sample.n == 5 and cfg.benchmarks[0].sample.seed == 13
    data["benchmarks"][0]["limit"] = 0
    assert "benchmarks[0].limit:" in error_of(tmp_path, data).message


def test_empty_benchmarks(tmp_path):
    assert "benchmarks:" in error_of(tmp_path, minimal(benchmarks=[])).message


def test_local_hub_folder_resolves(tmp_path):
    (tmp_path / "ds").mkdir()
    data = minimal()
    data["benchmarks"][0]["translation"] = {"hub": "./ds", "split": "train"}
    cfg = load_config(write(tmp_path, data))
    assert cfg.benchmarks[0].translation.hub == str((tmp_path / "ds").resolve())
    data["benchmarks"][0]["translation"] = {"hub": "./nope", "split": "train"}
    assert "dataset folder not found" in error_of(tmp_path, data).message


def test_campaign_model_directly():
    cfg = Campaign.model_validate(minimal())
    assert cfg.benchmarks[0].dataset_name == "test-es-arc"
    assert cfg.path is None
