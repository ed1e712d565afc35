"""Shared fixtures: an isolated annotate home and one real Argilla server per test session.

The server is started through the same code path as `annotate server start`
(annotate.server.start) on a free loopback port with a temporary data folder. Its
virtual environment is the per-user one, so it is installed once per machine, not
once per test run.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data" / "okapi"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dead_url():
    """A loopback URL where nothing will ever answer: the port stays bound (never listening)
    for the whole test, so no server started meanwhile (another test worker, another
    suite on the machine) can take it. Connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture(scope="session", autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory):
    """Keep tests out of the user's annotate home; share only the server's venv."""
    from annotate import server

    venv = str(server.server_venv())
    home = tmp_path_factory.mktemp("annotate-home")
    saved = {k: os.environ.get(k) for k in ("ANNOTATE_HOME", "ANNOTATE_SERVER_VENV")}
    os.environ["ANNOTATE_HOME"] = str(home)
    os.environ["ANNOTATE_SERVER_VENV"] = venv
    for key in ("ARGILLA_API_URL", "ARGILLA_API_KEY", "HF_TOKEN"):
        os.environ.pop(key, None)
    yield home
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def argilla_server(tmp_path_factory: pytest.TempPathFactory, _isolated_home):
    """A real argilla-server (SQLite, our search engine, fakeredis) for the whole session."""
    from annotate import server

    data_dir = tmp_path_factory.mktemp("argilla-data")
    info = server.start(data_dir=data_dir, port=free_port())
    yield info
    server.stop(data_dir)
