"""Commitments (åtaganden): promises towards a goal or an initiative, with a due date.

A commitment belongs to the unit of its goal, or of its initiative's team, and follows the normal
scope rule for that unit.
"""

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from app.commitments.models import (
    OPEN_STATUSES,
    Commitment,
    CommitmentCreate,
    CommitmentPublic,
    CommitmentStatus,
    CommitmentUpdate,
)
from app.context import Principal
from app.db import local_today
from app.etag import check_if_match
from app.goals import service as goal_service
from app.goals.models import Goal
from app.initiatives import service as initiative_service
from app.initiatives.models import Initiative
from app.org_units import service as org_unit_service
from app.org_units.models import OrgUnit
from app.pagination import Page, PageParams, Sorting, paginate
from app.problems import InvalidInput, NotFound
from app.references import resolve_reference
from app.teams import service as team_service
from app.teams.models import Team

_InitiativeTeam = aliased(Team, name="initiative_team")
# The unit a commitment belongs to: its goal's, or its initiative's team's.
_UNIT_ID = func.coalesce(col(Goal.org_unit_id), _InitiativeTeam.org_unit_id)


_S = TypeVar("_S", bound=Select[*tuple[Any, ...]])


def _with_unit(stmt: _S) -> _S:
    return (
        stmt.outerjoin(Goal, col(Goal.id) == Commitment.goal_id)
        .outerjoin(Initiative, col(Initiative.id) == Commitment.initiative_id)
        .outerjoin(_InitiativeTeam, col(_InitiativeTeam.id) == Initiative.team_id)
        .join(OrgUnit, col(OrgUnit.id) == _UNIT_ID)
    )


def today() -> date:
    """Today in the organisation's calendar (PDCA_TIMEZONE): a commitment due today is overdue
    from tomorrow."""
    return local_today()


def _overdue(on: date) -> ColumnElement[bool]:
    return and_(col(Commitment.due_on) < on, col(Commitment.status).in_(OPEN_STATUSES))


def _publish(commitment: Commitment, org_unit_id: uuid.UUID) -> CommitmentPublic:
    return CommitmentPublic.model_validate(
        commitment,
        update={
            "org_unit_id": org_unit_id,
            "overdue": commitment.due_on < today() and commitment.status in OPEN_STATUSES,
        },
    )


async def _get(
    session: AsyncSession, principal: Principal, commitment_id: uuid.UUID
) -> tuple[Commitment, uuid.UUID]:
    row = (
        await session.execute(
            _with_unit(select(Commitment, col(OrgUnit.id))).where(
                col(Commitment.id) == commitment_id,
                col(Commitment.organisation_id) == principal.organisation_id,
                principal.path_filter(col(OrgUnit.path)),
            )
        )
    ).first()
    if row is None:
        raise NotFound.for_object("commitment", commitment_id)
    return row[0], row[1]


async def get_commitment(
    session: AsyncSession, principal: Principal, commitment_id: uuid.UUID
) -> CommitmentPublic:
    return _publish(*await _get(session, principal, commitment_id))


async def _publish_page(
    session: AsyncSession, commitments: Sequence[Commitment]
) -> list[CommitmentPublic]:
    if not commitments:
        return []
    units: dict[uuid.UUID, uuid.UUID] = dict(
        (
            await session.execute(
                _with_unit(select(col(Commitment.id), col(OrgUnit.id))).where(
                    col(Commitment.id).in_([c.id for c in commitments])
                )
            )
        ).all()
    )
    return [_publish(c, units[c.id]) for c in commitments]


SORT = Sorting(
    "CommitmentSort",
    {
        "due_on": col(Commitment.due_on),
        "created_at": col(Commitment.created_at),
        "status": col(Commitment.status),
    },
    tiebreaker=col(Commitment.id),
)


async def list_commitments(
    session: AsyncSession,
    principal: Principal,
    *,
    page: PageParams,
    goal_id: uuid.UUID | None = None,
    initiative_id: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    org_unit_id: uuid.UUID | None = None,
    include_descendants: bool = False,
    status: CommitmentStatus | None = None,
    overdue: bool | None = None,
    sort: str = "due_on",
) -> Page[CommitmentPublic]:
    stmt = _with_unit(select(Commitment)).where(
        col(Commitment.organisation_id) == principal.organisation_id,
        principal.path_filter(col(OrgUnit.path)),
    )
    if org_unit_id is not None:
        stmt = stmt.where(
            await org_unit_service.unit_condition(
                session, principal, org_unit_id, include_descendants=include_descendants
            )
        )
    if goal_id is not None:
        goal, _ = await goal_service.resolve_goal_reference(
            session, principal, goal_id, field="query.goal_id"
        )
        stmt = stmt.where(col(Commitment.goal_id) == goal.id)
    if initiative_id is not None:
        initiative = await _resolve_initiative(
            session, principal, initiative_id, field="query.initiative_id"
        )
        stmt = stmt.where(col(Commitment.initiative_id) == initiative.id)
    if team_id is not None:
        team = await _resolve_team(session, principal, team_id, field="query.team_id")
        stmt = stmt.where(col(Commitment.team_id) == team.id)
    if status is not None:
        stmt = stmt.where(col(Commitment.status) == status)
    if overdue is not None:
        condition = _overdue(today())
        stmt = stmt.where(condition if overdue else not_(condition))
    result = await paginate(session, stmt, page=page, order=SORT.order(sort))
    result.items = await _publish_page(session, result.items)
    return result


