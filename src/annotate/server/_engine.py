"""A search engine for argilla-server that answers from Argilla's own SQL database.

Runs inside the argilla-server virtual environment (never imported by `annotate` itself).
Elasticsearch and OpenSearch are only a derived index of the SQL database; this engine
keeps no index at all, so every index-maintenance hook is a no-op and nothing can drift
out of sync, also across restarts. Reads (the annotator queue, filters, text search,
sort, progress, metadata metrics, similarity) are computed in Python over the dataset's
rows, which is fast enough for the campaigns this embedded server is meant for
(measured: a few tens of ms per page at 1.5k records).
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections import Counter
from collections.abc import Iterable
from typing import Any

from argilla_server.enums import (
    MetadataPropertyType,
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
    Vector,
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
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

ENGINE_NAME = "annotate-sql"


def _fold(text: str) -> str:
    """Lower-case and strip accents, so `cancion` finds `Canción` as annotators expect."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
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


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple, set)) else [value]


def _user_id(scope: ResponseFilterScope) -> str | None:
    return str(scope.user.id) if scope.user is not None else None


class _Doc:
    """One record flattened into what filters and sorts look at."""

    __slots__ = ("record", "responses", "suggestions")

    def __init__(self, record: Record):
        self.record = record
        self.responses: list[Response] = list(record.responses)
        self.suggestions: dict[str, Suggestion] = {s.question.name: s for s in record.suggestions}

    # --- scoped values --------------------------------------------------------------
    def record_value(self, prop: str) -> Any:
        if prop == "status":
            return str(self.record.status)
        value = getattr(self.record, prop, None)
        return str(value) if prop == "id" else value

    def metadata_value(self, name: str) -> Any:
        return (self.record.metadata_ or {}).get(name)

    def suggestion_value(self, question: str, prop: str) -> Any:
        suggestion = self.suggestions.get(question)
        if suggestion is None:
            return None
        return getattr(suggestion, prop, None)

    def response_values(self, question: str, user_id: str | None) -> list[Any]:
        values = []
        for response in self.responses:
            if user_id is not None and str(response.user_id) != user_id:
                continue
            answer = (response.values or {}).get(question)
            if isinstance(answer, dict) and "value" in answer:
                values.append(answer["value"])
        return values


def _matches(doc: _Doc, flt: Filter) -> bool:
    if isinstance(flt, AndFilter):
        return all(_matches(doc, f) for f in flt.filters)
    scope = flt.scope
    if isinstance(scope, ResponseFilterScope):
        if scope.question is None and scope.property == "status":
            return _matches_response_status(doc, flt)
        values = [v for v in doc.response_values(scope.question, _user_id(scope))]
        return any(_value_matches(v, flt) for v in values)
    if isinstance(scope, MetadataFilterScope):
        value = doc.metadata_value(scope.metadata_property)
    elif isinstance(scope, SuggestionFilterScope):
        value = doc.suggestion_value(scope.question, scope.property)
    elif isinstance(scope, RecordFilterScope):
        value = doc.record_value(scope.property)
    else:  # pragma: no cover - argilla-server only builds the scopes above
        raise ValueError(f"Cannot process request for search scope {scope}")
    return _value_matches(value, flt)


def _value_matches(value: Any, flt: Filter) -> bool:
    if isinstance(flt, TermsFilter):
        wanted = {str(v) for v in flt.values}
        return any(str(v) in wanted for v in _as_list(value))
    if isinstance(flt, RangeFilter):
        for v in _as_list(value):
            try:
                number = float(v)
            except (TypeError, ValueError):
                continue
            if (flt.ge is None or number >= flt.ge) and (flt.le is None or number <= flt.le):
                return True
        return False
    raise ValueError(f"Cannot process request for filter {flt}")


def _matches_response_status(doc: _Doc, flt: Filter) -> bool:
    """Mirror the Elasticsearch engine: `pending` means "no response (by this user)"."""
    if not isinstance(flt, TermsFilter):
        raise ValueError(f"Cannot process filter {flt}")
    user_id = _user_id(flt.scope)
    mine = [r for r in doc.responses if user_id is None or str(r.user_id) == user_id]
    statuses = {str(v) for v in flt.values}
    if ResponseStatusFilter.pending.value in statuses and not mine:
        return True
    return any(str(r.status) in statuses for r in mine)


def _text_score(doc: _Doc, query: TextQuery | str | None) -> float | None:
    """All terms must appear (Elasticsearch's AND operator); the score counts hits."""
    if query is None:
        return 1.0
    if isinstance(query, str):
        query = TextQuery(q=query)
    fields = doc.record.fields or {}
    if query.field:
        texts = [_field_text(fields.get(query.field))]
    else:
        texts = [_field_text(v) for v in fields.values()]
    haystack = _fold(" ".join(texts))
    terms = [_fold(t) for t in query.q.replace('"', " ").split() if t not in ("+", "|")]
    terms = [t.rstrip("*") for t in terms if t.strip("*")]
    if not terms:
        return 1.0
    hits = [haystack.count(t) for t in terms]
    return float(sum(hits)) if all(hits) else None


def _sort_key_value(doc: _Doc, order: Order) -> Any:
    scope = order.scope
    if isinstance(scope, MetadataFilterScope):
        return doc.metadata_value(scope.metadata_property)
    if isinstance(scope, SuggestionFilterScope):
        value = doc.suggestion_value(scope.question, scope.property)
        return value[0] if isinstance(value, list) and value else value
    if isinstance(scope, RecordFilterScope):
        return doc.record_value(scope.property)
    if isinstance(scope, ResponseFilterScope):
        values = doc.response_values(scope.question or scope.property, _user_id(scope))
        numbers = [v for v in values if isinstance(v, (int, float))]
        if numbers:
            return sum(numbers) / len(numbers)
        return values[0] if values else None
    return None


