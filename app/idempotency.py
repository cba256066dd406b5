"""Idempotency keys: a POST retried with the same ``Idempotency-Key`` is answered, not redone.

The first request with a key reserves it (per token) in its own short transaction and runs;
its body streams through to the app while a fingerprint of the request is taken, so not even a
10 MB upload is held here. A successful answer is stored with the fingerprint (compressed when
large) before it leaves, so a retry sent the moment the client has it finds it; the retry's
body is read only to compare fingerprints, then the stored answer is replayed
(``Idempotent-Replayed: true``) and nothing is written. A failed attempt wrote nothing (every
write is one transaction), so its reservation is released and a retry runs anew; but when the
database connection was lost during its COMMIT (or before its answer was stored), the outcome
is unknown and the reservation is kept, so the retry gets 409 rather than a second run.

The same key with a different request is refused (422); a retry while the first attempt still
runs, or whose outcome was lost in a crash, gets 409 rather than a duplicate. A response that
carries a secret (``Cache-Control: no-store``, a new token), or one too large to keep, is
never stored: its retry gets 409 pointing at the created object. Revoked and expired tokens
replay nothing. Keys are kept 24 h.

"The same request" means the same path, query, language and body; for JSON bodies up to
``CANONICAL_LIMIT`` bytes the body's meaning counts (key order and spacing do not), for larger
ones its bytes, which a script re-sending the same file sends again.
"""

import hashlib
import json
import uuid
import zlib
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import LargeBinary, UniqueConstraint, Uuid, column, delete, table, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import JSON, Field, SQLModel, col, select
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import UTCDateTime, utcnow
from app.outages import is_database_unavailable
from app.problems import COMMIT_OUTCOME_UNKNOWN, Conflict, FieldError, Problem, send_problem

HEADER = "Idempotency-Key"
RETENTION = timedelta(hours=24)
MAX_KEY_LENGTH = 255
PRUNE_EVERY = 64
"""Every this many reservations a process deletes the expired keys (of every token): storage
only, since a reservation takes over an expired key of its own in the same statement."""
CANONICAL_LIMIT = 64 * 1024
"""JSON bodies up to this size are compared by meaning, larger ones by their bytes."""
COMPRESS_ABOVE = 4 * 1024
"""Stored answers larger than this are kept zlib-compressed."""
MAX_STORED = 1024 * 1024
"""A (compressed) answer larger than this is not kept; its retry answers 409."""
_REPLAYED_HEADERS = ("content-type", "location", "etag", "cache-control", "content-language")

TokenLookup = Callable[[AsyncSession, str, datetime], Awaitable[tuple[uuid.UUID, uuid.UUID] | None]]
"""Finds the active token with a secret at a time: its id and organisation, or None. The app
factory hands in the access-token domain's lookup, so this core module imports no domain."""


