"""The imports' row messages in Swedish, Bokmål, Nynorsk and English: a municipality's unit
tree and its indicators from a spreadsheet (``POST /api/v1/org-units/import``,
``POST /api/v1/measures/import``, ``pdca import-units``, ``pdca import-measures``).

Kept apart from :mod:`app.problem_texts_ingestion` (a file's cells, header and format), which
the imports read their files with; :mod:`app.problem_texts` merges both into its ``TEXTS``.
"""

from typing import Final

# The unit tree's import (POST /api/v1/org-units/import, pdca import-units): one row's fields.
IMPORT_TEXTS: Final[dict[str, dict[str, str]]] = {
    "unit-row.name-empty": {
        "en": "the unit's name is empty",
        "sv": "enhetens namn är tomt",
        "nb": "enhetens navn er tomt",
        "nn": "namnet på eininga er tomt",
    },
    "unit-row.too-long": {
        "en": "at most {limit} characters",
        "sv": "högst {limit} tecken",
        "nb": "høyst {limit} tegn",
        "nn": "høgst {limit} teikn",
    },
    "unit-row.code-needed": {
        "en": "every unit needs its code",
        "sv": "varje enhet behöver sin kod",
        "nb": "hver enhet trenger koden sin",
        "nn": "kvar eining treng koden sin",
    },
    "unit-row.code-repeated": {
        "en": "'{code}' is also on row {row}",
        "sv": "'{code}' finns också på rad {row}",
        "nb": "'{code}' står også på rad {row}",
        "nn": "'{code}' står òg på rad {row}",
    },
    "unit-row.kind-unknown": {
        "en": "'{kind}' is not a kind of unit; write kommun, förvaltning, område, skola, "
        "förskola, arbetslag or annat (or municipality, administration, area, school, "
        "preschool, work_team, other)",
        "sv": "'{kind}' är inte ett slags enhet; skriv kommun, förvaltning, område, skola, "
        "förskola, arbetslag eller annat",
        "nb": "'{kind}' er ikke en type enhet; skriv kommune, forvaltning, område, skole, "
        "barnehage, arbeidslag eller annet",
        "nn": "'{kind}' er ikkje ein type eining; skriv kommune, forvaltning, område, skole, "
        "barnehage, arbeidslag eller annet",
    },
    "unit-row.own-parent": {
        "en": "a unit cannot be its own parent",
        "sv": "en enhet kan inte vara sin egen förälder",
        "nb": "en enhet kan ikke være sin egen forelder",
        "nn": "ei eining kan ikkje vere sin eigen forelder",
    },
    "unit-row.outside-scope": {
        "en": "'{code}' is the code of a unit outside your scope",
        "sv": "'{code}' är koden för en enhet utanför ditt omfång",
        "nb": "'{code}' er koden til en enhet utenfor ditt omfang",
        "nn": "'{code}' er koden til ei eining utanfor omfanget ditt",
    },
    "unit-row.archived": {
        "en": "the unit with this code is archived",
        "sv": "enheten med den här koden är arkiverad",
        "nb": "enheten med denne koden er arkivert",
        "nn": "eininga med denne koden er arkivert",
    },
    "unit-row.scoped-needs-parent": {
        "en": "a token scoped to a unit creates units inside its subtree only; name the parent",
        "sv": "en token som gäller en enhet skapar bara enheter i dess underträd; ange föräldern",
        "nb": "et token som gjelder en enhet, oppretter bare enheter i undertreet; oppgi "
        "forelderen",
        "nn": "eit token som gjeld ei eining, opprettar berre einingar i undertreet; oppgi "
        "forelderen",
    },
    "unit-row.move": {
        "en": "the unit with this code exists under another parent; an import does not move "
        "units (use POST /api/v1/org-units/{{id}}/move), so give its present parent",
        "sv": "enheten med den här koden finns under en annan förälder; en import flyttar inte "
        "enheter (använd POST /api/v1/org-units/{{id}}/move), så ange dess nuvarande förälder",
        "nb": "enheten med denne koden ligger under en annen forelder; en import flytter ikke "
        "enheter (bruk POST /api/v1/org-units/{{id}}/move), så oppgi den nåværende forelderen",
        "nn": "eininga med denne koden ligg under ein annan forelder; ein import flyttar ikkje "
        "einingar (bruk POST /api/v1/org-units/{{id}}/move), så oppgi den noverande "
        "forelderen",
    },
    "unit-row.parent-missing": {
        "en": "no unit with code '{parent}' in the file or the tree",
        "sv": "ingen enhet med koden '{parent}' i filen eller trädet",
        "nb": "ingen enhet med koden '{parent}' i filen eller treet",
        "nn": "inga eining med koden '{parent}' i fila eller treet",
    },
    "unit-row.parent-out": {
        "en": "the unit '{parent}' is outside your scope or archived",
        "sv": "enheten '{parent}' ligger utanför ditt omfång eller är arkiverad",
        "nb": "enheten '{parent}' er utenfor ditt omfang eller arkivert",
        "nn": "eininga '{parent}' er utanfor omfanget ditt eller arkivert",
    },
    "unit-row.loop": {
        "en": "the parents in the file go round in a loop at '{code}'",
        "sv": "föräldrarna i filen går runt i en slinga vid '{code}'",
        "nb": "foreldrene i filen går i ring ved '{code}'",
        "nn": "foreldra i fila går i ring ved '{code}'",
    },
    # An upload as a whole (app.measures.uploads).
    "upload.form-urlencoded": {
        "en": "The form was sent without its file (as application/x-www-form-urlencoded): "
        'send it as multipart/form-data (an HTML form needs enctype="multipart/form-data").',
        "sv": "Formuläret skickades utan sin fil (som application/x-www-form-urlencoded): "
        'skicka det som multipart/form-data (ett HTML-formulär behöver enctype="multipart/'
        'form-data").',
        "nb": "Skjemaet ble sendt uten filen (som application/x-www-form-urlencoded): send det "
        'som multipart/form-data (et HTML-skjema trenger enctype="multipart/form-data").',
        "nn": "Skjemaet vart sendt utan fila (som application/x-www-form-urlencoded): send det "
        'som multipart/form-data (eit HTML-skjema treng enctype="multipart/form-data").',
    },
    "upload.form-without-file": {
        "en": "The form holds no file: send the spreadsheet in a file field "
        "(curl -F file=@matningar.csv).",
        "sv": "Formuläret innehåller ingen fil: skicka kalkylarket i ett filfält "
        "(curl -F file=@matningar.csv).",
        "nb": "Skjemaet inneholder ingen fil: send regnearket i et filfelt "
        "(curl -F file=@matningar.csv).",
        "nn": "Skjemaet inneheld inga fil: send reknearket i eit filfelt "
        "(curl -F file=@matningar.csv).",
    },
    "upload.form-unreadable": {
        "en": "The multipart form cannot be read (damaged, or more than one file); send one "
        "file (curl -F file=@matningar.csv) or the file itself as the body.",
        "sv": "Multipart-formuläret kan inte läsas (skadat, eller mer än en fil); skicka en "
        "fil (curl -F file=@matningar.csv) eller själva filen som kropp.",
        "nb": "Multipart-skjemaet kan ikke leses (skadet, eller mer enn én fil); send én fil "
        "(curl -F file=@matningar.csv) eller selve filen som innhold.",
        "nn": "Multipart-skjemaet kan ikkje lesast (skadd, eller meir enn éi fil); send éi fil "
        "(curl -F file=@matningar.csv) eller sjølve fila som innhald.",
    },
    "upload.empty": {
        "en": "The body is empty: send the file itself as the request body.",
        "sv": "Kroppen är tom: skicka själva filen som begärans kropp.",
        "nb": "Innholdet er tomt: send selve filen som innholdet i forespørselen.",
        "nn": "Innhaldet er tomt: send sjølve fila som innhaldet i førespurnaden.",
    },
    "upload.no-measurements": {
        "en": "The file holds no measurements (only a header, or rows left out such as "
        "Kolada's K/M rows): nothing was written.",
        "sv": "Filen innehåller inga mätningar (bara en rubrikrad, eller rader som hoppas över "
        "som Koladas K/M-rader): inget skrevs.",
        "nb": "Filen inneholder ingen målinger (bare en overskriftsrad, eller rader som hoppes "
        "over, som Koladas K/M-rader): ingenting ble skrevet.",
        "nn": "Fila inneheld ingen målingar (berre ei overskriftsrad, eller rader som blir "
        "hoppa over, som K/M-radene frå Kolada): ingenting vart skrive.",
    },
    "upload.only-header": {
        "en": "The file holds only a header: nothing was written.",
        "sv": "Filen innehåller bara en rubrikrad: inget skrevs.",
        "nb": "Filen inneholder bare en overskriftsrad: ingenting ble skrevet.",
        "nn": "Fila inneheld berre ei overskriftsrad: ingenting vart skrive.",
    },
    # The indicators' import (POST /api/v1/measures/import, pdca import-measures).
    "measure-row.code-repeated": {
        "en": "'{code}' is also on row {row}",
        "sv": "'{code}' finns också på rad {row}",
        "nb": "'{code}' står også på rad {row}",
        "nn": "'{code}' står òg på rad {row}",
    },
    "measure-row.unit-unknown": {
        "en": "no unit with code '{unit}' in your scope (the indicator's owner, whose units "
        "below report it)",
        "sv": "ingen enhet med koden '{unit}' i ditt omfång (indikatorns ägare, vars enheter "
        "under rapporterar den)",
        "nb": "ingen enhet med koden '{unit}' i ditt omfang (indikatorens eier, der enhetene "
        "under rapporterer den)",
        "nn": "inga eining med koden '{unit}' i omfanget ditt (eigaren av indikatoren, der "
        "einingane under rapporterer han)",
    },
    "measure-row.initiative-code": {
        "en": "the code names an initiative's measure, not an indicator",
        "sv": "koden anger ett mått för en insats, inte en indikator",
        "nb": "koden viser til et mål for et tiltak, ikke en indikator",
        "nn": "koden viser til eit mål for eit tiltak, ikkje ein indikator",
    },
    "measure-row.other-unit": {
        "en": "the indicator with this code belongs to another unit; an import does not move "
        "indicators",
        "sv": "indikatorn med den här koden hör till en annan enhet; en import flyttar inte "
        "indikatorer",
        "nb": "indikatoren med denne koden hører til en annen enhet; en import flytter ikke "
        "indikatorer",
        "nn": "indikatoren med denne koden høyrer til ei anna eining; ein import flyttar ikkje "
        "indikatorar",
    },
    "measure-row.outside-scope": {
        "en": "the indicator with this code is outside your scope",
        "sv": "indikatorn med den här koden ligger utanför ditt omfång",
        "nb": "indikatoren med denne koden er utenfor ditt omfang",
        "nn": "indikatoren med denne koden er utanfor omfanget ditt",
    },
    "measure-row.fixed": {
        "en": "fixed once the indicator has measurements",
        "sv": "låst när indikatorn har mätningar",
        "nb": "låst når indikatoren har målinger",
        "nn": "låst når indikatoren har målingar",
    },
}
