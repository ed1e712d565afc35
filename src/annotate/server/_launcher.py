"""Start argilla-server with the SQL search engine and an in-process Redis.

Runs with the argilla-server virtual environment's Python (never imported by
`annotate`). `python -m argilla_server start` cannot register a search engine, so this
launcher imports ours first and then runs uvicorn on the unmodified app.

    python _launcher.py serve --host H --port P --bootstrap FILE
    python _launcher.py worker --data-dir D   (started by `serve`; runs background jobs)

All settings come from ARGILLA_* environment variables set by `annotate server start`.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def _data_dir() -> str:
    return os.environ.get("ARGILLA_HOME_PATH") or os.getcwd()


def _socket_path() -> str:
    """Where Redis listens: a Unix socket in the owner-only data folder.

    A Unix socket path is limited to about 100 bytes; a deeper data folder gets a fresh
    owner-only folder in /tmp instead. Either way no other local user can connect.
    """
    path = os.path.join(_data_dir(), "redis.sock")
    if len(path.encode()) > 100:
        import shutil
        import tempfile

        folder = tempfile.mkdtemp(prefix="annotate-redis-", dir="/tmp")  # mode 0700
        atexit.register(shutil.rmtree, folder, True)
        path = os.path.join(folder, "redis.sock")
    if os.path.lexists(path):
        os.unlink(path)  # left by a killed server; one server per data folder (start locks it)
    atexit.register(lambda: os.path.lexists(path) and os.unlink(path))
    return path


def _start_redis() -> str:
    """Redis protocol from fakeredis on a Unix socket only the owner can reach.

    Any client of this Redis can queue a job the rq worker runs as this user, so it must
    not listen on TCP (fakeredis does not enforce a password). Nothing to install.
    """
    import itertools

    from fakeredis import TcpFakeServer

    class UnixFakeServer(TcpFakeServer):
        address_family = socket.AF_UNIX

    path = _socket_path()
    old_umask = os.umask(0o077)  # the socket is created owner-only, not chmod-ed after
    try:
        server = UnixFakeServer(path, server_type="redis")  # type: ignore[arg-type]
    finally:
        os.umask(old_umask)
    # fakeredis keys its connections by the peer address, which is "" for every Unix client
    ids = itertools.count()
    base = server.RequestHandlerClass

    def setup(handler) -> None:
        handler.client_address = ("unix", next(ids))
        base.setup(handler)

    server.RequestHandlerClass = type("UnixHandler", (base,), {"setup": setup})
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="fakeredis", daemon=True).start()
    return f"unix://{path}?db=0"


def _migrate() -> None:
    import alembic.config
    from argilla_server.database import ALEMBIC_CONFIG_FILE

    alembic.config.main(argv=["-c", ALEMBIC_CONFIG_FILE, "-q", "upgrade", "head"])


def _bootstrap_owner(path: str) -> None:
    """Create the owner (and its workspace) once; a restart finds it and does nothing."""
    import asyncio

    from argilla_server.contexts import accounts
    from argilla_server.database import AsyncSessionLocal
    from argilla_server.models import User, UserRole, Workspace

    with open(path, encoding="utf-8") as fh:
        owner = json.load(fh)

    async def create() -> None:
        async with AsyncSessionLocal() as db:
            if await accounts.get_user_by_username(db, owner["username"]):
                return
            workspace = await Workspace.get_by(db, name=owner["workspace"])
            if workspace is None:
                workspace = await Workspace.create(db, name=owner["workspace"])
            await User.create(
                db,
                first_name=owner["username"],
                username=owner["username"],
                role=UserRole.owner,
                password_hash=accounts.hash_password(owner["password"]),
                api_key=owner["api_key"],
                workspaces=[workspace],
            )

    asyncio.run(create())


def serve(host: str, port: int, bootstrap: str) -> int:
    os.environ["ARGILLA_REDIS_URL"] = _start_redis()
    _migrate()
    _bootstrap_owner(bootstrap)
    import _engine

    _engine.prepare_database()  # the engine's indexes; WAL for SQLite

    # the data folder on its command line lets `annotate server stop` recognise it as ours
    worker = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "worker", "--data-dir", _data_dir()]
    )

    def _stop(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        import uvicorn
        from argilla_server._app import app

        _engine.tune_argilla_pool()
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    except KeyboardInterrupt:
        pass
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
    return 0


def work() -> int:
    """One rq worker without forking per job: jobs are small and share the engine."""
    import _engine  # registers the search engine

    _engine.tune_argilla_pool(worker=True)
    from argilla_server.jobs.queues import DEFAULT_QUEUE, HIGH_QUEUE, REDIS_CONNECTION
    from rq import SimpleWorker

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    SimpleWorker([HIGH_QUEUE, DEFAULT_QUEUE], connection=REDIS_CONNECTION).work(
        with_scheduler=False, logging_level="WARNING"
    )
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["worker"]:
        return work()
    if argv[:1] == ["serve"]:
        args = dict(zip(argv[1::2], argv[2::2], strict=False))
        return serve(args["--host"], int(args["--port"]), args["--bootstrap"])
    sys.stderr.write(__doc__ or "")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
