"""Improvement initiatives (förbättringsarbeten): owned by a team, scoped through its unit."""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.context import Principal
from app.db import delete_unless_referenced, utcnow
from app.etag import check_if_match
from app.events import service as events
from app.goals import service as goal_service
from app.goals.models import Goal
from app.initiatives.models import (
    Initiative,
    InitiativeCreate,
    InitiativeGoal,
    InitiativePublic,
    InitiativeStatus,
    InitiativeUpdate,
)
from app.org_units import service as org_unit_service
from app.org_units.models import OrgUnit, path_ids
from app.pagination import Page, PageParams, Sorting, paginate
from app.problems import Conflict, InvalidInput, NotFound
from app.references import resolve_reference
from app.teams import service as team_service
from app.teams.models import Team


class InitiativeInUse(Conflict):
    type, title = "initiative-in-use", "The initiative is in use"


async def get_initiative(
    session: AsyncSession, principal: Principal, initiative_id: uuid.UUID
) -> Initiative:
    """The initiative, when its team's unit is in the token's scope (404 otherwise)."""
    initiative = (
        await session.execute(
            select(Initiative)
            .join(Team, col(Team.id) == Initiative.team_id)
            .join(OrgUnit, col(OrgUnit.id) == Team.org_unit_id)
            .where(
                col(Initiative.id) == initiative_id,
                col(Initiative.organisation_id) == principal.organisation_id,
                principal.path_filter(col(OrgUnit.path)),
            )
        )
    ).scalar_one_or_none()
    if initiative is None:
        raise NotFound.for_object("initiative", initiative_id)
    return initiative


async def unit_of_initiative(session: AsyncSession, initiative: Initiative) -> uuid.UUID:
    """The unit of the initiative's team (the unit its measures and cycles belong to)."""
    unit_id = await session.scalar(
        select(col(Team.org_unit_id)).where(col(Team.id) == initiative.team_id)
    )
    assert unit_id is not None  # a foreign key
    return unit_id


async def _publish(
    session: AsyncSession, initiatives: Sequence[Initiative]
) -> list[InitiativePublic]:
    """The public form: each initiative with its team's unit and its goals (two queries)."""
    if not initiatives:
        return []
    units: dict[uuid.UUID, uuid.UUID] = dict(
        (
            await session.execute(
                select(col(Team.id), col(Team.org_unit_id)).where(
                    col(Team.id).in_({i.team_id for i in initiatives})
                )
            )
        ).all()
    )
    goals: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    links = await session.execute(
        select(col(InitiativeGoal.initiative_id), col(InitiativeGoal.goal_id))
        .where(col(InitiativeGoal.initiative_id).in_([i.id for i in initiatives]))
        .order_by(col(InitiativeGoal.created_at), col(InitiativeGoal.goal_id))
    )
    for initiative_id, goal_id in links:
        goals[initiative_id].append(goal_id)
    return [
        InitiativePublic.model_validate(
            initiative,
            update={"org_unit_id": units[initiative.team_id], "goal_ids": goals[initiative.id]},
        )
        for initiative in initiatives
    ]


async def read_initiative(
    session: AsyncSession, principal: Principal, initiative_id: uuid.UUID
) -> InitiativePublic:
    return (await _publish(session, [await get_initiative(session, principal, initiative_id)]))[0]


SORT = Sorting(
    "InitiativeSort",
    {
        "title": col(Initiative.title),
        "created_at": col(Initiative.created_at),
        "started_on": col(Initiative.started_on),
        "aim_by_when_on": col(Initiative.aim_by_when_on),
    },
    tiebreaker=col(Initiative.id),
)


