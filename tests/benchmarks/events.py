"""The events part of ``make bench`` (issue 17; its soak also serves issue 18).

- **Write cost of the outbox**: ``POST /measurements`` (one new row each, wrk) on the service
  against the same service without the event (``tests/benchmarks/no_outbox.py``: the
  measurement events replaced by a no-op, everything else identical), interleaved rounds in
  the same run; the goal is at most 10 % more, i.e. a ratio of at least 1/1.1 = 0.91. Both run
  without the in-server worker, so the figure is the request's own cost.
- **Delivery**: :data:`DELIVERY_EVENTS` measurement events, written to the outbox at a steady
  :data:`RATE` per second by the outbox's own code (see :func:`_produce`), delivered to a local receiver (``receiver.py``, which verifies
  every signature with ``standardwebhooks``) by ``pdca worker`` processes (two on PostgreSQL,
  one on SQLite), through two endpoints, each registered for the subtree of one school, so the
  two workers share the work. Quoted: the median and p99 time from the event's commit
  (``occurred_at``, written in the transaction) to its arrival, the throughput, and that each
  event arrived exactly once (counted at the receiver by ``webhook-id``).
- **Soak**: for ``--soak-seconds`` a steady mixed load from this process (entity and list reads,
  series reads, single writes, 100-row bulk writes, a feed reader long-polling
  ``GET /events?wait=30``) beside ``pdca worker`` delivering every event of the organisation to
  the receiver. RSS of the service, the worker and the receiver sampled every 5 s (first, last,
  max), errors counted, p99 latency per route family, and every event of the outbox since the
  start checked against what the feed reader and the receiver got: none lost, none twice.
"""

import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from app.context import Context
from app.main import create_app
from app.settings import Settings
from tests.benchmarks.measurements import EPOCH, Pool, _measure, lua_writer
from tests.benchmarks.served import (
    BIN,
    ROOT,
    Call,
    Figure,
    Plan,
    Server,
    Target,
    measure,
    service_argv,
    serving,
)

DELIVERY_EVENTS = 10_000
RATE = 50.0
"""Events per second written for the delivery figure: a steady stream the workers keep up with
on a shared 2-core machine (they deliver about 90 a second there with the producer, the service
and the receiver beside them), so the time from commit to delivery measures the worker, not a
backlog. Above the workers' throughput every event waits behind the ones before it, and the
median grows with the run's length instead (200 a second gave a 35 s median over 10,000)."""
PER_TRANSACTION = 20
WRITE_GOAL = 1 / 1.1
SAMPLE_SECONDS = 5.0
WARM_UP_SECONDS = 10.0
"""RSS is sampled from this long into the soak, once every process has imported and warmed."""


@dataclass
class Setup:
    organisation_id: uuid.UUID
    units: list[uuid.UUID]
    token: str
    pools: dict[str, Pool] = field(default_factory=dict)
    delivery_measures: list[uuid.UUID] = field(default_factory=list)
    soak_measures: list[uuid.UUID] = field(default_factory=list)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def _make(url: str, fixture: dict[str, Any], plan: Plan) -> Setup:
    from sqlalchemy import select
    from sqlmodel import col

    from app.org_units.models import OrgUnit, OrgUnitKind

    app = create_app(Settings(database_url=url, log_level="WARNING"))
    organisation_id, unit_id = fixture["organisation_id"], fixture["unit_id"]
    runs = plan.rounds + 2
    try:
        async with app.state.sessionmaker(context=Context(actor="benchmark setup")) as session:
            other = (
                await session.scalars(
                    select(col(OrgUnit.id))
                    .where(
                        col(OrgUnit.organisation_id) == organisation_id,
                        col(OrgUnit.kind) == OrgUnitKind.school,
                        col(OrgUnit.id) != unit_id,
                    )
                    .order_by(col(OrgUnit.name))
                    .limit(1)
                )
            ).one()
            setup = Setup(organisation_id, [unit_id, other], fixture["token"])
            made: list[Any] = []
            for side in ("service", "bare"):
                ids = []
                for n in range(runs * 16):
                    m = _measure(organisation_id, unit_id, f"Händelser ({side}) {n}")
                    made.append(m)
                    ids.append(m.id)
                setup.pools[side] = Pool(ids)
            for n, unit in enumerate(setup.units):
                m = _measure(organisation_id, unit, f"Leverans {n}")
                made.append(m)
                setup.delivery_measures.append(m.id)
            for n in range(4):
                m = _measure(organisation_id, unit_id, f"Uthållighet {n}")
                made.append(m)
                setup.soak_measures.append(m.id)
            session.add_all(made)
            await session.commit()
    finally:
        await app.state.engine.dispose()
    return setup


