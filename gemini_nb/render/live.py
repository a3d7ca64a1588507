"""Throttled live preview for streamed answers.

Why this shape: a fast stream can deliver thousands of deltas a second and each display update
is a message to the frontend, so updates are capped at ``rate`` per second whatever the delta
rate. The live region starts *empty* and is emptied again at the end: tools that ignore
``update_display_data`` (nbval) and tools that apply it (nbclient, saved notebooks) then agree
on it, and the answer is shown once, by a final fresh display of the complete result.
"""
from __future__ import annotations

import time
import uuid
from typing import Any, Callable

from .markdown import live_markdown, live_plain

EMPTY = {"text/plain": ""}


class IPythonSink:
    """Publishes through IPython's display machinery (works in any Jupyter frontend)."""

    def display(self, data: dict[str, Any], display_id: str) -> None:
        from IPython.display import display

        display(data, raw=True, display_id=display_id)

    def update(self, data: dict[str, Any], display_id: str) -> None:
        from IPython.display import update_display

        update_display(data, raw=True, display_id=display_id)


class LiveDisplay:
    """Shows the answer so far at most ``rate`` times a second; ``close()`` empties it."""

    def __init__(self, sink: Any = None, *, rate: float = 20.0, emulated: bool = False,
                 tail: int = 8000, clock: Callable[[], float] = time.monotonic):
        self.sink = sink or IPythonSink()
        self.interval = 1.0 / rate if rate and rate > 0 else 0.0
        self.emulated = emulated
        self.tail = tail
        self.clock = clock
        self.display_id = uuid.uuid4().hex
        self.updates = 0
        self._last = float("-inf")
        self._started = False

    def start(self) -> None:
        self.sink.display(dict(EMPTY), self.display_id)
        self._started = True

    def tick(self, source: Any) -> None:
        """Called on every event; renders only when the throttle interval has elapsed."""
        now = self.clock()
        if now - self._last < self.interval:
            return
        if self._render(source):  # an empty snapshot does not use up the interval
            self._last = now

    def _render(self, source: Any) -> bool:
        if not self._started:
            self.start()
        text, thoughts = source.text, source.thought_text
        if not text and not thoughts:
            return False
        self.updates += 1
        self.sink.update(
            {
                "text/markdown": live_markdown(thoughts, text, self.emulated, self.tail),
                "text/plain": live_plain(thoughts, text, self.tail),
            },
            self.display_id,
        )
        return True

    def close(self) -> None:
        if self._started:
            self.sink.update(dict(EMPTY), self.display_id)
            self.updates += 1


class TerminalLive:
    """Streaming for terminal IPython, which cannot update an output in place.

    New text is written to the terminal as it arrives (throttled, suffix only, so a long
    stream costs O(n)); thought summaries go first on ``[thinking]`` lines. The caller then
    shows only the footer instead of repeating the whole answer.
    """

    def __init__(self, out: Any = None, *, rate: float = 30.0, show_thoughts: bool = True,
                 clock: Callable[[], float] = time.monotonic):
        import sys

        self.out = out or sys.stdout
        self.interval = 1.0 / rate if rate and rate > 0 else 0.0
        self.show_thoughts = show_thoughts
        self.clock = clock
        self._last = float("-inf")
        self._text = 0
        self._thoughts = 0
        self.wrote = False

    def start(self) -> None:
        pass

    def tick(self, source: Any) -> None:
        now = self.clock()
        if now - self._last < self.interval:
            return
        self._last = now
        self._flush(source)

    def _flush(self, source: Any) -> None:
        if self.show_thoughts and not self._text:
            thoughts = source.thought_text
            if len(thoughts) > self._thoughts:
                new = thoughts[self._thoughts:]
                self.out.write(("" if self._thoughts else "[thinking] ") + new.replace("\n", "\n  "))
                self._thoughts = len(thoughts)
                self.wrote = True
        text = source.text
        if len(text) > self._text:
            if self._thoughts and not self._text:
                self.out.write("\n\n")
            self.out.write(text[self._text:])
            self._text = len(text)
            self.wrote = True
        self.out.flush()

    def finish(self, source: Any) -> None:
        """Write whatever arrived since the last tick (called before ``close``)."""
        self._flush(source)

    def close(self) -> None:
        if self.wrote:
            self.out.write("\n")
            self.out.flush()
