"""Reporting periods as schools count them: day, ISO week, month, term and school year.

Every period has a canonical key that a person can read and type (``2026-09-14``,
``2026-W37``, ``2026-09``, ``HT2026``, ``2026/27``), a first and a last day, and an integer
ordinal for the database: ordinals of one kind sort chronologically and are consecutive, so
the period after ``p`` has ordinal ``p.ordinal + 1``.

Terms and school years depend on the organisation's school-year start (default 1 July):

- the school year ``2026/27`` runs from the start day in 2026 to the day before the start day
  in 2027;
- the autumn term ``HT2026`` (hösttermin) runs from the school-year start in 2026 to
  31 December 2026, and the spring term ``VT2027`` (vårtermin) from 1 January 2027 to the day
  before the school-year start in 2027. The two terms of a year cover it without gap or
  overlap, so every day lies in exactly one term; the summer holiday is counted in the autumn
  term when the school year starts on 1 July (the default), in the spring term when it is set
  to the first school day in August.

A school year cannot start on 1 January (the spring term would be empty) nor on 29 February
(most years have none). Periods lie wholly within the years 1900 to 9999; a date outside them
is refused as a typing error rather than stored.

Parsing is lenient about the forms spreadsheets hold (see :func:`parse_period`), formatting
always writes the canonical key, and ``parse_period(kind, format_period(p)) == p``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Final

__all__ = [
    "FIRST_SUPPORTED_DAY",
    "LAST_SUPPORTED_DAY",
    "MESSAGES",
    "InvalidPeriod",
    "Period",
    "PeriodKind",
    "SchoolYearStart",
    "Wording",
    "format_period",
    "next_period",
    "parse_day",
    "parse_period",
    "period_from_ordinal",
    "period_of",
    "periods_between",
    "previous_period",
    "school_year_start_of",
]

FIRST_SUPPORTED_DAY = date(1900, 1, 1)
LAST_SUPPORTED_DAY = date(9999, 12, 31)


class PeriodKind(StrEnum):
    """The granularity a measure is reported at."""

    day = "day"
    week = "week"
    month = "month"
    term = "term"
    school_year = "school_year"


#: The parser's messages in English, by key (``{...}`` are a :class:`Wording`'s figures);
#: app.problem_texts_ingestion says them in Swedish, Bokmål and Nynorsk too.
MESSAGES: Final[dict[str, str]] = {
    "period.not-a-kind": "{kind!r} is not a period kind; use one of {accepted}",
    "period.refused": "{reason}; {expected}",
    "period.not-of-kind": "{shown} is not {kind}: {reason}; {expected}",
    "period.not-of-kind-bare": "{shown} is not {kind}; {expected}",
    "period.year-unsupported": "{year} is outside the supported years 1900–9999",
    "period.day-unsupported": "{day} is outside the supported years 1900–9999",
    "period.week-missing": "week {week} does not exist in {year} (it has {weeks} weeks)",
    "period.week-too-late": "week {week} of {year} ends after 9999-12-31",
    "period.month-missing": "month {month} does not exist (months run 1–12)",
    "period.school-year-too-late": "the school year starting in 9999 would end after 9999-12-31",
    "period.day-ordinal": "day ordinal {ordinal} is outside the years 1900–9999",
    "period.week-ordinal": "week ordinal {ordinal} is outside the years 1900–9999",
    "period.month-of-day-missing": "month {month} does not exist",
    "period.day-missing": "{month} has no day {day}",
    "period.empty": "it is empty",
    "period.school-year-next": "a school year runs into the next year, so {year} is followed "
    "by {next}",
    "period.school-year-bare": "a school year spans two years: write {ending} for the one "
    "ending in {year} or {starting} for the one starting in it",
    "period.kind.day": "a date",
    "period.kind.week": "an ISO week",
    "period.kind.month": "a month",
    "period.kind.term": "a term",
    "period.kind.school_year": "a school year",
    "period.expected.day": "write a day as 2026-09-14 (or 14.9.2026)",
    "period.expected.week": "write a week as 2026-W37 (or v37 2026, or a date inside the week)",
    "period.expected.month": "write a month as 2026-09 (or sep 2026, or a date inside the month)",
    "period.expected.term": "write a term as HT2026 (autumn) or VT2027 (spring), or a date "
    "inside the term",
    "period.expected.school_year": "write a school year as 2026/27 (or 2026/2027, or a date "
    "inside the school year)",
}


@dataclass(frozen=True)
class Wording:
    """A message by its key in :data:`MESSAGES` and its figures (a figure may be a Wording):
    English here, the request's language where the problem layer says it."""

    key: str
    figures: dict[str, object]

    def english(self) -> str:
        figures = {
            name: value.english() if isinstance(value, Wording) else value
            for name, value in self.figures.items()
        }
        return MESSAGES[self.key].format(**figures)


