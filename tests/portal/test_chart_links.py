"""Embeddable chart links (issue 17, item 4): a secret URL that draws one chart for `<img>`
without a token, as its creator sees it, until it expires or is revoked."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient, Response
from playwright.async_api import Route
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.access_tokens.models import AccessToken
from app.chart_links.models import ChartLink
from app.db import utcnow
from tests.analytics.factories import Measured, proportion_measure, weeks
from tests.browser import BrowserPage
from tests.factories import Tenant, bearer, make_organisation, make_tenant, make_token

OPTIONS = {"chart": "p", "width": 640, "height": 320, "language": "sv"}


async def _measured(client: AsyncClient, session: AsyncSession) -> Measured:
    tenant = await make_tenant(session)
    answers = [(period, 14 + i % 5, 25) for i, period in enumerate(weeks(1, 20))]
    return await proportion_measure(client, session, tenant, answers)


async def _link(
    client: AsyncClient, measured: Measured, token: str | None = None, **body: Any
) -> Response:
    return await client.post(
        f"{measured.url}/chart-links",
        json=body or {**OPTIONS, "expires_in": 3600},
        headers=bearer(token or measured.tenant.admin),
    )


async def test_a_chart_link_draws_the_creators_chart_without_a_token(
    client: AsyncClient, session: AsyncSession
) -> None:
    measured = await _measured(client, session)
    created = await _link(client, measured, measured.tenant.editor)
    assert created.status_code == 201, created.text
    link = created.json()
    assert link["url"].startswith("/embed/charts/") and link["url"].endswith(".svg")
    assert created.headers["cache-control"] == "no-store"
    assert link["options"]["chart"] == "p" and link["active"] is True
    drawn = await client.get(link["url"])
    assert drawn.status_code == 200
    assert drawn.headers["content-type"] == "image/svg+xml"
    same = await client.get(
        f"{measured.url}/chart.svg",
        params={"chart": "p", "width": 640, "height": 320},
        headers={**bearer(measured.tenant.editor), "Accept-Language": "sv"},
    )
    assert drawn.content == same.content
    assert drawn.headers["content-language"] == "sv"
    max_age = int(drawn.headers["cache-control"].removeprefix("public, max-age="))
    assert 0 < max_age <= 300
    assert "default-src 'none'" in drawn.headers["content-security-policy"]
    assert drawn.headers["x-content-type-options"] == "nosniff"
    etag = drawn.headers["etag"]
    assert not etag.startswith("W/")
    cached = await client.get(link["url"], headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b""
    assert (await client.get(f"{link['url']}?_=123")).status_code == 200


async def test_a_chart_link_draws_the_same_chart_as_a_png(
    client: AsyncClient, session: AsyncSession
) -> None:
    measured = await _measured(client, session)
    link = (await _link(client, measured, measured.tenant.editor)).json()
    assert link["png_url"] == link["url"].removesuffix(".svg") + ".png"
    drawn = await client.get(link["png_url"])
    assert drawn.status_code == 200
    assert drawn.headers["content-type"] == "image/png"
    assert drawn.content.startswith(b"\x89PNG\r\n\x1a\n")
    same = await client.get(
        f"{measured.url}/chart.png",
        params={"chart": "p", "width": 640, "height": 320},
        headers={**bearer(measured.tenant.editor), "Accept-Language": "sv"},
    )
    assert drawn.content == same.content
    assert drawn.headers["content-language"] == "sv"
    max_age = int(drawn.headers["cache-control"].removeprefix("public, max-age="))
    assert 0 < max_age <= 300
    assert drawn.headers["x-content-type-options"] == "nosniff"
    etag = drawn.headers["etag"]
    assert not etag.startswith("W/")
    assert etag != (await client.get(link["url"])).headers["etag"]
    cached = await client.get(link["png_url"], headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b""
    revoked = await client.delete(
        f"/api/v1/chart-links/{link['id']}", headers=bearer(measured.tenant.editor)
    )
    assert revoked.status_code == 204
    gone = await client.get(link["png_url"])
    assert gone.status_code == 404
    unknown = await client.get("/embed/charts/" + "A" * 43 + ".png")
    assert gone.json()["detail"] == unknown.json()["detail"]


async def test_a_chart_link_lives_at_most_a_year_and_takes_one_expiry(
    client: AsyncClient, session: AsyncSession
) -> None:
    measured = await _measured(client, session)
    too_far = (utcnow() + timedelta(days=400)).isoformat()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"expires_at": too_far}, "body.expires_at"),
        ({"expires_in": 400 * 24 * 3600}, "body.expires_in"),
        ({"expires_at": "2020-01-01T00:00:00Z"}, "body.expires_at"),
        ({"expires_in": 60, "expires_at": too_far}, "body"),
        ({"width": 10}, "body.width"),
        ({"expires_in": 60, "secret": "x"}, "body.secret"),
    ]
    for body, field in cases:
        refused = await _link(client, measured, **body)
        assert refused.status_code == 422, body
        assert refused.json()["errors"][0]["field"] == field, refused.json()
    default = await _link(client, measured, chart="run")
    expires = default.json()["expires_at"]
    assert expires.startswith((utcnow() + timedelta(days=90)).date().isoformat())


async def test_a_revoked_expired_or_orphaned_link_answers_one_404(
    client: AsyncClient, session: AsyncSession
) -> None:
    measured = await _measured(client, session)
    tenant = measured.tenant
    viewer = await make_token(session, tenant.organisation, name="portal")
    links = [(await _link(client, measured, viewer)).json() for _ in range(3)]
    unknown = await client.get("/embed/charts/" + "A" * 43 + ".svg")
    assert unknown.status_code == 404
    # Revoked by its creator.
    revoked = await client.delete(f"/api/v1/chart-links/{links[0]['id']}", headers=bearer(viewer))
    assert revoked.status_code == 204
    # Expired.
    await session.execute(
        update(ChartLink)
        .where(col(ChartLink.id) == uuid.UUID(links[1]["id"]))
        .values(expires_at=utcnow())
    )
    await session.commit()
    for link in links[:2]:
        for url in (link["url"], link["png_url"]):
            gone = await client.get(url)
            assert gone.status_code == 404
            assert gone.json()["detail"] == unknown.json()["detail"]
            assert gone.headers["content-type"] == unknown.headers["content-type"]
    assert (await client.get(links[2]["url"])).status_code == 200
    # The creator's token revoked: its links stop.
    await session.execute(
        update(AccessToken)
        .where(
            col(AccessToken.organisation_id) == tenant.organisation.id,
            col(AccessToken.name) == "portal",
        )
        .values(revoked_at=utcnow())
    )
    await session.commit()
    stopped = await client.get(links[2]["url"])
    assert stopped.status_code == 404
    assert stopped.json()["detail"] == unknown.json()["detail"]


async def test_chart_links_are_listed_for_their_creator_and_revoked_by_creator_or_admin(
    client: AsyncClient, session: AsyncSession
) -> None:
    measured = await _measured(client, session)
    tenant = measured.tenant
    mine = (await _link(client, measured, tenant.editor)).json()
    theirs = (await _link(client, measured, tenant.viewer)).json()
    listed = await client.get("/api/v1/chart-links", headers=bearer(tenant.editor))
    assert [item["id"] for item in listed.json()["items"]] == [mine["id"]]
    assert "url" not in listed.json()["items"][0]
    other = await client.delete(
        f"/api/v1/chart-links/{theirs['id']}", headers=bearer(tenant.editor)
    )
    assert other.status_code == 404
    by_admin = await client.delete(f"/api/v1/chart-links/{theirs['id']}", headers=tenant.headers)
    assert by_admin.status_code == 204
    assert (await client.get(theirs["url"])).status_code == 404
    assert (await client.get(mine["url"])).status_code == 200


async def test_chart_links_of_another_organisation_or_subtree_answer_identical_404s(
    client: AsyncClient, session: AsyncSession
) -> None:
    measured = await _measured(client, session)
    tenant: Tenant = measured.tenant
    link = (await _link(client, measured)).json()
    stranger = await make_token(session, await make_organisation(session, "Annanstad kommun"))
    missing = "/api/v1/measures/00000000-0000-4000-8000-000000000000/chart-links"
    body = {**OPTIONS, "expires_in": 3600}
    nowhere = await client.post(missing, json=body, headers=bearer(stranger))
    assert nowhere.status_code == 404
    for token in (stranger, tenant.south_admin):
        made = await _link(client, measured, token)
        assert made.status_code == 404
        assert made.json()["title"] == nowhere.json()["title"]
        revoke = await client.delete(f"/api/v1/chart-links/{link['id']}", headers=bearer(token))
        assert revoke.status_code == 404
        listed = await client.get("/api/v1/chart-links", headers=bearer(token))
        assert listed.json()["items"] == []
    assert (await client.get(link["url"])).status_code == 200


@pytest.mark.browser
@pytest.mark.parametrize("kind", ["url", "png_url"])
async def test_a_plain_html_page_shows_a_chart_link_in_an_img(
    client: AsyncClient, session: AsyncSession, browser_page: BrowserPage, kind: str
) -> None:
    measured = await _measured(client, session)
    url = (await _link(client, measured)).json()[kind]
    portal, service = "http://skolportal.test", "http://pdca.test"
    page = f'<!doctype html><title>Norrskolan</title><img id="chart" src="{service}{url}">'

    async def serve(route: Route) -> None:
        requested = route.request.url
        if requested.startswith(portal):
            await route.fulfill(status=200, content_type="text/html", body=page)
            return
        assert "authorization" not in route.request.headers
        answer = await client.get(requested.removeprefix(service))
        headers = {k: v for k, v in answer.headers.items() if k != "content-length"}
        await route.fulfill(status=answer.status_code, headers=headers, body=answer.content)

    await browser_page.page.route("http://*.test/**", serve)
    await browser_page.page.goto(f"{portal}/")
    await browser_page.page.wait_for_function("document.getElementById('chart').complete")
    size = await browser_page.page.evaluate(
        "[document.getElementById('chart').naturalWidth, document.getElementById('chart').naturalHeight]"
    )
    assert size == [640, 320]
    await browser_page.screenshot(f"embedded-{kind}", "#chart")
    assert browser_page.console_errors == []
