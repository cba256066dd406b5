"""Reading measurements from people's spreadsheets.

:func:`read_table` takes the bytes of an upload, CSV or ``.xlsx``, and returns its rows with
each cell parsed (numbers as :class:`~decimal.Decimal`, dates as :class:`~datetime.date`), the
cells that did not parse and how many rows were deliberately skipped. It knows nothing of
measures or the database: which measure, unit and period a row means is decided by the
caller, with :mod:`app.periods` for the period.

The rules, chosen so that nothing is guessed:

- **Format** by content: ``.xlsx`` and OpenDocument ``.ods`` are ZIP archives
  (``PK\\x03\\x04``, told apart by their parts), anything else is read as CSV. Old ``.xls``
  (and password-protected workbooks, which share its container), flat ``.fods``, ``.xlsb``,
  Numbers, HTML, PDF and other binary files are refused with what to do instead.
- **Encoding** (CSV): a byte-order mark decides (UTF-8, or UTF-16 as Excel's "Unicode text"
  writes it); else strict UTF-8; else Windows-1252; else Latin-1, which cannot fail. A
  statistical detector is not used: it reads Swedish Windows-1252 as Mac Central European.
- **Separator** (CSV): ``;``, ``,`` or tab, whichever splits the header row into the most
  known column names; on a tie :class:`csv.Sniffer` decides on a sample, and when it cannot,
  the separator that gives every row of the sample the same number of cells.
- **Numbers**: decimal comma or point; thousands grouped by a space, no-break space (U+00A0),
  narrow no-break space (U+202F) or thin space, or by points when a decimal comma follows
  (``1.234,5``) or there are several of them (``1.234.567``); a single point is a decimal
  point (``1.234`` is one and a bit). A trailing percent sign is dropped (``45 %`` is 45).
  Minus is ``-`` or U+2212. With ``,`` as the separator, a decimal comma must be quoted.
- **Columns** by header name, Swedish, English or Norwegian, ignoring case, spaces,
  punctuation and diacritics (:data:`ACCEPTED_COLUMNS`). An unknown or repeated column is
  refused rather than ignored, so no data are silently dropped. Kolada's row format
  (``kpi``, ``municipality`` or ``ou``, ``period``, ``gender``, ``value``) is accepted: rows for
  ``gender`` K or M are skipped (and counted), only T (total) is kept.
- **Bounds**: the upload's size, its number of data rows, and for ``.xlsx`` what the archive
  decompresses to (checked against the real output of every entry before the workbook is
  opened, so forged sizes in the archive do not help a zip bomb).

Writing them back is :mod:`app.measures.sheet_writer` (the dialect Swedish Excel uses), so an
exported file imports again unchanged.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Literal, TypeVar

import python_calamine

from app.measures import headers, sheet_bounds
from app.measures.sheet_writer import EXCEL_MAX_ROWS, FORMULA_START
from app.periods import InvalidPeriod, Wording, parse_day
from app.problem_texts import Text

__all__ = [
    "ACCEPTED_COLUMNS",
    "ArchiveBomb",
    "CellError",
    "FileTooLarge",
    "HeaderError",
    "MalformedFile",
    "Row",
    "SheetTooLarge",
    "SpreadsheetError",
    "Table",
    "UnsupportedFormat",
    "describe_columns",
    "read_table",
]


# --- results and errors ---------------------------------------------------------------------


Format = Literal["csv", "xlsx", "ods"]


@dataclass(frozen=True, slots=True)
class Row:
    """One data row. ``number`` is the spreadsheet row number (1-based, the header row
    included, so the first data row under a header in row 1 is row 2). A cell that did not
    parse is ``None`` here and listed in :attr:`Table.errors`."""

    number: int
    period: str | date | None
    date: date | None
    measure: str | None
    unit: str | None
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    comment: str | None
    external_id: str | None
    year: int | None = None
    """The year column's, for a period written as a bare week (``47``, ``v.47``)."""


@dataclass(frozen=True, slots=True)
class CellError:
    """A cell that does not hold what its column needs: ``column`` is the header as written,
    ``field`` the row field it feeds, ``value`` the cell as text."""

    row: int
    column: str
    field: str
    value: str
    message: str
    text: Text | None = None
    """The message by key and figures, said in the request's language (None: English only)."""

    @classmethod
    def of(cls, row: int, column: str, field: str, value: str, text: Text) -> CellError:
        return cls(row, column, field, value, text.english(), text)


