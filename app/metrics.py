"""Prometheus metrics at ``/metrics``: requests, latency, the database pool, the webhook outbox.

Per request the middleware takes two clock readings and, after the app has answered, reads the
matched route's path template from ``scope["route"]`` (never the raw path, whose ids would make
a series per object); the label children of each (method, route, status) are made once and kept.
A request that matched no route counts under the route ``unmatched``, and a method that is not
HTTP's under ``OTHER``, so no client can make series without end.

Pool and outbox figures are read when Prometheus scrapes: the pool's counters from SQLAlchemy,
the outbox backlog with one query, kept ``OUTBOX_CACHE_SECONDS`` so several scrapers cost one.

**Several worker processes** share one registry through prometheus-client's multiprocess mode:
set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory (cleared at each start) before the
processes start, and every process writes its counters there; the process that answers a scrape
adds them up. The pool figures are per process: in multiprocess mode each process samples its
own pool at most once a second as it answers requests (``livesum`` over live processes).

Who may scrape: clients in ``PDCA_METRICS_ALLOW`` (by the client address the server reports:
uvicorn's, after its own ``FORWARDED_ALLOW_IPS``; ``PDCA_TRUSTED_PROXIES`` is not read) or anyone sending ``Authorization: Bearer <PDCA_METRICS_TOKEN>``; others get
404, as if there were nothing (not 403, which would confirm the endpoint to a stranger).
"""

import hmac
import time
from collections.abc import Iterable
from datetime import datetime
from ipaddress import ip_address, ip_network
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.pool import QueuePool
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import UTCDateTime, utcnow
from app.problems import NotFound, send_problem
from app.settings import Settings, get_settings

PATH = "/metrics"
OUTBOX_CACHE_SECONDS = 5.0
POOL_SAMPLE_SECONDS = 1.0
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

