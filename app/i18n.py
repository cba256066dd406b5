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
- ``CHART``: what a chart writes itself: its legend, the empty chart.
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
