"""Pure parts of push, pull, store, users and connection, tested without a server."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from annotate import store
from annotate.connection import resolve_connection
from annotate.errors import ConfigError, ConnectionFailed
from annotate.model import Item
from annotate.pull import diff, tidy, to_frames
from annotate.push import plan_push
from annotate.users import read_users_csv


def _item(key: str, question: str) -> Item:
    return Item(
        benchmark="arc", key=key, index=0, segments={"question": question, "A": "x"}, row={}
    )


def test_plan_push_splits_new_changed_and_unchanged():
    same, changed, new = _item("1", "a"), _item("2", "b"), _item("3", "c")
    existing = {same.record_id: same.content_hash, changed.record_id: "stale-hash"}
    plan = plan_push([same, changed, new], existing)
    assert [i.key for i in plan.create] == ["3"]
    assert [i.key for i in plan.update] == ["2"]
    assert [i.key for i in plan.unchanged] == ["1"]


def test_content_hash_follows_what_annotators_see():
    assert _item("1", "a").content_hash == _item("1", "a").content_hash
    assert _item("1", "a").content_hash != _item("1", "b").content_hash


RAW = [
    {
        "id": "uuid-1",
        "external_id": "arc:q1",
        "status": "completed",
        "metadata": {"item_key": "q1", "content_hash": "h1"},
        "fields": {"translation": "¿Qué?"},
        "suggestions": [{"question_name": "correction", "value": "[[question]]\n¿Qué?"}],
        "inserted_at": "2026-01-01T10:00:00",
        "updated_at": "2026-01-01T10:00:00",
        "responses": [
            {
                "user_id": "u1",
                "status": "submitted",
                "values": {
                    "verdict": {"value": "corrected"},
                    "error_categories": {"value": ["terminology", "grammar_spelling"]},
                    "correction": {"value": "[[question]]\n¿Cuál?"},
                },
                "inserted_at": "2026-01-01T11:00:00",
                "updated_at": "2026-01-01T11:05:00",
            },
            {
                "user_id": "u2",
                "status": "discarded",
                "values": {},
                "inserted_at": "2026-01-01T12:00:00",
                "updated_at": "2026-01-01T12:00:00",
            },
        ],
    }
]


def test_tidy_gives_one_row_per_record_user_question_with_usernames():
    responses, records = tidy(RAW, benchmark="arc", dataset="ds", usernames={"u1": "ana"})
    rows = {(r["username"], r["question"]): r for r in responses}
    assert set(rows) == {
        ("ana", "verdict"),
        ("ana", "error_categories"),
        ("ana", "correction"),
        ("u2", "verdict"),
    }
    assert rows[("ana", "verdict")]["value"] == "corrected"
    assert json.loads(rows[("ana", "error_categories")]["value"]) == [
        "terminology",
        "grammar_spelling",
    ]
    # A discard with no values is still visible, as a verdict row with no value.
    assert rows[("u2", "verdict")]["status"] == "discarded"
    assert rows[("u2", "verdict")]["value"] is None
    assert records[0]["suggestion"] == "[[question]]\n¿Qué?"
    assert records[0]["content_hash"] == "h1" and records[0]["item_key"] == "q1"


def test_diff_counts_new_and_changed_responses():
    responses, records = tidy(RAW, benchmark="arc", dataset="ds", usernames={})
    before, _ = to_frames(responses, records)
    assert diff(None, before) == {"new": 2, "changed": 0}
    assert diff(before, before) == {"new": 0, "changed": 0}
    edited = json.loads(json.dumps(RAW))
    edited[0]["responses"][0]["values"]["verdict"]["value"] = "correct"
    edited[0]["responses"].append(
        {
            "user_id": "u3",
            "status": "submitted",
            "values": {"verdict": {"value": "correct"}},
            "inserted_at": "2026-01-02T00:00:00",
            "updated_at": "2026-01-02T00:00:00",
        }
    )
    after, _ = to_frames(*tidy(edited, benchmark="arc", dataset="ds", usernames={}))
    assert diff(before, after) == {"new": 1, "changed": 1}


def test_snapshot_is_atomic_and_latest_survives_a_failed_write(tmp_path, monkeypatch):
    responses, records = to_frames(*tidy(RAW, benchmark="arc", dataset="ds", usernames={}))
    first = store.write_snapshot(
        tmp_path, responses, records, {"snapshot": "20260101T000000_000000Z"}
    )
    assert store.latest(tmp_path) == first

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", boom)
    with pytest.raises(OSError):
        store.write_snapshot(tmp_path, responses, records, {"snapshot": "20260102T000000_000000Z"})
    monkeypatch.undo()
    assert store.latest(tmp_path) == first
    assert [p.name for p in store.snapshots(tmp_path)] == [first.name]
    # The next good pull cleans the unfinished folder.
    second = store.write_snapshot(
        tmp_path, responses, records, {"snapshot": "20260103T000000_000000Z"}
    )
    assert store.latest(tmp_path) == second
    assert not list((tmp_path / "snapshots").glob(".tmp-*"))


def test_users_csv_is_checked_line_by_line(tmp_path: Path):
    good = tmp_path / "u.csv"
    good.write_text("username,first_name\nlucia,Lucía\nmarc,\n", encoding="utf-8")
    assert [u["username"] for u in read_users_csv(good)] == ["lucia", "marc"]
    dup = tmp_path / "dup.csv"
    dup.write_text("username\nlucia\nlucia\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"dup.csv:3: duplicate username 'lucia'"):
        read_users_csv(dup)
    bad = tmp_path / "bad.csv"
    bad.write_text("username\nla lucia\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.csv:2: invalid username"):
        read_users_csv(bad)
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("name\nlucia\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no 'username' column"):
        read_users_csv(nocol)


def test_connection_order_flags_then_environment_then_local(monkeypatch, tmp_path):
    monkeypatch.setenv("ANNOTATE_HOME", str(tmp_path))
    monkeypatch.setenv("ARGILLA_API_URL", "http://env:1")
    monkeypatch.setenv("ARGILLA_API_KEY", "env-key")
    assert resolve_connection("http://flag:2", "flag-key").url == "http://flag:2"
    conn = resolve_connection()
    assert (conn.url, conn.api_key, conn.source) == ("http://env:1", "env-key", "environment")
    assert "env-key" not in repr(conn)
    monkeypatch.delenv("ARGILLA_API_KEY")
    with pytest.raises(ConnectionFailed, match="ARGILLA_API_KEY is not set"):
        resolve_connection()
    monkeypatch.delenv("ARGILLA_API_URL")
    with pytest.raises(ConnectionFailed, match="no Argilla server"):
        resolve_connection()


def test_private_files_are_owner_only(tmp_path):
    from annotate.paths import write_private

    path = tmp_path / "secret.json"
    write_private(path, "{}")
    assert os.stat(path).st_mode & 0o077 == 0
