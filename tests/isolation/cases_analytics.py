"""Isolation cases for a measure's analysis, its chart settings and the table at a glance.

The victim's measures are those of ``cases_measures`` (an initiative's at the school, a shared
indicator at north), with a phase, an exclusion and a note on the initiative's measure. The two
series operations (``POST /analytics/series`` and its chart) read and write nothing stored:
``test_a_sent_series_is_neither_stored_nor_mixed_with_anyones_data`` covers them.
"""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.charts.models import MeasureAnnotation, MeasureExclusion, MeasurePhase
from app.periods import PeriodKind, parse_period
from tests.factories import Tenant
from tests.isolation import cases_measures
from tests.isolation.framework import Case


async def populate(session: AsyncSession, tenant: Tenant) -> dict[str, uuid.UUID]:
    names = await cases_measures.populate(session, tenant)
    week = parse_period(PeriodKind.week, "2026-W10")
    at: dict[str, Any] = {
        "organisation_id": tenant.organisation.id,
        "measure_id": names["measure"],
        "period_ordinal": week.ordinal,
        "period_key": week.key,
        "period_first_on": week.first_day,
    }
    phase = MeasurePhase(**at, org_unit_id=tenant.school.id, reason="Nytt schema")
    exclusion = MeasureExclusion(**at, org_unit_id=tenant.school.id, reason="Provvecka")
    note = MeasureAnnotation(**at, org_unit_id=tenant.school.id, text="Studiedag")
    session.add_all([phase, exclusion, note])
    await session.commit()
    return {**names, "phase": phase.id, "exclusion": exclusion.id, "note": note.id}


CASES: list[Case] = [
    Case("GET", "/measures/{measure}/analysis"),
    Case("GET", "/measures/{indicator}/analysis", query={"org_unit_id": "{school}"}),
    Case(
        "GET",
        "/measures/{indicator}/analysis",
        query={"org_unit_id": "{north}", "include_descendants": "true"},
    ),
    Case(
        "GET",
        "/measures/{indicator}/analysis",
        query={"org_unit_id": "{north}", "include_descendants": "true", "chart": "xbar"},
    ),
    Case("GET", "/measures/{measure}/analysis.csv"),
    Case("GET", "/measures/{measure}/chart.svg"),
    Case("GET", "/measures/{indicator}/chart.svg", query={"org_unit_id": "{school}"}),
    Case("GET", "/measures/{measure}/chart.png"),
    Case("GET", "/measures/{indicator}/chart.png", query={"org_unit_id": "{school}"}),
    Case("GET", "/measures/{measure}/phases"),
    Case(
        "POST",
        "/measures/{measure}/phases",
        body={"period": "2026-W11", "reason": "Inkräktarens fas"},
        expect=201,
        unchanged="/measures/{measure}/phases",
    ),
    Case(
        "DELETE",
        "/measures/{measure}/phases/{phase}",
        expect=204,
        unchanged="/measures/{measure}/phases",
    ),
    Case("GET", "/measures/{measure}/exclusions"),
    Case(
        "POST",
        "/measures/{measure}/exclusions",
        body={"period": "2026-W11", "reason": "Inkräktarens undantag"},
        expect=201,
        unchanged="/measures/{measure}/exclusions",
    ),
    Case(
        "POST",
        "/measures/{indicator}/exclusions",
        body={"period": "2026-W10", "org_unit_id": "{school}", "reason": "Inkräktarens undantag"},
        expect=201,
        unchanged="/measures/{indicator}/exclusions",
    ),
    Case(
        "DELETE",
        "/measures/{measure}/exclusions/{exclusion}",
        expect=204,
        unchanged="/measures/{measure}/exclusions",
    ),
    Case("GET", "/measures/{measure}/annotations"),
    Case(
        "POST",
        "/measures/{measure}/annotations",
        body={"period": "2026-W11", "text": "Inkräktarens anteckning"},
        expect=201,
        unchanged="/measures/{measure}/annotations",
    ),
    Case(
        "DELETE",
        "/measures/{measure}/annotations/{note}",
        expect=204,
        unchanged="/measures/{measure}/annotations",
    ),
    Case("GET", "/analytics/measures", refused=200, lists=("measure", "indicator")),
    Case(
        "GET",
        "/analytics/measures",
        query={"initiative_id": "{initiative}"},
        lists=("measure",),
        refused=422,
    ),
    Case(
        "GET",
        "/analytics/measures",
        query={"org_unit_id": "{school}", "include_descendants": "true"},
        lists=("measure", "indicator"),
        refused=422,
    ),
]
