"""Cost and precision of the offline triage (annotate.triage) on real Okapi translations.

    python benchmarks/bench_triage.py              # bundled sample + Portuguese files
    python benchmarks/bench_triage.py --quick      # one timing round
    python benchmarks/bench_triage.py --list       # every finding, to label by hand
    python benchmarks/bench_triage.py --file PATH:ADAPTER:LANG   # another Okapi file too

Data: the five files in data/okapi/ (Spanish ARC, MMLU dev, TruthfulQA; Portuguese ARC and
MMLU dev). They ship no English originals, so the checks that compare with the English
(untranslated, numbers, length_ratio, and the giveaway-by-length) cannot run on them as a
campaign would. To measure those too, a "pivot" run pairs each Portuguese ARC/MMLU item
with the Spanish translation of the same English item (same id) and passes the Spanish as
the "original": numbers, units and links must agree between two translations of one
source, and their length ratio is as stable as a translation's to its English. It is a
proxy (the Spanish may be the wrong one), and the labels below say which side was wrong.
The language check finds nothing on these files (no segment is in another language at
0.9 or more), so a last set plants Portuguese questions into the Spanish ARC to show
what it catches.

Cost: the language model is loaded once (its time and memory are reported apart); each
benchmark's triage is then timed over `--rounds` runs (median) and reported per 1,000
items, with the peak of Python allocations during one run (tracemalloc, numpy included).

Precision: benchmarks/triage_labels.csv holds a hand label for every finding on these
files (see benchmarks/README.md for who labelled them and how). Precision = real / labelled
per check; findings without a label are counted apart, so a change in the checks shows.
There are no volunteer verdicts for these files, so recall is not measured here: resolve
measures it on a campaign's own verdicts.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
LABELS = HERE / "triage_labels.csv"
OKAPI = ROOT / "data" / "okapi"
FILES = (
    ("arc_es", "m_arc_es_validation.json", "arc", "es"),
    ("mmlu_es", "m_mmlu_es_dev.json", "mmlu", "es"),
    ("truthfulqa_es", "m_truthfulqa_es_validation.json", "truthfulqa", "es"),
    ("arc_pt", "m_arc_pt_validation.json", "arc", "pt"),
    ("mmlu_pt", "m_mmlu_pt_dev.json", "mmlu", "pt"),
)
# Portuguese items with the Spanish of the same English item as their "original". Only the
# checks a second translation can stand in for: Portuguese text identical to the Spanish is
# no sign of a missing translation, and the language was checked on the plain sets.
PIVOTS = (("arc_pt~es", "arc_pt", "arc_es"), ("mmlu_pt~es", "mmlu_pt", "mmlu_es"))
PIVOT_CHECKS = ("numbers", "length_ratio", "choices", "giveaway")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def load_items(path: Path, adapter: str, name: str) -> list:
    from annotate.adapters import RowError, get_adapter

    rows = json.loads(path.read_text(encoding="utf-8"))
    ad = get_adapter(adapter)
    items = []
    for i, row in enumerate(rows):
        try:
            items.append(ad.to_item(row, i, name, "bench"))
        except RowError:
            continue  # rejected rows are never pushed
    return items


def pivot(items: list, originals: list) -> list:
    """Each item with the same-id item's segments as its original (unpaired: none)."""
    import dataclasses

    by_key = {it.key: it.segments for it in originals}
    return [
        dataclasses.replace(it, original=by_key[it.key])
        for it in items
        if it.key in by_key and list(by_key[it.key]) == list(it.segments)
    ]


def injected(items: list, donors: list, every: int = 10) -> tuple[list, set[str]]:
    """Every `every`-th item with its question swapped for the Portuguese one of the same
    id: a wrong-language segment planted where we know it is (the language check's
    recall, which the real files, free of such errors, cannot show)."""
    import dataclasses

    by_key = {it.key: it.segments["question"] for it in donors}
    out, planted = [], set()
    for i, it in enumerate(items):
        if i % every == 0 and it.key in by_key:
            it = dataclasses.replace(it, segments={**it.segments, "question": by_key[it.key]})
            planted.add(it.record_id)
        out.append(it)
    return out, planted


def timed(items: list, lang: str, rounds: int, checks) -> tuple[float, float, dict]:
    """(median seconds, peak MB of allocations, findings) of triaging `items`."""
    from annotate import triage

    times = []
    found: dict = {}
    for _ in range(rounds):
        t0 = time.perf_counter()
        found = triage.triage_items(items, language=lang, checks=checks)
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    triage.triage_items(items, language=lang, checks=checks)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 1024**2, found


