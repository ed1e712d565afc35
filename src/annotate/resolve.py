"""Turn the annotators' responses into one decision and one final text per item.

Input is the tidy table pull writes (one row per record x user x question, latest value)
and the items as pushed. Output is a `Resolution`: one row per item (status, verdict,
final text, provenance), inter-annotator agreement per benchmark, and one row per
annotator (for credit and for spotting careless annotators).

Rules (the why is in each function):

* Only submitted responses vote. Drafts are unfinished work; a discard says "I can't
  judge this", which is not a verdict (it is counted per item as `n_discarded`).
* A vote counts only for the content it was cast on. When the responses carry the
  `content_hash` of the text they were given on (pull takes it from the record as
  Argilla showed it) and it differs from the item's current hash, the response is left
  out of everything (verdicts, texts, agreement, credit) and counted per item as
  `n_stale` (and the warning `stale_votes:<n>`): the item needs votes on its current
  text to be validated or corrected.
* Verdict = plurality of submitted verdicts. Below `min_votes` -> `unannotated`; a tie
  for the top -> `needs_review` (no label wins by chance). Other methods ("dawid_skene",
  "glad", "mace") let crowd-kit pick the label on items with enough votes.
* Corrected items take the correction most annotators wrote (compared after NFC,
  whitespace collapsing and dropping invisible characters); when no single text leads,
  the medoid (least total edit distance to the others) wins and the item is marked
  `low_confidence`. The winner is kept as written (NFC only): indentation, tabs and
  inner spacing are content (MMLU's programs), and a segment that differs from the MT
  only in whitespace or invisible characters keeps the MT.
* Integrity checks run on the final text. On a corrected item these failures BLOCK
  (status becomes `needs_review`, and the final text stays the MT, so a rejected
  correction never reaches a release): `correction_missing`, `correction_unparseable`,
  `correction_equals_mt`, `choice_count_changed`, `empty_segment:<name>`,
  `duplicate_choices:<names>`, `contains_secret:<name>:<kinds>` (an e-mail, token or
  API key the MT did not have). `identical_to_original:<name>` (a corrected segment
  equal to the English source: probably pasted back untranslated) is only a WARNING.
  On a validated item the MT is checked too, but annotators approved it, so everything
  found there is a warning and publish decides.

Performance (1.27M response rows, 300k items: ~5 s, ~260 MB peak; see
benchmarks/bench_resolve.py): the verdict part is vectorised (integer codes + numpy
bincount, no loop over items); JSON columns are assembled in Arrow from a few distinct
strings; Python loops only touch corrected items (parse, and the medoid only when their
corrections disagree) and validated items' MT check, a chunk of 10k at a time. The
alpha bootstrap resamples count patterns, not items, so its cost doesn't grow with them.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from annotate.model import (
    ERROR_CATEGORIES,
    Q_CORRECTION,
    Q_ERRORS,
    Q_VERDICT,
    STATUSES,
    VERDICTS,
    format_correction,
    parse_correction,
)
from annotate.privacy import find_secrets

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

# method name -> crowd-kit class name (None: our own plurality with explicit ties).
METHODS: dict[str, str | None] = {
    "majority": None,
    "dawid_skene": "DawidSkene",
    "glad": "GLAD",
    "mace": "MACE",
}

STATUS_OF_VERDICT: dict[str, str] = {
    "correct": "validated",
    "corrected": "corrected",
    "unusable": "unusable",
}

# Segments that are not answer choices (everything else, A, B, ..., is a choice).
NON_CHOICE_SEGMENTS = frozenset({"question", "context"})

# Issue kinds that send a corrected item to review; anything else is a warning.
BLOCKING_ISSUES = frozenset(
    {
        "correction_missing",
        "correction_unparseable",
        "correction_equals_mt",
        "choice_count_changed",
        "empty_segment",
        "duplicate_choices",
        "contains_secret",
    }
)

ITEM_COLUMNS: tuple[str, ...] = (
    "record_id",
    "benchmark",
    "item_key",
    "status",
    "verdict",
    "n_submitted",
    "n_discarded",
    "n_stale",
    "votes",
    "agreement",
    "low_confidence",
    "annotators",
    "error_categories",
    "mt_segments",
    "final_segments",
    "changed_segments",
    "issues",
)
AGREEMENT_COLUMNS: tuple[str, ...] = (
    "benchmark",
    "n_items",
    "n_ratings",
    "alpha",
    "alpha_low",
    "alpha_high",
    "percent_agreement",
)
ANNOTATOR_COLUMNS: tuple[str, ...] = (
    "username",
    "user_id",
    "submitted",
    "drafts",
    "discarded",
    "agreement_with_consensus",
    "per_benchmark",
)


# Items are parsed into Python dicts this many at a time (bounded memory at 300k items).
_CHUNK = 10_000

# One encoder for every JSON cell: json.dumps(..., ensure_ascii=False) builds a new
# encoder per call, which is a third of the cost for small values.
_dumps = json.JSONEncoder(ensure_ascii=False).encode

# --- result -------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolution:
    """Everything resolve decided: per item, agreement per benchmark, per annotator."""

    items: pd.DataFrame
    agreement: pd.DataFrame
    annotators: pd.DataFrame
    method: str = "majority"
    min_votes: int = 1
    orphan_responses: int = 0
    params: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """A JSON-able digest for `--json` output and the dataset card (NaN -> None)."""
        items = self.items
        by_status: dict[str, dict[str, int]] = {}
        for bench, grp in items.groupby("benchmark", sort=True):
            counts = grp["status"].value_counts()
            by_status[str(bench)] = {s: int(counts.get(s, 0)) for s in STATUSES}
        overall = items["status"].value_counts()
        by_status["overall"] = {s: int(overall.get(s, 0)) for s in STATUSES}

        agreement = {}
        for row in self.agreement.to_dict("records"):
            agreement[str(row["benchmark"])] = {
                "n_items": int(row["n_items"]),
                "n_ratings": int(row["n_ratings"]),
                "alpha": _json_float(row["alpha"]),
                "alpha_low": _json_float(row["alpha_low"]),
                "alpha_high": _json_float(row["alpha_high"]),
                "percent_agreement": _json_float(row["percent_agreement"]),
                "interpretation": interpret_alpha(row["alpha"]),
            }

        issues: dict[str, int] = {}
        for text in items["issues"]:
            if text == "[]":
                continue
            for issue in json.loads(text):
                kind = issue.split(":", 1)[0]
                issues[kind] = issues.get(kind, 0) + 1

        return {
            "method": self.method,
            "min_votes": self.min_votes,
            **self.params,
            "items": len(items),
            "status_counts": by_status,
            "agreement": agreement,
            "annotators": len(self.annotators),
            "submitted_verdicts": int(self.annotators["submitted"].sum())
            if len(self.annotators)
            else 0,
            "low_confidence": int(items["low_confidence"].sum()),
            "changed_items": int((items["changed_segments"] != "[]").sum()),
            "issues": dict(sorted(issues.items())),
            "orphan_responses": self.orphan_responses,
            # votes left out because the text changed after they were cast (exact totals)
            "stale_votes": int(items["n_stale"].sum()) if "n_stale" in items else 0,
            "stale_items": int((items["n_stale"] > 0).sum()) if "n_stale" in items else 0,
        }


def _json_float(x: Any) -> float | None:
    """JSON has no NaN: missing statistics become null."""
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


# Krippendorff (2004): data with alpha >= .800 are reliable, >= .667 allow tentative
# conclusions only.
ALPHA_RELIABLE = 0.8
ALPHA_TENTATIVE = 0.667


def interpret_alpha(alpha: float | None) -> str:
    """Krippendorff's (2004) reading: >= .800 reliable, >= .667 tentative, below: low."""
    if alpha is None or (isinstance(alpha, float) and math.isnan(alpha)):
        return "undefined"
    if alpha >= ALPHA_RELIABLE:
        return "reliable"
    if alpha >= ALPHA_TENTATIVE:
        return "tentative"
    return "low"


