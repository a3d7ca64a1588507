"""Where interactions live: in memory by default, in SQLite (WAL) with ``--db``.

SQLite commits each write before the answer is sent, so a completed interaction survives a
``kill -9`` of a standalone emulator (WAL with ``synchronous=NORMAL``: a commit is safe from a
process crash without an fsync per write; only a power cut may lose the last ones). Records
are stored as JSON documents: the emulator never queries inside them, it only loads by id.

Both stores are **bounded** (``max_items``, ``--max-interactions``): like the real service
expiring stored interactions, the oldest *finished* ones are evicted first (running ones
never are), so a GET of an evicted id, or a chain continued from one, is a 404.
"""

from __future__ import annotations

import collections
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

RUNNING = ("in_progress", "queued")
DEFAULT_MAX = 10_000


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass
class Record:
    id: str
    model: str | None
    agent: str | None
    status: str
    dialect: str
    request: dict[str, Any]
    input_steps: list[dict[str, Any]]
    output_steps: list[dict[str, Any]] = field(default_factory=list)
    usage: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    previous_interaction_id: str | None = None
    background: bool = False
    created: str = field(default_factory=now_iso)
    updated: str = field(default_factory=now_iso)
    words: int = 3
    """Delta chunking the run was streamed with, so replays match byte for byte."""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Record:
        data = json.loads(text)
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


class MemoryStore:
    """Dict-backed store in creation order; the default for the embedded emulator and tests."""

    def __init__(self, max_items: int = DEFAULT_MAX) -> None:
        self._items: collections.OrderedDict[str, Record] = collections.OrderedDict()
        self._lock = threading.Lock()
        self.max_items = max_items
        self.on_evict: Callable[[str], None] | None = None
        """Told the id of each evicted record (the emulator drops its caches)."""

    def __len__(self) -> int:
        return len(self._items)

    def get(self, rid: str) -> Record | None:
        with self._lock:
            return self._items.get(rid)

    def put(self, record: Record) -> None:
        with self._lock:
            new = record.id not in self._items
            self._items[record.id] = record  # an update keeps its place
            evicted = self._evict() if new else []
        for rid in evicted:
            if self.on_evict is not None:
                self.on_evict(rid)

    def _evict(self) -> list[str]:
        excess = len(self._items) - self.max_items
        if excess <= 0:
            return []
        victims = []
        for rid, rec in self._items.items():  # oldest first; running ones stay
            if rec.status not in RUNNING:
                victims.append(rid)
                if len(victims) == excess:
                    break
        for rid in victims:
            del self._items[rid]
        return victims

    def delete(self, rid: str) -> bool:
        with self._lock:
            return self._items.pop(rid, None) is not None

    def clear(self) -> None:
        with self._lock:
            self._items = collections.OrderedDict()  # a fresh table: the old one's memory goes

    def unfinished(self) -> Iterator[Record]:
        return iter(())

    def close(self) -> None:
        pass


_UPDATE = "UPDATE interactions SET status=?, doc=? WHERE id=?"
_INSERT = "INSERT INTO interactions(status, doc, id) VALUES(?,?,?)"
_VICTIMS = "SELECT id FROM interactions WHERE status NOT IN ('in_progress','queued') ORDER BY rowid LIMIT ?"


class SqliteStore:
    """One table of JSON documents in creation order (rowid), WAL journal.

    Statements are fixed strings, so :mod:`sqlite3` keeps them prepared; a write and the
    evictions it causes commit together in one transaction.
    """

    def __init__(self, path: str, max_items: int = DEFAULT_MAX) -> None:
        self.path = path
        self.max_items = max_items
        self.on_evict: Callable[[str], None] | None = None
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS interactions ("
            "id TEXT PRIMARY KEY, status TEXT NOT NULL, doc TEXT NOT NULL)"
        )
        self._count = self._conn.execute("SELECT count(*) FROM interactions").fetchone()[0]

    def __len__(self) -> int:
        return self._count

    def get(self, rid: str) -> Record | None:
        with self._lock:
            row = self._conn.execute("SELECT doc FROM interactions WHERE id=?", (rid,)).fetchone()
        return Record.from_json(row[0]) if row else None

    def put(self, record: Record) -> None:
        evicted: list[str] = []
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN")
            try:
                row = (record.status, record.to_json(), record.id)
                if conn.execute(_UPDATE, row).rowcount == 0:  # an update keeps its rowid (its age)
                    conn.execute(_INSERT, row)
                    self._count += 1
                excess = self._count - self.max_items
                if excess > 0:
                    evicted = [r[0] for r in conn.execute(_VICTIMS, (excess,))]
                    conn.executemany("DELETE FROM interactions WHERE id=?", [(r,) for r in evicted])
                    self._count -= len(evicted)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        for rid in evicted:
            if self.on_evict is not None:
                self.on_evict(rid)

    def delete(self, rid: str) -> bool:
        with self._lock:
            cur = self._conn.execute("DELETE FROM interactions WHERE id=?", (rid,))
            self._count -= cur.rowcount
        return cur.rowcount > 0

    def clear(self) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM interactions")
            self._count = 0

    def unfinished(self) -> Iterator[Record]:
        """Interactions a previous process left running (resumed at start-up)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT doc FROM interactions WHERE status IN ('in_progress','queued')"
            ).fetchall()
        return (Record.from_json(r[0]) for r in rows)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def open_store(path: str | None, max_items: int = DEFAULT_MAX) -> MemoryStore | SqliteStore:
    return SqliteStore(path, max_items) if path else MemoryStore(max_items)
