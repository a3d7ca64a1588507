"""Answers to turns the brain would answer from its memo, made from the blobs themselves.

A repeated plain unary turn (the same body on the same chain, with the same seed: a load test,
a benchmark, a notebook run again) is answered by the brain's memo (:mod:`.brain.memo`) from a
remembered body (:mod:`.prepared`). The full path still unpacks the body and the reply, builds
the brain's view of the turn, passes it through every layer of the brain, and renders and
encodes the answer's steps, only to send what the memo holds. When every layer of the brain
says it would have no say in such a turn (:func:`.brain.base.remembered`: no scenario in the
book, the default skills, the shipped layers), ``Emulator._remembered_answer`` skips that: it
looks the chain up (the same errors), draws the id (the same seeded ids), stores a record that
shares the two blobs (:mod:`.store`), and sends the shell of the answer with the rest of it
encoded once per remembered reply (:class:`Tails`). Everything else about the turn is fresh,
as on the full path: id, timestamps, storage, the request log, faults, the key check.
"""

from __future__ import annotations

import collections
import marshal
import threading
from typing import Any

from . import dialects
from .jsonwire import preencoded
from .store import Record

SIZE = 64
"""Remembered replies whose encoded answers are kept, per dialect (least recently used out)."""


class Tails:
    """``(memo blob, dialect) -> (status, the answer's fields after its shell, pre-encoded)``."""

    def __init__(self, size: int = SIZE):
        self.size = size
        self._items: collections.OrderedDict[tuple[bytes, str], tuple[str, dict[str, Any]]] = (
            collections.OrderedDict()
        )
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, blob: bytes, dialect: str) -> tuple[str, dict[str, Any]]:
        key = (blob, dialect)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        hit = self._tail(blob, dialect)
        with self._lock:
            self._items[key] = hit
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return hit

    @staticmethod
    def _tail(blob: bytes, dialect: str) -> tuple[str, dict[str, Any]]:
        """What :func:`.dialects.render` adds after the shell for this reply, each value
        encoded: the answer is ``{**shell, **tail}``, the order render gives."""
        steps, status, usage, error, _ = marshal.loads(blob)
        if dialect == dialects.LEGACY and status not in dialects.LEGACY_STATUSES:
            status = "completed"
        record = Record("", None, None, status, dialect, {}, [], steps, usage, error)
        head = dialects.shell(record, dialect)
        body = dialects.render(record, dialect, copy=False)
        return status, {k: preencoded(v) for k, v in body.items() if k not in head}

    def clear(self) -> None:
        with self._lock:
            self._items = collections.OrderedDict()
