"""Problem titles and field messages in Swedish, Bokmål and Nynorsk (English is the source).

A problem's ``type`` and the fields it names never change with the language: clients branch on
them. What a person reads does: the ``title`` of every problem type people meet, the messages of
field validation, "not found" and the refused rows of an ingestion. A text without a translation
stays in English, the fallback.
"""

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol, TypeGuard

from app.periods import MESSAGES as PERIOD_MESSAGES
from app.problem_texts_imports import IMPORT_TEXTS
from app.problem_texts_ingestion import INGESTION_TEXTS, SPREADSHEET_TEXTS

TITLES: Final[dict[str, dict[str, str]]] = {
    "sv": {
        "bad-request": "Felaktig begäran",
        "not-authenticated": "Inte inloggad",
        "forbidden": "Åtkomst nekas",
        "not-found": "Hittades inte",
        "method-not-allowed": "Metoden stöds inte",
        "cursor-expired": "Markören har gått ut",
        "conflict": "Konflikt",
        "precondition-failed": "Villkoret uppfylls inte",
        "precondition-required": "If-Match krävs",
        "payload-too-large": "Begäran är för stor",
        "file-too-large": "Filen är för stor",
        "sheet-too-large": "Bladet är för stort",
        "unsupported-file": "Filformatet stöds inte",
        "unsupported-media-type": "Innehållstypen stöds inte",
        "unreadable-file": "Filen kan inte läsas",
        "validation-error": "Begäran kunde inte valideras",
        "invalid-input": "Ogiltiga uppgifter",
        "rows-refused": "Rader avvisades",
        "idempotency-key-reused": "Idempotensnyckeln är redan använd",
        "invalid-idempotency-key": "Ogiltig idempotensnyckel",
        "idempotency-key-in-progress": "En begäran med samma nyckel pågår",
        "idempotent-response-withheld": "Svaret spelas inte upp igen",
        "external-id-taken": "Det externa id:t togs under tiden",
        "concurrent-changes": "För många samtidiga ändringar",
        "service-unavailable": "Tjänsten är inte tillgänglig",
        "rate-limited": "För många anrop",
        "internal-error": "Internt fel",
        "cycle-closed": "Cykeln är avslutad",
        "cycle-stage-skip-not-allowed": "Steg kan inte hoppas över",
        "cycle-stage-reason-required": "Att gå tillbaka kräver en motivering",
        "cycle-stage-incomplete": "Steget är inte klart",
        "cycle-stage-unchanged": "Cykeln är redan i det steget",
        "measure-fixed": "Måttets slag är låst av dess mätningar",
        "measure-in-use": "Måttet har mätningar",
        "unit-archived": "Enheten är arkiverad",
        "unit-has-history": "Enheten har historik",
        "team-has-history": "Teamet har historik",
        "team-move-clash": "Teamets mätningar krockar med den nya enhetens",
        "move-breaks-goal-links": "Flytten skulle bryta kopplingar till mål",
        "duplicate-external-code": "Den externa koden används redan",
        "external-code-taken": "Den externa koden är upptagen",
        "import-rejected": "Dokumentet kan inte importeras",
        "export-version-unsupported": "Exportversionen stöds inte",
        "import-target-not-empty": "Organisationen är inte tom",
        "import-ids-taken": "Dokumentets id:n används redan",
    },
    "nb": {
        "bad-request": "Ugyldig forespørsel",
        "not-authenticated": "Ikke pålogget",
        "forbidden": "Ingen tilgang",
        "not-found": "Ikke funnet",
        "method-not-allowed": "Metoden støttes ikke",
        "cursor-expired": "Markøren er utløpt",
        "conflict": "Konflikt",
        "precondition-failed": "Vilkåret er ikke oppfylt",
        "precondition-required": "If-Match kreves",
        "payload-too-large": "Forespørselen er for stor",
        "file-too-large": "Filen er for stor",
        "sheet-too-large": "Arket er for stort",
        "unsupported-file": "Filformatet støttes ikke",
        "unsupported-media-type": "Innholdstypen støttes ikke",
        "unreadable-file": "Filen kan ikke leses",
        "validation-error": "Forespørselen kunne ikke valideres",
        "invalid-input": "Ugyldige opplysninger",
        "rows-refused": "Rader ble avvist",
        "idempotency-key-reused": "Idempotensnøkkelen er allerede brukt",
        "invalid-idempotency-key": "Ugyldig idempotensnøkkel",
        "idempotency-key-in-progress": "En forespørsel med samme nøkkel pågår",
        "idempotent-response-withheld": "Svaret spilles ikke av på nytt",
        "external-id-taken": "Den eksterne id-en ble tatt i mellomtiden",
        "concurrent-changes": "For mange samtidige endringer",
        "service-unavailable": "Tjenesten er ikke tilgjengelig",
        "rate-limited": "For mange forespørsler",
        "internal-error": "Intern feil",
        "cycle-closed": "Syklusen er avsluttet",
        "cycle-stage-skip-not-allowed": "Trinn kan ikke hoppes over",
        "cycle-stage-reason-required": "Å gå tilbake krever en begrunnelse",
        "cycle-stage-incomplete": "Trinnet er ikke ferdig",
        "cycle-stage-unchanged": "Syklusen er allerede på det trinnet",
        "measure-fixed": "Målets type er låst av målingene",
        "measure-in-use": "Målet har målinger",
        "unit-archived": "Enheten er arkivert",
        "unit-has-history": "Enheten har historikk",
        "team-has-history": "Teamet har historikk",
        "team-move-clash": "Teamets målinger kolliderer med den nye enhetens",
        "move-breaks-goal-links": "Flyttingen ville bryte koblinger til mål",
        "duplicate-external-code": "Den eksterne koden er allerede i bruk",
        "external-code-taken": "Den eksterne koden er opptatt",
        "import-rejected": "Dokumentet kan ikke importeres",
        "export-version-unsupported": "Eksportversjonen støttes ikke",
        "import-target-not-empty": "Organisasjonen er ikke tom",
        "import-ids-taken": "Dokumentets id-er er allerede i bruk",
    },
    "nn": {
        "bad-request": "Ugyldig førespurnad",
        "not-authenticated": "Ikkje pålogga",
        "forbidden": "Inga tilgang",
        "not-found": "Ikkje funne",
        "method-not-allowed": "Metoden er ikkje støtta",
        "cursor-expired": "Markøren har gått ut",
        "conflict": "Konflikt",
        "precondition-failed": "Vilkåret er ikkje oppfylt",
        "precondition-required": "If-Match er påkravd",
        "payload-too-large": "Førespurnaden er for stor",
        "file-too-large": "Fila er for stor",
        "sheet-too-large": "Arket er for stort",
        "unsupported-file": "Filformatet er ikkje støtta",
        "unsupported-media-type": "Innhaldstypen er ikkje støtta",
        "unreadable-file": "Fila kan ikkje lesast",
        "validation-error": "Førespurnaden kunne ikkje validerast",
        "invalid-input": "Ugyldige opplysningar",
        "rows-refused": "Rader vart avviste",
        "idempotency-key-reused": "Idempotensnøkkelen er alt brukt",
        "invalid-idempotency-key": "Ugyldig idempotensnøkkel",
        "idempotency-key-in-progress": "Ein førespurnad med same nøkkel er i gang",
        "idempotent-response-withheld": "Svaret blir ikkje spela av på nytt",
        "external-id-taken": "Den eksterne id-en vart teken i mellomtida",
        "concurrent-changes": "For mange samtidige endringar",
        "service-unavailable": "Tenesta er ikkje tilgjengeleg",
        "rate-limited": "For mange førespurnader",
        "internal-error": "Intern feil",
        "cycle-closed": "Syklusen er avslutta",
        "cycle-stage-skip-not-allowed": "Steg kan ikkje hoppast over",
        "cycle-stage-reason-required": "Å gå tilbake krev ei grunngjeving",
        "cycle-stage-incomplete": "Steget er ikkje ferdig",
        "cycle-stage-unchanged": "Syklusen er alt på det steget",
        "measure-fixed": "Typen til målet er låst av målingane",
        "measure-in-use": "Målet har målingar",
        "unit-archived": "Eininga er arkivert",
        "unit-has-history": "Eininga har historikk",
        "team-has-history": "Teamet har historikk",
        "team-move-clash": "Målingane til teamet kolliderer med den nye eininga sine",
        "move-breaks-goal-links": "Flyttinga ville bryte koplingar til mål",
        "duplicate-external-code": "Den eksterne koden er alt i bruk",
        "external-code-taken": "Den eksterne koden er oppteken",
        "import-rejected": "Dokumentet kan ikkje importerast",
        "export-version-unsupported": "Eksportversjonen er ikkje støtta",
        "import-target-not-empty": "Organisasjonen er ikkje tom",
        "import-ids-taken": "Dokumentet sine id-ar er alt i bruk",
    },
}

