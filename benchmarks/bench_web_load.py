"""A bounded mixed read load against the real server, on PostgreSQL and on SQLite.

    .venv/bin/python benchmarks/bench_web_load.py [--cooperatives 20000] [--seconds 60]
        [--client wrk|httpx] [--engines postgresql,sqlite]

For each engine: makes a scratch database (PostgreSQL: ``--postgres`` or
``ASOCIA_TEST_POSTGRES_URL``, a database created and dropped; SQLite: a temporary file), loads
the synthetic registry, starts ``uvicorn asocia.web.asgi:app`` on 127.0.0.1 (2 workers on
PostgreSQL, 1 on SQLite), logs in as an analyst, and runs a mixed read load (home, registry list
with filters and search, co-op pages, the dashboard with and without filters, API lists) over
``--concurrency`` keep-alive connections for ``--seconds`` seconds, never more than
``--max-requests`` requests. Prints requests per second, p50/p95/p99 latency and errors per
engine, the server's and the client's CPU per request, then the median of 20 sequential warm
dashboard requests.

The load comes from ``wrk`` (``--client wrk``, the default; installed from Debian's packages
when missing), whose C event loop costs the shared 2 cores little, or from httpx tasks in this
process (``--client httpx``; its Python costs about as much CPU per request as the server's).

Target on a 2-core machine: ≥ 150 req/s with p99 < 300 ms and no errors on PostgreSQL,
≥ 100 req/s on SQLite; a warm dashboard in < 30 ms.
Traffic goes only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

PASSWORD = "a long bench password"


def _mix(ids: list[int]) -> list[tuple[str, str]]:
    """Twelve weighted requests (kind, path); two of them the dashboard."""
    return [
        ("home", "/"),
        ("registry", "/registry"),
        ("registry", "/registry?region=13"),
        ("registry", "/registry?region=8&legal_class=agricola"),
        ("registry", "/registry?q=esperanza"),
        ("coop", "/registry/{id}"),
        ("coop", "/registry/{id}"),
        ("stats", "/stats"),
        ("stats", "/stats?region=5"),
        ("api", "/api/v1/registry/cooperatives?region=9"),
        ("api", "/api/v1/registry/cooperatives?q=agua"),
        ("api", "/api/v1/stats/summary"),
    ]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _prepare(url: str, cooperatives: int, seed: int) -> tuple[str, list[int]]:
    """Migrate, load ``cooperatives`` synthetic co-ops, create the analyst; its name and ids."""
    from sqlalchemy import select

    from asocia.auth import accounts
    from asocia.db import Database
    from asocia.db.migrate import upgrade
    from asocia.db.models import Cooperative
    from asocia.registry.synthetic import load

    db = Database(url)
    upgrade(db)
    start = time.perf_counter()
    load(db, cooperatives, seed)
    print(f"  loaded {cooperatives:,} cooperatives in {time.perf_counter() - start:.1f} s")
    username = f"bench-{uuid.uuid4().hex[:6]}"
    with db.session() as session:
        accounts.create_user(session, username, PASSWORD, "analyst")
        ids = list(session.execute(select(Cooperative.id).limit(5000)).scalars())
    db.dispose()
    return username, ids


def _cpu_seconds(root: int) -> float:
    """CPU time (user + system) used so far by process ``root`` and its descendants (Linux)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    family, grew = {root}, True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in family and pid not in family:
                family.add(pid)
                grew = True
    return sum(times.get(pid, 0.0) for pid in family)


