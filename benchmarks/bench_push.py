"""Push throughput: `annotate push` against the plain SDK's `dataset.records.log`.

    python benchmarks/bench_push.py                # 10,000 rows, 4 pairs
    python benchmarks/bench_push.py --rows 1000 --pairs 2

Same server, same records (the payloads push builds: fields, suggestion, metadata), one
dataset each with the same settings. The first push is measured in pairs, each pair on a
fresh local Argilla, alternating which side goes first (the second one writes into a
database that already holds the first one's records, and the machine's load drifts):
the table shows every pair, then the median and the spread of SDK time / annotate time.

- first push: `annotate push -c ... --json` as a user runs it, a new process, so the
  time includes start-up, loading and checking the source, listing the (empty) dataset;
  the SDK: `dataset.records.log(records)` on records already built in memory, in a
  Python that has already imported argilla and connected (a notebook's hot path).
- the SDK as a script: the same `records.log` in a new Python process that imports
  argilla, connects, reads the records (built in advance, as JSON) and logs them: what an
  organizer's push script costs from the command line, start-up included, like annotate.
  annotate's goal is measured against both baselines; the table names each.
- re-push of the same, unchanged rows: annotate lists the dataset's content hashes and
  sends nothing; the SDK baseline logs the same records again, which is what a notebook
  does to "make sure everything is there".

ratio = SDK time / annotate time: above 1 annotate is faster. Goals: >= 1.0 on the first
push, >= 20 on the re-push of 10k unchanged rows.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sdk import quiet_sdk, sdk_records  # noqa: E402

quiet_sdk()  # the SDK's bars, "not found" warnings and log lines: noise in a table

from run import (  # noqa: E402
    fresh_server,
    print_machine,
    print_table,
    synthetic_arc,
    timed_cli,
    write_campaign,
)


def sdk_setup(info, config: Path):
    """The SDK side: a dataset with the campaign's settings and the same records, built."""
    import argilla as rg

    from annotate import argilla_io, records
    from annotate.config import load_config
    from annotate.push import design_for, load_all

    cfg = load_config(config)
    [(bench, load)] = load_all(cfg, None, None)
    design = design_for(cfg, bench, load.items)
    from annotate.connection import Connection

    ours = argilla_io.connect(Connection(info.url, info.api_key, "benchmark"))
    workspace = argilla_io.ensure_workspace(ours, "ws-sdk")
    for name in ("sdk-baseline", "sdk-script"):
        argilla_io.ensure_dataset(ours, dataclasses.replace(design, name=name), workspace)
    client = rg.Argilla(api_url=info.url, api_key=info.api_key, timeout=600)
    dataset = client.datasets(name="sdk-baseline", workspace="ws-sdk")
    payloads = [records.record_payload(item, lang=cfg.language) for item in load.items]
    built = sdk_records(payloads)
    payload_file = config.parent / "payloads.json"
    payload_file.write_text(json.dumps(payloads, ensure_ascii=False), encoding="utf-8")
    return dataset, built, payload_file


# A plain SDK push script, run as a new process (the payload -> rg.Record conversion is
# benchmarks/sdk.py's, so both sides send the same records).
SDK_SCRIPT = """
import json, sys, warnings
import argilla as rg
sys.path.insert(0, sys.argv[4])
from sdk import quiet_sdk, sdk_records
quiet_sdk()
url, key, payload_file = sys.argv[1:4]
client = rg.Argilla(api_url=url, api_key=key, timeout=600)
dataset = client.datasets(name="sdk-script", workspace="ws-sdk")
built = sdk_records(json.load(open(payload_file, encoding="utf-8")))
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    dataset.records.log(built)
"""


def sdk_script(info, payload_file: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-c",
            SDK_SCRIPT,
            info.url,
            info.api_key,
            str(payload_file),
            str(Path(__file__).resolve().parent),
        ],
        check=True,
        capture_output=True,
        timeout=3600,
    )
    return time.perf_counter() - started


def sdk_log(dataset, built) -> float:
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset.records.log(built)
    return time.perf_counter() - started


