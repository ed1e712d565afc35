"""A small Hugging Face Hub on loopback, so the real clients can be tested with no Hub.

Why it exists: no Hub can be reached or installed where the tests run, huggingface_hub 2.x
talks HTTP through httpx2 (no mocking library sees it) and Xet uploads from Rust. A real
socket server on 127.0.0.1 is the only thing every client path goes through unmodified.

It keeps repos in a folder, with a real commit history (commit ids, `parentCommit` checked,
412 when stale), and serves what `huggingface_hub` 2.4 and `datasets` 5.2 call to create a
repo, commit (LFS transfer: run clients with HF_HUB_DISABLE_XET=1), list, read and resolve
files, and load a dataset. Writes need `Authorization: Bearer hf_...`: 401 without one, 403
with a token other than the one the emulator was started with.

Use it in-process (`with HubEmulator(tmp_path, token=...) as hub`) and point clients in a
subprocess at it with `hub.client_env()` (HF_ENDPOINT is read when huggingface_hub and
datasets are imported, so a fresh process is the reliable way), or run it standalone:
`python tests/hub_emulator.py --root DIR --token hf_x` prints its URL and serves until killed.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from loopback import LoopbackServer, read_body

REPO_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}
URL_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}
# Files the Hub stores through LFS whatever their size (subset of its default .gitattributes).
LFS_SUFFIXES = (
    ".parquet",
    ".arrow",
    ".bin",
    ".safetensors",
    ".pt",
    ".pth",
    ".ckpt",
    ".h5",
    ".npy",
    ".npz",
    ".pkl",
    ".pickle",
    ".zip",
    ".gz",
    ".tar",
    ".zst",
    ".xz",
    ".7z",
    ".onnx",
    ".msgpack",
)
REGULAR_MAX_BYTES = 10 * 1024 * 1024
GITATTRIBUTES = "".join(f"*{s} filter=lfs diff=lfs merge=lfs -text\n" for s in LFS_SUFFIXES)
SIZE_CATEGORIES = {
    "n<1K",
    "1K<n<10K",
    "10K<n<100K",
    "100K<n<1M",
    "1M<n<10M",
    "10M<n<100M",
    "100M<n<1B",
    "1B<n<10B",
    "10B<n<100B",
    "100B<n<1T",
    "n>1T",
    "other",
}
_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]*"
_SPLIT = re.compile(r"^\w+(\.\w+)*$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?---[ \t]*(\r?\n|\Z)", re.DOTALL)


def git_blob_sha1(data: bytes) -> str:
    """The git object id of a blob (what the Hub calls a regular file's oid)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def lfs_pointer(sha256: str, size: int) -> bytes:
    """The git-lfs pointer file stored in git in place of an LFS file."""
    return (
        f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()
    )


def validate_card_yaml(content: str, repo_type: str = "dataset") -> tuple[list[str], list[str]]:
    """Check a README's front matter the way the Hub does, roughly: (errors, warnings).

    Errors: front matter that is not YAML, not a mapping, or known keys with the wrong shape
    (the cases where the Hub answers 400). A README with no front matter only warns.
    """
    import yaml

    m = _FRONT_MATTER.match(content)
    if not m:
        return [], ["Empty or missing yaml metadata in repo card"]
    try:
        data = yaml.safe_load(m.group(1) or "")
    except yaml.YAMLError as exc:
        return [f"Invalid YAML in README front matter: {str(exc).splitlines()[0]}"], []
    if data is None:
        return [], ["Empty or missing yaml metadata in repo card"]
    if not isinstance(data, dict):
        return ["README front matter must be a YAML mapping"], []
    errors: list[str] = []

    def str_or_list(key: str) -> list[str] | None:
        value = data.get(key)
        if value is None:
            return None
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) and v for v in items):
            errors.append(f'"{key}" must be a string or a list of strings')
            return None
        return items

    for key in (
        "license",
        "task_categories",
        "task_ids",
        "tags",
        "annotations_creators",
        "language_creators",
        "multilinguality",
        "source_datasets",
    ):
        str_or_list(key)
    for lang in str_or_list("language") or []:
        if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*|code|multilingual", lang):
            errors.append(f'"language" has an invalid code: {lang!r}')
    for size in str_or_list("size_categories") or []:
        if size not in SIZE_CATEGORIES:
            errors.append(f'"size_categories" has an invalid value: {size!r}')
    if repo_type == "space":
        errors.extend(_space_card_errors(data))
    if "pretty_name" in data and not isinstance(data["pretty_name"], str):
        errors.append('"pretty_name" must be a string')
    configs = data.get("configs")
    if configs is not None:
        if repo_type != "dataset" or not isinstance(configs, list):
            errors.append('"configs" must be a list (dataset repos only)')
        else:
            seen: set[str] = set()
            for conf in configs:
                errors.extend(_config_errors(conf, seen))
    return errors, []


