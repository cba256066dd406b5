from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import bearer, make_tenant


async def test_every_token_reads_its_own_organisation(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    other = await make_tenant(session, "Annanstad kommun")
    mine = await client.get("/api/v1/organisation", headers=bearer(tenant.viewer))
    theirs = await client.get("/api/v1/organisation", headers=other.headers)
    assert mine.json()["name"] == "Mittköping kommun"
    assert theirs.json()["name"] == "Annanstad kommun"
    assert mine.headers["etag"]


async def test_only_an_organisation_wide_admin_renames_it(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    for token in (tenant.north_admin, tenant.editor):
        response = await client.patch(
            "/api/v1/organisation", json={"name": "X"}, headers=bearer(token)
        )
        assert response.status_code == 403
    renamed = await client.patch(
        "/api/v1/organisation", json={"name": "Mittköpings kommun"}, headers=tenant.headers
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Mittköpings kommun"
    stale = await client.patch(
        "/api/v1/organisation", json={"name": "Y"}, headers={**tenant.headers, "If-Match": '"1"'}
    )
    assert stale.status_code == 412


async def test_an_admin_sets_the_default_language_and_answers_follow_it(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    assert (await client.get("/api/v1/organisation", headers=tenant.headers)).json()[
        "default_language"
    ] is None
    wrong = await client.patch(
        "/api/v1/organisation", json={"default_language": "de"}, headers=tenant.headers
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "body.default_language"
    refused = await client.patch(
        "/api/v1/organisation", json={"default_language": "sv"}, headers=bearer(tenant.editor)
    )
    assert refused.status_code == 403
    changed = await client.patch(
        "/api/v1/organisation", json={"default_language": "nn"}, headers=tenant.headers
    )
    assert changed.status_code == 200 and changed.json()["default_language"] == "nn"
    # No Accept-Language: the organisation's language; one sent still wins.
    cycles = await client.get("/api/v1/cycles", headers=bearer(tenant.viewer))
    assert cycles.headers["content-language"] == "nn"
    asked = await client.get(
        "/api/v1/cycles", headers={**bearer(tenant.viewer), "Accept-Language": "en"}
    )
    assert asked.headers["content-language"] == "en"
    series = {"chart": "run", "values": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]}
    analysis = await client.post("/api/v1/analytics/series", json=series, headers=tenant.headers)
    assert analysis.status_code == 200, analysis.text
    assert analysis.headers["content-language"] == "nn"
    other = await make_tenant(session, "Annanstad kommun")
    english = await client.post("/api/v1/analytics/series", json=series, headers=other.headers)
    assert english.headers["content-language"] == "en"
    # Cleared: English again.
    cleared = await client.patch(
        "/api/v1/organisation", json={"default_language": None}, headers=tenant.headers
    )
    assert cleared.json()["default_language"] is None
    again = await client.get("/api/v1/cycles", headers=bearer(tenant.viewer))
    assert again.headers["content-language"] == "en"
