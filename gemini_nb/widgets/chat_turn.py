"""One chat-panel turn on the engine: a stoppable stream, attached files, the shared chain.

Why its own module (no widgets here): this is the part of the panel that must be right for the
chain and for nothing to be lost, so it is tested without a front end.

* The turn is the engine's :class:`~gemini_nb.turn.TurnRunner` on the kernel's session
  (``api.default_session()``): a panel question joins the same chain as ``%%gemini`` cells,
  or a named thread (``chat(thread="side")``).
* **Stop** comes from another thread (a button's handler). :class:`Stopper` closes the open
  SDK stream and makes the stream's iterator raise ``KeyboardInterrupt`` at the next event (or
  when the closed connection errors), which the runner already treats as Ctrl-C: the partial
  answer is returned (status ``interrupted``), logged, and the chain head does not move.
* **Attachments** (the panel's file upload) become inline media parts next to the prompt's
  text (:func:`media_part`); the request is built by the engine first, then extended.
"""

from __future__ import annotations

import base64
import mimetypes
import threading
from typing import Any

from ..request import TurnOptions
from ..turn import TurnRunner, TurnState

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
"""Inline data above this is refused (the API's inline request limit); use the Files API."""


class Stopper:
    """Shared by a panel and its running turn: ``stop()`` may be called from any thread."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._open: list[Any] = []

    @property
    def stopped(self) -> bool:
        return self._event.is_set()

    def reset(self) -> None:
        self._event.clear()
        with self._lock:
            self._open.clear()

    def watch(self, events: Any) -> _Watched:
        watched = _Watched(events, self)
        with self._lock:
            self._open.append(events)
        if self._event.is_set():  # stopped while the request was being sent
            _close(events)
        return watched

    def stop(self) -> None:
        self._event.set()
        with self._lock:
            streams = list(self._open)
        for events in streams:
            _close(events)


def _close(events: Any) -> None:
    close = getattr(events, "close", None)
    if close is not None:
        try:
            close()
        except Exception:
            pass


class _Watched:
    """The SDK stream, iterated so that a stop request ends it as a Ctrl-C would."""

    def __init__(self, events: Any, stopper: Stopper):
        self.events, self.stopper = events, stopper

    def __iter__(self):
        iterator = iter(self.events)
        while True:
            if self.stopper.stopped:
                raise KeyboardInterrupt
            try:
                event = next(iterator)
            except StopIteration:
                return
            except Exception:
                if self.stopper.stopped:  # the connection we closed ourselves
                    raise KeyboardInterrupt from None
                raise
            yield event

    def close(self) -> None:
        _close(self.events)


class _Interactions:
    def __init__(self, inner: Any, stopper: Stopper):
        self.inner, self.stopper = inner, stopper

    def create(self, **request: Any) -> Any:
        result = self.inner.create(**request)
        return self.stopper.watch(result) if request.get("stream") else result

    def get(self, id: str, **options: Any) -> Any:
        result = self.inner.get(id, **options)
        return self.stopper.watch(result) if options.get("stream") else result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _Client:
    def __init__(self, inner: Any, stopper: Stopper):
        self.interactions = _Interactions(inner.interactions, stopper)
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class PanelHost:
    """The session, seen through a stoppable client (a :class:`~gemini_nb.seams.TurnHost`):
    chain, settings, history and ``last()`` are the session's own."""

    def __init__(self, session: Any, stopper: Stopper):
        self._session = session
        self._stopper = stopper

    def client(self) -> Any:
        return _Client(self._session.client(), self._stopper)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


def media_part(name: str, data: bytes, mime_type: str | None = None) -> dict[str, Any]:
    """An inline content part for an uploaded file; ``ValueError`` (one line) if unusable."""
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ValueError(
            f"{name}: {len(data)} bytes is over the {MAX_ATTACHMENT_BYTES} inline limit; "
            "upload it with the Files API instead"
        )
    mime = mime_type or mimetypes.guess_type(name)[0] or ""
    major = mime.split("/")[0]
    if major in ("image", "audio", "video"):
        kind = major
    elif mime == "application/pdf" or major == "text" or mime in ("application/json", "text/csv"):
        kind = "document"
    else:
        raise ValueError(
            f"{name}: cannot attach {mime or 'a file of unknown type'} (images, audio, video, "
            "PDF and text files can be attached)"
        )
    return {"type": kind, "mime_type": mime, "data": base64.b64encode(bytes(data)).decode("ascii")}


def with_parts(request: dict[str, Any], prompt: str, parts: list[dict[str, Any]]) -> None:
    """Put ``parts`` next to the prompt's text in the request's (last) user input."""
    current = request.get("input")
    if (
        isinstance(current, list)
        and current
        and isinstance(current[-1], dict)
        and current[-1].get("type") == "user_input"
    ):  # stateless history: the last step is ours
        current[-1] = {**current[-1], "content": [*current[-1]["content"], *parts]}
    else:
        request["input"] = [{"type": "text", "text": prompt}, *parts]


class PanelRunner(TurnRunner):
    """The engine's runner, with the panel's attachments added to the built request."""

    def __init__(self, host: Any, live: Any, parts: list[dict[str, Any]] | None = None, **kwargs: Any):
        super().__init__(host, live, **kwargs)
        self.parts = list(parts or [])

    def prepare(self, prompt: str, opts: TurnOptions) -> TurnState:
        state = super().prepare(prompt, opts)
        if self.parts:
            with_parts(state.request, prompt, self.parts)
        return state
