"""The audit trail, written automatically for every change of an audited row.

An ``after_flush`` listener records one :class:`AuditEvent` per created, changed or deleted row
in the same transaction as the change, so no write can skip it and no entry outlives a rollback.
Services name actions other than create/update/delete (move, archive, ...) with :func:`mark`.
"""

import uuid
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import get_history
from sqlmodel import col, select

from app.audit.models import AuditAction, AuditEvent
from app.auth import Principal
from app.db import VersionedRow, utcnow
from app.pagination import Page, PageParams, paginate

_NOT_AUDITED_FIELDS = frozenset({"version", "updated_at", "created_at", "organisation_id", "id"})


def mark(session: AsyncSession, obj: VersionedRow, action: AuditAction) -> None:
    """Record the next flush of ``obj`` under ``action`` instead of a plain update."""
    session.info.setdefault("audit_actions", {})[id(obj)] = action


def _jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _fields(obj: VersionedRow) -> list[str]:
    excluded = _NOT_AUDITED_FIELDS | getattr(obj, "__audit_exclude__", frozenset())
    return [attr.key for attr in inspect(obj).mapper.column_attrs if attr.key not in excluded]


def _snapshot(obj: VersionedRow) -> dict[str, Any]:
    return {key: _jsonable(getattr(obj, key)) for key in _fields(obj)}


def _diff(obj: VersionedRow) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key in _fields(obj):
        history = get_history(obj, key)
        if not history.has_changes():
            continue
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        if before != after:
            changes[key] = {"before": _jsonable(before), "after": _jsonable(after)}
    return changes


def _unit_of(session: Session, obj: VersionedRow) -> uuid.UUID | None:
    audit_unit = getattr(obj, "audit_org_unit_id", None)
    return audit_unit(session) if callable(audit_unit) else None


def _event(
    session: Session, obj: VersionedRow, action: str, changes: dict[str, Any]
) -> dict[str, Any]:
    principal: Principal | None = session.info.get("principal")
    return {
        "id": uuid.uuid4(),
        "organisation_id": getattr(obj, "organisation_id"),  # noqa: B009 - Organisation answers with its own id
        "occurred_at": utcnow(),
        "actor_token_id": principal.token_id if principal else None,
        "actor_name": principal.name if principal else session.info.get("actor_name", "system"),
        "action": str(action),
        "object_type": obj.__tablename__,
        "object_id": obj.id,
        "org_unit_id": _unit_of(session, obj),
        "changes": changes,
        "request_id": session.info.get("request_id"),
    }


@event.listens_for(Session, "after_flush")
def _audit_after_flush(session: Session, _context: Any) -> None:
    # after_flush still sees the flushed objects' history, and every row it refers to now
    # exists, so the entries go in with one INSERT on the same connection and transaction.
    actions: dict[int, str] = session.info.get("audit_actions", {})
    events: list[dict[str, Any]] = []
    for obj in session.new:
        if isinstance(obj, VersionedRow):
            events.append(
                _event(session, obj, actions.pop(id(obj), AuditAction.create), _snapshot(obj))
            )
    for obj in session.dirty:
        if isinstance(obj, VersionedRow):
            changes = _diff(obj)
            if changes:
                events.append(
                    _event(session, obj, actions.pop(id(obj), AuditAction.update), changes)
                )
    for obj in session.deleted:
        if isinstance(obj, VersionedRow):
            before = {
                key: {"before": value, "after": None} for key, value in _snapshot(obj).items()
            }
            events.append(_event(session, obj, AuditAction.delete, before))
    if events:
        session.connection().execute(insert(AuditEvent), events)


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
    descending: bool = True,
) -> Page[AuditEvent]:
    from app.org_units.models import OrgUnit

    stmt = select(AuditEvent).where(col(AuditEvent.organisation_id) == principal.organisation_id)
    if principal.scope_path is not None:
        # A scoped admin reads the entries of objects inside its subtree only.
        stmt = stmt.join(OrgUnit, col(OrgUnit.id) == col(AuditEvent.org_unit_id)).where(
            principal.path_filter(col(OrgUnit.path))
        )
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
    order = col(AuditEvent.occurred_at).desc() if descending else col(AuditEvent.occurred_at).asc()
    id_order = col(AuditEvent.id).desc() if descending else col(AuditEvent.id).asc()
    return await paginate(session, stmt, page=page, order_by=[order, id_order])
