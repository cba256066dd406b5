"""Languages the service speaks (Swedish, Norwegian Bokmål and Nynorsk, English): one
``Language``, one negotiation of ``Accept-Language``, one way to write a number, and the words
the service writes for people, in one place.

It imports nothing of the app, so the pure chart rules (``app.analytics``) may use it too.

Numbers: Swedish and Norwegian group digits with a no-break space (U+00A0; the narrow one,
U+202F, is the typographers' choice but missing from many fonts an SVG is drawn with), use a
decimal comma and the true minus sign (U+2212), in prose and charts alike. English groups with
a comma, uses a decimal point and the true minus sign as well: the minus is a typographic
choice, not a national one. A unit follows after a no-break space (``45,2 %``), except ``%``
in English (``45.2%``).

Words:

- ``PLAIN``: the verdict as a rektor reads it, without the analyst's words: no "limits",
  "baseline", "phase" or "shift" (gränser, baslinje, fas, skift; grenser, grunnlinje, fase)
  in any language. ``app.analytics.summary.plain_sentence`` builds it.
- ``CHART``: what a chart writes itself: its legend, the empty chart; ``CHART_WORDS`` an
  untitled chart's title.
- ``PHRASES`` and ``PERIOD_WORDS``: the analyst's sentence (it names the rule, the limits and
  the baseline), ``app.analytics.summary.summary_sentence``.
- ``EVIDENCE_PHRASES``, ``EVIDENCE_PLAIN`` and ``PREDICTION_PHRASES``: a cycle's evidence and
  its checkable prediction (``app.reports.evidence``).
- ``STATUS_WORDS``, ``COVERAGE_WORDS``, ``REPORT_CSV_COLUMNS`` and ``YES_NO``: the roll-up
  report and its sheet (``app.reports.rollup``).
- ``period_label``: a period key as people write it (``2026-W41`` is ``v. 41``, ``uke 41`` or
  ``W41``; ``HT2026`` is ``HT 2026``), with its year apart, so a chart can show the year once
  where it changes.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Language(StrEnum):
    sv = "sv"
    nb = "nb"
    nn = "nn"
    en = "en"


DEFAULT_LANGUAGE = Language.en
LANGUAGES: tuple[Language, ...] = tuple(Language)

# Language tags clients send, by primary subtag; "no" is the macrolanguage, written as Bokmål.
_TAGS = {
    "sv": Language.sv,
    "nb": Language.nb,
    "nn": Language.nn,
    "no": Language.nb,
    "en": Language.en,
}
_DECIMAL_COMMA = frozenset({Language.sv, Language.nb, Language.nn})
NBSP = "\u00a0"
MINUS = "\u2212"


def language_of(tag: str) -> Language:
    """The language of one tag (``sv-SE``, ``nn_NO``, ``no``); anything else is English."""
    primary = tag.strip().lower().replace("_", "-").split("-", 1)[0]
    return _TAGS.get(primary, DEFAULT_LANGUAGE)


def negotiate_language(
    accept_language: str | None, default: Language = DEFAULT_LANGUAGE
) -> Language:
    """The best supported language for an ``Accept-Language`` header (RFC 9110 q-values).

    Ranges are compared by their primary subtag (``sv-SE`` is Swedish, ``no`` Bokmål); a
    range with ``q=0`` (or an unreadable q) is never chosen; ``*`` and anything unknown fall
    back to ``default``. Ties keep the client's order.
    """
    if not accept_language:
        return default
    candidates: list[tuple[float, int, Language]] = []
    for position, item in enumerate(accept_language.split(",")):
        tag, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        if not 0.0 < quality <= 1.0:
            continue
        primary = tag.split("-")[0].lower()
        language = default if primary == "*" else _TAGS.get(primary)
        if language is not None:
            candidates.append((-quality, position, language))
    return min(candidates)[2] if candidates else default


def format_number(
    value: float,
    *,
    decimals: int = 0,
    language: str = "sv",
    percent: bool = False,
    trim: bool = False,
    unit_label: str | None = None,
) -> str:
    """A number as the language writes it: ``1 234,5`` in Swedish and Norwegian, ``1,234.5`` in
    English; a real minus sign, none on a figure that rounds to zero.

    ``percent`` takes a proportion and writes ``85 %`` (``85%``); ``trim`` drops trailing
    zeros of the decimals; ``unit_label`` follows the figure (``45,2 %``, ``45.2%``, ``3 elever``).
    """
    lang = language_of(language)
    if percent:
        value *= 100
        unit_label = "%"
    decimals = max(0, decimals)
    text = f"{abs(value):,.{decimals}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    if lang in _DECIMAL_COMMA:
        text = text.translate({ord(","): NBSP, ord("."): ","})
    if value < 0 and any(c in "123456789" for c in text):
        text = MINUS + text
    if unit_label:
        text += unit_label if unit_label == "%" and lang is Language.en else NBSP + unit_label
    return text


#: Plain sentences. Placeholders: {since} a period as people write it, {period} likewise.
PLAIN: dict[str, dict[str, str]] = {
    "sv": {
        "rise_since": "värdena har ökat tydligt sedan {since}, mer än vad slumpen förklarar",
        "fall_since": "värdena har minskat tydligt sedan {since}, mer än vad slumpen förklarar",
        "rising": "värdena har stigit {since} i rad, mer än vad slumpen förklarar",
        "falling": "värdena har sjunkit {since} i rad, mer än vad slumpen förklarar",
        "high": "värdet för {period} är ovanligt högt, mer än vad slumpen förklarar",
        "low": "värdet för {period} är ovanligt lågt, mer än vad slumpen förklarar",
        "stuck": "värdena håller sig ovanligt länge på samma sida om mitten: något har troligen förändrats",
        "improvement": "det är en förbättring",
        "concern": "det är en försämring",
        "common_cause": "värdena varierar bara som de brukar: inget tyder på en verklig förändring",
        "no_data": "det finns inga mätningar ännu",
        "pass": "målet nås troligen varje gång om inget förändras",
        "fail": "målet nås troligen inte om inte arbetssättet ändras",
        "hit_or_miss": "målet nås ibland, men inte säkert",
        "target_above": "målet ligger högre än vad värdena brukar nå",
        "target_below": "målet ligger lägre än vad värdena brukar sjunka till",
        "no_verdict_neutral": "målet bedöms inte, eftersom varken högre eller lägre värden är bättre här",
        "trial_limits": "bedömningen är preliminär: det finns ännu få mätningar",
        "rebase": "räkna gärna om från {since}, där förändringen började",
        "point": "mätning {n}",
        "periods": "{n} perioder",
    },
    "nb": {
        "rise_since": "verdiene har økt tydelig siden {since}, mer enn tilfeldigheter kan forklare",
        "fall_since": "verdiene har sunket tydelig siden {since}, mer enn tilfeldigheter kan forklare",
        "rising": "verdiene har steget {since} på rad, mer enn tilfeldigheter kan forklare",
        "falling": "verdiene har falt {since} på rad, mer enn tilfeldigheter kan forklare",
        "high": "verdien for {period} er uvanlig høy, mer enn tilfeldigheter kan forklare",
        "low": "verdien for {period} er uvanlig lav, mer enn tilfeldigheter kan forklare",
        "stuck": "verdiene holder seg uvanlig lenge på samme side av midten: noe har trolig endret seg",
        "improvement": "det er en forbedring",
        "concern": "det er en forverring",
        "common_cause": "verdiene varierer bare som de pleier: ingenting tyder på en reell endring",
        "no_data": "det finnes ingen målinger ennå",
        "pass": "målet nås trolig hver gang hvis ingenting endres",
        "fail": "målet nås trolig ikke med mindre arbeidsmåten endres",
        "hit_or_miss": "målet nås noen ganger, men ikke sikkert",
        "target_above": "målet ligger høyere enn verdiene pleier å nå",
        "target_below": "målet ligger lavere enn verdiene pleier å synke til",
        "no_verdict_neutral": "målet vurderes ikke, fordi verken høyere eller lavere verdier er bedre her",
        "trial_limits": "vurderingen er foreløpig: det finnes ennå få målinger",
        "rebase": "regn gjerne på nytt fra {since}, der endringen begynte",
        "point": "måling {n}",
        "periods": "{n} perioder",
    },
    "nn": {
        "rise_since": "verdiane har auka tydeleg sidan {since}, meir enn tilfeldigheiter kan forklare",
        "fall_since": "verdiane har minka tydeleg sidan {since}, meir enn tilfeldigheiter kan forklare",
        "rising": "verdiane har stige {since} på rad, meir enn tilfeldigheiter kan forklare",
        "falling": "verdiane har falle {since} på rad, meir enn tilfeldigheiter kan forklare",
        "high": "verdien for {period} er uvanleg høg, meir enn tilfeldigheiter kan forklare",
        "low": "verdien for {period} er uvanleg låg, meir enn tilfeldigheiter kan forklare",
        "stuck": "verdiane held seg uvanleg lenge på same side av midten: noko har truleg endra seg",
        "improvement": "det er ei forbetring",
        "concern": "det er ei forverring",
        "common_cause": "verdiane varierer berre som dei pleier: ingenting tyder på ei reell endring",
        "no_data": "det finst ingen målingar enno",
        "pass": "målet blir truleg nådd kvar gong dersom ingenting blir endra",
        "fail": "målet blir truleg ikkje nådd med mindre arbeidsmåten blir endra",
        "hit_or_miss": "målet blir nådd av og til, men ikkje sikkert",
        "target_above": "målet ligg høgare enn verdiane pleier å nå",
        "target_below": "målet ligg lågare enn verdiane pleier å gå ned til",
        "no_verdict_neutral": "målet blir ikkje vurdert, fordi verken høgare eller lågare verdiar er betre her",
        "trial_limits": "vurderinga er førebels: det finst enno få målingar",
        "rebase": "rekn gjerne på nytt frå {since}, der endringa byrja",
        "point": "måling {n}",
        "periods": "{n} periodar",
    },
    "en": {
        "rise_since": "the values have risen clearly since {since}, more than chance explains",
        "fall_since": "the values have fallen clearly since {since}, more than chance explains",
        "rising": "the values have risen for {since} in a row, more than chance explains",
        "falling": "the values have fallen for {since} in a row, more than chance explains",
        "high": "the value for {period} is unusually high, more than chance explains",
        "low": "the value for {period} is unusually low, more than chance explains",
        "stuck": "the values stay on the same side of the middle for unusually long: something has probably changed",
        "improvement": "that is an improvement",
        "concern": "that is a change for the worse",
        "common_cause": "the values vary only as they usually do: nothing points to a real change",
        "no_data": "there are no measurements yet",
        "pass": "the target will probably be met every time if nothing changes",
        "fail": "the target will probably not be met unless the way of working changes",
        "hit_or_miss": "the target is met some of the time, but not reliably",
        "target_above": "the target is higher than the values usually reach",
        "target_below": "the target is lower than the values usually fall to",
        "no_verdict_neutral": "the target gets no verdict, since neither higher nor lower values are better here",
        "trial_limits": "this is a first judgement: there are still few measurements",
        "rebase": "consider counting afresh from {since}, where the change began",
        "point": "measurement {n}",
        "periods": "{n} periods",
    },
}

#: The evidence's words where its plain sentence says it otherwise than the analyst's (the
#: rest of ``app.reports.evidence``'s phrases are plain already).
EVIDENCE_PLAIN: dict[str, dict[str, str]] = {
    "sv": {},
    "nb": {},
    "nn": {},
    "en": {
        "cycle_unjudged": "None of the {n} measures has measurements from both before and "
        "after the change yet",
        "no_baseline": "{name}: no measurements from before the change to compare with",
    },
}

#: Words "limits", "baseline", "phase" and "shift" in each language, which plain sentences never
#: use (tests check ``PLAIN`` against them).
ANALYST_WORDS: dict[str, str] = {
    "sv": r"\b(gräns\w*|baslinj\w*|fas|fasen|faser|faserna|skift\w*|förskjut\w*)\b",
    "nb": r"\b(grense\w*|grensa|grunnlinj\w*|fase\w*|skift\w*|forskyv\w*)\b",
    "nn": r"\b(grense\w*|grensa|grunnlinj\w*|fase\w*|skift\w*|forskyv\w*)\b",
    "en": r"\b(limit\w*|baseline\w*|phase\w*|shift\w*)\b",
}

#: What a chart writes itself: its legend and the empty chart.
CHART: dict[str, dict[str, str]] = {
    "sv": {
        "value": "Mätvärde",
        "mean": "Medelvärde",
        "median": "Median",
        "limit": "Gräns för vanlig variation",
        "target": "Mål",
        "improvement": "Tydlig förbättring",
        "concern": "Tydlig försämring",
        "neutral": "Tydlig förändring",
        "excluded": "Utesluten mätning",
        "gap": "Mätning saknas",
        "phase": "Fas",
        "empty": "Inga värden att visa",
    },
    "nb": {
        "value": "Måleverdi",
        "mean": "Gjennomsnitt",
        "median": "Median",
        "limit": "Grense for vanlig variasjon",
        "target": "Mål",
        "improvement": "Tydelig forbedring",
        "concern": "Tydelig forverring",
        "neutral": "Tydelig endring",
        "excluded": "Utelatt måling",
        "gap": "Måling mangler",
        "phase": "Fase",
        "empty": "Ingen verdier å vise",
    },
    "nn": {
        "value": "Måleverdi",
        "mean": "Gjennomsnitt",
        "median": "Median",
        "limit": "Grense for vanleg variasjon",
        "target": "Mål",
        "improvement": "Tydeleg forbetring",
        "concern": "Tydeleg forverring",
        "neutral": "Tydeleg endring",
        "excluded": "Utelaten måling",
        "gap": "Måling manglar",
        "phase": "Fase",
        "empty": "Ingen verdiar å vise",
    },
    "en": {
        "value": "Value",
        "mean": "Average",
        "median": "Median",
        "limit": "Limit of usual variation",
        "target": "Target",
        "improvement": "Clear improvement",
        "concern": "Clear change for the worse",
        "neutral": "Clear change",
        "excluded": "Excluded value",
        "gap": "Missing period",
        "phase": "Phase",
        "empty": "No values to show",
    },
}

_WEEK_WORD = {"sv": "v. {w}", "nb": "uke {w}", "nn": "veke {w}", "en": "W{w}"}
_TERMS = {
    "sv": ("HT {y}", "VT {y}"),
    "nb": ("høst {y}", "vår {y}"),
    "nn": ("haust {y}", "vår {y}"),
    "en": ("autumn {y}", "spring {y}"),
}
_MONTHS = {
    "sv": ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
    "nb": ["jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des"],
    "nn": ["jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des"],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}
_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_TERM = re.compile(r"(HT|VT)(\d{4})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def period_label(key: str, language: str) -> tuple[str, str | None]:
    """A period key as people write it, and its year when the label leaves the year out.

    ``2026-W41`` is ``v. 41`` (sv), ``uke 41`` (nb), ``veke 41`` (nn), ``W41`` (en), year
    ``2026``; ``HT2026`` is ``HT 2026`` (``høst 2026``, ``haust 2026``, ``autumn 2026``), no
    year apart; ``2026-09`` is ``sep``; ``2026-09-14`` is ``14 sep``. Anything else (a school
    year ``2026/27``, a label sent in a request) stays as it is.
    """
    lang = language_of(language)
    if match := _WEEK.fullmatch(key):
        return _WEEK_WORD[lang].format(w=int(match[2])), match[1]
    if match := _TERM.fullmatch(key):
        autumn, spring = _TERMS[lang]
        return (autumn if match[1] == "HT" else spring).format(y=match[2]), None
    if (match := _MONTH.fullmatch(key)) and 1 <= int(match[2]) <= 12:
        return _MONTHS[lang][int(match[2]) - 1], match[1]
    if (match := _DAY.fullmatch(key)) and 1 <= int(match[2]) <= 12:
        return f"{int(match[3])} {_MONTHS[lang][int(match[2]) - 1]}", match[1]
    return key, None


def period_in_text(key: str, language: str) -> str:
    """A period as a sentence writes it: weeks without their year (``v. 41``), months and days
    with it (``sep 2026``, ``14 sep 2026``), terms as they are (``HT 2026``)."""
    label, year = period_label(key, language)
    if year is None or _WEEK.fullmatch(key):
        return label
    return f"{label} {year}"


# --- the analyst's sentences (app.analytics.summary.summary_sentence) -----------------------

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


# --- the cycle evidence (app.reports.evidence) --------------------------------------------

#: A cycle's evidence in words. Placeholders: {name} a measure, {before} {after} figures,
#: {n} {i} {c} counts of measures.
EVIDENCE_PHRASES: dict[str, dict[str, str]] = {
    "sv": {
        "cycle_unjudged": "Inget av de {n} måtten har mätningar från både nuläget och tiden efter förändringen ännu",
        "cycle_no_signal": "Efter förändringen visar inget av de {n} måtten tecken på en verklig förändring",
        "change": "{name}: {before} före förändringen, {after} efter",
        "no_baseline": "{name}: inga mätningar i nuläget att jämföra med",
        "no_follow_up": "{name}: inga mätningar efter förändringen ännu",
        "no_data": "{name}: inga mätningar att analysera ännu",
        "cycle": "Efter förändringen visar {i} av {n} mått troligen en verklig förbättring "
        "och {c} en försämring",
        "no_measures": "Cykeln följer inga mått ännu",
    },
    "nb": {
        "cycle_unjudged": "Ingen av de {n} indikatorene har målinger fra både nåsituasjonen og tiden etter endringen ennå",
        "cycle_no_signal": "Etter endringen viser ingen av de {n} indikatorene tegn til en reell endring",
        "change": "{name}: {before} før endringen, {after} etter",
        "no_baseline": "{name}: ingen målinger fra nåsituasjonen å sammenligne med",
        "no_follow_up": "{name}: ingen målinger etter endringen ennå",
        "no_data": "{name}: ingen målinger å analysere ennå",
        "cycle": "Etter endringen viser {i} av {n} indikatorer trolig en reell forbedring "
        "og {c} en forverring",
        "no_measures": "Syklusen følger ingen indikatorer ennå",
    },
    "nn": {
        "cycle_unjudged": "Ingen av dei {n} indikatorane har målingar frå både nosituasjonen og tida etter endringa enno",
        "cycle_no_signal": "Etter endringa viser ingen av dei {n} indikatorane teikn til ei reell endring",
        "change": "{name}: {before} før endringa, {after} etter",
        "no_baseline": "{name}: ingen målingar frå nosituasjonen å samanlikne med",
        "no_follow_up": "{name}: ingen målingar etter endringa enno",
        "no_data": "{name}: ingen målingar å analysere enno",
        "cycle": "Etter endringa viser {i} av {n} indikatorar truleg ei reell forbetring "
        "og {c} ei forverring",
        "no_measures": "Syklusen følgjer ingen indikatorar enno",
    },
    "en": {
        "cycle_unjudged": "None of the {n} measures has measurements from both the baseline and after the change yet",
        "cycle_no_signal": "After the change, none of the {n} measures shows signs of a real change",
        "change": "{name}: {before} before the change, {after} after",
        "no_baseline": "{name}: no baseline measurements to compare with",
        "no_follow_up": "{name}: no measurements after the change yet",
        "no_data": "{name}: no measurements to analyse yet",
        "cycle": "After the change, {i} of {n} measures probably show a real improvement "
        "and {c} a change for the worse",
        "no_measures": "The cycle follows no measures yet",
    },
}


#: A checkable prediction's outcome. Placeholders: {v} {w} the predicted figures, {name},
#: {observed}, {periods} (as people write them), {expected}.
PREDICTION_PHRASES: dict[str, dict[str, str]] = {
    "sv": {
        "at_least": "minst {v}",
        "at_most": "högst {v}",
        "between": "mellan {v} och {w}",
        "met": "Förutsägelsen slog in: {name} blev {observed} efter förändringen ({periods}), förutsagt {expected}",
        "not_met": "Förutsägelsen slog inte in: {name} blev {observed} efter förändringen ({periods}), förutsagt {expected}",
        "no_data": "Förutsägelsen ({name} {expected}) kan inte prövas än: inga mätningar efter förändringen",
        "not_followed": "Förutsägelsen gäller ett mått som cykeln inte längre följer",
        "provisional": " (än så länge: testet pågår)",
    },
    "nb": {
        "at_least": "minst {v}",
        "at_most": "høyst {v}",
        "between": "mellom {v} og {w}",
        "met": "Prediksjonen slo til: {name} ble {observed} etter endringen ({periods}), forventet {expected}",
        "not_met": "Prediksjonen slo ikke til: {name} ble {observed} etter endringen ({periods}), forventet {expected}",
        "no_data": "Prediksjonen ({name} {expected}) kan ikke prøves ennå: ingen målinger etter endringen",
        "not_followed": "Prediksjonen gjelder en indikator som syklusen ikke lenger følger",
        "provisional": " (foreløpig: testen pågår)",
    },
    "nn": {
        "at_least": "minst {v}",
        "at_most": "høgst {v}",
        "between": "mellom {v} og {w}",
        "met": "Prediksjonen slo til: {name} vart {observed} etter endringa ({periods}), venta {expected}",
        "not_met": "Prediksjonen slo ikkje til: {name} vart {observed} etter endringa ({periods}), venta {expected}",
        "no_data": "Prediksjonen ({name} {expected}) kan ikkje prøvast enno: ingen målingar etter endringa",
        "not_followed": "Prediksjonen gjeld ein indikator som syklusen ikkje lenger følgjer",
        "provisional": " (førebels: testen held fram)",
    },
    "en": {
        "at_least": "at least {v}",
        "at_most": "at most {v}",
        "between": "between {v} and {w}",
        "met": "The prediction came true: {name} was {observed} after the change ({periods}), predicted {expected}",
        "not_met": "The prediction did not come true: {name} was {observed} after the change ({periods}), predicted {expected}",
        "no_data": "The prediction ({name} {expected}) cannot be checked yet: no measurements after the change",
        "not_followed": "The prediction is about a measure the cycle no longer follows",
        "provisional": " (so far: the test is still running)",
    },
}


# --- the roll-up report (app.reports.rollup) ----------------------------------------------

#: A row's status for the period, in words (the sentence of a row without a figure).
STATUS_WORDS: dict[str, dict[str, str]] = {
    "sv": {
        "reported": "Rapporterat",
        "not_reported": "Ej rapporterat för perioden",
        "withheld": "Visas inte: för få för att redovisas",
    },
    "nb": {
        "reported": "Rapportert",
        "not_reported": "Ikke rapportert for perioden",
        "withheld": "Vises ikke: for få til å rapporteres",
    },
    "nn": {
        "reported": "Rapportert",
        "not_reported": "Ikkje rapportert for perioden",
        "withheld": "Visast ikkje: for få til å rapporterast",
    },
    "en": {
        "reported": "Reported",
        "not_reported": "Not reported for the period",
        "withheld": "Not shown: too few to report",
    },
}


#: A level's coverage, when units have not reported.
COVERAGE_WORDS: dict[str, str] = {
    "sv": "{r} av {n} enheter har rapporterat; saknas: {names}.",
    "nb": "{r} av {n} enheter har rapportert; mangler: {names}.",
    "nn": "{r} av {n} einingar har rapportert; manglar: {names}.",
    "en": "{r} of {n} units have reported; missing: {names}.",
}


#: The report's CSV columns: the English header (the keys), and sv, nb, nn.
REPORT_CSV_COLUMNS: dict[str, tuple[str, str, str]] = {
    "depth": ("nivå", "nivå", "nivå"),
    "org_unit": ("enhet", "enhet", "eining"),
    "org_unit_id": ("enhetens id", "enhetens id", "einingas id"),
    "external_code": ("extern kod", "ekstern kode", "ekstern kode"),
    "kind": ("typ", "type", "type"),
    "level_above_scope": (
        "nivå ovanför behörigheten",
        "nivå over tilgangen",
        "nivå over tilgangen",
    ),
    "period": ("period", "periode", "periode"),
    "status": ("status", "status", "status"),
    "value": ("värde", "verdi", "verdi"),
    "numerator": ("täljare", "teller", "teljar"),
    "denominator": ("nämnare", "nevner", "nemnar"),
    "reporting_units": ("rapporterande enheter", "rapporterende enheter", "rapporterande einingar"),
    "expected_units": ("förväntade enheter", "forventede enheter", "forventa einingar"),
    "complete": ("alla har rapporterat", "alle har rapportert", "alle har rapportert"),
    "not_reported": ("ej rapporterat", "ikke rapportert", "ikkje rapportert"),
    "withheld": ("dold (för få)", "skjult (for få)", "skjult (for få)"),
    "chart": ("diagram", "diagram", "diagram"),
    "centre": ("mittlinje", "midtlinje", "midtlinje"),
    "lower": ("nedre gräns", "nedre grense", "nedre grense"),
    "upper": ("övre gräns", "øvre grense", "øvre grense"),
    "variation": ("variation", "variasjon", "variasjon"),
    "assurance": ("målet mot gränserna", "målet mot grensene", "målet mot grensene"),
    "assurance_verdict": ("måluppfyllelse", "måloppnåelse", "måloppnåing"),
    "summary": ("sammanfattning", "sammendrag", "samandrag"),
    "plain_summary": ("i klartext", "i klartekst", "i klartekst"),
}


#: Yes and no in a sheet.
YES_NO: dict[str, tuple[str, str]] = {
    "sv": ("ja", "nej"),
    "nb": ("ja", "nei"),
    "nn": ("ja", "nei"),
    "en": ("yes", "no"),
}


# --- a chart's default title (app.charts.series) ------------------------------------------

#: (a run chart, a control chart) in each language.
CHART_WORDS: dict[str, tuple[str, str]] = {
    "sv": ("Seriediagram", "Styrdiagram"),
    "nb": ("Seriediagram", "Styringsdiagram"),
    "nn": ("Seriediagram", "Styringsdiagram"),
    "en": ("Run chart", "Control chart"),
}
