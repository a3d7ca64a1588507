"""The automatic function-call loop: a :class:`~gemini_nb.turn.TurnRunner` *finisher*.

While the model ends a response with ``requires_action`` and function calls, the loop answers
them (:func:`gemini_nb.tool_run.run_calls`: only functions the user handed over, arguments
checked, errors and timeouts sent back as error results) and sends the ``function_result``
steps back with ``runner.send``: after ``previous_interaction_id`` when the chain is stored, or
after the whole turn so far (thought signatures included) with ``--no-store``. It stops at a
final answer, at ``max_tool_rounds``, or, leaving the calls *pending* for ``result.reply()``,
when auto is off or a call is one the user must answer (a declaration without a function,
a ``computer_use`` action).

The turn's result then holds every round: its steps are all rounds' outputs with the results
in between (exactly the history a ``--no-store`` follow-up resends), ``tool_runs`` what each
call did, ``round_ids`` each round's interaction id; usage adds up. The chain records it as
one turn whose id is the last round's.

Answering by hand (``result.reply``) lives in :mod:`gemini_nb.tool_results`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .tool_results import pending_calls, result_step, user_step
from .toolcall import ToolCall

MAX_TOOL_ROUNDS = 10
TOOL_TIMEOUT = 30.0
BUTTONS = "buttons"
"""``approve="buttons"``: leave each round's calls pending for the approval panel."""


@dataclass
class Approval:
    """What an approval panel needs to answer a round the way the loop would have."""

    functions: dict[str, Callable[..., Any]]
    declarations: dict[str, dict[str, Any]]
    timeout: float | None


# -- the finisher --------------------------------------------------------------------------------
class ToolLoop:
    """The finisher (``runner.finishers``); ``approve`` is asked before each call when set."""

    def __init__(self, functions: dict[str, Callable[..., Any]] | None = None):
        self.functions = dict(functions or {})

    def __call__(self, runner: Any, state: Any, result: Any) -> Any:
        """(a :class:`~gemini_nb.turn.TurnRunner`, its ``TurnState``, the first response) -> the
        turn's result."""
        return _Rounds(self.functions, runner, state, result).run()


class _Rounds:
    """One turn's tool rounds: what may run, what ran, and every round's steps, ids and usage."""

    def __init__(self, functions: dict[str, Callable[..., Any]], runner: Any, state: Any, result: Any):
        host = runner.host
        registry = getattr(host, "tool_functions", None)
        if registry is None:
            registry = {}
            try:
                host.tool_functions = registry  # type: ignore[attr-defined]
            except AttributeError:
                pass
        registry.update(functions)
        tools = state.request.get("tools") or []
        self.runner, self.state, self.result, self.host = runner, state, result, host
        self.opts = state.opts
        self.declared = {t.get("name"): t for t in tools if t.get("type") == "function"}
        self.runnable = {name: registry[name] for name in self.declared if name in registry}
        self.computer = any(t.get("type") == "computer_use" for t in tools)
        settings = host.settings
        self.max_rounds = _pick(
            self.opts.max_tool_rounds, getattr(settings, "max_tool_rounds", MAX_TOOL_ROUNDS)
        )
        self.timeout = _pick(self.opts.tool_timeout, getattr(settings, "tool_timeout", TOOL_TIMEOUT))
        self.approve = _approver(self.opts.approve)
        self.runs: dict[str, ToolCall] = {}
        self.steps = list(result.steps)
        self.round_ids = [result.id]
        self.usage = [result.usage]
        self.first_input = state.request.get("input")
        self.note: str | None = None
        self.awaiting = False
        self.rounds = 0

    def run(self) -> Any:
        while self.result.status == "requires_action" and self._should_answer():
            try:
                records = _run(
                    pending_calls(self.result.steps),
                    self.runnable,
                    self.declared,
                    self.timeout,
                    self.approve,
                    self.runner,
                    self.steps,
                    self.runs,
                )
            except KeyboardInterrupt:  # Ctrl-C while functions run (or at the approval prompt)
                for record in self.runs.values():
                    if record.status == "running":
                        record.status, record.error = "error", "interrupted (Ctrl-C)"
                self.result.status = "interrupted"
                break
            if not self._send([result_step(r) for r in records]):
                break
        result = self.result
        result.steps = self.steps
        _attach(result, self.runs, self.round_ids, self.usage, self.note, self.host)
        if self.awaiting:
            result.approval = Approval(self.runnable, self.declared, self.timeout)
        if self.rounds:  # the runner stamped the first round only: the turn took all of them
            result.latency = self.runner.clock() - self.state.started
            result.model = result.model or self.state.request.get("model")
        return result

    def _should_answer(self) -> bool:
        """Whether the loop answers this round's calls (else they stay pending for the user)."""
        calls = pending_calls(self.result.steps)
        if not calls or not self.opts.auto:
            return False
        if any(c.get("name") in self.declared and c.get("name") not in self.runnable for c in calls) or (
            self.computer and any(c.get("name") not in self.declared for c in calls)
        ):
            return False  # calls the user answers by hand (result.reply)
        if self.opts.approve == BUTTONS:  # the approval panel answers them (widgets.approval)
            self.note = "waiting for your approval: run or decline each call with the buttons below"
            self.awaiting = True
            return False
        if self.rounds >= self.max_rounds:
            self.note = (
                f"stopped after {self.max_rounds} tool round(s) (max_tool_rounds); the calls are pending"
            )
            return False
        return True

    def _follow_up(self, answers: list[dict[str, Any]]) -> dict[str, Any]:
        """The next round's request: the results after the last id, or the whole turn (--no-store)."""
        request = dict(self.state.request)
        if request.get("store") is False:
            first = self.first_input
            base = first if isinstance(first, list) else [user_step(self.state.prompt)]
            request["input"] = [*base, *self.steps, *answers]
            request.pop("previous_interaction_id", None)
        else:
            request["input"] = answers
            request["previous_interaction_id"] = self.result.id
        return request

    def _send(self, answers: list[dict[str, Any]]) -> bool:
        """Send the results; False when the loop must stop (Ctrl-C). Failures raise with every round."""
        state = self.state
        state.request = self._follow_up(answers)
        self.steps.extend(answers)
        _show(self.runner, self.steps)
        try:
            result = self.runner.send(state)
        except KeyboardInterrupt:  # keep every round so far; the head does not move
            self.result = _partial(state, self.result, "interrupted")
            self.steps.extend(self.result.steps)
            return False
        except Exception as exc:
            partial = _partial(state, self.result, "error")
            partial.steps = [*self.steps, *partial.steps]
            _attach(partial, self.runs, self.round_ids, self.usage, self.note, self.host)
            raise _describe(self.runner, state, exc, partial) from None
        self.result = result
        self.steps.extend(result.steps)
        self.round_ids.append(result.id)
        self.usage.append(result.usage)
        self.rounds += 1
        if result.status == "failed":
            self._fail()
        return True

    def _fail(self) -> None:
        from .errors import GeminiError, sentence

        result = self.result
        errors = [s.get("error") for s in result.steps if isinstance(s.get("error"), dict)]
        result.steps = self.steps
        _attach(result, self.runs, self.round_ids, self.usage, self.note, self.host)
        detail = sentence(errors[0].get("message") or errors[0]) if errors else "(status 'failed')."
        result.error = f"The interaction failed after {self.rounds} tool round(s): {detail}"
        raise GeminiError(result.error, kind="failed", partial=result)


