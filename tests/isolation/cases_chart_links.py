"""Isolation cases for chart links: a link to the school's measure made by north's admin.

Neither the sibling-scope admin nor another organisation's admin may link that chart, see the
link in their list or revoke it; the drawn link itself (no token) is tested in
tests/portal/test_chart_links.py.
"""

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.access_tokens.models import AccessToken
from app.access_tokens.secrets import hash_token
from app.chart_links.models import ChartLink
from app.db import utcnow
from tests.factories import Tenant
from tests.isolation import cases_measures
from tests.isolation.framework import Case


async def populate(session: AsyncSession, tenant: Tenant) -> dict[str, uuid.UUID]:
    ids = await cases_measures.populate(session, tenant)
    creator = (
        await session.execute(
            select(col(AccessToken.id)).where(
                col(AccessToken.token_hash) == hash_token(tenant.north_admin)
            )
        )
    ).scalar_one()
    link = ChartLink(
        organisation_id=tenant.organisation.id,
        measure_id=ids["measure"],
        org_unit_id=tenant.school.id,
        created_by_token_id=creator,
        token_prefix="abcdef",
        token_hash=uuid.uuid4().hex,
        options={"chart": "run"},
        expires_at=utcnow() + timedelta(days=1),
    )
    session.add(link)
    await session.commit()
    return {**ids, "chart_link": link.id}


CASES: list[Case] = [
    Case(
        "POST",
        "/measures/{measure}/chart-links",
        body={"expires_in": 3600, "chart": "run"},
        expect=201,
        unchanged="/chart-links?limit=500",
    ),
    Case("GET", "/chart-links", refused=200, lists=("chart_link",)),
    Case("DELETE", "/chart-links/{chart_link}", expect=204, unchanged="/chart-links?limit=500"),
]
