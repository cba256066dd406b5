"""Goals along the chain of governance (styrkedjan).

Scope rule for goals: a token scoped to a unit reads the goals of its subtree and the goals of the
units on the path above its scope root (the goals that cascade down to it), but writes goals of
its subtree only. Goals of sibling subtrees are invisible (404).
"""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.context import Principal
from app.db import delete_unless_referenced
from app.etag import check_if_match
from app.events import service as events
from app.goals.models import Goal, GoalCreate, GoalListItem, GoalStatus, GoalUpdate
from app.org_units import service as org_unit_service
from app.org_units.models import OrgUnit, path_ids
from app.pagination import Page, PageParams, Sorting, paginate
from app.problems import Conflict, Forbidden, InvalidInput, NotFound
from app.references import resolve_reference


class GoalInUse(Conflict):
    type, title = "goal-in-use", "The goal is in use"


class GoalAboveScope(Forbidden):
    type, title = "goal-above-scope", "The goal belongs to a unit above the token's scope"


def readable_units(principal: Principal) -> ColumnElement[bool]:
    """SQL condition on ``OrgUnit``: the token may read the goals of this unit."""
    if principal.scope_path is None:
        return true()
    return or_(
        principal.path_filter(col(OrgUnit.path)),
        col(OrgUnit.id).in_(path_ids(principal.scope_path)),
    )


