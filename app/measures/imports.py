"""The indicators a municipality follows, from a spreadsheet: shared indicators built in one step.

Each row is a shared indicator (a measure of a unit that the units below it report), named by
its external code, which makes the import **idempotent**: a code that exists is that measure
(its other fields are brought up to date; a row equal to it changes nothing), a new code is a
new measure. Its owner unit is named by the unit's code. **All or nothing**: every row is
checked with the rules of ``POST /measures`` first; one bad row writes nothing, and the answer
names each bad row and column. Changes are audited like any measure's.
"""

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.context import Principal
from app.measures import spreadsheets
from app.measures.ingest import RowsRefused
from app.measures.models import Measure, MeasureCreate, Measurement
from app.measures.uploads import read_sheet_upload
from app.org_units.models import OrgUnit
from app.org_units.service import lock_tree
from app.problem_texts import Text
from app.problems import FieldError, field_message

COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "namn", "navn", "mått", "indikator", "indicator"),
    "external_code": ("external_code", "code", "kod", "kode", "måttkod", "kpi", "nyckeltal"),
    "unit": ("unit", "unit_code", "org_unit", "enhet", "enhetskod", "eining", "ägare", "eier"),
    "value_kind": ("value_kind", "värdetyp", "verditype", "typ av värde", "value kind"),
    "period_kind": ("period_kind", "periodtyp", "periodetype", "period", "periode"),
    "measure_type": ("measure_type", "måtttyp", "målingstype", "type"),
    "direction": ("direction", "riktning", "retning"),
    "unit_label": ("unit_label", "måttenhet", "måleenhet", "måleeining"),
    "scale_min": ("scale_min", "skala_min", "skala min", "lägsta", "lågaste"),
    "scale_max": ("scale_max", "skala_max", "skala max", "högsta", "høyeste"),
    "target_value": ("target_value", "målvärde", "målverdi", "target"),
    "reporting_unit_kind": (
        "reporting_unit_kind",
        "rapporteras av",
        "rapporteres av",
        "rapportörer",
    ),
    "min_denominator": ("min_denominator", "minsta nämnare", "minste nevner"),
    "description": ("description", "beskrivning", "beskrivelse", "skildring"),
    "operational_definition": (
        "operational_definition",
        "operationell definition",
        "operasjonell definisjon",
    ),
}
REQUIRED = ("name", "external_code", "unit", "value_kind", "period_kind")

_WORDS: dict[str, dict[str, str]] = {
    "value_kind": {
        "antal": "count",
        "antall": "count",
        "andel": "proportion",
        "kvot": "rate",
        "takt": "rate",
        "kontinuerlig": "continuous",
        "mätvärde": "continuous",
        "måleverdi": "continuous",
        "skattning": "rating",
        "skala": "rating",
        "vurdering": "rating",
    },
    "period_kind": {
        "dag": "day",
        "vecka": "week",
        "uke": "week",
        "veke": "week",
        "månad": "month",
        "måned": "month",
        "månad ": "month",
        "termin": "term",
        "semester": "term",
        "läsår": "school_year",
        "skoleår": "school_year",
        "school year": "school_year",
    },
    "measure_type": {
        "resultat": "outcome",
        "resultatmått": "outcome",
        "resultatmål": "outcome",
        "process": "process",
        "prosess": "process",
        "processmått": "process",
        "balanserande": "balancing",
        "balanserende": "balancing",
    },
    "direction": {"upp": "up", "opp": "up", "ned": "down", "ner": "down"},
    "reporting_unit_kind": {
        "skola": "school",
        "skole": "school",
        "förskola": "preschool",
        "barnehage": "preschool",
        "område": "area",
        "arbetslag": "work_team",
    },
}
_NUMBERS = ("scale_min", "scale_max", "target_value", "min_denominator")
_FIXED_BY_MEASUREMENTS = ("value_kind", "scale_min", "scale_max", "period_kind")
_COMPARED = (
    "name",
    "value_kind",
    "period_kind",
    "measure_type",
    "direction",
    "unit_label",
    "scale_min",
    "scale_max",
    "target_value",
    "reporting_unit_kind",
    "min_denominator",
    "description",
    "operational_definition",
)


@dataclass
class ImportCounts:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    format: str = "csv"
    measures: list[dict[str, object]] = field(default_factory=list)


