"""Issue 13 (defects 6, 8 and 10): bounded derived values, JSON numbers only, external ids
that reveal nothing outside the caller's unit, and a race on one external id that names its row.
"""

import asyncio
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.audit.models import AuditEvent
from app.context import Role
from app.measures.models import Measurement
from tests.conftest import Independent
from tests.cycles.factories import make_initiative
from tests.factories import Tenant, bearer, make_tenant, make_token
from tests.measures.factories import create_indicator, create_measure


async def _measure(
    client: AsyncClient, session: AsyncSession, tenant: Tenant, **fields: Any
) -> dict[str, Any]:
    initiative = await make_initiative(session, tenant.team)
    return await create_measure(client, tenant.headers, initiative_id=str(initiative.id), **fields)


async def _stored(session: AsyncSession) -> tuple[int, int]:
    measurements = await session.scalar(select(func.count()).select_from(Measurement))
    entries = await session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(col(AuditEvent.object_type) == "measurement")
    )
    return int(measurements or 0), int(entries or 0)


@pytest.mark.parametrize(
    ("numerator", "denominator"),
    [(1e12, 1e-300), (1, 1e-300), (1, 5e-324), (2, 1e-12)],
)
async def test_a_rate_beyond_the_documented_range_is_refused_naming_the_denominator(
    client: AsyncClient, session: AsyncSession, numerator: float, denominator: float
) -> None:
    tenant = await make_tenant(session)
    measure = await _measure(client, session, tenant, value_kind="rate")
    single = await client.post(
        "/api/v1/measurements",
        json={
            "measure_id": measure["id"],
            "period": "2026-W37",
            "numerator": numerator,
            "denominator": denominator,
        },
        headers=tenant.headers,
    )
    assert single.status_code == 422, single.text
    assert single.json()["type"].endswith("rows-refused")
    [error] = single.json()["errors"]
    assert error["field"] == "body.denominator"
    assert "1e+12" in error["message"]

    rows = [{"period": f"2026-W{week}", "numerator": 3, "denominator": 150} for week in (1, 2, 3)]
    rows.append({"period": "2026-W04", "numerator": numerator, "denominator": denominator})
    bulk = await client.post(
        "/api/v1/measurements/bulk",
        json={"measure_id": measure["id"], "rows": rows},
        headers=tenant.headers,
    )
    assert bulk.status_code == 422, bulk.text
    assert [e["field"] for e in bulk.json()["errors"]] == ["body.rows[3].denominator"]
    assert await _stored(session) == (0, 0)


