"""One turn: build the request, call ``interactions.create`` (streamed or not), return a result.

Invariants this module owns:

* the chain head moves only when the turn succeeds; a failed, interrupted or cut-off turn
  leaves it where it was (so the next cell continues from the last good answer);
* nothing partial is lost: Ctrl-C returns the partial result (status ``interrupted``), a
  mid-stream error raises a :class:`~gemini_nb.errors.GeminiError` whose ``partial`` holds it,
  and the history row is written before the request and refreshed while streaming;
* interaction-scoped settings are resent every turn (inherited from the parent turn).

No display code here: a ``live`` object (``start``/``tick``/``close``) is passed in.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from .chain import MAIN, ChainError, Turn
from .errors import GeminiError, describe
from .stream import StreamAssembler, StreamError, result_from_interaction

HEAD_MOVING = ("completed", "requires_action", "incomplete", "budget_exceeded")
TERMINAL = ("completed", "failed", "cancelled", "incomplete", "budget_exceeded", "requires_action")


class OptionError(ChainError):
    """An option that cannot apply to this turn (one line; the magics show it as a UsageError)."""


@dataclass
class TurnOptions:
    """Per-turn options (the ``%%gemini`` first line, or ``ask(**options)``)."""

    model: str | None = None
    agent: str | None = None
    system: str | None = None
    thinking: str | None = None
    thoughts: bool | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    stream: bool | None = None
    new: bool = False
    from_ref: str | None = None
    thread: str | None = None
    store: bool = True
    quiet: bool = False
    raw: bool = False
    tools: list[dict[str, Any]] | None = None
    generation_config: dict[str, Any] = field(default_factory=dict)
    execution_count: int | None = None

    def logged(self) -> dict[str, Any]:
        """The options as logged in history: those that differ from the defaults (so an explicit
        ``--no-store``/``--no-stream``/``--no-thoughts`` is kept); no secrets exist here."""
        defaults = asdict(TurnOptions())
        return {k: v for k, v in asdict(self).items() if v != defaults[k]}


def user_step(prompt: str) -> dict[str, Any]:
    return {"type": "user_input", "content": [{"type": "text", "text": prompt}]}


def _settings_for(parent: Turn | None, opts: TurnOptions, show_thoughts: bool) -> dict[str, Any]:
    """Inherited interaction-scoped settings, with this turn's overrides applied."""
    base = dict(parent.settings) if parent else {}
    gc = dict(base.get("generation_config") or {})
    gc.update(opts.generation_config or {})
    if opts.temperature is not None:
        gc["temperature"] = opts.temperature
    if opts.max_tokens is not None:
        gc["max_output_tokens"] = opts.max_tokens
    if opts.thinking:
        gc["thinking_level"] = opts.thinking
    if opts.thoughts is True or (opts.thoughts is None and opts.thinking and show_thoughts):
        gc["thinking_summaries"] = "auto"
    elif opts.thoughts is False:
        gc["thinking_summaries"] = "none"
    settings: dict[str, Any] = {}
    if gc:
        settings["generation_config"] = gc
    system = opts.system if opts.system is not None else base.get("system_instruction")
    if system:
        settings["system_instruction"] = system
    tools = opts.tools if opts.tools is not None else base.get("tools")
    if tools:
        settings["tools"] = tools
    return settings


def build_request(session: Any, prompt: str, opts: TurnOptions) -> tuple[dict[str, Any], Turn | None, dict]:
    """(request kwargs for ``create``, parent turn, inherited settings)."""
    chain = session.chain
    thread = opts.thread or chain.thread
    if opts.new:
        parent = None
    elif opts.from_ref is not None:
        parent = chain.resolve(opts.from_ref, thread)
    else:
        parent = chain.head(thread)
    settings = _settings_for(parent, opts, session.settings.show_thoughts)
    request: dict[str, Any] = {}
    agent = opts.agent or (parent.settings.get("agent") if parent and not opts.model else None)
    if agent:
        ignored = [name for name, value in (("--temperature", opts.temperature), ("--max-tokens", opts.max_tokens),
                                            ("--thinking", opts.thinking)) if value is not None]
        if opts.generation_config:
            ignored.append("generation_config")
        if ignored:  # never drop what the user asked for without saying so
            how = ("" if opts.agent else
                   f"; this chain continues agent {agent!r}: add -m MODEL to ask a model instead")
            raise OptionError(f"{', '.join(ignored)} cannot be used with agent {agent!r} (agents take no "
                              f"generation settings){how}")
        request["agent"] = agent
        request["background"] = True
        settings.pop("generation_config", None)
    else:
        request["model"] = opts.model or session.settings.model
    if chain.needs_history(parent, opts.store):
        request["input"] = [*chain.history_steps(parent), user_step(prompt)]
    else:
        request["input"] = prompt
        if parent is not None:
            request["previous_interaction_id"] = parent.id
    if not opts.store:
        request["store"] = False
    request.update(settings)
    if agent:
        settings["agent"] = agent
    return request, parent, settings


