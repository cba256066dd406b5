"""Rows written with Core carry their audit entries in the same transaction."""

import uuid

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.audit.models import AuditAction, AuditEvent
from app.context import Context
from app.teams.models import Team
from tests.factories import make_tenant

CONTEXT = Context(actor="core audit test", request_id="req-core-1")


def _rename(team: Team, name: str) -> audit.AuditEntry:
    return audit.AuditEntry(
        organisation_id=team.organisation_id,
        object_type="team",
        object_id=team.id,
        action=AuditAction.update,
        changes={"name": audit.changed(team.name, name)},
        org_unit_id=team.org_unit_id,
    )


async def _entries(session: AsyncSession, object_id: uuid.UUID) -> list[AuditEvent]:
    rows = await session.execute(
        select(AuditEvent).where(
            AuditEvent.object_id == object_id,  # type: ignore[arg-type]
            AuditEvent.actor_name == CONTEXT.actor,  # type: ignore[arg-type]
        )
    )
    return list(rows.scalars())


async def test_a_core_write_commits_with_its_audit_entries(
    app: FastAPI, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    team = tenant.team
    async with app.state.write_sessionmaker(context=CONTEXT) as writer:
        await writer.execute(
            update(Team).where(Team.id == team.id).values(name="Team Core")  # type: ignore[arg-type]
        )
        assert await audit.record(writer, [_rename(team, "Team Core")]) == 1
        await writer.commit()
    entries = await _entries(session, team.id)
    assert len(entries) == 1
    assert entries[0].changes == {"name": {"before": team.name, "after": "Team Core"}}
    assert entries[0].request_id == "req-core-1"
    assert entries[0].org_unit_id == team.org_unit_id


async def test_a_rolled_back_core_write_leaves_no_audit_entry(
    app: FastAPI, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    team = tenant.team
    async with app.state.write_sessionmaker(context=CONTEXT) as writer:
        await writer.execute(
            update(Team).where(Team.id == team.id).values(name="Never")  # type: ignore[arg-type]
        )
        await audit.record(writer, [_rename(team, "Never")])
        await writer.rollback()
    assert await _entries(session, team.id) == []
    await session.refresh(team)
    assert team.name != "Never"


async def test_a_unit_move_audits_every_descendant(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    moved = await client.post(
        f"/api/v1/org-units/{tenant.north.id}/move",
        json={"parent_id": str(tenant.south.id)},
        headers=tenant.headers,
    )
    assert moved.status_code == 200
    response = await client.get(
        f"/api/v1/audit-events?object_id={tenant.school.id}&action=move", headers=tenant.headers
    )
    [entry] = response.json()["items"]
    assert entry["request_id"] == moved.headers["x-request-id"]
    assert entry["changes"]["depth"] == {
        "before": tenant.school.depth,
        "after": tenant.school.depth + 1,
    }
    assert entry["changes"]["path"]["before"] == tenant.school.path
    assert entry["changes"]["path"]["after"].endswith(
        f"{tenant.south.id.hex}/{tenant.north.id.hex}/{tenant.school.id.hex}/"
    )
