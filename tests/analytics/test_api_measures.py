"""A stored measure's analysis over HTTP: gaps, phases, exclusions, annotations, languages, CSV,
SVG and small-number protection, on every database."""

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli.demo import DEMO_VIEWER_TOKEN, load_demo
from app.context import Role
from app.cycles.stages import Stage
from app.org_units.models import OrgUnitKind
from tests.analytics.factories import Measured, make_cycle, proportion_measure, send, weeks
from tests.factories import Tenant, bearer, make_tenant, make_token, make_unit
from tests.measures.factories import create_indicator

SVG = "{http://www.w3.org/2000/svg}"

# Six weeks around 40 %, a gap in week 44 (autumn break), then about 75 %.
BEFORE = [(10, 24), (9, 25), (11, 24), (10, 26), (9, 24), (11, 25)]
AFTER = [(18, 24), (19, 25), (17, 24), (18, 23), (20, 26), (19, 25), (18, 24), (19, 24)]


def _answers() -> list[tuple[str, int, int] | None]:
    periods = weeks(34, 15)  # W34..W48
    figures: list[tuple[int, int] | None] = [*BEFORE, *AFTER[:4], None, *AFTER[4:]]
    return [
        None if item is None else (period, *item)
        for period, item in zip(periods, figures, strict=True)
    ]


async def _measured(client: AsyncClient, session: AsyncSession) -> Measured:
    tenant = await make_tenant(session)
    return await proportion_measure(client, session, tenant, _answers())


