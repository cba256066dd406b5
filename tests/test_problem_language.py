"""Problems speak the user's language: titles and the messages people meet most follow
Accept-Language, then the organisation's default language; English is the fallback. The
machine-readable parts (``type``, ``status``, field names, error types) never change."""

import uuid

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app import problem_texts
from app.problems import FieldError, _localised_error
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


CSV = "measure_id;org_unit_id;period;Täljare;Nämnare\n{measure};{unit};2026-W37;9;3\n"


@pytest.mark.parametrize(
    ("language", "title", "message"),
    [
        ("sv", "Rader avvisades", "en andels täljare (9) kan inte vara större än nämnaren (3)"),
        ("nb", "Rader ble avvist", "telleren i en andel (9) kan ikke være større enn nevneren"),
        ("nn", "Rader vart avviste", "teljaren i ein del (9) kan ikkje vere større enn"),
        ("de", "Rows refused", "a proportion's numerator (9) cannot exceed its denominator"),
    ],
)
async def test_a_row_error_in_an_uploaded_csv_speaks_the_language(
    client: AsyncClient, session: AsyncSession, language: str, title: str, message: str
) -> None:
    tenant = await make_tenant(session)
    measure = await create_measure(
        client, tenant.headers, org_unit_id=str(tenant.school.id), period_kind="week"
    )
    answer = await client.post(
        "/api/v1/measurements/upload",
        content=CSV.format(measure=measure["id"], unit=tenant.school.id).encode(),
        headers={**tenant.headers, "Content-Type": "text/csv", "Accept-Language": language},
    )
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["type"] == "/problems/rows-refused"
    assert problem["title"] == title
    [error] = problem["errors"]
    assert error["field"].endswith(".numerator")
    assert error["type"] == "invalid"
    assert error["message"].startswith(message), error["message"]


@pytest.mark.parametrize(
    ("language", "title", "detail_start"),
    [
        ("sv", "Villkoret uppfylls inte", 'If-Match "1" stämmer inte med aktuell ETag "2"'),
        ("nb", "Vilkåret er ikke oppfylt", 'If-Match "1" stemmer ikke med gjeldende ETag "2"'),
        ("xx", "Precondition failed", 'If-Match "1" does not match the current ETag "2"'),
    ],
)
async def test_a_412_conflict_speaks_the_language(
    client: AsyncClient, session: AsyncSession, language: str, title: str, detail_start: str
) -> None:
    tenant = await make_tenant(session)
    created = await client.post(
        "/api/v1/teams",
        json={"name": "Lag", "org_unit_id": str(tenant.school.id)},
        headers=tenant.headers,
    )
    assert created.status_code == 201, created.text
    url = f"/api/v1/teams/{created.json()['id']}"
    changed = await client.patch(
        url, json={"name": "Lag 2"}, headers={**tenant.headers, "If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    stale = await client.patch(
        url,
        json={"name": "Lag 3"},
        headers={**tenant.headers, "If-Match": '"1"', "Accept-Language": language},
    )
    assert stale.status_code == 412
    problem = stale.json()
    assert problem["type"] == "/problems/precondition-failed"
    assert problem["title"] == title
    assert problem["detail"].startswith(detail_start), problem["detail"]


@pytest.mark.parametrize(
    ("language", "title", "detail_start"),
    [
        ("sv", "Idempotensnyckeln är redan använd", "Idempotency-Key 'k-1' användes för en annan"),
        ("nb", "Idempotensnøkkelen er allerede brukt", "Idempotency-Key 'k-1' ble brukt til en"),
        ("fi", "Idempotency key reused", "Idempotency-Key 'k-1' was used for a different"),
    ],
)
async def test_an_idempotency_key_reused_speaks_the_language(
    client: AsyncClient, session: AsyncSession, language: str, title: str, detail_start: str
) -> None:
    tenant = await make_tenant(session)
    headers = {**tenant.headers, "Idempotency-Key": "k-1"}
    first = await client.post(
        "/api/v1/teams", json={"name": "A", "org_unit_id": str(tenant.school.id)}, headers=headers
    )
    assert first.status_code == 201, first.text
    reused = await client.post(
        "/api/v1/teams",
        json={"name": "B", "org_unit_id": str(tenant.school.id)},
        headers={**headers, "Accept-Language": language},
    )
    assert reused.status_code == 422
    problem = reused.json()
    assert problem["type"] == "/problems/idempotency-key-reused"
    assert problem["title"] == title
    assert problem["detail"].startswith(detail_start), problem["detail"]
    assert [(e["field"], e["type"]) for e in problem["errors"]] == [
        ("header.Idempotency-Key", "idempotency-key-reused")
    ]
    assert problem["errors"][0]["message"] == problem["detail"]


async def test_an_idempotency_problem_follows_the_organisations_language(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    changed = await client.patch(
        "/api/v1/organisation", json={"default_language": "nb"}, headers=tenant.headers
    )
    assert changed.status_code == 200, changed.text
    headers = {**tenant.headers, "Idempotency-Key": "k-2"}
    unit = str(tenant.school.id)
    first = await client.post(
        "/api/v1/teams", json={"name": "A", "org_unit_id": unit}, headers=headers
    )
    assert first.status_code == 201, first.text
    reused = await client.post(
        "/api/v1/teams", json={"name": "B", "org_unit_id": unit}, headers=headers
    )
    assert reused.json()["title"] == "Idempotensnøkkelen er allerede brukt"


@pytest.mark.parametrize(
    ("language", "title", "detail"),
    [
        ("sv-SE", "Begäran är för stor", "Kroppen är större än"),
        ("nb-NO", "Forespørselen er for stor", "Kroppen er større enn"),
        ("de-DE", "Request body too large", "The body exceeds"),
    ],
)
async def test_a_body_too_large_speaks_the_language(
    client: AsyncClient, session: AsyncSession, language: str, title: str, detail: str
) -> None:
    tenant = await make_tenant(session)
    answer = await client.post(
        "/api/v1/teams",
        content=b'{"name": "' + b"x" * (11 * 1024 * 1024) + b'"}',
        headers={
            **tenant.headers,
            "Content-Type": "application/json",
            "Accept-Language": language,
        },
    )
    assert answer.status_code == 413
    problem = answer.json()
    assert problem["type"] == "/problems/payload-too-large"
    assert problem["title"] == title
    assert problem["detail"].startswith(detail)


def test_a_column_named_in_a_row_message_is_quoted_in_the_language() -> None:
    text = problem_texts.Text("row.value-needed")
    error = FieldError.of("file.rows[2].value", text, "missing", column="Värde")
    assert error.message == "column 'Värde': a value is needed"
    assert _localised_error(error, "sv").message == "kolumnen 'Värde': ett värde behövs"
    assert _localised_error(error, "nn").message == "kolonnen 'Värde': ein verdi trengst"
    assert _localised_error(error, "en") == error


def test_every_text_has_every_language_and_the_same_figures() -> None:
    for key, texts in problem_texts.TEXTS.items():
        assert set(texts) == {"en", "sv", "nb", "nn"}, key
