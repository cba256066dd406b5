"""The one bound on the work an analysis does: how many periods (gaps included) it builds.

A period is a day at the finest, and the supported years (1900–9999) hold about 2.9 million
days, so a series, a cycle's evidence or a report built over "whatever the data spans" would
allocate and loop without end. Every analysis counts its periods before it allocates anything
and calls :func:`check_periods`, which refuses more than :data:`MAX_PERIODS` with a 422 that
names the field to narrow.
"""

from app.problems import InvalidInput

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