def _sync_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@contextmanager
def _database(url: str) -> Iterator[Any]:
    engine = create_engine(_sync_url(url))
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _last_event_id(url: str) -> int:
    with _database(url) as db:
        return int(db.execute(text("SELECT coalesce(max(id), 0) FROM event")).scalar_one())


def _events_since(
    url: str, organisation_id: uuid.UUID, after: int, type: str | None = None
) -> dict[str, float]:
    """``evt_<id>`` → commit time (``occurred_at``, seconds since the epoch) of the
    organisation's events after ``after`` (of ``type`` only, when given)."""
    query = "SELECT id, occurred_at FROM event WHERE id > :after AND organisation_id = :org"
    if type is not None:
        query += " AND type = :type"
    with _database(url) as db:
        rows = db.execute(
            text(query),
            {
                "after": after,
                "org": organisation_id if "postgresql" in url else organisation_id.hex,
                "type": type,
            },
        ).all()
    found = {}
    for event_id, occurred in rows:
        if isinstance(occurred, str):  # SQLite keeps the text
            from datetime import datetime

            occurred = datetime.fromisoformat(occurred)
        if occurred.tzinfo is None:
            from datetime import UTC

            occurred = occurred.replace(tzinfo=UTC)
        found[f"evt_{event_id}"] = occurred.timestamp()
    return found


def _received(log: Path) -> tuple[Counter[str], dict[str, float], int]:
    ids: Counter[str] = Counter()
    first: dict[str, float] = {}
    bad = 0
    if not log.exists():
        return ids, first, 0
    for line in log.read_text().splitlines():
        webhook_id, arrived, _path = line.split("\t")
        if webhook_id == "bad":
            bad += 1
            continue
        ids[webhook_id] += 1
        first.setdefault(webhook_id, float(arrived))
    return ids, first, bad


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Workers:
    """``pdca worker`` processes, each in a process group of its own, stopped on exit."""

    def __init__(self, count: int, env: dict[str, str]) -> None:
        self.logs = [tempfile.TemporaryFile() for _ in range(count)]  # noqa: SIM115 - closed in stop
        self.processes = [
            subprocess.Popen(  # noqa: S603 - our own command
                [str(BIN / "pdca"), "worker"],
                env={**os.environ, **env},
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            for log in self.logs
        ]

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for log in self.logs:
            log.close()


def receiver_argv() -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "tests.benchmarks.receiver:app",
        "--no-access-log",
        "--log-level",
        "warning",
    ]


def _register(
    service: Server, setup: Setup, receiver: Server, secrets: Path, units: list[uuid.UUID | None]
) -> list[str]:
    """Endpoints at the receiver (for a unit's measurement events, or all the organisation's
    events for None), their secrets written for it; their ids."""
    found, ids = {}, []
    for n, unit in enumerate(units):
        body: dict[str, Any] = {"url": f"{receiver.url}/hook/{n}"}
        if unit is not None:
            body |= {"org_unit_id": str(unit), "event_types": ["measurement.recorded"]}
        answer = httpx.post(
            f"{service.url}/api/v1/webhooks", json=body, headers=setup.auth, timeout=30
        )
        answer.raise_for_status()
        found[f"/hook/{n}"] = answer.json()["secret"]
        ids.append(answer.json()["id"])
    secrets.write_text(json.dumps(found))
    return ids


def _unregister(service: Server, setup: Setup, ids: list[str]) -> None:
    for endpoint_id in ids:
        answer = httpx.delete(
            f"{service.url}/api/v1/webhooks/{endpoint_id}", headers=setup.auth, timeout=30
        )
        answer.raise_for_status()


def _pending(url: str, ids: list[str]) -> int:
    """Deliveries of the endpoints still queued, plus events the fan-out has not reached yet
    (behind, not lost: both would be delivered if the worker ran on)."""
    with _database(url) as db:
        rows = db.execute(
            text("SELECT endpoint_id FROM webhook_delivery WHERE status = 'pending'")
        ).all()
        reached = int(
            db.execute(
                text("SELECT event_id FROM webhook_fanout WHERE name = 'events'")
            ).scalar_one()
        )
        unreached = int(
            db.execute(
                text("SELECT count(*) FROM event WHERE id > :r"), {"r": reached}
            ).scalar_one()
        )
    wanted = {uuid.UUID(i) for i in ids}
    queued = sum(1 for (e,) in rows if (e if isinstance(e, uuid.UUID) else uuid.UUID(e)) in wanted)
    return queued + unreached


