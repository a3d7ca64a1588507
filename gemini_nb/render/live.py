"""Live views of a streamed answer: a throttled, byte-bounded notebook preview and a terminal echo.

Why this shape: a fast stream delivers thousands of deltas a second and every display update
is a message that carries the *whole* preview, so two bounds apply:

* **messages**: at most ``rate`` a second, whatever the delta rate; the opening display counts,
  so the first update waits one interval after it (a short answer then costs one update less:
  each message is work on the kernel's IO thread that competes with parsing the stream);
* **bytes**: each update shows a bounded tail of the answer, and the sum of all updates (each
  charged its IOPub envelope too) stays within ``byte_ratio`` x the characters received plus
  ``byte_slack``. With the final display (markdown + plain: about 2x the answer) a turn's
  display traffic thus stays under 3x the answer's size, whatever its length or pace. A short
  answer streams freely within the slack; a long one gets a tail at every update its text has
  paid for (a fast stream: many per second; a slow one: fewer, smaller); the total never
  grows with length x updates.

The live region starts *empty* and is emptied again at the end: tools that ignore
``update_display_data`` (nbval) and tools that apply it (nbclient, saved notebooks) then agree
on it, and the answer is shown once, complete, by a final fresh display: the caller's (the
cell's value) after a success, the view's own after a failure (``close(partial)``), so a failed
turn's partial answer stays on screen without the caller doing anything.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from . import nowait
from . import trace as _trace
from .bundle import result_bundle
from .markdown import footer, live_markdown, live_plain

EMPTY = {"text/plain": ""}
PLAIN_TAIL = 160
"""Characters of the answer in the preview's ``text/plain`` twin (markdown frontends never show it)."""
THOUGHT_TAIL = 400
"""Characters of the thoughts kept in the preview once the answer itself is streaming."""
MIN_WINDOW = 300
"""The smallest answer tail worth an update; below it the preview waits for more budget."""
OVERHEAD = 100
"""Markup around the pieces (details tags, badge, cursor)."""
ENVELOPE = 700
"""An ``update_display_data`` message's own bytes in a kernel (header, parent header, display
id, signature): charged to every update, because it crosses IOPub like the text does."""
TRACE_CHARS = 6_000
"""Characters of tool trace kept in the preview (the latest blocks; the final display has all)."""


class _Trace:
    """The tool trace a live view shows: the earlier rounds (handed over by the tool loop) plus
    the tool steps of the stream in progress (read only when that stream's steps changed)."""

    def __init__(self) -> None:
        self.prefix_md = self.prefix_plain = ""
        self._key: tuple = ()
        self._md = self._plain = ""

    def set_prefix(self, steps: list, runs: Any) -> None:
        self.prefix_md = "\n\n".join(_trace.trace_markdown(steps, runs))
        self.prefix_plain = "\n".join(_trace.trace_plain(steps, runs))
        self._key = ()

    def read(self, view: Any) -> tuple[str, str]:
        reader = getattr(view, "tool_steps", None)
        version = getattr(view, "tool_version", None)
        key = (id(view), version, len(self.prefix_md))
        if key != self._key:
            steps = reader() if reader is not None and version else []
            md = "\n\n".join(p for p in [self.prefix_md, *_trace.trace_markdown(steps)] if p)
            plain = "\n".join(p for p in [self.prefix_plain, *_trace.trace_plain(steps)] if p)
            self._md, self._plain, self._key = md[-TRACE_CHARS:], plain[-PLAIN_TAIL:], key
            if len(md) > TRACE_CHARS:  # start at a block boundary
                cut = self._md.find("<details>")
                self._md = "… " + (self._md[cut:] if cut >= 0 else self._md)
        return self._md, self._plain


class IPythonSink:
    """Publishes through IPython's display machinery (works in any Jupyter frontend), without
    waiting on the kernel's stream flush where none is needed (:mod:`.nowait`)."""

    def display(self, data: dict[str, Any], display_id: str) -> None:
        nowait.display(data, display_id)

    def update(self, data: dict[str, Any], display_id: str) -> None:
        nowait.update(data, display_id)


