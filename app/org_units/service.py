"""The unit tree: create, read, move (never under itself), archive rather than destroy."""

import uuid

from sqlalchemy import ColumnElement, func, literal, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.audit import service as audit
from app.audit.models import AuditAction
from app.context import Principal
from app.db import delete_unless_referenced, utcnow
from app.etag import check_if_match
from app.events import service as events
from app.initiatives import goal_links
from app.org_units.models import (
    OrgUnit,
    OrgUnitCreate,
    OrgUnitKind,
    OrgUnitPublic,
    OrgUnitTree,
    OrgUnitUpdate,
)
from app.pagination import Page, PageParams, Sorting, paginate
from app.problems import Conflict, Forbidden, InvalidInput, NotFound
from app.references import resolve_reference


class UnitMoveWouldCreateCycle(Conflict):
    type, title = "unit-move-cycle", "A unit cannot move under itself"


class UnitHasHistory(Conflict):
    type, title = "unit-has-history", "The unit has history"


class UnitArchived(Conflict):
    type, title = "unit-archived", "The unit is archived"


class DuplicateExternalCode(Conflict):
    type, title = "duplicate-external-code", "External code already in use"


_TREE_LOCK_CLASS = 0x70646361  # "pdca": the advisory-lock namespace of organisation trees


async def lock_tree(session: AsyncSession, organisation_id: uuid.UUID) -> None:
    """Serialise, within one organisation, the writes whose rules read the unit tree and the
    links that hang on it: unit creation, moves, archiving and restoring; goal parent links;
    initiative goal links; team moves.

    Each such rule reads rows another of them writes (a goal PATCH reads the unit's path, a move
    reads the goal links), so without a common lock both could pass their checks and commit a
    state neither would allow. Call it first, before the rows the rule checks are read: the
    session's identity map keeps what it loaded earlier.

    PostgreSQL takes a transaction-scoped advisory lock (released at commit or rollback; it does
    not conflict with the key-share locks that foreign keys take on the organisation row);
    SQLite writers are serial already (BEGIN IMMEDIATE).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    # The low 31 bits of the id: a collision only makes two organisations take turns.
    key = organisation_id.int & 0x7FFFFFFF
    await session.execute(select(func.pg_advisory_xact_lock(_TREE_LOCK_CLASS, key)))


def units_in_scope(principal: Principal) -> SelectOfScalar[uuid.UUID] | None:
    """The ids of the units inside a scoped token's subtree, for use as a subquery; None for a
    token that covers the whole organisation."""
    if principal.scope_path is None:
        return None
    return select(col(OrgUnit.id)).where(
        col(OrgUnit.organisation_id) == principal.organisation_id,
        principal.path_filter(col(OrgUnit.path)),
    )


async def get_org_unit(
    session: AsyncSession, principal: Principal, org_unit_id: uuid.UUID
) -> OrgUnit:
    unit = (
        await session.execute(
            select(OrgUnit).where(
                col(OrgUnit.id) == org_unit_id,
                col(OrgUnit.organisation_id) == principal.organisation_id,
                principal.path_filter(col(OrgUnit.path)),
            )
        )
    ).scalar_one_or_none()
    if unit is None:
        raise NotFound.for_object("org unit", org_unit_id)
    return unit


async def unit_condition(
    session: AsyncSession,
    principal: Principal,
    org_unit_id: uuid.UUID,
    *,
    include_descendants: bool,
    field: str = "query.org_unit_id",
) -> ColumnElement[bool]:
    """For lists joined to their owning unit as ``OrgUnit``: rows of this unit, or of its whole
    subtree with ``include_descendants``. A unit outside the token's scope is 422 at ``field``."""
    unit = await resolve_reference(
        get_org_unit, session, principal, org_unit_id, field=field, kind="org unit"
    )
    if include_descendants:
        return col(OrgUnit.path).startswith(unit.path, autoescape=True)
    return col(OrgUnit.id) == unit.id