async def _resolve_team(
    session: AsyncSession, principal: Principal, team_id: uuid.UUID, *, field: str = "body.team_id"
) -> Team:
    return await resolve_reference(
        team_service.get_team, session, principal, team_id, field=field, kind="team"
    )


async def _resolve_initiative(
    session: AsyncSession, principal: Principal, initiative_id: uuid.UUID, *, field: str
) -> Initiative:
    return await resolve_reference(
        initiative_service.get_initiative,
        session,
        principal,
        initiative_id,
        field=field,
        kind="initiative",
    )


async def _resolve_target(
    session: AsyncSession, principal: Principal, data: CommitmentCreate
) -> uuid.UUID:
    """The unit of the goal or initiative the commitment serves; exactly one is given."""
    if data.goal_id is not None and data.initiative_id is not None:
        raise InvalidInput(
            "body.initiative_id", "give either goal_id or initiative_id, not both", type_="conflict"
        )
    if data.goal_id is not None:
        goal, unit = await goal_service.resolve_goal_reference(
            session, principal, data.goal_id, field="body.goal_id"
        )
        if not principal.covers_path(unit.path):
            # Goals above the scope are readable, but a commitment belongs to its goal's unit,
            # and the token could not see what it had made.
            raise InvalidInput(
                "body.goal_id",
                f"goal {goal.id} belongs to a unit above your scope; commitments towards it are "
                "made with a token that covers its unit",
                type_="out_of_scope",
            )
        return unit.id
    if data.initiative_id is not None:
        initiative = await _resolve_initiative(
            session, principal, data.initiative_id, field="body.initiative_id"
        )
        team = await session.get(Team, initiative.team_id)
        assert team is not None
        team_unit = await session.get(OrgUnit, team.org_unit_id)
        if team_unit is not None and team_unit.archived_at is not None:
            raise InvalidInput(
                "body.initiative_id",
                f"initiative {initiative.id} belongs to an archived unit",
                type_="archived",
            )
        return team.org_unit_id
    raise InvalidInput("body.goal_id", "give goal_id or initiative_id", type_="missing")


async def create_commitment(
    session: AsyncSession, principal: Principal, *, data: CommitmentCreate
) -> CommitmentPublic:
    org_unit_id = await _resolve_target(session, principal, data)
    if data.team_id is None and data.owner_name is None:
        raise InvalidInput("body.owner_name", "give owner_name or team_id", type_="missing")
    if data.team_id is not None:
        await _resolve_team(session, principal, data.team_id)
    commitment = Commitment.model_validate(
        data, update={"organisation_id": principal.organisation_id}
    )
    session.add(commitment)
    await session.commit()
    return _publish(commitment, org_unit_id)


async def update_commitment(
    session: AsyncSession,
    principal: Principal,
    commitment_id: uuid.UUID,
    *,
    changes: CommitmentUpdate,
    if_match: str | None,
) -> CommitmentPublic:
    """Change the promise, its owner, due date or follow-up; its goal or initiative stays."""
    commitment, org_unit_id = await _get(session, principal, commitment_id)
    check_if_match(if_match, commitment)
    values: dict[str, Any] = changes.model_dump(exclude_unset=True)
    if values.get("team_id") is not None:
        await _resolve_team(session, principal, values["team_id"])
    if values.get("team_id", commitment.team_id) is None and (
        values.get("owner_name", commitment.owner_name) is None
    ):
        field = "body.owner_name" if "owner_name" in values else "body.team_id"
        raise InvalidInput(field, "a commitment needs an owner_name or a team_id", type_="missing")
    for key, value in values.items():
        setattr(commitment, key, value)
    await session.commit()
    return _publish(commitment, org_unit_id)


async def delete_commitment(
    session: AsyncSession, principal: Principal, commitment_id: uuid.UUID, *, if_match: str | None
) -> None:
    commitment, _ = await _get(session, principal, commitment_id)
    check_if_match(if_match, commitment)
    await session.delete(commitment)
    await session.commit()
