"""Analytics over HTTP: any series sent in a request, a stored measure's analysis with its
chart settings (phases, exclusions, annotations), its CSV and SVG, and many measures at a
glance. The rules are described in the `analytics` tag of the contract (app/openapi.py)."""

import uuid
from dataclasses import replace
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import anyio
from fastapi import Depends, Header, Query, Response, status
from fastapi.responses import StreamingResponse

from app.access_tokens.auth import CurrentUser, Editor
from app.analytics import png
from app.analytics.types import ChartType
from app.charts import glance, series, service, settings
from app.charts.documents import CSV_HEADER
from app.charts.kinds import ChartQuery, chosen_rules
from app.charts.models import (
    AnalysisPublic,
    AnnotationCreate,
    AnnotationPublic,
    ExclusionCreate,
    ExclusionPublic,
    MeasureAnalysisChart,
    MeasureAnalysisPublic,
    MeasureChart,
    MeasureGlancePage,
    PhaseCreate,
    PhasePublic,
    RuleChoice,
    SeriesAnalysisRequest,
)
from app.db import SessionDep
from app.etag import IfMatch, set_etag
from app.http import FastJSONResponse, localised
from app.i18n import Language, negotiate_language
from app.measures import sheet_writer
from app.pagination import PageDep
from app.problems import problem_responses
from app.routing import service_router
from app.settings import SettingsDep

router = service_router("analytics")
measure_router = service_router("measures")
"""A measure's analysis and chart settings: under /measures, tagged with the measures."""

if TYPE_CHECKING:
    GlanceSort = StrEnum
else:
    GlanceSort = glance.GLANCE_SORT.enum


async def _language(
    principal: CurrentUser,
    accept_language: Annotated[
        str | None,
        Header(
            alias="Accept-Language",
            max_length=1000,
            description="Language of the summary sentence (and the chart's words): `sv`, "
            "`nb` (`no`), `nn` or `en`, with q-values; default the organisation's `default_language`, else `en`. The answer's "
            "Content-Language names the choice.",
            examples=["sv-SE, sv;q=0.9, en;q=0.5"],
        ),
    ] = None,
) -> Language:
    return negotiate_language(accept_language, default=Language(principal.language))


LanguageDep = Annotated[Language, Depends(_language)]


def _chart_options(
    trend_length: Annotated[
        int, Query(ge=6, le=7, description="Points in a trend: 7 (MDC) or 6.")
    ] = 7,
    shift_length: Annotated[
        int, Query(ge=2, le=100, description="Points in a shift: 7 (MDC).")
    ] = 7,
    screening: Annotated[
        bool,
        Query(description="I and Laney charts: screen out moving ranges of 3.267 x the average."),
    ] = True,
    min_points: Annotated[
        int,
        Query(ge=1, le=10_000, description="Baselines with fewer points give trial limits."),
    ] = 15,
    rules: Annotated[
        list[RuleChoice] | None,
        Query(
            description="Rules that raise signals (repeat the parameter); names or the sets "
            "`all` (default), `mdc`, `anhoej`."
        ),
    ] = None,
) -> ChartQuery:
    return ChartQuery(
        trend_length=trend_length,
        shift_length=shift_length,
        screening=screening,
        min_points=min_points,
        rules=chosen_rules(rules),
    )


def _chart_query(
    options: Annotated[ChartQuery, Depends(_chart_options)],
    chart: Annotated[
        MeasureChart | None,
        Query(
            description="The chart; default by value kind: proportion → `p`, rate → `u`, "
            "count → `c`, continuous and rating → `i`. `run` always works; `pp`/`up` (Laney) "
            "on request (see `chart_suggestion`)."
        ),
    ] = None,
) -> ChartQuery:
    return replace(options, chart=None if chart is None else ChartType(chart.value))


def _analysis_chart_query(
    options: Annotated[ChartQuery, Depends(_chart_options)],
    chart: Annotated[
        MeasureAnalysisChart | None,
        Query(
            description="The chart; default by value kind: proportion → `p`, rate → `u`, "
            "count → `c`, continuous and rating → `i`. `run` always works; `pp`/`up` (Laney) "
            "on request (see `chart_suggestion`). `xbar` and `s` (continuous, rating, count) "
            "take each reporting unit's value as a member of its period's subgroup: with "
            "`include_descendants=true`. `t` and `g` (a count measure by day) are derived "
            "from the days with events: T the days since the previous day with events, G the "
            "days without events between them; one point per day with events."
        ),
    ] = None,
) -> ChartQuery:
    return replace(options, chart=None if chart is None else ChartType(chart.value))


