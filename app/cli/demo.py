"""Demo data for the embedded default: Mittköping kommun's school administration.

Loaded by ``pdca load-demo`` (``make run`` calls it); it does nothing when the demo organisation
exists. The demo tokens are fixed, well-known strings so the README can name them, and the
objects the contract's examples name have fixed ids (``DEMO_IDS``), so Swagger UI's prefilled
examples work against the demo as they stand: never load the demo into a database that holds
real data.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.access_tokens import service as token_service
from app.access_tokens.models import AccessToken
from app.access_tokens.secrets import hash_token
from app.analytics.types import BetterDirection
from app.context import Context, Role
from app.cycles.models import Cycle, CycleStageTransition
from app.cycles.stages import Decision, Stage, StageDirection, stage_index
from app.db import set_context
from app.goals.models import Goal
from app.initiatives.models import Initiative, InitiativeGoal, InitiativeStatus
from app.measures.models import Measure, Measurement, MeasurementSource, MeasureType, ValueKind
from app.openapi import EXAMPLE_IDS
from app.org_units.models import OrgUnit, OrgUnitKind
from app.organisations import service as organisation_service
from app.periods import Period, PeriodKind, parse_period
from app.teams.models import MemberRole, Team, TeamKind, TeamMember

DEMO_ADMIN_TOKEN = "pdca_demo-admin-mittkoping"
DEMO_VIEWER_TOKEN = "pdca_demo-viewer-norrskolan"
DEMO_REPORTER_TOKEN = "pdca_demo-reporter-norrskolan"

DEMO_IDS: dict[str, uuid.UUID] = {
    name: uuid.UUID(value)
    for name, value in {
        "Mittköping kommun": "6a2b4c1d-3e5f-4a7b-9c8d-0e1f2a3b4c5d",
        "Område Norr": EXAMPLE_IDS["parent_id"],
        "Norrskolan F–6": EXAMPLE_IDS["org_unit_id"],
        "Förbättringsteam åk 5, Norrskolan": EXAMPLE_IDS["team_id"],
        "goal: Barn- och utbildningsförvaltningen": EXAMPLE_IDS["parent_goal_id"],
        "goal: Norrskolan F–6": EXAMPLE_IDS["goal_id"],
        "initiative: Delaktighet i klass 5B": EXAMPLE_IDS["initiative_id"],
        "cycle 2": EXAMPLE_IDS["cycle_id"],
        "measure: 5B-DELAKTIGHET": EXAMPLE_IDS["measure_id"],
    }.items()
}
"""Fixed ids of the demo objects that the contract's examples name, by what they are."""


