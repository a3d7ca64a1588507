"""Local SQLite history: named migrations, every turn logged, partial turns survive, no keys."""

from __future__ import annotations

import json
import sqlite3

import pytest
from shell_helpers import run_cell

from gemini_nb.history import MIGRATIONS, History, default_path, migrate


def test_migrations_are_named_and_idempotent(tmp_path):
    db = sqlite3.connect(tmp_path / "h.db")
    assert [m.__name__ for m in MIGRATIONS] == [
        "m001_create_turns",
        "m002_add_cell_and_thoughts",
        "m003_add_settings",
    ]
    assert migrate(db) == len(MIGRATIONS) and migrate(db) == len(MIGRATIONS)
    # an older database (version 1) is upgraded in place
    old = sqlite3.connect(tmp_path / "old.db")
    MIGRATIONS[0](old)
    old.execute("PRAGMA user_version = 1")
    assert migrate(old) == len(MIGRATIONS)
    assert {"execution_count", "settings"} <= {r[1] for r in old.execute("PRAGMA table_info(turns)")}


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
    assert frame["interaction_id"].iloc[1]
    assert frame["previous_interaction_id"].iloc[1] == frame["interaction_id"].iloc[0]
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


def test_negative_options_are_logged(ip, emu, clean_env):
    """--no-store / --no-stream / --no-thoughts are options too: the log must show them."""
    import json

    run_cell(ip, "%%gemini --no-store --no-stream --no-thoughts\nhello")
    frame = ip.run_line_magic("gemini", "history")
    for column in ("prompt", "options", "interaction_id", "status", "text", "usage", "latency", "error"):
        assert column in frame.columns  # the list: options too
    row = frame.iloc[-1]
    assert json.loads(row["options"])["store"] is False
    options = json.loads(History(clean_env / "history.sqlite3").rows()[-1]["options"])
    assert options["store"] is False and options["stream"] is False and options["thoughts"] is False
    assert row["status"] == "completed"
    run_cell(ip, "%%gemini --no-stream\nagain")
    options = json.loads(History(clean_env / "history.sqlite3").rows()[-1]["options"])
    assert "store" not in options  # defaults stay out


def test_key_pulled_into_a_prompt_is_not_logged(ip, emu, clean_env, monkeypatch):
    key = "AIzaSyFakeKeyForHistoryTest_0123456789ab"
    monkeypatch.setenv("GEMINI_API_KEY", key)  # registered as a secret; the emulator still answers
    run_cell(ip, "import os")
    run_cell(ip, "%%gemini --no-stream\nRepeat this: {{os.environ['GEMINI_API_KEY']}}")
    raw = b"".join(p.read_bytes() for p in clean_env.glob("history.sqlite3*"))
    assert key.encode() not in raw


def test_unusable_history_path_never_breaks_a_turn(ip, emu, clean_env, monkeypatch):
    blocked = clean_env / "a-directory.sqlite3"
    blocked.mkdir()
    monkeypatch.setenv("GEMINI_NB_HISTORY", str(blocked))
    result, _, err = run_cell(ip, "%%gemini --no-stream\nhello")
    assert result.success, err
    assert "not logging" in err and "Traceback" not in err
    result, _, err = run_cell(ip, "%%gemini --no-stream\nagain")
    assert result.success and "not logging" not in err  # warned once
    _, _, err = run_cell(ip, "%gemini history")
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("UsageError: cannot open the history database")


