"""Issue 9: the store's shape. ``--db`` writes behind in batches (N changes, far fewer commits)
without losing a started run to a ``kill -9``; records are kept compactly, so a reset gives the
memory back to the OS (with ``malloc_trim`` on glibc). Counts and sizes, never times."""

from __future__ import annotations

import asyncio
import ctypes
import platform
import sqlite3
import subprocess
import sys
import textwrap
import time

import httpx
import pytest
from emu_process import emulator_process

from gemini_nb.emulator import memory
from gemini_nb.emulator.config import EmulatorConfig
from gemini_nb.emulator.dialects import STEPS
from gemini_nb.emulator.service import Emulator
from gemini_nb.emulator.store import MemoryStore, Record, SqliteStore

MODEL = "gemini-3-flash-preview"
NEVER = 3600.0  # a write-behind window no test waits out: only flush() or a running put commits


def _record(rid: str, status: str = "completed", text: str = "an answer") -> Record:
    return Record(
        id=rid,
        model=MODEL,
        agent=None,
        status=status,
        dialect=STEPS,
        request={"model": MODEL, "input": "hi"},
        input_steps=[{"type": "user_input", "content": [{"type": "text", "text": "hi"}]}],
        output_steps=[{"type": "model_output", "content": [{"type": "text", "text": text}]}],
    )


def _commits(store: SqliteStore) -> list[str]:
    """Every COMMIT the store's connection runs, as SQLite traces it."""
    seen: list[str] = []
    store._conn.set_trace_callback(lambda sql: seen.append(sql) if sql.strip().upper() == "COMMIT" else None)
    return seen


def _rows(path: str) -> dict[str, str]:
    """What another process would find in the file right now: id -> status."""
    with sqlite3.connect(path) as con:
        return dict(con.execute("SELECT id, status FROM interactions ORDER BY rowid"))


def test_many_finished_puts_commit_once_per_window(tmp_path):
    path = str(tmp_path / "i.db")
    store = SqliteStore(path, flush_s=NEVER)
    commits = _commits(store)
    for n in range(100):
        store.put(_record(f"r{n}"))
    store.put(_record("r5", text="changed"))  # a second change to one id is still one row
    assert _rows(path) == {} and commits == []  # behind: nothing committed yet
    assert store.get("r99").id == "r99"  # ... yet served at once, from memory
    assert store.flush() == 100
    assert len(commits) == 1 and list(_rows(path)) == [f"r{n}" for n in range(100)]
    store.close()
    again = SqliteStore(path, flush_s=NEVER)
    assert again.get("r5").output_steps[0]["content"][0]["text"] == "changed"
    again.close()


def test_the_writer_commits_on_its_own_in_batches(tmp_path):
    path = str(tmp_path / "i.db")
    store = SqliteStore(path)  # the default window
    commits = _commits(store)
    for n in range(50):
        store.put(_record(f"r{n}"))
    deadline = time.monotonic() + 30  # only a guard against hanging; nothing is timed
    while len(_rows(path)) < 50 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(_rows(path)) == 50
    assert 1 <= len(commits) < 50
    store.close()


def test_a_started_run_commits_everything_before_it_and_is_resumed_after_a_crash(tmp_path):
    path = str(tmp_path / "i.db")
    store = SqliteStore(path, flush_s=NEVER)
    for n in range(3):
        store.put(_record(f"done{n}"))
    store.put(_record("job", "in_progress"))  # synchronous, with the three before it
    assert _rows(path) == {**{f"done{n}": "completed" for n in range(3)}, "job": "in_progress"}
    store.put(_record("job", "completed"))  # its end is written behind
    store.put(_record("late"))
    # A kill -9 now: the store is never closed. What the next process finds:
    after = SqliteStore(path, flush_s=NEVER)
    assert [r.id for r in after.unfinished()] == ["job"]  # resumed at start-up
    assert after.get("late") is None and after.get("done2") is not None
    after.close()


def test_a_clean_stop_writes_everything(tmp_path):
    path = str(tmp_path / "emu.db")
    body = {"model": MODEL, "input": "Tell me a joke"}
    with emulator_process("--db", path) as (proc, url):
        ids = [
            httpx.post(f"{url}/v1beta/interactions", json=body, headers={"x-goog-api-key": "k"}).json()["id"]
            for _ in range(5)
        ]
        proc.terminate()  # SIGTERM, right after the answers: uvicorn shuts down, the store closes
        proc.wait(30)  # (uvicorn re-raises the signal once it has shut down: the status is -15)
    assert list(_rows(path)) == ids


def test_a_failed_commit_keeps_its_changes_for_the_next_one(tmp_path):
    path = str(tmp_path / "i.db")
    store = SqliteStore(path, flush_s=NEVER)
    real = store._conn

    class FullDisk:
        def __getattr__(self, name):
            return getattr(real, name)

        def execute(self, sql, *args):
            if sql.startswith("INSERT"):
                raise sqlite3.OperationalError("database or disk is full")
            return real.execute(sql, *args)

    store.put(_record("a"))
    store._conn = FullDisk()
    with pytest.raises(sqlite3.OperationalError, match="disk is full"):
        store.flush()
    store._conn = real
    store.put(_record("b"))
    assert store.flush() == 2 and list(_rows(path)) == ["a", "b"]
    store.close()


