"""Any finite figure is analysed and drawn (issue 13, defect 7): subnormals such as 1e-320, the
largest floats, huge ranges and all-equal series answer a drawing, or a 422 in our words,
never a 500 and never an exception's text ("math domain error")."""

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

import pytest
from httpx import AsyncClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics import svg
from app.analytics.spc import (
    ChartOptions,
    analyse,
)
from app.analytics.types import (
    AnalysisInputError,
    ChartType,
)
from app.charts.documents import chart_drawing
from app.i18n import Language
from tests.analytics.factories import send, weeks
from tests.cycles.factories import make_initiative
from tests.factories import Tenant, make_tenant
from tests.measures.factories import create_measure

URL = "/api/v1/analytics/series"
RATIO_CHARTS = ("p", "pp", "u", "up")
ALL_CHARTS = ("run", "i", "c", *RATIO_CHARTS)
#: Words of exception texts that must never reach a client.
EXCEPTION_WORDS = ("math domain", "division by zero", "overflow", "Traceback", "float", "Error")

EXTREMES = [
    0.0,
    5e-324,
    1e-320,
    2.2250738585072014e-308,
    1e-300,
    1e-6,
    1.0,
    1e12,
    1e15,
    1e300,
    1.7976931348623157e308,
]
finite = st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=True)
figures = st.one_of(finite, st.sampled_from(EXTREMES), st.sampled_from(EXTREMES).map(lambda x: -x))


def _parses(image: str) -> ET.Element:
    # S314: the document parsed is the one the app just rendered, not outside input.
    root = ET.fromstring(image)  # noqa: S314
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def _in_our_words(response: Any) -> None:
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    text = " ".join([body.get("detail", ""), *(e["message"] for e in body.get("errors", []))])
    assert not any(word in text for word in EXCEPTION_WORDS), text
    assert all(e["field"] for e in body["errors"]), body


def _body(
    chart: str, values: Sequence[float | None], denominators: Sequence[float]
) -> dict[str, Any]:
    if chart in RATIO_CHARTS:
        numerators = [None if v is None else abs(v) for v in values]
        denominators = [abs(d) for d in denominators]
        if chart in ("p", "pp"):  # a proportion's numerator is at most its denominator
            numerators = [
                None if n is None else min(n, d)
                for n, d in zip(numerators, denominators, strict=True)
            ]
        return {"chart": chart, "numerators": numerators, "denominators": denominators}
    if chart == "c":
        values = [None if v is None else abs(v) for v in values]
    return {"chart": chart, "values": values}


@pytest.mark.parametrize("chart", ALL_CHARTS)
@pytest.mark.parametrize(
    "values",
    [
        [1e-320, 2e-320, 1e-320, 3e-320, 1e-320, 2e-320],
        [5e-324] * 6,
        [0.0, 5e-324, 0.0, 1e-323, 0.0, 5e-324],
        [7.0] * 6,
        [1e12, 0.0, 1e12, 1e-320, 5e11, 1e12],
    ],
    ids=["subnormal", "smallest", "zero-and-smallest", "all-equal", "huge-range"],
)
async def test_series_of_tiny_equal_or_wide_figures_are_drawn_on_every_chart(
    client: AsyncClient, session: AsyncSession, chart: str, values: list[float]
) -> None:
    tenant = await make_tenant(session)
    body = _body(chart, values, [max(abs(v), 1.0) for v in values])
    analysed = await client.post(URL, json=body, headers=tenant.headers)
    assert analysed.status_code == 200, analysed.text
    drawn = await client.post(f"{URL}/chart.svg", json=body, headers=tenant.headers)
    assert drawn.status_code == 200, drawn.text
    root = _parses(drawn.text)
    assert root.findall(".//*[@class='tick y']")


async def test_a_denominator_too_small_for_its_numerator_is_refused_naming_it(
    client: AsyncClient, session: AsyncSession
) -> None:
    tenant = await make_tenant(session)
    body = {"chart": "u", "numerators": [1e12, 3, 4], "denominators": [5e-324, 1, 1]}
    for path in ("", "/chart.svg"):
        response = await client.post(f"{URL}{path}", json=body, headers=tenant.headers)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "body.denominators"
        _in_our_words(response)


