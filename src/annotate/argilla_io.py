"""Everything that talks to Argilla, through its REST API (Argilla 2.x, `/api/v1`).

The argilla SDK is not imported at run time: it costs 1.5 to 2 s of imports per
command (it loads `datasets` and pandas), builds a record object per item on a push and
parses every record the server sends back, and drops what a campaign needs (discarded
responses with no values, usernames next to user ids). The requests are the ones the
SDK sends: datasets are created with the bodies it would send for the same settings
(tests/test_dataset_creation.py compares both on a real server), records upserted by
external id through the same bulk endpoint. An existing dataset's settings are read and
updated item by item, as `dataset_settings` plans them (what a re-push may change in
place). Transient failures (connection drops, 5xx) are retried with backoff at the
transport, so every caller gets the same resilience.

Retry budget: ANNOTATE_HTTP_RETRIES (default 5) retries after the first attempt, waiting
ANNOTATE_HTTP_BACKOFF seconds (default 0.5) before the first retry and doubling up to 8 s:
about 16 s before a command gives up on a server that stays down. The first retry of a
request logs one notice (logger "annotate"; the CLI prints it on stderr), so a wait is
never silent.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from annotate.connection import Connection
from annotate.errors import AnnotateError, ConnectionFailed
from annotate.model import (
    Q_COMMENT,
    Q_CORRECTION,
    Q_ERRORS,
    Q_VERDICT,
)

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("annotate")

RETRY_STATUSES = {500, 502, 503, 504}
PAGE = 500  # records per REST page when listing
DEFAULT_RETRIES = 5
DEFAULT_BACKOFF = 0.5
MAX_BACKOFF = 8.0


def _retrying_transport(inner: httpx.BaseTransport, attempts: int, backoff: float):
    import httpx

    class Unreachable(ConnectionFailed, httpx.TransportError):
        """Retries spent: a one-line error for the CLI (a ConnectionFailed) that callers
        catching httpx's transport errors still recognise."""

    class RetryTransport(httpx.BaseTransport):
        """Retry dropped connections and 5xx answers with exponential backoff.

        Every request annotate sends is safe to repeat: records are upserted by their
        stable id, and creations that did succeed before a failure are found again.
        The body is read here, inside the retry loop: a connection cut in the middle of
        a response is as transient as one cut before it (annotate never streams).
        """

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            delay = backoff
            url = request.url
            where = f"{url.scheme}://{url.netloc.decode()}"
            for attempt in range(attempts):
                last = attempt == attempts - 1
                try:
                    response = inner.handle_request(request)
                    if response.status_code not in RETRY_STATUSES or last:
                        response.read()
                        return response
                    response.close()
                    problem = f"answered {response.status_code}"
                except httpx.TransportError as exc:
                    if last:
                        raise Unreachable(
                            f"lost the connection to Argilla at {where}"
                            f" after {attempts} attempt(s) ({type(exc).__name__})",
                            hint="is the server up? re-running the same command continues safely",
                        ) from exc
                    problem = f"did not answer ({type(exc).__name__})"
                if attempt == 0:
                    log.warning(retry_notice(where, problem, attempts - 1, backoff))
                time.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)
                if hasattr(request.stream, "seek"):
                    request.stream.seek(0)
            raise AssertionError("unreachable")

        def close(self) -> None:
            inner.close()

    return RetryTransport()


def retry_notice(where: str, problem: str, retries: int, backoff: float) -> str:
    """The one line said when a request starts being retried (how long it may take)."""
    wait = sum(min(backoff * 2**i, MAX_BACKOFF) for i in range(retries))
    return f"Argilla at {where} {problem}; retrying up to {retries} time(s) over {wait:.0f} s ..."


def retry_budget() -> tuple[int, float]:
    """(attempts, first backoff in s) from ANNOTATE_HTTP_RETRIES / ANNOTATE_HTTP_BACKOFF."""

    def read(name: str, default: float, kind: type) -> float:
        raw = os.environ.get(name, "").strip()
        if not raw:
            return default
        try:
            value = kind(raw)
        except ValueError:
            value = -1
        if value < 0:
            raise AnnotateError(f"{name} must be a number >= 0, got {raw!r}")
        return value

    retries = int(read("ANNOTATE_HTTP_RETRIES", DEFAULT_RETRIES, int))
    return retries + 1, float(read("ANNOTATE_HTTP_BACKOFF", DEFAULT_BACKOFF, float))


