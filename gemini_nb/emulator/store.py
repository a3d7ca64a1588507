"""Where interactions live: in memory by default, also in SQLite (WAL) with ``--db``.

**Compact in memory.** A stored interaction is kept as one :mod:`marshal` blob of its fields,
not as the few dozen small dicts and strings a :class:`Record` is made of. That is about a
quarter of the memory (6a in ``bench/README.md``), and, more to the point, one large block per
interaction instead of many small ones: CPython returns a small-object arena to the OS only when
every block in it is free, so records scattered among long-lived objects kept the process's
memory after a reset; large blocks come from ``malloc`` and go back with ``malloc_trim``
(:mod:`gemini_nb.emulator.memory`). ``get`` therefore returns a fresh :class:`Record`: change it
and ``put`` it back. Blobs live only in this process (marshal's format may change between
Python versions), never on disk.

**Shared parts.** A turn answered from a remembered body and a remembered reply (the memo paths
of :mod:`gemini_nb.emulator.prepared` and :mod:`gemini_nb.emulator.brain.memo`) is made of two
blobs those already hold unchanged: the request with its input steps, and the output steps with
their usage and error. ``put(record, shared=(inputs, outputs))`` keeps a small blob of the
other fields beside references to those two, instead of packing them all again: a load test's
repeated turn costs less to store, and holds only its own few fields in memory.

**Write-behind to SQLite.** With ``--db``, the store is the same memory store, loaded from the
file at start-up (so reads never touch the file), and writes reach the file in batches: a
background writer commits every change of the last ``flush_s`` (50 ms) in one transaction (an
upsert per interaction, however often it changed), in WAL mode with ``synchronous=NORMAL`` (a
commit survives a process crash without an fsync; only a power cut may lose the last ones).
What a ``kill -9`` can lose is therefore bounded:

* a *finished* interaction answered less than ``flush_s`` before the kill (and a delete made
  in that window may come back);
* never a *started run*: a put of a running interaction (``in_progress``/``queued``, i.e. a
  stream or background create) commits synchronously, with every change before it, so an
  unfinished run is always found and resumed at the next start (its end is written behind:
  killed in that window, it is resumed once more, and regenerated deterministically).

A clean stop (``close()``: Ctrl-C, SIGTERM through uvicorn's shutdown) writes everything.

Both stores are **bounded** (``max_items``, ``--max-interactions``): like the real service
expiring stored interactions, the oldest *finished* ones are evicted first (running ones
never are), so a GET of an evicted id, or a chain continued from one, is a 404.
"""

from __future__ import annotations

import collections
import functools
import json
import marshal
import operator
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .jsonwire import dumps_lenient, preencoded
from .writebehind import WriteBehind

RUNNING = ("in_progress", "queued")
DEFAULT_MAX = 10_000
FLUSH_S = 0.05
"""How long an answered, finished interaction may wait in memory before its commit (--db)."""


def now_iso() -> str:
    """The current second, UTC (formatted once per second: a create asks twice)."""
    global _NOW
    second = int(time.time())
    now = _NOW
    if now[0] != second:
        now = _NOW = (second, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second)))
    return now[1]


