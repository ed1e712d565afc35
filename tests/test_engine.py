"""The SQL search engine, on SQLite and on PostgreSQL, through the REST API the UI uses.

Each database gets its own real server (PostgreSQL: a throwaway cluster on loopback).
Searches are compared with a plain-Python model of what they must return, computed from
the owner's full listing of the same records, so every filter, sort, page and count is
checked against an independent answer, not against the engine's own idea of it.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import unicodedata
import uuid
from typing import Any

import httpx
import pytest
from argilla_rest import Rest, queue_body
from conftest import free_port

pytestmark = pytest.mark.server

N_RECORDS = 30
SUBJECTS = ["física", "historia", "química"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def engine_server(request, tmp_path_factory, _isolated_home):
    """A real server per database; PostgreSQL runs in a throwaway cluster."""
    from annotate import server

    cluster = None
    database_url = None
    if request.param == "postgresql":
        from postgres import Cluster, bin_dir

        if bin_dir() is None:
            if os.environ.get("ANNOTATE_REQUIRE_POSTGRES"):
                pytest.fail("PostgreSQL is not installed (apt-get install -y postgresql)")
            pytest.skip("PostgreSQL is not installed (CI installs it: .ci/run)")
        cluster = Cluster(free_port())
        database_url = cluster.start()
    data_dir = tmp_path_factory.mktemp(f"engine-{request.param}")
    try:
        info = server.start(data_dir=data_dir, port=free_port(), database_url=database_url)
        yield info
    finally:
        server.stop(data_dir)
        if cluster is not None:
            cluster.stop()


@pytest.fixture(scope="module")
def campaign(engine_server):
    """A dataset with every kind of value a filter or sort can look at, and 3 annotators."""
    import argilla as rg

    info = engine_server
    client = rg.Argilla(api_url=info.url, api_key=info.api_key)
    workspace = rg.Workspace(name=f"ws-{uuid.uuid4().hex[:8]}", client=client).create()
    settings = rg.Settings(
        fields=[rg.TextField(name="translation")],
        questions=[
            rg.LabelQuestion(name="verdict", labels=["correct", "corrected", "unusable"]),
            rg.RatingQuestion(name="quality", values=[1, 2, 3, 4, 5], required=False),
        ],
        metadata=[
            rg.TermsMetadataProperty(name="subject"),
            rg.IntegerMetadataProperty(name="length"),
            rg.FloatMetadataProperty(name="ratio"),
        ],
        vectors=[rg.VectorField(name="emb", dimensions=3)],
        distribution=rg.TaskDistribution(min_submitted=2),
    )
    dataset = rg.Dataset(
        name=f"engine-{uuid.uuid4().hex[:6]}", workspace=workspace, settings=settings, client=client
    ).create()
    records = []
    for i in range(N_RECORDS):
        metadata: dict[str, Any] = {"subject": SUBJECTS[i % 3]}
        if i % 5:
            metadata["length"] = (i * 7) % 23
        if i % 4:
            metadata["ratio"] = round(i / 7, 3)
        suggestions = []
        if i % 3:
            suggestions.append(
                rg.Suggestion(
                    "verdict",
                    ["correct", "corrected", "unusable"][i % 3],
                    score=round((i % 10) / 10, 2),
                    agent=f"mt-{i % 2}",
                )
            )
        records.append(
            rg.Record(
                id=f"item-{i:02d}",
                fields={"translation": f"Pregunta {i}: ¿cuál es la canción número {i}?"},
                metadata=metadata,
                suggestions=suggestions,
                vectors={"emb": [math.cos(i), math.sin(i), (i % 4) / 4]},
            )
        )
    dataset.records.log(records)
    owner = Rest(info.url, info.api_key)
    annotators = {
        name: owner.create_annotator(
            f"{name}-{uuid.uuid4().hex[:6]}", f"{name}-password-1", str(workspace.id)
        )
        for name in ("ana", "ben", "eva")
    }
    return {"owner": owner, "dataset_id": str(dataset.id), "annotators": annotators}


def _listing(owner: Rest, ds_id: str) -> list[dict]:
    return owner.get(
        f"/api/v1/datasets/{ds_id}/records",
        params={"include": ["responses", "suggestions", "vectors"], "limit": 1000},
    )["items"]


def _me(rest: Rest) -> str:
    return rest.get("/api/v1/me")["id"]


def _queue_body(response_statuses: list[str], record_statuses: list[str] | None = None) -> dict:
    return queue_body(response_statuses, record_statuses or [])


def _search(rest: Rest, ds_id: str, body: dict, *, me: bool, offset=0, limit=1000) -> dict:
    path = f"/api/v1/{'me/' if me else ''}datasets/{ds_id}/records/search"
    return rest.post(path, body, params={"offset": offset, "limit": limit})


def _ids(result: dict) -> list[str]:
    return [item["record"]["id"] for item in result["items"]]


# --- the model: what a search must return, computed in plain Python ---------------------


def _fold(s: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKD", s.casefold()) if not unicodedata.combining(c)
    )


def _elements(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _value_ok(value: Any, flt: dict) -> bool:
    if flt["type"] == "terms":
        return any(str(v) in {str(w) for w in flt["values"]} for v in _elements(value))
    ge, le = flt.get("ge"), flt.get("le")
    return any(
        isinstance(v, (int, float)) and (ge is None or v >= ge) and (le is None or v <= le)
        for v in _elements(value)
    )


def _matches(rec: dict, flt: dict, questions: dict, user_id: str | None) -> bool:
    scope = flt["scope"]
    entity = scope["entity"]
    if entity == "metadata":
        return _value_ok((rec.get("metadata") or {}).get(scope["metadata_property"]), flt)
    if entity == "record":
        return _value_ok(rec[scope["property"]], flt)
    if entity == "suggestion":
        prop = scope.get("property", "value")
        for s in rec["suggestions"]:
            if s["question_id"] == questions[scope["question"]]:
                return _value_ok(s.get(prop), flt)
        return False
    mine = [r for r in rec["responses"] if user_id is None or r["user_id"] == user_id]
    if scope.get("property") == "status":
        wanted = set(flt["values"])
        return ("pending" in wanted and not mine) or any(r["status"] in wanted for r in mine)
    values = [(r.get("values") or {}).get(scope["question"], {}).get("value") for r in mine]
    return any(_value_ok(v, flt) for v in values if v is not None)


def _model(records: list[dict], filters: list[dict], questions: dict, user_id=None) -> list[dict]:
    return [r for r in records if all(_matches(r, f, questions, user_id) for f in filters)]


def _rotation(ids: list[str], user_id: str) -> list[str]:
    """The documented per-user order: id order, from a pivot hashed from the user id."""
    pivot = uuid.UUID(bytes=hashlib.sha1(user_id.encode()).digest()[:16])
    ordered = sorted(ids, key=lambda i: uuid.UUID(i).int)
    head = [i for i in ordered if uuid.UUID(i).int >= pivot.int]
    return head + [i for i in ordered if uuid.UUID(i).int < pivot.int]


# --- tests ----------------------------------------------------------------------------


def test_queue_order_pages_and_totals_follow_responses(campaign):
    owner, ds_id = campaign["owner"], campaign["dataset_id"]
    ana, ben, eva = (campaign["annotators"][n] for n in ("ana", "ben", "eva"))
    all_ids = [r["id"] for r in _listing(owner, ds_id)]
    queue = _queue_body(["pending"], ["pending"])

    # Each annotator walks the dataset in their own stable order.
    orders = {}
    for name, rest in (("ana", ana), ("ben", ben)):
        first = _ids(_search(rest, ds_id, queue, me=True))
        assert first == _ids(_search(rest, ds_id, queue, me=True))
        assert first == _rotation(all_ids, _me(rest))
        orders[name] = first
    # Pages of any size concatenate to the whole queue, each record once.
    for size in (1, 4, 7):
        pages = []
        for offset in range(0, N_RECORDS + size, size):
            page = _search(ana, ds_id, queue, me=True, offset=offset, limit=size)
            assert page["total"] == N_RECORDS
            pages += _ids(page)
        assert pages == orders["ana"]

    # Responses move records out of (and into) each annotator's queues.
    for rid in orders["ana"][:5]:
        ana.respond(rid, {"verdict": "correct", "quality": 4})
    ana.respond(orders["ana"][5], {"verdict": "corrected"}, "draft")
    ana.respond(orders["ana"][6], {"verdict": "unusable", "quality": 1}, "discarded")
    for rid in orders["ana"][:2]:
        ben.respond(rid, {"verdict": "corrected", "quality": 2})  # completes 2 records
    eva.respond(orders["ana"][9], {"verdict": "correct", "quality": 5})

    records = _listing(owner, ds_id)
    assert sum(r["status"] == "completed" for r in records) == 2
    cases = [
        (["pending"], ["pending"]),
        (["pending"], None),
        (["submitted"], None),
        (["submitted"], ["completed"]),
        (["draft"], ["pending"]),
        (["discarded"], None),
        (["pending", "draft"], ["pending"]),
        (["submitted", "discarded", "draft"], ["pending", "completed"]),
    ]
    for rest in (ana, ben, eva):
        user_id = _me(rest)
        for response_statuses, record_statuses in cases:
            body = _queue_body(response_statuses, record_statuses)
            filters = body["filters"]["and"]
            expected = _model(records, filters, {}, user_id)
            result = _search(rest, ds_id, body, me=True)
            assert result["total"] == len(expected), (response_statuses, record_statuses)
            ids = [r["id"] for r in expected]
            assert _ids(result) == _rotation(ids, user_id)
            # The first page alone carries the right total.
            assert _search(rest, ds_id, body, me=True, limit=2)["total"] == len(expected)

    # Progress, the annotator's own counts and the owner's view of all responses.
    progress = owner.get(f"/api/v1/datasets/{ds_id}/progress")
    assert (progress["total"], progress["completed"], progress["pending"]) == (
        N_RECORDS,
        2,
        N_RECORDS - 2,
    )
    metrics = ana.get(f"/api/v1/me/datasets/{ds_id}/metrics")["responses"]
    assert (metrics["submitted"], metrics["draft"], metrics["discarded"]) == (5, 1, 1)
    assert metrics["pending"] == N_RECORDS - 7
    anyone = _search(owner, ds_id, _queue_body(["submitted"]), me=False)
    assert anyone["total"] == len({rid for rid in orders["ana"][:5]} | {orders["ana"][9]})


def _question_ids(owner: Rest, ds_id: str) -> dict:
    return {q["name"]: q["id"] for q in owner.get(f"/api/v1/datasets/{ds_id}/questions")["items"]}


FILTERS = [
    [
        {
            "type": "terms",
            "scope": {"entity": "metadata", "metadata_property": "subject"},
            "values": ["física", "química"],
        }
    ],
    [
        {
            "type": "range",
            "scope": {"entity": "metadata", "metadata_property": "length"},
            "ge": 5,
            "le": 15,
        }
    ],
    [{"type": "range", "scope": {"entity": "metadata", "metadata_property": "ratio"}, "ge": 2.0}],
    [
        {
            "type": "terms",
            "scope": {"entity": "suggestion", "question": "verdict"},
            "values": ["corrected"],
        }
    ],
    [
        {
            "type": "range",
            "scope": {"entity": "suggestion", "question": "verdict", "property": "score"},
            "le": 0.45,
        }
    ],
    [
        {
            "type": "terms",
            "scope": {"entity": "suggestion", "question": "verdict", "property": "agent"},
            "values": ["mt-1"],
        }
    ],
    [
        {
            "type": "terms",
            "scope": {"entity": "response", "question": "verdict"},
            "values": ["correct"],
        }
    ],
    [{"type": "range", "scope": {"entity": "response", "question": "quality"}, "ge": 3}],
    [
        {
            "type": "terms",
            "scope": {"entity": "record", "property": "status"},
            "values": ["pending"],
        },
        {
            "type": "terms",
            "scope": {"entity": "metadata", "metadata_property": "subject"},
            "values": ["historia"],
        },
        {"type": "range", "scope": {"entity": "metadata", "metadata_property": "length"}, "le": 20},
    ],
]


@pytest.fixture(scope="module")
def answered(campaign):
    """Responses of two annotators to filter on (an upsert: harmless when repeated)."""
    owner, ds_id = campaign["owner"], campaign["dataset_id"]
    by_external = {r["external_id"]: r["id"] for r in _listing(owner, ds_id)}
    plan = {
        "ana": {0: ("correct", 4), 1: ("corrected", 2), 2: ("correct", 5), 7: ("unusable", 1)},
        "ben": {0: ("corrected", 3), 7: ("correct", None)},
    }
    for name, answers in plan.items():
        items = []
        for i, (verdict, quality) in answers.items():
            values = {"verdict": {"value": verdict}}
            if quality is not None:
                values["quality"] = {"value": quality}
            items.append(
                {"record_id": by_external[f"item-{i:02d}"], "values": values, "status": "submitted"}
            )
        campaign["annotators"][name].post("/api/v1/me/responses/bulk", {"items": items})
    return campaign


@pytest.mark.parametrize("filters", FILTERS, ids=range(len(FILTERS)))
def test_owner_filters_match_the_model(answered, filters):
    campaign = answered
    owner, ds_id = campaign["owner"], campaign["dataset_id"]
    records = _listing(owner, ds_id)
    expected = _model(records, filters, _question_ids(owner, ds_id))
    result = _search(owner, ds_id, {"filters": {"and": filters}}, me=False)
    assert result["total"] == len(expected)
    # Without a sort, the owner sees insertion order (the listing's order).
    assert _ids(result) == [r["id"] for r in expected]


def _sort_key(rec: dict, sort: dict, questions: dict):
    scope = sort["scope"]
    if scope["entity"] == "metadata":
        return (rec.get("metadata") or {}).get(scope["metadata_property"])
    if scope["entity"] == "record":
        return rec[scope["property"]]
    for s in rec["suggestions"]:
        if s["question_id"] == questions[scope["question"]]:
            return s.get(scope.get("property", "value"))
    return None


SORTS = [
    {"scope": {"entity": "metadata", "metadata_property": "length"}, "order": "asc"},
    {"scope": {"entity": "metadata", "metadata_property": "ratio"}, "order": "desc"},
    {"scope": {"entity": "record", "property": "external_id"}, "order": "desc"},
    {"scope": {"entity": "suggestion", "question": "verdict", "property": "score"}, "order": "asc"},
]


@pytest.mark.parametrize("sort", SORTS, ids=range(len(SORTS)))
def test_sorts_put_missing_values_last_and_keep_insertion_order_on_ties(campaign, sort):
    owner, ds_id = campaign["owner"], campaign["dataset_id"]
    records = _listing(owner, ds_id)
    questions = _question_ids(owner, ds_id)
    present = [r for r in records if _sort_key(r, sort, questions) is not None]
    missing = [r for r in records if _sort_key(r, sort, questions) is None]
    # A stable sort, also descending: ties keep insertion order (the listing's).
    present.sort(key=lambda r: _sort_key(r, sort, questions), reverse=sort["order"] == "desc")
    expected = [r["id"] for r in present + missing]
    for offset, limit in ((0, 1000), (3, 5)):
        result = _search(owner, ds_id, {"sort": [sort]}, me=False, offset=offset, limit=limit)
        assert result["total"] == N_RECORDS
        assert _ids(result) == expected[offset : offset + limit]


def test_text_search_ranks_hits_and_respects_filters(campaign):
    owner, ds_id = campaign["owner"], campaign["dataset_id"]
    records = _listing(owner, ds_id)

    def score(rec: dict, terms: list[str]) -> int | None:
        text = _fold(rec["fields"]["translation"])
        hits = [text.count(t) for t in terms]
        return sum(hits) if all(hits) else None

    scored = [(r, score(r, ["cancion", "1"])) for r in records]
    scored = [(r, s) for r, s in scored if s is not None]
    # Best score first; ties keep insertion order (a stable sort).
    expected = [r["id"] for r, _ in sorted(scored, key=lambda rs: -rs[1])]
    assert 1 < len(expected) < N_RECORDS
    for offset, limit in ((0, 1000), (2, 3)):
        hits = _search(
            owner,
            ds_id,
            {"query": {"text": {"q": "CANCIÓN 1"}}},
            me=False,
            offset=offset,
            limit=limit,
        )
        assert hits["total"] == len(expected)
        assert _ids(hits) == expected[offset : offset + limit]

    body = {
        "query": {"text": {"q": "pregunta", "field": "translation"}},
        "filters": {"and": FILTERS[0]},
    }
    filtered = _search(owner, ds_id, body, me=False, limit=4)
    assert filtered["total"] == len(_model(records, FILTERS[0], {}))
    assert _ids(filtered) == [r["id"] for r in _model(records, FILTERS[0], {})][:4]
    assert _search(owner, ds_id, {"query": {"text": {"q": "zzz"}}}, me=False)["total"] == 0


def test_metadata_metrics_count_terms_and_bound_numbers(campaign):
    owner, ds_id = campaign["owner"], campaign["dataset_id"]
    records = _listing(owner, ds_id)
    props = {
        p["name"]: p["id"]
        for p in owner.get(f"/api/v1/me/datasets/{ds_id}/metadata-properties")["items"]
    }
    subject = owner.get(f"/api/v1/metadata-properties/{props['subject']}/metrics")
    assert subject["total"] == N_RECORDS
    assert {v["term"]: v["count"] for v in subject["values"]} == {
        s: sum(r["metadata"]["subject"] == s for r in records) for s in SUBJECTS
    }
    for name in ("length", "ratio"):
        values = [r["metadata"][name] for r in records if name in (r["metadata"] or {})]
        metrics = owner.get(f"/api/v1/metadata-properties/{props[name]}/metrics")
        assert (metrics["min"], metrics["max"]) == (min(values), max(values))


def test_similarity_search_orders_by_cosine(campaign):
    owner, ds_id = campaign["owner"], campaign["dataset_id"]
    records = _listing(owner, ds_id)
    target = records[3]
    tv = target["vectors"]["emb"]

    def cos(v):
        dot = sum(a * b for a, b in zip(tv, v, strict=True))
        return dot / (math.hypot(*tv) * math.hypot(*v))

    others = sorted(
        (r for r in records if r["id"] != target["id"]),
        key=lambda r: cos(r["vectors"]["emb"]),
        reverse=True,
    )
    result = _search(
        owner,
        ds_id,
        {"query": {"vector": {"name": "emb", "record_id": target["id"]}}},
        me=False,
        limit=5,
    )
    assert _ids(result) == [r["id"] for r in others[:5]]
    least = _search(
        owner,
        ds_id,
        {"query": {"vector": {"name": "emb", "value": tv, "order": "least_similar"}}},
        me=False,
        limit=3,
    )
    assert _ids(least) == [
        r["id"] for r in sorted(records, key=lambda r: cos(r["vectors"]["emb"]))[:3]
    ]


def _prioritised(records: list[dict], user_id: str) -> list[str]:
    """The queue contract: `annotate_priority` descending, records without one last, then
    the user's rotation (a stable sort of the rotation keeps it within ties)."""
    rotation = _rotation([r["id"] for r in records], user_id)
    priority = {r["id"]: (r.get("metadata") or {}).get("annotate_priority") for r in records}
    return sorted(rotation, key=lambda i: (priority[i] is None, -(priority[i] or 0.0)))


