"""The engine's seams, as ``typing.Protocol``s: what a turn needs from the world around it.

Why protocols: the turn engine (:mod:`gemini_nb.turn`) must run without IPython (scripts, tests,
other frontends) and must stay testable with small fakes. Everything it touches outside itself
goes through one of these shapes, so a new surface (a widget, a job panel, another transport)
is a new implementation of a protocol, not an edit of the engine:

* :class:`StreamView`   what a live display may read from a stream in progress (cheap reads);
* :class:`LiveView`     the live display (a notebook preview, a terminal echo);
* :class:`TurnLog`      the history log (start / progress / finish of one turn);
* :class:`Transport`    the client: ``client.interactions.create/get`` of google-genai;
* :class:`TurnHost`     the session a turn runs in (chain, settings, backend, log, last result).

Nothing here is imported at run time by the implementations; they match structurally
(``runtime_checkable``: a test checks each implementation has every member).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .backend import Backend
    from .chain import Chain
    from .config import Settings
    from .request import TurnOptions
    from .result import InteractionResult


@runtime_checkable
class StreamView(Protocol):
    """A stream being assembled. The ``*_tail``/``*_from``/``*_length`` reads cost O(what they
    return), never O(everything so far); ``text`` and ``thought_text`` are the full strings and
    are meant for the end of a turn or a timed flush, not for every event."""

    id: str | None
    completed: bool

    @property
    def text_length(self) -> int: ...

    @property
    def thought_length(self) -> int: ...

    def text_tail(self, n: int) -> str: ...

    def text_from(self, start: int) -> str: ...

    def thought_tail(self, n: int) -> str: ...

    def thought_from(self, start: int) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def thought_text(self) -> str: ...


@runtime_checkable
class LiveView(Protocol):
    """The live display of one streamed turn.

    Call order: ``start``; ``tick`` on every event, the stream being the argument (the view
    throttles itself, and may keep the reference to show the rest at ``close``); ``close``
    always, last: plain ``close()`` after a complete or interrupted stream (the caller shows
    the result), ``close(failed)`` with the partial result of a failed turn, which the view
    shows in full itself. ``shown`` then tells the caller the answer is on screen already and
    must not be displayed a second time (a terminal echo, or a failed turn's partial).
    """

    @property
    def shown(self) -> bool: ...

    def start(self) -> None: ...

    def tick(self, view: StreamView) -> None: ...

    def close(self, failed: InteractionResult | None = None) -> None: ...


@runtime_checkable
class TurnLog(Protocol):
    """Where turns are logged. ``log_start`` returns a row handle (None: not logging); the
    engine decides *when* to call ``log_progress`` (on a timer), so it is cheap to implement."""

    def log_start(
        self, prompt: str, opts: TurnOptions, request: dict[str, Any], thread: str, backend: Backend
    ) -> Any: ...

    def log_progress(self, row: Any, text: str, interaction_id: str | None) -> None: ...

    def log_finish(self, row: Any, result: InteractionResult | None, error: str | None) -> None: ...


@runtime_checkable
class Interactions(Protocol):
    """``client.interactions`` of google-genai (3.x): the calls the engine makes."""

    def create(self, **request: Any) -> Any: ...

    def get(self, id: str, **options: Any) -> Any: ...


@runtime_checkable
class Transport(Protocol):
    """A ``google.genai.Client`` as far as the engine is concerned."""

    @property
    def interactions(self) -> Interactions: ...


@runtime_checkable
class TurnHost(TurnLog, Protocol):
    """The session a turn runs in (:class:`gemini_nb.api.Session` implements it)."""

    settings: Settings
    chain: Chain
    keeps_chain: bool
    """False for a one-off host (``gemini_nb.ask``): messages then never mention a chain head."""

    def backend(self) -> Backend: ...

    def client(self) -> Transport: ...

    def local_id(self) -> str: ...

    def remember(self, result: InteractionResult | None) -> None:
        """The outcome of the latest turn (None: it failed before anything arrived)."""
        ...


__all__ = ["StreamView", "LiveView", "TurnLog", "Interactions", "Transport", "TurnHost"]
