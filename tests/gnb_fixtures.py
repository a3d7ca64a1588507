"""Shared fixtures for the magics/engine tests: one emulator, a real IPython shell, clean env.

Imported by the test modules (``from gnb_fixtures import *``) rather than living in a
conftest, so these tests do not impose fixtures on the rest of the suite. They reach the
emulator only over HTTP (the control plane), as a user's notebook would; the emulator itself
is the suite-wide ``emulator`` fixture from conftest.py.
"""
from __future__ import annotations

import json
import urllib.request

import pytest

KEY_VARS = ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GEMINI_NB_BACKEND",
            "GEMINI_NB_EMULATOR_SEED")


def control(base_url: str, path: str, body=None, method: str | None = None):
    """Call the emulator's control plane (plain HTTP JSON)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base_url + "/_emulator/" + path, data=data,
                                 method=method or ("POST" if body is not None else "GET"),
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        raw = resp.read()
        return json.loads(raw) if raw else None


@pytest.fixture
def emu(emulator):
    """The shared emulator, reset, with no faults; ``emu.fault(...)`` adds a rule."""
    control(emulator.base_url, "reset", {})
    control(emulator.base_url, "faults", method="DELETE")

    class Emu:
        base_url = emulator.base_url

        @staticmethod
        def fault(**rule):
            rule.setdefault("method", "POST")
            rule.setdefault("path", "interactions")
            return control(emulator.base_url, "faults", rule)

        @staticmethod
        def requests():
            data = control(emulator.base_url, "requests")
            return data["requests"] if isinstance(data, dict) else data

    yield Emu
    control(emulator.base_url, "faults", method="DELETE")


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No API keys in the environment; history in tmp_path; a fresh kernel-wide session."""
    from gemini_nb import api, backend

    for name in KEY_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GEMINI_NB_HISTORY", str(tmp_path / "history.sqlite3"))
    monkeypatch.setattr(api, "_default", None)
    monkeypatch.setattr(api, "_one_off", None)
    monkeypatch.setattr(backend, "_typed_key", None)
    return tmp_path


@pytest.fixture
def session(clean_env, emu):
    """A Session on the emulator, no retries (fast failures), no streaming preview."""
    from gemini_nb.api import Session

    s = Session(backend=emu.base_url, retry_attempts=1, timeout=20)
    return s


@pytest.fixture(scope="session")
def ipython_shell():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "gemini_nb")
    return shell


@pytest.fixture
def ip(ipython_shell, clean_env, emu, monkeypatch):
    """A real IPython shell with the extension loaded, pointed at the emulator."""
    monkeypatch.setenv("GEMINI_NB_BACKEND", emu.base_url)
    magics = ipython_shell.magics_manager.registry["GeminiMagics"]
    saved = {name: getattr(magics, name) for name in ("model", "stream", "retry_attempts", "timeout",
                                                      "history", "show_thoughts", "interpolate")}
    magics.retry_attempts = 1
    magics.timeout = 20
    for name in [n for n in list(ipython_shell.user_ns) if not n.startswith("_")]:
        if name not in ipython_shell.user_ns_hidden:
            ipython_shell.user_ns.pop(name, None)
    yield ipython_shell
    for name, value in saved.items():
        setattr(magics, name, value)


def run_cell(shell, source: str, store_history: bool = False):
    """Run a cell; returns (result object, captured stdout, captured stderr)."""
    from IPython.utils.capture import capture_output

    with capture_output() as cap:
        result = shell.run_cell(source, store_history=store_history)
    return result, cap.stdout, cap.stderr
