"""Chart links: made by any token for a chart it may read, stored as a hash of their secret,
revoked rather than deleted, and drawn without a bearer token as the creator would see them.

Why a random secret stored hashed rather than an HMAC-signed payload: revocation needs a row
anyway, and with the row the options and expiry live in the database, so the URL stays short,
no server key has to be kept, shared by every process and rotated, and a copy of the database
does not reveal a working URL. The secret carries 256 random bits, so a fast hash is enough.
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.access_tokens.models import AccessToken
from app.analytics.types import ChartType
from app.chart_links.models import (
    DEFAULT_LIFETIME_SECONDS,
    MAX_LIFETIME_SECONDS,
    ChartLink,
    ChartLinkCreate,
    ChartLinkPublic,
    ChartOptions,
)
from app.charts import service as charts_service
from app.charts.kinds import ChartQuery, chosen_rules
from app.context import Principal, Role
from app.db import utcnow
from app.i18n import Language, negotiate_language
from app.org_units.models import OrgUnit
from app.pagination import Order, Page, PageParams, paginate
from app.problems import Forbidden, InvalidInput, NotFound

MAX_AGE_SECONDS = 300
"""How long a browser or a shared cache may keep a drawn chart before asking again (with its
ETag, answered 304 while unchanged): new measurements show within five minutes."""


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _chart_query(options: ChartOptions) -> ChartQuery:
    return ChartQuery(
        chart=None if options.chart is None else ChartType(options.chart.value),
        trend_length=options.trend_length,
        shift_length=options.shift_length,
        screening=options.screening,
        min_points=options.min_points,
        rules=chosen_rules(options.rules),
    )


def _language(options: ChartOptions) -> Language:
    return negotiate_language(options.language)


def _query(options: ChartOptions, *, timezone: str) -> charts_service.AnalysisQuery:
    return charts_service.AnalysisQuery(
        org_unit_id=options.org_unit_id,
        include_descendants=options.include_descendants,
        period_from=options.period_from,
        period_to=options.period_to,
        chart=_chart_query(options),
        language=_language(options),
        timezone=timezone,
    )


def public(link: ChartLink, now: datetime | None = None) -> ChartLinkPublic:
    now = now or utcnow()
    return ChartLinkPublic(
        id=link.id,
        measure_id=link.measure_id,
        token_prefix=link.token_prefix,
        options=link.options,
        expires_at=link.expires_at,
        revoked_at=link.revoked_at,
        active=link.revoked_at is None and link.expires_at > now,
        created_at=link.created_at,
    )


async def create_chart_link(
    session: AsyncSession,
    principal: Principal,
    measure_id: uuid.UUID,
    *,
    data: ChartLinkCreate,
    accept_language: Language,
    timezone: str,
) -> tuple[ChartLink, str]:
    """Check the chart draws for the caller (404 for a measure outside its scope, 422 for bad
    options, as chart.svg answers), then store the link. Returns the row and its secret."""
    if principal.token_id is None:
        raise Forbidden.saying("forbidden.chart-link-without-token")
    now = utcnow()
    if data.expires_at is not None:
        if data.expires_at <= now:
            raise InvalidInput("body.expires_at", "must be in the future", type_="not_in_future")
        if data.expires_at > now + timedelta(seconds=MAX_LIFETIME_SECONDS):
            raise InvalidInput(
                "body.expires_at", "must be at most a year ahead", type_="too_far_ahead"
            )
        expires_at = data.expires_at
    else:
        expires_at = now + timedelta(seconds=data.expires_in or DEFAULT_LIFETIME_SECONDS)
    options = ChartOptions.model_validate(data.model_dump(include=set(ChartOptions.model_fields)))
    if options.language is None:
        options.language = accept_language.value
    stored = await charts_service.analyse_measure(
        session, principal, measure_id, query=_query(options, timezone=timezone)
    )
    secret = secrets.token_urlsafe(32)
    link = ChartLink(
        organisation_id=principal.organisation_id,
        measure_id=measure_id,
        org_unit_id=stored.measure.org_unit_id,
        created_by_token_id=principal.token_id,
        token_prefix=secret[:6],
        token_hash=_hash(secret),
        options=options.model_dump(mode="json", exclude_defaults=True)
        | {"language": options.language},
        expires_at=expires_at,
    )
    session.add(link)
    await session.commit()
    return link, secret


def _mine(principal: Principal) -> Any:
    return and_(
        col(ChartLink.organisation_id) == principal.organisation_id,
        col(ChartLink.created_by_token_id) == principal.token_id,
    )


_NEWEST_FIRST = Order.by(
    col(ChartLink.created_at), list_name="ChartLinks", descending=True, tiebreaker=col(ChartLink.id)
)


async def list_chart_links(
    session: AsyncSession, principal: Principal, *, page: PageParams, measure_id: uuid.UUID | None
) -> Page[ChartLink]:
    """The caller's own links, newest first."""
    stmt = select(ChartLink).where(_mine(principal))
    if measure_id is not None:
        stmt = stmt.where(col(ChartLink.measure_id) == measure_id)
    return await paginate(session, stmt, page=page, order=_NEWEST_FIRST)


