"""Idempotency keys: a POST retried with the same ``Idempotency-Key`` is answered, not redone.

The first request with a key reserves it (per token) in its own short transaction, runs, and
stores its successful response; a retry with the same key and the same request gets that
response again (``Idempotent-Replayed: true``) and writes nothing. A failed attempt wrote
nothing (every write is one transaction), so its reservation is released and a retry runs anew.
The same key with a different request is refused (422); a retry while the first attempt still
runs, or whose outcome was lost in a crash, gets 409 rather than a duplicate. A response that
carries a secret (``Cache-Control: no-store``, a new token) is never stored: its retry gets 409
pointing at the created object. Revoked and expired tokens replay nothing. Keys are kept 24 h.
"""

import hashlib
import json
import uuid
from datetime import datetime, timedelta
from typing import Any, Final, Literal

from sqlalchemy import LargeBinary, UniqueConstraint, delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import JSON, Field, SQLModel, col, select
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import UTCDateTime, utcnow

HEADER = "Idempotency-Key"
RETENTION = timedelta(hours=24)
MAX_KEY_LENGTH = 255
_REPLAYED_HEADERS = ("content-type", "location", "etag", "cache-control")
UNKNOWN_TOKEN: Final = "unknown-token"


class IdempotencyKey(SQLModel, table=True):
    """A POST's idempotency key and, once it succeeded, its response."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("access_token_id", "key"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    access_token_id: uuid.UUID = Field(foreign_key="access_token.id")
    key: str = Field(max_length=MAX_KEY_LENGTH)
    fingerprint: str = Field(max_length=64)
    status_code: int | None = None
    response_headers: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    response_body: bytes | None = Field(default=None, sa_type=LargeBinary)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def _problem(
    status: int, type_: str, title: str, detail: str, path: str
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body: dict[str, Any] = {
        "type": f"/problems/{type_}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": path,
    }
    if status == 422:
        body["errors"] = [{"field": f"header.{HEADER}", "message": detail, "type": type_}]
    return status, [(b"content-type", b"application/problem+json")], json.dumps(body).encode()


def _fingerprint(scope: Scope, headers: Headers, body: bytes) -> str:
    """What makes two requests "the same": path, query, language, and the JSON body's meaning."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:  # not JSON (or not UTF-8): compare the bytes
        canonical = body
    parts = [
        scope["path"].encode(),
        scope.get("query_string", b""),
        headers.get("accept-language", "").encode(),
        canonical,
    ]
    return hashlib.sha256(b"\n".join(parts)).hexdigest()


