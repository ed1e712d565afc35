"""Talk to Argilla the way the annotator UI does: plain REST calls with a user's own key.

Integration tests use this to play volunteers (create accounts, read the queue, submit
responses) so that what `annotate` reads back comes from real server-side writes.
"""

from __future__ import annotations

from typing import Any

import httpx


def queue_body(
    response_statuses: list[str] | None = None, record_statuses: list[str] | None = None
) -> dict:
    """A search body filtering on the user's response status and the record status.

    Defaults to the annotator UI's queue: records this user has not answered and that are
    not completed yet. `record_statuses=[]` drops the record filter.
    """
    filters = [
        {
            "type": "terms",
            "scope": {"entity": "response", "property": "status"},
            "values": response_statuses or ["pending"],
        }
    ]
    record_statuses = ["pending"] if record_statuses is None else record_statuses
    if record_statuses:
        filters.append(
            {
                "type": "terms",
                "scope": {"entity": "record", "property": "status"},
                "values": record_statuses,
            }
        )
    return {"filters": {"and": filters}}


class Rest:
    def __init__(self, url: str, api_key: str) -> None:
        self.http = httpx.Client(base_url=url, headers={"X-Argilla-Api-Key": api_key}, timeout=30.0)

    def get(self, path: str, **kw: Any) -> Any:
        r = self.http.get(path, **kw)
        r.raise_for_status()
        return r.json()

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        r = self.http.post(path, json=body, **kw)
        r.raise_for_status()
        return r.json() if r.content else None

    def put(self, path: str, body: Any = None) -> Any:
        r = self.http.put(path, json=body)
        r.raise_for_status()
        return r.json() if r.content else None

    def patch(self, path: str, body: Any = None) -> Any:
        r = self.http.patch(path, json=body)
        r.raise_for_status()
        return r.json() if r.content else None

    # --- owner actions ---------------------------------------------------------------
    def create_annotator(self, username: str, password: str, workspace_id: str) -> Rest:
        """Create an annotator in a workspace; return a client logged in with its own key."""
        user = self.post(
            "/api/v1/users",
            {
                "first_name": username,
                "username": username,
                "password": password,
                "role": "annotator",
            },
        )
        self.post(f"/api/v1/workspaces/{workspace_id}/users", {"user_id": user["id"]})
        key = next(
            u["api_key"] for u in self.get("/api/v1/users")["items"] if u["username"] == username
        )
        return Rest(str(self.http.base_url), key)

    # --- annotator actions (the UI's endpoints) ------------------------------------------
    def queue(self, dataset_id: str, *, limit: int = 1000) -> dict:
        """The annotator's pending queue, as the UI asks for it."""
        return self.post(
            f"/api/v1/me/datasets/{dataset_id}/records/search",
            queue_body(),
            params={"include": ["responses", "suggestions"], "limit": limit},
        )

    def respond(self, record_id: str, values: dict[str, Any], status: str = "submitted") -> dict:
        """Submit (or save as draft / discard) a response to a record."""
        payload = {"values": {q: {"value": v} for q, v in values.items()}, "status": status}
        return self.post(f"/api/v1/records/{record_id}/responses", payload)

    def update_response(
        self, response_id: str, values: dict[str, Any], status: str = "submitted"
    ) -> dict:
        payload = {"values": {q: {"value": v} for q, v in values.items()}, "status": status}
        return self.put(f"/api/v1/responses/{response_id}", payload)
