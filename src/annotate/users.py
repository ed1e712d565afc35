"""`annotate users add`: volunteer accounts from a CSV, passwords never on the terminal.

Passwords are written ahead: every password the run will give a new account is on disk
(an owner-only file, flushed and synced) before the first account is created. A run
killed at any point (kill -9, Ctrl-C, a full disk) therefore never leaves an account
whose password is known to nobody, and the re-run reads the file back, reuses the
passwords of the accounts still to create and ends with every account usable. A file
that cannot be written stops the run before Argilla is touched.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
from pathlib import Path
from typing import Any

from annotate.errors import ConfigError

_USERNAME = re.compile(r"^(?!-|_)[A-Za-z0-9_-]+$")
COLUMNS = ("username", "first_name", "last_name", "role", "password")
ROLES = ("annotator", "admin")
PASSWORD_LENGTH = (8, 100)  # what argilla-server accepts


def _column_problem(path: Path, fieldnames: list[str]) -> ConfigError | None:
    for name in fieldnames:
        key = (name or "").strip()
        if key in COLUMNS:
            continue
        if key.lower() == "email":
            return ConfigError(
                f"{path}: column 'email' is not supported: Argilla accounts have no email",
                hint="remove the column (keep addresses elsewhere)",
            )
        return ConfigError(
            f"{path}: unknown column {key!r}", hint=f"the columns are: {', '.join(COLUMNS)}"
        )
    return None


def _role(path: Path, line: int, value: str | None) -> str:
    role = (value or "").strip().lower() or "annotator"
    if role == "owner":
        raise ConfigError(
            f"{path}:{line}: role 'owner' cannot be given here",
            hint="owners are made on the server itself; use annotator or admin",
        )
    if role not in ROLES:
        raise ConfigError(f"{path}:{line}: unknown role {role!r}", hint="use annotator or admin")
    return role


def _password(path: Path, line: int, name: str, value: str | None) -> str | None:
    password = value or None
    low, high = PASSWORD_LENGTH
    if password is not None and not low <= len(password) <= high:
        raise ConfigError(  # never echo the password itself
            f"{path}:{line}: the password of {name!r} has {len(password)} characters",
            hint=f"Argilla needs {low} to {high}; or leave it empty to have one generated",
        )
    return password


def read_users_csv(path: Path) -> list[dict[str, str | None]]:
    """Parse and check the volunteers' CSV (pure but for reading the file)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "username" not in reader.fieldnames:
        raise ConfigError(f"{path}: no 'username' column", hint="the first line must name it")
    problem = _column_problem(path, list(reader.fieldnames))
    if problem is not None:
        raise problem
    users, seen = [], {}
    for line, row in enumerate(reader, start=2):
        name = (row.get("username") or "").strip()
        if not _USERNAME.match(name):
            raise ConfigError(
                f"{path}:{line}: invalid username {name!r}",
                hint="letters, digits, '-' and '_' only",
            )
        if name in seen:
            raise ConfigError(
                f"{path}:{line}: duplicate username {name!r} (first on line {seen[name]})"
            )
        seen[name] = line
        users.append(
            {
                "username": name,
                "first_name": (row.get("first_name") or "").strip() or None,
                "last_name": (row.get("last_name") or "").strip() or None,
                "role": _role(path, line, row.get("role")),
                "password": _password(path, line, name, row.get("password")),
            }
        )
    if not users:
        raise ConfigError(f"{path}: no users listed")
    return users


def read_passwords(path: Path) -> dict[str, str]:
    """username -> password from a passwords file an earlier run wrote ({} if none)."""
    from annotate.errors import os_error

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text", hint="pass another --passwords-out") from None
    except OSError as exc:  # a folder, or a file in the way: one line naming it
        raise os_error(exc, path, "reading") from None
    rows = list(csv.reader(io.StringIO(text)))
    if rows and rows[0] == ["username", "password"]:
        rows = rows[1:]
    known: dict[str, str] = {}
    for line, row in enumerate(rows, start=2):
        if not row:
            continue
        if len(row) != 2 or not row[0] or not row[1]:
            raise ConfigError(
                f"{path}:{line}: not a 'username,password' row",
                hint="this file is written by `annotate users add`; pass another --passwords-out",
            )
        known[row[0]] = row[1]
    return known


def render_passwords(passwords: dict[str, str]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["username", "password"])
    writer.writerows(passwords.items())
    return buf.getvalue()


def plan_passwords(
    users: list[dict[str, str | None]], existing: set[str], known: dict[str, str]
) -> dict[str, str]:
    """The generated password of every account to create (pure but for the randomness).

    An account with a password in the CSV needs none; one already in the passwords file
    (an earlier, interrupted run) keeps it.
    """
    return {
        u["username"]: known.get(u["username"]) or secrets.token_urlsafe(12)
        for u in users
        if u["username"] not in existing and not u["password"]
    }


def _lock_path(url: str) -> Path:
    from annotate.paths import annotate_home

    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return annotate_home() / "locks" / f"users-{digest}.lock"


def add_users(conn: Any, *, workspace: str, csv_path: Path, passwords_out: Path) -> dict:
    """Create the CSV's accounts (passwords written ahead) and add them to `workspace`."""
    from annotate import argilla_io
    from annotate.lock import hold
    from annotate.paths import on_disk, write_private

    users = read_users_csv(csv_path)
    known = read_passwords(passwords_out)
    client = argilla_io.connect(conn)
    with hold(_lock_path(conn.url), f"annotate users add -w {workspace}"):
        existing = set(argilla_io.usernames(client).values())
        generated = plan_passwords(users, existing, known)
        written = None
        if generated:
            if any(known.get(name) != pw for name, pw in generated.items()):
                with on_disk(passwords_out):
                    write_private(passwords_out, render_passwords({**known, **generated}))
            written = str(passwords_out)
        ws = argilla_io.ensure_workspace(client, workspace)
        report = []
        for user in users:
            name = user["username"]
            created, added = argilla_io.ensure_annotator(
                client,
                ws,
                name,
                first_name=user["first_name"],
                last_name=user["last_name"],
                password=user["password"] or generated.get(name),
                role=user["role"] or "annotator",
            )
            password = ""
            if created:
                password = "from the CSV" if user["password"] else f"in {passwords_out}"
            report.append(
                {
                    "username": name,
                    "role": user["role"],
                    "account": "created" if created else "existing",
                    "workspace": "added" if added else "already a member",
                    "password": password,
                }
            )
    return {"workspace": workspace, "users": report, "passwords_file": written}
