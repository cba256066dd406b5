"""Writing tables in the dialect Swedish Excel uses, so an exported file imports again unchanged
(reading is :mod:`app.measures.spreadsheets`).

:func:`write_csv`: UTF-8 with BOM, semicolons, decimal comma, CRLF, ISO dates.
:func:`write_xlsx`: real numbers and dates, a frozen header row with a filter.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

import xlsxwriter
import xlsxwriter.format
import xlsxwriter.worksheet

from app.periods import Period

#: A cell Excel would run as a formula (after any apostrophes that keep it text).
FORMULA_START = re.compile(r"'+[=+\-@]")
#: Columns of free text, drawn wide.
_WIDE = frozenset({"comment", "kommentar", "anteckning", "merknad", "note"})

_CHUNK_ROWS = 500
EXCEL_MAX_ROWS = 1_048_576


def _csv_cell(value: object) -> str:
    """A value as Swedish Excel writes it in CSV: decimal comma, ISO dates, plain text."""
    if value is None:
        return ""
    if isinstance(value, str):
        # Excel runs a cell starting with = + - @ as a formula; an apostrophe keeps it text
        # and read_table takes it off again.
        # The reader trims the cell before it takes the apostrophe off, so look past spaces.
        stripped = value.strip()
        return "'" + stripped if FORMULA_START.match("'" + stripped) else value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            return ""
        return format(value, "f").replace(".", ",")
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Period):
        return value.key
    if isinstance(value, Enum):
        return _csv_cell(value.value)
    return _csv_cell(str(value))


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[bytes]:
    """Stream ``rows`` as CSV in Swedish Excel's dialect: UTF-8 with BOM, ``;`` between
    cells, decimal comma, CRLF line ends, ISO dates (``2026-09-14``, ``2026-09-14 08:30:00``).

    Numbers are written without thousands separators, text that Excel would run as a formula
    gets an apostrophe in front, and :func:`read_table` reads the result back unchanged.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_csv_cell(name) for name in header])
    yield codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    pending = 0
    for row in rows:
        writer.writerow([_csv_cell(cell) for cell in row])
        pending += 1
        if pending == _CHUNK_ROWS:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue().encode("utf-8")


def write_xlsx(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, sheet: str = "Mätningar"
) -> bytes:
    """Write ``rows`` as an .xlsx workbook with one sheet: real numbers, real date cells
    (``yyyy-mm-dd``), text always as text (never a formula), a bold, frozen header row with a
    filter. Uses xlsxwriter's constant-memory mode, so rows are written as they come.

    Numbers are stored as Excel stores them, as binary floating point: a value with more than
    15 significant digits loses the rest.
    """
    if not 0 < len(sheet) <= 31 or any(c in sheet for c in "[]:*?/\\"):
        raise ValueError(f"'{sheet}' is not a sheet name: 1–31 characters, none of []:*?/\\")
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,
            "remove_timezone": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    worksheet = workbook.add_worksheet(sheet)
    bold = workbook.add_format({"bold": True})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for column, name in enumerate(header):
        wide = name.strip().casefold() in _WIDE
        worksheet.set_column(column, column, 40 if wide else max(12, len(name) + 2))
    worksheet.freeze_panes(1, 0)
    for column, name in enumerate(header):
        worksheet.write_string(0, column, name, bold)
    last = 0
    for last, row in enumerate(rows, start=1):
        if last >= EXCEL_MAX_ROWS:
            raise ValueError(f"A sheet holds at most {EXCEL_MAX_ROWS - 1:,} data rows")
        for column, value in enumerate(row):
            _write_cell(worksheet, last, column, value, day, moment)
    if header:
        worksheet.autofilter(0, 0, last, len(header) - 1)
    workbook.close()
    return output.getvalue()


def _write_cell(
    sheet: xlsxwriter.worksheet.Worksheet,
    row: int,
    column: int,
    value: object,
    day: xlsxwriter.format.Format,
    moment: xlsxwriter.format.Format,
) -> None:
    if value is None:
        return
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, Period):
        value = value.key
    if isinstance(value, str):
        # Text is never a formula in a workbook, but an apostrophe before one is taken off by
        # read_table (it may come from a CSV export), so such text keeps an extra one.
        stripped = value.strip()
        sheet.write_string(row, column, "'" + stripped if FORMULA_START.match(stripped) else value)
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value)
    elif isinstance(value, Decimal):
        if value.is_finite():
            sheet.write_number(row, column, float(value))
    elif isinstance(value, datetime):
        sheet.write_datetime(row, column, value, moment)
    elif isinstance(value, date):
        sheet.write_datetime(row, column, value, day)
    else:
        sheet.write_string(row, column, str(value))
