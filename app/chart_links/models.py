import uuid
from datetime import datetime
from typing import Any, Literal, Self

from pydantic import model_validator
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from app.charts.models import MeasureChart, RuleChoice
from app.db import InputModel, TenantRow, UTCDateTime, UTCTimestamp, input_example, with_example
from app.pagination import Page

MAX_LIFETIME_SECONDS = 366 * 24 * 3600
"""At most a year (a leap year's worth, so "one year from today" is always accepted)."""
DEFAULT_LIFETIME_SECONDS = 90 * 24 * 3600


class ChartLink(TenantRow, table=True):
    """A link to one measure's chart. Only the SHA-256 hash of its secret is stored; the URL is
    shown once, at creation. It draws as its creator's token would see the chart and stops when
    it expires, is revoked, or the creator's token stops working."""

    __tablename__ = "chart_link"
    __audit_exclude__ = frozenset({"token_hash"})

    measure_id: uuid.UUID = Field(foreign_key="measure.id", index=True, ondelete="CASCADE")
    org_unit_id: uuid.UUID = Field(foreign_key="org_unit.id")
    created_by_token_id: uuid.UUID = Field(foreign_key="access_token.id", index=True)
    token_prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True)
    options: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    def audit_org_unit_id(self, _session: object) -> uuid.UUID:
        return self.org_unit_id


#: The languages a link may be drawn in ("no" is read as Bokmål).
LinkLanguage = Literal["sv", "nb", "no", "nn", "en"]


class ChartOptions(SQLModel):
    """The chart's options, as `GET /measures/{measure_id}/chart.svg` takes them."""

    chart: MeasureChart | None = Field(default=None, description="As chart.svg's `chart`.")
    trend_length: int = Field(default=7, ge=6, le=7)
    shift_length: int = Field(default=7, ge=2, le=100)
    screening: bool = True
    min_points: int = Field(default=15, ge=1, le=10_000)
    rules: list[RuleChoice] | None = None
    width: int = Field(default=800, ge=200, le=4000)
    height: int = Field(default=400, ge=150, le=3000)
    period_from: str | None = Field(default=None, max_length=40)
    period_to: str | None = Field(default=None, max_length=40)
    org_unit_id: uuid.UUID | None = Field(
        default=None, description="The reporting unit (default: the measure's own unit)."
    )
    include_descendants: bool = False
    language: LinkLanguage | None = Field(
        default=None,
        description="The chart's words: `sv`, `nb` (`no`), `nn` or `en`; default: the "
        "request's Accept-Language. A browser's own language is not used: the link draws "
        "the same image for everyone.",
    )


class ChartLinkCreate(ChartOptions, InputModel):
    model_config = input_example(
        {"expires_in": 2592000, "chart": "p", "width": 640, "height": 320, "language": "sv"}
    )

    expires_in: int | None = Field(
        default=None,
        ge=60,
        le=MAX_LIFETIME_SECONDS,
        description="Seconds the link works, 60 to a year. Give this or `expires_at`; "
        "neither: 90 days.",
    )
    expires_at: UTCTimestamp | None = Field(
        default=None, description="When the link stops (with an offset), at most a year ahead."
    )

    @model_validator(mode="after")
    def _one_expiry(self) -> Self:
        if self.expires_in is not None and self.expires_at is not None:
            raise ValueError("give expires_in or expires_at, not both")
        return self


_PUBLIC_EXAMPLE = {
    "id": "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d",
    "measure_id": "3b9f1c2e-7d4a-4e5b-9c8d-1a2b3c4d5e6f",
    "token_prefix": "Xk3vQ2",
    "options": {"chart": "p", "width": 640, "height": 320, "language": "sv"},
    "expires_at": "2027-01-06T08:00:00Z",
    "revoked_at": None,
    "active": True,
    "created_at": "2026-12-07T08:00:00Z",
}


class ChartLinkPublic(SQLModel):
    model_config = with_example(_PUBLIC_EXAMPLE)

    id: uuid.UUID
    measure_id: uuid.UUID
    token_prefix: str = Field(description="The first characters of the secret in the URL.")
    options: dict[str, Any] = Field(description="The chart's options, as given.")
    expires_at: datetime
    revoked_at: datetime | None
    active: bool = Field(description="Neither revoked nor expired.")
    created_at: datetime


class ChartLinkCreated(ChartLinkPublic):
    """The new link with its URLs. The secret in them is never shown again."""

    model_config = with_example(
        {
            **_PUBLIC_EXAMPLE,
            "url": "/embed/charts/Xk3vQ2...secret....svg",
            "png_url": "/embed/charts/Xk3vQ2...secret....png",
        }
    )

    url: str = Field(
        description="The SVG's path on this service, for `<img src>`: no token needed. "
        "Treat it as a secret; revoke it with `DELETE /api/v1/chart-links/{id}`."
    )
    png_url: str = Field(
        description="The same chart as a PNG image (for places that show no SVG, such as some "
        "e-mail clients and intranets); the same secret, expiry and revocation as `url`."
    )


class ChartLinkPage(Page[ChartLinkPublic]):
    """One page of chart links."""
