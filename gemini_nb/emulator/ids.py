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


class IdFactory:
    """Interaction ids (``v1_...``), call ids and signatures; thread-safe."""

    def __init__(self, seed: int | None = None):
        self._lock = threading.Lock()
        self.reseed(seed)

    def reseed(self, seed: int | None) -> None:
        with self._lock:
            self.seed = seed
            self._rng = random.Random(seed if seed is not None else os.urandom(16))

    def _chars(self, n: int, alphabet: str = _ALPHABET) -> str:
        """``n`` characters drawn as ``n`` calls of ``Random.choice`` would draw them (the same
        ``getrandbits`` calls, rejecting values past the alphabet), without its per-call
        overhead: seeded ids stay exactly what they always were."""
        size = len(alphabet)
        width = size.bit_length()
        out: list[str] = []
        with self._lock:
            bits = self._rng.getrandbits
            while len(out) < n:
                r = bits(width)
                if r < size:
                    out.append(alphabet[r])
        return "".join(out)

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