_NOW: tuple[int, str] = (-1, "")


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

    def to_dict(self) -> dict[str, Any]:
        """The fields, sharing (not copying) their values: ``dataclasses.asdict`` deep-copies,
        which cost more than the rest of a create's storing."""
        return {name: getattr(self, name) for name in FIELDS}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Record:
        data = json.loads(text)
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def pack(self) -> bytes:
        """This record as one compact blob, for this process's memory only."""
        values = _FIELD_VALUES(self)
        try:
            return marshal.dumps(values)
        except ValueError:  # a value marshal does not know (a str subclass, say): as the wire sees it
            return marshal.dumps(tuple(json.loads(json.dumps(values, default=str))))

    def pack_shared(self, inputs: bytes, outputs: bytes) -> tuple[bytes, bytes, bytes]:
        """This record as its :data:`HEAD_FIELDS` blob beside ``inputs`` (the marshal blob of
        ``(request, input_steps)``) and ``outputs`` (of ``(output_steps, status, usage, error,
        duration)``, a :class:`~.brain.base.Reply`'s fields), which must hold this record's
        values: see the module docstring."""
        return (marshal.dumps(_HEAD_VALUES(self)), inputs, outputs)

    @classmethod
    def unpack(cls, item: Packed) -> Record:
        """The record :meth:`pack` or :meth:`pack_shared` kept."""
        if type(item) is bytes:
            return cls(*marshal.loads(item))
        head, inputs, outputs = item
        values = dict(zip(HEAD_FIELDS, marshal.loads(head)))
        values["request"], values["input_steps"] = marshal.loads(inputs)
        values["output_steps"], _, values["usage"], values["error"], _ = marshal.loads(outputs)
        return cls(**values)

    @staticmethod
    def size(item: Packed) -> int:
        """Bytes a stored item holds of its own: a blob's length; for shared parts, the head's
        length plus the head's and the tuple's object headers (the parts are counted where they
        live). A reset gives memory back when these add up to enough (:mod:`.memory`)."""
        if type(item) is bytes:
            return len(item)
        return len(item[0]) + _SHARED_OVERHEAD


_SHARED_OVERHEAD = sys.getsizeof(b"") + sys.getsizeof((b"", b"", b""))


FIELDS = tuple(Record.__dataclass_fields__)
_FIELD_VALUES = operator.attrgetter(*FIELDS)
"""record -> the tuple of its field values, in :data:`FIELDS` order."""
SHARED_FIELDS = ("request", "input_steps", "output_steps", "usage", "error")
HEAD_FIELDS = tuple(name for name in FIELDS if name not in SHARED_FIELDS)
"""The fields a shared record packs itself, in :data:`FIELDS` order."""
_HEAD_VALUES = operator.attrgetter(*HEAD_FIELDS)
Packed = bytes | tuple[bytes, bytes, bytes]
"""A stored record: :meth:`Record.pack`'s blob or :meth:`Record.pack_shared`'s parts."""


class MemoryStore:
    """Packed records in creation order; the default for the embedded emulator and tests."""

    def __init__(self, max_items: int = DEFAULT_MAX) -> None:
        self._items: collections.OrderedDict[str, Packed] = collections.OrderedDict()
        self._running: set[str] = set()
        """Ids stored with a running status: never evicted."""
        self._lock = threading.Lock()
        self.max_items = max_items
        self.on_evict: Callable[[str], None] | None = None
        """Told the id of each evicted record (the emulator drops its caches)."""

    def __len__(self) -> int:
        return len(self._items)

    def get(self, rid: str) -> Record | None:
        """A fresh copy of the stored record (changing it changes nothing until ``put``)."""
        blob = self._items.get(rid)
        return Record.unpack(blob) if blob is not None else None

    def put(self, record: Record, shared: tuple[bytes, bytes] | None = None) -> None:
        """Store ``record``; ``shared``: the blobs of its inputs and outputs, when it holds
        exactly what they do (see the module docstring)."""
        blob = record.pack() if shared is None else record.pack_shared(*shared)
        with self._lock:
            new = record.id not in self._items
            self._items[record.id] = blob  # an update keeps its place
            if record.status in RUNNING:
                self._running.add(record.id)
            else:
                self._running.discard(record.id)
            evicted = self._evict() if new else []
            self._changed(record.id, *evicted)
        for rid in evicted:
            if self.on_evict is not None:
                self.on_evict(rid)
        self._after_put(record)

    def _changed(self, *rids: str) -> None:
        """Called under the lock with every id put, evicted or deleted (for write-behind)."""

    def _after_put(self, record: Record) -> None:
        """Called after a put, outside the lock."""

    def _evict(self) -> list[str]:
        excess = len(self._items) - self.max_items
        if excess <= 0:
            return []
        if excess == 1 and not self._running:  # the steady state at the cap: drop the oldest
            return [self._items.popitem(last=False)[0]]
        victims = []
        for rid in self._items:  # oldest first; running ones stay
            if rid not in self._running:
                victims.append(rid)
                if len(victims) == excess:
                    break
        for rid in victims:
            del self._items[rid]
        return victims

    def delete(self, rid: str) -> bool:
        with self._lock:
            found = self._items.pop(rid, None) is not None
            self._running.discard(rid)
            if found:
                self._changed(rid)
        return found

    def clear(self) -> int:
        """Forget everything; returns the bytes of packed records dropped."""
        with self._lock:
            dropped = sum(map(Record.size, self._items.values()))
            self._items = collections.OrderedDict()  # a fresh table: the old one's memory goes
            self._running = set()
        return dropped

    def unfinished(self) -> Iterator[Record]:
        """Interactions stored as running (after a restart with ``--db``: left running)."""
        with self._lock:
            blobs = [self._items[rid] for rid in self._items if rid in self._running]
        return (Record.unpack(b) for b in blobs)

    def close(self) -> None:
        pass


