"""Build campaign configs for integration tests from the bundled sample.

Each test gets its own campaign, workspace and dataset names, so tests sharing the
session's Argilla server never see each other's records.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import yaml
from argilla_rest import Rest

from annotate.model import format_correction, parse_correction


def default_ctrl_c() -> None:
    """`preexec_fn` for a CLI child a test will Ctrl-C: restore SIGINT's default first.

    A test run started in the background (as CI may start it) inherits SIGINT ignored,
    and Python then never raises KeyboardInterrupt, so the child would ignore the test's
    Ctrl-C. A person's terminal delivers it; so must the test."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "configs" / "sample-es.yaml"
OKAPI = REPO / "data" / "okapi"


def make_config(
    tmp_path: Path,
    *,
    benchmarks: list[str] | None = None,
    files: dict[str, Path] | None = None,
    **overrides: Any,
) -> Path:
    """A copy of the sample campaign with unique names, optionally fewer benchmarks
    or other translation files; returns the path of the written YAML."""
    cfg = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    tag = uuid.uuid4().hex[:8]
    cfg["campaign"] = f"test-{tag}"
    cfg["workspace"] = f"ws-{tag}"
    cfg["workdir"] = str(tmp_path / "work")
    kept = []
    for bench in cfg["benchmarks"]:
        if benchmarks and bench["name"] not in benchmarks:
            continue
        src = (files or {}).get(bench["name"])
        bench["translation"]["path"] = str(src or (SAMPLE.parent / bench["translation"]["path"]))
        kept.append(bench)
    cfg["benchmarks"] = kept
    cfg.update(overrides)
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / f"campaign-{tag}.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def cli(*args: str, info=None, env: dict | None = None, timeout: float = 600):
    """Run the real `annotate` CLI in a subprocess, connected to `info`'s server."""
    full_env = {**os.environ}
    if info is not None:
        full_env.update(ARGILLA_API_URL=info.url, ARGILLA_API_KEY=info.api_key)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "annotate", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )


def cli_json(*args: str, info=None, env: dict | None = None) -> Any:
    result = cli(*args, "--json", info=info, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def one_error_line(result: subprocess.CompletedProcess, *fragments: str) -> str:
    """Assert a command failed with ONE stderr line, `error: ...` holding every fragment."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def pushed_dataset(owner: Rest, config: Path) -> tuple[dict, dict]:
    """(workspace, dataset) of a pushed one-benchmark test campaign, as the REST API has them."""
    name = yaml.safe_load(config.read_text())["workspace"]
    ws = next(w for w in owner.get("/api/v1/me/workspaces")["items"] if w["name"] == name)
    dataset = next(
        d for d in owner.get("/api/v1/me/datasets")["items"] if d["workspace_id"] == ws["id"]
    )
    return ws, dataset


def arc_campaign(tmp: Path, n: int, **overrides: Any) -> tuple[list[dict], Path, Path]:
    """The first `n` rows of the bundled Spanish ARC as a one-benchmark campaign:
    (rows, the source file written from them, the config)."""
    rows = json.loads((OKAPI / "m_arc_es_validation.json").read_text(encoding="utf-8"))[:n]
    src = tmp / "arc.json"
    src.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return rows, src, make_config(tmp, benchmarks=["arc"], files={"arc": src}, **overrides)


def scripted_campaign(argilla_server, tmp: Path) -> dict:
    """Push six ARC items, then three annotators answer them as scripted.

    Every expected status and text in the tests was worked out by hand from these
    answers (see the comments).
    """
    rows, _src, config = arc_campaign(tmp, 6)
    cli_json("push", "-c", str(config), info=argilla_server)

    owner = Rest(argilla_server.url, argilla_server.api_key)
    ws, dataset = pushed_dataset(owner, config)
    tag = ws["name"][-8:]
    users = {
        n: owner.create_annotator(f"{n}-{tag}", f"{n}-password-123", ws["id"])
        for n in ("ana", "ben", "cris")
    }
    records = owner.get(
        f"/api/v1/datasets/{dataset['id']}/records", params={"include": "suggestions", "limit": 100}
    )["items"]
    by_key = {r["external_id"]: r for r in records}
    ids = [f"arc:{row['id']}" for row in rows]
    mt = {
        rid: parse_correction(
            by_key[rid]["suggestions"][0]["value"], _names(by_key[rid]["suggestions"][0]["value"])
        )
        for rid in ids
    }

    def fix(rid: str, question: str, **segments: str) -> str:
        return format_correction({**mt[rid], "question": question, **segments})

    rec = {rid: by_key[rid]["id"] for rid in ids}
    ana, ben, cris = users["ana"], users["ben"], users["cris"]
    # item 0: unanimous correct -> validated
    for u in (ana, ben, cris):
        u.respond(rec[ids[0]], {"verdict": "correct"})
    # item 1: 2 x corrected with the same text (modulo whitespace) vs 1 correct -> corrected
    ana.respond(
        rec[ids[1]], {"verdict": "corrected", "correction": fix(ids[1], "Pregunta  arreglada.")}
    )
    ben.respond(
        rec[ids[1]], {"verdict": "corrected", "correction": fix(ids[1], "Pregunta arreglada. ")}
    )
    cris.respond(rec[ids[1]], {"verdict": "correct"})
    # item 2: 2 x unusable vs 1 correct -> unusable
    ana.respond(rec[ids[2]], {"verdict": "unusable", "error_categories": ["cultural_adaptation"]})
    ben.respond(rec[ids[2]], {"verdict": "unusable"})
    cris.respond(rec[ids[2]], {"verdict": "correct"})
    # item 3: 1 correct vs 1 corrected -> tie -> needs_review
    ana.respond(rec[ids[3]], {"verdict": "correct"})
    ben.respond(rec[ids[3]], {"verdict": "corrected", "correction": fix(ids[3], "Otra versión")})
    # item 4: one submitted vote, one draft, one discard -> unannotated (min 2 votes)
    ana.respond(rec[ids[4]], {"verdict": "correct"})
    ben.respond(
        rec[ids[4]], {"verdict": "corrected", "correction": fix(ids[4], "Borrador")}, status="draft"
    )
    cris.post(f"/api/v1/records/{rec[ids[4]]}/responses", {"values": {}, "status": "discarded"})
    # item 5: the MT made options A and B both "velocidad" (speed/velocity): every
    # annotator fixes A, and writes the question three ways: base+"a", base+"ab",
    # base+"abc": distances 1, 2, 1 -> totals 3, 2, 3 -> the medoid is base+"ab".
    for u, suffix in ((ana, "a"), (ben, "ab"), (cris, "abc")):
        u.respond(
            rec[ids[5]],
            {
                "verdict": "corrected",
                "correction": fix(ids[5], "Texto base " + suffix, A="rapidez"),
            },
        )
    return {
        "config": config,
        "ids": ids,
        "mt": mt,
        "users": users,
        "rec": rec,
        "tag": tag,
        "owner": owner,
    }


def _names(text: str) -> list[str]:
    return [
        line[2:-2] for line in text.splitlines() if line.startswith("[[") and line.endswith("]]")
    ]