async def list_initiatives(
    session: AsyncSession,
    principal: Principal,
    *,
    page: PageParams,
    org_unit_id: uuid.UUID | None = None,
    include_descendants: bool = False,
    team_id: uuid.UUID | None = None,
    status: InitiativeStatus | None = None,
    focus_area: str | None = None,
    goal_id: uuid.UUID | None = None,
    q: str | None = None,
    sort: str = "title",
) -> Page[InitiativePublic]:
    stmt = (
        select(Initiative)
        .join(Team, col(Team.id) == Initiative.team_id)
        .join(OrgUnit, col(OrgUnit.id) == Team.org_unit_id)
        .where(
            col(Initiative.organisation_id) == principal.organisation_id,
            principal.path_filter(col(OrgUnit.path)),
        )
    )
    if org_unit_id is not None:
        stmt = stmt.where(
            await org_unit_service.unit_condition(
                session, principal, org_unit_id, include_descendants=include_descendants
            )
        )
    if team_id is not None:
        team = await resolve_reference(
            team_service.get_team, session, principal, team_id, field="query.team_id", kind="team"
        )
        stmt = stmt.where(col(Initiative.team_id) == team.id)
    if status is not None:
        stmt = stmt.where(col(Initiative.status) == status)
    if focus_area:
        stmt = stmt.where(func.lower(Initiative.focus_area) == focus_area.lower())
    if goal_id is not None:
        goal, _ = await goal_service.resolve_goal_reference(
            session, principal, goal_id, field="query.goal_id"
        )
        stmt = stmt.where(
            exists().where(
                col(InitiativeGoal.initiative_id) == Initiative.id,
                col(InitiativeGoal.goal_id) == goal.id,
            )
        )
    if q:
        needle = q.lower()
        stmt = stmt.where(
            func.lower(Initiative.title).contains(needle, autoescape=True)
            | func.lower(Initiative.focus_area).contains(needle, autoescape=True)
        )
    result = await paginate(session, stmt, page=page, order=SORT.order(sort))
    result.items = await _publish(session, result.items)
    return result


async def _resolve_team(
    session: AsyncSession, principal: Principal, team_id: uuid.UUID
) -> tuple[Team, OrgUnit]:
    team = await resolve_reference(
        team_service.get_team, session, principal, team_id, field="body.team_id", kind="team"
    )
    unit = await org_unit_service.get_org_unit(session, principal, team.org_unit_id)
    if unit.archived_at is not None:
        raise InvalidInput(
            "body.team_id", f"the unit of team {team_id} is archived", type_="archived"
        )
    return team, unit


async def _check_goals(
    session: AsyncSession,
    principal: Principal,
    goal_ids: Iterable[uuid.UUID],
    unit: OrgUnit,
    *,
    field: str = "body.goal_ids",
) -> list[uuid.UUID]:
    """The goals, deduplicated in order; each must be of the team's unit or a unit above it."""
    wanted = list(dict.fromkeys(goal_ids))
    if not wanted:
        return []
    # The team's unit is in scope, so its unit and every unit above it are readable goal units.
    allowed_units = path_ids(unit.path)
    found = set(
        (
            await session.execute(
                select(col(Goal.id)).where(
                    col(Goal.id).in_(wanted),
                    col(Goal.organisation_id) == principal.organisation_id,
                    col(Goal.org_unit_id).in_(allowed_units),
                )
            )
        ).scalars()
    )
    refused = [goal_id for goal_id in wanted if goal_id not in found]
    if refused:
        raise InvalidInput(
            field,
            f"goal {refused[0]} is not a goal of the team's unit ({unit.name}) or of a unit above it"
            + (f", nor are {len(refused) - 1} more" if len(refused) > 1 else ""),
            type_="not_found",
        )
    return wanted


def _check_period(started_on: date | None, ended_on: date | None) -> None:
    if started_on is not None and ended_on is not None and ended_on < started_on:
        raise InvalidInput(
            "body.ended_on", f"ends ({ended_on}) before the initiative started ({started_on})"
        )


def _link(initiative: Initiative, goal_ids: Iterable[uuid.UUID]) -> list[InitiativeGoal]:
    return [
        InitiativeGoal(
            organisation_id=initiative.organisation_id,
            initiative_id=initiative.id,
            goal_id=goal_id,
        )
        for goal_id in goal_ids
    ]