async def test_a_rate_at_the_edge_of_the_range_is_stored(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    measure = await _measure(client, session, tenant, value_kind="rate")
    response = await client.post(
        "/api/v1/measurements",
        json={
            "measure_id": measure["id"],
            "period": "2026-W37",
            "numerator": 1e6,
            "denominator": 1e-6,
        },
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["value"] == pytest.approx(1e12)


async def test_a_file_value_beyond_the_range_is_refused_naming_its_row(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    measure = await _measure(client, session, tenant, value_kind="continuous", external_code="BIG")
    body = f"measure;period;value\r\n{measure['id']};2026-W10;1\r\nBIG;2026-W11;1e20\r\n"
    response = await client.post(
        "/api/v1/measurements/upload",
        content=body.encode(),
        headers={**tenant.headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 422, response.text
    fields = [e["field"] for e in response.json()["errors"]]
    assert len(fields) == 1 and fields[0].startswith("file.rows[") and fields[0].endswith(".value")
    assert await _stored(session) == (0, 0)


@pytest.mark.parametrize("name", ["value", "numerator", "denominator"])
@pytest.mark.parametrize("sent", [True, False, "12", "1e3", [1], {"n": 1}])
async def test_figures_are_json_numbers_only(
    client: AsyncClient, session: AsyncSession, name: str, sent: object
) -> None:
    tenant = await make_tenant(session)
    kind = "continuous" if name == "value" else "rate"
    measure = await _measure(client, session, tenant, value_kind=kind)
    row: dict[str, Any] = (
        {"value": sent} if name == "value" else {"numerator": 3, "denominator": 150, name: sent}
    )
    single = await client.post(
        "/api/v1/measurements",
        json={"measure_id": measure["id"], "period": "2026-W37", **row},
        headers=tenant.headers,
    )
    assert single.status_code == 422, single.text
    assert [e["field"] for e in single.json()["errors"]] == [f"body.{name}"]
    bulk = await client.post(
        "/api/v1/measurements/bulk",
        json={
            "measure_id": measure["id"],
            "rows": [
                {"period": "2026-W36", "value": 1}
                if name == "value"
                else {"period": "2026-W36", "numerator": 1, "denominator": 2},
                {"period": "2026-W37", **row},
            ],
        },
        headers=tenant.headers,
    )
    assert bulk.status_code == 422, bulk.text
    assert [e["field"] for e in bulk.json()["errors"]] == [f"body.rows.1.{name}"]
    assert await _stored(session) == (0, 0)


async def test_whole_numbers_in_json_still_count(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    measure = await _measure(client, session, tenant, value_kind="count")
    response = await client.post(
        "/api/v1/measurements",
        json={"measure_id": measure["id"], "period": "2026-W37", "value": 12},
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["value"] == 12.0


async def test_an_external_id_used_in_a_sibling_school_answers_as_an_unused_one(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    indicator = await create_indicator(client, tenant, value_kind="count")
    sibling = bearer(
        await make_token(
            session, tenant.organisation, role=Role.reporter, scope=tenant.sibling_school
        )
    )
    own = bearer(
        await make_token(session, tenant.organisation, role=Role.reporter, scope=tenant.school)
    )

    def row(unit: Any, period: str, value: int) -> dict[str, Any]:
        return {
            "measure_id": indicator["id"],
            "org_unit_id": str(unit.id),
            "period": period,
            "value": value,
            "external_id": "enkat-1",
        }

    theirs = await client.post(
        "/api/v1/measurements", json=row(tenant.sibling_school, "HT2026", 4), headers=sibling
    )
    assert theirs.status_code == 201, theirs.text
    mine = await client.post(
        "/api/v1/measurements", json=row(tenant.school, "HT2026", 7), headers=own
    )
    assert mine.status_code == 201, mine.text
    assert mine.json()["outcome"] == "created"
    assert theirs.json()["id"] not in mine.text
    # Inside the unit the id still names one measurement, and the clash names it.
    clash = await client.post(
        "/api/v1/measurements", json=row(tenant.school, "VT2027", 7), headers=own
    )
    assert clash.status_code == 422, clash.text
    [error] = clash.json()["errors"]
    assert error["field"] == "body.external_id"
    assert mine.json()["id"] in error["message"]
    assert theirs.json()["id"] not in clash.text
    # Both units' measurements keep their own id.
    listed = await client.get(
        f"/api/v1/measurements?measure_id={indicator['id']}", headers=tenant.headers
    )
    assert sorted(m["external_id"] for m in listed.json()["items"]) == ["enkat-1", "enkat-1"]


async def test_racing_requests_with_one_external_id_on_two_measures_name_the_row(
    independent: Independent,
) -> None:
    client, session = independent.client, independent.session
    tenant = await make_tenant(session)
    first = await create_indicator(client, tenant, value_kind="count")
    second = await create_indicator(
        client, tenant, value_kind="count", name="Studiero", external_code="LUGN"
    )
    periods = [f"{term}{year}" for year in range(1900, 2400) for term in ("HT", "VT")]

    def bulk(measure: dict[str, Any]) -> dict[str, Any]:
        return {
            "measure_id": measure["id"],
            "org_unit_id": str(tenant.school.id),
            "rows": [
                {"period": period, "value": 1, "external_id": f"race-{index}"}
                for index, period in enumerate(periods)
            ],
        }

    responses = await asyncio.gather(
        *(
            client.post("/api/v1/measurements/bulk", json=bulk(measure), headers=tenant.headers)
            for measure in (first, second)
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses in ([200, 409], [200, 422]), [r.text for r in responses]
    refused = next(r for r in responses if r.status_code != 200).json()
    assert refused["errors"], refused
    assert {e["field"] for e in refused["errors"]} == {
        f"body.rows[{index}].external_id" for index in range(len(periods))
    } or len(refused["errors"]) == 1000
    assert refused["errors"][0]["field"] == "body.rows[0].external_id"
    listed = await client.get("/api/v1/measurements?limit=1", headers=tenant.headers)
    assert listed.json()["total"] == len(periods)