def test_queue_puts_annotate_priority_first(engine_server):
    """A float `annotate_priority` orders every annotator's queue (ties and records
    without one in the user's own rotation), on both databases, page by page."""
    import argilla as rg

    info = engine_server
    client = rg.Argilla(api_url=info.url, api_key=info.api_key)
    workspace = rg.Workspace(name=f"ws-{uuid.uuid4().hex[:8]}", client=client).create()
    dataset = rg.Dataset(
        name=f"prio-{uuid.uuid4().hex[:6]}",
        workspace=workspace,
        settings=rg.Settings(
            fields=[rg.TextField(name="translation")],
            questions=[rg.LabelQuestion(name="verdict", labels=["correct", "unusable"])],
            metadata=[rg.FloatMetadataProperty(name="annotate_priority")],
            distribution=rg.TaskDistribution(min_submitted=1),
        ),
        client=client,
    ).create()
    levels = [2.5, 0.75, -1.0, 0.75, 2.5, None, 10.0, None, 0.75, -1.0, None, 0.0, 2.5, None]
    dataset.records.log(
        [
            rg.Record(
                id=f"p{i}",
                fields={"translation": f"Frase {i}"},
                metadata={} if level is None else {"annotate_priority": level},
            )
            for i, level in enumerate(levels)
        ]
    )
    ds_id = str(dataset.id)
    owner = Rest(info.url, info.api_key)
    ana, ben = (
        owner.create_annotator(f"{n}-{uuid.uuid4().hex[:6]}", f"{n}-pw-1", str(workspace.id))
        for n in ("ana", "ben")
    )
    queue = _queue_body(["pending"], ["pending"])
    records = _listing(owner, ds_id)
    for rest in (ana, ben):
        expected = _prioritised(records, _me(rest))
        assert _ids(_search(rest, ds_id, queue, me=True)) == expected
        for size in (1, 4):  # pages concatenate to the whole order, each record once
            pages = []
            for offset in range(0, len(levels) + size, size):
                page = _search(rest, ds_id, queue, me=True, offset=offset, limit=size)
                assert page["total"] == len(levels)
                pages += _ids(page)
            assert pages == expected
    # Answered records leave the queue (min_submitted=1: they are completed for all).
    for rid in _ids(_search(ana, ds_id, queue, me=True, limit=3)):
        ana.respond(rid, {"verdict": "correct"})
    records = _listing(owner, ds_id)
    pending = [r for r in records if r["status"] == "pending"]
    assert len(pending) == len(levels) - 3
    for rest in (ana, ben):
        result = _search(rest, ds_id, queue, me=True)
        assert result["total"] == len(pending)
        assert _ids(result) == _prioritised(pending, _me(rest))


