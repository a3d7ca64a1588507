"""The Python API: ask(), Session/Chat, lazy package import, extension load/unload."""

from __future__ import annotations

import subprocess
import sys

import pytest

import gemini_nb
from gemini_nb.api import Session
from gemini_nb.errors import GeminiError


def test_package_import_is_cheap():
    code = (
        "import sys, gemini_nb; heavy = [m for m in ('google.genai', 'pandas', 'matplotlib', 'ipywidgets', "
        "'IPython') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    code = (
        "import sys, IPython, gemini_nb.magics; print([m for m in ('google.genai', 'pandas', 'matplotlib', "
        "'ipywidgets') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_lazy_attributes():
    assert gemini_nb.Session is Session and gemini_nb.Chat is Session
    assert gemini_nb.InteractionResult.__name__ == "InteractionResult"
    with pytest.raises(AttributeError):
        gemini_nb.nope


def test_session_chain(session):
    a = session.ask("My name is Phil", stream=False)
    b = session.ask("What is my name?")
    assert "Phil" in b.text and b.previous_interaction_id == a.id
    assert session.chain.head().id == b.id and session.last is b
    c = session.ask("What is my name?", from_=a.id, system_instruction="Be terse.")
    assert c.previous_interaction_id == a.id
    with pytest.raises(TypeError):
        session.ask("x", colour="red")


def test_session_errors_are_gemini_errors(session):
    with pytest.raises(GeminiError) as info:
        session.ask("hello", model="not-a-model", stream=False)
    assert info.value.kind == "model" and "\n" not in str(info.value)


def test_ask_is_one_off_and_uses_default_backend(clean_env, emu, monkeypatch):
    monkeypatch.setenv("GEMINI_NB_BACKEND", emu.base_url)
    r1 = gemini_nb.ask("My name is Phil", stream=False)
    r2 = gemini_nb.ask("What is my name?")
    assert r2.previous_interaction_id is None and r1.emulated
    assert gemini_nb.default_session().chain.head() is None  # the magics' chain is untouched


def test_backend_order(clean_env, emu, monkeypatch):
    from gemini_nb import backend

    monkeypatch.setenv("GEMINI_API_KEY", "AIzaSyFakeKeyOrderTest_0123456789abcdef")
    chosen = backend.resolve()
    assert chosen.kind == "live" and chosen.source == "GEMINI_API_KEY" and not chosen.emulated
    assert "AIza" not in repr(chosen)
    monkeypatch.setenv("GEMINI_NB_BACKEND", emu.base_url)
    chosen = backend.resolve()
    assert chosen.kind == "url" and chosen.emulated and chosen.source == "GEMINI_NB_BACKEND"
    assert backend.resolve("emulator").kind == "emulator"
    monkeypatch.delenv("GEMINI_NB_BACKEND")
    monkeypatch.delenv("GEMINI_API_KEY")
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", emu.base_url)
    assert backend.resolve().source == "GOOGLE_GEMINI_BASE_URL"
    monkeypatch.delenv("GOOGLE_GEMINI_BASE_URL")
    chosen = backend.resolve()
    assert chosen.kind == "emulator" and chosen.emulated and chosen.source.startswith("default")


def test_typed_key_goes_live(ip, monkeypatch):
    import getpass

    monkeypatch.delenv("GEMINI_NB_BACKEND")
    monkeypatch.setattr(getpass, "getpass", lambda prompt: "AIzaSyFakeTypedKey_0123456789abcdefghij")
    from shell_helpers import run_cell

    _, out, err = run_cell(ip, "%gemini key")
    assert "Key set" in out and "AIza" not in out + err
    _, out, _ = run_cell(ip, "%gemini backend")
    assert "live backend" in out and "%gemini key" in out and "AIza" not in out


def test_unload_extension(ipython_shell):
    gemini_nb.unload_ipython_extension(ipython_shell)
    assert "gemini" not in ipython_shell.magics_manager.magics["cell"]
    gemini_nb.load_ipython_extension(ipython_shell)
    assert "gemini" in ipython_shell.magics_manager.magics["cell"]


def test_colab_userdata_key_goes_live(clean_env, monkeypatch):
    """In Colab the key lives in userdata (the notebook's Secrets panel), not the environment."""
    import sys
    import types

    from gemini_nb import backend

    colab = types.ModuleType("google.colab")
    userdata = types.ModuleType("google.colab.userdata")
    secrets = {"GOOGLE_API_KEY": "AIzaSyFakeColabKey_0123456789abcdefghij"}

    def get(name):
        if name not in secrets:
            raise KeyError(name)  # Colab raises SecretNotFoundError for missing names
        return secrets[name]

    userdata.get = get
    colab.userdata = userdata
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab.userdata", userdata)
    assert backend.find_key() == (secrets["GOOGLE_API_KEY"], "Colab userdata")
    chosen = backend.resolve()
    assert chosen.kind == "live" and chosen.source == "Colab userdata" and "AIza" not in repr(chosen)
    secrets.clear()
    assert backend.find_key() == (None, None)
    assert backend.resolve().kind == "emulator"


def test_failed_backend_switch_keeps_the_working_backend(ip, emu):
    from shell_helpers import run_cell

    run_cell(ip, f"%gemini backend {emu.base_url}")
    _, _, err = run_cell(ip, "%gemini backend bogus")
    assert "unknown backend 'bogus'" in err
    result, _, err = run_cell(ip, "%%gemini --no-stream\nhello")
    assert result.success, err  # not stuck on the bad choice


def test_key_with_base_url_at_the_emulator_is_badged_emulated(ip, emu, monkeypatch):
    from shell_helpers import run_cell

    monkeypatch.delenv("GEMINI_NB_BACKEND")
    monkeypatch.setenv("GEMINI_API_KEY", "AIzaSyFakeKeyBadgeTest_0123456789abcdef")
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", emu.base_url)
    result, _, err = run_cell(ip, "%%gemini --no-stream\nhello")
    assert result.success, err
    assert result.result.emulated and "[emulated]" in repr(result.result)
    from gemini_nb import api

    assert api.default_session().backend().kind == "live"


def test_ask_follows_config_before_any_magic_ran(ip, emu):
    from gemini_nb import api

    ip.run_line_magic("config", "GeminiMagics.model = 'gemini-3-pro-preview'")
    try:
        result = gemini_nb.ask("hello", stream=False)
    finally:
        ip.run_line_magic("config", "GeminiMagics.model = 'gemini-3-flash-preview'")
    assert result.model == "gemini-3-pro-preview"
    assert api.default_session().settings.model == "gemini-3-pro-preview"


def test_typed_key_message_tells_the_truth_when_another_backend_wins(ip, monkeypatch):
    import getpass

    from shell_helpers import run_cell

    # GEMINI_NB_BACKEND (set by the fixture to the emulator URL) outranks a typed key
    monkeypatch.setattr(getpass, "getpass", lambda prompt: "AIzaSyFakeTypedKey_0123456789abcdefghij")
    _, out, err = run_cell(ip, "%gemini key")
    assert "Key set" in out and "the live backend will be used" not in out and "%gemini backend live" in out
    assert "AIza" not in out + err


def test_key_prompt_in_a_frontend_without_input_is_one_line(ip, monkeypatch):
    import getpass

    from IPython.core.error import StdinNotImplementedError
    from shell_helpers import run_cell

    def no_stdin(prompt):
        raise StdinNotImplementedError(
            "getpass was called, but this frontend does not support input requests."
        )

    monkeypatch.setattr(getpass, "getpass", no_stdin)
    _, _, err = run_cell(ip, "%gemini key")
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1 and "cannot prompt for a key" in lines[0] and "GEMINI_API_KEY" in lines[0]


def test_one_place_chooses_the_live_view(ip, emu, session, monkeypatch):
    from shell_helpers import run_cell

    from gemini_nb import api
    from gemini_nb.render.live import LiveDisplay, TerminalLive

    opts = session.options(stream=True)
    assert api.live_for(session, opts) is None  # a script: no preview
    monkeypatch.setattr(api, "in_terminal", lambda: True)
    assert api.live_for(session, opts) is None  # Session.ask does not echo to a terminal
    assert isinstance(api.live_for(session, opts, echo=True), TerminalLive)
    assert api.live_for(session, session.options(stream=True, raw=True), echo=True) is None
    monkeypatch.setattr(api, "in_kernel", lambda: True)
    assert isinstance(api.live_for(session, opts), LiveDisplay)
    assert api.live_for(session, session.options(stream=False)) is None
    assert api.live_for(session, session.options(stream=True, quiet=True)) is None

    callers = []
    monkeypatch.setattr(api, "live_for", lambda s, o, echo=False: callers.append(echo))
    session.ask("hello", stream=False)
    result, _, err = run_cell(ip, "%%gemini --no-stream\nhello")
    assert result.success, err
    assert callers == [False, True]  # Session.ask and the magics both ask live_for


def test_a_new_session_starts_from_the_kernels_config(ip, emu):
    """``%config GeminiMagics.model = ...`` governs ``gemini_nb.Session()`` too, not only cells."""
    from gemini_nb.api import Session

    magics = ip.magics_manager.registry["GeminiMagics"]
    saved = magics.model
    magics.model = "gemini-2.5-flash"
    try:
        assert Session().settings.model == "gemini-2.5-flash"
        assert Session(model="gemini-3-flash-preview").settings.model == "gemini-3-flash-preview"
    finally:
        magics.model = saved
