"""Problems speak the user's language: titles and the messages people meet most follow
Accept-Language, then the organisation's default language; English is the fallback. The
machine-readable parts (``type``, ``status``, field names, error types) never change."""

import uuid

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import bearer, make_tenant
from tests.measures.factories import create_measure


@pytest.mark.parametrize(
    ("language", "title", "detail_start"),
    [
        ("sv", "Hittades inte", "Inget objekt"),
        ("nb", "Ikke funnet", "Ingen "),
        ("nn", "Ikkje funne", "Ingen "),
        ("en", "Not found", "No "),
        ("de, sv;q=0.5", "Hittades inte", "Inget objekt"),
    ],
)
async def test_not_found_follows_accept_language(
    client: AsyncClient, session: AsyncSession, language: str, title: str, detail_start: str
) -> None:
    tenant = await make_tenant(session)
    answer = await client.get(
        f"/api/v1/org-units/{uuid.uuid4()}",
        headers={**tenant.headers, "Accept-Language": language},
    )
    assert answer.status_code == 404
    problem = answer.json()
    assert problem["type"] == "/problems/not-found"
    assert problem["title"] == title
    assert problem["detail"].startswith(detail_start)


async def test_validation_messages_follow_the_language_and_keep_fields_and_types(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    english = await client.post("/api/v1/teams", json={}, headers=tenant.headers)
    swedish = await client.post(
        "/api/v1/teams", json={}, headers={**tenant.headers, "Accept-Language": "sv-SE"}
    )
    assert english.status_code == swedish.status_code == 422
    en, sv = english.json(), swedish.json()
    assert sv["type"] == en["type"] == "/problems/validation-error"
    assert sv["title"] == "Begäran kunde inte valideras"
    assert [(e["field"], e["type"]) for e in sv["errors"]] == [
        (e["field"], e["type"]) for e in en["errors"]
    ]
    assert {e["message"] for e in sv["errors"]} == {"måste anges"}
    assert {e["message"] for e in en["errors"]} == {"is required"}
    too_long = await client.post(
        "/api/v1/teams",
        json={"name": "x" * 500, "org_unit_id": str(tenant.school.id)},
        headers={**tenant.headers, "Accept-Language": "nb"},
    )
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["message"].startswith("kan være høyst")


async def test_the_organisations_language_decides_without_accept_language(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    changed = await client.patch(
        "/api/v1/organisation", json={"default_language": "sv"}, headers=tenant.headers
    )
    assert changed.status_code == 200, changed.text
    refused = await client.post(
        "/api/v1/teams",
        json={"name": "Lag", "org_unit_id": str(tenant.school.id)},
        headers=bearer(tenant.viewer),
    )
    assert refused.status_code == 403
    assert refused.json()["title"] == "Åtkomst nekas"
    asked = await client.post(
        "/api/v1/teams",
        json={"name": "Lag", "org_unit_id": str(tenant.school.id)},
        headers={**bearer(tenant.viewer), "Accept-Language": "en"},
    )
    assert asked.json()["title"] == "Forbidden"


async def test_refused_rows_say_so_in_the_language_and_name_the_same_fields(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    measure = await create_measure(
        client, tenant.headers, org_unit_id=str(tenant.school.id), period_kind="week"
    )
    rows = [
        {
            "measure_id": measure["id"],
            "org_unit_id": str(tenant.school.id),
            "period": "2026-W37",
            "numerator": 9,
            "denominator": 3,
        },
    ]
    answers = [
        await client.post(
            "/api/v1/measurements/bulk",
            json={"rows": rows},
            headers={**tenant.headers, "Accept-Language": language},
        )
        for language in ("en", "sv")
    ]
    assert [a.status_code for a in answers] == [422, 422], answers[1].text
    en, sv = (a.json() for a in answers)
    assert sv["type"] == en["type"] == "/problems/rows-refused"
    assert sv["title"] == "Rader avvisades"
    assert sv["detail"] == "1 rad avvisades; inget skrevs."
    assert [e["field"] for e in sv["errors"]] == [e["field"] for e in en["errors"]]
