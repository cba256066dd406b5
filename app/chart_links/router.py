"""Chart links over HTTP: made and listed under /api/v1 with a bearer token, drawn under
/embed/charts without one (the secret in the path is the credential)."""

import uuid
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, status

from app.access_tokens.auth import CurrentUser
from app.analytics import png
from app.chart_links import service
from app.chart_links.models import ChartLinkCreate, ChartLinkCreated, ChartLinkPage
from app.db import SessionDep
from app.i18n import Language, negotiate_language
from app.pagination import PageDep
from app.problems import problem_responses
from app.routing import API_PREFIX, ServiceRoute, operation_id, service_router
from app.settings import SettingsDep

TAG = "chart-links"
router = service_router(TAG)
measure_router = APIRouter(
    prefix=f"{API_PREFIX}/measures",
    tags=[TAG],
    route_class=ServiceRoute,
    generate_unique_id_function=operation_id,
)
embed_router = APIRouter(
    prefix="/embed/charts",
    tags=[TAG],
    route_class=ServiceRoute,
    generate_unique_id_function=operation_id,
)

EMBED_PATH = "/embed/charts/{secret}.svg"
EMBED_PNG_PATH = "/embed/charts/{secret}.png"

EMBED_HEADERS = {
    # An SVG shown through <img> runs no script, but the same URL opened on its own is a
    # document: it may load nothing and run nothing.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "cross-origin",
    "Referrer-Policy": "no-referrer",
}


async def _accept_language(
    accept_language: Annotated[
        str | None,
        Header(
            alias="Accept-Language",
            max_length=1000,
            description="The chart's words when the body names no `language`.",
        ),
    ] = None,
) -> Language:
    return negotiate_language(accept_language)


@measure_router.post(
    "/{measure_id}/chart-links",
    response_model=ChartLinkCreated,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 422),
)
async def create_chart_link(
    request: Request,
    app_settings: SettingsDep,
    session: SessionDep,
    principal: CurrentUser,
    measure_id: uuid.UUID,
    data: ChartLinkCreate,
    language: Annotated[Language, Depends(_accept_language)],
    response: Response,
) -> Any:
    """Make a link that draws this measure's chart (with the options of `chart.svg`) for
    `<img src>` without a token, as the calling token sees it, until it expires (at most a
    year) or is revoked; the URL is shown once. Any role may make one for a chart it reads."""
    link, secret = await service.create_chart_link(
        session,
        principal,
        measure_id,
        data=data,
        accept_language=language,
        timezone=app_settings.timezone,
    )
    url = str(request.app.url_path_for("draw_chart_link", secret=secret))
    png_url = str(request.app.url_path_for("draw_chart_link_png", secret=secret))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Location"] = url
    return ChartLinkCreated(**service.public(link).model_dump(), url=url, png_url=png_url)


@router.get("", response_model=ChartLinkPage, responses=problem_responses(401, 422))
async def list_chart_links(
    session: SessionDep,
    principal: CurrentUser,
    page: PageDep,
    measure_id: Annotated[
        uuid.UUID | None, Query(description="Only the links to this measure's chart.")
    ] = None,
) -> Any:
    """List the links the calling token made, newest first (their URLs are not shown again)."""
    found = await service.list_chart_links(session, principal, page=page, measure_id=measure_id)
    return ChartLinkPage(
        items=[service.public(link) for link in found.items],
        total=found.total,
        total_at_least=found.total_at_least,
        limit=found.limit,
        offset=found.offset,
        next_cursor=found.next_cursor,
    )


@router.delete(
    "/{chart_link_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 404, 422),
)
async def revoke_chart_link(
    session: SessionDep, principal: CurrentUser, chart_link_id: uuid.UUID
) -> None:
    """Revoke a link (its creator, or an admin covering the chart's unit): it answers 404 from
    then on."""
    await service.revoke_chart_link(session, principal, chart_link_id)


SecretPath = Annotated[
    str,
    Path(
        min_length=20,
        max_length=100,
        pattern="^[A-Za-z0-9_-]+$",
        description="The link's secret, as the chart link's `url` gives it.",
    ),
]


def _embedded(body: str | bytes, media_type: str, drawn: service.DrawnChart) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            **EMBED_HEADERS,
            "Cache-Control": f"public, max-age={drawn.max_age}",
            "Content-Language": drawn.language,
        },
    )


@embed_router.get(
    "/{secret}.svg",
    response_class=Response,
    responses={
        200: {
            "description": "The chart as an SVG image, for `<img src=...>` on any page; "
            "`Cache-Control: public` for at most five minutes (never past the link's expiry), "
            "a strong ETag (`If-None-Match` answers 304).",
            "content": {"image/svg+xml": {"schema": {"type": "string"}}},
        },
        **problem_responses(404, 422),
    },
)
async def draw_chart_link(
    app_settings: SettingsDep, session: SessionDep, secret: SecretPath
) -> Response:
    """A chart link's chart, drawn now as its creator's token sees it; no token needed. An
    unknown, expired or revoked link, or one whose creator's token stopped, answers 404."""
    drawn = await service.draw_chart_link(session, secret, timezone=app_settings.timezone)
    return _embedded(drawn.svg, "image/svg+xml", drawn)


@embed_router.get(
    "/{secret}.png",
    response_class=Response,
    responses={
        200: {
            "description": "The chart as a PNG image (the `.svg` link's picture, rendered by "
            "resvg with a bundled font), for `<img src=...>` where SVG is not shown; the same "
            "`Cache-Control` and strong ETag as the SVG.",
            "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
        },
        **problem_responses(404, 422),
    },
)
async def draw_chart_link_png(
    app_settings: SettingsDep, session: SessionDep, secret: SecretPath
) -> Response:
    """A chart link's chart as a PNG, drawn now as its creator's token sees it; no token
    needed. An unknown, expired or revoked link answers the same 404 as the SVG."""
    drawn = await service.draw_chart_link(session, secret, timezone=app_settings.timezone)
    image = await anyio.to_thread.run_sync(png.render_png, drawn.svg)
    return _embedded(image, "image/png", drawn)