@dataclass(frozen=True)
class Table:
    """What a spreadsheet holds: its header names as written (empty ones left out), its data
    rows (blank rows left out), every cell that did not parse, and the number of rows skipped
    on purpose (Kolada rows for women or men only)."""

    format: Format
    headers: list[str]
    rows: list[Row]
    errors: list[CellError] = field(default_factory=list)
    skipped: int = 0


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read; the message says why and what to do (``text``:
    the same by key and figures, where it has translations)."""

    def __init__(self, message: str | Text) -> None:
        self.text = message if isinstance(message, Text) else None
        super().__init__(message.english() if isinstance(message, Text) else message)


class UnsupportedFormat(SpreadsheetError):
    """A file format other than CSV and .xlsx."""


class FileTooLarge(SpreadsheetError):
    """More bytes or more rows than allowed."""


class ArchiveBomb(SpreadsheetError):
    """An .xlsx that decompresses to far more than a workbook of its size can hold."""


class SheetTooLarge(FileTooLarge):
    """An .xlsx whose sheet holds, or declares, far more cells or text than are read, however
    small the file: refused before the workbook reader allocates for it."""


class MalformedFile(SpreadsheetError):
    """A damaged file, or one whose content does not match its name."""


class HeaderError(SpreadsheetError):
    """The header row is missing, names unknown or repeated columns, or lacks required ones.
    ``unknown`` lists the header names not recognised, as written."""

    def __init__(self, message: str | Text, *, unknown: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.unknown = tuple(unknown)


# --- columns --------------------------------------------------------------------------------

RowField = Literal[
    "period",
    "date",
    "measure",
    "unit",
    "value",
    "numerator",
    "denominator",
    "comment",
    "external_id",
    "gender",
    "year",
    "unit_name",
]

#: The header names each field is recognised by (compared without case, spaces, punctuation
#: or diacritics, so ``Mått-ID``, ``matt id`` and ``MATT_ID`` are one name).
ACCEPTED_COLUMNS: dict[RowField, tuple[str, ...]] = {
    "period": (
        "period",
        "period_key",
        "period/datum",
        "periodnyckel",
        "tidsperiod",
        "periode",
        "vecka",
        "week",
        "uke",
        "månad",
        "month",
        "måned",
        "termin",
        "term",
        "läsår",
        "school_year",
        "skoleår",
    ),
    "date": ("date", "datum", "dato"),
    "measure": (
        "measure",
        "measure_id",
        "measure_code",
        "mått",
        "mått-id",
        "måttkod",
        "indikator",
        "indikator_id",
        "indicator",
        "indicator_id",
        "kpi",
        "kpi_id",
        "nyckeltal",
    ),
    "unit": (
        "unit",
        "unit_id",
        "unit_code",
        "org_unit",
        "org_unit_id",
        "enhet",
        "enhet_id",
        "enhetskod",
        "eining",
        "skola",
        "skole",
        "ou",
        "ou_id",
        "kommun",
        "kommun_id",
        "kommunkod",
        "kommune",
        "kommunenummer",
        "municipality",
        "municipality_id",
    ),
    "value": (
        "value",
        "värde",
        "verdi",
        "andel",
        "andel %",
        "procent",
        "prosent",
        "percent",
        "percentage",
    ),
    "numerator": ("numerator", "täljare", "teller", "teljar"),
    "denominator": ("denominator", "nämnare", "nevner", "nemnar"),
    "comment": ("comment", "kommentar", "anteckning", "merknad", "note"),
    "external_id": ("external_id", "extern id", "externt id", "ekstern id", "id"),
    "gender": ("gender", "kön", "kjønn"),
    "year": ("year", "år", "årstal", "årstall"),
    # A template's reminder of which unit a code names; read and left out.
    "unit_name": ("unit_name", "enhetsnamn", "enhetsnavn", "einingsnamn"),
}

_FOLDED = str.maketrans({"ø": "o", "æ": "ae", "ß": "ss", "đ": "d", "ł": "l"})


def _header_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold().translate(_FOLDED))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")


_FIELD_OF: dict[str, RowField] = {
    _header_key(alias): name for name, aliases in ACCEPTED_COLUMNS.items() for alias in aliases
}


def field_of_header(name: str) -> RowField | None:
    """The row field a header name feeds, or None for a name the reader does not know."""
    return _FIELD_OF.get(_header_key(name))


def describe_columns() -> str:
    """Every accepted header name by the field it feeds, for help texts."""
    return (
        "; ".join(
            f"{name}: {', '.join(aliases)}"
            for name, aliases in ACCEPTED_COLUMNS.items()
            if name not in ("gender", "unit_name")
        )
        + "; gender (Kolada T/K/M): "
        + ", ".join(ACCEPTED_COLUMNS["gender"])
    )


# --- cells ----------------------------------------------------------------------------------

Cell = str | int | float | bool | date | datetime | time | timedelta


class CellUnreadable(ValueError):
    """A cell that is not what its column needs: the message quotes it (``text``: the same
    by key and figures)."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.english())
        self.text = text


class _CellRefused(Exception):
    """Why a cell cannot be read (said after the cell's value)."""

    def __init__(self, key: str, **figures: object) -> None:
        self.text = Text(f"cell.{key}", figures)
        super().__init__(self.text.english())


_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2212": "-"})
_NUMBER = re.compile(
    r"(?P<sign>[+-])?(?:"
    r"(?P<plain>\d+(?:[.,]\d+)?|[.,]\d+)(?P<exp>e[+-]?\d+)?"
    r"|(?P<spaced>\d{1,3}(?: \d{3})+)(?P<spaced_fraction>[.,]\d+)?"
    r"|(?P<pointed>\d{1,3}(?:\.\d{3})+),(?P<pointed_fraction>\d+)"
    r"|(?P<points>\d{1,3}(?:\.\d{3}){2,})"
    r")",
    re.IGNORECASE | re.ASCII,
)
# The common case, checked first: digits with an optional sign and decimal comma or point.
_PLAIN_NUMBER = re.compile(r"-?[0-9]{1,30}(?:[.,][0-9]{1,30})?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SLASHED_DATE = re.compile(r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{2,4}")
# Larger magnitudes are typing errors (or an attack on whatever computes with them next).
_LARGEST = Decimal("1e30")


