"""Glue from the local store (pull snapshots) and a resolution to the report's frames.

Why a separate module: `report` only draws what it is given, and the stages that pull and
resolve know nothing about charts. Every frame is built by a pure function of the stored
tables (tested without a server); `report_data` does the reading, and resolves the latest
pull in memory so a report never changes files under `resolved/`. The same helpers feed
the agreement notebook (notebooks/agreement.ipynb).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotate.model import ERROR_CATEGORIES, Q_CORRECTION, Q_ERRORS, Q_VERDICT, VERDICTS

if TYPE_CHECKING:
    import pandas as pd

    from annotate.report import ReportData
    from annotate.resolve import Resolution

QUESTION_CHARS = 120
RESOLVED_TABLES = ("items", "agreement", "annotators")
NO_PULL = "—"  # generated_at of a report with no pull yet (there is no data time)


# --- pure transformations ---------------------------------------------------------------


def history_frame(metas: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per snapshot x benchmark, from each snapshot's meta.json.

    Benchmarks that were not pushed at that pull are left out, so a line starts at the
    pull where its benchmark appeared instead of at a misleading zero.
    """
    import pandas as pd

    from annotate.report import HISTORY_COLUMNS

    rows = []
    for meta in metas:
        for b in meta.get("benchmarks") or []:
            if b.get("note") or "completed" not in b:
                continue
            rows.append(
                {
                    "pulled_at": meta.get("pulled_at"),
                    "benchmark": b.get("benchmark"),
                    "records": int(b.get("records") or 0),
                    "completed": int(b.get("completed") or 0),
                    "submitted_responses": int(b.get("submitted") or 0),
                    "annotators": int(b.get("annotators") or 0),
                }
            )
    frame = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
    frame["pulled_at"] = pd.to_datetime(frame["pulled_at"], utc=True, format="ISO8601")
    return frame


def latest_per_response(responses: pd.DataFrame) -> pd.DataFrame:
    """One row per record x user x question (the newest), whatever the input held."""
    if responses.empty:
        return responses
    order = responses.sort_values("updated_at", kind="stable", na_position="first")
    return order.drop_duplicates(["record_id", "user_id", "question"], keep="last")


def submitted_verdicts(responses: pd.DataFrame) -> pd.DataFrame:
    """benchmark, record_id, item_key, user_id, username, verdict: submitted votes only."""
    import pandas as pd

    cols = ["benchmark", "record_id", "item_key", "user_id", "username", "verdict"]
    if responses.empty:
        return pd.DataFrame(columns=cols)
    r = latest_per_response(responses)
    r = r[(r["status"] == "submitted") & (r["question"] == Q_VERDICT) & r["value"].notna()]
    return r.rename(columns={"value": "verdict"})[cols].reset_index(drop=True)


def progress_frame(records: pd.DataFrame, responses: pd.DataFrame) -> pd.DataFrame:
    """Per benchmark: records, completed/pending, submitted responses and who submitted.

    A response is a record x user (not a question row); only submitted ones count.
    """
    import pandas as pd

    from annotate.report import PROGRESS_COLUMNS

    rows = []
    sub = responses[responses["status"] == "submitted"] if len(responses) else responses
    for bench, recs in records.groupby("benchmark", sort=False):
        mine = sub[sub["benchmark"] == bench] if len(sub) else sub
        rows.append(
            {
                "benchmark": str(bench),
                "total": len(recs),
                "pending": int((recs["status"] == "pending").sum()),
                "completed": int((recs["status"] == "completed").sum()),
                "submitted_responses": len(mine[["record_id", "user_id"]].drop_duplicates())
                if len(mine)
                else 0,
                "annotators": int(mine["user_id"].nunique()) if len(mine) else 0,
            }
        )
    return pd.DataFrame(rows, columns=list(PROGRESS_COLUMNS))


