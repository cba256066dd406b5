"""Reporting periods: keys, parsing of spreadsheet forms, ordinals and order."""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.periods import (
    InvalidPeriod,
    Period,
    PeriodKind,
    SchoolYearStart,
    format_period,
    next_period,
    parse_day,
    parse_period,
    period_from_ordinal,
    period_of,
    periods_between,
    previous_period,
    school_year_start_of,
)

KINDS = st.sampled_from(list(PeriodKind))
# Days whose periods of every kind, and their neighbours, lie inside the years 1900–9999.
DAYS = st.dates(min_value=date(1902, 1, 1), max_value=date(9997, 12, 31))


@st.composite
def school_year_starts(draw: st.DrawFn) -> SchoolYearStart:
    month = draw(st.integers(1, 12))
    last = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    day = draw(st.integers(2 if month == 1 else 1, last))
    return SchoolYearStart(month, day)


STARTS = st.one_of(st.just(SchoolYearStart()), school_year_starts())


# --- keys and days ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "day", "key", "first", "last"),
    [
        (PeriodKind.day, date(2026, 9, 14), "2026-09-14", date(2026, 9, 14), date(2026, 9, 14)),
        (PeriodKind.week, date(2026, 9, 9), "2026-W37", date(2026, 9, 7), date(2026, 9, 13)),
        # 1 January 2027 is a Friday: it belongs to the last week of ISO year 2026.
        (PeriodKind.week, date(2027, 1, 1), "2026-W53", date(2026, 12, 28), date(2027, 1, 3)),
        # 29 December 2025 is a Monday: week 1 of ISO year 2026.
        (PeriodKind.week, date(2025, 12, 29), "2026-W01", date(2025, 12, 29), date(2026, 1, 4)),
        (PeriodKind.month, date(2026, 2, 14), "2026-02", date(2026, 2, 1), date(2026, 2, 28)),
        (PeriodKind.month, date(2028, 2, 14), "2028-02", date(2028, 2, 1), date(2028, 2, 29)),
        (PeriodKind.term, date(2026, 9, 14), "HT2026", date(2026, 7, 1), date(2026, 12, 31)),
        (PeriodKind.term, date(2027, 3, 1), "VT2027", date(2027, 1, 1), date(2027, 6, 30)),
        (PeriodKind.term, date(2026, 7, 1), "HT2026", date(2026, 7, 1), date(2026, 12, 31)),
        (PeriodKind.term, date(2026, 6, 30), "VT2026", date(2026, 1, 1), date(2026, 6, 30)),
        (
            PeriodKind.school_year,
            date(2026, 9, 14),
            "2026/27",
            date(2026, 7, 1),
            date(2027, 6, 30),
        ),
        (
            PeriodKind.school_year,
            date(2027, 6, 30),
            "2026/27",
            date(2026, 7, 1),
            date(2027, 6, 30),
        ),
        (
            PeriodKind.school_year,
            date(2099, 8, 1),
            "2099/00",
            date(2099, 7, 1),
            date(2100, 6, 30),
        ),
    ],
)
def test_period_of_a_day_has_its_canonical_key_and_days(
    kind: PeriodKind, day: date, key: str, first: date, last: date
) -> None:
    period = period_of(kind, day)
    assert (period.key, period.first_day, period.last_day) == (key, first, last)
    assert format_period(period) == str(period) == key
    assert day in period


def test_school_year_start_moves_terms_and_school_years() -> None:
    august = SchoolYearStart(8, 15)
    assert period_of("term", date(2026, 8, 14), school_year_start=august).key == "VT2026"
    autumn = period_of("term", date(2026, 8, 15), school_year_start=august)
    assert (autumn.key, autumn.first_day) == ("HT2026", date(2026, 8, 15))
    year = parse_period("school_year", "2026/27", school_year_start=august)
    assert (year.first_day, year.last_day) == (date(2026, 8, 15), date(2027, 8, 14))
    assert school_year_start_of(year) == august
    assert school_year_start_of(parse_period("term", "VT2027", school_year_start=august)) == august


@pytest.mark.parametrize(("month", "day"), [(2, 30), (2, 29), (13, 1), (0, 1), (4, 31), (1, 1)])
def test_school_year_start_refuses_days_not_in_every_year_and_1_january(
    month: int, day: int
) -> None:
    with pytest.raises(ValueError, match="cannot start"):
        SchoolYearStart(month, day)