@dataclass(frozen=True)
class Client:
    """Argilla's REST API through one httpx client (API key header, retries installed).

    Every request annotate sends goes through `http_client`. The SDK's `Client` would
    cost 1.5 to 2 s of imports (it loads `datasets` and pandas) in every command before
    its first request, and a record object per item in a push."""

    api_url: str
    http_client: httpx.Client


@dataclass(frozen=True)
class Workspace:
    id: str
    name: str


@dataclass(frozen=True)
class Dataset:
    id: str
    name: str
    workspace_id: str


def connect(
    conn: Connection, *, attempts: int | None = None, backoff: float | None = None
) -> Client:
    """A client whose connection and key were checked, with retries installed."""
    import httpx

    env_attempts, env_backoff = retry_budget()
    attempts = env_attempts if attempts is None else attempts
    backoff = env_backoff if backoff is None else backoff
    transport = _retrying_transport(httpx.HTTPTransport(retries=0), attempts, backoff)
    try:
        http = httpx.Client(
            base_url=conn.url,
            headers={"X-Argilla-Api-Key": conn.api_key},
            timeout=120,
            transport=transport,
        )
        response = http.get("/api/v1/me")
    except (httpx.TransportError, httpx.InvalidURL, ValueError) as exc:
        raise _connection_error(conn, exc) from None
    if response.status_code == 401:
        raise ConnectionFailed(
            f"Argilla at {conn.url} rejected the API key ({conn.source})",
            hint="check --api-key or ARGILLA_API_KEY",
        )
    if response.status_code >= 400:
        raise ConnectionFailed(
            f"Argilla at {conn.url} answered {response.status_code} to /api/v1/me",
            hint="is this an Argilla 2.x server?",
        )
    try:
        me = response.json()
    except ValueError:
        me = None
    if not isinstance(me, dict) or "username" not in me:  # a web page: not the API's root
        raise ConnectionFailed(
            f"{conn.url} is not the root of an Argilla 2.x API ({conn.source}): "
            "/api/v1/me answered something else",
            hint="give the server's base URL, e.g. http://localhost:6900",
        )
    return Client(api_url=conn.url, http_client=http)


def require_manager(client: Client, action: str) -> None:
    """Refuse, before anything is read or written, a key whose user is no owner or admin.

    Annotators' keys get 403 only deep into a command ("listing records ... failed"),
    after work was done; saying whose key it is tells the user what to change.
    """
    me = _json(client.http_client.get("/api/v1/me"), "GET /api/v1/me")
    role = me.get("role")
    if role not in ("owner", "admin"):
        article = "an" if str(role)[:1] in "aeiou" else "a"
        raise ConnectionFailed(
            f"the API key is {me.get('username')!r}'s, {article} {role}: "
            f"{action} needs an owner's or admin's key",
            hint="pass an owner's key with --api-key or ARGILLA_API_KEY",
        )


def _connection_error(conn: Connection, exc: Exception) -> ConnectionFailed:
    text = str(exc)
    if "401" in text or "Unauthorized" in text or "credentials" in text.lower():
        return ConnectionFailed(
            f"Argilla at {conn.url} rejected the API key ({conn.source})",
            hint="check --api-key or ARGILLA_API_KEY",
        )
    return ConnectionFailed(
        f"cannot reach Argilla at {conn.url} ({conn.source})",
        hint="is the server up? try `annotate server status`, or check --api-url",
    )


def _json(response: httpx.Response, what: str) -> Any:
    """The answer's JSON, or one line saying which request the server refused."""
    if response.status_code >= 400:
        raise AnnotateError(f"Argilla answered {response.status_code} to {what}")
    try:
        return response.json()
    except ValueError:
        raise AnnotateError(f"Argilla answered {what} with something that is not JSON") from None


def api_error(exc: Exception, what: str) -> AnnotateError:
    """One line for an error the server gave while doing `what`."""
    message = getattr(exc, "message", None) or str(exc)
    message = " ".join(str(message).split())[:300]
    return AnnotateError(f"Argilla refused to {what}: {message}")


# --- workspaces and datasets ----------------------------------------------------------


def _detail(response: httpx.Response) -> str:
    """The reason the server gave for refusing a request, on one line (its JSON
    `detail` in any of the shapes argilla-server uses, or the body as text)."""
    try:
        detail = response.json().get("detail", response.text)
    except (ValueError, AttributeError):
        detail = response.text
    return " ".join(_detail_text(detail).split())