def leaderboard_frame(annotators: pd.DataFrame) -> pd.DataFrame:
    """The resolution's annotators who submitted at least one verdict (drafts don't rank)."""
    from annotate.report import LEADERBOARD_COLUMNS

    frame = annotators[annotators["submitted"] > 0]
    return frame[list(LEADERBOARD_COLUMNS)].reset_index(drop=True)


def _same_as_mt(correction: str, mt: Mapping[str, str]) -> bool:
    """A correction that changes nothing: every segment equals the MT's (after the same
    normalisation votes use, so spacing and invisible characters are not a change)."""
    from annotate.model import parse_correction
    from annotate.resolve import normalize_text

    parsed = parse_correction(correction, list(mt))
    return parsed is not None and all(
        normalize_text(parsed[n]) == normalize_text(mt[n]) for n in mt
    )


def phantom_corrections(responses: pd.DataFrame, segments: Mapping[str, str]) -> dict[str, int]:
    """username -> submitted `corrected` verdicts whose correction text equals the MT.

    Why: the correction box starts as the MT, so "corrected" with the box untouched is a
    click, not a correction; counting it per person lets the leaderboard reward care.
    `segments` maps record_id -> the item's MT segments (JSON). A `corrected` vote with no
    text at all is not counted here (resolve flags it as correction_missing).
    """
    if responses.empty:
        return {}
    latest = latest_per_response(responses)
    sub = latest[latest["status"] == "submitted"]
    said = sub[(sub["question"] == Q_VERDICT) & (sub["value"] == "corrected")]
    texts = {
        (r, u): v
        for r, u, v in sub.loc[
            sub["question"] == Q_CORRECTION, ["record_id", "user_id", "value"]
        ].itertuples(index=False)
        if isinstance(v, str)
    }
    out: dict[str, int] = {}
    for rid, uid, name in said[["record_id", "user_id", "username"]].itertuples(index=False):
        text, mt = texts.get((rid, uid)), segments.get(rid)
        if text is None or not isinstance(mt, str):
            continue
        if _same_as_mt(text, json.loads(mt)):
            who = name if isinstance(name, str) and name else str(uid)
            out[who] = out.get(who, 0) + 1
    return out


