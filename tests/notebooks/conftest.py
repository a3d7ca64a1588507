"""Notebook tests: tutorials under nbval, users' notebooks, binder, and the browser tier (a real
JupyterLab in Debian Chromium driven by Playwright; see ``lab_harness``). Every test here is
marked ``slow`` by ``tests/conftest.py``; browser tests are ``browser`` too.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from lab_harness import browser_available, chromium_page


@pytest.fixture(scope="session")
def browser_ready() -> None:
    """Chromium and Playwright are there, or the test is skipped (never in CI: .ci/run installs them)."""
    reason = browser_available()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory) -> Path:
    """Where the browser tests save their screenshots: ``GEMINI_NB_ARTIFACTS`` or a temporary folder
    (its path is printed)."""
    where = os.environ.get("GEMINI_NB_ARTIFACTS")
    path = Path(where) if where else tmp_path_factory.mktemp("browser-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {path}")
    return path


@pytest.fixture(scope="module")
def browser(browser_ready):
    """One Chromium for the module (Playwright's sync API allows one driver at a time); a test
    opens its own pages with ``browser.new_page()``."""
    with chromium_page() as page:
        yield page.context.browser
