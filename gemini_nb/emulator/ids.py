"""Identifiers and signatures.

Ids are random by default and fully deterministic after ``/_emulator/seed`` (so tests and
tutorials can pin them). Thought signatures are self-verifying (payload + HMAC), so a
signature sent back in stateless history can be checked without any server state.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import random
import re
import string
import threading

_ALPHABET = string.ascii_letters + string.digits
_SECRET = b"gemini-nb-emulator-thought-signature-v1"
INTERACTION_ID = re.compile(r"v1_[A-Za-z0-9_-]{1,256}")
"""Ours are ``v1_`` + 30 letters/digits; the real service's are ``v1_`` + URL-safe base64."""


def is_interaction_id(value: str) -> bool:
    """True for a well-formed interaction id; anything else can never name one."""
    return bool(INTERACTION_ID.fullmatch(value or ""))


_TABLES: dict[str, tuple[bytes, bytes]] = {}
"""alphabet -> (translation of a 32-bit output's top byte to its character, bytes rejected)."""


def _table(alphabet: str) -> tuple[bytes, bytes]:
    """For each top byte ``b`` of an output, the character ``alphabet[b >> (8 - width)]``, or
    a rejection when that index is past the alphabet (``Random.choice``'s rejection rule)."""
    size = len(alphabet)
    width = size.bit_length()
    if width > 8 or not alphabet.isascii():
        raise ValueError("an id alphabet is at most 255 ASCII characters")
    index = [b >> (8 - width) for b in range(256)]
    table = bytes(ord(alphabet[i]) if i < size else 0 for i in index)
    rejected = bytes(b for b in range(256) if index[b] >= size)
    return table, rejected


class IdFactory:
    """Interaction ids (``v1_...``), call ids and signatures; thread-safe."""

    def __init__(self, seed: int | None = None):
        self._lock = threading.Lock()
        self.reseed(seed)

    POOL = 4096
    """Characters drawn at once for unseeded ids (see :meth:`_chars`)."""

    def reseed(self, seed: int | None) -> None:
        with self._lock:
            self.seed = seed
            self._rng = random.Random(seed if seed is not None else os.urandom(16))
            self._pools: dict[str, tuple[str, int]] = {}
            """alphabet -> (characters drawn ahead, how many of them are used); unseeded only."""

    def _chars(self, n: int, alphabet: str = _ALPHABET) -> str:
        """``n`` characters drawn as ``n`` calls of ``Random.choice`` would draw them (one
        ``getrandbits(width)`` per try, rejecting values past the alphabet), without its
        per-call overhead: seeded ids stay exactly what they always were.

        ``getrandbits(width)`` (width <= 32) is the top ``width`` bits of one 32-bit output of
        the generator, and ``getrandbits(32 * m)`` is the next ``m`` outputs, the first in the
        lowest bits; so one call per round draws every try of the round, and a translation
        table turns each output's top byte into its character (or drops it, a rejection).
        A round draws only the tries still needed, so the generator ends where ``n`` single
        draws would leave it."""
        with self._lock:
            if self.seed is None:
                return self._pooled(n, alphabet)
            return self._draw(n, alphabet)

    def _draw(self, n: int, alphabet: str) -> str:
        """``n`` characters from the generator (the caller holds the lock)."""
        table = _TABLES.get(alphabet)
        if table is None:
            table = _TABLES[alphabet] = _table(alphabet)
        out = b""
        bits = self._rng.getrandbits
        while len(out) < n:
            m = n - len(out)
            tops = bits(32 * m).to_bytes(4 * m, "little")[3::4]
            out += tops.translate(table[0], table[1])
        return out.decode("ascii")

    def _pooled(self, n: int, alphabet: str) -> str:
        """Unseeded ids need no reproducible order, so characters are drawn :data:`POOL` at a
        time (the same draws and rejections) and handed out in turn: an id costs a slice, not
        a draw (the caller holds the lock)."""
        pool, at = self._pools.get(alphabet, ("", 0))
        if len(pool) - at < n:
            pool, at = pool[at:] + self._draw(max(n, self.POOL), alphabet), 0
        self._pools[alphabet] = (pool, at + n)
        return pool[at : at + n]

    def interaction_id(self) -> str:
        return "v1_" + self._chars(30)

    def call_id(self) -> str:
        return self._chars(8, string.ascii_lowercase + string.digits)

    def file_name(self) -> str:
        return "files/" + self._chars(12, string.ascii_lowercase + string.digits)

    def sign(self, payload: str) -> str:
        """A base64 signature carrying ``payload`` and its HMAC: verifiable statelessly."""
        raw = payload.encode("utf-8")
        mac = hmac.new(_SECRET, raw, hashlib.sha256).digest()[:16]
        return base64.b64encode(mac + raw).decode("ascii")

    @staticmethod
    def verify(signature: str) -> bool:
        try:
            blob = base64.b64decode(signature, validate=True)
        except Exception:
            return False
        if len(blob) < 16:
            return False
        mac, raw = blob[:16], blob[16:]
        return hmac.compare_digest(mac, hmac.new(_SECRET, raw, hashlib.sha256).digest()[:16])
