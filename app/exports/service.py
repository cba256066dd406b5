"""Export an organisation as one document, streamed; import such a document in one transaction.

The export reads one snapshot (a REPEATABLE READ transaction on PostgreSQL, one read
transaction on SQLite) through a server-side cursor per kind, a page of plain column rows at a
time, and writes JSON piece by piece, so memory stays flat however large the organisation. The
import checks the whole document (its
version, every record against its schema, every reference against the records it holds) before
anything is kept, writes with bulk Core inserts and records one audit entry and one event for
the whole import, all in the request's transaction: everything or nothing.
"""

import secrets
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.access_tokens import service as token_service
from app.audit import service as audit_service
from app.audit.models import AuditAction
from app.context import Principal, Role
from app.events import service as event_service
from app.events.models import EventType
from app.exports.models import (
    FORMAT,
    KINDS,
    ORGANISATION,
    VERSION,
    ImportMode,
    ImportResult,
    Kind,
    record_model,
)
from app.organisations.models import Organisation
from app.problems import Conflict, FieldError, Forbidden, InvalidInput, Problem
from app.webhooks.delivery import new_secret

PAGE_ROWS = 2000
"""Rows the export fetches from its cursor at a time: big enough that a fetch costs little,
small enough that memory does not grow with the organisation."""
CHUNK_BYTES = 256 * 1024
INSERT_ROWS = 2000
"""Rows per bulk INSERT of the import."""

_ORDER = {"org_units": "depth"}
"""A kind sorted by a column before its id: units parents first. The others are in id order."""

_RESTORED_WEBHOOK = (
    "Restored by an import without its signing secret: rotate the secret, give it to the "
    "receiver and enable the endpoint."
)


class ImportRejected(Problem):
    """The document cannot be imported: ``errors`` names the first bad member by its JSON
    Pointer (``/measures/3/org_unit_id``)."""

    status, type, title = 422, "import-rejected", "The document cannot be imported"

    def __init__(self, pointer: str, message: str, kind: str = "invalid") -> None:
        super().__init__(
            f"{pointer}: {message}",
            errors=[FieldError(field=pointer, message=message, type=kind)],
        )


class ExportVersionUnsupported(Problem):
    status, type, title = 422, "export-version-unsupported", "This export version is not supported"


class ImportTargetNotEmpty(Conflict):
    type, title = "import-target-not-empty", "The organisation is not empty"


class ImportIdsTaken(Conflict):
    type, title = "import-ids-taken", "The document's ids are in use"


def require_whole_organisation(principal: Principal) -> None:
    if principal.scope_path is not None or not principal.has_role(Role.admin):
        raise Forbidden.saying("forbidden.export-whole-organisation")


# ---------------------------------------------------------------------------------- export


def _encode(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_UTC_Z)


async def _rows(
    connection: AsyncConnection, kind: Kind, organisation_id: uuid.UUID
) -> AsyncIterator[dict[str, Any]]:
    """Every row of ``kind`` in the organisation from one query read through a server-side
    cursor, ``PAGE_ROWS`` at a time: memory does not grow with the organisation."""
    table = kind.table
    order = [table.c[_ORDER[kind.key]]] if kind.key in _ORDER else []
    query = (
        select(*kind.columns)
        .where(table.c.organisation_id == organisation_id)
        .order_by(*order, table.c.id)
        .execution_options(yield_per=PAGE_ROWS)
    )
    result = await connection.stream(query)
    async for page in result.mappings().partitions(PAGE_ROWS):
        for row in page:
            yield dict(row)


async def _snapshot_connection(session: AsyncSession) -> tuple[AsyncConnection, bool]:
    """A connection reading one snapshot, and whether it is ours to close.

    In production the session's bind is the engine: the export takes a connection of its own in
    a REPEATABLE READ (PostgreSQL) or deferred read (SQLite) transaction. Tests bind sessions to
    a connection holding their data; the export then reads through it.
    """
    bind = session.bind
    if isinstance(bind, AsyncEngine):
        connection = await bind.connect()
        options: dict[str, Any] = (
            {"sqlite_begin": "DEFERRED"}
            if bind.dialect.name == "sqlite"
            else {"isolation_level": "REPEATABLE READ"}
        )
        connection = await connection.execution_options(**options)
        await connection.begin()
        return connection, True
    return await session.connection(), False


