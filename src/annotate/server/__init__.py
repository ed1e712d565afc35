"""The embedded Argilla: a real, unmodified argilla-server with no Elasticsearch and no Redis.

`start` creates (once) a virtual environment with argilla-server 2.8.0, because its pins
clash with ours, then runs it through `_launcher.py`, which registers a search engine that
reads Argilla's own SQLite database (`_engine.py`) and serves Redis from fakeredis so
background jobs really run. Everything lives under one data folder: the database, the
owner's credentials (owner-only), the auth secret (so browser logins survive restarts),
the log and the pid file that lets `stop` end exactly what `start` started.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from annotate import lock
from annotate.errors import AnnotateError
from annotate.paths import annotate_home, write_private

SERVER_VERSION = "2.8.0"
DEFAULT_PORT = 6900
DEFAULT_HOST = "127.0.0.1"
OWNER_USERNAME = "owner"
DEFAULT_WORKSPACE = "default"

_HERE = Path(__file__).resolve().parent
_LAUNCHER = _HERE / "_launcher.py"
_REQUIREMENTS = _HERE / "requirements.txt"


@dataclass(frozen=True)
class ServerInfo:
    url: str
    username: str
    password: str
    api_key: str
    data_dir: Path
    pid: int | None = None

    def public(self) -> dict:
        """What `start --json` prints: the owner's credentials, on the owner's own terminal."""
        return {
            "url": self.url,
            "username": self.username,
            "password": self.password,
            "api_key": self.api_key,
        }

    def __repr__(self) -> str:  # never leak secrets into logs or tracebacks
        return f"ServerInfo(url={self.url!r}, username={self.username!r}, data_dir={self.data_dir})"


def default_workers() -> int:
    """HTTP processes when `start` is not told: one.

    A Python process uses one core, so N processes serve about N times the requests
    where N cores are free. It is not the default because each process costs about
    300 MB and its own start-up (measured on 2 busy cores: 2 processes start in 70 s
    instead of 27 s and take 1.06 GB instead of 0.35 GB), which a small campaign, a
    laptop or a test suite should not pay. `--workers N` is for a campaign's busy days.
    """
    return 1


def default_data_dir() -> Path:
    return annotate_home() / "server"


def server_venv() -> Path:
    override = os.environ.get("ANNOTATE_SERVER_VENV")
    if override:
        return Path(override).expanduser().resolve()
    return annotate_home() / "venvs" / f"argilla-server-{SERVER_VERSION}"


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _requirements_digest() -> str:
    return hashlib.sha256(_REQUIREMENTS.read_bytes()).hexdigest()[:16]


def _installed(venv: Path) -> bool:
    marker = venv / ".annotate-installed"
    return (
        _venv_python(venv).exists()
        and marker.exists()
        and marker.read_text().strip() == _requirements_digest()
    )


def ensure_server_env(log: Path | None = None, notify: Callable[[str], None] | None = None) -> Path:
    """Create the server's virtual environment on first use; return its Python.

    A marker file holding the requirements' digest makes later starts instant and a
    changed requirements file reinstall. A lock keeps two concurrent starts from
    installing at once. `notify` hears about an install only when one happens.
    """
    venv = server_venv()
    python = _venv_python(venv)
    marker = venv / ".annotate-installed"
    if _installed(venv):
        return python

    venv.parent.mkdir(parents=True, exist_ok=True)
    log = log or (annotate_home() / "logs" / "server-install.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    with lock.hold(venv.parent / f".{venv.name}.lock", "installing argilla-server", say=notify):
        if _installed(venv):
            return python
        if notify:
            notify(
                f"Installing argilla-server {SERVER_VERSION} into {venv} "
                "(first start only, about a minute)..."
            )
        with open(log, "a", encoding="utf-8") as out:
            steps = [
                [sys.executable, "-m", "venv", str(venv)],
                [
                    str(python),
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "-q",
                    "-r",
                    str(_REQUIREMENTS),
                ],
            ]
            for cmd in steps:
                out.write(f"$ {' '.join(cmd)}\n")
                out.flush()
                code = subprocess.call(cmd, stdout=out, stderr=subprocess.STDOUT)
                if code != 0:
                    raise AnnotateError(
                        f"installing argilla-server {SERVER_VERSION} failed (exit {code})",
                        hint=f"read {log}",
                    )
        marker.write_text(_requirements_digest())
    return python


# --- state files --------------------------------------------------------------------


def _connection_file(data_dir: Path) -> Path:
    return data_dir / "connection.json"


def _pid_file(data_dir: Path) -> Path:
    return data_dir / "server.pid"


def log_file(data_dir: Path) -> Path:
    return data_dir / "server.log"


def _current_pointer() -> Path:
    return annotate_home() / "current-server.json"


def _load_or_create_credentials(data_dir: Path) -> dict:
    path = _connection_file(data_dir)
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    creds = {
        "username": OWNER_USERNAME,
        "password": secrets.token_urlsafe(12),
        "api_key": "annotate." + secrets.token_urlsafe(24),
        "workspace": DEFAULT_WORKSPACE,
    }
    write_private(path, json.dumps(creds, indent=2))
    return creds


def _auth_secret(data_dir: Path) -> str:
    path = data_dir / "auth-secret"
    if not path.exists():
        write_private(path, secrets.token_hex(32))
    return path.read_text().strip()


def _read_pid(data_dir: Path) -> dict | None:
    try:
        state = json.loads(_pid_file(data_dir).read_text())
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and isinstance(state.get("pid"), int) else None


# --- is that process ours? -------------------------------------------------------------
# A pid file outlives its process (reboot, OOM kill), and the pid is then reused by
# anything, the user's shell included. Nothing is signalled unless its command line
# proves it is this data folder's launcher (and, for the leader, its start time matches).


def _proc_stat(pid: int) -> tuple[int, int] | None:
    """(process group, start time in clock ticks since boot) from /proc, or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
        fields = text[text.rindex(")") + 2 :].split()  # the name in (...) may hold spaces
        return int(fields[2]), int(fields[19])
    except (OSError, ValueError, IndexError):
        return None


