"""Start argilla-server with the SQL search engine and an in-process Redis.

Runs with the argilla-server virtual environment's Python (never imported by
`annotate`). `python -m argilla_server start` cannot register a search engine, so this
launcher imports ours first and then runs uvicorn on the unmodified app.

    python _launcher.py serve --host H --port P --bootstrap FILE [--workers N]
    python _launcher.py worker --data-dir D   (started by `serve`; runs background jobs)
    python _launcher.py http --fd F --data-dir D   (started by `serve` when N > 1)

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


def skip_events_nobody_watches() -> None:
    """Build a webhook event only when an enabled webhook may want it.

    argilla-server builds every event (a record's, a response's, a dataset's) before it
    looks for webhooks: five to eight ORM queries and a pydantic dump each, several per
    submission and one per record of a bulk upsert, then it finds no webhook and drops
    it. This wraps those builders, wherever argilla-server imported them, with one query
    for an enabled webhook; with one, the original runs unchanged.
    """
    from argilla_server.models import Webhook
    from argilla_server.webhooks.v1 import datasets, records, responses
    from sqlalchemy import select

    watched = select(Webhook.id).where(Webhook.enabled.is_(True)).limit(1)

    def guarded(notify):
        async def notify_if_watched(db, event, resource):
            if await db.scalar(watched) is None:
                return []
            return await notify(db, event, resource)

        return notify_if_watched

    originals = (
        records.notify_record_event,
        responses.notify_response_event,
        datasets.notify_dataset_event,
    )
    wrapped = {id(f): guarded(f) for f in originals}
    for name, module in list(sys.modules.items()):
        if name.startswith("argilla_server") and module is not None:
            for attr, value in list(vars(module).items()):
                if id(value) in wrapped and value in originals:
                    setattr(module, attr, wrapped[id(value)])


def reuse_settings_adapters() -> None:
    """Build the pydantic validators of question and metadata settings once, not per use.

    argilla-server's `Question.parsed_settings` and `MetadataProperty.parsed_settings`
    construct a new `TypeAdapter` (a pydantic schema build) on every call, and the
    validators call them per record, per suggestion, per metadata value and per
    response: 40 % of a bulk upsert's CPU, measured. The same adapter, built once,
    validates the same way.
    """
    from argilla_server.models import database
    from pydantic import TypeAdapter

    question = TypeAdapter(database.QuestionSettings)  # the types the originals build
    metadata = TypeAdapter(database.MetadataPropertySettings)
    database.Question.parsed_settings = property(lambda q: question.validate_python(q.settings))
    database.MetadataProperty.parsed_settings = property(
        lambda m: metadata.validate_python(m.settings)
    )


def _app():
    """argilla-server's app with our engine registered, its pool sized, idle events
    skipped, settings validators built once."""
    import _engine  # registers the search engine
    from argilla_server._app import app

    _engine.tune_argilla_pool()
    skip_events_nobody_watches()
    reuse_settings_adapters()
    return app


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket the HTTP processes share (the kernel spreads connections)."""
    family, kind, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(host: str, port: int, bootstrap: str, workers: int = 1) -> int:
    """Redis, migrations, the owner and the indexes once; then HTTP in 1 or N processes.

    With N > 1, this process binds the port and starts N `http` processes on that
    socket, restarting one that dies; each runs the same app on its own core. SQLite in
    WAL mode lets their reads run side by side, and their writes wait their turn for the
    write lock (busy timeout, see `_engine`). Redis stays here, so every process and the
    rq worker share it.
    """
    os.environ["ARGILLA_REDIS_URL"] = _start_redis()
    _migrate()
    _bootstrap_owner(bootstrap)
    import _engine

    _engine.prepare_database()  # the engine's indexes; WAL for SQLite

    # the data folder on its command line lets `annotate server stop` recognise it as ours
    children = [
        subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "worker", "--data-dir", _data_dir()]
        )
    ]

    def _stop(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        if workers <= 1:
            import uvicorn

            uvicorn.run(_app(), host=host, port=port, log_level="warning", access_log=False)
        else:
            _serve_processes(_listen(host, port), workers, children)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
    return 0


def _serve_processes(sock: socket.socket, workers: int, children: list) -> None:
    """Run `workers` HTTP processes on `sock` until stopped; replace any that exits."""
    import time

    os.environ["ANNOTATE_SERVER_WORKERS"] = str(workers)  # they size their pools by it

    def spawn() -> subprocess.Popen:
        fd = str(sock.fileno())
        argv = [sys.executable, os.path.abspath(__file__), "http", "--fd", fd]
        return subprocess.Popen([*argv, "--data-dir", _data_dir()], pass_fds=(sock.fileno(),))

    procs = [spawn() for _ in range(workers)]
    children += procs
    while True:
        time.sleep(0.5)
        for i, proc in enumerate(procs):
            if proc.poll() is not None:
                sys.stderr.write(f"HTTP process {proc.pid} exited ({proc.returncode}), restarted\n")
                procs[i] = spawn()
                children.append(procs[i])


def http(fd: int) -> int:
    """One HTTP process of a multi-process server, on the socket `serve` listens on."""
    import uvicorn

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    uvicorn.run(_app(), fd=fd, log_level="warning", access_log=False)
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
    args = dict(zip(argv[1::2], argv[2::2], strict=False))
    if argv[:1] == ["serve"]:
        workers = int(args.get("--workers", 1))
        return serve(args["--host"], int(args["--port"]), args["--bootstrap"], workers)
    if argv[:1] == ["http"]:
        return http(int(args["--fd"]))
    sys.stderr.write(__doc__ or "")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
