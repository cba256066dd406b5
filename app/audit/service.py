"""The audit trail: one entry per created, changed or deleted row, in the same transaction.

Rows written through the ORM are audited by an ``after_flush`` listener (installed on every
session class by :func:`install`), so no ORM write can skip it and no entry outlives a rollback.
Rows written with Core ``insert()``/``update()``/``delete()`` (bulk paths, derived data) are
audited explicitly with :func:`record`, in the same transaction. Services name actions other
than create/update/delete (move, archive, ...) for an ORM object with :func:`mark`.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import get_history
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.audit.models import AuditAction, AuditEvent
from app.context import Context, Principal
from app.db import ContextSession, VersionedRow, context_of, insert_rows, utcnow
from app.pagination import Page, PageParams, Sorting, paginate

_NOT_AUDITED_FIELDS = frozenset({"version", "updated_at", "created_at", "organisation_id", "id"})
_AUDIT_TABLE = AuditEvent.__table__  # type: ignore[attr-defined]  # SQLModel does not declare __table__ to the type checker


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One change of one row written outside the ORM, for :func:`record`."""

    organisation_id: uuid.UUID
    object_type: str
    """The table, e.g. ``org_unit``."""
    object_id: uuid.UUID
    action: AuditAction
    changes: dict[str, Any]
    """``{field: {"before": ..., "after": ...}}``; every field on create and delete."""
    org_unit_id: uuid.UUID | None = None
    """The unit the row belongs to: who may read the entry depends on it."""


def mark(session: AsyncSession, obj: VersionedRow, action: AuditAction) -> None:
    """Record the next flush of ``obj`` under ``action`` instead of a plain update."""
    sync = session.sync_session
    assert isinstance(sync, ContextSession)
    sync.audit_actions[id(obj)] = action


def changed(before: Any, after: Any) -> dict[str, Any]:
    """A field's change as the trail writes it."""
    return {"before": jsonable(before), "after": jsonable(after)}


def jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def _row(context: Context, occurred_at: datetime, entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "organisation_id": entry.organisation_id,
        "occurred_at": occurred_at,
        "actor_token_id": context.actor_token_id,
        "actor_name": context.actor_name,
        "action": entry.action.value,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "org_unit_id": entry.org_unit_id,
        "changes": entry.changes,
        "request_id": context.request_id,
    }


async def record(session: AsyncSession, entries: Iterable[AuditEntry]) -> int:
    """Write the audit entries of rows written with Core, in the session's transaction: they
    commit with the rows and vanish with them on rollback. One INSERT for all; the count."""
    context, now = context_of(session), utcnow()
    rows = [_row(context, now, entry) for entry in entries]
    if rows:
        await insert_rows(await session.connection(), _AUDIT_TABLE, rows)
    return len(rows)


def _fields(obj: VersionedRow) -> list[str]:
    excluded = _NOT_AUDITED_FIELDS | getattr(obj, "__audit_exclude__", frozenset())
    return [attr.key for attr in inspect(obj).mapper.column_attrs if attr.key not in excluded]


def _snapshot(obj: VersionedRow) -> dict[str, Any]:
    return {key: jsonable(getattr(obj, key)) for key in _fields(obj)}


def _diff(obj: VersionedRow) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key in _fields(obj):
        history = get_history(obj, key)
        if not history.has_changes():
            continue
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        if before != after:
            changes[key] = changed(before, after)
    return changes


def _entry(session: Session, obj: VersionedRow, action: str, changes: dict[str, Any]) -> AuditEntry:
    audit_unit = getattr(obj, "audit_org_unit_id", None)
    return AuditEntry(
        organisation_id=getattr(obj, "organisation_id"),  # noqa: B009 - Organisation answers with its own id
        object_type=obj.__tablename__,  # type: ignore[arg-type]  # SQLModel types __tablename__ as a declared attribute, not str
        object_id=obj.id,
        action=AuditAction(action),
        changes=changes,
        org_unit_id=audit_unit(session) if callable(audit_unit) else None,
    )


def _audit_after_flush(session: Session, _context: Any) -> None:
    # after_flush still sees the flushed objects' history, and every row it refers to now
    # exists, so the entries go in with one INSERT on the same connection and transaction.
    assert isinstance(session, ContextSession)
    actions = session.audit_actions
    entries: list[AuditEntry] = []
    for obj in session.new:
        if isinstance(obj, VersionedRow):
            entries.append(
                _entry(session, obj, actions.pop(id(obj), AuditAction.create), _snapshot(obj))
            )
    for obj in session.dirty:
        if isinstance(obj, VersionedRow):
            changes = _diff(obj)
            if changes:
                entries.append(
                    _entry(session, obj, actions.pop(id(obj), AuditAction.update), changes)
                )
    for obj in session.deleted:
        if isinstance(obj, VersionedRow):
            before = {
                key: {"before": value, "after": None} for key, value in _snapshot(obj).items()
            }
            entries.append(_entry(session, obj, AuditAction.delete, before))
    if entries:
        context, now = session.context, utcnow()
        session.connection().execute(
            _AUDIT_TABLE.insert(), [_row(context, now, e) for e in entries]
        )


def install(session_class: type[Session]) -> None:
    """Audit every flush of sessions of ``session_class`` (done by the session factories)."""
    event.listen(session_class, "after_flush", _audit_after_flush)


SORT = Sorting(
    "AuditSort",
    {"occurred_at": col(AuditEvent.occurred_at)},
    tiebreaker=col(AuditEvent.id),
    default="-occurred_at",
    tiebreaker_follows=True,
)


async def list_audit_events(
    session: AsyncSession,
    principal: Principal,
    *,
    page: PageParams,
    object_type: str | None = None,
    object_id: uuid.UUID | None = None,
    actor_token_id: uuid.UUID | None = None,
    action: str | None = None,
    occurred_after: datetime | None = None,
    occurred_before: datetime | None = None,
    sort: str = "-occurred_at",
    units_in_scope: SelectOfScalar[uuid.UUID] | None = None,
) -> Page[AuditEvent]:
    """The principal's organisation's entries; with ``units_in_scope`` (the ids of the units
    a scoped token covers, from the unit tree's service) only the entries of objects in them."""
    stmt = select(AuditEvent).where(col(AuditEvent.organisation_id) == principal.organisation_id)
    if units_in_scope is not None:
        # A scoped admin reads the entries of objects inside its subtree only.
        stmt = stmt.where(col(AuditEvent.org_unit_id).in_(units_in_scope))
    if object_type is not None:
        stmt = stmt.where(col(AuditEvent.object_type) == object_type)
    if object_id is not None:
        stmt = stmt.where(col(AuditEvent.object_id) == object_id)
    if actor_token_id is not None:
        stmt = stmt.where(col(AuditEvent.actor_token_id) == actor_token_id)
    if action is not None:
        stmt = stmt.where(col(AuditEvent.action) == action)
    if occurred_after is not None:
        stmt = stmt.where(col(AuditEvent.occurred_at) >= occurred_after)
    if occurred_before is not None:
        stmt = stmt.where(col(AuditEvent.occurred_at) < occurred_before)
    return await paginate(session, stmt, page=page, order=SORT.order(sort))
