"""A search engine for argilla-server that answers from Argilla's own SQL database.

Runs inside the argilla-server virtual environment (never imported by `annotate` itself).
Elasticsearch and OpenSearch are only a derived index of the SQL database; this engine
keeps no index of its own, so every index-maintenance hook is a no-op and nothing can
drift out of sync, also across restarts.

Every read is one or a few SQL statements on SQLite or PostgreSQL: filters, the annotator
queue (a user's pending records), the per-user order, paging, totals, progress and
metadata metrics. Their cost does not grow with the dataset: `prepare_database` adds the
indexes they need (CREATE INDEX IF NOT EXISTS on argilla-server's tables; its migrations
are untouched), and the queue walks an index from a per-user starting point instead of
sorting the dataset. A float metadata property `annotate_priority` (written by `annotate
push` when triage asks for it) puts the records carrying it first, highest first. Text
search and similarity stream the candidate rows' text or vectors in pages and keep only
the best ones, so memory stays bounded.

The engine reads through a connection pool of its own. The request that calls it already
holds a connection of argilla-server's pool; borrowing a second one from the same pool is
what deadlocked 16 concurrent searches. `tune_argilla_pool` sizes argilla-server's pool so
that a burst waits for a connection instead of failing after 30 s.
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import json
import math
import os
import unicodedata
import uuid
from collections.abc import Iterable
from contextlib import asynccontextmanager
from typing import Any

from argilla_server.enums import (
    MetadataPropertyType,
    RecordStatus,
    ResponseStatus,
    ResponseStatusFilter,
    SimilarityOrder,
    SortOrder,
)
from argilla_server.models import (
    Dataset,
    MetadataProperty,
    Record,
    Response,
    Suggestion,
    User,
    VectorSettings,
)
from argilla_server.search_engine.base import (
    AndFilter,
    Filter,
    FloatMetadataMetrics,
    IntegerMetadataMetrics,
    MetadataFilterScope,
    MetadataMetrics,
    Order,
    RangeFilter,
    RecordFilterScope,
    ResponseFilterScope,
    SearchEngine,
    SearchResponseItem,
    SearchResponses,
    SuggestionFilterScope,
    TermsFilter,
    TermsMetrics,
    TextQuery,
)
from sqlalchemy import text

ENGINE_NAME = "annotate-sql"

# Rows fetched per round trip when text search or similarity streams candidates.
_STREAM_BATCH = 1000

# The float metadata property that puts records first in every annotator's queue (the
# contract with `annotate push`'s triage): highest value first, records without one last.
PRIORITY_PROPERTY = "annotate_priority"


def priority_sql(dialect: str, column: str = "r.metadata") -> str:
    """A record's priority as a number, NULL when it has none.

    Written with literals only, so that the database recognises it as the expression of
    the `annotate_records_priority` index (bind parameters would hide that).
    """
    key = PRIORITY_PROPERTY
    if dialect == "postgresql":
        return (
            f"(CASE WHEN json_typeof({column} -> '{key}') = 'number' "
            f"THEN CAST({column} ->> '{key}' AS DOUBLE PRECISION) END)"
        )
    path = f"'$.\"{key}\"'"
    return (
        f"(CASE WHEN json_type({column}, {path}) IN ('integer', 'real') "
        f"THEN json_extract({column}, {path}) END)"
    )


def indexes(dialect: str) -> tuple[str, ...]:
    """The indexes the engine's queries need, on argilla-server's own tables. Idempotent."""
    priority = priority_sql(dialect, "metadata")
    return (
        # The annotator queue: pending records of a dataset, walked in id order.
        "CREATE INDEX IF NOT EXISTS annotate_records_queue ON records (dataset_id, status, id)",
        # The default order of owner searches and listings: insertion order.
        "CREATE INDEX IF NOT EXISTS annotate_records_inserted "
        "ON records (dataset_id, inserted_at, id)",
        # A user's responses (queue totals, user progress) without scanning the dataset.
        "CREATE INDEX IF NOT EXISTS annotate_responses_user "
        "ON responses (user_id, record_id, status)",
        # The prioritised queue: only records that carry a priority are in it.
        "CREATE INDEX IF NOT EXISTS annotate_records_priority "
        f"ON records (dataset_id, status, {priority}, id) WHERE {priority} IS NOT NULL",
    )


# --- connections ----------------------------------------------------------------------


def _pool_args(url: str, *, engine_pool: bool) -> dict:
    """Pool settings: under a burst, requests wait for a connection instead of failing.

    Bounded (PostgreSQL allows 100 connections by default, and more concurrent SQLite
    transactions only lengthen the queue for its one write lock), with a 10 minute wait
    instead of SQLAlchemy's 30 s.
    """
    from argilla_server.settings import settings

    sqlite = url.startswith("sqlite")
    size, overflow = (8, 4) if engine_pool else (20, 20)
    if not sqlite:  # N processes share PostgreSQL's 100 connections
        processes = max(1, int(os.environ.get("ANNOTATE_SERVER_WORKERS") or 1))
        size, overflow = max(2, size // processes), max(2, overflow // processes)
    args: dict = {"pool_size": size, "max_overflow": overflow, "pool_timeout": 600}
    if sqlite:
        args["connect_args"] = {"timeout": _sqlite_busy_timeout(settings)}
    else:
        args["pool_pre_ping"] = True
    return args


def _sqlite_busy_timeout(settings) -> float:
    """How long a write waits for SQLite's single write lock before failing.

    argilla-server's 5 s is too short under a burst: a transaction holds the lock across
    several turns of a busy event loop, and the writers queued behind it then fail with
    "database is locked" (measured: 7 failed submissions among 30 annotators).
    """
    return max(float(settings.database_sqlite_timeout or 0), 120.0)


def tune_argilla_pool(*, worker: bool = False) -> None:
    """Rebind argilla-server's sessions to a pool sized for bursts (see `_pool_args`).

    Called by the launcher before the app serves its first request. argilla-server builds
    its engine at import time with SQLAlchemy's default pool (5 + 10 connections, 30 s
    timeout); its settings offer no knob for SQLite. The worker runs each job in a new
    event loop, where pooled asyncpg connections of an earlier loop cannot be reused: it
    gets no pool at all (jobs are rare).
    """
    from argilla_server import database
    from argilla_server.settings import settings
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    url = settings.database_url
    if worker:
        args = {"poolclass": NullPool}
        if url.startswith("sqlite"):
            args["connect_args"] = {"timeout": _sqlite_busy_timeout(settings)}
    else:
        args = _pool_args(url, engine_pool=False)
    engine = create_async_engine(url, **args)
    database.async_engine = engine
    database.AsyncSessionLocal.configure(bind=engine)


def prepare_database() -> None:
    """Create the indexes the engine needs; switch SQLite to write-ahead logging.

    WAL lets annotators' reads run while another annotator's submission commits (with
    the default rollback journal they block each other). Both steps are idempotent.
    """
    from argilla_server.settings import settings
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    async def run() -> None:
        engine = create_async_engine(settings.database_url, poolclass=NullPool)
        try:
            async with engine.begin() as conn:
                if engine.dialect.name == "sqlite":
                    await conn.exec_driver_sql("PRAGMA journal_mode=WAL")
                for statement in indexes(engine.dialect.name):
                    await conn.exec_driver_sql(statement)
        finally:
            await engine.dispose()

    asyncio.run(run())


_ENGINES: dict[int, Any] = {}


def _read_engine():
    """The engine's own pool, one per event loop (asyncpg connections belong to a loop)."""
    loop = asyncio.get_running_loop()
    engine = _ENGINES.get(id(loop))
    if engine is None:
        from argilla_server.settings import settings
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(
            settings.database_url, **_pool_args(settings.database_url, engine_pool=True)
        )
        _ENGINES.clear()  # an engine of a finished loop cannot be used any more
        _ENGINES[id(loop)] = engine
    return engine


