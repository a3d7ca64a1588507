"""Local SQLite log of every interaction (prompt, options, ids, status, text, usage, timing, error).

Why write before the answer arrives: a row is inserted as ``pending`` before the request and
the partial text is flushed while streaming (at most once a second), so a kernel that dies
mid-stream still leaves the partial turn; the next session marks such rows ``abandoned``
(their process is gone) instead of leaving them ``streaming`` forever. The schema evolves through
*named* migration functions applied in order, tracked in ``PRAGMA user_version``, under one write
lock so several kernels may open a fresh file at once.

The API key is never a column and never part of the logged options.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import redact

ENV_PATH = "GEMINI_NB_HISTORY"
BUSY_TIMEOUT = 30.0
"""Seconds a write waits for another process's lock before failing."""
MAX_LIMIT = 2**62
"""Row counts above this (``%gemini history 99999999999999999999999``) mean "all rows"."""


def default_path() -> Path:
    env = os.environ.get(ENV_PATH, "").strip()
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("gemini_nb", appauthor=False)) / "history.sqlite3"


def _add_column(db: sqlite3.Connection, name: str, kind: str) -> None:
    """``ALTER TABLE turns ADD COLUMN`` unless it is there (SQLite has no ``IF NOT EXISTS`` here)."""
    if name not in {row[1] for row in db.execute("PRAGMA table_info(turns)")}:
        db.execute(f"ALTER TABLE turns ADD COLUMN {name} {kind}")


def m001_create_turns(db: sqlite3.Connection) -> None:
    db.execute("""
        CREATE TABLE IF NOT EXISTS turns (
            rowid INTEGER PRIMARY KEY AUTOINCREMENT,
            session TEXT NOT NULL,
            started REAL NOT NULL,
            finished REAL,
            interaction_id TEXT,
            previous_interaction_id TEXT,
            thread TEXT,
            model TEXT,
            backend TEXT,
            prompt TEXT,
            options TEXT,
            status TEXT NOT NULL,
            text TEXT,
            usage TEXT,
            latency REAL,
            error TEXT
        )""")
    db.execute("CREATE INDEX IF NOT EXISTS turns_interaction ON turns(interaction_id)")


def m002_add_cell_and_thoughts(db: sqlite3.Connection) -> None:
    _add_column(db, "execution_count", "INTEGER")
    _add_column(db, "thoughts", "TEXT")


def m003_add_settings(db: sqlite3.Connection) -> None:
    """The turn's interaction-scoped request fields (system_instruction, generation_config,
    tools, agent): what ``%gemini resume`` in a new session must keep resending."""
    _add_column(db, "settings", "TEXT")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    m001_create_turns,
    m002_add_cell_and_thoughts,
    m003_add_settings,
]


def _version(db: sqlite3.Connection) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite3.Connection) -> int:
    """Apply pending migrations; returns the resulting schema version.

    Safe with concurrent openers (two kernels opening one fresh file used to race: "table turns
    already exists", and a turn was never logged): the version is re-read and every pending step
    applied inside one ``BEGIN IMMEDIATE`` transaction, so one process migrates while the others
    wait on the write lock and then find nothing left to do; a failed step rolls back whole. The
    steps are idempotent too (``IF NOT EXISTS``, column checks).
    """
    if _version(db) >= len(MIGRATIONS):
        return _version(db)
    if db.in_transaction:
        db.commit()
    db.execute("BEGIN IMMEDIATE")
    try:
        version = _version(db)
        for number, step in enumerate(MIGRATIONS, start=1):
            if number > version:
                step(db)
        if version < len(MIGRATIONS):
            db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return _version(db)


def _scrub(value: Any) -> Any:
    """No API key ever reaches the log, even one a prompt pulled in through ``{{...}}``."""
    return redact(value) if isinstance(value, str) else value


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _use_wal(db: sqlite3.Connection, deadline_s: float = BUSY_TIMEOUT) -> None:
    """Switch the file to WAL, retrying: SQLite answers ``database is locked`` at once (without
    its busy handler) when another process holds a lock during the switch, which is exactly what
    several kernels opening one fresh file do."""
    deadline = time.monotonic() + deadline_s
    delay = 0.005
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


