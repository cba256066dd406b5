"""Spreadsheet uploads: from a file's rows to the ingestion path's candidates."""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread
from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from app.measures import spreadsheets, weeks
from app.measures.ingest import Candidate, RowsRefused
from app.problems import FieldError, Problem

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


ODS_MEDIA_TYPE = "application/vnd.oasis.opendocument.spreadsheet"


def file_body(description: str) -> dict[str, Any]:
    """The OpenAPI request body of a route that takes a spreadsheet: the file as the body, or
    as the one file of a multipart form (``curl -F file=@x.csv``)."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    form = {
        "schema": {
            "type": "object",
            "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}},
        }
    }
    return {
        "requestBody": {
            "required": True,
            "description": description
            + " Or a multipart form with the file in one field (`curl -F file=@x.csv`).",
            "content": {
                "text/csv": binary,
                XLSX_MEDIA_TYPE: binary,
                ODS_MEDIA_TYPE: binary,
                "application/octet-stream": binary,
                "multipart/form-data": form,
            },
        }
    }


@dataclass(frozen=True)
class SentFile:
    body: bytes
    filename: str | None
    content_type: str | None


async def sent_file(request: Request, filename: str | None = None) -> SentFile:
    """The file a request carries: its body, or the one file of a multipart form (its field
    name does not matter). The body's size limit applies to the form as a whole."""
    content_type = request.headers.get("content-type")
    media = (content_type or "").split(";", 1)[0].strip().casefold()
    if media == "application/x-www-form-urlencoded":
        raise UnreadableFile.saying("upload.form-urlencoded")
    if media != "multipart/form-data":
        return SentFile(await request.body(), filename, content_type)
    try:
        async with request.form(max_files=1, max_fields=20) as form:
            files = [item for item in form.values() if isinstance(item, UploadFile)]
            if not files:
                raise UnreadableFile.saying("upload.form-without-file")
            part = files[0]
            return SentFile(await part.read(), filename or part.filename, part.content_type)
    except (MultiPartException, HTTPException):
        # Starlette turns the parser's errors into a 400 with its own wording; ours says what
        # to do.
        raise UnreadableFile.saying("upload.form-unreadable") from None


class UnreadableFile(Problem):
    status, type, title = 422, "unreadable-file", "The file cannot be read"


class UnsupportedFile(Problem):
    status, type, title = 415, "unsupported-file", "Unsupported file format"


class FileTooLarge(Problem):
    status, type, title = 413, "file-too-large", "The file is too large"


class SheetTooLarge(Problem):
    """A small workbook whose sheet holds or declares far more cells than are read."""

    status, type, title = 413, "sheet-too-large", "The sheet is too large"


async def read_upload(
    body: bytes, *, filename: str | None, content_type: str | None, year: int | None = None
) -> spreadsheets.Table:
    """The file's table, or the problem that says what is wrong with it and what to do. Weeks
    written without their year get it from ``year`` or the file (see :mod:`.weeks`).

    Reading runs in a worker thread: checking a workbook's parts and reading up to the limits
    takes seconds of CPU for the largest accepted file, and the event loop stays free meanwhile.
    """
    table = await anyio.to_thread.run_sync(
        partial(_read_table, body, filename=filename, content_type=content_type, year=year)
    )
    if table.errors:
        rows = len({e.row for e in table.errors})
        raise RowsRefused(
            f"{rows} {'row holds' if rows == 1 else 'rows hold'} cells that cannot be read; "
            "nothing was written.",
            errors=[_cell_error(error) for error in table.errors[:1000]],
        )
    if not table.rows:
        raise UnreadableFile.saying("upload.no-measurements")
    return table


def _read_table(
    body: bytes, *, filename: str | None, content_type: str | None, year: int | None
) -> spreadsheets.Table:
    table = _problems_of(
        lambda: spreadsheets.read_table(body, filename=filename, content_type=content_type), body
    )
    return weeks.fill_years(table, year)


_R = TypeVar("_R")