async def _get_goal_and_unit(
    session: AsyncSession, principal: Principal, goal_id: uuid.UUID
) -> tuple[Goal, OrgUnit] | None:
    row = (
        await session.execute(
            select(Goal, OrgUnit)
            .join(OrgUnit, col(OrgUnit.id) == col(Goal.org_unit_id))
            .where(
                col(Goal.id) == goal_id,
                col(Goal.organisation_id) == principal.organisation_id,
                readable_units(principal),
            )
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def get_goal(session: AsyncSession, principal: Principal, goal_id: uuid.UUID) -> Goal:
    """A goal the token may read (its subtree or the units above it), 404 otherwise."""
    found = await _get_goal_and_unit(session, principal, goal_id)
    if found is None:
        raise NotFound.for_object("goal", goal_id)
    return found[0]


async def _get_goal_for_write(
    session: AsyncSession, principal: Principal, goal_id: uuid.UUID
) -> tuple[Goal, OrgUnit]:
    found = await _get_goal_and_unit(session, principal, goal_id)
    if found is None:
        raise NotFound.for_object("goal", goal_id)
    if not principal.covers_path(found[1].path):
        raise GoalAboveScope(
            f"Goal {goal_id} belongs to a unit above the token's scope: it can be read, not changed."
        )
    return found


async def get_goal_and_unit(
    session: AsyncSession, principal: Principal, goal_id: uuid.UUID
) -> tuple[Goal, OrgUnit]:
    """A goal the token may read with its unit, 404 otherwise."""
    found = await _get_goal_and_unit(session, principal, goal_id)
    if found is None:
        raise NotFound.for_object("goal", goal_id)
    return found


async def resolve_goal_reference(
    session: AsyncSession, principal: Principal, goal_id: uuid.UUID, *, field: str
) -> tuple[Goal, OrgUnit]:
    """A goal named in a request (body or filter) with its unit: 422 naming the field when the
    token cannot read it."""
    return await resolve_reference(
        get_goal_and_unit, session, principal, goal_id, field=field, kind="goal"
    )


async def _readable_unit(
    session: AsyncSession, principal: Principal, org_unit_id: uuid.UUID
) -> OrgUnit:
    unit = (
        await session.execute(
            select(OrgUnit).where(
                col(OrgUnit.id) == org_unit_id,
                col(OrgUnit.organisation_id) == principal.organisation_id,
                readable_units(principal),
            )
        )
    ).scalar_one_or_none()
    if unit is None:
        raise NotFound.for_object("org unit", org_unit_id)
    return unit


SORT = Sorting(
    "GoalSort",
    {
        "title": Goal.title,
        "created_at": Goal.created_at,
        "valid_to_on": Goal.valid_to_on,
        "depth": OrgUnit.depth,
    },
    tiebreaker=Goal.id,
)


async def list_goals(
    session: AsyncSession,
    principal: Principal,
    *,
    page: PageParams,
    org_unit_id: uuid.UUID | None = None,
    include_inherited: bool = False,
    include_descendants: bool = False,
    parent_goal_id: uuid.UUID | None = None,
    status: GoalStatus | None = None,
    q: str | None = None,
    sort: str = "title",
) -> Page[GoalListItem]:
    stmt = (
        select(Goal)
        .join(OrgUnit, col(OrgUnit.id) == col(Goal.org_unit_id))
        .where(
            col(Goal.organisation_id) == principal.organisation_id,
            readable_units(principal),
        )
    )
    ancestors: set[uuid.UUID] = set()
    if org_unit_id is not None:
        unit = await resolve_reference(
            _readable_unit,
            session,
            principal,
            org_unit_id,
            field="query.org_unit_id",
            kind="org unit",
        )
        ancestors = set(path_ids(unit.path)[:-1])
        wanted: list[ColumnElement[bool]] = [col(Goal.org_unit_id) == unit.id]
        if include_descendants:
            wanted.append(col(OrgUnit.path).startswith(unit.path, autoescape=True))
        if include_inherited and ancestors:
            wanted.append(col(Goal.org_unit_id).in_(ancestors))
        stmt = stmt.where(or_(*wanted))
    if parent_goal_id is not None:
        parent, _ = await resolve_goal_reference(
            session, principal, parent_goal_id, field="query.parent_goal_id"
        )
        stmt = stmt.where(col(Goal.parent_goal_id) == parent.id)
    if status is not None:
        stmt = stmt.where(col(Goal.status) == status)
    if q:
        stmt = stmt.where(func.lower(Goal.title).contains(q.lower(), autoescape=True))
    result = await paginate(session, stmt, page=page, order=SORT.order(sort))
    result.items = [
        GoalListItem.model_validate(goal, update={"inherited": goal.org_unit_id in ancestors})
        for goal in result.items
    ]
    return result


def _check_period(valid_from_on: date | None, valid_to_on: date | None) -> None:
    if valid_from_on is not None and valid_to_on is not None and valid_to_on < valid_from_on:
        raise InvalidInput(
            "body.valid_to_on", f"ends ({valid_to_on}) before the goal starts ({valid_from_on})"
        )


async def _check_parent(
    session: AsyncSession, principal: Principal, parent_goal_id: uuid.UUID, unit: OrgUnit
) -> None:
    """The refined goal must belong to a unit strictly above the goal's own unit.

    It is looked up among the goals the token may read, so a goal of a sibling subtree gets the
    same answer as an id that does not exist (as GET /goals/{id} answers 404 for both).
    """
    parent, parent_unit = await resolve_goal_reference(
        session, principal, parent_goal_id, field="body.parent_goal_id"
    )
    if parent.org_unit_id not in path_ids(unit.path)[:-1]:
        raise InvalidInput(
            "body.parent_goal_id",
            f"goal {parent_goal_id} belongs to {parent_unit.name}, not to a unit above "
            f"{unit.name}; a goal refines a goal of one of its unit's ancestors",
            type_="not_an_ancestor_goal",
        )


async def create_goal(session: AsyncSession, principal: Principal, *, data: GoalCreate) -> Goal:
    if data.parent_goal_id is not None:
        # The link spans two units: no move may change either path until this commits.
        await org_unit_service.lock_tree(session, principal.organisation_id)
    unit = await org_unit_service.resolve_unit_reference(
        session, principal, data.org_unit_id, field="body.org_unit_id"
    )
    _check_period(data.valid_from_on, data.valid_to_on)
    if data.parent_goal_id is not None:
        await _check_parent(session, principal, data.parent_goal_id, unit)
    goal = Goal.model_validate(data, update={"organisation_id": principal.organisation_id})
    session.add(goal)
    await events.record_event(session, events.EventType.goal_created, goal)
    await session.commit()
    return goal


async def update_goal(
    session: AsyncSession,
    principal: Principal,
    goal_id: uuid.UUID,
    *,
    changes: GoalUpdate,
    if_match: str | None,
) -> Goal:
    values: dict[str, Any] = changes.model_dump(exclude_unset=True)
    if values.get("parent_goal_id") is not None:
        # Before anything is read: a unit move checks this link and may change the units' paths.
        await org_unit_service.lock_tree(session, principal.organisation_id)
    goal, unit = await _get_goal_for_write(session, principal, goal_id)
    check_if_match(if_match, goal)
    _check_period(
        values.get("valid_from_on", goal.valid_from_on), values.get("valid_to_on", goal.valid_to_on)
    )
    if values.get("parent_goal_id") is not None:
        await _check_parent(session, principal, values["parent_goal_id"], unit)
    status = goal.status
    for key, value in values.items():
        setattr(goal, key, value)
    if goal.status != status:
        await events.record_event(
            session, events.EventType.goal_status_changed, goal, {"from": status, "to": goal.status}
        )
    await session.commit()
    return goal


async def delete_goal(
    session: AsyncSession, principal: Principal, goal_id: uuid.UUID, *, if_match: str | None
) -> None:
    """Delete a goal nothing refers to; otherwise 409 (set its status to archived instead)."""
    goal, _ = await _get_goal_for_write(session, principal, goal_id)
    check_if_match(if_match, goal)
    await delete_unless_referenced(
        session,
        goal,
        refused=GoalInUse(
            "Other goals refine this goal, or initiatives or commitments refer to it; "
            "set its status to archived instead."
        ),
    )