# --- text helpers ---------------------------------------------------------------------


# Invisible format characters (soft hyphen, zero-width space/joiners, direction marks,
# word joiner, BOM): never a difference a reader can see.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def normalize_text(text: str) -> str:
    """Comparison key: NFC, collapsed whitespace, no invisible characters.

    Only for comparing (votes, duplicates, emptiness): what is published is the text
    as written, so two annotators who typed the same words with different spacing cast
    the same vote, and a zero-width character alone is not a correction.
    """
    if not text.isascii():
        text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    return " ".join(text.split())


def levenshtein(a: str, b: str) -> int:
    """Character edit distance (bit-parallel, Hyyrö 2003), fast enough without extra deps.

    Common prefix and suffix are cut first (corrections of one MT share most of their
    text); the rest runs one big-int step per character of the longer string.
    """
    if a == b:
        return 0
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:  # longest common prefix by bisection: slice compares run in C
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    a, b = a[lo:], b[lo:]
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid :] == b[len(b) - mid :]:
            lo = mid
        else:
            hi = mid - 1
    if lo:
        a, b = a[:-lo], b[:-lo]
    if not a or not b:
        return len(a) + len(b)
    if len(a) > len(b):
        a, b = b, a
    m = len(a)
    peq: dict[str, int] = {}
    for i, ch in enumerate(a):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    full = (1 << m) - 1
    top = 1 << (m - 1)
    pv, mv, score = full, 0, m
    for ch in b:
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | ~(xh | pv)
        mh = pv & xh
        if ph & top:
            score += 1
        elif mh & top:
            score -= 1
        ph = (ph << 1) | 1
        mh <<= 1
        pv = (mh | ~(xv | ph)) & full
        mv = ph & xv & full
    return score


@dataclass(frozen=True)
class TextChoice:
    """The correction chosen for one item (None when no correction could be used)."""

    segments: dict[str, str] | None
    low_confidence: bool
    issues: tuple[str, ...] = ()