# What the Hub accepts in a Space card (https://huggingface.co/docs/hub/spaces-config-reference).
SPACE_SDKS = ("gradio", "streamlit", "docker", "static")
SPACE_COLORS = ("red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray")


def _space_card_errors(data: dict) -> list[str]:
    """A Space card's keys with the wrong value: the cases where the Hub answers 400."""
    errors = []
    if data.get("sdk") not in SPACE_SDKS:
        errors.append(f'"sdk" must be one of {", ".join(SPACE_SDKS)}')
    for key in ("colorFrom", "colorTo"):
        if key in data and data[key] not in SPACE_COLORS:
            errors.append(f'"{key}" must be one of {", ".join(SPACE_COLORS)}')
    for key in ("title", "emoji", "app_file", "short_description"):
        if key in data and not isinstance(data[key], str):
            errors.append(f'"{key}" must be a string')
    if "short_description" in data and len(str(data["short_description"])) > 60:
        errors.append('"short_description" must be at most 60 characters')
    if "pinned" in data and not isinstance(data["pinned"], bool):
        errors.append('"pinned" must be a boolean')
    return errors


def _config_errors(conf: Any, seen: set[str]) -> list[str]:
    if not isinstance(conf, dict) or not isinstance(conf.get("config_name"), str):
        return ['each entry of "configs" needs a "config_name" string']
    name = conf["config_name"]
    if name in seen:
        return [f"config {name!r} is declared twice"]
    seen.add(name)
    files = conf.get("data_files")
    if files is None:
        return [] if conf.get("data_dir") else [f"config {name!r} has no data_files"]
    entries = [files] if isinstance(files, str) else files
    if not isinstance(entries, list):
        return [f"config {name!r}: data_files must be a string or a list"]
    out = []
    for entry in entries:
        if isinstance(entry, str):
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("split"), str):
            out.append(f"config {name!r}: each data_files entry needs a split and a path")
        elif not _SPLIT.match(entry["split"]):
            out.append(f"config {name!r}: invalid split name {entry['split']!r}")
        elif not isinstance(entry.get("path"), str | list):
            out.append(f"config {name!r}: data_files entry for {entry['split']!r} has no path")
    return out


