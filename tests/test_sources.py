"""Loading rows: every local format, a Hub-style dataset folder, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from annotate.errors import ConfigError
from annotate.sources import load_file, load_rows

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data" / "okapi"

ROWS = [
    {"id": "q1", "question": "¿Uno?", "choices": ["a", "b"], "label": 0, "score": 1.5},
    {"id": "q2", "question": "¿Dos?", "choices": ["c", "d", "e"], "label": 2, "score": None},
]


def local(path: Path) -> SimpleNamespace:
    return SimpleNamespace(path=path, hub=None, config=None, split=None, revision=None)


def test_okapi_files_load_with_their_counts():
    counts = {
        "m_arc_es_validation.json": 297,
        "m_mmlu_es_dev.json": 272,
        "m_truthfulqa_es_validation.json": 789,
    }
    for name, count in counts.items():
        rows = load_rows(local(DATA / name), where="benchmarks[0].translation")
        assert len(rows) == count
        assert rows == json.loads((DATA / name).read_text(encoding="utf-8"))


def test_json_array_keeps_types_and_order(tmp_path):
    path = tmp_path / "rows.json"
    path.write_text(json.dumps(ROWS, ensure_ascii=False), encoding="utf-8")
    rows = load_file(path, where="k")
    assert rows == ROWS
    assert list(rows[0]) == list(ROWS[0])


def test_json_object_with_data(tmp_path):
    path = tmp_path / "rows.json"
    path.write_text(json.dumps({"version": 1, "data": ROWS}), encoding="utf-8")
    assert load_file(path, where="k") == ROWS
    path.write_text(json.dumps({"version": 1, "rows": ROWS}), encoding="utf-8")
    assert load_file(path, where="k") == ROWS
    path.write_text(json.dumps({"a": ROWS, "b": ROWS}), encoding="utf-8")
    with pytest.raises(ConfigError, match="expected an array"):
        load_file(path, where="k")


def test_jsonl(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n\n", encoding="utf-8")
    assert load_file(path, where="k") == ROWS


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_jsonl_lines_end_at_newline_only(tmp_path, separator, newline):
    """Characters str.splitlines cuts at are valid inside JSON strings (written raw by
    ensure_ascii=False): every row loads whole, and line numbers count real lines."""
    rows = [{"id": i, "q": f"uno{separator}dos {i}"} for i in range(3)]
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    path = tmp_path / "rows.jsonl"
    path.write_bytes(newline.join(lines).encode() + newline.encode())
    assert load_file(path, where="k") == rows
    path.write_bytes(newline.join([*lines, '{"id": ', *lines]).encode())
    with pytest.raises(ConfigError, match=r"invalid JSON at line 4, column") as info:
        load_file(path, where="k")
    assert "\n" not in info.value.message
    path.write_bytes(newline.join([*lines, "", "[1]"]).encode())
    with pytest.raises(ConfigError, match="line 5: expected an object"):
        load_file(path, where="k")


def test_parquet(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), path)
    assert load_file(path, where="k") == ROWS


def test_csv_values_stay_strings(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text('id,question,n\nq1,"¿Uno, o dos?",3\nq2,¿Dos?,4\n', encoding="utf-8")
    assert load_file(path, where="k") == [
        {"id": "q1", "question": "¿Uno, o dos?", "n": "3"},
        {"id": "q2", "question": "¿Dos?", "n": "4"},
    ]


def test_csv_with_bom_and_tsv(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_bytes("\ufeffid,q\n1,x\n".encode())
    assert load_file(path, where="k") == [{"id": "1", "q": "x"}]
    tsv = tmp_path / "rows.tsv"
    tsv.write_text("id\tq\n1\tx, y\n", encoding="utf-8")
    assert load_file(tsv, where="k") == [{"id": "1", "q": "x, y"}]


def test_csv_ragged_row(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("id,q\n1,x\n2,y,z\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 3: 3 values for 2 columns"):
        load_file(path, where="k")


def test_invalid_json_names_file_line_and_column(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('[\n  {"a": 1},\n  {"a": 2,,}\n]', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_file(path, where="benchmarks[1].translation")
    message = info.value.message
    assert message.startswith("benchmarks[1].translation: ")
    assert str(path) in message and "line 3, column" in message
    assert "\n" not in message


def test_invalid_jsonl_names_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"a": 1}\n{"a": \n', encoding="utf-8")
    with pytest.raises(ConfigError, match="line 2"):
        load_file(path, where="k")
    path.write_text('{"a": 1}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="line 2: expected an object"):
        load_file(path, where="k")


def test_rows_must_be_objects(tmp_path):
    path = tmp_path / "rows.json"
    path.write_text('[{"a": 1}, 2]', encoding="utf-8")
    with pytest.raises(ConfigError, match="row 1: expected an object"):
        load_file(path, where="k")


def test_non_utf8(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('[{"q": "año"}]'.encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8") as info:
        load_file(path, where="k")
    assert str(path) in info.value.message


@pytest.mark.parametrize("text", ["", "   \n", "[]"])
def test_empty(tmp_path, text):
    path = tmp_path / "empty.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="empty|no rows"):
        load_file(path, where="k")


def test_unsupported_extension(tmp_path):
    path = tmp_path / "rows.xlsx"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match="unsupported file type '.xlsx'"):
        load_file(path, where="k")


def test_bad_parquet(tmp_path):
    path = tmp_path / "rows.parquet"
    path.write_text("not parquet", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a readable parquet"):
        load_file(path, where="k")


# --- Hub sources, through datasets.load_dataset on a local folder (no network) -------------


@pytest.fixture()
def offline_datasets(tmp_path, monkeypatch):
    import datasets

    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-cache")
    return datasets


def test_hub_source_from_a_local_dataset_folder(tmp_path, offline_datasets):
    folder = tmp_path / "m_arc"
    folder.mkdir()
    rows = json.loads((DATA / "m_arc_es_validation.json").read_text(encoding="utf-8"))[:5]
    (folder / "validation.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8"
    )
    source = SimpleNamespace(
        path=None, hub=str(folder), config=None, split="validation", revision=None
    )
    loaded = load_rows(source, where="benchmarks[0].translation")
    assert [r["id"] for r in loaded] == [r["id"] for r in rows]
    assert loaded[0]["instruction"] == rows[0]["instruction"]


def test_hub_unknown_split_is_a_config_error(tmp_path, offline_datasets):
    folder = tmp_path / "ds"
    folder.mkdir()
    (folder / "validation.jsonl").write_text('{"a": 1}\n', encoding="utf-8")
    source = SimpleNamespace(path=None, hub=str(folder), config=None, split="test", revision=None)
    with pytest.raises(ConfigError) as info:
        load_rows(source, where="benchmarks[2].original")
    assert info.value.message.startswith("benchmarks[2].original: ")
    assert "\n" not in info.value.message
