"""Publish the campaign report as a static Hugging Face Space (or the same files to a folder).

Why a Space: volunteers come back when they see the leaderboard, and a static Space serves
the self-contained page with no server of ours. The Space holds two files, `README.md` (the
Space card: `sdk: static`, `app_file: index.html`) and `index.html`, both built
deterministically from the pulled data, so a run with nothing new makes no commit: the
local bytes are compared with the remote tree (git blob ids) before anything is sent.
Tokens and Hub failures are handled by `annotate.publish`'s helpers, as for `publish`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotate.errors import AnnotateError

INDEX = "index.html"
CARD = "README.md"
KEEP = (".gitattributes",)  # created by the Hub with the repo; never ours to delete
COLORS = ("red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray")


@dataclass(frozen=True)
class ReportTarget:
    """Where `report --to` points: a Space repo or a folder."""

    kind: str  # "space" | "folder"
    repo_id: str | None = None
    path: Path | None = None

    def __str__(self) -> str:
        return f"hf://spaces/{self.repo_id}" if self.kind == "space" else str(self.path)


def parse_report_target(to: str) -> ReportTarget:
    """`hf://spaces/ORG/NAME` -> a Space; any other `hf://` is refused; else a folder."""
    if not to.strip():
        raise AnnotateError("empty report target", "pass --to ./site or hf://spaces/ORG/NAME")
    from annotate.publish import _HUB_PART

    if not to.startswith("hf://"):
        return ReportTarget("folder", path=Path(to).expanduser())
    parts = to[len("hf://") :].strip("/").split("/")
    ok = (
        len(parts) == 3
        and parts[0] == "spaces"
        and all(_HUB_PART.match(p) and ".." not in p and "--" not in p for p in parts[1:])
    )
    if not ok:
        raise AnnotateError(
            f"not a Hub Space target: {to!r}", "use hf://spaces/ORG/NAME (or a folder path)"
        )
    return ReportTarget("space", repo_id=f"{parts[1]}/{parts[2]}")


def space_card(
    *,
    title: str,
    campaign: str,
    generated_at: str,
    emoji: str = "📊",
    color_from: str = "blue",
    color_to: str = "indigo",
    pinned: bool = False,
    short_description: str = "",
) -> bytes:
    """The Space card: front matter a static Space needs, then a line for people.

    Same arguments, same bytes (no clock, sorted nothing: the key order is fixed)."""
    import yaml

    for key, color in (("color_from", color_from), ("color_to", color_to)):
        if color not in COLORS:
            raise AnnotateError(f"report.space.{key}: {color!r} is not one of {', '.join(COLORS)}")
    meta: dict[str, Any] = {
        "title": title[:96],
        "emoji": emoji,
        "colorFrom": color_from,
        "colorTo": color_to,
        "sdk": "static",
        "app_file": INDEX,
        "pinned": pinned,
    }
    if short_description:
        meta["short_description"] = short_description[:60]
    meta["tags"] = ["annotate", "argilla", "leaderboard"]
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    body = (
        f"# {title}\n\n"
        f"The live report of the `{campaign}` annotation campaign: progress, the volunteers' "
        f"leaderboard, agreement and the items with most disagreement (data of {generated_at}).\n"
        "Built by `annotate report --to hf://spaces/...`; every file here is rewritten on "
        "the next run.\n"
    )
    return f"---\n{front}---\n\n{body}".encode()


def site_files(html_text: str, card: bytes) -> dict[str, bytes]:
    """The Space's files, path -> bytes."""
    return {CARD: card, INDEX: html_text.encode("utf-8")}


def git_blob_id(data: bytes) -> str:
    """The id git (and the Hub's tree) gives a file's content: sha1 of 'blob N\\0' + data."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # noqa: S324 - git's id


def plan_space_commit(
    files: Mapping[str, bytes], remote: Mapping[str, str | None]
) -> tuple[list[str], list[str]]:
    """(paths to upload, paths to delete) to make the Space equal `files`.

    `remote` maps each remote path to its git blob id (None when unknown: re-sent). A file
    whose bytes are already there is not sent; every other remote file but .gitattributes
    is stale (the Space holds the report only). Both lists are empty when nothing changed.
    """
    adds = sorted(p for p, data in files.items() if remote.get(p) != git_blob_id(data))
    deletes = sorted(p for p in remote if p not in files and p not in KEEP)
    return adds, deletes


def write_site(files: Mapping[str, bytes], dest: Path) -> dict[str, Any]:
    """Write the files to a folder, all or nothing; unchanged files are left untouched."""
    from annotate.paths import atomic_write_many, on_disk

    if dest.exists() and not dest.is_dir():
        raise AnnotateError(f"{dest} is a file", "pass a folder to --to (or use --out FILE)")
    changed = {
        dest / p: data
        for p, data in files.items()
        if not (dest / p).is_file() or (dest / p).read_bytes() != data
    }
    with on_disk(dest):
        dest.mkdir(parents=True, exist_ok=True)
        if changed:
            atomic_write_many(changed)
    return {
        "path": str(dest),
        "files": sorted(files),
        "written": sorted(str(p.relative_to(dest)) for p in changed),
        "changed": bool(changed),
    }


def push_space(
    files: Mapping[str, bytes],
    repo_id: str,
    *,
    token: str | None = None,
    private: bool = False,
    commit_message: str = "Update the campaign report (annotate)",
) -> dict[str, Any]:
    """Make the static Space equal `files` in at most ONE commit (created if missing).

    The commit is guarded by the head it was planned against (parent_commit), so a
    concurrent change fails cleanly instead of being overwritten; with nothing to change
    no commit is made.
    """
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi

    from annotate.publish import _resolve_token, hub_failure

    token = _resolve_token(token)
    api = HfApi(token=token)
    try:
        api.create_repo(
            repo_id, repo_type="space", space_sdk="static", exist_ok=True, private=private
        )
        info = api.repo_info(repo_id, repo_type="space", files_metadata=True)
        remote = {s.rfilename: s.blob_id for s in info.siblings or []}
        adds, deletes = plan_space_commit(files, remote)
        commit, commit_url = info.sha, None
        if adds or deletes:
            ops: list[Any] = [CommitOperationAdd(p, files[p]) for p in adds]
            ops += [CommitOperationDelete(p) for p in deletes]
            done = api.create_commit(
                repo_id,
                ops,
                commit_message=commit_message,
                repo_type="space",
                parent_commit=info.sha,
            )
            commit, commit_url = done.oid, done.commit_url
    except ValueError as exc:  # the card refused by validate-yaml
        first = " ".join(str(exc).replace(token, "***").split())[:300]
        if "README" not in first:
            raise
        raise AnnotateError(
            f"the Hub rejected the Space card of spaces/{repo_id}: {first}"
        ) from None
    except Exception as exc:
        error = hub_failure(exc, repo_id, api.endpoint, token, repo_type="space")
        if error is None:
            raise
        raise error from None
    return {
        "repo_id": repo_id,
        "url": f"{api.endpoint}/spaces/{repo_id}",
        "commit": commit,
        "commit_url": commit_url,
        "changed": bool(adds or deletes),
        "uploaded": adds,
        "deleted": deletes,
    }