ChartQueryDep = Annotated[ChartQuery, Depends(_chart_query)]

Width = Annotated[int, Query(ge=200, le=4000, description="Pixels, 200 to 4000.")]
Height = Annotated[int, Query(ge=150, le=3000, description="Pixels, 150 to 3000.")]

_SVG = {
    "description": "A standalone SVG 1.1 image (no scripts, fonts or links): the title, the "
    "verdict in words as a caption under it (`summary.plain_sentence`), the series, centre "
    "line, limits, target, phases, signal points (improvement round, concern square, neutral "
    "a diamond: shape as well as colour), annotations numbered on the chart and listed under "
    "it, periods as people write them (`v. 41`, `uke 41`, `W41`, `HT 2026`, the year once "
    "where it changes) and a legend of what is drawn; an accessible `<title>` and `<desc>` "
    "(the plain and the technical sentence). `width` × `height` pixels; the picture grows "
    "downwards when the caption, legend and notes would leave the plot under 100 pixels. "
    "To embed it with `<img src=...>`, which sends no token, make a chart link "
    "(`POST /api/v1/measures/{measure_id}/chart-links`).",
    "content": {"image/svg+xml": {"schema": {"type": "string"}}},
}
_PNG = {
    "description": "The same chart as the `.svg` route draws, as a PNG image (for Word and "
    "PowerPoint), rendered from that SVG by resvg with a bundled font.",
    "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
}


async def _png(svg_text: str) -> bytes:
    # ~0.1 s for 10,000 points: off the event loop.
    return await anyio.to_thread.run_sync(png.render_png, svg_text)


# --------------------------------------------------------------------------- a sent series


@router.post(
    "/series",
    response_model=AnalysisPublic,
    response_class=FastJSONResponse,
    responses=problem_responses(401, 422),
)
async def analyse_series(
    principal: CurrentUser, data: SeriesAnalysisRequest, language: LanguageDep
) -> Any:
    """Analyse a series sent in the request, storing nothing: run or control chart with every
    rule of the `analytics` tag, per point, per phase, every signal and the summary sentence."""
    del principal  # any valid token; nothing is read or written
    document = series.series_analysis(data, language)
    return localised(FastJSONResponse(document), language)


@router.post(
    "/series/chart.svg",
    response_class=Response,
    responses={200: _SVG, **problem_responses(401, 422)},
)
async def draw_series_chart(
    principal: CurrentUser,
    data: SeriesAnalysisRequest,
    language: LanguageDep,
    width: Width = 800,
    height: Height = 400,
) -> Response:
    """The same analysis drawn as an SVG chart (`title` and `percent` in the body)."""
    del principal
    image = series.series_drawing(data, language, width=width, height=height)
    return localised(Response(image, media_type="image/svg+xml"), language)


@router.post(
    "/series/chart.png",
    response_class=Response,
    responses={200: _PNG, **problem_responses(401, 422)},
)
async def draw_series_chart_png(
    principal: CurrentUser,
    data: SeriesAnalysisRequest,
    language: LanguageDep,
    width: Width = 800,
    height: Height = 400,
) -> Response:
    """The same analysis drawn as a PNG chart, for documents and slides."""
    del principal
    image = series.series_drawing(data, language, width=width, height=height)
    return localised(Response(await _png(image), media_type="image/png"), language)


@router.get(
    "/measures",
    response_model=MeasureGlancePage,
    responses=problem_responses(401, 404, 422),
)
async def summarise_measures(
    session: SessionDep,
    principal: CurrentUser,
    page: PageDep,
    language: LanguageDep,
    chart_query: ChartQueryDep,
    response: Response,
    initiative_id: Annotated[
        uuid.UUID | None, Query(description="The measures of this initiative.")
    ] = None,
    org_unit_id: Annotated[
        uuid.UUID | None,
        Query(
            description="The measures this unit owns and the shared indicators it reports, "
            "each analysed on this unit's figures (default: each measure on its own unit's)."
        ),
    ] = None,
    include_descendants: Annotated[
        bool,
        Query(
            description="Sum each series over the unit's subtree (as the series do), where "
            "the token covers the unit; `aggregated` says where it did."
        ),
    ] = False,
    sort: Annotated[
        GlanceSort, Query(description="Order; `-` sorts descending.")
    ] = glance.GLANCE_SORT.default,
) -> Any:
    """Many measures at a glance: each one's latest value, variation, assurance and sentence
    (its stored phases and exclusions applied), for an initiative or a unit."""
    found = await glance.summarise_measures(
        session,
        principal,
        page=page,
        initiative_id=initiative_id,
        org_unit_id=org_unit_id,
        include_descendants=include_descendants,
        chart_query=chart_query,
        language=language,
        sort=sort.value,
    )
    localised(response, language)
    return found


