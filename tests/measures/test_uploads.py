"""Spreadsheet uploads over HTTP, from files as Excel and LibreOffice write them."""

from pathlib import Path

import pytest
from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncSession

from tests.cycles.factories import make_initiative
from tests.factories import Tenant, make_tenant, make_unit
from tests.measures import hostile_files
from tests.measures.factories import create_measure

DATA = Path(__file__).parent / "data"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _attendance(client: AsyncClient, session: AsyncSession, tenant: Tenant) -> str:
    """The files' measure: attendance (närvaro, code M-7), weekly, reported by units S-0101."""
    await make_unit(
        session,
        tenant.organisation,
        "Björkängsskolan",
        parent=tenant.south,
        external_code="S-0101",
    )
    measure = await create_measure(
        client,
        tenant.headers,
        name="närvaro",
        value_kind="continuous",
        measure_type="process",
        external_code="M-7",
        org_unit_id=str(tenant.root.id),
    )
    return str(measure["id"])


@pytest.mark.parametrize(
    ("name", "content_type", "format"),
    [
        ("excel_sv_cp1252.csv", "text/csv", "csv"),
        ("libreoffice.csv", "text/csv", "csv"),
        ("libreoffice_sv.csv", "text/csv", "csv"),
        ("excel.xlsx", XLSX, "xlsx"),
        ("libreoffice.xlsx", XLSX, "xlsx"),
    ],
)
async def test_spreadsheets_as_people_save_them_upload_and_again_unchanged(
    client: AsyncClient, session: AsyncSession, name: str, content_type: str, format: str
) -> None:
    tenant = await make_tenant(session)
    measure_id = await _attendance(client, session, tenant)
    body = (DATA / name).read_bytes()
    headers = {**tenant.headers, "Content-Type": content_type}
    dry = await client.post(
        "/api/v1/measurements/upload?dry_run=true", content=body, headers=headers
    )
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True
    first = await client.post("/api/v1/measurements/upload", content=body, headers=headers)
    assert first.status_code == 200, first.text
    result = first.json()
    assert result["format"] == format
    assert result["created"] == result["rows"] == dry.json()["created"] >= 3
    again = await client.post("/api/v1/measurements/upload", content=body, headers=headers)
    assert again.json()["unchanged"] == result["rows"]
    assert again.json()["created"] == again.json()["replaced"] == 0

    listed = await client.get(
        f"/api/v1/measurements?measure_id={measure_id}&sort=period", headers=tenant.headers
    )
    items = listed.json()["items"]
    assert [item["value"] for item in items[:3]] == [92.5, 1234.5, -3.0]
    assert items[1]["comment"] == "Lärare sjuk; vikarie"
    assert items[0]["source"] == format


