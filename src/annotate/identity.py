"""Which Argilla record is which item: identities that survive edits of the source.

Items with an id column are their id. Items without one (TruthfulQA, HellaSwag without
`ind`, generic tables without `id`) get a key from a hash of their normalised first text
(`adapters.generated_key`), so reordering the file or deleting other rows changes no
key; rows that share that text are told apart by the rest of their content, then by
order (`disambiguate`).

A typo fix in the question still changes such a key, and campaigns pushed before these
keys existed have positional ones (`tqa-<row>-<hash>`). So push and resolve both run
`match_identities(items, records)` against the records that exist, and an item takes
over the record it matches (its key becomes the record's key): its votes, its queue
position and its record id stay. Matching, in order, each step one-to-one:

1. same record id;
2. only between items with generated keys and records with generated keys (ids are
   never second-guessed): the same content hash, then the same normalised texts, the
   same first text (a choice was edited), the same other texts (the question was
   edited), each only when the value is unique on both sides;
3. text similarity (cosine of accent-folded character trigrams, idf-weighted): kept
   when the pair are each other's best match, at least `SAME` alike, and clearly ahead
   of every other candidate on both sides (`_confident`).

An item left over that is at least `SIMILAR` to a leftover record is *doubtful*: push
stops and names the row rather than create a second record for what may be the same
item (`--accept-new` creates it). Anything else left over is new. Records no item
took are `vanished`: resolve counts their votes and says so.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from annotate.model import Item, parse_correction

# Measured on the bundled TruthfulQA-es (789 items): a typo in the question scores
# >= 0.96 against the old text (a typo in *every* text and " (rev)": 0.69 at the 1st
# percentile); but two *different* items can score 0.94 (TruthfulQA repeats questions
# with another place name), which is why a match needs a clear lead, not only a score.
SAME = 0.7
MARGIN = 0.1
SIMILAR = 0.5

# `<prefix>-<10 hex>` (+ `-<6 hex>` content, + `-<n>` order) today; `<prefix>-<row>-<8 hex>`
# before (positional keys of campaigns pushed earlier).
_GENERATED = re.compile(
    r"^(?:tqa|hs|row)-(?:[0-9a-f]{10}(?:-[0-9a-f]{6})?(?:-\d+)?|\d+-[0-9a-f]{8})$"
)
_MARKER = re.compile(r"^\[\[([A-Za-z0-9_.-]+)\]\][ \t]*$", re.MULTILINE)


def normalise(text: str) -> str:
    """What keys and fingerprints compare: NFKC, case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def short_hash(text: str, n: int) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]


def is_generated(key: str) -> bool:
    """True for keys made from content (now or by an earlier version), not from an id."""
    return bool(_GENERATED.match(key))


def disambiguate(items: Sequence[Item]) -> list[Item]:
    """Tell apart generated keys that collide (rows with the same first text).

    Each colliding item gets `-<hash of all its normalised texts>`; rows identical in
    every text also get `-2`, `-3`... in source order (they are interchangeable).
    """
    counts = Counter(it.key for it in items if is_generated(it.key))
    out: list[Item] = []
    seen: Counter[str] = Counter()
    for it in items:
        if counts.get(it.key, 0) < 2:
            out.append(it)
            continue
        key = f"{it.key}-{short_hash(_joined(it.segments), 6)}"
        seen[key] += 1
        if seen[key] > 1:
            key = f"{key}-{seen[key]}"
        out.append(dataclasses.replace(it, key=key))
    return out


def _joined(segments: Mapping[str, str]) -> str:
    return "\n".join(f"{name}\t{normalise(text)}" for name, text in segments.items())


# --- the records that exist -------------------------------------------------------------


@dataclass(frozen=True)
class Existing:
    """A record as Argilla (or a pull snapshot) has it: id, content hash, texts."""

    record_id: str
    content_hash: str | None = None
    segments: dict[str, str] | None = None


def segments_of(suggestion: str | None) -> dict[str, str] | None:
    """A record's texts, read back from the correction suggestion push wrote."""
    if not isinstance(suggestion, str):
        return None
    names = _MARKER.findall(suggestion)
    return parse_correction(suggestion, names) if names else None


