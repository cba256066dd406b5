"""Weeks as people write them and a percentage beside its counts (issue 16, items 8, 9, 12)."""

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli import push_client as push
from tests.cycles.factories import make_initiative
from tests.factories import Tenant, make_tenant
from tests.measures.factories import create_measure

UPLOAD = "/api/v1/measurements/upload"


async def _weekly(client: AsyncClient, session: AsyncSession, **fields: str) -> tuple[Tenant, str]:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    measure = await create_measure(
        client, tenant.headers, initiative_id=str(initiative.id), external_code="EXIT", **fields
    )
    return tenant, str(measure["id"])


async def _upload(
    client: AsyncClient, tenant: Tenant, measure_id: str, text: str, **params: str
) -> httpx.Response:
    return await client.post(
        UPLOAD,
        params={"measure_id": measure_id, **params},
        content=("\ufeff" + text).encode(),
        headers={**tenant.headers, "Content-Type": "text/csv"},
    )


async def _periods(client: AsyncClient, tenant: Tenant, measure_id: str) -> list[str]:
    series = await client.get(f"/api/v1/measures/{measure_id}/series", headers=tenant.headers)
    return [point["period"] for point in series.json()["points"]]


async def test_bare_weeks_take_the_year_from_a_column_or_the_other_rows(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant, measure_id = await _weekly(client, session)
    text = (
        "Vecka;År;Täljare;Nämnare\n"
        "47;2026;17;24\n"
        "v.48;;18;24\n"
        "v 49;;18;24\n"
        "Vecka 50;;19;24\n"
        "uke 51;;20;24\n"
        "2026-W53;;20;24\n"
        "1;;21;24\n"
    )
    response = await _upload(client, tenant, measure_id, text)
    assert response.status_code == 200, response.text
    assert await _periods(client, tenant, measure_id) == [
        "2026-W47",
        "2026-W48",
        "2026-W49",
        "2026-W50",
        "2026-W51",
        "2026-W53",
        "2027-W01",
    ]


async def test_a_bare_week_without_any_year_says_how_to_give_one(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant, measure_id = await _weekly(client, session)
    text = "Vecka;Täljare;Nämnare\n47;17;24\n"
    refused = await _upload(client, tenant, measure_id, text)
    assert refused.status_code == 422
    error = refused.json()["errors"][0]
    assert error["field"] == "file.rows[2].period"
    assert "'47' is a week without its year" in error["message"]
    assert "year=" in error["message"]
    given = await _upload(client, tenant, measure_id, text, year="2026")
    assert given.status_code == 200, given.text
    assert await _periods(client, tenant, measure_id) == ["2026-W47"]


async def test_a_bare_number_under_a_month_column_is_not_read_as_a_week(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant, measure_id = await _weekly(client, session)
    refused = await _upload(client, tenant, measure_id, "Period;Täljare;Nämnare\n11;1;2\n")
    assert refused.status_code == 422
    assert "week without its year" not in refused.text


async def test_a_week_and_a_date_that_agree_pass_and_disagreeing_ones_are_named(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant, measure_id = await _weekly(client, session)
    agree = "Vecka;Datum;Täljare;Nämnare\n47;2026-11-18;17;24\n"
    assert (await _upload(client, tenant, measure_id, agree)).status_code == 200
    disagree = "Vecka;Datum;Täljare;Nämnare\n2026-W48;2026-11-18;17;24\n"
    refused = await _upload(client, tenant, measure_id, disagree)
    assert refused.status_code == 422
    message = refused.json()["errors"][0]["message"]
    assert "2026-W48" in message and "2026-11-18" in message and "disagree" in message


async def test_a_slashed_date_is_quoted_in_its_message(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant, measure_id = await _weekly(client, session)
    refused = await _upload(client, tenant, measure_id, "Datum;Täljare;Nämnare\n20/11/2026;1;2\n")
    assert refused.status_code == 422
    error = refused.json()["errors"][0]
    assert error["field"] == "file.rows[2].date"
    assert "'20/11/2026'" in error["message"]
    assert "2026-11-20" in error["message"]


@pytest.mark.parametrize(
    ("shown", "accepted"),
    [("70,8", True), ("71", True), ("70,83", True), ("70", False), ("70,9", False)],
)
async def test_a_percentage_beside_its_counts_agrees_at_its_shown_precision(
    client: AsyncClient, session: AsyncSession, shown: str, accepted: bool
) -> None:
    tenant, measure_id = await _weekly(client, session)
    text = f"Vecka;Täljare;Nämnare;Andel\n2026-W47;17;24;{shown}\n"
    response = await _upload(client, tenant, measure_id, text)
    assert (response.status_code == 200) is accepted, response.text
    if not accepted:
        assert response.json()["errors"][0]["field"] == "file.rows[2].value"
        assert "70.8333" in response.json()["errors"][0]["message"]
    else:
        series = await client.get(f"/api/v1/measures/{measure_id}/series", headers=tenant.headers)
        assert series.json()["points"][0]["value"] == pytest.approx(17 / 24 * 100)


async def test_a_proportion_row_without_counts_says_what_to_do(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant, measure_id = await _weekly(client, session)
    refused = await _upload(client, tenant, measure_id, "Vecka;Andel\n2026-W47;70,8\n")
    assert refused.status_code == 422
    message = refused.json()["errors"][0]["message"]
    assert "Täljare" in message and "Nämnare" in message and "continuous" in message


async def test_push_takes_the_year_of_bare_weeks(
    app: FastAPI, client: AsyncClient, session: AsyncSession, tmp_path: Path
) -> None:
    tenant, measure_id = await _weekly(client, session)
    path = tmp_path / "weeks.csv"
    path.write_text("Vecka;Täljare;Nämnare;Andel\nv.47;17;24;70,8\n", encoding="utf-8")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=tenant.headers
    ) as http:
        with pytest.raises(push.PushFailed) as raised:
            await push.push_file(http, path, target=push.Target(measure_code="EXIT"))
        assert "without its year" in raised.value.rows[0]
        result = await push.push_file(
            http, path, target=push.Target(measure_code="EXIT"), year=2026
        )
    assert result.created == 1
    assert await _periods(client, tenant, measure_id) == ["2026-W47"]


def test_push_plain_lines_carry_a_timestamp_and_quiet_prints_only_failures(
    tmp_path: Path,
) -> None:
    from typer.testing import CliRunner

    from app.cli import cli

    path = tmp_path / "rows.csv"
    path.write_text("Vecka;Värde\n2026-W10;1\n", encoding="utf-8")
    runner = CliRunner()
    args = ["push", str(path), "--url", "http://127.0.0.1:9", "--measure-code", "X", "--quiet"]
    failed = runner.invoke(cli, args, env={"PDCA_TOKEN": "pdca_x"})
    assert failed.exit_code == 2
    lines = [line for line in failed.output.splitlines() if line]
    assert lines and all(
        re.match(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2} ", line) for line in lines
    ), lines
    assert "cannot reach" in failed.output
    bad = tmp_path / "bad.csv"
    bad.write_text("Vecka;Värde\n47;1\n", encoding="utf-8")
    refused = runner.invoke(cli, ["push", str(bad), "--quiet"], env={"PDCA_TOKEN": "pdca_x"})
    assert refused.exit_code == 1
    assert "without its year" in refused.output


def test_the_readmes_example_file_reads_as_it_says() -> None:
    from app.measures import spreadsheets, weeks

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    match = re.search(r'saves "CSV UTF-8":\n\n```\n(.*?)\n```', readme, re.DOTALL)
    assert match, "the README's example file is not where this test looks"
    table = weeks.fill_years(spreadsheets.read_table(("\ufeff" + match[1]).encode()))
    assert not table.errors
    assert [row.period for row in table.rows] == ["2026-W47", "2026-W48"]
    assert str(table.rows[0].value) == "70.8"