# --- parsing the forms spreadsheets hold ----------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "key"),
    [
        ("day", "2026-09-14", "2026-09-14"),
        ("day", "  14.9.2026 ", "2026-09-14"),
        ("day", "14.09.2026", "2026-09-14"),
        ("day", "2026-09-14T00:00:00", "2026-09-14"),
        ("day", "2026-09-14 08:30", "2026-09-14"),
        ("day", "2026-09-14T08:30:00+02:00", "2026-09-14"),
        ("day", "20260914", "2026-09-14"),
        ("day", "2026-9-4", "2026-09-04"),
        ("week", "2026-W37", "2026-W37"),
        ("week", "2026-w37", "2026-W37"),
        ("week", "2026W37", "2026-W37"),
        ("week", "2026-W7", "2026-W07"),
        ("week", "v37 2026", "2026-W37"),
        ("week", "V.37 2026", "2026-W37"),
        ("week", "v. 37, 2026", "2026-W37"),
        ("week", "vecka 37 2026", "2026-W37"),
        ("week", "Vecka 37 2026", "2026-W37"),
        ("week", "uke 37 2026", "2026-W37"),
        ("week", "week 37 2026", "2026-W37"),
        ("week", "2026-09-09", "2026-W37"),
        ("week", "13.9.2026", "2026-W37"),
        ("week", "2027-01-01", "2026-W53"),
        ("month", "2026-09", "2026-09"),
        ("month", "2026-9", "2026-09"),
        ("month", "2026/09", "2026-09"),
        ("month", "sep 2026", "2026-09"),
        ("month", "Sept. 2026", "2026-09"),
        ("month", "september 2026", "2026-09"),
        ("month", "SEPTEMBER 2026", "2026-09"),
        ("month", "okt 2026", "2026-10"),
        ("month", "oct 2026", "2026-10"),
        ("month", "maj 2026", "2026-05"),
        ("month", "may 2026", "2026-05"),
        ("month", "mai 2026", "2026-05"),
        ("month", "desember 2026", "2026-12"),
        ("month", "sep-26", "2026-09"),
        ("month", "2026 mars", "2026-03"),
        ("month", "2026-09-30", "2026-09"),
        ("month", "30.9.2026", "2026-09"),
        ("term", "HT2026", "HT2026"),
        ("term", "HT 2026", "HT2026"),
        ("term", "ht26", "HT2026"),
        ("term", "Ht-26", "HT2026"),
        ("term", "VT2027", "VT2027"),
        ("term", "vt 27", "VT2027"),
        ("term", "H26", "HT2026"),
        ("term", "H2026", "HT2026"),
        ("term", "V2027", "VT2027"),
        ("term", "Höstterminen 2026", "HT2026"),
        ("term", "vårtermin 2027", "VT2027"),
        ("term", "høst 2026", "HT2026"),
        ("term", "vår 2027", "VT2027"),
        ("term", "2026-09-14", "HT2026"),
        ("term", "2027-02-01", "VT2027"),
        ("school_year", "2026/27", "2026/27"),
        ("school_year", "2026/2027", "2026/27"),
        ("school_year", "2026-27", "2026/27"),
        ("school_year", "2026–27", "2026/27"),
        ("school_year", "2026 / 27", "2026/27"),
        ("school_year", "lå 2026/27", "2026/27"),
        ("school_year", "LÅ 26/27", "2026/27"),
        ("school_year", "Läsår 2026/27", "2026/27"),
        ("school_year", "läsåret 2026/2027", "2026/27"),
        ("school_year", "skoleår 2026/27", "2026/27"),
        ("school_year", "2099/00", "2099/00"),
        ("school_year", "2026-09-14", "2026/27"),
        ("school_year", "2027-06-30", "2026/27"),
    ],
)
def test_parse_period_accepts_spreadsheet_forms(kind: str, text: str, key: str) -> None:
    assert parse_period(kind, text).key == key


