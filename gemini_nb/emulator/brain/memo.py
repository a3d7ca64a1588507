"""A bounded memo of the brain's answers to identical plain-text turns.

The text skill is deterministic: the same request on the same chain content, with the same
emulator seed, gives the same words, thoughts and usage. Benchmarks, notebooks re-run from the
top and load tests send the same turn again and again, and composing the answer is most of
what a create costs the emulator. So :class:`~.pipeline.PipelineBrain` remembers the reply of
a turn the text skill answered, under the key the emulator computed for it
(``TurnContext.memo_key``: the request, the chain's digest and the seed; only set for turns
whose request and history hold plain text and no tools, agents, media or schemas), and
answers an identical turn from here. Everything around the answer stays fresh: interaction
ids, timestamps, storage, the request log.

A stored reply is a private :mod:`marshal` blob, and each hit gets its own copy of its dicts,
lists and strings, unmarshalled in C (the emulator stores and streams them; nothing can change
a remembered answer): several times cheaper than copying the structure in Python, which cost
a create more than the rest of a memo hit. A reply holding a value marshal does not know is
kept as objects and copied in Python. Least recently used entries go first.
A reply is stored only when its key comes a second time (the first time only the key is
noted): a stream of distinct turns, the common case, costs a few bytes per turn, not a copy
of every answer.
"""

from __future__ import annotations

import collections
import marshal
import pickle
import threading
from typing import Any

from .base import Reply

MEMO_SIZE = 256
"""Entries kept at most."""
MEMO_BYTES = 256 * 1024
"""Serialized size kept at most (a 100-delta answer with thoughts and usage is about 2 KiB), so the
memo is a small constant next to the stored interactions, whatever the answers' size."""


def _copy(value: Any) -> Any:
    """New dicts, lists and tuples all the way down; strings and numbers shared (immutable)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_copy(v) for v in value)
    return value


class ReplyMemo:
    """``key -> Reply`` within ``size`` keys and ``max_bytes`` serialized bytes, least recently
    used evicted first; thread-safe."""

    def __init__(self, size: int = MEMO_SIZE, max_bytes: int = MEMO_BYTES):
        self.size, self.max_bytes = size, max_bytes
        self.bytes = 0
        self._items: collections.OrderedDict[bytes, tuple[Any, int]] = collections.OrderedDict()
        """key -> (the reply fields' marshal blob, or the fields themselves; the blob's or the
        fields' pickled size)"""
        self._seen: collections.OrderedDict[bytes, None] = collections.OrderedDict()
        """Keys met once and not stored (admission on the second sighting)."""
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: bytes) -> Reply | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
        kept = item[0]
        if type(kept) is bytes:
            return Reply(*marshal.loads(kept), packed=kept)
        return Reply(*_copy(kept))

    def peek(self, key: bytes) -> bytes | None:
        """The blob :meth:`get` would unpack for ``key`` (a hit counts as one), or None: not
        remembered, or kept as objects."""
        with self._lock:
            item = self._items.get(key)
            if item is None or type(item[0]) is not bytes:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: bytes, reply: Reply) -> None:
        with self._lock:
            if key not in self._seen:
                self._seen[key] = None
                if len(self._seen) > self.size:
                    self._seen.popitem(last=False)
                return
        fields = (reply.steps, reply.status, reply.usage, reply.error, reply.duration_s)
        kept: Any
        try:
            kept = marshal.dumps(fields)
            size = len(kept)
        except ValueError:  # a value marshal does not know (a str subclass, an object)
            kept = _copy(fields)
            try:
                size = len(pickle.dumps(kept, pickle.HIGHEST_PROTOCOL))
            except Exception:  # noqa: BLE001 -- nor pickle (a local class): not remembered
                return
        if size > self.max_bytes // 4:
            return  # one huge answer would push out everything else
        with self._lock:
            old = self._items.pop(key, None)
            self.bytes += size - (old[1] if old is not None else 0)
            self._items[key] = (kept, size)
            while len(self._items) > self.size or self.bytes > self.max_bytes:
                self.bytes -= self._items.popitem(last=False)[1][1]

    def clear(self) -> None:
        with self._lock:
            self._items = collections.OrderedDict()
            self._seen = collections.OrderedDict()
            self.bytes = 0