async def resolve_unit_reference(
    session: AsyncSession, principal: Principal, org_unit_id: uuid.UUID, *, field: str
) -> OrgUnit:
    """A unit named in a request body: 422 naming the field when it is not in scope or archived."""
    unit = await resolve_reference(
        get_org_unit, session, principal, org_unit_id, field=field, kind="org unit"
    )
    if unit.archived_at is not None:
        raise InvalidInput(field, f"org unit {org_unit_id} is archived", type_="archived")
    return unit


SORT = Sorting(
    "OrgUnitSort",
    {
        "name": col(OrgUnit.name),
        "created_at": col(OrgUnit.created_at),
        "kind": col(OrgUnit.kind),
        "depth": col(OrgUnit.depth),
    },
    tiebreaker=col(OrgUnit.id),
)


async def list_org_units(
    session: AsyncSession,
    principal: Principal,
    *,
    page: PageParams,
    kind: OrgUnitKind | None = None,
    parent_id: uuid.UUID | None = None,
    within: uuid.UUID | None = None,
    external_code: str | None = None,
    q: str | None = None,
    include_archived: bool = False,
    sort: str = "name",
) -> Page[OrgUnit]:
    stmt = select(OrgUnit).where(
        col(OrgUnit.organisation_id) == principal.organisation_id,
        principal.path_filter(col(OrgUnit.path)),
    )
    if within is not None:
        stmt = stmt.where(
            await unit_condition(
                session, principal, within, include_descendants=True, field="query.within"
            )
        )
    if kind is not None:
        stmt = stmt.where(col(OrgUnit.kind) == kind)
    if parent_id is not None:
        parent = await resolve_reference(
            get_org_unit, session, principal, parent_id, field="query.parent_id", kind="org unit"
        )
        stmt = stmt.where(col(OrgUnit.parent_id) == parent.id)
    if external_code is not None:
        stmt = stmt.where(col(OrgUnit.external_code) == external_code)
    if q:
        stmt = stmt.where(func.lower(col(OrgUnit.name)).contains(q.lower(), autoescape=True))
    if not include_archived:
        stmt = stmt.where(col(OrgUnit.archived_at).is_(None))
    return await paginate(session, stmt, page=page, order=SORT.order(sort))


async def _subtree(
    session: AsyncSession, unit: OrgUnit, *, include_archived: bool
) -> list[OrgUnit]:
    stmt = select(OrgUnit).where(
        col(OrgUnit.organisation_id) == unit.organisation_id,
        col(OrgUnit.path).startswith(unit.path, autoescape=True),
    )
    if not include_archived:
        stmt = stmt.where(col(OrgUnit.archived_at).is_(None))
    return list(
        (
            await session.execute(
                stmt.order_by(col(OrgUnit.depth), col(OrgUnit.name), col(OrgUnit.id))
            )
        ).scalars()
    )


async def get_org_unit_tree(
    session: AsyncSession, principal: Principal, org_unit_id: uuid.UUID, *, include_archived: bool
) -> OrgUnitTree:
    """The unit and every descendant, nested, siblings by name. One query, built in memory."""
    root = await get_org_unit(session, principal, org_unit_id)
    nodes: dict[uuid.UUID, OrgUnitTree] = {}
    for unit in await _subtree(
        session, root, include_archived=include_archived or root.archived_at is not None
    ):
        node = OrgUnitTree.model_validate(OrgUnitPublic.model_validate(unit), from_attributes=True)
        node.path = unit.path
        nodes[unit.id] = node
        if unit.id != root.id and unit.parent_id in nodes:
            nodes[unit.parent_id].children.append(node)
    return nodes[root.id]


