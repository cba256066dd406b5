"""A list request sends as many SQL statements for a page of 500 as for a page of 10.

Rows are written with Core inserts (one statement per table), then every list of the contract
is read at both page sizes while ``before_cursor_execute`` counts what reaches the database.
A per-row query (an N+1) would make the counts differ.
"""

import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import event, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from app.access_tokens.models import AccessToken
from app.access_tokens.secrets import hash_token
from app.audit.models import AuditEvent
from app.chart_links.models import ChartLink
from app.cli.demo import DEMO_ADMIN_TOKEN, load_demo
from app.commitments.models import Commitment
from app.context import Role
from app.cycles.models import Cycle, CycleStageTransition
from app.cycles.stages import Stage, StageDirection
from app.db import utcnow
from app.goals.models import Goal
from app.initiatives.models import Initiative, InitiativeGoal
from app.measures.models import Measure, Measurement, MeasureType, ValueKind
from app.openapi import EXAMPLE_IDS
from app.org_units.models import OrgUnit, OrgUnitKind
from app.periods import PeriodKind, parse_period
from app.teams.models import MemberRole, Team, TeamKind, TeamMember
from app.webhooks.models import WebhookEndpoint
from tests.analytics.factories import make_cycle, proportion_measure
from tests.commitments.factories import make_commitment
from tests.factories import Tenant, bearer, make_tenant
from tests.test_lists import _list_urls

ROWS = 505
"""Rows of each kind: more than the largest page."""


async def _insert(session: AsyncSession, rows: Sequence[SQLModel]) -> None:
    table = type(rows[0]).__table__  # type: ignore[attr-defined]
    await session.execute(insert(table), [row.model_dump() for row in rows])


@dataclass
class Many:
    tenant: Tenant
    ids: dict[str, uuid.UUID] = field(default_factory=dict)


