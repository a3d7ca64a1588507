"""The three ways a turn talks to the server: one unary call, a stream, and the background poll.

Why apart from the turn runner: these are the only functions that touch the transport, each
small enough to read in one screen, and each has one failure story:

* :func:`call_unary` returns the SDK's ``Interaction`` or raises the SDK's error;
* :func:`consume_stream` feeds every event to a :class:`~gemini_nb.stream.StreamAssembler`.
  Events are read off the wire as dicts (:mod:`gemini_nb.sse`), where the SDK allows it: its
  parsed stream costs about 1 ms of CPU per event, reading the same bytes about 20 us.
  A *background* run lives on server-side when the connection drops, so a dropped stream
  (a connection error, or a clean EOF without ``interaction.completed``) is resumed with
  ``GET /interactions/{id}?stream=true&last_event_id=...`` and finishes normally. A foreground
  stream is not resumed: it raises, and the caller keeps the partial answer;
* :func:`poll_background` polls a background run until it reaches a terminal status.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import sse, unary
from .ids import interaction_id

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .seams import Transport
    from .stream import StreamAssembler

TERMINAL = ("completed", "failed", "cancelled", "incomplete", "budget_exceeded", "requires_action")
MAX_RESUMES = 5
"""Reconnections of one background stream before the drop is reported (each after a drop)."""


def call_unary(client: Transport, request: dict[str, Any]) -> Any:
    """One ``interactions.create`` without streaming: the SDK's ``Interaction``, at less CPU
    (:func:`gemini_nb.unary.create`)."""
    return unary.create(client, request)


def poll_background(
    client: Transport,
    interaction: Any,
    *,
    deadline: float | None,
    on_snapshot: Callable[[Any], None] = lambda _: None,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] | None = None,
) -> Any:
    """Poll until a terminal status (or ``deadline``). ``on_snapshot`` sees every snapshot, so a
    Ctrl-C still knows the run's id and progress. ``sleep``/``clock`` default to the ``time``
    module's, looked up per call."""
    sleep = sleep or time.sleep
    clock = clock or time.monotonic
    delay = 0.2
    while getattr(interaction, "status", "completed") not in TERMINAL:
        if deadline and clock() > deadline:
            break
        sleep(delay)
        delay = min(delay * 1.5, 2.0)
        interaction = client.interactions.get(interaction_id(interaction.id))  # a server's id, checked
        on_snapshot(interaction)
    return interaction


def is_dropped_connection(exc: BaseException) -> bool:
    """A connection error that is not a timeout: the peer went away mid-response."""
    try:
        from google.genai import _interactions as ix
    except Exception:  # pragma: no cover - the SDK is a hard dependency
        return False
    return isinstance(exc, ix.APIConnectionError) and not isinstance(exc, ix.APITimeoutError)


def _feed_all(events: Any, assembler: StreamAssembler, on_event: Callable[[], None]) -> None:
    try:
        for event in events:
            assembler.feed(event)
            on_event()
    finally:
        close = getattr(events, "close", None)  # the SDK's Stream owns an HTTP response
        if close is not None:
            try:
                close()
            except Exception:
                pass


def consume_stream(
    client: Transport,
    request: dict[str, Any],
    assembler: StreamAssembler,
    on_event: Callable[[], None],
    *,
    resumable: bool,
) -> int:
    """Stream ``request`` into ``assembler`` (``on_event`` after every event); returns how many
    times the stream was resumed. With ``resumable`` (a stored background run), a drop is
    followed by a resume from ``assembler.last_event_id``; otherwise it is the caller's to report."""
    events = sse.open_create(client, request)
    if events is None:  # an SDK without raw access: its parsed stream
        events = client.interactions.create(**request, stream=True)
    return _drain(client, events, assembler, on_event, resumable=resumable)


def follow_stream(
    client: Transport, rid: str, assembler: StreamAssembler, on_event: Callable[[], None]
) -> int:
    """Follow a stored background run by id (``GET ?stream=true``, from its first event) into
    ``assembler``, resuming from ``assembler.last_event_id`` after each drop (at most
    :data:`MAX_RESUMES`); returns the resumes. Used by background jobs and ``attach``; the
    caller falls back to polling when this raises or ends without completion."""
    return _drain(client, _get_stream(client, interaction_id(rid)), assembler, on_event, resumable=True)


def _get_stream(client: Transport, rid: str, **params: Any) -> Any:
    """``GET ?stream=true`` events: dicts off the wire where the SDK allows it, else its stream."""
    events = sse.open_get(client, rid, **params)
    return events if events is not None else client.interactions.get(rid, stream=True, **params)


def _drain(
    client: Transport,
    events: Any,
    assembler: StreamAssembler,
    on_event: Callable[[], None],
    *,
    resumable: bool,
) -> int:
    resumes = 0
    while True:
        try:
            _feed_all(events, assembler, on_event)
        except Exception as exc:
            if not (resumable and is_dropped_connection(exc) and _can_resume(assembler, resumes)):
                raise
        else:
            if assembler.completed or not (resumable and _can_resume(assembler, resumes)):
                assembler.final_interaction = sse.sdk_interaction(assembler.final_interaction)
                return resumes
        resumes += 1
        rid = interaction_id(str(assembler.id))  # _can_resume checked it is there; this, its shape
        events = _get_stream(client, rid, last_event_id=assembler.last_event_id)


def _can_resume(assembler: StreamAssembler, resumes: int) -> bool:
    return bool(assembler.id and assembler.last_event_id) and resumes < MAX_RESUMES


__all__ = [
    "TERMINAL",
    "call_unary",
    "consume_stream",
    "follow_stream",
    "poll_background",
    "is_dropped_connection",
]