class LiveDisplay:
    """Shows the answer so far at most ``rate`` times a second, within a byte budget.

    ``sent`` counts what the updates cost (characters plus :data:`ENVELOPE` each; for tests
    and benchmarks); ``updates`` the update messages.
    """

    def __init__(
        self,
        sink: Any = None,
        *,
        rate: float = 20.0,
        emulated: bool = False,
        tail: int = 8000,
        clock: Callable[[], float] = time.monotonic,
        byte_ratio: float = 0.7,
        byte_slack: int = 24_000,
    ):
        self.sink = sink or IPythonSink()
        self.interval = 1.0 / rate if rate and rate > 0 else 0.0
        self.emulated = emulated
        self.tail = max(int(tail), MIN_WINDOW)
        self.clock = clock
        self.byte_ratio = byte_ratio
        self.byte_slack = byte_slack
        self.display_id = uuid.uuid4().hex
        self.updates = 0
        self.sent = 0
        self._last = float("-inf")
        self._seen: tuple = (0, 0)
        self._started = False
        self._shown = False
        self._trace = _Trace()
        self._view: Any = None
        self._carried = 0
        """Characters received in earlier streams of this turn (tool rounds): still paid for."""

    @property
    def shown(self) -> bool:
        """True once a failed turn's partial answer has been displayed (by ``close``)."""
        return self._shown

    def start(self) -> None:
        if self._started:  # a tool loop streams several rounds into the same region
            return
        self.sink.display(dict(EMPTY), self.display_id)
        self._started = True
        self._last = self.clock()  # the opening display is a message too: the throttle counts it

    def show_trace(self, steps: list, runs: Any = None) -> None:
        """The tool trace so far (earlier rounds, calls running now): shown at once."""
        self._trace.set_prefix(steps, runs)
        if self._view is not None or self._started:
            self._seen = ()
            self._render(self._view)
            self._last = self.clock()

    def tick(self, view: Any) -> None:
        """Called on every event; renders only when the throttle interval has elapsed."""
        now = self.clock()
        if now - self._last < self.interval:
            return
        if self._render(view):  # a snapshot with nothing new does not use up the interval
            self._last = now

    def _render(self, view: Any) -> bool:
        if not self._started:
            self.start()
        if view is not self._view:
            if self._view is not None:
                self._carried += self._view.text_length + self._view.thought_length
            self._view = view
        if view is None:
            view = _EmptyView()
        trace_md, trace_plain = self._trace.read(view)
        text_len, thought_len = view.text_length, view.thought_length
        seen = (text_len, thought_len, len(trace_md))
        if seen == self._seen or not (text_len or thought_len or trace_md):
            return False
        room = (
            int(self.byte_ratio * (text_len + thought_len + self._carried + len(trace_md)))
            + self.byte_slack
            - self.sent
            - ENVELOPE
            - OVERHEAD
            - len(trace_md)
            - len(trace_plain)
        )
        if text_len:
            thought_window = min(thought_len, THOUGHT_TAIL)
            window = min(text_len, self.tail, room - thought_window - PLAIN_TAIL)
            if window < min(text_len, MIN_WINDOW):
                return True  # not enough budget yet: more text has to arrive first
            thoughts = view.thought_tail(thought_window)
        else:
            window = 0
            thoughts = view.thought_tail(min(thought_len, self.tail, max(room // 2, 0)))
            if len(thoughts) < min(thought_len, MIN_WINDOW) or room < 0:
                return True
        text = view.text_tail(window)
        cut = len(text) < text_len
        if cut:  # start the tail at a line boundary when one is near, so markdown renders sanely
            newline = text.find("\n", 0, len(text) // 4)
            if newline >= 0:
                text = text[newline + 1 :]
        markdown = live_markdown(thoughts, text, self.emulated, cut=cut, trace=trace_md)
        plain = live_plain(
            thoughts[-PLAIN_TAIL:], text[-PLAIN_TAIL:], cut=cut or len(text) > PLAIN_TAIL, trace=trace_plain
        )
        self._seen = seen
        self.updates += 1
        self.sent += len(markdown) + len(plain) + ENVELOPE
        self.sink.update({"text/markdown": markdown, "text/plain": plain}, self.display_id)
        return True

    def close(self, failed: Any = None) -> None:
        """Empty the region. With ``failed`` (a failed turn's partial result), the complete
        partial answer follows at once as a fresh display: the text never leaves the screen,
        and nbval (which ignores updates) sees the same outputs as a saved notebook."""
        if not self._started:
            return
        self.sink.update(dict(EMPTY), self.display_id)
        self.updates += 1
        if failed is not None:
            data, _ = result_bundle(failed)
            self.sink.display(data, uuid.uuid4().hex)
            self._shown = True


class _EmptyView:
    """Stands in for a stream before the first one of a turn starts (a trace shown early)."""

    text_length = thought_length = 0

    def text_tail(self, n: int) -> str:
        return ""

    thought_tail = text_tail


class TerminalLive:
    """Streaming for terminal IPython, which cannot update an output in place.

    New text is written to the terminal as it arrives (throttled, suffix only, so a long
    stream costs O(n)); thought summaries go first on ``[thinking]`` lines. The caller then
    prints only :func:`~gemini_nb.render.markdown.echo_epilogue` instead of the whole answer.
    ``close`` writes what arrived since the last tick; after a failed turn, the footer too.
    """

    def __init__(
        self,
        out: Any = None,
        *,
        rate: float = 30.0,
        show_thoughts: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ):
        import sys

        self.out = out or sys.stdout
        self.interval = 1.0 / rate if rate and rate > 0 else 0.0
        self.show_thoughts = show_thoughts
        self.clock = clock
        self._last = float("-inf")
        self._text = 0
        self._thoughts = 0
        self._view: Any = None
        self._flushed: Any = None
        self.wrote = False

    @property
    def shown(self) -> bool:
        """The answer is on the terminal already: the caller must not print it again."""
        return self.wrote

    def start(self) -> None:
        pass

    def tick(self, view: Any) -> None:
        self._view = view
        now = self.clock()
        if now - self._last < self.interval:
            return
        self._last = now
        self._flush(view)

    def _flush(self, view: Any) -> None:
        if view is not self._flushed:  # the next round of a tool loop: a fresh stream
            if self._flushed is not None:
                self.out.write("\n")
                self._text = self._thoughts = 0
            self._flushed = view
        if self.show_thoughts and not self._text and view.thought_length > self._thoughts:
            new = view.thought_from(self._thoughts)
            self.out.write(("" if self._thoughts else "[thinking] ") + new.replace("\n", "\n  "))
            self._thoughts += len(new)
            self.wrote = True
        if view.text_length > self._text:
            if self._thoughts and not self._text:
                self.out.write("\n\n")
            new = view.text_from(self._text)
            self.out.write(new)
            self._text += len(new)
            self.wrote = True
        self.out.flush()

    def finish(self, view: Any) -> None:
        """Write whatever arrived since the last tick."""
        self._flush(view)

    def close(self, failed: Any = None) -> None:
        """Write what the last tick did not; after a failed turn, also the partial's footer."""
        if self._view is not None:
            self._flush(self._view)
        if not self.wrote:
            return
        self.out.write("\n" + (footer(failed, "plain") + "\n" if failed is not None else ""))
        self.out.flush()
