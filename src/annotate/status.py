"""`annotate status`: where the campaign stands right now, read straight from Argilla.

Why from Argilla and not from the last pull: organizers look at status often and
mid-campaign, and Argilla's progress endpoints are cheap aggregate counts, while a pull
harvests every response. Only submitted responses count as contributions: a draft is
unfinished work and a discard says "I can't judge this". Counting them (as the Data is
Better Together dashboards did) ranks people by clicks, not by validations.

Agreement needs the votes themselves, so it comes from the latest pull when there is one
(computed in memory; nothing is written). The transformations of the raw progress
payloads are pure functions, tested without a server.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

# Response statuses as Argilla reports them per user and record status.
RESPONSE_STATUSES: tuple[str, ...] = ("submitted", "draft", "discarded")
TOP_CONTRIBUTORS = 10

BENCHMARK_FIELDS: tuple[str, ...] = (
    "benchmark",
    "dataset",
    "pushed",
    "total",
    "completed",
    "pending",
    "submitted",
    "drafts",
    "discarded",
    "annotators",
)


def _count(value: Any) -> int:
    """A count from a JSON payload; anything missing or malformed is 0."""
    try:
        n = int(value)
    except (TypeError, ValueError):
        return 0
    return max(n, 0)


def user_totals(users: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """`/users/progress` entries -> username -> {submitted, draft, discarded}.

    Argilla splits each user's counts by the record's status ({"completed": {...},
    "pending": {...}}); a contribution is a contribution whatever the record's state, so
    the splits are summed. Entries for the same username are merged.
    """
    out: dict[str, dict[str, int]] = {}
    for entry in users:
        name = str(entry.get("username", ""))
        counts = out.setdefault(name, dict.fromkeys(RESPONSE_STATUSES, 0))
        for key, split in entry.items():
            if key == "username" or not isinstance(split, Mapping):
                continue
            for status in RESPONSE_STATUSES:
                counts[status] += _count(split.get(status))
    return out


def benchmark_row(
    benchmark: str,
    dataset: str,
    progress: Mapping[str, Any] | None,
    users: Iterable[Mapping[str, Any]] | None,
) -> dict[str, Any]:
    """One benchmark's line from its `/progress` and `/users/progress` payloads.

    `progress` None means the dataset does not exist yet (not pushed). `annotators`
    counts people with at least one submitted response: someone who only saved drafts
    has not contributed yet.
    """
    totals = user_totals(users or [])
    counts = progress or {}
    return {
        "benchmark": benchmark,
        "dataset": dataset,
        "pushed": progress is not None,
        "total": _count(counts.get("total")),
        "completed": _count(counts.get("completed")),
        "pending": _count(counts.get("pending")),
        "submitted": sum(c["submitted"] for c in totals.values()),
        "drafts": sum(c["draft"] for c in totals.values()),
        "discarded": sum(c["discarded"] for c in totals.values()),
        "annotators": sum(1 for c in totals.values() if c["submitted"] > 0),
    }


def totals_row(
    rows: Sequence[Mapping[str, Any]], users_by_benchmark: Mapping[str, Iterable[Mapping]]
) -> dict[str, Any]:
    """The campaign's totals; annotators are counted once across benchmarks."""
    people = contributions(users_by_benchmark)
    out: dict[str, Any] = {
        k: sum(_count(r.get(k)) for r in rows)
        for k in ("total", "completed", "pending", "submitted", "drafts", "discarded")
    }
    out["annotators"] = sum(1 for p in people.values() if p["submitted"] > 0)
    return out


def contributions(
    users_by_benchmark: Mapping[str, Iterable[Mapping[str, Any]]],
) -> dict[str, dict[str, Any]]:
    """username -> submitted/draft/discarded over all benchmarks, plus submitted per benchmark."""
    people: dict[str, dict[str, Any]] = {}
    for bench, users in users_by_benchmark.items():
        for name, counts in user_totals(users).items():
            person = people.setdefault(
                name, {**dict.fromkeys(RESPONSE_STATUSES, 0), "per_benchmark": {}}
            )
            for status in RESPONSE_STATUSES:
                person[status] += counts[status]
            if counts["submitted"]:
                person["per_benchmark"][bench] = counts["submitted"]
    return people


