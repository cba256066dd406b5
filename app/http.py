"""HTTP details every resource shares: HEAD, conditional GET (304), a strong ETag on every
document, a request size limit, what caches may keep, the one fast JSON response and the header
of a localised answer."""

import base64
import hashlib
import tempfile
from typing import IO, TypeVar

from fastapi import Response
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.problems import Problem, send_problem
from app.routing import API_PREFIX
from app.routing import FastJSONResponse as FastJSONResponse  # made there, for every operation


class PayloadTooLarge(Problem):
    status, type, title = 413, "payload-too-large", "Request body too large"


BUFFERED_BYTES = 1 << 20
"""A body up to this size is held in memory while its ETag is computed; a larger one (a long
CSV) is spooled to a temporary file as it is hashed, so memory stays bounded."""
CHUNK_BYTES = 64 * 1024


def body_etag(digest: bytes) -> str:
    """A strong ETag from the hash of the body: the same bytes give the same tag, in every
    process. Prefixed so it is never mistaken for an object's version tag (``"3"``)."""
    return '"b' + base64.urlsafe_b64encode(digest[:18]).decode("ascii") + '"'


def _matches(if_none_match: str, etag: str) -> bool:
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


class HttpSemanticsMiddleware:
    """HEAD answers like GET without a body; a GET whose ETag the client already holds
    (If-None-Match) answers 304; a body over ``max_body_bytes`` answers 413 before it is read.

    A GET answered 200 without an ETag (a list, a series, an analysis, a chart, a report, a CSV)
    gets a strong one made from the hash of its body (held back until the body is complete), so
    every document can be polled with If-None-Match; objects keep their version ETag.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        path = scope["path"]
        too_large = PayloadTooLarge.saying("payload-too-large", limit=self.max_body_bytes)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await send_problem(send, too_large, path, scope=scope)
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

        held: Message | None = None
        spool: IO[bytes] | None = None
        digest = hashlib.sha256()

        async def release() -> None:
            """Send the held start with the body's ETag (or 304), then the spooled body."""
            nonlocal held
            assert held is not None and spool is not None
            start = {
                **held,
                "headers": [
                    *held.get("headers", []),
                    (b"etag", body_etag(digest.digest()).encode()),
                ],
            }
            held = None
            await conditional_send(start)
            spool.seek(0)
            chunk = spool.read(CHUNK_BYTES)
            while True:
                following = spool.read(CHUNK_BYTES)
                await conditional_send(
                    {"type": "http.response.body", "body": chunk, "more_body": bool(following)}
                )
                if not following:
                    break
                chunk = following

        async def hashing_send(message: Message) -> None:
            nonlocal held, spool
            if message["type"] == "http.response.start":
                headers = Headers(raw=message.get("headers", []))
                if (
                    message["status"] == 200
                    and "etag" not in headers
                    and NO_STORE not in headers.get("cache-control", "")
                    and scope["method"] == "GET"
                ):
                    held = message
                    spool = tempfile.SpooledTemporaryFile(max_size=BUFFERED_BYTES)  # noqa: SIM115 - closed below
                    return
            elif message["type"] == "http.response.body" and held is not None:
                assert spool is not None
                body = message.get("body", b"")
                digest.update(body)
                spool.write(body)
                if not message.get("more_body"):
                    await release()
                return
            await conditional_send(message)

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
            await self.app(scope, limited_receive, hashing_send)
        except PayloadTooLarge:
            if started:
                raise
            await send_problem(send, too_large, path, scope=scope)
        finally:
            if spool is not None:
                spool.close()


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


R = TypeVar("R", bound=Response)


def localised(response: R, language: str) -> R:
    """Say which language the answer speaks, and that it depends on Accept-Language."""
    response.headers["Content-Language"] = language
    response.headers["Vary"] = "Accept-Language"
    return response
