"""The teacher's path end to end (issue 16): download the template, fill it in as Swedish Excel
saves it (BOM, semicolons, decimal comma, a rounded percentage), push it, read the chart."""

import csv
import io
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli import push_client as push
from app.context import Role
from tests.cycles.factories import make_initiative
from tests.factories import bearer, make_tenant, make_token
from tests.measures.factories import create_measure


async def test_template_filled_in_as_swedish_excel_saves_it_pushes_and_charts(
    app: FastAPI, client: AsyncClient, session: AsyncSession, tmp_path: Path
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    measure = await create_measure(
        client,
        tenant.headers,
        name="Exit ticket: delaktighet 5B",
        initiative_id=str(initiative.id),
        external_code="EXIT-5B",
    )
    teacher = bearer(
        await make_token(session, tenant.organisation, role=Role.reporter, scope=tenant.school)
    )
    template = await client.get(
        f"/api/v1/measures/{measure['id']}/template",
        params={"period_from": "2026-W40", "periods": 8},
        headers={**teacher, "Accept-Language": "sv-SE,sv;q=0.9"},
    )
    assert template.status_code == 200, template.text
    rows = list(csv.reader(io.StringIO(template.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Period", "Enhet", "Enhetsnamn", "Mått", "Täljare", "Nämnare", "Kommentar"]
    assert len(rows) == 9

    # The teacher types the counts, adds a percentage column (=E2/F2, shown with one decimal)
    # and a comment with a semicolon; Excel saves "CSV UTF-8": BOM, ';', decimal comma, CRLF.
    counts = [(14, 24), (15, 23), (17, 24), (16, 22), (19, 24), (20, 25), (21, 24), (22, 24)]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([*rows[0], "Andel"])
    for row, (numerator, denominator) in zip(rows[1:], counts, strict=True):
        shown = f"{numerator / denominator * 100:.1f}".replace(".", ",")
        comment = "ny exit ticket; prövad i 5B" if row[0] == "2026-W42" else ""
        writer.writerow([*row[:4], numerator, denominator, comment, shown])
    path = tmp_path / "mall-EXIT-5B.csv"
    path.write_bytes("\ufeff".encode() + out.getvalue().encode("utf-8"))
    assert b"70,8" in path.read_bytes()

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=teacher
    ) as http:
        pushed = await push.push_file(http, path)
        again = await push.push_file(http, path)
    assert (pushed.created, again.unchanged) == (8, 8)

    series = await client.get(f"/api/v1/measures/{measure['id']}/series", headers=teacher)
    points = series.json()["points"]
    assert [point["period"] for point in points] == [f"2026-W{week}" for week in range(40, 48)]
    assert points[2]["value"] == pytest.approx(17 / 24 * 100)
    chart = await client.get(f"/api/v1/measures/{measure['id']}/chart.svg", headers=teacher)
    assert chart.status_code == 200, chart.text
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert "Exit ticket: delaktighet 5B" in chart.text
    assert chart.text.startswith("<svg") and "<path" in chart.text
