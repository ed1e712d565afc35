"""Which Argilla to talk to: flags, then ARGILLA_API_URL/ARGILLA_API_KEY, then the local server."""

from __future__ import annotations

import os
from dataclasses import dataclass

from annotate.errors import ConnectionFailed


@dataclass(frozen=True)
class Connection:
    url: str
    api_key: str
    source: str  # "flags", "environment" or "local server": said in messages, never the key

    def __repr__(self) -> str:  # the key never reaches a log or a traceback
        return f"Connection(url={self.url!r}, source={self.source!r})"


def resolve_connection(api_url: str | None = None, api_key: str | None = None) -> Connection:
    """Pick the connection the way users expect: explicit beats implicit."""
    if api_url or api_key:
        url = api_url or os.environ.get("ARGILLA_API_URL")
        key = api_key or os.environ.get("ARGILLA_API_KEY")
        if not url or not key:
            missing = "--api-url" if not url else "--api-key"
            raise ConnectionFailed(
                f"{missing} is missing", hint="pass both --api-url and --api-key, or neither"
            )
        return Connection(url.rstrip("/"), key, "flags")
    env_url, env_key = os.environ.get("ARGILLA_API_URL"), os.environ.get("ARGILLA_API_KEY")
    if env_url or env_key:
        if not env_url or not env_key:
            missing = "ARGILLA_API_URL" if not env_url else "ARGILLA_API_KEY"
            raise ConnectionFailed(
                f"{missing} is not set", hint="set both ARGILLA_API_URL and ARGILLA_API_KEY"
            )
        return Connection(env_url.rstrip("/"), env_key, "environment")

    from annotate import server

    local = server.local_connection()
    if local is None:
        raise ConnectionFailed(
            "no Argilla server to talk to",
            hint="run `annotate server start`, or pass --api-url/--api-key "
            "(or set ARGILLA_API_URL/ARGILLA_API_KEY)",
        )
    # several may have been started: the newest still running is used; say which
    return Connection(local.url, local.api_key, f"local server in {local.data_dir}")
