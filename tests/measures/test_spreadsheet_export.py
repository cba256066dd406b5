"""Writing measurements as CSV and .xlsx in Swedish Excel's dialect, and reading them back."""

import io
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

import pytest
import python_calamine
from hypothesis import given, settings
from hypothesis import strategies as st

from app.measures.sheet_writer import write_csv, write_xlsx
from app.measures.spreadsheets import Row, read_table
from app.periods import PeriodKind, parse_period, period_of

HEADER = [
    "period",
    "date",
    "measure",
    "unit",
    "value",
    "numerator",
    "denominator",
    "comment",
    "external_id",
]


def csv_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    return b"".join(write_csv(header, rows))


def test_csv_is_swedish_excels_dialect() -> None:
    rows: list[list[object]] = [
        [
            parse_period("week", "2026-W37"),
            date(2026, 9, 14),
            "närvaro",
            "Ösby",
            Decimal("1234.50"),
            None,
            None,
            'Sjuk; "vikarie"\nandra raden',
            "x-1",
        ],
        ["HT2026", None, "m", "u", Decimal("-0.5"), 3, 4, "=SUM(A1)", None],
        ["2026-09", datetime(2026, 9, 1, 8, 30), "m", "u", 2.5, None, None, "-2 sedan", None],
        ["2026-10", None, "m", "u", Decimal("1E+3"), None, None, PeriodKind.week, None],
    ]
    assert csv_bytes(HEADER, rows).decode("utf-8") == (
        "\ufeffperiod;date;measure;unit;value;numerator;denominator;comment;external_id\r\n"
        '2026-W37;2026-09-14;närvaro;Ösby;1234,50;;;"Sjuk; ""vikarie""\nandra raden";x-1\r\n'
        "HT2026;;m;u;-0,5;3;4;'=SUM(A1);\r\n"
        "2026-09;2026-09-01 08:30:00;m;u;2,5;;;'-2 sedan;\r\n"
        "2026-10;;m;u;1000;;;week;\r\n"
    )


def test_csv_streams_in_chunks() -> None:
    rows = ([f"2026-{m:02d}", None, "m", "u", Decimal(m)] for m in range(1, 13))
    many = (row for _ in range(200) for row in rows)
    chunks = write_csv(HEADER[:5], many)
    assert isinstance(chunks, Iterator)
    first = next(chunks)
    assert first == b"\xef\xbb\xbfperiod;date;measure;unit;value\r\n"
    big = write_csv(
        HEADER[:5], ([f"2026-{1 + i % 12:02d}", None, "m", "u", i] for i in range(1200))
    )
    parts = list(big)
    assert len(parts) == 1 + 3  # the header, then chunks of 500 rows
    assert b"".join(parts).count(b"\r\n") == 1201


def test_xlsx_holds_real_numbers_dates_and_text() -> None:
    rows: list[list[object]] = [
        ["2026-W37", date(2026, 9, 14), "m", "0180", Decimal("12.5"), 3, 4, "=1+1", None],
        [None, datetime(2026, 9, 14, 8, 30), "m", "u", 7, None, None, None, True],
    ]
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(write_xlsx(HEADER, rows)))
    assert workbook.sheet_names == ["Mätningar"]
    cells = workbook.get_sheet_by_index(0).to_python()
    assert cells[0] == HEADER
    assert cells[1] == ["2026-W37", date(2026, 9, 14), "m", "0180", 12.5, 3.0, 4.0, "=1+1", ""]
    assert cells[2][1] == datetime(2026, 9, 14, 8, 30)
    assert cells[2][8] is True


def test_xlsx_sheet_name_is_checked() -> None:
    assert python_calamine.CalamineWorkbook.from_filelike(
        io.BytesIO(write_xlsx(["period", "value"], [], sheet="Läsår 2026"))
    ).sheet_names == ["Läsår 2026"]
    with pytest.raises(ValueError, match="is not a sheet name"):
        write_xlsx(["period"], [], sheet="a/b")