def test_a_retried_submission_is_stored_once(campaign):
    """A client that retries a submit (e.g. after a 500) cannot create a second response:
    argilla-server keeps one response per user and record (a unique constraint)."""
    owner, ds_id = campaign["owner"], campaign["dataset_id"]
    eva = campaign["annotators"]["eva"]
    rid = _ids(_search(eva, ds_id, _queue_body(["pending"], ["pending"]), me=True, limit=1))[0]
    payload = {"values": {"verdict": {"value": "correct"}}, "status": "submitted"}
    first = eva.http.post(f"/api/v1/records/{rid}/responses", json=payload)
    again = eva.http.post(f"/api/v1/records/{rid}/responses", json=payload)
    assert first.status_code == 201, first.text
    assert again.status_code in (409, 422), again.text
    # The UI's bulk endpoint upserts: a retry updates the same response.
    bulk = {"items": [{"record_id": rid, **payload}]}
    for _ in range(2):
        r = eva.http.post("/api/v1/me/responses/bulk", json=bulk)
        assert r.status_code == 200 and not r.json()["items"][0].get("error"), r.text
    record = next(r for r in _listing(owner, ds_id) if r["id"] == rid)
    mine = [r for r in record["responses"] if r["user_id"] == _me(eva)]
    assert len(mine) == 1


def test_database_url_is_remembered_and_validated(tmp_path, engine_server):
    from annotate import server
    from annotate.errors import AnnotateError

    with pytest.raises(AnnotateError, match="PostgreSQL URL"):
        server.start(data_dir=tmp_path / "d", port=free_port(), database_url="mysql://x/y")
    assert not (tmp_path / "d" / "database-url").exists()
    stored = engine_server.data_dir / "database-url"
    if stored.exists():  # the PostgreSQL server: its URL is kept, owner-only
        assert stored.read_text().startswith("postgresql+asyncpg://")
        assert stored.stat().st_mode & 0o077 == 0
        assert not (engine_server.data_dir / "argilla.db").exists()
    else:
        assert (engine_server.data_dir / "argilla.db").exists()
    assert httpx.get(f"{engine_server.url}/api/v1/version").status_code == 200
    assert shutil.which("runuser") or os.geteuid() != 0
