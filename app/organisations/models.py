import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator
from sqlalchemy import CheckConstraint, String
from sqlmodel import Field, SQLModel

from app.db import InputModel, VersionedRow, input_example, with_example
from app.periods import SchoolYearStart


def _school_year_start(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        month, day = (int(part) for part in value.split("-"))
        SchoolYearStart(month=month, day=day)
    except (ValueError, TypeError):
        raise ValueError(
            "must be the school year's first day as MM-DD, e.g. 07-01 (1 July) or 08-15"
        ) from None
    return f"{month:02d}-{day:02d}"


SchoolYearStartText = Annotated[str, AfterValidator(_school_year_start)]

_SCHOOL_YEAR_DESCRIPTION = (
    "The school year's (läsårets) first day as MM-DD, default `07-01`: school years (`2026/27`) "
    "and terms (HT from this day to 31 December, VT from 1 January to the day before) follow it."
)
_MIN_DENOMINATOR_DESCRIPTION = (
    "Small-number protection, the default of every measure that sets none: values based on "
    "fewer than this many (e.g. 10 pupils) are withheld from readers outside the reporting "
    "unit. Empty: no default protection."
)

_LANGUAGE_DESCRIPTION = (
    "The organisation's language: `sv`, `nb`, `nn` or `en`. Every answer with words in it "
    "(stage labels, summaries, the cycle evidence, the roll-up report and its CSV) speaks it "
    "when a request sends no `Accept-Language`; empty: English."
)

#: The languages an organisation may speak by default (Swedish, Bokmål, Nynorsk, English).
DefaultLanguage = Literal["sv", "nb", "nn", "en"]


class OrganisationBase(SQLModel):
    name: str = Field(min_length=1, max_length=200, description="E.g. `Mittköping kommun`.")
    school_year_start: str = Field(
        default="07-01", min_length=5, max_length=5, description=_SCHOOL_YEAR_DESCRIPTION
    )
    min_denominator: int | None = Field(
        default=None, ge=1, le=1_000_000, description=_MIN_DENOMINATOR_DESCRIPTION
    )
    default_language: DefaultLanguage | None = Field(
        default=None, sa_type=String(2), description=_LANGUAGE_DESCRIPTION
    )


class Organisation(OrganisationBase, VersionedRow, table=True):
    """A tenant: one municipality (kommun) or other school organiser."""

    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint(
            "default_language IS NULL OR default_language IN ('sv', 'nb', 'nn', 'en')",
            name="default_language",
        ),
    )

    @property
    def organisation_id(self) -> uuid.UUID:
        return self.id

    def audit_org_unit_id(self, _session: object) -> None:
        return None


class OrganisationUpdate(InputModel):
    model_config = input_example(
        {
            "name": "Mittköpings kommun",
            "school_year_start": "08-01",
            "min_denominator": 10,
            "default_language": "sv",
        }
    )

    name: str = Field(default=None, min_length=1, max_length=200)
    school_year_start: SchoolYearStartText = Field(
        default=None, description=_SCHOOL_YEAR_DESCRIPTION
    )
    min_denominator: int | None = Field(
        default=None, ge=1, le=1_000_000, description=_MIN_DENOMINATOR_DESCRIPTION
    )
    default_language: DefaultLanguage | None = Field(
        default=None, description=_LANGUAGE_DESCRIPTION
    )


class OrganisationPublic(OrganisationBase):
    model_config = with_example(
        {
            "id": "2d0f8f4e-8a8b-4c1e-9a57-3b6c1d2e3f40",
            "name": "Mittköping kommun",
            "school_year_start": "07-01",
            "min_denominator": 10,
            "default_language": "sv",
            "created_at": "2026-08-01T08:00:00Z",
            "updated_at": "2026-08-01T08:00:00Z",
        }
    )

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
