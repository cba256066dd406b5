"""Problem titles and field messages in Swedish, Bokmål and Nynorsk (English is the source).

A problem's ``type`` and the fields it names never change with the language: clients branch on
them. What a person reads does: the ``title`` of every problem type people meet, the messages of
field validation, "not found" and the refused rows of an ingestion. A text without a translation
stays in English, the fallback.
"""

from typing import Final

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