#: Field messages by error type; ``{...}`` are filled from the error's context as in English.
FIELD_MESSAGES: Final[dict[str, dict[str, str]]] = {
    "sv": {
        "missing": "måste anges",
        "body_missing": "en JSON-kropp krävs",
        "empty": "får inte vara tomt",
        "extra_forbidden": "är inget fält som den här åtgärden tar emot; kontrollera stavningen",
        "string_type": "måste vara text",
        "string_too_short": "måste vara minst {min_length} tecken långt",
        "string_too_long": "får vara högst {max_length} tecken långt",
        "string_nul": "får inte innehålla NUL-tecken",
        "string_invisible": "måste innehålla synliga tecken",
        "bool_type": "måste vara true eller false",
        "bool_parsing": "måste vara true eller false",
        "int_type": "måste vara ett heltal, t.ex. 12",
        "int_parsing": "måste vara ett heltal, t.ex. 12",
        "int_from_float": "måste vara ett heltal, utan decimaler",
        "float_type": "måste vara ett tal, t.ex. 12 eller 12.5",
        "float_parsing": "måste vara ett tal, t.ex. 12 eller 12.5",
        "finite_number": "måste vara ett ändligt tal",
        "greater_than": "måste vara större än {gt}",
        "greater_than_equal": "måste vara {ge} eller mer",
        "less_than": "måste vara mindre än {lt}",
        "less_than_equal": "måste vara {le} eller mindre",
        "enum": "måste vara ett av {expected}",
        "literal_error": "måste vara ett av {expected}",
        "too_short": "måste innehålla minst {min_length} element",
        "too_long": "får innehålla högst {max_length} element",
        "list_type": "måste vara en JSON-lista ([...])",
        "dict_type": "måste vara ett JSON-objekt ({{...}})",
        "model_type": "måste vara ett JSON-objekt ({{...}})",
        "uuid_type": "måste vara ett id: ett UUID",
        "uuid_parsing": "måste vara ett id: ett UUID",
        "date_type": "måste vara ett datum skrivet ÅÅÅÅ-MM-DD",
        "date_parsing": "måste vara ett datum skrivet ÅÅÅÅ-MM-DD",
        "datetime_type": "måste vara en tidpunkt enligt ISO 8601 med tidszon, t.ex. 2026-09-01T08:00:00Z",
        "datetime_parsing": "måste vara en tidpunkt enligt ISO 8601 med tidszon, t.ex. 2026-09-01T08:00:00Z",
        "timezone_aware": "måste ange tidszon, t.ex. Z eller +02:00",
        "json_invalid": "är inte giltig JSON",
        "url_parsing": "måste vara en URL",
        "not_found": "finns inte, eller ligger utanför det din token når",
    },
    "nb": {
        "missing": "må oppgis",
        "body_missing": "en JSON-kropp kreves",
        "empty": "kan ikke være tomt",
        "extra_forbidden": "er ikke et felt denne operasjonen tar imot; sjekk stavemåten",
        "string_type": "må være tekst",
        "string_too_short": "må være minst {min_length} tegn langt",
        "string_too_long": "kan være høyst {max_length} tegn langt",
        "string_nul": "kan ikke inneholde NUL-tegn",
        "string_invisible": "må inneholde synlige tegn",
        "bool_type": "må være true eller false",
        "bool_parsing": "må være true eller false",
        "int_type": "må være et heltall, f.eks. 12",
        "int_parsing": "må være et heltall, f.eks. 12",
        "int_from_float": "må være et heltall, uten desimaler",
        "float_type": "må være et tall, f.eks. 12 eller 12.5",
        "float_parsing": "må være et tall, f.eks. 12 eller 12.5",
        "finite_number": "må være et endelig tall",
        "greater_than": "må være større enn {gt}",
        "greater_than_equal": "må være {ge} eller mer",
        "less_than": "må være mindre enn {lt}",
        "less_than_equal": "må være {le} eller mindre",
        "enum": "må være en av {expected}",
        "literal_error": "må være en av {expected}",
        "too_short": "må inneholde minst {min_length} elementer",
        "too_long": "kan inneholde høyst {max_length} elementer",
        "list_type": "må være en JSON-liste ([...])",
        "dict_type": "må være et JSON-objekt ({{...}})",
        "model_type": "må være et JSON-objekt ({{...}})",
        "uuid_type": "må være en id: en UUID",
        "uuid_parsing": "må være en id: en UUID",
        "date_type": "må være en dato skrevet ÅÅÅÅ-MM-DD",
        "date_parsing": "må være en dato skrevet ÅÅÅÅ-MM-DD",
        "datetime_type": "må være et tidspunkt etter ISO 8601 med tidssone, f.eks. 2026-09-01T08:00:00Z",
        "datetime_parsing": "må være et tidspunkt etter ISO 8601 med tidssone, f.eks. 2026-09-01T08:00:00Z",
        "timezone_aware": "må oppgi tidssone, f.eks. Z eller +02:00",
        "json_invalid": "er ikke gyldig JSON",
        "url_parsing": "må være en URL",
        "not_found": "finnes ikke, eller ligger utenfor det tokenet ditt når",
    },
    "nn": {
        "missing": "må oppgjevast",
        "body_missing": "ein JSON-kropp er påkravd",
        "empty": "kan ikkje vere tomt",
        "extra_forbidden": "er ikkje eit felt denne operasjonen tek imot; sjekk stavemåten",
        "string_type": "må vere tekst",
        "string_too_short": "må vere minst {min_length} teikn langt",
        "string_too_long": "kan vere høgst {max_length} teikn langt",
        "string_nul": "kan ikkje innehalde NUL-teikn",
        "string_invisible": "må innehalde synlege teikn",
        "bool_type": "må vere true eller false",
        "bool_parsing": "må vere true eller false",
        "int_type": "må vere eit heiltal, t.d. 12",
        "int_parsing": "må vere eit heiltal, t.d. 12",
        "int_from_float": "må vere eit heiltal, utan desimalar",
        "float_type": "må vere eit tal, t.d. 12 eller 12.5",
        "float_parsing": "må vere eit tal, t.d. 12 eller 12.5",
        "finite_number": "må vere eit endeleg tal",
        "greater_than": "må vere større enn {gt}",
        "greater_than_equal": "må vere {ge} eller meir",
        "less_than": "må vere mindre enn {lt}",
        "less_than_equal": "må vere {le} eller mindre",
        "enum": "må vere ein av {expected}",
        "literal_error": "må vere ein av {expected}",
        "too_short": "må innehalde minst {min_length} element",
        "too_long": "kan innehalde høgst {max_length} element",
        "list_type": "må vere ei JSON-liste ([...])",
        "dict_type": "må vere eit JSON-objekt ({{...}})",
        "model_type": "må vere eit JSON-objekt ({{...}})",
        "uuid_type": "må vere ein id: ein UUID",
        "uuid_parsing": "må vere ein id: ein UUID",
        "date_type": "må vere ein dato skriven ÅÅÅÅ-MM-DD",
        "date_parsing": "må vere ein dato skriven ÅÅÅÅ-MM-DD",
        "datetime_type": "må vere eit tidspunkt etter ISO 8601 med tidssone, t.d. 2026-09-01T08:00:00Z",
        "datetime_parsing": "må vere eit tidspunkt etter ISO 8601 med tidssone, t.d. 2026-09-01T08:00:00Z",
        "timezone_aware": "må oppgje tidssone, t.d. Z eller +02:00",
        "json_invalid": "er ikkje gyldig JSON",
        "url_parsing": "må vere ein URL",
        "not_found": "finst ikkje, eller ligg utanfor det tokenet ditt når",
    },
}