class HubError(Exception):
    """An HTTP error answered the way the Hub does (status, X-Error-Code, message)."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


@dataclass
class Entry:
    """One file in a commit: its content is in the object store under `sha256`."""

    size: int
    sha256: str
    lfs: bool

    def oid(self) -> str:
        """The git oid the Hub lists: the blob's, or the LFS pointer's for LFS files."""
        return self.sha1 if not self.lfs else git_blob_sha1(lfs_pointer(self.sha256, self.size))

    sha1: str = ""


@dataclass
class Commit:
    id: str
    parent: str | None
    title: str
    description: str
    date: str
    files: dict[str, Entry]


@dataclass
class Repo:
    type: str
    id: str
    private: bool
    created: str
    refs: dict[str, str] = field(default_factory=dict)
    sdk: str | None = None  # Spaces only: the SDK given at creation
    commits: dict[str, Commit] = field(default_factory=dict)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class HubState:
    """Repos, commits and the object store; every mutation holds the lock."""

    def __init__(self, root: Path, token: str) -> None:
        self.root = root
        self.objects = root / "objects"
        self.objects.mkdir(parents=True, exist_ok=True)
        self.token = token
        self.secret = secrets.token_bytes(16)
        self.repos: dict[tuple[str, str], Repo] = {}
        self.lock = threading.RLock()
        self.requests: list[tuple[str, str, int]] = []
        self._counter = 0
        # (status, echo the Authorization header) answered to every request while set.
        self.fault: tuple[int, bool] | None = None

    # --- objects -----------------------------------------------------------------
    def put_object(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        path = self.objects / sha
        if not path.exists():
            tmp = path.with_suffix(f".tmp{threading.get_ident()}")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        return sha

    def has_object(self, sha256: str, size: int | None = None) -> bool:
        path = self.objects / sha256
        return path.is_file() and (size is None or path.stat().st_size == size)

    def read_object(self, sha256: str) -> bytes:
        return (self.objects / sha256).read_bytes()

    def sign(self, oid: str) -> str:
        return hmac.new(self.secret, oid.encode(), hashlib.sha256).hexdigest()[:32]

    # --- repos -------------------------------------------------------------------
    def repo(self, repo_type: str, repo_id: str, *, authorized: bool) -> Repo:
        repo = self.repos.get((repo_type, repo_id))
        if repo is None or (repo.private and not authorized):
            raise HubError(404, "Repository not found", "RepoNotFound")
        return repo

    def create_repo(
        self, repo_type: str, repo_id: str, private: bool, sdk: str | None = None
    ) -> Repo:
        with self.lock:
            if (repo_type, repo_id) in self.repos:
                raise HubError(409, f"You already created this {repo_type} repo")
            repo = Repo(repo_type, repo_id, private, _now(), sdk=sdk)
            self.repos[(repo_type, repo_id)] = repo
            self.commit(
                repo,
                "main",
                None,
                "initial commit",
                "",
                [("file", ".gitattributes", GITATTRIBUTES.encode())],
            )
            return repo

    def resolve(self, repo: Repo, revision: str) -> Commit:
        rev = unquote(revision)
        for name in (rev, rev.removeprefix("refs/heads/")):
            if name in repo.refs:
                return repo.commits[repo.refs[name]]
        if rev in repo.commits:
            return repo.commits[rev]
        raise HubError(404, f"Invalid rev id: {rev}", "RevisionNotFound")

    def history(self, repo: Repo, commit: Commit) -> list[Commit]:
        out = []
        cur: Commit | None = commit
        while cur is not None:
            out.append(cur)
            cur = repo.commits.get(cur.parent) if cur.parent else None
        return out

    def commit(
        self,
        repo: Repo,
        branch: str,
        parent_commit: str | None,
        title: str,
        description: str,
        ops: list[tuple[str, str, Any]],
    ) -> Commit:
        """Apply ops: ("file", path, bytes), ("lfs", path, (sha256, size)), ("delete", path, None)
        or ("deleteFolder", path, None); one new commit on `branch`, or a HubError."""
        with self.lock:
            head_id = repo.refs.get(branch)
            if head_id is None and repo.refs:
                raise HubError(404, f"Invalid rev id: {branch}", "RevisionNotFound")
            if parent_commit is not None and parent_commit != head_id:
                raise HubError(412, "A commit has happened since. Please refresh and try again.")
            files = dict(repo.commits[head_id].files) if head_id else {}
            for kind, path, payload in ops:
                if kind == "file":
                    sha = self.put_object(payload)
                    files[path] = Entry(len(payload), sha, False, git_blob_sha1(payload))
                elif kind == "lfs":
                    sha, size = payload
                    if not self.has_object(sha, size):
                        raise HubError(
                            422,
                            f"Your push was rejected because an LFS pointer pointed to a file "
                            f"that does not exist ({path})",
                        )
                    files[path] = Entry(size, sha, True)
                elif kind == "delete":
                    if path not in files:
                        raise HubError(404, "A file with this name doesn't exist", "EntryNotFound")
                    del files[path]
                elif kind == "deleteFolder":
                    gone = [p for p in files if p.startswith(path.rstrip("/") + "/")]
                    if not gone:
                        raise HubError(
                            404, "A folder with this name doesn't exist", "EntryNotFound"
                        )
                    for p in gone:
                        del files[p]
            readme = files.get("README.md")
            if readme is not None and any(k != "delete" and p == "README.md" for k, p, _ in ops):
                errors, _ = validate_card_yaml(self.read_object(readme.sha256).decode(), repo.type)
                if errors:
                    raise HubError(400, "Invalid metadata in README.md: " + "; ".join(errors))
            self._counter += 1
            manifest = sorted((p, e.sha256) for p, e in files.items())
            seed = json.dumps([head_id, manifest, title, description, self._counter, _now()])
            commit = Commit(
                hashlib.sha1(seed.encode()).hexdigest(), head_id, title, description, _now(), files
            )
            repo.commits[commit.id] = commit
            repo.refs[branch] = commit.id
            self._save()
            return commit

    def _save(self) -> None:
        """Keep a readable snapshot of the refs and histories next to the objects."""
        state = {
            f"{t}/{rid}": {
                "private": r.private,
                "refs": r.refs,
                "commits": [
                    {"id": c.id, "parent": c.parent, "title": c.title, "files": sorted(c.files)}
                    for c in r.commits.values()
                ],
            }
            for (t, rid), r in self.repos.items()
        }
        tmp = self.root / "state.json.tmp"
        tmp.write_text(json.dumps(state, indent=1))
        os.replace(tmp, self.root / "state.json")


def _entry_json(path: str, e: Entry, last: dict | None) -> dict:
    out: dict[str, Any] = {"type": "file", "oid": e.oid(), "size": e.size, "path": path}
    if e.lfs:
        pointer = lfs_pointer(e.sha256, e.size)
        out["lfs"] = {"oid": e.sha256, "size": e.size, "pointerSize": len(pointer)}
    if last is not None:
        out["lastCommit"] = last
    return out


def _dir_json(path: str, files: dict[str, Entry], last: dict | None) -> dict:
    inside = sorted((p, e.sha256) for p, e in files.items() if p.startswith(path + "/"))
    oid = hashlib.sha1(json.dumps(inside).encode()).hexdigest()
    out: dict[str, Any] = {"type": "directory", "oid": oid, "size": 0, "path": path}
    if last is not None:
        out["lastCommit"] = last
    return out


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "HubEmulator/1.0"
    state: HubState  # set on the subclass made per server

    # --- plumbing ----------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # never log: requests carry tokens in headers

    def _body(self) -> bytes:
        return read_body(self)

    def _send(
        self,
        status: int,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
        head: bool = False,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head and body:
            self.wfile.write(body)
        with self.state.lock:
            self.state.requests.append((self.command, self.path.split("?")[0], status))

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload).encode(), headers)

    def _error(self, err: HubError) -> None:
        headers = {"X-Error-Message": err.message.encode("ascii", "replace").decode()}
        if err.code:
            headers["X-Error-Code"] = err.code
        self._send(
            err.status,
            json.dumps({"error": err.message}).encode(),
            headers,
            head=self.command == "HEAD",
        )

    def _token(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        return auth[7:].strip() if auth.lower().startswith("bearer ") else None

    def _authorized(self) -> bool:
        token = self._token()
        return token is not None and hmac.compare_digest(token, self.state.token)

    def _require_write(self) -> None:
        token = self._token()
        if not token or not token.startswith("hf_"):
            raise HubError(401, "You must be authenticated with a token to write to the Hub")
        if not hmac.compare_digest(token, self.state.token):
            raise HubError(403, "You don't have the rights to write to this repository")

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        self.query = parse_qs(url.query)
        path = url.path
        try:
            if self.state.fault is not None:
                self._answer_fault(*self.state.fault)
            for method, pattern, fn in _ROUTES:
                if method == self.command or (method == "GET" and self.command == "HEAD"):
                    m = pattern.match(path)
                    if m:
                        fn(self, **{k: unquote(v) if v else v for k, v in m.groupdict().items()})
                        return
            raise HubError(404, f"Not found: {self.command} {path}")
        except HubError as err:
            self._error(err)
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _dispatch

    def _answer_fault(self, status: int, echo_authorization: bool) -> None:
        """A Hub having a bad day; with `echo_authorization`, a careless proxy that
        quotes the request's Authorization header (token included) in its error."""
        self._body()
        message = "Invalid credentials" if status in (401, 403) else "Internal Server Error"
        if echo_authorization:
            message += f" (request: Authorization: {self.headers.get('Authorization', '')})"
        raise HubError(status, message)

    # --- repo lookups ------------------------------------------------------------
    def _repo(self, kind: str, repo_id: str) -> Repo:
        return self.state.repo(REPO_TYPES[kind], repo_id, authorized=self._authorized())

    def _last_commit(self, repo: Repo, head: Commit, path: str, is_dir: bool) -> dict:
        def snapshot(c: Commit) -> Any:
            if is_dir:
                return sorted((p, e.sha256) for p, e in c.files.items() if p.startswith(path + "/"))
            e = c.files.get(path)
            return e.sha256 if e else None

        history = self.state.history(repo, head)
        last = history[0]
        current = snapshot(last)
        for c in history[1:]:
            if snapshot(c) != current:
                break
            last = c
        return {"id": last.id, "title": last.title, "date": last.date}

    # --- endpoints ---------------------------------------------------------------
    def whoami(self) -> None:
        if not self._authorized():
            raise HubError(401, "Invalid credentials in Authorization header")
        token = {"displayName": "test", "role": "write"}
        self._json(
            200,
            {
                "type": "user",
                "name": "emulator-user",
                "fullname": "Emulator User",
                "orgs": [],
                "auth": {"type": "access_token", "accessToken": token},
            },
        )

    def create_repo(self) -> None:
        self._require_write()
        body = json.loads(self._body() or b"{}")
        repo_type = body.get("type") or "model"
        name, org = body.get("name"), body.get("organization") or "emulator-user"
        if repo_type not in URL_PREFIX or not name or not re.fullmatch(_NAME, name):
            raise HubError(400, f"Invalid repo name or type: {name!r}")
        private = body.get("private") or body.get("visibility") == "private"
        sdk = body.get("sdk") if repo_type == "space" else None
        if repo_type == "space" and sdk not in SPACE_SDKS:  # as the Hub: a Space needs an SDK
            raise HubError(400, f"Invalid sdk: {sdk!r}, use one of {', '.join(SPACE_SDKS)}")
        repo_id = f"{org}/{name}"
        url = f"{self.base}/{URL_PREFIX[repo_type]}{repo_id}"
        try:
            self.state.create_repo(repo_type, repo_id, bool(private), sdk)
        except HubError as err:
            if err.status == 409:
                self._json(
                    409, {"error": err.message, "url": url}, {"X-Error-Message": err.message}
                )
                return
            raise
        self._json(200, {"url": url, "name": repo_id, "id": repo_id})

    def delete_repo(self) -> None:
        self._require_write()
        body = json.loads(self._body() or b"{}")
        key = (body.get("type") or "model", f"{body.get('organization')}/{body.get('name')}")
        with self.state.lock:
            if key not in self.state.repos:
                raise HubError(404, "Repository not found", "RepoNotFound")
            del self.state.repos[key]
            self.state._save()
        self._json(200, {})

    def repo_info(self, kind: str, repo: str, rev: str | None = None) -> None:
        r = self._repo(kind, repo)
        commit = self.state.resolve(r, rev or "main")
        blobs = self.query.get("blobs", [""])[0].lower() in ("1", "true")
        siblings = []
        for p, e in sorted(commit.files.items()):
            s: dict[str, Any] = {"rfilename": p}
            if blobs:
                s |= {"size": e.size, "blobId": e.oid()}
                if e.lfs:
                    s["lfs"] = {
                        "size": e.size,
                        "sha256": e.sha256,
                        "pointerSize": len(lfs_pointer(e.sha256, e.size)),
                    }
            siblings.append(s)
        card = None
        if "README.md" in commit.files:
            card = self._card_data(self.state.read_object(commit.files["README.md"].sha256))
        info = {
            "_id": hashlib.sha1(repo.encode()).hexdigest()[:24],
            "id": repo,
            "author": repo.split("/")[0],
            "sha": commit.id,
            "lastModified": commit.date,
            "createdAt": r.created,
            "private": r.private,
            "gated": False,
            "disabled": False,
            "downloads": 0,
            "likes": 0,
            "tags": [],
            "siblings": siblings,
        }
        if card is not None:
            info["cardData"] = card
        if r.type == "space":  # the card's sdk wins over the one given at creation
            info["sdk"] = (card or {}).get("sdk") or r.sdk
            info["runtime"] = {"stage": "RUNNING", "hardware": {"current": None}}
        self._json(200, info)

    @staticmethod
    def _card_data(readme: bytes) -> dict | None:
        import yaml

        m = _FRONT_MATTER.match(readme.decode("utf-8", "replace"))
        try:
            data = yaml.safe_load(m.group(1) or "") if m else None
        except yaml.YAMLError:
            return None
        return data if isinstance(data, dict) else None

    def tree(self, kind: str, repo: str, rev: str, path: str | None = None) -> None:
        r = self._repo(kind, repo)
        commit = self.state.resolve(r, rev)
        path = (path or "").strip("/")
        recursive = self.query.get("recursive", [""])[0].lower() in ("1", "true")
        expand = self.query.get("expand", [""])[0].lower() in ("1", "true")
        prefix = path + "/" if path else ""
        inside = [p for p in commit.files if p.startswith(prefix)]
        if path and not inside:
            raise HubError(404, f"{path} does not exist on {rev}", "EntryNotFound")
        entries: dict[str, dict] = {}
        for p in sorted(inside):
            rel = p[len(prefix) :].split("/")
            depth = len(rel) if recursive else 1
            for i in range(1, min(depth, len(rel) - 1) + 1):
                d = prefix + "/".join(rel[:i])
                if d not in entries:
                    last = self._last_commit(r, commit, d, True) if expand else None
                    entries[d] = _dir_json(d, commit.files, last)
            if recursive or len(rel) == 1:
                last = self._last_commit(r, commit, p, False) if expand else None
                entries[p] = _entry_json(p, commit.files[p], last)
        self._json(200, list(entries.values()))

    def paths_info(self, kind: str, repo: str, rev: str) -> None:
        r = self._repo(kind, repo)
        commit = self.state.resolve(r, rev)
        body = self._body()
        ctype = self.headers.get("Content-Type", "")
        if "json" in ctype:
            data = json.loads(body or b"{}")
            paths, expand = data.get("paths", []), bool(data.get("expand"))
        else:
            form = parse_qs(body.decode())
            paths = form.get("paths", [])
            expand = form.get("expand", [""])[0].lower() in ("1", "true")
        out = []
        for p in paths:
            p = p.strip("/")
            if p in commit.files:
                last = self._last_commit(r, commit, p, False) if expand else None
                out.append(_entry_json(p, commit.files[p], last))
            elif any(f.startswith(p + "/") for f in commit.files) or p == "":
                last = self._last_commit(r, commit, p, True) if expand else None
                out.append(_dir_json(p, commit.files, last))
        self._json(200, out)

    def refs(self, kind: str, repo: str) -> None:
        r = self._repo(kind, repo)
        branches = [
            {"name": n, "ref": f"refs/heads/{n}", "targetCommit": c}
            for n, c in sorted(r.refs.items())
        ]
        self._json(200, {"branches": branches, "converts": [], "tags": [], "pullRequests": []})

    def list_commits(self, kind: str, repo: str, rev: str) -> None:
        r = self._repo(kind, repo)
        history = self.state.history(r, self.state.resolve(r, rev))
        self._json(
            200,
            [
                {
                    "id": c.id,
                    "title": c.title,
                    "message": c.description,
                    "authors": [{"user": "emulator-user"}],
                    "date": c.date,
                }
                for c in history
            ],
        )

    def create_branch(self, kind: str, repo: str, branch: str) -> None:
        self._require_write()
        r = self._repo(kind, repo)
        body = json.loads(self._body() or b"{}")
        with self.state.lock:
            if branch in r.refs:
                if self.query.get("exist_ok") or body.get("exist_ok"):
                    self._json(200, {})
                    return
                raise HubError(409, f"Reference already exists: refs/heads/{branch}")
            start = self.state.resolve(r, body.get("startingPoint") or "main")
            r.refs[branch] = start.id
            self.state._save()
        self._json(200, {})

    def delete_branch(self, kind: str, repo: str, branch: str) -> None:
        self._require_write()
        r = self._repo(kind, repo)
        with self.state.lock:
            if branch not in r.refs or branch == "main":
                raise HubError(404, f"Invalid rev id: {branch}", "RevisionNotFound")
            del r.refs[branch]
            self.state._save()
        self._json(200, {})

    def preupload(self, kind: str, repo: str, rev: str) -> None:
        self._require_write()
        r = self._repo(kind, repo)
        commit = self.state.resolve(r, rev)
        body = json.loads(self._body() or b"{}")
        files = []
        for f in body.get("files", []):
            path, size = f["path"], int(f.get("size", 0))
            sample = base64.b64decode(f.get("sample", ""))
            lfs = size > REGULAR_MAX_BYTES or path.lower().endswith(LFS_SUFFIXES) or b"\0" in sample
            entry = commit.files.get(path)
            oid = None
            if entry is not None:
                oid = entry.sha256 if lfs else entry.sha1 or None
            files.append(
                {
                    "path": path,
                    "uploadMode": "lfs" if lfs else "regular",
                    "shouldIgnore": False,
                    "oid": oid,
                }
            )
        self._json(200, {"files": files, "commitOid": commit.id})

    def lfs_batch(self, kind: str | None, repo: str) -> None:
        body = json.loads(self._body() or b"{}")
        operation = body.get("operation")
        if operation == "upload":
            self._require_write()
        self._repo(kind or "models", repo)
        objects = []
        for obj in body.get("objects", []):
            oid, size = obj["oid"], int(obj["size"])
            out: dict[str, Any] = {"oid": oid, "size": size, "authenticated": True}
            href = f"{self.base}/lfs-objects/{oid}?size={size}&sig={self.state.sign(oid)}"
            if operation == "upload":
                if not self.state.has_object(oid, size):
                    out["actions"] = {
                        "upload": {"href": href, "header": {}},
                        "verify": {"href": f"{self.base}/lfs-verify", "header": {}},
                    }
            elif self.state.has_object(oid, size):
                out["actions"] = {"download": {"href": href, "header": {}}}
            else:
                out["error"] = {"code": 404, "message": "Object does not exist"}
            objects.append(out)
        self._send(
            200,
            json.dumps({"transfer": "basic", "objects": objects}).encode(),
            content_type="application/vnd.git-lfs+json",
        )

    def lfs_object(self, oid: str) -> None:
        if self.query.get("sig", [""])[0] != self.state.sign(oid):
            raise HubError(403, "Invalid or missing signature")
        if self.command == "PUT":
            data = self._body()
            size = int(self.query.get("size", ["-1"])[0])
            if hashlib.sha256(data).hexdigest() != oid or (size >= 0 and len(data) != size):
                raise HubError(400, "Uploaded content does not match its sha256/size")
            self.state.put_object(data)
            self._send(200, b"", {"ETag": f'"{oid}"'})
        else:
            if not self.state.has_object(oid):
                raise HubError(404, "Object does not exist")
            self._send(
                200,
                self.state.read_object(oid),
                content_type="application/octet-stream",
                head=self.command == "HEAD",
            )

    def lfs_verify(self) -> None:
        self._require_write()
        body = json.loads(self._body() or b"{}")
        if not self.state.has_object(body.get("oid", ""), body.get("size")):
            raise HubError(404, "Object was not uploaded")
        self._json(200, {})

    def validate_yaml(self) -> None:
        body = json.loads(self._body() or b"{}")
        errors, warnings = validate_card_yaml(
            body.get("content", ""), body.get("repoType") or "model"
        )
        if errors:
            self._json(
                400,
                {"errors": [{"message": e} for e in errors], "warnings": []},
                {"X-Error-Message": "Invalid metadata in README.md"},
            )
        else:
            self._json(200, {"errors": [], "warnings": [{"message": w} for w in warnings]})

    def commit(self, kind: str, repo: str, rev: str) -> None:
        self._require_write()
        r = self._repo(kind, repo)
        if self.query.get("create_pr"):
            raise HubError(400, "This emulator does not support pull requests")
        header: dict[str, Any] = {}
        ops: list[tuple[str, str, Any]] = []
        for line in self._body().splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            key, value = item.get("key"), item.get("value", {})
            if key == "header":
                header = value
            elif key == "file":
                if value.get("encoding", "base64") != "base64":
                    raise HubError(400, "Only base64 file content is supported")
                ops.append(("file", value["path"], base64.b64decode(value["content"])))
            elif key == "lfsFile":
                ops.append(("lfs", value["path"], (value["oid"], value.get("size"))))
            elif key == "deletedFile":
                ops.append(("delete", value["path"], None))
            elif key == "deletedFolder":
                ops.append(("deleteFolder", value["path"], None))
            else:
                raise HubError(400, f"Unknown commit operation: {key!r}")
        if not header.get("summary"):
            raise HubError(400, "Commit summary is required")
        if rev not in r.refs:
            raise HubError(404, f"Invalid rev id: {rev}", "RevisionNotFound")
        with self.state.lock:
            fixed = []
            for kind_, path, payload in ops:
                if kind_ == "lfs" and payload[1] is None and self.state.has_object(payload[0]):
                    payload = (payload[0], (self.state.objects / payload[0]).stat().st_size)
                fixed.append((kind_, path, payload))
            c = self.state.commit(
                r,
                rev,
                header.get("parentCommit"),
                header["summary"],
                header.get("description", ""),
                fixed,
            )
        url = f"{self.base}/{URL_PREFIX[r.type]}{r.id}/commit/{c.id}"
        self._json(
            200,
            {
                "success": True,
                "commitOid": c.id,
                "commitUrl": url,
                "hookOutput": "",
                "pullRequestUrl": None,
            },
        )

    def xet_token(self, kind: str, repo: str, mode: str, rev: str) -> None:
        raise HubError(501, "This emulator serves LFS only: set HF_HUB_DISABLE_XET=1")

    def resolve(self, kind: str | None, repo: str, rev: str, path: str) -> None:
        r = self._repo(kind or "models", repo)
        commit = self.state.resolve(r, rev)
        entry = commit.files.get(path)
        if entry is None:
            raise HubError(404, f"Entry not found: {path}", "EntryNotFound")
        etag = entry.sha256 if entry.lfs else entry.sha1
        headers = {
            "X-Repo-Commit": commit.id,
            "ETag": f'"{etag}"',
            "Accept-Ranges": "bytes",
            "X-Linked-Size": str(entry.size),
        }
        if entry.lfs:
            headers["X-Linked-Etag"] = f'"{etag}"'
        data = self.state.read_object(entry.sha256)
        status = 200
        rng = self.headers.get("Range")
        if rng:
            m = re.fullmatch(r"bytes=(\d*)-(\d*)", rng.strip())
            total = len(data)
            if not m or (not m.group(1) and not m.group(2)):
                raise HubError(416, "Invalid range")
            if m.group(1):
                start = int(m.group(1))
                end = min(int(m.group(2)), total - 1) if m.group(2) else total - 1
            else:
                start, end = max(total - int(m.group(2)), 0), total - 1
            if start >= total or start > end:
                self._send(416, b"", {"Content-Range": f"bytes */{total}"}, head=True)
                return
            data = data[start : end + 1]
            headers["Content-Range"] = f"bytes {start}-{end}/{total}"
            status = 206
        self._send(
            status,
            data,
            headers,
            content_type="application/octet-stream",
            head=self.command == "HEAD",
        )


