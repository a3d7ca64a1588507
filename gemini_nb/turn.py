"""One turn, run by a :class:`TurnRunner`: prepare, send (unary or stream, then wait), finish.

Invariants this module owns:

* the chain head moves only when the turn succeeds; a failed, interrupted or cut-off turn
  leaves it where it was (so the next cell continues from the last good answer);
* nothing partial is lost: Ctrl-C returns the partial result (status ``interrupted``), a
  failure raises a :class:`~gemini_nb.errors.GeminiError` whose ``partial`` holds it, the host
  remembers it (``gemini_nb.last()``), the live view keeps it on screen, and the history row
  is written before the request and refreshed on a timer while streaming;
* a stream costs O(n): per event the runner does O(1) work besides the view's own throttled
  rendering; the full text is built only when the history is flushed (at most once per
  ``flush_every`` seconds) and at the end.

Where later features go (each without editing the others):

* a **tool loop** (call the model again with function results) is a *finisher*: it receives
  the runner, the :class:`TurnState` and the result, and calls ``runner.send(state)`` with a
  follow-up request;
* **schema validation** of the final answer (structured output -> DataFrame) is a finisher
  that parses ``result.text`` and attaches the value, or raises ``GeminiError(partial=result)``;
* a **background job** that returns before completion is a *waiter* (replacing
  :meth:`TurnRunner.wait`, the poll) that hands the running interaction to a job object and
  returns at once.

No display code and no IPython here: the live view, the log, the transport and the session
are the protocols of :mod:`gemini_nb.seams`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .calls import call_unary, consume_stream, is_dropped_connection, poll_background
from .chain import MAIN, Turn
from .errors import GeminiError, describe, head_note, sentence
from .request import OptionError, TurnOptions, build_request, input_steps, user_step
from .result import InteractionResult
from .stream import StreamAssembler, StreamError, result_from_interaction

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .backend import Backend
    from .seams import LiveView, Transport, TurnHost

HEAD_MOVING = ("completed", "requires_action", "incomplete", "budget_exceeded")


@dataclass
class TurnState:
    """What one turn knows, handed from step to step (and to finishers and waiters)."""

    prompt: str
    opts: TurnOptions
    request: dict[str, Any]
    parent: Turn | None
    settings: dict[str, Any]
    """The interaction-scoped settings this turn's children inherit."""
    thread: str
    stream: bool
    backend: Backend
    client: Transport
    view: dict[str, Any]
    """Presentation fields every result of this turn carries (badge, prompt, render mode...)."""
    row: Any = None
    started: float = 0.0
    assembler: StreamAssembler | None = None
    interaction: Any = None
    """The latest non-streamed snapshot (a Ctrl-C during a poll still knows the run)."""
    extras: dict[str, Any] = field(default_factory=dict)
    """Room for finishers (e.g. a tool loop's round count); the runner never reads it."""


Finisher = Callable[["TurnRunner", TurnState, InteractionResult], InteractionResult]
"""Runs after a successful response, before the chain records it; returns the result to keep."""
Waiter = Callable[["TurnRunner", TurnState, Any], Any]
"""Background runs: takes the created interaction, returns the one to turn into the result."""


class ProgressFlusher:
    """Writes the partial text to the log at most once per ``every`` seconds, from cheap state:
    per event it reads a clock and a length; the full text is built only when it writes."""

    def __init__(
        self, host: TurnHost, row: Any, view: StreamAssembler, *, every: float, clock: Callable[[], float]
    ):
        self.host, self.row, self.view = host, row, view
        self.every, self.clock = every, clock
        self.flushes = 0
        self._at = float("-inf")  # the first text is written at once, then once per ``every``
        self._length = 0

    def __call__(self) -> None:
        now = self.clock()
        if now - self._at < self.every:
            return
        length = self.view.text_length
        if length == self._length:
            return
        self._at = now
        self._length = length
        self.flushes += 1
        self.host.log_progress(self.row, self.view.text, self.view.id)


