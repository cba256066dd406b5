"""The ASGI application: ``uvicorn app.main:app``."""

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse
from fastapi_offline import FastAPIOffline
from starlette.types import ASGIApp, Receive, Scope, Send

from app import __doc__ as package_doc
from app import openapi
from app.access_tokens.auth import active_token_owner
from app.access_tokens.router import router as access_tokens_router
from app.audit import service as audit_service
from app.audit.router import router as audit_router
from app.chart_links.router import embed_router as chart_embed_router
from app.chart_links.router import measure_router as chart_link_measure_router
from app.chart_links.router import router as chart_links_router
from app.charts.router import measure_router as measure_analysis_router
from app.charts.router import router as analytics_router
from app.commitments.router import router as commitments_router
from app.cycles.router import router as cycles_router
from app.db import SessionMiddleware, create_engine
from app.events.router import router as events_router
from app.exports.router import import_router as exports_import_router
from app.exports.router import router as exports_router
from app.goals.router import router as goals_router
from app.health import router as health_router
from app.http import CachingMiddleware, HttpSemanticsMiddleware
from app.idempotency import IdempotencyMiddleware
from app.initiatives.router import router as initiatives_router
from app.logging import RequestLogMiddleware, configure_logging
from app.measures.router import cycle_measures_router, measurements_router
from app.measures.router import router as measures_router
from app.metrics import MetricsMiddleware
from app.org_units.router import router as org_units_router
from app.organisations.router import router as organisations_router
from app.overview.router import router as overview_router
from app.problems import install_problem_handlers
from app.rate_limits import RateLimitMiddleware
from app.reports.router import evidence_router, report_router
from app.routing import mount, operation_id
from app.sessions import create_sessionmaker
from app.settings import Settings, get_settings
from app.teams.router import router as teams_router
from app.webhooks.router import router as webhooks_router
from app.webhooks.worker import Worker

VERSION = "0.1.0"

log = structlog.get_logger(__name__)


GC_THRESHOLDS = (50_000, 20, 50)
"""The collector's thresholds while serving. Python's default (700 allocations) runs a collection
every few hundred rows of a bulk request and full collections of the whole heap every few
requests; measured under ``make bench`` on PostgreSQL, the higher first threshold took a 1,000-row
bulk request from 124 to 74 ms of CPU and a 10,000-point series read from 104 to 59 ms."""


def tune_garbage_collection() -> None:
    """Freeze what start-up made (it lives as long as the process) and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


IMPORT_PATH = "/api/v1/import"


class BodyLimits:
    """HTTP semantics with the body limit of the route: an export document may be larger
    (``PDCA_IMPORT_MAX_BODY_BYTES``) than any other request (``PDCA_MAX_BODY_BYTES``)."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, import_max_body_bytes: int) -> None:
        self.usual = HttpSemanticsMiddleware(app, max_body_bytes=max_body_bytes)
        self.imports = HttpSemanticsMiddleware(app, max_body_bytes=import_max_body_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        chosen = self.imports if scope.get("path") == IMPORT_PATH else self.usual
        await chosen(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings)
    engine = create_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        timeout=settings.database_timeout_seconds,
    )
    replica = settings.database_replica_url
    read_engine = (
        create_engine(
            replica,
            pool_size=settings.database_pool_size,
            timeout=settings.database_timeout_seconds,
        )
        if replica
        else None
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        tune_garbage_collection()
        stop, worker_task = asyncio.Event(), None
        if settings.worker_in_server:
            worker = Worker.from_settings(app.state.sessionmaker, settings)
            worker_task = asyncio.create_task(worker.run(stop))
        yield
        # uvicorn has let the requests in flight finish; the worker ends the delivery attempt
        # under way (never one cut mid-way unless it outlives the grace period).
        stop.set()
        if worker_task is not None:
            try:
                await asyncio.wait_for(worker_task, settings.shutdown_grace_seconds)
            except TimeoutError:
                log.warning("worker_stopped_mid_delivery", grace=settings.shutdown_grace_seconds)
        await engine.dispose()
        if read_engine is not None:
            await read_engine.dispose()

    app = FastAPIOffline(
        title="PDCA tracker",
        summary=package_doc,
        description=openapi.DESCRIPTION,
        version=VERSION,
        openapi_tags=openapi.TAGS,
        generate_unique_id_function=operation_id,
        lifespan=lifespan,
        redirect_slashes=False,  # /org-units/ is not /org-units: a clear 404, not a bare redirect
        swagger_ui_parameters={
            "persistAuthorization": True,
            "displayRequestDuration": True,
            # No badge from a third-party validator: it would send the contract's (intranet)
            # URL to the internet and show a broken image where there is none.
            "validatorUrl": None,
        },
    )
    app.state.settings = settings
    app.state.engine = engine
    audit = audit_service.install
    app.state.read_sessionmaker = create_sessionmaker(
        read_engine or engine, audit=audit, kind="read"
    )
    app.state.replica_engine = read_engine
    # With a replica, a GET that must see the latest writes (Cache-Control: no-cache) reads here.
    app.state.primary_read_sessionmaker = (
        create_sessionmaker(engine, audit=audit, kind="read") if read_engine else None
    )
    app.state.write_sessionmaker = create_sessionmaker(engine, audit=audit, kind="write")
    app.state.sessionmaker = create_sessionmaker(engine, audit=audit)  # work outside requests
    app.openapi = lambda: openapi.build_openapi(app)  # type: ignore[method-assign]  # FastAPI's documented way to replace the schema builder

    mount(
        app,
        (
            organisations_router,
            org_units_router,
            overview_router,
            teams_router,
            goals_router,
            initiatives_router,
            cycles_router,
            cycle_measures_router,
            evidence_router,
            measures_router,
            report_router,
            measure_analysis_router,
            measurements_router,
            chart_link_measure_router,
            chart_links_router,
            chart_embed_router,
            analytics_router,
            commitments_router,
            access_tokens_router,
            audit_router,
            events_router,
            webhooks_router,
            exports_router,
            exports_import_router,
            health_router,
        ),
    )

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/docs")

    install_problem_handlers(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=[
                "ETag",
                "Location",
                "X-Request-ID",
                "Idempotent-Replayed",
                "Content-Language",
                "Retry-After",
            ],
        )
    app.add_middleware(SessionMiddleware)
    app.add_middleware(IdempotencyMiddleware, token_lookup=active_token_owner)
    app.add_middleware(
        BodyLimits,
        max_body_bytes=settings.max_body_bytes,
        import_max_body_bytes=settings.import_max_body_bytes,
    )
    app.add_middleware(CachingMiddleware)
    app.add_middleware(RateLimitMiddleware, settings=settings)
    app.add_middleware(RequestLogMiddleware)
    app.add_middleware(MetricsMiddleware, settings=settings)
    return app


app = create_app()
