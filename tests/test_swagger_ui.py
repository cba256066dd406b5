"""Swagger UI as an admin meets it: authorize, then two different POSTs in a row with the
prefilled forms, in headless Chromium against the real app and the demo data."""

from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Route
from sqlalchemy.ext.asyncio import AsyncSession

from app.cli.demo import DEMO_ADMIN_TOKEN, load_demo
from tests.browser import BrowserPage

pytestmark = pytest.mark.browser

ORIGIN = "http://pdca.test"


async def _serve(
    browser_page: BrowserPage, client: httpx.AsyncClient, sent: list[dict[str, str]]
) -> None:
    """Every request the page makes to ORIGIN is answered by the app itself (no server)."""

    async def forward(route: Route) -> None:
        request = route.request
        headers = await request.all_headers()
        if request.method == "POST":
            sent.append(headers)
        response = await client.request(
            request.method,
            urlsplit(request.url)._replace(scheme="", netloc="").geturl(),
            headers={k: v for k, v in headers.items() if k not in ("host", "content-length")},
            content=request.post_data_buffer,
        )
        await route.fulfill(
            status=response.status_code,
            headers={
                k: v
                for k, v in response.headers.items()
                if k not in ("content-length", "content-encoding")
            },
            body=response.content,
        )

    await browser_page.page.route(f"{ORIGIN}/**", forward)


async def _execute_prefilled(browser_page: BrowserPage, operation: str) -> str:
    """Open an operation, press Try it out and Execute without typing; the status shown."""
    page = browser_page.page
    block = page.locator(f"#{operation}")
    await block.locator(".opblock-summary").first.click()
    await block.locator("button.try-out__btn").click()
    await block.locator("button.execute").click()
    status = block.locator(".live-responses-table .response .response-col_status").first
    await status.wait_for(timeout=15_000)
    return (await status.inner_text()).strip()


async def test_two_different_posts_in_a_row_with_the_prefilled_forms_succeed(
    app: FastAPI, session: AsyncSession, browser_page: BrowserPage
) -> None:
    await load_demo(session)
    sent: list[dict[str, str]] = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN) as client:
        await _serve(browser_page, client, sent)
        page = browser_page.page
        await page.goto(f"{ORIGIN}/docs")
        await page.locator("button.authorize").first.click()
        await page.locator(".modal-ux input").first.fill(DEMO_ADMIN_TOKEN)
        await page.locator(".modal-ux button.authorize").click()
        await page.locator(".modal-ux button.btn-done").click()

        unit = await _execute_prefilled(browser_page, "operations-org-units-create_org_unit")
        team = await _execute_prefilled(browser_page, "operations-teams-create_team")
        await browser_page.screenshot("second-post")
    assert unit.startswith("201"), unit
    assert team.startswith("201"), team
    assert len(sent) == 2
    assert all("idempotency-key" not in headers for headers in sent)
    assert all(headers["authorization"] == f"Bearer {DEMO_ADMIN_TOKEN}" for headers in sent)
    assert not browser_page.console_errors
