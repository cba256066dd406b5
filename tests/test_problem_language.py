"""Problems speak the user's language: titles and the messages people meet most follow
Accept-Language, then the organisation's default language; English is the fallback. The
machine-readable parts (``type``, ``status``, field names, error types) never change."""

import string
import uuid
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app import periods, problem_texts
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


def _figures(template: str) -> set[tuple[str, str, str]]:
    """The placeholders of a ``str.format`` template with their conversion and format spec."""
    return {
        (name, conversion or "", spec or "")
        for _, name, spec, conversion in string.Formatter().parse(template)
        if name is not None
    }


def test_every_text_has_every_language_and_the_same_figures() -> None:
    for key, texts in problem_texts.TEXTS.items():
        assert set(texts) == {"en", "sv", "nb", "nn"}, key
        figures = _figures(texts["en"])
        for language, template in texts.items():
            assert _figures(template) == figures, (key, language)


def test_the_period_parser_says_every_message_in_english_as_the_texts_do() -> None:
    # app.periods keeps its English for logs and the command line; the problem layer renders
    # the same key and figures, so the two never drift apart.
    assert set(periods.MESSAGES) <= set(problem_texts.TEXTS)
    for kind, value in [
        ("week", "2026-W54"),
        ("week", ""),
        ("month", "2026-13"),
        ("day", "30.2.2026"),
        ("day", "banana"),
        ("school_year", "2026"),
        ("school_year", "2026/28"),
        ("term", "HT1899"),
        ("fortnight", "x"),
    ]:
        with pytest.raises(periods.InvalidPeriod) as raised:
            periods.parse_period(kind, value)
        text = problem_texts.Text.of(raised.value.wording)
        assert text.english() == str(raised.value), (kind, value)
        for language in ("sv", "nb", "nn"):
            assert text.render(language), (kind, value, language)


@pytest.mark.parametrize(
    ("language", "title", "message"),
    [
        ("sv", "Ogiltiga uppgifter", "'HT2026' är inte en ISO-vecka; skriv en vecka som 2026-W37"),
        ("nb", "Ugyldige opplysninger", "'HT2026' er ikke en ISO-uke; skriv en uke som 2026-W37"),
        ("nn", "Ugyldige opplysningar", "'HT2026' er ikkje ei ISO-veke; skriv ei veke som"),
        ("de", "Invalid input", "'HT2026' is not an ISO week; write a week as 2026-W37"),
    ],
)
async def test_a_bad_period_in_a_query_parameter_speaks_the_language(
    client: AsyncClient, session: AsyncSession, language: str, title: str, message: str
) -> None:
    tenant = await make_tenant(session)
    measure = await create_measure(
        client, tenant.headers, org_unit_id=str(tenant.school.id), period_kind="week"
    )
    answer = await client.get(
        f"/api/v1/measures/{measure['id']}/reporting-status",
        params={"period": "HT2026"},
        headers={**tenant.headers, "Accept-Language": language},
    )
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["type"] == "/problems/invalid-input"
    assert problem["title"] == title
    [error] = problem["errors"]
    assert (error["field"], error["type"]) == ("query.period", "invalid_period")
    assert error["message"].startswith(message), error["message"]
    assert problem["detail"] == f"query.period: {error['message']}"


async def _upload(
    client: AsyncClient, headers: dict[str, str], body: bytes, language: str
) -> dict[str, Any]:
    answer = await client.post(
        "/api/v1/measurements/upload",
        content=body,
        headers={**headers, "Content-Type": "text/csv", "Accept-Language": language},
    )
    assert 400 <= answer.status_code < 500, answer.text
    problem: dict[str, Any] = answer.json()
    return problem


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("sv", "Rubrikraden har okänd kolumn 'Vekka' (menade du 'vecka'?). Byt namn på"),
        ("nb", "Overskriftsraden har ukjent kolonne 'Vekka' (mente du 'vecka'?). Gi nytt"),
        ("de", "The header row has unknown column 'Vekka' (did you mean 'vecka'?). Rename"),
    ],
)
async def test_a_header_error_speaks_the_language(
    client: AsyncClient, session: AsyncSession, language: str, detail: str
) -> None:
    tenant = await make_tenant(session)
    body = "Period;Vekka;Värde\nHT2026;47;1\n".encode()
    problem = await _upload(client, tenant.headers, body, language)
    assert problem["type"] == "/problems/unreadable-file"
    assert problem["detail"].startswith(detail), problem["detail"]