def test_the_writer_retries_a_failed_commit_on_its_own(tmp_path):
    path = str(tmp_path / "i.db")
    store = SqliteStore(path)
    real, failures = store._conn, []

    class BusyOnce:
        def __getattr__(self, name):
            return getattr(real, name)

        def execute(self, sql, *args):
            if sql.startswith("INSERT") and not failures:
                failures.append(sql)
                raise sqlite3.OperationalError("database is locked")
            return real.execute(sql, *args)

    store._conn = BusyOnce()
    store.put(_record("a"))  # the only change: nothing else wakes the writer again
    deadline = time.monotonic() + 30  # a guard against hanging; nothing is timed
    while list(_rows(path)) != ["a"] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert failures and list(_rows(path)) == ["a"]
    store.close()


def test_a_value_json_cannot_encode_does_not_block_the_writer(tmp_path):
    path = str(tmp_path / "i.db")
    store = SqliteStore(path, flush_s=NEVER)
    odd = _record("odd")
    odd.usage = {"raw": b"\x00bytes"}
    store.put(odd)
    store.put(_record("plain"))
    assert store.flush() == 2 and list(_rows(path)) == ["odd", "plain"]
    store.close()


def test_a_database_with_a_broken_document_is_one_clear_error(tmp_path):
    path = str(tmp_path / "i.db")
    SqliteStore(path).close()
    with sqlite3.connect(path) as con:
        con.execute("INSERT INTO interactions VALUES ('v1_x', 'completed', 'not json')")
    with pytest.raises(sqlite3.DatabaseError, match="v1_x is not a stored interaction"):
        SqliteStore(path)


def test_get_returns_a_copy_and_odd_values_are_stored_as_the_wire_sees_them():
    class Label(str):
        pass

    store = MemoryStore()
    rec = _record("r1", text=Label("a label"))
    store.put(rec)
    got = store.get("r1")
    assert got == rec and got is not rec
    assert type(got.output_steps[0]["content"][0]["text"]) is str
    got.status = "failed"  # a change without a put changes nothing stored
    assert store.get("r1").status == "completed"


def test_reset_calls_the_trim_hook_when_it_dropped_enough(monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(memory, "malloc_trim", lambda: calls.append)
    emu = Emulator(EmulatorConfig())
    asyncio.run(emu.create({"model": MODEL, "input": "hello"}, STEPS))
    emu.reset()  # one small interaction: not worth a collection and a trim
    assert calls == [] and len(emu.store) == 0
    monkeypatch.setattr(memory, "WORTH_BYTES", 100)
    asyncio.run(emu.create({"model": MODEL, "input": "hello"}, STEPS))
    emu.reset()
    assert calls == [0] and len(emu.store) == 0
    emu.close()


def test_malloc_trim_is_found_on_glibc_and_skipped_elsewhere(monkeypatch):
    if platform.libc_ver()[0] == "glibc":
        assert memory.malloc_trim() is not None and memory.release() is True

    class NoTrim:
        def __init__(self, _name):
            pass

    monkeypatch.setattr(memory, "_trim", False)  # look it up again, in a libc without it
    monkeypatch.setattr(ctypes, "CDLL", NoTrim)
    assert memory.malloc_trim() is None and memory.release() is False


PROBE = textwrap.dedent(
    """
    import asyncio, gc, sys
    from gemini_nb.emulator.config import EmulatorConfig
    from gemini_nb.emulator.dialects import STEPS
    from gemini_nb.emulator.service import Emulator

    def rss():
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:"))

    emu, keep = Emulator(EmulatorConfig()), []

    async def fill(n):
        for i in range(n):
            await emu.create({"model": "gemini-3-flash-preview", "input": "Tell me a joke"}, STEPS)
            keep.append(str(i) * 3)  # long-lived small objects among the stored ones, as in a server

    asyncio.run(fill(300))
    gc.collect()
    before = rss()
    asyncio.run(fill(3000))
    after = rss()
    emu.reset()
    print(before, after, rss())
    """
)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="RSS from /proc and malloc_trim: Linux glibc")
def test_reset_gives_the_memory_back_to_the_os():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    before, after, reset = map(int, out.split())
    grown, kept = after - before, reset - before
    assert grown > 0
    assert kept <= 0.25 * grown, f"kept {kept / 2**20:.1f} of {grown / 2**20:.1f} MiB after reset"


def test_a_flush_writes_many_changes_per_statement(tmp_path):
    """The writer hands the GIL over once per statement: a flush of N changes runs about
    N / ROWS_PER_STATEMENT write statements, not N (and keeps every change, updates in place)."""
    from gemini_nb.emulator.store import ROWS_PER_STATEMENT

    path = str(tmp_path / "i.db")
    store = SqliteStore(path, max_items=150, flush_s=NEVER)
    for i in range(200):  # 50 evictions: deletes in the same flush
        store.put(_record(f"r{i:03d}"))
    store.put(_record("r199", status="failed"))  # changed before the flush: written once, as changed
    assert store.flush() == 200
    n = ROWS_PER_STATEMENT
    assert store.statements == -(-150 // n) + -(-50 // n)  # upserts + deletes, in chunks
    rows = _rows(path)
    assert list(rows) == [f"r{i:03d}" for i in range(50, 200)]  # creation order kept, evicted gone
    assert rows["r199"] == "failed" and rows["r198"] == "completed"
    store.close()
    reopened = SqliteStore(path, flush_s=NEVER)
    assert reopened.get("r199").status == "failed" and reopened.get("r000") is None
    reopened.close()