#: "No {object_type} with id {object_id} in your scope." per language.
NOT_FOUND: Final[dict[str, str]] = {
    "sv": "Inget objekt av typen {object_type} med id {object_id} inom det din token når.",
    "nb": "Ingen {object_type} med id {object_id} innenfor det tokenet ditt når.",
    "nn": "Ingen {object_type} med id {object_id} innanfor det tokenet ditt når.",
}

#: The summary of a refused ingestion: "{rows} rows refused; nothing was written."
ROWS_REFUSED: Final[dict[str, tuple[str, str]]] = {
    "sv": ("{n} rad avvisades; inget skrevs.", "{n} rader avvisades; inget skrevs."),
    "nb": (
        "{n} rad ble avvist; ingenting ble skrevet.",
        "{n} rader ble avvist; ingenting ble skrevet.",
    ),
    "nn": (
        "{n} rad vart avvist; ingenting vart skrive.",
        "{n} rader vart avviste; ingenting vart skrive.",
    ),
}

#: The 503 of a database out of reach, per language: after a read or a write known to be rolled
#: back ("retry"), and after a write whose COMMIT went unanswered ("unknown").
DATABASE_UNAVAILABLE: Final[dict[str, dict[str, str]]] = {
    "en": {
        "read": "The database is busy or unreachable; retry in a few seconds.",
        "retry": "The database is busy or unreachable; nothing was saved. Retry in a few "
        "seconds, with the same Idempotency-Key if you sent one.",
        "unknown": "The connection to the database was lost while the change was being "
        "committed, so it may or may not have been saved. Retry with the same Idempotency-Key "
        "(it is never carried out twice), or read the current state before repeating it.",
    },
    "sv": {
        "read": "Databasen är upptagen eller går inte att nå; försök igen om några sekunder.",
        "retry": "Databasen är upptagen eller går inte att nå; inget sparades. Försök igen om "
        "några sekunder, med samma Idempotency-Key om du skickade en.",
        "unknown": "Förbindelsen med databasen bröts medan ändringen sparades, så den kan ha "
        "sparats eller inte. Försök igen med samma Idempotency-Key (den utförs aldrig två "
        "gånger), eller läs det aktuella läget innan du upprepar den.",
    },
    "nb": {
        "read": "Databasen er opptatt eller kan ikke nås; prøv igjen om noen sekunder.",
        "retry": "Databasen er opptatt eller kan ikke nås; ingenting ble lagret. Prøv igjen om "
        "noen sekunder, med samme Idempotency-Key hvis du sendte en.",
        "unknown": "Forbindelsen med databasen ble brutt mens endringen ble lagret, så den kan "
        "være lagret eller ikke. Prøv igjen med samme Idempotency-Key (den utføres aldri to "
        "ganger), eller les gjeldende tilstand før du gjentar den.",
    },
    "nn": {
        "read": "Databasen er oppteken eller kan ikkje nåast; prøv igjen om nokre sekund.",
        "retry": "Databasen er oppteken eller kan ikkje nåast; ingenting vart lagra. Prøv igjen "
        "om nokre sekund, med same Idempotency-Key om du sende ein.",
        "unknown": "Sambandet med databasen vart brote medan endringa vart lagra, så ho kan "
        "vere lagra eller ikkje. Prøv igjen med same Idempotency-Key (ho vert aldri utført to "
        "gonger), eller les gjeldande tilstand før du gjentek ho.",
    },
}

