"""Time and memory of `resolve` against crowd-kit's aggregators on a synthetic campaign.

    python benchmarks/bench_resolve.py                      # 300k items x 3 annotators
    python benchmarks/bench_resolve.py --items 3000         # quick check

Each measurement runs in its own subprocess, which first builds the (seeded, identical)
campaign, then resets the kernel's peak-RSS mark (`/proc/self/clear_refs`, Linux) and
reports peak RSS minus RSS just before the call: the extra memory the call needed,
including numpy/pyarrow buffers that tracemalloc would not see. Where clear_refs is not
available the column falls back to the ru_maxrss delta, which can read low (marked *).
The crowd-kit baselines get the verdict table already filtered to submitted verdicts
(task, worker, label); `resolve` starts from the full tidy responses table.

Like for like: "annotate verdict majority" is resolve's verdict step alone (integer codes,
vote counts per item, plurality, ties left undecided) on exactly the table MajorityVote
gets, returning the same thing (a label per task): it calls the functions `resolve` uses
for that step (`verdict_codes`, `count_verdicts`). The full resolve
also chooses correction texts, checks them, builds provenance columns and bootstraps
Krippendorff's alpha (1000 resamples); the "no bootstrap" row shows that last part's cost.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import time
import warnings
from typing import Any

VERDICTS = ("correct", "corrected", "unusable")
CATEGORIES = ("mistranslation", "omission_addition", "grammar_spelling", "terminology")
WORDS = ["el", "la", "de", "que", "en", "un", "los", "por", "con", "como", "gato", "casa", "sol"]


def make_campaign(n_items: int, per_item: int, seed: int = 0, n_users: int = 40) -> tuple[Any, Any]:
    """A campaign with noisy volunteers: (items, responses) as pull would hand them over.

    True labels 75/18/7 % correct/corrected/unusable; each volunteer has an accuracy
    drawn from Beta(8, 2); 3 % of responses are drafts and 2 % discards; correctors of
    one item mostly write the same fix, some a variant or the same fix with odd spacing.
    """
    import numpy as np
    import pandas as pd

    from annotate.model import Q_CORRECTION, Q_ERRORS, Q_VERDICT, format_correction

    rng = np.random.default_rng(seed)
    benches = np.array(["arc", "hellaswag", "mmlu"], dtype=object)
    bench = benches[np.arange(n_items) % 3]
    keys = np.arange(n_items).astype(str).astype(object)
    record = bench + ":" + keys
    words = np.array(WORDS, dtype=object)
    w = words[rng.integers(0, len(WORDS), size=(n_items, 8))]
    question = [" ".join(r) + "?" for r in w[:, :6]]
    segs = [
        {"question": q, "A": f"{a} uno", "B": f"{b} dos", "C": "tres", "D": "cuatro"}
        for q, a, b in zip(question, w[:, 6], w[:, 7], strict=True)
    ]
    english = json.dumps({"question": "What?", "A": "one", "B": "two", "C": "three", "D": "four"})
    items = pd.DataFrame(
        {
            "record_id": record,
            "benchmark": bench,
            "item_key": keys,
            "segments": [json.dumps(s, ensure_ascii=False) for s in segs],
            "original": english,
        }
    )

    truth = rng.choice(3, size=n_items, p=[0.75, 0.18, 0.07])
    accuracy = rng.beta(8, 2, size=n_users)
    who = np.argsort(rng.random((n_items, n_users)), axis=1)[:, :per_item]  # distinct users
    item = np.repeat(np.arange(n_items), per_item)
    user = who.ravel()
    right = rng.random(item.size) < accuracy[user]
    label = np.where(right, truth[item], (truth[item] + rng.integers(1, 3, item.size)) % 3)
    status = rng.choice(
        np.array(["submitted", "draft", "discarded"], dtype=object),
        size=item.size,
        p=[0.95, 0.03, 0.02],
    )
    t = pd.Timestamp("2025-03-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 30 * 86400, item.size), unit="s"
    )
    names = np.array([f"vol{u:03d}" for u in range(n_users)], dtype=object)
    base = {
        "record_id": record[item],
        "benchmark": bench[item],
        "item_key": keys[item],
        "user_id": np.array([f"uid-{u:03d}" for u in range(n_users)], dtype=object)[user],
        "username": names[user],
        "status": status,
        "inserted_at": t,
        "updated_at": t,
    }
    frames = [
        pd.DataFrame(
            {**base, "question": Q_VERDICT, "value": np.array(VERDICTS, dtype=object)[label]}
        )
    ]

    corr = np.flatnonzero(label == 1)
    variant = rng.random(corr.size)
    texts = []
    for r, v in zip(corr, variant, strict=True):
        seg = dict(segs[item[r]])
        seg["question"] = seg["question"].replace("?", " corregido?")
        if v < 0.15:
            seg["A"] = seg["A"] + " bis"  # a different fix
        elif v < 0.25:
            seg["question"] = "  " + seg["question"].replace(" ", "  ")  # same fix, odd spacing
        texts.append(format_correction(seg))
    frames.append(
        pd.DataFrame(
            {k: v[corr] for k, v in base.items()}
            | {"question": Q_CORRECTION, "value": np.array(texts, dtype=object)}
        )
    )

    err = np.flatnonzero((label != 0) & (rng.random(item.size) < 0.5))
    cats = np.array(
        [json.dumps([c]) for c in CATEGORIES] + [json.dumps(list(CATEGORIES[:2]))], dtype=object
    )
    frames.append(
        pd.DataFrame(
            {k: v[err] for k, v in base.items()}
            | {"question": Q_ERRORS, "value": cats[rng.integers(0, len(cats), err.size)]}
        )
    )
    responses = pd.concat(frames, ignore_index=True)
    return items, responses


def _rss_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _maxrss_kb() -> int:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss // 1024 if sys.platform == "darwin" else rss  # bytes on macOS


def _measure(call: Any) -> tuple[float, float, float, bool, Any]:
    """Wall s, CPU s, peak extra MB of one call; exact=False when only ru_maxrss works."""
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # reset the peak-RSS mark (VmHWM) to the current RSS
        before, exact = _rss_kb("VmRSS"), True
    except OSError:
        before, exact = _maxrss_kb(), False
    t0, c0 = time.perf_counter(), time.process_time()
    out = call()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = _rss_kb("VmHWM") if exact else _maxrss_kb()
    return wall, cpu, (peak - before) / 1024, exact, out


def verdict_majority(data: Any) -> Any:
    """resolve's verdict step on crowd-kit's input: the label with most votes per task,
    None on a tie (resolve sends those to review; MajorityVote picks one)."""
    import numpy as np
    import pandas as pd

    from annotate.resolve import count_verdicts, verdict_codes

    task, tasks = pd.factorize(data["task"])
    label = verdict_codes(data["label"])
    vote = label >= 0
    _, tied, plural = count_verdicts(task[vote], label[vote], len(tasks))
    winner = np.where(tied, -1, plural)
    return pd.Series(np.array([*VERDICTS, None], dtype=object)[winner], index=tasks)


def _child(name: str, n_items: int, per_item: int, seed: int, repeat: int) -> dict[str, Any]:
    """Build the campaign, then measure one call `repeat` times (best time, worst memory)."""
    items, responses = make_campaign(n_items, per_item, seed)
    if name.startswith("resolve"):
        from annotate.resolve import resolve

        n_bootstrap = 0 if name == "resolve-no-bootstrap" else 1000

        def call() -> Any:
            return resolve(items, responses, min_votes=2, seed=seed, n_bootstrap=n_bootstrap)
    else:
        from crowdkit.aggregation import DawidSkene, MajorityVote

        sub = responses[(responses["status"] == "submitted") & (responses["question"] == "verdict")]
        data = (
            sub[["record_id", "user_id", "value"]]
            .set_axis(["task", "worker", "label"], axis=1)
            .reset_index(drop=True)
        )
        del sub

        def call() -> Any:
            if name == "verdicts":
                return verdict_majority(data)
            model = MajorityVote() if name == "MajorityVote" else DawidSkene(n_iter=20)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # crowd-kit's pandas deprecation noise
                return model.fit_predict(data)

    runs = [_measure(call) for _ in range(repeat)]
    out = runs[-1][4]
    result = {
        "name": name,
        "seconds": min(r[0] for r in runs),
        "cpu": min(r[1] for r in runs),
        "peak_mb": max(r[2] for r in runs),
        "exact": runs[0][3],
        "rows": len(responses),
    }
    if name == "resolve":
        result["statuses"] = out.items["status"].value_counts().to_dict()
    if name == "MajorityVote":
        result["verdicts"] = len(data)
    return result


LABELS = {
    "verdicts": "annotate verdict majority",
    "resolve": "annotate resolve (majority)",
    "resolve-no-bootstrap": "annotate resolve, no bootstrap",
    "MajorityVote": "crowd-kit MajorityVote",
    "DawidSkene": "crowd-kit DawidSkene(n_iter=20)",
}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--items", type=int, default=300_000)
    p.add_argument("--annotators", type=int, default=3, help="annotators per item")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeat", type=int, default=1, help="calls per measurement (best time)")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    common = ["--items", str(args.items), "--annotators", str(args.annotators)]
    common += ["--seed", str(args.seed), "--repeat", str(args.repeat)]

    if args.child:
        result = _child(args.child, args.items, args.annotators, args.seed, args.repeat)
        print(json.dumps(result, default=str))
        return

    results = []
    for name in LABELS:
        cmd = [sys.executable, __file__, "--child", name, *common]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    by = {r["name"]: r for r in results}

    cpu = platform.processor() or platform.machine()
    load = ""
    if hasattr(os, "getloadavg"):  # other work on the machine skews wall time
        load = " | load avg " + " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {platform.platform()} | {cpu} | {os.cpu_count()} CPUs{load}")
    print(f"python {platform.python_version()} | peak = VmHWM after reset minus RSS before")
    rows = results[0]["rows"]
    print(f"campaign: {args.items:,} items x {args.annotators} annotators = {rows:,} rows")
    print(f"resolve statuses: {by['resolve']['statuses']}")
    print(f"verdicts compared: {by['MajorityVote']['verdicts']:,} submitted")
    cols = ("wall s", "cpu s", "peak MB", "t/MV", "t/DS", "m/MV", "m/DS")
    print(f"{'':34}" + "".join(f"{c:>9}" for c in cols))
    for r in results:
        ratios = [
            r[k] / by[b][k] if by[b][k] > 0 else float("nan")
            for k in ("seconds", "peak_mb")
            for b in ("MajorityVote", "DawidSkene")
        ]
        star = "" if r["exact"] else "*"
        cells = [f"{r['seconds']:9.2f}", f"{r['cpu']:9.2f}", f"{r['peak_mb']:8.0f}{star:1}"]
        cells += [f"{x:9.2f}" for x in ratios]
        print(f"{LABELS[r['name']]:34}" + "".join(cells))
    print("t/MV, t/DS: wall time relative to crowd-kit; m/..: peak memory relative.")


if __name__ == "__main__":
    main()
