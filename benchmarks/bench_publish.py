"""How long publishing takes at a realistic size: 15k items over 3 benchmarks.

Run on demand: `.venv/bin/python benchmarks/bench_publish.py [--rows 15000]`. Times
build_tree, write_folder (first write and a no-op rewrite) and push_to_hub against the loopback
Hub emulator of the test suite (LFS transfers: first push, no-op republish, one-item change),
then prints a table and the machine it ran on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

# The Hub client reads these when imported: LFS transfers (the emulator does not serve Xet).
os.environ["HF_HUB_DISABLE_XET"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

TOKEN = "hf_benchmarkToken0123456789abcdef"
BENCHMARKS = ("arc", "mmlu", "hellaswag")
STATUS_CYCLE = ("validated",) * 6 + ("corrected", "corrected", "unusable", "needs_review")


def synthetic(n_rows: int, changed: int | None = None):
    """Releases, responses, annotators and agreement for n_rows items in Okapi's ARC schema."""
    import pandas as pd

    from annotate.model import Item
    from annotate.publish import BenchmarkRelease

    def rebuild(item, segments):
        return {**item.row, **segments}

    per = n_rows // len(BENCHMARKS)
    releases, responses = [], []
    users = [(f"volunteer{u}", f"uid-{u}") for u in range(40)]
    for b, bench in enumerate(BENCHMARKS):
        items, resolved = [], []
        for i in range(per):
            row = {
                "id": f"{bench}/test/{i}",
                "answer": "ABCD"[i % 4],
                "instruction": f"Pregunta {i} de {bench}: " + "texto de relleno " * 8,
                **{f"option_{c}": f"opción {c} {i} " + "más texto " * 3 for c in "abcd"},
            }
            item = Item(bench, str(i), i, {k: v for k, v in row.items() if k != "answer"}, row)
            items.append(item)
            status = STATUS_CYCLE[(i + b) % len(STATUS_CYCLE)]
            final = dict(item.segments)
            if status == "corrected":
                final["instruction"] = "Pregunta corregida " + str(i)
            if changed is not None and b == 0 and i == changed:
                final["instruction"] = "Pregunta cambiada al republicar"
                status = "corrected"
            resolved.append(
                {
                    "record_id": item.record_id,
                    "status": status,
                    "final_segments": json.dumps(final, ensure_ascii=False),
                    "mt_segments": json.dumps(item.segments, ensure_ascii=False),
                    "n_submitted": 2,
                    "agreement": 1.0,
                    "low_confidence": False,
                    "changed_segments": "[]",
                }
            )
            for k in range(2):
                name, uid = users[(i + k + b) % len(users)]
                for q, v in (("verdict", "correct"), ("comment", "ok")):
                    responses.append(
                        {
                            "record_id": item.record_id,
                            "benchmark": bench,
                            "item_key": str(i),
                            "user_id": uid,
                            "username": name,
                            "question": q,
                            "value": v,
                            "status": "submitted",
                            "inserted_at": "2025-01-01T00:00:00+00:00",
                            "updated_at": "2025-01-01T00:00:00+00:00",
                        }
                    )
        releases.append(
            BenchmarkRelease(
                bench,
                items,
                rebuild,
                pd.DataFrame(resolved),
                f"synthetic {bench} (split test)",
                None,
                "cc-by-4.0",
                "test",
            )
        )
    annotators = pd.DataFrame(
        [
            {
                "username": n,
                "user_id": u,
                "submitted": 0,
                "drafts": 0,
                "discarded": 0,
                "agreement_with_consensus": 0.9,
                "per_benchmark": "{}",
            }
            for n, u in users
        ]
    )
    agreement = pd.DataFrame(
        [
            {
                "benchmark": b,
                "n_items": per,
                "n_ratings": 2 * per,
                "alpha": 0.8,
                "alpha_low": 0.75,
                "alpha_high": 0.85,
                "percent_agreement": 0.9,
            }
            for b in (*BENCHMARKS, "overall")
        ]
    )
    return releases, pd.DataFrame(responses), annotators, agreement


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=15_000)
    args = parser.parse_args()

    from hub_emulator import HubEmulator

    from annotate.publish import CampaignInfo, build_tree, push_to_hub, write_folder

    campaign = CampaignInfo(
        "bench", "es", "en", "Be careful.", 2, "majority", None, None, False, [], "bench-salt", None
    )
    inputs, t_inputs = timed(lambda: synthetic(args.rows))
    results: list[tuple[str, float, str]] = [("make synthetic inputs", t_inputs, "")]
    repo = "bench/okapi-like"
    tree, t = timed(lambda: build_tree(campaign, *inputs, repo_id=repo))
    size = sum(len(c) for c in tree.values())
    results.append(("build_tree", t, f"{len(tree)} files, {size / 1e6:.2f} MB"))
    changed_inputs = synthetic(args.rows, changed=7)
    tree2, _ = timed(lambda: build_tree(campaign, *changed_inputs, repo_id=repo))

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "out"
        _, t = timed(lambda: write_folder(tree, folder))
        results.append(("write_folder (first)", t, ""))
        report, t = timed(lambda: write_folder(tree, folder))
        results.append(("write_folder (no-op)", t, f"unchanged={report['unchanged']}"))
        with HubEmulator(tmp, token=TOKEN) as hub:
            push = lambda tr: push_to_hub(tr, repo, token=TOKEN, endpoint=hub.url)  # noqa: E731
            _, t = timed(lambda: push(tree))
            results.append(("push_to_hub (first)", t, f"{len(hub.commits(repo))} commits"))
            out, t = timed(lambda: push(tree))
            results.append(("push_to_hub (no-op)", t, f"changed={out['changed']}"))
            out, t = timed(lambda: push(tree2))
            results.append(("push_to_hub (1 item changed)", t, f"{len(hub.commits(repo))} commits"))

    import datasets
    import huggingface_hub
    import pyarrow

    print(f"publish benchmark: {args.rows} items over {len(BENCHMARKS)} benchmarks")
    print(f"{'step':<30} {'seconds':>8}  note")
    for name, secs, note in results:
        print(f"{name:<30} {secs:>8.3f}  {note}")
    print(
        f"\nmachine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; pyarrow {pyarrow.__version__}, "
        f"huggingface_hub {huggingface_hub.__version__}, datasets {datasets.__version__}"
    )


if __name__ == "__main__":
    main()