async def export_document(
    session: AsyncSession,
    organisation_id: uuid.UUID,
    *,
    counts: dict[str, int] | None = None,
) -> AsyncIterator[bytes]:
    """The organisation's export document as chunks of JSON; ``counts`` gets records per kind."""
    counts = {} if counts is None else counts
    connection, owned = await _snapshot_connection(session)
    try:
        organisation = (
            (
                await connection.execute(
                    select(*ORGANISATION.columns).where(ORGANISATION.table.c.id == organisation_id)
                )
            )
            .mappings()
            .one()
        )
        header = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": datetime.now().astimezone(),
            "organisation": dict(organisation),
        }
        buffer = bytearray(_encode(header)[:-1])  # the object stays open for the kinds
        for kind in KINDS:
            buffer += b',"' + kind.key.encode() + b'":['
            count = 0
            async for row in _rows(connection, kind, organisation_id):
                if count:
                    buffer += b","
                buffer += _encode(row)
                count += 1
                if len(buffer) >= CHUNK_BYTES:
                    yield bytes(buffer)
                    buffer.clear()
            buffer += b"]"
            counts[kind.key] = count
        buffer += b"}\n"
        yield bytes(buffer)
    finally:
        if owned:
            await connection.rollback()
            await connection.close()


# ---------------------------------------------------------------------------------- import


def _pointer(*parts: object) -> str:
    return "".join(f"/{str(part).replace('~', '~0').replace('/', '~1')}" for part in parts)


def _first_error(error: ValidationError, *prefix: object) -> ImportRejected:
    first = error.errors()[0]
    return ImportRejected(_pointer(*prefix, *first["loc"]), first["msg"], first["type"])


def read_document(body: bytes) -> dict[str, Any]:
    """The parsed document with its header checked (format and version)."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise ImportRejected("", f"the body is not JSON ({error})", "json_invalid") from None
    if not isinstance(document, dict):
        raise ImportRejected("", "the document must be a JSON object", "object_type")
    if document.get("format") != FORMAT:
        raise ImportRejected(
            "/format", f"must be {FORMAT!r}: this is not a PDCA tracker export", "literal_error"
        )
    version = document.get("version")
    if version != VERSION or isinstance(version, bool):
        raise ExportVersionUnsupported(
            f"The document is version {version!r}; this service reads version {VERSION}. "
            "Export again with this version, or import with the version that wrote it.",
            errors=[
                FieldError(
                    field="/version", message=f"must be {VERSION}", type="version_unsupported"
                )
            ],
        )
    known = {"format", "version", "exported_at", "organisation", *(k.key for k in KINDS)}
    for member in document:
        if member not in known:
            raise ImportRejected(_pointer(member), "is not a member of the document", "extra")
    return document


@dataclass
class _Plan:
    """How the document's ids become the target's."""

    organisation_id: uuid.UUID
    remap: bool
    ids: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)
    records: frozenset[uuid.UUID] = frozenset()
    """The ids of the document's records: the ones replaced inside JSON values too."""
    now: datetime = field(default_factory=lambda: datetime.now().astimezone())

    def id(self, value: uuid.UUID | None) -> uuid.UUID | None:
        if value is None or not self.remap:
            return value
        return self.ids.setdefault(value, uuid.uuid4())

    def text(self, value: Any) -> Any:
        """A JSON value with every id the document holds replaced (audit changes, options)."""
        if not self.remap:
            return value
        if isinstance(value, str):
            try:
                found = uuid.UUID(value)
            except ValueError:
                return value
            return str(self.ids[found]) if found in self.records else value
        if isinstance(value, list):
            return [self.text(item) for item in value]
        if isinstance(value, dict):
            return {key: self.text(item) for key, item in value.items()}
        return value

    def path(self, value: str) -> str:
        if not self.remap:
            return value
        parts = [self.ids.get(uuid.UUID(p), uuid.UUID(p)).hex for p in value.strip("/").split("/")]
        return "/" + "".join(f"{p}/" for p in parts)


