"""The loopback Hub emulator: raw protocol checks, then the real clients against it.

The emulator is what the publish tests trust instead of the Hub, so it is tested on its own:
auth (401/403), commit history and the stale-parent 412, LFS upload, resolve headers and
ranges, YAML validation, and what huggingface_hub and datasets call, from another process.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from hub_emulator import HubEmulator, git_blob_sha1, quoted, run_client

TOKEN = "hf_emulatorTestToken0123456789"
README = (
    "---\nlicense: mit\nconfigs:\n- config_name: one\n  data_files: data/one/*.csv\n---\n# hi\n"
)


def call(hub, method, path, body=None, token=TOKEN, headers=None, raw=False):
    """(status, headers, body) of one request; JSON bodies are sent and decoded."""
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    req = urllib.request.Request(hub.url + path, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    if body is not None and not isinstance(body, bytes):
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req) as resp:
            status, hdrs, content = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        status, hdrs, content = err.code, err.headers, err.read()
    if raw or not content:
        return status, hdrs, content
    try:
        return status, hdrs, json.loads(content)
    except ValueError:
        return status, hdrs, content


def commit(hub, repo, lines, token=TOKEN):
    body = b"".join(json.dumps(x).encode() + b"\n" for x in lines)
    return call(
        hub,
        "POST",
        f"/api/datasets/{repo}/commit/main",
        body,
        token,
        {"Content-Type": "application/x-ndjson"},
    )


def add_file(path: str, content: bytes) -> dict:
    value = {"path": path, "content": base64.b64encode(content).decode(), "encoding": "base64"}
    return {"key": "file", "value": value}


@pytest.fixture
def hub(tmp_path):
    with HubEmulator(tmp_path, token=TOKEN) as hub:
        yield hub


def create(hub, name="org/ds", token=TOKEN, private=False):
    org, repo = name.split("/")
    body = {"name": repo, "organization": org, "type": "dataset", "private": private}
    return call(hub, "POST", "/api/repos/create", body, token)


def test_writes_need_the_emulators_token(hub):
    assert create(hub, token=None)[0] == 401
    assert create(hub, token="hf_someoneElsesToken")[0] == 403
    assert create(hub)[0] == 200
    assert create(hub)[0] == 409  # exists
    header = {"key": "header", "value": {"summary": "x"}}
    assert commit(hub, "org/ds", [header, add_file("a.txt", b"a")], token=None)[0] == 401
    assert commit(hub, "org/ds", [header, add_file("a.txt", b"a")], token="hf_nope")[0] == 403
    assert len(hub.commits("org/ds")) == 1  # only the initial commit


def test_commits_form_a_history_and_a_stale_parent_is_refused(hub):
    create(hub)
    head = hub.commits("org/ds")[-1]["id"]
    ok = commit(
        hub,
        "org/ds",
        [
            {"key": "header", "value": {"summary": "one", "parentCommit": head}},
            add_file("a.txt", b"a"),
        ],
    )
    assert ok[0] == 200 and len(ok[2]["commitOid"]) == 40
    stale = commit(
        hub,
        "org/ds",
        [
            {"key": "header", "value": {"summary": "two", "parentCommit": head}},
            add_file("b.txt", b"b"),
        ],
    )
    assert stale[0] == 412
    history = hub.commits("org/ds")
    assert [c["title"] for c in history] == ["initial commit", "one"]
    assert history[-1]["files"] == [".gitattributes", "a.txt"]
    gone = commit(
        hub,
        "org/ds",
        [
            {"key": "header", "value": {"summary": "rm"}},
            {"key": "deletedFile", "value": {"path": "nope.txt"}},
        ],
    )
    assert gone[0] == 404 and gone[1]["X-Error-Code"] == "EntryNotFound"
    status, _, listed = call(hub, "GET", "/api/datasets/org/ds/commits/main")
    assert status == 200 and [c["title"] for c in listed] == ["one", "initial commit"]


def test_lfs_upload_then_resolve_with_headers_and_ranges(hub):
    create(hub)
    data = bytes(range(256)) * 10
    oid = hashlib.sha256(data).hexdigest()
    status, _, pre = call(
        hub,
        "POST",
        "/api/datasets/org/ds/preupload/main",
        {
            "files": [
                {
                    "path": "d/x.parquet",
                    "size": len(data),
                    "sample": base64.b64encode(data[:512]).decode(),
                }
            ]
        },
    )
    assert status == 200 and pre["files"][0]["uploadMode"] == "lfs"
    batch = {"operation": "upload", "objects": [{"oid": oid, "size": len(data)}]}
    status, _, answer = call(hub, "POST", "/datasets/org/ds.git/info/lfs/objects/batch", batch)
    href = answer["objects"][0]["actions"]["upload"]["href"]
    assert call(hub, "PUT", href.replace(hub.url, ""), b"tampered", token=None)[0] == 400
    assert call(hub, "PUT", href.replace(hub.url, "").split("&sig")[0], data, None)[0] == 403
    assert call(hub, "PUT", href.replace(hub.url, ""), data, token=None)[0] == 200
    lfs = {
        "key": "lfsFile",
        "value": {"path": "d/x.parquet", "algo": "sha256", "oid": oid, "size": len(data)},
    }
    status, _, done = commit(hub, "org/ds", [{"key": "header", "value": {"summary": "lfs"}}, lfs])
    assert status == 200

    url = "/datasets/org/ds/resolve/main/" + "d/x.parquet"
    status, headers, _ = call(hub, "HEAD", url, token=None)
    assert status == 200 and headers["X-Repo-Commit"] == done["commitOid"]
    assert headers["X-Linked-Etag"] == f'"{oid}"' and int(headers["Content-Length"]) == len(data)
    status, headers, part = call(
        hub, "GET", url, token=None, headers={"Range": "bytes=10-19"}, raw=True
    )
    assert status == 206 and part == data[10:20]
    assert headers["Content-Range"] == f"bytes 10-19/{len(data)}"
    assert (
        call(hub, "GET", url, token=None, headers={"Range": "bytes=-5"}, raw=True)[2] == data[-5:]
    )
    missing = call(hub, "HEAD", "/datasets/org/ds/resolve/main/nope", token=None)
    assert missing[0] == 404 and missing[1]["X-Error-Code"] == "EntryNotFound"
    status, _, pre = call(
        hub,
        "POST",
        "/api/datasets/org/ds/preupload/main",
        {"files": [{"path": "d/x.parquet", "size": len(data), "sample": ""}]},
    )
    assert pre["files"][0]["oid"] == oid  # lets the client skip unchanged files


def test_tree_paths_info_and_repo_info(hub):
    create(hub)
    commit(
        hub,
        "org/ds",
        [
            {"key": "header", "value": {"summary": "c"}},
            add_file("README.md", README.encode()),
            add_file("data/one/a.csv", b"x\n1\n"),
        ],
    )
    status, _, top = call(hub, "GET", "/api/datasets/org/ds/tree/main", token=None)
    assert {(e["type"], e["path"]) for e in top} == {
        ("file", ".gitattributes"),
        ("file", "README.md"),
        ("directory", "data"),
    }
    status, _, deep = call(
        hub,
        "GET",
        f"/api/datasets/org/ds/tree/main/{quoted('data')}?recursive=true&expand=true",
        token=None,
    )
    assert [e["path"] for e in deep] == ["data/one", "data/one/a.csv"]
    assert deep[1]["oid"] == git_blob_sha1(b"x\n1\n") and "lastCommit" in deep[1]
    missing = call(hub, "GET", "/api/datasets/org/ds/tree/main/nope", token=None)
    assert missing[0] == 404 and missing[1]["X-Error-Code"] == "EntryNotFound"
    status, _, info = call(
        hub,
        "POST",
        "/api/datasets/org/ds/paths-info/main",
        b"paths=README.md&paths=data&paths=nope",
        None,
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert [(e["type"], e["path"]) for e in info] == [("file", "README.md"), ("directory", "data")]
    status, _, repo = call(hub, "GET", "/api/datasets/org/ds", token=None)
    assert repo["cardData"]["license"] == "mit" and len(repo["sha"]) == 40
    assert call(hub, "GET", "/api/datasets/org/ds/revision/nope", token=None)[0] == 404


def test_validate_yaml_and_commits_reject_bad_front_matter(hub):
    good = call(hub, "POST", "/api/validate-yaml", {"content": README, "repoType": "dataset"})
    assert good[0] == 200
    bad = "---\nlicense: [mit\n---\n"
    status, _, body = call(
        hub, "POST", "/api/validate-yaml", {"content": bad, "repoType": "dataset"}
    )
    assert status == 400 and "YAML" in body["errors"][0]["message"]
    create(hub)
    refused = commit(
        hub,
        "org/ds",
        [
            {"key": "header", "value": {"summary": "c"}},
            add_file("README.md", b"---\nconfigs: 3\n---\n"),
        ],
    )
    assert refused[0] == 400


def test_private_repos_are_hidden_without_the_token(hub):
    create(hub, "org/secret", private=True)
    assert call(hub, "GET", "/api/datasets/org/secret", token=None)[0] == 404
    assert call(hub, "GET", "/api/datasets/org/secret", token="hf_other")[0] == 404
    assert call(hub, "GET", "/api/datasets/org/secret")[0] == 200


def test_real_clients_from_another_process(hub, tmp_path):
    code = textwrap.dedent("""
        import json
        from huggingface_hub import CommitOperationAdd, HfApi, hf_hub_download
        from huggingface_hub.errors import HfHubHTTPError
        api = HfApi()
        api.create_repo("org/ds", repo_type="dataset", exist_ok=True)
        api.create_repo("org/ds", repo_type="dataset", exist_ok=True)  # 409 handled
        readme = (
            "---\\nconfigs:\\n- config_name: one\\n  data_files:\\n  - split: test\\n"
            "    path: data/one/test-*.csv\\n- config_name: two\\n  data_files:\\n"
            "  - split: train\\n    path: data/two/train-*.csv\\n---\\n# hi\\n"
        )
        big = b"\\0" + b"y" * 100_000  # binary: goes through LFS
        head = api.repo_info("org/ds", repo_type="dataset").sha
        info = api.create_commit("org/ds", [
            CommitOperationAdd("README.md", readme.encode()),
            CommitOperationAdd("data/one/test-0.csv", b"a,b\\n1,x\\n2,y\\n"),
            CommitOperationAdd("data/two/train-0.csv", b"a,b\\n3,z\\n"),
            CommitOperationAdd("blob.bin", big),
        ], commit_message="add", repo_type="dataset", parent_commit=head)
        try:
            api.create_commit("org/ds", [CommitOperationAdd("x.txt", b"x")], commit_message="x",
                              repo_type="dataset", parent_commit=head)
            stale = None
        except HfHubHTTPError as exc:
            stale = exc.response.status_code
        path = hf_hub_download("org/ds", "blob.bin", repo_type="dataset")
        import datasets
        one = datasets.load_dataset("org/ds", "one", split="test").to_list()
        two = datasets.load_dataset("org/ds", "two", split="train").to_list()
        print(json.dumps({
            "files": api.list_repo_files("org/ds", repo_type="dataset"),
            "commit": info.oid,
            "stale": stale,
            "blob_ok": open(path, "rb").read() == big,
            "paths": [p.path for p in api.get_paths_info("org/ds", ["README.md", "data"],
                                                         repo_type="dataset")],
            "refs": [b.name for b in api.list_repo_refs("org/ds", repo_type="dataset").branches],
            "commits": len(api.list_repo_commits("org/ds", repo_type="dataset")),
            "one": one, "two": two,
        }))
    """)
    out = run_client(code, hub.client_env(tmp_path, token=TOKEN))
    assert out["files"] == [
        ".gitattributes",
        "README.md",
        "blob.bin",
        "data/one/test-0.csv",
        "data/two/train-0.csv",
    ]
    assert out["stale"] == 412 and out["blob_ok"] is True
    assert out["paths"] == ["README.md", "data"] and out["refs"] == ["main"]
    assert out["commits"] == 2 == len(hub.commits("org/ds"))
    assert out["commit"] == hub.commits("org/ds")[-1]["id"]
    assert out["one"] == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}] and out["two"] == [
        {"a": 3, "b": "z"}
    ]
    methods = {(m, p.split("/")[1]) for m, p, _ in hub.requests}
    assert ("PUT", "lfs-objects") in methods  # blob.bin went through LFS


def test_runs_standalone_for_clients_in_other_processes(tmp_path):
    script = Path(__file__).with_name("hub_emulator.py")
    proc = subprocess.Popen(
        [sys.executable, str(script), "--root", str(tmp_path), "--token", TOKEN],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        req = urllib.request.Request(
            url + "/api/whoami-v2", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        with urllib.request.urlopen(req) as resp:
            assert json.loads(resp.read())["name"] == "emulator-user"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
