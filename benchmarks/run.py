"""Run every benchmark, on demand (not in CI): `python benchmarks/run.py` (or `make bench`).

    python benchmarks/run.py                 # everything, full sizes (several minutes)
    python benchmarks/run.py --quick         # small sizes, to check the scripts work
    python benchmarks/run.py --only push pull

Each benchmark is a script of its own that prints a table and the machine it ran on; this
runs them one after the other in fresh processes, shows their output, and keeps a copy in
benchmarks/out/run-<UTC time>.txt (ignored by git). Record real numbers in
benchmarks/README.md.

This module also holds what the annotate benchmarks share: the machine description, a
fresh local Argilla in a temporary folder (never the user's), synthetic ARC-shaped rows
and a campaign config around them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = sys.executable
ANNOTATE = str(Path(sys.executable).with_name("annotate"))

PACKAGES = (
    "annotate",
    "argilla",
    "httpx",
    "pandas",
    "pyarrow",
    "crowd-kit",
    "datasets",
    "huggingface_hub",
)


# --- shared by the benchmarks ------------------------------------------------------------


def machine_lines() -> list[str]:
    """Where a number was measured: platform, CPU, memory, Python and package versions."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        memory = f", {kb / 1024**2:.0f} GB RAM"
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    from annotate.server import SERVER_VERSION

    versions.append(f"argilla-server {SERVER_VERSION}")
    load = ""
    if hasattr(os, "getloadavg"):
        load = ", load " + " ".join(f"{x:.1f}" for x in os.getloadavg())
    return [
        f"machine: {platform.platform()}",
        f"cpu: {cpu} x {os.cpu_count()}{memory}{load}",
        f"python {platform.python_version()}; " + ", ".join(versions),
    ]


def print_machine() -> None:
    for line in machine_lines():
        print(line)


def print_table(headers: list[str], rows: list[list], title: str | None = None) -> None:
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    if title:
        print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def fresh_server() -> Iterator[tuple[object, dict[str, str]]]:
    """A new local Argilla with its own data, and an environment for CLI runs against it.

    The annotate home is a temporary folder (the user's `current-server.json` is never
    touched); the server's virtual environment is the user's, so nothing is reinstalled.
    """
    from annotate import server

    venv = str(server.server_venv())
    with tempfile.TemporaryDirectory(prefix="annotate-bench-") as tmp:
        saved = {k: os.environ.get(k) for k in ("ANNOTATE_HOME", "ANNOTATE_SERVER_VENV")}
        os.environ.update(ANNOTATE_HOME=str(Path(tmp) / "home"), ANNOTATE_SERVER_VENV=venv)
        data = Path(tmp) / "argilla-data"
        info = server.start(data_dir=data, port=free_port())
        env = {
            **os.environ,
            "ARGILLA_API_URL": info.url,
            "ARGILLA_API_KEY": info.api_key,
            "HF_HUB_DISABLE_TELEMETRY": "1",
        }
        try:
            yield info, env
        finally:
            server.stop(data)
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def synthetic_arc(n: int, seed: int = 7) -> list[dict]:
    """n rows in Okapi's ARC schema with realistic Spanish text lengths (seeded)."""
    rng = random.Random(seed)
    words = [
        *("el la de que en un una los por con como para energía planta agua luz célula",),
        *("temperatura fuerza animal suelo tierra sol calor movimiento materia",),
        *("estudiante científico experimento resultado observa cambio proceso",),
    ]
    words = " ".join(words).split(" ")

    def text(lo: int, hi: int) -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(lo, hi)))

    return [
        {
            "id": f"Bench_{i:06d}",
            "instruction": f"¿{text(12, 40).capitalize()}?",
            "option_a": text(2, 8),
            "option_b": text(2, 8),
            "option_c": text(2, 8),
            "option_d": text(2, 8),
            "answer": "ABCD"[i % 4],
        }
        for i in range(n)
    ]


def write_campaign(folder: Path, rows: list[dict], name: str) -> Path:
    """A one-benchmark campaign config over `rows` (ARC adapter); returns its path."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"{name}.json"
    source.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    config = {
        "campaign": name,
        "language": "es",
        "workspace": f"ws-{name}",
        "guidelines": "Revisa la traducción.",
        "min_submitted": 2,
        "workdir": str(folder / "work"),
        "benchmarks": [{"name": "arc", "adapter": "arc", "translation": {"path": str(source)}}],
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def timed_cli(*args: str, env: dict[str, str]) -> tuple[float, dict]:
    """Wall time of one `annotate ... --json` run (process start included) and its result."""
    started = time.perf_counter()
    proc = subprocess.run(
        [ANNOTATE, *args, "--json"], env=env, capture_output=True, text=True, timeout=3600
    )
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"annotate {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return elapsed, json.loads(proc.stdout)


# --- the runner ----------------------------------------------------------------------------

BENCHMARKS = {
    "startup": (["bench_startup.py"], ["bench_startup.py", "--runs", "5"]),
    "push": (["bench_push.py"], ["bench_push.py", "--rows", "500", "--pairs", "2"]),
    "pull": (["bench_pull.py"], ["bench_pull.py", "--rows", "500"]),
    # 333,334 items x 3 annotators = 1,000,002 verdicts (plus corrections, error categories)
    "resolve": (["bench_resolve.py", "--items", "333334"], ["bench_resolve.py", "--items", "3000"]),
    "publish": (["bench_publish.py", "--rows", "15000"], ["bench_publish.py", "--rows", "1500"]),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run annotate's benchmarks.")
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), help="run only these")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test")
    args = parser.parse_args(argv)

    names = args.only or list(BENCHMARKS)
    out_dir = HERE / "out"
    out_dir.mkdir(exist_ok=True)
    log_path = out_dir / f"run-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.txt"
    failed = []
    with open(log_path, "w", encoding="utf-8") as log:

        def emit(text: str) -> None:
            print(text, end="", flush=True)
            log.write(text)
            log.flush()

        emit("\n".join(machine_lines()) + "\n")
        total = time.perf_counter()
        for name in names:
            script, *rest = BENCHMARKS[name][1 if args.quick else 0]
            path = HERE / script
            emit(f"\n=== {name}: {script} {' '.join(rest)} ===\n")
            if not path.exists():
                emit(f"skipped: {path} does not exist\n")
                failed.append(name)
                continue
            started = time.perf_counter()
            proc = subprocess.Popen(
                [PYTHON, str(path), *rest],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            assert proc.stdout is not None
            for line in proc.stdout:
                emit(line)
            code = proc.wait()
            emit(f"--- {name}: exit {code}, {time.perf_counter() - started:.0f} s ---\n")
            if code != 0:
                failed.append(name)
        emit(f"\nall benchmarks: {time.perf_counter() - total:.0f} s; log: {log_path}\n")
        if failed:
            emit(f"FAILED or skipped: {', '.join(failed)}\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
