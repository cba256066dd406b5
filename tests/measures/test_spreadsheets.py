"""Reading people's spreadsheets: the files Excel and LibreOffice write, and what is refused."""

import io
import struct
import subprocess
import sys
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter

from app.measures import sheet_bounds
from app.measures.spreadsheets import (
    ArchiveBomb,
    CellError,
    FileTooLarge,
    HeaderError,
    MalformedFile,
    Row,
    SheetTooLarge,
    SpreadsheetError,
    Table,
    UnsupportedFormat,
    read_table,
)
from tests.measures import hostile_files

DATA = Path(__file__).parent / "data"


def read(name: str) -> Table:
    return read_table((DATA / name).read_bytes(), filename=name)


def csv(text: str, encoding: str = "utf-8") -> Table:
    return read_table(text.encode(encoding))


def xlsx(rows: list[list[object]], *, start_row: int = 0) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer)
    sheet = workbook.add_worksheet()
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows, start=start_row):
        for c, cell in enumerate(row):
            if isinstance(cell, date):
                sheet.write_datetime(r, c, cell, day)
            elif isinstance(cell, str):
                sheet.write_string(r, c, cell)
            elif cell is not None:
                sheet.write(r, c, cell)
    workbook.close()
    return buffer.getvalue()


def summary(table: Table) -> list[tuple[object, ...]]:
    return [
        (r.number, r.period or r.date, r.unit, r.measure, r.value, r.comment) for r in table.rows
    ]


# --- the example files -----------------------------------------------------------------------

WEEKS = [
    (2, "2026-W37", "Björkängsskolan", "närvaro", Decimal("92.5"), "Första veckan"),
    (3, "2026-W38", "Björkängsskolan", "närvaro", Decimal("1234.5"), "Lärare sjuk; vikarie"),
    (4, "2026-W39", "Björkängsskolan", "närvaro", Decimal("-3"), None),
    (6, "v40 2026", "Björkängsskolan", "närvaro", Decimal("45"), 'Citat "så" här'),
]


def test_excel_swedish_csv_in_windows_1252() -> None:
    table = read("excel_sv_cp1252.csv")
    assert (table.format, table.errors, table.skipped) == ("csv", [], 0)
    assert table.headers == ["Vecka", "Enhet", "Mått", "Värde", "Kommentar"]
    assert summary(table) == WEEKS


def test_excel_swedish_csv_utf8_with_bom_and_numerator_denominator() -> None:
    table = read("excel_sv_utf8_bom.csv")
    assert table.errors == []
    assert table.headers[0] == "Datum"  # the BOM is not part of the first name
    assert [(r.number, r.date, r.unit, r.numerator, r.denominator) for r in table.rows] == [
        (2, date(2026, 9, 14), "Ösby skola", Decimal(18), Decimal(24)),
        (3, date(2026, 9, 21), "Ösby skola", Decimal(20), Decimal(24)),
        (4, date(2026, 9, 28), "Åsens förskola", Decimal(7), Decimal(9)),
    ]
    assert table.rows[0].comment == "Två rader:\nandra raden"
    assert table.rows[2].comment == "Ärlig återkoppling – bra"


DAYS = [
    (2, date(2026, 9, 14), "S-0101", "M-7", Decimal("92.5"), "Första veckan"),
    (3, date(2026, 9, 21), "S-0101", "M-7", Decimal("1234.5"), "Lärare sjuk; vikarie"),
    (4, date(2026, 9, 28), "S-0101", "M-7", Decimal("-3"), None),
    (5, date(2026, 10, 5), "S-0101", "M-7", Decimal("0.1"), 'Citat "så" här\nandra raden'),
]


@pytest.mark.parametrize(
    "name", ["excel.xlsx", "libreoffice.xlsx", "libreoffice.csv", "libreoffice_sv.csv"]
)
def test_workbooks_and_libreoffice_csv_read_the_same(name: str) -> None:
    table = read(name)
    assert table.format == name.rsplit(".", 1)[1]
    assert table.errors == []
    assert table.headers == ["Datum", "Enhet", "Mått-ID", "Värde", "Kommentar"]
    assert summary(table) == DAYS


