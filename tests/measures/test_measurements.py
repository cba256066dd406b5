"""Measurements over HTTP: every value kind, replacing and re-sending, bulk all-or-nothing."""

import uuid
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import COPY_FROM_ROWS
from tests.cycles.factories import make_initiative
from tests.factories import Tenant, bearer, make_tenant
from tests.measures.factories import create_indicator, create_measure


async def _initiative_measure(
    client: AsyncClient, session: AsyncSession, tenant: Tenant, **fields: Any
) -> dict[str, Any]:
    initiative = await make_initiative(session, tenant.team)
    return await create_measure(client, tenant.headers, initiative_id=str(initiative.id), **fields)


async def _post(client: AsyncClient, tenant: Tenant, **row: Any) -> Any:
    return await client.post("/api/v1/measurements", json=row, headers=tenant.headers)


async def test_a_measurement_is_created_replaced_and_sent_again_unchanged(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    measure = await _initiative_measure(client, session, tenant)
    first = await _post(
        client, tenant, measure_id=measure["id"], period="2026-W37", numerator=12, denominator=24
    )
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["outcome"] == "created"
    assert body["value"] == 50.0
    assert body["period"] == "2026-W37"
    assert body["period_first_on"] == "2026-09-07"
    assert body["org_unit_id"] == str(tenant.school.id)
    assert body["source"] == "api"

    again = await _post(
        client, tenant, measure_id=measure["id"], period="2026-09-09", numerator=12, denominator=24
    )
    assert again.status_code == 200
    assert again.json()["outcome"] == "unchanged"
    assert again.json()["id"] == body["id"]

    replaced = await _post(
        client, tenant, measure_id=measure["id"], period="2026-W37", numerator=18, denominator=24
    )
    assert replaced.status_code == 200
    assert replaced.json()["outcome"] == "replaced"
    assert replaced.json()["value"] == 75.0

    history = await client.get(f"/api/v1/measurements/{body['id']}/history", headers=tenant.headers)
    assert history.status_code == 200
    entries = history.json()
    assert [e["action"] for e in entries] == ["create", "update"]
    assert entries[1]["changes"]["numerator"] == {"before": 12.0, "after": 18.0}
    assert entries[1]["changes"]["value"] == {"before": 50.0, "after": 75.0}

    listed = await client.get(
        f"/api/v1/measurements?measure_id={measure['id']}", headers=tenant.headers
    )
    assert listed.json()["total"] == 1


@pytest.mark.parametrize(
    ("fields", "row", "field", "fragment"),
    [
        ({}, {"period": "2026-W37", "numerator": 25, "denominator": 24}, "numerator", "exceed"),
        ({}, {"period": "2026-W37", "value": 50}, "numerator", "numerator"),
        ({}, {"period": "2026-13", "numerator": 1, "denominator": 2}, "period", ""),
        (
            {"value_kind": "count"},
            {"period": "2026-W37", "value": 2.5},
            "value",
            "whole number",
        ),
        (
            {"value_kind": "count"},
            {"period": "2026-W37", "value": 2, "denominator": 4},
            "denominator",
            "value only",
        ),
        (
            {"value_kind": "rating", "scale_min": 1, "scale_max": 4},
            {"period": "2026-W37", "value": 5},
            "value",
            "1..4",
        ),
        (
            {"value_kind": "rate"},
            {"period": "2026-W37", "numerator": 3, "denominator": 0},
            "denominator",
            "above 0",
        ),
        (
            {"period_kind": "term"},
            {"period": "2026-W37", "value": 3},
            "period",
            "",
        ),
    ],
)
async def test_values_are_checked_against_their_measure(
    client: AsyncClient,
    session: AsyncSession,
    fields: dict[str, Any],
    row: dict[str, Any],
    field: str,
    fragment: str,
) -> None:
    tenant = await make_tenant(session)
    measure = await _initiative_measure(client, session, tenant, **fields)
    response = await _post(client, tenant, measure_id=measure["id"], **row)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    error = response.json()["errors"][0]
    assert error["field"] == f"body.{field}"
    assert fragment in error["message"]


@pytest.mark.parametrize(
    ("fields", "row", "value"),
    [
        ({"value_kind": "count"}, {"value": 7}, 7.0),
        ({"value_kind": "continuous", "direction": "down"}, {"value": -3.25}, -3.25),
        ({"value_kind": "rating", "scale_min": 1, "scale_max": 5}, {"value": 3.4}, 3.4),
        ({"value_kind": "rate"}, {"numerator": 3, "denominator": 150}, 0.02),
        ({"value_kind": "proportion"}, {"numerator": 0, "denominator": 9}, 0.0),
    ],
)
async def test_each_value_kind_is_stored(
    client: AsyncClient,
    session: AsyncSession,
    fields: dict[str, Any],
    row: dict[str, Any],
    value: float,
) -> None:
    tenant = await make_tenant(session)
    measure = await _initiative_measure(client, session, tenant, **fields)
    response = await _post(client, tenant, measure_id=measure["id"], period="2026-09-14", **row)
    assert response.status_code == 201, response.text
    assert response.json()["value"] == pytest.approx(value)


@pytest.mark.parametrize(
    ("kind", "given", "key"),
    [
        ("day", "14.9.2026", "2026-09-14"),
        ("week", "v37 2026", "2026-W37"),
        ("month", "2026-09-30", "2026-09"),
        ("term", "HT 2026", "HT2026"),
        ("school_year", "2026/2027", "2026/27"),
    ],
)
async def test_each_period_kind(
    client: AsyncClient, session: AsyncSession, kind: str, given: str, key: str
) -> None:
    tenant = await make_tenant(session)
    measure = await _initiative_measure(
        client, session, tenant, value_kind="count", period_kind=kind
    )
    response = await _post(client, tenant, measure_id=measure["id"], period=given, value=3)
    assert response.status_code == 201, response.text
    assert response.json()["period"] == key


async def test_bulk_is_all_or_nothing_and_names_every_bad_row(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    measure = await _initiative_measure(client, session, tenant)
    rows = [
        {"period": f"2026-W{week:02d}", "numerator": week, "denominator": 40}
        for week in range(10, 30)
    ]
    rows[3]["numerator"] = 99
    rows[7]["period"] = "2026-W99"
    response = await client.post(
        "/api/v1/measurements/bulk",
        json={"measure_id": measure["id"], "rows": rows},
        headers=tenant.headers,
    )
    assert response.status_code == 422, response.text
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["body.rows[3].numerator", "body.rows[7].period"]
    listed = await client.get(
        f"/api/v1/measurements?measure_id={measure['id']}", headers=tenant.headers
    )
    assert listed.json()["total"] == 0

    rows[3]["numerator"], rows[7]["period"] = 13, "2026-W17"
    dry = await client.post(
        "/api/v1/measurements/bulk?dry_run=true",
        json={"measure_id": measure["id"], "rows": rows},
        headers=tenant.headers,
    )
    assert dry.json() == {
        "rows": 20,
        "created": 20,
        "replaced": 0,
        "unchanged": 0,
        "dry_run": True,
        "format": None,
        "skipped": None,
    }
    listed = await client.get(
        f"/api/v1/measurements?measure_id={measure['id']}", headers=tenant.headers
    )
    assert listed.json()["total"] == 0

    done = await client.post(
        "/api/v1/measurements/bulk",
        json={"measure_id": measure["id"], "rows": rows},
        headers=tenant.headers,
    )
    assert done.status_code == 200, done.text
    assert done.json()["created"] == 20
    rows[0]["numerator"] = 1
    again = await client.post(
        "/api/v1/measurements/bulk",
        json={"measure_id": measure["id"], "rows": rows},
        headers=tenant.headers,
    )
    assert (again.json()["created"], again.json()["replaced"], again.json()["unchanged"]) == (
        0,
        1,
        19,
    )
    listed = await client.get(
        f"/api/v1/measurements?measure_id={measure['id']}&limit=500", headers=tenant.headers
    )
    assert listed.json()["total"] == 20


async def test_a_row_twice_in_one_request_is_refused(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    measure = await _initiative_measure(client, session, tenant)
    rows = [
        {"period": "2026-W10", "numerator": 1, "denominator": 4},
        {"period": "2026-03-04", "numerator": 2, "denominator": 4},
    ]
    response = await client.post(
        "/api/v1/measurements/bulk",
        json={"measure_id": measure["id"], "rows": rows},
        headers=tenant.headers,
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "body.rows[1].period"
    assert "body.rows[0]" in error["message"]


async def test_external_ids_name_one_measurement(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    measure = await _initiative_measure(client, session, tenant, value_kind="count")
    first = await _post(
        client, tenant, measure_id=measure["id"], period="2026-W10", value=1, external_id="x-1"
    )
    assert first.status_code == 201
    same = await _post(
        client, tenant, measure_id=measure["id"], period="2026-W10", value=1, external_id="x-1"
    )
    assert same.json()["outcome"] == "unchanged"
    other = await _post(
        client, tenant, measure_id=measure["id"], period="2026-W11", value=1, external_id="x-1"
    )
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "body.external_id"


async def test_shared_indicator_units_and_reporting_status(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    indicator = await create_indicator(client, tenant, value_kind="proportion")
    sent = await client.post(
        "/api/v1/measurements/bulk",
        json={
            "measure_code": "TRYGG",
            "rows": [
                {
                    "org_unit_id": str(tenant.school.id),
                    "period": "HT2026",
                    "numerator": 40,
                    "denominator": 50,
                },
            ],
        },
        headers=tenant.headers,
    )
    assert sent.status_code == 200, sent.text
    missing_unit = await client.post(
        "/api/v1/measurements",
        json={"measure_code": "TRYGG", "period": "HT2026", "numerator": 1, "denominator": 2},
        headers=tenant.headers,
    )
    assert missing_unit.status_code == 422
    assert missing_unit.json()["errors"][0]["field"] == "body.org_unit_id"
    status = await client.get(
        f"/api/v1/measures/{indicator['id']}/reporting-status?period=ht26",
        headers=tenant.headers,
    )
    assert status.status_code == 200, status.text
    body = status.json()
    assert body["period"] == "HT2026"
    assert (body["expected"], body["reported"], body["missing"]) == (2, 1, 1)
    reported = {u["name"]: u["reported"] for u in body["units"]}
    assert reported == {"Norrskolan": True, "Södra skolan": False}

    # A token of the south area reports for its school, not for the north's.
    south = bearer(tenant.south_admin)
    refused = await client.post(
        "/api/v1/measurements",
        json={
            "measure_id": indicator["id"],
            "org_unit_id": str(tenant.school.id),
            "period": "HT2026",
            "numerator": 1,
            "denominator": 2,
        },
        headers=south,
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["type"] == "not_found"
    accepted = await client.post(
        "/api/v1/measurements",
        json={
            "measure_id": indicator["id"],
            "org_unit_id": str(tenant.sibling_school.id),
            "period": "HT2026",
            "numerator": 30,
            "denominator": 40,
        },
        headers=south,
    )
    assert accepted.status_code == 201, accepted.text

    series = await client.get(
        f"/api/v1/measures/{indicator['id']}/series?include_descendants=true",
        headers=tenant.headers,
    )
    [point] = series.json()["points"]
    assert point["numerator"] == 70 and point["denominator"] == 90
    assert point["value"] == pytest.approx(70 / 90 * 100)
    assert point["units"] == 2


async def test_measurements_of_a_unit_or_of_its_subtree_in_period_order(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    await create_indicator(client, tenant, value_kind="proportion")
    rows = [
        {"org_unit_id": str(unit.id), "period": period, "numerator": 1, "denominator": 2}
        for unit in (tenant.school, tenant.sibling_school)
        for period in ("VT2026", "HT2025", "HT2026")
    ]
    sent = await client.post(
        "/api/v1/measurements/bulk",
        json={"measure_code": "TRYGG", "rows": rows},
        headers=tenant.headers,
    )
    assert sent.status_code == 200, sent.text

    async def listed(query: str) -> list[tuple[str, str]]:
        answer = await client.get(f"/api/v1/measurements?{query}", headers=tenant.headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["total"] == len(answer.json()["items"])
        return [(item["org_unit_id"], item["period"]) for item in answer.json()["items"]]

    school, sibling = str(tenant.school.id), str(tenant.sibling_school.id)
    in_order = ["HT2025", "VT2026", "HT2026"]
    assert await listed(f"org_unit_id={school}") == [(school, p) for p in in_order]
    assert await listed(f"org_unit_id={tenant.north.id}") == []
    assert await listed(f"org_unit_id={tenant.north.id}&include_descendants=true") == [
        (school, p) for p in in_order
    ]
    whole = await listed(f"org_unit_id={tenant.root.id}&include_descendants=true&sort=-period")
    assert sorted(whole) == sorted([(u, p) for u in (school, sibling) for p in in_order])
    assert [period for _, period in whole] == [p for p in reversed(in_order) for _ in (1, 2)]
    # The subtree is the caller's: the south area's token asks for the north's and is refused.
    south = await client.get(
        f"/api/v1/measurements?org_unit_id={tenant.north.id}&include_descendants=true",
        headers=bearer(tenant.south_admin),
    )
    assert south.status_code == 422, south.text


async def test_small_numbers_are_withheld_outside_the_reporting_unit(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    indicator = await create_indicator(client, tenant, min_denominator=10)
    # The north area reports its own figure, based on 6 pupils.
    sent = await client.post(
        "/api/v1/measurements",
        json={
            "measure_id": indicator["id"],
            "org_unit_id": str(tenant.north.id),
            "period": "VT2027",
            "numerator": 5,
            "denominator": 6,
        },
        headers=tenant.headers,
    )
    assert sent.status_code == 201, sent.text
    measurement_id = sent.json()["id"]

    inside = await client.get(
        f"/api/v1/measurements/{measurement_id}", headers=bearer(tenant.north_admin)
    )
    assert inside.json()["withheld"] is False
    assert inside.json()["numerator"] == 5

    from tests.factories import make_token

    school_token = await make_token(session, tenant.organisation, scope=tenant.school)
    outside = await client.get(
        f"/api/v1/measurements/{measurement_id}", headers=bearer(school_token)
    )
    assert outside.status_code == 200
    body = outside.json()
    assert body["withheld"] is True
    assert body["value"] is None and body["numerator"] is None and body["denominator"] is None
    history = await client.get(
        f"/api/v1/measurements/{measurement_id}/history", headers=bearer(school_token)
    )
    assert "5" not in str(history.json()[0]["changes"].get("numerator"))
    series = await client.get(
        f"/api/v1/measures/{indicator['id']}/series?org_unit_id={tenant.north.id}",
        headers=bearer(school_token),
    )
    assert series.json()["points"][0]["withheld"] is True
    assert series.json()["points"][0]["value"] is None
    exported = await client.get(
        f"/api/v1/measurements/export?measure_id={indicator['id']}", headers=bearer(school_token)
    )
    assert exported.status_code == 200
    assert "5" not in exported.text.split("\n", 1)[1].split(";")[3:6][0]

    # The south area sees nothing of the north at all.
    south = await client.get(
        f"/api/v1/measurements/{measurement_id}", headers=bearer(tenant.south_admin)
    )
    assert south.status_code == 404


async def test_another_organisation_sees_nothing(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    other = await make_tenant(session, "Grannby kommun")
    measure = await _initiative_measure(client, session, tenant, value_kind="count")
    sent = await _post(client, tenant, measure_id=measure["id"], period="2026-W10", value=4)
    measurement_id = sent.json()["id"]
    for path in (
        f"/api/v1/measures/{measure['id']}",
        f"/api/v1/measurements/{measurement_id}",
        f"/api/v1/measurements/{measurement_id}/history",
        f"/api/v1/measures/{measure['id']}/series",
    ):
        response = await client.get(path, headers=other.headers)
        assert response.status_code == 404, path
    stolen = await client.post(
        "/api/v1/measurements",
        json={"measure_id": measure["id"], "period": "2026-W11", "value": 1},
        headers=other.headers,
    )
    assert stolen.status_code == 422
    assert stolen.json()["errors"][0]["type"] == "not_found"
    listed = await client.get("/api/v1/measurements", headers=other.headers)
    assert listed.json()["total"] == 0
    deleted = await client.delete(f"/api/v1/measurements/{measurement_id}", headers=other.headers)
    assert deleted.status_code == 404
    assert uuid.UUID(measurement_id)


async def test_deleting_a_measurement_is_audited(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    measure = await _initiative_measure(client, session, tenant, value_kind="count")
    sent = await _post(client, tenant, measure_id=measure["id"], period="2026-W10", value=4)
    measurement_id = sent.json()["id"]
    stale = await client.delete(
        f"/api/v1/measurements/{measurement_id}", headers={**tenant.headers, "If-Match": '"9"'}
    )
    assert stale.status_code == 412
    gone = await client.delete(f"/api/v1/measurements/{measurement_id}", headers=tenant.headers)
    assert gone.status_code == 204
    events = await client.get(
        f"/api/v1/audit-events?object_id={measurement_id}&action=delete", headers=tenant.headers
    )
    [event] = events.json()["items"]
    assert event["changes"]["value"] == {"before": 4.0, "after": None}
    in_use = await client.delete(f"/api/v1/measures/{measure['id']}", headers=tenant.headers)
    assert in_use.status_code == 204


async def test_a_cycle_follows_its_initiatives_measures_or_those_it_names(
    client: AsyncClient, session: AsyncSession
) -> None:
    from tests.cycles.factories import create_cycle

    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    own = await create_measure(client, tenant.headers, initiative_id=str(initiative.id))
    other = await create_measure(
        client,
        tenant.headers,
        initiative_id=str(initiative.id),
        name="Närvaro",
        value_kind="count",
    )
    indicator = await create_indicator(client, tenant)
    foreign = await create_indicator(client, tenant, tenant.south, external_code="SÖDER")
    cycle = await create_cycle(client, tenant.headers, initiative)
    url = f"/api/v1/cycles/{cycle['id']}/measures"
    default = (await client.get(url, headers=tenant.headers)).json()
    assert default["default"] is True
    assert {m["id"] for m in default["measures"]} == {own["id"], other["id"]}
    named = await client.put(
        url, json={"measure_ids": [own["id"], indicator["id"]]}, headers=tenant.headers
    )
    assert named.status_code == 200, named.text
    assert named.json()["default"] is False
    assert {m["id"] for m in named.json()["measures"]} == {own["id"], indicator["id"]}
    refused = await client.put(url, json={"measure_ids": [foreign["id"]]}, headers=tenant.headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.measure_ids[0]"
    back = await client.put(url, json={"measure_ids": []}, headers=tenant.headers)
    assert back.json()["default"] is True


async def test_roles_reporters_write_measurements_and_viewers_only_read(
    client: AsyncClient, session: AsyncSession
) -> None:
    from app.context import Role
    from tests.factories import make_token

    tenant = await make_tenant(session)
    measure = await _initiative_measure(client, session, tenant, value_kind="count")
    reporter = bearer(await make_token(session, tenant.organisation, role=Role.reporter))
    row = {"measure_id": measure["id"], "period": "2026-W10", "value": 2}
    viewer = await client.post("/api/v1/measurements", json=row, headers=bearer(tenant.viewer))
    assert viewer.status_code == 403
    written = await client.post("/api/v1/measurements", json=row, headers=reporter)
    assert written.status_code == 201
    assert written.json()["recorded_by_token_id"] is not None
    changed = await client.patch(
        f"/api/v1/measures/{measure['id']}", json={"name": "x"}, headers=reporter
    )
    assert changed.status_code == 403
    read = await client.get(
        f"/api/v1/measurements/{written.json()['id']}", headers=bearer(tenant.viewer)
    )
    assert read.status_code == 200 and read.headers["etag"] == '"1"'


async def test_a_measure_with_measurements_keeps_its_kind_and_codes_are_unique(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    measure = await _initiative_measure(client, session, tenant, external_code="A-1")
    taken = await client.post(
        "/api/v1/measures",
        json={
            **{k: measure[k] for k in ("name", "measure_type", "value_kind", "period_kind")},
            "org_unit_id": str(tenant.school.id),
            "external_code": "A-1",
        },
        headers=tenant.headers,
    )
    assert taken.status_code == 409
    assert taken.json()["type"] == "/problems/external-code-taken"
    await _post(
        client, tenant, measure_id=measure["id"], period="2026-W10", numerator=1, denominator=2
    )
    fixed = await client.patch(
        f"/api/v1/measures/{measure['id']}", json={"value_kind": "count"}, headers=tenant.headers
    )
    assert fixed.status_code == 409
    assert fixed.json()["type"] == "/problems/measure-fixed"
    in_use = await client.delete(f"/api/v1/measures/{measure['id']}", headers=tenant.headers)
    assert in_use.status_code == 409
    renamed = await client.patch(
        f"/api/v1/measures/{measure['id']}", json={"target_value": 80}, headers=tenant.headers
    )
    assert renamed.status_code == 200 and renamed.json()["target_value"] == 80
    bad_scale = await client.post(
        "/api/v1/measures",
        json={
            "name": "Betyg",
            "measure_type": "outcome",
            "value_kind": "rating",
            "period_kind": "term",
            "org_unit_id": str(tenant.school.id),
        },
        headers=tenant.headers,
    )
    assert bad_scale.status_code == 422


async def test_a_retried_bulk_with_an_idempotency_key_replays(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    measure = await _initiative_measure(client, session, tenant, value_kind="count")
    body = {"measure_id": measure["id"], "rows": [{"period": "2026-W10", "value": 1}]}
    headers = {**tenant.headers, "Idempotency-Key": "push-1"}
    first = await client.post("/api/v1/measurements/bulk", json=body, headers=headers)
    again = await client.post("/api/v1/measurements/bulk", json=body, headers=headers)
    assert first.json() == again.json()
    assert first.json()["created"] == 1
    listed = await client.get(
        f"/api/v1/measurements?measure_id={measure['id']}", headers=tenant.headers
    )
    assert listed.json()["total"] == 1


async def test_an_indicator_is_reported_by_its_kind_of_unit_and_names_must_be_unique(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    indicator = await create_indicator(client, tenant, reporting_unit_kind="school")
    area = await client.post(
        "/api/v1/measurements",
        json={
            "measure_id": indicator["id"],
            "org_unit_id": str(tenant.north.id),
            "period": "HT2026",
            "numerator": 1,
            "denominator": 2,
        },
        headers=tenant.headers,
    )
    assert area.status_code == 422
    assert area.json()["errors"][0]["type"] == "wrong_unit_kind"
    assert area.json()["detail"] == "The measurement was refused; nothing was written."
    for _ in range(2):
        await create_measure(
            client,
            tenant.headers,
            name="Närvaro",
            value_kind="count",
            org_unit_id=str(tenant.school.id),
        )
    ambiguous = await client.post(
        "/api/v1/measurements",
        json={
            "measure_code": "närvaro",
            "org_unit_id": str(tenant.school.id),
            "period": "2026-W10",
            "value": 1,
        },
        headers=tenant.headers,
    )
    assert ambiguous.status_code == 422
    assert ambiguous.json()["errors"][0]["type"] == "ambiguous"
    assert "more than one measure" in ambiguous.json()["errors"][0]["message"]


async def test_each_history_entry_is_judged_on_its_own_figures(
    client: AsyncClient, session: AsyncSession
) -> None:
    """Issue 13, defect 3: a value withheld once stays withheld in the history after a value
    that is not withheld replaced it (and the other way round)."""
    from app.context import Role
    from tests.factories import make_token

    tenant = await make_tenant(session)
    indicator = await create_indicator(client, tenant, min_denominator=10)
    # The north area's own figure, written four times; the reader is scoped below it.
    writes: list[tuple[int, int, str | None]] = [
        (3, 7, "Liten grupp i år"),  # withheld
        (3, 20, None),  # shown: the numerator is unchanged, the denominator grows
        (2, 5, "Bara fem svar"),  # withheld
        (12, 20, None),  # shown, and the current value
    ]
    measurement_id = ""
    for i, (numerator, denominator, comment) in enumerate(writes):
        row = {
            "measure_id": indicator["id"],
            "org_unit_id": str(tenant.north.id),
            "period": "VT2027",
            "numerator": numerator,
            "denominator": denominator,
            "comment": comment,
        }
        if i % 2:  # single rows and bulks write the same trail
            sent = await client.post(
                "/api/v1/measurements/bulk",
                json={"measure_id": indicator["id"], "rows": [row]},
                headers=tenant.headers,
            )
        else:
            sent = await client.post("/api/v1/measurements", json=row, headers=tenant.headers)
        assert sent.status_code in (200, 201), sent.text
        measurement_id = measurement_id or sent.json()["id"]

    reader = await make_token(session, tenant.organisation, role=Role.viewer, scope=tenant.school)
    current = await client.get(f"/api/v1/measurements/{measurement_id}", headers=bearer(reader))
    assert (current.json()["withheld"], current.json()["numerator"]) == (False, 12)
    history = await client.get(
        f"/api/v1/measurements/{measurement_id}/history", headers=bearer(reader)
    )
    assert history.status_code == 200, history.text
    entries = history.json()
    assert [entry["action"] for entry in entries] == ["create", "update", "update", "update"]

    # What the reader must not learn: every figure of a withheld write.
    secrets: set[object] = set()
    seen: set[object] = set()
    for numerator, denominator, comment in writes:
        figures = {numerator, denominator, round(100 * numerator / denominator, 6), comment}
        (secrets if denominator < 10 else seen).update(figures)
    secrets -= seen | {None}  # 3 pupils of 20 is shown: 3 alone is no secret
    assert secrets == {7, 42.857143, 2, 5, 40.0, "Liten grupp i år", "Bara fem svar"}
    for entry in entries:
        for change in entry["changes"].values():
            for side in change.values():
                shown = round(side, 6) if isinstance(side, float) else side
                assert shown not in secrets, (entry, side)
    assert [entry["withheld"] for entry in entries] == [True, True, True, True]
    # Each side shows what it may. Where one side is withheld, the other side lists every
    # protected field, so the fields that did not change tell nothing of the withheld side.
    create, grown, shrunk, replaced = (entry["changes"] for entry in entries)
    assert "numerator" not in create and "comment" not in create
    assert create["period"] == {"before": None, "after": "VT2027"}
    assert grown["numerator"] == {"after": 3} and grown["denominator"] == {"after": 20}
    assert grown["value"] == {"after": 15.0} and grown["comment"] == {"after": None}
    assert shrunk["numerator"] == {"before": 3} and shrunk["denominator"] == {"before": 20}
    assert set(shrunk["comment"]) == {"before"}
    assert replaced["numerator"] == {"after": 12} and replaced["value"] == {"after": 60.0}

    # A token covering the unit reads every write in full.
    full = await client.get(
        f"/api/v1/measurements/{measurement_id}/history", headers=tenant.headers
    )
    assert [entry["withheld"] for entry in full.json()] == [False] * 4
    assert full.json()[1]["changes"]["denominator"] == {"before": 7, "after": 20}
    assert "numerator" not in full.json()[1]["changes"]


async def test_a_history_written_through_the_orm_is_judged_per_entry_too(
    client: AsyncClient, session: AsyncSession
) -> None:
    """A create written with the ORM records plain values, not {before, after}: its small
    figures stay withheld all the same."""
    from app.context import Role
    from app.db import utcnow
    from app.measures.models import Measurement
    from app.periods import PeriodKind, parse_period
    from tests.factories import make_token

    tenant = await make_tenant(session)
    indicator = await create_indicator(client, tenant, min_denominator=10)
    period = parse_period(PeriodKind.term, "VT2027")
    small = Measurement(
        organisation_id=tenant.organisation.id,
        measure_id=uuid.UUID(indicator["id"]),
        org_unit_id=tenant.north.id,
        period_ordinal=period.ordinal,
        period_key=period.key,
        period_first_on=period.first_day,
        value=100 * 3 / 7,
        numerator=3,
        denominator=7,
        comment="Sju svar",
        source="api",
        recorded_at=utcnow(),
    )
    session.add(small)
    await session.commit()
    replaced = await client.post(
        "/api/v1/measurements",
        json={
            "measure_id": indicator["id"],
            "org_unit_id": str(tenant.north.id),
            "period": "VT2027",
            "numerator": 12,
            "denominator": 20,
        },
        headers=tenant.headers,
    )
    assert replaced.status_code == 200, replaced.text
    reader = await make_token(session, tenant.organisation, role=Role.viewer, scope=tenant.school)
    history = await client.get(f"/api/v1/measurements/{small.id}/history", headers=bearer(reader))
    assert history.status_code == 200, history.text
    created, update = history.json()
    assert created["withheld"] and update["withheld"]
    text = history.text
    for secret in ("Sju svar", "42.85", '"before":7', '"before":3'):
        assert secret not in text.replace(" ", ""), secret
    assert not {"value", "numerator", "denominator", "comment"} & set(created["changes"])
    assert update["changes"]["numerator"] == {"after": 12}


async def test_a_bulk_long_enough_to_be_copied_is_stored_and_audited_row_by_row(
    client: AsyncClient, session: AsyncSession
) -> None:
    """From COPY_FROM_ROWS rows PostgreSQL gets the rows and their audit entries by COPY: what
    is stored and what the trail shows are those of a short bulk."""
    tenant = await make_tenant(session)
    measure = await _initiative_measure(client, session, tenant, value_kind="count")
    rows = [
        {"period": f"{2020 + i // 52}-W{i % 52 + 1:02}", "value": i}
        for i in range(COPY_FROM_ROWS + 1)
    ]
    sent = await client.post(
        "/api/v1/measurements/bulk",
        json={"measure_id": measure["id"], "rows": rows},
        headers=tenant.headers,
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["created"] == len(rows)
    series = await client.get(f"/api/v1/measures/{measure['id']}/series", headers=tenant.headers)
    assert [p["value"] for p in series.json()["points"]] == [float(i) for i in range(len(rows))]
    trail = await client.get(
        "/api/v1/audit-events?object_type=measurement&action=create&limit=500",
        headers=tenant.headers,
    )
    entries = trail.json()["items"]
    assert len(entries) == len(rows)
    last = next(e for e in entries if e["changes"]["period"]["after"] == rows[-1]["period"])
    assert last["changes"]["value"] == {"before": None, "after": float(COPY_FROM_ROWS)}
    assert last["org_unit_id"] == str(tenant.school.id)
    assert last["actor_name"]
    again = await client.post(
        "/api/v1/measurements/bulk",
        json={"measure_id": measure["id"], "rows": rows},
        headers=tenant.headers,
    )
    assert again.json()["unchanged"] == len(rows)
