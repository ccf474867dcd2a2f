"""Shared browser fixtures: Debian's Chromium driven by Playwright (no downloaded browser builds)."""

import os
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser_page():
    """A fresh headless Chromium page (1280×900); skipped with a reason when Chromium is not installed."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not found at {CHROMIUM} (run `make browser` or set CHROMIUM_PATH)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        yield page
        browser.close()


def wait_js(page, js: str, timeout: float = 30.0) -> None:
    """Poll a JS expression from Python. page.evaluate is not subject to the page's Content-Security-Policy,
    whereas wait_for_function's string predicates are eval'd in the page and blocked by script-src 'self'."""
    import time

    from playwright.sync_api import Error as PlaywrightError

    end = time.monotonic() + timeout
    while True:
        try:
            if page.evaluate(js):
                return
        except PlaywrightError as exc:  # a navigation (e.g. Back reloading the page) replaced the document
            if "context was destroyed" not in str(exc) and "navigat" not in str(exc).lower():
                raise
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for: {js}")
        time.sleep(0.1)
