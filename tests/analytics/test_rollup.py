"""The roll-up report over HTTP: levels aggregate correctly, small numbers never leak."""

import io
from csv import reader
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.org_units.models import OrgUnit
from app.reports import rollup
from app.reports.router import RollupReport
from tests.factories import Tenant, bearer, make_tenant, make_unit
from tests.measures.factories import create_indicator
from tests.test_statement_counts import counting

# Per school and term: (numerator, denominator). Västskolan is small but inside north;
# Södra skolan (south) answers with only 5 pupils in HT2026.
SURVEY: dict[str, dict[str, tuple[int, int]]] = {
    "school": {"HT2025": (80, 100), "VT2026": (85, 100), "HT2026": (90, 100)},
    "west": {"HT2025": (3, 20), "VT2026": (2, 20), "HT2026": (2, 20)},
    "sibling_school": {"HT2025": (30, 50), "VT2026": (30, 50), "HT2026": (3, 5)},
}


async def _west(session: AsyncSession, tenant: Tenant) -> OrgUnit:
    return await make_unit(session, tenant.organisation, "Västskolan", parent=tenant.north)


async def _send(
    client: AsyncClient, tenant: Tenant, measure: dict[str, Any], rows: list[Any]
) -> None:
    response = await client.post(
        "/api/v1/measurements/bulk",
        json={"measure_id": measure["id"], "rows": rows},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text


async def _survey(
    client: AsyncClient, session: AsyncSession
) -> tuple[Tenant, OrgUnit, dict[str, Any]]:
    tenant = await make_tenant(session)
    west = await _west(session, tenant)
    indicator = await create_indicator(client, tenant, min_denominator=10, target_value=70)
    units = {"school": tenant.school, "west": west, "sibling_school": tenant.sibling_school}
    rows = [
        {"org_unit_id": str(units[name].id), "period": period, "numerator": n, "denominator": d}
        for name, terms in SURVEY.items()
        for period, (n, d) in terms.items()
    ]
    await _send(client, tenant, indicator, rows)
    return tenant, west, indicator


async def _report(
    client: AsyncClient, token: str, measure: dict[str, Any], **query: str
) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/measures/{measure['id']}/report",
        params=query,
        headers={**bearer(token), "Accept-Language": "sv"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-language"] == "sv"
    body: dict[str, Any] = response.json()
    RollupReport.model_validate(body)  # the answer is what the contract says
    return body


def _by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in report["units"]}


async def test_levels_are_sums_of_numerators_over_sums_of_denominators(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant, _, indicator = await _survey(client, session)
    report = await _report(client, tenant.admin, indicator, period="HT2026")
    assert (report["period"], report["aggregation"], report["chart"]) == (
        "HT2026",
        "ratio_of_sums",
        "p",
    )
    assert report["min_denominator"] == 10
    # Tree order, depth first by name, with depths from the top.
    assert [(row["name"], row["depth"]) for row in report["units"]] == [
        ("Mittköping kommun", 0),
        ("Område Norr", 1),
        ("Norrskolan", 2),
        ("Västskolan", 2),
        ("Område Söder", 1),
        ("Södra skolan", 2),
    ]
    rows = _by_name(report)
    north = rows["Område Norr"]
    # 92 of 120 pupils: 76.7 %. The average of the schools' percentages (90 and 10) is 50.
    assert (north["numerator"], north["denominator"]) == (92, 120)
    assert north["value"] == pytest.approx(100 * 92 / 120)
    assert north["value"] != pytest.approx((90 + 10) / 2)
    assert north["reporting_units"] == 2 and north["reported"] is False
    root = rows["Mittköping kommun"]
    assert root["value"] == pytest.approx(100 * 95 / 125)
    assert root["reporting_units"] == 3
    # The admin covers every unit: even the small one is shown.
    south_school = rows["Södra skolan"]
    assert (south_school["value"], south_school["withheld"]) == (60.0, False)
    assert not any(row["withheld"] or row["context"] for row in report["units"])
    school = rows["Norrskolan"]
    assert school["reported"] is True and school["points"] == 3
    assert school["chart"] == "p" and school["centre"] == pytest.approx(100 * 255 / 300)
    assert school["lower"] < school["centre"] < school["upper"]
    assert school["variation"] in (
        "common_cause",
        "special_cause_improvement",
        "special_cause_concern",
    )
    assert school["assurance"] is not None and school["sentence"]


async def test_a_level_above_the_scope_is_withheld_when_a_small_unit_could_be_worked_out(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant, _, indicator = await _survey(client, session)
    report = await _report(
        client, tenant.north_admin, indicator, period="HT2026", org_unit_id=str(tenant.root.id)
    )
    assert [(row["name"], row["context"]) for row in report["units"]] == [
        ("Mittköping kommun", True),
        ("Område Norr", False),
        ("Norrskolan", False),
        ("Västskolan", False),
    ]
    root = report["units"][0]
    # 125 pupils in all, but minus north's 120 it is Södra skolan's 5: withheld.
    assert root["withheld"] is True and root["withheld_reason"]
    assert [root[key] for key in ("value", "numerator", "denominator", "reporting_units")] == [
        None,
        None,
        None,
        None,
    ]
    # The withheld term is a gap in the level's own analysis: only the two earlier terms.
    assert root["points"] == 2
    text = str(report)
    for secret in ("Södra", "Söder", str(tenant.sibling_school.id), str(tenant.south.id)):
        assert secret not in text
    figures = {value for row in report["units"] for value in row.values() if type(value) is float}
    assert not figures & {95.0, 125.0, 76.0, 60.0, 3.0, 5.0}

    csv = await client.get(
        f"/api/v1/measures/{indicator['id']}/report",
        params={"period": "HT2026", "org_unit_id": str(tenant.root.id), "format": "csv"},
        headers=bearer(tenant.north_admin),
    )
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").split("\r\n")
    header = lines[0].split(";")
    first = dict(zip(header, lines[1].split(";"), strict=True))
    assert first["org_unit"] == "Mittköping kommun" and first["withheld"] == "yes"
    assert (first["value"], first["numerator"], first["denominator"]) == ("", "", "")
    assert "Södra" not in csv.text
    cells = {cell for line in lines[1:] for cell in line.split(";")}
    assert not cells & {"95,0", "125,0", "76,0", "60,0", "3,0", "5,0"}

    # In VT2026 the rest of the municipality is 50 pupils: the total is shown.
    earlier = await _report(
        client, tenant.north_admin, indicator, period="VT2026", org_unit_id=str(tenant.root.id)
    )
    root = earlier["units"][0]
    assert root["withheld"] is False
    assert root["value"] == pytest.approx(100 * (85 + 2 + 30) / 170)
    assert root["reporting_units"] is None  # how many units lie outside the scope is not told


async def test_a_level_is_withheld_when_its_own_denominator_is_small(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    indicator = await create_indicator(client, tenant, min_denominator=10)
    rows = [
        {
            "org_unit_id": str(tenant.school.id),
            "period": "HT2026",
            "numerator": 3,
            "denominator": 4,
        },
        {
            "org_unit_id": str(tenant.sibling_school.id),
            "period": "HT2026",
            "numerator": 2,
            "denominator": 3,
        },
    ]
    await _send(client, tenant, indicator, rows)
    report = await _report(
        client, tenant.north_admin, indicator, period="HT2026", org_unit_id=str(tenant.root.id)
    )
    rows_by_name = _by_name(report)
    assert rows_by_name["Mittköping kommun"]["withheld"] is True  # 7 pupils in all
    # North's own token reads its own small figures in full.
    assert rows_by_name["Norrskolan"]["value"] == 75.0
    assert rows_by_name["Norrskolan"]["withheld"] is False


async def test_the_default_top_is_the_scope_root_when_it_lies_below_the_indicator(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant, _, indicator = await _survey(client, session)
    north = await _report(client, tenant.north_admin, indicator)
    assert north["org_unit_id"] == str(tenant.north.id)
    assert north["period"] == "HT2026"  # the latest reported term by default
    assert [row["name"] for row in north["units"]] == ["Område Norr", "Norrskolan", "Västskolan"]
    assert "Södra" not in str(north)
    south = await _report(client, tenant.south_admin, indicator, period="HT2026")
    assert [row["name"] for row in south["units"]] == ["Område Söder", "Södra skolan"]
    # Its own unit: the small figure is the token's own and is shown.
    assert _by_name(south)["Södra skolan"]["value"] == 60.0


async def test_counts_add_up_and_continuous_values_are_averaged_over_units(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    west = await _west(session, tenant)
    units = (tenant.school, west, tenant.sibling_school)
    for kind, values, north, root, aggregation in (
        ("count", (5, 7, 11), 12, 23, "sum"),
        ("continuous", (3.0, 4.0, 8.0), 3.5, 5.0, "mean_of_units"),
    ):
        indicator = await create_indicator(
            client,
            tenant,
            name=f"Indikator {kind}",
            value_kind=kind,
            external_code=kind,
            unit_label=None,
        )
        rows = [
            {"org_unit_id": str(unit.id), "period": "HT2026", "value": value}
            for unit, value in zip(units, values, strict=True)
        ]
        await _send(client, tenant, indicator, rows)
        report = await _report(client, tenant.admin, indicator, period="HT2026")
        assert report["aggregation"] == aggregation
        assert report["chart"] == ("c" if kind == "count" else "i")
        by_name = _by_name(report)
        assert by_name["Område Norr"]["value"] == pytest.approx(north)
        assert by_name["Mittköping kommun"]["value"] == pytest.approx(root)
        assert by_name["Område Norr"]["numerator"] is None


async def test_the_report_reads_every_measurement_in_one_statement(
    app: FastAPI, client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    indicator = await create_indicator(client, tenant)
    counts: list[int] = []
    for more in (0, 20):
        for i in range(more):
            await make_unit(
                session, tenant.organisation, f"Skola {len(counts)}-{i}", parent=tenant.south
            )
        schools = [
            r["id"]
            for r in (
                await client.get("/api/v1/org-units?kind=school&limit=500", headers=tenant.headers)
            ).json()["items"]
        ]
        rows = [
            {"org_unit_id": school, "period": period, "numerator": 7, "denominator": 20}
            for school in schools
            for period in ("HT2025", "VT2026", "HT2026")
        ]
        await _send(client, tenant, indicator, rows)
        with counting(app) as statements:
            report = await _report(client, tenant.admin, indicator, period="HT2026")
        assert len(report["units"]) == len(schools) + 3
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


async def test_the_report_names_what_it_cannot_use(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    indicator = await create_indicator(client, tenant)
    url = f"/api/v1/measures/{indicator['id']}/report"
    cases = [
        ({"period": "2026-W37"}, tenant.admin, "query.period"),
        ({"period": "HT2026", "chart": "c"}, tenant.admin, "query.chart"),
        (
            {"period": "HT2026", "org_unit_id": str(tenant.south.id)},
            tenant.north_admin,
            "query.org_unit_id",
        ),
    ]
    for query, token, field in cases:
        response = await client.get(url, params=query, headers=bearer(token))
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == field
    north_indicator = await create_indicator(
        client, tenant, tenant.north, name="Norrs indikator", external_code="NORR"
    )
    above = await client.get(
        f"/api/v1/measures/{north_indicator['id']}/report",
        params={"org_unit_id": str(tenant.root.id)},
        headers=tenant.headers,
    )
    assert above.status_code == 422
    assert above.json()["errors"][0]["field"] == "query.org_unit_id"
    south_reads_north = await client.get(
        f"/api/v1/measures/{north_indicator['id']}/report", headers=bearer(tenant.south_admin)
    )
    assert south_reads_north.status_code == 404


# --------------------------------------------------------------------------------------------
# Issue 13, defect 2: what a reader scoped to a work team can derive from every figure it reads

# Per term: (numerator, denominator) of each unit's own row; the reader is scoped to Lag A,
# a work team of Norrskolan. Minimum 10.
TEAMS: dict[str, dict[str, tuple[int, int]]] = {
    # Everything large: every level is shown.
    "VT2025": {
        "Norrskolan": (11, 21),
        "Lag A": (5, 12),
        "Lag B": (7, 15),
        "Västskolan": (31, 41),
        "Område Norr": (8, 13),
        "Södra skolan": (29, 53),
    },
    # The case: school 16/30 = its own 10/20 + Lag A's 1/4 + Lag B's 5/6.
    "HT2025": {
        "Norrskolan": (10, 20),
        "Lag A": (1, 4),
        "Lag B": (5, 6),
        "Västskolan": (30, 40),
        "Södra skolan": (30, 50),
    },
    # The school's own row is withheld on its own (7); Västskolan is small (5).
    "VT2026": {
        "Norrskolan": (3, 7),
        "Lag A": (1, 4),
        "Lag B": (20, 33),
        "Västskolan": (2, 5),
        "Södra skolan": (31, 51),
    },
    # Lag B silent; the municipality less what the reader sees is Södra skolan's 3/5.
    "HT2026": {
        "Norrskolan": (10, 20),
        "Lag A": (1, 4),
        "Västskolan": (30, 40),
        "Södra skolan": (3, 5),
    },
}


def _combinations(figures: list[tuple[float, float]]) -> set[tuple[float, float]]:
    """Every sum of the figures with coefficients -1, 0 or 1 (rounded pairs)."""
    found = {(0.0, 0.0)}
    for numerator, denominator in figures:
        found |= {
            (round(n + sign * numerator, 6), round(d + sign * denominator, 6))
            for n, d in found
            for sign in (-1, 1)
        }
    return found


def _small_sums(hidden: list[tuple[float, float]], minimum: int) -> set[tuple[float, float]]:
    """Every non-empty group of hidden rows whose denominator is below the minimum."""
    sums: set[tuple[float, float]] = set()
    for mask in range(1, 2 ** len(hidden)):
        group = [hidden[i] for i in range(len(hidden)) if mask >> i & 1]
        numerator, denominator = sum(n for n, _ in group), sum(d for _, d in group)
        if denominator < minimum:
            sums.add((round(numerator, 6), round(denominator, 6)))
    return sums


async def test_no_level_reveals_a_small_group_by_any_difference_of_what_the_reader_reads(
    client: AsyncClient, session: AsyncSession
) -> None:
    from app.context import Role
    from app.org_units.models import OrgUnitKind
    from tests.factories import make_token

    tenant = await make_tenant(session)
    west = await _west(session, tenant)
    team_a = await make_unit(
        session, tenant.organisation, "Lag A", kind=OrgUnitKind.work_team, parent=tenant.school
    )
    team_b = await make_unit(
        session, tenant.organisation, "Lag B", kind=OrgUnitKind.work_team, parent=tenant.school
    )
    units = {
        "Norrskolan": tenant.school,
        "Lag A": team_a,
        "Lag B": team_b,
        "Västskolan": west,
        "Område Norr": tenant.north,
        "Södra skolan": tenant.sibling_school,
    }
    indicator = await create_indicator(client, tenant, min_denominator=10)
    rows = [
        {"org_unit_id": str(units[name].id), "period": period, "numerator": n, "denominator": d}
        for period, figures in TEAMS.items()
        for name, (n, d) in figures.items()
    ]
    await _send(client, tenant, indicator, rows)
    reader = await make_token(session, tenant.organisation, role=Role.viewer, scope=team_a)
    listed = await client.get(
        "/api/v1/measurements",
        params={"measure_id": indicator["id"], "limit": 200},
        headers=bearer(reader),
    )
    assert listed.status_code == 200
    readable = listed.json()["items"]

    shown: dict[str, dict[str, bool]] = {}
    for period, figures in TEAMS.items():
        report = await _report(
            client, reader, indicator, period=period, org_unit_id=str(tenant.root.id)
        )
        levels = [
            (row["numerator"], row["denominator"])
            for row in report["units"]
            if row["denominator"] is not None
        ]
        rows_read = [
            (row["numerator"], row["denominator"])
            for row in readable
            if row["period"] == period and not row["withheld"]
        ]
        read_units = {
            row["org_unit_id"]
            for row in readable
            if row["period"] == period and not row["withheld"]
        }
        hidden = [
            figure for name, figure in figures.items() if str(units[name].id) not in read_units
        ]
        secrets = _small_sums([(float(n), float(d)) for n, d in hidden], 10)
        derivable = _combinations([(float(n), float(d)) for n, d in levels + rows_read])
        leaked = derivable & secrets
        assert not leaked, (period, leaked, report["units"])
        shown[period] = {row["name"]: not row["withheld"] for row in report["units"]}

    # Protection withholds what it must, not more: the large term shows every level.
    assert all(shown["VT2025"].values())
    # The case: the school (16/30 less 10/20 and 1/4 is Lag B's 5/6) is withheld;
    # the area and the municipality hide 6 + 40 and 6 + 40 + 50 the reader cannot see.
    assert shown["HT2025"] == {
        "Mittköping kommun": True,
        "Område Norr": True,
        "Norrskolan": False,
        "Lag A": True,
    }
    # The school's own 7 is withheld, so its level hides 40; the area adds Västskolan's 5.
    assert shown["VT2026"]["Norrskolan"] and not shown["VT2026"]["Område Norr"]
    assert shown["VT2026"]["Mittköping kommun"]
    assert shown["HT2026"] == {
        "Mittköping kommun": False,
        "Område Norr": True,
        "Norrskolan": True,
        "Lag A": True,
    }


# --------------------------------------------------------------------------------------------
# Issue 13, defect 5: bounded work whatever the spread of the stored periods

#: What the widest spread may cost a report, generously (it takes well under a second).
REPORT_SECONDS = 5.0
#: The longest the event loop may go without answering a /healthz meanwhile.
HEALTH_GAP_SECONDS = 1.0


async def test_a_report_over_the_widest_spread_of_days_is_bounded_and_leaves_the_loop_free(
    client: AsyncClient, session: AsyncSession
) -> None:
    import asyncio
    import time

    tenant = await make_tenant(session)
    west = await _west(session, tenant)
    indicator = await create_indicator(client, tenant, period_kind="day", min_denominator=10)
    reporters = (tenant.school, west, tenant.sibling_school)
    rows = [
        {"org_unit_id": str(unit.id), "period": day, "numerator": 4 + i, "denominator": 20}
        for i, unit in enumerate(reporters)
        for day in ("1900-01-01", "9999-12-31")
    ]
    await _send(client, tenant, indicator, rows)

    done = asyncio.Event()
    gaps: list[float] = []

    async def report() -> Any:
        try:
            return await client.get(
                f"/api/v1/measures/{indicator['id']}/report",
                params={"org_unit_id": str(tenant.root.id)},
                headers=bearer(tenant.north_admin),
            )
        finally:
            done.set()

    async def health() -> None:
        last = time.perf_counter()
        while not done.is_set():
            answer = await client.get("/healthz")
            assert answer.status_code == 200
            now = time.perf_counter()
            gaps.append(now - last)
            last = now
            await asyncio.sleep(0.01)

    started = time.perf_counter()
    answer, _ = await asyncio.gather(report(), health())
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200, answer.text
    assert gaps and max(gaps) < HEALTH_GAP_SECONDS, max(gaps)
    assert elapsed < REPORT_SECONDS, elapsed
    body = answer.json()
    assert body["period"] == "9999-12-31"  # the latest period reported, by default
    by_name = _by_name(body)
    assert by_name["Område Norr"]["value"] == pytest.approx(100 * (4 + 5) / 40)
    # Only the window that ends with the reported day is analysed: 1900 lies far outside it.
    assert by_name["Norrskolan"]["points"] == 1
    # The other end, asked for: its own window, with only that day in it.
    first = await _report(
        client, tenant.admin, indicator, period="1900-01-01", org_unit_id=str(tenant.root.id)
    )
    assert _by_name(first)["Mittköping kommun"]["value"] == pytest.approx(100 * 15 / 60)
    assert _by_name(first)["Mittköping kommun"]["points"] == 1
    # The window is the documented one.
    described = (await client.get("/openapi.json")).json()["paths"][
        "/api/v1/measures/{measure_id}/report"
    ]["get"]["description"]
    assert f"{rollup.REPORT_PERIODS:,} periods" in described


# --------------------------------------------------------------------------------------------
# Issue 15, item 5: the report never judges what is not there


async def test_a_unit_that_has_not_reported_gets_no_verdict_and_every_total_says_its_coverage(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant, west, indicator = await _survey(client, session)
    # VT2027: Södra skolan has not reported.
    await _send(
        client,
        tenant,
        indicator,
        [
            {
                "org_unit_id": str(tenant.school.id),
                "period": "VT2027",
                "numerator": 60,
                "denominator": 100,
            },
            {"org_unit_id": str(west.id), "period": "VT2027", "numerator": 5, "denominator": 20},
        ],
    )
    report = await _report(client, tenant.admin, indicator, period="VT2027")
    rows = _by_name(report)
    for name in ("Södra skolan", "Område Söder"):
        row = rows[name]
        assert (row["status"], row["value"]) == ("not_reported", None)
        assert (row["variation"], row["assurance"], row["assurance_verdict"]) == (None, None, None)
        assert row["sentence"] == "Ej rapporterat för perioden."
    root = rows["Mittköping kommun"]
    assert root["status"] == "reported" and root["variation"] is not None
    assert root["value"] == pytest.approx(100 * 65 / 120)
    assert root["coverage"] == {
        "reported": 2,
        "expected": 3,
        "complete": False,
        "missing": [{"org_unit_id": str(tenant.sibling_school.id), "name": "Södra skolan"}],
    }
    assert root["sentence"].endswith("2 av 3 enheter har rapporterat; saknas: Södra skolan.")
    north = rows["Område Norr"]
    assert north["coverage"]["complete"] is True and north["coverage"]["expected"] == 2
    assert "saknas" not in north["sentence"]
    assert rows["Södra skolan"]["coverage"]["missing"][0]["name"] == "Södra skolan"

    # A period nobody has reported: no verdicts at all.
    empty = await _report(client, tenant.admin, indicator, period="HT2027")
    assert {row["status"] for row in empty["units"]} == {"not_reported"}
    assert all(
        row["variation"] is None and row["assurance_verdict"] is None and row["value"] is None
        for row in empty["units"]
    )
    assert empty["units"][0]["coverage"]["reported"] == 0

    # The CSV speaks the request's language and rounds its figures.
    url = f"/api/v1/measures/{indicator['id']}/report"
    csv = await client.get(
        url,
        params={"period": "VT2027", "format": "csv"},
        headers={**tenant.headers, "Accept-Language": "sv"},
    )
    assert csv.status_code == 200 and csv.headers["content-language"] == "sv"
    header, *cells = list(reader(io.StringIO(csv.content.decode("utf-8-sig")), delimiter=";"))
    assert header[:3] == ["nivå", "enhet", "enhetens id"] and "ej rapporterat" in header
    table = [dict(zip(header, line, strict=True)) for line in cells]
    by_unit = {row["enhet"]: row for row in table}
    top = by_unit["Mittköping kommun"]
    assert top["värde"] == "54,2"  # 65 of 120 pupils, one decimal
    assert (top["täljare"], top["nämnare"]) == ("65", "120")
    assert (top["alla har rapporterat"], top["ej rapporterat"]) == ("nej", "Södra skolan")
    assert (top["förväntade enheter"], top["rapporterande enheter"]) == ("3", "2")
    assert top["dold (för få)"] == "nej" and top["nivå ovanför behörigheten"] == "nej"
    assert by_unit["Södra skolan"]["status"] == "Ej rapporterat för perioden"
    assert by_unit["Södra skolan"]["variation"] == ""
    figures = [
        cell for row in table for key, cell in row.items() if key in ("mittlinje", "övre gräns")
    ]
    assert all(len(cell.partition(",")[2]) <= 1 for cell in figures)
    norwegian = await client.get(
        url,
        params={"period": "VT2027", "format": "csv"},
        headers={**tenant.headers, "Accept-Language": "nn"},
    )
    nn_header, nn_top, *_ = list(
        reader(io.StringIO(norwegian.content.decode("utf-8-sig")), delimiter=";")
    )
    assert nn_header[1] == "eining" and nn_top[nn_header.index("skjult (for få)")] == "nei"
    assert "Ikkje rapportert for perioden" in norwegian.text


def test_report_figures_round_as_documented() -> None:
    assert rollup.round_figure(79.64426877470355, percentage=True) == 79.6
    assert rollup.round_figure(79.64426877470355) == 79.644
    assert rollup.round_figure(92.0) == 92 and isinstance(rollup.round_figure(92.0), int)
    assert rollup.round_figure(0.000123456) == 0.000123
    assert rollup.round_figure(None) is None and rollup.round_figure(float("nan")) is None
