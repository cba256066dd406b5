"""A spreadsheet to fill in for one measure: its columns in the reader's language, one row per
reporting unit the token may write and upcoming period, codes filled in.

What a teacher types into the empty cells goes back unchanged through
``POST /measurements/upload`` or ``pdca push``: the header names are ones the reader accepts,
the measure and unit are named by their external codes (by id where they have none), and the
periods are canonical keys (``2026-W49``, ``2026-12``, ``VT2027``, ``2026/27``).
"""

import re
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.context import Principal
from app.i18n import Language
from app.measures import headers, readings
from app.measures import service as measure_service
from app.measures.models import ValueKind
from app.periods import InvalidPeriod, Period, PeriodKind, next_period, parse_period, period_of
from app.problem_texts import Text
from app.problems import Forbidden, InvalidInput

#: How many periods a template holds by default, from the current one on: a week of days, a
#: month of weeks, a quarter of months, a school year of terms, one school year.
PERIODS_AHEAD: dict[PeriodKind, int] = {
    PeriodKind.day: 7,
    PeriodKind.week: 4,
    PeriodKind.month: 3,
    PeriodKind.term: 2,
    PeriodKind.school_year: 1,
}
MAX_PERIODS = 53
MAX_ROWS = 10_000

_SHEET: dict[str, str] = {"sv": "Mall", "nb": "Mal", "nn": "Mal", "en": "Template"}
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Template:
    header: tuple[str, ...]
    rows: list[list[object]]
    sheet: str
    filename: str
    """Without the extension."""


def columns_for(value_kind: ValueKind) -> tuple[headers.Column, ...]:
    """Counts for proportions and rates (the service computes the percentage or ratio), a
    value for the other kinds."""
    figures: tuple[headers.Column, ...] = (
        ("numerator", "denominator")
        if value_kind in (ValueKind.proportion, ValueKind.rate)
        else ("value",)
    )
    return ("period", "unit", "unit_name", "measure", *figures, "comment")


def _periods(first: Period, count: int) -> list[Period]:
    periods = [first]
    while len(periods) < count:
        periods.append(next_period(periods[-1]))
    return periods


async def measure_template(
    session: AsyncSession,
    principal: Principal,
    measure_id: uuid.UUID,
    *,
    language: Language,
    today: date,
    first_period: str | None = None,
    periods: int | None = None,
) -> Template:
    """The template of a measure the token may report (403 when it may report it for no unit)."""
    measure = await measure_service.get_measure(session, principal, measure_id)
    school_year, _ = await measure_service.organisation_settings(session, principal.organisation_id)
    kind = PeriodKind(measure.period_kind)
    if first_period is None:
        first = period_of(kind, today, school_year_start=school_year)
    else:
        try:
            first = parse_period(kind, first_period, school_year_start=school_year)
        except InvalidPeriod as error:
            raise InvalidInput(
                "query.period_from", Text.of(error.wording), type_="invalid_period"
            ) from None
    units = await readings.expected_reporters(session, principal, measure)
    if not units:
        raise Forbidden.saying("forbidden.template-no-unit")
    count = periods or PERIODS_AHEAD[kind]
    if count * len(units) > MAX_ROWS:
        raise InvalidInput(
            "query.periods",
            f"{count} periods for {len(units)} units make more than {MAX_ROWS:,} rows; ask for "
            "fewer periods",
        )
    measure_ref = measure.external_code or str(measure.id)
    blanks = len(columns_for(ValueKind(measure.value_kind))) - 4
    rows: list[list[object]] = [
        [period.key, code or str(unit_id), name, measure_ref, *([None] * blanks)]
        for period in _periods(first, count)
        for unit_id, name, _path, _kind, code in units
    ]
    prefix = {"sv": "mall", "nb": "mal", "nn": "mal", "en": "template"}[language]
    return Template(
        header=headers.header(language, columns_for(ValueKind(measure.value_kind))),
        rows=rows,
        sheet=_SHEET[language],
        filename=f"{prefix}-{_SAFE.sub('-', measure_ref)[:60]}",
    )
