"""A stream's events read straight off the wire as dicts: the SDK's bytes, without its per-event cost.

Why: google-genai 3.x decodes every SSE event through a throw-away pydantic model
(``unmarshal`` calls ``pydantic.create_model`` per event) after scanning the body one byte at a
time in Python. That is about 0.9 ms of CPU per event on the project's machines: a 20,000-delta
answer kept the kernel busy for 18 s, against 0.3 s to read the same bytes here. The turn engine
never needed the models: :class:`~gemini_nb.stream.StreamAssembler` reads dicts.

So a stream is opened through the SDK's own client (``with_raw_response``: same request
building, auth hook, retries on 408/429/5xx, and the same exceptions for an error status; the
request validated once by its compiled model, :mod:`gemini_nb.sdk_request`), and its body is
read here. What the SDK's stream did that this keeps:

* 3.x framing: a leading BOM, CRLF or CR line ends, ``:`` comments, multi-line ``data:``, blocks
  without data skipped, ``data: [DONE]`` ends the stream, and a fragment that is not JSON (a
  connection cut mid-event) is yielded as a ``str``, which the assembler skips;
* a transport error while reading becomes the SDK's ``APIConnectionError``/``APITimeoutError``
  (its own translation), so drop detection and error messages are unchanged;
* automatic continuation: an answer cut at the decode limit (``interaction.completed`` with
  status ``requires_continuation`` and a ``continuation_token``) is continued hop after hop as
  the SDK does, except for background and agent runs, which the server continues itself.
  A stored chain sends the issuing hop as ``previous_interaction_id`` without the input; with
  ``store=False`` the input is sent again. A hop that hands back the token it was started with
  ends the stream (no loop).

Where a piece is missing (an older SDK, a test double without ``with_raw_response``),
:func:`open_create` and :func:`open_get` return None and the caller uses the SDK's parsed
stream. Nothing in the SDK is patched.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from . import sdk_request

CONTINUE = "requires_continuation"
_DONE = object()
_COMPLETED = ("interaction.completed", "interaction.complete")


def _error_translator() -> Callable[[BaseException], BaseException] | None:
    """The SDK's own mapping of transport errors to its exceptions (3.x), else None."""
    try:
        from google.genai._gaos.lib.compat_errors import wrap_sdk_error
    except ImportError:
        return None
    return wrap_sdk_error


def _transport_errors() -> tuple[type[BaseException], ...]:
    """What reading a body can raise: the HTTP errors of httpx and of httpx2 (google-genai 3.x runs
    on one or both, depending on its version)."""
    import importlib

    errors: list[type[BaseException]] = []
    for name in ("httpx", "httpx2"):
        try:
            errors.append(importlib.import_module(name).HTTPError)
        except (ImportError, AttributeError):
            continue
    return tuple(errors)


def _raw(client: Any) -> Any:
    interactions = getattr(client, "interactions", None)
    if interactions is None or not hasattr(type(interactions), "with_raw_response"):
        return None
    return interactions.with_raw_response


def open_create(client: Any, request: dict[str, Any]) -> Iterator[Any] | None:
    """Events (dicts) of ``create(**request, stream=True)``, continued across decode-limit hops;
    None when this SDK has no raw access (then use its parsed stream)."""
    raw, translate = _raw(client), _error_translator()
    if raw is None or translate is None:
        return None
    first = _send(raw, request)  # an error status raises here, the SDK's way
    return EventStream(_hops(raw, request, first, translate))


def _send(raw: Any, request: dict[str, Any]) -> Any:
    """One streamed create through the raw accessor, with the request validated by the SDK's
    compiled model where possible (:mod:`gemini_nb.sdk_request`), else as keyword arguments."""
    typed = sdk_request.typed({**request, "stream": True})
    return raw.create(request=typed) if typed is not None else raw.create(**request, stream=True)


def open_get(client: Any, rid: str, **params: Any) -> Iterator[Any] | None:
    """Events (dicts) of ``get(rid, stream=True, **params)`` (a stored run replayed or resumed)."""
    raw, translate = _raw(client), _error_translator()
    if raw is None or translate is None:
        return None
    response = raw.get(rid, stream=True, **params)
    return EventStream(read_events(response.http_response, translate))


