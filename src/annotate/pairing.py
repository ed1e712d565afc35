"""Pair translated items with their original (English) rows, and load a whole benchmark.

Annotators judge a translation best next to its original, but translated releases are
rarely aligned with their sources: Okapi's MMLU-es dev has 272 of 285 rows, shuffled;
its TruthfulQA-es has 789 of 817 rows, shuffled, with no id at all. So pairing is
explicit (`pairing:` in the config) and reports everything that did not pair.

Keys (`by`):
- `id`: one column per side, compared as text (HellaSwag `ind`).
- `key`: the listed columns joined with "/", or a template per side. In a template,
  `{n}` is the 0-based position of the row among the rows of its side that share the
  listed columns' values, and `{position}` the row's 0-based position in its file.
  MMLU: Okapi ids are `<subject>/<split>/<n>` with n counted within the subject in
  cais/mmlu order, so the original side is `original: [subject]`,
  `original_template: "{subject}/dev/{n}"` against `translation: [id]`.
  ARC: `original: [id]`, `original_template: "ARC-Challenge/validation/{id}"`.
- `position`: the i-th translation row with the i-th original row. Only correct when
  nothing was dropped or reordered; choice-count checks catch some, not all, slips.
- `content`: for shuffled sources without ids (TruthfulQA). Translation keeps what is
  not language (choice count, which choices are true: `Adapter.shape`), so candidates
  must have the same shape. Among them, the distance adds up what else survives
  translation: relative text lengths, which texts repeat each other's words, and
  shared names/numbers/cognates (TF-IDF of accent-folded character trigrams). A pair
  is kept only when both rows are each other's clear best match: doubtful rows stay
  unpaired rather than shown next to the wrong original. It is a heuristic: check the
  unpaired count, and spot-check pairs.

The original's texts come from `Adapter.align_original`, under the item's own segment
names (TruthfulQA reads them at the translation's mc1/mc2 positions, so an
inconsistent translation still aligns). An item whose original has a different number
of choices, other labels or a different answer is rejected (the original would mislead
the annotator); with `required: true` an item without an original is rejected too,
otherwise it is kept (`unpaired`) without one.
Original rows nobody paired with are `orphans` (their keys, in original order).

`load_benchmark(cfg, bench)` is what push calls: load, adapt, de-duplicate, pair,
then apply `limit`/`sample`. A `Problem` carries the row number (`index`: 0-based
position in the source, as `Item.index`) apart from its `reason`, which names the
source file for row errors; callers print "row {index}: {reason}".
"""

from __future__ import annotations

import dataclasses
import math
import random
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from annotate.adapters import Adapter, Mismatch, RowError, get_adapter
from annotate.errors import ConfigError
from annotate.identity import disambiguate
from annotate.model import Item

ORPHAN_EXAMPLES = 5


class Problem(NamedTuple):
    """An item (or row) that was set aside, and why; `index` is its row in the source."""

    index: int
    key: str | None
    reason: str


@dataclass(frozen=True)
class PairResult:
    """Items with `.original` filled where possible, and what did not pair."""

    items: list[Item]
    unpaired: list[Problem]
    orphans: list[str]
    rejected: list[Problem]

    @property
    def orphan_examples(self) -> list[str]:
        return self.orphans[:ORPHAN_EXAMPLES]


@dataclass(frozen=True)
class BenchmarkLoad:
    """Everything push needs to know about one benchmark before touching Argilla."""

    benchmark: str
    source: str
    rows: int
    items: list[Item]
    rejected: list[Problem]
    unpaired: list[Problem]
    orphans: list[str]
    original_rows: int | None = None


# --- keys ---------------------------------------------------------------------------


def _field(value: Any) -> str:
    return "" if value is None else str(value)


def build_keys(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    template: str | None,
    positions: Sequence[int] | None = None,
) -> list[str | None]:
    """The pairing key of every row (None when a key column is missing from that row).

    `n` counts rows with equal values in `columns`, in the order given; `positions`
    are the rows' positions in their file (default: their order here).
    """
    keys: list[str | None] = []
    seen: Counter[tuple[str, ...]] = Counter()
    for i, row in enumerate(rows):
        if any(c not in row for c in columns):
            keys.append(None)
            continue
        values = tuple(_field(row[c]) for c in columns)
        n = seen[values]
        seen[values] += 1
        if template is None:
            keys.append("/".join(values))
        else:
            fields = dict(zip(columns, values, strict=True))
            position = positions[i] if positions is not None else i
            keys.append(template.format(n=n, position=position, **fields))
    return keys


