"""Languages the service speaks (Swedish, Norwegian Bokmål and Nynorsk, English): one
``Language``, one negotiation of ``Accept-Language`` and one way to write a number.

It imports nothing of the app, so the pure chart rules (``app.analytics``) may use it too.

Numbers: Swedish and Norwegian group digits with a no-break space (U+00A0; the narrow one,
U+202F, is the typographers' choice but missing from many fonts an SVG is drawn with), use a
decimal comma and the true minus sign (U+2212), in prose and charts alike. English groups with
a comma, uses a decimal point and the true minus sign as well: the minus is a typographic
choice, not a national one. A unit follows after a no-break space (``45,2 %``), except ``%``
in English (``45.2%``).
"""

from __future__ import annotations

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
