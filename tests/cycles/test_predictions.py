"""A cycle's prediction that can be checked: validated on PATCH (issue 15, item 9)."""

import uuid
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.cycles.factories import create_cycle, make_initiative
from tests.factories import make_tenant
from tests.measures.factories import create_measure


async def test_a_checkable_prediction_is_whole_and_about_a_measure_the_cycle_follows(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    other = await make_initiative(session, tenant.team, "Trygghet")
    measure = await create_measure(client, tenant.headers, initiative_id=str(initiative.id))
    elsewhere = await create_measure(
        client, tenant.headers, initiative_id=str(other.id), name="Trygghet i korridoren"
    )
    cycle = await create_cycle(client, tenant.headers, initiative)
    url = f"/api/v1/cycles/{cycle['id']}"
    whole = {
        "prediction_measure_id": measure["id"],
        "prediction_comparison": "at_least",
        "prediction_value": 55,
    }
    cases: list[tuple[dict[str, Any], str]] = [
        ({"prediction_comparison": "at_least", "prediction_value": 55}, "prediction_measure_id"),
        ({**whole, "prediction_value": None}, "prediction_value"),
        ({**whole, "prediction_comparison": "more"}, "prediction_comparison"),
        ({**whole, "prediction_value": 1e13}, "prediction_value"),
        ({**whole, "prediction_comparison": "between"}, "prediction_upper_value"),
        (
            {**whole, "prediction_comparison": "between", "prediction_upper_value": 50},
            "prediction_upper_value",
        ),
        ({**whole, "prediction_upper_value": 60}, "prediction_upper_value"),
        ({**whole, "prediction_measure_id": elsewhere["id"]}, "prediction_measure_id"),
        ({**whole, "prediction_measure_id": str(uuid.uuid4())}, "prediction_measure_id"),
    ]
    for body, field in cases:
        response = await client.patch(url, json=body, headers=tenant.headers)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["errors"][0]["field"] == f"body.{field}", body
    unchanged = (await client.get(url, headers=tenant.headers)).json()
    assert unchanged["prediction_measure_id"] is None  # no partial write

    ok = await client.patch(
        url,
        json={
            **whole,
            "prediction_comparison": "between",
            "prediction_upper_value": 70,
            "prediction_by_on": "2026-10-16",
            "prediction": "Mellan 55 och 70 % instämmer efter två veckor.",
        },
        headers=tenant.headers,
    )
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert (body["prediction_comparison"], body["prediction_value"]) == ("between", 55)
    assert (body["prediction_upper_value"], body["prediction_by_on"]) == (70, "2026-10-16")
    assert body["prediction"].startswith("Mellan")
    # The other fields alone change; the whole is checked again.
    narrower = await client.patch(url, json={"prediction_value": 60}, headers=tenant.headers)
    assert narrower.status_code == 200 and narrower.json()["prediction_value"] == 60
    # Cleared together.
    cleared = await client.patch(
        url,
        json={
            "prediction_measure_id": None,
            "prediction_comparison": None,
            "prediction_value": None,
            "prediction_upper_value": None,
            "prediction_by_on": None,
        },
        headers=tenant.headers,
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["prediction_comparison"] is None
    # A cycle that names its own measures: the prediction's must be one of them.
    named = await client.put(
        f"/api/v1/cycles/{cycle['id']}/measures",
        json={"measure_ids": [measure["id"]]},
        headers=tenant.headers,
    )
    assert named.status_code == 200, named.text
    again = await client.patch(url, json=whole, headers=tenant.headers)
    assert again.status_code == 200, again.text