async def make_many(session: AsyncSession) -> Many:
    """A tenant with ROWS objects of every kind a list shows, in its school or its team."""
    tenant = await make_tenant(session)
    organisation_id, school, team = tenant.organisation.id, tenant.school, tenant.team
    owned: dict[str, Any] = {"organisation_id": organisation_id}
    units = []
    for i in range(ROWS):
        unit = OrgUnit(
            **owned,
            name=f"Enhet {i:03}",
            kind=OrgUnitKind.other,
            parent_id=school.id,
            depth=school.depth + 1,
            path="",
        )
        unit.path = f"{school.path}{unit.id.hex}/"
        units.append(unit)
    await _insert(session, units)
    await _insert(
        session,
        [
            Team(**owned, org_unit_id=school.id, name=f"Team {i:03}", kind=TeamKind.leader_team)
            for i in range(ROWS)
        ],
    )
    await _insert(
        session,
        [
            TeamMember(
                **owned, team_id=team.id, display_name=f"Medlem {i:03}", role=MemberRole.member
            )
            for i in range(ROWS)
        ],
    )
    goals = [
        Goal(
            **owned,
            org_unit_id=school.id,
            title=f"Mål {i:03}",
            valid_to_on=date(2027, 1, 1) + timedelta(days=i) if i % 2 else None,
        )
        for i in range(ROWS)
    ]
    await _insert(session, goals)
    initiatives = [
        Initiative(**owned, team_id=team.id, title=f"Initiativ {i:03}", focus_area="trygghet")
        for i in range(ROWS)
    ]
    await _insert(session, initiatives)
    await _insert(
        session,
        [
            InitiativeGoal(**owned, initiative_id=initiative.id, goal_id=goal.id)
            for initiative, goal in zip(initiatives, goals, strict=True)
        ],
    )
    # One chain of cycles, each the successor of the one before (the list shows successors).
    cycles: list[Cycle] = []
    for i in range(ROWS):
        cycles.append(
            Cycle(
                **owned,
                initiative_id=initiatives[0].id,
                sequence=i + 1,
                predecessor_cycle_id=cycles[-1].id if cycles else None,
                title=f"Cykel {i:03}",
                stage=Stage.closed if i < ROWS - 1 else Stage.current_state,
            )
        )
    await _insert(session, cycles)
    await _insert(
        session,
        [
            CycleStageTransition(
                **owned,
                cycle_id=cycles[-1].id,
                position=i + 1,
                to_stage=Stage.current_state,
                direction=StageDirection.forward,
                actor_name="test setup",
            )
            for i in range(ROWS)
        ],
    )
    await _insert(
        session,
        [
            Commitment(
                **owned,
                goal_id=goals[i].id if i % 2 else None,
                initiative_id=None if i % 2 else initiatives[i].id,
                owner_name=f"Ägare {i:03}",
                description="Följa upp",
                due_on=date(2026, 1, 1) + timedelta(days=i),
            )
            for i in range(ROWS)
        ],
    )
    await _insert(
        session,
        [
            AccessToken(
                **owned,
                name=f"Token {i:03}",
                role=Role.viewer,
                token_prefix="pdca_many",
                token_hash=hash_token(f"pdca_many-{i}"),
            )
            for i in range(ROWS)
        ],
    )
    await _insert(
        session,
        [
            WebhookEndpoint(**owned, url=f"https://93.184.215.14/{i}", secret="whsec_x")
            for i in range(ROWS)
        ],
    )
    now = utcnow()
    await _insert(
        session,
        [
            AuditEvent(
                **owned,
                occurred_at=now - timedelta(seconds=i),
                actor_name="test setup",
                action="update",
                object_type="org_unit",
                object_id=unit.id,
                org_unit_id=unit.id,
                changes={"name": {"before": "x", "after": unit.name}},
            )
            for i, unit in enumerate(units)
        ],
    )
    measures = [
        Measure(
            **owned,
            org_unit_id=school.id,
            name=f"Mått {i:03}",
            measure_type=MeasureType.process,
            value_kind=ValueKind.count,
            period_kind=PeriodKind.day,
        )
        for i in range(ROWS)
    ]
    await _insert(session, measures)
    days = [parse_period(PeriodKind.day, date(2026, 1, 1) + timedelta(days=i)) for i in range(ROWS)]
    await _insert(
        session,
        [
            Measurement(
                **owned,
                measure_id=measures[0].id,
                org_unit_id=school.id,
                period_ordinal=day.ordinal,
                period_key=day.key,
                period_first_on=day.first_day,
                value=i,
                source="api",
                recorded_at=now,
            )
            for i, day in enumerate(days)
        ],
    )
    admin_token_id = (
        await session.execute(
            select(col(AccessToken.id)).where(
                col(AccessToken.token_hash) == hash_token(tenant.admin)
            )
        )
    ).scalar_one()
    await _insert(
        session,
        [
            ChartLink(
                **owned,
                measure_id=measures[0].id,
                org_unit_id=school.id,
                created_by_token_id=admin_token_id,
                token_prefix="many",
                token_hash=hash_token(f"chart-link-{i}"),
                options={},
                expires_at=now + timedelta(days=30),
            )
            for i in range(ROWS)
        ],
    )
    await session.commit()
    return Many(tenant, {"team_id": team.id, "cycle_id": cycles[-1].id})