def _group_members(pgid: int) -> list[tuple[int, list[str]]]:
    """(pid, argv) of every process in process group `pgid`."""
    found = []
    if Path("/proc/self/stat").exists():
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            stat = _proc_stat(int(entry.name))
            if stat is None or stat[0] != pgid:
                continue
            try:
                raw = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            found.append((int(entry.name), raw.decode(errors="replace").split("\0")))
        return found
    try:  # no /proc (macOS): ps has the same facts; the start-time check is skipped
        out = subprocess.run(
            ["ps", "-A", "-o", "pid=,pgid=,command="], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    for line in out.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[1] == str(pgid):
            found.append((int(parts[0]), parts[2].split()))
    return found


def _runs_our_launcher(argv: list[str], data_dir: Path) -> bool:
    """The server (`--bootstrap <data>/connection.json`) or its worker (`--data-dir <data>`)."""
    return any(a.endswith(_LAUNCHER.name) for a in argv[:3]) and (
        str(_connection_file(data_dir)) in argv or str(data_dir) in argv
    )


def _our_pids(state: dict, data_dir: Path) -> list[int]:
    """The processes of the recorded group that are this data folder's server, if any."""
    pgid = state.get("pgid") or state.get("pid")
    if not isinstance(pgid, int) or pgid <= 1:
        return []
    ours = [pid for pid, argv in _group_members(pgid) if _runs_our_launcher(argv, data_dir)]
    leader, started = state.get("pid"), state.get("started")
    if leader in ours and started is not None:
        stat = _proc_stat(leader)
        if stat is not None and stat[1] != started:  # same pid and command, another process
            return []
    return ours


def _alive(state: dict, data_dir: Path) -> bool:
    return state.get("pid") in _our_pids(state, data_dir)


def _answers(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v1/version", timeout=timeout) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


# --- where to listen -----------------------------------------------------------------


def _bind_port(host: str, port: int) -> int:
    """The port the server can listen on (a free one for 0), or one line saying why not."""
    if not 0 <= port <= 65535:
        raise AnnotateError(
            f"--port {port} is not a port number", hint="use 1-65535, or 0 for any free port"
        )
    try:
        family, kind, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise AnnotateError(
            f"--host {host} is not a known address ({getattr(exc, 'strerror', exc)})",
            hint="use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)",
        ) from None
    with socket.socket(family, kind) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise AnnotateError(
                    f"port {port} on {host} is already in use", hint="pick another one with --port"
                ) from None
            if exc.errno == errno.EADDRNOTAVAIL:
                raise AnnotateError(
                    f"--host {host} is not an address of this machine",
                    hint="use 127.0.0.1 (this machine only), 0.0.0.0 (every interface) "
                    "or one of this machine's own addresses",
                ) from None
            if exc.errno == errno.EACCES:
                raise AnnotateError(
                    f"port {port} on {host} needs administrator rights",
                    hint="ports below 1024 are privileged: pick another one with --port",
                ) from None
            raise AnnotateError(f"cannot listen on {host} port {port}: {exc.strerror}") from None
        return s.getsockname()[1]


def _port_free(host: str, port: int) -> bool:
    try:
        _bind_port(host, port)
    except AnnotateError:
        return False
    return True


def _url(host: str, port: int) -> str:
    if host in ("127.0.0.1", "0.0.0.0", "::", "::1", "localhost"):
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _info(data_dir: Path, url: str, pid: int | None) -> ServerInfo:
    creds = _load_or_create_credentials(data_dir)
    return ServerInfo(
        url=url,
        username=creds["username"],
        password=creds["password"],
        api_key=creds["api_key"],
        data_dir=data_dir,
        pid=pid,
    )


# --- which local server: current-server.json -----------------------------------------
# The servers `start` started, newest first. Commands without --api-url use the newest
# one still running, so stopping a second server does not hide the first.

_KEEP_RECENT = 20


def _recent_servers() -> list[dict]:
    try:
        pointer = json.loads(_current_pointer().read_text())
    except (OSError, ValueError):
        return []
    if not isinstance(pointer, dict):
        return []
    entries = pointer.get("servers", [pointer] if "data_dir" in pointer else [])  # 0.1 format
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("data_dir"), str)]