def _text_of(cell: Cell) -> str:
    """A cell as the text a person sees (numbers without a trailing .0)."""
    if isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 1e16:
        return str(int(cell))
    if isinstance(cell, datetime | date | time):
        return cell.isoformat()
    return str(cell)


def _number(cell: Cell) -> Decimal | None:
    if isinstance(cell, bool):
        raise _CellRefused("yes-no")
    if isinstance(cell, int):
        return Decimal(cell)
    if isinstance(cell, float):
        if cell.is_integer() and abs(cell) < 1e16:
            return Decimal(int(cell))
        # repr() is the shortest text that reads back as the same float: 0.1, not 0.1000…01.
        number = Decimal(repr(cell))
        if abs(number) >= _LARGEST or (number and number.adjusted() < -30):
            raise _CellRefused("out-of-range")
        return number
    if not isinstance(cell, str):
        raise _CellRefused("date-not-number")
    if _PLAIN_NUMBER.fullmatch(cell):
        return Decimal(cell.replace(",", "."))
    text = cell.translate(_SPACES).strip()
    if not text:
        return None
    if text.endswith("%"):
        text = text[:-1].rstrip()
    m = _NUMBER.fullmatch(text)
    if m is None:
        if "," in text and "." in text:
            raise _CellRefused("mixed-separators")
        raise _CellRefused("not-a-number")
    if m["plain"] is not None:
        digits = m["plain"].replace(",", ".") + (m["exp"] or "")
    elif m["spaced"] is not None:
        digits = m["spaced"].replace(" ", "") + (m["spaced_fraction"] or "").replace(",", ".")
    elif m["pointed"] is not None:
        digits = m["pointed"].replace(".", "") + "." + m["pointed_fraction"]
    else:
        digits = m["points"].replace(".", "")
    try:
        number = Decimal((m["sign"] or "") + digits)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        raise _CellRefused("not-a-number") from None
    if abs(number) >= _LARGEST or (number and number.adjusted() < -30):
        raise _CellRefused("out-of-range")
    return number


def _date(cell: Cell) -> date | None:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, str):
        if _ISO_DATE.fullmatch(cell) and "1900" <= cell <= "9999-12-31":
            try:
                return date.fromisoformat(cell)
            except ValueError:
                pass  # parse_day says why
        if not cell.strip():
            return None
        if _SLASHED_DATE.fullmatch(cell.strip()):
            raise _CellRefused("slashed-date")
        try:
            return parse_day(cell)
        except InvalidPeriod as error:
            # The period module's message quotes the value; the cell error quotes it too, so
            # only why (and the form to use) follows.
            why = error.wording.figures.get("reason")
            if not isinstance(why, Wording):
                raise _CellRefused("not-a-date") from None
            raise _CellRefused("not-a-date-because", reason=Text.of(why)) from None
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        raise _CellRefused("number-not-date")
    raise _CellRefused("not-a-date")


def _period(cell: Cell) -> str | date | None:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, time | timedelta | bool):
        raise _CellRefused("not-a-period")
    text = unicodedata.normalize("NFC", _text_of(cell)).strip()
    return text or None


def _code(cell: Cell) -> str | None:
    """An identifier (measure, unit, external id): trimmed, NFC, numbers without .0."""
    text = unicodedata.normalize("NFC", _text_of(cell)).strip()
    return _unescape(text) or None


def _comment(cell: Cell) -> str | None:
    text = _text_of(cell).replace("\r\n", "\n").replace("\r", "\n").strip()
    return _unescape(text) or None


def _unescape(text: str) -> str:
    """Undo the apostrophe :func:`write_csv` puts before text that Excel would run as a
    formula (``'=1+1`` reads as ``=1+1``)."""
    return text[1:] if FORMULA_START.match(text) else text


# --- reading --------------------------------------------------------------------------------

_XLSX_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-excel.sheet.macroenabled.12",
}
_SAVE_AS = "save it as .xlsx or CSV (UTF-8) and upload that"


def _file(key: str, **figures: object) -> Text:
    """A file-level message, ``file.<key>`` in app.problem_texts_ingestion (``{save_as}`` is
    said for them)."""
    return Text(f"file.{key}", {"save_as": Text("file.save-as"), **figures})


_MAX_ARCHIVE_ENTRIES = 1_000
# A sheet's XML compresses 10-30 times; deflate's ceiling is about 1,030.
_MAX_RATIO = 200
_RATIO_FROM_BYTES = 1_000_000
# What the workbook reader may build from the first sheet: it allocates one cell for every
# position from A1 to the furthest value, copies a shared string into each cell showing it,
# and reserves room for as many shared strings as the table declares. About 32 bytes a cell,
# so at most about 64 MB of cells and 50 million characters of text.
MAX_SHEET_COLUMNS = 256
MAX_SHEET_CELLS = 300_000
MAX_SHEET_TEXT = 50_000_000
MAX_SHARED_STRINGS = 300_000
MAX_MERGED_RANGES = 10_000


