"""`annotate users add`: volunteer accounts from a CSV, passwords never on the terminal."""

from __future__ import annotations

import csv
import io
import re
import secrets
from pathlib import Path
from typing import Any

from annotate.errors import ConfigError
from annotate.paths import write_private

_USERNAME = re.compile(r"^(?!-|_)[A-Za-z0-9_-]+$")


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
            }
        )
    if not users:
        raise ConfigError(f"{path}: no users listed")
    return users


def add_users(conn: Any, *, workspace: str, csv_path: Path, passwords_out: Path) -> dict:
    from annotate import argilla_io

    users = read_users_csv(csv_path)
    client = argilla_io.connect(conn)
    ws = argilla_io.ensure_workspace(client, workspace)
    report, new_passwords = [], []
    for user in users:
        password = secrets.token_urlsafe(12)
        created, added = argilla_io.ensure_annotator(
            client,
            ws,
            user["username"],
            first_name=user["first_name"],
            last_name=user["last_name"],
            password=password,
        )
        if created:
            new_passwords.append((user["username"], password))
        report.append(
            {
                "username": user["username"],
                "account": "created" if created else "existing",
                "workspace": "added" if added else "already a member",
            }
        )
    written = None
    if new_passwords:
        existing = ""
        if passwords_out.exists():
            existing = passwords_out.read_text(encoding="utf-8")
        buf = io.StringIO()
        writer = csv.writer(buf)
        if not existing:
            writer.writerow(["username", "password"])
        writer.writerows(new_passwords)
        write_private(passwords_out, existing + buf.getvalue())
        written = str(passwords_out)
    return {"workspace": workspace, "users": report, "passwords_file": written}