class TurnRunner:
    """Runs turns on ``host`` (a :class:`~gemini_nb.seams.TurnHost`, e.g. a Session).

    Steps, each a method: :meth:`prepare` (request + log row), :meth:`send` (:meth:`unary` or
    :meth:`stream`; a background run then :meth:`wait`\\ s), :meth:`finish` (failed status,
    finishers, chain, log, host's last result). :meth:`interrupted` and :meth:`failed` are the
    two other endings.
    """

    def __init__(
        self,
        host: TurnHost,
        live: LiveView | None = None,
        *,
        finishers: Sequence[Finisher] = (),
        waiter: Waiter | None = None,
        clock: Callable[[], float] = time.monotonic,
        flush_every: float = 1.0,
    ):
        self.host = host
        self.live = live
        self.finishers = list(finishers)
        self.waiter = waiter
        self.clock = clock
        self.flush_every = flush_every
        self.flusher: ProgressFlusher | None = None

    # -- the turn ----------------------------------------------------------------------------
    def run(self, prompt: str, opts: TurnOptions) -> InteractionResult:
        state = self.prepare(prompt, opts)
        try:
            result = self.send(state)
        except KeyboardInterrupt:
            self._close_live(state)
            return self.interrupted(state)
        except Exception as exc:
            raise self.failed(state, exc) from None
        except BaseException:
            self._close_live(state)
            raise
        return self.finish(state, result)

    def prepare(self, prompt: str, opts: TurnOptions) -> TurnState:
        """Build the request (may raise :class:`OptionError`/``ChainError``), open the log row."""
        host = self.host
        settings = host.settings
        request, parent, turn_settings = build_request(host, prompt, opts)
        thread = opts.thread or host.chain.thread
        backend = host.backend()
        client = host.client()
        view = dict(
            latency=None,
            emulated=backend.emulated,
            prompt=prompt,
            thread=thread,
            previous_interaction_id=request.get("previous_interaction_id"),
            render_mode="raw" if opts.raw else "markdown",
            show_thoughts=settings.show_thoughts if opts.thoughts is None else opts.thoughts,
            max_chars=settings.max_chars,
            keeps_chain=host.keeps_chain,
        )
        row = host.log_start(prompt, opts, request, thread, backend)
        return TurnState(
            prompt=prompt,
            opts=opts,
            request=request,
            parent=parent,
            settings=turn_settings,
            thread=thread,
            stream=settings.stream if opts.stream is None else opts.stream,
            backend=backend,
            client=client,
            view=view,
            row=row,
            started=self.clock(),
        )

    def send(self, state: TurnState) -> InteractionResult:
        """One request/response round for ``state.request`` (a finisher may call it again). A
        background run with a waiter is created unary: the waiter follows it (its own stream)."""
        if state.stream and not (self.waiter is not None and state.request.get("background")):
            return self.stream(state)
        return self.unary(state)

    def unary(self, state: TurnState) -> InteractionResult:
        """One ``create``; a background run is then handed to the waiter (default: :meth:`wait`)."""
        interaction = state.interaction = call_unary(state.client, state.request)
        if state.request.get("background"):
            if self.waiter is not None:
                interaction = self.waiter(self, state, interaction)
            else:
                interaction = self.wait(state, interaction)
        return result_from_interaction(interaction, **state.view)

    def wait(self, state: TurnState, interaction: Any) -> Any:
        """The default waiter: poll the background run until it ends (or the timeout)."""
        timeout = self.host.settings.timeout
        deadline = self.clock() + timeout if timeout else None

        def seen(snapshot: Any) -> None:
            state.interaction = snapshot

        return poll_background(
            state.client, interaction, deadline=deadline, on_snapshot=seen, clock=self.clock
        )

    def stream(self, state: TurnState) -> InteractionResult:
        """Stream into a fresh assembler, ticking the live view and the progress flusher; a
        stored background run resumes after a drop (:func:`~gemini_nb.calls.consume_stream`)."""
        assembler = state.assembler = StreamAssembler()
        live = self.live
        flusher = None
        if state.row is not None:
            flusher = self.flusher = ProgressFlusher(
                self.host, state.row, assembler, every=self.flush_every, clock=self.clock
            )
        if live is not None:
            live.start()

        def on_event() -> None:
            if live is not None:
                live.tick(assembler)
            if flusher is not None:
                flusher()

        resumable = bool(state.request.get("background")) and state.request.get("store") is not False
        consume_stream(state.client, state.request, assembler, on_event, resumable=resumable)
        if not assembler.completed:
            raise StreamError(
                "stream_cut", "the stream ended before the interaction completed (connection dropped)"
            )
        return assembler.result(**state.view)

    def finish(self, state: TurnState, result: InteractionResult) -> InteractionResult:
        """The one finish step: stamp, fail on a failed status, finishers, live view, chain, log,
        the host's last result."""
        host = self.host
        self._stamp(state, result)
        result.id = result.id or host.local_id()
        if result.status == "failed":
            message = failure_message(result, host.keeps_chain)
            result.error = message
            self._close_live(state, result)
            self._end(state, result, message)
            raise GeminiError(message, kind="failed", partial=result)
        try:
            for finisher in self.finishers:
                result = finisher(self, state, result)
        except GeminiError as error:
            if error.partial is None:
                error.partial = result
            self._close_live(state, error.partial)
            self._end(state, error.partial, str(error))
            raise
        except BaseException:
            self._close_live(state)
            raise
        self._close_live(state)
        result.id = turn_id = result.id or host.local_id()  # a finisher may have replaced it
        host.chain.record(
            Turn(
                id=turn_id,
                parent=state.parent.id if state.parent else None,
                prompt=state.prompt,
                model=result.model,
                thread=state.thread,
                execution_count=state.opts.execution_count,
                stored=state.opts.store,
                input_steps=input_steps(state.prompt, state.opts, state.parent),
                output_steps=result.steps,
                settings=state.settings,
                text=result.text[:200],
                result=result,
            ),
            move_head=result.status in HEAD_MOVING,
        )
        self._end(state, result, None)
        return result

    # -- the other endings -----------------------------------------------------------------------
    def interrupted(self, state: TurnState) -> InteractionResult:
        """Ctrl-C: what had arrived, as a result (a background run keeps going server-side)."""
        if state.assembler is not None:
            result = state.assembler.result(status="interrupted", **state.view)
        else:
            result = result_from_interaction(state.interaction, **state.view)
        result.status = "interrupted"
        self._stamp(state, result)
        self._end(state, result, "interrupted")
        return result

    def failed(self, state: TurnState, exc: Exception) -> GeminiError:
        """The one-line error for ``exc``, with the partial answer kept everywhere."""
        host = self.host
        assembler = state.assembler
        if assembler is not None and assembler.events and is_dropped_connection(exc):
            exc = StreamError("connection_dropped", "the connection dropped mid-stream")
        error = describe(
            exc,
            request=state.request,
            base_url=state.backend.base_url,
            timeout=host.settings.timeout,
            attempts=host.settings.retry_attempts,
            keeps_chain=host.keeps_chain,
        )
        partial = None
        if assembler is not None and (assembler.text_length or assembler.order):
            partial = assembler.result(status="error", **state.view)
            partial.error = str(error)
            self._stamp(state, partial)
        error.partial = partial
        error.original = exc  # for debugging; never printed (tracebacks stop at the one line)
        self._close_live(state, partial)
        self._end(state, partial, str(error))
        return error

    # -- helpers -----------------------------------------------------------------------------------
    def _stamp(self, state: TurnState, result: InteractionResult) -> None:
        result.latency = self.clock() - state.started
        if result.model is None:
            result.model = state.request.get("model") or state.request.get("agent")

    def _end(self, state: TurnState, result: InteractionResult | None, error: str | None) -> None:
        self.host.log_finish(state.row, result, error)
        self.host.remember(result)

    def _close_live(self, state: TurnState, failed: InteractionResult | None = None) -> None:
        if self.live is None or not state.stream:
            return
        if failed is None:
            self.live.close()
        else:
            self.live.close(failed)


