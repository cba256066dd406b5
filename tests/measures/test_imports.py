"""Shared indicators from a spreadsheet: POST /measures/import (issue 16, item 14)."""

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import Role
from tests.factories import Tenant, bearer, make_tenant, make_token

URL = "/api/v1/measures/import"
INDICATORS = (
    "\ufeffNamn;Kod;Enhet;Värdetyp;Periodtyp;Måtttyp;Riktning;Måttenhet;Målvärde;Rapporteras av\r\n"
    "Trygghet (elevenkät);TRYGG;MK;andel;termin;resultat;upp;%;85,5;skola\r\n"
    "Närvaro;NARVARO;MK;kontinuerlig;vecka;process;upp;%;;\r\n"
).encode()


async def _tenant(session: AsyncSession) -> Tenant:
    tenant = await make_tenant(session)
    tenant.root.external_code = "MK"
    tenant.north.external_code = "NORR"
    session.add_all([tenant.root, tenant.north])
    await session.commit()
    return tenant


def _csv(tenant: Tenant) -> dict[str, str]:
    return {**tenant.headers, "Content-Type": "text/csv"}


async def test_import_measures_dry_run_then_creates_and_again_changes_nothing(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await _tenant(session)
    dry = await client.post(
        URL, params={"dry_run": "true"}, content=INDICATORS, headers=_csv(tenant)
    )
    assert dry.status_code == 200, dry.text
    assert (dry.json()["created"], dry.json()["dry_run"]) == (2, True)
    listed = await client.get("/api/v1/measures?external_code=TRYGG", headers=tenant.headers)
    assert listed.json()["total"] == 0
    done = await client.post(URL, content=INDICATORS, headers=_csv(tenant))
    assert done.status_code == 200, done.text
    assert done.json()["created"] == 2
    trygg = (
        await client.get("/api/v1/measures?external_code=TRYGG", headers=tenant.headers)
    ).json()["items"][0]
    assert trygg["value_kind"] == "proportion"
    assert trygg["period_kind"] == "term"
    assert trygg["measure_type"] == "outcome"
    assert trygg["target_value"] == 85.5
    assert trygg["reporting_unit_kind"] == "school"
    assert trygg["org_unit_id"] == str(tenant.root.id)
    again = await client.post(URL, content=INDICATORS, headers=_csv(tenant))
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 2)
    changed = await client.post(
        URL, content=INDICATORS.replace(b"85,5", b"90"), headers=_csv(tenant)
    )
    assert (changed.json()["updated"], changed.json()["unchanged"]) == (1, 1)
    audit = await client.get(
        f"/api/v1/audit-events?object_id={trygg['id']}", headers=tenant.headers
    )
    assert [event["action"] for event in audit.json()["items"]].count("update") == 1


async def test_import_measures_is_all_or_nothing_and_names_each_bad_row(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await _tenant(session)
    bad = (
        "name;code;unit;value_kind;period_kind;scale_min;scale_max\n"
        "Trygghet;TRYGG;MK;andel;termin;;\n"
        "Okänd enhet;X1;SAKNAS;antal;vecka;;\n"
        "Fel typ;X2;MK;procent;vecka;;\n"
        "Fel period;X3;MK;antal;kvartal;;\n"
        "Skala;X4;MK;skattning;termin;5;1\n"
        "Dubblett;TRYGG;MK;antal;vecka;;\n"
    ).encode()
    refused = await client.post(URL, content=bad, headers=_csv(tenant))
    assert refused.status_code == 422, refused.text
    fields = {error["field"] for error in refused.json()["errors"]}
    assert {
        "file.rows[3].unit",
        "file.rows[4].value_kind",
        "file.rows[5].period_kind",
        "file.rows[6].scale_max",
        "file.rows[7].external_code",
    } <= fields, fields
    assert "file.rows[2]" not in " ".join(fields)
    listed = await client.get("/api/v1/measures?external_code=TRYGG", headers=tenant.headers)
    assert listed.json()["total"] == 0


async def test_import_measures_keeps_what_measurements_fix_and_needs_an_admin(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await _tenant(session)
    assert (await client.post(URL, content=INDICATORS, headers=_csv(tenant))).status_code == 200
    reported = await client.post(
        "/api/v1/measurements",
        json={
            "measure_code": "NARVARO",
            "org_unit_id": str(tenant.school.id),
            "period": "2026-W48",
            "value": 93.5,
        },
        headers=tenant.headers,
    )
    assert reported.status_code == 201, reported.text
    monthly = INDICATORS.replace(b"kontinuerlig;vecka", b"kontinuerlig;m\xc3\xa5nad")
    refused = await client.post(URL, content=monthly, headers=_csv(tenant))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "file.rows[3].period_kind"
    editor = await make_token(session, tenant.organisation, role=Role.editor)
    forbidden = await client.post(
        URL, content=INDICATORS, headers={**bearer(editor), "Content-Type": "text/csv"}
    )
    assert forbidden.status_code == 403
    north = await client.post(
        URL, content=INDICATORS, headers={**bearer(tenant.north_admin), "Content-Type": "text/csv"}
    )
    assert north.status_code == 422  # MK lies above the north admin's scope
