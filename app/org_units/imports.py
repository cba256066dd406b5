"""The unit tree from a spreadsheet: a municipality's list of schools (name, school-unit code,
parent, kind) built in one step.

The rules:

- **Idempotent by external code**: every row names its unit's code; a code that exists is that
  unit (its name and kind are brought up to date, a row equal to it changes nothing), a new code
  is a new unit. Running the same file twice changes nothing the second time.
- **Parents** by code, of a unit in the file (any order: parents are made first) or already in
  the tree; an empty parent makes a root (a token scoped to a unit must name a parent inside its
  subtree). An existing unit keeps its place: a row naming another parent for it is refused
  (moves go through ``POST /org-units/{id}/move``, which checks what hangs on the tree).
- **All or nothing**: every row is checked first; one bad row writes nothing, and the answer
  names each bad row and column (``file.rows[5].parent``, row 1 being the header).
- Under the tree lock, like every write that reads the tree; each created or changed unit is
  audited.
"""

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.context import Principal
from app.measures import spreadsheets
from app.measures.ingest import RowsRefused
from app.measures.uploads import read_sheet_upload
from app.org_units.models import OrgUnit, OrgUnitKind
from app.org_units.service import lock_tree
from app.problem_texts import Text
from app.problems import FieldError

COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "namn", "navn", "enhetsnamn", "skolnamn", "skolenavn"),
    "external_code": (
        "external_code",
        "code",
        "kod",
        "kode",
        "skolenhetskod",
        "school_unit_code",
        "enhetskod",
        "organisasjonsnummer",
    ),
    "parent": ("parent", "parent_code", "förälder", "överordnad", "overordnet", "forelder"),
    "kind": ("kind", "typ", "type", "nivå", "nivå", "art"),
}
REQUIRED = ("name", "external_code", "kind")

KIND_WORDS: dict[str, OrgUnitKind] = {
    **{kind.value: kind for kind in OrgUnitKind},
    "kommun": OrgUnitKind.municipality,
    "kommune": OrgUnitKind.municipality,
    "förvaltning": OrgUnitKind.administration,
    "forvaltning": OrgUnitKind.administration,
    "etat": OrgUnitKind.administration,
    "område": OrgUnitKind.area,
    "rektorsområde": OrgUnitKind.area,
    "skola": OrgUnitKind.school,
    "skolenhet": OrgUnitKind.school,
    "skole": OrgUnitKind.school,
    "förskola": OrgUnitKind.preschool,
    "barnehage": OrgUnitKind.preschool,
    "arbetslag": OrgUnitKind.work_team,
    "arbeidslag": OrgUnitKind.work_team,
    "annat": OrgUnitKind.other,
    "annet": OrgUnitKind.other,
    "work team": OrgUnitKind.work_team,
}


@dataclass
class ImportCounts:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    format: str = "csv"
    units: list[dict[str, object]] = field(default_factory=list)


@dataclass
class _Row:
    number: int
    name: str
    code: str
    parent: str | None
    kind: OrgUnitKind


class _Errors:
    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(
        self, number: int, name: str, key: str, type_: str = "invalid", **figures: object
    ) -> None:
        """Refuse the row's ``name`` with the text ``unit-row.<key>`` (app.problem_texts_ingestion)."""
        if len(self.items) < 1000:
            text = Text(f"unit-row.{key}", figures)
            self.items.append(FieldError.of(f"file.rows[{number}].{name}", text, type_))


def _text(cells: dict[str, spreadsheets.Cell], name: str) -> str | None:
    if name not in cells:
        return None
    return spreadsheets.cell_text(cells[name]).strip() or None


def _rows(sheet: spreadsheets.Sheet, errors: _Errors) -> list[_Row]:
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for number, cells in sheet.rows:
        name = _text(cells, "name")
        code = _text(cells, "external_code")
        parent = _text(cells, "parent")
        kind_text = _text(cells, "kind")
        ok = True
        if not name:
            errors.add(number, "name", "name-empty", "missing")
            ok = False
        elif len(name) > 200:
            errors.add(number, "name", "too-long", limit=200)
            ok = False
        if not code:
            errors.add(number, "external_code", "code-needed", "missing")
            ok = False
        elif len(code) > 64:
            errors.add(number, "external_code", "too-long", limit=64)
            ok = False
        elif code in seen:
            errors.add(number, "external_code", "code-repeated", code=code, row=seen[code])
            ok = False
        else:
            seen[code] = number
        kind = KIND_WORDS.get((kind_text or "").casefold())
        if kind is None:
            errors.add(
                number,
                "kind",
                "kind-unknown",
                "missing" if not kind_text else "invalid",
                kind=kind_text or "",
            )
            ok = False
        if parent is not None and parent == code:
            errors.add(number, "parent", "own-parent")
            ok = False
        if ok:
            assert name and code and kind
            rows.append(_Row(number, name, code, parent, kind))
    return rows


