"""Notebook tests: tutorials under nbval, users' notebooks, binder, and the browser tier (a real
JupyterLab in Debian Chromium driven by Playwright; see ``lab_harness``). Every test here is
marked ``slow`` by ``tests/conftest.py``; browser tests are ``browser`` too.
"""
from __future__ import annotations

import os

import pytest
from lab_harness import browser_available


@pytest.fixture(scope="session")
def browser_ready() -> None:
    """Chromium and Playwright are there, or the test is skipped (never in CI: .ci/run installs them)."""
    reason = browser_available()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)
