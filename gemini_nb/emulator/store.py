"""Where interactions live: in memory by default, in SQLite (WAL) with ``--db``.

SQLite commits each write before the answer is sent, so a completed interaction survives a
``kill -9`` of a standalone emulator. Records are stored as JSON documents: the emulator
never queries inside them, it only loads by id and walks ``previous_interaction_id``.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Iterator


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
    def from_json(cls, text: str) -> "Record":
        data = json.loads(text)
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


class MemoryStore:
    """Dict-backed store; the default for the embedded emulator and tests."""

    def __init__(self) -> None:
        self._items: dict[str, Record] = {}
        self._lock = threading.Lock()

    def get(self, rid: str) -> Record | None:
        with self._lock:
            return self._items.get(rid)

    def put(self, record: Record) -> None:
        with self._lock:
            self._items[record.id] = record

    def delete(self, rid: str) -> bool:
        with self._lock:
            return self._items.pop(rid, None) is not None

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def unfinished(self) -> Iterator[Record]:
        return iter(())

    def close(self) -> None:
        pass


class SqliteStore:
    """One table of JSON documents, WAL journal, synchronous=FULL commits."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("CREATE TABLE IF NOT EXISTS interactions ("
                           "id TEXT PRIMARY KEY, status TEXT NOT NULL, doc TEXT NOT NULL)")

    def get(self, rid: str) -> Record | None:
        with self._lock:
            row = self._conn.execute("SELECT doc FROM interactions WHERE id=?", (rid,)).fetchone()
        return Record.from_json(row[0]) if row else None

    def put(self, record: Record) -> None:
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO interactions(id, status, doc) VALUES(?,?,?)",
                               (record.id, record.status, record.to_json()))

    def delete(self, rid: str) -> bool:
        with self._lock:
            cur = self._conn.execute("DELETE FROM interactions WHERE id=?", (rid,))
        return cur.rowcount > 0

    def clear(self) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM interactions")

    def unfinished(self) -> Iterator[Record]:
        """Interactions a previous process left running (resumed at start-up)."""
        with self._lock:
            rows = self._conn.execute("SELECT doc FROM interactions WHERE status IN "
                                      "('in_progress','queued')").fetchall()
        return (Record.from_json(r[0]) for r in rows)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def open_store(path: str | None) -> MemoryStore | SqliteStore:
    return SqliteStore(path) if path else MemoryStore()


def chain_history(store: Any, previous_id: str | None, limit: int = 1000) -> list[Record]:
    """The records of a chain ending at ``previous_id``, oldest first."""
    records: list[Record] = []
    seen = set()
    rid = previous_id
    while rid and rid not in seen and len(records) < limit:
        seen.add(rid)
        rec = store.get(rid)
        if rec is None:
            break
        records.append(rec)
        rid = rec.previous_interaction_id
    records.reverse()
    return records