def _say(key: str, **figures: object) -> Wording:
    return Wording(key, figures)


class InvalidPeriod(ValueError):
    """A value that is not a period of the expected kind; the message names the form to use.
    ``wording`` is the message by key and figures, for the problem layer to translate."""

    def __init__(self, wording: Wording) -> None:
        super().__init__(wording.english())
        self.wording = wording


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period. Periods of one kind sort chronologically (by ordinal)."""

    kind: PeriodKind
    ordinal: int
    key: str
    first_day: date
    last_day: date

    def __str__(self) -> str:
        return self.key

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first_day <= _as_date(day) <= self.last_day


@dataclass(frozen=True)
class SchoolYearStart:
    """The day (month and day of month) a school year starts: an organisation setting."""

    month: int = 7
    day: int = 1

    def __post_init__(self) -> None:
        try:
            # 2001 is not a leap year, so 29 February is refused: most years have none.
            date(2001, self.month, self.day)
        except (TypeError, ValueError):
            raise ValueError(
                f"A school year cannot start on month {self.month}, day {self.day}: "
                "that day does not exist in every year."
            ) from None
        if (self.month, self.day) == (1, 1):
            raise ValueError(
                "A school year cannot start on 1 January: the spring term (VT) would be empty. "
                "Use a start such as 1 July or 15 August."
            )

    def in_year(self, year: int) -> date:
        """The first day of the school year that starts in ``year``."""
        return date(year, self.month, self.day)


_DEFAULT_START = SchoolYearStart()


# --- construction ---------------------------------------------------------------------------


class _Refused(Exception):
    """Why a period cannot be built (None: no more to say than that it is not one); the
    public functions turn it into InvalidPeriod."""

    def __init__(self, reason: Wording | None) -> None:
        super().__init__(reason)
        self.reason = reason


def _expected(kind: PeriodKind) -> Wording:
    return _say(f"period.expected.{kind.value}")


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _check_year(year: int) -> None:
    if not 1900 <= year <= 9999:
        raise _Refused(_say("period.year-unsupported", year=year))


def _check_day(day: date) -> date:
    if not FIRST_SUPPORTED_DAY <= day <= LAST_SUPPORTED_DAY:
        raise _Refused(_say("period.day-unsupported", day=day.isoformat()))
    return day


def _day(d: date) -> Period:
    _check_day(d)
    return Period(PeriodKind.day, d.toordinal(), d.isoformat(), d, d)


def _week(iso_year: int, week: int) -> Period:
    _check_year(iso_year)
    weeks = _weeks_in(iso_year)
    if not 1 <= week <= weeks:
        raise _Refused(_say("period.week-missing", week=week, year=iso_year, weeks=weeks))
    # The Monday of ISO week 1 is the Monday of the week holding 4 January; day ordinal 1
    # (0001-01-01) is a Monday, so Mondays are the ordinals 7n + 1.
    jan4 = date(iso_year, 1, 4).toordinal()
    monday = jan4 - (jan4 - 1) % 7 + 7 * (week - 1)
    if monday + 6 > LAST_SUPPORTED_DAY.toordinal():
        raise _Refused(_say("period.week-too-late", week=week, year=iso_year))
    first = date.fromordinal(monday)
    return Period(
        PeriodKind.week, monday // 7, f"{iso_year}-W{week:02d}", first, first + timedelta(days=6)
    )


def _weeks_in(iso_year: int) -> int:
    # 28 December always lies in the last ISO week of its year.
    return date(iso_year, 12, 28).isocalendar().week


def _month(year: int, month: int) -> Period:
    if not 1 <= month <= 12:
        raise _Refused(_say("period.month-missing", month=month))
    _check_year(year)
    last = date(year, 12, 31) if month == 12 else date(year, month + 1, 1) - timedelta(days=1)
    return Period(
        PeriodKind.month, year * 12 + month - 1, f"{year}-{month:02d}", date(year, month, 1), last
    )


def _term(year: int, autumn: bool, start: SchoolYearStart) -> Period:
    _check_year(year)
    begins = start.in_year(year)
    if autumn:
        return Period(PeriodKind.term, year * 2 + 1, f"HT{year}", begins, date(year, 12, 31))
    return Period(
        PeriodKind.term, year * 2, f"VT{year}", date(year, 1, 1), begins - timedelta(days=1)
    )


def _school_year(year: int, start: SchoolYearStart) -> Period:
    _check_year(year)
    if year == 9999:
        raise _Refused(_say("period.school-year-too-late"))
    return Period(
        PeriodKind.school_year,
        year,
        f"{year}/{(year + 1) % 100:02d}",
        start.in_year(year),
        start.in_year(year + 1) - timedelta(days=1),
    )


def _containing(kind: PeriodKind, day: date, start: SchoolYearStart) -> Period:
    _check_day(day)
    match kind:
        case PeriodKind.day:
            return _day(day)
        case PeriodKind.week:
            iso = day.isocalendar()
            return _week(iso.year, iso.week)
        case PeriodKind.month:
            return _month(day.year, day.month)
        case PeriodKind.term:
            return _term(day.year, day >= start.in_year(day.year), start)
        case PeriodKind.school_year:
            year = day.year if day >= start.in_year(day.year) else day.year - 1
            return _school_year(year, start)


def _from_ordinal(kind: PeriodKind, ordinal: int, start: SchoolYearStart) -> Period:
    match kind:
        case PeriodKind.day:
            if not 1 <= ordinal <= LAST_SUPPORTED_DAY.toordinal():
                raise _Refused(_say("period.day-ordinal", ordinal=ordinal))
            return _day(date.fromordinal(ordinal))
        case PeriodKind.week:
            monday = ordinal * 7 + 1
            if not 1 <= monday <= LAST_SUPPORTED_DAY.toordinal():
                raise _Refused(_say("period.week-ordinal", ordinal=ordinal))
            iso = date.fromordinal(monday).isocalendar()
            return _week(iso.year, iso.week)
        case PeriodKind.month:
            return _month(ordinal // 12, ordinal % 12 + 1)
        case PeriodKind.term:
            return _term(ordinal // 2, ordinal % 2 == 1, start)
        case PeriodKind.school_year:
            return _school_year(ordinal, start)


def _refused(refused: _Refused, kind: PeriodKind) -> Wording:
    if refused.reason is None:  # pragma: no cover - construction always says why
        return _expected(kind)
    return _say("period.refused", reason=refused.reason, expected=_expected(kind))


def _kind(kind: PeriodKind | str) -> PeriodKind:
    try:
        return PeriodKind(kind)
    except ValueError:
        accepted = ", ".join(k.value for k in PeriodKind)
        raise InvalidPeriod(_say("period.not-a-kind", kind=str(kind), accepted=accepted)) from None


def period_of(
    kind: PeriodKind | str, day: date, *, school_year_start: SchoolYearStart = _DEFAULT_START
) -> Period:
    """The period of ``kind`` that contains ``day`` (a datetime counts as its date)."""
    kind = _kind(kind)
    try:
        return _containing(kind, _as_date(day), school_year_start)
    except _Refused as refused:
        raise InvalidPeriod(_refused(refused, kind)) from None


def period_from_ordinal(
    kind: PeriodKind | str, ordinal: int, *, school_year_start: SchoolYearStart = _DEFAULT_START
) -> Period:
    """The period stored as ``ordinal`` (see :attr:`Period.ordinal`)."""
    kind = _kind(kind)
    try:
        return _from_ordinal(kind, ordinal, school_year_start)
    except _Refused as refused:
        raise InvalidPeriod(_refused(refused, kind)) from None


def school_year_start_of(period: Period) -> SchoolYearStart:
    """The school-year start a term or school year was built with (its days tell); the
    default for other kinds, whose days do not depend on it."""
    if period.kind == PeriodKind.term and period.key.startswith("VT"):
        begins = period.last_day + timedelta(days=1)
    elif period.kind in (PeriodKind.term, PeriodKind.school_year):
        begins = period.first_day
    else:
        return _DEFAULT_START
    return SchoolYearStart(begins.month, begins.day)


def next_period(period: Period) -> Period:
    """The period right after ``period``, of the same kind and school-year start."""
    return period_from_ordinal(
        period.kind, period.ordinal + 1, school_year_start=school_year_start_of(period)
    )


def previous_period(period: Period) -> Period:
    """The period right before ``period``, of the same kind and school-year start."""
    return period_from_ordinal(
        period.kind, period.ordinal - 1, school_year_start=school_year_start_of(period)
    )


def periods_between(first: Period, last: Period) -> list[Period]:
    """Every period from ``first`` to ``last``, both included, in order (empty if reversed)."""
    if first.kind != last.kind:
        raise ValueError(f"Cannot list periods from a {first.kind} to a {last.kind}")
    start = school_year_start_of(first)
    if start != school_year_start_of(last):
        raise ValueError("Cannot list periods between school years that start on different days")
    return [
        _from_ordinal(first.kind, ordinal, start)
        for ordinal in range(first.ordinal, last.ordinal + 1)
    ]


def format_period(period: Period) -> str:
    """The canonical key of ``period``."""
    return period.key


# --- parsing --------------------------------------------------------------------------------

_MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        [
            "jan januari january januar",
            "feb februari february februar",
            "mar mars march",
            "apr april",
            "maj may mai",
            "jun juni june",
            "jul juli july",
            "aug augusti august",
            "sep sept september",
            "okt oct oktober october",
            "nov november",
            "dec des december desember",
        ],
        start=1,
    )
    for name in names.split()
}

_ISO_DAY = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[t ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_DOTTED_DAY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?: \d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?")
_COMPACT_DAY = re.compile(r"(\d{4})(\d{2})(\d{2})")
_ISO_WEEK = re.compile(r"(\d{4}) ?-? ?w ?(\d{1,2})")
_WORD_WEEK = re.compile(r"(?:v|vecka|uke|uge|week|wk|w)\.? ?(\d{1,2}),? ?[-/]? ?(\d{4})")
_NUMERIC_MONTH = re.compile(r"(\d{4}) ?[-/] ?(\d{1,2})")
_NAMED_MONTH = re.compile(r"([a-zåäöæø]+)\.?[ -]?(\d{4}|\d{2})")
_NAMED_MONTH_YEAR_FIRST = re.compile(r"(\d{4}) ([a-zåäöæø]+)\.?")
_TERM = re.compile(
    r"(ht|vt|h|v|höst(?:termin(?:en)?)?|vår(?:termin(?:en)?)?|høst(?:semester(?:et)?)?"
    r"|vår(?:semester(?:et)?)?)[ .-]?(\d{4}|\d{2})"
)
_SCHOOL_YEAR = re.compile(
    r"(?:(?:lå|läsår|läsåret|skoleår|skoleåret|school year)\.? ?)?"
    r"(\d{4}|\d{2}) ?[/-] ?(\d{4}|\d{2})"
)
_BARE_YEAR = re.compile(r"\d{4}")


def _normalise(text: str) -> str:
    # NFKC folds no-break spaces into spaces and compatibility forms into plain ones; dashes
    # and the minus sign become a hyphen.
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    return re.sub(r"\s+", " ", text).strip()


def _year(digits: str) -> int:
    """A four-digit year as written; a two-digit one is read as 20xx."""
    return 2000 + int(digits) if len(digits) == 2 else int(digits)


def _make_date(year: int, month: int, day: int) -> date:
    try:
        made = date(year, month, day)
    except ValueError:
        if not 1 <= month <= 12:
            raise _Refused(_say("period.month-of-day-missing", month=month)) from None
        raise _Refused(_say("period.day-missing", month=f"{year}-{month:02d}", day=day)) from None
    return _check_day(made)


def _date_in(text: str) -> date | None:
    """A day written as ISO (with an optional time), 14.9.2026 or 20260914; None if not."""
    if m := _ISO_DAY.fullmatch(text):
        return _make_date(int(m[1]), int(m[2]), int(m[3]))
    if m := _DOTTED_DAY.fullmatch(text):
        return _make_date(int(m[3]), int(m[2]), int(m[1]))
    if m := _COMPACT_DAY.fullmatch(text):
        return _make_date(int(m[1]), int(m[2]), int(m[3]))
    return None


def parse_day(value: str | date) -> date:
    """A day as spreadsheets write it: ``2026-09-14``, ``14.9.2026``, ``2026-09-14T00:00:00``,
    ``20260914`` or a ``date``/``datetime`` (whose time is dropped)."""
    return parse_period(PeriodKind.day, value).first_day


def parse_period(
    kind: PeriodKind | str,
    value: str | date,
    *,
    school_year_start: SchoolYearStart = _DEFAULT_START,
) -> Period:
    """Read a period of ``kind`` from its canonical key or a form spreadsheets hold.

    Accepted, trimmed and case-insensitive:

    - day: ``2026-09-14``, ``14.9.2026``, ``2026-09-14T00:00:00``, ``20260914``, a date;
    - week: ``2026-W37``, ``2026W37``, ``v37 2026``, ``V.37 2026``, ``vecka 37 2026``,
      ``uke 37 2026``, ``week 37 2026`` (the ISO week-numbering year), or a date inside;
    - month: ``2026-09``, ``2026-9``, ``2026/09``, ``sep 2026``, ``september 2026``,
      ``sep-26`` (Swedish, Norwegian and English names and abbreviations), or a date inside;
    - term: ``HT2026``, ``HT 2026``, ``ht26``, ``VT2027``, ``hösttermin 2026``,
      ``vårterminen 2027``, Norwegian ``H2026``/``V2027``/``høst 2026``, or a date inside;
    - school year: ``2026/27``, ``2026/2027``, ``2026-27``, ``lå 2026/27``,
      ``läsår 2026/27``, ``skoleår 2026/27``, or a date inside.

    A date inside the period may be a ``date``/``datetime`` or any day form above. Two-digit
    years are read as 20xx. Anything else raises :class:`InvalidPeriod` with a message that
    quotes the value, says why and names the expected form.
    """
    kind = _kind(kind)
    if isinstance(value, str):
        shown = f"'{value.strip()}'"
    else:
        shown = repr(value) if not isinstance(value, date) else f"'{_as_date(value)}'"
    try:
        return _parse(kind, value, school_year_start)
    except _Refused as refused:
        named = _say(f"period.kind.{kind.value}")
        if refused.reason is None:
            wording = _say("period.not-of-kind-bare", shown=shown, kind=named)
        else:
            wording = _say("period.not-of-kind", shown=shown, kind=named, reason=refused.reason)
        wording.figures["expected"] = _expected(kind)
        raise InvalidPeriod(wording) from None


def _parse(kind: PeriodKind, value: object, start: SchoolYearStart) -> Period:
    if isinstance(value, date):
        return _containing(kind, _as_date(value), start)
    if not isinstance(value, str):
        raise _Refused(None)
    text = _normalise(value)
    if not text:
        raise _Refused(_say("period.empty"))
    match kind:
        case PeriodKind.day:
            pass
        case PeriodKind.week:
            if m := _ISO_WEEK.fullmatch(text):
                return _week(int(m[1]), int(m[2]))
            if m := _WORD_WEEK.fullmatch(text):
                return _week(int(m[2]), int(m[1]))
        case PeriodKind.month:
            if m := _NUMERIC_MONTH.fullmatch(text):
                return _month(int(m[1]), int(m[2]))
            if (m := _NAMED_MONTH.fullmatch(text)) and m[1] in _MONTHS:
                return _month(_year(m[2]), _MONTHS[m[1]])
            if (m := _NAMED_MONTH_YEAR_FIRST.fullmatch(text)) and m[2] in _MONTHS:
                return _month(int(m[1]), _MONTHS[m[2]])
        case PeriodKind.term:
            if m := _TERM.fullmatch(text):
                return _term(_year(m[2]), m[1].startswith("h"), start)
        case PeriodKind.school_year:
            if m := _SCHOOL_YEAR.fullmatch(text):
                year = _year(m[1])
                follows = (year + 1) % 100 if len(m[2]) == 2 else year + 1
                if int(m[2]) != follows:
                    raise _Refused(_say("period.school-year-next", year=year, next=year + 1))
                return _school_year(year, start)
            if _BARE_YEAR.fullmatch(text):
                year = int(text)
                raise _Refused(
                    _say(
                        "period.school-year-bare",
                        year=year,
                        ending=f"{year - 1}/{year % 100:02d}",
                        starting=f"{year}/{(year + 1) % 100:02d}",
                    )
                )
    day = _date_in(text)
    if day is None:
        raise _Refused(None)
    return _containing(kind, day, start)
