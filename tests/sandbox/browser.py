"""Headless Chromium for the web chat tests: finding the browser, starting it, and waiting on the page.

Selenium is synchronous, so tests call these from a worker thread (``asyncio.to_thread``) while the
sandbox and the bot keep running in the event loop.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

T = TypeVar("T")

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _find(name: str, fallback: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    return fallback if Path(fallback).exists() else None


def require_browser() -> tuple[str, str]:
    """Paths of chromium and chromedriver; skips the test without them (fails it on CI, which installs them)."""
    chromium = _find("chromium", "/usr/bin/chromium")
    driver = _find("chromedriver", "/usr/bin/chromedriver")
    if chromium and driver:
        return chromium, driver
    missing = " and ".join(n for n, p in (("chromium", chromium), ("chromedriver", driver)) if not p)
    reason = f"{missing} not found (apt-get install chromium chromium-driver)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"the web chat browser test cannot run on CI: {reason}", pytrace=False)
    pytest.skip(reason)


def start_chromium(
    chromium: str, chromedriver: str, profile: Path, *, width: int = 1280, height: int = 900
) -> WebDriver:
    """A headless Chromium with a fresh profile, keeping the page's console log."""
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    driver.set_page_load_timeout(15)
    return driver


def by_testid(testid: str, within: str = "") -> tuple[str, str]:
    """A CSS locator for ``data-testid`` (``within`` adds a further selector after it)."""
    return By.CSS_SELECTOR, f'[data-testid="{testid}"]{within}'


def wait_until(driver: WebDriver, what: str, condition: Callable[[WebDriver], T | None], timeout: float = 10.0) -> T:
    """Wait for ``condition`` to give something truthy; on timeout fail with the page's state."""

    def check(d: WebDriver) -> T | None:
        try:
            return condition(d)
        except StaleElementReferenceException:
            return None

    try:
        result = WebDriverWait(driver, timeout, poll_frequency=0.1).until(check)
    except TimeoutException:
        raise AssertionError(f"timed out after {timeout:g} s waiting for {what}.\n{page_report(driver)}") from None
    assert result is not None
    return result


def visible(driver: WebDriver, testid: str, within: str = "") -> WebElement | None:
    """The first displayed element with that test id, if any."""
    for element in driver.find_elements(*by_testid(testid, within)):
        if element.is_displayed():
            return element
    return None


def page_report(driver: WebDriver) -> str:
    """What the page shows and logged, for failure messages."""
    try:
        body = driver.find_element(By.TAG_NAME, "body").text
    except Exception as exc:  # the report must not fail on a broken page
        body = f"(no body: {exc})"
    logs: list[Any]
    try:
        logs = driver.get_log("browser") if isinstance(driver, webdriver.Chrome) else []  # type: ignore[no-untyped-call]
    except Exception:
        logs = []
    console = "\n".join(f"  {entry.get('level')}: {entry.get('message')}" for entry in logs) or "  (empty)"
    return f"Page text:\n{body}\nConsole:\n{console}"