_T = r"(?P<kind>models|datasets|spaces)"
_R = rf"(?P<repo>{_NAME}/{_NAME})"
_ROUTES: list[tuple[str, re.Pattern[str], Any]] = [
    (m, re.compile(p), f)
    for m, p, f in [
        ("GET", r"^/api/whoami-v2$", _Handler.whoami),
        ("POST", r"^/api/repos/create$", _Handler.create_repo),
        ("DELETE", r"^/api/repos/delete$", _Handler.delete_repo),
        ("POST", r"^/api/validate-yaml$", _Handler.validate_yaml),
        ("GET", rf"^/api/{_T}/{_R}/tree/(?P<rev>[^/]+)(?:/(?P<path>.*))?$", _Handler.tree),
        ("POST", rf"^/api/{_T}/{_R}/paths-info/(?P<rev>[^/]+)$", _Handler.paths_info),
        ("GET", rf"^/api/{_T}/{_R}/refs$", _Handler.refs),
        ("GET", rf"^/api/{_T}/{_R}/commits/(?P<rev>[^/]+)$", _Handler.list_commits),
        ("POST", rf"^/api/{_T}/{_R}/branch/(?P<branch>[^/]+)$", _Handler.create_branch),
        ("DELETE", rf"^/api/{_T}/{_R}/branch/(?P<branch>[^/]+)$", _Handler.delete_branch),
        ("POST", rf"^/api/{_T}/{_R}/preupload/(?P<rev>[^/]+)$", _Handler.preupload),
        ("POST", rf"^/api/{_T}/{_R}/commit/(?P<rev>[^/]+)$", _Handler.commit),
        (
            "GET",
            rf"^/api/{_T}/{_R}/xet-(?P<mode>read|write)-token/(?P<rev>[^/]+)$",
            _Handler.xet_token,
        ),
        ("GET", rf"^/api/{_T}/{_R}(?:/revision/(?P<rev>[^/]+))?$", _Handler.repo_info),
        (
            "POST",
            rf"^/(?:(?P<kind>datasets|spaces)/)?{_R}\.git/info/lfs/objects/batch$",
            _Handler.lfs_batch,
        ),
        ("PUT", r"^/lfs-objects/(?P<oid>[0-9a-f]{64})$", _Handler.lfs_object),
        ("GET", r"^/lfs-objects/(?P<oid>[0-9a-f]{64})$", _Handler.lfs_object),
        ("POST", r"^/lfs-verify$", _Handler.lfs_verify),
        (
            "GET",
            rf"^/(?:(?P<kind>datasets|spaces)/)?{_R}/resolve/(?P<rev>[^/]+)/(?P<path>.+)$",
            _Handler.resolve,
        ),
    ]
]


