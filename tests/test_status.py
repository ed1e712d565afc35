"""`annotate status`: live progress from Argilla, contributors ranked by submitted work only.

The pure functions are checked on hand-written payloads shaped like Argilla's; the
integration test scripts a small campaign (8 ARC + 5 MMLU items, volunteers answering
through the REST API with submissions, drafts and discards) and compares the command's
numbers with the server's own endpoints and with counts kept while scripting.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from argilla_rest import Rest
from campaigns import OKAPI, cli, cli_json, make_config

from annotate.model import format_correction, parse_correction
from annotate.status import (
    agreement_entries,
    benchmark_row,
    contributions,
    format_alpha,
    leaderboard,
    pulled_label,
    totals_row,
    user_totals,
)

# --- a scripted campaign (also used by test_insights and test_notebook) -----------------

SOURCES = {"arc": "m_arc_es_validation.json", "mmlu": "m_mmlu_es_dev.json"}


@dataclass
class Scripted:
    """A pushed campaign whose volunteers answer through the REST API, with a ledger.

    `ledger` holds one (username, benchmark, index, status) per response the script made,
    so tests can count by hand what the server should report.
    """

    config: Path
    owner: Rest
    tag: str
    workspace_id: str
    dataset_ids: dict[str, str]
    records: dict[str, list[dict]]  # benchmark -> records in source order
    users: dict[str, Rest] = field(default_factory=dict)
    ledger: list[tuple[str, str, int, str]] = field(default_factory=list)

    def username(self, short: str) -> str:
        return f"{short}-{self.tag}"

    def add_users(self, *names: str) -> None:
        for n in names:
            self.users[n] = self.owner.create_annotator(
                self.username(n), f"{n}-password-123", self.workspace_id
            )

    def mt(self, bench: str, i: int) -> dict[str, str]:
        """The machine translation of item i, as segments (from the record's suggestion)."""
        text = self.records[bench][i]["suggestions"][0]["value"]
        names = [ln[2:-2] for ln in text.splitlines() if ln.startswith("[[") and ln.endswith("]]")]
        seg = parse_correction(text, names)
        assert seg is not None
        return seg

    def answer(
        self,
        user: str,
        bench: str,
        i: int,
        verdict: str | None,
        *,
        status: str = "submitted",
        errors: list[str] | None = None,
        question: str | None = None,
    ) -> None:
        """One response; a corrected verdict writes a correction of the question."""
        rec_id = self.records[bench][i]["id"]
        if status == "discarded" and verdict is None:
            self.users[user].post(
                f"/api/v1/records/{rec_id}/responses", {"values": {}, "status": "discarded"}
            )
        else:
            values: dict[str, Any] = {"verdict": verdict}
            if errors:
                values["error_categories"] = errors
            if verdict == "corrected":
                fixed = question or f"Pregunta corregida por {user}"
                values["correction"] = format_correction({**self.mt(bench, i), "question": fixed})
            self.users[user].respond(rec_id, values, status=status)
        self.ledger.append((self.username(user), bench, i, status))

    def count(self, status: str, *, user: str | None = None, bench: str | None = None) -> int:
        return sum(
            1
            for u, b, _, s in self.ledger
            if s == status and (user is None or u == user) and (bench is None or b == bench)
        )


def push_campaign(server: Any, tmp: Path, sizes: dict[str, int]) -> Scripted:
    """Push the first `sizes[b]` items of each sample benchmark as a fresh campaign."""
    tmp.mkdir(parents=True, exist_ok=True)
    files = {}
    for bench, n in sizes.items():
        rows = json.loads((OKAPI / SOURCES[bench]).read_text(encoding="utf-8"))[:n]
        files[bench] = tmp / f"{bench}.json"
        files[bench].write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    config = make_config(tmp, benchmarks=list(sizes), files=files)
    cli_json("push", "-c", str(config), info=server)
    cfg = yaml.safe_load(config.read_text(encoding="utf-8"))
    owner = Rest(server.url, server.api_key)
    ws = next(
        w for w in owner.get("/api/v1/me/workspaces")["items"] if w["name"] == cfg["workspace"]
    )
    datasets = {
        d["name"]: d["id"]
        for d in owner.get("/api/v1/me/datasets")["items"]
        if d["workspace_id"] == ws["id"]
    }
    dataset_ids = {b: datasets[f"{cfg['campaign']}-{b}"] for b in sizes}
    records = {}
    for bench, n in sizes.items():
        source_ids = [
            r["id"] for r in json.loads(files[bench].read_text(encoding="utf-8"))
        ]  # the adapters key items by the source id
        found = owner.get(
            f"/api/v1/datasets/{dataset_ids[bench]}/records",
            params={"include": "suggestions", "limit": 1000},
        )["items"]
        by_key = {r["external_id"].split(":", 1)[1]: r for r in found}
        records[bench] = [by_key[k] for k in source_ids]
        assert len(records[bench]) == n
    return Scripted(config, owner, cfg["workspace"][-8:], ws["id"], dataset_ids, records)


# --- pure functions -----------------------------------------------------------------------


def _user(name: str, completed: dict | None = None, pending: dict | None = None) -> dict:
    """An entry of GET /api/v1/datasets/{id}/users/progress."""
    base = {"submitted": 0, "discarded": 0, "draft": 0}
    return {
        "username": name,
        "completed": {**base, **(completed or {})},
        "pending": {**base, **(pending or {})},
    }


ARC_USERS = [
    _user("ana", {"submitted": 5}, {"submitted": 2, "draft": 1}),
    _user("ben", {"submitted": 3}, {"discarded": 2}),
    _user("drafty", {}, {"draft": 9, "discarded": 4}),
]
MMLU_USERS = [
    _user("ben", {"submitted": 4}, {"submitted": 1}),
    _user("cris", {"submitted": 1}, {}),
    _user("ana", {}, {"draft": 2}),
]


def test_user_totals_sum_over_record_statuses() -> None:
    totals = user_totals(ARC_USERS)
    assert totals["ana"] == {"submitted": 7, "draft": 1, "discarded": 0}
    assert totals["ben"] == {"submitted": 3, "draft": 0, "discarded": 2}
    assert totals["drafty"] == {"submitted": 0, "draft": 9, "discarded": 4}
    # a split missing a status (Argilla omits zero counts in the raw query) is zero
    assert user_totals([{"username": "x", "pending": {"draft": 2}}])["x"] == {
        "submitted": 0,
        "draft": 2,
        "discarded": 0,
    }


def test_benchmark_row_counts_only_submitters_as_annotators() -> None:
    row = benchmark_row("arc", "c-arc", {"total": 12, "completed": 5, "pending": 7}, ARC_USERS)
    assert row == {
        "benchmark": "arc",
        "dataset": "c-arc",
        "pushed": True,
        "total": 12,
        "completed": 5,
        "pending": 7,
        "submitted": 10,
        "drafts": 10,
        "discarded": 6,
        "annotators": 2,  # drafty saved 13 responses but submitted none
    }
    missing = benchmark_row("mmlu", "c-mmlu", None, None)
    assert missing["pushed"] is False and missing["total"] == 0 and missing["annotators"] == 0


def test_leaderboard_ranks_by_submitted_only() -> None:
    board = leaderboard({"arc": ARC_USERS, "mmlu": MMLU_USERS})
    # ben 3 + 5 submitted, ana 7 (+ 3 drafts), cris 1
    assert [(r["rank"], r["username"], r["submitted"]) for r in board] == [
        (1, "ben", 8),
        (2, "ana", 7),
        (3, "cris", 1),
    ]
    assert board[0]["per_benchmark"] == {"arc": 3, "mmlu": 5}
    assert board[1]["per_benchmark"] == {"arc": 7}  # ana's MMLU drafts don't count
    # drafty (13 drafts and discards, the most "responses" of all) is not listed at all
    assert "drafty" not in {r["username"] for r in board}
    assert len(leaderboard({"arc": ARC_USERS, "mmlu": MMLU_USERS}, top=2)) == 2


def test_leaderboard_ties_share_a_rank_and_sort_by_name() -> None:
    users = [_user("zoe", {"submitted": 4}), _user("Al", {"submitted": 4}), _user("bo", {})]
    users.append(_user("cy", {"submitted": 2}))
    board = leaderboard({"x": users})
    assert [(r["rank"], r["username"]) for r in board] == [(1, "Al"), (1, "zoe"), (3, "cy")]


def test_totals_count_each_person_once() -> None:
    users = {"arc": ARC_USERS, "mmlu": MMLU_USERS}
    rows = [
        benchmark_row("arc", "a", {"total": 12, "completed": 5, "pending": 7}, ARC_USERS),
        benchmark_row("mmlu", "m", {"total": 9, "completed": 2, "pending": 7}, MMLU_USERS),
    ]
    totals = totals_row(rows, users)
    assert totals["total"] == 21 and totals["completed"] == 7 and totals["pending"] == 14
    assert totals["submitted"] == 10 + 6
    assert totals["annotators"] == 3  # ana, ben, cris; not 2 + 3
    people = contributions(users)
    assert people["ana"]["draft"] == 3 and people["drafty"]["submitted"] == 0


def test_agreement_entries_and_formatting() -> None:
    summary = {
        "mmlu": {"alpha": None, "alpha_low": None, "alpha_high": None, "n_items": 0},
        "overall": {"alpha": 0.71234, "alpha_low": 0.6, "alpha_high": 0.8, "interpretation": "t"},
        "arc": {"alpha": 0.5, "alpha_low": None, "alpha_high": None, "interpretation": "low"},
    }
    entries = agreement_entries(summary)
    assert [e["benchmark"] for e in entries] == ["overall", "arc", "mmlu"]
    assert format_alpha(entries[0]) == "α 0.712 [0.600, 0.800] t"
    assert format_alpha(entries[1]) == "α 0.500 low"
    assert format_alpha(entries[2]) == "α n/a"


def test_pulled_label_is_utc() -> None:
    assert pulled_label("2025-03-01T10:30:00+01:00") == "2025-03-01 09:30 UTC"
    assert pulled_label(None) == ""
    assert pulled_label("yesterday") == "yesterday"


# --- against a real Argilla ---------------------------------------------------------------


@pytest.fixture(scope="module")
def campaign(argilla_server, tmp_path_factory) -> Scripted:
    """8 ARC + 5 MMLU items; ana, ben, cris submit, draft and discard; dan only drafts."""
    s = push_campaign(argilla_server, tmp_path_factory.mktemp("status"), {"arc": 8, "mmlu": 5})
    s.add_users("ana", "ben", "cris", "dan")
    for i in range(6):
        s.answer("ana", "arc", i, "correct" if i != 2 else "unusable")
    for i in range(3):
        s.answer("ana", "mmlu", i, "correct")
    s.answer("ana", "arc", 6, "correct", status="draft")
    for i in range(4):
        s.answer("ben", "arc", i, "correct" if i != 1 else "corrected")
    for i in range(2):
        s.answer("ben", "mmlu", i, "unusable" if i else "correct")
    s.answer("ben", "arc", 4, None, status="discarded")
    s.answer("ben", "mmlu", 3, "correct", status="draft")
    for i in range(3):
        s.answer("cris", "arc", i, "correct")
    for i in range(2):
        s.answer("cris", "mmlu", i, "correct")
    # cris also leaves 4 drafts and 2 discards: 11 responses in all, the most of anyone
    for bench, i in (("arc", 6), ("arc", 7), ("mmlu", 3), ("mmlu", 4)):
        s.answer("cris", bench, i, "correct", status="draft")
    s.answer("cris", "arc", 5, None, status="discarded")
    s.answer("cris", "mmlu", 2, "unusable", status="discarded")
    s.answer("dan", "arc", 7, "correct", status="draft")
    s.answer("dan", "arc", 6, None, status="discarded")
    return s


def _status(s: Scripted, server) -> dict:
    return cli_json("status", "-c", str(s.config), info=server)


@pytest.mark.server
def test_status_matches_the_server_and_the_script(campaign: Scripted, argilla_server) -> None:
    s = campaign
    result = _status(s, argilla_server)
    rows = {r["benchmark"]: r for r in result["benchmarks"]}
    assert list(rows) == ["arc", "mmlu"]
    for bench in ("arc", "mmlu"):
        row = rows[bench]
        dataset = s.dataset_ids[bench]
        progress = s.owner.get(f"/api/v1/datasets/{dataset}/progress")
        assert (row["total"], row["completed"], row["pending"]) == (
            progress["total"],
            progress["completed"],
            progress["pending"],
        )
        users = s.owner.get(f"/api/v1/datasets/{dataset}/users/progress")["users"]
        for status, key in (("submitted", "submitted"), ("draft", "drafts")):
            server_sum = sum(u[rs][status] for u in users for rs in ("completed", "pending"))
            assert row[key] == server_sum == s.count(status, bench=bench)
        assert row["discarded"] == s.count("discarded", bench=bench)
        submitters = {u for u, b, _, st in s.ledger if b == bench and st == "submitted"}
        assert row["annotators"] == len(submitters) == 3

    # by hand: ARC items 0-3 got >= 2 submitted votes (min_submitted = 2), 4-7 did not;
    # MMLU items 0-1 did. Discards do not complete a record.
    assert (rows["arc"]["total"], rows["arc"]["completed"], rows["arc"]["pending"]) == (8, 4, 4)
    assert (rows["mmlu"]["total"], rows["mmlu"]["completed"], rows["mmlu"]["pending"]) == (5, 2, 3)
    assert (rows["arc"]["submitted"], rows["arc"]["drafts"], rows["arc"]["discarded"]) == (13, 4, 3)
    assert (rows["mmlu"]["submitted"], rows["mmlu"]["drafts"], rows["mmlu"]["discarded"]) == (
        7,
        3,
        1,
    )
    assert result["totals"]["annotators"] == 3 and result["totals"]["submitted"] == 20


@pytest.mark.server
def test_status_leaderboard_ignores_drafts_and_discards(campaign: Scripted, argilla_server):
    s = campaign
    board = _status(s, argilla_server)["leaderboard"]
    submitted = Counter(u for u, _, _, st in s.ledger if st == "submitted")
    responses = Counter(u for u, _, _, _ in s.ledger)
    # counted by hand: ana 9, ben 6, cris 5; with drafts and discards cris would lead (11)
    assert [(r["username"], r["submitted"]) for r in board] == [
        (s.username("ana"), 9),
        (s.username("ben"), 6),
        (s.username("cris"), 5),
    ]
    assert [r["submitted"] for r in board] == [submitted[r["username"]] for r in board]
    assert responses.most_common(1)[0] == (s.username("cris"), 11)
    assert [r["rank"] for r in board] == [1, 2, 3]
    assert board[0]["per_benchmark"] == {"arc": 6, "mmlu": 3}
    # care columns next to the count (the script has no phantom corrections; no gold)
    assert all(r["phantom_corrections"] == 0 for r in board)
    assert all("agreement_with_consensus" in r and "gold_accuracy" not in r for r in board)
    assert s.username("dan") not in {r["username"] for r in board}  # only drafts/discards


@pytest.mark.server
def test_status_agreement_appears_after_a_pull(campaign: Scripted, argilla_server) -> None:
    s = campaign
    before = _status(s, argilla_server)["agreement"]
    assert before["available"] is False and "annotate pull" in before["note"]
    text = cli("status", "-c", str(s.config), info=argilla_server)
    assert text.returncode == 0, text.stderr
    assert "no pull yet" in text.stdout and s.username("ana") in text.stdout

    cli_json("pull", "-c", str(s.config), info=argilla_server)
    agreement = _status(s, argilla_server)["agreement"]
    resolved = cli_json("resolve", "-c", str(s.config))["agreement"]
    assert agreement["available"] is True
    got = {e["benchmark"]: e for e in agreement["benchmarks"]}
    assert set(got) == {"arc", "mmlu", "overall"}
    for bench, entry in resolved.items():
        assert got[bench]["alpha"] == entry["alpha"]
        assert got[bench]["n_items"] == entry["n_items"]
    text = cli("status", "-c", str(s.config), info=argilla_server)
    assert "Agreement (pull of" in text.stdout and "overall α" in text.stdout


@pytest.mark.server
def test_status_before_push_says_so(argilla_server, tmp_path: Path) -> None:
    config = make_config(tmp_path, benchmarks=["arc"])
    result = _status_cfg(config, argilla_server)
    assert result["benchmarks"][0]["pushed"] is False
    assert result["leaderboard"] == []
    assert any("annotate push" in n for n in result["notes"])


def _status_cfg(config: Path, server) -> dict:
    return cli_json("status", "-c", str(config), info=server)