def test_exported_example_imports_again_unchanged() -> None:
    rows: list[list[object]] = [
        ["HT2026", None, "trivsel", "Åsens förskola", None, 7, 9, "Ärlig återkoppling", "e1"],
        ["VT2027", None, "trivsel", "Åsens förskola", Decimal("0.75"), 6, 8, None, "e2"],
    ]
    for source in (csv_bytes(HEADER, rows), write_xlsx(HEADER, rows)):
        table = read_table(source)
        assert table.errors == []
        assert table.rows == [
            Row(2, "HT2026", None, "trivsel", "Åsens förskola", None, Decimal(7), Decimal(9), "Ärlig återkoppling", "e1"),
            Row(3, "VT2027", None, "trivsel", "Åsens förskola", Decimal("0.75"), Decimal(6), Decimal(8), None, "e2"),
        ]  # fmt: skip


# --- round trips -----------------------------------------------------------------------------

# What a person types in a cell: letters (Swedish and others), digits, punctuation that
# matters to CSV (separators, quotes, apostrophes, formula starts) and line breaks. Control
# characters other than the line break cannot be stored in a workbook.
TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r\ufeff").filter(
        lambda c: c.isprintable() or c in " \n"
    )
    | st.sampled_from([*";,\"'\n\t=+-@ åäöÅÄÖøæ–%", "\n"]),
    max_size=40,
)
CODE = st.text(
    st.sampled_from(list("abcXYZåäöÅÄÖ0123456789-_. ;,\"'")), min_size=1, max_size=12
).filter(lambda s: s.strip() != "")
PERIODS = st.builds(
    lambda kind, day: period_of(kind, day).key,
    st.sampled_from(list(PeriodKind)),
    st.dates(min_value=date(1901, 1, 1), max_value=date(9990, 12, 31)),
)
# Up to 15 significant digits: what a float, and so an .xlsx cell, holds exactly.
NUMBERS = st.builds(
    lambda digits, exponent: Decimal(digits).scaleb(exponent),
    st.integers(-(10**15) + 1, 10**15 - 1),
    st.integers(-8, 6),
)


@st.composite
def measurement_rows(draw: st.DrawFn) -> list[object]:
    with_fraction = draw(st.booleans())
    value = draw(st.none() | NUMBERS) if with_fraction else draw(NUMBERS)
    numerator = draw(NUMBERS) if with_fraction else None
    denominator = draw(NUMBERS) if with_fraction else None
    return [
        draw(PERIODS),
        draw(st.none() | st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31))),
        draw(st.none() | CODE),
        draw(st.none() | CODE),
        value,
        numerator,
        denominator,
        draw(st.none() | TEXT),
        draw(st.none() | CODE),
    ]


def expected(number: int, row: list[object]) -> Row:
    def code(value: object) -> str | None:
        return None if value is None else str(value).strip() or None

    comment = row[7]
    assert comment is None or isinstance(comment, str)
    return Row(
        number,
        row[0],  # type: ignore[arg-type]  # a period key, str
        row[1],  # type: ignore[arg-type]  # a date or None
        code(row[2]),
        code(row[3]),
        row[4],  # type: ignore[arg-type]  # Decimal values
        row[5],  # type: ignore[arg-type]
        row[6],  # type: ignore[arg-type]
        comment.strip() or None if comment is not None else None,
        code(row[8]),
    )


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(measurement_rows(), min_size=1, max_size=8))
def test_csv_export_reads_back_unchanged(rows: list[list[object]]) -> None:
    table = read_table(csv_bytes(HEADER, rows), filename="export.csv")
    assert table.errors == []
    assert table.rows == [expected(number, row) for number, row in enumerate(rows, start=2)]


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(measurement_rows(), min_size=1, max_size=8))
def test_xlsx_export_reads_back_unchanged(rows: list[list[object]]) -> None:
    table = read_table(write_xlsx(HEADER, rows), filename="export.xlsx")
    assert table.errors == []
    assert table.rows == [expected(number, row) for number, row in enumerate(rows, start=2)]


@pytest.mark.parametrize("writer", ["csv", "xlsx"])
def test_text_that_looks_like_a_formula_reads_back_as_written(writer: str) -> None:
    comments = ["'=x", "''@y", "=x", "-5 st", "+46 70", "@home", "'tis", "_x000D_ a"]
    rows: list[list[object]] = [
        ["HT2026", None, None, None, 1, None, None, c, None] for c in comments
    ]
    source = csv_bytes(HEADER, rows) if writer == "csv" else write_xlsx(HEADER, rows)
    assert [row.comment for row in read_table(source).rows] == comments
