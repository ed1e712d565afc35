"""Bad input, as a table: every mistake a campaign organizer can make in the config or the
source files gives ONE line on stderr, starting with "error: " and naming the file, the
key or the row at fault, a non-zero exit, no traceback, and nothing created in Argilla.

Each case starts from a valid copy of the sample campaign (ARC only) and breaks one thing.
The CLI runs as a subprocess pointed at the session's real server, so "nothing created"
is checked where it matters.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from argilla_rest import Rest
from campaigns import OKAPI, cli, make_config

pytestmark = pytest.mark.server

ARC = OKAPI / "m_arc_es_validation.json"


def _rows(n: int = 6) -> list[dict[str, Any]]:
    return json.loads(ARC.read_text(encoding="utf-8"))[:n]


@dataclass
class Case:
    """A broken campaign: `build(tmp)` writes it and returns (CLI args, workspace name)."""

    build: Callable[[Path], tuple[list[str], str]]
    fragments: tuple[str, ...]  # each must appear in the one error line


def _campaign(
    tmp: Path,
    *,
    rows: list[dict] | None = None,
    source: bytes | None = None,
    suffix: str = ".json",
    edit: Callable[[dict], None] | None = None,
    text: Callable[[str], str | bytes] | None = None,
    extra: list[str] | None = None,
) -> tuple[list[str], str]:
    """The ARC campaign with its source replaced (`rows` as JSON, or raw `source` bytes),
    its parsed config changed by `edit`, or its YAML text replaced by `text`."""
    src = tmp / f"arc{suffix}"
    if source is not None:
        src.write_bytes(source)
    else:
        src.write_text(json.dumps(_rows() if rows is None else rows, ensure_ascii=False), "utf-8")
    config = make_config(tmp, benchmarks=["arc"], files={"arc": src})
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    workspace = data["workspace"]
    if edit is not None:
        edit(data)
        config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    if text is not None:
        new = text(config.read_text(encoding="utf-8"))
        if isinstance(new, bytes):
            config.write_bytes(new)
        else:
            config.write_text(new, encoding="utf-8")
    return ["push", "-c", str(config), *(extra or [])], workspace


def _users(tmp: Path, content: str) -> tuple[list[str], str]:
    path = tmp / "users.csv"
    path.write_text(content, encoding="utf-8")
    workspace = f"ws-users-{tmp.name[-12:]}"
    return ["users", "add", "-w", workspace, "-f", str(path)], workspace


def _unwritable_passwords(tmp: Path) -> tuple[list[str], str]:
    """Valid users, but --passwords-out under a file: nothing may be created."""
    args, workspace = _users(tmp, "username\nana\nben\n")
    (tmp / "not-a-folder").write_text("a file\n")
    return [*args, "--passwords-out", str(tmp / "not-a-folder" / "pw.csv")], workspace


def _loop(tmp: Path) -> Path:
    loop = tmp / "loop"
    loop.symlink_to(loop)
    return loop / "arc.json"


def _set(path: str, value: Any) -> Callable[[dict], None]:
    """An edit that sets a dotted key (`benchmarks.0.adapter`) of the parsed config."""

    def edit(data: dict) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return edit


def _delete(path: str) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        del node[last]

    return edit


def _changed_rows(change: Callable[[list[dict]], None]) -> list[dict]:
    rows = _rows()
    change(rows)
    return rows


def _generic_csv(tmp: Path, content: bytes, **columns: Any) -> tuple[list[str], str]:
    """A generic-adapter campaign over a CSV source."""

    def edit(data: dict) -> None:
        bench = data["benchmarks"][0]
        bench["adapter"] = "generic"
        bench["columns"] = columns or {
            "id": "id",
            "question": "pregunta",
            "choices": ["a", "b", "c"],
            "answer": "respuesta",
        }

    return _campaign(tmp, source=content, suffix=".csv", edit=edit)


def _with_original(tmp: Path, original: list[dict]) -> tuple[list[str], str]:
    path = tmp / "arc-en.json"
    path.write_text(json.dumps(original), encoding="utf-8")
    return _campaign(
        tmp,
        edit=lambda d: d["benchmarks"][0].update(
            original={"path": str(path)}, pairing={"by": "id", "translation": ["id"]}
        ),
    )


def _english(rows: list[dict], drop_option_d_of: int) -> list[dict]:
    """English originals with the same ids, answers and choice counts but one."""
    out = []
    for i, row in enumerate(rows):
        en = {**row, "instruction": f"Question {i}?"}
        for letter in "abcd":
            en[f"option_{letter}"] = f"Answer {letter}"
        if i == drop_option_d_of:
            en.pop("option_d")
            en["answer"] = "A"
            row["answer"] = "A"
        out.append(en)
    return out


def _pair_mismatch(tmp: Path) -> tuple[list[str], str]:
    rows = _rows()
    original = _english(rows, drop_option_d_of=2)
    args, workspace = _with_original(tmp, original)
    (tmp / "arc.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return args, workspace


LATIN1_JSON = json.dumps(
    [
        {
            "id": "x1",
            "instruction": "¿Qué estación del año sigue al otoño?",
            "option_a": "invierno",
            "option_b": "primavera",
            "answer": "A",
        }
    ],
    ensure_ascii=False,
).encode("latin-1")
LATIN1_CSV = "id,pregunta,a,b,c,respuesta\nq1,¿Cuál es más pequeño?,átomo,célula,órgano,A\n".encode(
    "latin-1"
)
GOOD_CSV = "id,pregunta,a,b,c,respuesta\nq1,¿Cuál es más pequeño?,átomo,célula,órgano,A\n"


CASES: dict[str, Case] = {
    # --- the config file ------------------------------------------------------------------
    "malformed YAML": Case(
        lambda t: _campaign(t, text=lambda s: s + "\nbenchmarks: [unclosed\n"),
        ("invalid YAML at line", "campaign-"),
    ),
    "YAML duplicate key": Case(
        lambda t: _campaign(t, text=lambda s: s + "\nworkspace: again\n"),
        ("duplicate key 'workspace'", "campaign-"),
    ),
    "config not UTF-8": Case(
        lambda t: _campaign(t, text=lambda s: s.encode("latin-1", errors="replace")),
        ("not UTF-8", "campaign-"),
    ),
    "empty config": Case(lambda t: _campaign(t, text=lambda s: ""), ("empty", "campaign-")),
    "config not found": Case(
        lambda t: (["push", "-c", str(t / "nowhere.yaml")], "ws-none"),
        ("nowhere.yaml", "not found"),
    ),
    "top level not a mapping": Case(
        lambda t: _campaign(t, text=lambda s: "- just\n- a list\n"), ("mapping",)
    ),
    "wrong type: min_submitted 'two'": Case(
        lambda t: _campaign(t, edit=_set("min_submitted", "two")), ("min_submitted", "'two'")
    ),
    "wrong type: benchmarks is a string": Case(
        lambda t: _campaign(t, edit=_set("benchmarks", "arc")), ("benchmarks",)
    ),
    "wrong type: limit is a list": Case(
        lambda t: _campaign(t, edit=_set("benchmarks.0.limit", [1])), ("benchmarks[0].limit",)
    ),
    "out of range: min_submitted 0": Case(
        lambda t: _campaign(t, edit=_set("min_submitted", 0)), ("min_submitted",)
    ),
    "out of range: min_submitted 10**20": Case(
        lambda t: _campaign(t, edit=_set("min_submitted", 10**20)),
        ("min_submitted", "less than or equal to 100"),
    ),
    "unknown key": Case(
        lambda t: _campaign(t, edit=_set("colour", "blue")), ("colour", "unknown key")
    ),
    "misspelt nested key": Case(
        lambda t: _campaign(t, edit=_set("benchmarks.0.tranlsation", {"path": "x.json"})),
        ("benchmarks[0].tranlsation", "did you mean 'translation'"),
    ),
    "missing key: workspace": Case(
        lambda t: _campaign(t, edit=_delete("workspace")), ("workspace", "required key missing")
    ),
    "missing key: adapter": Case(
        lambda t: _campaign(t, edit=_delete("benchmarks.0.adapter")),
        ("benchmarks[0].adapter", "required key missing"),
    ),
    "empty string: workspace": Case(
        lambda t: _campaign(t, edit=_set("workspace", "")), ("workspace",)
    ),
    "no benchmarks": Case(lambda t: _campaign(t, edit=_set("benchmarks", [])), ("benchmarks",)),
    "invalid language code": Case(
        lambda t: _campaign(t, edit=_set("language", "spanish!")), ("language",)
    ),
    "min_votes above min_submitted": Case(
        lambda t: _campaign(t, edit=_set("resolution", {"min_votes": 5})),
        ("resolution.min_votes", "min_submitted"),
    ),
    "duplicate benchmark names": Case(
        lambda t: _campaign(
            t, edit=lambda d: d["benchmarks"].append(dict(d["benchmarks"][0], dataset="other"))
        ),
        ("benchmarks[1].name", "duplicate"),
    ),
    "generic adapter without columns": Case(
        lambda t: _campaign(t, edit=_set("benchmarks.0.adapter", "generic")),
        ("benchmarks[0]", "columns"),
    ),
    "original without pairing": Case(
        lambda t: _campaign(t, edit=_set("benchmarks.0.original", {"path": str(ARC)})),
        ("benchmarks[0]", "pairing"),
    ),
    "missing guidelines file": Case(
        lambda t: _campaign(
            t,
            edit=lambda d: (d.pop("guidelines"), d.update(guidelines_file="no-guide.md")),
        ),
        ("guidelines_file", "no-guide.md", "not found"),
    ),
    "unknown key written like an error's key": Case(
        lambda t: _campaign(t, edit=lambda d: d.update({"benchmarks[0].adapter": "arc"})),
        ("benchmarks[0].adapter", "unknown key"),
    ),
    "YAML complex key": Case(
        lambda t: _campaign(t, text=lambda s: s + "\n? [a, b]\n: c\n"),
        ("campaign-", "invalid YAML"),
    ),
    "path under an unknown user's home": Case(
        lambda t: _campaign(t, edit=_set("workdir", "~nobody-annotate/work")),
        ("workdir", "~nobody-annotate"),
    ),
    "path component too long": Case(
        lambda t: _campaign(t, edit=_set("benchmarks.0.translation.path", "a" * 300 + ".json")),
        ("benchmarks[0].translation.path",),
    ),
    "unknown benchmark on the command line": Case(
        lambda t: _campaign(t, extra=["--benchmark", "hellaswag"]),
        ("hellaswag",),
    ),
    # --- the source files -----------------------------------------------------------------
    "missing source file": Case(
        lambda t: _campaign(t, edit=_set("benchmarks.0.translation.path", "gone.json")),
        ("benchmarks[0].translation.path", "gone.json", "not found"),
    ),
    "unsupported source type": Case(
        lambda t: _campaign(t, source=b"id\tx\n", suffix=".txt"),
        ("arc.txt", "unsupported file type"),
    ),
    "invalid JSON names line and column": Case(
        lambda t: _campaign(t, source=b'[\n  {"id": "a",\n   "instruction": "x" "y"}\n]\n'),
        ("arc.json", "invalid JSON at line 3, column 23"),
    ),
    "invalid JSON Lines names the line": Case(
        lambda t: _campaign(t, source=b'{"id": "a"}\n{"id": \n', suffix=".jsonl"),
        ("arc.jsonl", "line 2"),
    ),
    "JSON Lines with U+2028 in a value name the right line": Case(
        lambda t: _campaign(
            t,
            source=(
                json.dumps({**_rows(1)[0], "instruction": "uno\u2028dos"}, ensure_ascii=False)
                + '\r\n\r\n{"id": \r\n'
            ).encode(),
            suffix=".jsonl",
        ),
        ("arc.jsonl", "invalid JSON at line 3, column"),
    ),
    "JSON that is not a list of rows": Case(
        lambda t: _campaign(t, source=b'{"a": 1, "b": 2}'), ("arc.json", "array of rows")
    ),
    "JSON row that is not an object": Case(
        lambda t: _campaign(t, source=b'[{"id": "a"}, 7]'), ("arc.json", "row 1", "object")
    ),
    "empty file": Case(lambda t: _campaign(t, source=b""), ("arc.json", "empty")),
    "whitespace-only file": Case(lambda t: _campaign(t, source=b"\n  \n"), ("arc.json", "empty")),
    "latin-1 JSON": Case(
        lambda t: _campaign(t, source=LATIN1_JSON), ("arc.json", "not UTF-8", "offset")
    ),
    "latin-1 CSV": Case(lambda t: _generic_csv(t, LATIN1_CSV), ("arc.csv", "not UTF-8")),
    "CSV missing a column": Case(
        lambda t: _generic_csv(t, GOOD_CSV.replace("pregunta", "question").encode()),
        ("arc.csv", "missing column 'pregunta'"),
    ),
    "CSV row with a missing value": Case(
        lambda t: _generic_csv(t, (GOOD_CSV + "q2,¿Otra?,uno,dos\n").encode()),
        ("arc.csv", "line 3", "4 values for 6 columns"),
    ),
    "CSV duplicate header": Case(
        lambda t: _generic_csv(t, b"id,a,a\n1,2,3\n"), ("arc.csv", "duplicate column")
    ),
    "wrong adapter for the file": Case(
        lambda t: _campaign(t, edit=_set("benchmarks.0.adapter", "hellaswag")),
        ("no usable row", "arc.json", "ctx"),
    ),
    # --- the rows -------------------------------------------------------------------------
    "HellaSwag label that is a digit only to str.isdigit": Case(
        lambda t: _campaign(
            t,
            rows=[
                {
                    "ind": 1,
                    "activity_label": "Cocinar",
                    "ctx_a": "Una mujer",
                    "ctx_b": "corta pan",
                    "ctx": "Una mujer corta pan",
                    "endings": ["con un cuchillo.", "con una cuchara."],
                    "label": "²",
                }
            ],
            edit=_set("benchmarks.0.adapter", "hellaswag"),
        ),
        ("row 0", "answer '²'", "arc.json"),
    ),
    "empty question": Case(
        lambda t: _campaign(t, rows=_changed_rows(lambda r: r[2].update(instruction=""))),
        ("row 2", "empty question", "instruction", "arc.json"),
    ),
    "whitespace-only choice": Case(
        lambda t: _campaign(t, rows=_changed_rows(lambda r: r[1].update(option_b="   "))),
        ("row 1", "empty choice", "option_b", "arc.json"),
    ),
    "choice of the wrong type": Case(
        lambda t: _campaign(t, rows=_changed_rows(lambda r: r[3].update(option_a=42))),
        ("row 3", "option_a", "int", "arc.json"),
    ),
    "answer that is no choice": Case(
        lambda t: _campaign(t, rows=_changed_rows(lambda r: r[4].update(answer="Z"))),
        ("row 4", "answer 'Z'", "arc.json"),
    ),
    "reserved correction marker in a text": Case(
        lambda t: _campaign(
            t, rows=_changed_rows(lambda r: r[0].update(instruction="Hola\n[[A]]\nadiós"))
        ),
        ("row 0", "[[...]]", "arc.json"),
    ),
    "duplicate ids": Case(
        lambda t: _campaign(t, rows=_changed_rows(lambda r: r[4].update(id=r[1]["id"]))),
        ("row 4", "duplicate key", "row 1 of arc.json"),
    ),
    "choice counts differ from the original": Case(
        _pair_mismatch, ("row 2", "4 choices", "original has 3", "original row 2")
    ),
    # --- other commands ---------------------------------------------------------------------
    "users CSV without a username column": Case(
        lambda t: _users(t, "name\nana\n"), ("users.csv", "username")
    ),
    "users CSV with an invalid username": Case(
        lambda t: _users(t, "username\nana maría\n"), ("users.csv:2", "invalid username")
    ),
    "users CSV with an email column": Case(
        lambda t: _users(t, "username,email\nana,ana@example.org\n"), ("users.csv", "'email'")
    ),
    "users CSV giving the owner role": Case(
        lambda t: _users(t, "username,role\nana,owner\n"), ("users.csv:2", "'owner'")
    ),
    "users CSV with a too short password": Case(
        lambda t: _users(t, "username,password\nana,abc\n"), ("users.csv:2", "3 characters")
    ),
    "passwords file under a file": Case(
        lambda t: _unwritable_passwords(t), ("not-a-folder/pw.csv", "not a directory")
    ),
    "source path through a symbolic-link loop": Case(
        lambda t: _campaign(t, edit=_set("benchmarks.0.translation.path", str(_loop(t)))),
        ("benchmarks[0].translation.path", "loop"),
    ),
}


def _workspaces(rest: Rest) -> set[str]:
    return {w["name"] for w in rest.get("/api/v1/me/workspaces")["items"]}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_is_one_line_and_creates_nothing(argilla_server, tmp_path, case):
    args, workspace = CASES[case].build(tmp_path)
    rest = Rest(argilla_server.url, argilla_server.api_key)
    before = _workspaces(rest)
    assert workspace not in before

    result = cli(*args, info=argilla_server, timeout=120)

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for fragment in CASES[case].fragments:
        assert fragment in lines[0], lines[0]
    assert _workspaces(rest) == before


def test_a_200k_character_question_is_pushed_whole(argilla_server, tmp_path):
    """Huge texts are not bad input: they are pushed intact and re-pushed as unchanged
    (never a hang, which the command's timeout catches, a crash or a silent truncation)."""
    rows = _rows(3)
    long = "".join(f"palabra{i} " for i in range(20_000))[:200_000]
    rows[1]["instruction"] = long
    args, workspace = _campaign(tmp_path, rows=rows)
    first = cli(*args, "--json", info=argilla_server, timeout=120)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["benchmarks"][0]["created"] == 3

    rest = Rest(argilla_server.url, argilla_server.api_key)
    ws = next(w for w in rest.get("/api/v1/me/workspaces")["items"] if w["name"] == workspace)
    dataset = next(
        d for d in rest.get("/api/v1/me/datasets")["items"] if d["workspace_id"] == ws["id"]
    )
    records = rest.get(
        f"/api/v1/datasets/{dataset['id']}/records", params={"include": "suggestions"}
    )["items"]
    record = next(r for r in records if r["external_id"] == f"arc:{rows[1]['id']}")
    assert long in record["suggestions"][0]["value"]
    assert long in record["fields"]["translation"]

    again = cli(*args, "--json", info=argilla_server, timeout=120)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["benchmarks"][0]["unchanged"] == 3