def test_kolada_rows_keep_totals_and_count_the_rest_as_skipped() -> None:
    table = read("kolada.csv")
    assert table.skipped == 4
    assert table.errors == []
    assert [(r.number, r.measure, r.unit, r.period, r.value) for r in table.rows] == [
        (2, "N15419", "0180", "2023", Decimal("45.5")),
        (5, "N15419", "1280", "2023", Decimal("51.25")),
    ]


def test_kolada_organisational_unit_and_unknown_gender() -> None:
    table = csv("kpi;ou;period;gender;value\nN15;V15E018001301;2023;X;1\nN15;V15E0;2023;;2\n")
    assert [(r.unit, r.value) for r in table.rows] == [
        ("V15E018001301", Decimal(1)),
        ("V15E0", Decimal(2)),
    ]
    assert [(e.row, e.field, e.value) for e in table.errors] == [(2, "gender", "X")]
    assert "write T (total)" in table.errors[0].message


# --- encodings and separators ----------------------------------------------------------------


def test_utf16_unicode_text_from_excel_is_read() -> None:
    text = "Period\tEnhet\tVärde\r\nHT2026\tÖsby\t4,5\r\n"
    table = read_table(text.encode("utf-16"))
    assert [(r.period, r.unit, r.value) for r in table.rows] == [("HT2026", "Ösby", Decimal("4.5"))]


def test_bytes_undefined_in_windows_1252_fall_back_to_latin_1() -> None:
    # 0x81 has no character in Windows-1252; Latin-1 reads every byte.
    table = read_table(b"period;unit;value\nHT2026;A\x81\xd6;1\n")
    assert table.rows[0].unit == "A\x81Ö"


def test_broken_utf8_after_a_bom_is_refused() -> None:
    with pytest.raises(MalformedFile, match="byte-order mark but is not UTF-8"):
        read_table(b"\xef\xbb\xbfperiod;value\nHT2026;\xff\n")


@pytest.mark.parametrize("separator", [";", ",", "\t"])
def test_the_separator_is_the_one_that_splits_the_header(separator: str) -> None:
    text = separator.join(["period", "unit", "value", "comment"]) + "\n"
    text += separator.join(["2026-09", "A", "5", '"x; y, z\tw"']) + "\n"
    table = csv(text)
    assert table.errors == []
    assert table.rows == [
        Row(2, "2026-09", None, None, "A", Decimal(5), None, None, "x; y, z\tw", None)
    ]


def test_blank_lines_are_skipped_and_row_numbers_count_them_as_a_spreadsheet_does() -> None:
    table = csv('\n\nperiod;value;comment\n\n2026-09;1;"two\nlines"\n;;\n2026-10;2;\n')
    assert [(r.number, r.period) for r in table.rows] == [(5, "2026-09"), (7, "2026-10")]


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("12", "12"),
        ("12,5", "12.5"),
        ("12.5", "12.5"),
        (",5", "0.5"),
        ("1 234,5", "1234.5"),
        ("1\u00a0234,5", "1234.5"),
        ("1\u202f234\u202f567,25", "1234567.25"),
        ("1 234", "1234"),
        ("1.234,5", "1234.5"),
        ("1.234.567", "1234567"),
        ("1.234", "1.234"),
        ("-3", "-3"),
        ("\u22123,5", "-3.5"),
        ("+7", "7"),
        ("45 %", "45"),
        ("45,5%", "45.5"),
        ("1,5E-03", "0.0015"),
        ("  8  ", "8"),
    ],
)
def test_numbers_as_spreadsheets_write_them(cell: str, value: str) -> None:
    table = csv(f"period;value\nHT2026;{cell}\n")
    assert table.errors == []
    assert table.rows[0].value == Decimal(value)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("1,234.5", "mixes a decimal comma and a point"),
        ("12 34", "is not a number"),
        ("abc", "'abc' is not a number; write it as 1234,5 or 1234.5"),
        ("NaN", "is not a number"),
        ("Infinity", "is not a number"),
        ("1_000", "is not a number"),
        ("1.234,5.6", "is not a number"),
        ("1" * 31, "is out of range"),
        ("1e31", "is out of range"),
        ("1,5e-40", "is out of range"),
        ("\u0663", "is not a number"),
    ],
)
def test_cells_that_are_not_numbers_are_named(cell: str, message: str) -> None:
    table = csv(f"period;Värde\nHT2026;{cell}\n")
    assert len(table.errors) == 1
    error = table.errors[0]
    assert (error.row, error.column, error.field, error.value) == (2, "Värde", "value", cell)
    assert message in error.message
    assert table.rows[0].value is None


