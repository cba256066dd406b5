"""Isolation cases for measures and measurements.

The victim's measures sit at the school (an initiative's) and at north (a shared indicator),
so the sibling-scope admin must see none of them; a root indicator would be a legitimate read.
"""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.cycles.models import Cycle
from app.cycles.stages import Stage
from app.db import utcnow
from app.initiatives.models import Initiative, InitiativeStatus
from app.measures.models import Measure, Measurement, MeasureType, ValueKind
from app.periods import PeriodKind, parse_period
from tests.factories import Tenant
from tests.isolation.framework import Case


def _measure(tenant: Tenant, **fields: object) -> Measure:
    return Measure(
        organisation_id=tenant.organisation.id,
        measure_type=MeasureType.outcome,
        value_kind=ValueKind.count,
        period_kind=PeriodKind.week,
        **fields,  # type: ignore[arg-type]
    )


def _measurement(tenant: Tenant, measure: Measure, week: int, value: float) -> Measurement:
    period = parse_period(PeriodKind.week, f"2026-W{week:02d}")
    return Measurement(
        organisation_id=tenant.organisation.id,
        measure_id=measure.id,
        org_unit_id=tenant.school.id,
        period_ordinal=period.ordinal,
        period_key=period.key,
        period_first_on=period.first_day,
        value=value,
        source="api",
        recorded_at=utcnow(),
    )


async def populate(session: AsyncSession, tenant: Tenant) -> dict[str, uuid.UUID]:
    initiative = Initiative(
        organisation_id=tenant.organisation.id,
        team_id=tenant.team.id,
        title="Närvaro",
        focus_area="närvaro",
        status=InitiativeStatus.active,
    )
    session.add(initiative)
    await session.flush()
    measure = _measure(
        tenant, name="Frånvaro 5B", initiative_id=initiative.id, org_unit_id=tenant.school.id
    )
    indicator = _measure(tenant, name="Trygghet norr", org_unit_id=tenant.north.id)
    spare = _measure(tenant, name="Utkast", org_unit_id=tenant.school.id)
    session.add_all([measure, indicator, spare])
    await session.flush()
    measurement = _measurement(tenant, measure, 10, 3)
    spare_measurement = _measurement(tenant, measure, 11, 4)
    indicator_measurement = _measurement(tenant, indicator, 10, 7)
    cycle = Cycle(
        organisation_id=tenant.organisation.id,
        initiative_id=initiative.id,
        sequence=1,
        title="Cykel 1",
        stage=Stage.current_state,
    )
    session.add_all([measurement, spare_measurement, indicator_measurement, cycle])
    await session.commit()
    return {
        "initiative": initiative.id,
        "measure": measure.id,
        "indicator": indicator.id,
        "spare_measure": spare.id,
        "measurement": measurement.id,
        "spare_measurement": spare_measurement.id,
        "indicator_measurement": indicator_measurement.id,
        "measure_cycle": cycle.id,
    }


_NEW_MEASURE = {
    "name": "Inkräktarmått",
    "measure_type": "outcome",
    "value_kind": "count",
    "period_kind": "week",
    "org_unit_id": "{school}",
}

CASES: list[Case] = [
    Case("GET", "/measures", refused=200, lists=("measure", "indicator", "spare_measure")),
    Case(
        "GET",
        "/measures",
        query={"org_unit_id": "{north}", "include_descendants": "true"},
        lists=("measure", "indicator"),
        refused=422,
    ),
    Case(
        "GET", "/measures", query={"initiative_id": "{initiative}"}, lists=("measure",), refused=422
    ),
    Case(
        "POST",
        "/measures",
        body=_NEW_MEASURE,
        expect=201,
        refused=422,
        unchanged="/measures?org_unit_id={school}&limit=500",
    ),
    Case("GET", "/measures/{measure}"),
    Case("GET", "/measures/{indicator}"),
    Case("PATCH", "/measures/{indicator}", body={"name": "Kapat mått"}),
    Case("DELETE", "/measures/{spare_measure}", expect=204),
    Case("GET", "/measures/{measure}/series"),
    Case("GET", "/measures/{indicator}/series", query={"org_unit_id": "{school}"}),
    Case("GET", "/measures/{indicator}/reporting-status", query={"period": "2026-W10"}),
    Case("GET", "/measures/{measure}/template"),
    Case("GET", "/measures/{indicator}/template", query={"format": "xlsx"}),
    Case(
        "GET",
        "/measurements",
        refused=200,
        lists=("measurement", "spare_measurement", "indicator_measurement"),
    ),
    Case(
        "GET",
        "/measurements",
        query={"measure_id": "{indicator}"},
        lists=("indicator_measurement",),
        refused=422,
    ),
    Case(
        "GET",
        "/measurements",
        query={"org_unit_id": "{school}"},
        lists=("measurement", "indicator_measurement"),
        refused=422,
    ),
    Case(
        "POST",
        "/measurements",
        body={"measure_id": "{measure}", "period": "2026-W20", "value": 1},
        expect=201,
        refused=422,
        unchanged="/measurements?measure_id={measure}&limit=500",
    ),
    Case(
        "POST",
        "/measurements",
        body={
            "measure_id": "{indicator}",
            "org_unit_id": "{school}",
            "period": "2026-W10",
            "value": 9,
        },
        refused=422,
        unchanged="/measurements/{indicator_measurement}",
    ),
    Case(
        "POST",
        "/measurements/bulk",
        body={"measure_id": "{measure}", "rows": [{"period": "2026-W10", "value": 99}]},
        refused=422,
        unchanged="/measurements/{measurement}",
    ),
    Case("GET", "/measurements/{measurement}"),
    Case("GET", "/measurements/{indicator_measurement}"),
    Case("GET", "/measurements/{measurement}/history"),
    Case("DELETE", "/measurements/{spare_measurement}", expect=204),
    Case("GET", "/cycles/{measure_cycle}/measures"),
    Case(
        "PUT",
        "/cycles/{measure_cycle}/measures",
        body={"measure_ids": ["{measure}", "{indicator}"]},
        unchanged="/cycles/{measure_cycle}/measures",
    ),
]
