"""POST /analytics/series and its chart: a series sent in the request, analysed without storing
anything, over HTTP on every database."""

import itertools
import math
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from tests.factories import Tenant, bearer, make_tenant

URL = "/api/v1/analytics/series"
SVG = "{http://www.w3.org/2000/svg}"


async def _post(client: AsyncClient, tenant: Tenant, body: dict[str, Any], **headers: str) -> Any:
    return await client.post(URL, json=body, headers={**tenant.headers, **headers})


def _close(a: float | None, b: float) -> bool:
    return a is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


async def test_an_i_chart_answers_every_point_phase_signal_and_the_summary(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    # Ten ordinary weeks around 13, then eight weeks clearly higher.
    values = [12, 14, 13, 15, 11, 13, 14, 12, 13, 12, 18, 19, 18, 20, 19, 18, 19, 20]
    labels = [f"2026-W{week}" for week in range(34, 34 + len(values))]
    response = await _post(
        client,
        tenant,
        {
            "values": values,
            "labels": labels,
            "chart": "i",
            "direction": "up",
            "baseline_points": 10,
        },
        **{"Accept-Language": "sv-SE, en;q=0.5"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-language"] == "sv"
    assert "Accept-Language" in response.headers["vary"]
    body = response.json()
    assert body["chart"] == "i" and body["n"] == len(values)
    points = body["points"]
    assert points["label"] == labels
    assert points["value"] == [float(v) for v in values]
    # The baseline (first ten weeks) fixes the centre and limits: mean 13.1, average moving
    # range 14/9, limits at 2.66 times it.
    baseline = values[:10]
    centre = sum(baseline) / 10
    average_mr = sum(abs(b - a) for a, b in itertools.pairwise(baseline)) / 9
    assert all(_close(c, centre) for c in points["centre"])
    assert _close(points["upper"][0], centre + 3 * average_mr / 1.128)
    assert _close(points["lower"][0], centre - 3 * average_mr / 1.128)
    assert _close(points["upper_2s"][0], centre + 2 * average_mr / 1.128)
    assert points["baseline"] == [True] * 10 + [False] * 8
    assert points["phase"] == [0] * len(values)
    phase = body["phases"][0]
    assert (phase["n_obs"], phase["n_baseline"], phase["trial_limits"]) == (18, 10, True)
    assert (phase["baseline_first_index"], phase["baseline_last_index"]) == (0, 9)
    assert phase["longest_run"] == 8 and phase["longest_run_max"] == 7  # round(log2(18)) + 3
    # The last eight weeks: above the limits, and a shift of eight above the centre.
    shift = next(s for s in body["signals"] if s["rule"] == "shift")
    assert shift["points"] == list(range(10, 18))
    assert shift["periods"] == labels[10:]
    assert (shift["side"], shift["direction"]) == ("above", "improvement")
    assert "outside_limits" in {s["rule"] for s in body["signals"]}
    assert points["classification"][17] == "special_improvement"
    assert points["classification"][0] == "common"
    assert "shift" in points["rules"][17]
    summary = body["summary"]
    assert summary["variation"] == "special_cause_improvement"
    assert summary["language"] == "sv"
    assert "förbättring" in summary["sentence"]
    assert summary["rebase_suggested"] is True
    assert (summary["rebase_from"], summary["rebase_from_period"]) == (10, labels[10])


async def test_a_missing_period_is_a_gap_never_a_zero_and_breaks_no_run(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    values: list[float | None] = [5, 6, 5, 6, 5, 6, 5, 6, 9, 9, None, 9, 9, 9, 9, 9]
    response = await _post(client, tenant, {"values": values, "chart": "run", "direction": "up"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["points"]["value"][10] is None
    assert body["points"]["classification"][10] == "common"
    # The median of the 15 points is 6: the gap counts as nothing, so the seven nines are one
    # run (a zero would have broken it).
    assert _close(body["points"]["centre"][0], 6.0)
    shift = next(s for s in body["signals"] if s["rule"] == "shift")
    assert shift["points"] == [8, 9, 11, 12, 13, 14, 15]
    assert (body["phases"][0]["n_obs"], body["phases"][0]["n_included"]) == (16, 15)


async def test_a_p_chart_takes_numerators_and_denominators_with_limits_per_point(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    numerators = [12, 15, 11, 14, 13, 12, 30]
    denominators = [24, 30, 20, 28, 25, 24, 30]
    response = await _post(
        client,
        tenant,
        {"numerators": numerators, "denominators": denominators, "chart": "p", "target": 0.8},
    )
    assert response.status_code == 200, response.text
    points = response.json()["points"]
    p = sum(numerators) / sum(denominators)
    assert all(_close(c, p) for c in points["centre"])
    for i, n in enumerate(denominators):
        assert _close(points["value"][i], numerators[i] / n)
        upper = min(1.0, p + 3 * math.sqrt(p * (1 - p) / n))
        assert _close(points["upper"][i], upper)
    assert points["upper"][6] == 1.0 or points["upper"][6] < 1.0  # clipped to 0..1
    assert max(points["upper"]) <= 1.0 and min(points["lower"]) >= 0.0
    assert points["classification"][6] != "common"  # 30 of 30: beyond the upper limit
    assert response.json()["summary"]["assurance"] is not None


async def test_a_baseline_window_fixes_its_phases_centre_and_phases_start_again(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    values = [1, 9, 5, 5, 5, 5, 1, 9, 20, 21, 22, 23, 20, 21]
    response = await _post(
        client,
        tenant,
        {
            "values": values,
            "chart": "i",
            "baseline_window": {"first_index": 2, "last_index": 5},
            "phase_starts": [8],
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    points = body["points"]
    assert points["baseline"] == [False, False, True, True, True, True, False, False] + [True] * 6
    assert all(_close(c, 5.0) for c in points["centre"][:8])  # the window's mean
    assert points["upper"][0] == 5.0  # no moving range inside the window: no width
    assert all(_close(c, sum(values[8:]) / 6) for c in points["centre"][8:])
    first, second = body["phases"]
    assert (first["n_baseline"], second["n_baseline"]) == (4, 6)
    assert (second["first_index"], second["last_index"]) == (8, 13)
    assert body["options"]["baseline_window"] == [2, 5]
    assert body["options"]["phase_starts"] == [8]


async def test_excluded_points_leave_the_calculation_but_stay_in_the_answer(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    values = [10, 11, 10, 11, 100, 10, 11]
    response = await _post(client, tenant, {"values": values, "chart": "i", "excluded": [4]})
    body = response.json()
    assert body["points"]["excluded"] == [False] * 4 + [True, False, False]
    assert body["points"]["value"][4] == 100.0
    assert _close(body["points"]["centre"][0], sum(values[:4] + values[5:]) / 6)
    assert body["phases"][0]["n_obs"] == 6
    # Still tested against the limits, as qicharts2 does.
    assert "outside_limits" in body["points"]["rules"][4]


async def test_options_choose_the_rules_and_the_trend_length(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    values = [10, 11, 10, 11, 10, 12, 13, 14, 15, 16, 10, 11]  # six points, each higher
    seven = await _post(client, tenant, {"values": values, "chart": "i"})
    six = await _post(client, tenant, {"values": values, "chart": "i", "trend_length": 6})
    assert "trend" not in {s["rule"] for s in seven.json()["signals"]}
    trend = [s for s in six.json()["signals"] if s["rule"] == "trend"]
    assert trend and trend[0]["side"] == "increasing"
    anhoej = await _post(
        client, tenant, {"values": values, "chart": "i", "trend_length": 6, "rules": ["anhoej"]}
    )
    assert {s["rule"] for s in anhoej.json()["signals"]} <= {"longest_run", "crossings"}
    assert anhoej.json()["options"]["rules"] == ["longest_run", "crossings"]
    unscreened = await _post(client, tenant, {"values": values, "chart": "i", "screening": False})
    assert unscreened.json()["options"]["screening"] is False


@pytest.mark.parametrize(
    ("header", "language", "word"),
    [
        ("sv", "sv", "i rad"),
        ("nb-NO", "nb", "på rad"),
        ("no", "nb", "på rad"),
        ("nn", "nn", "på rad"),
        ("en-GB", "en", "in a row"),
        ("fi, de;q=0.5", "en", "in a row"),
    ],
)
async def test_the_summary_sentence_speaks_the_language_asked_for(
    client: AsyncClient, session: AsyncSession, header: str, language: str, word: str
) -> None:
    tenant = await make_tenant(session)
    values = [5, 6, 5, 6, 5, 6, 5, 9, 9, 9, 9, 9, 9, 9, 9]
    response = await _post(
        client, tenant, {"values": values, "direction": "up"}, **{"Accept-Language": header}
    )
    assert response.headers["content-language"] == language
    summary = response.json()["summary"]
    assert summary["language"] == language
    assert word in summary["sentence"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"values": [1, 2], "chart": "p"}, "body.numerators"),
        ({"numerators": [1, 2], "denominators": [2], "chart": "p"}, "body.denominators"),
        ({"numerators": [3], "denominators": [2], "chart": "p"}, "body.numerators"),
        ({"numerators": [1], "chart": "p"}, "body.denominators"),
        ({"values": [1, 2, 3], "labels": ["a"]}, "body.labels"),
        ({"values": [1, 2, 3], "phase_starts": [3]}, "body.phase_starts"),
        ({"values": [1, 2, 3], "phase_starts": [2, 1]}, "body.phase_starts"),
        ({"values": [1, 2, 3], "excluded": [7]}, "body.excluded"),
        (
            {"values": [1, 2, 3], "chart": "c", "numerators": [1], "denominators": [1]},
            "body.numerators",
        ),
        ({"values": [1, -2, 3], "chart": "c"}, "body.values"),
        (
            {
                "values": [1, 2, 3, 4],
                "phase_starts": [2],
                "baseline_window": {"first_index": 1, "last_index": 2},
            },
            "body.baseline_window",
        ),
        (
            {"values": [1, 2], "baseline_window": {"first_index": 1, "last_index": 5}},
            "body.baseline_window",
        ),
        (
            {"values": [1, 2], "baseline_window": {"first_index": 1, "last_index": 0}},
            "body.baseline_window",
        ),
        ({"values": ["x"]}, "body.values.0"),
        ({"values": [1e13]}, "body.values.0"),
        ({"values": [1], "trend_length": 5}, "body.trend_length"),
        ({"values": [1], "rules": ["nonsense"]}, "body.rules.0"),
        ({"values": [1], "chart": "np"}, "body.chart"),
        ({"values": [1], "colour": "red"}, "body.colour"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field(
    client: AsyncClient, session: AsyncSession, body: dict[str, Any], field: str
) -> None:
    tenant = await make_tenant(session)
    response = await _post(client, tenant, body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    fields = [error["field"] for error in response.json()["errors"]]
    assert field in fields, fields


async def test_an_empty_series_has_no_data_to_analyse(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    response = await _post(client, tenant, {"values": []}, **{"Accept-Language": "en"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["n"] == 0 and body["phases"] == [] and body["signals"] == []
    assert body["summary"]["variation"] == "no_data"
    assert body["summary"]["sentence"] == "No measurements to analyse yet."


async def test_the_chart_is_valid_svg_with_centre_line_limits_and_signals(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    values = [12, 14, 13, 15, 11, None, 13, 14, 12, 13, 30]
    response = await client.post(
        f"{URL}/chart.svg?width=640&height=320",
        json={"values": values, "chart": "i", "direction": "down", "title": "Frånvaro <5B>"},
        headers={**tenant.headers, "Accept-Language": "sv"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.headers["content-language"] == "sv"
    root = ET.fromstring(response.text)  # noqa: S314 - our own answer
    assert root.tag == f"{SVG}svg" and root.get("width") == "640"
    classes = {c for e in root.iter() for c in e.get("class", "").split()}
    assert {"centre", "limit", "upper", "lower", "line", "signal", "concern"} <= classes
    assert root.find(f"{SVG}title").text == "Frånvaro <5B>"  # type: ignore[union-attr]
    description = root.find(f"{SVG}desc").text or ""  # type: ignore[union-attr]
    assert "gränsen" in description  # the summary sentence, in Swedish
    untitled = await client.post(
        f"{URL}/chart.svg", json={"values": values, "chart": "i"}, headers=tenant.headers
    )
    assert ET.fromstring(untitled.text).find(f"{SVG}title").text == "Control chart (I)"  # type: ignore[union-attr]  # noqa: S314
    too_small = await client.post(
        f"{URL}/chart.svg?width=10", json={"values": values}, headers=tenant.headers
    )
    assert too_small.status_code == 422
    assert too_small.json()["errors"][0]["field"] == "query.width"


async def test_a_sent_series_is_neither_stored_nor_mixed_with_anyones_data(
    client: AsyncClient, session: AsyncSession
) -> None:
    """The isolation case of both series operations: whoever sends a series gets the analysis
    of that series alone, and nothing is written."""
    victim = await make_tenant(session)
    attacker = await make_tenant(session, "Annanstad kommun")
    before = await session.scalar(select(func.count()).select_from(AuditEvent))
    body = {"values": [3, 4, 3, 5, 4, 3, 4], "chart": "i"}
    answers = []
    for token in (victim.admin, victim.viewer, victim.south_admin, attacker.admin):
        response = await client.post(URL, json=body, headers=bearer(token))
        assert response.status_code == 200, response.text
        answers.append(response.json())
        chart = await client.post(f"{URL}/chart.svg", json=body, headers=bearer(token))
        assert chart.status_code == 200
        png = await client.post(f"{URL}/chart.png", json=body, headers=bearer(token))
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert all(answer == answers[0] for answer in answers)
    assert await session.scalar(select(func.count()).select_from(AuditEvent)) == before
    anonymous = await client.post(URL, json=body)
    assert anonymous.status_code == 401


async def test_every_qicharts2_chart_type_is_answered_as_json_and_svg(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    rings = [[74.03, 74.002, 74.019], [73.995, 73.992, 74.001, 74.011], [73.998, 74.024]]
    bodies: list[dict[str, Any]] = [
        {"chart": "mr", "values": [10, 12, 30, 11, 13], "excluded": [2]},
        {"chart": "xbar", "subgroups": rings},
        {"chart": "s", "subgroups": [*rings, []]},
        {"chart": "t", "event_dates": ["2026-09-01", "2026-09-15", "2026-10-20", "2026-10-27"]},
        {"chart": "g", "values": [120, 45, 310, 88], "direction": "up", "target": 100},
    ]
    for body in bodies:
        response = await _post(client, tenant, body)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["chart"] == body["chart"]
        assert answer["phases"][0]["n_included"] <= answer["phases"][0]["n_obs"]
        image = await client.post(f"{URL}/chart.svg", json=body, headers=tenant.headers)
        assert image.status_code == 200, image.text
        ET.fromstring(image.text)  # noqa: S314 - our own answer
    t = (await _post(client, tenant, bodies[3])).json()
    assert t["points"]["value"] == [14.0, 35.0, 7.0]  # days between the events
    assert t["points"]["label"] == ["2026-09-15", "2026-10-20", "2026-10-27"]
    mr = (await _post(client, tenant, bodies[0])).json()
    assert mr["points"]["value"] == [None, 2.0, 18.0, 1.0, 2.0]
    assert mr["options"]["rules"]  # as asked; only outside_limits can raise a signal


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"chart": "t", "event_dates": ["2026-09-02", "2026-09-01"]}, "body.event_dates"),
        ({"chart": "t", "event_dates": ["2026-09-01"]}, "body.event_dates"),
        ({"chart": "i", "event_dates": ["2026-09-01", "2026-09-03"]}, "body.event_dates"),
        ({"chart": "t", "values": [3, 0]}, "body.values"),
        ({"chart": "xbar", "values": [1, 2]}, "body.subgroups"),
        ({"chart": "xbar", "subgroups": [[1, "x"]]}, "body.subgroups.0.1"),
        ({"chart": "i", "values": [1], "subgroups": [[1]]}, "body.subgroups"),
        ({"chart": "g", "values": [1, -1]}, "body.values"),
    ],
)
async def test_new_chart_input_is_a_422_naming_the_field(
    client: AsyncClient, session: AsyncSession, body: dict[str, Any], field: str
) -> None:
    tenant = await make_tenant(session)
    response = await _post(client, tenant, body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    fields = [error["field"] for error in response.json()["errors"]]
    assert field in fields, fields
