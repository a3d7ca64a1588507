"""Compact JSON text for what the emulator sends and stores: orjson, with the standard library
behind it.

Encoding the answer was the largest single cost of a create the memo answers (about 8 us of
about 60 us of the emulator's own CPU, against under 1 us with orjson), and encoding the
stored document the largest cost of the ``--db`` writer. Both encoders give the same text for
what the emulator holds (compact separators, UTF-8 as is, insertion order), except that small
floats are spelled out (``0.00001``, not ``1e-05``), which any JSON reader reads the same.

A value orjson refuses (an integer beyond 64 bits, a key that is not a string, a type it does not
know) is encoded by :mod:`json` as before, so nothing that encoded before fails now. Without
orjson installed (it is a dependency; a vendored copy may lack it) everything goes to :mod:`json`.
"""

from __future__ import annotations

import json
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover -- a dependency; kept working without it
    orjson = None  # type: ignore[assignment]

_STRICT = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
_LENIENT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)
_SORTED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


if orjson is not None:
    _orjson_dumps, _SORT_KEYS = orjson.dumps, orjson.OPT_SORT_KEYS

    def dumps(value: Any) -> bytes:
        """An answer or an event: compact UTF-8 JSON bytes."""
        try:
            return _orjson_dumps(value)
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            return _STRICT.encode(value).encode("utf-8")

    def dumps_lenient(value: Any) -> bytes:
        """A stored document: like :func:`dumps`, but a value of an unknown type is written as
        its ``str()`` (one odd value must not block every later write)."""
        try:
            return _orjson_dumps(value, default=str)
        except TypeError:
            return _LENIENT.encode(value).encode("utf-8")

    def dumps_sorted(value: Any) -> bytes:
        """Keys sorted at every level: a cache key, not wire text."""
        try:
            return _orjson_dumps(value, option=_SORT_KEYS)
        except TypeError:
            return _SORTED.encode(value).encode("utf-8")

    _Fragment = getattr(orjson, "Fragment", None)

    def preencoded(value: Any, lenient: bool = False) -> Any:
        """``value`` encoded once (by :func:`dumps_lenient` if ``lenient``), to be placed as is
        in what the same function encodes later (``value`` itself, for an orjson without
        fragments)."""
        if _Fragment is None:
            return value
        return _Fragment(dumps_lenient(value) if lenient else dumps(value))

else:  # pragma: no cover

    def preencoded(value: Any, lenient: bool = False) -> Any:
        return value

    def dumps(value: Any) -> bytes:
        return _STRICT.encode(value).encode("utf-8")

    def dumps_lenient(value: Any) -> bytes:
        return _LENIENT.encode(value).encode("utf-8")

    def dumps_sorted(value: Any) -> bytes:
        return _SORTED.encode(value).encode("utf-8")
