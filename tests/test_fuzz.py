"""Fuzzing the two places user data enters annotate: the campaign config and source rows.

Whatever a config or a row holds, the only exceptions that may come out are the ones the
CLI turns into one line (`ConfigError`) or that push reports per row (`RowError`, and
`Mismatch` when pairing with an original): a KeyError, TypeError or AttributeError
escaping would be a traceback for the user. Inputs are drawn near valid ones (one valid
config or row with a few keys replaced by arbitrary YAML-ish values) and from scratch,
so that the fuzzer gets past the first check. Examples are bounded (max_examples).
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from annotate.adapters import Mismatch, RowError, get_adapter
from annotate.config import campaign_from_dict, load_config
from annotate.errors import ConfigError
from annotate.sources import load_file

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

TRICKY_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\n",
        "²",  # a digit to str.isdigit(), not to int()
        "٣",
        "[[A]]",
        "x\n[[question]]\ny",
        "~nobody-here/x.json",
        "~",
        "a" * 300,  # a path component longer than the OS allows
        "\x00",
        "../../../etc/passwd",
        "é",
        "ABCD",
        "A",
        "0",
        "-1",
        "1e309",
        "null",
        "{n}",
        "{",
        "{0}",
        "{missing}",
    ]
)
TEXT = st.one_of(TRICKY_TEXT, st.text(max_size=20))
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
)
YAMLISH = st.recursive(
    SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(TEXT, inner, max_size=4),
    ),
    max_leaves=12,
)


# --- the config -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def config_dir() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="annotate-fuzz-"))
    (folder / "arc.json").write_text('[{"id": "a", "instruction": "q"}]', encoding="utf-8")
    (folder / "guide.md").write_text("# Guía\n", encoding="utf-8")
    (folder / "hubdir").mkdir()
    return folder


def _valid_config() -> dict[str, Any]:
    return {
        "campaign": "fuzz",
        "language": "es",
        "workspace": "ws",
        "guidelines": "Revisa.",
        "min_submitted": 2,
        "resolution": {"method": "majority", "min_votes": 2},
        "publish": {"license": "cc-by-4.0", "salt": "s", "exclude_contributors": ["x"]},
        "report": {"thresholds": [10, 50]},
        "benchmarks": [
            {
                "name": "arc",
                "adapter": "arc",
                "split": "validation",
                "translation": {"path": "arc.json"},
                "original": {"hub": "./hubdir", "split": "validation"},
                "pairing": {
                    "by": "key",
                    "translation": ["id"],
                    "original": ["id"],
                    "original_template": "X/{id}/{n}",
                },
                "limit": 5,
                "sample": {"n": 2, "seed": 1},
            },
            {
                "name": "gen",
                "adapter": "generic",
                "translation": {"path": "arc.json"},
                "columns": {"question": "q", "choices": ["a", "b"], "answer": "r"},
            },
        ],
    }


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path in a nested config, e.g. ('benchmarks', 0, 'pairing', 'by')."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


CONFIG_PATHS = _paths(_valid_config())


@st.composite
def mutated_configs(draw) -> dict[str, Any]:
    """The valid config with 1-4 keys replaced, deleted, or added next to them."""
    data = copy.deepcopy(_valid_config())
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(CONFIG_PATHS))
        parent: Any = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            last = path[-1]
            action = draw(st.sampled_from(["replace", "delete", "add"]))
            if action == "replace":
                parent[last] = draw(YAMLISH)
            elif action == "delete" and isinstance(parent, dict):
                parent.pop(last, None)
            elif isinstance(parent, dict):
                parent[draw(TEXT)] = draw(YAMLISH)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this branch
    return data


@FUZZ
@given(data=mutated_configs())
@example(data={**_valid_config(), "guidelines": None, "guidelines_file": "~nobody-here/g.md"})
@example(data={**_valid_config(), "workdir": "~nobody-here"})
@example(data={**_valid_config(), "guidelines": None, "guidelines_file": "g" * 300})
@example(data={**_valid_config(), "guidelines": None, "guidelines_file": "guide\x00.md"})
@example(data={**_valid_config(), "[[A]]": None})  # an unknown key that looks like an index
@example(data={**_valid_config(), "benchmarks[0].adapter": "arc"})
@example(data={**_valid_config(), "two\nlines": 1})  # the error must stay one line
def test_config_validation_raises_only_config_errors(config_dir, data):
    try:
        campaign = campaign_from_dict(data, base_dir=config_dir, file=config_dir / "c.yaml")
    except ConfigError as exc:
        assert str(exc).strip() and "\n" not in str(exc)
    else:
        assert campaign.benchmarks


@FUZZ
@given(data=YAMLISH)
def test_config_from_anything_raises_only_config_errors(config_dir, data):
    try:
        campaign_from_dict(data, base_dir=config_dir)
    except ConfigError as exc:
        assert "\n" not in str(exc)


YAML_PIECES = st.sampled_from(
    [
        "campaign: x\n",
        "language: es\n",
        "workspace: w\n",
        "guidelines: g\n",
        "benchmarks:\n",
        "  - name: arc\n",
        "    adapter: arc\n",
        "    translation: {path: arc.json}\n",
        "- ",
        ": ",
        "? [a, b]\n: c\n",
        "&a [*a]\n",
        "*undefined\n",
        "!!python/object:os.system 'echo'\n",
        "!!binary '!!'\n",
        "%YAML 1.1\n---\n",
        "\t",
        "'",
        '"\\x',
        "{",
        "[",
        "workspace: w\n",
        "\ufeff",
        "1: 2\n",
        "null: x\n",
    ]
)


@FUZZ
@given(pieces=st.lists(st.one_of(YAML_PIECES, TEXT), max_size=12))
@example(pieces=["? [a, b]\n: c\n"])  # a complex (unhashable) mapping key
def test_config_files_raise_only_config_errors(config_dir, pieces):
    path = config_dir / "fuzz.yaml"
    path.write_text("".join(pieces), encoding="utf-8", errors="surrogatepass")
    try:
        load_config(path)
    except ConfigError as exc:
        assert "\n" not in str(exc)


@FUZZ
@given(raw=st.binary(max_size=200))
def test_config_bytes_raise_only_config_errors(config_dir, raw):
    path = config_dir / "fuzz.yaml"
    path.write_bytes(raw)
    try:
        load_config(path)
    except ConfigError as exc:
        assert "\n" not in str(exc)


# --- source files -------------------------------------------------------------------------


SUFFIXES = (".json", ".jsonl", ".csv", ".tsv")


@FUZZ
@given(
    text=st.one_of(st.text(max_size=80), st.lists(YAML_PIECES | TEXT).map("".join)),
    suffix=st.sampled_from(SUFFIXES),
)
@example(text="\ufeff", suffix=".csv")
@example(text='"a\nb', suffix=".csv")
@example(text="[1, 2]", suffix=".json")
def test_source_files_raise_only_config_errors(config_dir, text, suffix):
    path = config_dir / f"rows{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        rows = load_file(path, where="benchmarks[0].translation")
    except ConfigError as exc:
        assert "\n" not in str(exc)
        return
    assert rows and all(isinstance(r, dict) for r in rows)


# --- rows through the adapters ----------------------------------------------------------------

VALID_ROWS: dict[str, list[dict[str, Any]]] = {
    "arc": [
        {
            "id": "Mercury_1",
            "instruction": "¿Qué?",
            "option_a": "uno",
            "option_b": "dos",
            "option_c": "tres",
            "option_d": "",
            "answer": "B",
        },
        {
            "id": "x",
            "question": "What?",
            "choices": {"text": ["one", "two"], "label": ["A", "B"]},
            "answerKey": "A",
        },
    ],
    "mmlu": [
        {"question": "Q?", "subject": "law", "choices": ["a", "b", "c", "d"], "answer": 3},
        {
            "id": "law/dev/0",
            "instruction": "Q?",
            "option_a": "a",
            "option_b": "b",
            "answer": "A",
        },
    ],
    "hellaswag": [
        {
            "ind": 4,
            "activity_label": "Cocinar",
            "ctx_a": "Una mujer",
            "ctx_b": "corta",
            "ctx": "Una mujer corta",
            "endings": ["pan.", "queso.", "nada.", "todo."],
            "label": "2",
            "source_id": "s",
        }
    ],
    "truthfulqa": [
        {
            "question": "¿Q?",
            "mc1_targets_choices": ["sí", "no"],
            "mc1_targets_labels": [1, 0],
            "mc2_targets_choices": ["sí", "no", "quizá"],
            "mc2_targets_labels": [1, 0, 1],
        },
        {
            "question": "¿Q?",
            "mc1_targets": {"choices": ["sí", "no"], "labels": [1, 0]},
            "mc2_targets": {"choices": ["sí"], "labels": [1]},
        },
    ],
    "generic": [{"id": 7, "q": "¿Q?", "a": "uno", "b": "dos", "r": "b"}],
}
GENERIC_COLUMNS = {"id": "id", "question": "q", "choices": ["a", "b"], "answer": "r"}
ADAPTERS = list(VALID_ROWS)


def _adapter(kind: str):
    return get_adapter(kind, GENERIC_COLUMNS if kind == "generic" else None)


def _loc_paths(row: Any, prefix: tuple = ()) -> list[tuple]:
    return _paths(row, prefix)


@st.composite
def mutated_rows(draw, kind: str) -> dict[str, Any]:
    """A valid row of `kind` with 1-3 values (top level or nested) replaced or removed."""
    row = copy.deepcopy(draw(st.sampled_from(VALID_ROWS[kind])))
    for _ in range(draw(st.integers(1, 3))):
        paths = _loc_paths(row)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent: Any = row
        try:
            for part in path[:-1]:
                parent = parent[part]
            if draw(st.booleans()):
                parent[path[-1]] = draw(YAMLISH)
            elif isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent.pop(path[-1])
        except (KeyError, IndexError, TypeError):
            continue
    return row


ROW_KEYS = sorted({k for rows in VALID_ROWS.values() for r in rows for k in r} | {"option_e"})
RANDOM_ROWS = st.dictionaries(st.one_of(st.sampled_from(ROW_KEYS), TEXT), YAMLISH, max_size=8)


def _check_item(adapter, row: Any, index: int) -> None:
    try:
        item = adapter.to_item(row, index, "bench", "test")
    except RowError as exc:
        assert exc.index == index and exc.message
        return
    assert item.segments and all(isinstance(v, str) for v in item.segments.values())
    assert adapter.to_row(item, item.segments) == row  # rebuilt exactly, untouched
    _ = item.content_hash  # serialisable


@pytest.mark.parametrize("kind", ADAPTERS)
@FUZZ
@given(data=st.data())
def test_adapters_raise_only_row_errors_on_mutated_rows(kind, data):
    row = data.draw(mutated_rows(kind))
    _check_item(_adapter(kind), row, data.draw(st.integers(0, 10**6)))


@pytest.mark.parametrize("kind", ADAPTERS)
@FUZZ
@given(row=st.one_of(RANDOM_ROWS, YAMLISH))
@example(row={"ctx": "c", "endings": ["a", "b"], "label": "²"})
@example(row={"ctx": "c", "endings": ["a", "b"], "label": "٣"})
def test_adapters_raise_only_row_errors_on_random_rows(kind, row):
    _check_item(_adapter(kind), row, 3)


@pytest.mark.parametrize("kind", ADAPTERS)
@FUZZ
@given(data=st.data())
def test_pairing_with_an_original_raises_only_row_errors_or_mismatch(kind, data):
    adapter = _adapter(kind)
    item = adapter.to_item(VALID_ROWS[kind][0], 0, "bench", "test")
    original = data.draw(st.one_of(mutated_rows(kind), RANDOM_ROWS))
    try:
        aligned = adapter.align_original(item, original, 1)
    except (RowError, Mismatch):
        return
    assert set(aligned) == set(item.segments)
    assert all(isinstance(v, str) for v in aligned.values())


@FUZZ
@given(
    columns=st.dictionaries(
        st.sampled_from(["id", "question", "context", "choices", "answer"]), YAMLISH, max_size=5
    ),
    row=st.one_of(RANDOM_ROWS, mutated_rows("generic")),
)
def test_generic_columns_from_any_config_raise_only_config_or_row_errors(config_dir, columns, row):
    """The generic adapter's columns come from the config: bad ones stop at validation."""
    data = _valid_config()
    data["benchmarks"][1]["columns"] = columns
    try:
        campaign = campaign_from_dict(data, base_dir=config_dir)
    except ConfigError:
        return
    bench = campaign.benchmarks[1]
    _check_item(get_adapter(bench.adapter, bench.columns), row, 0)
