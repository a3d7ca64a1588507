"""The request log (``/_emulator/requests``): every API request, credentials redacted.

Redacting is a walk over the headers, the query and the whole JSON body, for a log that is
read rarely (a test, the control plane) and written on every request. So the hot routes
append what they received, as received (the raw header list and body bytes; both immutable),
and an entry is redacted when it is first read, then kept redacted. The body is parsed again
then, by the same strict reader that accepted it: the same bytes give the same value, and
nothing done to the request's objects after it was logged can show in the log. Other routes
append entries already redacted. Either way a reader sees the same dicts.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl

from .redact import scrub, scrub_headers, scrub_query, scrub_text
from .validate import loads_body

MAX_ENTRIES = 2000


def entry(
    method: str,
    path: str,
    query: str,
    headers: Iterable[tuple[str, str]],
    body: Any,
    known: Iterable[str] = (),
) -> dict[str, Any]:
    """One log entry with every credential redacted (headers, ``?key=``, body fields, and the
    request's own key value wherever it appears); ``known`` adds more values."""
    headers = list(headers)
    lowered = {k.lower(): v for k, v in headers}
    auth = lowered.get("authorization", "")
    keys = [
        *known,
        lowered.get("x-goog-api-key"),
        auth[7:].strip() if auth[:7].lower() == "bearer " else auth,
        *_query_keys(query),
    ]
    return {
        "method": method,
        "path": scrub_text(path, keys),
        "query": scrub_query(query, keys),
        "headers": scrub_headers(headers, keys, mask="***"),
        "body": scrub(body, keys),
    }


def _query_keys(query: str) -> list[str]:
    if not query:
        return []
    return [v for k, v in parse_qsl(query, keep_blank_values=True) if k.lower() == "key"]


class _Raw:
    """A request as received: redacted into an :func:`entry` on first read."""

    __slots__ = ("method", "path", "query", "headers", "body", "done")

    def __init__(self, method: str, path: str, query: str, headers: list, body: bytes):
        self.method, self.path, self.query, self.headers, self.body = method, path, query, headers, body
        self.done: dict[str, Any] | None = None

    def entry(self) -> dict[str, Any]:
        if self.done is None:
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in self.headers]
            body = loads_body(self.body) if self.body.strip() else None
            self.done = entry(self.method, self.path, self.query, headers, body)
        return self.done


class RequestLog:
    """The last ``maxlen`` requests, oldest first; reads give redacted dicts."""

    def __init__(self, maxlen: int = MAX_ENTRIES):
        self._items: collections.deque = collections.deque(maxlen=maxlen)

    def append(self, item: dict[str, Any]) -> None:
        """An entry already redacted (see :func:`entry`)."""
        self._items.append(item)

    def append_raw(self, method: str, path: str, query: str, headers: list, body: bytes) -> None:
        """A request as the ASGI server gave it: ``headers`` the scope's ``(name, value)`` byte
        pairs, ``body`` the bytes read (a body that did not parse is never logged)."""
        self._items.append(_Raw(method, path, query, headers, body))

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for item in list(self._items):  # a snapshot: requests may arrive while a reader iterates
            yield item.entry() if type(item) is _Raw else item

    def __getitem__(self, index: int) -> dict[str, Any]:
        item = self._items[index]
        return item.entry() if type(item) is _Raw else item
