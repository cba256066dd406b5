"""The analysis in one or two sentences a rektor understands, in Swedish, Norwegian (Bokmål and
Nynorsk) or English.

``summary_sentence(analysis, "sv", period_word="week")`` gives e.g. "7 veckor i rad över
medianen: troligen en verklig förbättring." The first sentence says what decided the
variation verdict of the current phase (see ``app.analytics.spc``); the next ones add the
target's assurance, trial limits and a rebase hint when they apply.
``negotiate_language(request.headers.get("accept-language"))`` picks the language.

``summary_sentence`` is the analyst's sentence (it names the rule, the median or average and
the limits); ``plain_sentence`` says the same to a rektor, in the words of ``app.i18n.PLAIN``:
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
from app.i18n import LANGUAGES, PLAIN, Language, period_in_text

#: Period words (singular, plural) per language; ``period_word`` picks one by key or passes
#: its own pair.
PERIOD_WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "sv": {
        "day": ("dag", "dagar"),
        "week": ("vecka", "veckor"),
        "month": ("månad", "månader"),
        "term": ("termin", "terminer"),
        "year": ("år", "år"),
        "period": ("period", "perioder"),
    },
    "nb": {
        "day": ("dag", "dager"),
        "week": ("uke", "uker"),
        "month": ("måned", "måneder"),
        "term": ("termin", "terminer"),
        "year": ("år", "år"),
        "period": ("periode", "perioder"),
    },
    "nn": {
        "day": ("dag", "dagar"),
        "week": ("veke", "veker"),
        "month": ("månad", "månader"),
        "term": ("termin", "terminar"),
        "year": ("år", "år"),
        "period": ("periode", "periodar"),
    },
    "en": {
        "day": ("day", "days"),
        "week": ("week", "weeks"),
        "month": ("month", "months"),
        "term": ("term", "terms"),
        "year": ("year", "years"),
        "period": ("period", "periods"),
    },
}

#: Every phrase, per language. Placeholders: {n} {units} {centre} {k} {m} {c}.
PHRASES: dict[str, dict[str, str]] = {
    "sv": {
        "median": "medianen",
        "average": "medelvärdet",
        "run_above": "{n} {units} i rad över {centre}",
        "run_below": "{n} {units} i rad under {centre}",
        "trend_increasing": "{n} {units} i rad med stigande värden",
        "trend_decreasing": "{n} {units} i rad med sjunkande värden",
        "outside_above": "den senaste mätningen ligger över den övre gränsen för vanlig variation",
        "outside_below": "den senaste mätningen ligger under den nedre gränsen för vanlig variation",
        "near_above": "{k} av de {m} senaste mätningarna ligger nära den övre gränsen för vanlig variation",
        "near_below": "{k} av de {m} senaste mätningarna ligger nära den nedre gränsen för vanlig variation",
        "crossings": "kurvan korsar {centre} för sällan ({c} gånger, minst {m} väntat)",
        "improvement": "troligen en verklig förbättring",
        "concern": "troligen en verklig försämring",
        "neutral": "troligen en verklig förändring",
        "common_cause": "inga tecken på en verklig förändring: bara vanlig variation",
        "no_data": "inga mätningar att analysera ännu",
        "pass": "målet nås troligen varje gång",
        "fail": "målet nås troligen inte utan att arbetssättet ändras",
        "hit_or_miss": "målet nås ibland, men inte säkert",
        "target_above": "målet ligger över gränserna för vanlig variation",
        "target_below": "målet ligger under gränserna för vanlig variation",
        "no_verdict_neutral": "målet bedöms inte, eftersom måttet inte har någon riktning som är bättre",
        "trial_limits": "gränserna är preliminära: för få mätningar i baslinjen",
        "rebase": "överväg en ny fas från där skiftet började",
    },
    "nb": {
        "median": "medianen",
        "average": "gjennomsnittet",
        "run_above": "{n} {units} på rad over {centre}",
        "run_below": "{n} {units} på rad under {centre}",
        "trend_increasing": "{n} {units} på rad med stigende verdier",
        "trend_decreasing": "{n} {units} på rad med fallende verdier",
        "outside_above": "den siste målingen ligger over den øvre grensen for vanlig variasjon",
        "outside_below": "den siste målingen ligger under den nedre grensen for vanlig variasjon",
        "near_above": "{k} av de {m} siste målingene ligger nær den øvre grensen for vanlig variasjon",
        "near_below": "{k} av de {m} siste målingene ligger nær den nedre grensen for vanlig variasjon",
        "crossings": "kurven krysser {centre} for sjelden ({c} ganger, minst {m} ventet)",
        "improvement": "trolig en reell forbedring",
        "concern": "trolig en reell forverring",
        "neutral": "trolig en reell endring",
        "common_cause": "ingen tegn til en reell endring: bare vanlig variasjon",
        "no_data": "ingen målinger å analysere ennå",
        "pass": "målet nås trolig hver gang",
        "fail": "målet nås trolig ikke uten at arbeidsmåten endres",
        "hit_or_miss": "målet nås noen ganger, men ikke sikkert",
        "target_above": "målet ligger over grensene for vanlig variasjon",
        "target_below": "målet ligger under grensene for vanlig variasjon",
        "no_verdict_neutral": "målet vurderes ikke, fordi målingen ikke har noen retning som er bedre",
        "trial_limits": "grensene er foreløpige: for få målinger i grunnlaget",
        "rebase": "vurder en ny fase fra der skiftet begynte",
    },
    "nn": {
        "median": "medianen",
        "average": "gjennomsnittet",
        "run_above": "{n} {units} på rad over {centre}",
        "run_below": "{n} {units} på rad under {centre}",
        "trend_increasing": "{n} {units} på rad med stigande verdiar",
        "trend_decreasing": "{n} {units} på rad med fallande verdiar",
        "outside_above": "den siste målinga ligg over den øvre grensa for vanleg variasjon",
        "outside_below": "den siste målinga ligg under den nedre grensa for vanleg variasjon",
        "near_above": "{k} av dei {m} siste målingane ligg nær den øvre grensa for vanleg variasjon",
        "near_below": "{k} av dei {m} siste målingane ligg nær den nedre grensa for vanleg variasjon",
        "crossings": "kurva kryssar {centre} for sjeldan ({c} gonger, minst {m} venta)",
        "improvement": "truleg ei reell forbetring",
        "concern": "truleg ei reell forverring",
        "neutral": "truleg ei reell endring",
        "common_cause": "ingen teikn til ei reell endring: berre vanleg variasjon",
        "no_data": "ingen målingar å analysere enno",
        "pass": "målet blir truleg nådd kvar gong",
        "fail": "målet blir truleg ikkje nådd utan at arbeidsmåten blir endra",
        "hit_or_miss": "målet blir nådd av og til, men ikkje sikkert",
        "target_above": "målet ligg over grensene for vanleg variasjon",
        "target_below": "målet ligg under grensene for vanleg variasjon",
        "no_verdict_neutral": "målet blir ikkje vurdert, fordi målinga ikkje har nokon retning som er betre",
        "trial_limits": "grensene er førebelse: for få målingar i grunnlaget",
        "rebase": "vurder ein ny fase frå der skiftet byrja",
    },
    "en": {
        "median": "the median",
        "average": "the average",
        "run_above": "{n} {units} in a row above {centre}",
        "run_below": "{n} {units} in a row below {centre}",
        "trend_increasing": "{n} {units} in a row of rising values",
        "trend_decreasing": "{n} {units} in a row of falling values",
        "outside_above": "the latest measurement is above the upper limit of usual variation",
        "outside_below": "the latest measurement is below the lower limit of usual variation",
        "near_above": "{k} of the latest {m} measurements are close to the upper limit of usual variation",
        "near_below": "{k} of the latest {m} measurements are close to the lower limit of usual variation",
        "crossings": "the line crosses {centre} too rarely ({c} times, at least {m} expected)",
        "improvement": "probably a real improvement",
        "concern": "probably a real change for the worse",
        "neutral": "probably a real change",
        "common_cause": "no sign of a real change: only the usual ups and downs",
        "no_data": "no measurements to analyse yet",
        "pass": "the target will probably be met every time",
        "fail": "the target will probably not be met unless the way of working changes",
        "hit_or_miss": "the target will be met some of the time, but not reliably",
        "target_above": "the target lies above the limits of usual variation",
        "target_below": "the target lies below the limits of usual variation",
        "no_verdict_neutral": "the target gets no verdict, since the measure has no better direction",
        "trial_limits": "the limits are provisional: too few measurements in the baseline",
        "rebase": "consider a new phase from where the shift began",
    },
}


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
