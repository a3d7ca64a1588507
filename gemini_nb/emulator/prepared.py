"""Create bodies seen before: parsed, validated and digested once, not on every request.

Load tests, benchmarks and notebooks re-run from the top send the same create body again and
again, and reading it (strict JSON, validation, normalizing the input, the JSON texts the
turn's seed and memo key are digests of) is a large share of what a create costs. All of that
is a pure function of the body's bytes for a plain-text turn: no agent (saved agents change),
no tools, files, media or schemas (the turns the brain memo takes, :mod:`.brain.memo`). So the
emulator keeps, per distinct body of such a turn, what reading it gave:

* the body's ``model`` (fault rules match on it before validation),
* the validated request and input steps as one :mod:`marshal` blob (each request gets its own
  copy: nothing done to one turn's objects can reach another),
* the head of the turn seed's JSON text and the memo key's JSON text of the request fields,
  to which each request adds its own history length, chain digest and emulator seed (the
  digests of the last such combination are kept: a body sent again on a fresh chain with
  the same seed has the same ones).

Everything that depends on more than the body stays per request: the API key, faults, the
chain (``previous_interaction_id`` is looked up every time), the scenario book, the memo, ids,
timestamps, storage. A body is remembered only after it was accepted, so a refused body is
refused again the same way. Bounded in entries and body size; forgotten on reset.
"""

from __future__ import annotations

import collections
import marshal
import threading
from typing import Any, NamedTuple

SIZE = 256
"""Distinct bodies remembered at most (least recently used first out)."""
MAX_BODY = 16 * 1024
"""Larger bodies are not remembered (they are rarely sent twice, and cost memory)."""


class Unary(NamedTuple):
    """The fields of a plain unary request that its answer and stored record read."""

    model: Any
    previous_interaction_id: Any
    service_tier: Any
    store: bool

    @classmethod
    def of(cls, req: dict[str, Any]) -> Unary | None:
        if "stream" in req or req.get("background") or req.get("agent"):
            return None
        return cls(
            req.get("model"),
            req.get("previous_interaction_id"),
            req.get("service_tier"),
            req.get("store", True) is not False,
        )


class Prepared:
    """What reading one body gave (see the module docstring)."""

    __slots__ = ("model", "blob", "seed_head", "fields_text", "input_size", "derived", "unary")

    def __init__(
        self,
        model: Any,
        blob: bytes,
        seed_head: str,
        fields_text: str,
        input_size: int,
        unary: Unary | None = None,
    ):
        self.model, self.blob, self.seed_head, self.fields_text = model, blob, seed_head, fields_text
        self.input_size = input_size
        """The input steps' size as the large-turn check counts it."""
        self.unary = unary
        """For a plain unary turn (no ``stream`` field, not background), the request fields
        its answer and record read besides the blob (``Emulator._remembered_answer``)."""
        self.derived: tuple | None = None
        """``(probe, turn seed, memo key)`` of the last request with this body: the digests
        depend only on the body and the probe (history length and digest, emulator seed)."""

    def fresh(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """A new copy of the validated request and its input steps."""
        return marshal.loads(self.blob)


class PreparedBodies:
    """``body bytes -> Prepared``, bounded; thread-safe."""

    def __init__(self, size: int = SIZE, max_body: int = MAX_BODY):
        self.size, self.max_body = size, max_body
        self._items: collections.OrderedDict[bytes, Prepared] = collections.OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, raw: bytes) -> Prepared | None:
        if len(raw) > self.max_body:
            return None
        with self._lock:
            item = self._items.get(raw)
            if item is not None:
                self._items.move_to_end(raw)
            return item

    def put(self, raw: bytes, item: Prepared) -> None:
        if len(raw) > self.max_body:
            return
        with self._lock:
            self._items[bytes(raw)] = item
            self._items.move_to_end(raw)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items = collections.OrderedDict()


def blob(req: dict[str, Any], input_steps: list[dict[str, Any]]) -> bytes | None:
    """The request and its input steps as a blob, or None if marshal cannot hold them."""
    try:
        return marshal.dumps((req, input_steps))
    except ValueError:
        return None