def _poll(client: Any, interaction: Any, deadline: float | None, seen: dict | None = None) -> Any:
    """Background (agent) interactions: poll until a terminal status. ``seen["interaction"]``
    always holds the latest snapshot, so a Ctrl-C still knows the run's id and progress."""
    delay = 0.2
    while getattr(interaction, "status", "completed") not in TERMINAL:
        if deadline and time.monotonic() > deadline:
            break
        time.sleep(delay)
        delay = min(delay * 1.5, 2.0)
        interaction = client.interactions.get(interaction.id)
        if seen is not None:
            seen["interaction"] = interaction
    return interaction


def run_turn(session: Any, prompt: str, opts: TurnOptions, live: Any = None) -> Any:
    """Run one turn on ``session`` (an :class:`gemini_nb.api.Session`); see the module doc."""
    settings = session.settings
    request, parent, turn_settings = build_request(session, prompt, opts)
    stream = settings.stream if opts.stream is None else opts.stream
    thread = opts.thread or session.chain.thread
    backend = session.backend()
    client = session.client()
    show_thoughts = settings.show_thoughts if opts.thoughts is None else opts.thoughts
    common = dict(
        latency=None, emulated=backend.emulated, prompt=prompt, thread=thread,
        previous_interaction_id=request.get("previous_interaction_id"),
        render_mode="raw" if opts.raw else "markdown", show_thoughts=show_thoughts,
        max_chars=settings.max_chars,
    )
    row = session.log_start(prompt, opts, request, thread, backend)
    started = time.monotonic()
    assembler = StreamAssembler() if stream else None
    result = None
    seen: dict[str, Any] = {}  # the non-streamed interaction as last seen (for Ctrl-C)
    try:
        try:
            if stream:
                if live is not None:
                    live.start()
                events = client.interactions.create(**request, stream=True)
                try:
                    for event in events:
                        assembler.feed(event)
                        if live is not None:
                            live.tick(assembler)
                        if row is not None:
                            session.log_progress(row, assembler)
                finally:
                    close = getattr(events, "close", None)
                    if close is not None:
                        try:
                            close()
                        except Exception:
                            pass
                finish = getattr(live, "finish", None)
                if finish is not None:
                    finish(assembler)
                if not assembler.completed:
                    raise StreamError("stream_cut", "the stream ended before the interaction completed "
                                                    "(connection dropped)")
                result = assembler.result(**common)
            else:
                interaction = seen["interaction"] = client.interactions.create(**request)
                if request.get("background"):
                    deadline = time.monotonic() + settings.timeout if settings.timeout else None
                    interaction = _poll(client, interaction, deadline, seen)
                result = result_from_interaction(interaction, **common)
        finally:
            if live is not None:
                live.close()
    except KeyboardInterrupt:
        result = (assembler.result(status="interrupted", **common) if assembler is not None
                  else result_from_interaction(seen.get("interaction"), **common))
        result.status = "interrupted"  # a background run keeps going server-side: its id is kept
        result.latency = time.monotonic() - started
        if result.model is None:
            result.model = request.get("model") or request.get("agent")
        session.log_finish(row, result, "interrupted")
        session.last = result
        return result
    except Exception as exc:
        if assembler is not None and assembler.events and _is_dropped_connection(exc):
            exc = StreamError("connection_dropped", "the connection dropped mid-stream")
        error = describe(exc, request=request, base_url=backend.base_url, timeout=settings.timeout,
                         attempts=settings.retry_attempts)
        partial = None
        if assembler is not None and (assembler.text or assembler.order):
            partial = assembler.result(status="error", **common)
            partial.error = str(error)
            partial.latency = time.monotonic() - started
        error.partial = partial
        error.original = exc  # for debugging; never printed (tracebacks stop at the one line)
        session.log_finish(row, partial, str(error))
        if partial is not None:
            session.last = partial
        raise error from None
    result.latency = time.monotonic() - started
    if result.model is None:
        result.model = request.get("model") or request.get("agent")
    if result.id is None:
        result.id = session.local_id()
    if result.status == "failed":
        message = _failure_message(result)
        result.error = message
        session.log_finish(row, result, message)
        raise GeminiError(message, kind="failed", partial=result)
    turn = Turn(
        id=result.id, parent=parent.id if parent else None, prompt=prompt, model=result.model,
        thread=thread, execution_count=opts.execution_count, stored=opts.store,
        input_steps=[user_step(prompt)], output_steps=result.steps, settings=turn_settings,
        text=result.text[:200], result=result,
    )
    session.chain.record(turn, move_head=result.status in HEAD_MOVING)
    session.log_finish(row, result, None)
    session.last = result
    return result


def _is_dropped_connection(exc: BaseException) -> bool:
    """A connection error (not a timeout) after events arrived: the stream was cut."""
    try:
        from google.genai import _interactions as ix
    except Exception:  # pragma: no cover
        return False
    return isinstance(exc, ix.APIConnectionError) and not isinstance(exc, ix.APITimeoutError)


def _failure_message(result: Any) -> str:
    for step in result.steps:
        err = step.get("error") if isinstance(step, dict) else None
        if err:
            return f"The interaction failed: {err.get('message') or err}"
    raw = result.raw
    errors = getattr(raw, "errors", None) or []
    if errors:
        first = errors[0]
        return f"The interaction failed: {getattr(first, 'message', None) or first}"
    return "The interaction failed (status 'failed'); the chain head did not move."


__all__ = ["OptionError", "TurnOptions", "run_turn", "build_request", "user_step", "MAIN"]