def _start_server(url: str, workers: int, upload_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = dict(os.environ)
    env.update(
        ASOCIA_DATABASE_URL=url,
        ASOCIA_SECRET_KEY="b" * 40,
        ASOCIA_UPLOAD_DIR=str(upload_dir),
    )
    command = [
        sys.executable, "-m", "uvicorn", "asocia.web.asgi:app",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env)
    return process, f"http://127.0.0.1:{port}"


async def _wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    import httpx

    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(base_url=base) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError("the server stopped")
            try:
                if (await client.get("/api/v1/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.25)
    raise RuntimeError("the server did not start within 60 s")


async def _login(client: Any, username: str) -> None:
    page = (await client.get("/login")).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on /login"
    response = await client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": match[1]}
    )
    assert response.status_code == 303, response.text[:300]


async def _load(
    base: str,
    username: str,
    ids: list[int],
    *,
    client_kind: str,
    seconds: float,
    concurrency: int,
    limit: int,
    server_pid: int,
) -> dict[str, Any]:
    import httpx

    mix = _mix(ids)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    timeout = httpx.Timeout(30.0)
    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=timeout, headers={"Accept-Encoding": "gzip"}
    ) as client:
        await _login(client, username)
        for _, path in mix:  # warm every route once (first dashboard builds the summary)
            await client.get(path.format(id=ids[0]))
        # ... in every worker: requests at once over several connections reach all of them.
        for _, path in mix:
            await asyncio.gather(*(client.get(path.format(id=ids[0])) for _ in range(4)))
        if client_kind == "wrk":
            cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
            result = _wrk(base, cookie, mix, ids, seconds, concurrency, limit, server_pid)
            by_kind: dict[str, list[float]] = {}
            for kind, path in mix:  # one client, no load: each kind's own time
                for number in range(5):
                    start = time.perf_counter()
                    await client.get(path.format(id=ids[number]))
                    by_kind.setdefault(kind, []).append((time.perf_counter() - start) * 1000)
            result["by_kind"] = {k: statistics.median(v) for k, v in sorted(by_kind.items())}
        else:
            result = await _httpx_load(client, mix, ids, seconds, concurrency, limit, server_pid)
        dashboard = []
        for _ in range(20):
            start = time.perf_counter()
            response = await client.get("/stats")
            dashboard.append((time.perf_counter() - start) * 1000)
        result["dashboard_ms"] = statistics.median(dashboard)
        result["dashboard_bytes"] = len(response.content)
        result["dashboard_wire"] = response.num_bytes_downloaded  # compressed, when it was
    return result


async def _httpx_load(
    client: Any,
    mix: list[tuple[str, str]],
    ids: list[int],
    seconds: float,
    concurrency: int,
    limit: int,
    server_pid: int,
) -> dict[str, Any]:
    """The load from ``concurrency`` httpx tasks in this process (Python: its CPU counts)."""
    import httpx

    latencies: list[float] = []
    by_kind: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    sent = 0
    deadline = time.monotonic() + seconds
    started = time.monotonic()
    cpu_before = _cpu_seconds(server_pid)
    client_before = time.process_time()

    async def worker(number: int) -> None:
        nonlocal sent
        rng = random.Random(number)
        while time.monotonic() < deadline and sent < limit:
            sent += 1
            kind, path = rng.choice(mix)
            path = path.format(id=rng.choice(ids))
            start = time.perf_counter()
            try:
                response = await client.get(path)
                await response.aread()
                if response.status_code >= 400:
                    status = str(response.status_code)
                    errors[status] = errors.get(status, 0) + 1
            except httpx.HTTPError as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            latencies.append((time.perf_counter() - start) * 1000)
            by_kind.setdefault(kind, []).append(latencies[-1])

    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    elapsed = time.monotonic() - started
    server_cpu = _cpu_seconds(server_pid) - cpu_before
    client_cpu = time.process_time() - client_before
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else 0.0

    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "errors": errors,
        "cpu_ms": 1000 * server_cpu / max(1, len(latencies)),
        "client_cpu_ms": 1000 * client_cpu / max(1, len(latencies)),
        "by_kind": {k: statistics.median(v) for k, v in sorted(by_kind.items())},
        "by_kind_note": "under load",
    }


