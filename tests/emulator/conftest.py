"""Emulator tests: the real SDK over HTTP against the in-process emulator (``emu``, ``client``
from ``tests/conftest.py``), and older SDK
generations in their own virtualenvs (``legacy_py``: google-genai 1.55, the outputs schema).
"""

from __future__ import annotations

import os

import pytest
from clients import legacy_python


@pytest.fixture(scope="session")
def legacy_py():
    py = legacy_python()
    if py is None:
        if os.environ.get("CI"):
            pytest.fail("CI must provide GEMINI_NB_LEGACY_PYTHON (google-genai 1.55 venv)")
        pytest.skip("no google-genai 1.55 virtualenv: set GEMINI_NB_LEGACY_PYTHON")
    return py
