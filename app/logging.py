"""Structured logs (JSON by default) and one access-log line per request, with a request id."""

import base64
import hashlib
import logging
import sys
import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.settings import Settings


def configure_logging(settings: Settings) -> None:
    """Our events and the libraries' (uvicorn, SQLAlchemy, Alembic) leave as one structured stream."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if settings.log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(settings.log_level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # RequestLogMiddleware logs requests
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[settings.log_level]
        ),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )


access_log = structlog.get_logger("pdca.access")

PROBE_PATH = "/healthz"
PROBE_BODY = b'{"status":"ok"}'
PROBE_HEADERS = [
    (b"content-length", str(len(PROBE_BODY)).encode()),
    (b"content-type", b"application/json"),
    # The ETag the full stack gives the same body (app.http.body_etag of its SHA-256).
    (b"etag", b'"b' + base64.urlsafe_b64encode(hashlib.sha256(PROBE_BODY).digest()[:18]) + b'"'),
]
"""The liveness probe's answer, made once: a plain ``GET /healthz`` (no query, no
If-None-Match) is answered here, before the middleware stack and the routing, with the same
bytes and headers the route gives; anything else about it goes the long way (405, 422, 304)."""


def _plain_probe(scope: Scope) -> bool:
    if scope["path"] != PROBE_PATH or scope["method"] != "GET" or scope["query_string"]:
        return False
    return all(name != b"if-none-match" for name, _ in scope["headers"])


class RequestLogMiddleware:
    """Gives each request an id (``X-Request-ID``, kept if the client sent one) and logs it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")[:128]
        request_id = incoming or uuid.uuid4().hex
        if _plain_probe(scope):
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [*PROBE_HEADERS, (b"x-request-id", request_id.encode())],
                }
            )
            await send({"type": "http.response.body", "body": PROBE_BODY})
            return
        if not incoming:
            scope["headers"] = [*scope.get("headers", []), (b"x-request-id", request_id.encode())]
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id")