def _collect_ids(document: dict[str, Any]) -> dict[str, set[uuid.UUID]]:
    """The ids of every kind's records (by table name), refusing duplicates and lists that are
    not lists."""
    ids: dict[str, set[uuid.UUID]] = {}
    for kind in KINDS:
        records = document.get(kind.key, [])
        if not isinstance(records, list):
            raise ImportRejected(_pointer(kind.key), "must be a list of records", "list_type")
        seen: set[uuid.UUID] = set()
        for index, record in enumerate(records):
            raw = record.get("id") if isinstance(record, dict) else None
            try:
                value = uuid.UUID(str(raw))
            except ValueError:
                continue  # the record's validation names it
            if value in seen:
                raise ImportRejected(
                    _pointer(kind.key, index, "id"), f"repeats the id {value}", "duplicate_id"
                )
            seen.add(value)
        ids[kind.table.name] = seen
    return ids


def _references(kind: Kind) -> list[tuple[str, str]]:
    """(column, referred table) of the kind's foreign keys inside the document."""
    return [
        (key.parent.name, key.column.table.name)
        for key in kind.table.foreign_keys
        if key.parent.name != "organisation_id"
    ]


def _validated(
    kind: Kind, records: list[Any], ids: dict[str, set[uuid.UUID]]
) -> list[dict[str, Any]]:
    model = record_model(kind)
    references = _references(kind)
    rows: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        try:
            row = model.model_validate(record).model_dump()
        except ValidationError as error:
            raise _first_error(error, kind.key, index) from None
        for column, table in references:
            value = row.get(column)
            if value is not None and value not in ids.get(table, ()):
                raise ImportRejected(
                    _pointer(kind.key, index, column),
                    f"names {table} {value}, which the document does not hold",
                    "reference_missing",
                )
        rows.append(row)
    return rows


def _parents_first(rows: list[dict[str, Any]], column: str) -> list[dict[str, Any]]:
    """Rows ordered so that a row comes after the row its ``column`` names."""
    by_id = {row["id"]: row for row in rows}
    done: set[uuid.UUID] = set()
    ordered: list[dict[str, Any]] = []
    for row in rows:
        chain = []
        current: dict[str, Any] | None = row
        while current is not None and current["id"] not in done:
            chain.append(current)
            done.add(current["id"])
            parent = current.get(column)
            current = by_id.get(parent) if parent is not None else None
        ordered.extend(reversed(chain))
    return ordered


def _prepare(kind: Kind, row: dict[str, Any], plan: _Plan) -> dict[str, Any]:
    """The row as the target stores it: ids mapped, secrets made anew and unusable."""
    for column in kind.columns:
        value = row.get(column.name)
        if value is None:
            continue
        if isinstance(value, uuid.UUID):
            row[column.name] = plan.id(value)
        elif isinstance(value, dict | list):
            row[column.name] = plan.text(value)
    row["organisation_id"] = plan.organisation_id
    if kind.key == "org_units":
        row["path"] = plan.path(row["path"])
    if kind.key in ("access_tokens", "chart_links"):
        # The secret is not in the document: a hash of a secret nobody holds, and revoked.
        row["token_hash"] = secrets.token_hex(32)
        row["revoked_at"] = row.get("revoked_at") or plan.now
    if kind.key == "webhooks":
        row["secret"] = new_secret()
        if row.get("enabled"):
            row.update(enabled=False, disabled_reason=_RESTORED_WEBHOOK, disabled_at=plan.now)
    return row


