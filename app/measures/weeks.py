"""Weeks as people write them in a spreadsheet: a bare ``47``, ``v.47``, ``v 47``, ``Vecka 47``
or ``uke 47``, without the year.

The year comes, in this order, from the row's year column (``År``), the row's date, the
year given with the upload (``?year=`` or ``pdca push --year``), or the file's other rows: the
nearest row above (else below) with a full week or a date, moving to the next year when the
weeks wrap around New Year (``51, 52, 1, 2``). A row whose week and date disagree says so.
"""

import dataclasses
import re
from datetime import date

from app.measures import spreadsheets
from app.periods import InvalidPeriod, PeriodKind, parse_period
from app.problem_texts import Text

_BARE_WEEK = re.compile(r"(?:(v|vecka|veke|uke|uge|week|wk|w)\.?\s*)?(\d{1,2})", re.IGNORECASE)
_WEEK_HEADERS = {"vecka", "veke", "uke", "week", "v", "vnr", "veckonummer", "ukenummer"}


def bare_week(period: object, *, digits: bool = True) -> int | None:
    """The week number of a period written without its year, or None. A number alone counts
    only with ``digits`` (in a column named for weeks: under 'Månad', 11 is November)."""
    if not isinstance(period, str):
        return None
    match = _BARE_WEEK.fullmatch(period.strip())
    if match is None or not 1 <= int(match[2]) <= 53 or (match[1] is None and not digits):
        return None
    return int(match[2])


def _full_week(period: object, day: date | None) -> tuple[int, int] | None:
    """(ISO year, week) of a row that tells its week with its year."""
    if isinstance(period, str) and bare_week(period) is None:
        try:
            found = parse_period(PeriodKind.week, period)
        except InvalidPeriod:
            found = None
        if found is not None:
            iso = found.first_day.isocalendar()
            return iso.year, iso.week
    if isinstance(period, date):
        iso = period.isocalendar()
        return iso.year, iso.week
    if day is not None:
        iso = day.isocalendar()
        return iso.year, iso.week
    return None


def _near(year: int, week: int, bare: int) -> int:
    """The year of week ``bare`` written next to week ``week`` of ``year``."""
    if bare < week - 26:
        return year + 1
    if bare > week + 26:
        return year - 1
    return year


def fill_years(table: spreadsheets.Table, year: int | None = None) -> spreadsheets.Table:
    """The table with each bare week given its year (``47`` becomes ``2026-W47``), and a cell
    error for a bare week whose year nothing tells and for a week its date contradicts."""
    column = next(
        (name for name in table.headers if spreadsheets.field_of_header(name) == "period"),
        "period",
    )
    digits = re.sub(r"[^a-z]", "", column.casefold()) in _WEEK_HEADERS
    known = [_full_week(row.period, row.date) for row in table.rows]
    rows: list[spreadsheets.Row] = []
    errors = list(table.errors)
    for index, row in enumerate(table.rows):
        week = bare_week(row.period, digits=digits)
        if week is not None:
            found = row.year
            if found is None and row.date is not None:
                found = row.date.isocalendar().year
            if found is None:
                found = year
            if found is None:
                before = next((k for k in reversed(known[:index]) if k is not None), None)
                after = next((k for k in known[index + 1 :] if k is not None), None)
                if before is not None:
                    found = _near(before[0], before[1], week)
                elif after is not None:
                    found = _near(after[0], after[1], week)
            if found is None:
                errors.append(
                    spreadsheets.CellError.of(
                        row.number,
                        column,
                        "period",
                        str(row.period),
                        Text("week.no-year", {"shown": row.period, "week": week}),
                    )
                )
            else:
                row = dataclasses.replace(row, period=f"{found}-W{week:02d}")
        told = _full_week(row.period, None) if row.date is not None else None
        if told is not None and row.date is not None:
            iso = row.date.isocalendar()
            if (iso.year, iso.week) != told:
                errors.append(
                    spreadsheets.CellError.of(
                        row.number,
                        column,
                        "period",
                        str(row.period),
                        Text(
                            "week.date-disagrees",
                            {
                                "week": f"{told[0]}-W{told[1]:02d}",
                                "date": row.date.isoformat(),
                                "date_week": f"{iso.year}-W{iso.week:02d}",
                            },
                        ),
                    )
                )
        rows.append(row)
    errors.sort(key=lambda error: error.row)
    return dataclasses.replace(table, rows=rows, errors=errors)
