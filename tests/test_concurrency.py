"""Requests that truly overlap, each on its own connection: no 500, no duplicate, no lost write."""

import asyncio

from tests.conftest import Independent
from tests.factories import bearer, make_tenant


async def test_racing_creates_with_one_external_code_make_one_unit(
    independent: Independent,
) -> None:
    client, session = independent.client, independent.session
    tenant = await make_tenant(session)
    payload = {
        "name": "Racet",
        "kind": "school",
        "parent_id": str(tenant.north.id),
        "external_code": "RACE-1",
    }
    responses = await asyncio.gather(
        *(client.post("/api/v1/org-units", json=payload, headers=tenant.headers) for _ in range(8))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 1, statuses
    assert set(statuses) <= {201, 409, 503}, [r.text for r in responses]
    listed = await client.get("/api/v1/org-units?external_code=RACE-1", headers=tenant.headers)
    assert listed.json()["total"] == 1


async def test_racing_reads_and_writes_with_many_tokens_never_fail(
    independent: Independent,
) -> None:
    client, session = independent.client, independent.session
    tenant = await make_tenant(session)
    tokens = [tenant.admin, tenant.editor, tenant.viewer, tenant.north_admin]
    responses = await asyncio.gather(
        *(client.get("/api/v1/teams", headers=bearer(token)) for token in tokens * 4),
        *(
            client.post(
                "/api/v1/teams",
                json={"name": f"T{i}", "org_unit_id": str(tenant.school.id)},
                headers=tenant.headers,
            )
            for i in range(6)
        ),
    )
    assert {r.status_code for r in responses} <= {200, 201, 503}, [
        r.text for r in responses if r.status_code >= 400
    ]


async def test_racing_writes_without_if_match_are_last_writer_wins_on_every_database(
    independent: Independent,
) -> None:
    client, session = independent.client, independent.session
    tenant = await make_tenant(session)
    url = f"/api/v1/teams/{tenant.team.id}"
    responses = await asyncio.gather(
        *(
            client.patch(url, json={"description": f"d{i}"}, headers=tenant.headers)
            for i in range(6)
        )
    )
    assert [r.status_code for r in responses] == [200] * 6, [r.text for r in responses]
    final = await client.get(url, headers=tenant.headers)
    assert final.json()["description"] in {f"d{i}" for i in range(6)}
    assert final.headers["etag"] == '"7"'  # six versions on top of the first: none lost


async def test_racing_writes_with_one_etag_one_wins_on_every_database(
    independent: Independent,
) -> None:
    client, session = independent.client, independent.session
    tenant = await make_tenant(session)
    url = f"/api/v1/teams/{tenant.team.id}"
    etag = (await client.get(url, headers=tenant.headers)).headers["etag"]
    headers = {**tenant.headers, "If-Match": etag}
    responses = await asyncio.gather(
        *(client.patch(url, json={"description": f"d{i}"}, headers=headers) for i in range(4))
    )
    assert sorted(r.status_code for r in responses) == [200, 412, 412, 412]
