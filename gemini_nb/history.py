"""Local SQLite log of every interaction (prompt, options, ids, status, text, usage, timing, error).

Why write before the answer arrives: a row is inserted as ``pending`` before the request and
the partial text is flushed while streaming (at most once a second), so a kernel that dies
mid-stream still leaves the partial turn; the next session marks such rows ``abandoned``
(their process is gone) instead of leaving them ``streaming`` forever. The schema evolves through *named* migration
functions applied in order and tracked in ``PRAGMA user_version``.

The API key is never a column and never part of the logged options.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable

from .errors import redact

ENV_PATH = "GEMINI_NB_HISTORY"


def default_path() -> Path:
    env = os.environ.get(ENV_PATH, "").strip()
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("gemini_nb", appauthor=False)) / "history.sqlite3"


def m001_create_turns(db: sqlite3.Connection) -> None:
    db.execute("""
        CREATE TABLE turns (
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
    db.execute("CREATE INDEX turns_interaction ON turns(interaction_id)")


def m002_add_cell_and_thoughts(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE turns ADD COLUMN execution_count INTEGER")
    db.execute("ALTER TABLE turns ADD COLUMN thoughts TEXT")


def m003_add_settings(db: sqlite3.Connection) -> None:
    """The turn's interaction-scoped request fields (system_instruction, generation_config,
    tools, agent): what ``%gemini resume`` in a new session must keep resending."""
    db.execute("ALTER TABLE turns ADD COLUMN settings TEXT")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    m001_create_turns, m002_add_cell_and_thoughts, m003_add_settings]


def migrate(db: sqlite3.Connection) -> int:
    """Apply pending migrations; returns the resulting schema version."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    for number, step in enumerate(MIGRATIONS, start=1):
        if number > version:
            with db:
                step(db)
                db.execute(f"PRAGMA user_version = {number}")
    return db.execute("PRAGMA user_version").fetchone()[0]


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


class History:
    """One connection per process; all writes are small autocommitted statements."""

    def __init__(self, path: str | os.PathLike | None = None, session: str | None = None):
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.session = session or f"{os.getpid()}-{int(time.time())}"
        self._lock = threading.Lock()
        self.db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
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
            sessions = [r[0] for r in self.db.execute(
                "SELECT DISTINCT session FROM turns WHERE status IN ('pending','streaming') "
                "AND session != ?", (self.session,))]
        count = 0
        for session in sessions:
            pid = session.split("-", 1)[0]
            if pid.isdigit() and _alive(int(pid)):
                continue
            with self._lock:
                cur = self.db.execute(
                    "UPDATE turns SET status='abandoned', error=COALESCE(error, ?) WHERE session=? "
                    "AND status IN ('pending','streaming')",
                    ("the kernel stopped before this turn finished", session))
            count += cur.rowcount
        return count

    def start(self, *, prompt: str, options: dict[str, Any], model: str | None, thread: str,
              backend: str, previous_interaction_id: str | None, execution_count: int | None,
              settings: dict[str, Any] | None = None) -> int:
        with self._lock:
            cur = self.db.execute(
                "INSERT INTO turns (session, started, prompt, options, model, thread, backend, "
                "previous_interaction_id, execution_count, status, settings) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (self.session, time.time(), _scrub(prompt), _scrub(json.dumps(options, default=str, sort_keys=True)),
                 _scrub(model), thread, backend, previous_interaction_id, execution_count, "pending",
                 _scrub(json.dumps(settings, default=str, sort_keys=True)) if settings else None))
            return int(cur.lastrowid)

    def progress(self, row: int, text: str, interaction_id: str | None, every: float = 1.0) -> None:
        """Flush partial text, at most once per ``every`` seconds per row."""
        now = time.monotonic()
        if now - self._flushed.get(row, 0.0) < every:
            return
        self._flushed[row] = now
        with self._lock:
            self.db.execute("UPDATE turns SET text=?, interaction_id=COALESCE(?, interaction_id), "
                            "status='streaming' WHERE rowid=?", (_scrub(text), interaction_id, row))

    def finish(self, row: int, result: Any, error: str | None = None) -> None:
        self._flushed.pop(row, None)
        with self._lock:
            self.db.execute(
                "UPDATE turns SET finished=?, interaction_id=?, model=COALESCE(?, model), status=?, text=?, "
                "thoughts=?, usage=?, latency=?, error=? WHERE rowid=?",
                (time.time(), getattr(result, "id", None), _scrub(getattr(result, "model", None)),
                 getattr(result, "status", "error") if result is not None else "error",
                 _scrub(getattr(result, "text", None)),
                 _scrub("\n\n".join(getattr(result, "thoughts", []) or []) or None),
                 json.dumps(result.usage.as_dict()) if result is not None else None,
                 getattr(result, "latency", None), _scrub(error), row))

    def rows(self, limit: int | None = None, session_only: bool = False) -> list[dict[str, Any]]:
        sql = "SELECT * FROM turns"
        args: list[Any] = []
        if session_only:
            sql += " WHERE session=?"
            args.append(self.session)
        sql += " ORDER BY rowid DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        with self._lock:
            cur = self.db.execute(sql, args)
            names = [c[0] for c in cur.description]
            return [dict(zip(names, r)) for r in cur.fetchall()][::-1]

    def lookup(self, interaction_id: str) -> dict[str, Any] | None:
        with self._lock:
            cur = self.db.execute("SELECT * FROM turns WHERE interaction_id=? ORDER BY rowid DESC LIMIT 1",
                                  (interaction_id,))
            row = cur.fetchone()
            return dict(zip([c[0] for c in cur.description], row)) if row else None

    def dataframe(self, limit: int | None = None):
        import pandas as pd

        columns = ["started", "status", "model", "thread", "prompt", "options", "text", "thoughts",
                   "interaction_id", "previous_interaction_id", "latency", "usage", "error", "execution_count",
                   "backend", "session", "finished"]
        rows = self.rows(limit)
        frame = pd.DataFrame(rows, columns=columns + [c for c in (rows[0] if rows else {}) if c not in columns])
        frame = frame[columns]
        frame["started"] = pd.to_datetime(frame["started"], unit="s")
        frame["finished"] = pd.to_datetime(frame["finished"], unit="s")
        return frame

    def close(self) -> None:
        with self._lock:
            self.db.close()
