import functools
import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import computed_field
from sqlalchemy import Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel, col

from app.db import InputModel, TenantRow, UTCDateTime, input_example, with_example
from app.pagination import Page


class OrgUnitKind(StrEnum):
    """Level of a unit in the municipal tree (Swedish terms in brackets)."""

    municipality = "municipality"  # kommun
    administration = "administration"  # förvaltning
    area = "area"  # område, rektorsområde
    school = "school"  # skola, skolenhet
    preschool = "preschool"  # förskola
    work_team = "work_team"  # arbetslag
    other = "other"


_KIND_DESCRIPTION = (
    "municipality (kommun), administration (förvaltning), area (område), school (skola), "
    "preschool (förskola), work_team (arbetslag) or other."
)


class OrgUnitBase(SQLModel):
    name: str = Field(min_length=1, max_length=200, description="E.g. `Norrskolan`.")
    kind: OrgUnitKind = Field(sa_type=String(32), description=_KIND_DESCRIPTION)
    external_code: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="Code in another register, e.g. the national school unit code; unique in the organisation.",
    )


class OrgUnit(OrgUnitBase, TenantRow, table=True):
    """A node of the organisation's unit tree.

    ``path`` is the materialised chain of ids from the root (``/id/id/``): scope checks and
    subtree reads are one prefix comparison instead of a recursive query.
    """

    __tablename__ = "org_unit"
    __table_args__ = (UniqueConstraint("organisation_id", "external_code"),)

    parent_id: uuid.UUID | None = Field(default=None, foreign_key="org_unit.id", index=True)
    path: str = Field(max_length=2000, index=True)
    depth: int = Field(default=0)
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    def audit_org_unit_id(self, _session: object) -> uuid.UUID:
        return self.id


def path_ids(path: str) -> list[uuid.UUID]:
    return list(_path_ids(path))


@functools.lru_cache(maxsize=4096)
def _path_ids(path: str) -> tuple[uuid.UUID, ...]:
    # A list page parses the paths of its units, which share their ancestors: parsed once.
    return tuple(uuid.UUID(part) for part in path.strip("/").split("/") if part)


_EXAMPLE = {
    "id": "8c0a7e8e-43c5-4f1e-9a57-6a1f5b0b2d44",
    "name": "Norrskolan",
    "kind": "school",
    "external_code": "12345678",
    "parent_id": "0d9e2b6a-7c1f-4e3d-8a5b-9c0d1e2f3a4b",
    "ancestor_ids": [
        "6a2b4c1d-3e5f-4a7b-9c8d-0e1f2a3b4c5d",
        "0d9e2b6a-7c1f-4e3d-8a5b-9c0d1e2f3a4b",
    ],
    "depth": 2,
    "archived": False,
    "archived_at": None,
    "created_at": "2026-08-01T08:00:00Z",
    "updated_at": "2026-08-01T08:00:00Z",
}


class OrgUnitCreate(OrgUnitBase, InputModel):
    model_config = input_example(
        {
            "name": "Norrskolan",
            "kind": "school",
            "external_code": "12345678",
            "parent_id": "0d9e2b6a-7c1f-4e3d-8a5b-9c0d1e2f3a4b",
        }
    )

    parent_id: uuid.UUID | None = Field(
        default=None,
        description="The unit above; null makes a root (admins of the whole organisation only).",
    )


class OrgUnitUpdate(InputModel):
    model_config = input_example({"name": "Norrskolan F-6"})

    name: str = Field(default=None, min_length=1, max_length=200)
    kind: OrgUnitKind = Field(default=None, description=_KIND_DESCRIPTION)
    external_code: str | None = Field(default=None, min_length=1, max_length=64)


class OrgUnitMove(InputModel):
    model_config = input_example({"parent_id": "0d9e2b6a-7c1f-4e3d-8a5b-9c0d1e2f3a4b"})

    parent_id: uuid.UUID | None = Field(
        description="The new parent; null makes the unit a root. A unit cannot move under itself."
    )


class OrgUnitPublic(OrgUnitBase):
    model_config = with_example(_EXAMPLE)

    id: uuid.UUID
    parent_id: uuid.UUID | None
    depth: int = Field(description="0 for a root, 1 for its children, ...")
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime
    path: str = Field(exclude=True)

    @computed_field(description="Ids from the root down to the parent: a breadcrumb.")  # type: ignore[prop-decorator]  # pydantic's computed_field on a property, as its docs show
    @property
    def ancestor_ids(self) -> list[uuid.UUID]:
        return path_ids(self.path)[:-1]

    @computed_field(description="True when the unit is archived (kept for its history).")  # type: ignore[prop-decorator]  # pydantic's computed_field on a property, as its docs show
    @property
    def archived(self) -> bool:
        return self.archived_at is not None


class OrgUnitTree(OrgUnitPublic):
    """A unit with its descendants nested under ``children``."""

    children: list["OrgUnitTree"] = Field(default_factory=list)


class OrgUnitPage(Page[OrgUnitPublic]):
    """One page of org units."""


class ImportedRow(SQLModel):
    row: int = Field(description="The spreadsheet row (row 1 is the header).")
    external_code: str
    id: uuid.UUID | None = Field(description="The unit's id (null for a new unit in a dry run).")
    status: str = Field(description="created, updated or unchanged.")


class OrgUnitImportResult(SQLModel):
    model_config = with_example(
        {
            "rows": 2,
            "created": 1,
            "updated": 0,
            "unchanged": 1,
            "dry_run": True,
            "format": "csv",
            "units": [
                {
                    "row": 2,
                    "external_code": "MK",
                    "id": _EXAMPLE["parent_id"],
                    "status": "unchanged",
                },
                {"row": 3, "external_code": "12345678", "id": None, "status": "created"},
            ],
        }
    )

    rows: int = Field(description="Rows read.")
    created: int
    updated: int = Field(description="Existing units whose name or kind the file changed.")
    unchanged: int
    dry_run: bool = Field(description="True: everything was checked, nothing written.")
    format: str = Field(description="`csv` or `xlsx`.")
    units: list[ImportedRow] = Field(description="Each row's unit, parents first.")


# The orders lists page in within an organisation (issue 18): index scans, not sorts.
Index(
    "ix_org_unit_organisation_id_name_id",
    col(OrgUnit.organisation_id),
    col(OrgUnit.name),
    col(OrgUnit.id),
)