async def _continuous(
    client: AsyncClient, session: AsyncSession, tenant: Tenant, values: list[float]
) -> str:
    initiative = await make_initiative(session, tenant.team)
    measure = await create_measure(
        client,
        tenant.headers,
        initiative_id=str(initiative.id),
        value_kind="continuous",
        unit_label="mm",
        target_value=None,
    )
    rows = [{"period": p, "value": v} for p, v in zip(weeks(10, len(values)), values, strict=True)]
    await send(client, tenant.headers, measure["id"], rows)
    return f"/api/v1/measures/{measure['id']}"


@pytest.mark.parametrize(
    "values",
    [[1e-320] * 8, [1e-320, 12.0, 13.0, 11.0, 5e-324, 12.0, 14.0, 12.5]],
    ids=["all-subnormal", "one-subnormal"],
)
async def test_a_stored_subnormal_value_is_analysed_and_charted(
    client: AsyncClient, session: AsyncSession, values: list[float]
) -> None:
    tenant = await make_tenant(session)
    url = await _continuous(client, session, tenant, values)
    analysis = await client.get(f"{url}/analysis", headers=tenant.headers)
    assert analysis.status_code == 200, analysis.text
    chart = await client.get(f"{url}/chart.svg", headers=tenant.headers)
    assert chart.status_code == 200, chart.text
    _parses(chart.text)
    for kind in ("run", "i"):
        chart = await client.get(f"{url}/chart.svg?chart={kind}", headers=tenant.headers)
        assert chart.status_code == 200, chart.text


# --------------------------------------------------------------------------------------------
# Properties


_tenants: dict[int, Tenant] = {}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    chart=st.sampled_from(ALL_CHARTS),
    values=st.lists(st.one_of(figures, st.none()), max_size=25),
    denominators=st.lists(figures, min_size=25, max_size=25),
)
# Cases the issue found (a math domain error, a division by zero in the ticks), always tried.
@example(chart="run", values=[1e-320, 2e-320, 1e-320, 5e-324], denominators=[1.0] * 25)
@example(chart="i", values=[5e-324, 0.0, 1e-323, 0.0], denominators=[1.0] * 25)
@example(
    chart="up", values=[1e-320, 0.0, 1.6e10], denominators=[1e12, 1.5e16, 2.2e-308] * 8 + [1.0]
)
async def test_any_finite_series_answers_a_drawing_or_a_422_in_our_words(
    client: AsyncClient,
    session: AsyncSession,
    chart: str,
    values: list[float | None],
    denominators: list[float],
) -> None:
    """POST /analytics/series and its chart.svg, for every chart the endpoint offers."""
    key = id(client)
    if key not in _tenants:  # one tenant per database: the examples write nothing
        _tenants.clear()
        _tenants[key] = await make_tenant(session)
    tenant = _tenants[key]
    body = _body(chart, values, denominators[: len(values)])
    analysed = await client.post(URL, json=body, headers=tenant.headers)
    drawn = await client.post(f"{URL}/chart.svg", json=body, headers=tenant.headers)
    for response in (analysed, drawn):
        assert response.status_code in (200, 422), response.text
        if response.status_code == 422:
            _in_our_words(response)
    assert analysed.status_code == drawn.status_code, (analysed.text, drawn.text)
    if drawn.status_code == 200:
        _parses(drawn.text)


@settings(max_examples=400, deadline=None)
@given(
    chart=st.sampled_from(list(ChartType)),
    values=st.lists(st.one_of(figures, st.none()), max_size=40),
    denominators=st.lists(figures, min_size=40, max_size=40),
    percent=st.booleans(),
    target=st.one_of(st.none(), figures),
)
def test_the_analysis_and_the_drawing_take_any_finite_figures(
    chart: ChartType,
    values: list[float | None],
    denominators: list[float],
    percent: bool,
    target: float | None,
) -> None:
    """analyse and render_svg directly: a drawing, or the analysis' own refusal; never an
    arithmetic error or a warning (pytest makes warnings errors)."""
    body = _body(chart.value, values, denominators[: len(values)])
    options = ChartOptions(chart=chart, target=target)
    try:
        if "numerators" in body:
            analysis = analyse(
                [],
                numerators=body["numerators"],
                denominators=body["denominators"],
                options=options,
            )
        else:
            analysis = analyse(body["values"], options=options)
    except AnalysisInputError:
        return
    drawing = chart_drawing(
        analysis, title="Mått", description="", labels=None, language=Language.sv, percent=percent
    )
    root = _parses(svg.render_svg(drawing))
    ticks = [e.text or "" for e in root.findall(".//*[@class='tick y']")]
    assert 2 <= len(ticks) <= 9 and all(len(t) <= 24 for t in ticks), ticks
