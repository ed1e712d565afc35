"""The embedded Argilla under a campaign's load: big datasets, many annotators at once.

    python benchmarks/bench_load.py                       # 1k/10k/50k; 10/30/50 x 60 s
    python benchmarks/bench_load.py --duration 20 --sizes 1000,10000 --levels 10,50
    python benchmarks/bench_load.py --sizes 1000 --levels 50 --think 0 --workers 1,2
    python benchmarks/bench_load.py --database-url postgresql://user@127.0.0.1:5432/db

1. Fetch latency. For each size, a dataset with that many records, 30% of them with two
   submitted responses (so completed, min_submitted=2). One annotator fetches their next
   record the way the annotator UI does (POST /api/v1/me/datasets/{id}/records/search,
   pending for me and pending overall, include responses and suggestions, limit 1),
   `--fetches` times: p50/p95. The floor: the same answer (the page in the user's
   order, the total, the record with its responses and suggestions) in raw SQL on the
   same database file, on one open connection, without HTTP, the ORM or JSON
   serialisation (SQLite only). For scale, the same record read by id (GET
   /api/v1/records/{id}, no search at all): argilla-server's own cost of a request.
2. Concurrency. On a dataset of `--concurrent-records` (15k) records, N annotators
   (`--levels`) each loop "fetch next, read it, submit it" for `--duration` seconds, in
   two modes (`--think`): paced like volunteers (a log-normal reading time with a
   median of 20 s, see `think_time`) and saturation (no pause at all, a stress test).
   Submissions per second, fetch and submit p50/p95/p99, errors, the server's peak RSS
   and the CPU its processes used (cores busy, CPU ms per submission), which says what
   the same load needs on a machine that is not shared. `--workers 1,2` runs the same
   phase with the server restarted on the same data with 1, then 2 HTTP processes.
3. Nothing lost: a full listing (what `annotate pull` reads) must hold every
   acknowledged submission exactly once, and no user twice on a record.

Datasets are built honestly but fast: settings, users and the dataset through the API;
records and the seed responses as bulk SQL rows written straight into argilla-server's
tables (the same rows its bulk endpoints write, which would take minutes here at about
150 records/s), while the server runs. Everything the benchmark measures goes through
the API. The server and the simulated annotators share the machine's cores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import free_port, print_machine, print_table  # noqa: E402

ROUNDS = 4  # fetch rounds over all sizes, side by side

QUEUE = {
    "filters": {
        "and": [
            {
                "type": "terms",
                "scope": {"entity": "response", "property": "status"},
                "values": ["pending"],
            },
            {
                "type": "terms",
                "scope": {"entity": "record", "property": "status"},
                "values": ["pending"],
            },
        ]
    }
}
INCLUDE = {"include": ["responses", "suggestions"], "limit": 1}
TWO_RESPONSES = 0.30


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}" if seconds == seconds else "-"


class Owner:
    def __init__(self, info) -> None:
        self.info = info
        self.http = httpx.Client(
            base_url=info.url, headers={"X-Argilla-Api-Key": info.api_key}, timeout=600
        )

    def call(self, method: str, path: str, **kw) -> dict:
        r = self.http.request(method, path, **kw)
        r.raise_for_status()
        return r.json() if r.content else {}

    def annotators(self, prefix: str, n: int, workspace_id: str) -> list[tuple[str, str]]:
        """n annotators in the workspace: [(user id, API key)]."""
        made = []
        for i in range(n):
            user = self.call(
                "POST",
                "/api/v1/users",
                json={
                    "first_name": f"{prefix}{i}",
                    "username": f"{prefix}{i}",
                    "password": f"pw-{prefix}-{i}-x",
                    "role": "annotator",
                },
            )
            self.call(
                "POST", f"/api/v1/workspaces/{workspace_id}/users", json={"user_id": user["id"]}
            )
            made.append(user["id"])
        keys = {u["id"]: u["api_key"] for u in self.call("GET", "/api/v1/users")["items"]}
        return [(uid, keys[uid]) for uid in made]

    def dataset(self, name: str, workspace_id: str) -> str:
        ds = self.call(
            "POST",
            "/api/v1/datasets",
            json={
                "name": name,
                "workspace_id": workspace_id,
                "distribution": {"strategy": "overlap", "min_submitted": 2},
            },
        )
        ds_id = ds["id"]
        self.call(
            "POST",
            f"/api/v1/datasets/{ds_id}/fields",
            json={
                "name": "translation",
                "title": "Traducción",
                "required": True,
                "settings": {"type": "text"},
            },
        )
        self.call(
            "POST",
            f"/api/v1/datasets/{ds_id}/questions",
            json={
                "name": "verdict",
                "title": "Veredicto",
                "required": True,
                "settings": {
                    "type": "label_selection",
                    "options": [
                        {"value": v, "text": v} for v in ("correct", "corrected", "unusable")
                    ],
                },
            },
        )
        self.call("PUT", f"/api/v1/datasets/{ds_id}/publish")
        return ds_id


def fill_sqlite(db: Path, ds_id: str, n: int, seeders: list[str], seed: int = 7) -> None:
    """n records (30% with two submitted responses, hence completed) as bulk SQL rows."""
    rng = random.Random(seed)
    ds_id = uuid.UUID(ds_id).hex  # SQLite stores UUIDs as 32 hex digits
    seeders = [uuid.UUID(u).hex for u in seeders]
    words = [
        "el",
        "la",
        "de",
        "que",
        "en",
        "un",
        "una",
        "los",
        "por",
        "con",
        "energía",
        "planta",
        "agua",
        "luz",
        "célula",
        "sol",
    ]
    start = datetime.now(UTC).replace(tzinfo=None)
    records, responses, users = [], [], []
    for i in range(n):
        rid = uuid.uuid4().hex
        at = (start + timedelta(microseconds=i)).strftime("%Y-%m-%d %H:%M:%S.%f")
        text = " ".join(rng.choice(words) for _ in range(rng.randint(15, 60)))
        answered = rng.random() < TWO_RESPONSES
        fields = json.dumps({"translation": f"Pregunta {i}: {text}"}, ensure_ascii=False)
        metadata = json.dumps({"subject": rng.choice(["física", "historia", "química"])})
        status = "completed" if answered else "pending"
        records.append((rid, fields, f"item-{i}", ds_id, at, at, metadata, status))
        if answered:
            for user in seeders:
                values = json.dumps({"verdict": {"value": rng.choice(["correct", "unusable"])}})
                responses.append((uuid.uuid4().hex, values, "submitted", rid, user, at, at))
    for user in seeders:
        now = start.strftime("%Y-%m-%d %H:%M:%S.%f")
        users.append((ds_id, user, now, now))
    with sqlite3.connect(db, timeout=120) as con:
        con.executemany(
            "INSERT INTO records (id, fields, external_id, dataset_id, inserted_at, updated_at, "
            "metadata, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            records,
        )
        con.executemany(
            'INSERT INTO responses (id, "values", status, record_id, user_id, inserted_at, '
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            responses,
        )
        con.executemany(
            "INSERT INTO datasets_users (dataset_id, user_id, inserted_at, updated_at) "
            "VALUES (?, ?, ?, ?)",
            users,
        )


def floor_fetch(con: sqlite3.Connection, ds_id: str, user_id: str) -> float:
    """The fetch's answer in raw SQL: page in the user's order, total, the record's data."""
    ds, user = uuid.UUID(ds_id).hex, uuid.UUID(user_id).hex
    pivot = uuid.UUID(bytes=hashlib.sha1(user_id.encode()).digest()[:16]).hex
    started = time.perf_counter()
    page = (
        "SELECT r.id FROM records r WHERE r.dataset_id = ? AND r.status = 'pending' "
        "AND r.id {op} ? AND NOT EXISTS (SELECT 1 FROM responses x WHERE "
        "x.record_id = r.id AND x.user_id = ?) ORDER BY r.id LIMIT 1"
    )
    ids = con.execute(page.format(op=">="), (ds, pivot, user)).fetchall()
    if not ids:
        ids = con.execute(page.format(op="<"), (ds, pivot, user)).fetchall()
    con.execute(
        "SELECT (SELECT COUNT(*) FROM records r WHERE r.dataset_id = ? "
        "AND r.status = 'pending'), (SELECT COUNT(*) FROM responses x CROSS JOIN records r "
        "WHERE r.id = x.record_id AND x.user_id = ? AND r.dataset_id = ? "
        "AND r.status = 'pending')",
        (ds, user, ds),
    ).fetchall()
    for (rid,) in ids:
        con.execute(
            "SELECT id, fields, metadata, external_id, status, inserted_at, updated_at "
            "FROM records WHERE id = ?",
            (rid,),
        ).fetchall()
        con.execute(
            'SELECT id, "values", status, user_id FROM responses '
            "WHERE record_id = ? AND user_id = ?",
            (rid, user),
        ).fetchall()
        con.execute("SELECT * FROM suggestions WHERE record_id = ?", (rid,)).fetchall()
    return time.perf_counter() - started