# wrk's script: the mix's paths in a random order fixed by the seed, the visitor's cookies,
# a bound on the requests of each thread, and one line of figures at the end.
WRK_SCRIPT = """
local paths = {%(paths)s}
local cookie = "%(cookie)s"
local limit = %(limit)d
local next_path, answered = 0, 0
function init(args)
  next_path = math.random(#paths)
end
function request()
  next_path = next_path %% #paths + 1
  return wrk.format("GET", paths[next_path], {["Cookie"] = cookie, ["Accept-Encoding"] = "gzip"})
end
function response(status, headers, body)
  answered = answered + 1
  if answered >= limit then wrk.thread:stop() end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK %%d %%d %%f %%f %%f %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""
WRK_THREADS = 2


def _wrk_installed() -> bool:
    """Whether ``wrk`` is there, installing it from Debian's packages when it is not."""
    if shutil.which("wrk"):
        return True
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("  installing wrk (apt-get install wrk)")
        for command in ("install", "update", "install"):  # the package lists may be missing
            done = subprocess.run(
                ["apt-get", command, "-y", "-qq", *(["wrk"] if command == "install" else [])],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if command == "install" and done.returncode == 0:
                break
    return shutil.which("wrk") is not None


def _wrk(
    base: str,
    cookie: str,
    mix: list[tuple[str, str]],
    ids: list[int],
    seconds: float,
    concurrency: int,
    limit: int,
    server_pid: int,
) -> dict[str, Any]:
    """The load from ``wrk`` (C; its CPU is measured as a child's): ``concurrency`` connections
    on two threads, the same mix with random co-ops."""
    import resource

    rng = random.Random(7)
    paths = [path.format(id=rng.choice(ids)) for _, path in (rng.choice(mix) for _ in range(5000))]
    script = WRK_SCRIPT % {
        "paths": ", ".join(f'"{p}"' for p in paths),
        "cookie": cookie,
        "limit": max(1, limit // WRK_THREADS),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    command = [
        "wrk", f"-t{WRK_THREADS}", f"-c{concurrency}", f"-d{seconds:.0f}s", "--timeout", "30s",
        "-s", handle.name, base,
    ]  # fmt: skip
    cpu_before = _cpu_seconds(server_pid)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        output = subprocess.run(
            command, capture_output=True, text=True, check=True, timeout=seconds + 60
        ).stdout
    finally:
        os.unlink(handle.name)
    server_cpu = _cpu_seconds(server_pid) - cpu_before
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    line = next(x for x in output.splitlines() if x.startswith("WRK "))
    fields = line.split()[1:]
    requests, duration_us = int(fields[0]), int(fields[1])
    names = ("connect", "read", "write", "status >= 400", "timeout")
    errors = {n: int(v) for n, v in zip(names, fields[5:], strict=True) if int(v)}
    return {
        "requests": requests,
        "rps": requests / (duration_us / 1e6),
        "p50": float(fields[2]),
        "p95": float(fields[3]),
        "p99": float(fields[4]),
        "errors": errors,
        "cpu_ms": 1000 * server_cpu / max(1, requests),
        "client_cpu_ms": 1000 * client_cpu / max(1, requests),
        "by_kind_note": "one client, no load",
    }


def run_engine(name: str, url: str, workers: int, args: argparse.Namespace) -> dict[str, Any]:
    print(f"{name}: preparing ({workers} worker{'s' if workers > 1 else ''})")
    username, ids = _prepare(url, args.cooperatives, args.seed)
    upload_dir = Path(tempfile.mkdtemp(prefix="asocia-bench-uploads-"))
    process, base = _start_server(url, workers, upload_dir)
    try:
        asyncio.run(_wait_ready(base, process))
        result = asyncio.run(
            _load(
                base,
                username,
                ids,
                client_kind=args.client,
                seconds=args.seconds,
                concurrency=args.concurrency,
                limit=args.max_requests,
                server_pid=process.pid,
            )
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(upload_dir, ignore_errors=True)
    errors = sum(result["errors"].values())
    print(
        f"{name:10} {result['requests']:6d} requests  {result['rps']:6.1f} req/s  "
        f"p50 {result['p50']:6.0f} ms  p95 {result['p95']:6.0f} ms  p99 {result['p99']:6.0f} ms  "
        f"errors {errors} {result['errors'] or ''}"
    )
    print(
        f"{'':10} warm dashboard: median {result['dashboard_ms']:.1f} ms (one client), "
        f"{result['dashboard_bytes'] / 1024:.0f} KB, {result['dashboard_wire'] / 1024:.0f} KB sent"
    )
    usable = min(workers, os.cpu_count() or 1)
    capacity = usable * 1000 / result["cpu_ms"] if result["cpu_ms"] else 0
    print(
        f"{'':10} server CPU {result['cpu_ms']:.1f} ms a request: ~{capacity:.0f} req/s on "
        f"{usable} core{'s' if usable > 1 else ''} with the machine to itself (client excluded)"
    )
    print(f"{'':10} client CPU {result['client_cpu_ms']:.1f} ms a request (the same 2 cores)")
    medians = "  ".join(f"{k} {v:.0f}" for k, v in result["by_kind"].items())
    print(f"{'':10} median ms by kind ({result['by_kind_note']}): {medians}")
    load = os.getloadavg()
    print(f"{'':10} load average {load[0]:.1f} on {os.cpu_count()} cores (others' work too)")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cooperatives", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--max-requests", type=int, default=60_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "ASOCIA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--engines", default="postgresql,sqlite")
    parser.add_argument(
        "--client",
        choices=("wrk", "httpx"),
        default="wrk",
        help="wrk (C, light: installed from Debian when missing) or httpx tasks in this process",
    )
    args = parser.parse_args()
    if args.client == "wrk" and not _wrk_installed():
        print("wrk is not installed and could not be: the load comes from httpx instead")
        args.client = "httpx"
    print(f"client: {args.client}, {args.concurrency} connections")

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from asocia.db.engine import normalise_url

    for engine in args.engines.split(","):
        if engine == "postgresql":
            admin_url = make_url(normalise_url(args.postgres)).set(database="postgres")
            scratch = f"asocia_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{scratch}"'))
            try:
                url = admin_url.set(database=scratch).render_as_string(hide_password=False)
                run_engine("PostgreSQL", url, 2, args)
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
                admin.dispose()
        elif engine == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="asocia-bench-"))
            try:
                run_engine("SQLite", f"sqlite:///{folder / 'asocia.db'}", 1, args)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        else:
            parser.error(f"unknown engine {engine!r}")


if __name__ == "__main__":
    main()
