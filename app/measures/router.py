import uuid
from enum import StrEnum
from types import SimpleNamespace
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Query, Request, Response, status
from fastapi.responses import StreamingResponse

from app.access_tokens.auth import Admin, CurrentUser, Editor, Reporter
from app.db import QueryText, SessionDep, utcnow
from app.etag import IfMatch, set_etag
from app.http import FastJSONResponse
from app.measures import (
    headers,
    imports,
    ingest,
    readings,
    service,
    sheet_writer,
    templates,
    uploads,
)
from app.measures.models import (
    ClientSource,
    CycleMeasures,
    CycleMeasuresUpdate,
    ExportFormat,
    HistoryEntry,
    IngestResult,
    MeasureCreate,
    MeasureImportResult,
    MeasurementBatch,
    MeasurementIn,
    MeasurementOutcome,
    MeasurementPage,
    MeasurementPublic,
    MeasurementSource,
    MeasurementWritten,
    MeasurePage,
    MeasurePublic,
    MeasureType,
    MeasureUpdate,
    ReportingStatus,
    SeriesPublic,
    ValueKind,
)
from app.org_units.models import OrgUnitKind
from app.pagination import FixedPageDep, PageDep
from app.periods import PeriodKind
from app.problems import problem_responses
from app.routing import service_router

router = service_router("measures")
measurements_router = service_router("measurements")
cycle_measures_router = service_router("cycles")
"""The measures a cycle follows: under /cycles, tagged with the cycles."""


if TYPE_CHECKING:
    MeasureSort = StrEnum
    MeasurementSort = StrEnum
else:
    MeasureSort = service.SORT.enum  # made by the sort helper from the service's columns
    MeasurementSort = readings.SORT.enum


DryRun = Annotated[
    bool, Query(description="Check every row and answer the counts, but write nothing.")
]


@router.get("", response_model=MeasurePage, responses=problem_responses(401, 404, 422))
async def list_measures(
    session: SessionDep,
    principal: CurrentUser,
    page: PageDep,
    initiative_id: Annotated[
        uuid.UUID | None, Query(description="Only the measures of this initiative.")
    ] = None,
    org_unit_id: Annotated[
        uuid.UUID | None,
        Query(description="Only measures owned by this unit (an indicator's unit, a team's unit)."),
    ] = None,
    include_descendants: Annotated[
        bool, Query(description="With org_unit_id: also measures of the units below it.")
    ] = False,
    shared: Annotated[
        bool | None,
        Query(description="true: shared indicators only; false: initiatives' measures only."),
    ] = None,
    measure_type: Annotated[
        MeasureType | None, Query(description="outcome, process or balancing.")
    ] = None,
    value_kind: Annotated[ValueKind | None, Query(description="Only this value kind.")] = None,
    period_kind: Annotated[PeriodKind | None, Query(description="Only this period kind.")] = None,
    external_code: Annotated[
        QueryText | None, Query(max_length=100, description="The measure with this external code.")
    ] = None,
    q: Annotated[QueryText | None, Query(max_length=200, description="Name contains.")] = None,
    sort: Annotated[
        MeasureSort, Query(description="Order; `-` sorts descending.")
    ] = service.SORT.default,
) -> object:
    """List the measures the token may read: its units' measures and the shared indicators of
    the units above its scope, which its units report."""
    return await service.list_measures(
        session,
        principal,
        page=page,
        initiative_id=initiative_id,
        org_unit_id=org_unit_id,
        include_descendants=include_descendants,
        shared=shared,
        measure_type=measure_type,
        value_kind=value_kind,
        period_kind=period_kind,
        external_code=external_code,
        q=q,
        sort=sort.value,
    )


@router.post(
    "",
    response_model=MeasurePublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 409, 422),
)
async def create_measure(
    session: SessionDep, principal: Editor, data: MeasureCreate, response: Response
) -> object:
    """Define a measure: of an initiative (`initiative_id`) or a shared indicator that every unit
    below `org_unit_id` reports. 409 `external-code-taken` when the code names another measure."""
    measure = await service.create_measure(session, principal, data=data)
    set_etag(response, measure)
    response.headers["Location"] = f"/api/v1/measures/{measure.id}"
    return measure