def floor_latencies(db: Path, ds_id: str, user_id: str, n: int) -> list[float]:
    """`floor_fetch` n times on one open connection (as a pool keeps it), after warm-up."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        times = [floor_fetch(con, ds_id, user_id) for _ in range(n + 3)]
        return times[3:]
    finally:
        con.close()


def fetch_latencies(info, key: str, ds_id: str, n: int) -> tuple[list[float], list[float]]:
    """The queue fetch, and for scale the same record read by id (no search at all)."""
    fetches, reads = [], []
    with httpx.Client(base_url=info.url, headers={"X-Argilla-Api-Key": key}, timeout=600) as http:
        for i in range(n + 3):
            started = time.perf_counter()
            r = http.post(f"/api/v1/me/datasets/{ds_id}/records/search", json=QUEUE, params=INCLUDE)
            elapsed = time.perf_counter() - started
            r.raise_for_status()
            items = r.json()["items"]
            assert items, "the queue should not be empty"
            started = time.perf_counter()
            http.get(
                f"/api/v1/records/{items[0]['record']['id']}",
                params={"include": ["responses", "suggestions"]},
            ).raise_for_status()
            if i >= 3:  # warm-up
                fetches.append(elapsed)
                reads.append(time.perf_counter() - started)
    return fetches, reads


def group_pids(pgid: int) -> list[int]:
    """The server's processes: its process group (HTTP processes, the rq worker)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:
                pids.append(int(entry.name))
    return pids