def read_table(
    source: bytes,
    *,
    filename: str | None = None,
    content_type: str | None = None,
    max_bytes: int = 10_000_000,
    max_rows: int = 10_000,
    max_unpacked_bytes: int = 200_000_000,
) -> Table:
    """Read the first sheet of an .xlsx workbook, or a CSV file, into a :class:`Table`.

    ``filename`` and ``content_type`` are hints: the content decides the format, but a file
    named or typed .xlsx that is not one is refused as damaged. Raises a
    :class:`SpreadsheetError` subclass for a file that cannot be read as a whole; cells that
    do not parse are collected in :attr:`Table.errors` instead.
    """
    build = _measurement_table(max_rows)
    return _read(source, filename, content_type, max_bytes, max_rows, max_unpacked_bytes, build)


_T = TypeVar("_T")
Build = Callable[[Format, Iterator[tuple[int, list[Cell]]]], _T]


def _measurement_table(max_rows: int) -> Build[Table]:
    def build(format: Format, records: Iterator[tuple[int, list[Cell]]]) -> Table:
        return _table(format, records, max_rows=max_rows)

    build.known = _FIELD_OF  # type: ignore[attr-defined]
    return build


def _read(
    source: bytes,
    filename: str | None,
    content_type: str | None,
    max_bytes: int,
    max_rows: int,
    max_unpacked_bytes: int,
    build: Build[_T],
) -> _T:
    if len(source) > max_bytes:
        raise FileTooLarge(_file("too-many-bytes", size=len(source), limit=max_bytes))
    name = (filename or "").casefold()
    kind = (content_type or "").split(";", 1)[0].strip().casefold()
    if source.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _read_xlsx(
            source, max_rows=max_rows, max_unpacked_bytes=max_unpacked_bytes, build=build
        )
    if source.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if "EncryptedPackage".encode("utf-16-le") in source:
            raise UnsupportedFormat(_file("password"))
        raise UnsupportedFormat(_file("xls"))
    if name.endswith((".xlsx", ".xlsm")) or kind in _XLSX_TYPES:
        raise MalformedFile(_file("not-xlsx"))
    if name.endswith(".ods") or kind == _ODS_MIMETYPE:
        raise MalformedFile(_file("not-ods"))
    if name.endswith(".fods") or (
        source.lstrip()[:5] == b"<?xml" and b"opendocument" in source[:4096]
    ):
        raise UnsupportedFormat(_file("fods"))
    return _read_csv(source, build=build)


# xlsx


def _read_xlsx(source: bytes, *, max_rows: int, max_unpacked_bytes: int, build: Build[_T]) -> _T:
    """Read an .xlsx workbook, or an OpenDocument spreadsheet (.ods), after bounding both."""
    format = _check_archive(source, max_unpacked_bytes)
    _check_sheet(source, max_rows=max_rows, ods=format == "ods")
    unreadable = MalformedFile(_file("workbook-unreadable"))
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(source))
        with workbook:
            if not workbook.sheet_names:
                raise MalformedFile(_file("no-sheet"))
            sheet = workbook.get_sheet_by_index(0)
            records = ((index + 1, row) for index, row in enumerate(sheet.iter_rows()))
            return build(format, records)
    except python_calamine.PasswordError:
        raise UnsupportedFormat(_file("password")) from None
    except python_calamine.CalamineError:
        # The reader's own wording names its internals, not the spreadsheet; it is logged
        # nowhere and replaced by ours.
        raise unreadable from None
    except BaseException as error:
        # A panic in the reader's Rust code arrives as pyo3's PanicException, which derives
        # from BaseException so that ``except Exception`` does not swallow it.
        if type(error).__name__ == "PanicException":
            raise unreadable from None
        raise


def _check_sheet(source: bytes, *, max_rows: int, ods: bool = False) -> None:
    """Refuse a first sheet that holds or declares more than is read, before the reader
    allocates for it (see :mod:`app.measures.sheet_bounds`)."""
    max_sheet_rows = min(EXCEL_MAX_ROWS, 2 * max_rows + 100)
    try:
        with zipfile.ZipFile(io.BytesIO(source)) as archive:
            measure = (
                sheet_bounds.measure_first_ods_table if ods else sheet_bounds.measure_first_sheet
            )
            extent = measure(archive)
    except sheet_bounds.DamagedPart as error:
        raise MalformedFile(f"{error} Open it in Excel and {_SAVE_AS}.") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise MalformedFile(
            f"The file is a damaged ZIP archive (an .xlsx is one); {_SAVE_AS}."
        ) from None
    limits = (
        f"at most {MAX_SHEET_COLUMNS:,} columns and {max_sheet_rows:,} rows "
        f"({MAX_SHEET_CELLS:,} cells) are read. Delete the rows and columns outside the table "
        "(or copy the table to a new workbook), save and upload it again."
    )

    def too_large(rows: int, columns: int) -> bool:
        return (
            columns > MAX_SHEET_COLUMNS or rows > max_sheet_rows or rows * columns > MAX_SHEET_CELLS
        )

    if too_large(extent.rows, extent.columns):
        raise SheetTooLarge(
            f"The sheet has cells up to {extent.last} ({extent.columns:,} columns, "
            f"{extent.rows:,} rows); {limits}"
        )
    if ods and extent.declared is not None:
        raise SheetTooLarge(
            f"The sheet declares more rows or columns than a spreadsheet has (repeated up to "
            f"{sheet_bounds.reference(extent.declared_rows, extent.declared_columns)}); "
            f"{limits}"
        )
    if too_large(extent.declared_rows, extent.declared_columns):
        raise SheetTooLarge(
            f"The sheet declares cells up to "
            f"{sheet_bounds.reference(extent.declared_rows, extent.declared_columns)} (its "
            f"dimension is {extent.declared}); {limits}"
        )
    if extent.shared_strings > MAX_SHARED_STRINGS:
        raise SheetTooLarge(
            f"The workbook's table of shared strings holds or declares "
            f"{extent.shared_strings:,} strings; at most {MAX_SHARED_STRINGS:,} are read."
        )
    if extent.text > MAX_SHEET_TEXT:
        raise SheetTooLarge(
            f"The sheet's cells hold {extent.text:,} characters of text (a shared string "
            f"counts once for every cell showing it); at most {MAX_SHEET_TEXT:,} are read."
        )
    if extent.merged > MAX_MERGED_RANGES:
        raise SheetTooLarge(
            f"The sheet has {extent.merged:,} ranges of merged cells; at most "
            f"{MAX_MERGED_RANGES:,} are read. Unmerge the cells, save and upload it again."
        )