async def create_initiative(
    session: AsyncSession, principal: Principal, *, data: InitiativeCreate
) -> InitiativePublic:
    if data.goal_ids:
        # Goal links span units: no move may change the paths they are checked on meanwhile.
        await org_unit_service.lock_tree(session, principal.organisation_id)
    _, unit = await _resolve_team(session, principal, data.team_id)
    _check_period(data.started_on, data.ended_on)
    goal_ids = await _check_goals(session, principal, data.goal_ids, unit)
    initiative = Initiative.model_validate(
        data.model_dump(exclude={"goal_ids"}),
        update={"organisation_id": principal.organisation_id},
    )
    session.add(initiative)
    await session.flush()
    session.add_all(_link(initiative, goal_ids))
    await events.record_event(session, events.EventType.initiative_created, initiative)
    await session.commit()
    return (await _publish(session, [initiative]))[0]


async def _current_goal_ids(session: AsyncSession, initiative: Initiative) -> list[uuid.UUID]:
    return list(
        (
            await session.execute(
                select(col(InitiativeGoal.goal_id)).where(
                    col(InitiativeGoal.initiative_id) == initiative.id
                )
            )
        ).scalars()
    )


async def update_initiative(
    session: AsyncSession,
    principal: Principal,
    initiative_id: uuid.UUID,
    *,
    changes: InitiativeUpdate,
    if_match: str | None,
) -> InitiativePublic:
    """Change fields; ``goal_ids`` replaces the goals; a new team must fit the goals kept."""
    values: dict[str, Any] = changes.model_dump(exclude_unset=True)
    if "team_id" in values or "goal_ids" in values:
        # Checked against the units' paths and read by unit and team moves: lock first.
        await org_unit_service.lock_tree(session, principal.organisation_id)
    initiative = await get_initiative(session, principal, initiative_id)
    check_if_match(if_match, initiative)
    _check_period(
        values.get("started_on", initiative.started_on), values.get("ended_on", initiative.ended_on)
    )
    current = await _current_goal_ids(session, initiative)
    new_goal_ids: list[uuid.UUID] | None = values.pop("goal_ids", None)
    team_id = values.get("team_id", initiative.team_id)
    if team_id != initiative.team_id or new_goal_ids is not None:
        _, unit = await _resolve_team(session, principal, team_id)
        if new_goal_ids is not None:
            new_goal_ids = await _check_goals(session, principal, new_goal_ids, unit)
        else:
            # The team moves: the goals it keeps must still be of its unit or above.
            await _check_goals(session, principal, current, unit, field="body.team_id")
    if new_goal_ids is not None and set(new_goal_ids) != set(current):
        kept = set(current)
        dropped = kept - set(new_goal_ids)
        for link in (
            await session.execute(
                select(InitiativeGoal).where(
                    col(InitiativeGoal.initiative_id) == initiative.id,
                    col(InitiativeGoal.goal_id).in_(dropped),
                )
            )
        ).scalars():
            await session.delete(link)
        session.add_all(_link(initiative, [g for g in new_goal_ids if g not in kept]))
        # The goals are part of the initiative: a new version, so If-Match sees the change.
        initiative.updated_at = utcnow()
    status = initiative.status
    # Set after the link query above, whose autoflush would otherwise make two versions.
    for key, value in values.items():
        setattr(initiative, key, value)
    if initiative.status != status:
        await events.record_event(
            session,
            events.EventType.initiative_status_changed,
            initiative,
            {"from": status, "to": initiative.status},
        )
    await session.commit()
    return (await _publish(session, [initiative]))[0]


async def delete_initiative(
    session: AsyncSession, principal: Principal, initiative_id: uuid.UUID, *, if_match: str | None
) -> None:
    """Delete an initiative and its goal links; refused (409) once cycles or commitments refer to it."""
    initiative = await get_initiative(session, principal, initiative_id)
    check_if_match(if_match, initiative)
    links = (
        await session.execute(
            select(InitiativeGoal).where(col(InitiativeGoal.initiative_id) == initiative.id)
        )
    ).scalars()
    await delete_unless_referenced(
        session,
        *links,
        initiative,
        refused=InitiativeInUse(
            "Improvement cycles or commitments refer to this initiative; set its status to "
            "completed or abandoned instead."
        ),
    )
