"""A stored measure on the charts it derives from more than its one series (issue 15, item 3):
Xbar and S over a unit's subtree (each reporting unit's value a member of its period's
subgroup) and T and G from a count measure by day (the days with events), on every database.
Each is checked by hand and against ``POST /analytics/series`` fed the same subgroups or times.
"""

import itertools
import math
import statistics
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics import control
from app.org_units.models import OrgUnit
from tests.analytics.factories import send, weeks
from tests.cycles.factories import make_initiative
from tests.factories import Tenant, make_tenant, make_unit
from tests.measures.factories import create_indicator, create_measure

SERIES = "/api/v1/analytics/series"
# Three schools' weekly averages (say minutes of reading a day) over eight weeks; Västra
# skolan does not report week 37, and nobody reports week 39 (a gap).
SCHOOLS: dict[str, list[float | None]] = {
    "school": [21.0, 24.0, 22.0, 26.0, 23.0, None, 25.0, 27.0],
    "sibling_school": [18.0, 19.0, 23.0, 20.0, 22.0, None, 24.0, 26.0],
    "west": [25.0, 22.0, 27.0, None, 24.0, None, 28.0, 29.0],
}
PERIODS = weeks(34, 8)


async def _schools(
    client: AsyncClient, session: AsyncSession
) -> tuple[Tenant, dict[str, Any], list[list[float]]]:
    tenant = await make_tenant(session)
    west = await make_unit(session, tenant.organisation, "Västra skolan", parent=tenant.north)
    units: dict[str, OrgUnit] = {
        "school": tenant.school,
        "sibling_school": tenant.sibling_school,
        "west": west,
    }
    indicator = await create_indicator(
        client,
        tenant,
        name="Läsminuter",
        value_kind="continuous",
        period_kind="week",
        unit_label="min",
        target_value=25,
        external_code="LAS",
    )
    rows = [
        {"org_unit_id": str(units[name].id), "period": period, "value": value}
        for name, values in SCHOOLS.items()
        for period, value in zip(PERIODS, values, strict=True)
        if value is not None
    ]
    await send(client, tenant.headers, indicator["id"], rows)
    subgroups = [
        [v for values in SCHOOLS.values() if (v := values[i]) is not None]
        for i in range(len(PERIODS))
    ]
    return tenant, indicator, subgroups


async def _get(client: AsyncClient, tenant: Tenant, url: str, **query: str) -> Any:
    response = await client.get(url, params=query, headers=tenant.headers)
    assert response.status_code == 200, response.text
    return response.json()


def _same_columns(stored: dict[str, Any], sent: dict[str, Any]) -> None:
    for name in ("value", "centre", "lower", "upper", "lower_2s", "upper_2s"):
        for a, b in zip(stored["points"][name], sent["points"][name], strict=True):
            assert (a is None and b is None) or a == pytest.approx(b, rel=1e-12), name
    assert stored["points"]["classification"] == sent["points"]["classification"]
    assert [s["rule"] for s in stored["signals"]] == [s["rule"] for s in sent["signals"]]
    for mine, theirs in zip(stored["phases"], sent["phases"], strict=True):
        for key in ("centre", "n_obs", "n_useful", "longest_run", "n_crossings"):
            assert mine[key] == pytest.approx(theirs[key], rel=1e-12), key


