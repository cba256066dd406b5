"""GET /analytics/measures: many measures at a glance, with the verdict their own analysis gives."""

import uuid
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import Role
from tests.analytics.factories import proportion_measure, send, weeks
from tests.factories import bearer, make_tenant, make_token, make_unit
from tests.measures.factories import create_indicator, create_measure
from tests.test_statement_counts import counting

URL = "/api/v1/analytics/measures"


def _rising(count: int) -> list[tuple[str, int, int] | None]:
    """Ten weeks around 40 %, then weeks around 80 %."""
    figures = [(10, 25), (9, 24), (11, 25), (10, 24), (9, 25)] * 2 + [(20, 25), (19, 24)] * 5
    return [(p, *f) for p, f in zip(weeks(30, count), figures[:count], strict=True)]


async def _items(client: AsyncClient, headers: dict[str, str], query: str = "") -> list[Any]:
    response = await client.get(f"{URL}{query}", headers=headers)
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


async def test_an_initiatives_measures_at_a_glance_agree_with_their_own_analysis(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    rising = await proportion_measure(client, session, tenant, _rising(20), name="Delaktighet")
    flat = await create_measure(
        client,
        tenant.headers,
        initiative_id=str(rising.initiative.id),
        name="Närvaro",
        value_kind="continuous",
        unit_label="%",
        target_value=None,
        direction="up",
    )
    await send(
        client,
        tenant.headers,
        flat["id"],
        [{"period": p, "value": 90 + i % 3} for i, p in enumerate(weeks(30, 12))],
    )
    phase = await client.post(
        f"{rising.url}/phases",
        json={"period": "2026-W40", "reason": "Nytt arbetssätt"},
        headers=tenant.headers,
    )
    assert phase.status_code == 201
    response = await client.get(
        f"{URL}?initiative_id={rising.initiative.id}",
        headers={**tenant.headers, "Accept-Language": "sv"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-language"] == "sv"
    page = response.json()
    assert page["total"] == 2
    by_name = {item["name"]: item for item in page["items"]}
    assert list(by_name) == ["Delaktighet", "Närvaro"]  # by name
    first = by_name["Delaktighet"]
    assert (first["chart"], first["points"], first["latest_period"]) == ("p", 20, "2026-W49")
    assert first["latest_value"] == 19 / 24 * 100
    assert first["org_unit_id"] == str(tenant.school.id) and first["aggregated"] is False
    analysis = (
        await client.get(
            f"{rising.url}/analysis", headers={**tenant.headers, "Accept-Language": "sv"}
        )
    ).json()
    assert first["variation"] == analysis["summary"]["variation"]
    assert first["assurance"] == analysis["summary"]["assurance"]
    assert first["sentence"] == analysis["summary"]["sentence"]
    second = by_name["Närvaro"]
    assert (second["chart"], second["variation"], second["latest_value"]) == (
        "i",
        "common_cause",
        92.0,
    )
    assert "vanlig variation" in second["sentence"]


async def test_a_units_table_holds_its_own_measures_and_the_indicators_it_reports(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    own = await proportion_measure(client, session, tenant, _rising(6), name="Delaktighet 5B")
    indicator = await create_indicator(client, tenant, unit=tenant.root, name="Trygghet")
    elsewhere = await create_indicator(
        client, tenant, unit=tenant.south, name="Södra mått", external_code="SODER"
    )
    second_school = await make_unit(
        session, tenant.organisation, "Västra skolan", parent=tenant.north
    )
    for unit, yes in ((tenant.school, 30), (second_school, 10)):
        await send(
            client,
            tenant.headers,
            indicator["id"],
            [{"period": "HT2026", "numerator": yes, "denominator": 40}],
            org_unit_id=str(unit.id),
        )
    items = await _items(client, tenant.headers, f"?org_unit_id={tenant.school.id}")
    assert {item["id"] for item in items} == {own.id, indicator["id"]}
    assert elsewhere["id"] not in {item["id"] for item in items}
    trygghet = next(item for item in items if item["id"] == indicator["id"])
    assert (trygghet["org_unit_id"], trygghet["latest_value"]) == (str(tenant.school.id), 75.0)

    area = await _items(
        client, tenant.headers, f"?org_unit_id={tenant.north.id}&include_descendants=true"
    )
    summed = next(item for item in area if item["id"] == indicator["id"])
    assert summed["aggregated"] is True
    assert summed["latest_value"] == 50.0  # (30 + 10) / (40 + 40), never an average of percentages
    plain = await _items(client, tenant.headers, f"?org_unit_id={tenant.north.id}")
    assert next(i for i in plain if i["id"] == indicator["id"])["points"] == 0


async def test_small_numbers_stay_withheld_in_the_table(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    indicator = await create_indicator(client, tenant, unit=tenant.north, min_denominator=10)
    await send(
        client,
        tenant.headers,
        indicator["id"],
        [{"period": "HT2026", "numerator": 3, "denominator": 7}],
        org_unit_id=str(tenant.school.id),
    )
    team = await make_unit(session, tenant.organisation, "Arbetslag 4–6", parent=tenant.school)
    inside = await make_token(session, tenant.organisation, role=Role.viewer, scope=team)
    # A token scoped to the school reads it; the work team's does not cover the school.
    school_token = await make_token(
        session, tenant.organisation, role=Role.viewer, scope=tenant.school
    )
    seen = await _items(client, bearer(school_token), f"?org_unit_id={tenant.school.id}")
    assert next(i for i in seen if i["id"] == indicator["id"])["latest_value"] == 3 / 7 * 100
    assert (
        await client.get(f"{URL}?org_unit_id={tenant.school.id}", headers=bearer(inside))
    ).status_code == 422
    hidden = await client.get(
        f"/api/v1/measures/{indicator['id']}/analysis?org_unit_id={tenant.school.id}",
        headers=bearer(inside),
    )
    assert hidden.json()["points"]["withheld"] == [True]
    # The protected school's own measure list at a glance, as the team's token sees it.
    summed = await client.get(
        f"{URL}?org_unit_id={tenant.school.id}&include_descendants=true", headers=tenant.headers
    )
    assert (
        next(i for i in summed.json()["items"] if i["id"] == indicator["id"])["latest_withheld"]
        is False
    )


async def test_ids_the_token_cannot_see_are_a_422_naming_the_filter(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    for name in ("initiative_id", "org_unit_id"):
        response = await client.get(f"{URL}?{name}={uuid.uuid4()}", headers=tenant.headers)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == f"query.{name}"


async def test_one_query_reads_every_series_of_the_page(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    first = await proportion_measure(client, session, tenant, _rising(12), name="A")
    assert (await client.get(URL, headers=tenant.headers)).status_code == 200  # token warmed up
    with counting(app) as one:
        assert len(await _items(client, tenant.headers)) == 1
    for name in ("B", "C", "D", "E"):
        await create_measure(
            client, tenant.headers, initiative_id=str(first.initiative.id), name=name
        )
        measure_id = (await _items(client, tenant.headers))[-1]["id"]
        await send(
            client,
            tenant.headers,
            measure_id,
            [{"period": "2026-W40", "numerator": 1, "denominator": 2}],
        )
    with counting(app) as five:
        assert len(await _items(client, tenant.headers)) == 5
    assert len(five) == len(one), (one, five)