def choose_correction(mt: dict[str, str], texts: Sequence[str | None]) -> TextChoice:
    """Pick the final text among corrections, given in submission order.

    Every parsed correction is one vote for its normalised text (an untouched MT is a
    vote for the MT). A single leader wins. Otherwise the medoid among the leaders,
    i.e. the one with the least total edit distance to all corrections, wins: the
    text the others agree with most. Ties go to the earliest, and the item is flagged
    low-confidence. The winner is written out as its annotators wrote it (NFC; its most
    common exact form, then the earliest), and keeps the MT wording for segments that
    only differ in whitespace or invisible characters, so such edits aren't changes.
    """
    names = list(mt)
    given = [t for t in texts if isinstance(t, str) and t.strip()]
    if not given:
        return TextChoice(None, False, ("correction_missing",))
    if len(set(given)) == 1:  # the common case: everyone submitted the very same text
        seg = parse_correction(given[0], names)
        if seg is None:
            return TextChoice(None, False, ("correction_unparseable",))
        return TextChoice(_finalize(mt, seg), False)

    seen: dict[str, tuple[dict[str, str], tuple[str, ...]] | None] = {}
    parsed: list[dict[str, str]] = []
    keys: list[tuple[str, ...]] = []
    raw: list[str] = []
    for text in given:
        if text not in seen:
            seg = parse_correction(text, names)
            seen[text] = (
                None if seg is None else (seg, tuple(normalize_text(seg[n]) for n in names))
            )
        hit = seen[text]
        if hit is not None:
            parsed.append(hit[0])
            keys.append(hit[1])
            raw.append(text)
    if not parsed:
        return TextChoice(None, False, ("correction_unparseable",))

    first: dict[tuple[str, ...], int] = {}
    count: dict[tuple[str, ...], int] = {}
    for i, k in enumerate(keys):
        first.setdefault(k, i)
        count[k] = count.get(k, 0) + 1
    best = max(count.values())
    leaders = [k for k in first if count[k] == best]  # in order of first submission
    low = len(leaders) > 1
    if low:
        flat = {k: format_correction(dict(zip(names, k, strict=True))) for k in count}

        def cost(k: tuple[str, ...]) -> int:
            return sum(c * levenshtein(flat[k], flat[o]) for o, c in count.items() if o != k)

        winner = min(leaders, key=cost)  # min keeps the earliest on ties
    else:
        winner = leaders[0]
    # the winning vote as written: its most common exact form, the earliest on ties
    forms = [raw[i] for i, k in enumerate(keys) if k == winner]
    form = max(dict.fromkeys(forms), key=forms.count)
    chosen = seen[form]
    assert chosen is not None  # every form in `raw` parsed
    return TextChoice(_finalize(mt, chosen[0]), low)


def _finalize(mt: dict[str, str], chosen: dict[str, str]) -> dict[str, str]:
    """The chosen correction as published: as written (NFC), the MT where only spacing or
    invisible characters differ."""
    return {
        n: m
        if (c := chosen[n]) == m or normalize_text(c) == normalize_text(m)
        else unicodedata.normalize("NFC", c)
        for n, m in mt.items()
    }


def check_integrity(
    final: dict[str, str], mt: dict[str, str], original: dict[str, str] | None
) -> list[str]:
    """Structural problems of a final text, as issue strings (`kind` or `kind:detail`).

    Which kinds block is decided by the caller (see BLOCKING_ISSUES).
    """
    issues: list[str] = []
    choices = [n for n in final if n not in NON_CHOICE_SEGMENTS]
    if list(final) != list(mt) or len(choices) != sum(n not in NON_CHOICE_SEGMENTS for n in mt):
        issues.append("choice_count_changed")
    for name, text in final.items():
        if not normalize_text(text) and not (
            original is not None and not normalize_text(original.get(name, "x"))
        ):
            issues.append(f"empty_segment:{name}")  # empty is fine only if the English is too
    seen: dict[str, list[str]] = {}
    for name in choices:
        key = normalize_text(final[name])
        if key:
            seen.setdefault(key, []).append(name)
    issues.extend(f"duplicate_choices:{','.join(g)}" for g in seen.values() if len(g) > 1)
    if original:
        for name, text in final.items():
            if (
                text != mt.get(name)
                and name in original
                and normalize_text(text) == normalize_text(original[name])
            ):
                issues.append(f"identical_to_original:{name}")
    for name, text in final.items():
        if text != mt.get(name):
            new = [k for k in find_secrets(text) if k not in find_secrets(mt.get(name) or "")]
            if new:
                issues.append(f"contains_secret:{name}:{'+'.join(new)}")
    return issues


def correction_issues(
    final: dict[str, str], mt: dict[str, str], original: dict[str, str] | None
) -> list[str]:
    """Every check a correction must pass to reach a release (see BLOCKING_ISSUES)."""
    found = [] if any(final.get(n) != t for n, t in mt.items()) else ["correction_equals_mt"]
    return found + check_integrity(final, mt, original)


def blocks(issues: Sequence[str]) -> bool:
    """True when any issue keeps a correction out of the release."""
    return any(_is_blocking(x) for x in issues)


def _is_blocking(issue: str) -> bool:
    return issue.split(":", 1)[0] in BLOCKING_ISSUES


# --- agreement ------------------------------------------------------------------------


def _pairable(value_counts: Any) -> np.ndarray:
    """Units with >= 2 ratings: the only ones that carry information about agreement."""
    import numpy as np

    c = np.asarray(value_counts, dtype=np.int64)
    if c.ndim != 2:
        raise ValueError("value_counts must be a units x values matrix")
    return c[c.sum(axis=1) >= 2]