def test_an_unquoted_decimal_comma_in_a_comma_file_is_caught() -> None:
    table = csv("period,value\nHT2026,4,5\n")
    assert [(e.row, e.column, e.value) for e in table.errors] == [(2, "column 3", "5")]
    assert 'inside quotes: "1,5"' in table.errors[0].message
    assert csv('period,value\nHT2026,"4,5"\n').rows[0].value == Decimal("4.5")


def test_every_bad_cell_is_reported_not_just_the_first() -> None:
    table = csv(
        "date;numerator;denominator;value\n2026-02-30;x;2;\n2026-09-14;1;2;\n14.9.2026;;y;z\n;;;3\n"
    )
    assert [(e.row, e.field) for e in table.errors] == [
        (2, "date"),
        (2, "numerator"),
        (4, "denominator"),
        (4, "value"),
        (5, "date"),
    ]
    assert "2026-02 has no day 30" in table.errors[0].message
    assert "every row needs one" in table.errors[4].message
    assert len(table.rows) == 4


def test_rows_need_a_value_or_both_numerator_and_denominator() -> None:
    table = csv("period;numerator;denominator;value\nHT2026;1;;\nVT2027;;;\nHT2027;;2;5\n")
    assert [(e.row, e.field, e.message) for e in table.errors] == [
        (2, "denominator", "the denominator is empty; give both numerator and denominator"),
        (3, "value", "the value is empty; write a number (or numerator and denominator)"),
    ]


# --- headers ---------------------------------------------------------------------------------


def test_header_names_ignore_case_spaces_punctuation_and_diacritics() -> None:
    table = csv(
        "Period / Datum;MÅTT-ID;Enhetskod;VARDE (%);Extern ID;kommentar\nHT2026;m1;u1;5;abc-1;ok\n"
    )
    assert table.errors == []
    assert table.rows[0] == Row(
        2, "HT2026", None, "m1", "u1", Decimal(5), None, None, "ok", "abc-1"
    )


def test_norwegian_header_names() -> None:
    table = csv("dato;kommune;verdi;teller;nevner;kjønn\n14.9.2026;0301;1;1;2;T\n")
    row = table.rows[0]
    assert (row.date, row.unit, row.value, row.numerator, row.denominator) == (
        date(2026, 9, 14),
        "0301",
        Decimal(1),
        Decimal(1),
        Decimal(2),
    )


def test_unknown_columns_are_refused_by_name_without_the_whole_list() -> None:
    with pytest.raises(HeaderError) as raised:
        csv("period;value;Skolnamn;Ansvarig\nHT2026;1;Ösby;Eva\n")
    message = str(raised.value)
    assert "unknown columns 'Skolnamn'" in message
    assert "'Ansvarig'." in message
    assert "value: value, värde, verdi" not in message
    assert len(message) < 300
    assert raised.value.unknown == ("Skolnamn", "Ansvarig")


@pytest.mark.parametrize(
    ("written", "suggested"),
    [("Vekka", "vecka"), ("Tälare", "täljare"), ("Nämare", "nämnare"), ("vaerde", "värde")],
)
def test_an_unknown_column_suggests_the_closest_accepted_name(written: str, suggested: str) -> None:
    with pytest.raises(HeaderError) as raised:
        csv(f"period;{written}\nHT2026;1\n")
    message = str(raised.value)
    assert f"unknown column '{written}' (did you mean '{suggested}'?)" in message
    assert "README" in message
    assert len(message) < 300


