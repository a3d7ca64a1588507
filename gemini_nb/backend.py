"""Which server answers: the live API, the embedded emulator, or a URL; and the client for it.

Order (first match wins): an explicit ``%gemini backend live|emulator|URL``; the
``GEMINI_NB_BACKEND`` variable; an API key (``GEMINI_API_KEY``, ``GOOGLE_API_KEY``, Colab's
``userdata``, or one typed into ``%gemini key``) -> live; ``GOOGLE_GEMINI_BASE_URL`` -> that URL;
otherwise the emulator, started in-process on first use with a one-time notice. A newcomer
with no key therefore gets working, clearly labelled answers instead of an error. The embedded
emulator's ids are seeded (:func:`embedded_seed`): a notebook re-run in a fresh kernel gets the
same interaction ids, so its saved outputs stay comparable (nbval) and diffs stay quiet.

Key hygiene: the key lives only in memory (never in :class:`Backend`'s repr, outputs, history
or messages; :func:`gemini_nb.errors.register_secret` scrubs it from error text) and is never
accepted on a magic's command line.
"""

from __future__ import annotations

import atexit
import os
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from .errors import GeminiError, register_secret

KEY_VARS = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
EMULATOR_KEY = "gemini-nb-emulator"
NOTICE = (
    "gemini_nb: no API key found, so answers come from the local emulator and are marked "
    "'emulated'. To use Gemini: set GEMINI_API_KEY (or run %gemini key), then %gemini backend live."
)

DEFAULT_SEED = 0
"""Seed of the embedded emulator's ids when ``GEMINI_NB_EMULATOR_SEED`` is unset."""

_lock = threading.Lock()
_embedded: Any = None
_typed_key: str | None = None
_notice_shown = False


@dataclass
class Backend:
    kind: str
    """``live``, ``emulator`` (embedded) or ``url``."""
    base_url: str | None
    source: str
    """What chose it: ``explicit``, ``GEMINI_NB_BACKEND``, ``GEMINI_API_KEY``, ``default``..."""
    emulated: bool
    api_key: str = field(default="", repr=False)

    def describe(self) -> str:
        where = self.base_url or "https://generativelanguage.googleapis.com"
        label = "emulated" if self.emulated else "live"
        return f"{self.kind} backend ({label}) at {where}, chosen by {self.source}"

    def client(self, timeout: float | None = None, attempts: int | None = None) -> Any:
        """A ``google.genai.Client`` for this backend (the SDK is imported here, lazily)."""
        from google import genai

        http_options: dict[str, Any] = {}
        if self.base_url:
            http_options["base_url"] = self.base_url
        if timeout:
            http_options["timeout"] = int(timeout * 1000)
        if attempts is not None:
            http_options["retry_options"] = {"attempts": max(int(attempts), 1)}
        return genai.Client(api_key=self.api_key, http_options=http_options or None)


def set_typed_key(key: str | None) -> None:
    """Keep a key typed into ``%gemini key`` for this process only."""
    global _typed_key
    _typed_key = key.strip() if key else None
    register_secret(_typed_key)


def _colab_key() -> str | None:
    import sys

    if "google.colab" not in sys.modules:
        return None
    try:
        from google.colab import userdata  # type: ignore

        for name in KEY_VARS:
            try:
                value = userdata.get(name)
            except Exception:
                value = None
            if value:
                return value
    except Exception:
        return None
    return None


def find_key() -> tuple[str | None, str | None]:
    """(key, where it came from) without ever printing it."""
    if _typed_key:
        return _typed_key, "%gemini key"
    for name in KEY_VARS:
        value = os.environ.get(name, "").strip()
        if value:
            return value, name
    value = _colab_key()
    if value:
        return value, "Colab userdata"
    return None, None


def embedded_seed() -> int | None:
    """The embedded emulator's id seed: ``GEMINI_NB_EMULATOR_SEED`` (an integer, or ``random``),
    else a fixed one, so re-running a notebook in a fresh kernel repeats its interaction ids."""
    value = os.environ.get("GEMINI_NB_EMULATOR_SEED", "").strip()
    if value.lower() == "random":
        return None
    if not value:
        return DEFAULT_SEED
    try:
        return int(value)
    except ValueError:
        raise GeminiError(
            f"GEMINI_NB_EMULATOR_SEED must be an integer or 'random', not {value!r}", kind="usage"
        ) from None


def embedded_emulator() -> Any:
    """Start (once per process) the in-process emulator; returns its handle."""
    global _embedded
    with _lock:
        if _embedded is None:
            from .emulator import start

            _embedded = start(port=0, seed=embedded_seed())
            atexit.register(_stop_embedded)
        return _embedded


def _stop_embedded() -> None:
    global _embedded
    handle, _embedded = _embedded, None
    if handle is not None:
        try:
            handle.stop()
        except Exception:
            pass


def take_notice() -> str | None:
    """The emulator notice, the first time only."""
    global _notice_shown
    if _notice_shown:
        return None
    _notice_shown = True
    return NOTICE


def is_emulator(url: str) -> bool:
    """Does ``url`` serve the gemini_nb emulator (its control plane answers)? Decides the badge."""
    import urllib.request

    host = (urlparse(url).hostname or "").lower()
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/_emulator/health", timeout=1.0) as response:
            return response.status == 200
    except Exception:
        # unreachable now: assume a loopback server is a local emulator, anything else is real
        return host in ("localhost", "::1") or host.startswith("127.")


def _base_url() -> str | None:
    """``GOOGLE_GEMINI_BASE_URL`` (a proxy, a regional endpoint... or an emulator: then the
    answers are emulated and must carry the badge even though a key chose "live")."""
    return os.environ.get("GOOGLE_GEMINI_BASE_URL", "").strip().rstrip("/") or None


def _from_choice(choice: str, source: str) -> Backend:
    choice = choice.strip()
    low = choice.lower()
    if low == "emulator":
        return Backend("emulator", embedded_emulator().base_url, source, True, EMULATOR_KEY)
    if low == "live":
        key, where = find_key()
        if not key:
            raise GeminiError(
                "No API key for the live backend: set GEMINI_API_KEY (or GOOGLE_API_KEY) or run %gemini key.",
                kind="auth",
            )
        register_secret(key)
        base = _base_url()
        return Backend("live", base, f"{source} ({where})", bool(base) and is_emulator(base), key)
    if low.startswith(("http://", "https://")):
        key, _ = find_key()
        register_secret(key)
        return Backend("url", choice.rstrip("/"), source, is_emulator(choice), key or EMULATOR_KEY)
    raise GeminiError(f"unknown backend {choice!r}: use live, emulator or an http(s):// URL", kind="usage")


def resolve(explicit: str | None = None) -> Backend:
    """Pick the backend following the documented order."""
    if explicit:
        return _from_choice(explicit, "explicit")
    env = os.environ.get("GEMINI_NB_BACKEND", "").strip()
    if env:
        return _from_choice(env, "GEMINI_NB_BACKEND")
    key, where = find_key()
    if key:
        register_secret(key)
        base = _base_url()
        return Backend("live", base, where or "key", bool(base) and is_emulator(base), key)
    base = os.environ.get("GOOGLE_GEMINI_BASE_URL", "").strip()
    if base:
        return Backend("url", base.rstrip("/"), "GOOGLE_GEMINI_BASE_URL", is_emulator(base), EMULATOR_KEY)
    return Backend("emulator", embedded_emulator().base_url, "default (no API key)", True, EMULATOR_KEY)
