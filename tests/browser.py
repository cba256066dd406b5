"""Headless Chromium for tests that look at what a browser makes of our charts and pages.

A pytest plugin (registered in ``tests/conftest.py``). Tests marked ``@pytest.mark.browser`` get
the ``browser_page`` fixture: a fresh page in Debian's ``chromium`` (not a browser Playwright
downloads), the console errors it reports, and a place for screenshots kept as test artefacts.

- The browser is ``PDCA_TEST_CHROMIUM`` when set, else ``chromium`` on the PATH. Without one the
  tests are skipped with the reason (``-ra`` prints it), so ``make test`` passes on a bare
  machine; ``.ci/run`` installs it, so CI runs them.
- Artefacts go to ``test-artifacts/`` in the repository, or to ``PDCA_TEST_ARTIFACTS``.
- Playwright's async API is used: the tests run in pytest-asyncio's event loop, where the sync API
  refuses to start.
"""

import os
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright

NOT_FOUND = (
    "Chromium not found: install Debian's chromium (apt-get install chromium) or set "
    "PDCA_TEST_CHROMIUM; .ci/run does this"
)


def find_chromium() -> tuple[str | None, str]:
    """The browser to launch, or None and the reason why there is none."""
    configured = os.environ.get("PDCA_TEST_CHROMIUM")
    if configured:
        if os.path.isfile(configured) and os.access(configured, os.X_OK):
            return configured, ""
        return None, f"{NOT_FOUND} (PDCA_TEST_CHROMIUM={configured} is not an executable file)"
    found = shutil.which("chromium")
    return (found, "") if found else (None, NOT_FOUND)


def artifacts_dir(config: pytest.Config) -> Path:
    configured = os.environ.get("PDCA_TEST_ARTIFACTS")
    return Path(configured) if configured else config.rootpath / "test-artifacts"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    marked = [item for item in items if item.get_closest_marker("browser")]
    if not marked:
        return
    executable, reason = find_chromium()
    if executable is None:
        for item in marked:
            item.add_marker(pytest.mark.skip(reason=reason))


@dataclass
class BrowserPage:
    """A page in headless Chromium, with what its console reported."""

    page: Page
    artifacts: Path
    test_name: str
    console_errors: list[str] = field(default_factory=list)

    async def screenshot(self, name: str, selector: str | None = None) -> Path:
        """A PNG of the page (or of one element) in the artefacts folder, named after the test."""
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{self.test_name}-{name}").strip("-")
        path = self.artifacts / f"{stem}.png"
        self.artifacts.mkdir(parents=True, exist_ok=True)
        if selector is None:
            await self.page.screenshot(path=path, full_page=True)
        else:
            await self.page.locator(selector).screenshot(path=path)
        return path


@pytest.fixture
async def browser_page(request: pytest.FixtureRequest) -> AsyncIterator[BrowserPage]:
    executable, reason = find_chromium()
    if executable is None:
        pytest.skip(reason)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            page = await browser.new_page(viewport={"width": 1000, "height": 700})
            opened = BrowserPage(page, artifacts_dir(request.config), request.node.name)
            page.on(
                "console",
                lambda message: (
                    opened.console_errors.append(message.text) if message.type == "error" else None
                ),
            )
            page.on("pageerror", lambda error: opened.console_errors.append(str(error)))
            yield opened
        finally:
            await browser.close()
