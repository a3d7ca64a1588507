"""SSE event sequences for an interaction, in either wire schema.

The sequence is a pure function of the interaction's final output, its dialect and the
chunking settings, so a stream resumed with ``last_event_id`` (even after a restart)
replays exactly the events the client did not see.
"""

from __future__ import annotations

import collections
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .dialects import LEGACY, STEPS_ONLY, legacy_usage, shell, steps_to_outputs
from .jsonwire import dumps, dumps_sorted

_WORDS = re.compile(r"\S+\s*|\s+")


@dataclass
class Event:
    """One SSE event plus what the server knows once it has been sent."""

    data: dict[str, Any]
    tokens: int = 0
    """Text tokens this event carries (for tokens-per-second pacing)."""
    steps_done: int = 0
    """Output steps complete after this event (what a GET shows mid-run)."""
    raw: bytes | None = field(default=None, repr=False, compare=False)
    """The SSE frame, once encoded (:meth:`encoded`); ``data`` is final by then."""

    def encoded(self) -> bytes:
        """This event's SSE frame, encoded once however many streams send it."""
        if self.raw is None:
            self.raw = frame(self.data)
        return self.raw


def chunk_text(text: str, words: int = 3) -> list[str]:
    """Split text into deltas of ``words`` words, keeping whitespace; never loses a byte."""
    pieces = _WORDS.findall(text)
    if not pieces:
        return [text] if text else []
    return ["".join(pieces[i : i + words]) for i in range(0, len(pieces), words)]


def _split_json(value: Any) -> list[str]:
    text = json.dumps(value, ensure_ascii=False)
    if len(text) < 16:
        return [text]
    cut = len(text) // 2
    return [text[:cut], text[cut:]]


_ID_KEYS = ("id", "call_id", "name", "server_name")


def _tool_shell(block: dict[str, Any]) -> dict[str, Any]:
    """Start shell of a tool call/result: its ids plus empty placeholders for the payload.

    The placeholders (``arguments: {}``, ``result: []``/``""``) keep the shell valid as its
    typed step/content in the SDKs, which otherwise fall back to an unknown variant (3.x
    ``UnknownStep``) or a bare event (1.55); the following delta carries the real payload.
    """
    shell = {"type": block.get("type")}
    for key in _ID_KEYS:
        if key in block:
            shell[key] = block[key]
    if "arguments" in block:
        shell["arguments"] = {}
    if "result" in block:
        shell["result"] = [] if isinstance(block["result"], list) else ""
    return shell


def _step_events(step: dict[str, Any], words: int) -> Iterator[tuple[dict, dict | None, int]]:
    """(start shell, None, 0) then (None, delta, tokens)* for one step."""
    kind = step.get("type")
    if kind == "thought":
        yield {"type": "thought"}, None, 0
        for part in step.get("summary") or []:
            yield None, {"type": "thought_summary", "content": part}, len(str(part.get("text", "")).split())
        if step.get("signature"):
            yield None, {"type": "thought_signature", "signature": step["signature"]}, 0
    elif kind == "model_output":
        yield {"type": "model_output"}, None, 0
        for part in step.get("content") or []:
            if part.get("type") == "text":
                for piece in chunk_text(part.get("text", ""), words):
                    yield None, {"type": "text", "text": piece}, len(piece.split()) or 1
                if part.get("annotations"):
                    yield None, {"type": "text_annotation_delta", "annotations": part["annotations"]}, 0
            else:
                yield None, dict(part), 0
    elif kind == "function_call":
        yield (
            {"type": "function_call", "id": step.get("id"), "name": step.get("name"), "arguments": {}},
            None,
            0,
        )
        for frag in _split_json(step.get("arguments") or {}):
            yield None, {"type": "arguments_delta", "arguments": frag, "partial_arguments": frag}, 0
    else:
        start = _tool_shell(step)
        if kind.endswith("_call") or kind.endswith("_result"):
            start.setdefault("signature", "")
        yield start, None, 0
        delta = {k: v for k, v in step.items() if k not in ("id", "call_id")}
        yield None, delta, 0


def _legacy_block_events(block: dict[str, Any], words: int) -> Iterator[tuple[dict, dict | None, int]]:
    kind = block.get("type")
    if kind == "text":
        yield {"type": "text"}, None, 0
        for piece in chunk_text(block.get("text", ""), words):
            yield None, {"type": "text", "text": piece}, len(piece.split()) or 1
        if block.get("annotations"):
            yield None, {"type": "text", "text": "", "annotations": block["annotations"]}, 0
    elif kind == "thought":
        yield {"type": "thought"}, None, 0
        for part in block.get("summary") or []:
            yield None, {"type": "thought_summary", "content": part}, 0
        if block.get("signature"):
            yield None, {"type": "thought_signature", "signature": block["signature"]}, 0
    elif kind.startswith("function_"):
        # ids and an empty ``arguments`` keep the shell a typed FunctionCallContent in 1.55
        yield _tool_shell(block), None, 0
        yield None, dict(block), 0
    else:
        yield _tool_shell(block), None, 0
        yield None, dict(block), 0


def _opening_events(record: Any, dialect: str, initial_status: str) -> list[Event]:
    """The run's first two events: created (``start`` in the legacy dialect), then in progress."""
    legacy = dialect == LEGACY
    created = shell(record, dialect, status=initial_status)
    if legacy:
        created["outputs"] = []
    return [
        Event(
            {"event_type": "interaction.start" if legacy else "interaction.created", "interaction": created}
        ),
        Event(
            {"event_type": "interaction.status_update", "interaction_id": record.id, "status": "in_progress"}
        ),
    ]


