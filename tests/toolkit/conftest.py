"""Toolkit tests: a real IPython shell with the extension loaded, a clean environment, a Session.

They reach the emulator only over HTTP, as a user's notebook would; the emulator is the suite-wide
``emulator`` fixture from ``tests/conftest.py``.
"""

from __future__ import annotations

import pytest
from shell_helpers import KEY_VARS


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
    saved = {
        name: getattr(magics, name)
        for name in (
            "model",
            "stream",
            "retry_attempts",
            "timeout",
            "history",
            "show_thoughts",
            "interpolate",
        )
    }
    magics.retry_attempts = 1
    magics.timeout = 20
    for name in [n for n in list(ipython_shell.user_ns) if not n.startswith("_")]:
        if name not in ipython_shell.user_ns_hidden:
            ipython_shell.user_ns.pop(name, None)
    yield ipython_shell
    for name, value in saved.items():
        setattr(magics, name, value)


@pytest.fixture
def kernel_displays(monkeypatch) -> list[tuple[str, dict]]:
    """Pretend to run in a kernel and record the live view's messages as ``(kind, data)``."""
    from display_sink import RecordingSink

    from gemini_nb import api
    from gemini_nb.render import live

    sink = RecordingSink()
    monkeypatch.setattr(api, "in_kernel", lambda: True)
    monkeypatch.setattr(live, "IPythonSink", lambda: sink)
    return sink.messages