def _unique_rows(c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """np.unique(c, axis=0) with inverse and counts, via one integer key per row.

    Count rows are small non-negative integers, so a mixed-radix key is exact and
    sorting 300k int64 keys is ~20x faster than numpy's row-wise unique.
    """
    import numpy as np

    base = int(c.max()) + 1 if c.size else 1
    if c.shape[1] * math.log2(base) >= 62:
        pats, inv, cnt = np.unique(c, axis=0, return_inverse=True, return_counts=True)
        return pats, inv.ravel(), cnt
    key = np.zeros(len(c), dtype=np.int64)
    for j in range(c.shape[1]):
        key = key * base + c[:, j]
    uniq, first, inv, cnt = np.unique(
        key, return_index=True, return_inverse=True, return_counts=True
    )
    return c[first], inv.ravel(), cnt


def _alpha_terms(c: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Nominal alpha for each row of `weights` (how often each unit of `c` is counted).

    From the coincidence matrix: n = sum of pairable values, sum(o_cc) the matched
    mass, n_c the value totals; alpha = 1 - (n - 1)(n - sum o_cc) / (n^2 - sum n_c^2).
    """
    import numpy as np

    m = c.sum(axis=1).astype(np.float64)
    o_diag = (c * (c - 1)).sum(axis=1) / (m - 1)
    w = np.asarray(weights, dtype=np.float64)
    n = w @ m
    matched = w @ o_diag
    n_c = w @ c.astype(np.float64)
    denom = n**2 - (n_c**2).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1.0 - (n - 1.0) * (n - matched) / denom
    return np.where(denom > 0, alpha, np.nan)


def alpha_nominal(value_counts: Any) -> float:
    """Krippendorff's alpha (nominal) from a units x values count matrix.

    Same number as `krippendorff.alpha(level_of_measurement="nominal")` but straight
    from per-unit counts, so bootstrap draws cost a matrix product instead of a rerun.
    NaN when undefined (no pairable unit, or a single value used throughout).
    """
    import numpy as np

    c = _pairable(value_counts)
    if len(c) == 0:
        return math.nan
    return float(_alpha_terms(c, np.ones(len(c)))[()])


def bootstrap_alpha(
    value_counts: Any, *, n_bootstrap: int = 1000, seed: int = 0, level: float = 0.95
) -> tuple[float, float]:
    """Percentile CI of nominal alpha, resampling pairable units with replacement.

    Alpha depends only on how many units show each count pattern (e.g. 2 "correct",
    1 "unusable"), and with few labels and raters there are only a handful of
    patterns. Resampling U units is therefore exactly a multinomial draw of U over the
    pattern frequencies: B x patterns numbers instead of B x U indices, so it costs the
    same at 300k items as at 300.
    """
    import numpy as np

    c = _pairable(value_counts)
    if n_bootstrap <= 0 or len(c) == 0:
        return math.nan, math.nan
    patterns, _, freq = _unique_rows(c)
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(len(c), freq / freq.sum(), size=n_bootstrap)
    draws = _alpha_terms(patterns, weights)
    draws = draws[~np.isnan(draws)]
    if len(draws) == 0:
        return math.nan, math.nan
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.percentile(draws, [tail, 100.0 - tail])
    return float(low), float(high)


def percent_agreement(value_counts: Any) -> float:
    """Share of agreeing pairs among all pairs of ratings on the same unit (pooled)."""
    c = _pairable(value_counts)
    pairs = (c.sum(axis=1) * (c.sum(axis=1) - 1)).sum()
    return float((c * (c - 1)).sum() / pairs) if pairs else math.nan


def _agreement_frame(
    counts: np.ndarray, benchmarks: np.ndarray, *, seed: int, n_bootstrap: int
) -> pd.DataFrame:
    """One row per benchmark plus "overall".

    `n_items` / `n_ratings` count what alpha actually uses: items with >= 2 submitted
    verdicts and their verdicts. Each row bootstraps with a fresh rng from `seed`, so
    a benchmark's interval doesn't depend on which other benchmarks are in the run.
    """
    import pandas as pd

    rows = []
    groups = [(b, benchmarks == b) for b in sorted(set(benchmarks.tolist()))]
    groups.append(("overall", slice(None)))
    for name, sel in groups:
        c = _pairable(counts[sel])
        low, high = bootstrap_alpha(c, n_bootstrap=n_bootstrap, seed=seed)
        rows.append(
            {
                "benchmark": name,
                "n_items": len(c),
                "n_ratings": int(c.sum()),
                "alpha": alpha_nominal(c),
                "alpha_low": low,
                "alpha_high": high,
                "percent_agreement": percent_agreement(c),
            }
        )
    return pd.DataFrame(rows, columns=list(AGREEMENT_COLUMNS))


# --- resolve --------------------------------------------------------------------------


def _crowdkit_labels(
    method: str, item: np.ndarray, user: np.ndarray, label: np.ndarray, seed: int
) -> dict[int, str]:
    """Labels from a crowd-kit aggregator; fitted only on items with enough votes."""
    import pandas as pd
    from crowdkit import aggregation

    if len(item) == 0:
        return {}
    cls = getattr(aggregation, METHODS[method])  # type: ignore[arg-type]
    model = cls(random_state=seed) if method == "mace" else cls()
    data = pd.DataFrame({"task": item, "worker": user, "label": label})
    with warnings.catch_warnings():  # crowd-kit 1.4 uses pandas APIs pandas 3 deprecates
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        pred = model.fit_predict(data)
    return {int(k): str(v) for k, v in pred.items()}


def _utc_ns(series: pd.Series) -> np.ndarray:
    """Timestamps as int64 UTC ticks for ordering (naive ones are taken as UTC)."""
    import pandas as pd

    t = pd.to_datetime(series, utc=True).dt.tz_localize(None)
    return t.to_numpy().astype("int64")


def _latest_rows(
    rec: np.ndarray, user: np.ndarray, question: np.ndarray, t: np.ndarray
) -> np.ndarray | None:
    """Row positions keeping the latest row per (record, user, question), or None when
    every key is already unique (the contract with pull; this only guards against a
    pull that appends history instead of replacing it)."""
    import numpy as np

    n_u = int(user.max()) + 2 if len(user) else 1
    n_q = int(question.max()) + 2 if len(question) else 1
    key = (rec.astype(np.int64) * n_u + (user + 1)) * n_q + (question + 1)
    sorted_key = np.sort(key)
    if not (sorted_key[1:] == sorted_key[:-1]).any():
        return None
    order = np.lexsort((t, key))
    k = key[order]
    return np.sort(order[np.r_[k[1:] != k[:-1], True]])


def _lookup(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """Position of each value in `keys` (-1 when absent): Arrow's hash lookup, ~3x pandas'."""
    import pyarrow as pa
    import pyarrow.compute as pc

    found = pc.index_in(
        pa.array(values, type=pa.large_string()),
        value_set=pa.array(keys, type=pa.large_string()),
    )
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype("int64")


def _parse_json_dicts(texts: list[str | None]) -> list[dict[str, str] | None]:
    """Many small JSON objects at once: one json.loads call is ~2x faster than one each."""
    present = [t for t in texts if isinstance(t, str) and t]
    try:
        parsed = iter(json.loads("[" + ",".join(present) + "]"))
    except ValueError:  # a malformed one: let it raise on its own
        parsed = iter([json.loads(t) for t in present])
    return [next(parsed) if isinstance(t, str) and t else None for t in texts]


def _arrow_strings(column: pd.Series | None, n: int) -> pa.Array:
    """A string column as one Arrow array: per-item Python strings only when we ask."""
    import pyarrow as pa

    if column is None:
        return pa.nulls(n, type=pa.large_string())
    return pa.array(column, type=pa.large_string(), from_pandas=True)


def _spread(n: int, default: str, values: dict[int, str]) -> pa.Array:
    """An Arrow column of n strings: `default` everywhere except at the keys of `values`."""
    import numpy as np
    import pyarrow as pa

    take = np.zeros(n, dtype=np.int64)
    take[list(values)] = np.arange(1, len(values) + 1)
    return pa.array([default, *values.values()], type=pa.large_string()).take(take)


def _stale_rows(items: pd.DataFrame, resp: pd.DataFrame, rec: np.ndarray) -> np.ndarray:
    """Response rows cast on another text than the item's current one (see the rules).

    Unknown hashes (either side missing) are taken as current: older pulls and records
    pushed without a hash cannot tell, and dropping every vote would be worse.
    """
    import numpy as np
    import pandas as pd

    if "content_hash" not in items or "content_hash" not in resp or not len(resp):
        return np.zeros(len(resp), dtype=bool)
    current = items["content_hash"].to_numpy(dtype=object)[rec]
    cast_on = resp["content_hash"].to_numpy(dtype=object)
    known = ~(pd.isna(current) | pd.isna(cast_on))
    return known & (current != cast_on)


def verdict_codes(values: pd.Series) -> np.ndarray:
    """Each value's position in VERDICTS, -1 for anything else (not a vote).

    Compared on the whole column as it is stored: no string is copied (taking the verdict
    rows first copied every one of them) and no Python string is made per row.
    """
    import numpy as np

    codes = np.full(len(values), -1, dtype=np.int64)
    for j, label in enumerate(VERDICTS):
        codes[(values == label).to_numpy(dtype=bool, na_value=False)] = j
    return codes


def count_verdicts(
    item: np.ndarray, label: np.ndarray, n_items: int, weight: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Votes per item and label, and each item's plurality: (counts, tied, plural).

    With `weight` (a voter's weight per vote, e.g. from gold accuracy) the plurality and
    ties are on weighted votes; `counts` stays whole votes. The verdict step alone:
    benchmarks/bench_resolve.py runs it beside crowd-kit's MajorityVote on the same input.
    """
    import numpy as np

    k = len(VERDICTS)
    counts = np.bincount(item * k + label, minlength=n_items * k).reshape(n_items, k)
    weighed = counts
    if weight is not None and (weight < 1).any():
        weighed = np.bincount(item * k + label, weight, minlength=n_items * k)
        weighed = weighed.reshape(n_items, k)
    top = weighed.max(axis=1)
    tied = np.isclose(weighed, top[:, None]).sum(axis=1) > 1
    return counts, tied, weighed.argmax(axis=1)


def resolve(
    items: pd.DataFrame,
    responses: pd.DataFrame,
    *,
    min_votes: int,
    method: str = "majority",
    seed: int = 0,
    n_bootstrap: int = 1000,
    voter_weights: Mapping[str, float] | None = None,
) -> Resolution:
    """Decide every item's status and final text from the submitted responses.

    `voter_weights` (user_id -> weight, 1 when absent; from gold.vote_weights): a weight
    of 0 leaves a voter's verdicts and corrections out of every decision (they keep
    their credit), and one between 0 and 1 counts their verdict that much in the
    plurality (majority only; they still count towards `min_votes`).
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    if min_votes < 1:
        raise ValueError(f"min_votes must be >= 1, got {min_votes}")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: choose one of {', '.join(METHODS)}")

    items = items.reset_index(drop=True)
    n_items = len(items)
    rid = pd.Index(items["record_id"].astype(str))
    if not rid.is_unique:
        raise ValueError("items has duplicated record_id values")
    bench_of = items["benchmark"].astype(str).to_numpy(dtype=object)

    # --- integer codes for everything we group by ------------------------------------
    resp = responses.reset_index(drop=True)
    rec = _lookup(resp["record_id"].astype(str), items["record_id"].astype(str))
    orphans = int((rec < 0).sum())
    if orphans:
        resp, rec = resp[rec >= 0].reset_index(drop=True), rec[rec >= 0]
    stale = _stale_rows(items, resp, rec)
    n_stale = np.zeros(n_items, dtype=np.int64)
    if stale.any():
        voted = stale & (resp["status"].astype(str) == "submitted").to_numpy(dtype=bool)
        voted &= (resp["question"].astype(str) == Q_VERDICT).to_numpy(dtype=bool)
        n_stale = np.bincount(rec[voted], minlength=n_items).astype(np.int64)
        resp, rec = resp[~stale].reset_index(drop=True), rec[~stale]
    user, users = pd.factorize(resp["user_id"].astype(str))
    question, _ = pd.factorize(resp["question"])
    when = _utc_ns(resp["updated_at"]) if len(resp) else np.zeros(0, dtype=np.int64)
    keep = _latest_rows(rec, user, question, when)
    if keep is not None:
        resp = resp.iloc[keep].reset_index(drop=True)
        rec, user, when = rec[keep], user[keep], when[keep]
    status = resp["status"].astype(str)
    submitted = (status == "submitted").to_numpy(dtype=bool)
    asked = resp["question"].astype(str)
    names = _display_names(resp["username"].astype(str), user, when, len(users))

    # --- verdict votes: counts[item, label] ---------------------------------------------
    v_rows = np.flatnonzero(submitted & (asked == Q_VERDICT).to_numpy(dtype=bool))
    v_label = verdict_codes(resp["value"])[v_rows]
    v_rows = v_rows[v_label >= 0]  # unknown or empty labels are not votes
    v_label = v_label[v_label >= 0]
    v_item, v_user = rec[v_rows], user[v_rows]
    credit = (v_item, v_user, v_label)  # every vote earns credit, whatever its weight
    v_weight = _voter_weights(users, voter_weights)[v_user]
    n_left_out = np.zeros(n_items, dtype=np.int64)
    if (v_weight <= 0).any():  # left out by the gold threshold: not a vote at all
        counted = v_weight > 0
        n_left_out = np.bincount(v_item[~counted], minlength=n_items)
        v_rows, v_label, v_item, v_user = (a[counted] for a in (v_rows, v_label, v_item, v_user))
        v_weight = v_weight[counted]
    counts, tied, plural = count_verdicts(v_item, v_label, n_items, v_weight)
    n_sub = counts.sum(axis=1)
    enough = n_sub >= min_votes

    winner = np.where(enough & ~tied, plural, -1)
    low_conf = np.zeros(n_items, dtype=bool)
    if METHODS[method] is not None:
        sel = enough[v_item]
        labels = _crowdkit_labels(
            method,
            v_item[sel],
            users.to_numpy()[v_user[sel]],
            np.asarray(VERDICTS, dtype=object)[v_label[sel]],
            seed,
        )
        code_of = {v: i for i, v in enumerate(VERDICTS)}
        winner = np.full(n_items, -1)
        for i, lab in labels.items():
            winner[i] = code_of[lab]
        # the model overruled a plurality or broke a tie: worth a second look
        low_conf = (winner >= 0) & (tied | (winner != plural))

    share_of = np.where(
        winner >= 0, counts[np.arange(n_items), np.maximum(winner, 0)], counts.max(axis=1)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        agreement = np.where(n_sub > 0, share_of / np.maximum(n_sub, 1), np.nan)

    status_of_code = np.array([STATUS_OF_VERDICT[v] for v in VERDICTS] + [""], dtype=object)
    item_status = status_of_code[winner]
    item_status[~enough] = "unannotated"
    item_status[enough & (winner < 0)] = "needs_review"
    verdict = np.array([*VERDICTS, None], dtype=object)[winner]

    # --- final text: the MT unless a correction wins -------------------------------------
    # Texts stay in Arrow; Python strings and dicts exist for one chunk of items at a time.
    mt = _arrow_strings(items["segments"], n_items)
    english = _arrow_strings(items.get("original"), n_items)
    final: dict[int, str] = {}
    changed: dict[int, str] = {}
    issues: dict[int, list[str]] = {
        int(i): ["verdict_tie"] for i in np.flatnonzero(enough & (winner < 0))
    }
    for i in np.flatnonzero(n_stale):  # a warning: say why an item lacks votes
        issues.setdefault(int(i), []).insert(0, f"stale_votes:{int(n_stale[i])}")
    for i in np.flatnonzero(n_left_out):  # a warning too: votes the gold threshold left out
        issues.setdefault(int(i), []).insert(0, f"left_out_votes:{int(n_left_out[i])}")

    # the texts of the annotators who voted "corrected", in submission order, per item
    corrected_items = np.flatnonzero(item_status == "corrected")
    voters = (item_status == "corrected")[v_item] & (v_label == VERDICTS.index("corrected"))
    c_rows = np.flatnonzero(submitted & (asked == Q_CORRECTION).to_numpy(dtype=bool))
    texts = pd.DataFrame({"i": rec[c_rows], "u": user[c_rows], "text": resp["value"].iloc[c_rows]})
    who = pd.DataFrame({"i": v_item[voters], "u": v_user[voters], "t": when[v_rows][voters]})
    merged = who.merge(texts, on=["i", "u"], how="left").sort_values(["i", "t", "u"], kind="stable")
    text_item = merged["i"].to_numpy()
    text_all = _arrow_strings(merged["text"], len(merged))

    for lo in range(0, len(corrected_items), _CHUNK):
        chunk = corrected_items[lo : lo + _CHUNK]
        first = np.searchsorted(text_item, chunk[0], side="left")
        last = np.searchsorted(text_item, chunk[-1], side="right")
        chunk_texts = text_all.slice(first, last - first).to_pylist()
        bounds = np.searchsorted(text_item[first:last], chunk, side="left")
        bounds = np.r_[bounds, last - first]
        mts = _parse_json_dicts(mt.take(chunk).to_pylist())
        ens = _parse_json_dicts(english.take(chunk).to_pylist())
        for j, i in enumerate(chunk.tolist()):
            # (no text at all: a model picked "corrected" nobody voted -> correction_missing)
            mt_seg = mts[j]
            choice = choose_correction(mt_seg, chunk_texts[bounds[j] : bounds[j + 1]])
            found = list(choice.issues)
            if choice.segments is not None:
                seg = choice.segments
                found += correction_issues(seg, mt_seg, ens[j])
                if not blocks(found):  # a rejected correction never becomes the final text
                    final[i] = _dumps(seg)
                    changed[i] = _dumps([n for n in seg if seg[n] != mt_seg.get(n)])
            low_conf[i] |= choice.low_confidence
            if found:
                issues.setdefault(i, []).extend(found)
                if blocks(found):
                    item_status[i] = "needs_review"

    # validated items publish the MT: check it too, but annotators approved it -> warnings
    validated_items = np.flatnonzero(item_status == "validated")
    for lo in range(0, len(validated_items), _CHUNK):
        chunk = validated_items[lo : lo + _CHUNK]
        for i, seg in zip(
            chunk.tolist(), _parse_json_dicts(mt.take(chunk).to_pylist()), strict=True
        ):
            if seg is not None and not _plainly_fine(seg):
                en = english[i].as_py()
                found = check_integrity(seg, seg, json.loads(en) if en else None)
                if found:
                    issues.setdefault(i, []).extend(found)

    # --- provenance columns (built in Arrow, no Python string per item) -------------------
    patterns, inverse, _ = _unique_rows(counts)
    votes_json = _take_strings(
        [_dumps({VERDICTS[j]: int(c) for j, c in enumerate(p) if c}) for p in patterns], inverse
    )
    annotators_json = _name_lists(v_item, v_user, names, n_items)
    e_rows = np.flatnonzero(submitted & (asked == Q_ERRORS).to_numpy(dtype=bool))
    errors_json = _error_categories(resp["value"].iloc[e_rows], rec[e_rows], n_items)

    # discards: count annotators, not rows (a discarded response may hold several questions)
    disc = (status == "discarded").to_numpy(dtype=bool)
    pairs = np.unique(rec[disc].astype(np.int64) * max(len(users), 1) + user[disc])
    n_discarded = np.bincount(pairs // max(len(users), 1), minlength=n_items)

    mask = np.zeros(n_items, dtype=bool)
    mask[list(final)] = True
    patch = pa.array([final[i] for i in sorted(final)], type=pa.large_string())
    final_json = pc.replace_with_mask(mt, mask, patch) if final else mt
    issues_json = _spread(n_items, "[]", {i: _dumps(found) for i, found in issues.items()})

    out = pd.DataFrame(
        {
            "record_id": items["record_id"].astype(str),
            "benchmark": items["benchmark"].astype(str),
            "item_key": items["item_key"].astype(str),
            "status": item_status,
            "verdict": verdict,
            "n_submitted": n_sub.astype(np.int64),
            "n_discarded": n_discarded.astype(np.int64),
            "n_stale": n_stale,
            "votes": _str_series(votes_json),
            "agreement": agreement.astype(np.float64),
            "low_confidence": low_conf,
            "annotators": _str_series(annotators_json),
            "error_categories": _str_series(errors_json),
            "mt_segments": _str_series(mt),
            "final_segments": _str_series(final_json),
            "changed_segments": _str_series(_spread(n_items, "[]", changed)),
            "issues": _str_series(issues_json),
        },
        columns=list(ITEM_COLUMNS),
    )

    per_user = _annotator_frame(
        names=names,
        users=users,
        user=user,
        rec=rec,
        status=status,
        v_item=credit[0],
        v_user=credit[1],
        v_label=credit[2],
        winner=winner,
        bench_of=bench_of,
    )
    return Resolution(
        items=out,
        agreement=_agreement_frame(counts, bench_of, seed=seed, n_bootstrap=n_bootstrap),
        annotators=per_user,
        method=method,
        min_votes=min_votes,
        orphan_responses=orphans,
        params={"seed": seed, "n_bootstrap": n_bootstrap},
    )


def _voter_weights(users: pd.Index, weights: Mapping[str, float] | None) -> np.ndarray:
    """Each factorized user's vote weight (1 unless `weights` names them)."""
    import numpy as np

    out = np.ones(len(users), dtype=np.float64)
    for i, uid in enumerate(users):
        if weights and str(uid) in weights:
            out[i] = max(float(weights[str(uid)]), 0.0)
    return out


def _take_strings(values: list[str], index: np.ndarray) -> pa.Array:
    """Arrow column whose row r is values[index[r]] (index -1: null)."""
    import numpy as np
    import pyarrow as pa

    index = np.asarray(index, dtype=np.int64)
    return pa.array(values, type=pa.large_string()).take(pa.array(index, mask=index < 0))


def _str_series(arr: pa.Array) -> pd.Series:
    """An Arrow string column as a pandas string Series (zero-copy on pandas 3)."""
    import pandas as pd

    return pd.Series(arr, dtype="str")


def _name_lists(item: np.ndarray, user: np.ndarray, names: np.ndarray, n_items: int) -> pa.Array:
    """JSON list of the (sorted) annotator names per item, joined by Arrow column-wise.

    Items have a handful of annotators: the k-th names of all items form one column,
    and Arrow joins the columns, so no Python string is built per item.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    quoted = [_dumps(n) for n in names]
    if not len(item):
        return _take_strings(["[]"], np.zeros(n_items, dtype=np.int64))
    rank = np.empty(len(names), dtype=np.int64)
    rank[np.argsort(names.astype(str), kind="stable")] = np.arange(len(names))
    order = np.lexsort((rank[user], item))
    item, user = item[order], user[order]
    start = np.flatnonzero(np.r_[True, item[1:] != item[:-1]])
    pos = np.arange(len(item)) - np.repeat(start, np.diff(np.r_[start, len(item)]))

    def big(text: str) -> pa.Scalar:
        return pa.scalar(text, type=pa.large_string())

    columns = [big("[")]
    for j in range(int(pos.max()) + 1):
        at = pos == j
        who = np.full(n_items, -1, dtype=np.int64)
        who[item[at]] = user[at]
        names_j = quoted if j == 0 else [", " + q for q in quoted]
        columns.append(pc.fill_null(_take_strings(names_j, who), big("")))
    return pc.binary_join_element_wise(*columns, big("]"), big(""))


def _plainly_fine(seg: dict[str, str]) -> bool:
    """Cheap pre-check for the common case: no empty segment, all choices distinct."""
    choices = [normalize_text(t) for n, t in seg.items() if n not in NON_CHOICE_SEGMENTS]
    return all(t.strip() for t in seg.values()) and len(set(choices)) == len(choices)


def _display_names(
    usernames: pd.Series, user: np.ndarray, when: np.ndarray, n_users: int
) -> np.ndarray:
    """One name per user id: the latest username seen (ids are stable, names may change)."""
    import numpy as np
    import pandas as pd

    out = np.empty(n_users, dtype=object)
    if n_users:
        last = pd.Series(when).groupby(user, sort=False).idxmax()  # row of the latest
        out[last.index.to_numpy()] = usernames.iloc[last.to_numpy()].to_numpy(dtype=object)
    return out


def _error_categories(values: pd.Series, rec: np.ndarray, n_items: int) -> pa.Array:
    """category -> count per item, as JSON; each distinct JSON list is parsed only once."""
    import numpy as np
    import pandas as pd

    out = _take_strings(["{}"], np.zeros(n_items, dtype=np.int64))
    codes, uniques = pd.factorize(values)  # missing values get code -1
    cats: dict[str, int] = {c: j for j, c in enumerate(ERROR_CATEGORIES)}
    lists: list[list[int]] = []
    for text in uniques:
        try:
            val = json.loads(text)
        except (TypeError, ValueError):
            val = []  # not a JSON list: nothing we can count
        val = val if isinstance(val, list) else []
        lists.append([cats.setdefault(str(c), len(cats)) for c in dict.fromkeys(val)])
    ok = codes >= 0
    codes, rec = codes[ok], rec[ok]
    lengths = np.array([len(x) for x in lists], dtype=np.int64)[codes] if lists else codes
    if not len(codes) or not lengths.sum():
        return out
    flat = np.array([c for x in lists for c in x], dtype=np.int64)
    offsets = np.r_[0, np.cumsum([len(x) for x in lists])][codes]
    pos = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    cat = flat[np.repeat(offsets, lengths) + pos]
    item = np.repeat(rec, lengths)
    counts = np.bincount(item * len(cats) + cat, minlength=n_items * len(cats))
    counts = counts.reshape(n_items, len(cats))
    # known categories in question order, then unknown ones alphabetically
    names = list(cats)
    order = list(range(len(ERROR_CATEGORIES))) + sorted(
        range(len(ERROR_CATEGORIES), len(cats)), key=names.__getitem__
    )
    patterns, inverse, _ = _unique_rows(counts)
    rendered = [_dumps({names[j]: int(p[j]) for j in order if p[j]}) for p in patterns]
    return _take_strings(rendered, inverse)


def _annotator_frame(
    *,
    names: np.ndarray,
    users: pd.Index,
    user: np.ndarray,
    rec: np.ndarray,
    status: pd.Series,
    v_item: np.ndarray,
    v_user: np.ndarray,
    v_label: np.ndarray,
    winner: np.ndarray,
    bench_of: np.ndarray,
) -> pd.DataFrame:
    """Per annotator: work done (for credit) and agreement with the consensus (for QA).

    Agreement is scored only on items that got a verdict, so ties and items below
    min_votes neither reward nor punish anyone.
    """
    import numpy as np
    import pandas as pd

    n_u = len(users)
    if n_u == 0:
        return pd.DataFrame(columns=list(ANNOTATOR_COLUMNS))

    def distinct_records(mask: np.ndarray) -> np.ndarray:
        stride = len(bench_of) + 1
        pairs = np.unique(user[mask].astype(np.int64) * stride + rec[mask])
        return np.bincount(pairs // stride, minlength=n_u)

    resolved = winner[v_item] >= 0
    match = v_label[resolved] == winner[v_item][resolved]
    judged = np.bincount(v_user[resolved], minlength=n_u)
    agreed = np.bincount(v_user[resolved], weights=match, minlength=n_u)
    with np.errstate(divide="ignore", invalid="ignore"):
        agree = np.where(judged > 0, agreed / np.maximum(judged, 1), np.nan)

    bench_codes, bench_names = pd.factorize(bench_of)
    per = np.bincount(
        v_user * len(bench_names) + bench_codes[v_item], minlength=n_u * len(bench_names)
    ).reshape(n_u, len(bench_names))
    by_name = np.argsort(np.asarray(bench_names, dtype=str))
    per_benchmark = [
        _dumps({str(bench_names[b]): int(row[b]) for b in by_name if row[b]}) for row in per
    ]

    frame = pd.DataFrame(
        {
            "username": names,
            "user_id": np.asarray(users, dtype=object),
            "submitted": np.bincount(v_user, minlength=n_u).astype(np.int64),
            "drafts": distinct_records((status == "draft").to_numpy(dtype=bool)),
            "discarded": distinct_records((status == "discarded").to_numpy(dtype=bool)),
            "agreement_with_consensus": agree.astype(np.float64),
            "per_benchmark": per_benchmark,
        },
        columns=list(ANNOTATOR_COLUMNS),
    )
    return frame.sort_values(["submitted", "username"], ascending=[False, True]).reset_index(
        drop=True
    )
