"""Measures made over HTTP, the way a client makes them."""

from typing import Any

from httpx import AsyncClient

from app.org_units.models import OrgUnit
from tests.factories import Tenant

PROPORTION: dict[str, Any] = {
    "name": "Andel elever som upplever delaktighet",
    "measure_type": "outcome",
    "value_kind": "proportion",
    "unit_label": "%",
    "direction": "up",
    "target_value": 70,
    "period_kind": "week",
}


async def create_measure(
    client: AsyncClient, headers: dict[str, str], **fields: Any
) -> dict[str, Any]:
    response = await client.post("/api/v1/measures", json={**PROPORTION, **fields}, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def create_indicator(
    client: AsyncClient, tenant: Tenant, unit: OrgUnit | None = None, **fields: Any
) -> dict[str, Any]:
    """A term-based shared indicator of the whole municipality (the tenant's root)."""
    return await create_measure(
        client,
        tenant.headers,
        **{
            "name": "Trygghet (elevenkät)",
            "period_kind": "term",
            "org_unit_id": str((unit or tenant.root).id),
            "external_code": "TRYGG",
            **fields,
        },
    )
