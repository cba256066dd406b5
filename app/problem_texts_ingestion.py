"""The ingestion's texts in Swedish, Bokmål, Nynorsk and English: the refused rows of a bulk
request, an upload or an import, the spreadsheet reader's cell, header and format messages,
and the period parser's messages (the keys :class:`app.periods.InvalidPeriod` carries).

Kept apart from :mod:`app.problem_texts`, which merges them into its ``TEXTS``.
"""

from typing import Final

from app.periods import MESSAGES as PERIOD_MESSAGES

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
        "sv": "måttet tar bara ett värde, ingen täljare eller nämnare",
        "nb": "målet tar bare en verdi, ingen teller eller nevner",
        "nn": "målet tek berre ein verdi, ingen teljar eller nemnar",
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