ROWS_PER_STATEMENT = 64
"""Changes written by one statement. The writer runs beside the event loop, and :mod:`sqlite3`
releases the GIL around each statement it steps: one statement per row (``executemany``) made
the writer take the GIL back twice per create, each time against a busy event loop, and that
hand-over cost the server more CPU than the writes themselves (``--db`` at 0.76x of in-memory
under load). A multi-row statement hands the GIL over once per 64 changes."""


@functools.lru_cache(maxsize=2 * ROWS_PER_STATEMENT)
def _upsert(rows: int) -> str:
    """Insert ``rows`` interactions, or update them in place (an update keeps its rowid: its age)."""
    values = ",".join(["(?,?,?)"] * rows)
    return (
        f"INSERT INTO interactions(id, status, doc) VALUES {values} "
        "ON CONFLICT(id) DO UPDATE SET status=excluded.status, doc=excluded.doc"
    )


@functools.lru_cache(maxsize=2 * ROWS_PER_STATEMENT)
def _delete(rows: int) -> str:
    return f"DELETE FROM interactions WHERE id IN ({','.join('?' * rows)})"


def _write(conn: sqlite3.Connection, statement: Callable[[int], str], rows: list[tuple]) -> int:
    """Run ``statement`` over ``rows`` in chunks of :data:`ROWS_PER_STATEMENT`; returns how
    many statements ran."""
    runs = 0
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start : start + ROWS_PER_STATEMENT]
        conn.execute(statement(len(chunk)), [value for row in chunk for value in row])
        runs += 1
    return runs


class SharedDocs:
    """A stored item's fields for its JSON document, where the parts a shared item
    (:meth:`Record.pack_shared`) shares are encoded once per blob, not once per interaction:
    the writer's cost for a repeated turn is its head's."""

    SIZE = 256

    def __init__(self) -> None:
        self._parts: collections.OrderedDict[bytes, tuple[Any, ...]] = collections.OrderedDict()

    def fields(self, item: Packed) -> dict[str, Any]:
        """The document's fields, in :data:`FIELDS` order (values or pre-encoded parts)."""
        if type(item) is bytes:
            return Record.unpack(item).to_dict()
        head, inputs, outputs = item
        values = dict(zip(HEAD_FIELDS, marshal.loads(head)))
        values["request"], values["input_steps"] = self._encoded(inputs, (0, 1))
        values["output_steps"], values["usage"], values["error"] = self._encoded(outputs, (0, 2, 3))
        return {name: values[name] for name in FIELDS}

    def _encoded(self, blob: bytes, picks: tuple[int, ...]) -> tuple[Any, ...]:
        parts = self._parts.get(blob)  # called under the store's write lock only
        if parts is None:
            values = marshal.loads(blob)
            parts = self._parts[blob] = tuple(preencoded(values[i], lenient=True) for i in picks)
            if len(self._parts) > self.SIZE:
                self._parts.popitem(last=False)
        else:
            self._parts.move_to_end(blob)
        return parts