@contextmanager
def counting(app: FastAPI) -> Iterator[list[str]]:
    """The statements sent on the app's engine while the block runs."""
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]).split()[0])

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_every_list_sends_as_many_statements_for_500_items_as_for_10(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    many = await make_many(session)
    headers = many.tenant.headers
    # The first request of a token may write its last_used_at; later ones do not.
    assert (await client.get("/api/v1/organisation", headers=headers)).status_code == 200
    paths = [path.format(**many.ids) for path in _list_urls()]
    assert len(paths) == 15
    figures = {}
    for path in paths:
        for variant in ("", "&include_total=false"):
            counts = []
            for limit in (10, 500):
                with counting(app) as statements:
                    response = await client.get(f"{path}?limit={limit}{variant}", headers=headers)
                assert response.status_code == 200, f"{path}: {response.text}"
                assert len(response.json()["items"]) == limit, f"{path}: too few rows to measure"
                counts.append(len(statements))
                cursor = response.json()["next_cursor"]
            with counting(app) as statements:
                response = await client.get(
                    f"{path}?limit=500&after={cursor}{variant}", headers=headers
                )
            assert response.status_code == 200, f"{path}: {response.text}"
            counts.append(len(statements))
            assert len(set(counts)) == 1, (
                f"{path}{variant}: {counts} statements for 10, 500 and 500 after a cursor"
            )
            figures[f"{path}{variant}"] = counts[0]
    # Without the count(*) every list sends one statement fewer.
    for path in paths:
        assert figures[f"{path}&include_total=false"] == figures[path] - 1, path


async def test_a_units_overview_sends_as_many_statements_for_a_large_unit_as_for_a_small_one(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    many = await make_many(session)
    small = await make_tenant(session, "Lillby kommun")
    measured = await proportion_measure(client, session, small, [("2026-W10", 3, 25)])
    await make_cycle(session, measured.initiative)
    await make_commitment(session, initiative=measured.initiative, due_on=date(2026, 1, 1))
    counts = {}
    for tenant in (small, many.tenant):
        url = f"/api/v1/org-units/{tenant.school.id}/overview"
        # The first request of a token may write its last_used_at; later ones do not.
        assert (await client.get(url, headers=tenant.headers)).status_code == 200
        with counting(app) as statements:
            response = await client.get(url, headers=tenant.headers)
        assert response.status_code == 200, response.text
        counts[tenant.organisation.name] = len(statements)
        body = response.json()
    assert body["goals"]["truncated"] and body["initiatives"]["truncated"]
    assert body["measures"]["truncated"] and body["overdue"]["commitments"]["truncated"]
    assert len(body["measures"]["items"]) == 50
    assert len(set(counts.values())) == 1, counts


# ----------------------------------------------------------------- writes (issue 19)

CONTRACT = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"
WRITE_METHODS = ("post", "put", "patch", "delete")

CREATED_ID = {
    "create_team_member": "member_id",
    "create_measure_phase": "phase_id",
    "create_measure_exclusion": "exclusion_id",
    "create_measure_annotation": "annotation_id",
    "record_measurement": "measurement_id",
    "create_chart_link": "chart_link_id",
    "create_commitment": "commitment_id",
    "create_access_token": "token_id",
    "create_webhook": "webhook_id",
}
"""Path ids the contract has no example for: taken from the answer of the operation that
creates such an object, which runs earlier (creations first, deletions last)."""

UPLOADS = {
    "import_org_units": ("", "namn;kod;typ;överordnad\nNyskolan;99990001;school;48213301\n"),
    "import_measures": (
        "",
        "namn;kod;enhet;värdetyp;periodtyp\nNytt mått;NY-MATT;48213301;count;month\n",
    ),
    "upload_measurements": (
        f"?measure_id={EXAMPLE_IDS['measure_id']}&org_unit_id={EXAMPLE_IDS['org_unit_id']}",
        "period;täljare;nämnare\n2026-W44;12;24\n2026-W45;13;24\n",
    ),
}
"""Query and body of the operations that take a file (a CSV here), written for the demo data."""

WRITE_STATEMENTS: dict[str, tuple[int, int]] = {
    "update_organisation": (5, 6),
    "create_org_unit": (8, 10),
    "import_org_units": (5, 7),
    "update_org_unit": (5, 6),
    "move_org_unit": (4, 6),
    "archive_org_unit": (11, 13),
    "restore_org_unit": (8, 10),
    "create_team": (5, 6),
    "update_team": (5, 6),
    "create_team_member": (5, 6),
    "update_team_member": (7, 8),
    "create_goal": (8, 10),
    "update_goal": (7, 8),
    "create_initiative": (14, 17),
    "update_initiative": (14, 17),
    "create_cycle": (4, 5),
    "update_cycle": (9, 11),
    "transition_cycle": (17, 19),
    "create_next_cycle": (3, 4),
    "set_cycle_measures": (12, 14),
    "create_measure": (7, 8),
    "import_measures": (8, 10),
    "update_measure": (6, 7),
    "create_measure_phase": (10, 11),
    "create_measure_exclusion": (10, 11),
    "create_measure_annotation": (9, 10),
    "record_measurement": (13, 15),
    "record_measurements": (9, 10),
    "upload_measurements": (11, 12),
    "create_chart_link": (14, 15),
    "analyse_series": (2, 3),
    "draw_series_chart": (2, 3),
    "draw_series_chart_png": (2, 3),
    "create_commitment": (7, 8),
    "update_commitment": (6, 7),
    "create_access_token": (5, 6),
    "update_access_token": (5, 6),
    "revoke_access_token": (5, 6),
    "create_webhook": (5, 6),
    "update_webhook": (5, 7),
    "rotate_webhook_secret": (7, 9),
    "replay_webhook": (4, 5),
    "delete_webhook": (7, 8),
    "delete_commitment": (6, 7),
    "revoke_chart_link": (5, 6),
    "delete_measurement": (7, 8),
    "delete_measure_annotation": (8, 9),
    "delete_measure_exclusion": (7, 8),
    "delete_measure_phase": (8, 9),
    "delete_measure": (7, 8),
    "delete_cycle": (3, 4),
    "delete_initiative": (10, 11),
    "delete_goal": (6, 7),
    "delete_team_member": (7, 8),
    "delete_team": (21, 22),
    "delete_org_unit": (6, 7),
    "import_organisation": (20, 21),
}
"""The statements each write operation of the contract sends today (on SQLite, on PostgreSQL),
against the demo data, as this test sends it, in order (an answer's status does not matter, the
count does; in tests the transaction's begin and end are a SAVEPOINT and its RELEASE, counted
too): a change that makes one send more fails here. Lower a number when a change makes an operation send fewer. A new write
operation fails the test until it is recorded here."""


def _write_operations() -> list[tuple[str, str, dict[str, Any]]]:
    contract = json.loads(CONTRACT.read_text(encoding="utf-8"))
    found = [
        (method, path, operation)
        for path, item in contract["paths"].items()
        for method, operation in item.items()
        if method in WRITE_METHODS
    ]
    # Creations first (their answers name the ids later operations need), deletions last and
    # in reverse (dependents before what they depend on).
    kept = [op for op in found if op[0] != "delete"]
    return kept + [op for op in reversed(found) if op[0] == "delete"]


def _json_example(operation: dict[str, Any], contract: dict[str, Any]) -> Any:
    media = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if media is None:
        return None
    if "example" in media:
        return media["example"]
    if "examples" in media:
        return next(iter(media["examples"].values()))["value"]
    ref = media.get("schema", {}).get("$ref", "")
    return contract["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {}).get("example")


async def test_every_write_operation_sends_no_more_statements_than_recorded(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    await load_demo(session)
    headers = bearer(DEMO_ADMIN_TOKEN)
    contract = json.loads(CONTRACT.read_text(encoding="utf-8"))
    # The first request of a token may write its last_used_at; later ones do not.
    assert (await client.get("/api/v1/organisation", headers=headers)).status_code == 200
    ids = dict(EXAMPLE_IDS)
    counts: dict[str, int] = {}
    for method, path, operation in _write_operations():
        name = operation["operationId"]
        url = path
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                url = url.replace("{" + parameter["name"] + "}", ids[parameter["name"]])
        kwargs: dict[str, Any] = {}
        if name in UPLOADS:
            query, text = UPLOADS[name]
            url += query
            kwargs["content"] = text.encode()
            kwargs["headers"] = {**headers, "Content-Type": "text/csv"}
        else:
            body = _json_example(operation, contract)
            if body is not None:
                kwargs["json"] = body
            kwargs["headers"] = headers
        with counting(app) as statements:
            response = await client.request(method.upper(), url, **kwargs)
        assert response.status_code < 500, f"{name}: {response.text}"
        counts[name] = len(statements)
        if name in CREATED_ID and response.status_code in (200, 201):
            ids[CREATED_ID[name]] = response.json()["id"]
    assert set(counts) == set(WRITE_STATEMENTS), (
        "record every write operation's statements in WRITE_STATEMENTS: "
        + repr({name: n for name, n in counts.items() if name not in WRITE_STATEMENTS})
    )
    backend = 0 if app.state.engine.dialect.name == "sqlite" else 1
    grown = {
        name: (WRITE_STATEMENTS[name][backend], n)
        for name, n in counts.items()
        if n > WRITE_STATEMENTS[name][backend]
    }
    assert not grown, f"statements (recorded, now) grew: {grown}"


SINGLE_POST = {"sqlite": (5, 10), "postgresql": (6, 13)}
"""Statements of one ``POST /teams`` without and with an Idempotency-Key (issue 19's row), with
the test's SAVEPOINT and RELEASE; ``make bench`` prints them as production sends them."""


async def test_a_single_post_sends_no_more_statements_than_recorded(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    headers = tenant.headers
    assert (await client.get("/api/v1/organisation", headers=headers)).status_code == 200
    body = {"name": "Räknat team", "kind": "improvement_team", "org_unit_id": str(tenant.school.id)}
    counts = []
    for extra in ({}, {"Idempotency-Key": str(uuid.uuid4())}):
        with counting(app) as statements:
            response = await client.post("/api/v1/teams", json=body, headers={**headers, **extra})
        assert response.status_code == 201, response.text
        counts.append(len(statements))
    recorded = SINGLE_POST[app.state.engine.dialect.name]
    assert counts[0] <= recorded[0] and counts[1] <= recorded[1], (recorded, counts)
