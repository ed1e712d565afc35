"""Gold items: items whose right answer the organizers know, mixed into the annotators' queues.

Why: agreement with the crowd cannot tell a careless annotator from a lone careful one on
a hard item; an item whose verdict is known can (WMT scores every annotator on control
items). Gold items are pushed into the benchmark's own dataset looking like any other
item (same fields, same visible metadata, a record id of the benchmark's own kind; the
only thing telling them apart lives in the campaign's config), so nobody can answer
them with special care. They are never benchmark items: resolve, coverage, the published
benchmark, its responses and its lm-eval tasks never see them.

The gold file (`gold.path`: .jsonl, .json, .parquet, .csv) holds one row per gold item,
in the benchmark's own source schema (the columns its adapter reads, as in the
translation file) plus:

* `benchmark`: the name of the config benchmark it is mixed into;
* `gold_verdict`: `correct`, `corrected` or `unusable`;
* `gold_text` (only with `corrected`): the accepted correction, either a mapping of
  segment names to texts (`{"question": "...", "B": "..."}`; segments not given keep the
  machine translation) or the correction-box text with its `[[name]]` marker lines;
* `gold_original` (optional): the English original row, in the original's schema, when
  the benchmark shows originals (a gold item without one would stand out).

Every bad row stops with one line naming the file, the row (counted from 1: the line of a
.jsonl file without blank lines) and the key.

What counts as right (`judge`): the gold verdict; for a `corrected` gold item, the vote
`corrected` whose correction changes at least one of the segments the accepted text
fixes. Not closeness to the accepted wording: a sentence has many right translations,
and punishing another right one would flag careful people; but "corrected" with the box
left as the machine translation (a phantom correction) or a fix somewhere else did not
find the error, so it is wrong.

The threshold (`gold.min_accuracy`): once an annotator has answered `gold.min_seen` gold
items, an accuracy below it makes their verdicts on benchmark items count for nothing
(`mode: exclude`: as if they had not voted) or for their accuracy (`mode: weight`, with
`resolution.method: majority`: a vote weighs e.g. 0.4 in the plurality, and still counts
towards `min_votes`). Their submissions stay credited: the threshold decides whose
judgement settles items, not who worked.

`gold.from_reviews` adds the items reviewers settled (review.settled_by_reviewers) as gold
items on the benchmark items they are: scored like the rest, and still benchmark items.

Everything here is a pure function of rows and tables, tested without a server, but for
the few helpers at the end that read the campaign's config and workdir. Cost: `view` on
1.2M response rows (400k verdicts, 300 gold items, 2,000 annotators) took 2.6 s on the
shared 2-core machine (load 7), where resolve itself takes about 5 s.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from annotate.errors import ConfigError
from annotate.model import Q_CORRECTION, Q_VERDICT, VERDICTS, Item, parse_correction

if TYPE_CHECKING:
    import pandas as pd

# The keys a gold row adds to the benchmark's own schema.
BENCHMARK_KEY = "benchmark"
VERDICT_KEY = "gold_verdict"
TEXT_KEY = "gold_text"
ORIGINAL_KEY = "gold_original"
GOLD_KEYS: tuple[str, ...] = (BENCHMARK_KEY, VERDICT_KEY, TEXT_KEY, ORIGINAL_KEY)


TABLE_COLUMNS: tuple[str, ...] = ("user_id", "username", "seen", "right", "accuracy")


@dataclass(frozen=True)
class GoldItem:
    """One gold item: the Item pushed like any other, and its known answer."""

    item: Item
    verdict: str
    text: dict[str, str] | None = None  # the accepted segments (all of them), if corrected
    row: int = 0  # 1-based row in the gold file, for messages
    # from reviews: the reviewer who settled it; their own vote on it is not scored (an
    # annotator who reviewed the item would be marked right by their own decision)
    reviewer_id: str = ""

    @property
    def record_id(self) -> str:
        return self.item.record_id


@dataclass(frozen=True)
class BenchmarkShape:
    """What parsing a gold row needs to know about its benchmark."""

    adapter: Any
    split: str
    with_original: bool


# --- the gold file ----------------------------------------------------------------------


def _fail(label: str, row: int, key: str | None, message: str, hint: str | None = None):
    where = f"{label}: row {row}" + (f": {key}" if key else "")
    return ConfigError(f"{where}: {message}", hint)


def _accepted_text(value: Any, segments: Mapping[str, str], fail: Any) -> dict[str, str]:
    """`gold_text` (a mapping or the correction-box text) -> every segment's accepted text."""
    names = list(segments)
    if isinstance(value, str):
        parsed = parse_correction(value, names)
        if parsed is None:
            raise fail(
                TEXT_KEY,
                "the text's [[name]] marker lines do not match the item's segments "
                f"({', '.join(names)})",
            )
        accepted = parsed
    elif isinstance(value, Mapping):
        unknown = [str(k) for k in value if k not in segments]
        if unknown:
            raise fail(
                TEXT_KEY, f"no segment named {unknown[0]!r} (the item has: {', '.join(names)})"
            )
        bad = [k for k, v in value.items() if not isinstance(v, str)]
        if bad:
            raise fail(f"{TEXT_KEY}.{bad[0]}", "expected text")
        accepted = {n: value.get(n, t) for n, t in segments.items()}
    else:
        raise fail(TEXT_KEY, "expected a mapping of segment names to texts, or the correction text")
    from annotate.resolve import blocks, correction_issues, normalize_text

    # as resolve finalises a correction: a spacing-only edit keeps the machine translation
    accepted = {
        n: t if normalize_text(accepted[n]) == normalize_text(t) else accepted[n]
        for n, t in segments.items()
    }
    found = correction_issues(accepted, dict(segments), None)
    if blocks(found):
        raise fail(TEXT_KEY, f"not a usable correction ({', '.join(found)})")
    return accepted