# --- text -----------------------------------------------------------------------------


def _fold(value: str) -> str:
    """Lower-case and strip accents, so `cancion` finds `Canción` as annotators expect."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _field_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):  # chat fields: [{"role":..., "content":...}]
        return " ".join(_field_text(v.get("content") if isinstance(v, dict) else v) for v in value)
    if isinstance(value, dict):
        return " ".join(_field_text(v) for v in value.values())
    return str(value)


def _query_terms(query: TextQuery) -> list[str]:
    terms = [_fold(t) for t in query.q.replace('"', " ").split() if t not in ("+", "|")]
    return [t.rstrip("*") for t in terms if t.strip("*")]


def _text_score(fields: dict, query: TextQuery, terms: list[str]) -> float | None:
    """All terms must appear (Elasticsearch's AND operator); the score counts hits."""
    if not terms:
        return 1.0
    if query.field:
        texts = [_field_text(fields.get(query.field))]
    else:
        texts = [_field_text(v) for v in fields.values()]
    haystack = _fold(" ".join(texts))
    hits = [haystack.count(t) for t in terms]
    return float(sum(hits)) if all(hits) else None


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def user_pivot(user_id: Any) -> uuid.UUID:
    """Where a user's walk through the dataset starts.

    Record ids are random (uuid4), so id order is a random permutation of the dataset
    that an index can walk. Each annotator starts that walk at their own point, given by
    a hash of their id, and wraps around: a stable per-user order, computed by the index,
    that spreads overlapping annotators over different records.
    """
    return uuid.UUID(bytes=hashlib.sha1(str(user_id).encode()).digest()[:16])


# --- SQL building -----------------------------------------------------------------------


class _Sql:
    """Collects bind parameters for one statement, per dialect (SQLite or PostgreSQL)."""

    def __init__(self, dialect: str):
        self.pg = dialect == "postgresql"
        self.params: dict[str, Any] = {}

    def p(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def uid(self, value: Any) -> str:
        value = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
        return self.p(value if self.pg else value.hex)

    def in_(self, column: str, values: Iterable[Any]) -> str:
        values = list(values)
        if not values:
            return "1 = 0"
        if len(values) == 1:
            return f"{column} = {self.p(values[0])}"
        return f"{column} IN ({', '.join(self.p(v) for v in values)})"

    # JSON: `path` is a list of object keys below the column ([] = the column itself).
    def json_elements(self, column: str, path: list[str], predicate) -> str:
        """EXISTS over the value at `path`, or each element when it is a list.

        `predicate(kind, value_text, value_number)` builds the condition on one element.
        """
        if self.pg:
            node = column + "".join(f" -> CAST({self.p(k)} AS TEXT)" for k in path)
            source = (
                f"json_array_elements(CASE WHEN json_typeof({node}) = 'array' "
                f"THEN {node} ELSE json_build_array({node}) END) AS je(v)"
            )
            cond = predicate(
                "json_typeof(je.v)",
                "(je.v #>> '{}')",
                "(CASE WHEN json_typeof(je.v) = 'number' THEN (je.v #>> '{}')::float END)",
                {"string": "'string'", "number": "'number'", "null": "'null'"},
            )
            return f"EXISTS (SELECT 1 FROM {source} WHERE {cond})"
        json_path = "$" + "".join(f'."{k}"' for k in path)
        source = f"json_each({column}, {self.p(json_path)}) AS je"
        cond = predicate(
            "je.type",
            "CAST(je.value AS TEXT)",
            "(CASE WHEN je.type IN ('integer', 'real') THEN je.value END)",
            {"string": "'text'", "number": None, "null": "'null'"},
        )
        return f"EXISTS (SELECT 1 FROM {source} WHERE {cond})"

    def json_scalar(self, column: str, path: list[str]) -> tuple[str, str]:
        """(number, text) of the value at `path`: NULL where it is not of that kind."""
        if self.pg:
            node = column + "".join(f" -> CAST({self.p(k)} AS TEXT)" for k in path)
            number = (
                f"(CASE WHEN json_typeof({node}) = 'number' THEN ({node} #>> '{{}}')::float END)"
            )
            string = f"(CASE WHEN json_typeof({node}) = 'string' THEN ({node} #>> '{{}}') END)"
            return number, string
        json_path = self.p("$" + "".join(f'."{k}"' for k in path))
        kind = f"json_type({column}, {json_path})"
        value = f"json_extract({column}, {json_path})"
        number = f"(CASE WHEN {kind} IN ('integer', 'real') THEN {value} END)"
        string = f"(CASE WHEN {kind} = 'text' THEN {value} END)"
        return number, string


def _terms_predicate(sql: _Sql, values: list[Any]):
    wanted = [str(v) for v in values]

    def build(kind: str, as_text: str, _as_number: str, kinds: dict) -> str:
        return f"{kind} <> {kinds['null']} AND {sql.in_(as_text, wanted)}"

    return build


def _range_predicate(sql: _Sql, ge: float | None, le: float | None):
    def build(_kind: str, _as_text: str, as_number: str, _kinds: dict) -> str:
        conds = [f"{as_number} IS NOT NULL"]
        if ge is not None:
            conds.append(f"{as_number} >= {sql.p(float(ge))}")
        if le is not None:
            conds.append(f"{as_number} <= {sql.p(float(le))}")
        return " AND ".join(conds)

    return build


def _value_predicate(sql: _Sql, flt: Filter):
    if isinstance(flt, TermsFilter):
        return _terms_predicate(sql, flt.values)
    if isinstance(flt, RangeFilter):
        return _range_predicate(sql, flt.ge, flt.le)
    raise ValueError(f"Cannot process request for filter {flt}")


# A user's responses joined to their records (the WHERE clause says `r.id = x.record_id`),
# read from the user's side: CROSS JOIN makes
# SQLite loop over the user's responses (index on responses.user_id) instead of probing
# every record of the dataset, which it otherwise picks without statistics (30 ms at 10k
# records instead of well under 1 ms). PostgreSQL treats it as a plain join.
_USER_RESPONSES = "responses x CROSS JOIN records r"
_RECORD_STATUSES = {s.value for s in RecordStatus}
_RESPONSE_STATUSES = {s.value for s in ResponseStatus}


class _Context:
    """What a statement needs to know about the dataset beyond the filter itself."""

    def __init__(self, dataset_id: Any, questions: dict[str, Any], metadata_types: dict):
        self.dataset_id = dataset_id
        self.questions = questions  # question name -> id
        self.metadata_types = metadata_types  # metadata property name -> type


def _filter_sql(sql: _Sql, ctx: _Context, flt: Filter) -> str:
    if isinstance(flt, AndFilter):
        parts = [_filter_sql(sql, ctx, f) for f in flt.filters]
        return "(" + " AND ".join(parts or ["1 = 1"]) + ")"
    scope = flt.scope
    if isinstance(scope, ResponseFilterScope):
        if scope.question is None and scope.property == "status":
            return _response_status_sql(sql, flt)
        mine = f" AND x.user_id = {sql.uid(scope.user.id)}" if scope.user is not None else ""
        if scope.question is None:
            return "1 = 0"
        values = sql.json_elements(
            'x."values"', [scope.question, "value"], _value_predicate(sql, flt)
        )
        return f"EXISTS (SELECT 1 FROM responses x WHERE x.record_id = r.id{mine} AND {values})"
    if isinstance(scope, MetadataFilterScope):
        return sql.json_elements(
            "r.metadata", [scope.metadata_property], _value_predicate(sql, flt)
        )
    if isinstance(scope, SuggestionFilterScope):
        question_id = ctx.questions.get(scope.question)
        if question_id is None:
            return "1 = 0"
        prop = scope.property or "value"
        if prop in ("value", "score"):
            cond = sql.json_elements(f"s.{prop}", [], _value_predicate(sql, flt))
        elif isinstance(flt, TermsFilter):
            cond = sql.in_(f"s.{'agent' if prop == 'agent' else 'type'}", map(str, flt.values))
        else:
            return "1 = 0"
        return (
            "EXISTS (SELECT 1 FROM suggestions s WHERE s.record_id = r.id "
            f"AND s.question_id = {sql.uid(question_id)} AND {cond})"
        )
    if isinstance(scope, RecordFilterScope):
        return _record_filter_sql(sql, flt)
    raise ValueError(f"Cannot process request for search scope {scope}")  # pragma: no cover


def _record_filter_sql(sql: _Sql, flt: Filter) -> str:
    prop = flt.scope.property
    if not isinstance(flt, TermsFilter):
        return "1 = 0"  # ranges over ids, statuses or dates never matched
    values = [str(v) for v in flt.values]
    if prop == "status":
        return sql.in_("r.status", [v for v in values if v in _RECORD_STATUSES])
    if prop == "external_id":
        return sql.in_("r.external_id", values)
    if prop == "id":
        ids = []
        for v in values:
            try:
                ids.append(uuid.UUID(v))
            except ValueError:
                continue
        if not ids:
            return "1 = 0"
        return f"r.id IN ({', '.join(sql.uid(i) for i in ids)})"
    return "1 = 0"


def _response_status_sql(sql: _Sql, flt: Filter) -> str:
    """Mirror the Elasticsearch engine: `pending` means "no response (by this user)"."""
    if not isinstance(flt, TermsFilter):
        raise ValueError(f"Cannot process filter {flt}")
    user = flt.scope.user
    mine = f" AND x.user_id = {sql.uid(user.id)}" if user is not None else ""
    statuses = {str(v) for v in flt.values}
    parts = []
    if ResponseStatusFilter.pending.value in statuses:
        parts.append(f"NOT EXISTS (SELECT 1 FROM responses x WHERE x.record_id = r.id{mine})")
    stored = sorted(statuses & _RESPONSE_STATUSES)
    if stored:
        parts.append(
            f"EXISTS (SELECT 1 FROM responses x WHERE x.record_id = r.id{mine} "
            f"AND {sql.in_('x.status', stored)})"
        )
    return "(" + " OR ".join(parts or ["1 = 0"]) + ")"


def _sort_keys(sql: _Sql, ctx: _Context, order: Order) -> tuple[str, str]:
    """(number, text) sort keys of one order: missing values go last in both directions."""
    scope = order.scope
    if isinstance(scope, RecordFilterScope):
        column = {"id": "r.id", "external_id": "r.external_id", "status": "r.status"}.get(
            scope.property,
            f"r.{scope.property}" if scope.property in ("inserted_at", "updated_at") else "NULL",
        )
        return "NULL", column
    if isinstance(scope, MetadataFilterScope):
        return sql.json_scalar("r.metadata", [scope.metadata_property])
    if isinstance(scope, SuggestionFilterScope):
        question_id = ctx.questions.get(scope.question)
        if question_id is None:
            return "NULL", "NULL"
        prop = scope.property or "value"
        where = f"s.record_id = r.id AND s.question_id = {sql.uid(question_id)}"
        if prop in ("value", "score"):
            number, string = sql.json_scalar(f"s.{prop}", [])
        else:
            number, string = "NULL", f"s.{'agent' if prop == 'agent' else 'type'}"
        return (
            f"(SELECT {number} FROM suggestions s WHERE {where})",
            f"(SELECT {string} FROM suggestions s WHERE {where})",
        )
    if isinstance(scope, ResponseFilterScope):
        question = scope.question or scope.property
        mine = f" AND x.user_id = {sql.uid(scope.user.id)}" if scope.user is not None else ""
        number, string = sql.json_scalar('x."values"', [question, "value"])
        where = f"x.record_id = r.id{mine}"
        return (
            f"(SELECT AVG({number}) FROM responses x WHERE {where})",
            f"(SELECT MIN({string}) FROM responses x WHERE {where})",
        )
    return "NULL", "NULL"


def _order_sql(sql: _Sql, ctx: _Context, sort: list[Order]) -> str:
    parts = []
    for order in sort:
        direction = "DESC" if order.order == SortOrder.desc else "ASC"
        number, string = _sort_keys(sql, ctx, order)
        parts.append(f"(CASE WHEN {number} IS NULL AND {string} IS NULL THEN 1 ELSE 0 END)")
        if number != "NULL":
            parts.append(f"{number} {direction} NULLS LAST")
        if string != "NULL":
            parts.append(f"{string} {direction} NULLS LAST")
    parts.append("r.inserted_at ASC, r.id ASC")  # ties keep insertion order
    return ", ".join(parts)


def _is_queue_filter(flt: Filter | None) -> bool:
    """The annotator queue's shape: record status and this user's response status only."""
    if not isinstance(flt, AndFilter):
        return False
    response_filters = 0
    for f in flt.filters:
        if not isinstance(f, TermsFilter):
            return False
        scope = f.scope
        if isinstance(scope, RecordFilterScope) and scope.property == "status":
            continue
        if (
            isinstance(scope, ResponseFilterScope)
            and scope.question is None
            and scope.property == "status"
            and scope.user is not None
        ):
            response_filters += 1
            continue
        return False
    return response_filters == 1


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


@SearchEngine.register(engine_name=ENGINE_NAME)
class SQLSearchEngine(SearchEngine):
    """Answers every read from the SQL database; keeps no index (see module docstring)."""

    @classmethod
    async def new_instance(cls) -> SQLSearchEngine:
        return cls()

    async def close(self) -> None:
        return None

    async def ping(self) -> bool:
        return True

    async def info(self) -> dict:
        return {"engine": ENGINE_NAME, "index": "none (reads the SQL database)"}

    # --- index maintenance: nothing to do, there is no index --------------------------
    async def create_index(self, dataset: Dataset) -> None:
        return None

    async def delete_index(self, dataset: Dataset) -> None:
        return None

    async def configure_metadata_property(
        self, dataset: Dataset, metadata_property: MetadataProperty
    ):
        return None

    async def configure_index_vectors(self, vector_settings: VectorSettings) -> None:
        return None

    async def index_records(self, dataset: Dataset, records: Iterable[Record]) -> None:
        return None

    async def partial_record_update(self, record: Record, **update) -> None:
        return None

    async def delete_records(self, dataset: Dataset, records: Iterable[Record]) -> None:
        return None

    async def update_record_response(self, response: Response) -> None:
        return None

    async def delete_record_response(self, response: Response) -> None:
        return None

    async def update_record_suggestion(self, suggestion: Suggestion) -> None:
        return None

    async def delete_record_suggestion(self, suggestion: Suggestion) -> None:
        return None

    # --- reads ------------------------------------------------------------------------
    @asynccontextmanager
    async def _connect(self):
        engine = _read_engine()
        async with engine.connect() as conn:
            yield conn, _Sql(engine.dialect.name)

    @staticmethod
    async def _rows(conn, sql: _Sql, statement: str) -> list:
        return list((await conn.execute(text(statement), sql.params)).all())

    @staticmethod
    async def _context(conn, dataset_id: Any, filter: Filter | None, sort) -> _Context:
        """Question ids by name, when a filter or sort looks at suggestions."""
        scopes = []

        def walk(f):
            if isinstance(f, AndFilter):
                for g in f.filters:
                    walk(g)
            elif f is not None:
                scopes.append(f.scope)

        walk(filter)
        scopes += [o.scope for o in sort or []]
        questions: dict[str, Any] = {}
        if any(isinstance(s, SuggestionFilterScope) for s in scopes):
            sql = _Sql(conn.dialect.name)
            rows = await SQLSearchEngine._rows(
                conn,
                sql,
                f"SELECT name, id FROM questions WHERE dataset_id = {sql.uid(dataset_id)}",
            )
            questions = {name: _as_uuid(qid) for name, qid in rows}
        return _Context(dataset_id, questions, {})

    async def get_dataset_progress(self, dataset: Dataset) -> dict:
        if dataset.is_draft:
            return {}
        async with self._connect() as (conn, sql):
            rows = await self._rows(
                conn,
                sql,
                "SELECT r.status, COUNT(*) FROM records r "
                f"WHERE r.dataset_id = {sql.uid(dataset.id)} GROUP BY r.status",
            )
        counts = {str(getattr(status, "value", status)): count for status, count in rows}
        return {"total": sum(counts.values()), **counts}

    async def get_dataset_user_progress(self, dataset: Dataset, user: User) -> dict:
        if dataset.is_draft:
            return {}
        async with self._connect() as (conn, sql):
            rows = await self._rows(
                conn,
                sql,
                f"SELECT x.status, COUNT(*) FROM {_USER_RESPONSES} "
                f"WHERE r.id = x.record_id AND x.user_id = {sql.uid(user.id)} "
                f"AND r.dataset_id = {sql.uid(dataset.id)} "
                "GROUP BY x.status",
            )
        counts = {str(getattr(status, "value", status)): count for status, count in rows}
        return {"total": sum(counts.values()), **counts}

    async def search(
        self,
        dataset: Dataset,
        query: TextQuery | str | None = None,
        filter: Filter | None = None,
        sort: list[Order] | None = None,
        offset: int = 0,
        limit: int = 100,
        user_id: str | None = None,
    ) -> SearchResponses:
        if isinstance(query, str):
            query = TextQuery(q=query)
        async with self._connect() as (conn, sql):
            ctx = await self._context(conn, dataset.id, filter, sort)
            where = f"r.dataset_id = {sql.uid(dataset.id)}"
            if filter is not None:
                where += " AND " + _filter_sql(sql, ctx, filter)
            if query is not None:
                return await self._text_search(
                    conn, sql, ctx, where, query, sort, user_id, offset, limit
                )
            if sort:
                order = _order_sql(sql, ctx, sort)
            elif user_id is not None:
                return await self._user_order_page(
                    conn, sql, where, filter, dataset, user_id, offset, limit
                )
            else:
                order = "r.inserted_at ASC, r.id ASC"
            rows = await self._rows(
                conn,
                sql,
                f"SELECT r.id FROM records r WHERE {where} ORDER BY {order} "
                f"LIMIT {sql.p(limit)} OFFSET {sql.p(offset)}",
            )
            total = await self._count(conn, sql, where, filter, dataset.id)
        items = [SearchResponseItem(record_id=_as_uuid(rid), score=1.0) for (rid,) in rows]
        return SearchResponses(items=items, total=total)

    async def _count(self, conn, sql: _Sql, where: str, filter: Filter | None, dataset_id) -> int:
        if _is_queue_filter(filter):
            return await self._queue_count(conn, filter, dataset_id)
        rows = await self._rows(conn, sql, f"SELECT COUNT(*) FROM records r WHERE {where}")
        return int(rows[0][0])

    async def _queue_count(self, conn, flt: AndFilter, dataset_id) -> int:
        """Count a user's queue from their own responses, not by probing every record.

        queue = (records in the record-status filter) - (those the user answered)
                + (those the user answered with a wanted status)
        """
        sql = _Sql(conn.dialect.name)
        record_conds = [
            _record_filter_sql(sql, f)
            for f in flt.filters
            if isinstance(f.scope, RecordFilterScope)
        ]
        status_filter = next(f for f in flt.filters if isinstance(f.scope, ResponseFilterScope))
        statuses = {str(v) for v in status_filter.values}
        base = f"r.dataset_id = {sql.uid(dataset_id)}" + "".join(f" AND {c}" for c in record_conds)
        user = sql.uid(status_filter.scope.user.id)
        stored = sorted(statuses & _RESPONSE_STATUSES)
        wanted = sql.in_("x.status", stored) if stored else "1 = 0"
        rows = await self._rows(
            conn,
            sql,
            f"SELECT (SELECT COUNT(*) FROM records r WHERE {base}), "
            f"(SELECT COUNT(*) FROM {_USER_RESPONSES} "
            f"WHERE r.id = x.record_id AND x.user_id = {user} AND {base}), "
            f"(SELECT COUNT(*) FROM {_USER_RESPONSES} "
            f"WHERE r.id = x.record_id AND x.user_id = {user} AND {base} AND {wanted})",
        )
        records, answered, matching = (int(v) for v in rows[0])
        pending = records - answered if ResponseStatusFilter.pending.value in statuses else 0
        return pending + matching

    async def _user_order_page(
        self, conn, sql: _Sql, where: str, filter, dataset, user_id, offset: int, limit: int
    ) -> SearchResponses:
        """A page of the user's order, read segment by segment, each an index range scan.

        The rotation: ids from the user's pivot upwards, then wrap around. When the dataset
        has the priority property, records carrying a priority come first (highest first,
        ties in the rotation) and the rest follow in the rotation. A segment is read only
        when the page reaches it, and stops after `limit` rows.
        """
        pivot = sql.uid(user_pivot(user_id))
        segments = [(f"r.id >= {pivot}", "r.id"), (f"r.id < {pivot}", "r.id")]
        if await self._has_priority(conn, sql, dataset):
            priority = priority_sql(conn.dialect.name)
            rotation = f"CASE WHEN r.id >= {pivot} THEN 0 ELSE 1 END, r.id"
            segments = [
                (f"{priority} IS NOT NULL", f"{priority} DESC, {rotation}"),
                *((f"{priority} IS NULL AND {cond}", order) for cond, order in segments),
            ]
        ids: list = []
        skip = offset  # rows of the order before the page, not yet passed
        for cond, order in segments:
            if len(ids) >= limit:
                break
            rows = await self._rows(
                conn,
                sql,
                f"SELECT r.id FROM records r WHERE {where} AND {cond} ORDER BY {order} "
                f"LIMIT {sql.p(limit - len(ids))} OFFSET {sql.p(skip)}",
            )
            ids += [rid for (rid,) in rows]
            if rows:
                skip = 0
            elif skip:  # the page starts after this segment: how many rows did it have?
                count = await self._rows(
                    conn, sql, f"SELECT COUNT(*) FROM records r WHERE {where} AND {cond}"
                )
                skip = max(0, skip - int(count[0][0]))
        total = await self._count(conn, sql, where, filter, dataset.id)
        items = [SearchResponseItem(record_id=_as_uuid(rid), score=1.0) for rid in ids]
        return SearchResponses(items=items, total=total)

    async def _has_priority(self, conn, sql: _Sql, dataset: Dataset) -> bool:
        """Does the dataset have the float metadata property that orders the queue?

        The annotator's search has loaded the dataset's metadata properties already: no
        query then.
        """
        from sqlalchemy import inspect

        if "metadata_properties" not in inspect(dataset).unloaded:
            return any(
                p.name == PRIORITY_PROPERTY and (p.settings or {}).get("type") == "float"
                for p in dataset.metadata_properties
            )
        rows = await self._rows(
            conn,
            sql,
            f"SELECT settings FROM metadata_properties WHERE dataset_id = {sql.uid(dataset.id)} "
            f"AND name = {sql.p(PRIORITY_PROPERTY)}",
        )
        return bool(rows) and (_json(rows[0][0]) or {}).get("type") == "float"

    async def _stream(self, conn, sql: _Sql, statement: str):
        result = await conn.stream(text(statement), sql.params)
        async for partition in result.partitions(_STREAM_BATCH):
            for row in partition:
                yield row

    async def _text_search(
        self, conn, sql, ctx, where, query: TextQuery, sort, user_id, offset, limit
    ) -> SearchResponses:
        """Text search: stream (id, fields) in the final order, keep the best page only.

        Without a sort, hits are ordered by score, ties in the base order (the user's
        order for an annotator, insertion order otherwise); memory holds one page.
        """
        terms = _query_terms(query)
        if sort:
            statements = [
                f"SELECT r.id, r.fields FROM records r WHERE {where} "
                f"ORDER BY {_order_sql(sql, ctx, sort)}"
            ]
        elif user_id is not None:
            pivot = sql.uid(user_pivot(user_id))
            statements = [
                f"SELECT r.id, r.fields FROM records r WHERE {where} AND r.id >= {pivot} "
                "ORDER BY r.id",
                f"SELECT r.id, r.fields FROM records r WHERE {where} AND r.id < {pivot} "
                "ORDER BY r.id",
            ]
        else:
            statements = [
                f"SELECT r.id, r.fields FROM records r WHERE {where} "
                "ORDER BY r.inserted_at ASC, r.id ASC"
            ]
        keep = offset + limit
        best: list[tuple] = []  # a heap of (score or -position, -position, id) of the best
        total = 0
        position = 0
        for statement in statements:
            async for rid, fields in self._stream(conn, sql, statement):
                score = _text_score(_json(fields) or {}, query, terms)
                position += 1
                if score is None:
                    continue
                total += 1
                rank = (0.0 if sort else score, -position, rid, score)
                if len(best) < keep:
                    heapq.heappush(best, rank)
                elif rank > best[0]:
                    heapq.heapreplace(best, rank)
        page = sorted(best, reverse=True)[offset : offset + limit]
        items = [SearchResponseItem(record_id=_as_uuid(r[2]), score=r[3]) for r in page]
        return SearchResponses(items=items, total=total)

    async def compute_metrics_for(self, metadata_property: MetadataProperty) -> MetadataMetrics:
        name = metadata_property.name
        async with self._connect() as (conn, sql):
            dataset = sql.uid(metadata_property.dataset_id)
            if metadata_property.type == MetadataPropertyType.terms:
                return await self._terms_metrics(conn, sql, dataset, name)
            number, _ = sql.json_scalar("r.metadata", [name])
            rows = await self._rows(
                conn,
                sql,
                f"SELECT MIN({number}), MAX({number}) FROM records r "
                f"WHERE r.dataset_id = {dataset}",
            )
        low, high = rows[0]
        if metadata_property.type == MetadataPropertyType.integer:
            return IntegerMetadataMetrics(
                min=None if low is None else int(low), max=None if high is None else int(high)
            )
        return FloatMetadataMetrics(
            min=None if low is None else float(low), max=None if high is None else float(high)
        )

    async def _terms_metrics(self, conn, sql: _Sql, dataset: str, name: str) -> TermsMetrics:
        if sql.pg:
            node = f"r.metadata -> CAST({sql.p(name)} AS TEXT)"
            elements = (
                f"SELECT (je.v #>> '{{}}') AS term FROM records r CROSS JOIN LATERAL "
                f"json_array_elements(CASE WHEN json_typeof({node}) = 'array' THEN {node} "
                f"ELSE json_build_array({node}) END) AS je(v) "
                f"WHERE r.dataset_id = {dataset} AND json_typeof(je.v) <> 'null'"
            )
            present = f"json_typeof({node}) IS NOT NULL AND json_typeof({node}) <> 'null'"
        else:
            path = sql.p(f'$."{name}"')
            elements = (
                f"SELECT CAST(je.value AS TEXT) AS term FROM records r, json_each(r.metadata, "
                f"{path}) AS je WHERE r.dataset_id = {dataset} AND je.type <> 'null'"
            )
            kind = f"json_type(r.metadata, {path})"
            present = f"{kind} IS NOT NULL AND {kind} <> 'null'"
        rows = await self._rows(
            conn,
            sql,
            f"SELECT term, COUNT(*) AS n FROM ({elements}) t GROUP BY term ORDER BY n DESC, term",
        )
        total = await self._rows(
            conn,
            sql,
            f"SELECT COUNT(*) FROM records r WHERE r.dataset_id = {dataset} AND {present}",
        )
        return TermsMetrics(
            total=int(total[0][0]),
            values=[TermsMetrics.TermCount(term=term, count=int(n)) for term, n in rows],
        )

    async def similarity_search(
        self,
        dataset: Dataset,
        vector_settings: VectorSettings,
        value: list[float] | None = None,
        record: Record | None = None,
        query: TextQuery | str | None = None,
        filter: Filter | None = None,
        max_results: int = 100,
        order: SimilarityOrder = SimilarityOrder.most_similar,
        threshold: float | None = None,
    ) -> SearchResponses:
        """Cosine similarity over the dataset's vectors, streamed; keeps the best only."""
        if bool(value) == bool(record):
            raise ValueError(
                "Must provide either vector value or record to compute the similarity search"
            )
        if isinstance(query, str):
            query = TextQuery(q=query)
        async with self._connect() as (conn, sql):
            settings_id = sql.uid(vector_settings.id)
            target = value
            if not target:
                rows = await self._rows(
                    conn,
                    sql,
                    f"SELECT v.value FROM vectors v WHERE v.record_id = {sql.uid(record.id)} "
                    f"AND v.vector_settings_id = {settings_id}",
                )
                target = _json(rows[0][0]) if rows else None
            if not target:
                raise ValueError("Cannot find a vector value to apply with provided info")
            ctx = await self._context(conn, dataset.id, filter, None)
            where = f"r.dataset_id = {sql.uid(dataset.id)} AND v.vector_settings_id = {settings_id}"
            if record is not None:
                where += f" AND r.id <> {sql.uid(record.id)}"
            if filter is not None:
                where += " AND " + _filter_sql(sql, ctx, filter)
            statement = (
                "SELECT r.id, v.value, r.fields FROM vectors v "
                f"JOIN records r ON r.id = v.record_id WHERE {where} ORDER BY r.inserted_at, r.id"
            )
            terms = _query_terms(query) if query is not None else []
            sign = -1.0 if order == SimilarityOrder.least_similar else 1.0
            best: list[tuple] = []
            position = 0
            async for rid, vector, fields in self._stream(conn, sql, statement):
                position += 1
                if query is not None and _text_score(_json(fields) or {}, query, terms) is None:
                    continue
                candidate = _json(vector)
                if not candidate:
                    continue
                score = _cosine(target, candidate)
                if threshold is not None and score < threshold:
                    continue
                rank = (sign * score, -position, rid, score)
                if len(best) < max_results:
                    heapq.heappush(best, rank)
                elif rank > best[0]:
                    heapq.heapreplace(best, rank)
        page = sorted(best, reverse=True)
        items = [SearchResponseItem(record_id=_as_uuid(r[2]), score=r[3]) for r in page]
        return SearchResponses(items=items, total=len(items))