def _failed_attempts(url: str, ids: list[str]) -> int:
    with _database(url) as db:
        attempts = db.execute(text("SELECT endpoint_id, succeeded FROM webhook_attempt")).all()
    wanted = {uuid.UUID(i) for i in ids}
    return sum(
        1
        for endpoint_id, succeeded in attempts
        if not succeeded
        and (endpoint_id if isinstance(endpoint_id, uuid.UUID) else uuid.UUID(endpoint_id))
        in wanted
    )


def _row(measure_id: uuid.UUID, unit: uuid.UUID, day: int) -> dict[str, Any]:
    return {
        "measure_id": str(measure_id),
        "org_unit_id": str(unit),
        "period": (EPOCH + timedelta(days=day)).isoformat(),
        "numerator": day % 17,
        "denominator": 20,
    }


async def _produce(url: str, setup: Setup, count: int, rate: float) -> float:
    """``count`` measurement events written at ``rate`` per second through the outbox's own
    code (``record_unit_event``, in transactions of :data:`PER_TRANSACTION`, as a bulk request
    of many units writes them), alternating between the two units; the seconds it took.

    Written straight to the outbox, not through ``POST /measurements``: on a shared 2-core
    machine the API's write rate, not the delivery, would set the pace (the write path has its
    own figure above)."""
    from app.events import service as event_service
    from app.events.models import EventType

    app = create_app(Settings(database_url=url, log_level="WARNING"))
    started = time.perf_counter()
    try:
        for first in range(0, count, PER_TRANSACTION):
            async with app.state.sessionmaker(context=Context(actor="benchmark")) as session:
                for n in range(first, min(count, first + PER_TRANSACTION)):
                    side = n % 2
                    measure_id, unit = setup.delivery_measures[side], setup.units[side]
                    await event_service.record_unit_event(
                        session,
                        EventType.measurement_recorded,
                        organisation_id=setup.organisation_id,
                        org_unit_id=unit,
                        object_type="org_unit",
                        object_id=unit,
                        link=f"/api/v1/measurements?org_unit_id={unit}",
                        data={"count": 1, "measure_ids": [str(measure_id)], "periods": [str(n)]},
                    )
                await session.commit()
            due = started + (first + PER_TRANSACTION) / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
    finally:
        await app.state.engine.dispose()
    return time.perf_counter() - started


def _quantile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def write_cost(backend: str, url: str, setup: Setup, plan: Plan) -> list[Figure]:
    env = {
        "DATABASE_URL": url,
        "PDCA_LOG_LEVEL": "WARNING",
        # The benchmarks measure the request path: no budget would let their load through.
        "PDCA_RATE_LIMIT_ENABLED": "false",
        "PDCA_WORKER_IN_SERVER": "false",
    }
    json_type = {"Content-Type": "application/json"}
    unit = setup.units[0]
    target = Target(
        "POST /measurements (one, with event)",
        Call(
            "POST",
            "/api/v1/measurements",
            script=lua_writer(setup.pools["service"], unit, 1, {**setup.auth, **json_type}),
        ),
        Call(
            "POST",
            "/api/v1/measurements",
            script=lua_writer(setup.pools["bare"], unit, 1, {**setup.auth, **json_type}),
        ),
        goal=WRITE_GOAL,
        baseline="the same service without the event",
        settle=True,
    )
    bare_argv = [sys.executable, "-m", "tests.benchmarks.no_outbox"]
    with (
        serving(service_argv(), env, "service") as ours,
        serving(bare_argv, env, "service without outbox") as bare,
    ):
        return measure(backend, [target], ours, bare, plan)