def leaderboard(
    users_by_benchmark: Mapping[str, Iterable[Mapping[str, Any]]],
    top: int | None = TOP_CONTRIBUTORS,
) -> list[dict[str, Any]]:
    """Top contributors by submitted responses across benchmarks, with competition ranks.

    Drafts and discards neither rank nor list anyone. Ties share a rank (1, 2, 2, 4) and
    are listed by name, so the order never depends on the server's.
    """
    people = contributions(users_by_benchmark)
    rows = [
        {
            "username": name,
            "submitted": p["submitted"],
            "per_benchmark": dict(sorted(p["per_benchmark"].items())),
        }
        for name, p in people.items()
        if p["submitted"] > 0
    ]
    rows.sort(key=lambda r: (-r["submitted"], r["username"].casefold(), r["username"]))
    for i, r in enumerate(rows):
        same = i > 0 and rows[i - 1]["submitted"] == r["submitted"]
        r["rank"] = rows[i - 1]["rank"] if same else i + 1
    return rows if top is None else rows[:top]


def care_by_user(
    annotators: Iterable[Mapping[str, Any]],
    phantoms: Mapping[str, int],
    gold: Mapping[str, float] | None = None,
    gold_seen: Mapping[str, int] | None = None,
) -> dict[str, dict[str, Any]]:
    """username -> what the latest pull says about the care of their work: agreement with
    the consensus (None when none of their items was decided), phantom corrections, and
    gold accuracy (with the gold items it is computed on) only when gold data exists."""
    out: dict[str, dict[str, Any]] = {}
    for a in annotators:
        name = str(a["username"])
        agree = a.get("agreement_with_consensus")
        entry: dict[str, Any] = {
            "agreement_with_consensus": None
            if agree is None or (isinstance(agree, float) and math.isnan(agree))
            else float(agree),
            "phantom_corrections": int(phantoms.get(name, 0)),
        }
        if gold is not None:
            entry["gold_accuracy"] = gold.get(name)
            if gold_seen is not None:
                entry["gold_seen"] = int(gold_seen.get(name, 0))
        out[name] = entry
    for name, n in phantoms.items():  # someone the resolution did not list: still counted
        out.setdefault(name, {"agreement_with_consensus": None, "phantom_corrections": int(n)})
    return out