async def _respond(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(HEADER)
        scheme, _, secret = headers.get("authorization", "").partition(" ")
        if key is None or scheme.lower() != "bearer" or not secret.strip():
            await self.app(scope, receive, send)  # no key, or no token: the app answers as usual
            return
        path = scope["path"]
        if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable():
            await _respond(
                send,
                *_problem(
                    422,
                    "invalid-idempotency-key",
                    "Invalid idempotency key",
                    f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters.",
                    path,
                ),
            )
            return

        chunks: list[bytes] = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        fingerprint = _fingerprint(scope, headers, body)

        async def replay_body() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        reserved = await self._reserve(scope, secret.strip(), key, fingerprint, send)
        if reserved is None:
            return
        if reserved == UNKNOWN_TOKEN:
            await self.app(scope, replay_body, send)
            return

        status = 500
        response_headers: list[tuple[bytes, bytes]] = []
        response_body: list[bytes] = []

        async def capture(message: Message) -> None:
            # Held back until the outcome is stored, so a retry sent the moment the client has
            # the answer finds it (and not a reservation still "in progress").
            nonlocal status, response_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                response_body.append(message.get("body", b""))

        try:
            await self.app(scope, replay_body, capture)
        finally:
            await self._settle(scope, reserved, status, response_headers, b"".join(response_body))
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": b"".join(response_body)})

    async def _reserve(
        self, scope: Scope, secret: str, key: str, fingerprint: str, send: Send
    ) -> uuid.UUID | Literal["unknown-token"] | None:
        """Reserve the key: its id; UNKNOWN_TOKEN for the app to refuse; None when answered here."""
        from app.access_tokens.models import AccessToken
        from app.auth import hash_token

        path = scope["path"]
        async with scope["app"].state.write_sessionmaker() as session:
            now = utcnow()
            token = (
                await session.execute(
                    select(AccessToken.id, AccessToken.organisation_id).where(
                        col(AccessToken.token_hash) == hash_token(secret),
                        col(AccessToken.revoked_at).is_(None),
                        or_(
                            col(AccessToken.expires_at).is_(None), col(AccessToken.expires_at) > now
                        ),
                    )
                )
            ).first()
            if token is None:
                return UNKNOWN_TOKEN  # unknown, revoked or expired: the app answers 401
            # Expired keys of this token go first (the unique index covers the lookup).
            await session.execute(
                delete(IdempotencyKey).where(
                    col(IdempotencyKey.access_token_id) == token.id,
                    col(IdempotencyKey.created_at) < utcnow() - RETENTION,
                )
            )
            record = (
                await session.execute(
                    select(IdempotencyKey).where(
                        col(IdempotencyKey.access_token_id) == token.id,
                        col(IdempotencyKey.key) == key,
                    )
                )
            ).scalar_one_or_none()
            if record is not None:
                if record.fingerprint != fingerprint:
                    answer = _problem(
                        422,
                        "idempotency-key-reused",
                        "Idempotency key reused",
                        f"{HEADER} {key!r} was used for a different request; use a new key.",
                        path,
                    )
                elif record.status_code is None:
                    answer = _problem(
                        409,
                        "idempotency-key-in-progress",
                        "Request with this key in progress",
                        f"A request with {HEADER} {key!r} is still running, or its outcome was lost; "
                        "read the current state before retrying with a new key.",
                        path,
                    )
                elif record.response_body is None:
                    answer = _problem(
                        409,
                        "idempotent-response-withheld",
                        "Response not replayed",
                        f"The request with {HEADER} {key!r} succeeded, but its response held a secret "
                        "that is shown only once, so it is not stored or replayed; read the created "
                        f"object at {record.response_headers.get('location', 'its location')} instead.",
                        path,
                    )
                else:
                    stored = [(k.encode(), v.encode()) for k, v in record.response_headers.items()]
                    answer = (
                        record.status_code,
                        [*stored, (b"idempotent-replayed", b"true")],
                        record.response_body or b"",
                    )
                await _respond(send, *answer)
                return None
            reservation = IdempotencyKey(
                organisation_id=token.organisation_id,
                access_token_id=token.id,
                key=key,
                fingerprint=fingerprint,
            )
            session.add(reservation)
            try:
                await session.commit()
            except IntegrityError:
                await _respond(
                    send,
                    *_problem(
                        409,
                        "idempotency-key-in-progress",
                        "Request with this key in progress",
                        f"A request with {HEADER} {key!r} is running right now.",
                        path,
                    ),
                )
                return None
            return reservation.id

    async def _settle(
        self,
        scope: Scope,
        record_id: uuid.UUID,
        status: int,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
    ) -> None:
        async with scope["app"].state.write_sessionmaker() as session:
            if 200 <= status < 300:
                kept = {
                    k.decode(): v.decode()
                    for k, v in headers
                    if k.decode().lower() in _REPLAYED_HEADERS
                }
                # A response that must not be stored (a new token's secret) is remembered as
                # done, never kept: the secret exists only as a hash.
                withheld = "no-store" in kept.get("cache-control", "")
                await session.execute(
                    update(IdempotencyKey)
                    .where(col(IdempotencyKey.id) == record_id)
                    .values(
                        status_code=status,
                        response_headers=kept,
                        response_body=None if withheld else body,
                    )
                )
            else:
                await session.execute(
                    delete(IdempotencyKey).where(col(IdempotencyKey.id) == record_id)
                )
            await session.commit()