def _refusal(response: httpx.Response, what: str) -> AnnotateError:
    """One line for a request the server refused, with its reason."""
    return AnnotateError(
        f"Argilla refused ({response.status_code}) to {what}: {_detail(response)[:200]}"
    )


def find_workspace(client: Client, name: str) -> Workspace | None:
    answer = _json(client.http_client.get("/api/v1/me/workspaces"), "GET /api/v1/me/workspaces")
    found = next((w for w in answer["items"] if w["name"] == name), None)
    return Workspace(id=found["id"], name=found["name"]) if found else None


def ensure_workspace(client: Client, name: str, *, create: bool = True) -> Workspace | None:
    workspace = find_workspace(client, name)
    if workspace is None and create:
        response = client.http_client.post("/api/v1/workspaces", json={"name": name})
        if response.status_code < 400:
            body = response.json()
            return Workspace(id=body["id"], name=body["name"])
        workspace = find_workspace(client, name)  # created by an earlier, retried call
        if workspace is None:
            raise _refusal(response, f"create workspace {name!r}")
    return workspace


@dataclass(frozen=True)
class DatasetDesign:
    """The settings a campaign dataset must have (compared on every push)."""

    name: str
    guidelines: str
    lang: str
    with_original: bool
    error_categories: bool
    min_submitted: int
    metadata: tuple[str, ...]
    protocol: str = "verdict"
    # float properties (triage's score and queue priority), hidden from annotators: a
    # volunteer told an item is suspect would not judge it afresh
    float_metadata: tuple[str, ...] = ()

    def spec(self) -> dict[str, Any]:
        """The settings as plain data in the REST API's shape: what a new dataset is
        created with, and what a re-push compares an existing dataset with
        (dataset_settings)."""
        from annotate import records

        titles = records.question_titles(self.lang, with_original=self.with_original)

        def text_field(name: str, required: bool) -> dict[str, Any]:
            settings = {"type": "text", "use_markdown": True}
            return {"name": name, "title": titles[name], "required": required, "settings": settings}

        def question(name: str, required: bool, **settings: Any) -> dict[str, Any]:
            return {
                "name": name,
                "title": titles[name],
                "description": titles.get(f"{name}_description"),
                "required": required,
                "settings": settings,
            }

        def options(labels: dict[str, str]) -> list[dict[str, Any]]:
            return [{"value": v, "text": t, "description": None} for v, t in labels.items()]

        fields = [text_field("original", False)] if self.with_original else []
        fields.append(text_field("translation", True))
        verdict_labels = options(records.verdict_labels(self.lang))
        questions = [question(Q_VERDICT, True, type="label_selection", options=verdict_labels)]
        if self.error_categories:
            error_labels = options(records.error_labels(self.lang))
            questions.append(
                question(Q_ERRORS, False, type="multi_label_selection", options=error_labels)
            )
        questions += [
            question(name, False, type="text", use_markdown=False)
            for name in (Q_CORRECTION, Q_COMMENT)
        ]
        metadata = [{"name": m, "title": m, "settings": {"type": "terms"}} for m in self.metadata]
        metadata += [
            {"name": m, "title": m, "settings": {"type": "float"}, "visible_for_annotators": False}
            for m in self.float_metadata
        ]
        spec = {
            "guidelines": self.guidelines,
            "min_submitted": self.min_submitted,
            "fields": fields,
            "questions": questions,
            "metadata": metadata,
        }
        if self.protocol == "esa":
            from annotate.esa import esa_spec

            spec = esa_spec(spec, lang=self.lang, error_categories=self.error_categories)
        return spec