def _sort_docs(docs: list[_Doc], sort: list[Order]) -> list[_Doc]:
    # Stable sorts applied from the last key to the first give a multi-key sort in which
    # missing values always go last, whatever the direction (as Elasticsearch does).
    for order in reversed(sort):
        reverse = order.order == SortOrder.desc
        present = [d for d in docs if _sort_key_value(d, order) is not None]
        missing = [d for d in docs if _sort_key_value(d, order) is None]
        present.sort(key=lambda d: _comparable(_sort_key_value(d, order)), reverse=reverse)
        docs = present + missing
    return docs


def _comparable(value: Any) -> Any:
    if isinstance(value, (int, float)):
        return (0, value, "")
    return (1, 0, str(value))


def _user_shuffle_key(user_id: str, record: Record) -> str:
    """Each annotator gets their own stable order, so overlapping annotators spread out."""
    return hashlib.sha1(f"{user_id}:{record.id}".encode()).hexdigest()


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
    @staticmethod
    def _session():
        from argilla_server.database import AsyncSessionLocal

        return AsyncSessionLocal()

    async def _load_docs(self, dataset_id, *, with_vectors: bool = False) -> list[_Doc]:
        options = [
            selectinload(Record.responses),
            selectinload(Record.suggestions).selectinload(Suggestion.question),
        ]
        if with_vectors:
            options.append(selectinload(Record.vectors))
        query = (
            select(Record)
            .where(Record.dataset_id == dataset_id)
            .options(*options)
            .order_by(Record.inserted_at.asc(), Record.id.asc())
        )
        async with self._session() as db:
            records = (await db.execute(query)).scalars().all()
        return [_Doc(r) for r in records]

    async def get_dataset_progress(self, dataset: Dataset) -> dict:
        if dataset.is_draft:
            return {}
        query = (
            select(Record.status, func.count(Record.id))
            .where(Record.dataset_id == dataset.id)
            .group_by(Record.status)
        )
        async with self._session() as db:
            rows = (await db.execute(query)).all()
        counts = {str(status): count for status, count in rows}
        return {"total": sum(counts.values()), **counts}

    async def get_dataset_user_progress(self, dataset: Dataset, user: User) -> dict:
        if dataset.is_draft:
            return {}
        query = (
            select(Response.status, func.count(Response.id))
            .join(Record, Record.id == Response.record_id)
            .where(Record.dataset_id == dataset.id, Response.user_id == user.id)
            .group_by(Response.status)
        )
        async with self._session() as db:
            rows = (await db.execute(query)).all()
        counts = {str(status): count for status, count in rows}
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
        docs = await self._load_docs(dataset.id)
        scored: list[tuple[_Doc, float]] = []
        for doc in docs:
            if filter is not None and not _matches(doc, filter):
                continue
            score = _text_score(doc, query)
            if score is not None:
                scored.append((doc, score))

        ordered = [d for d, _ in scored]
        scores = {id(d): s for d, s in scored}
        if sort:
            ordered = _sort_docs(ordered, sort)
        elif user_id is not None:
            ordered.sort(key=lambda d: _user_shuffle_key(str(user_id), d.record))
        if query is not None and not sort:
            ordered.sort(key=lambda d: -scores[id(d)])  # stable: ties keep the order above

        page = ordered[offset : offset + limit]
        items = [SearchResponseItem(record_id=d.record.id, score=scores[id(d)]) for d in page]
        return SearchResponses(items=items, total=len(ordered))

    async def compute_metrics_for(self, metadata_property: MetadataProperty) -> MetadataMetrics:
        query = select(Record.metadata_).where(Record.dataset_id == metadata_property.dataset_id)
        async with self._session() as db:
            rows = (await db.execute(query)).scalars().all()
        name = metadata_property.name
        values = [m.get(name) for m in rows if m and m.get(name) is not None]
        if metadata_property.type == MetadataPropertyType.terms:
            counts = Counter(str(v) for value in values for v in _as_list(value))
            return TermsMetrics(
                total=len(values),
                values=[TermsMetrics.TermCount(term=t, count=c) for t, c in counts.most_common()],
            )
        numbers = [v for v in values if isinstance(v, (int, float))]
        cls = (
            IntegerMetadataMetrics
            if metadata_property.type == MetadataPropertyType.integer
            else FloatMetadataMetrics
        )
        return cls(min=min(numbers) if numbers else None, max=max(numbers) if numbers else None)

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
        if bool(value) == bool(record):
            raise ValueError(
                "Must provide either vector value or record to compute the similarity search"
            )
        target = value
        if not target:
            async with self._session() as db:
                vector = (
                    await db.execute(
                        select(Vector).where(
                            Vector.record_id == record.id,
                            Vector.vector_settings_id == vector_settings.id,
                        )
                    )
                ).scalar_one_or_none()
            target = vector.value if vector is not None else None
        if not target:
            raise ValueError("Cannot find a vector value to apply with provided info")

        results = []
        for doc in await self._load_docs(dataset.id, with_vectors=True):
            if record is not None and doc.record.id == record.id:
                continue
            if filter is not None and not _matches(doc, filter):
                continue
            if query is not None and _text_score(doc, query) is None:
                continue
            candidate = doc.record.vector_value_by_vector_settings(vector_settings)
            if not candidate:
                continue
            score = _cosine(target, candidate)
            if threshold is not None and score < threshold:
                continue
            results.append((score, doc.record.id))
        results.sort(key=lambda r: r[0], reverse=order != SimilarityOrder.least_similar)
        results = results[:max_results]
        items = [SearchResponseItem(record_id=rid, score=s) for s, rid in results]
        return SearchResponses(items=items, total=len(items))


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0