class RssSampler(threading.Thread):
    """Peak of the RSS summed over the server's processes."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def sample(self) -> int:
        total = 0
        for pid in group_pids(self.pid):
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                pass
        return total

    def run(self) -> None:
        while not self.stop.wait(0.5):
            self.peak = max(self.peak, self.sample())


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the server's processes have used so far."""
    total = 0.0
    for member in group_pids(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            continue
    return total


# Paced annotators: the time a volunteer spends on one record, between fetching it and
# submitting it, is log-normal (a few quick ones, a long tail), with median `think` and
# sigma 0.6: half of the records take between 0.67 and 1.5 times the median, 90 %
# between 0.37 and 2.7 times. Each annotator's first fetch comes at a uniform random
# moment within one median, not all at once.
THINK_SIGMA = 0.6


def think_time(rng: random.Random, median: float) -> float:
    return rng.lognormvariate(math.log(median), THINK_SIGMA) if median > 0 else 0.0


def crowd(
    info, ds_id: str, users: list[tuple[str, str]], duration: float, think: float = 0.0
) -> dict:
    """Each user loops "fetch next, (think,) submit" until the deadline.

    `think` 0: no pause (saturation). Otherwise each record takes a log-normal time with
    that median between the fetch and the submit (see `think_time`).
    """
    fetches: list[float] = []
    submits: list[float] = []
    errors: Counter = Counter()
    acknowledged: list[tuple[str, str, str]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(users))

    def volunteer(user: tuple[str, str]) -> None:
        user_id, key = user
        with httpx.Client(
            base_url=info.url, headers={"X-Argilla-Api-Key": key}, timeout=300
        ) as http:
            rng = random.Random(user_id)
            barrier.wait()
            deadline = time.monotonic() + duration
            if think:
                time.sleep(rng.uniform(0, think))
            while time.monotonic() < deadline:
                try:
                    t0 = time.perf_counter()
                    r = http.post(
                        f"/api/v1/me/datasets/{ds_id}/records/search", json=QUEUE, params=INCLUDE
                    )
                    t1 = time.perf_counter()
                    if r.status_code != 200:
                        with lock:
                            errors[f"fetch {r.status_code}"] += 1
                        continue
                    with lock:
                        fetches.append(t1 - t0)
                    items = r.json()["items"]
                    if not items:
                        return
                    rid = items[0]["record"]["id"]
                    pause = think_time(rng, think)
                    if time.monotonic() + pause >= deadline:
                        return  # the run ends while this volunteer reads
                    time.sleep(pause)
                    t1 = time.perf_counter()
                    s = http.post(
                        f"/api/v1/records/{rid}/responses",
                        json={"values": {"verdict": {"value": "correct"}}, "status": "submitted"},
                    )
                    t2 = time.perf_counter()
                except httpx.HTTPError as exc:
                    with lock:
                        errors[type(exc).__name__] += 1
                    continue
                with lock:
                    if s.status_code == 201:
                        submits.append(t2 - t1)
                        acknowledged.append((rid, user_id, s.json()["id"]))
                    else:
                        errors[f"submit {s.status_code}"] += 1

    sampler = RssSampler(info.pid)
    sampler.start()
    cpu = cpu_seconds(info.pid)
    started = time.perf_counter()
    with ThreadPoolExecutor(len(users)) as pool:
        list(pool.map(volunteer, users))
    wall = time.perf_counter() - started
    cpu = cpu_seconds(info.pid) - cpu
    sampler.stop.set()
    return {
        "server_cpu_s": cpu,
        "cpu_ms_per_submission": 1000 * cpu / max(1, len(acknowledged)),
        "annotators": len(users),
        "think": think,
        "seconds": wall,
        "submissions": len(acknowledged),
        "per_second": len(acknowledged) / wall,
        "fetch": fetches,
        "submit": submits,
        "errors": dict(errors),
        "rss": sampler.peak,
        "acknowledged": acknowledged,
    }


def pull_check(owner: Owner, ds_id: str, acknowledged: list[tuple[str, str, str]]) -> dict:
    """Every acknowledged submission in the listing exactly once; no user twice on a record."""
    stored: Counter = Counter()
    pairs: Counter = Counter()
    offset = 0
    while True:
        page = owner.call(
            "GET",
            f"/api/v1/datasets/{ds_id}/records",
            params={"include": ["responses"], "offset": offset, "limit": 1000},
        )["items"]
        for rec in page:
            for resp in rec["responses"]:
                stored[(rec["id"], resp["user_id"], resp["id"])] += 1
                pairs[(rec["id"], resp["user_id"])] += 1
        if len(page) < 1000:
            break
        offset += 1000
    missing = sum(1 for a in acknowledged if stored[a] == 0)
    doubled = sum(1 for a in acknowledged if stored[a] > 1)
    return {
        "acknowledged": len(acknowledged),
        "missing": missing,
        "doubled": doubled,
        "user_twice_on_a_record": sum(1 for n in pairs.values() if n > 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--levels", default="10,30,50")
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--fetches", type=int, default=40)
    parser.add_argument("--concurrent-records", type=int, default=15000)
    parser.add_argument(
        "--think",
        default="0,20",
        help="median seconds an annotator spends on a record (0: no pause), comma-separated",
    )
    parser.add_argument(
        "--workers",
        default=None,
        help="HTTP processes of the server, comma-separated to compare (default: its default)",
    )
    parser.add_argument("--database-url", default=None, help="PostgreSQL instead of SQLite")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    if args.database_url:
        sys.exit("error: --database-url: bulk loading is written for SQLite only so far")
    sizes = [int(s) for s in args.sizes.split(",")]
    levels = [int(s) for s in args.levels.split(",") if s]
    thinks = [float(s) for s in args.think.split(",") if s]
    workers = [int(s) for s in args.workers.split(",")] if args.workers else [None]

    from annotate import server

    results: dict = {"sizes": [], "levels": []}
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        os.environ.update(
            ANNOTATE_HOME=str(Path(tmp) / "home"),
            ANNOTATE_SERVER_VENV=str(server.server_venv()),
        )
        data = Path(tmp) / "argilla-data"
        port = free_port()
        info = server.start(data_dir=data, port=port, workers=workers[0])
        db = data / "argilla.db"
        try:
            owner = Owner(info)
            ws = owner.call("POST", "/api/v1/workspaces", json={"name": "bench"})["id"]
            seeders = [uid for uid, _ in owner.annotators("seed", 2, ws)]
            ((solo_id, solo_key),) = owner.annotators("solo", 1, ws)

            built: dict[int, tuple[str, float]] = {}
            for n in sizes:
                t0 = time.perf_counter()
                ds_id = owner.dataset(f"load-{n}", ws)
                fill_sqlite(db, ds_id, n, seeders)
                built[n] = (ds_id, time.perf_counter() - t0)
            # Sizes are measured side by side, round by round, so that the machine's load
            # drifting during the run does not pass for a difference between sizes.
            samples = {n: {"fetch": [], "floor": [], "read": []} for n in sizes}
            rounds = max(1, min(ROUNDS, args.fetches))
            for r in range(rounds):
                count = args.fetches // rounds + (r < args.fetches % rounds)
                for n in sizes:
                    api, read = fetch_latencies(info, solo_key, built[n][0], count)
                    samples[n]["fetch"] += api
                    samples[n]["read"] += read
                    samples[n]["floor"] += floor_latencies(db, built[n][0], solo_id, count)
            rss = RssSampler(info.pid).sample()
            for n in sizes:
                api, floor = samples[n]["fetch"], samples[n]["floor"]
                results["sizes"].append(
                    {
                        "records": n,
                        "built_s": built[n][1],
                        "fetch": api,
                        "floor": floor,
                        "read": samples[n]["read"],
                        "rss": rss,
                    }
                )
                print(
                    f"{n} records (built in {built[n][1]:.1f} s): fetch p50 "
                    f"{ms(pct(api, 0.5))} ms, floor p50 {ms(pct(floor, 0.5))} ms",
                    flush=True,
                )
            if levels:  # --levels "" measures the fetch alone
                ds_id = owner.dataset("load-crowd", ws)
                fill_sqlite(db, ds_id, args.concurrent_records, seeders)
                crowd_users = owner.annotators("crowd", max(levels), ws)
                acknowledged: list = []
                serving = workers[0]
                for n_workers in workers:
                    if n_workers != serving:  # the same data, served by N processes
                        server.stop(data)
                        info = server.start(data_dir=data, port=port, workers=n_workers)
                        serving = n_workers
                    for think in thinks:
                        for level in levels:
                            run = crowd(info, ds_id, crowd_users[:level], args.duration, think)
                            run["workers"] = n_workers or server.default_workers()
                            acknowledged += run.pop("acknowledged")
                            results["levels"].append(run)
                            print(
                                f"{run['workers']} processes, think {think:g} s, {level} "
                                f"annotators: {run['per_second']:.1f} submissions/s, fetch p95 "
                                f"{ms(pct(run['fetch'], 0.95))} ms, errors {run['errors'] or 0}",
                                flush=True,
                            )
                results["pull"] = pull_check(owner, ds_id, acknowledged)
        finally:
            server.stop(data)

    print()
    print_machine()
    rows = [
        [
            f"{s['records']:,}",
            ms(pct(s["fetch"], 0.5)),
            ms(pct(s["fetch"], 0.95)),
            f"{pct(s['floor'], 0.5) * 1000:.1f}",
            f"{pct(s['fetch'], 0.5) / pct(s['floor'], 0.5):.1f}x",
            ms(pct(s["read"], 0.5)),
            f"{s['rss'] / 2**20:.0f}",
        ]
        for s in results["sizes"]
    ]
    print_table(
        [
            "records",
            "fetch p50 ms",
            "fetch p95 ms",
            "raw SQL p50 ms",
            "fetch / raw SQL",
            "GET record p50 ms",
            "server RSS MB",
        ],
        rows,
        title=f"Next-record fetch, one annotator ({args.fetches} fetches after 3 warm-up)",
    )
    if len(results["sizes"]) > 1:
        first, last = results["sizes"][0], results["sizes"][-1]
        ratio = pct(last["fetch"], 0.5) / pct(first["fetch"], 0.5)
        print(f"fetch p50 at {last['records']:,} / at {first['records']:,}: {ratio:.2f}x")
    if results["levels"]:
        rows = [
            [
                run["workers"],
                f"{run['think']:g}",
                run["annotators"],
                f"{run['per_second']:.1f}",
                run["submissions"],
                *(ms(pct(run["fetch"], q)) for q in (0.5, 0.95, 0.99)),
                *(ms(pct(run["submit"], q)) for q in (0.5, 0.95, 0.99)),
                sum(run["errors"].values()),
                f"{run['rss'] / 2**20:.0f}",
                f"{run['server_cpu_s'] / run['seconds']:.2f}",
                f"{run['cpu_ms_per_submission']:.0f}",
            ]
            for run in results["levels"]
        ]
        print_table(
            [
                "processes",
                "think s",
                "annotators",
                "submits/s",
                "submits",
                "fetch p50",
                "p95",
                "p99",
                "submit p50",
                "p95",
                "p99",
                "errors",
                "RSS MB",
                "server cores",
                "CPU ms/submit",
            ],
            rows,
            title=f"{args.concurrent_records:,} records, fetch next + (think +) submit for "
            f"{args.duration:.0f} s (times in ms; server cores = CPU seconds / wall seconds)",
        )
        pull = results.get("pull", {})
        print(
            f"\npull: {pull.get('acknowledged')} acknowledged submissions, missing "
            f"{pull.get('missing')}, stored twice {pull.get('doubled')}, user twice on a record "
            f"{pull.get('user_twice_on_a_record')}"
        )
    if args.json:
        summary = {
            "sizes": [
                {
                    "records": s["records"],
                    "fetch_p50": pct(s["fetch"], 0.5),
                    "fetch_p95": pct(s["fetch"], 0.95),
                    "floor_p50": pct(s["floor"], 0.5),
                    "get_record_p50": pct(s["read"], 0.5),
                    "rss": s["rss"],
                }
                for s in results["sizes"]
            ],
            "levels": [
                {
                    **{k: v for k, v in run.items() if k not in ("fetch", "submit")},
                    **{f"fetch_p{int(q * 100)}": pct(run["fetch"], q) for q in (0.5, 0.95, 0.99)},
                    **{f"submit_p{int(q * 100)}": pct(run["submit"], q) for q in (0.5, 0.95, 0.99)},
                }
                for run in results["levels"]
            ],
            "pull": pull,
        }
        args.json.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