def _missing(row: Mapping[str, Any], columns: Sequence[str]) -> str:
    return ", ".join(f"'{c}'" for c in columns if c not in row)


# --- content matching -----------------------------------------------------------------
# Tuned on hand-checked TruthfulQA es/en pairs: right pairs scored <= 0.19 with a lead of
# >= 0.06 over the runner-up; the one wrong best match scored 0.24 with a lead of 0.01.
MAX_CONTENT_DISTANCE = 0.2
MIN_CONTENT_MARGIN = 0.03
MAX_CONTENT_BLOCK = 4_000_000  # candidate pairs in one shape: beyond this, use ids


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _features(text: str) -> Counter[str]:
    grams: Counter[str] = Counter()
    for token in re.findall(r"\w+", _fold(text)):
        padded = f" {token} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
        if any(ch.isdigit() for ch in token):
            grams[f"#{token}"] += 2  # numbers are the same in every language
    return grams


@dataclass(frozen=True)
class _Profile:
    """What survives translation of one item: lengths, inner repetition, shared strings."""

    log_lengths: tuple[float, ...]
    overlaps: tuple[float, ...]
    grams: dict[str, float]


def _profiles(texts: Sequence[Sequence[str]]) -> list[_Profile]:
    df: Counter[str] = Counter()
    feats = [_features("\n".join(parts)) for parts in texts]
    for f in feats:
        df.update(f.keys())
    total = len(texts) or 1
    out = []
    for parts, f in zip(texts, feats, strict=True):
        vec = {g: c * math.log(total / df[g]) for g, c in f.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        words = [set(re.findall(r"\w+", _fold(p))) for p in parts]
        overlaps = tuple(
            len(words[a] & words[b]) / (len(words[a] | words[b]) or 1)
            for a in range(len(words))
            for b in range(a + 1, len(words))
        )
        lengths = tuple(math.log(len(p) + 5) for p in parts)
        out.append(_Profile(lengths, overlaps, {g: v / norm for g, v in vec.items()}))
    return out


def _distance(t: _Profile, o: _Profile) -> float:
    """0 for a perfect structural match; lower is better (may go below 0)."""
    if len(t.log_lengths) != len(o.log_lengths):
        return math.inf
    diffs = [a - b for a, b in zip(t.log_lengths, o.log_lengths, strict=True)]
    mean = sum(diffs) / len(diffs)
    length = math.sqrt(sum((d - mean) ** 2 for d in diffs) / len(diffs))
    pairs = len(t.overlaps) or 1
    structure = sum(abs(a - b) for a, b in zip(t.overlaps, o.overlaps, strict=True)) / pairs
    small, large = (t.grams, o.grams) if len(t.grams) < len(o.grams) else (o.grams, t.grams)
    shared = sum(v * large.get(g, 0.0) for g, v in small.items())
    return length + structure - shared


def content_match(
    translations: Sequence[tuple[Any, Sequence[str]]],
    originals: Sequence[tuple[Any, Sequence[str]]],
    *,
    max_distance: float = MAX_CONTENT_DISTANCE,
    min_margin: float = MIN_CONTENT_MARGIN,
) -> dict[int, tuple[int, float]]:
    """Match (shape, texts) rows: translation position -> (original position, distance).

    Only rows of equal shape are compared. A pair is kept only when each is the other's
    closest row, the distance is at most `max_distance` and both lead their runner-up
    by `min_margin`: doubtful rows stay unmatched rather than shown with a wrong
    original. `texts` is `Adapter.profile(row)` (same length for equal shapes).
    """
    profiles = _profiles([t for _, t in translations] + [t for _, t in originals])
    tprof, oprof = profiles[: len(translations)], profiles[len(translations) :]
    tblocks: dict[Any, list[int]] = defaultdict(list)
    oblocks: dict[Any, list[int]] = defaultdict(list)
    for i, (shape, _) in enumerate(translations):
        tblocks[shape].append(i)
    for j, (shape, _) in enumerate(originals):
        oblocks[shape].append(j)
    matched: dict[int, tuple[int, float]] = {}
    for shape, tis in tblocks.items():
        ojs = oblocks.get(shape, [])
        if not ojs:
            continue
        if len(tis) * len(ojs) > MAX_CONTENT_BLOCK:
            raise ConfigError(
                f"pairing by content: {len(tis)} x {len(ojs)} rows share one shape",
                "too many to compare: pair this benchmark by id or key",
            )
        dist = {(i, j): _distance(tprof[i], oprof[j]) for i in tis for j in ojs}
        best_t = {i: sorted((dist[i, j], j) for j in ojs) for i in tis}
        best_o = {j: sorted((dist[i, j], i) for i in tis) for j in ojs}
        for i in tis:
            d, j = best_t[i][0]
            if d > max_distance or best_o[j][0][1] != i:
                continue
            lead_t = best_t[i][1][0] - d if len(best_t[i]) > 1 else math.inf
            lead_o = best_o[j][1][0] - d if len(best_o[j]) > 1 else math.inf
            if min(lead_t, lead_o) >= min_margin:
                matched[i] = (j, d)
    return matched


# --- pairing ----------------------------------------------------------------------------


def pair_items(
    translations: list[Item],
    originals: list[dict[str, Any]],
    adapter: Adapter,
    pairing: Any,
    *,
    where: str = "pairing",
) -> PairResult:
    """Fill `.original` on each translation item from the original rows (see module doc).

    `pairing` is a config `Pairing` (by, translation, original, *_template, required).
    A key column missing from an original row is a ConfigError naming `where`.
    """
    by = pairing.by
    required = bool(pairing.required)
    # translation position in `translations` -> original row (or a reason it has none)
    found: dict[int, int] = {}
    reasons: dict[int, str] = {}
    orphan_names: dict[int, str] = {}
    if by in ("id", "key"):
        tcols, ocols = list(pairing.translation), list(pairing.original)
        tkeys = build_keys(
            [it.row for it in translations],
            tcols,
            pairing.translation_template,
            [it.index for it in translations],
        )
        okeys = build_keys(originals, ocols, pairing.original_template)
        index: dict[str, int] = {}
        for j, key in enumerate(okeys):
            if key is None:
                missing = _missing(originals[j], ocols)
                raise ConfigError(
                    f"{where}.original: original row {j} has no column {missing}",
                    f"columns there: {', '.join(map(str, originals[j]))}",
                )
            index.setdefault(key, j)
            orphan_names[j] = key
        for p, (item, key) in enumerate(zip(translations, tkeys, strict=True)):
            if key is None:
                reasons[p] = f"no column {_missing(item.row, tcols)} for the key"
            elif key in index:
                found[p] = index[key]
            else:
                reasons[p] = f"no original with key '{key}'"
    elif by == "position":
        for j in range(len(originals)):
            orphan_names[j] = f"row {j}"
        for p, item in enumerate(translations):
            if item.index < len(originals):
                found[p] = item.index
            else:
                reasons[p] = f"the original has only {len(originals)} rows"
    elif by == "content":
        tside = [
            (adapter.shape(it.row, it.index), adapter.profile(it.row, it.index))
            for it in translations
        ]
        oside: list[tuple[Any, list[str]]] = []
        ojs: list[int] = []
        for j, row in enumerate(originals):
            orphan_names[j] = f"row {j}"
            try:
                adapter.to_item(row, j, "original", "")  # unusable rows cannot be matched
            except RowError:
                continue
            oside.append((adapter.shape(row, j), adapter.profile(row, j)))
            ojs.append(j)
        try:
            matched = content_match(tside, oside)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc.message}", exc.hint) from None
        for p in range(len(translations)):
            if p in matched:
                found[p] = ojs[matched[p][0]]
            else:
                reasons[p] = "no original matches its shape and text with confidence"
    else:
        raise ConfigError(f"{where}.by: unknown pairing method '{by}'")

    items: list[Item] = []
    unpaired: list[Problem] = []
    rejected: list[Problem] = []
    used: set[int] = set()
    for p, item in enumerate(translations):
        j = found.get(p)
        reason = reasons.get(p, "")
        if j is not None:
            used.add(j)
            try:
                segments = adapter.align_original(item, originals[j], j)
            except RowError as exc:
                reason = f"its original (row {j}) is unusable: {exc.message}"
            except Mismatch as exc:
                rejected.append(Problem(item.index, item.key, f"{exc} (original row {j})"))
                continue
            else:
                items.append(dataclasses.replace(item, original=segments))
                continue
        if required:
            rejected.append(Problem(item.index, item.key, reason + " (pairing.required)"))
        else:
            unpaired.append(Problem(item.index, item.key, reason))
            items.append(item)
    orphans = [name for j, name in sorted(orphan_names.items()) if j not in used]
    if by in ("id", "key"):
        # a duplicated original key: only the first row can pair; the others are orphans.
        orphans = list(dict.fromkeys(orphans))
    return PairResult(items, unpaired, orphans, rejected)