@router.post(
    "/import",
    response_model=MeasureImportResult,
    responses=problem_responses(401, 403, 413, 415, 422),
    openapi_extra=uploads.file_body(
        "The indicators as the body: CSV or .xlsx with the columns name (namn), external_code "
        "(kod), unit (enhet: the owner unit's code), value_kind (värdetyp: antal, andel, kvot, "
        "kontinuerlig, skattning), period_kind (periodtyp: dag, vecka, månad, termin, läsår) "
        "and optionally measure_type, direction, unit_label, scale_min, scale_max, "
        "target_value, reporting_unit_kind, min_denominator, description, "
        "operational_definition."
    ),
)
async def import_measures(
    request: Request,
    session: SessionDep,
    principal: Admin,
    dry_run: DryRun = False,
    filename: Annotated[
        QueryText | None, Query(max_length=255, description="The file's name, as a format hint.")
    ] = None,
) -> object:
    """Create the shared indicators of a spreadsheet, **all or nothing**, idempotent by external
    code: a known code is that indicator (its fields brought up to date), a new code a new
    indicator of the unit named by its code. Refused rows name row and column
    (`file.rows[4].value_kind`); run with `dry_run=true` first."""
    sent = await uploads.sent_file(request, filename)
    return await imports.import_measures(
        session,
        principal,
        sent.body,
        filename=sent.filename,
        content_type=sent.content_type,
        dry_run=dry_run,
    )


@router.get(
    "/{measure_id}", response_model=MeasurePublic, responses=problem_responses(401, 404, 422)
)
async def get_measure(
    session: SessionDep, principal: CurrentUser, measure_id: uuid.UUID, response: Response
) -> object:
    """Read one measure; the ETag header is what If-Match wants."""
    measure = await service.get_measure(session, principal, measure_id)
    set_etag(response, measure)
    return measure


