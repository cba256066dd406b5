"""How domain routers are made and mounted, and what every operation's handler adds.

* :func:`service_router` makes a domain's router: under ``/api/v1/<segment>``, tagged with the
  segment, its operations run by :class:`ServiceRoute` and answered by
  :class:`FastJSONResponse` (orjson: one pass from the validated data to the bytes).
* :class:`ServiceRoute` runs an operation again, from the start and in the same session, when
  the database gave up its transaction so that others could go on (a deadlock, a serialization
  failure), and a read again when its connection died; after the last attempt it answers 409.
* :class:`StrictQueryRoute` (and so every :class:`ServiceRoute`) refuses query parameters the
  operation does not declare, and a second value of one that takes a single value, with the 422
  of any other invalid input: a typo such as ``?org_unit=`` must not quietly widen a list. The
  cache buster ``_=`` is the one exception: accepted and ignored.
* :func:`mount` puts the routes on the app itself, so a request is matched once against a flat
  list instead of through nested routers.
"""

import asyncio
import functools
import random
import types
import typing
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any

import orjson
import structlog
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import QueryParams

from app.db import retryable
from app.problem_texts import Text
from app.problems import Conflict, FieldError, Problem

API_PREFIX = "/api/v1"
ATTEMPTS = 4
"""Runs of an operation before a deadlock or a serialization failure is answered with 409."""

log = structlog.get_logger(__name__)


class FastJSONResponse(JSONResponse):
    """JSON written by orjson: NumPy arrays as they are, NaN and infinities as null."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(
            content,
            default=_uuid_like,
            option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z,
        )


def _uuid_like(value: Any) -> str:
    # asyncpg hands out its own UUID subclass, which orjson does not take for uuid.UUID.
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


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
                    raise ConcurrentChangesConflict.saying("concurrent-changes") from error
                log.info("retrying", attempt=attempt, sqlstate=sqlstate)
                # A little random, so the transactions that collided do not meet again.
                await asyncio.sleep(random.uniform(0.005, 0.02) * attempt)  # noqa: S311 - jitter
        raise AssertionError("unreachable")

    return run


class QueryNotUnderstood(Problem):
    """The 422 of request validation, for query parameters FastAPI itself would let pass."""

    status, type, title = 422, "validation-error", "The request did not validate"

    def localised_detail(self, language: str) -> str | None:
        said = [
            (error.field, error._text.render(language) if error._text else None)
            for error in (self.errors or [])[:5]
        ]
        if not said or any(message is None for _, message in said):
            return None
        return "; ".join(f"{field}: {message}" for field, message in said)


def _takes_many(annotation: Any) -> bool:
    """``list[Stage] | None`` takes the parameter repeated; ``int`` and ``Stage | None`` once."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_takes_many(arg) for arg in typing.get_args(annotation))
    return origin in (list, set, frozenset, tuple) or annotation in (list, set, frozenset, tuple)


def declared_query(dependant: Dependant) -> tuple[frozenset[str], frozenset[str]]:
    """The query parameters an operation declares (its own and its dependencies'), and those of
    them that take a single value."""
    names: set[str] = set()
    single: set[str] = set()
    pending = [dependant]
    while pending:
        current = pending.pop()
        for field in current.query_params:
            names.add(field.alias)
            if not _takes_many(field.field_info.annotation):
                single.add(field.alias)
        pending.extend(current.dependencies)
    return frozenset(names), frozenset(single)


CACHE_BUSTER = "_"
"""``_=<anything>``, which some JavaScript libraries (jQuery's ``cache: false``) add to defeat
caches, is accepted and ignored by every operation."""


def check_query(query: QueryParams, names: frozenset[str], single: frozenset[str]) -> None:
    """Raise the 422 naming each query parameter that is not declared or repeated."""
    errors: list[FieldError] = []
    accepted = ", ".join(sorted(names)) or "none"
    for name in dict.fromkeys(query.keys()):
        if name == CACHE_BUSTER:
            continue
        if name not in names:
            text = Text("query.unknown", {"accepted": accepted})
            errors.append(FieldError.of(f"query.{name}", text, "extra_forbidden"))
        elif name in single and len(query.getlist(name)) > 1:
            errors.append(FieldError.of(f"query.{name}", Text("query.repeated"), "repeated"))
    if errors:
        raise QueryNotUnderstood(
            "; ".join(f"{e.field}: {e.message}" for e in errors[:5]), errors=errors
        )


class StrictQueryRoute(APIRoute):
    """An operation that refuses undeclared and repeated query parameters (422).

    The declared names are read from the operation's dependencies once, when the route is made;
    a request without a query string costs one lookup.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        names, single = declared_query(self.dependant)

        async def handle(request: Request) -> Response:
            if request.scope["query_string"]:
                check_query(request.query_params, names, single)
            return await handler(request)

        return handle


class ServiceRoute(StrictQueryRoute):
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
        # orjson writes every JSON answer (the same bytes' meaning, in a fraction of the time).
        default_response_class=FastJSONResponse,
    )


def mount(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Add the routers' routes to the app as one flat list (nested routers match each request
    once per level and again when they hand it on)."""
    for router in routers:
        for route in router.routes:
            app.router.routes.append(route)
