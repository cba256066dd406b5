"""The ingestion's texts in Swedish, Bokmål, Nynorsk and English: the refused rows of a bulk
request, an upload or an import, and the spreadsheet reader's cell, header, week and format
messages.

Kept apart from :mod:`app.problem_texts`, which merges them into its ``TEXTS``.
"""

from typing import Final

INGESTION_TEXTS: Final[dict[str, dict[str, str]]] = {
    # Ingestion: one row's figures.
    "row.out-of-range": {
        "en": "must be a finite number between -{largest:g} and {largest:g}",
        "sv": "måste vara ett ändligt tal mellan -{largest:g} och {largest:g}",
        "nb": "må være et endelig tall mellom -{largest:g} og {largest:g}",
        "nn": "må vere eit endeleg tal mellom -{largest:g} og {largest:g}",
    },
    "row.proportion-without-counts": {
        "en": "a proportion is stored with its counts, and this row has only the percentage: "
        "add the numerator (Täljare) and the denominator (Nämnare), or make the measure "
        "continuous if only the figure itself is known",
        "sv": "en andel sparas med sina antal, och raden har bara procenttalet: lägg till "
        "Täljare och Nämnare, eller gör måttet kontinuerligt om bara talet självt är känt",
        "nb": "en andel lagres med tellingene sine, og raden har bare prosenttallet: legg til "
        "teller (Teller) og nevner (Nevner), eller gjør målet kontinuerlig hvis bare tallet "
        "selv er kjent",
        "nn": "ein del blir lagra med teljingane sine, og rada har berre prosenttalet: legg "
        "til teljar (Teljar) og nemnar (Nemnar), eller gjer målet kontinuerleg om berre talet "
        "sjølv er kjent",
    },
    "row.rate-without-counts": {
        "en": "a rate is stored with its counts, and this row has only the ratio: add the "
        "numerator (Täljare) and the denominator (Nämnare), or make the measure continuous if "
        "only the figure itself is known",
        "sv": "en kvot sparas med sina antal, och raden har bara kvoten: lägg till Täljare och "
        "Nämnare, eller gör måttet kontinuerligt om bara talet självt är känt",
        "nb": "en rate lagres med tellingene sine, og raden har bare forholdstallet: legg til "
        "teller og nevner, eller gjør målet kontinuerlig hvis bare tallet selv er kjent",
        "nn": "ein rate blir lagra med teljingane sine, og rada har berre forholdstalet: legg "
        "til teljar og nemnar, eller gjer målet kontinuerleg om berre talet sjølv er kjent",
    },
    "row.proportion-needs-numerator": {
        "en": "a proportion needs its numerator",
        "sv": "en andel behöver sin täljare",
        "nb": "en andel trenger telleren sin",
        "nn": "ein del treng teljaren sin",
    },
    "row.rate-needs-numerator": {
        "en": "a rate needs its numerator",
        "sv": "en kvot behöver sin täljare",
        "nb": "en rate trenger telleren sin",
        "nn": "ein rate treng teljaren sin",
    },
    "row.proportion-needs-denominator": {
        "en": "a proportion needs its denominator",
        "sv": "en andel behöver sin nämnare",
        "nb": "en andel trenger nevneren sin",
        "nn": "ein del treng nemnaren sin",
    },
    "row.rate-needs-denominator": {
        "en": "a rate needs its exposure (denominator)",
        "sv": "en kvot behöver sin exponering (nämnare)",
        "nb": "en rate trenger eksponeringen sin (nevner)",
        "nn": "ein rate treng eksponeringa si (nemnar)",
    },
    "row.proportion-denominator-positive": {
        "en": "the denominator must be above 0",
        "sv": "nämnaren måste vara större än 0",
        "nb": "nevneren må være større enn 0",
        "nn": "nemnaren må vere større enn 0",
    },
    "row.rate-denominator-positive": {
        "en": "the exposure (denominator) must be above 0",
        "sv": "exponeringen (nämnaren) måste vara större än 0",
        "nb": "eksponeringen (nevneren) må være større enn 0",
        "nn": "eksponeringa (nemnaren) må vere større enn 0",
    },
    "row.not-negative": {
        "en": "must be 0 or more",
        "sv": "måste vara 0 eller mer",
        "nb": "må være 0 eller mer",
        "nn": "må vere 0 eller meir",
    },
    "row.numerator-exceeds-denominator": {
        "en": "a proportion's numerator ({numerator:g}) cannot exceed its denominator "
        "({denominator:g})",
        "sv": "en andels täljare ({numerator:g}) kan inte vara större än nämnaren "
        "({denominator:g})",
        "nb": "telleren i en andel ({numerator:g}) kan ikke være større enn nevneren "
        "({denominator:g})",
        "nn": "teljaren i ein del ({numerator:g}) kan ikkje vere større enn nemnaren "
        "({denominator:g})",
    },
    "row.proportion-whole": {
        "en": "a proportion counts whole numbers",
        "sv": "en andel räknar hela tal",
        "nb": "en andel teller hele tall",
        "nn": "ein del tel heile tal",
    },
    "row.rate-whole": {
        "en": "a rate counts whole events",
        "sv": "en kvot räknar hela händelser",
        "nb": "en rate teller hele hendelser",
        "nn": "ein rate tel heile hendingar",
    },
    "row.exposure-too-small": {
        "en": "the exposure is too small: the rate numerator/denominator would exceed {largest:g}",
        "sv": "exponeringen är för liten: kvoten täljare/nämnare skulle överstiga {largest:g}",
        "nb": "eksponeringen er for liten: raten teller/nevner ville overstige {largest:g}",
        "nn": "eksponeringa er for lita: raten teljar/nemnar ville overstige {largest:g}",
    },
    "row.value-disagrees": {
        "en": "{value:g} does not agree with numerator/denominator ({computed:.6g}), not even "
        "rounded as it is written; correct it or leave it out",
        "sv": "{value:g} stämmer inte med täljare/nämnare ({computed:.6g}), inte ens avrundat "
        "som det är skrivet; rätta det eller utelämna det",
        "nb": "{value:g} stemmer ikke med teller/nevner ({computed:.6g}), heller ikke avrundet "
        "slik det er skrevet; rett det eller utelat det",
        "nn": "{value:g} stemmer ikkje med teljar/nemnar ({computed:.6g}), heller ikkje "
        "avrunda slik det er skrive; rett det eller utelat det",
    },
    "row.value-only": {
        "en": "a {kind} measure takes a value only, no numerator or denominator",
        "sv": "måttet (value_kind {kind}) tar bara ett värde, ingen täljare eller nämnare",
        "nb": "målet (value_kind {kind}) tar bare en verdi, ingen teller eller nevner",
        "nn": "målet (value_kind {kind}) tek berre ein verdi, ingen teljar eller nemnar",
    },
    "row.value-needed": {
        "en": "a value is needed",
        "sv": "ett värde behövs",
        "nb": "en verdi trengs",
        "nn": "ein verdi trengst",
    },
    "row.count-whole": {
        "en": "a count is a whole number, 0 or more",
        "sv": "ett antal är ett heltal, 0 eller mer",
        "nb": "et antall er et heltall, 0 eller mer",
        "nn": "eit tal på noko er eit heiltal, 0 eller meir",
    },
    "row.rating-scale": {
        "en": "a rating on this measure's scale lies in {low}..{high}",
        "sv": "ett betyg på måttets skala ligger i {low}..{high}",
        "nb": "en vurdering på målets skala ligger i {low}..{high}",
        "nn": "ei vurdering på skalaen til målet ligg i {low}..{high}",
    },
    "row.duplicate": {
        "en": "the same measure, unit and period as {earlier}: send each once",
        "sv": "samma mått, enhet och period som {earlier}: skicka varje en gång",
        "nb": "samme mål, enhet og periode som {earlier}: send hver én gang",
        "nn": "same mål, eining og periode som {earlier}: send kvar éin gong",
    },
    "row.external-id-repeated": {
        "en": "also given for {other}",
        "sv": "anges också för {other}",
        "nb": "oppgitt også for {other}",
        "nn": "oppgjeve også for {other}",
    },
    "row.external-id-taken": {
        "en": "already names measurement {measurement} of this reporting unit (another "
        "measure or period)",
        "sv": "namnger redan mätningen {measurement} för den här rapporterande enheten (ett "
        "annat mått eller en annan period)",
        "nb": "navngir allerede målingen {measurement} for denne rapporterende enheten (et "
        "annet mål eller en annen periode)",
        "nn": "namngjev alt målinga {measurement} for denne rapporterande eininga (eit anna "
        "mål eller ein annan periode)",
    },
    "row.no-measure-id": {
        "en": "no measure with id {id} in your scope",
        "sv": "inget mått med id {id} inom det din token når",
        "nb": "ingen mål med id {id} innenfor det tokenet ditt når",
        "nn": "ingen mål med id {id} innanfor det tokenet ditt når",
    },
    "row.no-measure-code": {
        "en": "no measure with code or name {code!r} in your scope",
        "sv": "inget mått med koden eller namnet {code!r} inom det din token når",
        "nb": "ingen mål med koden eller navnet {code!r} innenfor det tokenet ditt når",
        "nn": "ingen mål med koden eller namnet {code!r} innanfor det tokenet ditt når",
    },
    "row.measure-code-differs": {
        "en": "names another measure than measure_id",
        "sv": "namnger ett annat mått än measure_id",
        "nb": "navngir et annet mål enn measure_id",
        "nn": "namngjev eit anna mål enn measure_id",
    },
    "row.ambiguous-measure": {
        "en": "more than one measure in your scope is named {name!r}; name it by measure_id "
        "or the measure's external code",
        "sv": "mer än ett mått inom det din token når heter {name!r}; ange det med measure_id "
        "eller måttets externa kod",
        "nb": "mer enn ett mål innenfor det tokenet ditt når heter {name!r}; oppgi det med "
        "measure_id eller målets eksterne kode",
        "nn": "meir enn eitt mål innanfor det tokenet ditt når heiter {name!r}; oppgje det "
        "med measure_id eller den eksterne koden til målet",
    },
    "row.measure-needed": {
        "en": "name the measure (measure_id or measure_code)",
        "sv": "ange måttet (measure_id eller measure_code)",
        "nb": "oppgi målet (measure_id eller measure_code)",
        "nn": "oppgje målet (measure_id eller measure_code)",
    },
    "row.measure-outside-scope": {
        "en": "the measure is outside your scope",
        "sv": "måttet ligger utanför det din token når",
        "nb": "målet ligger utenfor det tokenet ditt når",
        "nn": "målet ligg utanfor det tokenet ditt når",
    },
    "row.unit-needed": {
        "en": "a shared indicator needs the reporting unit (org_unit_id or org_unit_code)",
        "sv": "en gemensam indikator behöver den rapporterande enheten (org_unit_id eller "
        "org_unit_code)",
        "nb": "en felles indikator trenger den rapporterende enheten (org_unit_id eller "
        "org_unit_code)",
        "nn": "ein felles indikator treng den rapporterande eininga (org_unit_id eller "
        "org_unit_code)",
    },
    "row.ambiguous-unit": {
        "en": "more than one unit in your scope is named {name!r}; name it by org_unit_id or "
        "the unit's external code",
        "sv": "mer än en enhet inom det din token når heter {name!r}; ange den med "
        "org_unit_id eller enhetens externa kod",
        "nb": "mer enn én enhet innenfor det tokenet ditt når heter {name!r}; oppgi den med "
        "org_unit_id eller enhetens eksterne kode",
        "nn": "meir enn éi eining innanfor det tokenet ditt når heiter {name!r}; oppgje ho "
        "med org_unit_id eller den eksterne koden til eininga",
    },
    "row.no-unit-id": {
        "en": "no org unit with id {id} in your scope",
        "sv": "ingen enhet med id {id} inom det din token når",
        "nb": "ingen enhet med id {id} innenfor det tokenet ditt når",
        "nn": "inga eining med id {id} innanfor det tokenet ditt når",
    },
    "row.no-unit-code": {
        "en": "no org unit with code or name {code!r} in your scope",
        "sv": "ingen enhet med koden eller namnet {code!r} inom det din token når",
        "nb": "ingen enhet med koden eller navnet {code!r} innenfor det tokenet ditt når",
        "nn": "inga eining med koden eller namnet {code!r} innanfor det tokenet ditt når",
    },
    "row.unit-archived": {
        "en": "the unit is archived",
        "sv": "enheten är arkiverad",
        "nb": "enheten er arkivert",
        "nn": "eininga er arkivert",
    },
    "row.unit-outside-indicator": {
        "en": "the unit is not inside the indicator's unit, so it does not report it",
        "sv": "enheten ligger inte inom indikatorns enhet, så den rapporterar den inte",
        "nb": "enheten ligger ikke innenfor indikatorens enhet, så den rapporterer den ikke",
        "nn": "eininga ligg ikkje innanfor eininga til indikatoren, så ho rapporterer han ikkje",
    },
    "row.wrong-unit-kind": {
        "en": "the indicator is reported by units of kind {expected}; this unit is a {kind} "
        "(its figures would count twice in the sums above it)",
        "sv": "indikatorn rapporteras av enheter av slaget {expected}; den här enheten är av "
        "slaget {kind} (dess tal skulle räknas två gånger i summorna ovanför)",
        "nb": "indikatoren rapporteres av enheter av typen {expected}; denne enheten er av "
        "typen {kind} (tallene ville telle to ganger i summene over den)",
        "nn": "indikatoren blir rapportert av einingar av typen {expected}; denne eininga er "
        "av typen {kind} (tala ville telje to gonger i summane over henne)",
    },
    "row.initiative-unit-only": {
        "en": "an initiative's measure is reported by its own unit only; leave it out",
        "sv": "ett initiativs mått rapporteras bara av dess egen enhet; utelämna den",
        "nb": "et tiltaks mål rapporteres bare av dets egen enhet; utelat den",
        "nn": "målet til eit tiltak blir berre rapportert av si eiga eining; utelat henne",
    },
    "row.period-needed": {
        "en": "a period is needed",
        "sv": "en period behövs",
        "nb": "en periode trengs",
        "nn": "ein periode trengst",
    },
}