class EventStream:
    """An iterator over events with ``close()`` (which closes the HTTP response), like the SDK's."""

    def __init__(self, events: Iterator[Any]):
        self._events = events

    def __iter__(self) -> Iterator[Any]:
        return self._events

    def __next__(self) -> Any:
        return next(self._events)

    def close(self) -> None:
        close = getattr(self._events, "close", None)
        if close is not None:
            close()


def _hops(raw: Any, request: dict[str, Any], response: Any, translate: Any) -> Iterator[Any]:
    """Every hop's events in order; the next hop starts when one ends at the decode limit."""
    started_with: str | None = request.get("continuation_token")
    while True:
        last: dict[str, Any] = {}
        for event in read_events(response.http_response, translate):
            if isinstance(event, dict) and event.get("event_type") in _COMPLETED:
                last = event.get("interaction") or {}
            yield event
        token = last.get("continuation_token")
        if last.get("status") != CONTINUE or not token or token == started_with:
            return
        if not continues_client_side(request):
            return
        started_with = token
        response = _send(raw, next_hop(request, token, last.get("id")))


def continues_client_side(request: dict[str, Any]) -> bool:
    """The SDK continues a cut answer itself except for background and agent runs."""
    return not (request.get("background") or request.get("agent") or request.get("agent_config"))


def next_hop(request: dict[str, Any], token: str, issued_by: str | None) -> dict[str, Any]:
    """The request of the next hop, as the SDK builds it."""
    hop = {**request, "continuation_token": token}
    if request.get("store") is not False and issued_by:
        hop["previous_interaction_id"] = issued_by  # the server has the input already
        hop.pop("input", None)
    return hop


def read_events(response: Any, translate: Callable[[BaseException], BaseException]) -> Iterator[Any]:
    """Decode an SSE body (an ``httpx.Response`` being streamed) into events; closes it at the end."""
    transport_errors = _transport_errors()
    buffer = bytearray()
    carry = b""
    first = True
    try:
        for chunk in response.iter_bytes():
            chunk = carry + chunk
            if first and chunk:
                first = False
                chunk = chunk.removeprefix(b"\xef\xbb\xbf")
            if b"\r" in chunk:
                chunk, carry = _normalize(chunk)
            else:
                carry = b""
            start = max(len(buffer) - 1, 0)
            buffer += chunk
            pos = 0
            while (end := buffer.find(b"\n\n", start)) >= 0:
                event = _decode(bytes(buffer[pos:end]))
                pos = start = end + 2
                if event is _DONE:
                    return
                if event is not None:
                    yield event
            if pos:
                del buffer[:pos]
        tail = _decode(bytes(buffer + carry.replace(b"\r", b"\n")))
        if tail is not None and tail is not _DONE:
            yield tail
    except transport_errors as exc:
        raise translate(exc) from exc
    finally:
        response.close()


def _normalize(chunk: bytes) -> tuple[bytes, bytes]:
    """CRLF and CR line ends -> LF; a trailing CR waits for the next chunk (it may start an LF)."""
    carry = b""
    if chunk.endswith(b"\r"):
        chunk, carry = chunk[:-1], b"\r"
    return chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n"), carry


def _decode(block: bytes) -> Any:
    """One event block -> the JSON value of its data, a str if that is not JSON, None without data."""
    data: list[bytes] = []
    for line in block.split(b"\n"):
        if line.startswith(b"data:"):
            value = line[5:]
            data.append(value[1:] if value[:1] == b" " else value)
    if not data:
        return None
    payload = data[0] if len(data) == 1 else b"\n".join(data)
    if payload == b"[DONE]":
        return _DONE
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", "replace")


def sdk_interaction(data: Any) -> Any:
    """The SDK's ``Interaction`` for a final interaction read as a dict (what ``result.raw`` holds
    after a parsed stream); the dict itself if this SDK cannot validate it."""
    if not isinstance(data, dict):
        return data
    try:
        from google.genai.interactions import Interaction

        return Interaction.model_validate(data)
    except Exception:
        return data


__all__ = ["EventStream", "open_create", "open_get", "read_events", "next_hop", "sdk_interaction"]
