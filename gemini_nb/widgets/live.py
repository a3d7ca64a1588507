"""The chat panel's live view: the engine's :class:`~gemini_nb.seams.LiveView` for a widget.

Why not the cells' :class:`~gemini_nb.render.live.LiveDisplay`: that one re-sends a bounded
tail of the answer on every update (a display message cannot append). A widget can: this view
sends only what arrived since its last message (``text_from``/``thought_from``, O(new text)),
and at most ``rate`` messages a second whatever the event rate (the rest waits for the next
tick or for ``close``, which flushes it). The target is anything with ``delta(text, thought)``
and ``clear()`` (a :class:`~gemini_nb.widgets.front.StreamView`); no ipywidgets import here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

MAX_RATE = 24.0
"""Delta messages a second, at most, whatever the caller asks: with the opening ``clear``, any
1-second window then holds at most 25 comm messages (the budget)."""


class WidgetLive:
    """Throttled deltas to a stream widget. ``messages`` counts what it sent (for tests/bench)."""

    def __init__(self, target: Any, *, rate: float = 20.0, clock: Callable[[], float] = time.monotonic):
        self.target = target
        rate = min(float(rate or MAX_RATE), MAX_RATE)
        self.interval = 1.0 / rate if rate > 0 else 1.0 / MAX_RATE
        self.clock = clock
        self.messages = 0
        self._last = float("-inf")
        self._text = 0
        self._thought = 0
        self._view: Any = None
        self._shown = False

    @property
    def shown(self) -> bool:
        """False: the panel itself appends every ending (result, interruption, failure) to its
        transcript, so nothing the engine's caller does depends on this view."""
        return self._shown

    @property
    def text_sent(self) -> int:
        """Characters of the answer sent so far (thoughts apart)."""
        return self._text

    def start(self) -> None:
        self._text = self._thought = 0
        self._last = float("-inf")
        self.target.clear()
        self.messages += 1

    def tick(self, view: Any) -> None:
        self._view = view
        now = self.clock()
        if now - self._last < self.interval:
            return
        if self._flush(view):
            self._last = now

    def _flush(self, view: Any) -> bool:
        text_len, thought_len = view.text_length, view.thought_length
        if text_len == self._text and thought_len == self._thought:
            return False
        text = view.text_from(self._text) if text_len > self._text else ""
        thought = view.thought_from(self._thought) if thought_len > self._thought else ""
        self._text, self._thought = text_len, thought_len
        self.target.delta(text, thought)
        self.messages += 1
        return True

    def close(self, failed: Any = None) -> None:
        """The stream ended: the preview is emptied (the panel shows the ending in full)."""
        self.target.clear()
        self.messages += 1
        self._view = None