@dataclass
class DemoResult:
    created: bool
    admin_token: str
    viewer_token: str
    objects: int = 0
    reporter_token: str = DEMO_REPORTER_TOKEN


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
            select(col(AccessToken.organisation_id)).where(
                col(AccessToken.token_hash) == hash_token(DEMO_ADMIN_TOKEN)
            )
        )
    ).first()
    if exists is not None:
        await _add_missing_reporter(session, exists[0])
        return DemoResult(False, DEMO_ADMIN_TOKEN, DEMO_VIEWER_TOKEN)
    set_context(session, Context(actor="demo data"))
    organisation = await organisation_service.create_organisation(session, name="Mittköping kommun")
    organisation.default_language = "sv"  # a Swedish municipality: answers in Swedish by default
    units: dict[str, OrgUnit] = {}

    def add_unit(node: Node, parent: OrgUnit | None) -> None:
        name, kind, code, children = node
        unit = OrgUnit(
            id=DEMO_IDS.get(name) or uuid.uuid4(),
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
    teams: dict[str, Team] = {}
    for team_name, kind, unit_name, description, members in _TEAMS:
        team = Team(
            id=DEMO_IDS.get(team_name) or uuid.uuid4(),
            organisation_id=organisation.id,
            org_unit_id=units[unit_name].id,
            name=team_name,
            kind=kind,
            description=description,
        )
        session.add(team)
        teams[team_name] = team
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
    await session.flush()
    count += await _add_improvement_work(session, units, teams)
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
    await token_service.issue_token(
        session,
        organisation_id=organisation.id,
        name="Demo reporter (Norrskolan: pushes the 5B measurements)",
        role=Role.reporter,
        scope_org_unit_id=units["Norrskolan F–6"].id,
        secret=DEMO_REPORTER_TOKEN,
    )
    await session.commit()
    return DemoResult(True, DEMO_ADMIN_TOKEN, DEMO_VIEWER_TOKEN, count + 3)


async def _add_missing_reporter(session: AsyncSession, organisation_id: uuid.UUID) -> None:
    """Demo databases loaded before the demo had a reporter token get it now. Commits."""
    reporter = (
        await session.execute(
            select(col(AccessToken.id)).where(
                col(AccessToken.token_hash) == hash_token(DEMO_REPORTER_TOKEN)
            )
        )
    ).first()
    school = (
        await session.execute(
            select(col(OrgUnit.id)).where(
                col(OrgUnit.organisation_id) == organisation_id,
                col(OrgUnit.external_code) == "48213301",
            )
        )
    ).first()
    if reporter is not None or school is None:
        return
    set_context(session, Context(actor="demo data"))
    await token_service.issue_token(
        session,
        organisation_id=organisation_id,
        name="Demo reporter (Norrskolan: pushes the 5B measurements)",
        role=Role.reporter,
        scope_org_unit_id=school[0],
        secret=DEMO_REPORTER_TOKEN,
    )
    await session.commit()


# --- Issue 3: the chain of governance, an initiative and its two cycles -----------------------

_CYCLE_ACTOR = "Förbättringsteam åk 5 (demo)"

# (goal title, unit name, description); each refines the one before it.
_GOAL_CHAIN = [
    (
        "Mittköping – där alla barn och elever lär, växer och är delaktiga",
        "Mittköping kommun",
        "Kommunens vision för barn och utbildning 2026–2030.",
    ),
    (
        "Elevernas inflytande och delaktighet i undervisningen ökar",
        "Barn- och utbildningsförvaltningen",
        "Förvaltningens mål; följs upp med elevenkätens delaktighetsindex varje vår.",
    ),
    (
        "Alla elever på Norrskolan upplever att de kan påverka hur de arbetar i skolan",
        "Norrskolan F–6",
        "Skolans prioritering läsåret 2026/27, beslutad av rektor med lärare och elevråd.",
    ),
]

_BASE_CONTENT: dict[str, Any] = {
    "change_idea": "Varje SO-lektion avslutas med en exit ticket: eleverna svarar på "
    "'Vad skulle göra nästa lektion bättre för dig?' och läraren börjar nästa lektion med "
    "att berätta vad som ändrats utifrån svaren.",
    "question": "Ökar andelen elever som instämmer i 'Jag kan påverka hur vi arbetar på "
    "lektionerna' när de ser att deras förslag leder till ändringar?",
}

# Per cycle: its content and its stage history as (to stage, when, due day of the new stage,
# reason for going back).
_Move = tuple[Stage, datetime, date | None, str | None]


def _at(day: str, hour: int = 15) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


_FIRST_CYCLE: dict[str, Any] = {
    **_BASE_CONTENT,
    "title": "Exit tickets i 5B",
    "prediction": "Andelen i 5B som instämmer ökar från 45 % till minst 55 % på två veckor.",
    "scale": "en klass (5B), två veckor, SO-lektionerna",
    "plan": [
        {
            "who": "Karin Ek",
            "what": "Ta fram exit ticket (tre frågor) med elevrådet",
            "by_when_on": "2026-09-25",
        },
        {
            "who": "Karin Ek",
            "what": "Exit ticket vid varje SO-lektion i 5B",
            "by_when_on": "2026-10-09",
        },
        {
            "who": "Lena Holm",
            "what": "Veckovis sammanställning av svaren",
            "by_when_on": "2026-10-09",
        },
    ],
    "current_state_description": "Elevenkäten VT 2026: 45 % av eleverna i 5B instämmer i "
    "'Jag kan påverka hur vi arbetar på lektionerna' (skolan 58 %). Veckomätning med samma "
    "fråga under tre veckor: 44 %, 47 %, 43 %.",
    "baseline_start_on": date(2026, 8, 31),
    "baseline_end_on": date(2026, 9, 18),
    "analysis_summary": "Eleverna blir sällan tillfrågade om arbetssätt och när de blir det "
    "ser de inte vad som händer med förslagen.",
    "causes": [
        {
            "cause": "Eleverna tillfrågas sällan om hur lektionerna läggs upp",
            "evidence": "Fokusgrupp 1, tema 'ingen frågar oss'",
            "participants": 6,
        },
        {
            "cause": "Förslag som lämnas leder inte till synliga ändringar",
            "evidence": "Fokusgrupp 2, tema 'det händer ändå inget'",
            "participants": 6,
        },
        {
            "cause": "Klassrådet behandlar mest raster och aktiviteter, inte undervisningen",
            "evidence": "Protokoll från klassrådet HT 2025–VT 2026",
            "participants": None,
        },
    ],
    "actions": [
        {
            "description": "Exit ticket sista fem minuterna av varje SO-lektion",
            "responsible": "Karin Ek",
        },
        {
            "description": "Lektionsstart: 'Det här ändrade vi efter era svar'",
            "responsible": "Karin Ek",
        },
        {"description": "Veckomätning med enkätfrågan på fredagar", "responsible": "Lena Holm"},
    ],
    "test_started_on": date(2026, 9, 28),
    "test_ended_on": date(2026, 10, 9),
    "unplanned_events": "Studiedag 2 oktober: en av tio lektioner föll bort.",
    "results": "Andelen som instämmer steg till 52 % och 58 % de två testveckorna (baslinje "
    "45 %). Förutsägelsen (minst 55 %) nåddes vecka två. Svarsfrekvens 24 av 26 elever.",
    "learning": "Det är återkopplingen i början av lektionen, inte själva exit ticketen, som "
    "eleverna nämner. Lapparna tar för lång tid; tre frågor blir en.",
    "decision": Decision.adapt,
}
_FIRST_HISTORY: list[_Move] = [
    (Stage.current_state, _at("2026-08-31", 8), date(2026, 9, 11), None),
    (Stage.analysis, _at("2026-09-11"), date(2026, 9, 18), None),
    (
        Stage.current_state,
        _at("2026-09-14"),
        date(2026, 9, 18),
        "Baslinjen blev för kort: två SO-lektioner föll bort (utvecklingssamtal); vi mäter en vecka till.",
    ),
    (Stage.analysis, _at("2026-09-18"), date(2026, 9, 25), None),
    (Stage.action, _at("2026-09-25"), date(2026, 10, 9), None),
    (Stage.follow_up, _at("2026-10-09"), date(2026, 10, 16), None),
    (Stage.closed, _at("2026-10-16"), None, None),
]

_SECOND_CYCLE: dict[str, Any] = {
    **_BASE_CONTENT,
    "title": "Exit ticket med en fråga i 5A, 5B och 5C",
    "prediction": "Andelen som instämmer når minst 55 % i alla tre klasserna efter tre veckor.",
    "scale": "tre klasser (5A, 5B, 5C), tre veckor, SO och svenska",
    "plan": [
        {
            "who": "Karin Ek",
            "what": "Introducera arbetssättet för lärarna i 5A och 5C",
            "by_when_on": "2026-11-06",
        },
        {
            "who": "Johan Berg",
            "what": "Exit ticket i svenska i 5A och 5C",
            "by_when_on": "2026-11-27",
        },
        {
            "who": "Lena Holm",
            "what": "Veckovis sammanställning per klass",
            "by_when_on": "2026-11-27",
        },
    ],
    "current_state_description": "Veckomätning 19–30 oktober: 5A 48 %, 5B 57 %, 5C 41 % instämmer.",
    "baseline_start_on": date(2026, 10, 19),
    "baseline_end_on": date(2026, 10, 30),
    "analysis_summary": "Orsakerna från cykel 1 gäller även 5A och 5C enligt lärarnas "
    "samtal med klassråden; 5C har dessutom många vikarier.",
    "causes": [
        {
            "cause": "Förslag leder inte till synliga ändringar",
            "evidence": "Cykel 1, fokusgrupper i 5B",
            "participants": 12,
        },
        {
            "cause": "Ojämn bemanning i 5C",
            "evidence": "Schema och frånvarostatistik HT 2026",
            "participants": None,
        },
    ],
    "actions": [
        {
            "description": "En fråga i stället för tre, sista tre minuterna",
            "responsible": "Respektive lärare",
        },
        {
            "description": "Lektionsstart med 'Det här ändrade vi' i alla tre klasserna",
            "responsible": "Respektive lärare",
        },
    ],
    "test_started_on": date(2026, 11, 9),
    "test_ended_on": date(2026, 11, 27),
    "unplanned_events": "Vikarie i 5C vecka 46: exit ticket genomfördes i tre av fem lektioner.",
}
_SECOND_HISTORY: list[_Move] = [
    (Stage.current_state, _at("2026-10-19", 8), date(2026, 10, 30), None),
    (Stage.analysis, _at("2026-10-30"), date(2026, 11, 6), None),
    (Stage.action, _at("2026-11-06"), date(2026, 11, 27), None),
]


def _add_cycle(
    session: AsyncSession,
    initiative: Initiative,
    sequence: int,
    content: dict[str, Any],
    moves: list[_Move],
    predecessor: Cycle | None = None,
) -> Cycle:
    last_stage, last_at, last_due, _ = moves[-1]
    cycle = Cycle(
        id=DEMO_IDS.get(f"cycle {sequence}") or uuid.uuid4(),
        organisation_id=initiative.organisation_id,
        initiative_id=initiative.id,
        sequence=sequence,
        predecessor_cycle_id=predecessor.id if predecessor else None,
        stage=last_stage,
        stage_entered_at=last_at,
        stage_due_on=last_due,
        created_at=moves[0][1],
        **content,
    )
    session.add(cycle)
    previous: Stage | None = None
    for position, (stage, at, due_on, reason) in enumerate(moves, start=1):
        back = previous is not None and stage_index(stage) < stage_index(previous)
        session.add(
            CycleStageTransition(
                organisation_id=initiative.organisation_id,
                cycle_id=cycle.id,
                position=position,
                from_stage=previous,
                to_stage=stage,
                direction=StageDirection.back if back else StageDirection.forward,
                reason=reason,
                due_on=due_on,
                actor_name=_CYCLE_ACTOR,
                occurred_at=at,
            )
        )
        previous = stage
    return cycle


async def _add_improvement_work(
    session: AsyncSession, units: dict[str, OrgUnit], teams: dict[str, Team]
) -> int:
    """Goals from the vision down to Norrskolan, the 5B initiative and its two cycles.

    The first cycle (one class, two weeks) was closed with the decision adapt; its successor
    widens the test to three classes and is in the action stage.
    """
    parent: Goal | None = None
    for title, unit_name, description in _GOAL_CHAIN:
        goal = Goal(
            id=DEMO_IDS.get(f"goal: {unit_name}") or uuid.uuid4(),
            organisation_id=units[unit_name].organisation_id,
            org_unit_id=units[unit_name].id,
            parent_goal_id=parent.id if parent else None,
            title=title,
            description=description,
            valid_from_on=date(2026, 7, 1),
            valid_to_on=date(2030, 6, 30),
        )
        session.add(goal)
        parent = goal
    assert parent is not None
    team = teams["Förbättringsteam åk 5, Norrskolan"]
    initiative = Initiative(
        id=DEMO_IDS["initiative: Delaktighet i klass 5B"],
        organisation_id=team.organisation_id,
        team_id=team.id,
        title="Delaktighet i klass 5B",
        focus_area="delaktighet",
        problem_description="Få elever i 5B upplever att de kan påverka hur undervisningen "
        "läggs upp, klart färre än i skolan i övrigt.",
        evidence="Elevenkäten VT 2026 (45 % i 5B instämmer, skolan 58 %) och två "
        "fokusgruppsintervjuer med sammanlagt 12 elever i 5B.",
        aim_what="Andelen elever i 5B som instämmer i 'Jag kan påverka hur vi arbetar på "
        "lektionerna'",
        aim_how_much="ökar från 45 % till 70 %",
        aim_by_when_on=date(2027, 6, 15),
        status=InitiativeStatus.active,
        started_on=date(2026, 8, 24),
    )
    session.add(initiative)
    session.add(
        InitiativeGoal(
            organisation_id=team.organisation_id, initiative_id=initiative.id, goal_id=parent.id
        )
    )
    await session.flush()
    first = _add_cycle(session, initiative, 1, _FIRST_CYCLE, _FIRST_HISTORY)
    await session.flush()
    _add_cycle(session, initiative, 2, _SECOND_CYCLE, _SECOND_HISTORY, predecessor=first)
    await session.flush()
    measured = await _add_measurements(session, units, initiative, team)
    return len(_GOAL_CHAIN) + 2 + 2 + len(_FIRST_HISTORY) + len(_SECOND_HISTORY) + measured


# Week, pupils answering the exit ticket, of them "yes, I could influence the lesson",
# lessons with an exit ticket, teacher minutes spent on them. The first test of change started
# in week 40 (2026-09-28): participation moves from about 45 % to about 65 %.
_WEEKS = [
    (35, 24, 11, 0, 0), (36, 25, 11, 0, 0), (37, 23, 10, 0, 0), (38, 24, 11, 0, 0),
    (39, 25, 11, 0, 0), (40, 24, 13, 4, 40), (41, 25, 15, 5, 45), (42, 24, 15, 5, 35),
    (43, 23, 15, 5, 30), (45, 24, 16, 5, 30), (46, 25, 16, 6, 35), (47, 24, 17, 6, 30),
    (48, 25, 17, 6, 25),
]  # fmt: skip
# Shared indicator "Trygghet": (school, term, pupils answering, of them feeling safe).
_SAFETY = [
    ("Norrskolan F–6", "VT2026", 212, 171), ("Norrskolan F–6", "HT2026", 208, 174),
    ("Björkängsskolan 7–9", "VT2026", 305, 226), ("Björkängsskolan 7–9", "HT2026", 298, 229),
    ("Södra skolan F–9", "VT2026", 388, 302),
]  # fmt: skip


async def _add_measurements(
    session: AsyncSession, units: dict[str, OrgUnit], initiative: Initiative, team: Team
) -> int:
    """An outcome, a process and a balancing measure of the 5B initiative, measured weekly,
    and a term-based survey indicator of the administration that every school reports (Södra
    skolan has not reported HT 2026 yet)."""
    organisation_id = initiative.organisation_id
    school = team.org_unit_id
    common: dict[str, Any] = {
        "organisation_id": organisation_id,
        "initiative_id": initiative.id,
        "org_unit_id": school,
        "period_kind": PeriodKind.week,
    }
    outcome = Measure(
        **common,
        id=DEMO_IDS["measure: 5B-DELAKTIGHET"],
        name="Andel elever i 5B som upplever att de kan påverka lektionen",
        operational_definition="Exit ticket varje fredag: 'Kunde du påverka hur vi arbetade "
        "idag?' Täljare: antal ja; nämnare: antal svar. Mentorn räknar samma dag.",
        measure_type=MeasureType.outcome,
        value_kind=ValueKind.proportion,
        unit_label="%",
        direction=BetterDirection.up,
        target_value=70.0,
        target_on=date(2027, 6, 15),
        external_code="5B-DELAKTIGHET",
    )
    process = Measure(
        **common,
        name="Lektioner med exit ticket per vecka",
        operational_definition="Antal lektioner i 5B som avslutades med exit ticket.",
        measure_type=MeasureType.process,
        value_kind=ValueKind.count,
        unit_label="lektioner",
        direction=BetterDirection.up,
        target_value=5.0,
    )
    balancing = Measure(
        **common,
        name="Lärartid för exit tickets",
        operational_definition="Minuter per vecka som lärarna lägger på att ta fram och "
        "sammanställa exit tickets (egen tidlogg).",
        measure_type=MeasureType.balancing,
        value_kind=ValueKind.continuous,
        unit_label="minuter",
        direction=BetterDirection.down,
    )
    safety = Measure(
        organisation_id=organisation_id,
        org_unit_id=units["Barn- och utbildningsförvaltningen"].id,
        name="Trygghet (elevenkät)",
        description="Andel elever som instämmer i 'Jag känner mig trygg i skolan'.",
        operational_definition="Skolenkäten varje termin, alla elever i åk 4–9. Täljare: "
        "instämmer helt eller delvis; nämnare: antal svar.",
        measure_type=MeasureType.outcome,
        value_kind=ValueKind.proportion,
        unit_label="%",
        direction=BetterDirection.up,
        target_value=85.0,
        period_kind=PeriodKind.term,
        external_code="TRYGGHET",
        min_denominator=10,
        reporting_unit_kind=OrgUnitKind.school,
    )
    session.add_all([outcome, process, balancing, safety])
    await session.flush()
    now = datetime(2026, 12, 1, 8, tzinfo=UTC)
    rows: list[Measurement] = []

    def add(
        measure: Measure,
        unit_id: Any,
        period: Period,
        value: float,
        numerator: float | None = None,
        denominator: float | None = None,
    ) -> None:
        rows.append(
            Measurement(
                organisation_id=organisation_id,
                measure_id=measure.id,
                org_unit_id=unit_id,
                period_ordinal=period.ordinal,
                period_key=period.key,
                period_first_on=period.first_day,
                value=value,
                numerator=numerator,
                denominator=denominator,
                source=MeasurementSource.form.value,
                recorded_at=now,
            )
        )

    for week, answers, yes, lessons, minutes in _WEEKS:
        period = parse_period(PeriodKind.week, f"2026-W{week:02d}")
        add(outcome, school, period, yes / answers * 100, yes, answers)
        add(process, school, period, lessons)
        add(balancing, school, period, minutes)
    for unit_name, term, answers, safe in _SAFETY:
        period = parse_period(PeriodKind.term, term)
        add(safety, units[unit_name].id, period, safe / answers * 100, safe, answers)
    session.add_all(rows)
    await session.flush()
    return 4 + len(rows)