def test_repeated_columns_are_refused() -> None:
    with pytest.raises(HeaderError, match="two columns for the value, 'value' and 'Värde'"):
        csv("period;value;Värde\nHT2026;1;2\n")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("period;unit", "no value column"),
        ("unit;value", "no period or date column"),
        ("period;numerator", "a numerator or a denominator column but not both"),
    ],
)
def test_required_columns(header: str, message: str) -> None:
    with pytest.raises(HeaderError, match=message):
        csv(header + "\n")


def test_no_header_row_is_refused() -> None:
    with pytest.raises(HeaderError, match="no header row"):
        csv("\n\n;;\n")
    with pytest.raises(HeaderError, match="no header row"):
        read_table(b"")


def test_a_column_without_a_header_may_be_empty_but_not_filled() -> None:
    table = csv("period;;value;\nHT2026;;1;\nVT2027;x;2;\n")
    assert table.headers == ["period", "value"]
    assert [(e.row, e.column, e.value) for e in table.errors] == [(3, "column 2", "x")]


def test_an_apostrophe_before_a_formula_is_removed() -> None:
    table = csv("period;value;comment;unit\nHT2026;1;'=1+1;'-A\nVT2027;2;'tis;''@x\n")
    assert [(r.comment, r.unit) for r in table.rows] == [("=1+1", "-A"), ("'tis", "'@x")]


# --- xlsx cells ------------------------------------------------------------------------------


def test_xlsx_cells_keep_their_types() -> None:
    source = xlsx(
        [
            ["Period", "Enhet", "Mått", "Värde", "Datum", "Kommentar"],
            [date(2026, 9, 14), 180, 7, 45, date(2026, 9, 14), 12.5],
            ["2026-W38", "0180", "M7", 0.1, "15.9.2026", None],
            [2026, 180.5, "M7", "1 234,5", None, None],
        ],
        start_row=3,
    )
    table = read_table(source, filename="mätningar.xlsx")
    assert table.errors == []
    assert [
        (r.number, r.period, r.unit, r.measure, r.value, r.date, r.comment) for r in table.rows
    ] == [
        (5, date(2026, 9, 14), "180", "7", Decimal(45), date(2026, 9, 14), "12.5"),
        (6, "2026-W38", "0180", "M7", Decimal("0.1"), date(2026, 9, 15), None),
        (7, "2026", "180.5", "M7", Decimal("1234.5"), None, None),
    ]


def test_xlsx_cells_of_the_wrong_type_are_named() -> None:
    source = xlsx([["period", "date", "value"], ["HT2026", 46279, True]])
    table = read_table(source)
    assert [(e.row, e.field, e.value) for e in table.errors] == [
        (2, "date", "46279"),
        (2, "value", "TRUE"),
    ]
    assert "format the cell as a date" in table.errors[0].message


def test_only_the_first_sheet_is_read() -> None:
    table = read("excel.xlsx")
    assert all(row.comment != "not read" for row in table.rows)


# --- what is refused -------------------------------------------------------------------------


def test_old_xls_is_refused_with_what_to_do() -> None:
    source = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    with pytest.raises(UnsupportedFormat, match=r"old Excel workbook \(.xls"):
        read_table(source, filename="data.xls")
    with pytest.raises(UnsupportedFormat, match=r"save it as \.xlsx or CSV"):
        read_table(source)


def test_a_password_protected_workbook_is_refused() -> None:
    source = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le")
    with pytest.raises(UnsupportedFormat, match="protected by a password"):
        read_table(source, filename="data.xlsx")


