"""The unit tree from a spreadsheet: POST /org-units/import (issue 16, item 14)."""

import io
from pathlib import Path

import httpx
import pytest
import xlsxwriter
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli import import_client
from app.context import Role
from tests.factories import bearer, make_organisation, make_tenant, make_token

URL = "/api/v1/org-units/import"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# As Swedish Excel saves it: BOM, semicolons; a child listed before its parent.
UNITS = (
    "\ufeffNamn;Skolenhetskod;Förälder;Typ\r\n"
    "Norrskolan;12345678;NORR;skola\r\n"
    "Mittköping kommun;MK;;kommun\r\n"
    "Område Norr;NORR;MK;område\r\n"
    "Ängens förskola;87654321;NORR;förskola\r\n"
).encode()


async def _admin(session: AsyncSession) -> dict[str, str]:
    organisation = await make_organisation(session, "Nystad kommun")
    return {**bearer(await make_token(session, organisation)), "Content-Type": "text/csv"}


async def _tree(client: AsyncClient, headers: dict[str, str]) -> dict[str, tuple[str, str | None]]:
    units = (await client.get("/api/v1/org-units?limit=100", headers=headers)).json()["items"]
    code_of = {unit["id"]: unit["external_code"] for unit in units}
    return {unit["external_code"]: (unit["kind"], code_of.get(unit["parent_id"])) for unit in units}


async def test_import_units_dry_run_then_builds_the_tree_and_again_changes_nothing(
    client: AsyncClient, session: AsyncSession
) -> None:
    headers = await _admin(session)
    dry = await client.post(URL, params={"dry_run": "true"}, content=UNITS, headers=headers)
    assert dry.status_code == 200, dry.text
    assert dry.json()["created"] == 4
    assert dry.json()["dry_run"] is True
    assert await _tree(client, headers) == {}
    done = await client.post(URL, content=UNITS, headers=headers)
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (4, 0, 0)
    assert next(unit["external_code"] for unit in body["units"]) == "MK"  # parents first
    assert await _tree(client, headers) == {
        "MK": ("municipality", None),
        "NORR": ("area", "MK"),
        "12345678": ("school", "NORR"),
        "87654321": ("preschool", "NORR"),
    }
    audit = await client.get("/api/v1/audit-events?object_type=org_unit", headers=headers)
    assert audit.json()["total"] == 4
    again = await client.post(URL, content=UNITS, headers=headers)
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 4)
    renamed = UNITS.replace(b"Norrskolan", b"Norrskolan F-9")
    changed = await client.post(URL, content=renamed, headers=headers)
    assert (changed.json()["updated"], changed.json()["unchanged"]) == (1, 3)


async def test_import_units_reads_xlsx(client: AsyncClient, session: AsyncSession) -> None:
    headers = await _admin(session)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)
    sheet = book.add_worksheet()
    for index, row in enumerate(
        [
            ["name", "code", "parent", "kind"],
            ["Nystad", "NY", "", "municipality"],
            ["Skola 1", 10000001, "NY", "school"],
        ]
    ):
        sheet.write_row(index, 0, row)
    book.close()
    done = await client.post(URL, content=out.getvalue(), headers={**headers, "Content-Type": XLSX})
    assert done.status_code == 200, done.text
    assert await _tree(client, headers) == {
        "NY": ("municipality", None),
        "10000001": ("school", "NY"),
    }


async def test_import_units_is_all_or_nothing_and_names_each_bad_row(
    client: AsyncClient, session: AsyncSession
) -> None:
    headers = await _admin(session)
    bad = (
        "Namn;Kod;Förälder;Typ\n"
        "Mittköping kommun;MK;;kommun\n"
        "Norrskolan;123;SAKNAS;skola\n"
        ";124;MK;skola\n"
        "Västra;MK;;kommun\n"
        "Östra;125;MK;gymnasium\n"
        "A;A1;B1;område\n"
        "B;B1;A1;område\n"
    ).encode()
    refused = await client.post(URL, content=bad, headers=headers)
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["type"].endswith("/rows-refused")
    fields = {error["field"] for error in problem["errors"]}
    assert {
        "file.rows[3].parent",
        "file.rows[4].name",
        "file.rows[5].external_code",
        "file.rows[6].kind",
    } <= fields
    assert any(
        field.endswith(".parent") and "loop" in e["message"]
        for e in problem["errors"]
        for field in [e["field"]]
    )
    assert "'SAKNAS'" in next(
        e["message"] for e in problem["errors"] if e["field"] == "file.rows[3].parent"
    )
    assert await _tree(client, headers) == {}