#: "The request did not validate" detail: "{count} fields are wrong: ..." prefix per language.
DETAIL_JOIN: Final[dict[str, str]] = {
    "sv": "; och {n} till",
    "nb": "; og {n} til",
    "nn": "; og {n} til",
}


def title(type_: str, english: str, language: str) -> str:
    """The problem type's title in ``language``, or the English one."""
    return TITLES.get(language, {}).get(type_, english)


def field_message(kind: str, english: str, language: str, context: dict[str, str]) -> str:
    """A field's message in ``language`` for a known error ``kind``, else ``english``."""
    template = FIELD_MESSAGES.get(language, {}).get(kind)
    if template is None:
        return english
    try:
        return template.format(**context)
    except (KeyError, IndexError, ValueError):
        return english


# The period parser's messages: English is app.periods.MESSAGES (one source), these its
# translations (in order sv, nb, nn).
_PERIOD_TRANSLATIONS: Final[dict[str, tuple[str, str, str]]] = {
    "period.not-a-kind": (
        "{kind!r} är inte en periodtyp; använd en av {accepted}",
        "{kind!r} er ikke en periodetype; bruk en av {accepted}",
        "{kind!r} er ikkje ein periodetype; bruk ein av {accepted}",
    ),
    "period.refused": ("{reason}; {expected}",) * 3,
    "period.not-of-kind": (
        "{shown} är inte {kind}: {reason}; {expected}",
        "{shown} er ikke {kind}: {reason}; {expected}",
        "{shown} er ikkje {kind}: {reason}; {expected}",
    ),
    "period.not-of-kind-bare": (
        "{shown} är inte {kind}; {expected}",
        "{shown} er ikke {kind}; {expected}",
        "{shown} er ikkje {kind}; {expected}",
    ),
    "period.year-unsupported": (
        "{year} ligger utanför de år som stöds, 1900–9999",
        "{year} er utenfor årene som støttes, 1900–9999",
        "{year} er utanfor åra som er støtta, 1900–9999",
    ),
    "period.day-unsupported": (
        "{day} ligger utanför de år som stöds, 1900–9999",
        "{day} er utenfor årene som støttes, 1900–9999",
        "{day} er utanfor åra som er støtta, 1900–9999",
    ),
    "period.week-missing": (
        "vecka {week} finns inte år {year} (det har {weeks} veckor)",
        "uke {week} finnes ikke i {year} (året har {weeks} uker)",
        "veke {week} finst ikkje i {year} (året har {weeks} veker)",
    ),
    "period.week-too-late": (
        "vecka {week} år {year} slutar efter 9999-12-31",
        "uke {week} i {year} slutter etter 9999-12-31",
        "veke {week} i {year} sluttar etter 9999-12-31",
    ),
    "period.month-missing": (
        "månad {month} finns inte (månaderna är 1–12)",
        "måned {month} finnes ikke (månedene går fra 1 til 12)",
        "månad {month} finst ikkje (månadene går frå 1 til 12)",
    ),
    "period.school-year-too-late": (
        "läsåret som börjar 9999 skulle sluta efter 9999-12-31",
        "skoleåret som begynner i 9999, ville slutte etter 9999-12-31",
        "skuleåret som byrjar i 9999, ville slutte etter 9999-12-31",
    ),
    "period.day-ordinal": (
        "dagnummer {ordinal} ligger utanför åren 1900–9999",
        "dagnummer {ordinal} er utenfor årene 1900–9999",
        "dagnummer {ordinal} er utanfor åra 1900–9999",
    ),
    "period.week-ordinal": (
        "veckonummer {ordinal} ligger utanför åren 1900–9999",
        "ukenummer {ordinal} er utenfor årene 1900–9999",
        "vekenummer {ordinal} er utanfor åra 1900–9999",
    ),
    "period.month-of-day-missing": (
        "månad {month} finns inte",
        "måned {month} finnes ikke",
        "månad {month} finst ikkje",
    ),
    "period.day-missing": ("{month} har ingen dag {day}",) * 3,
    "period.empty": ("värdet är tomt", "verdien er tom", "verdien er tom"),
    "period.school-year-next": (
        "ett läsår löper in i nästa år, så {year} följs av {next}",
        "et skoleår går over i neste år, så {year} etterfølges av {next}",
        "eit skuleår går over i neste år, så {year} blir følgt av {next}",
    ),
    "period.school-year-bare": (
        "ett läsår sträcker sig över två år: skriv {ending} för det som slutar {year} eller "
        "{starting} för det som börjar då",
        "et skoleår strekker seg over to år: skriv {ending} for det som slutter i {year}, "
        "eller {starting} for det som begynner da",
        "eit skuleår strekkjer seg over to år: skriv {ending} for det som sluttar i {year}, "
        "eller {starting} for det som byrjar då",
    ),
    "period.kind.day": ("ett datum", "en dato", "ein dato"),
    "period.kind.week": ("en ISO-vecka", "en ISO-uke", "ei ISO-veke"),
    "period.kind.month": ("en månad", "en måned", "ein månad"),
    "period.kind.term": ("en termin", "et semester", "eit semester"),
    "period.kind.school_year": ("ett läsår", "et skoleår", "eit skuleår"),
    "period.expected.day": (
        "skriv en dag som 2026-09-14 (eller 14.9.2026)",
        "skriv en dag som 2026-09-14 (eller 14.9.2026)",
        "skriv ein dag som 2026-09-14 (eller 14.9.2026)",
    ),
    "period.expected.week": (
        "skriv en vecka som 2026-W37 (eller v37 2026, eller ett datum i veckan)",
        "skriv en uke som 2026-W37 (eller uke 37 2026, eller en dato i uken)",
        "skriv ei veke som 2026-W37 (eller uke 37 2026, eller ein dato i veka)",
    ),
    "period.expected.month": (
        "skriv en månad som 2026-09 (eller sep 2026, eller ett datum i månaden)",
        "skriv en måned som 2026-09 (eller sep 2026, eller en dato i måneden)",
        "skriv ein månad som 2026-09 (eller sep 2026, eller ein dato i månaden)",
    ),
    "period.expected.term": (
        "skriv en termin som HT2026 (hösttermin) eller VT2027 (vårtermin), eller ett datum i "
        "terminen",
        "skriv et semester som H2026 (høst) eller V2027 (vår), eller en dato i semesteret",
        "skriv eit semester som H2026 (haust) eller V2027 (vår), eller ein dato i semesteret",
    ),
    "period.expected.school_year": (
        "skriv ett läsår som 2026/27 (eller 2026/2027, eller ett datum i läsåret)",
        "skriv et skoleår som 2026/27 (eller 2026/2027, eller en dato i skoleåret)",
        "skriv eit skuleår som 2026/27 (eller 2026/2027, eller ein dato i skuleåret)",
    ),
}