def existing_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[Existing]:
    """Records from dicts with `record_id`, `content_hash`, `suggestion` (snapshot rows)."""
    out = []
    for row in rows:
        h = row.get("content_hash")
        out.append(
            Existing(
                record_id=str(row["record_id"]),
                content_hash=h if isinstance(h, str) else None,
                segments=segments_of(row.get("suggestion")),
            )
        )
    return out


# --- matching -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Doubt:
    """An item that resembles a leftover record too much to be new, too little to be it."""

    item: Item
    record_id: str
    similarity: float


@dataclass
class IdentityMatch:
    """items[i] -> record id (matched), and what is left on each side."""

    record_of: dict[int, str] = field(default_factory=dict)
    new: list[int] = field(default_factory=list)
    doubtful: list[Doubt] = field(default_factory=list)
    vanished: list[str] = field(default_factory=list)
    how: Counter[str] = field(default_factory=Counter)


def _unique_pairs(items: dict[int, Any], records: dict[str, Any]) -> list[tuple[int, str]]:
    """Pairs whose fingerprint occurs exactly once on each side (None never pairs)."""
    by_item: dict[Any, list[int]] = defaultdict(list)
    by_rec: dict[Any, list[str]] = defaultdict(list)
    for i, fp in items.items():
        if fp is not None:
            by_item[fp].append(i)
    for r, fp in records.items():
        if fp is not None:
            by_rec[fp].append(r)
    return [
        (ids[0], by_rec[fp][0])
        for fp, ids in by_item.items()
        if len(ids) == 1 and len(by_rec.get(fp, ())) == 1
    ]


def _fingerprints(segments: Mapping[str, str] | None) -> dict[str, Any]:
    if segments is None:
        return {"texts": None, "first": None, "rest": None}
    names = tuple(segments)
    norm = tuple(normalise(t) for t in segments.values())
    return {
        "texts": (names, norm),
        "first": norm[0] if norm else None,  # choices may have been added or removed
        "rest": (names, norm[1:]) if len(norm) > 1 else None,
    }


def _features(text: str) -> Counter[str]:
    """Character trigrams of the accent-folded, case-folded text (spaces collapsed)."""
    folded = unicodedata.normalize("NFKD", normalise(text))
    folded = f" {''.join(ch for ch in folded if not unicodedata.combining(ch))} "
    return Counter(folded[i : i + 3] for i in range(len(folded) - 2))


def _similarities(
    items: dict[int, str], records: dict[str, str], corpus: Sequence[str]
) -> tuple[list[int], list[str], Any]:
    """Cosine similarity of idf-weighted trigram vectors (idf from the whole benchmark).

    Returns (item keys, record keys, dense matrix items x records). Only items and
    records left over by the exact steps get here; in the worst case (every TruthfulQA
    item edited in every text, 789 x 789) this takes about 2 s, mostly building the
    trigram vectors in Python (the product is scipy's).
    """
    import numpy as np
    from scipy import sparse

    feats: dict[str, Counter[str]] = {}
    df: Counter[str] = Counter()
    for text in corpus:
        if text not in feats:
            feats[text] = _features(text)
        df.update(feats[text].keys())
    n = len(corpus)
    vocab: dict[str, int] = {}

    def matrix(texts: Iterable[str]) -> Any:
        rows, cols, vals = [], [], []
        count = 0
        for r, text in enumerate(texts):
            count += 1
            for g, c in (feats.get(text) or _features(text)).items():
                rows.append(r)
                cols.append(vocab.setdefault(g, len(vocab)))
                vals.append(c * (math.log((1 + n) / (1 + df.get(g, 0))) + 1.0))
        m = sparse.csr_matrix((vals, (rows, cols)), shape=(count, max(len(vocab), 1)))
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.diags(1.0 / norms) @ m

    ikeys, rkeys = list(items), list(records)
    im = matrix(items[i] for i in ikeys)
    rm = matrix(records[r] for r in rkeys)
    width = max(im.shape[1], rm.shape[1])
    im.resize((im.shape[0], width))
    rm.resize((rm.shape[0], width))
    return ikeys, rkeys, (im @ rm.T).toarray()


def _confident(best: float, second: float, same: float, margin: float) -> bool:
    """Clearly the best: alike enough, and ahead of the runner-up by `margin`, or at
    least three times closer to it (near-duplicate items can both score above 0.9)."""
    lead = best - second
    return best >= same and (lead >= margin or (lead >= 0.02 and 1 - second >= 3 * (1 - best)))


