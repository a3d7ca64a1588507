"""Helpers for tests that drive a real IPython shell or the emulator's control plane over HTTP.

The fixtures these tests use (``clean_env``, ``session``, ``ip``) live in ``tests/toolkit/conftest.py``;
the suite-wide ``emu`` fixture (one API for every test) lives in ``tests/conftest.py``.
"""

from __future__ import annotations

import json
import urllib.request

KEY_VARS = (
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "GOOGLE_GEMINI_BASE_URL",
    "GEMINI_NB_BACKEND",
    "GEMINI_NB_EMULATOR_SEED",
)


def control(base_url: str, path: str, body=None, method: str | None = None):
    """Call the emulator's control plane (plain HTTP JSON)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        base_url + "/_emulator/" + path,
        data=data,
        method=method or ("POST" if body is not None else "GET"),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        raw = resp.read()
        return json.loads(raw) if raw else None


def run_cell(shell, source: str, store_history: bool = False):
    """Run a cell; returns (result object, captured stdout, captured stderr)."""
    from IPython.utils.capture import capture_output

    with capture_output() as cap:
        result = shell.run_cell(source, store_history=store_history)
    return result, cap.stdout, cap.stderr