def creation_bodies(spec: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The fields, questions and metadata properties of a spec (the REST API's shape,
    `DatasetDesign.spec`), as the bodies that create them: what the SDK sends for the
    same settings (its defaults included: label and span questions show every option,
    multi-label ones keep their order), so a dataset is the same whoever created it."""

    def options(q: dict) -> list[dict[str, Any]]:
        return [{"text": o["text"], "value": o["value"]} for o in q["settings"]["options"]]

    def visible(opts: list) -> int | None:
        return len(opts) if len(opts) >= 3 else None

    questions = []
    for q in spec["questions"]:
        kind = q["settings"]["type"]
        if kind == "text":
            settings = {"type": kind, "use_markdown": q["settings"]["use_markdown"]}
        elif kind == "rating":
            settings = {
                "type": kind,
                "options": [{"value": o["value"]} for o in q["settings"]["options"]],
            }
        elif kind == "span":
            opts = options(q)
            settings = {
                "type": kind,
                "allow_overlapping": q["settings"]["allow_overlapping"],
                "field": q["settings"]["field"],
                "options": opts,
                "visible_options": visible(opts),
            }
        elif kind in ("label_selection", "multi_label_selection"):
            opts = options(q)
            settings = {"type": kind, "options": opts, "visible_options": visible(opts)}
            if kind == "multi_label_selection":
                settings["options_order"] = "natural"
        else:
            raise AnnotateError(f"question {q['name']!r}: no way to create a {kind!r} question")
        questions.append(
            {
                "name": q["name"],
                "title": q["title"],
                "description": q["description"],
                "required": q["required"],
                "settings": settings,
            }
        )
    metadata = []
    for m in spec["metadata"]:
        kind = m["settings"]["type"]
        settings = {"visible_for_annotators": True, "type": kind}
        settings |= {"values": None} if kind == "terms" else {"min": None, "max": None}
        metadata.append(
            {
                "name": m["name"],
                "title": m["title"],
                "settings": settings,
                "visible_for_annotators": m.get("visible_for_annotators", True),
            }
        )
    fields = [
        {
            "name": f["name"],
            "title": f["title"],
            "required": f["required"],
            "description": None,
            "settings": {"type": "text", "use_markdown": f["settings"]["use_markdown"]},
        }
        for f in spec["fields"]
    ]
    return {"fields": fields, "questions": questions, "metadata-properties": metadata}


def create_dataset(
    client: Client, name: str, spec: dict[str, Any], workspace: Workspace
) -> Dataset:
    """Create and publish a dataset with these settings (a dozen requests). Cut short,
    it leaves a draft, which `ensure_dataset` deletes and creates again."""
    import httpx

    http = client.http_client
    response = http.post("/api/v1/datasets", json={"name": name, "workspace_id": workspace.id})
    if response.status_code >= 400:
        raise _refusal(response, f"create dataset {name!r}")
    dataset = Dataset(id=response.json()["id"], name=name, workspace_id=workspace.id)
    # then its settings, as the SDK sends them (it strips the guidelines; a re-push
    # compares them stripped)
    settings = {
        "guidelines": spec["guidelines"].strip() if spec["guidelines"] else None,
        "allow_extra_metadata": True,
        "distribution": {"strategy": "overlap", "min_submitted": spec["min_submitted"]},
    }
    try:
        response = http.patch(f"/api/v1/datasets/{dataset.id}", json=settings)
        if response.status_code >= 400:
            raise _refusal(response, f"set the guidelines of dataset {name!r}")
        for part, bodies in creation_bodies(spec).items():
            for item in bodies:
                response = http.post(f"/api/v1/datasets/{dataset.id}/{part}", json=item)
                if response.status_code >= 400:
                    raise _refusal(response, f"add {item['name']!r} to dataset {name!r}")
        response = http.put(f"/api/v1/datasets/{dataset.id}/publish")
        if response.status_code >= 400:
            raise _refusal(response, f"publish dataset {name!r}")
    except httpx.TransportError:
        raise  # the server is gone (its retries spent): the next run deletes the draft
    except BaseException:
        # our own draft, not another push's in progress: remove it now (as the SDK does)
        with contextlib.suppress(Exception):
            http.delete(f"/api/v1/datasets/{dataset.id}")
        raise
    return dataset


def find_dataset(client: Client, name: str, workspace: str) -> Dataset | None:
    """The dataset called `name` in the workspace called `workspace`, draft or not."""
    ws = find_workspace(client, workspace)
    return None if ws is None else _dataset_in(client, name, ws)


def _dataset_in(client: Client, name: str, ws: Workspace) -> Dataset | None:
    params = {"workspace_id": ws.id, "name": name}
    what = f"GET the datasets of workspace {ws.name!r}"
    answer = _json(client.http_client.get("/api/v1/me/datasets", params=params), what)
    found = next((d for d in answer["items"] if d["name"] == name), None)
    return Dataset(id=found["id"], name=found["name"], workspace_id=ws.id) if found else None


CREATE_ATTEMPTS = 3


# A draft younger than this may be another push's creation in progress (another machine:
# the campaign lock covers this one); it is given that long to be published before it is
# taken for a crash's leftover and deleted.
DRAFT_GRACE = 10.0


def _draft_age(client: Client, dataset: Any) -> float | None:
    """Seconds since the draft last changed (itself, or a field, question or metadata
    property added to it), by the server's clock; None if it is not a draft."""
    from datetime import datetime
    from email.utils import parsedate_to_datetime

    http = client.http_client
    response = http.get(f"/api/v1/datasets/{dataset.id}")
    body = response.json() if response.status_code == 200 else {}
    if body.get("status") != "draft":
        return None
    stamps = [body.get("updated_at")]
    for part in ("fields", "questions", "metadata-properties"):
        answer = http.get(f"/api/v1/datasets/{dataset.id}/{part}")
        if answer.status_code == 200:
            stamps += [i.get("updated_at") for i in answer.json().get("items", [])]
    try:
        now = parsedate_to_datetime(response.headers["date"])
        changed = max(datetime.fromisoformat(s) for s in stamps if s)
        if changed.tzinfo is None:
            changed = changed.replace(tzinfo=now.tzinfo)
        return max(0.0, (now - changed).total_seconds())
    except (KeyError, TypeError, ValueError):
        return 0.0  # unknown: treat as young


def _is_draft(client: Client, dataset: Any) -> bool:
    """Whether `dataset` is a draft no one is finishing (waits while it is young)."""
    age = _draft_age(client, dataset)
    if age is None or age >= DRAFT_GRACE:
        return age is not None
    log.info(
        f"dataset {dataset.name!r} is being created by another push: "
        f"waiting up to {DRAFT_GRACE - age:.0f} s for it"
    )
    deadline = time.monotonic() + DRAFT_GRACE - age
    while time.monotonic() < deadline:
        time.sleep(0.5)
        if _draft_age(client, dataset) is None:
            return False  # published by its creator: ours to use
    return _draft_age(client, dataset) is not None


def ensure_dataset(
    client: Client, design: DatasetDesign, workspace: Workspace
) -> tuple[Dataset, bool]:
    """The campaign dataset, created when missing; refuses an incompatible one.

    Creating a dataset takes a dozen requests (the dataset, each field, question and
    metadata property, then publish). A creation cut short (a push killed, or an answer
    lost and the retried request refused as a duplicate) leaves a *draft*, which can
    hold no records: it is deleted and the creation done again, unless it is young
    enough to be another push's creation in progress (then it is waited for).
    """
    import httpx

    error: Exception | None = None
    for _ in range(CREATE_ATTEMPTS):
        dataset = _dataset_in(client, design.name, workspace)
        if dataset is not None and not _is_draft(client, dataset):
            check_compatible(client, dataset, design, workspace.name)  # settings read now
            return dataset, False
        try:
            if dataset is not None:
                client.http_client.delete(f"/api/v1/datasets/{dataset.id}")
            return create_dataset(client, design.name, design.spec(), workspace), True
        except httpx.TransportError:
            raise  # the server is gone: the retries were already spent
        except Exception as exc:  # look again: it may exist now, complete or as a draft
            error = exc
    if isinstance(error, AnnotateError):
        raise error
    raise api_error(error, f"create dataset {design.name!r}") from None


def check_compatible(client: Client, dataset: Any, design: DatasetDesign, workspace: str) -> None:
    """Refuse a dataset this design cannot become (another campaign's, or a change
    Argilla cannot make), in one line naming what differs."""
    from annotate.dataset_settings import REFUSAL_HINT, plan_settings

    plan = plan_settings(live_spec(client, dataset.id), design.spec(), dataset=design.name)
    if plan.refusals:
        raise AnnotateError(
            f"dataset {design.name!r} in workspace {workspace!r}: {plan.refusal()}",
            hint=REFUSAL_HINT,
        )


# --- settings of an existing dataset ----------------------------------------------------


def live_spec(client: Client, dataset_id: Any) -> dict[str, Any]:
    """An existing dataset's settings as the REST API gives them (items keep their id)."""
    http = client.http_client
    base = f"/api/v1/datasets/{dataset_id}"
    dataset = _json(http.get(base), f"GET {base}")
    lists = {
        key: _json(http.get(path), f"GET {path}")["items"]
        for key, path in (
            ("fields", f"{base}/fields"),
            ("questions", f"{base}/questions"),
            ("metadata", f"/api/v1/me/datasets/{dataset_id}/metadata-properties"),
        )
    }
    return {
        "guidelines": dataset.get("guidelines"),
        "min_submitted": (dataset.get("distribution") or {}).get("min_submitted"),
        **lists,
    }


def settings_plan(client: Client, design: DatasetDesign, workspace: str) -> Any:
    """What a push would change in the dataset's settings; None when there is no
    published dataset yet (a new one is created with the design as is)."""
    from annotate.dataset_settings import plan_settings

    dataset = find_dataset(client, design.name, workspace)
    if dataset is None or _is_draft(client, dataset):
        return None
    return plan_settings(live_spec(client, dataset.id), design.spec(), dataset=design.name)


def apply_settings(client: Client, dataset: Any, plan: Any) -> None:
    """Send a plan's updates (dataset_settings.Update), in order; one line on refusal."""
    http = client.http_client
    paths = {
        "dataset": lambda u: ("PATCH", f"/api/v1/datasets/{dataset.id}"),
        "field": lambda u: ("PATCH", f"/api/v1/fields/{u.id}"),
        "question": lambda u: ("PATCH", f"/api/v1/questions/{u.id}"),
        "metadata": lambda u: ("PATCH", f"/api/v1/metadata-properties/{u.id}"),
        "new_metadata": lambda u: ("POST", f"/api/v1/datasets/{dataset.id}/metadata-properties"),
    }
    for update in plan.updates:
        method, path = paths[update.target](update)
        response = http.request(method, path, json=update.body)
        if response.status_code == 409 and update.target == "new_metadata":
            continue  # added by an earlier, interrupted push
        if response.status_code >= 400:
            raise AnnotateError(
                f"Argilla refused to update {update.label} of dataset {plan.dataset!r} "
                f"({response.status_code}): {_detail(response)[:200]}"
            )


# --- records --------------------------------------------------------------------------


def _rest_records(client: Client, dataset_id: Any, include: str | None) -> Iterator[dict]:
    offset = 0
    while True:
        params: dict[str, Any] = {"offset": offset, "limit": PAGE}
        if include:
            params["include"] = include
        response = client.http_client.get(f"/api/v1/datasets/{dataset_id}/records", params=params)
        if response.status_code == 403:
            raise AnnotateError(
                f"Argilla refused (403) to list the records of dataset {dataset_id}",
                hint="this needs an owner's or admin's key (annotators see only their queue)",
            )
        if response.status_code >= 400:
            raise AnnotateError(
                f"listing records of dataset {dataset_id} failed with {response.status_code}"
            )
        items = response.json()["items"]
        yield from items
        if len(items) < PAGE:
            return
        offset += PAGE


def existing_records(client: Client, dataset: Any, *, details: bool = True) -> list[dict]:
    """Every record push must know about: external id, content hash, texts, responses.

    The texts are the correction suggestion push wrote (item identities are matched on
    them); the responses (id, user, status) are what a content change sends back.
    `details=False` lists without them (`suggestion` None, `responses` empty), in about
    half the time: enough when every item is found under its own id and hash.
    """
    out = []
    include = "responses,suggestions" if details else None
    for r in _rest_records(client, dataset.id, include=include):
        suggestion = next(  # the campaign's only suggested question is the correction
            (s.get("value") for s in r.get("suggestions") or [] if isinstance(s.get("value"), str)),
            None,
        )
        out.append(
            {
                "record_id": r["external_id"],
                "argilla_id": r["id"],
                "content_hash": (r.get("metadata") or {}).get("content_hash"),
                "metadata": r.get("metadata") or {},
                "suggestion": suggestion,
                "responses": [
                    {"id": x["id"], "user_id": x.get("user_id"), "status": x.get("status")}
                    for x in r.get("responses") or []
                ],
            }
        )
    return out


def delete_responses(client: Client, response_ids: Iterable[str]) -> int:
    """Delete responses by id (an owner's or the workspace admin's key); returns how many.

    One already gone (404) counts as done, so a push killed half-way can delete the rest.
    Argilla recomputes the record's status: with no submitted response left it is
    pending again, back in every annotator's queue.
    """
    done = 0
    for rid in response_ids:
        response = client.http_client.delete(f"/api/v1/responses/{rid}")
        if response.status_code == 403:
            raise AnnotateError(
                "this API key cannot delete other people's responses "
                "(an owner's key, or a workspace admin's, is needed to re-push changed records)"
            )
        if response.status_code != 404:
            _json(response, f"DELETE /api/v1/responses/{rid}")
            done += 1
    return done


def delete_records(client: Client, dataset: Any, argilla_ids: Iterable[str]) -> int:
    """Delete records by their Argilla id, 100 a request (the server's limit); returns
    how many were asked for. Ids already gone are ignored by the server, so a run cut
    short deletes the rest when repeated."""
    ids = list(argilla_ids)
    for lo in range(0, len(ids), 100):
        chunk = ",".join(str(i) for i in ids[lo : lo + 100])
        response = client.http_client.delete(
            f"/api/v1/datasets/{dataset.id}/records", params={"ids": chunk}
        )
        if response.status_code >= 400:
            raise AnnotateError(
                f"Argilla refused ({response.status_code}) to delete records of dataset "
                f"{dataset.name!r}"
            )
    return len(ids)


MAX_BULK = 500  # records per bulk upsert: argilla-server refuses more


def question_ids(client: Client, dataset: Any) -> dict[str, str]:
    """question name -> id in `dataset`: suggestions are sent by question id."""
    what = f"GET the questions of dataset {dataset.name!r}"
    answer = _json(client.http_client.get(f"/api/v1/datasets/{dataset.id}/questions"), what)
    return {q["name"]: q["id"] for q in answer["items"]}


def bulk_items(payloads: list[dict], questions: dict[str, str]) -> list[dict]:
    """records.record_payload dicts -> the items of argilla-server's bulk upsert.

    The same body the SDK's `records.log` sends (external id, fields, metadata,
    suggestions by question id), built without the SDK's record objects. A suggestion
    is a value, or a dict with its agent and score (triage's span suggestions)."""
    items = []
    for p in payloads:
        suggestions = []
        for name, value in p["suggestions"].items():
            if name not in questions:
                raise AnnotateError(
                    f"record {p['id']!r}: the dataset has no question {name!r} to suggest for"
                )
            body = dict(value) if isinstance(value, dict) else {"value": value}
            suggestions.append({"question_id": questions[name], **body})
        items.append(
            {
                "external_id": p["id"],
                "fields": p["fields"],
                "metadata": p["metadata"],
                "suggestions": suggestions,
            }
        )
    return items


def _detail_text(detail: Any) -> str:
    """argilla-server's error detail (a message, a dict, or pydantic's error list) as text."""
    if isinstance(detail, str):
        return detail
    if isinstance(detail, dict):
        params = detail.get("params") if isinstance(detail.get("params"), dict) else {}
        return str(detail.get("message") or params.get("message") or json.dumps(detail))
    if isinstance(detail, list) and all(isinstance(e, dict) for e in detail):
        return "; ".join(
            f"{'.'.join(str(x) for x in e.get('loc', ()))}: {e.get('msg', '')}" for e in detail
        )
    return json.dumps(detail, default=str)


def _refused_record(detail: str, payloads: list[dict]) -> str:
    """argilla-server names a refused record by its position in the batch: name its id."""
    import re

    found = re.search(r"position (\d+)", detail)
    if found and int(found.group(1)) < len(payloads):
        return f"record {payloads[int(found.group(1))]['id']!r}: {detail}"
    return detail


def log_records(
    client: Client,
    dataset: Any,
    payloads: list[dict],
    *,
    batch_size: int = 200,
    questions: dict[str, str] | None = None,
) -> None:
    """Upsert records by their stable id: an item is never duplicated, responses kept.

    Sent straight to the bulk upsert the SDK's `records.log` uses, with the same body:
    the SDK would also build a record object per item and parse every record the
    server sends back, client work the push waits for between two batches.
    `questions` (name -> id, from `question_ids`) saves one request per call."""
    if questions is None:
        questions = question_ids(client, dataset)
    url = f"/api/v1/datasets/{dataset.id}/records/bulk"
    size = max(1, min(batch_size, MAX_BULK))
    for lo in range(0, len(payloads), size):
        batch = payloads[lo : lo + size]
        response = client.http_client.put(url, json={"items": bulk_items(batch, questions)})
        if response.status_code < 400:
            continue
        detail = _refused_record(_detail(response), batch)[:300]
        raise AnnotateError(
            f"Argilla refused ({response.status_code}) to store records in dataset "
            f"{dataset.name!r}: {detail}"
        )


def list_records_with_responses(client: Client, dataset: Any) -> Iterator[dict]:
    """Every record with every response (drafts and discards too) and its suggestions."""
    yield from _rest_records(client, dataset.id, include="responses,suggestions")


def usernames(client: Client) -> dict[str, str]:
    """user id -> username: Argilla's records carry only ids, credits need names."""
    response = client.http_client.get("/api/v1/users")
    if response.status_code == 403:
        raise AnnotateError(
            "this API key cannot list users (an owner's key is needed to credit contributors)"
        )
    return {u["id"]: u["username"] for u in _json(response, "GET /api/v1/users")["items"]}


def dataset_progress(client: Client, dataset: Any) -> dict:
    response = client.http_client.get(f"/api/v1/datasets/{dataset.id}/progress")
    return _json(response, f"GET /api/v1/datasets/{dataset.id}/progress")


def users_progress(client: Client, dataset: Any) -> list[dict]:
    response = client.http_client.get(f"/api/v1/datasets/{dataset.id}/users/progress")
    return _json(response, f"GET /api/v1/datasets/{dataset.id}/users/progress")["users"]


# --- users ----------------------------------------------------------------------------


def ensure_annotator(
    client: Client,
    workspace: Any,
    username: str,
    *,
    first_name: str | None,
    last_name: str | None,
    password: str | None,
    role: str = "annotator",
) -> tuple[bool, bool]:
    """Create the account unless it exists; add it to the workspace. (created, added).

    A creation refused as a duplicate is looked up again: when a retried request is
    refused, the first one may have been done and only its answer lost. `password` is
    None for an account that existed when the run started: it is never created here.
    """
    http = client.http_client

    def lookup() -> dict | None:
        items = _json(http.get("/api/v1/users"), "GET /api/v1/users")["items"]
        users = {u["username"]: u for u in items}
        return users.get(username)

    def is_member(user_id: str) -> bool:
        path = f"/api/v1/workspaces/{workspace.id}/users"
        members = _json(http.get(path), f"GET {path}")["items"]
        return any(m["id"] == user_id for m in members)

    created = False
    user = lookup()
    if user is None and password is None:
        raise AnnotateError(f"user {username!r} was deleted while this ran: run it again")
    if user is None:
        response = http.post(
            "/api/v1/users",
            json={
                "username": username,
                "first_name": first_name or username,
                "last_name": last_name,
                "password": password,
                "role": role,
            },
        )
        if response.status_code < 400:
            user = response.json()
        else:  # absent a moment ago: if it exists now, it is ours (the password we sent)
            user = lookup()
            if user is None:
                raise AnnotateError(
                    f"Argilla refused to create user {username!r}: {_detail(response)[:200]}"
                )
        created = True
    if is_member(user["id"]):
        return created, False
    response = http.post(f"/api/v1/workspaces/{workspace.id}/users", json={"user_id": user["id"]})
    if response.status_code >= 400 and not is_member(user["id"]):
        raise AnnotateError(
            f"Argilla refused to add {username!r} to workspace {workspace.name!r}: "
            f"{response.status_code}"
        )
    return created, True


# --- webhooks (annotate watch) ---------------------------------------------------------


def create_webhook(client: Client, url: str, events: list[str], description: str) -> dict:
    """Register a webhook; the answer holds its `id` and signing `secret` (never print it)."""
    body = {"url": url, "events": list(events), "description": description}
    return _json(client.http_client.post("/api/v1/webhooks", json=body), "POST /api/v1/webhooks")


def list_webhooks(client: Client) -> list[dict]:
    """Every webhook on the server (owners only): used to see whether ours survived."""
    return _json(client.http_client.get("/api/v1/webhooks"), "GET /api/v1/webhooks")["items"]


def delete_webhook(client: Client, webhook_id: str) -> bool:
    """Remove a webhook; False when it was already gone."""
    response = client.http_client.delete(f"/api/v1/webhooks/{webhook_id}")
    if response.status_code == 404:
        return False
    _json(response, "DELETE /api/v1/webhooks/<id>")
    return True


def ping_webhook(conn: Connection, webhook_id: str) -> bool:
    """Ask the server to post a signed ping to the webhook now; False if it could not.

    Argilla delivers the ping before it answers, and answers 500 when the delivery
    failed: a plain request, not the retrying client (a retry would ping twice and
    print a retry notice about what is an expected answer).
    """
    import httpx

    try:
        answer = httpx.post(
            f"{conn.url}/api/v1/webhooks/{webhook_id}/ping",
            headers={"X-Argilla-Api-Key": conn.api_key},
            timeout=30,
        )
    except httpx.HTTPError:
        return False
    return answer.status_code < 400