def _given(row: Mapping[str, Any], key: str) -> Any:
    """A row's optional value, None when absent or blank: a CSV (a spreadsheet's export)
    has every column on every row, so an empty cell means "not given"."""
    value = row.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def parse_gold(
    rows: Sequence[Any], shapes: Mapping[str, BenchmarkShape], *, label: str
) -> list[GoldItem]:
    """Gold rows -> GoldItems; the first bad row raises a one-line ConfigError.

    `shapes` maps each config benchmark's name to its adapter, split and whether it shows
    originals; `label` names the file in messages (e.g. "gold.path: /c/gold.jsonl").
    """
    from annotate.adapters import Mismatch, RowError

    out: list[GoldItem] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        number = index + 1

        def fail(key: str | None, message: str, hint: str | None = None, n: int = number):
            return _fail(label, n, key, message, hint)

        if not isinstance(row, Mapping):
            raise fail(None, f"expected an object, got {type(row).__name__}")
        bench = row.get(BENCHMARK_KEY)
        if bench is None:
            raise fail(BENCHMARK_KEY, "required key missing", f"one of: {', '.join(shapes)}")
        if not isinstance(bench, str) or bench not in shapes:
            raise fail(BENCHMARK_KEY, f"no benchmark {bench!r} in the config", ", ".join(shapes))
        verdict = row.get(VERDICT_KEY)
        if verdict is None:
            raise fail(VERDICT_KEY, "required key missing", f"one of: {', '.join(VERDICTS)}")
        if verdict not in VERDICTS:
            raise fail(
                VERDICT_KEY, f"{verdict!r} is not a verdict", f"one of: {', '.join(VERDICTS)}"
            )
        shape = shapes[bench]
        source = {k: v for k, v in row.items() if k not in GOLD_KEYS}
        try:
            item = shape.adapter.to_item(source, index, bench, shape.split)
        except RowError as exc:
            raise fail(None, exc.message) from None
        original = _given(row, ORIGINAL_KEY)
        if original is not None:
            if not shape.with_original:
                raise fail(ORIGINAL_KEY, f"benchmark {bench!r} shows no original")
            if not isinstance(original, Mapping):
                raise fail(ORIGINAL_KEY, "expected an object (the original row)")
            try:
                aligned = shape.adapter.align_original(item, original, index)
            except (RowError, Mismatch) as exc:
                raise fail(ORIGINAL_KEY, getattr(exc, "message", None) or str(exc)) from None
            item = _with_original(item, aligned)
        text = None
        if verdict == "corrected":
            if _given(row, TEXT_KEY) is None:
                raise fail(TEXT_KEY, "a corrected gold item needs its accepted text")
            text = _accepted_text(row[TEXT_KEY], item.segments, fail)
        elif _given(row, TEXT_KEY) is not None:
            raise fail(
                TEXT_KEY, f"only a 'corrected' gold item has an accepted text, not {verdict!r}"
            )
        if item.record_id in seen:
            raise fail(None, f"same id {item.record_id!r} as row {seen[item.record_id]}")
        seen[item.record_id] = number
        out.append(GoldItem(item=item, verdict=verdict, text=text, row=number))
    return out