PERIOD_TEXTS: Final[dict[str, dict[str, str]]] = {
    key: {"en": english, **dict(zip(("sv", "nb", "nn"), _PERIOD_TRANSLATIONS[key], strict=True))}
    for key, english in PERIOD_MESSAGES.items()
}


#: Details and row messages by key, in English (the source) and its translations. ``{...}`` are
#: the figures the raising code gives (formatted as Python's ``str.format`` does).
TEXTS: Final[dict[str, dict[str, str]]] = {
    # A message about one column of an uploaded file.
    "column": {
        "en": "column {column!r}: {message}",
        "sv": "kolumnen {column!r}: {message}",
        "nb": "kolonnen {column!r}: {message}",
        "nn": "kolonnen {column!r}: {message}",
    },
    # Conflicts and preconditions.
    "if-match-weak": {
        "en": "If-Match {given} does not match the current ETag {current}: a weak ETag (W/...) "
        "never matches If-Match; send the ETag exactly as the service sent it (a proxy that "
        "compresses responses may have weakened it).",
        "sv": "If-Match {given} stämmer inte med aktuell ETag {current}: en svag ETag (W/...) "
        "stämmer aldrig med If-Match; skicka ETag exakt som tjänsten skickade den (en proxy "
        "som komprimerar svar kan ha försvagat den).",
        "nb": "If-Match {given} stemmer ikke med gjeldende ETag {current}: en svak ETag "
        "(W/...) stemmer aldri med If-Match; send ETag nøyaktig slik tjenesten sendte den (en "
        "proxy som komprimerer svar kan ha svekket den).",
        "nn": "If-Match {given} stemmer ikkje med gjeldande ETag {current}: ein svak ETag "
        "(W/...) stemmer aldri med If-Match; send ETag nøyaktig slik tenesta sende han (ein "
        "proxy som komprimerer svar kan ha svekt han).",
    },
    "if-match-stale": {
        "en": "If-Match {given} does not match the current ETag {current}: the object has "
        "changed since that ETag was read (or it is not an ETag of this object). Read it "
        "again, then retry.",
        "sv": "If-Match {given} stämmer inte med aktuell ETag {current}: objektet har ändrats "
        "sedan den ETag lästes (eller så är det ingen ETag för det här objektet). Läs det "
        "igen och försök sedan på nytt.",
        "nb": "If-Match {given} stemmer ikke med gjeldende ETag {current}: objektet er endret "
        "siden den ETag-en ble lest (eller det er ikke en ETag for dette objektet). Les det "
        "på nytt og prøv igjen.",
        "nn": "If-Match {given} stemmer ikkje med gjeldande ETag {current}: objektet er "
        "endra sidan den ETag-en vart lesen (eller det er ikkje ein ETag for dette objektet). "
        "Les det på nytt og prøv igjen.",
    },
    "changed-meanwhile": {
        "en": "The object was changed by someone else while this request ran; read it again "
        "and retry.",
        "sv": "Objektet ändrades av någon annan medan begäran pågick; läs det igen och försök "
        "på nytt.",
        "nb": "Objektet ble endret av noen andre mens forespørselen pågikk; les det på nytt og "
        "prøv igjen.",
        "nn": "Objektet vart endra av nokon andre medan førespurnaden gjekk; les det på nytt "
        "og prøv igjen.",
    },
    "integrity-conflict": {
        "en": "The change conflicts with existing data (a duplicate or a missing reference); "
        "read the current state and retry.",
        "sv": "Ändringen krockar med befintliga uppgifter (en dubblett eller en referens som "
        "saknas); läs det aktuella läget och försök på nytt.",
        "nb": "Endringen kolliderer med eksisterende data (et duplikat eller en manglende "
        "referanse); les gjeldende tilstand og prøv igjen.",
        "nn": "Endringa kolliderer med eksisterande data (eit duplikat eller ein manglande "
        "referanse); les gjeldande tilstand og prøv igjen.",
    },
    # Requests as a whole, answered by middleware.
    "payload-too-large": {
        "en": "The body exceeds {limit} bytes.",
        "sv": "Kroppen är större än {limit} byte.",
        "nb": "Kroppen er større enn {limit} byte.",
        "nn": "Kroppen er større enn {limit} byte.",
    },
    "idempotency-key-invalid": {
        "en": "{header} must be 1 to {longest} printable characters.",
        "sv": "{header} måste vara 1 till {longest} skrivbara tecken.",
        "nb": "{header} må være 1 til {longest} skrivbare tegn.",
        "nn": "{header} må vere 1 til {longest} skrivbare teikn.",
    },
    "idempotency-key-in-progress": {
        "en": "A request with {header} {key!r} is still running, or its outcome was lost; "
        "read the current state before retrying with a new key.",
        "sv": "En begäran med {header} {key!r} pågår fortfarande, eller så gick dess utfall "
        "förlorat; läs det aktuella läget innan du försöker igen med en ny nyckel.",
        "nb": "En forespørsel med {header} {key!r} pågår fortsatt, eller utfallet gikk tapt; "
        "les gjeldende tilstand før du prøver igjen med en ny nøkkel.",
        "nn": "Ein førespurnad med {header} {key!r} går framleis, eller utfallet gjekk tapt; "
        "les gjeldande tilstand før du prøver igjen med ein ny nøkkel.",
    },
    "idempotency-key-reused": {
        "en": "{header} {key!r} was used for a different request; use a new key.",
        "sv": "{header} {key!r} användes för en annan begäran; använd en ny nyckel.",
        "nb": "{header} {key!r} ble brukt til en annen forespørsel; bruk en ny nøkkel.",
        "nn": "{header} {key!r} vart brukt til ein annan førespurnad; bruk ein ny nøkkel.",
    },
    "idempotent-response-withheld": {
        "en": "The request with {header} {key!r} succeeded, but its response was not kept "
        "(it held a secret that is shown only once, or it was too large to keep); read the "
        "created object at {location} instead.",
        "sv": "Begäran med {header} {key!r} lyckades, men svaret sparades inte (det innehöll "
        "en hemlighet som visas bara en gång, eller det var för stort för att sparas); läs "
        "det skapade objektet på {location} i stället.",
        "nb": "Forespørselen med {header} {key!r} lyktes, men svaret ble ikke tatt vare på "
        "(det inneholdt en hemmelighet som vises bare én gang, eller det var for stort); les "
        "det opprettede objektet på {location} i stedet.",
        "nn": "Førespurnaden med {header} {key!r} lukkast, men svaret vart ikkje teke vare på "
        "(det heldt ein løyndom som blir vist berre éin gong, eller det var for stort); les "
        "det oppretta objektet på {location} i staden.",
    },
    # Not authenticated (401): no caller is known yet, so Accept-Language alone decides.
    "token.missing": {
        "en": "Send an access token as 'Authorization: Bearer <token>'.",
        "sv": "Skicka en åtkomsttoken som 'Authorization: Bearer <token>'.",
        "nb": "Send et tilgangstoken som 'Authorization: Bearer <token>'.",
        "nn": "Send eit tilgangstoken som 'Authorization: Bearer <token>'.",
    },
    "token.unknown": {
        "en": "The access token is not known.",
        "sv": "Åtkomsttoken är okänd.",
        "nb": "Tilgangstokenet er ukjent.",
        "nn": "Tilgangstokenet er ukjent.",
    },
    "token.revoked": {
        "en": "The access token has been revoked.",
        "sv": "Åtkomsttoken har återkallats.",
        "nb": "Tilgangstokenet er trukket tilbake.",
        "nn": "Tilgangstokenet er trekt tilbake.",
    },
    "token.expired": {
        "en": "The access token has expired.",
        "sv": "Åtkomsttoken har gått ut.",
        "nb": "Tilgangstokenet har utløpt.",
        "nn": "Tilgangstokenet har gått ut.",
    },
    # Forbidden (403): what the token may not do.
    "forbidden.role": {
        "en": "This operation needs the role {role} or higher; the token is {token_role}.",
        "sv": "Åtgärden kräver rollen {role} eller högre; token har rollen {token_role}.",
        "nb": "Operasjonen krever rollen {role} eller høyere; tokenet har rollen {token_role}.",
        "nn": "Operasjonen krev rolla {role} eller høgare; tokenet har rolla {token_role}.",
    },
    "forbidden.measure-above-scope": {
        "en": "The measure belongs to a unit above the token's scope: the units below report "
        "it, but only a token covering its unit may change it.",
        "sv": "Måttet hör till en enhet ovanför tokens omfång: enheterna under rapporterar "
        "det, men bara en token som omfattar dess enhet får ändra det.",
        "nb": "Målet hører til en enhet over tokenets omfang: enhetene under rapporterer det, "
        "men bare et token som dekker enheten, kan endre det.",
        "nn": "Målet høyrer til ei eining over omfanget til tokenet: einingane under "
        "rapporterer det, men berre eit token som dekkjer eininga, kan endre det.",
    },
    "forbidden.template-no-unit": {
        "en": "The token may report this measure for no unit: a template lists the units it "
        "may write. Use a token of the reporting unit.",
        "sv": "Token får inte rapportera måttet för någon enhet: en mall listar de enheter den "
        "får skriva för. Använd en token för den rapporterande enheten.",
        "nb": "Tokenet kan ikke rapportere målet for noen enhet: en mal viser enhetene det kan "
        "skrive for. Bruk et token for den rapporterende enheten.",
        "nn": "Tokenet kan ikkje rapportere målet for nokon eining: ein mal viser einingane "
        "det kan skrive for. Bruk eit token for den rapporterande eininga.",
    },
    "forbidden.export-whole-organisation": {
        "en": "Export and import need an admin token covering the whole organisation; this "
        "token covers one unit's subtree.",
        "sv": "Export och import kräver en admin-token för hela organisationen; den här "
        "token omfattar en enhets underträd.",
        "nb": "Eksport og import krever et admin-token for hele organisasjonen; dette tokenet "
        "dekker én enhets undertre.",
        "nn": "Eksport og import krev eit admin-token for heile organisasjonen; dette tokenet "
        "dekkjer undertreet til éi eining.",
    },
    "forbidden.unit-outside-subtree": {
        "en": "A token scoped to a unit can only create units inside that unit's subtree; "
        "give parent_id.",
        "sv": "En token som gäller en enhet kan bara skapa enheter i den enhetens underträd; "
        "ange parent_id.",
        "nb": "Et token som gjelder en enhet, kan bare opprette enheter i den enhetens "
        "undertre; oppgi parent_id.",
        "nn": "Eit token som gjeld ei eining, kan berre opprette einingar i undertreet til "
        "den eininga; oppgi parent_id.",
    },
    "forbidden.move-own-unit": {
        "en": "A token cannot move the unit it is scoped to.",
        "sv": "En token kan inte flytta den enhet den gäller.",
        "nb": "Et token kan ikke flytte enheten det gjelder.",
        "nn": "Eit token kan ikkje flytte eininga det gjeld.",
    },
    "forbidden.root-needs-whole-organisation": {
        "en": "Only a token covering the whole organisation may make a unit a root.",
        "sv": "Bara en token för hela organisationen får göra en enhet till rot.",
        "nb": "Bare et token for hele organisasjonen kan gjøre en enhet til rot.",
        "nn": "Berre eit token for heile organisasjonen kan gjere ei eining til rot.",
    },
    "forbidden.archive-own-unit": {
        "en": "A token cannot archive the unit it is scoped to.",
        "sv": "En token kan inte arkivera den enhet den gäller.",
        "nb": "Et token kan ikke arkivere enheten det gjelder.",
        "nn": "Eit token kan ikkje arkivere eininga det gjeld.",
    },
    "forbidden.delete-own-unit": {
        "en": "A token cannot delete the unit it is scoped to.",
        "sv": "En token kan inte ta bort den enhet den gäller.",
        "nb": "Et token kan ikke slette enheten det gjelder.",
        "nn": "Eit token kan ikkje slette eininga det gjeld.",
    },
    "forbidden.organisation-wide-token": {
        "en": "A token scoped to a unit cannot create an organisation-wide token; give "
        "scope_org_unit_id.",
        "sv": "En token som gäller en enhet kan inte skapa en token för hela organisationen; "
        "ange scope_org_unit_id.",
        "nb": "Et token som gjelder en enhet, kan ikke opprette et token for hele "
        "organisasjonen; oppgi scope_org_unit_id.",
        "nn": "Eit token som gjeld ei eining, kan ikkje opprette eit token for heile "
        "organisasjonen; oppgi scope_org_unit_id.",
    },
    "forbidden.chart-link-without-token": {
        "en": "A chart link belongs to an access token; this caller has none.",
        "sv": "En diagramlänk hör till en åtkomsttoken; den här anroparen har ingen.",
        "nb": "En diagramlenke hører til et tilgangstoken; denne kalleren har ingen.",
        "nn": "Ei diagramlenkje høyrer til eit tilgangstoken; denne kallaren har inkje.",
    },
    "forbidden.organisation-change": {
        "en": "Only a token covering the whole organisation may change the organisation.",
        "sv": "Bara en token för hela organisationen får ändra organisationen.",
        "nb": "Bare et token for hele organisasjonen kan endre organisasjonen.",
        "nn": "Berre eit token for heile organisasjonen kan endre organisasjonen.",
    },
    "forbidden.setting-above-scope": {
        "en": "The {kind} belongs to a unit above the token's scope.",
        "sv": "Inställningen ({kind}) hör till en enhet ovanför tokens omfång.",
        "nb": "Innstillingen ({kind}) hører til en enhet over tokenets omfang.",
        "nn": "Innstillinga ({kind}) høyrer til ei eining over omfanget til tokenet.",
    },
    "concurrent-changes": {
        "en": "The database gave up this change several times because other changes to the "
        "same data ran at the same moment; nothing was written. Read the current state and "
        "try again.",
        "sv": "Databasen gav upp ändringen flera gånger eftersom andra ändringar av samma data "
        "gjordes i samma ögonblick; inget skrevs. Läs det aktuella läget och försök igen.",
        "nb": "Databasen ga opp endringen flere ganger fordi andre endringer av de samme "
        "dataene skjedde samtidig; ingenting ble skrevet. Les gjeldende tilstand og prøv "
        "igjen.",
        "nn": "Databasen gav opp endringa fleire gonger fordi andre endringar av dei same "
        "dataa skjedde samstundes; ingenting vart skrive. Les gjeldande tilstand og prøv "
        "igjen.",
    },
    # Query parameters FastAPI would let pass (app.routing).
    "query.unknown": {
        "en": "unknown query parameter; this operation takes: {accepted}",
        "sv": "okänd frågeparameter; den här åtgärden tar: {accepted}",
        "nb": "ukjent spørreparameter; denne operasjonen tar: {accepted}",
        "nn": "ukjend spørjeparameter; denne operasjonen tek: {accepted}",
    },
    "query.repeated": {
        "en": "given more than once; this parameter takes one value",
        "sv": "angiven mer än en gång; parametern tar ett värde",
        "nb": "oppgitt mer enn én gang; parameteren tar én verdi",
        "nn": "oppgitt meir enn éin gong; parameteren tek éin verdi",
    },
    **INGESTION_TEXTS,
    **PERIOD_TEXTS,
    **SPREADSHEET_TEXTS,
    **IMPORT_TEXTS,
}


