"""The brain contract: what the emulator's scripted model receives and returns.

The protocol layer (app, dialects, SSE) never invents content; it asks a :class:`Brain`
for a :class:`Reply` and serializes it in whichever wire schema the client speaks.
Everything a brain produces is expressed in the **steps** schema (google-genai 2.x/3.x);
the legacy "outputs" dialect is derived from it by :mod:`gemini_nb.emulator.dialects`.

Brains are built from *skills* (see :mod:`gemini_nb.emulator.brain.pipeline`): small
objects with ``respond(ctx) -> Reply | None``. The first skill that answers wins; then
post-processors (thinking, usage) decorate the reply. A new capability is a new skill
module plus one line in the pipeline, never an edit of the protocol layer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Protocol


class LazyRandom:
    """``random.Random(seed)``, made when first used: most turns never draw from it (a memo hit,
    plain text), and seeding one costs more than the rest of their context."""

    __slots__ = ("_seed", "_rng")

    def __init__(self, seed: int):
        self._seed = seed
        self._rng: random.Random | None = None

    def __getattr__(self, name: str) -> Any:
        rng = self._rng
        if rng is None:
            rng = self._rng = random.Random(self._seed)
        return getattr(rng, name)


@dataclass
class TurnContext:
    """Everything a brain may look at to answer one create request.

    All fields are already validated and normalized by the protocol layer:
    snake_case keys, lower-case modalities, input converted to a list of steps.
    """

    request: dict[str, Any]
    """The validated request body (snake_case), for fields not lifted below."""
    model: str | None
    agent: str | None
    input_steps: list[dict[str, Any]]
    """This turn's input as steps: ``user_input``, ``function_result``, and, for stateless
    history, earlier ``model_output``/``thought``/``function_call`` steps too."""
    history: list[dict[str, Any]] = field(default_factory=list)
    """Server-side history via ``previous_interaction_id``: every earlier turn's input
    steps followed by its output steps, oldest first. Empty for a fresh chain."""
    system_instruction: str | None = None
    tools: list[dict[str, Any]] = field(default_factory=list)
    generation_config: dict[str, Any] = field(default_factory=dict)
    response_format: Any = None
    response_modalities: list[str] = field(default_factory=list)
    agent_config: dict[str, Any] | None = None
    rng: random.Random | LazyRandom = field(default_factory=lambda: random.Random(0))
    """Seeded from the emulator seed and the request content: same request, same answer."""
    ids: IdSource = None  # type: ignore[assignment]
    files: Any = None
    """Lookup for Files API uris (``files.get(uri) -> dict | None``), or None."""
    stores: Any = None
    """File Search stores (``stores.documents([names]) -> [doc]``, ``name in stores``), or None."""
    memo_key: bytes | None = None
    """Set by the emulator for a plain-text turn: a digest of the request, the chain's content
    and the seed. Equal keys, equal answers, so the brain may answer from its memo
    (:mod:`.memo`). None: always compose the answer."""

    # -- helpers every skill wants ------------------------------------------------
    @property
    def conversation(self) -> list[dict[str, Any]]:
        """History followed by this turn's input: the whole context, oldest first."""
        return [*self.history, *self.input_steps]

    def last_user_text(self) -> str:
        """Text of the most recent ``user_input`` step of this turn ('' if none)."""
        for step in reversed(self.input_steps):
            if step.get("type") == "user_input":
                return content_text(step.get("content"))
        return ""

    def task_text(self) -> str:
        """The user's task: the latest non-empty user text of this turn or, failing that, of
        the chain (a turn that only sends function results still has a task)."""
        for step in reversed(self.conversation):
            if step.get("type") == "user_input":
                text = content_text(step.get("content"))
                if text.strip():
                    return text
        return ""

    def user_parts(self) -> list[dict[str, Any]]:
        """Content parts of the most recent ``user_input`` step of this turn."""
        for step in reversed(self.input_steps):
            if step.get("type") == "user_input":
                return list(step.get("content") or [])
        return []

    def function_results(self) -> list[dict[str, Any]]:
        """``function_result`` steps at the end of this turn's input (answers to calls)."""
        out = []
        for step in reversed(self.input_steps):
            if step.get("type") != "function_result":
                break
            out.append(step)
        return list(reversed(out))


@dataclass
class Reply:
    """What a brain answers: output steps in the steps schema, plus status and usage.

    ``usage`` may be left None: the pipeline computes consistent token counts.
    ``duration_s`` lets slow things (agents) ask for a minimum run time in background.
    """

    steps: list[dict[str, Any]]
    status: str = "completed"
    usage: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    duration_s: float | None = None
    packed: bytes | None = field(default=None, repr=False, compare=False)
    """The :mod:`marshal` blob of the five fields above when this reply was unpacked from it (a
    memo hit, :mod:`.memo`). The store keeps the blob itself instead of packing the fields again
    only when no layer of the brain can have changed them since (``Emulator._shared_parts``)."""


def remembered(brain: Any, key: bytes) -> bytes | None:
    """The memo blob (:mod:`.memo`) ``brain`` would answer a plain-text turn whose memo key is
    ``key`` with, knowing it without reading the turn; None when it cannot say.

    A brain says so through a ``remembered(key)`` method of its class (looked up on the class:
    a wrapper that forwards unknown attributes to its inner brain must not seem to have it).
    The default pipeline has one; each shipped layer in front of it (files, File Search,
    agents, scenarios) has one that asks its inner brain, when it would have no say in such
    a turn. Any other brain: None, and the turn takes the full path."""
    method = getattr(type(brain), "remembered", None)
    return method(brain, key) if method is not None else None


class IdSource(Protocol):
    def interaction_id(self) -> str: ...
    def call_id(self) -> str: ...
    def sign(self, payload: str) -> str: ...
    def verify(self, signature: str) -> bool: ...


class Skill(Protocol):
    """One capability of the brain. Return None to let the next skill try."""

    def respond(self, ctx: TurnContext) -> Reply | None: ...


class Brain(Protocol):
    def respond(self, ctx: TurnContext) -> Reply: ...


def folded(history: list[dict[str, Any]]) -> Any:
    """The :class:`~.history.Summary` a history carries when it matches the list, else None
    (then the caller walks the steps itself, with the same per-step function the fold uses)."""
    summary = getattr(history, "summary", None)
    return summary if summary is not None and summary.steps == len(history) else None


def content_text(content: Any) -> str:
    """Plain text of a content value: a string, one content dict, or a list of them."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        content = [content]
    parts = []
    for item in content:
        if isinstance(item, str):
            parts.append(item)
        elif isinstance(item, dict) and item.get("type", "text") == "text":
            parts.append(str(item.get("text", "")))
    return "".join(parts)


def text_step(text: str) -> dict[str, Any]:
    """A ``model_output`` step holding one text part."""
    return {"type": "model_output", "content": [{"type": "text", "text": text}]}