def test_parse_period_accepts_dates_and_datetimes_inside_the_period() -> None:
    assert parse_period("day", date(2026, 9, 14)).key == "2026-09-14"
    assert parse_period("day", datetime(2026, 9, 14, 23, 59)).key == "2026-09-14"
    assert parse_period("week", date(2026, 9, 9)).key == "2026-W37"
    assert parse_period("month", datetime(2026, 9, 9, 12)).key == "2026-09"
    assert parse_period("term", date(2027, 1, 1)).key == "VT2027"
    assert parse_period("school_year", date(2026, 7, 1)).key == "2026/27"
    assert parse_day("14.9.2026") == parse_day(datetime(2026, 9, 14, 1)) == date(2026, 9, 14)


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        (
            "week",
            "2026-W54",
            "'2026-W54' is not an ISO week: week 54 does not exist in 2026 (it has 53 weeks); "
            "write a week as 2026-W37",
        ),
        ("week", "2027-W53", "week 53 does not exist in 2027 (it has 52 weeks)"),
        ("week", "v0 2026", "week 0 does not exist"),
        ("week", "2026-37", "write a week as 2026-W37"),
        ("week", "1899-W52", "1899 is outside the supported years 1900–9999"),
        ("month", "2026-13", "month 13 does not exist"),
        ("month", "2026-00", "month 0 does not exist"),
        ("month", "smarch 2026", "'smarch 2026' is not a month; write a month as 2026-09"),
        ("month", "2026-02-30", "2026-02 has no day 30"),
        ("day", "30.2.2026", "'30.2.2026' is not a date: 2026-02 has no day 30"),
        ("day", "14/9/2026", "write a day as 2026-09-14"),
        ("day", "1899-12-31", "outside the supported years"),
        ("day", "", "it is empty"),
        ("day", "   ", "it is empty"),
        ("term", "HT1899", "1899 is outside the supported years 1900–9999"),
        ("term", "VT10000", "'VT10000' is not a term; write a term as HT2026 (autumn)"),
        ("term", "ST2026", "'ST2026' is not a term"),
        ("term", "HT", "'HT' is not a term"),
        ("school_year", "2026/28", "so 2026 is followed by 2027"),
        ("school_year", "2026/2028", "so 2026 is followed by 2027"),
        ("school_year", "2026", "write 2025/26 for the one ending in 2026"),
        ("school_year", "9999/00", "would end after 9999-12-31"),
        ("school_year", "1899/00", "1899 is outside the supported years"),
    ],
)
def test_parse_period_refuses_with_a_message_naming_the_form(
    kind: str, text: str, message: str
) -> None:
    with pytest.raises(InvalidPeriod) as raised:
        parse_period(kind, text)
    assert message in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_parse_period_refuses_other_types_and_unknown_kinds() -> None:
    with pytest.raises(InvalidPeriod, match="is not an ISO week"):
        parse_period("week", 37)  # type: ignore[arg-type]  # what a careless caller sends
    with pytest.raises(InvalidPeriod, match="use one of day, week, month, term, school_year"):
        parse_period("quarter", "2026-Q1")


def test_period_of_refuses_days_before_1900() -> None:
    with pytest.raises(InvalidPeriod, match="outside the supported years"):
        period_of("month", date(1899, 12, 31))
    with pytest.raises(InvalidPeriod, match="ends after 9999-12-31"):
        period_of("week", date(9999, 12, 31))


def test_period_from_ordinal_refuses_out_of_range() -> None:
    for kind, ordinal in [("day", 0), ("week", 10**7), ("month", 0), ("term", -1)]:
        with pytest.raises(InvalidPeriod, match="outside"):
            period_from_ordinal(kind, ordinal)


# --- ordinals, neighbours and ranges ---------------------------------------------------------


def test_ordinals_are_the_documented_numbers() -> None:
    assert period_of("day", date(2026, 9, 14)).ordinal == date(2026, 9, 14).toordinal()
    assert parse_period("month", "2026-09").ordinal == 2026 * 12 + 8
    assert parse_period("term", "VT2027").ordinal == 2027 * 2
    assert parse_period("term", "HT2026").ordinal == 2026 * 2 + 1
    assert parse_period("school_year", "2026/27").ordinal == 2026
    week = parse_period("week", "2026-W37")
    assert week.ordinal == week.first_day.toordinal() // 7


def test_next_and_previous_cross_year_ends() -> None:
    assert next_period(parse_period("week", "2026-W53")).key == "2027-W01"
    assert previous_period(parse_period("week", "2027-W01")).key == "2026-W53"
    assert next_period(parse_period("month", "2026-12")).key == "2027-01"
    assert next_period(parse_period("term", "HT2026")).key == "VT2027"
    assert next_period(parse_period("term", "VT2027")).key == "HT2027"
    assert next_period(parse_period("school_year", "2099/00")).key == "2100/01"
    august = SchoolYearStart(8, 20)
    after = next_period(parse_period("term", "HT2026", school_year_start=august))
    assert (after.key, after.last_day) == ("VT2027", date(2027, 8, 19))


