"""Secrets never reach a log, a record or an error message: one scrubber for all of them.

Used by the request log (``/_emulator/requests``, unauthenticated), the record mode's
cassettes, the uvicorn access log and error envelopes. Three layers:

* **by name**: headers and query parameters that carry credentials (``x-goog-api-key``,
  ``authorization``, cookies, ``key``, ``*token``, ``password``...) and JSON fields with such
  names at any depth;
* **by shape**: strings that look like Google API keys (``AIza...``), OAuth tokens
  (``ya29.``) or ``Bearer`` credentials, anywhere;
* **by value**: the actual key(s) of the request being logged, wherever they appear.

Two field sets: :data:`SECRET_FIELD` for what clients send (wide: a function argument named
``key`` in a *log* is redacted, which costs nothing), :data:`RESPONSE_FIELD` for answers
replayed from cassettes (narrow: a model's ``{"key": ...}`` argument must come back intact).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

REDACTED = "REDACTED"
SECRET_VALUE = re.compile(r"AIza[0-9A-Za-z_\-]{20,}|ya29\.[0-9A-Za-z_\-.]+|(?i:bearer)\s+[\w.\-~+/]{8,}=*")
# Headers and query parameters that carry credentials.
SECRET_NAME = re.compile(
    r"(?i)^(x-goog-api-key|(x-)?api[_-]?key|apikey|key|private[_-]?key|"
    r"authorization|proxy-authorization|cookie|set-cookie|credentials?|"
    r"((access|refresh|id|session|auth|bearer)[_-]?)?token|"
    r"client[_-]?secret|secret|password|passwd)$"
)
# JSON fields of requests redacted by name, at any depth.
SECRET_FIELD = SECRET_NAME
# JSON fields of responses redacted by name: narrower, since a function's arguments may have a "key".
RESPONSE_FIELD = re.compile(
    r"(?i)^(x-goog-api-key|authorization|(x-)?api[_-]?key|apikey|access[_-]?token|"
    r"refresh[_-]?token|id[_-]?token|client[_-]?secret)$"
)
MIN_KNOWN = 12
"""Known key values shorter than this are not searched for (placeholders like ``k``)."""


def _known(known: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(k for k in known if k and len(k) >= MIN_KNOWN)


def scrub_text(text: str, known: Iterable[str | None] = ()) -> str:
    return _scrub_text(text, _known(known))


def _scrub_text(text: str, known: tuple[str, ...]) -> str:
    for secret in known:
        text = text.replace(secret, REDACTED)
    return SECRET_VALUE.sub(REDACTED, text)


def scrub(value: Any, known: Iterable[str | None] = (), fields: re.Pattern = SECRET_FIELD) -> Any:
    """A copy of ``value`` with secret-named fields and secret-looking strings redacted."""
    return _scrub(value, _known(known), fields)


def _scrub(value: Any, known: tuple[str, ...], fields: re.Pattern) -> Any:
    if isinstance(value, str):
        return _scrub_text(value, known)
    if isinstance(value, dict):
        return {k: (REDACTED if fields.match(str(k)) else _scrub(v, known, fields)) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, known, fields) for v in value]
    return value


def scrub_headers(
    headers: Iterable[tuple[str, str]], known: Iterable[str | None] = (), mask: str = REDACTED
) -> dict[str, str]:
    """Headers for a log: credential headers kept by name with the value replaced by ``mask``."""
    known = _known(known)
    return {k: (mask if SECRET_NAME.match(k) else _scrub_text(v, known)) for k, v in headers}


def scrub_query(query: str, known: Iterable[str | None] = ()) -> str:
    """A query string with credential parameters' values redacted (order kept)."""
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    return scrub_text(urlencode([(k, REDACTED if SECRET_NAME.match(k) else v) for k, v in pairs]), known)


class AccessLogFilter(logging.Filter):
    """Redacts credentials from uvicorn's access log lines (``GET /x?key=...``) if it is on."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(_scrub_path(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = scrub_text(record.msg)
        return True


def _scrub_path(text: str) -> str:
    if "?" not in text:
        return scrub_text(text)
    path, _, query = text.partition("?")
    return f"{path}?{scrub_query(query)}"


def install_log_filters() -> None:
    """Once per process: uvicorn's access logger never prints a key."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, AccessLogFilter) for f in logger.filters):
        logger.addFilter(AccessLogFilter())
