"""Start-up cost of the CLI: `annotate --help` over a bare `python -c pass`.

    python benchmarks/bench_startup.py             # 40 runs of each
    python benchmarks/bench_startup.py --runs 100

Runs alternate between the two commands (so load on the machine hits both alike), after
two warm-up runs of each; medians are compared. What `annotate --help` costs beyond the
interpreter is what every command pays before doing anything. Goal: under 0.3 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import ANNOTATE, print_machine, print_table  # noqa: E402

GOAL = 0.3


def once(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args(argv)
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "annotate --help": [ANNOTATE, "--help"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(2):
        for cmd in commands.values():
            once(cmd)
    for _ in range(args.runs):
        for name, cmd in commands.items():
            times[name].append(once(cmd))

    med = {name: statistics.median(t) for name, t in times.items()}
    print_machine()
    rows = [
        [
            name,
            args.runs,
            f"{med[name]:.3f}",
            f"{min(t):.3f}",
            f"{sorted(t)[int(0.9 * (len(t) - 1))]:.3f}",
        ]
        for name, t in times.items()
    ]
    extra = med["annotate --help"] - med["python -c pass"]
    print_table(["command", "runs", "median s", "min s", "p90 s"], rows, title="start-up")
    verdict = "met" if extra < GOAL else "MISSED"
    print(f"\nannotate --help costs {extra:.3f} s over python -c pass (goal < {GOAL} s: {verdict})")


if __name__ == "__main__":
    main()
