"""The column names files are written with, per language, and the language a request asks for.

The reader (:mod:`app.measures.spreadsheets`) accepts every alias of
:data:`~app.measures.spreadsheets.ACCEPTED_COLUMNS`; this module picks the one name per
column and language that exports and templates write, so a file written in Swedish, Norwegian
(bokmål or nynorsk) or English imports again unchanged.
"""

import difflib
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Literal

from fastapi import Header

from app.i18n import Language, negotiate_language

Column = Literal[
    "period",
    "measure",
    "unit",
    "unit_name",
    "value",
    "numerator",
    "denominator",
    "comment",
    "external_id",
]

#: The header each language writes; every name is one the reader accepts.
#: (Keyed by language code: ``Language`` is a ``StrEnum`` of the same values.)
COLUMN_NAMES: Mapping[str, Mapping[Column, str]] = {
    "en": {
        "period": "period",
        "measure": "measure",
        "unit": "unit",
        "unit_name": "unit_name",
        "value": "value",
        "numerator": "numerator",
        "denominator": "denominator",
        "comment": "comment",
        "external_id": "external_id",
    },
    "sv": {
        "period": "Period",
        "measure": "Mått",
        "unit": "Enhet",
        "unit_name": "Enhetsnamn",
        "value": "Värde",
        "numerator": "Täljare",
        "denominator": "Nämnare",
        "comment": "Kommentar",
        "external_id": "Externt id",
    },
    "nb": {
        "period": "Periode",
        "measure": "Indikator",
        "unit": "Enhet",
        "unit_name": "Enhetsnavn",
        "value": "Verdi",
        "numerator": "Teller",
        "denominator": "Nevner",
        "comment": "Merknad",
        "external_id": "Ekstern id",
    },
    "nn": {
        "period": "Periode",
        "measure": "Indikator",
        "unit": "Eining",
        "unit_name": "Einingsnamn",
        "value": "Verdi",
        "numerator": "Teljar",
        "denominator": "Nemnar",
        "comment": "Merknad",
        "external_id": "Ekstern id",
    },
}


def preferred_language(accept_language: str | None, default: str = "en") -> Language:
    """The first of sv, nb, nn and en that ``Accept-Language`` prefers (quality weights
    honoured, regions ignored: ``sv-SE`` is ``sv``, ``no`` is ``nb``); English when it names none
    of them (``app.i18n.negotiate_language``)."""
    return negotiate_language(
        accept_language[:1000] if accept_language else None, default=Language(default)
    )


def header(language: Language, columns: Iterable[Column]) -> tuple[str, ...]:
    """The names of ``columns`` as ``language`` writes them."""
    names = COLUMN_NAMES[language]
    return tuple(names[column] for column in columns)


def closest(name: str, accepted: Iterable[str], key: Callable[[str], str]) -> str | None:
    """The accepted header most like ``name`` (compared as the reader compares headers), or
    None when nothing is close enough to be a likely typing error."""
    by_key: dict[str, str] = {}
    for alias in accepted:
        by_key.setdefault(key(alias), alias)
    found = difflib.get_close_matches(key(name), list(by_key), n=1, cutoff=0.7)
    return by_key[found[0]] if found else None


AcceptLanguage = Annotated[
    str | None,
    Header(
        description="The language of the file's column names: sv, nb, nn or en (the default); "
        "every one of them imports again unchanged."
    ),
]