async def _insert(connection: AsyncConnection, kind: Kind, rows: Iterable[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= INSERT_ROWS:
            await connection.execute(insert(kind.table), batch)
            batch = []
    if batch:
        await connection.execute(insert(kind.table), batch)


async def _holdings(session: AsyncSession, organisation_id: uuid.UUID) -> list[str]:
    """The kinds of which the organisation holds rows, access tokens and the audit trail aside
    (every organisation has its first admin token and the trail of its making)."""
    held = []
    for kind in KINDS:
        if kind.key in ("access_tokens", "audit_events"):
            continue
        table = kind.table
        found = await session.scalar(
            select(table.c.id).where(table.c.organisation_id == organisation_id).limit(1)
        )
        if found is not None:
            held.append(kind.key)
    return held


async def import_document(
    session: AsyncSession,
    principal: Principal | None,
    *,
    body: bytes,
    mode: ImportMode,
    organisation_id: uuid.UUID | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> ImportResult:
    """Restore a document: into an empty organisation keeping ids (the caller's, or
    ``organisation_id`` from the command line), or into a new organisation with new ids.

    "Empty" means: no units, teams, goals, initiatives, cycles, commitments, measures,
    measurements, chart settings, chart links or webhooks; access tokens and the audit trail
    may be there (they stay, and the document's tokens join them, revoked).
    """
    if principal is not None:
        require_whole_organisation(principal)
    document = read_document(body)
    try:
        source = record_model(ORGANISATION).model_validate(document.get("organisation"))
    except ValidationError as error:
        raise _first_error(error, "organisation") from None
    settings = source.model_dump(exclude={"id", "created_at"})
    ids = _collect_ids(document)
    connection = await session.connection()
    admin_token: str | None = None
    if mode == "keep-ids":
        target = organisation_id or (principal.organisation_id if principal else None)
        if target is None or await session.get(Organisation, target) is None:
            raise InvalidInput("organisation", f"no organisation with id {target} to import into")
        held = await _holdings(session, target)
        if held:
            raise ImportTargetNotEmpty(
                "keep-ids imports into an empty organisation; this one holds "
                f"{', '.join(held)}. Import with mode=new-organisation, or into a new one."
            )
        await connection.execute(
            update(Organisation).where(Organisation.id == target).values(**settings)  # type: ignore[arg-type]  # SQLModel column
        )
        plan = _Plan(target, remap=False)
    else:
        target = uuid.uuid4()
        await connection.execute(
            insert(Organisation).values(
                id=target, created_at=datetime.now().astimezone(), **settings
            )
        )
        held_ids = frozenset().union(*ids.values())
        plan = _Plan(target, remap=True, records=held_ids)
        for value in held_ids:  # every record's new id, before any reference to it
            plan.id(value)
    existing_tokens = set(
        (
            await session.scalars(
                select(KINDS[1].table.c.id).where(KINDS[1].table.c.organisation_id == target)
            )
        ).all()
    )
    counts: dict[str, int] = {}
    try:
        for kind in KINDS:
            records = document.get(kind.key) or []
            rows = _validated(kind, records, ids)
            document[kind.key] = None  # the parsed records go as their rows are made
            if kind.self_reference is not None:
                rows = _parents_first(rows, kind.self_reference)
            if kind.key == "access_tokens" and not plan.remap:
                rows = [row for row in rows if row["id"] not in existing_tokens]
            prepared = (_prepare(kind, row, plan) for row in rows)
            await _insert(connection, kind, prepared)
            counts[kind.key] = len(rows)
            if progress is not None:
                progress(kind.key, len(rows))
    except IntegrityError:
        raise ImportIdsTaken(
            "Records of the document have ids already used in this database (it was imported "
            "or restored here before). Import with mode=new-organisation to give them new ids."
        ) from None
    if mode == "new-organisation" and principal is not None:
        _, admin_token = await token_service.issue_token(
            session, organisation_id=target, name=f"Import by {principal.name}", role=Role.admin
        )
    changes = {
        "mode": mode,
        "source_organisation_id": str(source.id),  # type: ignore[attr-defined]  # a model made at run time
        "exported_at": str(document.get("exported_at")),
        "counts": counts,
    }
    await audit_service.record(
        session,
        [
            audit_service.AuditEntry(
                organisation_id=target,
                object_type="organisation",
                object_id=target,
                action=AuditAction.import_,
                changes=changes,
            )
        ],
    )
    await event_service.record_organisation_event(
        session, EventType.organisation_imported, target, {"mode": mode, "counts": counts}
    )
    await session.commit()
    return ImportResult(organisation_id=target, mode=mode, counts=counts, admin_token=admin_token)