def _check_archive(source: bytes, max_unpacked_bytes: int) -> Literal["xlsx", "ods"]:
    """Refuse a ZIP that is not an .xlsx workbook, or that decompresses to too much.

    The sizes an archive declares are checked first (cheap), then each entry's compressed
    bytes are inflated here, bounded by its declared size, so an archive that lies about its
    sizes is caught before a reader that trusts them opens it.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(source))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise MalformedFile(
            f"The file is a damaged ZIP archive (an .xlsx is one); {_SAVE_AS}."
        ) from None
    with archive:
        entries = archive.infolist()
        names = {entry.filename for entry in entries}
        folded: set[str] = set()
        for entry in entries:
            if entry.filename.casefold() in folded:
                # Readers pick different copies of a twice-named part; the one measured here
                # could then be another than the one read.
                raise MalformedFile(
                    f"The archive holds two parts named {entry.filename!r}; a workbook names "
                    f"each part once. {_SAVE_AS[:1].upper()}{_SAVE_AS[1:]}."
                )
            folded.add(entry.filename.casefold())
        if len(entries) > _MAX_ARCHIVE_ENTRIES:
            raise ArchiveBomb(
                f"The archive holds {len(entries):,} files; a workbook holds a few dozen."
            )
        total = sum(entry.file_size for entry in entries)
        if total > max_unpacked_bytes:
            raise ArchiveBomb(
                f"The workbook unpacks to {total:,} bytes; at most {max_unpacked_bytes:,} are "
                "accepted. Split it into smaller files."
            )
        for entry in entries:
            if entry.file_size > _RATIO_FROM_BYTES and entry.file_size > _MAX_RATIO * max(
                entry.compress_size, 1
            ):
                raise ArchiveBomb(
                    f"The workbook's part {entry.filename} unpacks {entry.file_size // max(entry.compress_size, 1):,} "
                    "times its size, far more than a real workbook; it is refused as a zip bomb."
                )
        format = _check_format(archive, names)
        for entry in entries:
            _check_entry(source, entry)
        return format


_ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
# OpenDocument kinds by mimetype suffix, named by app.problem_texts_ingestion's
# file.opendocument-* texts.
_OPENDOCUMENT_KINDS = {
    "text": "text",
    "presentation": "presentation",
    "graphics": "graphics",
    "spreadsheet-template": "template",
}


def _check_format(archive: zipfile.ZipFile, names: set[str]) -> Literal["xlsx", "ods"]:
    if "mimetype" in names:
        try:
            mimetype = archive.read("mimetype")[:100].decode("ascii", "replace")
        except (zipfile.BadZipFile, ValueError, NotImplementedError, OSError):
            mimetype = ""
        if mimetype.strip() == _ODS_MIMETYPE and "content.xml" in names:
            return "ods"
        if "opendocument" in mimetype:
            kind = mimetype.rsplit(".", 1)[-1].strip()
            what = _OPENDOCUMENT_KINDS.get(kind, "other")
            raise UnsupportedFormat(_file("opendocument", what=Text(f"file.opendocument-{what}")))
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        raise UnsupportedFormat(_file("xlsb"))
    if any(n.startswith("Index/") and n.endswith(".iwa") for n in names):
        raise UnsupportedFormat(_file("numbers"))
    if "word/document.xml" in names:
        raise UnsupportedFormat(_file("word"))
    raise UnsupportedFormat(_file("zip"))


def _check_entry(source: bytes, entry: zipfile.ZipInfo) -> None:
    damaged = MalformedFile(
        f"The workbook's part {entry.filename} is damaged; open it in Excel and {_SAVE_AS}."
    )
    if entry.flag_bits & 0x1:
        raise UnsupportedFormat(_file("password"))
    offset = entry.header_offset
    header = source[offset : offset + 30]
    if len(header) < 30 or not header.startswith(b"PK\x03\x04"):
        raise damaged
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = offset + 30 + name_length + extra_length
    raw = source[start : start + entry.compress_size]
    if len(raw) < entry.compress_size:
        raise damaged
    if entry.compress_type == zipfile.ZIP_STORED:
        if entry.compress_size != entry.file_size:
            raise damaged
        if raw.count(b"<") > sheet_bounds.MAX_MARKUP:
            raise SheetTooLarge(
                f"The workbook's part {entry.filename} holds more than "
                f"{sheet_bounds.MAX_MARKUP:,} XML elements, far more than the largest sheet "
                "that is read; it is refused."
            )
        return
    if entry.compress_type != zipfile.ZIP_DEFLATED:
        raise MalformedFile(
            f"The workbook's part {entry.filename} uses a compression Excel does not write; "
            f"{_SAVE_AS}."
        )
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    produced = markup = 0
    chunk = 1 << 16
    try:
        for position in range(0, len(raw), chunk):
            data = raw[position : position + chunk]
            while data:
                inflated = inflater.decompress(data, chunk)
                produced += len(inflated)
                markup += inflated.count(b"<")
                if markup > sheet_bounds.MAX_MARKUP:
                    raise SheetTooLarge(
                        f"The workbook's part {entry.filename} holds more than "
                        f"{sheet_bounds.MAX_MARKUP:,} XML elements, far more than the largest "
                        "sheet that is read; it is refused."
                    )
                if produced > entry.file_size:
                    raise ArchiveBomb(
                        f"The workbook's part {entry.filename} unpacks to more than the "
                        f"{entry.file_size:,} bytes it declares; it is refused as a zip bomb."
                    )
                data = inflater.unconsumed_tail
            if inflater.eof:
                break
        produced += len(inflater.flush())
    except zlib.error:
        raise damaged from None
    if produced != entry.file_size:
        raise damaged


# csv


def _decode(source: bytes) -> str:
    if source.startswith(codecs.BOM_UTF8):
        try:
            return source[3:].decode("utf-8")
        except UnicodeDecodeError as error:
            raise MalformedFile(_file("not-utf8", byte=error.start + 3)) from None
    if source.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return source.decode("utf-16")
        except UnicodeDecodeError:
            raise MalformedFile(_file("not-utf16")) from None
    if b"\x00" in source:
        raise UnsupportedFormat(_file("binary"))
    for encoding in ("utf-8", "cp1252"):
        try:
            return source.decode(encoding)
        except UnicodeDecodeError:
            continue
    return source.decode("latin-1")


def _refuse_other_text(text: str) -> None:
    start = text.lstrip()[:200].casefold()
    if start.startswith("<"):
        raise UnsupportedFormat(_file("html"))
    if start.startswith("%pdf"):
        raise UnsupportedFormat(_file("pdf"))
    if start.startswith("{\\rtf"):
        raise UnsupportedFormat(_file("rtf"))
    if start.startswith(("{", "[")):
        raise UnsupportedFormat(_file("json"))


_DELIMITERS = (";", ",", "\t")


def _delimiter(text: str, known: Container[str]) -> str:
    sample = text[:65536]
    lines = [line for line in sample.splitlines() if line.strip()]
    if not lines:
        return ";"
    scores = {}
    for candidate in _DELIMITERS:
        header = next(csv.reader([lines[0]], delimiter=candidate), [])
        scores[candidate] = sum(1 for cell in header if _header_key(cell) in known)
    best = max(scores.values())
    tied = [candidate for candidate in _DELIMITERS if scores[candidate] == best]
    if len(tied) == 1:
        return tied[0]
    try:
        sniffed = csv.Sniffer().sniff("\n".join(lines[:50]), delimiters="".join(tied)).delimiter
    except csv.Error:
        sniffed = ""
    if sniffed in tied:
        return sniffed
    for candidate in tied:
        counts = {len(row) for row in csv.reader(lines[:50], delimiter=candidate)}
        if len(counts) == 1 and counts != {1}:
            return candidate
    return tied[0]


def _read_csv(source: bytes, *, build: Build[_T]) -> _T:
    text = _decode(source)
    _refuse_other_text(text)
    # Strict: a quote left open or closed in the middle of a cell is an error, not a cell
    # that swallows the following rows.
    known = getattr(build, "known", _FIELD_OF)
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=_delimiter(text, known), strict=True
    )
    return build("csv", _csv_records(reader))


def _csv_records(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[Cell]]]:
    """The CSV rows, numbered as the spreadsheet numbers them (a quoted line break stays in
    its cell); the csv module's errors become a sentence naming the row and its first line."""
    line_num = getattr(reader, "line_num", 0)
    number = 0
    while True:
        line = getattr(reader, "line_num", line_num) + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise _csv_error(str(error), row=number + 1, line=line) from None
        number += 1
        if len(record) > MAX_SHEET_COLUMNS:
            raise FileTooLarge(
                f"Row {number:,} (line {line:,}) has {len(record):,} cells; at most "
                f"{MAX_SHEET_COLUMNS:,} columns are read. Check the separator, or save the "
                "file again from Excel as CSV UTF-8."
            )
        yield number, list[Cell](record)


