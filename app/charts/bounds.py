"""The bounds of an analysis: how many periods (gaps included) it builds, and figures it cannot
compute with, both answered as a 422 in our words.

How many periods:

A period is a day at the finest, and the supported years (1900–9999) hold about 2.9 million
days, so a series, a cycle's evidence or a report built over "whatever the data spans" would
allocate and loop without end. Every analysis counts its periods before it allocates anything
and calls :func:`check_periods`, which refuses more than :data:`MAX_PERIODS` with a 422 that
names the field to narrow.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import structlog

from app.analytics import svg
from app.analytics.types import AnalysisInputError
from app.problems import InvalidInput

log = structlog.get_logger(__name__)

#: Any one request analyses at most this many periods (gaps included, all series together).
MAX_PERIODS = 100_000


def check_periods(periods: int, *, field: str, hint: str) -> None:
    """Refuse (422 ``too_long``, naming ``field``) more than :data:`MAX_PERIODS` periods."""
    if periods > MAX_PERIODS:
        raise InvalidInput(
            field,
            f"the analysis spans {periods} periods; at most {MAX_PERIODS} are analysed at "
            f"once: {hint}",
            type_="too_long",
        )


_NOT_COMPUTABLE = (
    "the figures lie too near the limits of what a computer's numbers hold (about 1e-308 to "
    "1e308 in magnitude) to be analysed or drawn"
)


@contextmanager
def computable(field: str) -> Iterator[None]:
    """Arithmetic that fails deep in an analysis, a sentence or a drawing (an overflow, a
    division by zero, a math domain error) answers 422 ``not_computable`` naming ``field``, in
    our words: the exception's own text is logged, never shown. Refusals the analysis words
    itself (``AnalysisInputError``) and our drawing's (``NotDrawable``) pass through."""
    try:
        yield
    except (AnalysisInputError, svg.NotDrawable):
        raise
    except (ArithmeticError, ValueError):
        log.warning("analysis_not_computable", field=field, exc_info=True)
        raise InvalidInput(field, _NOT_COMPUTABLE, type_="not_computable") from None


#: Where stored figures that cannot be computed with are named.
STORED_VALUES = "measurements.value"


def input_problem(error: AnalysisInputError, fields: dict[str, str], default: str) -> InvalidInput:
    """The 422 of an input the analysis refused, naming the request's field."""
    return InvalidInput(fields.get(error.field, default), error.reason, type_="invalid_series")