def _problems_of(read: Callable[[], _R], body: bytes) -> _R:
    """What the reader read, or the problem that says what is wrong with the file."""
    if not body:
        raise UnreadableFile.saying("upload.empty")
    try:
        return read()
    except spreadsheets.UnsupportedFormat as error:
        raise _problem(UnsupportedFile, error) from None
    except spreadsheets.SheetTooLarge as error:
        raise _problem(SheetTooLarge, error) from None
    except (spreadsheets.FileTooLarge, spreadsheets.ArchiveBomb) as error:
        raise _problem(FileTooLarge, error) from None
    except spreadsheets.SpreadsheetError as error:
        raise _problem(UnreadableFile, error) from None


_P = TypeVar("_P", bound=Problem)


def _problem(kind: type[_P], error: spreadsheets.SpreadsheetError) -> _P:
    """The problem ``kind`` saying the reader's message (in the request's language where it
    has translations)."""
    problem = kind(str(error))
    problem.text = error.text
    return problem


def _cell_error(error: spreadsheets.CellError) -> FieldError:
    field = f"file.rows[{error.row}].{error.field or _column_name(error.column)}"
    if error.text is not None:
        return FieldError.of(field, error.text, "invalid", column=error.column)
    return FieldError(
        field=field, message=f"column {error.column!r}: {error.message}", type="invalid"
    )


async def read_sheet_upload(
    body: bytes,
    columns: dict[str, tuple[str, ...]],
    *,
    required: Sequence[str],
    filename: str | None,
    content_type: str | None,
) -> spreadsheets.Sheet:
    """A table of units or measures (see :func:`spreadsheets.read_sheet`), or its problem."""
    sheet = await anyio.to_thread.run_sync(
        _problems_of,
        lambda: spreadsheets.read_sheet(
            body, columns, required=required, filename=filename, content_type=content_type
        ),
        body,
    )
    if not sheet.rows:
        raise UnreadableFile.saying("upload.only-header")
    return sheet


def _column_name(column: str) -> str:
    return column.strip().lower().replace(" ", "_") or "column"


def _reference(value: str | None) -> tuple[uuid.UUID | None, str | None]:
    """A cell naming a measure or a unit: an id when it reads as one, else a code."""
    if value is None:
        return None, None
    try:
        return uuid.UUID(value), None
    except ValueError:
        return None, value


def apply_defaults(
    candidate: Candidate,
    *,
    measure_id: uuid.UUID | None,
    measure_code: str | None,
    org_unit_id: uuid.UUID | None,
    org_unit_code: str | None,
) -> None:
    """The request's measure and unit for a row that names none."""
    if candidate.measure_id is None and candidate.measure_code is None:
        candidate.measure_id, candidate.measure_code = measure_id, measure_code
    if candidate.org_unit_id is None and candidate.org_unit_code is None:
        candidate.org_unit_id, candidate.org_unit_code = org_unit_id, org_unit_code


def candidates(
    table: spreadsheets.Table,
    *,
    measure_id: uuid.UUID | None,
    measure_code: str | None,
    org_unit_id: uuid.UUID | None,
    org_unit_code: str | None,
) -> list[Candidate]:
    out = []
    for row in table.rows:
        row_measure_id, row_measure_code = _reference(row.measure)
        row_unit_id, row_unit_code = _reference(row.unit)
        candidate = Candidate(
            where=f"file.rows[{row.number}]",
            measure_id=row_measure_id,
            measure_code=row_measure_code,
            org_unit_id=row_unit_id,
            org_unit_code=row_unit_code,
            period=row.period if row.period is not None else row.date,
            value=None if row.value is None else float(row.value),
            numerator=None if row.numerator is None else float(row.numerator),
            denominator=None if row.denominator is None else float(row.denominator),
            comment=row.comment,
            external_id=row.external_id,
        )
        apply_defaults(
            candidate,
            measure_id=measure_id,
            measure_code=measure_code,
            org_unit_id=org_unit_id,
            org_unit_code=org_unit_code,
        )
        out.append(candidate)
    return out