def delivery(
    backend: str, url: str, setup: Setup, count: int = DELIVERY_EVENTS, rate: float = RATE
) -> list[str]:
    workers = 2 if backend == "postgresql" else 1
    env = {
        "DATABASE_URL": url,
        "PDCA_LOG_LEVEL": "WARNING",
        "PDCA_RATE_LIMIT_ENABLED": "false",
        "PDCA_WORKER_IN_SERVER": "false",
        "PDCA_WEBHOOK_ALLOW_PRIVATE": "true",
    }
    with tempfile.TemporaryDirectory(prefix="pdca-receiver-") as directory:
        log, secrets = Path(directory) / "received.tsv", Path(directory) / "secrets.json"
        receiver_env = {"RECEIVER_LOG": str(log), "RECEIVER_SECRETS": str(secrets)}
        with (
            serving(receiver_argv(), receiver_env, "receiver") as receiver,
            serving(service_argv(), env, "service") as service,
        ):
            endpoints = _register(service, setup, receiver, secrets, list(setup.units))
            after = _last_event_id(url)
            pool = Workers(workers, env)
            try:
                produced_in = asyncio.run(_produce(url, setup, count, rate))
                deadline = time.monotonic() + 300
                while time.monotonic() < deadline:
                    if sum(_received(log)[0].values()) >= count:
                        break
                    time.sleep(0.5)
            finally:
                pool.stop()
            failed = _failed_attempts(url, endpoints)
            _unregister(service, setup, endpoints)
        received, arrived, bad = _received(log)
    # What the endpoints asked for (the worker's signal pass may add other events meanwhile).
    outbox = _events_since(url, setup.organisation_id, after, "measurement.recorded")
    latencies = [arrived[i] - outbox[i] for i in outbox if i in arrived]
    lost = len(set(outbox) - set(received))
    twice = sum(1 for n in received.values() if n > 1)
    span = max(arrived.values()) - min(outbox.values()) if arrived and outbox else float("nan")
    lines = [
        f"{backend}: {len(outbox):,} events (written to the outbox at "
        f"{len(outbox) / produced_in:.0f}/s, {PER_TRANSACTION} a transaction) to a local "
        f"receiver through 2 endpoints by {workers} "
        f"`pdca worker` process{'es' if workers > 1 else ''}: commit to delivery median "
        f"{statistics.median(latencies) * 1000:.0f} ms, p99 {_quantile(latencies, 99) * 1000:.0f} ms "
        f"(goal: median under 1 s: {'ok' if statistics.median(latencies) < 1 else 'SHORT'}); "
        f"throughput {len(arrived) / span:.0f} deliveries/s over {span:.1f} s; "
        f"received {sum(received.values()):,}, lost {lost}, delivered twice {twice}, "
        f"failed attempts {failed}, bad signatures {bad}"
    ]
    print("  " + lines[0], flush=True)
    return lines


@dataclass
class Family:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0


async def _soak_load(
    base: str,
    setup: Setup,
    seconds: float,
    families: dict[str, Family],
    feed_ids: Counter[str],
    after: int,
) -> None:
    stop = time.monotonic() + seconds
    unit = setup.units[0]
    days = iter(range(10_000_000))
    series = setup.soak_measures[0]

    async def timed(
        client: httpx.AsyncClient, family: str, method: str, path: str, **kw: Any
    ) -> Any:
        started = time.perf_counter()
        try:
            answer = await client.request(method, path, headers=setup.auth, **kw)
        except httpx.HTTPError:
            families[family].errors += 1
            return None
        families[family].latencies.append(time.perf_counter() - started)
        if answer.status_code >= 400:
            families[family].errors += 1
        return answer

    async def reader(client: httpx.AsyncClient) -> None:
        while time.monotonic() < stop:
            await timed(client, "GET entity", "GET", f"/api/v1/org-units/{unit}")
            await timed(client, "GET list", "GET", "/api/v1/org-units?limit=50")
            await timed(client, "GET series", "GET", f"/api/v1/measures/{series}/series")
            await asyncio.sleep(0.05)

    async def writer(client: httpx.AsyncClient, measure_id: uuid.UUID) -> None:
        while time.monotonic() < stop:
            row = _row(measure_id, unit, next(days))
            await timed(client, "POST measurement", "POST", "/api/v1/measurements", json=row)
            await asyncio.sleep(0.05)

    async def bulk(client: httpx.AsyncClient) -> None:
        while time.monotonic() < stop:
            rows = [_row(series, unit, next(days)) for _ in range(100)]
            body = {
                "measure_id": str(series),
                "org_unit_id": str(unit),
                "rows": [{k: r[k] for k in ("period", "numerator", "denominator")} for r in rows],
            }
            await timed(
                client, "POST bulk (100 rows)", "POST", "/api/v1/measurements/bulk", json=body
            )
            await asyncio.sleep(0.5)

    async def feed(client: httpx.AsyncClient) -> None:
        cursor = None
        while True:
            params: dict[str, Any] = {"wait": 30, "limit": 200}
            if cursor:
                params["after"] = cursor
            answer = await timed(
                client, "GET events (long-poll)", "GET", "/api/v1/events", params=params
            )
            if answer is None or answer.status_code != 200:
                await asyncio.sleep(1)
                continue
            page = answer.json()
            for item in page["items"]:
                if int(item["id"]) > after:  # the reader starts at the beginning of the feed
                    feed_ids[f"evt_{item['id']}"] += 1
            cursor = page["next_cursor"]
            if time.monotonic() > stop + 60 or (time.monotonic() > stop and not page["items"]):
                return

    async with (
        httpx.AsyncClient(base_url=base, timeout=60) as client,
        httpx.AsyncClient(base_url=base, timeout=60) as feed_client,
    ):
        await asyncio.gather(
            *(reader(client) for _ in range(3)),
            *(writer(client, m) for m in setup.soak_measures[1:3]),
            bulk(client),
            feed(feed_client),
        )


