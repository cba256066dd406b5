"""A measure's spreadsheet template, and exports headed in the request's language (issue 16,
items 7 and 11)."""

import io

import pytest
import python_calamine
import xlsxwriter
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import Role
from tests.cycles.factories import make_initiative
from tests.factories import Tenant, bearer, make_tenant, make_token, make_unit
from tests.measures.factories import create_measure

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _indicator(client: AsyncClient, session: AsyncSession, tenant: Tenant) -> str:
    """A weekly proportion every school reports; Norrskolan and a second northern school have
    school-unit codes."""
    tenant.school.external_code = "S-1001"
    session.add(tenant.school)
    await session.commit()
    await make_unit(
        session, tenant.organisation, "Ängsskolan", parent=tenant.north, external_code="S-1002"
    )
    measure = await create_measure(
        client,
        tenant.headers,
        name="Delaktighet",
        external_code="DELAKT",
        org_unit_id=str(tenant.root.id),
        reporting_unit_kind="school",
    )
    return str(measure["id"])


def _lines(response_text: str) -> list[list[str]]:
    return [line.split(";") for line in response_text.lstrip("\ufeff").splitlines()]


async def test_template_has_a_row_per_reporting_unit_and_upcoming_week_in_swedish(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    measure_id = await _indicator(client, session, tenant)
    reporter = await make_token(
        session, tenant.organisation, role=Role.reporter, scope=tenant.north
    )
    response = await client.get(
        f"/api/v1/measures/{measure_id}/template?period_from=2026-W48",
        headers={**bearer(reporter), "Accept-Language": "sv-SE,sv;q=0.9,en;q=0.8"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-language"] == "sv"
    assert response.content.startswith(b"\xef\xbb\xbf")
    lines = _lines(response.text)
    assert lines[0] == ["Period", "Enhet", "Enhetsnamn", "Mått", "Täljare", "Nämnare", "Kommentar"]
    assert lines[1:] == [
        [week, code, name, "DELAKT", "", "", ""]
        for week in ("2026-W48", "2026-W49", "2026-W50", "2026-W51")
        for code, name in (("S-1001", "Norrskolan"), ("S-1002", "Ängsskolan"))
    ]


async def test_template_of_a_continuous_measure_asks_for_the_value_of_its_own_unit(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    measure = await create_measure(
        client,
        tenant.headers,
        name="Närvaro",
        value_kind="continuous",
        period_kind="month",
        initiative_id=str(initiative.id),
    )
    response = await client.get(
        f"/api/v1/measures/{measure['id']}/template",
        params={"period_from": "2026-11", "periods": 2},
        headers={**tenant.headers, "Accept-Language": "en"},
    )
    assert response.status_code == 200, response.text
    lines = _lines(response.text)
    assert lines[0] == ["period", "unit", "unit_name", "measure", "value", "comment"]
    assert lines[1:] == [
        [month, str(tenant.school.id), "Norrskolan", str(measure["id"]), "", ""]
        for month in ("2026-11", "2026-12")
    ]


@pytest.mark.parametrize("language", ["sv", "nb", "nn", "en"])
@pytest.mark.parametrize("format", ["csv", "xlsx"])
async def test_a_filled_in_template_uploads_unchanged(
    client: AsyncClient, session: AsyncSession, language: str, format: str
) -> None:
    tenant = await make_tenant(session)
    measure_id = await _indicator(client, session, tenant)
    response = await client.get(
        f"/api/v1/measures/{measure_id}/template",
        params={"format": format, "period_from": "2026-W48", "periods": 1},
        headers={**tenant.headers, "Accept-Language": language},
    )
    assert response.status_code == 200, response.text
    if format == "csv":
        lines = _lines(response.text)
        filled = [lines[0]] + [
            [*line[:4], str(17 + index), "24", "bra vecka"] for index, line in enumerate(lines[1:])
        ]
        body = ("\ufeff" + "\r\n".join(";".join(line) for line in filled) + "\r\n").encode()
        content_type = "text/csv"
    else:
        assert response.headers["content-type"] == XLSX
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        rows = workbook.get_sheet_by_index(0).to_python()
        assert len(rows) == 4  # the header, Norrskolan, Södra skolan, Ängsskolan

        out = io.BytesIO()
        book = xlsxwriter.Workbook(out)
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, rows[0])
        for index, row in enumerate(rows[1:], start=1):
            sheet.write_row(index, 0, [*row[:4], 16 + index, 24, "bra vecka"])
        book.close()
        body, content_type = out.getvalue(), XLSX
    upload = await client.post(
        "/api/v1/measurements/upload",
        content=body,
        headers={**tenant.headers, "Content-Type": content_type},
    )
    assert upload.status_code == 200, upload.text
    assert upload.json()["created"] == 3


async def test_template_is_refused_to_a_viewer_and_for_no_writable_unit(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    measure_id = await _indicator(client, session, tenant)
    viewer = await client.get(
        f"/api/v1/measures/{measure_id}/template", headers=bearer(tenant.viewer)
    )
    assert viewer.status_code == 403
    bad = await client.get(
        f"/api/v1/measures/{measure_id}/template?period_from=HT2026", headers=tenant.headers
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.period_from"
    too_many = await client.get(
        f"/api/v1/measures/{measure_id}/template?periods=54", headers=tenant.headers
    )
    assert too_many.status_code == 422


@pytest.mark.parametrize(
    ("accept", "first"),
    [
        ("sv", "Period;Mått;Enhet;Värde;Täljare;Nämnare;Kommentar;Externt id"),
        ("nb-NO", "Periode;Indikator;Enhet;Verdi;Teller;Nevner;Merknad;Ekstern id"),
        ("nn", "Periode;Indikator;Eining;Verdi;Teljar;Nemnar;Merknad;Ekstern id"),
        ("fi, de;q=0.5", "period;measure;unit;value;numerator;denominator;comment;external_id"),
    ],
)
async def test_export_headers_follow_the_language_and_import_again_unchanged(
    client: AsyncClient, session: AsyncSession, accept: str, first: str
) -> None:
    tenant = await make_tenant(session)
    measure_id = await _indicator(client, session, tenant)
    written = await client.post(
        "/api/v1/measurements/bulk",
        json={
            "measure_id": measure_id,
            "rows": [
                {
                    "org_unit_code": "S-1001",
                    "period": "2026-W48",
                    "numerator": 17,
                    "denominator": 24,
                },
                {"org_unit_code": "S-1002", "period": "2026-W48", "numerator": 3, "denominator": 4},
            ],
        },
        headers=tenant.headers,
    )
    assert written.status_code == 200, written.text
    export = await client.get(
        f"/api/v1/measurements/export?measure_id={measure_id}",
        headers={**tenant.headers, "Accept-Language": accept},
    )
    assert export.status_code == 200
    assert export.text.lstrip("\ufeff").splitlines()[0] == first
    again = await client.post(
        "/api/v1/measurements/upload",
        content=export.content,
        headers={**tenant.headers, "Content-Type": "text/csv"},
    )
    assert again.status_code == 200, again.text
    assert again.json()["unchanged"] == 2


async def test_without_accept_language_exports_follow_the_organisations_language(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    measure_id = await _indicator(client, session, tenant)
    changed = await client.patch(
        "/api/v1/organisation", json={"default_language": "sv"}, headers=tenant.headers
    )
    assert changed.status_code == 200, changed.text
    export = await client.get(
        f"/api/v1/measurements/export?measure_id={measure_id}", headers=tenant.headers
    )
    assert export.status_code == 200
    assert export.text.lstrip("\ufeff").splitlines()[0].startswith("Period;Mått;Enhet")
    template = await client.get(
        f"/api/v1/measures/{measure_id}/template?format=csv", headers=tenant.headers
    )
    assert template.status_code == 200, template.text
    assert "Mått" in template.text.lstrip("\ufeff").splitlines()[0]
