"""The approval panel: Run / Decline buttons for each function call the model asked for.

Why the cell ends first: a kernel does not read widget clicks while a cell is still running, so
a button cannot block like the y/n prompt does. With ``approve="buttons"`` the tool loop stops
with the round's calls pending (``result.approval`` holds what may run); this panel shows them.
A click records a decision; once every call has one, the approved calls run through the same
safe executor the loop uses (:func:`gemini_nb.tool_run.run_calls`: only the functions handed
over, arguments checked, timeout), declined ones send "the user declined" back, and the turn
continues (:meth:`InteractionResult.reply`). A next round that asks again gets a panel of its
own below; ``on_result`` hears of every new result (the magic keeps ``-o NAME`` and ``_`` on the
latest). Nothing runs without a click. ipywidgets is imported only when the panel is drawn.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from ..errors import GeminiError
from ..render.bundle import result_bundle
from ..tool_loop import BUTTONS
from ..tool_results import pending_calls
from ..tool_run import run_calls
from ..toolcall import DECLINED, OK, ToolCall


class ApprovalPanel:
    """Decisions on ``result``'s pending calls, then the turn's continuation (``.next``)."""

    def __init__(
        self,
        result: Any,
        *,
        on_result: Callable[[Any], None] | None = None,
        show_result: bool = True,
        stream: bool = False,
    ):
        if getattr(result, "approval", None) is None or not pending_calls(result.steps):
            raise ValueError("nothing awaits approval: run the turn with approve='buttons' (--approve)")
        self.result, self.on_result = result, on_result
        self.show_result, self.stream = show_result, stream
        self.calls = [
            ToolCall(id=c.get("id"), name=c.get("name"), arguments=c.get("arguments") or {})
            for c in pending_calls(result.steps)
        ]
        self.decisions: dict[str, bool] = {}
        self.records: list[ToolCall] = []
        self.next: Any = None
        self.error: str | None = None
        self.child: ApprovalPanel | None = None
        self._rows: dict[str, Any] = {}
        self._box: Any = None

    # -- decisions ---------------------------------------------------------------------------
    @property
    def decided(self) -> bool:
        return len(self.decisions) == len(self.calls)

    def decide(self, call_id: str, allowed: bool) -> None:
        """Run (``True``) or decline one call; the last decision continues the turn."""
        if self.decided or call_id in self.decisions:
            return
        if call_id not in {c.id for c in self.calls}:
            raise ValueError(f"no pending call {call_id!r} in this turn")
        self.decisions[call_id] = bool(allowed)
        self._mark(call_id, "approved: running when all are decided" if allowed else "declined")
        if self.decided:
            self._continue()

    def run_all(self) -> None:
        for call in self.calls:
            self.decide(call.id, True)

    def decline_all(self) -> None:
        for call in self.calls:
            self.decide(call.id, False)

    def _continue(self) -> None:
        approval = self.result.approval
        self._status("running the approved calls…")
        self.records = run_calls(
            [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in self.calls],
            approval.functions,
            approval.declarations,
            timeout=approval.timeout,
            approve=lambda record: self.decisions.get(record.id, False),
        )
        for record in self.records:
            self._mark(record.id, _outcome(record))
        self._status("sending the results…")
        try:
            self.next = self.result.reply(
                {r.id: r for r in self.records}, approve=BUTTONS, stream=self.stream
            )
        except GeminiError as exc:
            self.error = str(exc)
            self._status(f"<span style='color:#b00'>{html.escape(self.error)}</span>", raw=True)
            return
        self._status("")
        if self.on_result is not None:
            self.on_result(self.next)
        self._show_next()

    # -- the widget --------------------------------------------------------------------------
    def widget(self) -> Any:
        """The panel (built once): the turn's answer, one row per call, the continuation."""
        if self._box is not None:
            return self._box
        import ipywidgets as w

        parts = []
        if self.show_result:
            parts.append(_output_of(w, self.result))
        for call in self.calls:
            run = w.Button(description="Run", button_style="success", tooltip=f"run {call.name}")
            skip = w.Button(description="Decline", button_style="danger", tooltip=f"decline {call.name}")
            run.on_click(lambda _b, cid=call.id: self.decide(cid, True))
            skip.on_click(lambda _b, cid=call.id: self.decide(cid, False))
            label = w.HTML(f"<code>{html.escape(call.signature(200))}</code>")
            state = w.HTML("<i>waiting for your decision</i>")
            self._rows[call.id] = (run, skip, state)
            parts.append(w.HBox([label, run, skip, state]))
        if len(self.calls) > 1:
            every = w.Button(description="Run all", button_style="success")
            none = w.Button(description="Decline all", button_style="danger")
            every.on_click(lambda _b: self.run_all())
            none.on_click(lambda _b: self.decline_all())
            self._rows["*"] = (every, none, None)
            parts.append(w.HBox([every, none]))
        self._status_html = w.HTML("")
        self._next_box = w.VBox([])
        parts += [self._status_html, self._next_box]
        self._box = w.VBox(parts)
        self._box.add_class("gnb-approval")
        return self._box

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget())

    def _mark(self, call_id: str, text: str) -> None:
        row = self._rows.get(call_id)
        if row is None:
            return
        run, skip, state = row
        run.disabled = skip.disabled = True
        state.value = html.escape(text)
        if self.decided and "*" in self._rows:
            for button in self._rows["*"][:2]:
                button.disabled = True

    def _status(self, text: str, raw: bool = False) -> None:
        if self._box is not None:
            self._status_html.value = text if raw else html.escape(text)

    def _show_next(self) -> None:
        if self._box is None:
            return
        import ipywidgets as w

        children = [_output_of(w, self.next)]
        if getattr(self.next, "approval", None) is not None and pending_calls(self.next.steps):
            self.child = ApprovalPanel(
                self.next, on_result=self.on_result, show_result=False, stream=self.stream
            )
            children.append(self.child.widget())
        self._next_box.children = tuple(children)


def _outcome(record: ToolCall) -> str:
    if record.status == OK:
        return f"ran in {record.duration_s or 0:.2f} s: ok"
    if record.status == DECLINED:
        return "declined"
    return f"error: {record.error}"


def _output_of(w: Any, result: Any) -> Any:
    data, metadata = result_bundle(result)
    out = w.Output()
    out.outputs = ({"output_type": "display_data", "data": data, "metadata": metadata},)
    return out


def approval_panel(result: Any, **options: Any) -> ApprovalPanel:
    """``gemini_nb.approve(result)``: the panel for a turn run with ``approve="buttons"``."""
    return ApprovalPanel(result, **options)


__all__ = ["ApprovalPanel", "approval_panel"]