def _csv_error(reason: str, *, row: int, line: int) -> MalformedFile:
    where = {"row": row, "line": line}
    if "end of data" in reason:
        return MalformedFile(Text("csv.quote-not-closed", where))
    if "expected after" in reason:
        return MalformedFile(Text("csv.text-after-quote", where))
    if "field limit" in reason:
        return MalformedFile(Text("csv.cell-too-long", {**where, "limit": csv.field_size_limit()}))
    return MalformedFile(Text("csv.unreadable", where))


# both


def _blank(record: Sequence[Cell]) -> bool:
    return all(isinstance(cell, str) and (not cell or cell.isspace()) for cell in record)


@dataclass
class _Columns:
    fields: list[RowField | None]
    names: list[str]


def _unknown_column(name: str, accepted: Iterable[str] | None = None) -> Text:
    """The unknown header as written, with the accepted name it most resembles."""
    if accepted is None:
        accepted = (alias for aliases in ACCEPTED_COLUMNS.values() for alias in aliases)
    suggestion = headers.closest(name, accepted, _header_key)
    if suggestion is None:
        return Text("header.unknown", {"name": name})
    return Text("header.unknown-near", {"name": name, "near": suggestion})


def _joined(texts: Sequence[Text], separator: str) -> Text:
    """Texts joined by ``separator``, the key of a list text (``list.comma``: ', ')."""
    joined = texts[0]
    for text in texts[1:]:
        joined = Text(separator, {"first": joined, "second": text})
    return joined


