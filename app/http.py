"""HTTP details every resource shares: HEAD, conditional GET (304), a request size limit, what
caches may keep, the one fast JSON response and the header of a localised answer."""

import uuid
from typing import Any, TypeVar

import orjson
from fastapi import Response
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.problems import Problem, send_problem
from app.routing import API_PREFIX


class PayloadTooLarge(Problem):
    status, type, title = 413, "payload-too-large", "Request body too large"


def _matches(if_none_match: str, etag: str) -> bool:
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


class HttpSemanticsMiddleware:
    """HEAD answers like GET without a body; a GET whose ETag the client already holds
    (If-None-Match) answers 304; a body over ``max_body_bytes`` answers 413 before it is read."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        path = scope["path"]
        too_large = PayloadTooLarge(f"The body exceeds {self.max_body_bytes} bytes.")
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await send_problem(send, too_large, path)
            return
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        if_none_match = headers.get("if-none-match") if scope["method"] == "GET" else None
        received = 0
        started = False
        suppress_body = head

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:
                raise too_large
            return message

        async def conditional_send(message: Message) -> None:
            nonlocal started, suppress_body
            if message["type"] == "http.response.start":
                started = True
                response_headers = Headers(raw=message.get("headers", []))
                etag = response_headers.get("etag")
                if (
                    if_none_match
                    and etag
                    and message["status"] == 200
                    and _matches(if_none_match, etag)
                ):
                    kept = [
                        (k, v)
                        for k, v in message.get("headers", [])
                        if k.lower()
                        in (
                            b"etag",
                            b"cache-control",
                            b"x-request-id",
                            b"vary",
                            b"content-language",
                        )
                    ]
                    message = {"type": "http.response.start", "status": 304, "headers": kept}
                    suppress_body = True
            elif message["type"] == "http.response.body" and suppress_body:
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        try:
            await self.app(scope, limited_receive, conditional_send)
        except PayloadTooLarge:
            if started:
                raise
            await send_problem(send, too_large, path)


PRIVATE = "private, no-transform"
"""Every answer under /api/v1 depends on the token that asked: a shared cache (a municipal
proxy) must not keep it for others, and must not transform it (compressing weakens the ETag,
and a weak ETag never matches If-Match)."""
NO_STORE = "no-store"
"""Answers that carry a secret (a new token) or tell who may not act (401, 403): kept nowhere."""


class CachingMiddleware:
    """Says what caches may keep, in one place: every answer under ``/api/v1`` carries
    ``Cache-Control: private, no-transform`` (``no-store`` for 401 and 403, and where the route
    already said ``no-store``) and ``Vary: Authorization``. Public paths (health, docs, the
    contract) are left as they are."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == API_PREFIX or path.startswith(f"{API_PREFIX}/")):
            await self.app(scope, receive, send)
            return

        async def send_with_caching(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() not in (b"cache-control", b"vary")
                ]
                given = {
                    name.lower(): value.decode("latin-1")
                    for name, value in message.get("headers", [])
                    if name.lower() in (b"cache-control", b"vary")
                }
                if message["status"] in (401, 403) or "no-store" in given.get(b"cache-control", ""):
                    cache_control = NO_STORE
                else:
                    cache_control = given.get(b"cache-control") or PRIVATE
                vary = [v.strip() for v in given.get(b"vary", "").split(",") if v.strip()]
                if not any(v.lower() in ("authorization", "*") for v in vary):
                    vary.append("Authorization")
                headers += [
                    (b"cache-control", cache_control.encode("latin-1")),
                    (b"vary", ", ".join(vary).encode("latin-1")),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_caching)


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


R = TypeVar("R", bound=Response)


def localised(response: R, language: str) -> R:
    """Say which language the answer speaks, and that it depends on Accept-Language."""
    response.headers["Content-Language"] = language
    response.headers["Vary"] = "Accept-Language"
    return response