def _fields(
    cells: dict[str, spreadsheets.Cell], number: int, errors: list[FieldError]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, cell in cells.items():
        if name in _NUMBERS:
            try:
                value = spreadsheets.cell_number(cell)
            except spreadsheets.CellUnreadable as error:
                errors.append(FieldError.of(f"file.rows[{number}].{name}", error.text, "invalid"))
                continue
            if value is not None:
                out[name] = (
                    int(value)
                    if name != "target_value" and value == value.to_integral_value()
                    else float(value)
                )
            continue
        text = spreadsheets.cell_text(cell).strip()
        words = _WORDS.get(name)
        if words is not None:
            text = words.get(text.casefold(), text.casefold().replace(" ", "_"))
        out[name] = text
    if "measure_type" not in out:
        out["measure_type"] = "outcome"
    return out


async def import_measures(
    session: AsyncSession,
    principal: Principal,
    body: bytes,
    *,
    filename: str | None,
    content_type: str | None,
    dry_run: bool,
) -> ImportCounts:
    """Create or bring up to date the shared indicators of a file (see the module's rules)."""
    sheet = await read_sheet_upload(
        body, COLUMNS, required=REQUIRED, filename=filename, content_type=content_type
    )
    # The owner units are read and must not move under the rows while they are checked.
    await lock_tree(session, principal.organisation_id)
    errors: list[FieldError] = []
    parsed = [(number, _fields(cells, number, errors)) for number, cells in sheet.rows]
    unit_codes = sorted({str(fields["unit"]) for _, fields in parsed if fields.get("unit")})
    units = {
        unit.external_code: unit
        for unit in (
            await session.execute(
                select(OrgUnit).where(
                    col(OrgUnit.organisation_id) == principal.organisation_id,
                    col(OrgUnit.external_code).in_(unit_codes or [""]),
                )
            )
        ).scalars()
    }
    codes = sorted({str(f["external_code"]) for _, f in parsed if f.get("external_code")})
    existing = {
        measure.external_code: measure
        for measure in (
            await session.execute(
                select(Measure).where(
                    col(Measure.organisation_id) == principal.organisation_id,
                    col(Measure.external_code).in_(codes or [""]),
                )
            )
        ).scalars()
    }
    with_data = set(
        (
            await session.execute(
                select(col(Measurement.measure_id))
                .where(col(Measurement.measure_id).in_([m.id for m in existing.values()] or [None]))
                .distinct()
            )
        ).scalars()
    )
    owner_paths = {
        unit_id: path
        for unit_id, path in await session.execute(
            select(col(OrgUnit.id), col(OrgUnit.path)).where(
                col(OrgUnit.id).in_([m.org_unit_id for m in existing.values()] or [None])
            )
        )
    }
    seen: dict[str, int] = {}
    plans: list[tuple[int, MeasureCreate, Measure | None]] = []
    for number, fields in parsed:
        where = f"file.rows[{number}]"
        before = len(errors)

        def refuse(name: str, message: str | Text, type_: str = "invalid") -> None:
            field = f"{where}.{name}"  # noqa: B023 - used at once, inside the loop's turn
            if isinstance(message, Text):
                errors.append(FieldError.of(field, message, type_))
            else:
                errors.append(FieldError(field=field, message=message, type=type_))

        code = fields.get("external_code")
        if code in seen:
            refuse(
                "external_code",
                Text("measure-row.code-repeated", {"code": code, "row": seen[code]}),
            )
        elif code:
            seen[code] = number
        unit = units.get(fields.get("unit"))
        if unit is None or not principal.covers_path(unit.path) or unit.archived_at is not None:
            refuse(
                "unit",
                Text("measure-row.unit-unknown", {"unit": fields.get("unit")}),
                "not_found",
            )
        data = {key: value for key, value in fields.items() if key != "unit"}
        try:
            create = MeasureCreate.model_validate(
                {**data, "org_unit_id": str(unit.id) if unit else None}
            )
        except ValidationError as invalid:
            for error in invalid.errors():
                location = [str(part) for part in error["loc"]]
                if not location and unit is None:
                    continue  # "give exactly one owner": the unit's own error says it
                name = location[0] if location else "scale_max"
                refuse(name, field_message(error), str(error["type"]))
            continue
        measure = existing.get(create.external_code)
        if measure is not None:
            if measure.initiative_id is not None:
                refuse("external_code", Text("measure-row.initiative-code"))
            elif unit is not None and measure.org_unit_id != unit.id:
                refuse("unit", Text("measure-row.other-unit"))
            elif not principal.covers_path(owner_paths.get(measure.org_unit_id, "")):
                refuse("external_code", Text("measure-row.outside-scope"))
            elif measure.id in with_data:
                for name in _FIXED_BY_MEASUREMENTS:
                    if getattr(create, name) != getattr(measure, name):
                        refuse(name, Text("measure-row.fixed"), "measure_fixed")
        if len(errors) == before:
            plans.append((number, create, measure))
    if errors:
        bad = len({error.field.split("]")[0] for error in errors})
        raise RowsRefused(
            f"{bad} {'row is' if bad == 1 else 'rows are'} refused; nothing was written.",
            errors=errors[:1000],
        )
    counts = ImportCounts(rows=len(sheet.rows), dry_run=dry_run, format=sheet.format)
    for number, create, measure in plans:
        if measure is None:
            measure = Measure.model_validate(
                create,
                update={
                    "organisation_id": principal.organisation_id,
                    "org_unit_id": create.org_unit_id,
                },
            )
            status = "created"
            counts.created += 1
            if not dry_run:
                session.add(measure)
        else:
            changes = {
                name: getattr(create, name)
                for name in _COMPARED
                if getattr(create, name) != getattr(measure, name)
            }
            status = "updated" if changes else "unchanged"
            if changes:
                counts.updated += 1
                if not dry_run:
                    for name, value in changes.items():
                        setattr(measure, name, value)
            else:
                counts.unchanged += 1
        counts.measures.append(
            {
                "row": number,
                "external_code": create.external_code,
                "id": None if dry_run and status == "created" else measure.id,
                "status": status,
            }
        )
    if dry_run:
        await session.rollback()
    else:
        await session.commit()
    return counts
