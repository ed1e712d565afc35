"""Push throughput: `annotate push` against the plain SDK's `dataset.records.log`.

    python benchmarks/bench_push.py                # 10,000 rows
    python benchmarks/bench_push.py --rows 1000

Same server (a fresh local Argilla), same records (the payloads push builds: fields,
suggestion, metadata), one dataset each with the same settings. Four measurements:

- first push: `annotate push -c ... --json` as a user runs it, a new process, so the
  time includes start-up, loading and checking the source, listing the (empty) dataset;
  the SDK: `dataset.records.log(records)` on records already built in memory, in a
  Python that has already imported argilla and connected (a notebook's hot path).
- re-push of the same, unchanged rows: annotate lists the dataset's content hashes and
  sends nothing; the SDK baseline logs the same records again, which is what a notebook
  does to "make sure everything is there".

ratio = SDK time / annotate time: above 1 annotate is faster. Goals: >= 1.0 on the first
push, >= 20 on the re-push of 10k unchanged rows.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from annotate.argilla_io import quiet_sdk  # noqa: E402

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
    client = rg.Argilla(api_url=info.url, api_key=info.api_key, timeout=600)
    workspace = rg.Workspace(name="ws-sdk", client=client).create()
    sdk_design = dataclasses.replace(design, name="sdk-baseline")
    dataset, _ = argilla_io.ensure_dataset(client, sdk_design, workspace)
    payloads = [records.record_payload(item, lang=cfg.language) for item in load.items]
    built = argilla_io.sdk_records(payloads)
    return dataset, built


def sdk_log(dataset, built) -> float:
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset.records.log(built)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args(argv)
    n = args.rows

    with tempfile.TemporaryDirectory(prefix="bench-push-") as tmp, fresh_server() as (info, env):
        config = write_campaign(Path(tmp), synthetic_arc(n), "benchpush")
        dataset, built = sdk_setup(info, config)

        sdk_first = sdk_log(dataset, built)
        ann_first, first = timed_cli("push", "-c", str(config), env=env)
        assert first["benchmarks"][0]["created"] == n, first
        ann_again, again = timed_cli("push", "-c", str(config), env=env)
        assert again["benchmarks"][0]["unchanged"] == n, again
        sdk_again = sdk_log(dataset, built)

    print_machine()
    print_table(
        ["push", "rows", "annotate s", "SDK s", "annotate rows/s", "SDK rows/s", "ratio", "goal"],
        [
            [
                "first push",
                n,
                f"{ann_first:.1f}",
                f"{sdk_first:.1f}",
                f"{n / ann_first:.0f}",
                f"{n / sdk_first:.0f}",
                f"{sdk_first / ann_first:.2f}",
                ">= 1.0 " + ("met" if sdk_first / ann_first >= 1.0 else "MISSED"),
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
        "SDK: records.log on built records)",
    )


if __name__ == "__main__":
    main()