def _columns(header: Sequence[Cell]) -> _Columns:
    names = [_text_of(cell).strip() for cell in header]
    fields: list[RowField | None] = []
    unknown: list[str] = []
    seen: dict[RowField, str] = {}
    repeated: list[tuple[str, str, str]] = []
    for name in names:
        if not name:
            fields.append(None)
            continue
        found = _FIELD_OF.get(_header_key(name))
        if found is None:
            unknown.append(name)
        elif found in seen:
            repeated.append((found, seen[found], name))
        else:
            seen[found] = name
        fields.append(found)
    problems: list[Text] = []
    if unknown:
        listed = _joined([_unknown_column(name) for name in unknown], "list.comma")
        many = "header.unknown-columns" if len(unknown) > 1 else "header.unknown-column"
        problems.append(Text(many, {"listed": listed}))
    if repeated:
        twice = [
            Text("header.repeated", {"field": field, "first": first, "second": second})
            for field, first, second in repeated
        ]
        problems.append(Text("header.keep-one", {"listed": _joined(twice, "list.semicolon")}))
    if problems:
        raise HeaderError(
            Text(
                "header.problems",
                {"problems": _joined(problems, "list.semicolon"), "see": Text("header.see")},
            ),
            unknown=unknown,
        )
    if "period" not in seen and "date" not in seen:
        raise HeaderError(Text("header.no-period", {"see": Text("header.see-names")}))
    if "value" not in seen and not ("numerator" in seen and "denominator" in seen):
        if "numerator" in seen or "denominator" in seen:
            raise HeaderError(Text("header.counts-half"))
        raise HeaderError(Text("header.no-value", {"see": Text("header.see-names")}))
    return _Columns(fields, names)


@dataclass(slots=True)
class _Values:
    """A data row's cells as parsed so far."""

    period: str | date | None = None
    date: date | None = None
    measure: str | None = None
    unit: str | None = None
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    comment: str | None = None
    external_id: str | None = None
    gender: str | None = None
    year: int | None = None
    unit_name: str | None = None

    def row(self, number: int) -> Row:
        return Row(
            number,
            self.period,
            self.date,
            self.measure,
            self.unit,
            self.value,
            self.numerator,
            self.denominator,
            self.comment,
            self.external_id,
            self.year,
        )


def _gender(cell: Cell) -> str | None:
    text = _text_of(cell).strip().casefold()
    if text in ("", "t", "total", "totalt", "tot"):
        return None
    if text in ("k", "m"):
        return text
    raise _CellRefused("not-a-gender")


def _year_cell(cell: Cell) -> int | None:
    if isinstance(cell, str) and not cell.strip():
        return None
    number = _number(cell)
    if number is None:
        return None
    if number != number.to_integral_value() or not 1900 <= number <= 9999:
        raise _CellRefused("not-a-year")
    return int(number)


_PARSERS: dict[RowField, Callable[[Cell], object]] = {
    "period": _period,
    "date": _date,
    "measure": _code,
    "unit": _code,
    "value": _number,
    "numerator": _number,
    "denominator": _number,
    "comment": _comment,
    "external_id": _code,
    "gender": _gender,
    "year": _year_cell,
    "unit_name": _comment,
}


def _table(format: Format, records: Iterator[tuple[int, list[Cell]]], *, max_rows: int) -> Table:
    header: list[Cell] | None = None
    for _, record in records:
        if not _blank(record):
            header = record
            break
    if header is None:
        raise HeaderError(Text("header.none"))
    columns = _columns(header)
    fields = columns.fields
    width = len(fields)
    present = set(fields)
    rows: list[Row] = []
    errors: list[CellError] = []
    skipped = 0
    count = 0
    for number, record in records:
        if _blank(record):
            continue
        count += 1
        if count > max_rows:
            raise FileTooLarge(
                f"The file has more than {max_rows:,} rows; split it into smaller files."
            )
        values = _Values()
        row_errors: list[CellError] = []
        for position, cell in enumerate(record):
            name = fields[position] if position < width else None
            if name is None:
                if isinstance(cell, str) and not cell.strip():
                    continue
                row_errors.append(
                    CellError.of(
                        number,
                        f"column {position + 1}",
                        "",
                        _text_of(cell),
                        Text("cell.no-header"),
                    )
                )
                continue
            try:
                setattr(values, name, _PARSERS[name](cell))
            except _CellRefused as refused:
                shown = _text_of(cell).strip()
                row_errors.append(
                    CellError.of(
                        number,
                        columns.names[position],
                        name,
                        _text_of(cell),
                        Text("cell.quoted", {"shown": shown, "message": refused.text}),
                    )
                )
        if values.gender in ("k", "m"):
            skipped += 1
            continue
        failed = {error.field for error in row_errors}
        _check_required(number, values, columns, present, failed, row_errors)
        rows.append(values.row(number))
        errors.extend(row_errors)
    return Table(format, [name for name in columns.names if name], rows, errors, skipped)