async def revoke_chart_link(
    session: AsyncSession, principal: Principal, link_id: uuid.UUID
) -> None:
    """Revoke a link: its creator may, and an admin whose scope covers the chart's unit. It
    answers 404 from then on; revoking again changes nothing."""
    stmt = (
        select(ChartLink)
        .join(OrgUnit, col(OrgUnit.id) == col(ChartLink.org_unit_id))
        .where(
            col(ChartLink.id) == link_id,
            col(ChartLink.organisation_id) == principal.organisation_id,
        )
    )
    if principal.role is Role.admin:
        stmt = stmt.where(principal.path_filter(col(OrgUnit.path)))
    else:
        stmt = stmt.where(col(ChartLink.created_by_token_id) == principal.token_id)
    link = (await session.execute(stmt)).scalar_one_or_none()
    if link is None:
        raise NotFound.for_object("chart link", link_id)
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        await session.commit()


# The one lookup of a link by its secret, with its creator's token and scope.
_LOOKUP = (
    select(
        col(ChartLink.measure_id),
        col(ChartLink.options),
        col(ChartLink.expires_at),
        col(ChartLink.revoked_at),
        col(AccessToken.id).label("token_id"),
        col(AccessToken.name),
        col(AccessToken.organisation_id),
        col(AccessToken.role),
        col(AccessToken.scope_org_unit_id),
        col(AccessToken.expires_at).label("token_expires_at"),
        col(AccessToken.revoked_at).label("token_revoked_at"),
        col(OrgUnit.path),
    )
    .join(AccessToken, col(AccessToken.id) == col(ChartLink.created_by_token_id))
    .outerjoin(OrgUnit, col(OrgUnit.id) == col(AccessToken.scope_org_unit_id))
    .where(col(ChartLink.token_hash) == bindparam("token_hash"))
)


class ChartLinkNotFound(NotFound):
    """One answer for every link that does not draw (unknown, expired, revoked, its creator's
    token stopped, its measure gone or out of the creator's scope): nothing tells them apart."""

    def __init__(self) -> None:
        super().__init__("No chart at this link: it may have expired or been revoked.")


@dataclass(frozen=True)
class DrawnChart:
    svg: str
    language: Language
    max_age: int


async def draw_chart_link(session: AsyncSession, secret: str, *, timezone: str) -> DrawnChart:
    """The linked chart as its creator's token would see it now, or :class:`ChartLinkNotFound`."""
    if not 20 <= len(secret) <= 100:
        raise ChartLinkNotFound
    row = (await session.execute(_LOOKUP, {"token_hash": _hash(secret)})).first()
    now = utcnow()
    if (
        row is None
        or row.revoked_at is not None
        or row.expires_at <= now
        or not AccessToken.is_active_at(
            now, revoked_at=row.token_revoked_at, expires_at=row.token_expires_at
        )
    ):
        raise ChartLinkNotFound
    creator = Principal(
        token_id=row.token_id,
        name=row.name,
        organisation_id=row.organisation_id,
        role=Role(row.role),
        scope_org_unit_id=row.scope_org_unit_id,
        scope_path=row.path,
    )
    options = ChartOptions.model_validate(row.options)
    query = _query(options, timezone=timezone)
    try:
        svg = await charts_service.measure_chart(
            session,
            creator,
            row.measure_id,
            query=query,
            width=options.width,
            height=options.height,
        )
    except (NotFound, InvalidInput) as error:
        raise ChartLinkNotFound from error
    lifetime = int((row.expires_at - now).total_seconds())
    return DrawnChart(
        svg=svg, language=query.language, max_age=max(0, min(MAX_AGE_SECONDS, lifetime))
    )