def match_identities(
    items: Sequence[Item],
    records: Sequence[Existing],
    *,
    same: float = SAME,
    margin: float = MARGIN,
    similar: float = SIMILAR,
) -> IdentityMatch:
    """Match items to existing records (see the module docstring). Pure."""
    result = IdentityMatch()
    known = {r.record_id: r for r in records}
    taken: set[str] = set()
    for i, it in enumerate(items):
        if it.record_id in known:
            result.record_of[i] = it.record_id
            taken.add(it.record_id)
            result.how["id"] += 1

    def key_of(rid: str) -> str:
        return rid.split(":", 1)[-1]

    free_items = {
        i: it for i, it in enumerate(items) if i not in result.record_of and is_generated(it.key)
    }
    prefix = {f"{it.benchmark}:" for it in items}
    free_recs = {
        r.record_id: r
        for r in records
        if r.record_id not in taken
        and is_generated(key_of(r.record_id))
        and any(r.record_id.startswith(p) for p in prefix)
    }

    def take(pairs: list[tuple[int, str]], how: str) -> None:
        for i, rid in pairs:
            result.record_of[i] = rid
            free_items.pop(i)
            free_recs.pop(rid)
            result.how[how] += 1

    take(
        _unique_pairs(
            {i: it.content_hash for i, it in free_items.items()},
            {r: rec.content_hash for r, rec in free_recs.items()},
        ),
        "content",
    )
    for name in ("texts", "first", "rest"):
        take(
            _unique_pairs(
                {i: _fingerprints(it.segments)[name] for i, it in free_items.items()},
                {r: _fingerprints(rec.segments)[name] for r, rec in free_recs.items()},
            ),
            name,
        )

    comparable = {r: rec for r, rec in free_recs.items() if rec.segments is not None}
    if free_items and comparable:
        itexts = {i: "\n".join(it.segments.values()) for i, it in free_items.items()}
        rtexts = {r: "\n".join(rec.segments.values()) for r, rec in comparable.items()}
        corpus = ["\n".join(it.segments.values()) for it in items] + list(rtexts.values())
        ikeys, rkeys, sim = _similarities(itexts, rtexts, corpus)
        pairs = []
        for a, i in enumerate(ikeys):
            row = sim[a]
            b = int(row.argmax())
            col = sim[:, b]
            if int(col.argmax()) != a:
                continue
            second_i = _second(row, b)
            second_r = _second(col, a)
            if _confident(row[b], max(second_i, second_r), same, margin):
                pairs.append((i, rkeys[b]))
        take(pairs, "similar")
        left = [b for b, r in enumerate(rkeys) if r in free_recs]
        for a, i in enumerate(ikeys):
            if i not in free_items:
                continue
            best = max(left, key=lambda b, a=a: sim[a, b], default=None)
            if best is not None and sim[a, best] >= similar:
                result.doubtful.append(Doubt(items[i], rkeys[best], round(float(sim[a, best]), 3)))
            else:
                result.new.append(i)
    else:
        result.new = sorted(free_items)
    result.new += [
        i for i in range(len(items)) if i not in result.record_of and i not in free_items
    ]
    result.new.sort()
    used = set(result.record_of.values())
    result.vanished = sorted(r.record_id for r in records if r.record_id not in used)
    return result


def _second(values: Any, skip: int) -> float:
    """The largest value but the one at `skip` (0 when there is none)."""
    if len(values) < 2:
        return 0.0
    rest = values.copy()
    rest[skip] = -1.0
    return float(rest.max())


def rekey(items: Sequence[Item], match: IdentityMatch) -> list[Item]:
    """Items that matched a record take its key, so `item.record_id` is that record's id."""
    out = []
    for i, it in enumerate(items):
        rid = match.record_of.get(i)
        if rid is not None and rid != it.record_id:
            it = dataclasses.replace(it, key=rid[len(it.benchmark) + 1 :])
        out.append(it)
    return out


__all__ = [
    "Doubt",
    "Existing",
    "IdentityMatch",
    "disambiguate",
    "existing_from_rows",
    "is_generated",
    "match_identities",
    "normalise",
    "rekey",
    "segments_of",
]
