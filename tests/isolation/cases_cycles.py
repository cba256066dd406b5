"""Isolation cases for improvement cycles, their transitions and the next-cycle action."""

import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.cycles.models import Cycle, CycleStageTransition
from app.cycles.stages import Decision, Stage, StageDirection
from app.initiatives.models import Initiative, InitiativeStatus
from tests.factories import Tenant
from tests.isolation.framework import Case


def _cycle(initiative: Initiative, sequence: int, stage: Stage, **content: Any) -> Cycle:
    return Cycle(
        organisation_id=initiative.organisation_id,
        initiative_id=initiative.id,
        sequence=sequence,
        title=f"Cykel {sequence}",
        stage=stage,
        change_idea="Exit tickets",
        question="Kan eleverna påverka mer?",
        current_state_description="45 % instämmer",
        baseline_start_on=date(2026, 9, 7),
        baseline_end_on=date(2026, 9, 18),
        **content,
    )


async def populate(session: AsyncSession, tenant: Tenant) -> dict[str, uuid.UUID]:
    """An initiative of the school's team with a cycle ready to leave nuläge and one closed with adapt."""
    initiative = Initiative(
        organisation_id=tenant.organisation.id,
        team_id=tenant.team.id,
        title="Delaktighet i klass 5B",
        focus_area="delaktighet",
        status=InitiativeStatus.active,
    )
    session.add(initiative)
    await session.flush()
    ready = _cycle(initiative, 1, Stage.current_state)
    adapted = _cycle(
        initiative,
        2,
        Stage.closed,
        prediction="55 %",
        scale="en klass",
        analysis_summary="Sällan tillfrågade",
        actions=[{"description": "Exit tickets", "responsible": None}],
        test_started_on=date(2026, 10, 5),
        test_ended_on=date(2026, 10, 16),
        results="52 %",
        learning="Visa vad förslagen leder till",
        decision=Decision.adapt,
    )
    session.add_all([ready, adapted])
    await session.flush()
    for cycle in (ready, adapted):
        session.add(
            CycleStageTransition(
                organisation_id=cycle.organisation_id,
                cycle_id=cycle.id,
                position=1,
                to_stage=Stage.current_state,
                direction=StageDirection.forward,
                actor_name="test setup",
            )
        )
    await session.commit()
    return {"initiative": initiative.id, "cycle": ready.id, "adapted_cycle": adapted.id}


CASES: list[Case] = [
    Case("GET", "/cycles", refused=200, lists=("cycle", "adapted_cycle")),
    Case("GET", "/cycles", query={"active": "true"}, refused=200, lists=("cycle",)),
    Case("GET", "/cycles", query={"initiative_id": "{initiative}"}, refused=422, lists=("cycle",)),
    Case(
        "GET",
        "/cycles",
        query={"org_unit_id": "{north}", "include_descendants": "true"},
        refused=422,
        lists=("cycle", "adapted_cycle"),
    ),
    Case("GET", "/cycles", query={"team_id": "{team}"}, refused=422, lists=("cycle",)),
    Case(
        "POST",
        "/cycles",
        body={"initiative_id": "{initiative}", "title": "Inkräktarcykel"},
        expect=201,
        refused=422,
        unchanged="/cycles?initiative_id={initiative}&limit=500",
    ),
    Case("GET", "/cycles/{cycle}"),
    Case("PATCH", "/cycles/{cycle}", body={"title": "Kapad cykel"}),
    Case("DELETE", "/cycles/{cycle}", expect=204),
    Case("GET", "/cycles/{cycle}/transitions"),
    Case(
        "POST",
        "/cycles/{cycle}/transitions",
        body={"to_stage": "analysis"},
        unchanged="/cycles/{cycle}",
    ),
    Case(
        "POST",
        "/cycles/{adapted_cycle}/next-cycle",
        body={"title": "Inkräktarens nästa cykel"},
        expect=201,
        unchanged="/cycles?initiative_id={initiative}&limit=500",
    ),
]