async def test_import_units_does_not_move_and_keeps_to_the_tokens_scope(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    tenant.north.external_code, tenant.south.external_code = "NORR", "SÖDER"
    tenant.school.external_code = "S1"
    session.add_all([tenant.north, tenant.south, tenant.school])
    await session.commit()
    csv_headers = {"Content-Type": "text/csv"}
    moved = await client.post(
        URL,
        content="name;code;parent;kind\nNorrskolan;S1;SÖDER;school\n".encode(),
        headers={**tenant.headers, **csv_headers},
    )
    assert moved.status_code == 422
    assert moved.json()["errors"][0]["field"] == "file.rows[2].parent"
    north = {**bearer(tenant.north_admin), **csv_headers}
    outside = await client.post(
        URL, content="name;code;parent;kind\nNy;N2;SÖDER;school\n".encode(), headers=north
    )
    assert outside.status_code == 422
    root = await client.post(URL, content=b"name;code;parent;kind\nNy;N2;;school\n", headers=north)
    assert root.status_code == 422
    inside = await client.post(
        URL, content=b"name;code;parent;kind\nNy;N2;NORR;school\n", headers=north
    )
    assert inside.status_code == 200, inside.text
    editor = await make_token(session, tenant.organisation, role=Role.editor)
    forbidden = await client.post(
        URL, content=b"name;code;parent;kind\n", headers={**bearer(editor), **csv_headers}
    )
    assert forbidden.status_code == 403


async def test_import_units_unknown_column_suggests_the_accepted_one(
    client: AsyncClient, session: AsyncSession
) -> None:
    headers = await _admin(session)
    refused = await client.post(
        URL, content="Namn;Kood;Förälder;Typ\nA;1;;kommun\n".encode(), headers=headers
    )
    assert refused.status_code == 422
    assert "unknown column 'Kood' (did you mean 'kod'?)" in refused.json()["detail"]


async def test_the_import_commands_check_first_then_write_and_name_bad_rows(
    app: FastAPI, session: AsyncSession, tmp_path: Path
) -> None:
    headers = await _admin(session)
    units = tmp_path / "enheter.csv"
    units.write_bytes(UNITS)
    measures = tmp_path / "matt.csv"
    measures.write_text(
        "Namn;Kod;Enhet;Värdetyp;Periodtyp\nTrygghet;TRYGG;MK;andel;termin\n", encoding="utf-8"
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers
    ) as http:
        with pytest.raises(import_client.ImportFailed) as raised:
            await import_client.import_file(http, measures, what="measures", dry_run=False)
        assert raised.value.rows[0].startswith("file.rows[2].unit: ")
        dry = await import_client.import_file(http, units, what="units", dry_run=True)
        assert dry.answer["created"] == 4
        done = await import_client.import_file(http, units, what="units", dry_run=False)
        assert done.lines("units")[0] == "row 3: MK created"
        made = await import_client.import_file(http, measures, what="measures", dry_run=False)
        assert made.lines("measures") == ["row 2: TRYGG created"]


def test_the_import_commands_need_a_token(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from app.cli import cli

    path = tmp_path / "units.csv"
    path.write_bytes(UNITS)
    for command in ("import-units", "import-measures"):
        result = CliRunner().invoke(cli, [command, str(path)], env={"PDCA_TOKEN": ""})
        assert result.exit_code == 2
        assert "PDCA_TOKEN" in result.output
