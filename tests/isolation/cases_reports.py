"""Isolation cases for the cycle evidence and the roll-up report.

They reuse the measures' objects (``cases_measures.populate``): a cycle of the school's
initiative and a shared indicator of north, so the sibling-scope admin reaches neither, and
another organisation's admin neither; north's own admin reads both.
"""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import Tenant
from tests.isolation import cases_measures
from tests.isolation.framework import Case


async def populate(session: AsyncSession, tenant: Tenant) -> dict[str, uuid.UUID]:
    return await cases_measures.populate(session, tenant)


CASES: list[Case] = [
    Case("GET", "/cycles/{measure_cycle}/evidence"),
    Case("GET", "/cycles/{measure_cycle}/evidence", query={"chart": "run"}),
    Case("GET", "/measures/{indicator}/report", query={"period": "2026-W10"}),
    Case(
        "GET",
        "/measures/{indicator}/report",
        query={"period": "2026-W10", "org_unit_id": "{school}", "format": "csv"},
    ),
    Case("GET", "/measures/{measure}/report", query={"period": "2026-W10"}),
]
