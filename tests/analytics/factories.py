"""Measures with measurements, and cycles that follow them, for the analytics API tests."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.cycles.models import Cycle, CycleStageTransition
from app.cycles.stages import Stage, StageDirection
from app.initiatives.models import Initiative
from tests.cycles.factories import make_initiative
from tests.factories import Tenant
from tests.measures.factories import create_measure


@dataclass
class Measured:
    tenant: Tenant
    initiative: Initiative
    measure: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.measure["id"])

    @property
    def url(self) -> str:
        return f"/api/v1/measures/{self.id}"


def weeks(first: int, count: int, year: int = 2026) -> list[str]:
    return [f"{year}-W{week:02d}" for week in range(first, first + count)]


async def send(
    client: AsyncClient,
    headers: dict[str, str],
    measure_id: str,
    rows: Sequence[dict[str, Any]],
    **defaults: Any,
) -> None:
    response = await client.post(
        "/api/v1/measurements/bulk",
        json={"measure_id": measure_id, **defaults, "rows": list(rows)},
        headers=headers,
    )
    assert response.status_code == 200, response.text


async def proportion_measure(
    client: AsyncClient,
    session: AsyncSession,
    tenant: Tenant,
    answers: Sequence[tuple[str, int, int] | None],
    **fields: Any,
) -> Measured:
    """A weekly proportion of the tenant's team (target 70 %), with (period, yes, answers)."""
    initiative = await make_initiative(session, tenant.team)
    measure = await create_measure(
        client, tenant.headers, initiative_id=str(initiative.id), **fields
    )
    rows = [
        {"period": period, "numerator": yes, "denominator": total}
        for item in answers
        if item is not None
        for period, yes, total in [item]
    ]
    if rows:
        await send(client, tenant.headers, measure["id"], rows)
    return Measured(tenant, initiative, measure)


async def make_cycle(
    session: AsyncSession,
    initiative: Initiative | uuid.UUID,
    *,
    title: str = "Exit tickets i 5B",
    decision: str | None = None,
    sequence: int = 1,
    stages: Sequence[tuple[Stage | None, Stage, datetime]] = (),
    test_started_on: date | None = None,
) -> Cycle:
    """A cycle with the given decision and stage history (written as the service would)."""
    initiative_id = initiative if isinstance(initiative, uuid.UUID) else initiative.id
    organisation_id = (
        initiative.organisation_id
        if isinstance(initiative, Initiative)
        else (await session.get(Initiative, initiative_id)).organisation_id  # type: ignore[union-attr]
    )
    cycle = Cycle(
        organisation_id=organisation_id,
        initiative_id=initiative_id,
        sequence=sequence,
        title=title,
        stage=stages[-1][1] if stages else Stage.current_state,
        decision=decision,  # type: ignore[arg-type]
        test_started_on=test_started_on,
    )
    session.add(cycle)
    await session.flush()
    for position, (from_stage, to_stage, occurred_at) in enumerate(stages, start=1):
        session.add(
            CycleStageTransition(
                organisation_id=organisation_id,
                cycle_id=cycle.id,
                position=position,
                from_stage=from_stage,
                to_stage=to_stage,
                direction=StageDirection.forward,
                actor_name="Karin Ek",
                occurred_at=occurred_at,
            )
        )
    await session.commit()
    return cycle