@pytest.mark.parametrize("chart", ["xbar", "s"])
async def test_a_subtree_analysis_takes_each_units_value_as_a_member_of_its_periods_subgroup(
    client: AsyncClient, session: AsyncSession, chart: str
) -> None:
    tenant, indicator, subgroups = await _schools(client, session)
    stored = await _get(
        client,
        tenant,
        f"/api/v1/measures/{indicator['id']}/analysis",
        chart=chart,
        include_descendants="true",
        org_unit_id=str(tenant.root.id),
    )
    assert (stored["chart"], stored["aggregated"], stored["n"]) == (chart, True, 8)
    assert stored["points"]["label"] == PERIODS
    assert stored["points"]["units"] == [3, 3, 3, 2, 3, 0, 3, 3]
    sent = (
        await client.post(
            SERIES,
            json={"subgroups": subgroups, "chart": chart, "direction": "up", "target": 25},
            headers=tenant.headers,
        )
    ).json()
    _same_columns(stored, sent)
    # By hand: each period's point is its schools' mean (standard deviation); the centre the
    # size-weighted grand mean (the mean of the standard deviations), as qicharts2's.
    values = stored["points"]["value"]
    assert values[5] is None  # nobody reported: a gap
    reported = [g for g in subgroups if g]
    if chart == "xbar":
        assert values[0] == pytest.approx(statistics.mean([21.0, 18.0, 25.0]))
        assert values[3] == pytest.approx(statistics.mean([26.0, 20.0]))
        grand = sum(sum(g) for g in reported) / sum(len(g) for g in reported)
        assert stored["phases"][0]["centre"] == pytest.approx(grand)
    else:
        assert values[0] == pytest.approx(statistics.stdev([21.0, 18.0, 25.0]))
        deviations = [statistics.stdev(g) for g in reported]
        # The centre (s pooled over the unequal subgroups, as qicharts2's) lies among the
        # subgroups' deviations; a period of three schools has B4 x centre as upper limit.
        centre = stored["phases"][0]["centre"]
        assert min(deviations) <= centre <= max(deviations)
        k4 = float(control.c4(np.array([3.0]))[0])
        b4 = 1 + 3 * math.sqrt(1 - k4**2) / k4
        assert stored["points"]["upper"][0] == pytest.approx(b4 * centre)