def failure_message(result: InteractionResult, keeps_chain: bool = True) -> str:
    """One line for an interaction that ended with status ``failed``."""
    for step in result.steps:
        err = step.get("error") if isinstance(step, dict) else None
        if err:
            return f"The interaction failed: {sentence(err.get('message') or err)}"
    errors = getattr(result.raw, "errors", None) or []
    if errors:
        first = errors[0]
        return f"The interaction failed: {sentence(getattr(first, 'message', None) or first)}"
    return f"The interaction failed (status 'failed'){head_note(keeps_chain)}."


def run_turn(
    session: TurnHost,
    prompt: str,
    opts: TurnOptions,
    live: LiveView | None = None,
    waiter: Waiter | None = None,
) -> InteractionResult:
    """Run one turn on ``session`` with the default steps (see :class:`TurnRunner`); ``waiter``
    takes background runs (:class:`gemini_nb.jobs.JobWaiter`). Finishers, in order: the tool loop
    (answers ``requires_action`` until the final answer), then the schema check of that answer."""
    from .tool_loop import ToolLoop  # tools: the function-call loop answers requires_action

    functions = opts.toolset.functions if opts.toolset is not None else None
    finishers: list[Finisher] = [ToolLoop(functions)]
    if opts.schema is not None:  # structured output: validate the final answer (gemini_nb.structured)
        from .structured import validate_answer

        finishers.append(validate_answer)
    return TurnRunner(session, live, finishers=finishers, waiter=waiter).run(prompt, opts)


__all__ = [
    "OptionError",
    "TurnOptions",
    "TurnRunner",
    "TurnState",
    "ProgressFlusher",
    "Finisher",
    "Waiter",
    "run_turn",
    "build_request",
    "user_step",
    "failure_message",
    "MAIN",
    "HEAD_MOVING",
]