def _with_original(item: Item, original: dict[str, str]) -> Item:
    import dataclasses

    return dataclasses.replace(item, original=original)


def check_distinct(gold: Iterable[GoldItem], items: Iterable[Item], *, label: str) -> None:
    """A gold item must not be a benchmark item (same record id, or the same texts).

    Why: it would be shown twice, once as gold, once as an item whose votes are published,
    and its record could not tell the two apart. One line names the gold row and the item.
    """
    from annotate.resolve import normalize_text

    def texts(item: Item) -> tuple:
        return (item.benchmark, tuple((n, normalize_text(t)) for n, t in item.segments.items()))

    by_id: dict[str, Item] = {}
    by_text: dict[tuple, Item] = {}
    for item in items:
        by_id[item.record_id] = item
        by_text.setdefault(texts(item), item)
    for g in gold:
        same = by_id.get(g.record_id) or by_text.get(texts(g.item))
        if same is not None:
            how = "id" if same.record_id == g.record_id else "texts"
            raise _fail(
                label,
                g.row,
                None,
                f"has the same {how} as benchmark item {same.record_id!r} "
                f"(row {same.index} of its source): a gold item must not be a benchmark item",
                "take gold items from another split, or drop the item from the benchmark",
            )


def shapes_of(cfg: Any) -> dict[str, BenchmarkShape]:
    """Each config benchmark's adapter, split and originals, for `parse_gold`."""
    from annotate.adapters import get_adapter

    return {
        b.name: BenchmarkShape(
            get_adapter(b.adapter, b.columns), b.split or "", b.original is not None
        )
        for b in cfg.benchmarks
    }


def load_gold(cfg: Any) -> list[GoldItem]:
    """The campaign's gold items ([] when the config has no `gold:`)."""
    settings = getattr(cfg, "gold", None)
    if settings is None or settings.path is None:
        return []
    from annotate.sources import load_file

    label = f"{cfg.path or 'config'}: gold.path: {settings.path}"
    rows = load_file(settings.path, where="gold.path")
    return parse_gold(rows, shapes_of(cfg), label=label)


# --- accuracy -------------------------------------------------------------------------------


def judge(gold: GoldItem, verdict: str | None, correction: str | None) -> bool:
    """Whether a submitted answer on a gold item is right (see the module doc)."""
    if verdict != gold.verdict:
        return False
    if gold.verdict != "corrected" or gold.text is None:
        return True
    from annotate.resolve import normalize_text

    mt = gold.item.segments
    parsed = parse_correction(correction, list(mt)) if isinstance(correction, str) else None
    if parsed is None:
        return False
    fixed = [n for n in mt if normalize_text(gold.text[n]) != normalize_text(mt[n])]
    return any(normalize_text(parsed[n]) != normalize_text(mt[n]) for n in fixed)


def _latest_submitted(responses: pd.DataFrame) -> pd.DataFrame:
    if responses.empty:
        return responses
    order = responses.sort_values("updated_at", kind="stable", na_position="first")
    latest = order.drop_duplicates(["record_id", "user_id", "question"], keep="last")
    return latest[latest["status"] == "submitted"]


def gold_votes(responses: pd.DataFrame, gold: Mapping[str, GoldItem]) -> pd.DataFrame:
    """One row per submitted verdict on a gold item: record_id, user_id, username, verdict,
    right. A vote cast on another text than the gold item's current one (its response's
    `content_hash`, when known, differs) is left out, as resolve leaves it out."""
    import pandas as pd

    cols = ["record_id", "user_id", "username", "verdict", "right"]
    if not gold or responses.empty:
        return pd.DataFrame(columns=cols)
    mine = _latest_submitted(responses[responses["record_id"].isin(list(gold))])
    if "content_hash" in mine:
        current = mine["record_id"].map(lambda r: gold[r].item.content_hash)
        cast = mine["content_hash"]
        mine = mine[cast.isna() | (cast == current)]
    own = mine["record_id"].map(lambda r: gold[r].reviewer_id)
    mine = mine[mine["user_id"].astype(str) != own]
    verdicts = mine[mine["question"] == Q_VERDICT]
    verdicts = verdicts[verdicts["value"].isin(list(VERDICTS))]
    texts = {
        (r, u): v
        for r, u, v in mine.loc[
            mine["question"] == Q_CORRECTION, ["record_id", "user_id", "value"]
        ].itertuples(index=False)
    }
    rows = [
        {
            "record_id": r,
            "user_id": str(u),
            "username": str(name) if isinstance(name, str) and name else str(u),
            "verdict": v,
            "right": judge(gold[r], v, texts.get((r, u))),
        }
        for r, u, name, v in verdicts[["record_id", "user_id", "username", "value"]].itertuples(
            index=False
        )
    ]
    return pd.DataFrame(rows, columns=cols)