def _write_recent(entries: list[dict]) -> None:
    write_private(_current_pointer(), json.dumps({"servers": entries[:_KEEP_RECENT]}, indent=2))


def _record_current(data_dir: Path, url: str) -> None:
    others = [e for e in _recent_servers() if e["data_dir"] != str(data_dir)]
    _write_recent([{"data_dir": str(data_dir), "url": url}, *others])


def _forget_current(data_dir: Path) -> None:
    entries = _recent_servers()
    if any(e["data_dir"] == str(data_dir) for e in entries):
        _write_recent([e for e in entries if e["data_dir"] != str(data_dir)])


def _running(data_dir: Path) -> dict | None:
    """The pid state of this data folder's server when that server is really running."""
    state = _read_pid(data_dir)
    return state if state and _alive(state, data_dir) else None


def _resolve_data_dir(data_dir: Path | None) -> Path:
    """An explicit folder, else the newest started server still running, else the newest
    started one, else the per-user default."""
    if data_dir is not None:
        return data_dir.expanduser().resolve()
    recent = [Path(e["data_dir"]) for e in _recent_servers()]
    for folder in recent:
        if _running(folder):
            return folder
    return recent[0] if recent else default_data_dir()


# --- commands -------------------------------------------------------------------------


def _database_url(data_dir: Path, database_url: str | None) -> str:
    """SQLite in the data folder, or the PostgreSQL URL given once and kept for restarts.

    The URL may hold a password: it is stored owner-only and never printed.
    """
    path = data_dir / "database-url"
    if database_url is None:
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        return f"sqlite+aiosqlite:///{data_dir / 'argilla.db'}"
    scheme, sep, rest = database_url.partition("://")
    if not sep or scheme not in ("postgresql", "postgres", "postgresql+asyncpg"):
        raise AnnotateError(
            "--database-url must be a PostgreSQL URL (postgresql://USER:PASSWORD@HOST:PORT/DB)",
            hint="leave it out to use SQLite in the data folder",
        )
    url = f"postgresql+asyncpg://{rest}"
    write_private(path, url)
    return url


def start(
    data_dir: Path | None = None,
    port: int = DEFAULT_PORT,
    host: str = DEFAULT_HOST,
    timeout: float = 180.0,
    notify: Callable[[str], None] | None = None,
    database_url: str | None = None,
    workers: int | None = None,
) -> ServerInfo:
    """Start the server (idempotent) and return once it answers.

    `notify` receives the few things worth telling a person: an install about to
    happen, a stale pid file cleaned, a wait for a concurrent start. `database_url`
    (PostgreSQL, for big campaigns) is remembered in the data folder, so later starts
    without it keep using the same database. `workers`: HTTP processes (see
    `default_workers`).
    """
    workers = default_workers() if workers is None else workers
    if not 1 <= workers <= 64:
        raise AnnotateError(f"--workers {workers} is out of range", hint="use 1 to 64")
    data_dir = (data_dir or default_data_dir()).expanduser().resolve()
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(data_dir, 0o700)  # the database, the credentials and the Redis socket live here
    except OSError as exc:
        raise AnnotateError(
            f"cannot use {data_dir} as the server's data folder: {exc.strerror}",
            hint="pass a --data-dir of your own",
        ) from None
    with lock.hold(data_dir / "server.lock", "annotate server start", say=notify):
        db_url = _database_url(data_dir, database_url)
        return _start_locked(data_dir, port, host, timeout, notify, db_url, workers)


