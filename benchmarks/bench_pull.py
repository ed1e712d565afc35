"""Pull time: 10,000 records with 3 responses each, from a fresh local Argilla.

    python benchmarks/bench_pull.py                # 10,000 records x 3 responses
    python benchmarks/bench_pull.py --rows 1000

Set-up (not timed): `annotate push` of synthetic ARC rows, three annotators, and their
responses written in bulk through the REST API (PUT /api/v1/datasets/{id}/records/bulk,
500 records a request, responses in the payload). Timed: `annotate pull -c ... --json`
as a user runs it (a new process: start-up, listing every record with its responses,
usernames, the tidy tables, the parquet snapshot), twice: the second pull also compares
with the first snapshot. For scale, the SDK's own listing of the same records with
responses (`list(dataset.records(with_responses=True))`, in a warm process) is shown too.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sdk import quiet_sdk  # noqa: E402

quiet_sdk()  # the SDK's bars, "not found" warnings and log lines: noise in a table

from run import (  # noqa: E402
    fresh_server,
    print_machine,
    print_table,
    synthetic_arc,
    timed_cli,
    write_campaign,
)

VERDICTS = ("correct", "correct", "corrected", "unusable")


def add_responses(info, workspace: str, per_record: int = 3) -> tuple[int, float]:
    """`per_record` annotators answer every record; (responses written, seconds)."""
    import httpx

    http = httpx.Client(base_url=info.url, headers={"X-Argilla-Api-Key": info.api_key}, timeout=600)
    ws = next(
        w for w in http.get("/api/v1/me/workspaces").json()["items"] if w["name"] == workspace
    )
    dataset = next(
        d for d in http.get("/api/v1/me/datasets").json()["items"] if d["workspace_id"] == ws["id"]
    )
    users = []
    for k in range(per_record):
        user = http.post(
            "/api/v1/users",
            json={
                "username": f"volunteer{k}",
                "first_name": f"Volunteer {k}",
                "password": "volunteer-password",
                "role": "annotator",
            },
        ).json()
        http.post(f"/api/v1/workspaces/{ws['id']}/users", json={"user_id": user["id"]})
        users.append(user["id"])
    ids = []
    for offset in range(0, 10**7, 1000):
        page = http.get(
            f"/api/v1/datasets/{dataset['id']}/records", params={"offset": offset, "limit": 1000}
        ).json()["items"]
        ids += [r["id"] for r in page]
        if len(page) < 1000:
            break
    started = time.perf_counter()
    for start in range(0, len(ids), 500):
        items = [
            {
                "id": rid,
                "responses": [
                    {
                        "user_id": uid,
                        "status": "submitted",
                        "values": {"verdict": {"value": VERDICTS[(i + k) % len(VERDICTS)]}},
                    }
                    for k, uid in enumerate(users)
                ],
            }
            for i, rid in enumerate(ids[start : start + 500], start=start)
        ]
        response = http.put(f"/api/v1/datasets/{dataset['id']}/records/bulk", json={"items": items})
        response.raise_for_status()
    return len(ids) * per_record, time.perf_counter() - started


def sdk_listing(info, workspace: str) -> tuple[int, float]:
    import argilla as rg

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client = rg.Argilla(api_url=info.url, api_key=info.api_key, timeout=600)
        dataset = client.datasets(name="benchpull-arc", workspace=workspace)
        started = time.perf_counter()
        records = list(dataset.records(with_responses=True))
        elapsed = time.perf_counter() - started
    return sum(len(r.responses) for r in records), elapsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args(argv)
    n = args.rows

    with tempfile.TemporaryDirectory(prefix="bench-pull-") as tmp, fresh_server() as (info, env):
        config = write_campaign(Path(tmp), synthetic_arc(n), "benchpull")
        timed_cli("push", "-c", str(config), env=env)
        written, seed_s = add_responses(info, "ws-benchpull")
        first_s, first = timed_cli("pull", "-c", str(config), env=env)
        second_s, second = timed_cli("pull", "-c", str(config), env=env)
        sdk_responses, sdk_s = sdk_listing(info, "ws-benchpull")
        snapshot = Path(second["path"])
        size = sum(f.stat().st_size for f in snapshot.iterdir())

    assert first["records"] == n and first["responses"] == written, first
    assert second["new"] == 0 and second["changed"] == 0, second
    assert sdk_responses == written
    print_machine()
    print(f"set-up: {written:,} responses written in bulk in {seed_s:.1f} s (not part of the pull)")
    print_table(
        ["measurement", "records", "responses", "seconds", "records/s"],
        [
            [
                "annotate pull (first)",
                n,
                first["responses"],
                f"{first_s:.2f}",
                f"{n / first_s:.0f}",
            ],
            [
                "annotate pull (again)",
                n,
                second["responses"],
                f"{second_s:.2f}",
                f"{n / second_s:.0f}",
            ],
            ["SDK listing, warm", n, sdk_responses, f"{sdk_s:.2f}", f"{n / sdk_s:.0f}"],
        ],
        title=f"pull of {n:,} records x 3 responses (snapshot on disk: {size / 1e6:.1f} MB)",
    )


if __name__ == "__main__":
    main()