def first_push_pair(n: int, sdk_first: bool, last: bool) -> dict:
    """One fresh server, both first pushes in the given order; the last pair also times
    the re-push of the unchanged rows (annotate, then the SDK logging them again)."""
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with tempfile.TemporaryDirectory(prefix="bench-push-") as tmp, fresh_server() as (info, env):
        config = write_campaign(Path(tmp), synthetic_arc(n), "benchpush")
        dataset, built, payload_file = sdk_setup(info, config)

        def annotate_push() -> float:
            elapsed, first = timed_cli("push", "-c", str(config), env=env)
            assert first["benchmarks"][0]["created"] == n, first
            return elapsed

        if sdk_first:
            sdk, script, ann = (
                sdk_log(dataset, built),
                sdk_script(info, payload_file),
                annotate_push(),
            )
        else:
            ann, script = annotate_push(), sdk_script(info, payload_file)
            sdk = sdk_log(dataset, built)
        result = {"order": "SDK first" if sdk_first else "annotate first", "sdk": sdk, "ann": ann}
        result["script"] = script
        result["load"] = load_before
        if last:
            ann_again, again = timed_cli("push", "-c", str(config), env=env)
            assert again["benchmarks"][0]["unchanged"] == n, again
            result |= {"ann_again": ann_again, "sdk_again": sdk_log(dataset, built)}
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument(
        "--pairs", type=int, default=4, help="first-push pairs, alternating who goes first"
    )
    args = parser.parse_args(argv)
    n = args.rows

    pairs = []
    for i in range(args.pairs):
        pairs.append(first_push_pair(n, sdk_first=i % 2 == 0, last=i == args.pairs - 1))
        p = pairs[-1]
        print(
            f"pair {i + 1}/{args.pairs} ({p['order']}): annotate {p['ann']:.1f} s, "
            f"SDK {p['sdk']:.1f} s",
            flush=True,
        )
    ratios = [p["sdk"] / p["ann"] for p in pairs]
    ratio = statistics.median(ratios)
    script_ratios = [p["script"] / p["ann"] for p in pairs]
    script_ratio = statistics.median(script_ratios)
    ann_first = statistics.median(p["ann"] for p in pairs)
    sdk_first = statistics.median(p["sdk"] for p in pairs)
    script_first = statistics.median(p["script"] for p in pairs)
    ann_again, sdk_again = pairs[-1]["ann_again"], pairs[-1]["sdk_again"]

    print_machine()
    print_table(
        ["pair", "order", "load before", "annotate s", "SDK s", "SDK script s", "ratio", "ratio"],
        [
            [
                i + 1,
                p["order"],
                f"{p['load']:.1f}",
                f"{p['ann']:.1f}",
                f"{p['sdk']:.1f}",
                f"{p['script']:.1f}",
                f"{r:.2f}",
                f"{p['script'] / p['ann']:.2f}",
            ]
            for i, (p, r) in enumerate(zip(pairs, ratios, strict=True))
        ],
        title=f"first push of {n:,} rows, pair by pair (a fresh server each)",
    )
    print_table(
        ["push", "rows", "annotate s", "SDK s", "annotate rows/s", "SDK rows/s", "ratio", "goal"],
        [
            [
                f"first push vs SDK in memory (median of {len(pairs)})",
                n,
                f"{ann_first:.1f}",
                f"{sdk_first:.1f}",
                f"{n / ann_first:.0f}",
                f"{n / sdk_first:.0f}",
                f"{ratio:.2f} ({min(ratios):.2f}-{max(ratios):.2f})",
                ">= 1.0 " + ("met" if ratio >= 1.0 else "MISSED"),
            ],
            [
                f"first push vs SDK script (median of {len(pairs)})",
                n,
                f"{ann_first:.1f}",
                f"{script_first:.1f}",
                f"{n / ann_first:.0f}",
                f"{n / script_first:.0f}",
                f"{script_ratio:.2f} ({min(script_ratios):.2f}-{max(script_ratios):.2f})",
                ">= 1.0 " + ("met" if script_ratio >= 1.0 else "MISSED"),
            ],
            [
                "re-push, unchanged",
                n,
                f"{ann_again:.1f}",
                f"{sdk_again:.1f}",
                f"{n / ann_again:.0f}",
                f"{n / sdk_again:.0f}",
                f"{sdk_again / ann_again:.1f}",
                ">= 20 " + ("met" if sdk_again / ann_again >= 20 else "MISSED"),
            ],
        ],
        title=f"push of {n:,} ARC-shaped rows (annotate: CLI process, wall time; "
        "SDK: records.log on built records; ratio = SDK / annotate, median (min-max))",
    )


if __name__ == "__main__":
    main()