# --------------------------------------------------------------------- a stored measure

UnitQuery = Annotated[
    uuid.UUID | None,
    Query(description="The reporting unit (default: the measure's own unit)."),
]
DescendantsQuery = Annotated[
    bool,
    Query(
        description="Sum over the unit's subtree: numerators and denominators add up for "
        "proportions and rates, counts add up, other values are averaged over the units."
    ),
]
PeriodFrom = Annotated[
    str | None, Query(max_length=40, description="First period, e.g. `2026-W34`.")
]
PeriodTo = Annotated[str | None, Query(max_length=40, description="Last period.")]


async def _analysis_query(
    app_settings: SettingsDep,
    language: LanguageDep,
    chart_query: Annotated[ChartQuery, Depends(_analysis_chart_query)],
    org_unit_id: UnitQuery = None,
    include_descendants: DescendantsQuery = False,
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
) -> service.AnalysisQuery:
    return service.AnalysisQuery(
        org_unit_id=org_unit_id,
        include_descendants=include_descendants,
        period_from=period_from,
        period_to=period_to,
        chart=chart_query,
        language=language,
        timezone=app_settings.timezone,
    )


AnalysisQueryDep = Annotated[service.AnalysisQuery, Depends(_analysis_query)]


@measure_router.get(
    "/{measure_id}/analysis",
    response_model=MeasureAnalysisPublic,
    response_class=FastJSONResponse,
    responses=problem_responses(401, 404, 422),
)
async def analyse_measure(
    session: SessionDep, principal: CurrentUser, measure_id: uuid.UUID, query: AnalysisQueryDep
) -> Any:
    """The measure's series analysed with its stored phases and exclusions, its direction and
    target: missing periods are gaps (never zeros), withheld points too; annotations (notes and
    the stage changes of the cycles that follow it) alongside."""
    document = await service.measure_analysis(session, principal, measure_id, query=query)
    return localised(FastJSONResponse(document), query.language)