def _start_locked(
    data_dir: Path,
    port: int,
    host: str,
    timeout: float,
    notify: Callable[[str], None] | None,
    db_url: str,
    workers: int = 1,
) -> ServerInfo:
    previous = _read_pid(data_dir)
    if previous and _alive(previous, data_dir):
        if _answers(previous["url"]):
            _record_current(data_dir, previous["url"])
            return _info(data_dir, previous["url"], previous["pid"])
        _kill_group(previous, data_dir)  # a half-dead previous start: end it first
    elif previous and notify:
        notify(_stale_message(data_dir, previous))
    _pid_file(data_dir).unlink(missing_ok=True)

    port = _bind_port(host, port)
    python = ensure_server_env(notify=notify)
    _load_or_create_credentials(data_dir)  # the launcher creates the owner from them
    tmp = data_dir / "tmp"
    if tmp.exists():  # argilla-server copies its UI here on every import and never cleans
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()

    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARGILLA_", "HF_TOKEN"))}
    env.update(
        ARGILLA_HOME_PATH=str(data_dir),
        ARGILLA_DATABASE_URL=db_url,
        ARGILLA_SEARCH_ENGINE="annotate-sql",
        ARGILLA_AUTH_SECRET_KEY=_auth_secret(data_dir),
        ARGILLA_ENABLE_TELEMETRY="0",
        ARGILLA_SHOW_HUGGINGFACE_SPACE_PERSISTENT_STORAGE_WARNING="false",
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HUB_OFFLINE="1",
        TMPDIR=str(tmp),
        PYTHONUNBUFFERED="1",
    )
    url = _url(host, port)
    log = log_file(data_dir)
    with open(log, "a", encoding="utf-8") as out:
        os.chmod(log, 0o600)
        out.write(f"\n--- annotate server start {time.strftime('%Y-%m-%dT%H:%M:%S')} ---\n")
        out.flush()
        proc = subprocess.Popen(
            [
                str(python),
                str(_LAUNCHER),
                "serve",
                "--host",
                host,
                "--port",
                str(port),
                "--bootstrap",
                str(_connection_file(data_dir)),
                "--workers",
                str(workers),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=str(data_dir),
            start_new_session=True,
        )
    stat = _proc_stat(proc.pid)
    state = {
        "pid": proc.pid,
        "pgid": proc.pid,
        "started": stat[1] if stat else None,
        "url": url,
        "host": host,
        "port": port,
    }
    write_private(_pid_file(data_dir), json.dumps(state))

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            _kill_group(state, data_dir)
            _pid_file(data_dir).unlink(missing_ok=True)
            raise AnnotateError(
                f"the Argilla server exited during start-up (code {proc.returncode})",
                hint=f"read {log}",
            )
        if _answers(url):
            _record_current(data_dir, url)
            return _info(data_dir, url, proc.pid)
        time.sleep(0.25)
    _kill_group(state, data_dir)
    _pid_file(data_dir).unlink(missing_ok=True)
    raise AnnotateError(
        f"the Argilla server did not answer on {url} within {timeout:.0f} s", hint=f"read {log}"
    )


def _stale_message(data_dir: Path, state: dict) -> str:
    return (
        f"removed a stale {_pid_file(data_dir).name} in {data_dir}: pid {state['pid']} "
        "is no longer this server (nothing was signalled)"
    )


def _kill_group(state: dict, data_dir: Path, grace: float = 15.0) -> None:
    """End the server's process group, only while it is provably this data folder's."""
    pgid = state.get("pgid") or state.get("pid")
    if not _our_pids(state, data_dir):
        return
    try:
        os.killpg(pgid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        with contextlib.suppress(ChildProcessError):
            os.waitpid(-pgid, os.WNOHANG)
        time.sleep(0.1)
    if _our_pids(state, data_dir):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)


def stop(data_dir: Path | None = None, notify: Callable[[str], None] | None = None) -> bool:
    """End exactly the processes `start` started; True when something was running.

    A pid file whose process is not this data folder's server (a reboot, an OOM kill,
    the pid reused by another program) is removed without signalling anything.
    """
    data_dir = _resolve_data_dir(data_dir)
    if not data_dir.is_dir():
        return False
    with lock.hold(data_dir / "server.lock", "annotate server stop", say=notify):
        state = _read_pid(data_dir)
        running = bool(state and _alive(state, data_dir))
        if state and running:
            _kill_group(state, data_dir)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not _port_free(state["host"], state["port"]):
                time.sleep(0.1)
        elif state and notify:
            notify(_stale_message(data_dir, state))
        _pid_file(data_dir).unlink(missing_ok=True)
        _forget_current(data_dir)
    return running


def status(data_dir: Path | None = None) -> dict:
    data_dir = _resolve_data_dir(data_dir)
    state = _running(data_dir)
    up = bool(state and _answers(state["url"]))
    return {
        "running": up,
        "url": state["url"] if state else None,
        "pid": state["pid"] if (state and up) else None,
        "data_dir": str(data_dir),
        "log": str(log_file(data_dir)),
    }


def local_connection() -> ServerInfo | None:
    """The newest local server `start` started that is still running, if any."""
    for entry in _recent_servers():
        data_dir = Path(entry["data_dir"])
        state = _running(data_dir)
        if state and _connection_file(data_dir).exists():
            return _info(data_dir, state["url"], state["pid"])
    return None
