"""LibreOffice's .ods read like .xlsx, with its declared sizes bounded before the reader
allocates (issue 16, item 10)."""

import io
import time
import zipfile

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.measures import spreadsheets
from tests.cycles.factories import make_initiative
from tests.factories import make_tenant
from tests.measures.factories import create_measure
from tests.measures.ods_files import _HEAD, _TAIL, cell, ods, row


def test_an_ods_is_read_like_an_xlsx() -> None:
    table = spreadsheets.read_table(
        ods([["Vecka", "Täljare", "Nämnare", "Kommentar"], ["2026-W47", 17, 24, "bra"]])
    )
    assert table.format == "ods"
    assert not table.errors
    assert (table.rows[0].period, table.rows[0].numerator, table.rows[0].comment) == (  # type: ignore[comparison-overlap]  # Decimal(17) == 17
        "2026-W47",
        17,
        "bra",
    )


@pytest.mark.parametrize(
    ("tail", "says"),
    [
        # One value repeated across every column of a thousand rows: 16 million cells.
        (row(cell(1, 16_384), 1000), "columns"),
        # A value below two billion declared empty rows.
        (row(cell(None), 2**31) + row(cell(1)), "declares more rows"),
        # Every column of a row repeated past the largest sheet.
        (row(cell(None, 2**31) + cell(1)), "declares more rows or columns"),
        # A long text in every cell of a small block: 60 million characters.
        (row(cell("x" * 20_000, 100), 30), "characters of text"),
    ],
)
def test_an_ods_that_declares_or_holds_too_much_is_refused_before_it_is_read(
    tail: str, says: str
) -> None:
    started = time.perf_counter()
    with pytest.raises(spreadsheets.SheetTooLarge, match=says):
        spreadsheets.read_table(ods([["Vecka", "Värde"]], tail=tail))
    assert time.perf_counter() - started < 5


def test_an_ods_with_its_own_entities_is_refused() -> None:
    content = (
        _HEAD.replace(
            "<office:document-content",
            '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><office:document-content',
        )
        + row(cell("Vecka") + cell("&a;"))
        + _TAIL
    )
    with pytest.raises(spreadsheets.MalformedFile, match="document type or entities"):
        spreadsheets.read_table(ods([], content=content))


def test_other_opendocument_files_and_flat_ods_are_named_correctly() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<x/>")
    with pytest.raises(
        spreadsheets.UnsupportedFormat, match=r"OpenDocument text document \(\.odt\)"
    ):
        spreadsheets.read_table(out.getvalue())
    flat = b'<?xml version="1.0"?><office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>'
    with pytest.raises(spreadsheets.UnsupportedFormat, match=r"\.fods"):
        spreadsheets.read_table(flat, filename="matningar.fods")
    with pytest.raises(spreadsheets.UnsupportedFormat, match=r"\.fods"):
        spreadsheets.read_table(flat)


async def test_an_ods_uploads_and_records_its_format(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    measure = await create_measure(client, tenant.headers, initiative_id=str(initiative.id))
    body = ods([["Vecka", "Täljare", "Nämnare"], ["2026-W47", 17, 24], ["2026-W48", 18, 24]])
    response = await client.post(
        f"/api/v1/measurements/upload?measure_id={measure['id']}",
        files={"file": ("matningar.ods", body, "application/vnd.oasis.opendocument.spreadsheet")},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    assert (response.json()["format"], response.json()["created"]) == ("ods", 2)
    listed = await client.get(
        f"/api/v1/measurements?measure_id={measure['id']}&source=ods", headers=tenant.headers
    )
    assert listed.json()["total"] == 2
    hostile = ods([["Vecka", "Värde"]], tail=row(cell(1, 16_384), 1000))
    refused = await client.post(
        f"/api/v1/measurements/upload?measure_id={measure['id']}",
        content=hostile,
        headers=tenant.headers,
    )
    assert refused.status_code == 413
    assert refused.json()["type"].endswith("/sheet-too-large")