def _legacy_done_marks(steps: list[dict[str, Any]]) -> list[int]:
    """Steps completed after each legacy block: a block completes its step when it is the last
    block of that step."""
    done_marks = []
    for i, step in enumerate(steps):
        kind = step.get("type")
        n = (
            len(step.get("content") or [])
            if kind == "model_output"
            else 0
            if kind in STEPS_ONLY or kind == "user_input"
            else 1
        )
        if n:  # steps without a legacy block complete silently with the next block
            done_marks.extend([i] * (n - 1) + [i + 1])
    return done_marks


def _content_events(events: list[Event], steps: list[dict[str, Any]], legacy: bool, words: int) -> int:
    """Append the start/delta/stop events of every step (legacy: every block); the steps done."""
    start_t, delta_t, stop_t = (
        ("content.start", "content.delta", "content.stop")
        if legacy
        else ("step.start", "step.delta", "step.stop")
    )
    shell_key = "content" if legacy else "step"
    if legacy:
        units = [(block, 1) for block in steps_to_outputs(steps)]
        done_marks = _legacy_done_marks(steps)
        gen = _legacy_block_events
    else:
        units = [(step, 1) for step in steps]
        done_marks = list(range(1, len(steps) + 1))
        gen = _step_events
    done = 0
    for index, (unit, _) in enumerate(units):
        for start, delta, tokens in gen(unit, words):
            if start is not None:
                events.append(
                    Event({"event_type": start_t, "index": index, shell_key: start}, steps_done=done)
                )
            else:
                events.append(
                    Event(
                        {"event_type": delta_t, "index": index, "delta": delta},
                        tokens=tokens,
                        steps_done=done,
                    )
                )
        done = done_marks[index] if index < len(done_marks) else done
        events.append(Event({"event_type": stop_t, "index": index}, steps_done=done))
    return done


def _closing_events(
    record: Any,
    dialect: str,
    steps: list[dict[str, Any]],
    status: str,
    usage: dict[str, Any] | None,
    done: int,
) -> list[Event]:
    """The run's last events: ``cancelled`` status when cancelled, then the completed interaction."""
    legacy = dialect == LEGACY
    events: list[Event] = []
    if status == "cancelled":
        events.append(
            Event(
                {
                    "event_type": "interaction.status_update",
                    "interaction_id": record.id,
                    "status": "cancelled",
                },
                steps_done=done,
            )
        )
    final = shell(record, dialect, status=status)
    if usage is not None:
        final["usage"] = legacy_usage(usage) if legacy else dict(usage)
    if legacy:
        final["outputs"] = steps_to_outputs(steps)
    events.append(
        Event(
            {
                "event_type": "interaction.complete" if legacy else "interaction.completed",
                "interaction": final,
            },
            steps_done=done,
        )
    )
    return events


def build(
    record: Any,
    dialect: str,
    steps: list[dict[str, Any]],
    status: str,
    usage: dict[str, Any] | None,
    error: dict[str, Any] | None = None,
    *,
    words: int = 3,
    initial_status: str = "in_progress",
) -> list[Event]:
    """The complete event list of one interaction run (without ``[DONE]``).

    The content events of a completed answer come from :data:`CONTENT_CACHE` when the same
    steps were streamed before in this dialect and chunking: they do not name the interaction,
    so identical answers share them, frames included (:meth:`Event.encoded`).
    """
    events = _opening_events(record, dialect, initial_status)
    opening = len(events)
    failed = error is not None and status == "failed"
    shared = None if failed else CONTENT_CACHE.get(steps, dialect, words, opening)
    if shared is not None:
        events.extend(shared[0])
        done = shared[1]
    else:
        done = _content_events(events, steps, dialect == LEGACY, words)
    content_end = len(events)
    if failed:
        events.append(Event({"event_type": "error", "error": dict(error)}, steps_done=done))
        return events
    events.extend(_closing_events(record, dialect, steps, status, usage, done))
    for n, event in enumerate(events, start=1):
        if shared is None or not opening < n <= content_end:
            event.data["event_id"] = f"evt_{n}"
    if shared is None:
        CONTENT_CACHE.put(steps, dialect, words, opening, events[opening:content_end], done)
    return events


class ContentCache:
    """Content events (with their ids and encoded frames) of recently streamed answers, by the
    answer's steps, dialect, chunking and position; least recently used dropped first.

    A run's events are never changed once built (a cancel or abort builds new ones), so runs
    may share these objects. Answers above :attr:`max_chars` of JSON are not kept."""

    def __init__(self, size: int = 32, max_chars: int = 64 * 1024):
        self.size, self.max_chars = size, max_chars
        self._items: collections.OrderedDict[tuple, tuple[list[Event], int]] = collections.OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def _key(self, steps: list[dict[str, Any]], dialect: str, words: int, offset: int) -> tuple | None:
        try:
            text = dumps_sorted(steps)
        except (TypeError, ValueError):  # a value JSON cannot hold: not cached
            return None
        return (text, dialect, words, offset) if len(text) <= self.max_chars else None

    def get(self, steps, dialect: str, words: int, offset: int) -> tuple[list[Event], int] | None:
        key = self._key(steps, dialect, words, offset)
        if key is None:
            return None
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def put(self, steps, dialect: str, words: int, offset: int, content: list[Event], done: int) -> None:
        key = self._key(steps, dialect, words, offset)
        if key is None:
            return
        with self._lock:
            self._items[key] = (content, done)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items = collections.OrderedDict()


CONTENT_CACHE = ContentCache()


def frame(data: dict[str, Any]) -> bytes:
    """One SSE event: ``event:`` line, one-line JSON ``data:``, blank line."""
    return b"".join((b"event: ", data["event_type"].encode(), b"\ndata: ", dumps(data), b"\n\n"))


DONE = b"event: done\ndata: [DONE]\n\n"
KEEPALIVE = b": keep-alive\n\n"