# The spreadsheet reader: a cell (said after the cell's value), a whole file, the header row.
SPREADSHEET_TEXTS: Final[dict[str, dict[str, str]]] = {
    "list.comma": {lang: "{first}, {second}" for lang in ("en", "sv", "nb", "nn")},
    "list.semicolon": {lang: "{first}; {second}" for lang in ("en", "sv", "nb", "nn")},
    "cell.quoted": {
        "en": "'{shown}' {message}",
        "sv": "'{shown}' {message}",
        "nb": "'{shown}' {message}",
        "nn": "'{shown}' {message}",
    },
    "cell.yes-no": {
        "en": "is a yes/no value, not a number",
        "sv": "är ett ja/nej-värde, inte ett tal",
        "nb": "er en ja/nei-verdi, ikke et tall",
        "nn": "er ein ja/nei-verdi, ikkje eit tal",
    },
    "cell.out-of-range": {
        "en": "is out of range: numbers are read up to 30 digits either side",
        "sv": "är utanför intervallet: tal läses med upp till 30 siffror åt vardera hållet",
        "nb": "er utenfor området: tall leses med opptil 30 sifre på hver side",
        "nn": "er utanfor området: tal blir lesne med opptil 30 siffer på kvar side",
    },
    "cell.date-not-number": {
        "en": "is a date or time, not a number",
        "sv": "är ett datum eller en tid, inte ett tal",
        "nb": "er en dato eller et klokkeslett, ikke et tall",
        "nn": "er ein dato eller eit klokkeslett, ikkje eit tal",
    },
    "cell.mixed-separators": {
        "en": "is not a number: it mixes a decimal comma and a point; write it as 1234,5 or 1234.5",
        "sv": "är inte ett tal: det blandar decimalkomma och punkt; skriv det som 1234,5 eller "
        "1234.5",
        "nb": "er ikke et tall: det blander desimalkomma og punktum; skriv det som 1234,5 eller "
        "1234.5",
        "nn": "er ikkje eit tal: det blandar desimalkomma og punktum; skriv det som 1234,5 "
        "eller 1234.5",
    },
    "cell.not-a-number": {
        "en": "is not a number; write it as 1234,5 or 1234.5",
        "sv": "är inte ett tal; skriv det som 1234,5 eller 1234.5",
        "nb": "er ikke et tall; skriv det som 1234,5 eller 1234.5",
        "nn": "er ikkje eit tal; skriv det som 1234,5 eller 1234.5",
    },
    "cell.slashed-date": {
        "en": "is not read as a date: with slashes it may be day/month or month/day; write it "
        "as 2026-11-20 (or 20.11.2026)",
        "sv": "läses inte som ett datum: med snedstreck kan det vara dag/månad eller "
        "månad/dag; skriv det som 2026-11-20 (eller 20.11.2026)",
        "nb": "leses ikke som en dato: med skråstrek kan det være dag/måned eller måned/dag; "
        "skriv det som 2026-11-20 (eller 20.11.2026)",
        "nn": "blir ikkje lese som ein dato: med skråstrek kan det vere dag/månad eller "
        "månad/dag; skriv det som 2026-11-20 (eller 20.11.2026)",
    },
    "cell.number-not-date": {
        "en": "is a number, not a date; format the cell as a date or write it as 2026-09-14",
        "sv": "är ett tal, inte ett datum; formatera cellen som datum eller skriv det som "
        "2026-09-14",
        "nb": "er et tall, ikke en dato; formater cellen som dato eller skriv det som 2026-09-14",
        "nn": "er eit tal, ikkje ein dato; formater cella som dato eller skriv det som 2026-09-14",
    },
    "cell.not-a-date": {
        "en": "is not a date; write it as 2026-09-14",
        "sv": "är inte ett datum; skriv det som 2026-09-14",
        "nb": "er ikke en dato; skriv det som 2026-09-14",
        "nn": "er ikkje ein dato; skriv det som 2026-09-14",
    },
    "cell.not-a-date-because": {
        "en": "is not a date: {reason}; write it as 2026-09-14",
        "sv": "är inte ett datum: {reason}; skriv det som 2026-09-14",
        "nb": "er ikke en dato: {reason}; skriv det som 2026-09-14",
        "nn": "er ikkje ein dato: {reason}; skriv det som 2026-09-14",
    },
    "cell.not-a-period": {
        "en": "is not a period; write it as 2026-W37, 2026-09, HT2026 or 2026/27",
        "sv": "är inte en period; skriv den som 2026-W37, 2026-09, HT2026 eller 2026/27",
        "nb": "er ikke en periode; skriv den som 2026-W37, 2026-09, H2026 eller 2026/27",
        "nn": "er ikkje ein periode; skriv han som 2026-W37, 2026-09, H2026 eller 2026/27",
    },
    "cell.not-a-gender": {
        "en": "is not a Kolada gender: write T (total), or K or M for rows that are skipped",
        "sv": "är inte ett kön i Kolada: skriv T (totalt), eller K eller M för rader som hoppas "
        "över",
        "nb": "er ikke et kjønn i Kolada: skriv T (totalt), eller K eller M for rader som "
        "hoppes over",
        "nn": "er ikkje eit kjønn i Kolada: skriv T (totalt), eller K eller M for rader som "
        "blir hoppa over",
    },
    "cell.not-a-year": {
        "en": "is not a year; write it as 2026",
        "sv": "är inte ett år; skriv det som 2026",
        "nb": "er ikke et år; skriv det som 2026",
        "nn": "er ikkje eit år; skriv det som 2026",
    },
    "cell.no-header": {
        "en": "this cell is in a column without a header; name the column or empty the cell "
        "(with ',' as the separator, a decimal comma must be inside quotes: \"1,5\")",
        "sv": "cellen står i en kolumn utan rubrik; namnge kolumnen eller töm cellen (med ',' "
        'som avgränsare måste ett decimalkomma stå inom citattecken: "1,5")',
        "nb": "cellen står i en kolonne uten overskrift; gi kolonnen et navn eller tøm cellen "
        "(med ',' som skilletegn må et desimalkomma stå i anførselstegn: \"1,5\")",
        "nn": "cella står i ein kolonne utan overskrift; gi kolonnen eit namn eller tøm cella "
        "(med ',' som skiljeteikn må eit desimalkomma stå i hermeteikn: \"1,5\")",
    },
    "cell.period-empty": {
        "en": "the period is empty; every row needs one",
        "sv": "perioden är tom; varje rad behöver en",
        "nb": "perioden er tom; hver rad trenger en",
        "nn": "perioden er tom; kvar rad treng ein",
    },
    "cell.date-empty": {
        "en": "the date is empty; every row needs one",
        "sv": "datumet är tomt; varje rad behöver ett",
        "nb": "datoen er tom; hver rad trenger en",
        "nn": "datoen er tom; kvar rad treng ein",
    },
    "cell.numerator-empty": {
        "en": "the numerator is empty; give both numerator and denominator",
        "sv": "täljaren är tom; ange både täljare och nämnare",
        "nb": "telleren er tom; oppgi både teller og nevner",
        "nn": "teljaren er tom; oppgi både teljar og nemnar",
    },
    "cell.denominator-empty": {
        "en": "the denominator is empty; give both numerator and denominator",
        "sv": "nämnaren är tom; ange både täljare och nämnare",
        "nb": "nevneren er tom; oppgi både teller og nevner",
        "nn": "nemnaren er tom; oppgi både teljar og nemnar",
    },
    "cell.value-empty": {
        "en": "the value is empty; write a number",
        "sv": "värdet är tomt; skriv ett tal",
        "nb": "verdien er tom; skriv et tall",
        "nn": "verdien er tom; skriv eit tal",
    },
    "cell.value-empty-or-counts": {
        "en": "the value is empty; write a number (or numerator and denominator)",
        "sv": "värdet är tomt; skriv ett tal (eller täljare och nämnare)",
        "nb": "verdien er tom; skriv et tall (eller teller og nevner)",
        "nn": "verdien er tom; skriv eit tal (eller teljar og nemnar)",
    },
    "file.save-as": {
        "en": "save it as .xlsx or CSV (UTF-8) and upload that",
        "sv": "spara den som .xlsx eller CSV (UTF-8) och ladda upp den",
        "nb": "lagre den som .xlsx eller CSV (UTF-8) og last opp den",
        "nn": "lagre ho som .xlsx eller CSV (UTF-8) og last opp den",
    },
    "file.password": {
        "en": "The workbook is protected by a password; remove the password and {save_as}.",
        "sv": "Arbetsboken är lösenordsskyddad; ta bort lösenordet och {save_as}.",
        "nb": "Arbeidsboken er passordbeskyttet; fjern passordet og {save_as}.",
        "nn": "Arbeidsboka er passordverna; fjern passordet og {save_as}.",
    },
    "file.xls": {
        "en": "This is an old Excel workbook (.xls, Excel 97–2003), which is not read; {save_as}.",
        "sv": "Det här är en gammal Excel-arbetsbok (.xls, Excel 97–2003), som inte läses; "
        "{save_as}.",
        "nb": "Dette er en gammel Excel-arbeidsbok (.xls, Excel 97–2003), som ikke leses; "
        "{save_as}.",
        "nn": "Dette er ei gammal Excel-arbeidsbok (.xls, Excel 97–2003), som ikkje blir lesen; "
        "{save_as}.",
    },
    "file.fods": {
        "en": "This is a flat OpenDocument spreadsheet (.fods), which is not read; save it as "
        ".ods, .xlsx or CSV (UTF-8) and upload that.",
        "sv": "Det här är ett platt OpenDocument-kalkylark (.fods), som inte läses; spara det "
        "som .ods, .xlsx eller CSV (UTF-8) och ladda upp det.",
        "nb": "Dette er et flatt OpenDocument-regneark (.fods), som ikke leses; lagre det som "
        ".ods, .xlsx eller CSV (UTF-8) og last opp det.",
        "nn": "Dette er eit flatt OpenDocument-rekneark (.fods), som ikkje blir lese; lagre "
        "det som .ods, .xlsx eller CSV (UTF-8) og last opp det.",
    },
    "file.opendocument": {
        "en": "This is {what}, not a spreadsheet; {save_as}.",
        "sv": "Det här är {what}, inte ett kalkylark; {save_as}.",
        "nb": "Dette er {what}, ikke et regneark; {save_as}.",
        "nn": "Dette er {what}, ikkje eit rekneark; {save_as}.",
    },
    "file.opendocument-text": {
        "en": "an OpenDocument text document (.odt)",
        "sv": "ett OpenDocument-textdokument (.odt)",
        "nb": "et OpenDocument-tekstdokument (.odt)",
        "nn": "eit OpenDocument-tekstdokument (.odt)",
    },
    "file.opendocument-presentation": {
        "en": "an OpenDocument presentation (.odp)",
        "sv": "en OpenDocument-presentation (.odp)",
        "nb": "en OpenDocument-presentasjon (.odp)",
        "nn": "ein OpenDocument-presentasjon (.odp)",
    },
    "file.opendocument-graphics": {
        "en": "an OpenDocument drawing (.odg)",
        "sv": "en OpenDocument-teckning (.odg)",
        "nb": "en OpenDocument-tegning (.odg)",
        "nn": "ei OpenDocument-teikning (.odg)",
    },
    "file.opendocument-template": {
        "en": "an OpenDocument spreadsheet template (.ots)",
        "sv": "en OpenDocument-mall för kalkylark (.ots)",
        "nb": "en OpenDocument-mal for regneark (.ots)",
        "nn": "ein OpenDocument-mal for rekneark (.ots)",
    },
    "file.opendocument-other": {
        "en": "an OpenDocument file that is not a spreadsheet",
        "sv": "en OpenDocument-fil som inte är ett kalkylark",
        "nb": "en OpenDocument-fil som ikke er et regneark",
        "nn": "ei OpenDocument-fil som ikkje er eit rekneark",
    },
    "file.xlsb": {
        "en": "This is an Excel binary workbook (.xlsb); {save_as}.",
        "sv": "Det här är en binär Excel-arbetsbok (.xlsb); {save_as}.",
        "nb": "Dette er en binær Excel-arbeidsbok (.xlsb); {save_as}.",
        "nn": "Dette er ei binær Excel-arbeidsbok (.xlsb); {save_as}.",
    },
    "file.numbers": {
        "en": "This is an Apple Numbers document; {save_as}.",
        "sv": "Det här är ett Apple Numbers-dokument; {save_as}.",
        "nb": "Dette er et Apple Numbers-dokument; {save_as}.",
        "nn": "Dette er eit Apple Numbers-dokument; {save_as}.",
    },
    "file.word": {
        "en": "This is a Word document, not a spreadsheet; {save_as}.",
        "sv": "Det här är ett Word-dokument, inte ett kalkylark; {save_as}.",
        "nb": "Dette er et Word-dokument, ikke et regneark; {save_as}.",
        "nn": "Dette er eit Word-dokument, ikkje eit rekneark; {save_as}.",
    },
    "file.zip": {
        "en": "This is a ZIP archive, not an .xlsx workbook; {save_as}.",
        "sv": "Det här är ett ZIP-arkiv, inte en .xlsx-arbetsbok; {save_as}.",
        "nb": "Dette er et ZIP-arkiv, ikke en .xlsx-arbeidsbok; {save_as}.",
        "nn": "Dette er eit ZIP-arkiv, ikkje ei .xlsx-arbeidsbok; {save_as}.",
    },
    "file.binary": {
        "en": "The file is not text (it holds NUL bytes); {save_as}.",
        "sv": "Filen är inte text (den innehåller NUL-byte); {save_as}.",
        "nb": "Filen er ikke tekst (den inneholder NUL-byte); {save_as}.",
        "nn": "Fila er ikkje tekst (ho inneheld NUL-byte); {save_as}.",
    },
    "file.html": {
        "en": "This is an HTML or XML file, not CSV (some systems save a web table with an "
        ".xls name); open it in Excel and {save_as}.",
        "sv": "Det här är en HTML- eller XML-fil, inte CSV (vissa system sparar en webbtabell "
        "med .xls-namn); öppna den i Excel och {save_as}.",
        "nb": "Dette er en HTML- eller XML-fil, ikke CSV (noen systemer lagrer en nettabell "
        "med .xls-navn); åpne den i Excel og {save_as}.",
        "nn": "Dette er ei HTML- eller XML-fil, ikkje CSV (nokre system lagrar ein nettabell "
        "med .xls-namn); opne ho i Excel og {save_as}.",
    },
    "file.pdf": {
        "en": "This is a PDF document, not a spreadsheet; {save_as}.",
        "sv": "Det här är ett PDF-dokument, inte ett kalkylark; {save_as}.",
        "nb": "Dette er et PDF-dokument, ikke et regneark; {save_as}.",
        "nn": "Dette er eit PDF-dokument, ikkje eit rekneark; {save_as}.",
    },
    "file.rtf": {
        "en": "This is an RTF document, not a spreadsheet; {save_as}.",
        "sv": "Det här är ett RTF-dokument, inte ett kalkylark; {save_as}.",
        "nb": "Dette er et RTF-dokument, ikke et regneark; {save_as}.",
        "nn": "Dette er eit RTF-dokument, ikkje eit rekneark; {save_as}.",
    },
    "file.json": {
        "en": "This looks like JSON, not CSV; send JSON as a bulk request.",
        "sv": "Det här ser ut som JSON, inte CSV; skicka JSON som en bulkbegäran.",
        "nb": "Dette ser ut som JSON, ikke CSV; send JSON som en bulkforespørsel.",
        "nn": "Dette ser ut som JSON, ikkje CSV; send JSON som ein bulkførespurnad.",
    },
    "file.too-many-bytes": {
        "en": "The file is {size:,} bytes; at most {limit:,} are accepted. Split it into "
        "smaller files.",
        "sv": "Filen är {size:,} byte; högst {limit:,} tas emot. Dela upp den i mindre filer.",
        "nb": "Filen er {size:,} byte; høyst {limit:,} tas imot. Del den opp i mindre filer.",
        "nn": "Fila er {size:,} byte; høgst {limit:,} blir tekne imot. Del ho opp i mindre filer.",
    },
    "file.not-xlsx": {
        "en": "The file is named or sent as an .xlsx workbook but is not one (an .xlsx is a "
        "ZIP archive); it may be damaged. Open it in Excel and {save_as}.",
        "sv": "Filen heter eller skickas som en .xlsx-arbetsbok men är ingen (en .xlsx är ett "
        "ZIP-arkiv); den kan vara skadad. Öppna den i Excel och {save_as}.",
        "nb": "Filen heter eller sendes som en .xlsx-arbeidsbok, men er ikke det (en .xlsx er "
        "et ZIP-arkiv); den kan være skadet. Åpne den i Excel og {save_as}.",
        "nn": "Fila heiter eller blir send som ei .xlsx-arbeidsbok, men er ikkje det (ei .xlsx "
        "er eit ZIP-arkiv); ho kan vere skadd. Opne ho i Excel og {save_as}.",
    },
    "file.not-ods": {
        "en": "The file is named .ods but is not an OpenDocument file; {save_as}.",
        "sv": "Filen heter .ods men är ingen OpenDocument-fil; {save_as}.",
        "nb": "Filen heter .ods, men er ikke en OpenDocument-fil; {save_as}.",
        "nn": "Fila heiter .ods, men er ikkje ei OpenDocument-fil; {save_as}.",
    },
    "file.workbook-unreadable": {
        "en": "The workbook cannot be read; it may be damaged. Open it in Excel and {save_as}.",
        "sv": "Arbetsboken kan inte läsas; den kan vara skadad. Öppna den i Excel och {save_as}.",
        "nb": "Arbeidsboken kan ikke leses; den kan være skadet. Åpne den i Excel og {save_as}.",
        "nn": "Arbeidsboka kan ikkje lesast; ho kan vere skadd. Opne ho i Excel og {save_as}.",
    },
    "file.no-sheet": {
        "en": "The workbook has no sheet.",
        "sv": "Arbetsboken har inget blad.",
        "nb": "Arbeidsboken har ikke noe ark.",
        "nn": "Arbeidsboka har ikkje noko ark.",
    },
    "file.not-utf8": {
        "en": "The file starts with a UTF-8 byte-order mark but is not UTF-8 (byte {byte:,}); "
        "save it again as CSV UTF-8.",
        "sv": "Filen börjar med en UTF-8-byteordningsmarkering men är inte UTF-8 (byte "
        "{byte:,}); spara den igen som CSV UTF-8.",
        "nb": "Filen begynner med et UTF-8-byteordensmerke, men er ikke UTF-8 (byte {byte:,}); "
        "lagre den på nytt som CSV UTF-8.",
        "nn": "Fila byrjar med eit UTF-8-byteordensmerke, men er ikkje UTF-8 (byte {byte:,}); "
        "lagre ho på nytt som CSV UTF-8.",
    },
    "file.not-utf16": {
        "en": "The file starts with a UTF-16 byte-order mark but is not UTF-16; save it again "
        "as CSV UTF-8.",
        "sv": "Filen börjar med en UTF-16-byteordningsmarkering men är inte UTF-16; spara den "
        "igen som CSV UTF-8.",
        "nb": "Filen begynner med et UTF-16-byteordensmerke, men er ikke UTF-16; lagre den på "
        "nytt som CSV UTF-8.",
        "nn": "Fila byrjar med eit UTF-16-byteordensmerke, men er ikkje UTF-16; lagre ho på "
        "nytt som CSV UTF-8.",
    },
    "csv.quote-not-closed": {
        "en": "Row {row:,} (from line {line:,}) opens a quote that is never closed, so every "
        'row after it would be read into one cell. Close the quote ("like this"), remove it, '
        "or save the file again from Excel as CSV UTF-8.",
        "sv": "Rad {row:,} (från rad {line:,} i filen) öppnar ett citattecken som aldrig "
        "stängs, så varje rad efter den skulle läsas in i en cell. Stäng citatet "
        '("så här"), ta bort det, eller spara filen igen från Excel som CSV UTF-8.',
        "nb": "Rad {row:,} (fra linje {line:,}) åpner et anførselstegn som aldri lukkes, så "
        'hver rad etter den ville blitt lest inn i én celle. Lukk sitatet ("slik"), fjern '
        "det, eller lagre filen på nytt fra Excel som CSV UTF-8.",
        "nn": "Rad {row:,} (frå linje {line:,}) opnar eit hermeteikn som aldri blir lukka, så "
        'kvar rad etter ho ville blitt lesen inn i éi celle. Lukk sitatet ("slik"), fjern '
        "det, eller lagre fila på nytt frå Excel som CSV UTF-8.",
    },
    "csv.text-after-quote": {
        "en": "Row {row:,} (from line {line:,}) has a quoted cell followed by more text in the "
        'same cell. Inside a quoted cell write a quote twice ("a ""b"" c"), or save the file '
        "again from Excel as CSV UTF-8.",
        "sv": "Rad {row:,} (från rad {line:,} i filen) har en cell inom citattecken följd av "
        "mer text i samma cell. Skriv citattecknet två gånger inuti en citerad cell "
        '("a ""b"" c"), eller spara filen igen från Excel som CSV UTF-8.',
        "nb": "Rad {row:,} (fra linje {line:,}) har en celle i anførselstegn fulgt av mer tekst "
        "i samme celle. Skriv anførselstegnet to ganger inne i en sitert celle "
        '("a ""b"" c"), eller lagre filen på nytt fra Excel som CSV UTF-8.',
        "nn": "Rad {row:,} (frå linje {line:,}) har ei celle i hermeteikn følgd av meir tekst "
        "i same celle. Skriv hermeteiknet to gonger inne i ei sitert celle "
        '("a ""b"" c"), eller lagre fila på nytt frå Excel som CSV UTF-8.',
    },
    "csv.cell-too-long": {
        "en": "Row {row:,} (from line {line:,}) has a cell longer than {limit:,} characters, "
        "often a quote that is not closed. Check its quotes, or save the file again from Excel "
        "as CSV UTF-8.",
        "sv": "Rad {row:,} (från rad {line:,} i filen) har en cell längre än {limit:,} tecken, "
        "ofta ett citattecken som inte stängs. Kontrollera citattecknen, eller spara filen "
        "igen från Excel som CSV UTF-8.",
        "nb": "Rad {row:,} (fra linje {line:,}) har en celle lengre enn {limit:,} tegn, ofte et "
        "anførselstegn som ikke lukkes. Sjekk anførselstegnene, eller lagre filen på nytt fra "
        "Excel som CSV UTF-8.",
        "nn": "Rad {row:,} (frå linje {line:,}) har ei celle lengre enn {limit:,} teikn, ofte "
        "eit hermeteikn som ikkje blir lukka. Sjekk hermeteikna, eller lagre fila på nytt frå "
        "Excel som CSV UTF-8.",
    },
    "csv.unreadable": {
        "en": "Row {row:,} (from line {line:,}) cannot be read as CSV. Check its quotes, or "
        "save the file again from Excel as CSV UTF-8.",
        "sv": "Rad {row:,} (från rad {line:,} i filen) kan inte läsas som CSV. Kontrollera "
        "citattecknen, eller spara filen igen från Excel som CSV UTF-8.",
        "nb": "Rad {row:,} (fra linje {line:,}) kan ikke leses som CSV. Sjekk "
        "anførselstegnene, eller lagre filen på nytt fra Excel som CSV UTF-8.",
        "nn": "Rad {row:,} (frå linje {line:,}) kan ikkje lesast som CSV. Sjekk hermeteikna, "
        "eller lagre fila på nytt frå Excel som CSV UTF-8.",
    },
    "header.problems": {
        "en": "The header row has {problems}. {see}",
        "sv": "Rubrikraden har {problems}. {see}",
        "nb": "Overskriftsraden har {problems}. {see}",
        "nn": "Overskriftsrada har {problems}. {see}",
    },
    "header.problems-sheet": {
        "en": "The header row has {problems}.",
        "sv": "Rubrikraden har {problems}.",
        "nb": "Overskriftsraden har {problems}.",
        "nn": "Overskriftsrada har {problems}.",
    },
    "header.see": {
        "en": "Rename or remove what is not a column of ours; the README's 'Spreadsheet "
        "columns' and `pdca push --help` list the accepted names.",
        "sv": "Byt namn på eller ta bort det som inte är en av våra kolumner; README:s "
        "'Spreadsheet columns' och `pdca push --help` listar de godkända namnen.",
        "nb": "Gi nytt navn til eller fjern det som ikke er en av våre kolonner; README-ens "
        "'Spreadsheet columns' og `pdca push --help` viser de godkjente navnene.",
        "nn": "Gi nytt namn til eller fjern det som ikkje er ein av kolonnane våre; README-en "
        "sin 'Spreadsheet columns' og `pdca push --help` viser dei godkjende namna.",
    },
    "header.see-names": {
        "en": "The README's 'Spreadsheet columns' and `pdca push --help` list the accepted names.",
        "sv": "README:s 'Spreadsheet columns' och `pdca push --help` listar de godkända namnen.",
        "nb": "README-ens 'Spreadsheet columns' og `pdca push --help` viser de godkjente navnene.",
        "nn": "README-en sin 'Spreadsheet columns' og `pdca push --help` viser dei godkjende "
        "namna.",
    },
    "header.unknown-column": {
        "en": "unknown column {listed}",
        "sv": "okänd kolumn {listed}",
        "nb": "ukjent kolonne {listed}",
        "nn": "ukjend kolonne {listed}",
    },
    "header.unknown-columns": {
        "en": "unknown columns {listed}",
        "sv": "okända kolumner {listed}",
        "nb": "ukjente kolonner {listed}",
        "nn": "ukjende kolonnar {listed}",
    },
    "header.unknown": {lang: "'{name}'" for lang in ("en", "sv", "nb", "nn")},
    "header.unknown-near": {
        "en": "'{name}' (did you mean '{near}'?)",
        "sv": "'{name}' (menade du '{near}'?)",
        "nb": "'{name}' (mente du '{near}'?)",
        "nn": "'{name}' (meinte du '{near}'?)",
    },
    "header.repeated": {
        "en": "two columns for the {field}, '{first}' and '{second}'",
        "sv": "två kolumner för fältet {field}, '{first}' och '{second}'",
        "nb": "to kolonner for feltet {field}, '{first}' og '{second}'",
        "nn": "to kolonnar for feltet {field}, '{first}' og '{second}'",
    },
    "header.keep-one": {
        "en": "{listed} (keep one of each)",
        "sv": "{listed} (behåll en av varje)",
        "nb": "{listed} (behold én av hver)",
        "nn": "{listed} (behald éin av kvar)",
    },
    "header.two-for": {
        "en": "two columns for the {field}",
        "sv": "två kolumner för fältet {field}",
        "nb": "to kolonner for feltet {field}",
        "nn": "to kolonnar for feltet {field}",
    },
    "header.missing": {
        "en": "no column for the {field} ('{name}')",
        "sv": "ingen kolumn för fältet {field} ('{name}')",
        "nb": "ingen kolonne for feltet {field} ('{name}')",
        "nn": "ingen kolonne for feltet {field} ('{name}')",
    },
    "header.no-period": {
        "en": "The header row has no period or date column; name one 'period' (or 'date'). {see}",
        "sv": "Rubrikraden har ingen kolumn för period eller datum; döp en till 'Period' "
        "(eller 'Datum'). {see}",
        "nb": "Overskriftsraden har ingen kolonne for periode eller dato; kall en 'Periode' "
        "(eller 'Dato'). {see}",
        "nn": "Overskriftsrada har ingen kolonne for periode eller dato; kall ein 'Periode' "
        "(eller 'Dato'). {see}",
    },
    "header.counts-half": {
        "en": "The header row has a numerator or a denominator column but not both; add the "
        "missing one, or a 'value' column.",
        "sv": "Rubrikraden har en kolumn för täljare eller nämnare men inte båda; lägg till "
        "den som saknas, eller en kolumn 'Värde'.",
        "nb": "Overskriftsraden har en kolonne for teller eller nevner, men ikke begge; legg "
        "til den som mangler, eller en kolonne 'Verdi'.",
        "nn": "Overskriftsrada har ein kolonne for teljar eller nemnar, men ikkje begge; legg "
        "til den som manglar, eller ein kolonne 'Verdi'.",
    },
    "header.no-value": {
        "en": "The header row has no value column; name it 'value' (or 'värde'), or give "
        "'numerator' and 'denominator'. {see}",
        "sv": "Rubrikraden har ingen kolumn för värdet; döp den till 'Värde', eller ange "
        "'Täljare' och 'Nämnare'. {see}",
        "nb": "Overskriftsraden har ingen kolonne for verdien; kall den 'Verdi', eller oppgi "
        "'Teller' og 'Nevner'. {see}",
        "nn": "Overskriftsrada har ingen kolonne for verdien; kall han 'Verdi', eller oppgi "
        "'Teljar' og 'Nemnar'. {see}",
    },
    "header.none": {
        "en": "The file has no header row: the first filled row must name the columns, such "
        "as period;unit;value.",
        "sv": "Filen har ingen rubrikrad: den första ifyllda raden ska namnge kolumnerna, till "
        "exempel Period;Enhet;Värde.",
        "nb": "Filen har ingen overskriftsrad: den første utfylte raden må navngi kolonnene, "
        "for eksempel Periode;Enhet;Verdi.",
        "nn": "Fila har inga overskriftsrad: den første utfylte rada må namngi kolonnane, til "
        "dømes Periode;Eining;Verdi.",
    },
    "week.no-year": {
        "en": "'{shown}' is a week without its year: add a year column (År), write it as "
        "2026-W{week:02d}, or give the year with the upload (?year=2026, pdca push --year 2026)",
        "sv": "'{shown}' är en vecka utan år: lägg till en kolumn för året (År), skriv den som "
        "2026-W{week:02d}, eller ange året vid uppladdningen (?year=2026, pdca push --year "
        "2026)",
        "nb": "'{shown}' er en uke uten år: legg til en kolonne for året (År), skriv den som "
        "2026-W{week:02d}, eller oppgi året ved opplastingen (?year=2026, pdca push --year "
        "2026)",
        "nn": "'{shown}' er ei veke utan år: legg til ein kolonne for året (År), skriv ho som "
        "2026-W{week:02d}, eller oppgi året ved opplastinga (?year=2026, pdca push --year "
        "2026)",
    },
    "week.date-disagrees": {
        "en": "the week {week} and the date {date} (in week {date_week}) disagree; correct one "
        "of them or leave one out",
        "sv": "veckan {week} och datumet {date} (i vecka {date_week}) stämmer inte överens; "
        "rätta en av dem eller ta bort den ena",
        "nb": "uken {week} og datoen {date} (i uke {date_week}) stemmer ikke overens; rett en "
        "av dem eller fjern den ene",
        "nn": "veka {week} og datoen {date} (i veke {date_week}) stemmer ikkje overeins; rett "
        "ein av dei eller fjern den eine",
    },
    "header.none-sheet": {
        "en": "The file has no header row: the first filled row names the columns.",
        "sv": "Filen har ingen rubrikrad: den första ifyllda raden namnger kolumnerna.",
        "nb": "Filen har ingen overskriftsrad: den første utfylte raden navngir kolonnene.",
        "nn": "Fila har inga overskriftsrad: den første utfylte rada namngir kolonnane.",
    },
}