@pytest.mark.parametrize(
    ("language", "title", "message"),
    [
        ("sv", "Rader avvisades", "kolumnen 'Vecka': '47' är en vecka utan år: lägg till"),
        ("nb", "Rader ble avvist", "kolonnen 'Vecka': '47' er en uke uten år: legg til"),
        ("de", "Rows refused", "column 'Vecka': '47' is a week without its year: add"),
    ],
)
async def test_a_week_without_its_year_speaks_the_language(
    client: AsyncClient, session: AsyncSession, language: str, title: str, message: str
) -> None:
    tenant = await make_tenant(session)
    measure = await create_measure(
        client, tenant.headers, org_unit_id=str(tenant.school.id), period_kind="week"
    )
    body = (
        f"measure_id;org_unit_id;Vecka;Täljare;Nämnare\n{measure['id']};{tenant.school.id};47;1;2\n"
    )
    problem = await _upload(client, tenant.headers, body.encode(), language)
    assert problem["type"] == "/problems/rows-refused"
    assert problem["title"] == title
    [error] = problem["errors"]
    assert (error["field"], error["type"]) == ("file.rows[2].period", "invalid")
    assert error["message"].startswith(message), error["message"]


@pytest.mark.parametrize(
    ("language", "title", "detail"),
    [
        ("sv", "Filformatet stöds inte", "Det här är en gammal Excel-arbetsbok (.xls, Excel "),
        ("nb", "Filformatet støttes ikke", "Dette er en gammel Excel-arbeidsbok (.xls, Excel "),
        ("de", "Unsupported file format", "This is an old Excel workbook (.xls, Excel 97–2003)"),
    ],
)
async def test_an_unsupported_format_speaks_the_language(
    client: AsyncClient, session: AsyncSession, language: str, title: str, detail: str
) -> None:
    tenant = await make_tenant(session)
    old_excel = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)
    problem = await _upload(client, tenant.headers, old_excel, language)
    assert problem["type"] == "/problems/unsupported-file"
    assert problem["title"] == title
    assert problem["detail"].startswith(detail), problem["detail"]
    assert "save it as .xlsx" in problem["detail"] or language != "de"


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("sv", "Åtgärden kräver rollen admin eller högre; token har rollen viewer."),
        ("nb", "Operasjonen krever rollen admin eller høyere; tokenet har rollen viewer."),
        ("en", "This operation needs the role admin or higher; the token is viewer."),
    ],
)
async def test_a_forbidden_detail_speaks_the_language(
    client: AsyncClient, session: AsyncSession, language: str, detail: str
) -> None:
    tenant = await make_tenant(session)
    answer = await client.patch(
        "/api/v1/organisation",
        json={"default_language": "sv"},
        headers={**bearer(tenant.viewer), "Accept-Language": language},
    )
    assert answer.status_code == 403, answer.text
    assert answer.json()["type"] == "/problems/forbidden"
    assert answer.json()["detail"] == detail


@pytest.mark.parametrize(
    ("language", "messages"),
    [
        ("sv", ["'skolan' är inte ett slags enhet", "ingen enhet med koden 'X' i filen"]),
        ("nb", ["'skolan' er ikke en type enhet", "ingen enhet med koden 'X' i filen"]),
        ("en", ["'skolan' is not a kind of unit", "no unit with code 'X' in the file"]),
    ],
)
async def test_a_unit_import_row_speaks_the_language(
    client: AsyncClient, session: AsyncSession, language: str, messages: list[str]
) -> None:
    tenant = await make_tenant(session)
    answer = await client.post(
        "/api/v1/org-units/import",
        content="Namn;Kod;Förälder;Typ\nA;A1;;skolan\nB;B1;X;skola\n".encode(),
        headers={**tenant.headers, "Content-Type": "text/csv", "Accept-Language": language},
    )
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["type"] == "/problems/rows-refused"
    errors = [(e["field"], e["type"]) for e in problem["errors"]]
    assert errors == [("file.rows[2].kind", "invalid"), ("file.rows[3].parent", "not_found")]
    for error, message in zip(problem["errors"], messages, strict=True):
        assert error["message"].startswith(message), error["message"]


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("sv", "Skicka en åtkomsttoken som 'Authorization: Bearer <token>'."),
        ("nb", "Send et tilgangstoken som 'Authorization: Bearer <token>'."),
        ("fi", "Send an access token as 'Authorization: Bearer <token>'."),
    ],
)
async def test_a_missing_token_speaks_the_language(
    client: AsyncClient, language: str, detail: str
) -> None:
    answer = await client.get("/api/v1/teams", headers={"Accept-Language": language})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="pdca"'
    assert answer.json()["type"] == "/problems/not-authenticated"
    assert answer.json()["detail"] == detail


def test_figures_are_grouped_as_each_language_writes_them() -> None:
    """A Swede reads 10,485,760 as a decimal: Swedish and Norwegian group with spaces."""
    from app.problem_texts import TEXTS, Text

    key = next(k for k, v in TEXTS.items() if "{size:,}" in v["en"])
    text = Text(key, {"size": 10_485_760, "limit": 1_048_576})
    assert "10,485,760" in (text.render("en") or "")
    for language in ("sv", "nb", "nn"):
        rendered = text.render(language) or ""
        assert "10\u00a0485\u00a0760" in rendered and "10,485,760" not in rendered
