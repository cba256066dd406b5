"""The analysis in one or two sentences a rektor understands, in Swedish, Norwegian (Bokmål and
Nynorsk) or English.

``summary_sentence(analysis, "sv", period_word="week")`` gives e.g. "7 veckor i rad över
medianen: troligen en verklig förbättring." The first sentence says what decided the
variation verdict of the current phase (see ``app.analytics.spc``); the next ones add the
target's assurance, trial limits and a rebase hint when they apply.
``negotiate_language(request.headers.get("accept-language"))`` picks the language.

``summary_sentence`` is the analyst's sentence (it names the rule, the median or average and
the limits) in the words of ``app.i18n.PHRASES``; ``plain_sentence`` says the same to a rektor,
in the words of ``app.i18n.PLAIN``:
"Värdena har ökat tydligt sedan v. 41, mer än vad slumpen förklarar. Det är en förbättring."
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.analytics.spc import Analysis, Summary
from app.analytics.types import (
    AssurancePosition,
    AssuranceVerdict,
    ChartType,
    NoAssurance,
    Rule,
    Side,
    Signal,
    SignalDirection,
    Variation,
)
from app.i18n import LANGUAGES, PERIOD_WORDS, PHRASES, PLAIN, Language, period_in_text


def units_phrase(language: str, period_word: str | tuple[str, str], count: int) -> str:
    """A count of periods in words: "7 veckor", "1 week"."""
    if isinstance(period_word, tuple):
        singular, plural = period_word
    else:
        try:
            singular, plural = PERIOD_WORDS[language][period_word]
        except KeyError:
            raise ValueError(
                f"unknown period word {period_word!r}; use one of "
                f"{sorted(PERIOD_WORDS[language])} or a (singular, plural) pair"
            ) from None
    return singular if count == 1 else plural


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _included_between(analysis: Analysis, first: int, last: int) -> int:
    points = analysis.points
    window = slice(first, last + 1)
    present = ~np.isnan(points.value[window]) & ~points.excluded[window]
    return int(np.count_nonzero(present))


def signal_phrase(analysis: Analysis, signal: Signal, phrases: dict[str, str], units: str) -> str:
    centre = phrases["median" if analysis.chart is ChartType.run else "average"]
    rule = signal.rule
    if rule in (Rule.shift, Rule.longest_run):
        key = "run_above" if signal.side is Side.above else "run_below"
        return phrases[key].format(n=len(signal.points), units=units, centre=centre)
    if rule is Rule.trend:
        key = "trend_increasing" if signal.side is Side.increasing else "trend_decreasing"
        return phrases[key].format(n=len(signal.points), units=units)
    if rule is Rule.outside_limits:
        return phrases["outside_above" if signal.side is Side.above else "outside_below"]
    if rule is Rule.two_of_three:
        span = max(3, _included_between(analysis, signal.points[0], signal.points[-1]))
        key = "near_above" if signal.side is Side.above else "near_below"
        return phrases[key].format(k=len(signal.points), m=span)
    phase = analysis.phases[signal.phase]
    return phrases["crossings"].format(centre=centre, c=phase.n_crossings, m=phase.n_crossings_min)


def summary_sentence(
    analysis: Analysis,
    language: Language | str,
    *,
    period_word: str | tuple[str, str] = "period",
) -> str:
    """The current phase's verdict as plain sentences.

    ``period_word`` names the measure's periods: a key of ``PERIOD_WORDS`` (``day``,
    ``week``, ``month``, ``term``, ``year``, ``period``) or a ``(singular, plural)`` pair
    already in ``language``.
    """
    if language not in PHRASES:
        raise ValueError(f"unsupported language {language!r}; use one of {LANGUAGES}")
    phrases = PHRASES[language]
    summary = analysis.summary
    sentences: list[str] = []
    signal = summary.variation_signal
    if summary.variation is Variation.no_data:
        sentences.append(phrases["no_data"])
    elif signal is None:
        sentences.append(phrases["common_cause"])
    else:
        n = len(signal.points)
        units = units_phrase(language, period_word, n)
        meaning = {
            SignalDirection.improvement: "improvement",
            SignalDirection.concern: "concern",
            SignalDirection.neutral: "neutral",
        }[signal.direction]
        sentences.append(f"{signal_phrase(analysis, signal, phrases, units)}: {phrases[meaning]}")

    assurance = _assurance_phrase(summary)
    if assurance is not None:
        sentences.append(phrases[assurance])
    if summary.trial_limits:
        sentences.append(phrases["trial_limits"])
    if summary.rebase_suggested:
        sentences.append(phrases["rebase"])
    return " ".join(f"{_capitalise(sentence)}." for sentence in sentences)


def _when(labels: Sequence[str | None] | None, index: int, language: str) -> str:
    label = labels[index] if labels is not None and 0 <= index < len(labels) else None
    if label:
        return period_in_text(label, language)
    return PLAIN[language]["point"].format(n=index + 1)


def plain_sentence(
    analysis: Analysis,
    language: Language | str,
    *,
    labels: Sequence[str | None] | None = None,
    period_word: str | tuple[str, str] = "period",
) -> str:
    """The current phase's verdict for a rektor: what happened, since when, and whether it is
    more than chance, without the analyst's words (no limits, baseline, phase or shift).

    ``labels`` are the period keys (``2026-W41``), written as people write them (``v. 41``);
    without them a point is named by its number.
    """
    if language not in PLAIN:
        raise ValueError(f"unsupported language {language!r}; use one of {LANGUAGES}")
    words = PLAIN[language]
    summary = analysis.summary
    sentences: list[str] = []
    signal = summary.variation_signal
    if summary.variation is Variation.no_data:
        sentences.append(words["no_data"])
    elif signal is None:
        sentences.append(words["common_cause"])
    else:
        sentences += plain_signal(signal, language, labels=labels, period_word=period_word)

    assurance = _assurance_phrase(summary)
    if assurance is not None:
        sentences.append(words[assurance])
    if summary.trial_limits:
        sentences.append(words["trial_limits"])
    if summary.rebase_suggested and summary.rebase_from is not None:
        sentences.append(words["rebase"].format(since=_when(labels, summary.rebase_from, language)))
    return " ".join(f"{_capitalise(sentence)}." for sentence in sentences)


def plain_signal(
    signal: Signal,
    language: Language | str,
    *,
    labels: Sequence[str | None] | None = None,
    period_word: str | tuple[str, str] = "period",
) -> list[str]:
    """One signal for a rektor (uncapitalised, without the full stop): what happened, since
    when, and whether it is better or worse."""
    words = PLAIN[language]
    sentences: list[str] = []
    rule, side = signal.rule, signal.side
    up = side in (Side.above, Side.increasing)
    if rule is Rule.trend:
        n = len(signal.points)
        units = f"{n} {units_phrase(language, period_word, n)}"
        sentences.append(words["rising" if up else "falling"].format(since=units))
    elif rule is Rule.outside_limits:
        when = _when(labels, signal.points[-1], language)
        sentences.append(words["high" if up else "low"].format(period=when))
    elif rule is Rule.crossings:
        sentences.append(words["stuck"])
    else:  # a run on one side, or two of three near the outer third
        when = _when(labels, signal.points[0], language)
        sentences.append(words["rise_since" if up else "fall_since"].format(since=when))
    if signal.direction is SignalDirection.improvement:
        sentences.append(words["improvement"])
    elif signal.direction is SignalDirection.concern:
        sentences.append(words["concern"])
    return sentences


def _assurance_phrase(summary: Summary) -> str | None:
    """The key of the sentence on the target, in both vocabularies (None: nothing to say)."""
    if summary.assurance is None:
        return None
    if summary.assurance_verdict is not None:
        return {
            AssuranceVerdict.pass_: "pass",
            AssuranceVerdict.fail: "fail",
            AssuranceVerdict.hit_or_miss: "hit_or_miss",
        }.get(summary.assurance_verdict)
    if summary.assurance is AssurancePosition.target_above_limits:
        return "target_above"
    if summary.assurance is AssurancePosition.target_below_limits:
        return "target_below"
    if summary.no_assurance is NoAssurance.neutral_direction:
        # Inside the limits: Making Data Count gives no "hit or miss" without a direction.
        return "no_verdict_neutral"
    return None