class IdempotencyKey(SQLModel, table=True):
    """A POST's idempotency key and, once it succeeded, its response."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("access_token_id", "key"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    access_token_id: uuid.UUID = Field(foreign_key="access_token.id")
    key: str = Field(max_length=MAX_KEY_LENGTH)
    fingerprint: str | None = Field(
        default=None, max_length=64, description="Null while the first attempt runs."
    )
    status_code: int | None = None
    response_headers: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    response_body: bytes | None = Field(default=None, sa_type=LargeBinary)
    response_encoding: str | None = Field(
        default=None, max_length=16, description="`zlib` when the stored body is compressed."
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class InvalidIdempotencyKey(Problem):
    status, type, title = 422, "invalid-idempotency-key", "Invalid idempotency key"


class IdempotencyKeyReused(Problem):
    status, type, title = 422, "idempotency-key-reused", "Idempotency key reused"


class IdempotencyKeyInProgress(Conflict):
    type, title = "idempotency-key-in-progress", "Request with this key in progress"


class IdempotentResponseWithheld(Conflict):
    type, title = "idempotent-response-withheld", "Response not replayed"


def _header_problem(problem_class: type[Problem], text_key: str, /, **figures: Any) -> Problem:
    problem = problem_class.saying(text_key, header=HEADER, **figures)
    if problem_class.status == 422:
        assert problem.text is not None
        problem.errors = [FieldError.of(f"header.{HEADER}", problem.text, problem_class.type)]
    return problem


_ORGANISATION = table("organisation", column("id", Uuid), column("default_language"))


async def _organisation_language(scope: Scope, organisation_id: uuid.UUID) -> str:
    """The organisation's default language for a problem said without Accept-Language (read
    only then: the core knows the organisation table by name, not by its model)."""
    if Headers(scope=scope).get("accept-language"):
        return "en"  # the header decides; this is only its fallback
    async with scope["app"].state.read_sessionmaker() as session:
        language = (
            await session.execute(
                select(_ORGANISATION.c.default_language).where(
                    _ORGANISATION.c.id == organisation_id
                )
            )
        ).scalar_one_or_none()
    return language if language in ("sv", "nb", "nn") else "en"


class Fingerprint:
    """What makes two requests "the same", taken while the body streams past."""

    def __init__(self, scope: Scope, headers: Headers) -> None:
        self._request = hashlib.sha256()
        for part in (
            scope["path"].encode(),
            scope.get("query_string", b""),
            headers.get("accept-language", "").encode(),
        ):
            self._request.update(part + b"\n")
        self._body = self._request.copy()
        self._small: list[bytes] | None = []
        self._size = 0

    def add(self, chunk: bytes) -> None:
        self._body.update(chunk)
        self._size += len(chunk)
        if self._small is not None:
            if self._size <= CANONICAL_LIMIT:
                self._small.append(chunk)
            else:
                self._small = None

    def hexdigest(self) -> str:
        if self._small is not None:
            try:
                canonical = json.dumps(
                    json.loads(b"".join(self._small)), sort_keys=True, separators=(",", ":")
                ).encode()
            except ValueError:  # not JSON (or not UTF-8): the bytes decide
                pass
            else:
                digest = self._request.copy()
                digest.update(b"json\n" + canonical)
                return digest.hexdigest()
        return self._body.hexdigest()


async def _respond(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, *, token_lookup: TokenLookup) -> None:
        self.app = app
        self.token_lookup = token_lookup
        self._reservations = 0

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
            await send_problem(
                send,
                _header_problem(
                    InvalidIdempotencyKey, "idempotency-key-invalid", longest=MAX_KEY_LENGTH
                ),
                path,
                scope=scope,
            )
            return
        fingerprint = Fingerprint(scope, headers)
        reserved = await self._reserve(scope, secret.strip(), key)
        if reserved is None:
            await self.app(scope, receive, send)  # unknown, revoked or expired: the app says 401
            return
        record_id, existing = reserved
        if existing is not None:
            while True:  # the retry's body only feeds the fingerprint
                message = await receive()
                fingerprint.add(message.get("body", b""))
                if not message.get("more_body"):
                    break
            await self._replay(send, existing, fingerprint.hexdigest(), key, scope)
            return

        async def fingerprinting_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                fingerprint.add(message.get("body", b""))
            return message

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
            await self.app(scope, fingerprinting_receive, capture)
        finally:
            body = b"".join(response_body)
            response_body.clear()
            try:
                await self._settle(scope, record_id, fingerprint, status, response_headers, body)
            except Exception as error:
                # The database went away after the answer was made: the answer still goes out
                # (a 2xx was committed), and the reservation stays "in progress", so a retry
                # with this key is answered 409 and never run a second time.
                if not is_database_unavailable(error):
                    raise
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": body})

    async def _reserve(
        self, scope: Scope, secret: str, key: str
    ) -> tuple[uuid.UUID, IdempotencyKey | None] | None:
        """Reserve the key: its record's id, and the earlier record when the key is taken;
        None when the token does not work (the app then refuses the request)."""
        async with scope["app"].state.write_sessionmaker() as session:
            now = utcnow()
            owner = await self.token_lookup(session, secret, now)
            if owner is None:
                return None
            token_id, organisation_id = owner
            self._reservations += 1
            if self._reservations % PRUNE_EVERY == 0:
                await session.execute(
                    delete(IdempotencyKey).where(col(IdempotencyKey.created_at) < now - RETENTION)
                )
            # One statement reserves the key: a new row, or an expired one of this token's taken
            # over (so an expired key is never replayed, pruned or not); no row back means the
            # key is taken, and only then is its record read.
            reservation = uuid.uuid4()
            fresh = {
                "id": reservation,
                "organisation_id": organisation_id,
                "created_at": now,
                "fingerprint": None,
                "status_code": None,
                "response_headers": {},
                "response_body": None,
                "response_encoding": None,
            }
            insert = (
                postgresql_insert
                if session.get_bind().dialect.name == "postgresql"
                else sqlite_insert
            )
            taken_over = (
                insert(IdempotencyKey)
                .values(**fresh, access_token_id=token_id, key=key)
                .on_conflict_do_update(
                    index_elements=[col(IdempotencyKey.access_token_id), col(IdempotencyKey.key)],
                    set_=fresh,
                    where=col(IdempotencyKey.created_at) < now - RETENTION,
                )
                .returning(col(IdempotencyKey.id))
            )
            if (await session.execute(taken_over)).first() is not None:
                await session.commit()
                return reservation, None
            record = (
                await session.execute(
                    select(IdempotencyKey).where(
                        col(IdempotencyKey.access_token_id) == token_id,
                        col(IdempotencyKey.key) == key,
                    )
                )
            ).scalar_one()
            await session.commit()
            return record.id, record

    @staticmethod
    async def _replay(
        send: Send, record: IdempotencyKey, fingerprint: str, key: str, scope: Scope
    ) -> None:
        path = scope["path"]
        if record.status_code is None:
            await send_problem(
                send,
                IdempotencyKeyInProgress.saying(
                    "idempotency-key-in-progress", header=HEADER, key=key
                ),
                path,
                scope=scope,
                default_language=await _organisation_language(scope, record.organisation_id),
            )
        elif record.fingerprint != fingerprint:
            await send_problem(
                send,
                _header_problem(IdempotencyKeyReused, "idempotency-key-reused", key=key),
                path,
                scope=scope,
                default_language=await _organisation_language(scope, record.organisation_id),
            )
        elif record.response_body is None:
            location = record.response_headers.get("location", "its location")
            await send_problem(
                send,
                IdempotentResponseWithheld.saying(
                    "idempotent-response-withheld", header=HEADER, key=key, location=location
                ),
                path,
                scope=scope,
                default_language=await _organisation_language(scope, record.organisation_id),
            )
        else:
            body = record.response_body
            if record.response_encoding == "zlib":
                body = zlib.decompress(body)
            stored = [(k.encode(), v.encode()) for k, v in record.response_headers.items()]
            await _respond(
                send, record.status_code, [*stored, (b"idempotent-replayed", b"true")], body
            )

    @staticmethod
    async def _settle(
        scope: Scope,
        record_id: uuid.UUID,
        fingerprint: Fingerprint,
        status: int,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
    ) -> None:
        if not 200 <= status < 300 and scope.get(COMMIT_OUTCOME_UNKNOWN):
            return  # the change may have been committed: keep the key reserved (409 on retry)
        async with scope["app"].state.write_sessionmaker() as session:
            if 200 <= status < 300:
                kept = {
                    k.decode(): v.decode()
                    for k, v in headers
                    if k.decode().lower() in _REPLAYED_HEADERS
                }
                stored, encoding = _stored_body(body, kept)
                await session.execute(
                    update(IdempotencyKey)
                    .where(col(IdempotencyKey.id) == record_id)
                    .values(
                        fingerprint=fingerprint.hexdigest(),
                        status_code=status,
                        response_headers=kept,
                        response_body=stored,
                        response_encoding=encoding,
                    )
                )
            else:
                await session.execute(
                    delete(IdempotencyKey).where(col(IdempotencyKey.id) == record_id)
                )
            await session.commit()


def _stored_body(
    body: bytes, headers: dict[str, str]
) -> tuple[bytes | None, Literal["zlib"] | None]:
    """What is kept of an answer: nothing for a secret (it exists only as a hash) or an answer
    too large to keep, the bytes compressed when large, else the bytes."""
    if "no-store" in headers.get("cache-control", ""):
        return None, None
    if len(body) <= COMPRESS_ABOVE:
        return body, None
    compressed = zlib.compress(body, 6)
    return (compressed, "zlib") if len(compressed) <= MAX_STORED else (None, None)