# --- loading a benchmark -----------------------------------------------------------------


def build_items(
    rows: Sequence[Mapping[str, Any]],
    adapter: Adapter,
    *,
    benchmark: str,
    split: str,
    source: str,
) -> tuple[list[Item], list[Problem]]:
    """Adapt every row; unusable rows and later duplicates of an id become Problems.

    Generated keys (rows without an id) that collide are told apart, not rejected:
    TruthfulQA may ask one question twice with other choices.
    """
    adapted: list[Item] = []
    rejected: list[Problem] = []
    for i, row in enumerate(rows):
        try:
            adapted.append(adapter.to_item(row, i, benchmark, split))
        except RowError as exc:
            rejected.append(Problem(i, None, f"{exc.message} (in {source})"))
    items: list[Item] = []
    first: dict[str, int] = {}
    for item in disambiguate(adapted):
        i = item.index
        if item.key in first:
            rejected.append(
                Problem(
                    i,
                    item.key,
                    f"duplicate key '{item.key}' (same as row {first[item.key]} of {source})",
                )
            )
            continue
        first[item.key] = i
        items.append(item)
    rejected.sort(key=lambda p: p.index)
    return items, rejected


def select_items(items: list[Item], limit: int | None, sample: Any | None) -> list[Item]:
    """`limit` keeps the first N items, then `sample` draws n of them with its seed.

    The sample is returned in source order; the same seed always gives the same items.
    """
    chosen = items[:limit] if limit is not None else list(items)
    if sample is not None and sample.n < len(chosen):
        picked = random.Random(sample.seed).sample(range(len(chosen)), sample.n)
        chosen = [chosen[i] for i in sorted(picked)]
    return chosen


