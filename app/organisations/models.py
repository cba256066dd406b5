import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from app.db import InputModel, VersionedRow, input_example, with_example


class OrganisationBase(SQLModel):
    name: str = Field(min_length=1, max_length=200, description="E.g. `Mittköping kommun`.")


class Organisation(OrganisationBase, VersionedRow, table=True):
    """A tenant: one municipality (kommun) or other school organiser."""

    __tablename__ = "organisation"

    @property
    def organisation_id(self) -> uuid.UUID:
        return self.id

    def audit_org_unit_id(self, _session: object) -> None:
        return None


class OrganisationUpdate(InputModel):
    model_config = input_example({"name": "Mittköpings kommun"})

    name: str = Field(default=None, min_length=1, max_length=200)


class OrganisationPublic(OrganisationBase):
    model_config = with_example(
        {
            "id": "2d0f8f4e-8a8b-4c1e-9a57-3b6c1d2e3f40",
            "name": "Mittköping kommun",
            "created_at": "2026-08-01T08:00:00Z",
            "updated_at": "2026-08-01T08:00:00Z",
        }
    )

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