async def test_a_subgroup_chart_needs_a_subtree_and_fitting_values(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant, indicator, _ = await _schools(client, session)
    url = f"/api/v1/measures/{indicator['id']}/analysis"
    response = await client.get(
        url, params={"chart": "xbar", "org_unit_id": str(tenant.school.id)}, headers=tenant.headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "query.include_descendants"
    proportion = await create_indicator(client, tenant, external_code="ANDEL")
    response = await client.get(
        f"/api/v1/measures/{proportion['id']}/analysis",
        params={"chart": "s", "include_descendants": "true"},
        headers=tenant.headers,
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "query.chart"


async def test_a_subgroup_chart_is_drawn_and_written_as_csv(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant, indicator, _ = await _schools(client, session)
    query = {"chart": "xbar", "include_descendants": "true", "org_unit_id": str(tenant.root.id)}
    for suffix, media in (("chart.svg", "image/svg+xml"), ("analysis.csv", "text/csv")):
        response = await client.get(
            f"/api/v1/measures/{indicator['id']}/{suffix}", params=query, headers=tenant.headers
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(media)


# --- T and G from a count measure by day --------------------------------------------------

START = date(2026, 9, 1)
# Day offset -> events that day (a zero is a report of no events).
EVENTS = {0: 1, 3: 2, 4: 1, 10: 1, 12: 0, 20: 3, 21: 1, 35: 1}
EVENT_DAYS = [d for d, count in EVENTS.items() if count > 0]
TIMES = [float(b - a) for a, b in itertools.pairwise(EVENT_DAYS)]


async def _incidents(client: AsyncClient, session: AsyncSession) -> tuple[Tenant, str]:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    measure = await create_measure(
        client,
        tenant.headers,
        initiative_id=str(initiative.id),
        name="Kränkningsanmälningar",
        value_kind="count",
        period_kind="day",
        unit_label=None,
        direction="down",
        target_value=None,
    )
    rows = [
        {"period": (START + timedelta(days=d)).isoformat(), "value": count}
        for d, count in EVENTS.items()
    ]
    await send(client, tenant.headers, measure["id"], rows)
    return tenant, str(measure["id"])


@pytest.mark.parametrize("chart", ["t", "g"])
async def test_a_count_by_day_gives_the_days_between_its_events(
    client: AsyncClient, session: AsyncSession, chart: str
) -> None:
    tenant, measure_id = await _incidents(client, session)
    stored = await _get(client, tenant, f"/api/v1/measures/{measure_id}/analysis", chart=chart)
    # One point per day with events after the first; a day of several events is one point.
    expected = TIMES if chart == "t" else [t - 1 for t in TIMES]
    assert expected == ([3, 1, 6, 10, 1, 14] if chart == "t" else [2, 0, 5, 9, 0, 13])
    assert stored["points"]["value"] == expected
    assert stored["points"]["label"] == [
        (START + timedelta(days=d)).isoformat() for d in EVENT_DAYS[1:]
    ]
    assert stored["points"]["period_first_on"] == stored["points"]["label"]
    sent = (
        await client.post(
            SERIES,
            json={"values": expected, "chart": chart, "direction": "down"},
            headers=tenant.headers,
        )
    ).json()
    _same_columns(stored, sent)
    if chart == "t":  # and the same as the T chart of the event dates
        dates = [(START + timedelta(days=d)).isoformat() for d in EVENT_DAYS]
        by_dates = (
            await client.post(
                SERIES,
                json={"event_dates": dates, "chart": "t", "direction": "down"},
                headers=tenant.headers,
            )
        ).json()
        _same_columns(stored, by_dates)
    else:  # by hand: qicharts2's G chart, limits from the mean, the median as centre
        mean = statistics.mean(expected)
        assert stored["phases"][0]["centre"] == pytest.approx(statistics.median(expected))
        assert stored["points"]["upper"][0] == pytest.approx(
            mean + 3 * math.sqrt(mean * (mean + 1))
        )


async def test_a_time_between_events_chart_needs_a_count_by_day(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant, indicator, _ = await _schools(client, session)
    response = await client.get(
        f"/api/v1/measures/{indicator['id']}/analysis",
        params={"chart": "t"},
        headers=tenant.headers,
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "query.chart"
    count = await create_indicator(
        client, tenant, value_kind="count", period_kind="week", external_code="VECKA"
    )
    response = await client.get(
        f"/api/v1/measures/{count['id']}/analysis", params={"chart": "g"}, headers=tenant.headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "query.chart"


async def test_stored_phases_and_exclusions_move_onto_the_days_with_events(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant, measure_id = await _incidents(client, session)
    url = f"/api/v1/measures/{measure_id}"
    day = {d: (START + timedelta(days=d)).isoformat() for d in (8, 20)}
    for path, body in (
        ("phases", {"period": day[8], "reason": "Ny rastvaktsplan"}),
        ("exclusions", {"period": day[20], "reason": "Temadag"}),
    ):
        response = await client.post(f"{url}/{path}", json=body, headers=tenant.headers)
        assert response.status_code == 201, response.text
    stored = await _get(client, tenant, f"{url}/analysis", chart="t")
    # Points stand for days 3, 4, 10, 20, 21 and 35: the phase from day 8 starts at day 10's
    # point, and day 20's point is excluded.
    assert stored["options"]["phase_starts"] == [2]
    assert stored["options"]["excluded"] == [3]
    assert stored["points"]["phase"] == [0, 0, 1, 1, 1, 1]
    assert stored["phases"][1]["period_from"] == (START + timedelta(days=10)).isoformat()


async def test_a_count_with_one_day_of_events_has_no_time_between_events_yet(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    measure = await create_measure(
        client,
        tenant.headers,
        initiative_id=str(initiative.id),
        value_kind="count",
        period_kind="day",
        unit_label=None,
        target_value=None,
    )
    rows = [{"period": START.isoformat(), "value": 2}, {"period": "2026-09-02", "value": 0}]
    await send(client, tenant.headers, measure["id"], rows)
    stored = await _get(client, tenant, f"/api/v1/measures/{measure['id']}/analysis", chart="g")
    assert (stored["n"], stored["summary"]["variation"]) == (0, "no_data")