def accuracy_table(votes: pd.DataFrame) -> pd.DataFrame:
    """Per annotator who answered gold: gold items seen, answered right, and the share.

    Annotators who met no gold item are absent (no score is not a score of zero)."""
    import pandas as pd

    if votes.empty:
        return pd.DataFrame(columns=list(TABLE_COLUMNS))
    grouped = votes.groupby("user_id", sort=False).agg(
        username=("username", "last"), seen=("right", "size"), right=("right", "sum")
    )
    out = grouped.reset_index()
    out["seen"] = out["seen"].astype("int64")
    out["right"] = out["right"].astype("int64")
    out["accuracy"] = out["right"] / out["seen"]
    out = out.sort_values(["username", "user_id"], kind="stable").reset_index(drop=True)
    return out[list(TABLE_COLUMNS)]


@dataclass(frozen=True)
class Policy:
    """What `gold:` asks of resolve: nothing (min_accuracy None), or leave out / down-weight."""

    min_accuracy: float | None = None
    min_seen: int = 5
    mode: str = "exclude"

    @classmethod
    def of(cls, cfg: Any) -> Policy:
        settings = getattr(cfg, "gold", None)
        if settings is None:
            return cls()
        return cls(settings.min_accuracy, settings.min_seen, settings.mode)


def vote_weights(table: pd.DataFrame, policy: Policy) -> dict[str, float]:
    """user_id -> the weight of their verdicts on benchmark items, for the annotators the
    threshold catches (everyone else weighs 1): 0 to leave out, their accuracy to
    down-weight. Nobody is caught before answering `min_seen` gold items."""
    if policy.min_accuracy is None or table.empty:
        return {}
    caught = table[(table["seen"] >= policy.min_seen) & (table["accuracy"] < policy.min_accuracy)]
    return {
        str(u): 0.0 if policy.mode == "exclude" else float(a)
        for u, a in zip(caught["user_id"], caught["accuracy"], strict=True)
    }


def affected_votes(responses: pd.DataFrame, weights: Mapping[str, float]) -> int:
    """Submitted verdicts on benchmark items cast by the annotators `weights` names."""
    if not weights or responses.empty:
        return 0
    latest = _latest_submitted(responses[responses["user_id"].astype(str).isin(list(weights))])
    votes = latest[(latest["question"] == Q_VERDICT) & latest["value"].isin(list(VERDICTS))]
    return int(len(votes))