def read_labels() -> dict[tuple[str, str, str, str], tuple[str, str]]:
    if not LABELS.exists():
        return {}
    with LABELS.open(encoding="utf-8", newline="") as fh:
        return {
            (r["set"], r["record_id"], r["check"], r["segment"]): (r["real"], r["note"])
            for r in csv.DictReader(fh)
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds (median)")
    parser.add_argument("--quick", action="store_true", help="one timing round")
    parser.add_argument("--list", action="store_true", help="print every finding (to label)")
    parser.add_argument("--file", action="append", default=[], help="PATH:ADAPTER:LANG")
    args = parser.parse_args(argv)
    rounds = 1 if args.quick else args.rounds

    from run import print_machine, print_table

    from annotate import triage

    sets: dict[str, tuple[list, str, tuple[str, ...]]] = {}
    for name, file, adapter, lang in FILES:
        sets[name] = (load_items(OKAPI / file, adapter, adapter), lang, triage.CHECKS)
    for spec in args.file:
        path, adapter, lang = spec.rsplit(":", 2)
        sets[Path(path).stem] = (load_items(Path(path), adapter, adapter), lang, triage.CHECKS)
    for name, items_of, originals_of in PIVOTS:
        items = pivot(sets[items_of][0], sets[originals_of][0])
        sets[name] = (items, sets[items_of][1], PIVOT_CHECKS)

    planted_items, planted = injected(sets["arc_es"][0], sets["arc_pt"][0])
    sets["arc_es+pt"] = (planted_items, "es", ("language",))

    before, t0 = rss_mb(), time.perf_counter()
    triage.LanguageGuesser(triage.candidate_languages("es"))
    load_s, load_mb = time.perf_counter() - t0, rss_mb() - before

    rows, findings = [], {}
    for name, (items, lang, checks) in sets.items():
        seconds, peak, found = timed(items, lang, rounds, checks)
        findings[name] = (items, found)
        counts = Counter(f.check for fs in found.values() for f in fs)
        segments = sum(len(it.segments) for it in items)
        rows.append(
            [
                name,
                len(items),
                segments,
                f"{seconds / max(len(items), 1) * 1000:.2f}",
                f"{peak:.1f}",
                sum(bool(fs) for fs in found.values()),
                ", ".join(f"{c} {counts[c]}" for c in triage.CHECKS if counts[c]) or "-",
            ]
        )
    print_machine()
    print(f"language model: loaded in {load_s:.2f} s, +{load_mb:.0f} MB RSS (once per process)")
    print_table(
        ["set", "items", "segments", "s / 1k items", "peak MB", "flagged", "findings"],
        rows,
        title=f"Triage cost (median of {rounds} round(s); pivot sets: {', '.join(PIVOT_CHECKS)})",
    )

    caught = {rid for rid, fs in findings["arc_es+pt"][1].items() if fs}
    print(
        f"\nlanguage check on arc_es+pt (Spanish ARC, the question of every 10th item "
        f"swapped for the Portuguese): {len(caught & planted)} of {len(planted)} planted "
        f"questions found, {len(caught - planted)} other items flagged"
    )

    labels = read_labels()
    per_check: dict[str, Counter] = {c: Counter() for c in triage.CHECKS}
    listing = []
    for name, (items, found) in findings.items():
        if name == "arc_es+pt":
            continue  # planted errors: measured above, not labelled
        by_id = {it.record_id: it for it in items}
        for rid, fs in found.items():
            for f in fs:
                key = (name, rid, f.check, f.segment)
                real = labels.get(key, ("", ""))[0]
                per_check[f.check]["labelled" if real else "unlabelled"] += 1
                if real == "yes":
                    per_check[f.check]["real"] += 1
                text = by_id[rid].segments[f.segment].replace("\n", " / ")[:90]
                listing.append([name, rid, f.check, f.segment, f.severity, real, f.message, text])
    table = []
    for check, c in per_check.items():
        precision = f"{c['real'] / c['labelled']:.0%}" if c["labelled"] else "-"
        table.append([check, c["labelled"], c["real"], precision, c["unlabelled"]])
    total = Counter()
    for c in per_check.values():
        total.update(c)
    share = f"{total['real'] / total['labelled']:.0%}" if total["labelled"] else "-"
    table.append(["all", total["labelled"], total["real"], share, total["unlabelled"]])
    print_table(
        ["check", "labelled findings", "real problems", "precision", "unlabelled"],
        table,
        title=f"Precision against hand labels ({LABELS.name})",
    )
    if args.list:
        print_table(
            ["set", "record", "check", "segment", "severity", "real", "message", "text"],
            listing,
            title="Every finding",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
