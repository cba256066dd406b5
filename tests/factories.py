"""Small helpers that put data in the database the way the service would."""

import uuid
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from app.access_tokens import service as token_service
from app.context import Role
from app.org_units.models import OrgUnit, OrgUnitKind
from app.organisations import service as organisation_service
from app.organisations.models import Organisation
from app.teams.models import MemberRole, Team, TeamKind, TeamMember


async def make_organisation(session: AsyncSession, name: str = "Mittköping kommun") -> Organisation:
    organisation = await organisation_service.create_organisation(session, name=name)
    await session.commit()
    return organisation


async def make_unit(
    session: AsyncSession,
    organisation: Organisation,
    name: str = "Norrskolan",
    *,
    kind: OrgUnitKind = OrgUnitKind.school,
    parent: OrgUnit | None = None,
    external_code: str | None = None,
) -> OrgUnit:
    unit = OrgUnit(
        organisation_id=organisation.id,
        name=name,
        kind=kind,
        external_code=external_code,
        parent_id=parent.id if parent else None,
        depth=parent.depth + 1 if parent else 0,
        path="",
    )
    unit.path = f"{parent.path if parent else '/'}{unit.id.hex}/"
    session.add(unit)
    await session.commit()
    return unit


async def make_token(
    session: AsyncSession,
    organisation: Organisation,
    *,
    role: Role = Role.admin,
    scope: OrgUnit | None = None,
    name: str | None = None,
) -> str:
    _, secret = await token_service.issue_token(
        session,
        organisation_id=organisation.id,
        name=name or f"{role.value} token",
        role=role,
        scope_org_unit_id=scope.id if scope else None,
    )
    await session.commit()
    return secret


async def make_team(
    session: AsyncSession,
    unit: OrgUnit,
    name: str = "Förbättringsteam åk 5",
    *,
    kind: TeamKind = TeamKind.improvement_team,
) -> Team:
    team = Team(organisation_id=unit.organisation_id, org_unit_id=unit.id, name=name, kind=kind)
    session.add(team)
    await session.commit()
    return team


async def make_member(
    session: AsyncSession,
    team: Team,
    display_name: str = "Karin Ek",
    *,
    role: MemberRole = MemberRole.member,
    participant_label: str | None = None,
) -> TeamMember:
    member = TeamMember(
        organisation_id=team.organisation_id,
        team_id=team.id,
        display_name=display_name,
        role=role,
        participant_label=participant_label,
    )
    session.add(member)
    await session.commit()
    return member


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Tenant:
    """An organisation with a small tree and tokens of every kind.

    root (municipality) ── north (area) ── school (Norrskolan) ── team with a member
                        └─ south (area) ── sibling_school
    """

    organisation: Organisation
    root: OrgUnit
    north: OrgUnit
    south: OrgUnit
    school: OrgUnit
    sibling_school: OrgUnit
    team: Team
    member: TeamMember
    admin: str
    editor: str
    viewer: str
    north_admin: str
    south_admin: str
    extra: dict[str, uuid.UUID] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.admin)


async def make_tenant(session: AsyncSession, name: str = "Mittköping kommun") -> Tenant:
    organisation = await make_organisation(session, name)
    root = await make_unit(session, organisation, name, kind=OrgUnitKind.municipality)
    north = await make_unit(
        session, organisation, "Område Norr", kind=OrgUnitKind.area, parent=root
    )
    south = await make_unit(
        session, organisation, "Område Söder", kind=OrgUnitKind.area, parent=root
    )
    school = await make_unit(session, organisation, "Norrskolan", parent=north)
    sibling_school = await make_unit(session, organisation, "Södra skolan", parent=south)
    team = await make_team(session, school)
    member = await make_member(session, team)
    return Tenant(
        organisation=organisation,
        root=root,
        north=north,
        south=south,
        school=school,
        sibling_school=sibling_school,
        team=team,
        member=member,
        admin=await make_token(session, organisation),
        editor=await make_token(session, organisation, role=Role.editor),
        viewer=await make_token(session, organisation, role=Role.viewer),
        north_admin=await make_token(session, organisation, scope=north),
        south_admin=await make_token(session, organisation, scope=south),
    )