def by_username(table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """username -> {accuracy, seen}: the leaderboard's gold column."""
    return {
        str(r["username"]): {"accuracy": float(r["accuracy"]), "seen": int(r["seen"])}
        for r in table.to_dict("records")
    }


# --- what the other stages see -----------------------------------------------------------


@dataclass
class GoldView:
    """A pull seen through the campaign's gold: the benchmark's responses (gold ones out),
    each annotator's accuracy on gold, and the weights resolve gives their votes."""

    items: dict[str, GoldItem] = field(default_factory=dict)
    responses: Any = None  # responses on benchmark records only
    ids: set[str] = field(default_factory=set)  # every record id known as gold
    reviewed: int = 0  # of `items`, benchmark items reviewers settled (gold_from_reviews)
    table: Any = None  # accuracy_table
    weights: dict[str, float] = field(default_factory=dict)
    policy: Policy = field(default_factory=Policy)
    affected: int = 0
    progress: dict[str, dict[str, int]] = field(default_factory=dict)  # see gold_progress

    @property
    def active(self) -> bool:
        return bool(self.items)

    def summary(self) -> dict[str, Any]:
        """The `gold` block of resolve's summary (and of the card)."""
        rows = [] if self.table is None else self.table.to_dict("records")
        return {
            "items": len(self.items) - self.reviewed,
            "from_reviews": self.reviewed,
            "min_accuracy": self.policy.min_accuracy,
            "min_seen": self.policy.min_seen,
            "mode": self.policy.mode,
            "annotators": [
                {
                    "username": str(r["username"]),
                    "seen": int(r["seen"]),
                    "right": int(r["right"]),
                    "accuracy": _json_float(r["accuracy"]),
                    "weight": self.weights.get(str(r["user_id"]), 1.0),
                }
                for r in rows
            ],
            "annotators_affected": len(self.weights),
            "votes_affected": self.affected,
        }


def _json_float(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def view(
    responses: pd.DataFrame,
    gold: Iterable[GoldItem],
    policy: Policy,
    *,
    also_gold: Iterable[str] = (),
    reviewed: Iterable[GoldItem] = (),
) -> GoldView:
    """Split a pull's responses into benchmark and gold ones, and score the annotators.

    `also_gold` names further record ids that were pushed as gold but are no longer in the
    config: their responses are left out too (they were never benchmark items), without a
    score (their answers are not known any more). `reviewed` are benchmark items whose
    answer reviewers settled (`gold_from_reviews`): they score annotators too, and stay
    benchmark items with their votes.
    """
    items = {g.record_id: g for g in gold}
    shared = {g.record_id: g for g in reviewed if g.record_id not in items}
    ids = set(items) | set(also_gold)
    if not ids and not shared:
        return GoldView(responses=responses, policy=policy)
    on_gold = responses["record_id"].isin(list(ids))
    scored = responses["record_id"].isin(list(ids | set(shared)))
    table = accuracy_table(gold_votes(responses[scored], {**items, **shared}))
    weights = vote_weights(table, policy)
    rest = responses[~on_gold]
    return GoldView(
        items={**items, **shared},
        reviewed=len(shared),
        responses=rest,
        ids=ids,
        table=table,
        weights=weights,
        policy=policy,
        affected=affected_votes(rest, weights),
    )


def gold_from_reviews(settled: Iterable[Any], items: Iterable[Item]) -> list[GoldItem]:
    """Items reviewers settled (review.settled_by_reviewers: benchmark, item_key, decision,
    accepted_text, record_id) as gold items on the benchmark items they are.

    Why: a reviewer's decision passed every check and overrides the crowd, so it is the
    best known answer the campaign has; scoring annotators on it costs no extra items.
    Settled items that match no current item, or a `corrected` without its text, are
    skipped (a gold item needs its answer)."""
    by_id = {it.record_id: it for it in items}
    out = []
    for s in settled:
        item = by_id.get(getattr(s, "record_id", "") or f"{s.benchmark}:{s.item_key}")
        if item is None or s.decision not in VERDICTS:
            continue
        text = None
        if s.decision == "corrected":
            if not isinstance(s.accepted_text, Mapping):
                continue
            text = {n: str(s.accepted_text.get(n, t)) for n, t in item.segments.items()}
        reviewer = str(getattr(s, "reviewer_id", "") or "")
        out.append(GoldItem(item=item, verdict=s.decision, text=text, reviewer_id=reviewer))
    return out


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def card_line(summary: Mapping[str, Any] | None) -> str | None:
    """One sentence for the dataset card on what gold items did (None without gold)."""
    reviewed = (summary or {}).get("from_reviews") or 0
    if not summary or not (summary.get("items") or reviewed):
        return None
    scored = len(summary.get("annotators") or [])
    parts = []
    if summary.get("items"):
        parts.append(
            f"{summary['items']} gold items (items with a known answer) were mixed into the "
            "annotators' queues and are not part of this dataset"
        )
    if reviewed:
        parts.append(
            f"{reviewed} items settled by reviewers served as gold items too (they stay in "
            "the dataset)"
        )
    line = "; ".join(parts) + f"; {_count(scored, 'annotator')} answered some of them."
    if summary.get("min_accuracy") is None:
        return line
    pct = f"{summary['min_accuracy']:.0%}"
    n, votes = summary.get("annotators_affected", 0), summary.get("votes_affected", 0)
    if summary.get("mode") == "weight":
        what = f"their {votes} verdicts counted in proportion to that accuracy"
    else:
        what = f"their {votes} verdicts were left out of the resolution"
    were = "was" if n == 1 else "were"
    return (
        f"{line} {_count(n, 'annotator')} {were} below {pct} accuracy on gold after at "
        f"least {summary['min_seen']} gold items: {what}."
        if n
        else f"{line} No annotator was below {pct} accuracy on gold after at least "
        f"{summary['min_seen']} gold items, so no verdict was left out or down-weighted."
    )


# --- the campaign's gold, from its config and its workdir ----------------------------------

LEDGER = "gold-records.json"


def ledger_ids(workdir: Any) -> set[str]:
    """Record ids push ever sent as gold for this campaign (kept in the workdir).

    Why: when `gold:` is later removed from the config, those records stay in Argilla
    with their answers; they must still never be taken for benchmark items (matched to an
    edited item, or counted as its votes). A missing or unreadable ledger is empty.
    """
    from pathlib import Path

    try:
        data = json.loads((Path(workdir) / LEDGER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    records = data.get("records") if isinstance(data, dict) else None
    return {str(r) for r in records} if isinstance(records, list) else set()


def remember(workdir: Any, record_ids: Iterable[str]) -> None:
    """Add `record_ids` to the ledger (before push sends them: a killed push loses none)."""
    from pathlib import Path

    from annotate.paths import atomic_write_bytes, on_disk

    known = ledger_ids(workdir)
    new = known | set(record_ids)
    if new == known:
        return
    path = Path(workdir) / LEDGER
    payload = json.dumps({"records": sorted(new)}, ensure_ascii=False, indent=1)
    with on_disk(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, payload.encode("utf-8"))


def campaign_gold(
    cfg: Any, loads: Mapping[str, Any] | None = None, *, check: bool = False
) -> tuple[list[GoldItem], set[str]]:
    """(the config's gold items, every record id known as gold: config and ledger).

    With the benchmark `loads`, a record the ledger remembers as gold but that is a
    benchmark item now counts as one, and with `check` (campaign.load_items, where every
    stage gets its items) a gold item that became a benchmark item (a limit raised, a row
    moved into the source) stops the command as it stops push."""
    gold = load_gold(cfg)
    workdir = getattr(cfg, "workdir", None)
    known = ledger_ids(workdir) if workdir is not None else set()
    if loads is not None:
        items = [it for load in loads.values() for it in load.items]
        if gold and check:
            label = f"{cfg.path or 'config'}: gold.path: {cfg.gold.path}"
            check_distinct(gold, items, label=label)
        if known:
            known -= {it.record_id for it in items}
    return gold, known | {g.record_id for g in gold}


def without_gold(records: pd.DataFrame | None, ids: set[str]) -> pd.DataFrame | None:
    """Pulled records minus gold ones (so benchmark items are never matched to them)."""
    if records is None or not ids or not len(records):
        return records
    return records[~records["record_id"].isin(list(ids))]


def campaign_view(
    cfg: Any, responses: pd.DataFrame, loads: Mapping[str, Any] | None = None
) -> GoldView:
    """`view` for a campaign: its gold file, its ledger and its threshold."""
    gold, ids = campaign_gold(cfg, loads)
    return view(responses, gold, Policy.of(cfg), also_gold=ids)


def summary_table(summary: Mapping[str, Any]) -> tuple[list[str], list[tuple], str]:
    """(headers, rows, title) of resolve's gold table, from the summary's `gold` block."""
    rows = [
        (
            a["username"],
            a["seen"],
            a["right"],
            "—" if a["accuracy"] is None else f"{a['accuracy']:.0%}",
            "left out" if a["weight"] == 0 else ("1" if a["weight"] == 1 else f"{a['weight']:.2f}"),
        )
        for a in summary.get("annotators") or []
    ]
    threshold = summary.get("min_accuracy")
    rule = (
        "no threshold"
        if threshold is None
        else f"below {threshold:.0%} after {summary['min_seen']}+ gold: {summary['mode']}"
    )
    reviewed = summary.get("from_reviews") or 0
    title = (
        f"Gold accuracy ({summary['items']} gold items"
        + (f" + {reviewed} settled by reviewers" if reviewed else "")
        + f"; {rule}; "
        f"{summary.get('annotators_affected', 0)} annotators, "
        f"{summary.get('votes_affected', 0)} verdicts affected)"
    )
    return ["volunteer", "gold seen", "right", "accuracy", "vote weight"], rows, title


@dataclass
class PushGold:
    """The gold items push mixes into each benchmark's dataset, and the ids known as gold."""

    items: dict[str, list[Item]] = field(default_factory=dict)  # benchmark -> gold items
    ids: set[str] = field(default_factory=set)  # config and ledger

    @classmethod
    def of(cls, cfg: Any, loads: Sequence[tuple[Any, Any]]) -> PushGold:
        """Read and check the gold file against the benchmarks being pushed."""
        gold, ids = campaign_gold(cfg)
        label = f"{cfg.path or 'config'}: gold.path: {getattr(cfg.gold, 'path', '')}"
        check_distinct(gold, [it for _, load in loads for it in load.items], label=label)
        items: dict[str, list[Item]] = {}
        for g in gold:
            items.setdefault(g.item.benchmark, []).append(g.item)
        return cls(items, ids)

    def benchmark_records(self, existing: list[dict]) -> list[dict]:
        """The existing records benchmark items may be matched to: all but gold ones."""
        return [r for r in existing if r["record_id"] not in self.ids]

    def add_to(
        self, plan: Any, stale: dict, existing: list[dict], benchmark: str, result: Any
    ) -> list[Item]:
        """Plan this benchmark's gold items like any others: new, changed or unchanged (a
        changed gold record with answers goes back to the queue, its answers archived)."""
        from annotate.push import plan_push

        mine = self.items.get(benchmark, [])
        hashes = {r["record_id"]: r["content_hash"] for r in existing}
        extra = plan_push(mine, hashes)
        plan.create += extra.create
        plan.update += extra.update
        plan.unchanged += extra.unchanged
        changed = {it.record_id for it in extra.update}
        for r in existing:
            if r["record_id"] in changed and r["responses"]:
                stale[r["record_id"]] = [x["id"] for x in r["responses"]]
                result.changed_with_responses += 1
                result.returned += len(r["responses"])
        current = {it.record_id for it in mine}
        result.gold = len(mine)
        result.gold_retired = sum(
            r["record_id"] in self.ids and r["record_id"] not in current for r in existing
        )
        return mine

    def remember(self, workdir: Any) -> None:
        remember(workdir, [it.record_id for items in self.items.values() for it in items])


def gold_progress(records: pd.DataFrame, ids: set[str]) -> dict[str, dict[str, int]]:
    """benchmark -> {total, completed} of its gold records in a pull (for live counts)."""
    if not ids or records is None or not len(records):
        return {}
    mine = records[records["record_id"].isin(list(ids))]
    return {
        str(b): {"total": len(g), "completed": int((g["status"] == "completed").sum())}
        for b, g in mine.groupby("benchmark", sort=True)
    }


def without_gold_progress(row: Mapping[str, Any], gold: Mapping[str, int] | None) -> dict:
    """A status row (Argilla's live counts) minus the benchmark's gold records, as of the
    latest pull; `gold` records how many were taken out."""
    out = dict(row)
    if not gold or not out.get("pushed"):
        return out
    total, completed = int(gold.get("total", 0)), int(gold.get("completed", 0))
    out["total"] = max(int(out["total"]) - total, 0)
    out["completed"] = max(int(out["completed"]) - completed, 0)
    out["pending"] = max(int(out["pending"]) - (total - completed), 0)
    out["gold"] = total
    return out


def uses_reviews(cfg: Any) -> bool:
    """`gold.from_reviews`: items reviewers settled score the annotators too."""
    settings = getattr(cfg, "gold", None)
    return bool(settings is not None and settings.from_reviews)


def reviewed_view(
    cfg: Any, responses: pd.DataFrame, loads: Mapping[str, Any], resolved: pd.DataFrame
) -> GoldView:
    """`campaign_view` with the items reviewers settled in `resolved` (resolve's items after
    the review stage) as gold too (`gold.from_reviews`)."""
    from annotate.review import settled_by_reviewers

    gold, ids = campaign_gold(cfg, loads)
    items = [it for load in loads.values() for it in load.items]
    reviewed = gold_from_reviews(settled_by_reviewers(resolved), items)
    return view(responses, gold, Policy.of(cfg), also_gold=ids, reviewed=reviewed)
