"""Local SQLite history: named migrations, every turn logged, partial turns survive, no keys."""
from __future__ import annotations

import json
import sqlite3

from gnb_fixtures import *  # noqa: F401,F403
from gnb_fixtures import run_cell

from gemini_nb.history import MIGRATIONS, History, default_path, migrate


def test_migrations_are_named_and_idempotent(tmp_path):
    db = sqlite3.connect(tmp_path / "h.db")
    assert [m.__name__ for m in MIGRATIONS] == ["m001_create_turns", "m002_add_cell_and_thoughts"]
    assert migrate(db) == len(MIGRATIONS) and migrate(db) == len(MIGRATIONS)
    # an older database (version 1) is upgraded in place
    old = sqlite3.connect(tmp_path / "old.db")
    MIGRATIONS[0](old)
    old.execute("PRAGMA user_version = 1")
    assert migrate(old) == 2
    assert "execution_count" in [r[1] for r in old.execute("PRAGMA table_info(turns)")]


def test_default_path_env_override(monkeypatch, tmp_path):
    monkeypatch.setenv("GEMINI_NB_HISTORY", str(tmp_path / "x.sqlite3"))
    assert default_path() == tmp_path / "x.sqlite3"
    monkeypatch.delenv("GEMINI_NB_HISTORY")
    assert default_path().name == "history.sqlite3" and "gemini_nb" in str(default_path())


def test_turns_and_errors_are_logged(ip, emu, clean_env):
    run_cell(ip, "%%gemini --no-stream\nMy name is Phil")
    run_cell(ip, "%%gemini --stream --thinking low\nWhat is my name?")
    run_cell(ip, "%%gemini -m not-a-model --no-stream\nhello")
    result, _, err = run_cell(ip, "%gemini history")
    frame = result.result
    assert list(frame["status"]) == ["completed", "completed", "error"], err
    assert "Phil" in frame["text"].iloc[1]
    assert frame["interaction_id"].iloc[1] and frame["previous_interaction_id"].iloc[1] == frame["interaction_id"].iloc[0]
    assert "not found" in frame["error"].iloc[2]
    assert json.loads(frame["usage"].iloc[0])["output_tokens"] > 0
    assert frame["latency"].iloc[0] > 0
    assert (clean_env / "history.sqlite3").exists()


def test_history_off(ip, emu, clean_env):
    ip.run_line_magic("config", "GeminiMagics.history = False")
    run_cell(ip, "%%gemini --no-stream\nhello")
    _, _, err = run_cell(ip, "%gemini history")
    assert "history is off" in err
    assert not (clean_env / "history.sqlite3").exists()


def test_partial_turn_is_in_the_log_while_streaming(session, tmp_path):
    """A kernel that dies mid-stream leaves a 'streaming' row with the text so far."""
    seen = {}

    class Die:
        def start(self):
            pass

        def tick(self, assembler):
            if len(assembler.text) > 10 and "row" not in seen:
                # what another process would read if this kernel died right now
                db = sqlite3.connect(session.history().path)
                seen["row"] = db.execute("SELECT status, text FROM turns ORDER BY rowid DESC").fetchone()

        def close(self):
            pass

    session.history()._flushed.clear()
    import gemini_nb.history as h

    original = h.History.progress
    h.History.progress = lambda self, row, text, iid, every=1.0: original(self, row, text, iid, every=0.0)
    try:
        session.ask("Count from 1 to 20", stream=True, live=Die())
    finally:
        h.History.progress = original
    status, text = seen["row"]
    assert status == "streaming" and text


def test_key_never_logged(ip, emu, clean_env, monkeypatch):
    key = "AIzaSyFakeKeyForHistoryTest_0123456789ab"
    monkeypatch.setenv("GEMINI_API_KEY", key)  # GEMINI_NB_BACKEND still points at the emulator
    run_cell(ip, "%%gemini --no-stream\nhello")
    raw = (clean_env / "history.sqlite3").read_bytes()
    assert key.encode() not in raw
