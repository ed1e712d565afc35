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
from dataclasses import dataclass
from pathlib import Path

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


def default_data_dir() -> Path:
    return annotate_home() / "server"


def _resolve_data_dir(data_dir: Path | None) -> Path:
    """An explicit folder, else the one the last `start` used, else the per-user default."""
    if data_dir is not None:
        return data_dir.expanduser().resolve()
    try:
        return Path(json.loads(_current_pointer().read_text())["data_dir"])
    except (OSError, ValueError, KeyError):
        return default_data_dir()


def server_venv() -> Path:
    override = os.environ.get("ANNOTATE_SERVER_VENV")
    if override:
        return Path(override).expanduser().resolve()
    return annotate_home() / "venvs" / f"argilla-server-{SERVER_VERSION}"


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _requirements_digest() -> str:
    return hashlib.sha256(_REQUIREMENTS.read_bytes()).hexdigest()[:16]


def ensure_server_env(log: Path | None = None) -> Path:
    """Create the server's virtual environment on first use; return its Python.

    A marker file holding the requirements' digest makes later starts instant and a
    changed requirements file reinstall. A lock keeps two concurrent starts from
    installing at once.
    """
    venv = server_venv()
    python = _venv_python(venv)
    marker = venv / ".annotate-installed"
    digest = _requirements_digest()
    if python.exists() and marker.exists() and marker.read_text().strip() == digest:
        return python

    venv.parent.mkdir(parents=True, exist_ok=True)
    log = log or (annotate_home() / "logs" / "server-install.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    with _file_lock(venv.parent / f".{venv.name}.lock"):
        if python.exists() and marker.exists() and marker.read_text().strip() == digest:
            return python
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
        marker.write_text(digest)
    return python


@contextlib.contextmanager
def _file_lock(path: Path):
    import fcntl

    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


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
        return json.loads(_pid_file(data_dir).read_text())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():  # a recycled pid is not our server
        try:
            return b"_launcher.py" in cmdline.read_bytes()
        except OSError:
            return False
    return True


def _answers(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v1/version", timeout=timeout) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


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


def _record_current(data_dir: Path, url: str) -> None:
    write_private(_current_pointer(), json.dumps({"data_dir": str(data_dir), "url": url}))


# --- commands -------------------------------------------------------------------------


def start(
    data_dir: Path | None = None,
    port: int = DEFAULT_PORT,
    host: str = DEFAULT_HOST,
    timeout: float = 180.0,
) -> ServerInfo:
    """Start the server (idempotent) and return once it answers."""
    data_dir = (data_dir or default_data_dir()).expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(data_dir, 0o700)

    running = _read_pid(data_dir)
    if running and _alive(running["pid"]) and _answers(running["url"]):
        _record_current(data_dir, running["url"])
        return _info(data_dir, running["url"], running["pid"])
    if running:
        _kill_group(running)  # a half-dead previous start: clean it before starting again
        _pid_file(data_dir).unlink(missing_ok=True)

    if _port_in_use(host, port):
        raise AnnotateError(
            f"port {port} on {host} is already in use", hint="pick another one with --port"
        )

    python = ensure_server_env()
    _load_or_create_credentials(data_dir)  # the launcher creates the owner from them
    tmp = data_dir / "tmp"
    if tmp.exists():  # argilla-server copies its UI here on every import and never cleans
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()

    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARGILLA_", "HF_TOKEN"))}
    env.update(
        ARGILLA_HOME_PATH=str(data_dir),
        ARGILLA_DATABASE_URL=f"sqlite+aiosqlite:///{data_dir / 'argilla.db'}",
        ARGILLA_SEARCH_ENGINE="annotate-sql",
        ARGILLA_AUTH_SECRET_KEY=_auth_secret(data_dir),
        ARGILLA_ENABLE_TELEMETRY="0",
        ARGILLA_SHOW_HUGGINGFACE_SPACE_PERSISTENT_STORAGE_WARNING="false",
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HUB_OFFLINE="1",
        TMPDIR=str(tmp),
        PYTHONUNBUFFERED="1",
    )
    url = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}"
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
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=str(data_dir),
            start_new_session=True,
        )
    state = {"pid": proc.pid, "pgid": proc.pid, "url": url, "host": host, "port": port}
    write_private(_pid_file(data_dir), json.dumps(state))

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            _kill_group(state)
            _pid_file(data_dir).unlink(missing_ok=True)
            raise AnnotateError(
                f"the Argilla server exited during start-up (code {proc.returncode})",
                hint=f"read {log}",
            )
        if _answers(url):
            _record_current(data_dir, url)
            return _info(data_dir, url, proc.pid)
        time.sleep(0.25)
    _kill_group(state)
    _pid_file(data_dir).unlink(missing_ok=True)
    raise AnnotateError(
        f"the Argilla server did not answer on {url} within {timeout:.0f} s", hint=f"read {log}"
    )


def _kill_group(state: dict, grace: float = 15.0) -> None:
    pgid = state.get("pgid") or state.get("pid")
    if not pgid:
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
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def stop(data_dir: Path | None = None) -> bool:
    """End exactly the processes `start` started; True when something was running."""
    data_dir = _resolve_data_dir(data_dir)
    state = _read_pid(data_dir)
    if not state:
        return False
    _kill_group(state)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _port_in_use(state["host"], state["port"]):
        time.sleep(0.1)
    _pid_file(data_dir).unlink(missing_ok=True)
    return True


def status(data_dir: Path | None = None) -> dict:
    data_dir = _resolve_data_dir(data_dir)
    state = _read_pid(data_dir)
    up = bool(state and _alive(state["pid"]) and _answers(state["url"]))
    return {
        "running": up,
        "url": state["url"] if state else None,
        "pid": state["pid"] if (state and up) else None,
        "data_dir": str(data_dir),
        "log": str(log_file(data_dir)),
    }


def local_connection() -> ServerInfo | None:
    """The local server recorded by the last `start`, if it is still up."""
    try:
        pointer = json.loads(_current_pointer().read_text())
    except (OSError, ValueError):
        return None
    data_dir = Path(pointer["data_dir"])
    state = _read_pid(data_dir)
    if not state or not _connection_file(data_dir).exists():
        return None
    return _info(data_dir, state["url"], state.get("pid"))