def _attach(
    result: Any, runs: dict[str, ToolCall], round_ids: list[Any], usage: list[Any], note: Any, host: Any
) -> None:
    result.tool_runs = runs
    result.round_ids = [i for i in round_ids if i]
    result.usage = _sum_usage(usage)
    result.tool_note = note
    result.session = host


def _partial(state: Any, last: Any, status: str) -> Any:
    """What a cut round had delivered (a stream's assembler), as a result with ``status``."""
    from .stream import result_from_interaction

    if state.assembler is not None and state.stream:
        partial = state.assembler.result(status=status, **state.view)
    else:
        partial = result_from_interaction(state.interaction, **state.view)
        partial.steps = [] if partial.id == last.id else partial.steps
        partial.status = status
    partial.id = partial.id or last.id
    return partial


def _describe(runner: Any, state: Any, exc: Exception, partial: Any) -> Any:
    """The one-line :class:`GeminiError` for a failed follow-up round, the rounds so far kept."""
    from .calls import is_dropped_connection
    from .errors import GeminiError, describe
    from .stream import StreamError

    if state.assembler is not None and state.assembler.events and is_dropped_connection(exc):
        exc = StreamError("connection_dropped", "the connection dropped mid-stream")
    host = runner.host
    if isinstance(exc, GeminiError):
        error = exc
    else:
        error = describe(
            exc,
            request=state.request,
            base_url=state.backend.base_url,
            timeout=host.settings.timeout,
            attempts=host.settings.retry_attempts,
            keeps_chain=host.keeps_chain,
        )
    partial.error = str(error)
    error.partial = partial
    error.original = exc
    return error


def _run(
    calls: list[dict[str, Any]],
    runnable: dict[str, Callable[..., Any]],
    declared: dict[str, Any],
    timeout: float | None,
    approve: Any,
    runner: Any,
    steps: list[dict[str, Any]],
    runs: dict[str, ToolCall],
) -> list[ToolCall]:
    from .tool_run import run_calls

    for call in calls:  # shown as running before they run
        runs[str(call.get("id"))] = ToolCall(
            id=call.get("id"), name=call.get("name"), arguments=call.get("arguments") or {}, status="running"
        )
    _show(runner, steps, runs)
    records = run_calls(calls, runnable, declared, timeout=timeout, approve=approve)
    for record in records:
        runs[str(record.id)] = record
    return records


def _show(runner: Any, steps: list[dict[str, Any]], runs: dict[str, ToolCall] | None = None) -> None:
    """Hand the trace so far to a live view that can show it (the notebook preview)."""
    live = getattr(runner, "live", None)
    show = getattr(live, "show_trace", None)
    if show is not None:
        show(steps, runs)


def _pick(value: Any, default: Any) -> Any:
    return default if value is None else value


def _approver(approve: Any) -> Any:
    if not approve or approve == BUTTONS:
        return None
    if callable(approve):
        return approve
    from .tool_run import ask_in_terminal

    return ask_in_terminal


def _sum_usage(usages: list[Any]) -> Any:
    from .result import Usage

    if len(usages) == 1:
        return usages[0]
    total = Usage()
    for u in usages:
        for name in ("input_tokens", "output_tokens", "thought_tokens", "cached_tokens", "total_tokens"):
            setattr(total, name, getattr(total, name) + getattr(u, name, 0))
    return total


__all__ = ["Approval", "BUTTONS", "ToolLoop", "MAX_TOOL_ROUNDS", "TOOL_TIMEOUT"]