@router.patch(
    "/{measure_id}",
    response_model=MeasurePublic,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def update_measure(
    session: SessionDep,
    principal: Editor,
    measure_id: uuid.UUID,
    changes: MeasureUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> object:
    """Change a measure. Its value kind, scale and period kind are fixed once it has
    measurements (409 `measure-fixed`)."""
    measure = await service.update_measure(
        session, principal, measure_id, changes=changes, if_match=if_match
    )
    set_etag(response, measure)
    return measure


@router.delete(
    "/{measure_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def delete_measure(
    session: SessionDep, principal: Editor, measure_id: uuid.UUID, if_match: IfMatch = None
) -> None:
    """Delete a measure that has no measurements (409 `measure-in-use` otherwise)."""
    await service.delete_measure(session, principal, measure_id, if_match=if_match)


@router.get(
    "/{measure_id}/template",
    response_class=Response,
    responses={
        200: {
            "description": "The file: CSV as Swedish Excel reads it (UTF-8 with BOM, `;`) or "
            ".xlsx, headed in the request's language; filled in, it goes back unchanged through "
            "`/measurements/upload` or `pdca push`.",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                uploads.XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **problem_responses(401, 403, 404, 422),
    },
)
async def get_measure_template(
    session: SessionDep,
    principal: Reporter,
    measure_id: uuid.UUID,
    format: Annotated[ExportFormat, Query(description="csv or xlsx.")] = ExportFormat.csv,
    period_from: Annotated[
        QueryText | None,
        Query(max_length=40, description="The first period (default: the current one)."),
    ] = None,
    periods: Annotated[
        int | None,
        Query(
            ge=1,
            le=templates.MAX_PERIODS,
            description="How many periods (default: 7 days, 4 weeks, 3 months, 2 terms or 1 "
            "school year).",
        ),
    ] = None,
    accept_language: headers.AcceptLanguage = None,
) -> Response:
    """A spreadsheet to fill in for the measure: one row per reporting unit the token may write
    and period, from the current period on, with the measure's and units' codes filled in and
    empty cells for the figures (counts for proportions and rates, else the value) and a
    comment."""
    language = headers.preferred_language(accept_language, principal.language)
    template = await templates.measure_template(
        session,
        principal,
        measure_id,
        language=language,
        today=utcnow().date(),
        first_period=period_from,
        periods=periods,
    )
    language_header = {"Content-Language": language}
    if format is ExportFormat.xlsx:
        return Response(
            sheet_writer.write_xlsx(template.header, template.rows, sheet=template.sheet),
            media_type=uploads.XLSX_MEDIA_TYPE,
            headers={
                "Content-Disposition": f'attachment; filename="{template.filename}.xlsx"',
                **language_header,
            },
        )
    return Response(
        b"".join(sheet_writer.write_csv(template.header, template.rows)),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{template.filename}.csv"',
            **language_header,
        },
    )


@router.get(
    "/{measure_id}/series",
    response_model=SeriesPublic,
    response_class=FastJSONResponse,
    responses=problem_responses(401, 404, 422),
)
async def get_measure_series(
    session: SessionDep,
    principal: CurrentUser,
    measure_id: uuid.UUID,
    org_unit_id: Annotated[
        uuid.UUID | None,
        Query(description="The reporting unit (default: the measure's own unit)."),
    ] = None,
    include_descendants: Annotated[
        bool,
        Query(
            description="Sum over the unit's subtree: numerators and denominators add up for "
            "proportions and rates, counts add up, other values are averaged over the units."
        ),
    ] = False,
    period_from: Annotated[
        QueryText | None, Query(max_length=40, description="First period, e.g. `2026-W34`.")
    ] = None,
    period_to: Annotated[QueryText | None, Query(max_length=40, description="Last period.")] = None,
) -> Any:
    """A measure's values in period order, for charts: up to every period it has."""
    series = await readings.read_series(
        session,
        principal,
        measure_id,
        org_unit_id=org_unit_id,
        include_descendants=include_descendants,
        period_from=period_from,
        period_to=period_to,
    )
    # Already checked and shaped: serialised once, without a second validation pass.
    return FastJSONResponse(readings.series_document(series))


@router.get(
    "/{measure_id}/reporting-status",
    response_model=ReportingStatus,
    responses=problem_responses(401, 404, 422),
)
async def get_reporting_status(
    session: SessionDep,
    principal: CurrentUser,
    measure_id: uuid.UUID,
    period: Annotated[QueryText, Query(max_length=40, description="The period, e.g. `HT2026`.")],
    unit_kind: Annotated[
        OrgUnitKind | None,
        Query(
            description="Expect reports from units of this kind (e.g. `school`); default: the "
            "measure's `reporting_unit_kind`, else the units with no units below them.",
        ),
    ] = None,
) -> object:
    """Which units in the token's scope have reported a shared indicator for a period, and
    which not yet."""
    return await readings.reporting_status(
        session, principal, measure_id, period=period, unit_kind=unit_kind
    )


# ---------------------------------------------------------------------------- measurements


def _filter(
    measure_id: uuid.UUID | None,
    org_unit_id: uuid.UUID | None,
    include_descendants: bool,
    period_from: str | None,
    period_to: str | None,
    source: MeasurementSource | None,
) -> readings.MeasurementFilter:
    return readings.MeasurementFilter(
        measure_id=measure_id,
        org_unit_id=org_unit_id,
        include_descendants=include_descendants,
        period_from=period_from,
        period_to=period_to,
        source=source,
    )


MeasureFilter = Annotated[uuid.UUID | None, Query(description="Only this measure's measurements.")]
UnitFilter = Annotated[uuid.UUID | None, Query(description="Only this reporting unit's.")]
DescendantsFilter = Annotated[bool, Query(description="With org_unit_id: also the units below it.")]
PeriodFrom = Annotated[
    QueryText | None,
    Query(
        max_length=40,
        description="From this period on: a period key of the measure's kind (with measure_id), "
        "else a day (periods starting on or after it).",
    ),
]
PeriodTo = Annotated[
    QueryText | None, Query(max_length=40, description="Up to this period (inclusive).")
]
SourceFilter = Annotated[
    MeasurementSource | None, Query(description="api, csv, xlsx, form or import.")
]


@measurements_router.get(
    "", response_model=MeasurementPage, responses=problem_responses(401, 404, 422)
)
async def list_measurements(
    session: SessionDep,
    principal: CurrentUser,
    page: FixedPageDep,
    measure_id: MeasureFilter = None,
    org_unit_id: UnitFilter = None,
    include_descendants: DescendantsFilter = False,
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
    source: SourceFilter = None,
    sort: Annotated[
        MeasurementSort, Query(description="Order; `-` sorts descending.")
    ] = readings.SORT.default,
) -> object:
    """List measurements by measure, unit (with descendants), period range and source."""
    return await readings.list_measurements(
        session,
        principal,
        page=page,
        where=_filter(measure_id, org_unit_id, include_descendants, period_from, period_to, source),
        sort=sort.value,
    )


SourceParam = Annotated[
    ClientSource,
    Query(
        description="Where the values come from, kept with each measurement: `api` (a script), "
        "`form` (a portal's form) or `import` (a migration from another system). Uploads "
        "record `csv` or `xlsx` themselves."
    ),
]


def _written(result: ingest.Result, published: dict[str, Any]) -> dict[str, Any]:
    return {**published, "outcome": result.outcomes[0]}


@measurements_router.post(
    "",
    response_model=MeasurementWritten,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {
            "description": "Replaced (the earlier value is in the history) or unchanged.",
            "model": MeasurementWritten,
        },
        **problem_responses(401, 403, 409, 422),
    },
)
async def record_measurement(
    session: SessionDep,
    principal: Reporter,
    data: MeasurementIn,
    response: Response,
    source: SourceParam = ClientSource.api,
) -> object:
    """Record one measurement (the smallest script's way in). Sending a value for a measure,
    unit and period that has one replaces it (200, `replaced`; the history keeps the old one);
    the same value again changes nothing (200, `unchanged`)."""
    result = await ingest.ingest(
        session,
        principal,
        [ingest.Candidate.from_json(data, "body")],
        source=MeasurementSource(source.value),
    )
    published = await readings.get_measurement(session, principal, result.ids[0])
    version = published.pop("version")
    response.headers["ETag"] = f'"{version}"'
    response.headers["Location"] = f"/api/v1/measurements/{result.ids[0]}"
    if result.outcomes[0] is not MeasurementOutcome.created:
        response.status_code = status.HTTP_200_OK
    return _written(result, published)


_ROWS_REFUSED = {
    "description": "Rows refused: nothing was written; `errors` names every bad row and field "
    "(e.g. `body.rows[3].numerator`).",
}


@measurements_router.post(
    "/bulk",
    response_model=IngestResult,
    responses={**problem_responses(401, 403, 409, 413, 422)},
)
async def record_measurements(
    session: SessionDep,
    principal: Reporter,
    batch: MeasurementBatch,
    dry_run: DryRun = False,
    source: SourceParam = ClientSource.api,
) -> object:
    """Record up to 10,000 measurements, **all or nothing**: if any row is refused, none is
    written and the 422 answer lists every bad row and field. Idempotent: sending the same rows
    again changes nothing (`unchanged`); a changed value replaces the stored one and the history
    keeps the old. Send an `Idempotency-Key` to make a retry after a lost answer safe too."""
    candidates = []
    for index, row in enumerate(batch.rows):
        candidate = ingest.Candidate.from_json(row, f"body.rows[{index}]")
        uploads.apply_defaults(
            candidate,
            measure_id=batch.measure_id,
            measure_code=batch.measure_code,
            org_unit_id=batch.org_unit_id,
            org_unit_code=batch.org_unit_code,
        )
        candidates.append(candidate)
    result = await ingest.ingest(
        session,
        principal,
        candidates,
        source=MeasurementSource(source.value),
        dry_run=dry_run,
    )
    return IngestResult(
        rows=len(candidates),
        created=result.created,
        replaced=result.replaced,
        unchanged=result.unchanged,
        dry_run=dry_run,
    )


@measurements_router.post(
    "/upload",
    response_model=IngestResult,
    responses={**problem_responses(401, 403, 409, 413, 415, 422)},
    openapi_extra=uploads.file_body("The file itself as the body: CSV, .xlsx or .ods."),
)
async def upload_measurements(
    request: Request,
    session: SessionDep,
    principal: Reporter,
    dry_run: DryRun = False,
    measure_id: Annotated[
        uuid.UUID | None, Query(description="The measure of every row (when no column names it).")
    ] = None,
    measure_code: Annotated[
        QueryText | None, Query(min_length=1, max_length=100, description="Or the measure's code.")
    ] = None,
    org_unit_id: Annotated[
        uuid.UUID | None,
        Query(description="The reporting unit of every row without a unit column."),
    ] = None,
    org_unit_code: Annotated[
        QueryText | None, Query(min_length=1, max_length=100, description="Or the unit's code.")
    ] = None,
    filename: Annotated[
        QueryText | None, Query(max_length=255, description="The file's name, as a format hint.")
    ] = None,
    year: Annotated[
        int | None,
        Query(
            ge=1900,
            le=9999,
            description="The year of weeks written without one (`47`, `v.47`, `Vecka 47`) "
            "when no year column, date or other row tells it.",
        ),
    ] = None,
) -> object:
    """Upload a spreadsheet as people's spreadsheets write it, **all or nothing** like `/bulk`.

    - **CSV**: separated by `;`, `,` or tab; decimal comma or point; thousands grouped with
      (non-breaking) spaces; UTF-8 with or without BOM, else Windows-1252/Latin-1.
    - **.xlsx** and **.ods** as Excel or LibreOffice save them: the first sheet, real dates
      and numbers.
    - **Weeks** without a year (`47`, `v.47`, `Vecka 47`, `uke 47`) take it from a year column
      (`År`), the row's date, `year` or the file's other rows; a week and a date must agree.
    - The file as the body, or as the file of a multipart form (`curl -F file=@x.csv`).
    - **Columns** by header, Swedish or English: `period`/`datum`, `mått`/`measure` (id or
      code), `enhet`/`unit` (id or code), `värde`/`value`, `täljare`/`numerator`,
      `nämnare`/`denominator`, `kommentar`/`comment`, `external_id`; Kolada's row format
      (`kpi`, `municipality`, `period`, `value`, `gender`: only T rows are read) too.

    The measure and unit may come from the query instead (one measure, one unit). Refused rows
    name the spreadsheet row and column (`file.rows[5].value`, row 1 is the header)."""
    sent = await uploads.sent_file(request, filename)
    table = await uploads.read_upload(
        sent.body, filename=sent.filename, content_type=sent.content_type, year=year
    )
    candidates = uploads.candidates(
        table,
        measure_id=measure_id,
        measure_code=measure_code,
        org_unit_id=org_unit_id,
        org_unit_code=org_unit_code,
    )
    source = MeasurementSource(table.format)
    result = await ingest.ingest(session, principal, candidates, source=source, dry_run=dry_run)
    return IngestResult(
        rows=len(candidates),
        created=result.created,
        replaced=result.replaced,
        unchanged=result.unchanged,
        dry_run=dry_run,
        format=table.format,
        skipped=table.skipped,
    )


@measurements_router.get(
    "/export",
    response_class=Response,
    responses={
        200: {
            "description": "The file: CSV as Swedish Excel reads it (UTF-8 with BOM, `;`, decimal "
            "comma) or .xlsx; it imports again unchanged through `/measurements/upload`.",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                uploads.XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **problem_responses(401, 404, 422),
    },
)
async def export_measurements(
    session: SessionDep,
    principal: CurrentUser,
    format: Annotated[ExportFormat, Query(description="csv or xlsx.")] = ExportFormat.csv,
    measure_id: MeasureFilter = None,
    org_unit_id: UnitFilter = None,
    include_descendants: DescendantsFilter = False,
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
    source: SourceFilter = None,
    accept_language: headers.AcceptLanguage = None,
) -> Response:
    """Download measurements with the list's filters, in the columns an upload reads, headed
    in the request's language (`Accept-Language`: sv, nb, nn, else en): an export imports
    again unchanged. Rows withheld by small-number protection are listed
    without figures (comment `[withheld: small numbers]`); those rows cannot be imported back
    by a token that was not allowed to see them."""
    rows = await readings.export_rows(
        session,
        principal,
        _filter(measure_id, org_unit_id, include_descendants, period_from, period_to, source),
    )
    language = headers.preferred_language(accept_language, principal.language)
    header = headers.header(language, readings.EXPORT_HEADER)
    if format is ExportFormat.xlsx:
        return Response(
            sheet_writer.write_xlsx(header, rows),
            media_type=uploads.XLSX_MEDIA_TYPE,
            headers={"Content-Disposition": 'attachment; filename="matningar.xlsx"'},
        )
    return StreamingResponse(
        sheet_writer.write_csv(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="matningar.csv"'},
    )


@measurements_router.get(
    "/{measurement_id}",
    response_model=MeasurementPublic,
    responses=problem_responses(401, 404, 422),
)
async def get_measurement(
    session: SessionDep, principal: CurrentUser, measurement_id: uuid.UUID, response: Response
) -> object:
    """Read one measurement; values below the minimum denominator are withheld from tokens
    outside the reporting unit."""
    published = await readings.get_measurement(session, principal, measurement_id)
    set_etag(response, SimpleNamespace(version=published.pop("version")))
    return published


@measurements_router.get(
    "/{measurement_id}/history",
    response_model=list[HistoryEntry],
    responses=problem_responses(401, 404, 422),
)
async def get_measurement_history(
    session: SessionDep, principal: CurrentUser, measurement_id: uuid.UUID
) -> object:
    """Every value the measurement had, oldest first: who sent it, when, before and after;
    each entry's figures withheld from tokens outside the reporting unit when its own
    denominator is below the minimum."""
    return await readings.measurement_history(session, principal, measurement_id)


@measurements_router.delete(
    "/{measurement_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete_measurement(
    session: SessionDep, principal: Reporter, measurement_id: uuid.UUID, if_match: IfMatch = None
) -> None:
    """Delete a measurement; the audit trail keeps its last figures."""
    await readings.delete_measurement(session, principal, measurement_id, if_match=if_match)


@cycle_measures_router.get(
    "/{cycle_id}/measures",
    response_model=CycleMeasures,
    responses=problem_responses(401, 404, 422),
)
async def get_cycle_measures(
    session: SessionDep, principal: CurrentUser, cycle_id: uuid.UUID
) -> object:
    """The measures whose data the cycle's follow-up (uppföljning) looks at: those it names,
    by default every measure of its initiative."""
    default, measures = await service.cycle_measures(session, principal, cycle_id)
    return {"cycle_id": cycle_id, "default": default, "measures": measures}


@cycle_measures_router.put(
    "/{cycle_id}/measures",
    response_model=CycleMeasures,
    responses=problem_responses(401, 403, 404, 422),
)
async def set_cycle_measures(
    session: SessionDep, principal: Editor, cycle_id: uuid.UUID, data: CycleMeasuresUpdate
) -> object:
    """Name the measures the cycle follows (each link is audited)."""
    default, measures = await service.set_cycle_measures(
        session, principal, cycle_id, measure_ids=data.measure_ids
    )
    return {"cycle_id": cycle_id, "default": default, "measures": measures}
