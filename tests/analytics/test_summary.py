"""The sentence a rektor reads, in every language."""

from __future__ import annotations

import pytest

from app.analytics.spc import (
    ChartOptions,
    analyse,
)
from app.analytics.summary import (
    summary_sentence,
)
from app.analytics.types import (
    BetterDirection,
    ChartType,
    Rule,
)
from app.i18n import LANGUAGES, PERIOD_WORDS, PHRASES

ALTERNATING = [12.0, 10.0] * 10  # I chart baseline: mean 11, limits 5.68 .. 16.32


def test_every_language_has_every_phrase_and_period_word() -> None:
    keys = set(PHRASES["en"])
    for language in LANGUAGES:
        assert set(PHRASES[language]) == keys
        assert set(PERIOD_WORDS[language]) == set(PERIOD_WORDS["en"])


def test_shift_above_the_median_in_every_language() -> None:
    values = [6.0, 5.0] * 6 + [9.0] * 7
    analysis = analyse(values, options=ChartOptions(freeze=12, direction=BetterDirection.up))
    sentences: dict[str, str] = {
        lang: summary_sentence(analysis, lang, period_word="week") for lang in LANGUAGES
    }
    assert sentences["sv"].startswith(
        "7 veckor i rad över medianen: troligen en verklig förbättring."
    )
    assert sentences["nb"].startswith("7 uker på rad over medianen: trolig en reell forbedring.")
    assert sentences["nn"].startswith("7 veker på rad over medianen: truleg ei reell forbetring.")
    assert sentences["en"].startswith(
        "7 weeks in a row above the median: probably a real improvement."
    )


def test_concern_below_the_average_on_a_control_chart() -> None:
    values = [*ALTERNATING, *[10.0] * 6]  # the last baseline point is below too
    analysis = analyse(
        values, options=ChartOptions(chart=ChartType.i, freeze=20, direction=BetterDirection.up)
    )
    assert summary_sentence(analysis, "sv", period_word="month").startswith(
        "7 månader i rad under medelvärdet: troligen en verklig försämring."
    )
    assert summary_sentence(analysis, "en", period_word="month").startswith(
        "7 months in a row below the average: probably a real change for the worse."
    )


def test_trend_outside_and_two_of_three_sentences() -> None:
    rising = [8.0, 9.0, 10.0, 11.5, 12.5, 13.5, 14.0]
    trend = analyse(
        [*ALTERNATING, *rising],
        options=ChartOptions(chart=ChartType.i, freeze=20, direction=BetterDirection.down),
    )
    assert summary_sentence(trend, "nn", period_word="term") == (
        "7 terminar på rad med stigande verdiar: truleg ei reell forverring."
    )
    outside = analyse([*ALTERNATING, 17.0], options=ChartOptions(chart=ChartType.i, freeze=20))
    assert summary_sentence(outside, "nb") == (
        "Den siste målingen ligger over den øvre grensen for vanlig variasjon: "
        "trolig en reell endring."
    )
    near = analyse(
        [*ALTERNATING, 15.0, 12.0, 15.0], options=ChartOptions(chart=ChartType.i, freeze=20)
    )
    assert summary_sentence(near, "sv") == (
        "2 av de 3 senaste mätningarna ligger nära den övre gränsen för vanlig variation: "
        "troligen en verklig förändring."
    )


def test_crossings_sentence() -> None:
    values = [1.0] * 6 + [9.0] * 6 + [1.0] * 6 + [9.0] * 6
    analysis = analyse(values, options=ChartOptions(rules=frozenset({Rule.crossings})))
    assert summary_sentence(analysis, "en") == (
        "The line crosses the median too rarely (3 times, at least 8 expected): "
        "probably a real change."
    )


def test_common_cause_and_no_data() -> None:
    common = analyse([1.0, 3.0, 2.0, 4.0, 2.0, 3.0])
    assert summary_sentence(common, "sv") == (
        "Inga tecken på en verklig förändring: bara vanlig variation."
    )
    empty = analyse([None, None])
    assert summary_sentence(empty, "nn") == "Ingen målingar å analysere enno."


@pytest.mark.parametrize(
    ("target", "direction", "english"),
    [
        (12.0, BetterDirection.up, "The target will be met some of the time, but not reliably."),
        (
            20.0,
            BetterDirection.up,
            "The target will probably not be met unless the way of working changes.",
        ),
        (2.0, BetterDirection.up, "The target will probably be met every time."),
        (20.0, BetterDirection.neutral, "The target lies above the limits of usual variation."),
        # Making Data Count: no "hit or miss" without a better direction.
        (
            12.0,
            BetterDirection.neutral,
            "The target gets no verdict, since the measure has no better direction.",
        ),
    ],
)
def test_assurance_sentence(target: float, direction: BetterDirection, english: str) -> None:
    analysis = analyse(
        [*ALTERNATING, 12.0, 10.0],
        options=ChartOptions(chart=ChartType.i, freeze=20, target=target, direction=direction),
    )
    assert summary_sentence(analysis, "en").endswith(english)


def test_trial_limits_and_rebase_hint_are_said() -> None:
    short = analyse([12.0, 10.0] * 4, options=ChartOptions(chart=ChartType.i))
    assert "Gränserna är preliminära" in summary_sentence(short, "sv")
    shifted = analyse(
        [*ALTERNATING, *[12.0] * 8], options=ChartOptions(chart=ChartType.i, freeze=20)
    )
    assert summary_sentence(shifted, "en").endswith(
        "Consider a new phase from where the shift began."
    )


def test_own_period_words() -> None:
    values = [6.0, 5.0] * 6 + [9.0] * 7
    analysis = analyse(values, options=ChartOptions(freeze=12))
    assert summary_sentence(analysis, "sv", period_word=("lektion", "lektioner")).startswith(
        "7 lektioner i rad"
    )
    with pytest.raises(ValueError, match="unknown period word"):
        summary_sentence(analysis, "sv", period_word="fortnight")
    with pytest.raises(ValueError, match="unsupported language"):
        summary_sentence(analysis, "da")