class HubEmulator(LoopbackServer):
    """A loopback Hub for tests: `with HubEmulator(tmp_path, token="hf_...") as hub: hub.url`."""

    def __init__(self, root: str | Path, token: str = "hf_emulator_token", port: int = 0) -> None:
        if not token.startswith("hf_"):
            raise ValueError("the emulator's token must start with hf_")
        self.root = Path(root) / "hub-emulator"
        self.state = HubState(self.root, token)
        self.token = token
        handler = type("Handler", (_Handler,), {"state": self.state})
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @contextmanager
    def failing(self, status: int, *, echo_authorization: bool = False) -> Iterator[None]:
        """Answer `status` to every request inside the `with` (e.g. 401, 500)."""
        with self.state.lock:
            self.state.fault = (status, echo_authorization)
        try:
            yield
        finally:
            with self.state.lock:
                self.state.fault = None

    # --- for assertions ----------------------------------------------------------
    def commits(self, repo_id: str, repo_type: str = "dataset") -> list[dict[str, Any]]:
        """The repo's history on main, oldest first (len() is the number of commits)."""
        with self.state.lock:
            repo = self.state.repos.get((repo_type, repo_id))
            if repo is None:
                return []
            history = self.state.history(repo, repo.commits[repo.refs["main"]])
            return [
                {"id": c.id, "title": c.title, "files": sorted(c.files)} for c in reversed(history)
            ]

    def files(self, repo_id: str, repo_type: str = "dataset") -> dict[str, bytes]:
        """The files at the head of main, with their content."""
        with self.state.lock:
            repo = self.state.repos[(repo_type, repo_id)]
            head = repo.commits[repo.refs["main"]]
            return {p: self.state.read_object(e.sha256) for p, e in sorted(head.files.items())}

    @property
    def requests(self) -> list[tuple[str, str, int]]:
        """(method, path, status) of every request answered so far."""
        with self.state.lock:
            return list(self.state.requests)

    def client_env(
        self, cache_dir: str | Path, *, token: str | None = None, base: dict[str, str] | None = None
    ) -> dict[str, str]:
        """Environment for a client process: this Hub, LFS transfers, caches under cache_dir.

        HF_TOKEN is set only when `token` is given, so "no token" can be tested; any token
        or login from the calling environment is removed.
        """
        cache = Path(cache_dir)
        env = dict(os.environ if base is None else base)
        for key in (
            "HF_TOKEN",
            "HUGGING_FACE_HUB_TOKEN",
            "HF_HUB_OFFLINE",
            "HF_DATASETS_OFFLINE",
            "HF_TOKEN_PATH",
        ):
            env.pop(key, None)
        env.update(
            {
                "HF_ENDPOINT": self.url,
                "HF_HUB_DISABLE_XET": "1",
                "HF_HUB_DISABLE_TELEMETRY": "1",
                "HF_HUB_DISABLE_PROGRESS_BARS": "1",
                "HF_HOME": str(cache / "hf-home"),
                "HF_DATASETS_CACHE": str(cache / "datasets"),
                "HF_XET_CACHE": str(cache / "xet"),
                "NO_PROXY": "127.0.0.1,localhost",
                "no_proxy": "127.0.0.1,localhost",
            }
        )
        if token is not None:
            env["HF_TOKEN"] = token
        return env


def run_client(code: str, env: dict[str, str], timeout: float = 120) -> Any:
    """Run `code` in a fresh Python process with `env`; it prints one JSON value last.

    Why a process: huggingface_hub and datasets read HF_ENDPOINT when imported. Raises
    RuntimeError with the child's stderr if it fails, so a test shows the real traceback.
    """
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout
    )
    if proc.returncode != 0:
        raise RuntimeError(f"client process failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    if not lines:
        raise RuntimeError(f"client process printed nothing; stderr:\n{proc.stderr[-4000:]}")
    return json.loads(lines[-1])


def quoted(path: str) -> str:
    """URL-quote a repo path the way the clients do (helper for raw-HTTP tests)."""
    return quote(path, safe="")


def _main() -> None:
    parser = argparse.ArgumentParser(description="Serve a loopback Hub emulator until killed.")
    parser.add_argument("--root", required=True, help="folder for repos and objects")
    parser.add_argument("--token", default="hf_emulator_token", help="the one write token")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    hub = HubEmulator(args.root, token=args.token, port=args.port).start()
    print(hub.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        hub.stop()


if __name__ == "__main__":
    _main()
