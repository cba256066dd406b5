"""``make bench``: the service served as in production against bare baselines served the same way.

The service runs under ``pdca serve`` (uvicorn, no access log) on a scratch database; the
baselines (``tests/benchmarks/bare_app.py``) run under uvicorn with the same options on the same
database. ``wrk`` loads each target in rounds that alternate which side goes first; the figure
of a side is the median of its rounds' successful answers per second, and the ratio is
service / bare (1.0 means the service costs nothing over the driver alone; higher is better).
A target may name its own connections and ask to ``settle``: after each run, wait until the
server has finished what wrk left in flight, so slow writes do not spill into the next run.
The server's CPU per request (from ``/proc``) is measured on both sides along the way.
PostgreSQL is given as a plain ``postgresql://`` URL, so the service picks asyncpg as in
production.
"""

import asyncio
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from alembic import command

from app.cli import alembic_config
from app.main import create_app
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 180
"""How long a server may take to answer /healthz: on a machine others load, two workers
importing the app took over a minute."""
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Call:
    """One HTTP request, as wrk sends it over and over."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    script: Callable[[int], str] | None = field(default=None, compare=False)
    """A Lua script per wrk run, given wrk's number of threads: for bodies that change from
    request to request (each write storing new rows). Called once per run."""

    def lua(self, threads: int = 1) -> str:
        if self.script is not None:
            return self.script(threads)
        lines = [f'wrk.method = "{self.method}"']
        for name, value in self.headers.items():
            lines.append(f'wrk.headers["{name}"] = "{value}"')
        if self.body is not None:
            lines.append(f"wrk.body = [==[{self.body}]==]")
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Target:
    name: str
    ours: Call
    bare: Call
    goal: float | None = None
    """The least acceptable ratio (service / bare), from the issue that set it."""
    baseline: str = "bare FastAPI"
    today: str = ""
    """The ratio the issue that set the goal measured before its work (issue 19's table)."""
    rows: int = 1
    """Rows each request writes or reads; above 1, the table quotes rows per second."""
    connections: int | None = None
    """wrk's connections for this target, when not the plan's (the stress run has 4x these)."""
    settle: bool = False
    """Writes: after each run, wait until the server has finished the requests wrk left in
    flight, so that they do not compete with the next run (the other side's, on SQLite for
    its one write lock)."""


@dataclass
class Load:
    requests_per_second: float
    failures: int
    """Non-2xx/3xx answers, socket errors and timeouts."""
    answered: int = 0
    cpu_ms: float | None = None
    """CPU of the server process per request (user + system), when measured: steadier than
    requests per second on a machine that others load too."""


@dataclass
class Figure:
    backend: str
    target: Target
    ours: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    failures: dict[int, int] = field(default_factory=dict)
    """Failed requests (both sides) by number of connections."""
    note: str = ""
    cpu_ms: tuple[list[float], list[float]] = field(default_factory=lambda: ([], []))
    """CPU milliseconds of the server process per request, by round: service's, bare's."""

    @property
    def ratio(self) -> float:
        return statistics.median(self.ours) / statistics.median(self.bare)


@dataclass(frozen=True)
class Plan:
    rounds: int = 3
    seconds: float = 5.0
    connections: int = 16
    stress_connections: int = 64
    threads: int = 2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """A uvicorn server in a process group of its own (workers included), stopped on exit."""

    def __init__(self, argv: Sequence[str], env: dict[str, str], name: str) -> None:
        self.port = free_port()
        self.name = name
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server
        self.process = subprocess.Popen(  # noqa: S603 - our own commands
            [*argv, "--host", "127.0.0.1", "--port", str(self.port)],
            env={**os.environ, **env},
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_until_up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"{self.name} exited:\n{self.log.read().decode()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer /healthz within {STARTUP_SECONDS} s")

    def settle(self, timeout: float = 60.0) -> None:
        """Wait until the server process has been idle (under 5 % of a core) for 0.3 s."""
        ticks_per_second = os.sysconf("SC_CLK_TCK")
        deadline = time.monotonic() + timeout
        last, quiet = self._cpu_ticks(), 0
        while time.monotonic() < deadline and quiet < 3:
            time.sleep(0.1)
            now = self._cpu_ticks()
            quiet = quiet + 1 if now - last <= 0.005 * ticks_per_second else 0
            last = now

    def cpu_seconds(self) -> float:
        return self._cpu_ticks() / os.sysconf("SC_CLK_TCK")

    def _cpu_ticks(self) -> int:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime and stime

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


@contextmanager
def serving(argv: Sequence[str], env: dict[str, str], name: str) -> Iterator[Server]:
    server = Server(argv, env, name)
    try:
        yield server
    finally:
        server.stop()


def service_argv(workers: int = 1) -> list[str]:
    """The service as the README's production section runs it."""
    return [str(BIN / "pdca"), "serve", "--workers", str(workers)]


def bare_argv(workers: int = 1) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "tests.benchmarks.bare_app:app",
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]