def test_periods_between_lists_both_ends_in_order() -> None:
    keys = [
        p.key
        for p in periods_between(parse_period("term", "VT2026"), parse_period("term", "VT2027"))
    ]
    assert keys == ["VT2026", "HT2026", "VT2027"]
    assert periods_between(parse_period("month", "2026-05"), parse_period("month", "2026-04")) == []
    with pytest.raises(ValueError, match="from a month to a week"):
        periods_between(parse_period("month", "2026-05"), parse_period("week", "2026-W20"))
    with pytest.raises(ValueError, match="start on different days"):
        periods_between(
            parse_period("term", "HT2026"),
            parse_period("term", "HT2027", school_year_start=SchoolYearStart(8, 1)),
        )


# --- properties ------------------------------------------------------------------------------


@given(kind=KINDS, day=DAYS, start=STARTS)
def test_parse_of_format_is_the_period(kind: PeriodKind, day: date, start: SchoolYearStart) -> None:
    period = period_of(kind, day, school_year_start=start)
    assert parse_period(kind, format_period(period), school_year_start=start) == period
    assert parse_period(kind, format_period(period).lower(), school_year_start=start) == period


@given(kind=KINDS, day=DAYS, start=STARTS)
def test_ordinal_round_trips(kind: PeriodKind, day: date, start: SchoolYearStart) -> None:
    period = period_of(kind, day, school_year_start=start)
    assert period_from_ordinal(kind, period.ordinal, school_year_start=start) == period


@given(kind=KINDS, day=DAYS, start=STARTS)
def test_every_day_lies_in_exactly_one_period_of_each_kind(
    kind: PeriodKind, day: date, start: SchoolYearStart
) -> None:
    period = period_of(kind, day, school_year_start=start)
    assert period.first_day <= day <= period.last_day
    before = previous_period(period)
    after = next_period(period)
    assert day not in before
    assert day not in after
    # Consecutive periods touch: no gap, no overlap.
    assert before.last_day + timedelta(days=1) == period.first_day
    assert period.last_day + timedelta(days=1) == after.first_day
    assert (before.ordinal, after.ordinal) == (period.ordinal - 1, period.ordinal + 1)


@given(kind=KINDS, days=st.lists(DAYS, min_size=2, max_size=20), start=STARTS)
def test_period_order_is_chronological(
    kind: PeriodKind, days: list[date], start: SchoolYearStart
) -> None:
    periods = [period_of(kind, day, school_year_start=start) for day in days]
    by_period: list[Period] = sorted(periods)
    assert [p.first_day for p in by_period] == sorted(p.first_day for p in periods)
    assert [p.ordinal for p in by_period] == sorted(p.ordinal for p in periods)


@given(day=DAYS, start=STARTS)
def test_terms_split_the_school_year(day: date, start: SchoolYearStart) -> None:
    year = period_of("school_year", day, school_year_start=start)
    autumn = parse_period("term", f"HT{year.first_day.year}", school_year_start=start)
    spring = next_period(autumn)
    assert (autumn.first_day, spring.last_day) == (year.first_day, year.last_day)


@given(day=DAYS)
def test_date_forms_give_the_same_period(day: date) -> None:
    for kind in PeriodKind:
        expected = period_of(kind, day)
        for text in (day.isoformat(), f"{day.day}.{day.month}.{day.year}", f"{day}T00:00:00"):
            assert parse_period(kind, text) == expected


def test_the_supported_range_reaches_its_ends() -> None:
    assert period_of("week", date(1900, 1, 1)).key == "1900-W01"
    assert period_of("day", date(9999, 12, 31)).key == "9999-12-31"
    assert period_of("month", date(9999, 12, 31)).key == "9999-12"
    assert period_of("term", date(9999, 12, 31)).key == "HT9999"
    assert period_of("school_year", date(1900, 7, 1)).key == "1900/01"
    with pytest.raises(InvalidPeriod, match="would end after 9999-12-31"):
        period_of("school_year", date(9999, 7, 1))
