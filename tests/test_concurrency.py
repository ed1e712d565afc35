"""Many annotators at once against the embedded server: no errors, nothing lost or doubled.

30 simulated volunteers (threads, each with their own API key) fetch their next record
the way the annotator UI does and submit it, for a bounded number of rounds. Before the
engine read through its own pool, 16 concurrent searches exhausted argilla-server's
connection pool and every request failed after 30 s. The same crowd runs against the
session's one-process server and against a server with two HTTP processes sharing one
SQLite file (`server start --workers 2`).
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from argilla_rest import Rest, queue_body
from conftest import free_port

pytestmark = pytest.mark.server

ANNOTATORS = 30
ROUNDS = 3
RECORDS = 60

QUEUE = queue_body()


@pytest.fixture(scope="module", params=[1, 2], ids=["1-process", "2-processes"])
def crowd_server(request, tmp_path_factory):
    """(server, HTTP processes): the session's server, or one of its own with 2 processes."""
    if request.param == 1:
        yield request.getfixturevalue("argilla_server"), 1
        return
    from annotate import server

    data_dir = tmp_path_factory.mktemp("two-processes")
    info = server.start(data_dir=data_dir, port=free_port(), workers=2)
    try:
        yield info, 2
    finally:
        server.stop(data_dir)


def _http_processes(pgid: int) -> int:
    """How many of the server's processes are HTTP processes of a multi-process server."""
    count = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if int(stat[2]) == pgid and b"http" in argv[1:4]:
            count += 1
    return count


def test_thirty_concurrent_annotators_lose_and_double_nothing(crowd_server):
    import argilla as rg

    info, processes = crowd_server
    client = rg.Argilla(api_url=info.url, api_key=info.api_key)
    workspace = rg.Workspace(name=f"ws-{uuid.uuid4().hex[:8]}", client=client).create()
    settings = rg.Settings(
        fields=[rg.TextField(name="translation")],
        questions=[rg.LabelQuestion(name="verdict", labels=["correct", "unusable"])],
        distribution=rg.TaskDistribution(min_submitted=2),
    )
    dataset = rg.Dataset(
        name=f"crowd-{uuid.uuid4().hex[:6]}", workspace=workspace, settings=settings, client=client
    ).create()
    dataset.records.log(
        [rg.Record(id=f"r{i}", fields={"translation": f"Frase {i}"}) for i in range(RECORDS)]
    )
    ds_id = str(dataset.id)
    owner = Rest(info.url, info.api_key)
    keys = []
    for i in range(ANNOTATORS):
        rest = owner.create_annotator(
            f"crowd{i}-{uuid.uuid4().hex[:6]}", "pw-crowd-1", str(workspace.id)
        )
        keys.append(rest.http.headers["X-Argilla-Api-Key"])

    acknowledged: list[tuple[str, str]] = []  # (record id, response id)
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(ANNOTATORS)

    def volunteer(key: str) -> None:
        with httpx.Client(
            base_url=info.url, headers={"X-Argilla-Api-Key": key}, timeout=120
        ) as http:
            start.wait()
            for _ in range(ROUNDS):
                r = http.post(
                    f"/api/v1/me/datasets/{ds_id}/records/search",
                    json=QUEUE,
                    params={"include": ["responses", "suggestions"], "limit": 1},
                )
                if r.status_code != 200:
                    with lock:
                        errors.append(f"search {r.status_code}: {r.text[:200]}")
                    continue
                items = r.json()["items"]
                if not items:
                    return
                rid = items[0]["record"]["id"]
                s = http.post(
                    f"/api/v1/records/{rid}/responses",
                    json={"values": {"verdict": {"value": "correct"}}, "status": "submitted"},
                )
                with lock:
                    if s.status_code == 201:
                        acknowledged.append((rid, s.json()["id"]))
                    else:
                        errors.append(f"submit {s.status_code}: {s.text[:200]}")

    with ThreadPoolExecutor(ANNOTATORS) as pool:
        list(pool.map(volunteer, keys))

    assert errors == []
    assert len(acknowledged) == ANNOTATORS * ROUNDS
    stored = [
        (rec["id"], resp["id"])
        for rec in owner.get(
            f"/api/v1/datasets/{ds_id}/records", params={"include": ["responses"], "limit": 1000}
        )["items"]
        for resp in rec["responses"]
    ]
    assert sorted(stored) == sorted(acknowledged)  # each acknowledged response exactly once
    # Each annotator answered distinct records (the queue never served an answered one).
    progress = owner.get(f"/api/v1/datasets/{ds_id}/progress")
    assert progress["total"] == RECORDS
    if Path("/proc/self/stat").exists():  # the crowd was served by the processes asked for
        assert _http_processes(info.pid) == (processes if processes > 1 else 0)