def zip_of(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (
            {"mimetype": b"application/vnd.oasis.opendocument.presentation", "content.xml": b""},
            r"OpenDocument presentation \(.odp\)",
        ),
        ({"xl/workbook.bin": b""}, r"Excel binary workbook \(.xlsb\)"),
        ({"word/document.xml": b""}, "Word document"),
        ({"Index/Document.iwa": b""}, "Apple Numbers"),
        ({"readme.txt": b"hello"}, "ZIP archive, not an .xlsx workbook"),
    ],
)
def test_other_zip_formats_are_refused(entries: dict[str, bytes], message: str) -> None:
    with pytest.raises(UnsupportedFormat, match=message):
        read_table(zip_of(entries))


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (b"<html><table><tr><td>period</td></tr></table></html>", "HTML or XML file"),
        (b"%PDF-1.7\n", "PDF document"),
        (b'[{"period": "HT2026"}]', "looks like JSON"),
        (b"period;value\x00\x00", "not text"),
    ],
)
def test_other_files_are_refused(source: bytes, message: str) -> None:
    with pytest.raises(UnsupportedFormat, match=message):
        read_table(source, filename="export.xls")


def test_damaged_workbooks_are_malformed() -> None:
    with pytest.raises(MalformedFile, match="damaged ZIP archive"):
        read_table(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(MalformedFile, match="is not one"):
        read_table(b"period;value\nHT2026;1\n", filename="data.xlsx")
    with pytest.raises(MalformedFile, match="is not one"):
        read_table(
            b"period;value\n",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    good = (DATA / "excel.xlsx").read_bytes()
    with pytest.raises(MalformedFile, match=r"cannot be read|damaged"):
        read_table(zip_of({"xl/workbook.xml": b"<not xml", "[Content_Types].xml": b"x"}))
    # Flip bytes inside the compressed sheet: the archive check or the reader notices.
    broken = bytearray(good)
    position = good.index(b"xl/worksheets/sheet1.xml") + 200
    broken[position : position + 40] = b"\xff" * 40
    with pytest.raises(SpreadsheetError):
        read_table(bytes(broken))


def bomb_sheet(size: int) -> bytes:
    return zip_of({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b" " * size})


def test_a_zip_bomb_is_refused_by_its_ratio() -> None:
    source = bomb_sheet(50_000_000)
    assert len(source) < 100_000
    with pytest.raises(ArchiveBomb, match="zip bomb"):
        read_table(source)


def test_a_workbook_that_unpacks_past_the_limit_is_refused() -> None:
    source = zip_of(
        {"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": bytes(range(256)) * 4000},
        zipfile.ZIP_STORED,
    )
    with pytest.raises(ArchiveBomb, match="unpacks to 1,024,011 bytes; at most 1,000,000"):
        read_table(source, max_unpacked_bytes=1_000_000)


def test_a_zip_that_lies_about_its_sizes_is_refused() -> None:
    source = bytearray(bomb_sheet(20_000_000))
    # Declare 1,000 bytes for the sheet in both the local and the central header.
    name = b"xl/worksheets/sheet1.xml"
    local = source.index(b"PK\x03\x04" + source[4:6])  # the first local header
    while source[local + 30 : local + 30 + len(name)] != name:
        local = source.index(b"PK\x03\x04", local + 4)
    struct.pack_into("<I", source, local + 22, 1000)
    central = source.index(b"PK\x01\x02")
    while source[central + 46 : central + 46 + len(name)] != name:
        central = source.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", source, central + 24, 1000)
    with pytest.raises(ArchiveBomb, match="more than the 1,000 bytes it declares"):
        read_table(bytes(source))


def test_too_many_bytes_or_rows_are_refused() -> None:
    with pytest.raises(FileTooLarge, match="at most 100 are accepted"):
        read_table(b"period;value\n" + b"HT2026;1\n" * 20, max_bytes=100)
    rows = "period;value\n" + "HT2026;1\n\n" * 10
    assert len(read_table(rows.encode(), max_rows=10).rows) == 10
    with pytest.raises(FileTooLarge, match="more than 9 rows"):
        read_table(rows.encode(), max_rows=9)
    source = xlsx([["period", "value"], *[["HT2026", 1] for _ in range(11)]])
    with pytest.raises(FileTooLarge, match="more than 10 rows"):
        read_table(source, max_rows=10)


def test_a_broken_csv_quote_is_malformed() -> None:
    text = 'period;value;comment\nHT2026;1;"' + "x" * 200_000 + "\n"
    with pytest.raises(MalformedFile, match=r"Row 2 \(from line 2\) has a cell longer"):
        csv(text)


def test_an_unterminated_quote_is_refused_naming_its_row() -> None:
    text = 'period;value;comment\n2026-W36;4;ok\n2026-W37;5;"oops\n2026-W38;6;fine\n'
    with pytest.raises(MalformedFile, match=r"Row 3 \(from line 3\) opens a quote that is never"):
        csv(text)


def test_a_quote_closed_inside_a_cell_is_refused_naming_its_row() -> None:
    text = 'period;value;comment\n2026-W37;5;"oops\n2026-W38;6;"fine"\n'
    with pytest.raises(MalformedFile, match=r"Row 2 \(from line 2\) has a quoted cell followed"):
        csv(text)


def test_a_quoted_line_break_stays_one_cell_and_rows_keep_their_numbers() -> None:
    table = csv('period;value;comment\n2026-W37;5;"two\nlines"\n2026-W38;6;"say ""hi"""\n')
    assert [(row.number, row.comment) for row in table.rows] == [
        (2, "two\nlines"),
        (3, 'say "hi"'),
    ]


@pytest.mark.parametrize("name", list(hostile_files.hostile_csv_files()))
def test_hostile_csv_files_are_refused_in_our_words(name: str) -> None:
    with pytest.raises(SpreadsheetError) as refused:
        read_table(hostile_files.hostile_csv_files()[name])
    message = str(refused.value)
    assert message.startswith("Row 2 ")
    for word in ("expected after", "end of data", "field limit", "Error"):
        assert word not in message


@pytest.mark.parametrize(
    ("name", "last"),
    [
        ("far_corner", "XFD1048576"),
        ("far_corner_without_dimension", "XFD1048576"),
        ("far_row_by_row_number", "B1048576"),
        ("wide_row_without_references", "ACOF3"),
        ("lowercase_reference", "XFD900000"),
    ],
)
def test_a_sheet_is_measured_by_its_furthest_value_whatever_it_declares(
    name: str, last: str
) -> None:
    source = hostile_files.hostile_workbooks()[name]
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        assert sheet_bounds.measure_first_sheet(archive).last == last
    with pytest.raises(SheetTooLarge, match=f"cells up to {last} "):
        read_table(source)


def test_a_real_workbook_measures_as_what_it_holds() -> None:
    with zipfile.ZipFile(DATA / "excel.xlsx") as archive:
        extent = sheet_bounds.measure_first_sheet(archive)
    assert (extent.rows, extent.columns, extent.declared) == (5, 5, "A1:E5")
    assert extent.shared_strings == 17


def test_the_largest_sheet_accepted_stays_within_a_bounded_memory() -> None:
    """The reader's dense block for the widest accepted sheet, and the most text, measured in
    a process of its own: its peak resident memory grows by less than 300 MB."""
    script = (
        "import resource, sys\n"
        "from app.measures.spreadsheets import read_table\n"
        "from tests.measures import hostile_files as h\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "wide = h.workbook(h.HEADER + h.ROW + '<row r=\"1171\">' + h.number('IV1171', '1')"
        " + '</row>')\n"
        "cells = ''.join(f'<row r=\"{r}\">' + ''.join(f'<c r=\"{c}{r}\" t=\"s\"><v>0</v></c>'"
        " for c in 'CDEF') + '</row>' for r in range(3, 403))\n"
        "text = h.workbook(h.HEADER + h.ROW + cells, shared_strings=h.shared('x' * 30000))\n"
        "for source in (wide, text):\n"
        "    read_table(source)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    grown_kib = int(done.stdout.split()[-1])
    assert grown_kib < 300 * 1024, grown_kib


def test_errors_are_value_errors_with_messages() -> None:
    assert issubclass(SpreadsheetError, ValueError)
    for error in (UnsupportedFormat, FileTooLarge, ArchiveBomb, MalformedFile, HeaderError):
        assert issubclass(error, SpreadsheetError)
    assert CellError(2, "Värde", "value", "x", "m").row == 2