def load_benchmark(cfg: Any, bench: Any) -> BenchmarkLoad:
    """Load, adapt, de-duplicate, pair and select one benchmark of a campaign.

    Rows that cannot become items are `rejected` (with row numbers), as are items whose
    original does not fit; `unpaired` lists kept items without an original; `orphans`
    lists original rows no translation claimed. A benchmark where *no* row is usable
    is a ConfigError (most likely the wrong adapter).
    """
    from annotate.sources import load_rows

    i = cfg.benchmark_index(bench)
    where = f"benchmarks[{i}]"
    adapter = get_adapter(bench.adapter, bench.columns)
    rows = load_rows(bench.translation, where=f"{where}.translation")
    source = bench.translation.label
    items, rejected = build_items(
        rows, adapter, benchmark=bench.name, split=bench.split, source=source
    )
    if not items:
        first = f"row {rejected[0].index}: {rejected[0].reason}" if rejected else "no rows"
        raise ConfigError(
            f"{where}: no usable row in {source} ({first})",
            f"is adapter '{bench.adapter}' right for this file?",
        )
    unpaired: list[Problem] = []
    orphans: list[str] = []
    original_rows = None
    if bench.original is not None:
        originals = load_rows(bench.original, where=f"{where}.original")
        original_rows = len(originals)
        result = pair_items(items, originals, adapter, bench.pairing, where=f"{where}.pairing")
        items, unpaired, orphans = result.items, result.unpaired, result.orphans
        rejected = sorted(rejected + result.rejected, key=lambda p: p.index)
    items = select_items(items, bench.limit, bench.sample)
    kept = {it.key for it in items}
    unpaired = [p for p in unpaired if p.key in kept]
    return BenchmarkLoad(
        benchmark=bench.name,
        source=source,
        rows=len(rows),
        items=items,
        rejected=rejected,
        unpaired=unpaired,
        orphans=orphans,
        original_rows=original_rows,
    )


__all__ = [
    "BenchmarkLoad",
    "PairResult",
    "Problem",
    "build_items",
    "build_keys",
    "content_match",
    "load_benchmark",
    "pair_items",
    "select_items",
]