def test_turns_of_a_dead_kernel_are_marked_abandoned(tmp_path):
    """A kernel killed mid-stream leaves a 'streaming' row; the next session reaps it."""
    import subprocess
    import sys

    from gemini_nb.history import History

    path = tmp_path / "h.sqlite3"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    ).stdout.strip()
    ghost = History(path, session=f"{dead}-1")
    row = ghost.start(
        prompt="Count to 1000",
        options={},
        model="m",
        thread="main",
        backend="emulator",
        previous_interaction_id=None,
        execution_count=1,
    )
    ghost.progress(row, "1, 2, 3", "v1_partial", every=0)
    ghost.close()
    mine = History(path)
    own = mine.start(
        prompt="still running",
        options={},
        model="m",
        thread="main",
        backend="emulator",
        previous_interaction_id=None,
        execution_count=2,
    )
    mine.progress(own, "partial", None, every=0)
    again = History(path)
    rows = {r["prompt"]: r for r in again.rows()}
    assert rows["Count to 1000"]["status"] == "abandoned"
    assert rows["Count to 1000"]["text"] == "1, 2, 3"
    assert rows["Count to 1000"]["interaction_id"] == "v1_partial"
    assert "kernel stopped" in rows["Count to 1000"]["error"]
    assert rows["still running"]["status"] == "streaming"  # its process (this one) is alive


def _log_rows(path, barrier, rounds, rows):
    """A child process: open each fresh DB at the same moment as its siblings, log ``rows`` turns."""
    import os

    from gemini_nb.history import History

    for number in range(rounds):
        barrier.wait(timeout=60)
        history = History(f"{path}.{number}", session=f"{os.getpid()}-{number}")
        for i in range(rows):
            row = history.start(
                prompt=f"{os.getpid()}:{i}",
                options={},
                model="m",
                thread="main",
                backend="emulator",
                previous_interaction_id=None,
                execution_count=i,
            )
            history.finish(row, None)
        history.close()


def test_concurrent_openers_of_a_fresh_db_lose_no_row(tmp_path):
    """Several kernels opening one fresh history file at once used to race on the migration
    ("table turns already exists") and lose a turn; 3 rounds of 6 processes x 20 rows."""
    import multiprocessing

    processes, rounds, rows = 6, 3, 20
    ctx = multiprocessing.get_context("spawn")  # no fork of a process that runs threads
    barrier = ctx.Barrier(processes)
    path = tmp_path / "shared.sqlite3"
    children = [
        ctx.Process(target=_log_rows, args=(str(path), barrier, rounds, rows)) for _ in range(processes)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=300)
    assert [child.exitcode for child in children] == [0] * processes
    for number in range(rounds):
        db = sqlite3.connect(f"{path}.{number}")
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        logged = [r[0] for r in db.execute("SELECT prompt FROM turns")]
        assert len(logged) == len(set(logged)) == processes * rows, number


def test_a_failed_migration_step_rolls_back_whole(tmp_path, monkeypatch):
    import gemini_nb.history as history

    def broken(db):
        db.execute("ALTER TABLE turns ADD COLUMN half_done TEXT")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(history, "MIGRATIONS", [*history.MIGRATIONS, broken])
    db = sqlite3.connect(tmp_path / "h.db", isolation_level=None)
    with pytest.raises(RuntimeError, match="disk on fire"):
        history.migrate(db)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 0
    assert db.execute("SELECT name FROM sqlite_master WHERE name='turns'").fetchone() is None
    monkeypatch.setattr(history, "MIGRATIONS", history.MIGRATIONS[:-1])
    assert history.migrate(db) == len(MIGRATIONS)  # and a clean retry succeeds


@pytest.mark.parametrize("count", ["99999999999999999999999", str(2**63)])
def test_history_with_a_huge_row_count_is_every_row_not_a_sqlite_traceback(ip, emu, clean_env, count):
    run_cell(ip, "%%gemini --no-stream\nhello")
    result, _, err = run_cell(ip, f"%gemini history {count}")
    assert result.success and "Traceback" not in err, err
    assert len(result.result) == 1


@pytest.mark.parametrize("count", ["²", "-3", "1.5", "ten"])
def test_history_with_a_bad_row_count_is_one_line(ip, count):
    result, _, err = run_cell(ip, f"%gemini history {count}")
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1 and "takes an optional row count" in lines[0], err
