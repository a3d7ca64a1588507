"""Shared fixtures: a real in-process emulator and real SDK clients pointed at it."""
from __future__ import annotations

import os
import shutil

import pytest


@pytest.fixture(autouse=True)
def _no_real_keys(monkeypatch):
    """Tests never see a developer's real key, so nothing can go live by accident."""
    for var in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GEMINI_NB_BACKEND", "GOOGLE_GEMINI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def emulator():
    from gemini_nb.emulator import start

    handle = start(background_ms=150)
    yield handle
    handle.stop()


@pytest.fixture
def emu(emulator):
    """The session emulator, reset to a clean state for this test."""
    emulator.reset()
    emulator.configure(latency_ms=0.0, tokens_per_second=None, background_ms=150, queue_ms=0.0,
                       schema="auto")
    yield emulator
    emulator.reset()


def make_client(base_url: str, **http_options):
    from google import genai

    options = {"base_url": base_url, "retry_options": {"attempts": 1}}
    options.update(http_options)
    return genai.Client(api_key="test-key", http_options=options)


@pytest.fixture
def client(emu):
    return make_client(emu.base_url)


def legacy_python() -> str | None:
    """Python of a virtualenv with google-genai 1.55 (legacy outputs schema), if any."""
    candidate = os.environ.get("GEMINI_NB_LEGACY_PYTHON")
    return candidate if candidate and shutil.which(candidate) else None


@pytest.fixture(scope="session")
def legacy_py():
    py = legacy_python()
    if py is None:
        if os.environ.get("CI"):
            pytest.fail("CI must provide GEMINI_NB_LEGACY_PYTHON (google-genai 1.55 venv)")
        pytest.skip("no google-genai 1.55 virtualenv: set GEMINI_NB_LEGACY_PYTHON")
    return py


@pytest.fixture(scope="session")
def emulator_url():
    """A ``gemini-nb emulator`` subprocess (for SDKs that cannot run in this process)."""
    from emu_process import emulator_process

    with emulator_process("--background-ms", "150") as (_, url):
        yield url