def with_care(
    leaderboard: pd.DataFrame,
    phantoms: Mapping[str, int],
    gold: Mapping[str, float] | None = None,
    gold_seen: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """The leaderboard with `phantom_corrections` per person (0 when none) and, only when
    gold data exists, `gold_accuracy` (NaN for people who met no gold item) and, when
    given, `gold_seen` (how many gold items it is computed on; 0 for none)."""
    out = leaderboard.copy()
    names = out["username"].astype(str)
    out["phantom_corrections"] = names.map(lambda n: int(phantoms.get(n, 0))).astype("int64")
    if gold is not None:
        out["gold_accuracy"] = names.map(lambda n: gold.get(n, math.nan)).astype("float64")
        if gold_seen is not None:
            out["gold_seen"] = names.map(lambda n: int(gold_seen.get(n, 0))).astype("int64")
    return out


def gold_columns(pulled: Pulled) -> tuple[dict[str, float] | None, dict[str, int] | None]:
    """(username -> accuracy on gold, username -> gold items seen), or (None, None)."""
    from annotate.gold import by_username

    if pulled.gold is None or not pulled.gold.active:  # no gold in the config: no column
        return None, None
    scores = by_username(pulled.gold.table)
    return (
        {n: s["accuracy"] for n, s in scores.items()},
        {n: s["seen"] for n, s in scores.items()},
    )


def verdict_counts(responses: pd.DataFrame) -> pd.DataFrame:
    """benchmark, verdict, count of submitted verdicts (known verdicts in question order)."""
    import pandas as pd

    from annotate.report import VERDICT_COLUMNS

    votes = submitted_verdicts(responses)
    counts = votes.groupby(["benchmark", "verdict"], sort=False).size()
    rank = {v: i for i, v in enumerate(VERDICTS)}
    rows = [
        {"benchmark": str(b), "verdict": str(v), "count": int(n)} for (b, v), n in counts.items()
    ]
    rows.sort(key=lambda r: (r["benchmark"], rank.get(r["verdict"], len(rank)), r["verdict"]))
    return pd.DataFrame(rows, columns=list(VERDICT_COLUMNS))


def _categories(value: Any) -> list[str]:
    """A multi-label answer as stored by pull (JSON list text) -> its labels."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    try:
        parsed = json.loads(str(value))
    except ValueError:
        return [str(value)]
    if isinstance(parsed, list):
        return [str(v) for v in parsed]
    return [str(parsed)] if parsed else []


def error_counts(responses: pd.DataFrame) -> pd.DataFrame:
    """benchmark, category, count: how often submitted responses flagged each error."""
    import pandas as pd

    from annotate.report import ERROR_COLUMNS

    if responses.empty:
        return pd.DataFrame(columns=list(ERROR_COLUMNS))
    r = latest_per_response(responses)
    r = r[(r["status"] == "submitted") & (r["question"] == Q_ERRORS)]
    counts: dict[tuple[str, str], int] = {}
    for bench, value in zip(r["benchmark"], r["value"], strict=True):
        for cat in dict.fromkeys(_categories(value)):  # a label ticked twice counts once
            counts[(str(bench), cat)] = counts.get((str(bench), cat), 0) + 1
    rank = {c: i for i, c in enumerate(ERROR_CATEGORIES)}
    rows = [{"benchmark": b, "category": c, "count": n} for (b, c), n in counts.items()]
    rows.sort(key=lambda x: (x["benchmark"], rank.get(x["category"], len(rank)), x["category"]))
    return pd.DataFrame(rows, columns=list(ERROR_COLUMNS))


def question_text(segments: Any, limit: int = QUESTION_CHARS) -> str:
    """The item's question (else its first segment), on one line, cut to about `limit` chars."""
    try:
        seg = json.loads(segments) if isinstance(segments, str) else segments
    except ValueError:
        return ""
    if not isinstance(seg, Mapping) or not seg:
        return ""
    text = seg.get("question") or next(iter(seg.values()), "")
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def disagreements_frame(
    items: pd.DataFrame,
    *,
    n: int = 20,
    min_votes: int = 2,
    segments: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """The resolved items annotators agreed on least, among items with >= `min_votes` votes.

    Unanimous items are left out (they are not disagreements, however few there are).
    Ties on agreement go to the item with more votes, then benchmark and key. The question
    comes from `segments` (record_id -> segments JSON) when given, else from the item's MT.
    """
    import pandas as pd

    from annotate.report import DISAGREEMENT_COLUMNS

    cand = items[(items["n_submitted"] >= min_votes) & (items["agreement"] < 1.0)]
    cand = cand.sort_values(
        ["agreement", "n_submitted", "benchmark", "item_key"],
        ascending=[True, False, True, True],
        kind="stable",
    ).head(n)
    rows = [
        {
            "benchmark": str(r["benchmark"]),
            "item_key": str(r["item_key"]),
            "votes": r["votes"],
            "agreement": float(r["agreement"]),
            "status": str(r["status"]),
            "question": question_text((segments or {}).get(r["record_id"], r.get("mt_segments"))),
        }
        for r in cand.to_dict("records")
    ]
    return pd.DataFrame(rows, columns=list(DISAGREEMENT_COLUMNS))


def verdict_pairs(responses: pd.DataFrame) -> pd.DataFrame:
    """Krippendorff's coincidence matrix of verdicts: rows and columns are verdicts.

    Every ordered pair of submitted verdicts on the same item by two different people
    counts 1/(m-1), m being the item's number of votes, so each pairable vote weighs 1
    (the matrix alpha is computed from). The diagonal is agreement; off-diagonal cells say
    which verdicts annotators confuse (correct vs corrected is a matter of degree,
    correct vs unusable a real conflict).
    """
    import pandas as pd

    votes = submitted_verdicts(responses)
    labels = list(VERDICTS) + sorted(set(votes["verdict"]) - set(VERDICTS))
    matrix = pd.DataFrame(0.0, index=labels, columns=labels)
    for _rid, grp in votes.groupby("record_id", sort=False):
        vs = grp["verdict"].tolist()
        m = len(vs)
        if m < 2:
            continue
        for i, a in enumerate(vs):
            for j, b in enumerate(vs):
                if i != j:
                    matrix.loc[a, b] += 1.0 / (m - 1)
    matrix.index.name = "verdict"
    return matrix


def generated_label(pulled_at: str | None) -> str:
    """The report's time: the latest pull's, so the same data gives the same page."""
    from annotate.status import pulled_label

    return pulled_label(pulled_at) or NO_PULL


# --- reading the store --------------------------------------------------------------------


@dataclass(frozen=True)
class Pulled:
    """The latest pull and its resolution, as the report and the notebook read them."""

    resolution: Resolution
    items: pd.DataFrame
    responses: pd.DataFrame
    records: pd.DataFrame
    meta: dict[str, Any]
    source: str  # "memory" (resolved now) or "saved" (read from resolved/)
    gold: Any = None  # gold.GoldView: accuracy on gold (responses and records hold no gold)

    def segments(self) -> dict[str, str]:
        """record_id -> the item's segments (JSON), to quote questions."""
        return dict(zip(self.items["record_id"], self.items["segments"], strict=True))


def _saved_resolution(cfg: Any, snapshot: str | None) -> Resolution | None:
    """What `annotate resolve` saved, if it was made from `snapshot` (else None)."""
    import pandas as pd

    from annotate import store
    from annotate.resolve import Resolution

    out = store.resolved_dir(cfg.workdir)
    try:
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        frames = {n: pd.read_parquet(out / f"{n}.parquet") for n in RESOLVED_TABLES}
    except (OSError, ValueError):
        return None
    if snapshot is None or summary.get("snapshot") != snapshot:
        return None
    return Resolution(
        items=frames["items"],
        agreement=frames["agreement"],
        annotators=frames["annotators"],
        method=summary.get("method", "majority"),
        min_votes=int(summary.get("min_votes") or 1),
        orphan_responses=int(summary.get("orphan_responses") or 0),
    )


def load_latest(
    cfg: Any,
    loads: dict[str, Any] | None = None,
    *,
    prefer_saved: bool = False,
    snapshot: str | None = None,
) -> Pulled | None:
    """The latest pull with its resolution; None when nothing was pulled yet.

    By default the pull is resolved in memory (nothing is written, and the result follows
    the config as it is now). `prefer_saved` reuses `resolved/` when it was made from
    this same pull, so an analysis matches what `annotate resolve` reported. `snapshot`
    picks another pull (see store.load: "latest-intact" or a snapshot's name).
    """
    from annotate import campaign, gold, store
    from annotate.esa_quality import with_quality
    from annotate.resolve import resolve

    loaded = store.load(cfg.workdir, snapshot)
    if loaded is None:
        return None
    responses, records, meta = loaded
    loads = loads if loads is not None else campaign.load_items(cfg, records)
    items = campaign.items_frame(loads)
    # gold answers score annotators and are no benchmark votes: out of every other table
    every = campaign.cast_on(responses, records)
    seen = gold.campaign_view(cfg, every, loads)
    progress = gold.gold_progress(records, seen.ids)
    if seen.ids:
        responses = responses.loc[seen.responses.index]
        records = gold.without_gold(records, seen.ids)
    saved = _saved_resolution(cfg, meta.get("snapshot")) if prefer_saved else None
    # with the hash of the text each vote was cast on: a vote on an earlier text does not
    # count, as in `annotate resolve` (else the report disagrees after a local edit)
    voted = every.loc[responses.index]

    def decide(weights: dict[str, float]) -> Resolution:
        return saved or resolve(
            items,
            voted,
            min_votes=cfg.resolution.min_votes_effective,
            method=cfg.resolution.method,
            voter_weights=weights,
        )

    resolution = decide(seen.weights)
    if gold.uses_reviews(cfg):  # scored on what reviewers settled too, as resolve does
        from annotate.review import with_reviews

        reviewed = with_reviews(resolution, items, cfg.workdir, meta)[0].items
        again = gold.reviewed_view(cfg, every, loads, reviewed)
        if again.weights != seen.weights:
            resolution = decide(again.weights)
        seen = again
    seen.progress = progress
    resolution = with_quality(cfg, resolution, items, voted, records)
    return Pulled(
        resolution,
        items,
        responses,
        records,
        meta,
        "saved" if saved is not None else "memory",
        seen if seen.ids else None,
    )


def report_data(
    cfg: Any, loads: dict[str, Any] | None = None, snapshot: str | None = None
) -> ReportData:
    """Everything the report shows, from the store; empty sections when nothing was pulled."""
    from annotate import store
    from annotate.report import TOP_DISAGREEMENTS, ReportData

    data = ReportData(
        campaign=cfg.campaign,
        language=cfg.language,
        generated_at=NO_PULL,
        thresholds=list(cfg.report.thresholds),
        low_agreement=cfg.report.low_agreement,
        phantom_flag=cfg.report.phantom_flag,
        gold_min_accuracy=cfg.gold.min_accuracy if getattr(cfg, "gold", None) else None,
        history=history_frame(store.history(cfg.workdir)),
    )
    if cfg.triage.enabled and loads is None:  # the checks need the items themselves
        from annotate.campaign import load_items

        loaded = store.load(cfg.workdir, snapshot)
        loads = load_items(cfg, loaded[1]) if loaded is not None else None
    pulled = load_latest(cfg, loads, snapshot=snapshot)
    if pulled is None:
        return data
    data.generated_at = generated_label(pulled.meta.get("pulled_at"))
    if cfg.triage.enabled and loads is not None:
        from annotate.triage import evaluate

        data.triage = evaluate(cfg, loads, pulled.resolution.items)["checks"]
    data.progress = progress_frame(pulled.records, pulled.responses)
    data.leaderboard = with_care(
        leaderboard_frame(pulled.resolution.annotators),
        phantom_corrections(pulled.responses, pulled.segments()),
        *gold_columns(pulled),
    )
    data.agreement = pulled.resolution.agreement
    data.verdicts = verdict_counts(pulled.responses)
    data.errors = error_counts(pulled.responses)
    data.disagreements = disagreements_frame(
        pulled.resolution.items, n=TOP_DISAGREEMENTS, segments=pulled.segments()
    )
    data.mt_quality = pulled.resolution.params.get("mt_quality")
    from annotate.review import report_review

    data.review = report_review(cfg, pulled)  # None before any review push
    return data


def report_language(cfg: Any, lang: str | None) -> str:
    """The page's language: `lang` when given (must be supported), else the campaign's."""
    from annotate.errors import AnnotateError
    from annotate.i18n import LANGUAGES, resolve_lang

    if lang is None:
        return resolve_lang(cfg.language)
    code = lang.strip().replace("_", "-").split("-")[0].lower()
    if code not in LANGUAGES:
        raise AnnotateError(
            f"no report strings for language {lang!r}", hint=f"use one of: {', '.join(LANGUAGES)}"
        )
    return code


def write_campaign_report(
    cfg: Any,
    out: str | Path,
    *,
    lang: str | None = None,
    loads: dict[str, Any] | None = None,
    snapshot: str | None = None,
) -> dict[str, Any]:
    """Build the campaign report from the store and write it (atomically) to `out`."""
    from annotate.errors import AnnotateError
    from annotate.paths import on_disk
    from annotate.report import write_report

    if Path(out).is_dir():
        raise AnnotateError(f"{out} is a folder", hint="pass a file path, e.g. report.html")
    page_lang, data, page = _campaign_page(cfg, lang, loads, snapshot)
    with on_disk(out):
        path = write_report(page, out)
    return {"path": str(path), "bytes": path.stat().st_size, **_page_summary(page_lang, data)}


def publish_campaign_report(
    cfg: Any,
    to: str,
    *,
    lang: str | None = None,
    snapshot: str | None = None,
    token: str | None = None,
    private: bool = False,
) -> dict[str, Any]:
    """Publish the report as a static Space (`hf://spaces/ORG/NAME`) or its files to a folder.

    Both hold the same two files (README.md, the Space card, and index.html); nothing is
    sent or rewritten when they are unchanged."""
    from annotate import space
    from annotate.i18n import t

    target = space.parse_report_target(to)  # a bad target fails before any work
    page_lang, data, page = _campaign_page(cfg, lang, None, snapshot)
    card_cfg = cfg.report.space
    card = space.space_card(
        title=card_cfg.title or t(page_lang, "report_title", campaign=data.campaign),
        campaign=cfg.campaign,
        generated_at=data.generated_at,
        emoji=card_cfg.emoji,
        color_from=card_cfg.color_from,
        color_to=card_cfg.color_to,
        pinned=card_cfg.pinned,
        short_description=card_cfg.short_description,
    )
    files = space.site_files(page, card)
    result: dict[str, Any] = {
        "target": str(target),
        "kind": target.kind,
        "bytes": sum(len(b) for b in files.values()),
        **_page_summary(page_lang, data),
    }
    if target.kind == "folder":
        assert target.path is not None
        result |= space.write_site(files, target.path)
    else:
        assert target.repo_id is not None
        result |= space.push_space(files, target.repo_id, token=token, private=private)
    return result


def _campaign_page(
    cfg: Any, lang: str | None, loads: dict[str, Any] | None, snapshot: str | None
) -> tuple[str, Any, str]:
    """(language, ReportData, HTML) of the campaign's report."""
    from annotate.report import build_report

    page_lang = report_language(cfg, lang)
    data = report_data(cfg, loads, snapshot)
    return page_lang, data, build_report(data, lang=page_lang)


def _page_summary(page_lang: str, data: Any) -> dict[str, Any]:
    history = data.history
    return {
        "lang": page_lang,
        "generated_at": data.generated_at,
        "pulls": int(history["pulled_at"].nunique()) if history is not None else 0,
        "benchmarks": _names(data.progress),
        "volunteers": len(data.leaderboard) if data.leaderboard is not None else 0,
        "disagreements": len(data.disagreements) if data.disagreements is not None else 0,
    }


def _names(frame: pd.DataFrame | None) -> list[str]:
    return [] if frame is None else [str(b) for b in frame["benchmark"]]


def agreement_lines(agreement: pd.DataFrame) -> list[str]:
    """'arc: α = 0.4286 [0.1000, 0.7000] · 5 items · tentative' per row (for people)."""
    from annotate.resolve import interpret_alpha

    out = []
    for r in agreement.to_dict("records"):
        n = int(r["n_items"])
        items = f"{n} item{'' if n == 1 else 's'}"
        alpha = r["alpha"]
        if alpha is None or math.isnan(alpha):
            out.append(f"{r['benchmark']}: α = n/a · {items} with 2+ votes")
            continue
        low, high = r["alpha_low"], r["alpha_high"]
        ci = "" if low is None or math.isnan(low) else f" [{low:.4f}, {high:.4f}]"
        out.append(f"{r['benchmark']}: α = {alpha:.4f}{ci} · {items} · {interpret_alpha(alpha)}")
    return out