async def _ensure_external_code_free(
    session: AsyncSession,
    organisation_id: uuid.UUID,
    code: str | None,
    *,
    except_id: uuid.UUID | None = None,
) -> None:
    if code is None:
        return
    stmt = select(col(OrgUnit.id)).where(
        col(OrgUnit.organisation_id) == organisation_id, col(OrgUnit.external_code) == code
    )
    existing = (await session.execute(stmt)).scalar_one_or_none()
    if existing is not None and existing != except_id:
        # The other unit may be outside the caller's scope; say only that the code is taken.
        raise DuplicateExternalCode(
            f"external_code {code!r} is already used by another unit of the organisation."
        )


async def create_org_unit(
    session: AsyncSession, principal: Principal, *, data: OrgUnitCreate
) -> OrgUnit:
    if data.parent_id is None:
        if principal.scope_path is not None:
            raise Forbidden.saying("forbidden.unit-outside-subtree")
        parent_path, depth = "/", 0
    else:
        # A move of an ancestor rewrites the paths below it: it must see this unit, or wait.
        await lock_tree(session, principal.organisation_id)
        parent = await resolve_unit_reference(
            session, principal, data.parent_id, field="body.parent_id"
        )
        parent_path, depth = parent.path, parent.depth + 1
    await _ensure_external_code_free(session, principal.organisation_id, data.external_code)
    unit = OrgUnit.model_validate(
        data, update={"organisation_id": principal.organisation_id, "path": "", "depth": depth}
    )
    unit.path = f"{parent_path}{unit.id.hex}/"
    session.add(unit)
    await events.record_event(session, events.EventType.org_unit_created, unit)
    await session.commit()
    return unit


async def update_org_unit(
    session: AsyncSession,
    principal: Principal,
    org_unit_id: uuid.UUID,
    *,
    changes: OrgUnitUpdate,
    if_match: str | None,
) -> OrgUnit:
    unit = await get_org_unit(session, principal, org_unit_id)
    check_if_match(if_match, unit)
    values = changes.model_dump(exclude_unset=True)
    if "external_code" in values:
        await _ensure_external_code_free(
            session, unit.organisation_id, values["external_code"], except_id=unit.id
        )
    for key, value in values.items():
        setattr(unit, key, value)
    await session.commit()
    return unit


async def move_org_unit(
    session: AsyncSession,
    principal: Principal,
    org_unit_id: uuid.UUID,
    *,
    parent_id: uuid.UUID | None,
    if_match: str | None,
) -> OrgUnit:
    """Give the unit a new parent; its whole subtree moves along. Refuses moves under itself.

    The tree lock comes first, before any row is read (so every mover and every writer of goal
    links takes its locks in the same order, and reads what the one before it committed).
    """
    await lock_tree(session, principal.organisation_id)
    unit = await get_org_unit(session, principal, org_unit_id)
    check_if_match(if_match, unit)
    if principal.scope_org_unit_id == unit.id:
        raise Forbidden.saying("forbidden.move-own-unit")
    if parent_id is None:
        if principal.scope_path is not None:
            raise Forbidden.saying("forbidden.root-needs-whole-organisation")
        new_prefix, new_depth = "/", 0
    else:
        parent = await resolve_unit_reference(session, principal, parent_id, field="body.parent_id")
        if parent.path.startswith(unit.path):
            raise UnitMoveWouldCreateCycle(
                f"Unit {parent_id} is {'the unit itself' if parent.id == unit.id else 'inside the subtree of the unit'}; "
                "moving there would make the tree a cycle."
            )
        new_prefix, new_depth = parent.path, parent.depth + 1
    if unit.parent_id == parent_id:
        return unit
    await goal_links.ensure_goal_links_survive(
        session, organisation_id=unit.organisation_id, new_prefix=new_prefix, subtree_path=unit.path
    )
    old_path = unit.path
    new_path = f"{new_prefix}{unit.id.hex}/"
    delta = new_depth - unit.depth
    # Descendants' paths are derived data: rewrite them in one statement, outside the ORM,
    # and audit each descendant's new place through the audit domain's Core API.
    moved = await session.execute(
        update(OrgUnit)
        .where(
            col(OrgUnit.organisation_id) == unit.organisation_id,
            col(OrgUnit.path).startswith(old_path, autoescape=True),
            col(OrgUnit.id) != unit.id,
        )
        .values(
            path=literal(new_path) + func.substr(col(OrgUnit.path), len(old_path) + 1),
            depth=col(OrgUnit.depth) + delta,
            version=col(OrgUnit.version) + 1,  # their ancestor_ids changed: new ETags
            updated_at=utcnow(),
        )
        .returning(col(OrgUnit.id), col(OrgUnit.path), col(OrgUnit.depth))
        .execution_options(synchronize_session=False)
    )
    await audit.record(
        session,
        [
            audit.AuditEntry(
                organisation_id=unit.organisation_id,
                object_type=OrgUnit.__tablename__,
                object_id=descendant_id,
                action=AuditAction.move,
                changes={
                    "path": audit.changed(old_path + path[len(new_path) :], path),
                    "depth": audit.changed(depth - delta, depth),
                },
                org_unit_id=descendant_id,
            )
            for descendant_id, path, depth in moved.all()
        ],
    )
    audit.mark(session, unit, AuditAction.move)
    unit.parent_id = parent_id
    unit.path = new_path
    unit.depth = new_depth
    await events.record_event(session, events.EventType.org_unit_moved, unit, {"from": old_path})
    await session.commit()
    return unit


