"""Cycle evidence over HTTP: the baseline (nuläge) against the follow-up, as uppföljning reads it."""

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import Role
from app.org_units.models import OrgUnitKind
from app.teams.models import Team
from tests.cycles.factories import create_cycle, make_initiative
from tests.factories import Tenant, bearer, make_tenant, make_token, make_unit
from tests.measures.factories import create_measure

# Eight baseline weeks around 42 % (10 of 24), a week without data, then the change: five
# weeks around 75 % with one week missing.
BASELINE = {10: 9, 11: 11, 12: 10, 13: 12, 14: 9, 15: 10, 16: 11, 17: 10}
FOLLOW_UP = {19: 18, 20: 18, 22: 19, 23: 18, 24: 18}
DENOMINATOR = 24
CYCLE_DATES = {
    "baseline_start_on": "2025-03-03",  # Monday of 2025-W10
    "baseline_end_on": "2025-04-27",  # Sunday of 2025-W17
    "test_started_on": "2025-05-05",  # Monday of 2025-W19
    "test_ended_on": "2025-06-13",  # Friday of 2025-W24
}
PREDICTION = "Minst 55 % instämmer efter fyra veckor."


async def _cycle_with_data(
    client: AsyncClient, session: AsyncSession, tenant: Tenant, **dates: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    initiative = await make_initiative(session, tenant.team)
    measure = await create_measure(client, tenant.headers, initiative_id=str(initiative.id))
    rows = [
        {"period": f"2025-W{week}", "numerator": numerator, "denominator": DENOMINATOR}
        for week, numerator in {**BASELINE, **FOLLOW_UP}.items()
    ]
    sent = await client.post(
        "/api/v1/measurements/bulk",
        json={"measure_id": measure["id"], "rows": rows},
        headers=tenant.headers,
    )
    assert sent.status_code == 200, sent.text
    cycle = await create_cycle(client, tenant.headers, initiative, prediction=PREDICTION)
    patched = await client.patch(
        f"/api/v1/cycles/{cycle['id']}", json=dates or CYCLE_DATES, headers=tenant.headers
    )
    assert patched.status_code == 200, patched.text
    return cycle, measure


async def _evidence(
    client: AsyncClient, tenant: Tenant, cycle: dict[str, Any], language: str = "sv", **query: str
) -> Any:
    response = await client.get(
        f"/api/v1/cycles/{cycle['id']}/evidence",
        params=query,
        headers={**tenant.headers, "Accept-Language": language},
    )
    assert response.status_code == 200, response.text
    return response


async def test_evidence_sets_the_follow_up_against_the_frozen_baseline(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    cycle, measure = await _cycle_with_data(client, session, tenant)
    response = await _evidence(client, tenant, cycle)
    assert response.headers["content-language"] == "sv"
    assert "Accept-Language" in response.headers["vary"]
    body = response.json()
    assert body["prediction"] == PREDICTION
    assert body["default_measures"] is True
    [evidence] = body["measures"]
    assert evidence["measure_id"] == measure["id"]
    assert evidence["org_unit_id"] == str(tenant.school.id)
    assert (evidence["chart"], evidence["centre_kind"]) == ("p", "ratio_of_sums")

    baseline, follow_up = evidence["baseline"], evidence["follow_up"]
    assert (baseline["first_period"], baseline["last_period"]) == ("2025-W10", "2025-W17")
    assert (baseline["periods"], baseline["points"], baseline["source"]) == (8, 8, "cycle")
    assert (follow_up["first_period"], follow_up["last_period"]) == ("2025-W19", "2025-W24")
    # Six periods, five with data: the missing week is a gap, not a zero.
    assert (follow_up["periods"], follow_up["points"], follow_up["ongoing"]) == (6, 5, False)
    base_p = 100 * sum(BASELINE.values()) / (DENOMINATOR * len(BASELINE))
    follow_p = 100 * sum(FOLLOW_UP.values()) / (DENOMINATOR * len(FOLLOW_UP))
    assert baseline["centre"] == pytest.approx(base_p)
    assert follow_up["centre"] == pytest.approx(follow_p)
    assert evidence["change"] == pytest.approx(follow_p - base_p)

    # Above the baseline's upper limit (p = 0.43, n = 24: about 0.73) from the change on.
    assert evidence["verdict"] == "improvement"
    outside = [s for s in evidence["signals"] if s["rule"] == "outside_limits"]
    assert outside and all(s["direction"] == "improvement" for s in outside)
    assert {p for s in outside for p in s["periods"]} >= {"2025-W19", "2025-W20", "2025-W22"}
    assert not any(s["started_before_change"] for s in outside)

    windows = {p["period"]: p for p in evidence["points"]}
    assert windows["2025-W18"]["window"] == "between"
    assert windows["2025-W18"]["missing"] is True and windows["2025-W18"]["value"] is None
    assert windows["2025-W21"]["window"] == "follow_up" and windows["2025-W21"]["missing"]
    assert windows["2025-W10"]["window"] == "baseline"
    assert windows["2025-W19"]["classification"] == "special_improvement"
    assert "2025-W25" not in windows  # the follow-up ends with the test

    assert evidence["sentence"].startswith(
        f"{measure['name']}: 42,7\u00a0% före förändringen, 75,8\u00a0% efter."
    )
    assert "troligen en verklig förbättring" in evidence["sentence"]
    assert body["sentence"].startswith("Efter förändringen visar 1 av 1 mått")


@pytest.mark.parametrize(
    ("language", "header", "words"),
    [
        ("nb", "nb-NO, en;q=0.5", "før endringen"),
        ("nn", "nn", "før endringa"),
        ("en", "en-GB", "before the change"),
    ],
)
async def test_evidence_speaks_the_requested_language(
    client: AsyncClient, session: AsyncSession, language: str, header: str, words: str
) -> None:
    tenant = await make_tenant(session)
    cycle, _ = await _cycle_with_data(client, session, tenant)
    response = await _evidence(client, tenant, cycle, header)
    assert response.headers["content-language"] == language
    [evidence] = response.json()["measures"]
    assert words in evidence["sentence"]
    if language == "en":
        assert "42.7% before the change, 75.8% after" in evidence["sentence"]


async def test_without_a_nulage_window_the_baseline_is_every_period_before_the_test(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    cycle, _ = await _cycle_with_data(
        client,
        session,
        tenant,
        test_started_on=CYCLE_DATES["test_started_on"],
        test_ended_on=CYCLE_DATES["test_ended_on"],
    )
    [evidence] = (await _evidence(client, tenant, cycle, chart="run")).json()["measures"]
    baseline = evidence["baseline"]
    assert baseline["source"] == "before_test"
    # From the first measurement up to the week before the test: W18 is a gap in it.
    assert (baseline["first_period"], baseline["last_period"]) == ("2025-W10", "2025-W18")
    assert (baseline["periods"], baseline["points"]) == (9, 8)
    assert (evidence["chart"], evidence["centre_kind"]) == ("run", "median")
    percentages = sorted(100 * n / DENOMINATOR for n in BASELINE.values())
    assert baseline["centre"] == pytest.approx((percentages[3] + percentages[4]) / 2)
    follow = sorted(100 * n / DENOMINATOR for n in FOLLOW_UP.values())
    assert evidence["follow_up"]["centre"] == pytest.approx(follow[2])
    # Five points above the median after the change are not yet a shift (7) on a run chart.
    assert evidence["verdict"] in ("no_signal", "improvement")
    assert all(s["direction"] != "concern" for s in evidence["signals"])


async def test_a_measure_going_the_wrong_way_is_a_concern(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    cycle, _ = await _cycle_with_data(client, session, tenant)
    # The same numbers, but fewer is better (e.g. pupils who feel left out).
    initiative_id = (
        await client.get(f"/api/v1/cycles/{cycle['id']}", headers=tenant.headers)
    ).json()["initiative_id"]
    measures = (
        await client.get(f"/api/v1/measures?initiative_id={initiative_id}", headers=tenant.headers)
    ).json()["items"]
    changed = await client.patch(
        f"/api/v1/measures/{measures[0]['id']}", json={"direction": "down"}, headers=tenant.headers
    )
    assert changed.status_code == 200, changed.text
    [evidence] = (await _evidence(client, tenant, cycle, "en")).json()["measures"]
    assert evidence["verdict"] == "concern"
    assert {s["direction"] for s in evidence["signals"]} == {"concern"}
    assert "probably a real change for the worse" in evidence["sentence"]


async def test_before_the_test_starts_there_is_no_follow_up_yet(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    cycle, _ = await _cycle_with_data(
        client,
        session,
        tenant,
        baseline_start_on=CYCLE_DATES["baseline_start_on"],
        baseline_end_on=CYCLE_DATES["baseline_end_on"],
    )
    body = (await _evidence(client, tenant, cycle, "en")).json()
    [evidence] = body["measures"]
    assert evidence["verdict"] == "no_follow_up"
    assert evidence["follow_up"]["points"] == 0 and evidence["follow_up"]["centre"] is None
    assert evidence["signals"] == [] and evidence["change"] is None
    assert evidence["sentence"].endswith("no measurements after the change yet.")
    # Only the baseline window is charted.
    assert {p["window"] for p in evidence["points"]} == {"baseline"}


async def test_a_cycle_without_measures_says_so(client: AsyncClient, session: AsyncSession) -> None:
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    cycle = await create_cycle(client, tenant.headers, initiative)
    body = (await _evidence(client, tenant, cycle, "sv")).json()
    assert body["measures"] == []
    assert body["sentence"] == "Cykeln följer inga mått ännu."


async def test_evidence_of_an_unknown_cycle_is_404_and_a_bad_chart_422(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    missing = await client.get(
        "/api/v1/cycles/00000000-0000-4000-8000-000000000000/evidence", headers=tenant.headers
    )
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    initiative = await make_initiative(session, tenant.team)
    cycle = await create_cycle(client, tenant.headers, initiative)
    bad = await client.get(
        f"/api/v1/cycles/{cycle['id']}/evidence?chart=pie", headers=tenant.headers
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.chart"


async def test_small_numbers_above_the_token_are_gaps_and_flagged(
    client: AsyncClient, session: AsyncSession
) -> None:
    """The team moved from the school down to a work team before moves took measures along
    (issue 13), so its measure stayed at the school: a token of the work team reads the cycle,
    and the school's small figures are withheld from it."""
    tenant = await make_tenant(session)
    initiative = await make_initiative(session, tenant.team)
    measure = await create_measure(
        client, tenant.headers, initiative_id=str(initiative.id), min_denominator=20
    )
    rows = [
        {"period": f"2025-W{week}", "numerator": numerator, "denominator": DENOMINATOR}
        for week, numerator in {**BASELINE, **FOLLOW_UP}.items()
    ]
    rows[0] = {"period": "2025-W10", "numerator": 5, "denominator": 12}  # a small class
    rows[-1] = {"period": "2025-W24", "numerator": 9, "denominator": 10}
    sent = await client.post(
        "/api/v1/measurements/bulk",
        json={"measure_id": measure["id"], "rows": rows},
        headers=tenant.headers,
    )
    assert sent.status_code == 200, sent.text
    cycle = await create_cycle(client, tenant.headers, initiative)
    await client.patch(f"/api/v1/cycles/{cycle['id']}", json=CYCLE_DATES, headers=tenant.headers)
    work_team = await make_unit(
        session,
        tenant.organisation,
        "Arbetslag 4–6",
        kind=OrgUnitKind.work_team,
        parent=tenant.school,
    )
    # Such data is written as it stood then: the team's unit changed, nothing else.
    team = await session.get(Team, tenant.team.id)
    assert team is not None
    team.org_unit_id = work_team.id
    await session.commit()
    token = await make_token(session, tenant.organisation, role=Role.viewer, scope=work_team)

    response = await client.get(f"/api/v1/cycles/{cycle['id']}/evidence", headers=bearer(token))
    assert response.status_code == 200, response.text
    [evidence] = response.json()["measures"]
    points = {p["period"]: p for p in evidence["points"]}
    for period in ("2025-W10", "2025-W24"):
        assert points[period]["withheld"] is True
        assert points[period]["missing"] is False
        assert [points[period][k] for k in ("value", "numerator", "denominator")] == [None] * 3
    assert (evidence["baseline"]["withheld"], evidence["baseline"]["points"]) == (1, 7)
    assert (evidence["follow_up"]["withheld"], evidence["follow_up"]["points"]) == (1, 4)
    # The centres rest on the shown weeks only.
    shown = {w: n for w, n in BASELINE.items() if w != 10}
    assert evidence["baseline"]["centre"] == pytest.approx(
        100 * sum(shown.values()) / (DENOMINATOR * len(shown))
    )
    # The school's admin covers the school: nothing withheld.
    full = (await _evidence(client, tenant, cycle, "en")).json()["measures"][0]
    assert not any(p["withheld"] for p in full["points"])


async def test_a_checkable_prediction_is_checked_against_the_follow_up_in_figures_and_words(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    cycle, measure = await _cycle_with_data(client, session, tenant)
    url = f"/api/v1/cycles/{cycle['id']}"
    # Without a checkable prediction there is nothing to check.
    assert (await _evidence(client, tenant, cycle)).json()["prediction_check"] is None
    predicted = await client.patch(
        url,
        json={
            "prediction_measure_id": measure["id"],
            "prediction_comparison": "at_least",
            "prediction_value": 55,
        },
        headers=tenant.headers,
    )
    assert predicted.status_code == 200, predicted.text
    body = (await _evidence(client, tenant, cycle)).json()
    check = body["prediction_check"]
    # The follow-up's centre: 91 of 120 pupils over 2025-W19..W24 (W21 missing).
    assert check["observed"] == pytest.approx(100 * 91 / 120)
    assert check["observed"] == pytest.approx(body["measures"][0]["follow_up"]["centre"])
    assert (check["first_period"], check["last_period"], check["points"]) == (
        "2025-W19",
        "2025-W24",
        5,
    )
    assert (check["outcome"], check["provisional"], check["compared"]) == (
        "met",
        False,
        "follow_up_centre",
    )
    assert check["sentence"] == (
        f"Förutsägelsen slog in: {measure['name']} blev 75,8\u00a0% efter förändringen "
        "(v. 19–v. 24), förutsagt minst 55\u00a0%."
    )
    assert body["sentence"].endswith(check["sentence"])
    # By a day: only the follow-up's periods up to it (W19 and W20: 36 of 48).
    await client.patch(
        url,
        json={
            "prediction_comparison": "at_most",
            "prediction_value": 70,
            "prediction_by_on": "2025-05-18",
        },
        headers=tenant.headers,
    )
    check = (await _evidence(client, tenant, cycle, "en")).json()["prediction_check"]
    assert check["observed"] == pytest.approx(75.0)
    assert (check["last_period"], check["outcome"]) == ("2025-W20", "not_met")
    assert check["sentence"].startswith("The prediction did not come true:")
    assert "predicted at most 70%" in check["sentence"]
    await client.patch(
        url,
        json={"prediction_comparison": "between", "prediction_upper_value": 80},
        headers=tenant.headers,
    )
    for language, opening in (
        ("nb", "Prediksjonen slo til:"),
        ("nn", "Prediksjonen slo til:"),
        ("en", "The prediction came true:"),
    ):
        check = (await _evidence(client, tenant, cycle, language)).json()["prediction_check"]
        assert check["outcome"] == "met" and check["sentence"].startswith(opening)
    # A day before the follow-up: nothing to compare yet.
    await client.patch(url, json={"prediction_by_on": "2025-04-01"}, headers=tenant.headers)
    check = (await _evidence(client, tenant, cycle)).json()["prediction_check"]
    assert (check["outcome"], check["observed"]) == ("no_data", None)
    assert check["sentence"].startswith("Förutsägelsen (")


async def test_a_prediction_about_a_measure_no_longer_followed_says_so(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    cycle, measure = await _cycle_with_data(client, session, tenant)
    initiative_id = measure["initiative_id"]
    second = await create_measure(
        client, tenant.headers, initiative_id=initiative_id, name="Närvaro"
    )
    await client.patch(
        f"/api/v1/cycles/{cycle['id']}",
        json={
            "prediction_measure_id": measure["id"],
            "prediction_comparison": "at_least",
            "prediction_value": 55,
        },
        headers=tenant.headers,
    )
    named = await client.put(
        f"/api/v1/cycles/{cycle['id']}/measures",
        json={"measure_ids": [second["id"]]},
        headers=tenant.headers,
    )
    assert named.status_code == 200, named.text
    check = (await _evidence(client, tenant, cycle, "en")).json()["prediction_check"]
    assert (check["outcome"], check["observed"]) == ("not_followed", None)
    assert check["sentence"] == "The prediction is about a measure the cycle no longer follows."
