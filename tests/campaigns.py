"""Build campaign configs for integration tests from the bundled sample.

Each test gets its own campaign, workspace and dataset names, so tests sharing the
session's Argilla server never see each other's records.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import yaml

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