async def test_a_proportion_file_names_units_by_name_with_swedish_letters(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    for name in ("Ösby skola", "Åsens förskola"):
        await make_unit(session, tenant.organisation, name, parent=tenant.south)
    await create_measure(client, tenant.headers, name="Trivsel", org_unit_id=str(tenant.root.id))
    response = await client.post(
        "/api/v1/measurements/upload",
        content=(DATA / "excel_sv_utf8_bom.csv").read_bytes(),
        headers={**tenant.headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 3
    listed = await client.get("/api/v1/measurements?sort=period", headers=tenant.headers)
    first = listed.json()["items"][0]
    assert (first["numerator"], first["denominator"]) == (18, 24)
    assert first["comment"] == "Två rader:\nandra raden"


async def test_an_export_imports_again_unchanged(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    measure = await create_measure(client, tenant.headers, initiative_id=str(initiative.id))
    rows = [
        {"period": f"2026-W{w:02d}", "numerator": w, "denominator": 31, "comment": f'v{w}; "ok"'}
        for w in range(2, 30)
    ]
    sent = await client.post(
        "/api/v1/measurements/bulk",
        json={"measure_id": measure["id"], "rows": rows},
        headers=tenant.headers,
    )
    assert sent.status_code == 200, sent.text
    for format, content_type in (("csv", "text/csv"), ("xlsx", XLSX)):
        exported = await client.get(
            f"/api/v1/measurements/export?format={format}&measure_id={measure['id']}",
            headers=tenant.headers,
        )
        assert exported.status_code == 200, exported.text
        assert exported.headers["content-type"].startswith(content_type)
        if format == "csv":
            assert exported.content.startswith(b"\xef\xbb\xbf")
            assert b";" in exported.content.splitlines()[0]
        again = await client.post(
            "/api/v1/measurements/upload",
            content=exported.content,
            headers={**tenant.headers, "Content-Type": content_type},
        )
        assert again.status_code == 200, again.text
        assert again.json()["unchanged"] == len(rows), format


async def test_a_bad_cell_names_its_row_and_column(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    measure_id = await _attendance(client, session, tenant)
    body = "Vecka;Enhet;Värde\n2026-W37;S-0101;12\n2026-W38;S-0101;tolv\n2026-W39;S-0101;9\n"
    response = await client.post(
        f"/api/v1/measurements/upload?measure_id={measure_id}",
        content=body.encode(),
        headers={**tenant.headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"].startswith("file.rows[3]")
    assert "Värde" in error["message"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"", 422),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, 415),
        (b"PK\x03\x04broken", 422),
        ("Vecka;Okänd\n2026-W37;1\n".encode(), 422),
    ],
)
async def test_unreadable_files_are_refused_clearly(
    client: AsyncClient, session: AsyncSession, body: bytes, status: int
) -> None:
    tenant = await make_tenant(session)
    await _attendance(client, session, tenant)
    response = await client.post(
        "/api/v1/measurements/upload?measure_code=M-7",
        content=body,
        headers={**tenant.headers, "Content-Type": "application/octet-stream"},
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"]


async def test_a_file_with_only_a_header_is_refused(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    await _attendance(client, session, tenant)
    response = await client.post(
        "/api/v1/measurements/upload?measure_code=M-7",
        content=b"Vecka;Enhet;V\xc3\xa4rde\r\n",
        headers={**tenant.headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 422
    assert "no measurements" in response.json()["detail"]


async def test_whole_numbers_export_without_decimals(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    measure = await create_measure(
        client, tenant.headers, initiative_id=str(initiative.id), value_kind="count"
    )
    await client.post(
        "/api/v1/measurements",
        json={"measure_id": measure["id"], "period": "2026-W10", "value": 3},
        headers=tenant.headers,
    )
    exported = await client.get(
        f"/api/v1/measurements/export?measure_id={measure['id']}", headers=tenant.headers
    )
    assert ";3;" in exported.text and "3,0" not in exported.text


# Hostile structure (issue 13): what a file declares or spreads over, not what it weighs.

_LIBRARY_WORDS = ("calamine", "Xml error", "Zip error", "expat", "Error(", "Exception", "panic")


@pytest.mark.parametrize("dry_run", [True, False])
async def test_a_tiny_workbook_reaching_xfd1048576_is_refused_and_the_server_answers_on(
    client: AsyncClient, session: AsyncSession, dry_run: bool
) -> None:
    tenant = await make_tenant(session)
    measure_id = await _attendance(client, session, tenant)
    body = hostile_files.far_corner()
    assert len(body) < 5_000
    response = await client.post(
        f"/api/v1/measurements/upload?measure_id={measure_id}&org_unit_code=S-0101"
        f"&dry_run={str(dry_run).lower()}",
        content=body,
        headers={**tenant.headers, "Content-Type": XLSX},
    )
    assert response.status_code == 413, response.text
    problem = response.json()
    assert problem["type"].endswith("sheet-too-large")
    assert "XFD1048576" in problem["detail"]
    assert "at most 256 columns and 20,100 rows" in problem["detail"]
    # The process is alive and serves the next requests; nothing was written.
    assert (await client.get("/healthz")).status_code == 200
    listed = await client.get(
        f"/api/v1/measurements?measure_id={measure_id}", headers=tenant.headers
    )
    assert listed.status_code == 200 and listed.json()["items"] == []
    good = await client.post(
        f"/api/v1/measurements/upload?measure_id={measure_id}&org_unit_code=S-0101",
        content=b"period;value\r\n2026-W37;5\r\n",
        headers={**tenant.headers, "Content-Type": "text/csv"},
    )
    assert good.status_code == 200, good.text


@pytest.mark.parametrize(
    ("name", "status", "type"),
    [
        ("far_corner_without_dimension", 413, "sheet-too-large"),
        ("far_row_by_row_number", 413, "sheet-too-large"),
        ("wide_row_without_references", 413, "sheet-too-large"),
        ("declared_dimension_only", 413, "sheet-too-large"),
        ("lowercase_reference", 413, "sheet-too-large"),
        ("reference_beyond_excel", 413, "sheet-too-large"),
        ("shared_string_amplified", 413, "sheet-too-large"),
        ("shared_strings_declared_huge", 413, "sheet-too-large"),
        ("entity_expansion", 422, "unreadable-file"),
        ("duplicate_workbook_part", 422, "unreadable-file"),
        ("case_variant_workbook_part", 422, "unreadable-file"),
        ("element_flood", 413, "sheet-too-large"),
    ],
)
async def test_workbooks_declaring_more_than_they_hold_are_refused_in_our_words(
    client: AsyncClient, session: AsyncSession, name: str, status: int, type: str
) -> None:
    tenant = await make_tenant(session)
    measure_id = await _attendance(client, session, tenant)
    response = await client.post(
        f"/api/v1/measurements/upload?measure_id={measure_id}&org_unit_code=S-0101&dry_run=true",
        content=hostile_files.hostile_workbooks()[name],
        headers={**tenant.headers, "Content-Type": XLSX},
    )
    assert response.status_code == status, response.text
    problem = response.json()
    assert problem["type"].endswith(type)
    assert not any(word in problem["detail"] for word in _LIBRARY_WORDS), problem["detail"]
    assert (await client.get("/healthz")).status_code == 200


async def test_merged_cells_reaching_far_are_read_as_the_cells_they_hold(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    measure_id = await _attendance(client, session, tenant)
    response = await client.post(
        f"/api/v1/measurements/upload?measure_id={measure_id}&org_unit_code=S-0101",
        content=hostile_files.hostile_workbooks()["merged_cells_far"],
        headers={**tenant.headers, "Content-Type": XLSX},
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 1


async def test_a_csv_quote_left_open_is_refused_naming_its_row_and_nothing_is_written(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    measure_id = await _attendance(client, session, tenant)
    body = b'period;value;comment\r\n2026-W37;5;"oops\r\n2026-W38;6;fine\r\n'
    response = await client.post(
        f"/api/v1/measurements/upload?measure_id={measure_id}&org_unit_code=S-0101",
        content=body,
        headers={**tenant.headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"].endswith("unreadable-file")
    assert problem["detail"].startswith("Row 2 (from line 2) opens a quote that is never closed")
    assert not any(word in problem["detail"] for word in ("end of data", "csv.Error"))
    listed = await client.get(
        f"/api/v1/measurements?measure_id={measure_id}", headers=tenant.headers
    )
    assert listed.json()["items"] == []


async def test_reading_a_large_workbook_leaves_the_event_loop_free(
    client: AsyncClient, session: AsyncSession
) -> None:
    """A workbook just under the element limit takes the reader a while; /healthz keeps
    answering meanwhile, because the file is read in a worker thread."""
    import asyncio
    import time

    from app.measures.sheet_bounds import MAX_MARKUP

    tenant = await make_tenant(session)
    measure_id = await _attendance(client, session, tenant)
    body = hostile_files.element_flood(MAX_MARKUP - 1_000)
    done = asyncio.Event()
    gaps: list[float] = []

    async def upload() -> Response:
        try:
            return await client.post(
                f"/api/v1/measurements/upload?measure_id={measure_id}&org_unit_code=S-0101"
                "&dry_run=true",
                content=body,
                headers={**tenant.headers, "Content-Type": XLSX},
            )
        finally:
            done.set()

    async def health() -> None:
        last = time.perf_counter()
        while not done.is_set():
            assert (await client.get("/healthz")).status_code == 200
            now = time.perf_counter()
            gaps.append(now - last)
            last = now
            await asyncio.sleep(0.01)

    answer, _ = await asyncio.gather(upload(), health())
    assert answer.status_code == 200, answer.text
    assert gaps and max(gaps) < 1.0, max(gaps)


async def test_a_multipart_form_upload_is_read_like_the_raw_body(
    client: AsyncClient, session: AsyncSession
) -> None:
    """curl -F file=@x.csv, Postman's form-data and an HTML form send the file as a part."""
    tenant = await make_tenant(session)
    measure_id = await _attendance(client, session, tenant)
    body = (DATA / "libreoffice_sv.csv").read_bytes()
    raw = await client.post(
        "/api/v1/measurements/upload?dry_run=true",
        content=body,
        headers={**tenant.headers, "Content-Type": "text/csv"},
    )
    form = await client.post(
        "/api/v1/measurements/upload?dry_run=true",
        files={"file": ("matningar.csv", body, "text/csv")},
        data={"note": "from a form"},
        headers=tenant.headers,
    )
    assert form.status_code == 200, form.text
    assert form.json() == raw.json()
    xlsx = (DATA / "excel.xlsx").read_bytes()
    as_xlsx = await client.post(
        "/api/v1/measurements/upload",
        files={"upload": ("excel.xlsx", xlsx, "application/octet-stream")},
        headers=tenant.headers,
    )
    assert as_xlsx.status_code == 200, as_xlsx.text
    assert as_xlsx.json()["format"] == "xlsx"
    assert measure_id


async def test_a_form_without_its_file_says_how_to_send_it(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    empty = await client.post(
        "/api/v1/measurements/upload", data={"file": "matningar.csv"}, headers=tenant.headers
    )
    assert empty.status_code == 422
    assert "multipart/form-data" in empty.json()["detail"]
    no_file = await client.post(
        "/api/v1/measurements/upload",
        files={"x": (None, b"text only")},
        headers=tenant.headers,
    )
    assert no_file.status_code == 422
    assert "curl -F file=@" in no_file.json()["detail"]
    two = await client.post(
        "/api/v1/measurements/upload",
        files=[("a", ("a.csv", b"x", "text/csv")), ("b", ("b.csv", b"y", "text/csv"))],
        headers=tenant.headers,
    )
    assert two.status_code == 422
    assert "Traceback" not in two.text
