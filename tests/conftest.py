"""Suite-wide fixtures and markers.

* One in-process emulator for the whole run (``emulator``), handed to each test reset and with
  default settings as ``emu``; real SDK clients pointed at it (``client``); a standalone
  ``gemini-nb emulator`` process (``emulator_url``); the google-genai 1.55 interpreter
  (``legacy_py``).
* Markers are applied here, so nobody has to remember them: ``legacy`` (needs the 1.55
  virtualenv), ``browser`` (a real JupyterLab in headless Chromium) and ``slow`` (separate
  processes, kernels, notebooks, browsers). ``pytest -m "not slow"`` is the fast inner loop.
* Tests never see a developer's real key, so nothing can go live by accident.

Areas have their own conftest: ``toolkit/`` (an IPython shell, a Session), ``emulator/``,
``brain/``, ``notebooks/``. Helpers shared across areas are plain modules in this folder
(``clients``, ``emu_process``, ``wire_helpers``, ``shell_helpers``, ``lab_harness``, ...).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # the helper modules above, for tests in every area folder
    sys.path.insert(0, str(HERE))

from clients import make_client  # noqa: E402
from hypothesis import settings  # noqa: E402

# Property tests explore new examples on every developer run; in CI they use fixed seeds, so a
# red build is reproducible (a counterexample found locally becomes a fixed example test).
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

SLOW_FIXTURES = {"emulator_url", "legacy_py", "lab_page", "ipykernel_notebook"}
"""Fixtures that start another process (an emulator, an old SDK, a kernel, a browser)."""
SLOW_AREAS = ("notebooks",)
"""Area folders whose every test executes notebooks or drives a browser."""


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        area = Path(str(item.fspath)).resolve().relative_to(HERE).parts[0]
        if "legacy_py" in names:
            item.add_marker(pytest.mark.legacy)
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)
        if names & SLOW_FIXTURES or area in SLOW_AREAS or item.get_closest_marker("legacy"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _no_real_keys(monkeypatch):
    for var in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GEMINI_NB_BACKEND", "GOOGLE_GEMINI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def emulator():
    from gemini_nb.emulator import start

    handle = start(background_ms=150)
    yield handle
    handle.stop()


class EmulatorFixture:
    """The suite's emulator as one test sees it: the in-process handle's whole API
    (``base_url``, ``add_fault``, ``configure``, ``requests``, ``reset``, ``emulator``...), plus
    ``fault(**rule)``, which defaults to POSTs of ``interactions`` (what toolkit tests break)."""

    def __init__(self, handle: Any):
        self._handle = handle

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)

    def fault(self, **rule: Any) -> dict[str, Any]:
        rule.setdefault("method", "POST")
        rule.setdefault("path", "interactions")
        return self._handle.add_fault(**rule)


@pytest.fixture
def emu(emulator):
    """The session emulator, reset to a clean state and default settings for this test."""
    emulator.reset()
    emulator.clear_faults()
    emulator.configure(latency_ms=0.0, tokens_per_second=None, background_ms=150, queue_ms=0.0, schema="auto")
    yield EmulatorFixture(emulator)
    emulator.clear_faults()
    emulator.reset()


@pytest.fixture
def client(emu):
    return make_client(emu.base_url)


@pytest.fixture(scope="session")
def emulator_url():
    """A ``gemini-nb emulator`` subprocess (for SDKs that cannot run in this process)."""
    from emu_process import emulator_process

    with emulator_process("--background-ms", "150") as (_, url):
        yield url