def soak(backend: str, url: str, setup: Setup, seconds: float) -> list[str]:
    env = {
        "DATABASE_URL": url,
        "PDCA_LOG_LEVEL": "WARNING",
        "PDCA_RATE_LIMIT_ENABLED": "false",
        "PDCA_WORKER_IN_SERVER": "false",
        "PDCA_WEBHOOK_ALLOW_PRIVATE": "true",
    }
    families: dict[str, Family] = defaultdict(Family)
    feed_ids: Counter[str] = Counter()
    rss: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="pdca-soak-") as directory:
        log, secrets = Path(directory) / "received.tsv", Path(directory) / "secrets.json"
        receiver_env = {"RECEIVER_LOG": str(log), "RECEIVER_SECRETS": str(secrets)}
        with (
            serving(receiver_argv(), receiver_env, "receiver") as receiver,
            serving(service_argv(), env, "service") as service,
        ):
            endpoints = _register(service, setup, receiver, secrets, [None])
            after = _last_event_id(url)
            pool = Workers(1, env)
            processes = {
                "service": service.process.pid,
                "worker": pool.processes[0].pid,
                "receiver": receiver.process.pid,
            }
            done = False

            def sample() -> None:
                time.sleep(WARM_UP_SECONDS)  # imports and pools first: growth is what follows
                while not done:
                    for name, pid in processes.items():
                        rss[name].append(_rss_mib(pid))
                    time.sleep(SAMPLE_SECONDS)

            import threading

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            try:
                asyncio.run(_soak_load(service.url, setup, seconds, families, feed_ids, after))
                outbox = _events_since(url, setup.organisation_id, after)
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    if set(outbox) <= set(_received(log)[0]):
                        break
                    time.sleep(0.5)
            finally:
                done = True
                sampler.join()
                pool.stop()
            failed_attempts = _failed_attempts(url, endpoints)
            pending = _pending(url, endpoints)
            _unregister(service, setup, endpoints)
        received, _arrived, bad = _received(log)
    lines = [
        f"{backend}: soak {seconds:.0f} s, {sum(len(f.latencies) for f in families.values()):,} "
        f"requests, {len(outbox):,} events in the outbox"
    ]
    for name, family in sorted(families.items()):
        lines.append(
            f"  {name:<26} {len(family.latencies):>7,} requests  p50 "
            f"{_quantile(family.latencies, 50) * 1000:7.1f} ms  p99 "
            f"{_quantile(family.latencies, 99) * 1000:7.1f} ms  errors {family.errors}"
        )
    for name, values in rss.items():
        lines.append(
            f"  RSS {name:<10} first {values[0]:6.1f} MiB  last {values[-1]:6.1f} MiB  "
            f"max {max(values):6.1f} MiB ({len(values)} samples)"
        )
    for reader, got in (("feed reader", feed_ids), ("receiver", received)):
        lost = len(set(outbox) - set(got))
        twice = sum(1 for n in got.values() if n > 1)
        extra = len(set(got) - set(outbox))
        lines.append(
            f"  {reader:<12} got {len(set(got)):,} of {len(outbox):,} events: lost {lost}, "
            f"twice {twice}, not in the outbox {extra}"
        )
    lines.append(
        f"  failed delivery attempts {failed_attempts}, bad signatures {bad}, deliveries still "
        f"queued or not yet fanned out after the 120 s drain {pending} (behind, not lost)"
    )
    for line in lines:
        print("  " + line, flush=True)
    return lines


def run(
    backend: str,
    url: str,
    fixture: dict[str, Any],
    plan: Plan,
    *,
    soak_seconds: float,
    events: int = DELIVERY_EVENTS,
) -> tuple[list[Figure], list[str]]:
    """The three figures of the events part on one backend: the write cost as a Figure for the
    table, delivery and soak as lines."""
    setup = asyncio.run(_make(url, fixture, plan))
    print(f"  {backend}: events: the outbox's write cost", flush=True)
    figures = write_cost(backend, url, setup, plan)
    print(f"  {backend}: events: delivery of {events:,} events", flush=True)
    lines = delivery(backend, url, setup, events)
    if soak_seconds > 0:
        print(f"  {backend}: events: soak of {soak_seconds:.0f} s", flush=True)
        lines += soak(backend, url, setup, soak_seconds)
    return figures, lines