class History:
    """One connection per process; all writes are small autocommitted statements."""

    def __init__(self, path: str | os.PathLike | None = None, session: str | None = None):
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.session = session or f"{os.getpid()}-{int(time.time())}"
        self._lock = threading.Lock()
        # a generous busy timeout: other kernels may be migrating or writing the same file
        self.db = sqlite3.connect(
            str(self.path), check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT
        )
        _use_wal(self.db)
        # WAL + NORMAL: no fsync per commit, yet a committed row survives the process dying
        # (only an OS crash could lose the last commits); keeps logging off the hot path.
        self.db.execute("PRAGMA synchronous=NORMAL")
        migrate(self.db)
        self._flushed: dict[int, float] = {}
        self.reap_abandoned()

    def reap_abandoned(self) -> int:
        """Mark turns left unfinished by a process that no longer exists (a kernel killed
        mid-stream) as ``abandoned``; their partial text stays. Returns how many."""
        if os.name == "nt":  # os.kill(pid, 0) would terminate the process on Windows
            return 0
        with self._lock:
            sessions = [
                r[0]
                for r in self.db.execute(
                    "SELECT DISTINCT session FROM turns WHERE status IN ('pending','streaming') "
                    "AND session != ?",
                    (self.session,),
                )
            ]
        count = 0
        for session in sessions:
            pid = session.split("-", 1)[0]
            if pid.isdigit() and _alive(int(pid)):
                continue
            with self._lock:
                cur = self.db.execute(
                    "UPDATE turns SET status='abandoned', error=COALESCE(error, ?) WHERE session=? "
                    "AND status IN ('pending','streaming')",
                    ("the kernel stopped before this turn finished", session),
                )
            count += cur.rowcount
        return count

    def start(
        self,
        *,
        prompt: str,
        options: dict[str, Any],
        model: str | None,
        thread: str,
        backend: str,
        previous_interaction_id: str | None,
        execution_count: int | None,
        settings: dict[str, Any] | None = None,
    ) -> int:
        with self._lock:
            cur = self.db.execute(
                "INSERT INTO turns (session, started, prompt, options, model, thread, backend, "
                "previous_interaction_id, execution_count, status, settings) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    self.session,
                    time.time(),
                    _scrub(prompt),
                    _scrub(json.dumps(options, default=str, sort_keys=True)),
                    _scrub(model),
                    thread,
                    backend,
                    previous_interaction_id,
                    execution_count,
                    "pending",
                    _scrub(json.dumps(settings, default=str, sort_keys=True)) if settings else None,
                ),
            )
            return int(cur.lastrowid)

    def progress(self, row: int, text: str, interaction_id: str | None, every: float = 1.0) -> None:
        """Flush partial text, at most once per ``every`` seconds per row."""
        now = time.monotonic()
        if now - self._flushed.get(row, 0.0) < every:
            return
        self._flushed[row] = now
        with self._lock:
            self.db.execute(
                "UPDATE turns SET text=?, interaction_id=COALESCE(?, interaction_id), "
                "status='streaming' WHERE rowid=?",
                (_scrub(text), interaction_id, row),
            )

    def finish(self, row: int, result: Any, error: str | None = None) -> None:
        self._flushed.pop(row, None)
        with self._lock:
            self.db.execute(
                "UPDATE turns SET finished=?, interaction_id=?, model=COALESCE(?, model), status=?, text=?, "
                "thoughts=?, usage=?, latency=?, error=? WHERE rowid=?",
                (
                    time.time(),
                    getattr(result, "id", None),
                    _scrub(getattr(result, "model", None)),
                    getattr(result, "status", "error") if result is not None else "error",
                    _scrub(getattr(result, "text", None)),
                    _scrub("\n\n".join(getattr(result, "thoughts", []) or []) or None),
                    json.dumps(result.usage.as_dict()) if result is not None else None,
                    getattr(result, "latency", None),
                    _scrub(error),
                    row,
                ),
            )

    def rows(self, limit: int | None = None, session_only: bool = False) -> list[dict[str, Any]]:
        sql = "SELECT * FROM turns"
        args: list[Any] = []
        if session_only:
            sql += " WHERE session=?"
            args.append(self.session)
        sql += " ORDER BY rowid DESC"
        if limit and int(limit) < MAX_LIMIT:  # larger than SQLite's INTEGER: every row
            sql += f" LIMIT {int(limit)}"
        with self._lock:
            cur = self.db.execute(sql, args)
            names = [c[0] for c in cur.description]
            return [dict(zip(names, r)) for r in cur.fetchall()][::-1]

    def lookup(self, interaction_id: str) -> dict[str, Any] | None:
        with self._lock:
            cur = self.db.execute(
                "SELECT * FROM turns WHERE interaction_id=? ORDER BY rowid DESC LIMIT 1", (interaction_id,)
            )
            row = cur.fetchone()
            return dict(zip([c[0] for c in cur.description], row)) if row else None

    def dataframe(self, limit: int | None = None):
        import pandas as pd

        columns = [
            "started",
            "status",
            "model",
            "thread",
            "prompt",
            "options",
            "text",
            "thoughts",
            "interaction_id",
            "previous_interaction_id",
            "latency",
            "usage",
            "error",
            "execution_count",
            "backend",
            "session",
            "finished",
        ]
        rows = self.rows(limit)
        extra = [c for c in (rows[0] if rows else {}) if c not in columns]
        frame = pd.DataFrame(rows, columns=columns + extra)
        frame = frame[columns]
        frame["started"] = pd.to_datetime(frame["started"], unit="s")
        frame["finished"] = pd.to_datetime(frame["finished"], unit="s")
        return frame

    def close(self) -> None:
        with self._lock:
            self.db.close()