WRK = shutil.which("wrk") or ""
_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_DONE = re.compile(r"(\d+) requests in ([\d.]+)(us|ms|s|m|h),")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def wrk(base_url: str, call: Call, *, connections: int, seconds: float, threads: int) -> Load:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(call.lua(min(threads, connections)))
    try:
        output = subprocess.run(  # noqa: S603 - wrk with our arguments
            [
                WRK,
                f"-t{min(threads, connections)}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                base_url + call.path,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    rps = _RPS.search(output)
    done = _DONE.search(output)
    if rps is None or done is None:
        raise RuntimeError(f"wrk printed no figure:\n{output}")
    answered, elapsed = int(done[1]), _seconds(done[2], done[3])
    refused = int(m[1]) if (m := _NON_2XX.search(output)) else 0
    failures = refused
    if m := _SOCKET.search(output):
        failures += sum(int(n) for n in m.groups())
    # wrk's Requests/sec counts error answers too (and they are fast): only successes count here.
    return Load((answered - refused) / elapsed if elapsed else float(rps[1]), failures, answered)


def _seconds(number: str, unit: str) -> float:
    return float(number) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}[unit]


def check_wrk() -> None:
    if not WRK:
        raise SystemExit(
            "make bench needs wrk (Debian package `wrk`); `make bench` installs it with apt-get "
            "when it can. Install it and run again."
        )


def measure(
    backend: str,
    targets: Sequence[Target],
    ours: Server,
    bare: Server,
    plan: Plan,
) -> list[Figure]:
    """Interleaved rounds: in each, every target is loaded on both sides, in alternating order."""
    figures = [Figure(backend, target) for target in targets]

    def load(server: Server, target: Target, call: Call, connections: int, seconds: float) -> Load:
        before = server.cpu_seconds()
        result = wrk(
            server.url, call, connections=connections, seconds=seconds, threads=plan.threads
        )
        # After a settled run the server has also answered the request each connection had
        # in flight when wrk stopped.
        served = result.answered
        if target.settle:
            server.settle()
            served += connections
        if served:
            result.cpu_ms = (server.cpu_seconds() - before) * 1000 / served
        return result

    for figure in figures:  # warm pools, caches and the databases' buffers
        target = figure.target
        for server, call in ((ours, target.ours), (bare, target.bare)):
            load(server, target, call, target.connections or plan.connections, 1)
    for round_number in range(plan.rounds):
        for figure in figures:
            target = figure.target
            connections = target.connections or plan.connections
            sides: list[tuple[Server, Call, list[float]]] = [
                (ours, target.ours, figure.ours),
                (bare, target.bare, figure.bare),
            ]
            if round_number % 2:
                sides.reverse()
            for server, call, results in sides:
                found = load(server, target, call, connections, plan.seconds)
                results.append(found.requests_per_second)
                if found.cpu_ms is not None:
                    figure.cpu_ms[server is bare].append(found.cpu_ms)
                figure.failures[plan.connections] = (
                    figure.failures.get(plan.connections, 0) + found.failures
                )
            print(
                f"  round {round_number + 1}/{plan.rounds} {target.name:<38} "
                f"service {figure.ours[-1]:8.1f}/s  bare {figure.bare[-1]:8.1f}/s",
                flush=True,
            )
    for figure in figures:  # the same load with four times the connections: nothing may fail
        target = figure.target
        stress = 4 * target.connections if target.connections else plan.stress_connections
        failed = 0
        for server, call in ((ours, target.ours), (bare, target.bare)):
            failed += load(server, target, call, stress, max(2.0, plan.seconds / 2)).failures
        figure.failures[plan.stress_connections] = failed
    return figures


def scale_out(
    backend: str, target: Target, env: dict[str, str], plan: Plan
) -> tuple[list[float], list[float]]:
    """Requests per second of the service with one and with two worker processes, interleaved."""
    one: list[float] = []
    two: list[float] = []
    with (
        serving(service_argv(1), env, "service, 1 worker") as single,
        serving(service_argv(2), env, "service, 2 workers") as double,
    ):
        for server in (single, double):
            wrk(server.url, target.ours, connections=plan.connections, seconds=1, threads=2)
        for round_number in range(plan.rounds):
            sides = [(single, one), (double, two)]
            if round_number % 2:
                sides.reverse()
            for server, results in sides:
                results.append(
                    wrk(
                        server.url,
                        target.ours,
                        connections=plan.connections,
                        seconds=plan.seconds,
                        threads=plan.threads,
                    ).requests_per_second
                )
            print(
                f"  round {round_number + 1}/{plan.rounds} {backend} 1 worker {one[-1]:8.0f}/s  "
                f"2 workers {two[-1]:8.0f}/s",
                flush=True,
            )
    return one, two


Seeder = Callable[[str], dict[str, Any]]


async def _count_post_statements(url: str, fixture: dict[str, Any]) -> tuple[int, int]:
    """The statements of one ``POST /teams`` (in process), without and with an Idempotency-Key."""
    from sqlalchemy import event

    app = create_app(Settings(database_url=url, log_level="WARNING"))
    statements: list[object] = []

    def count(*args: object) -> None:
        statements.append(args[2])

    headers = {"Authorization": f"Bearer {fixture['token']}"}
    body = {
        "name": "Räknat team",
        "kind": "improvement_team",
        "org_unit_id": str(fixture["unit_id"]),
    }
    counts = []
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client:
            await client.get("/api/v1/organisation", headers=headers)  # last_used_at, once
            engine = app.state.engine.sync_engine
            event.listen(engine, "before_cursor_execute", count)
            for extra in ({}, {"Idempotency-Key": str(uuid.uuid4())}):
                statements.clear()
                response = await client.post(
                    "/api/v1/teams", json=body, headers={**headers, **extra}
                )
                assert response.status_code == 201, response.text
                counts.append(len(statements))
            event.remove(engine, "before_cursor_execute", count)
    finally:
        await app.state.engine.dispose()
    return counts[0], counts[1]


async def _seed(url: str) -> dict[str, Any]:
    from tests.benchmarks.inprocess import seed

    app = create_app(Settings(database_url=url, log_level="WARNING", rate_limit_enabled=False))
    try:
        fixture = await seed(app)
    finally:
        await app.state.engine.dispose()
    return {
        "organisation_id": fixture.organisation_id,
        "unit_id": fixture.unit_id,
        "token": fixture.token,
    }


def core_targets(fixture: dict[str, Any]) -> list[Target]:
    auth = {"Authorization": f"Bearer {fixture['token']}"}
    unit = fixture["unit_id"]
    team = (
        '{"name": "Förbättringsteam (API)", "kind": "improvement_team", '
        f'"description": "Created by the benchmark.", "org_unit_id": "{unit}"}}'
    )
    json_auth = {**auth, "Content-Type": "application/json"}
    return [
        Target(
            "GET /healthz",
            Call("GET", "/healthz"),
            Call("GET", "/healthz"),
            goal=0.85,
            today="0.42-0.50",
        ),
        Target(
            "GET /org-units/{id} (token)",
            Call("GET", f"/api/v1/org-units/{unit}", auth),
            Call("GET", f"/idiomatic/org-units/{unit}"),
            goal=1.0,
            today="0.65-0.67",
            baseline="idiomatic SQLModel: session.get, no auth",
        ),
        Target(
            "GET /org-units/{id} (token)",
            Call("GET", f"/api/v1/org-units/{unit}", auth),
            Call("GET", f"/bare/org-units/{unit}"),
            goal=0.35,
            today="0.18-0.20",
            baseline="bare asyncpg: one row by id",
        ),
        Target(
            "GET /org-units?limit=50 (token)",
            Call("GET", "/api/v1/org-units?limit=50", auth),
            Call("GET", "/bare/org-units"),
            goal=0.4,
            today="0.13-0.25",
            baseline="bare: count + page",
        ),
        Target(
            "POST /teams (+ audit entry)",
            Call("POST", "/api/v1/teams", json_auth, team),
            Call("POST", "/idiomatic/teams", {"Content-Type": "application/json"}, team),
            goal=1.0,
            today="0.52-0.59",
            baseline="idiomatic SQLModel insert, no auth/audit",
        ),
        Target(
            "POST /teams (+ audit entry)",
            Call("POST", "/api/v1/teams", json_auth, team),
            Call("POST", "/bare/teams"),
            goal=0.4,
            today="0.13",
            baseline="bare: INSERT + COMMIT",
        ),
    ]


PARTS = ("core", "measurements", "events")
SCALE_GOAL = 1.8
"""Two worker processes against one, reading one object (issue 19)."""
STATEMENTS: dict[str, tuple[int, int]] = {}
"""Statements a single ``POST /teams`` sends, without and with an Idempotency-Key, by backend."""


def prepare_database(url: str) -> dict[str, Any]:
    """Migrate the scratch database and seed it; the fixture (organisation, unit, token)."""
    command.upgrade(alembic_config(url), "head")
    return asyncio.run(_seed(url))


def run_backend(
    backend: str,
    url: str,
    plan: Plan,
    parts: Sequence[str] = PARTS,
    fixture: dict[str, Any] | None = None,
) -> tuple[list[Figure], tuple[Any, Any] | None]:
    from tests.benchmarks import measurements

    if fixture is None:
        fixture = prepare_database(url)
    if not {"core", "measurements"} & set(parts):
        return [], None
    if "core" in parts:
        STATEMENTS[backend] = asyncio.run(_count_post_statements(url, fixture))
    setup = measurements.prepare(url, fixture, plan) if "measurements" in parts else None
    # wrk sends thousands of requests a second with one token: no budget would let them pass.
    env = {"DATABASE_URL": url, "PDCA_LOG_LEVEL": "WARNING", "PDCA_RATE_LIMIT_ENABLED": "false"}
    bare_env = {
        "BENCH_DATABASE_URL": url,
        "BENCH_ORGANISATION_ID": str(fixture["organisation_id"]),
        "BENCH_UNIT_ID": str(fixture["unit_id"]),
    }
    core = core_targets(fixture)
    figures: list[Figure] = []
    with (
        serving(service_argv(), env, "service") as ours,
        serving(bare_argv(), bare_env, "bare baseline") as bare,
    ):
        if "core" in parts:
            figures += measure(backend, core, ours, bare, plan)
        if setup is not None:
            figures += measure(backend, measurements.targets(setup), ours, bare, plan)
            figures.append(measurements.uploads(backend, setup, ours, bare, plan))
    if "core" not in parts:
        return figures, None
    print(f"  {backend}: 1 worker against 2 on {core[1].name}", flush=True)
    scale = scale_out(backend, core[1], env, plan)
    return figures, scale


def print_figures(
    figures: Sequence[Figure], scales: dict[str, tuple[list[float], list[float]]], plan: Plan
) -> None:
    header = (
        f"{'backend':<11}{'target':<38}{'service':>10}{'bare':>10}{'':<7}{'ratio':>6}"
        f"{'today':>11}{'goal':>6}  failed: run/4x conn.  baseline"
    )
    print()
    print(header)
    print("-" * len(header))
    for f in figures:
        goal = f"{f.target.goal:.2f}" if f.target.goal else "-"
        verdict = "" if f.target.goal is None else (" ok" if f.ratio >= f.target.goal else " SHORT")
        failed = (
            f"{f.failures.get(plan.connections, 0)}/{f.failures.get(plan.stress_connections, 0)}"
            if f.failures.keys() <= {plan.connections, plan.stress_connections}
            else f"{sum(f.failures.values())}"
        )
        per = f.target.rows
        print(
            f"{f.backend:<11}{f.target.name:<38}{statistics.median(f.ours) * per:>10.0f}"
            f"{statistics.median(f.bare) * per:>10.0f} {'rows/s' if per > 1 else 'req/s':<6}"
            f"{f.ratio:>6.2f}{f.target.today or '-':>11}{goal:>6}{verdict:<6}{failed:>11}  "
            f"{f.target.baseline}"
            + (f"; {f.note}" if f.note else "")
            + (
                f"; CPU {statistics.median(f.cpu_ms[0]):.1f} vs "
                f"{statistics.median(f.cpu_ms[1]):.1f} ms/request"
                if f.cpu_ms[0] and f.cpu_ms[1]
                else ""
            )
        )
    for backend, (one, two) in scales.items():
        ratio = statistics.median(two) / statistics.median(one)
        verdict = "ok" if ratio >= SCALE_GOAL else "SHORT"
        print(
            f"{backend:<11}{'2 workers / 1 worker (entity read)':<38}{statistics.median(two):>10.0f}"
            f"{statistics.median(one):>10.0f} {'req/s':<6}{ratio:>6.2f}{'1.76':>11}"
            f"{SCALE_GOAL:>6.2g} {verdict}"
        )
    for backend, (plain, keyed) in STATEMENTS.items():
        verdict = "ok" if plain <= 4 and keyed <= 5 else "SHORT"
        print(
            f"{backend:<11}{'statements of POST /teams (-/with key)':<38}{plain:>10}{keyed:>10}"
            f" {'stmts':<6}{'':>6}{'~11':>11}{'4 / 5':>6} {verdict}"
        )
    from tests.benchmarks.measurements import UPLOADS_PER_ROUND

    print()
    print(
        f"Medians of {plan.rounds} interleaved rounds of {plan.seconds:g} s, wrk with "
        f"{plan.connections} connections (uploads: one at a time from httpx, "
        f"{UPLOADS_PER_ROUND} per side and round); ratio = service / bare in the same run."
    )
