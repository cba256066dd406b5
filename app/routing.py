"""How domain routers are made and mounted, and what every operation's handler adds.

* :func:`service_router` makes a domain's router: under ``/api/v1/<segment>``, tagged with the
  segment, its operations run by :class:`ServiceRoute`.
* :class:`ServiceRoute` runs an operation again, from the start and in the same session, when
  the database gave up its transaction so that others could go on (a deadlock, a serialization
  failure), and a read again when its connection died; after the last attempt it answers 409.
* :func:`mount` puts the routes on the app itself, so a request is matched once against a flat
  list instead of through nested routers.
"""

import asyncio
import functools
import random
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import retryable
from app.problems import Conflict

API_PREFIX = "/api/v1"
ATTEMPTS = 4
"""Runs of an operation before a deadlock or a serialization failure is answered with 409."""

log = structlog.get_logger(__name__)


class ConcurrentChangesConflict(Conflict):
    type, title = "concurrent-changes", "Too many concurrent changes"


def _retrying(
    endpoint: Callable[..., Awaitable[Any]], *, read_only: bool
) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(endpoint)  # FastAPI reads the parameters through __wrapped__
    async def run(**values: Any) -> Any:
        session = next((v for v in values.values() if isinstance(v, AsyncSession)), None)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await endpoint(**values)
            except DBAPIError as error:
                if session is None or not retryable(error, read_only=read_only):
                    raise
                await session.rollback()
                sqlstate = getattr(error.orig, "sqlstate", None)
                if attempt == ATTEMPTS:
                    log.warning("retries_exhausted", attempts=attempt, sqlstate=sqlstate)
                    raise ConcurrentChangesConflict(
                        "The database gave up this change several times because other changes "
                        "to the same data ran at the same moment; nothing was written. Read the "
                        "current state and try again."
                    ) from error
                log.info("retrying", attempt=attempt, sqlstate=sqlstate)
                # A little random, so the transactions that collided do not meet again.
                await asyncio.sleep(random.uniform(0.005, 0.02) * attempt)  # noqa: S311 - jitter
        raise AssertionError("unreachable")

    return run


class ServiceRoute(APIRoute):
    """An operation whose whole run is repeated when the database asks for it (see above)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = {m.upper() for m in kwargs.get("methods") or ()}
        read_only = methods <= {"GET", "HEAD", "OPTIONS"}
        super().__init__(path, _retrying(endpoint, read_only=read_only), **kwargs)


def operation_id(route: APIRoute) -> str:
    """Route function names are unique across the app, so they make stable operation ids."""
    return route.name


def service_router(segment: str) -> APIRouter:
    """The router of the domain at ``/api/v1/<segment>``; its tag is the segment."""
    return APIRouter(
        prefix=f"{API_PREFIX}/{segment}",
        tags=[segment],
        route_class=ServiceRoute,
        generate_unique_id_function=operation_id,
    )


def mount(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Add the routers' routes to the app as one flat list (nested routers match each request
    once per level and again when they hand it on)."""
    for router in routers:
        for route in router.routes:
            app.router.routes.append(route)