async def _analysis(
    client: AsyncClient, measured: Measured, query: str = "", **headers: str
) -> Any:
    response = await client.get(
        f"{measured.url}/analysis{query}", headers={**measured.tenant.headers, **headers}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_analysis_fills_missing_periods_as_gaps_and_speaks_the_measures_scale(
    client: AsyncClient, session: AsyncSession
) -> None:
    measured = await _measured(client, session)
    response = await client.get(
        f"{measured.url}/analysis", headers={**measured.tenant.headers, "Accept-Language": "sv"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-language"] == "sv"
    body = response.json()
    assert (body["chart"], body["scale"], body["value_kind"]) == ("p", "percent", "proportion")
    assert body["measure_id"] == measured.id
    points = body["points"]
    assert points["label"] == weeks(34, 15)
    gap = points["label"].index("2026-W44")
    assert (points["value"][gap], points["units"][gap], points["withheld"][gap]) == (None, 0, False)
    assert points["period_first_on"][gap] == "2026-10-26"
    assert points["value"][0] == pytest.approx(10 / 24 * 100)
    assert (points["numerator"][0], points["denominator"][0]) == (10.0, 24.0)
    # A P chart: the pooled proportion, in percent like the measurements.
    numerators = sum(a for a, _ in BEFORE + AFTER)
    denominators = sum(b for _, b in BEFORE + AFTER)
    assert points["centre"][0] == pytest.approx(numerators / denominators * 100)
    assert body["options"]["target"] == pytest.approx(70.0)
    assert body["options"]["direction"] == "up"
    shift = next(s for s in body["signals"] if s["rule"] == "shift")
    assert shift["periods"][0] == "2026-W40" and "2026-W44" not in shift["periods"]
    assert shift["direction"] == "improvement"
    assert body["summary"]["variation"] == "special_cause_improvement"
    assert "veckor i rad" in body["summary"]["sentence"]
    assert body["summary"]["rebase_from_period"] == "2026-W40"
    assert body["annotations"] == []


async def test_the_measures_period_word_follows_the_language(
    client: AsyncClient, session: AsyncSession
) -> None:
    measured = await _measured(client, session)
    for header, word in (("nb", "uker på rad"), ("nn", "veker på rad"), ("en", "weeks in a row")):
        body = await _analysis(client, measured, **{"Accept-Language": header})
        assert word in body["summary"]["sentence"], (header, body["summary"]["sentence"])


async def test_query_options_pick_the_chart_range_and_rules(
    client: AsyncClient, session: AsyncSession
) -> None:
    measured = await _measured(client, session)
    run = await _analysis(client, measured, "?chart=run&period_from=2026-W36&period_to=2026-W46")
    assert run["chart"] == "run"
    assert run["points"]["label"] == weeks(36, 11)
    assert run["points"]["upper"] == [None] * 11
    assert run["points"]["centre"][0] is not None
    laney = await _analysis(client, measured, "?chart=pp&rules=mdc&trend_length=6&min_points=5")
    assert laney["chart"] == "pp" and laney["chart_suggestion"] is None
    assert set(laney["options"]["rules"]) == {"outside_limits", "trend", "two_of_three", "shift"}
    assert (laney["options"]["trend_length"], laney["options"]["min_points"]) == (6, 5)
    assert laney["phases"][0]["trial_limits"] is False


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?period_from=2026-13", "query.period_from"),
        ("?chart=c", "query.chart"),
        ("?chart=xbar", "query.chart"),
        ("?trend_length=8", "query.trend_length"),
        ("?rules=nonsense", "query.rules"),
        ("?org_unit_id=6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d", "query.org_unit_id"),
        ("?colour=red", "query.colour"),
    ],
)
async def test_bad_queries_are_a_422_naming_the_parameter(
    client: AsyncClient, session: AsyncSession, query: str, field: str
) -> None:
    measured = await _measured(client, session)
    for suffix in ("analysis", "analysis.csv", "chart.svg"):
        response = await client.get(
            f"{measured.url}/{suffix}{query}", headers=measured.tenant.headers
        )
        assert response.status_code == 422, response.text
        fields = [e["field"] for e in response.json()["errors"]]
        assert any(f == field or f.startswith(f"{field}.") for f in fields), fields


async def test_a_count_measure_gets_a_c_chart_and_a_continuous_one_an_i_chart(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    for kind, chart in (("count", "c"), ("continuous", "i"), ("rate", "u")):
        indicator = await create_indicator(
            client,
            tenant,
            value_kind=kind,
            name=f"Mått {kind}",
            external_code=kind,
            period_kind="month",
            target_value=None,
            unit_label=None,
        )
        rows = [
            {"period": f"2026-{month:02d}", "value": month % 3 + 2}
            if kind != "rate"
            else {"period": f"2026-{month:02d}", "numerator": month % 3 + 2, "denominator": 100}
            for month in (1, 2, 3, 5, 6)
        ]
        await send(client, tenant.headers, indicator["id"], rows, org_unit_id=str(tenant.school.id))
        response = await client.get(
            f"/api/v1/measures/{indicator['id']}/analysis?org_unit_id={tenant.school.id}",
            headers=tenant.headers,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["chart"], body["scale"]) == (chart, "value")
        assert body["points"]["label"] == [
            "2026-01",
            "2026-02",
            "2026-03",
            "2026-04",
            "2026-05",
            "2026-06",
        ]
        assert body["points"]["value"][3] is None


# ------------------------------------------------------------------------------------ phases


async def _audit(client: AsyncClient, tenant: Tenant, object_id: str) -> list[dict[str, Any]]:
    response = await client.get(
        f"/api/v1/audit-events?object_id={object_id}", headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items[::-1]  # oldest first


async def test_a_rebase_needs_a_cycle_or_a_reason_and_is_audited(
    client: AsyncClient, session: AsyncSession
) -> None:
    measured = await _measured(client, session)
    tenant = measured.tenant
    url = f"{measured.url}/phases"
    silent = await client.post(url, json={"period": "2026-W40"}, headers=tenant.headers)
    assert silent.status_code == 422, silent.text
    assert silent.json()["errors"][0]["field"] == "body.reason"

    created = await client.post(
        url,
        json={
            "period": "2026-10-01",
            "reason": "Exit tickets i alla lektioner",
            "baseline_periods": 4,
        },
        headers=bearer(tenant.editor),
    )
    assert created.status_code == 201, created.text
    phase = created.json()
    assert (phase["period"], phase["period_first_on"]) == ("2026-W40", "2026-09-28")
    assert phase["baseline_periods"] == 4 and "etag" in created.headers
    trail = await _audit(client, tenant, phase["id"])
    assert [(e["action"], e["object_type"]) for e in trail] == [("create", "measure_phase")]
    assert trail[0]["changes"]["reason"] == "Exit tickets i alla lektioner"
    assert trail[0]["changes"]["period_key"] == "2026-W40"

    listed = await client.get(url, headers=bearer(tenant.viewer))
    assert [p["id"] for p in listed.json()] == [phase["id"]]
    again = await client.post(
        url, json={"period": "2026-W40", "reason": "igen"}, headers=tenant.headers
    )
    assert again.status_code == 409 and again.json()["type"] == "/problems/chart-setting-exists"
    viewer = await client.post(
        url, json={"period": "2026-W41", "reason": "x"}, headers=bearer(tenant.viewer)
    )
    assert viewer.status_code == 403

    body = await _analysis(client, measured)
    first, second = body["phases"]
    assert (first["period_from"], first["period_to"]) == ("2026-W34", "2026-W39")
    assert (second["period_from"], second["phase_id"]) == ("2026-W40", phase["id"])
    assert second["reason"] == "Exit tickets i alla lektioner"
    assert second["n_baseline"] == 4  # W40..W43 freeze the new phase
    assert (second["baseline_first_index"], second["baseline_last_index"]) == (6, 9)
    assert body["points"]["phase"] == [0] * 6 + [1] * 9
    pooled = sum(a for a, _ in AFTER[:4]) / sum(b for _, b in AFTER[:4])
    assert body["points"]["centre"][6] == pytest.approx(pooled * 100)
    # The shift now belongs to the old phase's median no more: no rebase hint in the new one.
    assert body["summary"]["rebase_suggested"] is False

    deleted = await client.delete(f"{url}/{phase['id']}", headers=tenant.headers)
    assert deleted.status_code == 204
    trail = await _audit(client, tenant, phase["id"])
    assert [e["action"] for e in trail] == ["create", "delete"]
    assert len((await _analysis(client, measured))["phases"]) == 1
    missing = await client.delete(f"{url}/{phase['id']}", headers=tenant.headers)
    assert missing.status_code == 404


async def test_a_rebase_names_an_adopted_cycle_that_follows_the_measure(
    client: AsyncClient, session: AsyncSession
) -> None:
    measured = await _measured(client, session)
    tenant = measured.tenant
    url = f"{measured.url}/phases"
    undecided = await make_cycle(session, measured.initiative, decision="adapt")
    adopted = await make_cycle(
        session,
        measured.initiative,
        decision="adopt",
        sequence=2,
        test_started_on=date(2026, 9, 29),
    )
    await make_cycle(  # adopted too, but its test started after the shift began
        session,
        measured.initiative,
        decision="adopt",
        sequence=3,
        test_started_on=date(2026, 11, 2),
    )
    hint = (await _analysis(client, measured))["summary"]
    assert (hint["rebase_from_period"], hint["rebase_cycle_id"]) == ("2026-W40", str(adopted.id))
    other_initiative = await proportion_measure(client, session, tenant, [])
    elsewhere = await make_cycle(session, other_initiative.initiative, decision="adopt")
    for cycle, kind in (
        (undecided, "cycle_not_adopted"),
        (elsewhere, "cycle_not_following"),
    ):
        refused = await client.post(
            url, json={"period": "2026-W40", "cycle_id": str(cycle.id)}, headers=tenant.headers
        )
        assert refused.status_code == 422, refused.text
        assert [(e["field"], e["type"]) for e in refused.json()["errors"]] == [
            ("body.cycle_id", kind)
        ]
    unknown = await client.post(
        url,
        json={"period": "2026-W40", "cycle_id": str(other_initiative.initiative.id)},
        headers=tenant.headers,
    )
    assert unknown.json()["errors"][0]["type"] == "not_found"
    created = await client.post(
        url, json={"period": "2026-W40", "cycle_id": str(adopted.id)}, headers=tenant.headers
    )
    assert created.status_code == 201, created.text
    body = await _analysis(client, measured)
    assert body["phases"][1]["cycle_id"] == str(adopted.id)
    assert body["phases"][1]["reason"] is None
    # A cycle that names its measures follows only those.
    named = await client.put(
        f"/api/v1/cycles/{adopted.id}/measures",
        json={"measure_ids": [other_initiative.id]},
        headers=tenant.headers,
    )
    assert named.status_code == 422  # another initiative's measure: not allowed either


async def test_a_phase_before_the_range_sets_the_first_phases_baseline(
    client: AsyncClient, session: AsyncSession
) -> None:
    measured = await _measured(client, session)
    tenant = measured.tenant
    created = await client.post(
        f"{measured.url}/phases",
        json={"period": "2026-W34", "reason": "Baslinje före testet", "baseline_periods": 6},
        headers=tenant.headers,
    )
    assert created.status_code == 201, created.text
    body = await _analysis(client, measured)
    [phase] = body["phases"]
    assert phase["phase_id"] == created.json()["id"] and phase["n_baseline"] == 6
    pooled = sum(a for a, _ in BEFORE) / sum(b for _, b in BEFORE)
    assert body["points"]["centre"][0] == pytest.approx(pooled * 100)
    assert body["points"]["classification"][-1] == "special_improvement"
    # Seen from inside the window, only its periods in range count.
    later = await _analysis(client, measured, "?period_from=2026-W37")
    assert later["phases"][0]["n_baseline"] == 3


# -------------------------------------------------------------------------------- exclusions


async def test_an_excluded_point_leaves_the_calculation_with_its_reason_audited(
    client: AsyncClient, session: AsyncSession
) -> None:
    measured = await _measured(client, session)
    tenant = measured.tenant
    url = f"{measured.url}/exclusions"
    created = await client.post(
        url,
        json={"period": "2026-W36", "reason": "Prov hela veckan"},
        headers=bearer(tenant.editor),
    )
    assert created.status_code == 201, created.text
    exclusion = created.json()
    assert (exclusion["period"], exclusion["org_unit_id"]) == ("2026-W36", str(tenant.school.id))
    body = await _analysis(client, measured)
    index = body["points"]["label"].index("2026-W36")
    assert body["points"]["excluded"][index] is True
    assert body["points"]["value"][index] is not None  # still shown
    assert (body["phases"][0]["n_obs"], body["phases"][0]["n_included"]) == (14, 13)
    assert body["options"]["excluded"] == [index]
    numerators = sum(a for a, _ in BEFORE + AFTER) - BEFORE[2][0]
    denominators = sum(b for _, b in BEFORE + AFTER) - BEFORE[2][1]
    assert body["points"]["centre"][0] == pytest.approx(numerators / denominators * 100)

    twice = await client.post(
        url, json={"period": "2026-W36", "reason": "igen"}, headers=tenant.headers
    )
    assert twice.status_code == 409
    listed = await client.get(url, headers=bearer(tenant.viewer))
    assert [e["reason"] for e in listed.json()] == ["Prov hela veckan"]
    trail = await _audit(client, tenant, exclusion["id"])
    assert [(e["action"], e["object_type"]) for e in trail] == [("create", "measure_exclusion")]
    stale = await client.delete(
        f"{url}/{exclusion['id']}", headers={**tenant.headers, "If-Match": '"99"'}
    )
    assert stale.status_code == 412
    deleted = await client.delete(
        f"{url}/{exclusion['id']}", headers={**tenant.headers, "If-Match": created.headers["etag"]}
    )
    assert deleted.status_code == 204
    assert not any((await _analysis(client, measured))["points"]["excluded"])
    assert [e["action"] for e in await _audit(client, tenant, exclusion["id"])] == [
        "create",
        "delete",
    ]


async def test_an_indicators_exclusion_names_a_unit_that_reports_it(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    indicator = await create_indicator(client, tenant, unit=tenant.north)
    url = f"/api/v1/measures/{indicator['id']}/exclusions"
    outside = await client.post(
        url,
        json={"period": "HT2026", "org_unit_id": str(tenant.sibling_school.id), "reason": "x"},
        headers=tenant.headers,
    )
    assert outside.status_code == 422
    assert outside.json()["errors"][0] == {
        "field": "body.org_unit_id",
        "message": "the unit does not report this measure",
        "type": "not_reporting",
    }
    bad_period = await client.post(
        url,
        json={"period": "2026-W40", "org_unit_id": str(tenant.school.id), "reason": "x"},
        headers=tenant.headers,
    )
    assert bad_period.json()["errors"][0]["field"] == "body.period"
    await send(
        client,
        tenant.headers,
        indicator["id"],
        [
            {"period": term, "numerator": yes, "denominator": 40}
            for term, yes in (("HT2025", 30), ("VT2026", 31), ("HT2026", 5))
        ],
        org_unit_id=str(tenant.school.id),
    )
    created = await client.post(
        url,
        json={
            "period": "HT2026",
            "org_unit_id": str(tenant.school.id),
            "reason": "Enkäten strulade",
        },
        headers=tenant.headers,
    )
    assert created.status_code == 201, created.text
    school = await client.get(
        f"/api/v1/measures/{indicator['id']}/analysis?org_unit_id={tenant.school.id}",
        headers={**tenant.headers, "Accept-Language": "sv"},
    )
    assert school.json()["points"]["excluded"] == [False, False, True]
    assert (
        "terminer" in school.json()["summary"]["sentence"] or school.json()["summary"]["sentence"]
    )
    # The area's sum over its subtree is another series: the school's exclusion is not its.
    area = await client.get(
        f"/api/v1/measures/{indicator['id']}/analysis?org_unit_id={tenant.north.id}"
        "&include_descendants=true",
        headers=tenant.headers,
    )
    assert area.json()["aggregated"] is True
    assert area.json()["points"]["excluded"] == [False, False, False]


# ------------------------------------------------------------------------------ annotations


async def test_annotations_are_notes_and_the_stage_changes_of_the_cycles_that_follow(
    client: AsyncClient, session: AsyncSession
) -> None:
    measured = await _measured(client, session)
    tenant = measured.tenant
    started = datetime(2026, 9, 28, 7, 30, tzinfo=UTC)  # Monday of week 40
    cycle = await make_cycle(
        session,
        measured.initiative,
        stages=[
            (None, Stage.current_state, datetime(2026, 8, 24, 8, tzinfo=UTC)),
            (Stage.current_state, Stage.analysis, datetime(2026, 9, 14, 8, tzinfo=UTC)),
            (Stage.analysis, Stage.action, started),
        ],
    )
    url = f"{measured.url}/annotations"
    note = await client.post(
        url,
        json={"period": "2026-W42", "text": "Föräldramöte om delaktighet"},
        headers=tenant.headers,
    )
    assert note.status_code == 201, note.text
    assert note.json()["kind"] == "note" and note.json()["period"] == "2026-W42"
    listed = await client.get(url, headers={**bearer(tenant.viewer), "Accept-Language": "sv"})
    assert listed.headers["content-language"] == "sv"
    timeline = [(a["kind"], a["period"], a["text"]) for a in listed.json()]
    assert timeline == [
        ("cycle_stage", "2026-W35", "Exit tickets i 5B: nuläge"),
        ("cycle_stage", "2026-W38", "Exit tickets i 5B: nuläge → analys"),
        ("cycle_stage", "2026-W40", "Exit tickets i 5B: analys → åtgärd"),
        ("note", "2026-W42", "Föräldramöte om delaktighet"),
    ]
    assert listed.json()[2]["cycle_id"] == str(cycle.id)
    assert listed.json()[2]["id"] is None
    english = await client.get(url, headers={**tenant.headers, "Accept-Language": "en"})
    assert english.json()[2]["text"] == "Exit tickets i 5B: analysis → action"

    body = await _analysis(client, measured, "?period_from=2026-W36")
    assert [(a["period"], a["index"]) for a in body["annotations"]] == [
        ("2026-W38", 2),
        ("2026-W40", 4),
        ("2026-W42", 6),
    ]
    chart = await client.get(
        f"{measured.url}/chart.svg?period_from=2026-W36", headers=tenant.headers
    )
    root = ET.fromstring(chart.text)  # noqa: S314 - our own answer
    notes = [e for e in root.iter() if "annotation" in e.get("class", "").split()]
    assert len(notes) == 3

    deleted = await client.delete(f"{url}/{note.json()['id']}", headers=tenant.headers)
    assert deleted.status_code == 204
    trail = await _audit(client, tenant, note.json()["id"])
    assert [e["action"] for e in trail] == ["create", "delete"]
    assert [a["kind"] for a in (await client.get(url, headers=tenant.headers)).json()] == [
        "cycle_stage"
    ] * 3


# ---------------------------------------------------------------------------- CSV and SVG


async def test_the_csv_holds_the_calculated_lines_and_classifications_as_swedish_excel_reads_it(
    client: AsyncClient, session: AsyncSession
) -> None:
    measured = await _measured(client, session)
    response = await client.get(f"{measured.url}/analysis.csv", headers=measured.tenant.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header, *data = rows
    assert header[:3] == ["period", "period_first_on", "value"]
    assert "centre" in header and "classification" in header and "rules" in header
    assert len(data) == 15
    row = dict(zip(header, data[0], strict=True))
    assert row["period"] == "2026-W34" and row["period_first_on"] == "2026-08-17"
    assert row["value"].startswith("41,66")  # 10 of 24, decimal comma
    assert "," in row["upper_limit"] and row["phase"] == "1"
    gap = dict(zip(header, data[10], strict=True))
    assert (gap["period"], gap["value"], gap["classification"]) == ("2026-W44", "", "common")
    last = dict(zip(header, data[-1], strict=True))
    assert last["classification"] == "special_improvement" and "shift" in last["rules"]


async def test_the_svg_is_valid_xml_titled_by_the_measure_with_centre_and_limits(
    client: AsyncClient, session: AsyncSession
) -> None:
    measured = await _measured(client, session)
    response = await client.get(
        f"{measured.url}/chart.svg?width=600&height=300",
        headers={**measured.tenant.headers, "Accept-Language": "sv"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert len(response.content) < 30_000
    root = ET.fromstring(response.text)  # noqa: S314 - our own answer
    assert root.find(f"{SVG}title").text == measured.measure["name"]  # type: ignore[union-attr]
    description = root.find(f"{SVG}desc").text or ""  # type: ignore[union-attr]
    assert "veckor i rad" in description
    classes = [c for e in root.iter() for c in e.get("class", "").split()]
    assert {"centre", "limit", "upper", "lower", "target", "improvement"} <= set(classes)
    assert any("%" in (e.text or "") for e in root.iter() if "tick" in e.get("class", ""))


# --------------------------------------------------------------------- small-number protection


async def test_withheld_points_never_leak_through_analysis_csv_or_svg(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    indicator = await create_indicator(client, tenant, unit=tenant.north, min_denominator=10)
    class_5b = await make_unit(
        session, tenant.organisation, "Klass 5B", kind=OrgUnitKind.work_team, parent=tenant.school
    )
    inside = await make_token(session, tenant.organisation, role=Role.viewer, scope=class_5b)
    terms = ["HT2024", "VT2025", "HT2025", "VT2026", "HT2026"]
    rows = [
        {"period": term, "numerator": yes, "denominator": total}
        for term, (yes, total) in zip(terms, [(3, 7), (4, 8), (2, 5), (6, 9), (5, 7)], strict=True)
    ]
    await send(client, tenant.headers, indicator["id"], rows, org_unit_id=str(tenant.school.id))
    base = f"/api/v1/measures/{indicator['id']}"
    query = f"?org_unit_id={tenant.school.id}"
    # The school's own token reads the figures; the class's (below it) does not.
    own = await client.get(f"{base}/analysis{query}", headers=tenant.headers)
    assert own.json()["points"]["withheld"] == [False] * 5
    assert own.json()["points"]["value"][0] == pytest.approx(3 / 7 * 100)

    response = await client.get(
        f"{base}/analysis{query}", headers={**bearer(inside), "Accept-Language": "sv"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    points = body["points"]
    assert points["withheld"] == [True] * 5
    for name in ("value", "numerator", "denominator", "centre", "upper", "lower"):
        assert points[name] == [None] * 5, name
    assert body["phases"][0]["n_included"] == 0 and body["signals"] == []
    assert body["summary"]["variation"] == "no_data"
    text = response.text
    for secret in ("42.85", "0.4285", "7.0", '"7"', "55.5"):
        assert secret not in text

    sheet = await client.get(f"{base}/analysis.csv{query}", headers=bearer(inside))
    data = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig")), delimiter=";"))
    header = data[0]
    for row in data[1:]:
        cells = dict(zip(header, row, strict=True))
        assert cells["withheld"] == "ja"
        assert all(cells[c] == "" for c in ("value", "numerator", "denominator", "centre"))

    image = await client.get(
        f"{base}/chart.svg{query}", headers={**bearer(inside), "Accept-Language": "sv"}
    )
    assert image.status_code == 200
    root = ET.fromstring(image.text)  # noqa: S314 - our own answer
    assert "Inga värden att visa" in image.text
    assert not [e for e in root.iter() if "point" in e.get("class", "").split()]

    summary = await client.get(
        f"/api/v1/analytics/measures?org_unit_id={tenant.school.id}", headers=bearer(inside)
    )
    assert summary.status_code == 422  # the school is above the class's scope
    glance = await client.get("/api/v1/analytics/measures", headers=bearer(inside))
    glanced = next(r for r in glance.json()["items"] if r["id"] == indicator["id"])
    assert glanced["latest_value"] is None and glanced["points"] == 0  # north reports nothing


async def test_the_demo_outcome_measure_shows_its_improvement_with_the_autumn_break_as_a_gap(
    client: AsyncClient, session: AsyncSession
) -> None:
    assert (await load_demo(session)).created
    viewer = bearer(DEMO_VIEWER_TOKEN)
    measures = (await client.get("/api/v1/measures?limit=50", headers=viewer)).json()["items"]
    outcome = next(m for m in measures if m["external_code"] == "5B-DELAKTIGHET")
    response = await client.get(
        f"/api/v1/measures/{outcome['id']}/analysis", headers={**viewer, "Accept-Language": "sv"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    gap = body["points"]["label"].index("2026-W44")
    assert body["points"]["value"][gap] is None
    assert body["summary"]["variation"] == "special_cause_improvement"
    assert body["summary"]["sentence"].endswith(".")


async def test_a_measure_with_chart_settings_is_kept_until_they_are_deleted(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    measured = await proportion_measure(client, session, tenant, [])
    note = await client.post(
        f"{measured.url}/annotations",
        json={"period": "2026-W40", "text": "Start"},
        headers=tenant.headers,
    )
    refused = await client.delete(measured.url, headers=tenant.headers)
    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/measure-in-use"
    assert "chart settings" in refused.json()["detail"]
    await client.delete(f"{measured.url}/annotations/{note.json()['id']}", headers=tenant.headers)
    assert (await client.delete(measured.url, headers=tenant.headers)).status_code == 204
