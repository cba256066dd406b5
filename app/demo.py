"""Demo data for the embedded default: Mittköping kommun's school administration.

Loaded by ``pdca load-demo`` (``make run`` calls it); it does nothing when the demo organisation
exists. The demo tokens are fixed, well-known strings so the README can name them: never load the
demo into a database that holds real data.
"""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.access_tokens import service as token_service
from app.access_tokens.models import AccessToken
from app.auth import Role, hash_token
from app.org_units.models import OrgUnit, OrgUnitKind
from app.organisations import service as organisation_service
from app.teams.models import MemberRole, Team, TeamKind, TeamMember

DEMO_ADMIN_TOKEN = "pdca_demo-admin-mittkoping"
DEMO_VIEWER_TOKEN = "pdca_demo-viewer-norrskolan"


@dataclass
class DemoResult:
    created: bool
    admin_token: str
    viewer_token: str
    objects: int = 0


# (name, kind, external code, children)
Node = tuple[str, OrgUnitKind, str | None, list["Node"]]
_TREE: Node = (
    "Mittköping kommun", OrgUnitKind.municipality, "2199", [
        ("Barn- och utbildningsförvaltningen", OrgUnitKind.administration, None, [
            ("Område Norr", OrgUnitKind.area, None, [
                ("Norrskolan F–6", OrgUnitKind.school, "48213301", [
                    ("Arbetslag F–3", OrgUnitKind.work_team, None, []),
                    ("Arbetslag 4–6", OrgUnitKind.work_team, None, []),
                ]),
                ("Björkängsskolan 7–9", OrgUnitKind.school, "48213302", []),
                ("Förskolan Solrosen", OrgUnitKind.preschool, "48213303", []),
            ]),
            ("Område Söder", OrgUnitKind.area, None, [
                ("Södra skolan F–9", OrgUnitKind.school, "48213304", []),
                ("Förskolan Lärkan", OrgUnitKind.preschool, "48213305", []),
                ("Förskolan Ekorren", OrgUnitKind.preschool, "48213306", []),
            ]),
        ]),
    ],
)  # fmt: skip

# (team name, kind, unit name, description, members: (display name, role, label, e-mail))
_TEAMS: list[tuple[str, TeamKind, str, str, list[tuple[str, MemberRole, str, str | None]]]] = [
    (
        "Förbättringsteam åk 5, Norrskolan",
        TeamKind.improvement_team,
        "Norrskolan F–6",
        "Delaktighet i klass 5B: eleverna ska känna att de kan påverka undervisningen.",
        [
            ("Karin Ek", MemberRole.lead, "class teacher 5B", "karin.ek@mittkoping.example"),
            ("Johan Berg", MemberRole.member, "teacher, mathematics", None),
            ("Elevrepresentant 5B (1)", MemberRole.member, "pupil representative", None),
            ("Elevrepresentant 5B (2)", MemberRole.member, "pupil representative", None),
            ("Vårdnadshavare 5B", MemberRole.member, "guardian representative", None),
            ("Lena Holm", MemberRole.coach, "improvement coach (utvecklingsledare)", None),
            ("Per Lund", MemberRole.sponsor, "rektor", "per.lund@mittkoping.example"),
        ],
    ),
    (
        "Lederteam Område Norr",
        TeamKind.leader_team,
        "Område Norr",
        "Rektorer och områdeschef: prioriteringar och uppföljning i området.",
        [
            ("Maria Söder", MemberRole.lead, "area manager (områdeschef)", None),
            ("Per Lund", MemberRole.member, "rektor Norrskolan", None),
            ("Anders Björk", MemberRole.member, "rektor Björkängsskolan", None),
            ("Sara Sol", MemberRole.member, "förskolechef Solrosen", None),
        ],
    ),
    (
        "Förbättringsteam språkutveckling, Lärkan",
        TeamKind.improvement_team,
        "Förskolan Lärkan",
        "Samtal och högläsning i småbarnsgruppen.",
        [
            ("Eva Lärk", MemberRole.lead, "preschool teacher", None),
            ("Omar Ali", MemberRole.member, "child minder (barnskötare)", None),
        ],
    ),
]


async def load_demo(session: AsyncSession) -> DemoResult:
    """Create the demo organisation unless it exists. Commits."""
    exists = (
        await session.execute(
            select(col(AccessToken.id)).where(
                col(AccessToken.token_hash) == hash_token(DEMO_ADMIN_TOKEN)
            )
        )
    ).first()
    if exists is not None:
        return DemoResult(False, DEMO_ADMIN_TOKEN, DEMO_VIEWER_TOKEN)
    session.info["actor_name"] = "demo data"
    organisation = await organisation_service.create_organisation(session, name="Mittköping kommun")
    units: dict[str, OrgUnit] = {}

    def add_unit(node: Node, parent: OrgUnit | None) -> None:
        name, kind, code, children = node
        unit = OrgUnit(
            organisation_id=organisation.id,
            name=name,
            kind=kind,
            external_code=code,
            parent_id=parent.id if parent else None,
            depth=parent.depth + 1 if parent else 0,
            path="",
        )
        unit.path = f"{parent.path if parent else '/'}{unit.id.hex}/"
        session.add(unit)
        units[unit.name] = unit
        for child in children:
            add_unit(child, unit)

    add_unit(_TREE, None)
    await session.flush()
    count = len(units)
    for team_name, kind, unit_name, description, members in _TEAMS:
        team = Team(
            organisation_id=organisation.id,
            org_unit_id=units[unit_name].id,
            name=team_name,
            kind=kind,
            description=description,
        )
        session.add(team)
        count += 1
        for display_name, role, label, email in members:
            session.add(
                TeamMember(
                    organisation_id=organisation.id,
                    team_id=team.id,
                    display_name=display_name,
                    role=role,
                    participant_label=label,
                    email=email,
                )
            )
            count += 1
    await token_service.issue_token(
        session,
        organisation_id=organisation.id,
        name="Demo admin (whole organisation)",
        role=Role.admin,
        secret=DEMO_ADMIN_TOKEN,
    )
    await token_service.issue_token(
        session,
        organisation_id=organisation.id,
        name="Demo viewer (Norrskolan)",
        role=Role.viewer,
        scope_org_unit_id=units["Norrskolan F–6"].id,
        secret=DEMO_VIEWER_TOKEN,
    )
    await session.commit()
    return DemoResult(True, DEMO_ADMIN_TOKEN, DEMO_VIEWER_TOKEN, count + 2)