_MULTIPROC_DIR = get_settings().prometheus_multiproc_dir
if _MULTIPROC_DIR:  # prometheus-client opens its files there as the metrics below are made
    Path(_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter(
    "pdca_http_requests", "HTTP requests answered, by route template and status.",
    ["method", "route", "status"],
)  # fmt: skip
LATENCY = Histogram(
    "pdca_http_request_duration_seconds",
    "Time from the request's arrival to the end of its answer, by route template.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
DELIVERIES = Counter(
    "pdca_webhook_deliveries",
    "Webhook delivery attempts by outcome (delivered, failed, disabled).",
    ["outcome"],
)
INGESTED_ROWS = Counter(
    "pdca_ingestion_rows",
    "Measurement rows ingested, by outcome (created, replaced, unchanged, refused).",
    ["outcome"],
)
POOL_IN_USE = Gauge(
    "pdca_db_pool_in_use",
    "Database connections checked out of this process's pool.",
    multiprocess_mode="livesum",
)
POOL_OVERFLOW = Gauge(
    "pdca_db_pool_overflow",
    "Connections open beyond the pool's size (PDCA_DATABASE_POOL_SIZE).",
    multiprocess_mode="livesum",
)
POOL_WAITING = Gauge(
    "pdca_db_pool_waiting",
    "Requests waiting for a database connection because the pool is exhausted.",
    multiprocess_mode="livesum",
)

_WEBHOOK_DELIVERY = sa.table(
    "webhook_delivery", sa.column("status"), sa.column("created_at", UTCDateTime)
)
"""The two columns the backlog query reads, named as a migration would: this core module
imports no domain (the webhooks domain owns the table)."""


def reset_multiprocess_dir(directory: str) -> None:
    """Empty the multiprocess directory before the processes start: files of processes that
    are gone would otherwise be added up for ever (counters then restart at zero, which
    Prometheus's ``rate()`` expects of a restart)."""
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()


def count_delivery(*, succeeded: bool, disabled: bool = False) -> None:
    """One webhook delivery attempt ended: ``delivered``, ``failed`` (to be retried) or
    ``disabled`` (failed past the retry window, so its endpoint was disabled)."""
    DELIVERIES.labels("delivered" if succeeded else "disabled" if disabled else "failed").inc()


def count_ingested(**rows: int) -> None:
    """Measurement rows of one ingestion (one by one, bulk or a file) by outcome: ``created``,
    ``replaced``, ``unchanged`` once committed, or ``refused`` (the request wrote nothing)."""
    for outcome, count in rows.items():
        if count:
            INGESTED_ROWS.labels(outcome).inc(count)


def pool_figures(pool: Any) -> tuple[int, int, int | None] | None:
    """Connections in use, overflow and waiters of a queue pool (None for other pools).

    SQLAlchemy counts the first two; the waiters are the pending getters of the pool's asyncio
    queue (a private attribute: when a version of SQLAlchemy moves it, the gauge goes absent
    rather than wrong)."""
    if not isinstance(pool, QueuePool):
        return None
    waiting: int | None = None
    queue = getattr(getattr(pool, "_pool", None), "__dict__", {}).get("_queue")
    getters = getattr(queue, "_getters", None)
    if getters is not None:
        waiting = sum(1 for getter in getters if not getter.done())
    return pool.checkedout(), max(pool.overflow(), 0), waiting


class _ScrapeCollector(Collector):
    """The figures read when Prometheus scrapes: outbox (and, in one process, the pool)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.outbox: tuple[int, float] | None = None

    def collect(self) -> Iterable[Metric]:
        if self.outbox is not None:
            backlog, age = self.outbox
            yield GaugeMetricFamily(
                "pdca_outbox_backlog",
                "Webhook deliveries waiting to be sent (pending).",
                value=backlog,
            )
            yield GaugeMetricFamily(
                "pdca_outbox_oldest_age_seconds",
                "Age of the oldest undelivered webhook delivery (0 when none waits).",
                value=age,
            )


async def read_outbox(app: Any) -> tuple[int, float]:
    """The pending deliveries and the age of the oldest, in one query."""
    query = sa.select(sa.func.count(), sa.func.min(_WEBHOOK_DELIVERY.c.created_at)).where(
        _WEBHOOK_DELIVERY.c.status == "pending"
    )
    async with app.state.read_sessionmaker() as session:
        count, oldest = (await session.execute(query)).one()
    age = (utcnow() - oldest).total_seconds() if isinstance(oldest, datetime) else 0.0
    return int(count), max(age, 0.0)


def _route_of_head(scope: Scope) -> Any:
    """The route a HEAD request went to: it is answered as a GET on a copy of its scope
    (app.http), so the router's ``scope["route"]`` is not seen here; HEADs are rare enough to
    match again."""
    probe = {**scope, "method": "GET"}
    for route in scope["app"].router.routes:
        match, _ = route.matches(probe)
        if match is Match.FULL:
            return route
    return None


class MetricsMiddleware:
    """Counts every HTTP request and answers ``GET /metrics`` to those allowed to scrape."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.networks = [ip_network(n, strict=False) for n in settings.metrics_allow]
        token = settings.metrics_token
        self.token = f"Bearer {token.get_secret_value()}".encode() if token else None
        self.children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self.registry = CollectorRegistry(auto_describe=False)
        self.collector: _ScrapeCollector | None = None
        self.outbox_read_at = -OUTBOX_CACHE_SECONDS
        self.pool_sampled_at = 0.0
        # prometheus-client reads the same variable when it is imported, so the two agree.
        self.multiprocess = settings.prometheus_multiproc_dir is not None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == PATH:
            await self.scrape(scope, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            ended = time.perf_counter()
            route = scope.get("route")
            if route is None and scope["method"] == "HEAD":
                route = _route_of_head(scope)
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            key = (method, getattr(route, "path", "unmatched"), status)
            children = self.children.get(key)
            if children is None:
                children = self.children[key] = (
                    REQUESTS.labels(key[0], key[1], str(status)),
                    LATENCY.labels(key[0], key[1]),
                )
            children[0].inc()
            children[1].observe(ended - started)
            if self.multiprocess and ended - self.pool_sampled_at > POOL_SAMPLE_SECONDS:
                self.pool_sampled_at = ended
                self._sample_pool(scope)

    def allowed(self, scope: Scope) -> bool:
        if self.token is not None:
            for name, value in scope["headers"]:
                if name == b"authorization" and hmac.compare_digest(value, self.token):
                    return True
        client = scope.get("client")
        if not client:
            return False
        try:
            address = ip_address(client[0])
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def _sample_pool(self, scope: Scope) -> None:
        figures = pool_figures(scope["app"].state.engine.pool)
        if figures is not None:
            POOL_IN_USE.set(figures[0])
            POOL_OVERFLOW.set(figures[1])
            if figures[2] is not None:
                POOL_WAITING.set(figures[2])

    async def scrape(self, scope: Scope, send: Send) -> None:
        if scope["method"] not in ("GET", "HEAD") or not self.allowed(scope):
            await send_problem(
                send, NotFound(f"Nothing at {PATH}."), scope["path"], {"cache-control": "no-store"}
            )
            return
        app = scope["app"]
        if self.collector is None:
            self.collector = _ScrapeCollector(app)
            self.registry.register(self.collector)
        now = time.monotonic()
        if now - self.outbox_read_at >= OUTBOX_CACHE_SECONDS:
            self.outbox_read_at = now
            self.collector.outbox = await read_outbox(app)
        self._sample_pool(scope)
        if self.multiprocess:
            shared = CollectorRegistry()
            multiprocess.MultiProcessCollector(shared)  # type: ignore[no-untyped-call]  # untyped in prometheus-client
            body = generate_latest(shared)
        else:
            body = generate_latest(REGISTRY)
        body += generate_latest(self.registry)
        headers = [
            (b"content-type", CONTENT_TYPE_LATEST.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )
