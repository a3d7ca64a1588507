"""The per-kernel interaction tree: turns, forks, named threads and each thread's head.

The server keeps the conversation (``previous_interaction_id``); this module only remembers
*which* interaction each thread continues from, so forking is free (continue from any earlier
id) and a failed turn never moves a head. Every turn also keeps its input and output steps
(thought signatures included): that is what a ``--no-store`` turn, or a turn following one,
sends back as explicit history, because the server cannot continue an unstored interaction.

Settings that the API scopes to one interaction (system instruction, tools, generation
config) are remembered per turn and inherited by the next turn on the same branch, so they
are resent every turn without the user repeating them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

MAIN = "main"


class ChainError(Exception):
    """A reference (id, execution count, -N) that does not resolve; one line."""

    def _render_traceback_(self) -> list[str]:
        """IPython shows this line instead of a traceback (``Session.fork('-9')`` in a cell)."""
        return [f"{type(self).__name__}: {self}"]


@dataclass
class Turn:
    id: str
    parent: str | None
    prompt: str = ""
    model: str | None = None
    thread: str = MAIN
    execution_count: int | None = None
    stored: bool = True
    input_steps: list[dict[str, Any]] = field(default_factory=list)
    output_steps: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    """Interaction-scoped request fields to resend: system_instruction, tools, generation_config."""
    created: float = field(default_factory=time.time)
    text: str = ""
    external: bool = False
    """Known only by id (``%gemini resume``): no local steps, continued server-side."""
    result: Any = None


class Chain:
    """All turns of this kernel, plus a head per thread (``main`` and named threads)."""

    def __init__(self) -> None:
        self.turns: dict[str, Turn] = {}
        self.heads: dict[str, str | None] = {MAIN: None}
        self.thread = MAIN
        self._order: list[str] = []
        self.lock = threading.RLock()
        """Held while recording: a background job records its turn from its own thread."""

    # -- heads -----------------------------------------------------------------------------
    def head(self, thread: str | None = None) -> Turn | None:
        head_id = self.heads.get(thread or self.thread)
        return self.turns.get(head_id) if head_id else None

    def set_head(self, turn_id: str | None, thread: str | None = None) -> None:
        with self.lock:
            self.heads[thread or self.thread] = turn_id

    def reset(self, thread: str | None = None) -> None:
        """Start the thread afresh: the next turn has no previous interaction."""
        self.heads[thread or self.thread] = None

    def switch(self, thread: str) -> None:
        self.heads.setdefault(thread, None)
        self.thread = thread

    # -- references ------------------------------------------------------------------------
    def path(self, turn_id: str | None) -> list[Turn]:
        """Turns from the root to ``turn_id`` inclusive (oldest first)."""
        out: list[Turn] = []
        seen: set[str] = set()
        while turn_id and turn_id in self.turns and turn_id not in seen:
            seen.add(turn_id)
            turn = self.turns[turn_id]
            out.append(turn)
            turn_id = turn.parent
        return out[::-1]

    def resolve(self, ref: Any, thread: str | None = None) -> Turn:
        """An interaction id, a cell execution count (``12``), or ``-N`` (N-th last on the branch).

        ``-1`` is the head itself, ``-2`` the turn before it, like Python indexing of the
        branch's turns.
        """
        text = str(ref).strip()
        if not text:
            raise ChainError("empty reference: give an interaction id, a cell number or -N")
        if text in self.turns:
            return self.turns[text]
        if text.lstrip("-").isdigit():
            number = int(text)
            if number < 0:
                head = self.head(thread)
                branch = self.path(head.id) if head else []
                if -number > len(branch):
                    raise ChainError(f"{text}: the current chain has only {len(branch)} turn(s)")
                return branch[number]
            matches = [t for t in self.turns.values() if t.execution_count == number]
            if not matches:
                raise ChainError(f"no turn was made in cell [{number}]")
            return max(matches, key=lambda t: t.created)
        raise ChainError(
            f"unknown interaction {text!r} (not in this kernel's chain; "
            "use %gemini resume ID for one from an earlier session)"
        )

    def adopt(self, interaction_id: str, thread: str | None = None) -> Turn:
        """Register an id from elsewhere (an earlier session) so it can be continued."""
        turn = self.turns.get(interaction_id)
        if turn is None:
            turn = Turn(id=interaction_id, parent=None, thread=thread or self.thread, external=True)
            self.turns[interaction_id] = turn
            self._order.append(interaction_id)
        return turn

    # -- recording -------------------------------------------------------------------------
    def record(self, turn: Turn, *, move_head: bool = True) -> None:
        with self.lock:
            self.turns[turn.id] = turn
            if turn.id not in self._order:
                self._order.append(turn.id)
            if move_head:
                self.heads[turn.thread] = turn.id

    def record_late(self, turn: Turn, head_before: str | None, *, move_head: bool = True) -> bool:
        """Record a turn that ended in the background (a job); True if it became the head.

        Its thread's head moves to it only if that head is still ``head_before`` (where it was
        when the job started): had the cell waited, the turn would have moved it. If the user
        moved on meanwhile, the turn is kept as a fork (``fork`` continues from it)."""
        with self.lock:
            moved = move_head and self.heads.get(turn.thread) == head_before
            self.record(turn, move_head=moved)
            return moved

    def delete(self, turn_id: str) -> None:
        """Forget a turn; heads pointing at it fall back to its parent."""
        turn = self.turns.pop(turn_id, None)
        if turn is None:
            raise ChainError(f"unknown interaction {turn_id!r}")
        self._order.remove(turn_id)
        for name, head in self.heads.items():
            if head == turn_id:
                self.heads[name] = turn.parent
        for other in self.turns.values():
            if other.parent == turn_id:
                other.parent = turn.parent

    # -- building requests -----------------------------------------------------------------
    def needs_history(self, parent: Turn | None, store: bool) -> bool:
        """True when the parent cannot be continued by id (unstored, or this turn is unstored)."""
        if parent is None:
            return False
        return not store or not parent.stored

    def history_steps(self, parent: Turn | None) -> list[dict[str, Any]]:
        """Explicit history up to ``parent``: each turn's input then its output steps."""
        steps: list[dict[str, Any]] = []
        for turn in self.path(parent.id if parent else None):
            if turn.external:
                raise ChainError(
                    f"interaction {turn.id} is known only by id; it can be continued "
                    "server-side but not replayed with --no-store"
                )
            steps.extend(turn.input_steps)
            steps.extend(turn.output_steps)
        return steps

    # -- views -----------------------------------------------------------------------------
    def children(self, turn_id: str | None) -> list[Turn]:
        return [self.turns[i] for i in self._order if self.turns[i].parent == turn_id]

    def rows(self) -> list[dict[str, Any]]:
        """One row per turn in creation order, for tables and tests."""
        heads = {v: k for k, v in self.heads.items() if v}
        rows = []
        for turn_id in self._order:
            turn = self.turns[turn_id]
            rows.append(
                {
                    "id": turn.id,
                    "parent": turn.parent,
                    "thread": turn.thread,
                    "model": turn.model,
                    "cell": turn.execution_count,
                    "prompt": turn.prompt,
                    "stored": turn.stored,
                    "head": heads.get(turn.id),
                    "forks": len(self.children(turn.id)),
                }
            )
        return rows

    def tree_lines(self) -> list[str]:
        """The conversation tree as indented text lines; ``*`` marks heads."""
        heads: dict[str, list[str]] = {}
        for name, head in self.heads.items():
            if head:
                heads.setdefault(head, []).append(name)
        lines: list[str] = []

        def walk(turn: Turn, depth: int) -> None:
            prompt = " ".join(turn.prompt.split())
            prompt = prompt if len(prompt) <= 50 else prompt[:49] + "…"
            mark = f"  <- HEAD ({', '.join(heads[turn.id])})" if turn.id in heads else ""
            cell = f"[{turn.execution_count}] " if turn.execution_count is not None else ""
            store = "" if turn.stored else " (not stored)"
            lines.append(
                f"{'    ' * depth}{'└─ ' if depth else ''}{cell}{turn.id} · {turn.model or '?'}"
                f"{store} · {prompt or '(resumed)'}{mark}"
            )
            for child in self.children(turn.id):
                walk(child, depth + 1)

        roots = [self.turns[i] for i in self._order if self.turns[i].parent not in self.turns]
        for root in roots:
            walk(root, 0)
        if not lines:
            lines.append("(empty chain: the next prompt starts a new conversation)")
        for name, head in self.heads.items():
            if head is None and name == self.thread and self._order:
                used = any(t.thread == name for t in self.turns.values())
                state = "is reset" if used else "has no turns yet"
                lines.append(f"(current thread {name!r} {state}: the next prompt starts fresh)")
        return lines