async def import_units(
    session: AsyncSession,
    principal: Principal,
    body: bytes,
    *,
    filename: str | None,
    content_type: str | None,
    dry_run: bool,
) -> ImportCounts:
    """Create or bring up to date the units of a file (see the module's rules)."""
    sheet = await read_sheet_upload(
        body, COLUMNS, required=REQUIRED, filename=filename, content_type=content_type
    )
    await lock_tree(session, principal.organisation_id)
    errors = _Errors()
    rows = _rows(sheet, errors)
    codes = {row.code for row in rows} | {row.parent for row in rows if row.parent}
    existing: dict[str, OrgUnit] = {
        unit.external_code or "": unit
        for unit in (
            await session.execute(
                select(OrgUnit).where(
                    col(OrgUnit.organisation_id) == principal.organisation_id,
                    col(OrgUnit.external_code).in_(sorted(c for c in codes if c) or [""]),
                )
            )
        ).scalars()
    }
    in_file = {row.code: row for row in rows}
    counts = ImportCounts(rows=len(sheet.rows), dry_run=dry_run, format=sheet.format)
    for row in rows:
        unit = existing.get(row.code)
        if unit is not None and not principal.covers_path(unit.path):
            errors.add(row.number, "external_code", "outside-scope", "not_found", code=row.code)
        elif unit is not None and unit.archived_at is not None:
            errors.add(row.number, "external_code", "archived")
        if row.parent is None:
            if unit is None and principal.scope_path is not None:
                errors.add(row.number, "parent", "scoped-needs-parent", "missing")
            elif unit is not None and unit.parent_id is not None:
                errors.add(row.number, "parent", "move")
            continue
        parent = existing.get(row.parent)
        if parent is None and row.parent not in in_file:
            errors.add(row.number, "parent", "parent-missing", "not_found", parent=row.parent)
        elif parent is not None and (
            not principal.covers_path(parent.path) or parent.archived_at is not None
        ):
            errors.add(row.number, "parent", "parent-out", "not_found", parent=row.parent)
        elif unit is not None and (parent is None or unit.parent_id != parent.id):
            errors.add(row.number, "parent", "move")
    order = _parents_first(rows, existing, errors)
    if errors.items:
        bad = len({error.field.split("]")[0] for error in errors.items})
        raise RowsRefused(
            f"{bad} {'row is' if bad == 1 else 'rows are'} refused; nothing was written.",
            errors=errors.items,
        )
    made = dict(existing)
    for row in order:
        unit = existing.get(row.code)
        if unit is not None:
            if unit.name == row.name and unit.kind == row.kind:
                counts.unchanged += 1
                status = "unchanged"
            else:
                unit.name, unit.kind = row.name, row.kind
                counts.updated += 1
                status = "updated"
        else:
            parent = made[row.parent] if row.parent else None
            unit = OrgUnit(
                organisation_id=principal.organisation_id,
                name=row.name,
                kind=row.kind,
                external_code=row.code,
                parent_id=parent.id if parent else None,
                depth=parent.depth + 1 if parent else 0,
                path="",
            )
            unit.path = f"{parent.path if parent else '/'}{unit.id.hex}/"
            made[row.code] = unit
            counts.created += 1
            status = "created"
            if not dry_run:
                session.add(unit)
        counts.units.append(
            {
                "row": row.number,
                "external_code": row.code,
                "id": None if dry_run and status == "created" else unit.id,
                "status": status,
            }
        )
    if dry_run:
        await session.rollback()
    else:
        await session.commit()
    return counts


def _parents_first(rows: list[_Row], existing: dict[str, OrgUnit], errors: _Errors) -> list[_Row]:
    """The rows in an order where each new unit's parent comes before it; a loop of parents
    in the file is a row error."""
    by_code = {row.code: row for row in rows}
    order: list[_Row] = []
    state: dict[str, str] = {}
    for start in rows:
        chain: list[_Row] = []
        row: _Row | None = start
        while row is not None and row.code not in state:
            state[row.code] = "visiting"
            chain.append(row)
            parent = row.parent
            row = by_code.get(parent) if parent and parent not in existing else None
            if row is not None and state.get(row.code) == "visiting":
                errors.add(start.number, "parent", "loop", code=row.code)
                row = None
        for item in reversed(chain):
            state[item.code] = "done"
            order.append(item)
    return order
