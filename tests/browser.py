"""Debian's Chromium, driven by Playwright (never ``playwright install``, which downloads)."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """A headless Chromium; the tests fail (not skip) when it is not installed."""
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is needed: scripts/system-packages installs it")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()


def artifact(name: str) -> Path:
    """Where a test saves a screenshot or a log for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