class SqliteStore(MemoryStore):
    """A :class:`MemoryStore` whose changes a background writer commits to one SQLite table
    of JSON documents in creation order (rowid), WAL journal. See the module docstring for
    what a ``kill -9`` may lose.

    A flush writes its changes with multi-row statements (:data:`ROWS_PER_STATEMENT`), whose
    texts repeat, so :mod:`sqlite3` prepares each once. ``flush_s <= 0`` writes every change
    synchronously. ``commits`` counts transactions, ``statements`` the write statements.
    """

    def __init__(self, path: str, max_items: int = DEFAULT_MAX, flush_s: float = FLUSH_S) -> None:
        super().__init__(max_items)
        self.path = path
        self.flush_s = flush_s
        self.commits = 0
        self.statements = 0
        """Write statements run (each writes up to :data:`ROWS_PER_STATEMENT` changes)."""
        self._docs = SharedDocs()
        self._dirty: dict[str, None] = {}
        """Ids changed since the last flush, in order (a dict as an ordered set)."""
        self._write_lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS interactions ("
                "id TEXT PRIMARY KEY, status TEXT NOT NULL, doc TEXT NOT NULL)"
            )
            self._load()
        except BaseException:
            self._conn.close()
            raise
        self._writer = WriteBehind(self.flush, flush_s) if flush_s > 0 else None

    def _load(self) -> None:
        for rid, doc in self._conn.execute("SELECT id, doc FROM interactions ORDER BY rowid"):
            try:
                record = Record.from_json(doc)
            except (ValueError, TypeError) as exc:
                raise sqlite3.DatabaseError(f"interaction {rid} is not a stored interaction: {exc}") from None
            self._items[rid] = record.pack()
            if record.status in RUNNING:
                self._running.add(rid)

    def _changed(self, *rids: str) -> None:
        self._dirty.update(dict.fromkeys(rids))

    def _after_put(self, record: Record) -> None:
        if self._writer is None or record.status in RUNNING:
            self.flush()  # a started run must survive a kill -9 to be resumed
        else:
            self._writer.kick()

    def delete(self, rid: str) -> bool:
        found = super().delete(rid)
        if found and self._writer is not None:
            self._writer.kick()
        elif found:
            self.flush()
        return found

    def flush(self) -> int:
        """Commit every pending change in one transaction; returns how many ids it wrote."""
        with self._write_lock:
            with self._lock:
                dirty, self._dirty = self._dirty, {}
                blobs = [(rid, self._items.get(rid)) for rid in dirty]
            if not blobs:
                return 0
            upserts, deletes = [], []
            for rid, blob in blobs:  # encoded here, off the request path when behind
                if blob is None:
                    deletes.append((rid,))
                else:
                    data = self._docs.fields(blob)
                    upserts.append((rid, data["status"], dumps_lenient(data).decode("utf-8")))
            conn = self._conn
            try:
                conn.execute("BEGIN")
                self.statements += _write(conn, _upsert, upserts) + _write(conn, _delete, deletes)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                with self._lock:  # still to write, before anything changed since
                    self._dirty = {**dirty, **self._dirty}
                raise
            self.commits += 1
            return len(blobs)

    def clear(self) -> int:
        with self._write_lock:
            dropped = super().clear()
            with self._lock:
                self._dirty = {}
            self._conn.execute("DELETE FROM interactions")
        return dropped

    def close(self) -> None:
        if self._writer is not None:
            self._writer.stop()
        try:
            self.flush()
        finally:
            with self._write_lock:
                self._conn.close()


def open_store(path: str | None, max_items: int = DEFAULT_MAX) -> MemoryStore | SqliteStore:
    return SqliteStore(path, max_items) if path else MemoryStore(max_items)