async def archive_org_unit(
    session: AsyncSession, principal: Principal, org_unit_id: uuid.UUID, *, if_match: str | None
) -> OrgUnit:
    """Archive the unit and every unit below it; their history stays readable."""
    await lock_tree(session, principal.organisation_id)  # no unit moves into it meanwhile
    unit = await get_org_unit(session, principal, org_unit_id)
    check_if_match(if_match, unit)
    if principal.scope_org_unit_id == unit.id:
        raise Forbidden.saying("forbidden.archive-own-unit")
    now = utcnow()
    for member in await _subtree(session, unit, include_archived=False):
        audit.mark(session, member, AuditAction.archive)
        member.archived_at = now
    await events.record_event(session, events.EventType.org_unit_archived, unit)
    await session.commit()
    return unit


async def restore_org_unit(
    session: AsyncSession, principal: Principal, org_unit_id: uuid.UUID, *, if_match: str | None
) -> OrgUnit:
    """Take the unit (only it, not its descendants) out of the archive."""
    await lock_tree(session, principal.organisation_id)  # its parent is not archived meanwhile
    unit = await get_org_unit(session, principal, org_unit_id)
    check_if_match(if_match, unit)
    if unit.archived_at is None:
        return unit
    if unit.parent_id is not None:
        parent = await session.get(OrgUnit, unit.parent_id)
        if parent is not None and parent.archived_at is not None:
            raise UnitArchived("The parent unit is archived; restore it first.")
    audit.mark(session, unit, AuditAction.restore)
    unit.archived_at = None
    await events.record_event(session, events.EventType.org_unit_restored, unit)
    await session.commit()
    return unit


async def delete_org_unit(
    session: AsyncSession, principal: Principal, org_unit_id: uuid.UUID, *, if_match: str | None
) -> None:
    """Delete a unit created by mistake. A unit with children, teams or other data is archived instead."""
    unit = await get_org_unit(session, principal, org_unit_id)
    check_if_match(if_match, unit)
    if principal.scope_org_unit_id == unit.id:
        raise Forbidden.saying("forbidden.delete-own-unit")
    await delete_unless_referenced(
        session,
        unit,
        refused=UnitHasHistory(
            "Other data (sub-units, teams, tokens, goals ...) refers to this unit; archive it instead "
            f"(POST /api/v1/org-units/{org_unit_id}/archive)."
        ),
    )