def add_care(
    rows: Iterable[Mapping[str, Any]], care: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Leaderboard rows with the care columns next to the count; rank and order unchanged
    (still by submitted responses). People the pull has not seen get None / 0."""
    gold = any("gold_accuracy" in c for c in care.values())
    out = []
    for r in rows:
        c = care.get(r["username"], {})
        row = {
            **r,
            "agreement_with_consensus": c.get("agreement_with_consensus"),
            "phantom_corrections": int(c.get("phantom_corrections", 0)),
        }
        if gold:
            row["gold_accuracy"] = c.get("gold_accuracy")
            if "gold_seen" in c:
                row["gold_seen"] = int(c["gold_seen"])
        out.append(row)
    return out


def agreement_entries(summary_agreement: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Resolution.summary()["agreement"] as a list: overall first, then benchmarks by name."""
    names = sorted(summary_agreement, key=lambda b: (b != "overall", b))
    return [{"benchmark": b, **summary_agreement[b]} for b in names]


def format_alpha(entry: Mapping[str, Any]) -> str:
    """'α 0.712 [0.601, 0.803] tentative' (or 'α n/a' when too few items overlap)."""
    alpha = entry.get("alpha")
    if alpha is None or (isinstance(alpha, float) and math.isnan(alpha)):
        return "α n/a"
    lo, hi = entry.get("alpha_low"), entry.get("alpha_high")
    ci = f" [{lo:.3f}, {hi:.3f}]" if lo is not None and hi is not None else ""
    reading = entry.get("interpretation")
    return f"α {alpha:.3f}{ci}" + (f" {reading}" if reading else "")


def pulled_label(pulled_at: str | None) -> str:
    """An ISO time from meta.json as 'YYYY-MM-DD HH:MM UTC' (the text kept as is otherwise)."""
    if not pulled_at:
        return ""
    try:
        ts = datetime.fromisoformat(str(pulled_at).replace("Z", "+00:00"))
    except ValueError:
        return str(pulled_at)
    if ts.utcoffset() is not None:
        ts = ts.astimezone(UTC)
    return ts.strftime("%Y-%m-%d %H:%M UTC")


# --- I/O ------------------------------------------------------------------------------


def agreement_so_far(cfg: Any, snapshot: str | None = None) -> dict[str, Any]:
    """Agreement from the latest pull, resolved in memory; says so when nothing was pulled."""
    from annotate.insights import load_latest

    pulled = load_latest(cfg, snapshot=snapshot)
    if pulled is None:
        return {
            "available": False,
            "note": f"no pull yet: run `annotate pull -c {cfg.path or 'CONFIG'}` to see agreement",
        }
    from annotate.insights import gold_columns, phantom_corrections

    return {
        "available": True,
        "snapshot": pulled.meta.get("snapshot"),
        "pulled_at": pulled.meta.get("pulled_at"),
        "benchmarks": agreement_entries(pulled.resolution.summary()["agreement"]),
        "care": care_by_user(
            pulled.resolution.annotators.to_dict("records"),
            phantom_corrections(pulled.responses, pulled.segments()),
            *gold_columns(pulled),
        ),
        "gold_progress": pulled.gold.progress if pulled.gold is not None else {},
    }


def _progress(client: Any, dataset: Any) -> tuple[dict, list[dict]]:
    """Both progress payloads; a refusal becomes one line saying which key is needed."""
    import httpx

    from annotate import argilla_io
    from annotate.errors import AnnotateError

    try:
        progress = argilla_io.dataset_progress(client, dataset)
        users = argilla_io.users_progress(client, dataset)
    except httpx.HTTPStatusError as exc:
        raise AnnotateError(
            f"Argilla answered {exc.response.status_code} to the progress of dataset "
            f"{dataset.name!r}",
            hint="use an owner's or admin's API key, or one of a member of the workspace",
        ) from None
    return progress, users


def campaign_status(
    cfg: Any, conn: Any, *, top: int = TOP_CONTRIBUTORS, snapshot: str | None = None
) -> dict[str, Any]:
    """The campaign's progress per benchmark, its top contributors and agreement so far."""
    from annotate import argilla_io

    agreement = agreement_so_far(cfg, snapshot)  # a damaged snapshot stops us before Argilla
    client = argilla_io.connect(conn)
    workspace = argilla_io.ensure_workspace(client, cfg.workspace, create=False)
    rows: list[dict[str, Any]] = []
    users_by_benchmark: dict[str, list[dict]] = {}
    for bench in cfg.benchmarks:
        dataset = None
        if workspace is not None:
            dataset = argilla_io.find_dataset(client, bench.dataset_name, cfg.workspace)
        if dataset is None:
            rows.append(benchmark_row(bench.name, bench.dataset_name, None, None))
            continue
        progress, users = _progress(client, dataset)
        users_by_benchmark[bench.name] = users
        rows.append(benchmark_row(bench.name, bench.dataset_name, progress, users))
    notes = []
    if workspace is None:
        notes.append(
            f"workspace {cfg.workspace!r} does not exist yet: "
            f"run `annotate push -c {cfg.path or 'CONFIG'}`"
        )
    elif not all(r["pushed"] for r in rows):
        missing = ", ".join(r["benchmark"] for r in rows if not r["pushed"])
        notes.append(f"not pushed yet: {missing}")
    care = agreement.pop("care", {})  # per person, shown on the leaderboard rows
    from annotate.gold import without_gold_progress

    gold = agreement.pop("gold_progress", {})  # gold records are no benchmark progress
    rows = [without_gold_progress(r, gold.get(r["benchmark"])) for r in rows]
    from annotate.review import live_queue

    review = live_queue(client, cfg)  # the review stage's queue, once it exists
    return {
        "campaign": cfg.campaign,
        "workspace": cfg.workspace,
        "url": conn.url,
        "benchmarks": rows,
        "totals": totals_row(rows, users_by_benchmark),
        "leaderboard": add_care(leaderboard(users_by_benchmark, top=top), care),
        "agreement": agreement,
        "notes": notes,
        **({"review": review} if review is not None else {}),
    }
