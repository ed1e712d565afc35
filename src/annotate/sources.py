"""Load the rows of a benchmark source, exactly as stored, into a list of dicts.

Rows keep their keys, key order and value types (lists stay lists, ints stay ints), so
an adapter can rebuild each row byte-for-byte in the benchmark's own schema after
correction. Every problem with a file becomes a one-line ConfigError naming the config
key (`where`) and the file, and the line when the format has lines.

Local files are read by extension: .json (an array of objects, or an object holding
one such array, e.g. {"data": [...]}), .jsonl/.ndjson, .parquet, .csv/.tsv (CSV values
stay strings: a CSV has no types to preserve). Hub datasets go through
`datasets.load_dataset`; `hub:` may also name a local dataset folder.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Protocol

from annotate.errors import ConfigError, ConnectionFailed

SUFFIXES: tuple[str, ...] = (".json", ".jsonl", ".ndjson", ".parquet", ".csv", ".tsv")


class SourceLike(Protocol):
    """What load_rows needs from a config `Source` (kept structural for tests)."""

    path: Path | None
    hub: str | None
    config: str | None
    split: str | None
    revision: str | None


def load_rows(source: SourceLike, *, where: str) -> list[dict[str, Any]]:
    """All rows of `source`; `where` is the dotted config key used in error messages."""
    if source.path is not None:
        return load_file(Path(source.path), where=where)
    if source.hub:
        return load_hub(
            source.hub, source.config, split=source.split, revision=source.revision, where=where
        )
    raise ConfigError(f"{where}: neither 'path' nor 'hub' is set")


def load_file(path: Path, *, where: str) -> list[dict[str, Any]]:
    """Rows of one local file, chosen by extension."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ConfigError(
            f"{where}: {path}: unsupported file type '{suffix or '(none)'}'",
            f"use one of {', '.join(SUFFIXES)}",
        )
    if not path.is_file():
        raise ConfigError(f"{where}: file not found: {path}")
    if path.stat().st_size == 0:
        raise ConfigError(f"{where}: {path}: the file is empty")
    if suffix == ".parquet":
        rows = _read_parquet(path, where)
    else:
        # JSON Lines are split on "\n" alone, so the file is read without newline translation.
        text = _read_text(path, where, raw=suffix in (".jsonl", ".ndjson"))
        if not text.strip():
            raise ConfigError(f"{where}: {path}: the file is empty")
        if suffix == ".json":
            rows = parse_json(text, label=f"{where}: {path}")
        elif suffix in (".jsonl", ".ndjson"):
            rows = parse_jsonl(text, label=f"{where}: {path}")
        else:
            rows = parse_csv(
                text, label=f"{where}: {path}", delimiter="\t" if suffix == ".tsv" else ","
            )
    if not rows:
        raise ConfigError(f"{where}: {path}: no rows")
    return rows


def _read_text(path: Path, where: str, *, raw: bool = False) -> str:
    """The file's text; `raw` keeps line endings as stored (no universal newlines)."""
    try:
        # utf-8-sig: a BOM from a spreadsheet export is not part of the first key.
        with path.open(encoding="utf-8-sig", newline="" if raw else None) as f:
            return f.read()
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{where}: {path}: not UTF-8 text (invalid byte at offset {exc.start})",
            "re-save the file as UTF-8",
        ) from None


def _check_rows(rows: list[Any], label: str, *, line_numbers: list[int] | None = None) -> None:
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            at = f"line {line_numbers[i]}" if line_numbers else f"row {i}"
            raise ConfigError(f"{label}: {at}: expected an object, got {type(row).__name__}")


def parse_json(text: str, *, label: str) -> list[dict[str, Any]]:
    """A JSON array of objects, or an object holding exactly one such array."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{label}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    if isinstance(data, dict):
        if isinstance(data.get("data"), list):
            data = data["data"]
        else:
            lists = [k for k, v in data.items() if isinstance(v, list)]
            if len(lists) != 1:
                raise ConfigError(
                    f"{label}: expected an array of rows, or an object with one array "
                    f"(e.g. 'data'); found keys {list(data)[:8]}"
                )
            data = data[lists[0]]
    if not isinstance(data, list):
        raise ConfigError(f"{label}: expected an array of rows, got {type(data).__name__}")
    _check_rows(data, label)
    return data


def parse_jsonl(text: str, *, label: str) -> list[dict[str, Any]]:
    """One JSON object per line; blank lines are skipped.

    Lines end at "\n" only (a "\r" before it is JSON whitespace): `str.splitlines` would
    also cut at U+2028, U+2029 or U+0085, which JSON strings may hold unescaped.
    """
    rows: list[Any] = []
    lines: list[int] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"{label}: invalid JSON at line {number}, column {exc.colno}: {exc.msg}"
            ) from None
        lines.append(number)
    _check_rows(rows, label, line_numbers=lines)
    return rows


def parse_csv(text: str, *, label: str, delimiter: str = ",") -> list[dict[str, Any]]:
    """CSV with a header row; every value stays a string (CSV has no types)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        records = list(reader)
    except csv.Error as exc:
        raise ConfigError(f"{label}: invalid CSV at line {reader.line_num}: {exc}") from None
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise ConfigError(f"{label}: duplicate column names in the header: {dupes}")
    rows: list[dict[str, Any]] = []
    for number, record in enumerate(records, start=2):
        if not record:
            continue
        if len(record) != len(header):
            raise ConfigError(
                f"{label}: line {number}: {len(record)} values for {len(header)} columns"
            )
        rows.append(dict(zip(header, record, strict=True)))
    return rows


def _read_parquet(path: Path, where: str) -> list[dict[str, Any]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path).to_pylist()
    except (pa.ArrowException, OSError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"{where}: {path}: not a readable parquet file: {first}") from None


def load_hub(
    repo: str,
    config: str | None,
    *,
    split: str | None,
    revision: str | None = None,
    where: str,
) -> list[dict[str, Any]]:
    """Rows of one split of a Hub dataset (or a local dataset folder)."""
    import datasets

    label = f"{repo}" + (f" [{config}]" if config else "") + f" split {split!r}"
    try:
        dataset = datasets.load_dataset(repo, config, split=split, revision=revision)
    except ConnectionError as exc:
        raise ConnectionFailed(
            f"{where}: could not reach the Hub for {label}: {_first_line(exc)}",
            "check your connection, or point the source at a local file",
        ) from None
    except FileNotFoundError as exc:
        raise ConfigError(f"{where}: {label}: not found: {_first_line(exc)}") from None
    except ValueError as exc:  # unknown split or config, bad revision
        raise ConfigError(f"{where}: {label}: {_first_line(exc)}") from None
    except Exception as exc:  # datasets raises many types; keep the message one line
        if type(exc).__name__ in ("DatasetNotFoundError", "RepositoryNotFoundError"):
            raise ConfigError(f"{where}: {label}: dataset not found on the Hub") from None
        raise ConfigError(f"{where}: {label}: {type(exc).__name__}: {_first_line(exc)}") from None
    rows = dataset.to_list()
    if not rows:
        raise ConfigError(f"{where}: {label}: no rows")
    return rows


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