def _column_of(columns: _Columns, name: RowField) -> str:
    return columns.names[columns.fields.index(name)]


def _check_required(
    number: int,
    values: _Values,
    columns: _Columns,
    present: set[RowField | None],
    failed: set[str],
    errors: list[CellError],
) -> None:
    """A row needs a period (or date) and a value (or numerator and denominator)."""
    if values.period is None and values.date is None and not failed & {"period", "date"}:
        name: RowField = "period" if "period" in present else "date"
        errors.append(
            CellError.of(
                number,
                _column_of(columns, name),
                name,
                "",
                Text(f"cell.{name}-empty"),
            )
        )
    if values.value is not None or failed & {"value", "numerator", "denominator"}:
        return
    if values.numerator is not None and values.denominator is not None:
        return
    if values.numerator is not None or values.denominator is not None:
        missing: RowField = "denominator" if values.numerator is not None else "numerator"
        if missing in present:
            errors.append(
                CellError.of(
                    number,
                    _column_of(columns, missing),
                    missing,
                    "",
                    Text(f"cell.{missing}-empty"),
                )
            )
            return
    name = "value" if "value" in present else "numerator"
    errors.append(
        CellError.of(
            number,
            _column_of(columns, name),
            name,
            "",
            Text("cell.value-empty-or-counts" if "numerator" in present else "cell.value-empty"),
        )
    )


# --- other tables --------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """A table of another kind (units, measures): each data row's cells by field name, as the
    reader gives them (text, numbers, dates), with its spreadsheet row number."""

    format: Format
    rows: list[tuple[int, dict[str, Cell]]]


def read_sheet(
    source: bytes,
    columns: dict[str, tuple[str, ...]],
    *,
    required: Sequence[str] = (),
    filename: str | None = None,
    content_type: str | None = None,
    max_bytes: int = 10_000_000,
    max_rows: int = 10_000,
) -> Sheet:
    """Read a CSV or .xlsx file whose header names fields of ``columns`` (compared as
    measurement headers are), with the same bounds and refusals as :func:`read_table`. An
    unknown or repeated column, or a missing required one, raises :class:`HeaderError`."""
    field_of = {_header_key(alias): name for name, aliases in columns.items() for alias in aliases}

    def build(format: Format, records: Iterator[tuple[int, list[Cell]]]) -> Sheet:
        header: list[Cell] | None = None
        for _, record in records:
            if not _blank(record):
                header = record
                break
        if header is None:
            raise HeaderError(Text("header.none-sheet"))
        names = [_text_of(cell).strip() for cell in header]
        fields: list[str | None] = []
        problems: list[Text] = []
        for name in names:
            found = field_of.get(_header_key(name)) if name else None
            if name and found is None:
                near = _unknown_column(name, (a for v in columns.values() for a in v))
                problems.append(Text("header.unknown-column", {"listed": near}))
            elif found is not None and found in fields:
                problems.append(Text("header.two-for", {"field": found}))
            fields.append(found)
        problems += [
            Text("header.missing", {"field": name, "name": columns[name][0]})
            for name in required
            if name not in fields
        ]
        if problems:
            raise HeaderError(
                Text("header.problems-sheet", {"problems": _joined(problems, "list.semicolon")})
            )
        rows: list[tuple[int, dict[str, Cell]]] = []
        for number, record in records:
            if _blank(record):
                continue
            if len(rows) >= max_rows:
                raise FileTooLarge(
                    f"The file has more than {max_rows:,} rows; split it into smaller files."
                )
            cells: dict[str, Cell] = {}
            for position, cell in enumerate(record):
                owner = fields[position] if position < len(fields) else None
                if owner is not None and not (isinstance(cell, str) and not cell.strip()):
                    cells[owner] = cell.strip() if isinstance(cell, str) else cell
            rows.append((number, cells))
        return Sheet(format, rows)

    build.known = field_of  # type: ignore[attr-defined]
    return _read(source, filename, content_type, max_bytes, max_rows, 200_000_000, build)


def cell_text(cell: Cell) -> str:
    """A cell as the text a person sees (numbers without a trailing .0)."""
    return _text_of(cell)


def cell_number(cell: Cell) -> Decimal | None:
    """A cell as a number (decimal comma or point); ValueError naming why not."""
    try:
        return _number(cell)
    except _CellRefused as refused:
        shown = _text_of(cell).strip()
        raise CellUnreadable(
            Text("cell.quoted", {"shown": shown, "message": refused.text})
        ) from None