class Keyed(Protocol):
    """A message by key and figures made where the problem layer is not known (such as
    :class:`app.periods.Wording`)."""

    @property
    def key(self) -> str: ...

    @property
    def figures(self) -> Mapping[str, object]: ...


@dataclass(frozen=True)
class Text:
    """A message by its key in :data:`TEXTS` with its figures; a figure may be a Text too."""

    key: str
    figures: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, keyed: Keyed) -> "Text":
        """The text of a message another core module keyed (its nested messages too)."""
        return cls(
            keyed.key,
            {
                name: cls.of(value) if _is_keyed(value) else value
                for name, value in keyed.figures.items()
            },
        )

    def english(self) -> str:
        rendered = self.render("en")
        assert rendered is not None, f"no English text for {self.key!r}"
        return rendered

    def render(self, language: str) -> str | None:
        """The message in ``language``, or None where it has no translation (a nested text
        without one is given in English)."""
        template = TEXTS.get(self.key, {}).get(language)
        if template is None:
            return None
        figures = {
            name: (value.render(language) or value.english()) if isinstance(value, Text) else value
            for name, value in self.figures.items()
        }
        try:
            return _Figures(language).format(template, **figures)
        except (KeyError, IndexError, ValueError):
            return None


class _Figures(string.Formatter):
    """``{size:,}`` as the language groups digits: ``10,485,760`` in English, ``10 485 760``
    (no-break spaces, a decimal comma) in Swedish and Norwegian, never ``10,485,760``, which a
    Swede reads as a decimal."""

    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language

    def format_field(self, value: Any, format_spec: str) -> str:
        text: str = super().format_field(value, format_spec)
        if "," not in format_spec or self.language == "en":
            return text
        return text.replace(",", "\0").replace(".", ",").replace("\0", "\u00a0")


def _is_keyed(value: object) -> TypeGuard[Keyed]:
    return not isinstance(value, Text | str) and hasattr(value, "key") and hasattr(value, "figures")