@measure_router.get(
    "/{measure_id}/analysis.csv",
    response_class=Response,
    responses={
        200: {
            "description": "One row per period (gaps included): the point, its phase, baseline "
            "and exclusion, the calculated centre, limits and two-sigma lines, the "
            "classification and the rules that marked it. CSV as Swedish Excel reads it "
            "(UTF-8 with BOM, `;`, decimal comma); `withheld`, `baseline` and `excluded` are "
            "`ja`/`nej`, phases count from 1, and withheld figures are empty.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        **problem_responses(401, 404, 422),
    },
)
async def export_measure_analysis(
    session: SessionDep, principal: CurrentUser, measure_id: uuid.UUID, query: AnalysisQueryDep
) -> Response:
    """The analysis as a spreadsheet: centre, limits and point classifications per period."""
    rows = await service.measure_analysis_rows(session, principal, measure_id, query=query)
    response = StreamingResponse(
        sheet_writer.write_csv(CSV_HEADER, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="analys.csv"'},
    )
    return localised(response, query.language)


@measure_router.get(
    "/{measure_id}/chart.svg",
    response_class=Response,
    responses={200: _SVG, **problem_responses(401, 404, 422)},
)
async def draw_measure_chart(
    session: SessionDep,
    principal: CurrentUser,
    measure_id: uuid.UUID,
    query: AnalysisQueryDep,
    width: Width = 800,
    height: Height = 400,
) -> Response:
    """The analysis as an SVG chart, titled with the measure's name and described by the
    summary sentence."""
    image = await service.measure_chart(
        session, principal, measure_id, query=query, width=width, height=height
    )
    return localised(Response(image, media_type="image/svg+xml"), query.language)


@measure_router.get(
    "/{measure_id}/chart.png",
    response_class=Response,
    responses={200: _PNG, **problem_responses(401, 404, 422)},
)
async def draw_measure_chart_png(
    session: SessionDep,
    principal: CurrentUser,
    measure_id: uuid.UUID,
    query: AnalysisQueryDep,
    width: Width = 800,
    height: Height = 400,
) -> Response:
    """The analysis as a PNG chart, for documents and slides (the `.svg` route's picture)."""
    image = await service.measure_chart(
        session, principal, measure_id, query=query, width=width, height=height
    )
    return localised(Response(await _png(image), media_type="image/png"), query.language)


# ------------------------------------------------------------------------- chart settings


@measure_router.get(
    "/{measure_id}/phases",
    response_model=list[PhasePublic],
    responses=problem_responses(401, 404, 422),
)
async def list_measure_phases(
    session: SessionDep, principal: CurrentUser, measure_id: uuid.UUID
) -> object:
    """The measure's phases (rebases), in period order (at most 1,000)."""
    return [
        settings.public_phase(row)
        for row in await settings.list_phases(session, principal, measure_id)
    ]


@measure_router.post(
    "/{measure_id}/phases",
    response_model=PhasePublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create_measure_phase(
    session: SessionDep,
    principal: Editor,
    measure_id: uuid.UUID,
    data: PhaseCreate,
    response: Response,
) -> object:
    """Start a new phase (rebase) at a period: it names an adopted cycle that follows the
    measure or a written reason, and is audited. 409 `chart-setting-exists` when a phase starts
    there already."""
    phase = await settings.create_phase(session, principal, measure_id, data=data)
    set_etag(response, phase)
    return settings.public_phase(phase)


@measure_router.delete(
    "/{measure_id}/phases/{phase_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete_measure_phase(
    session: SessionDep,
    principal: Editor,
    measure_id: uuid.UUID,
    phase_id: uuid.UUID,
    if_match: IfMatch = None,
) -> None:
    """Remove a phase: its periods join the phase before (audited)."""
    await settings.delete_phase(session, principal, measure_id, phase_id, if_match=if_match)


@measure_router.get(
    "/{measure_id}/exclusions",
    response_model=list[ExclusionPublic],
    responses=problem_responses(401, 404, 422),
)
async def list_measure_exclusions(
    session: SessionDep, principal: CurrentUser, measure_id: uuid.UUID
) -> object:
    """The measure's excluded points of the units the token reads, in period order."""
    found = await settings.list_exclusions(session, principal, measure_id)
    return [settings.public_exclusion(row) for row in found]


@measure_router.post(
    "/{measure_id}/exclusions",
    response_model=ExclusionPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create_measure_exclusion(
    session: SessionDep,
    principal: Editor,
    measure_id: uuid.UUID,
    data: ExclusionCreate,
    response: Response,
) -> object:
    """Exclude one period of one unit's series, with a reason (audited): the point is left out
    of every calculation but still shown."""
    exclusion = await settings.create_exclusion(session, principal, measure_id, data=data)
    set_etag(response, exclusion)
    return settings.public_exclusion(exclusion)


@measure_router.delete(
    "/{measure_id}/exclusions/{exclusion_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete_measure_exclusion(
    session: SessionDep,
    principal: Editor,
    measure_id: uuid.UUID,
    exclusion_id: uuid.UUID,
    if_match: IfMatch = None,
) -> None:
    """Include the point again (audited)."""
    await settings.delete_exclusion(session, principal, measure_id, exclusion_id, if_match=if_match)


@measure_router.get(
    "/{measure_id}/annotations",
    response_model=list[AnnotationPublic],
    responses=problem_responses(401, 404, 422),
)
async def list_measure_annotations(
    app_settings: SettingsDep,
    session: SessionDep,
    principal: CurrentUser,
    measure_id: uuid.UUID,
    language: LanguageDep,
    response: Response,
) -> object:
    """The measure's timeline: its notes and the stage changes of the cycles that follow it
    (added when read, in the response's language), in period order."""
    found = await settings.list_annotations(
        session,
        principal,
        measure_id,
        language=language,
        timezone=app_settings.timezone,
    )
    localised(response, language)
    return found


@measure_router.post(
    "/{measure_id}/annotations",
    response_model=AnnotationPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create_measure_annotation(
    session: SessionDep,
    principal: Editor,
    measure_id: uuid.UUID,
    data: AnnotationCreate,
    response: Response,
) -> object:
    """Add a note on a period of the measure's timeline (audited)."""
    note = await settings.create_annotation(session, principal, measure_id, data=data)
    set_etag(response, note)
    return settings.public_note(note)


@measure_router.delete(
    "/{measure_id}/annotations/{annotation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete_measure_annotation(
    session: SessionDep,
    principal: Editor,
    measure_id: uuid.UUID,
    annotation_id: uuid.UUID,
    if_match: IfMatch = None,
) -> None:
    """Delete a note (audited); cycle stage changes are not notes and stay."""
    await settings.delete_annotation(
        session, principal, measure_id, annotation_id, if_match=if_match
    )
