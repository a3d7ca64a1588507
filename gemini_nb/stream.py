"""Turn the SDK's stream of events into steps, text and thoughts (the normalization of a stream).

The SDK yields typed events (3.x: ``StepStart``/``StepDelta``/``StepStop``, ...), but the final
``interaction.completed`` event carries no steps, so the answer has to be rebuilt from the
deltas. :class:`StreamAssembler` does that for the steps schema and also tolerates the legacy
event names (``content.*``, ``interaction.start``/``complete``), which a 3.x SDK surfaces as
``UnknownInteractionSSEEvent`` with the payload in ``.raw``. Plain dicts work too, which keeps
the unit tests free of the SDK.

A mid-stream ``error`` event is *not* raised by the SDK; :meth:`StreamAssembler.feed` raises
:class:`StreamError` after the partial answer is already recorded, so nothing is lost.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from .result import InteractionResult, Usage

_MEDIA = ("image", "audio", "video", "document")
_LEGACY_EVENTS = {
    "interaction.start": "interaction.created",
    "interaction.complete": "interaction.completed",
    "content.start": "step.start",
    "content.delta": "step.delta",
    "content.stop": "step.stop",
}


class StreamError(Exception):
    """A mid-stream ``error`` event, or a stream that ended before ``interaction.completed``."""

    def __init__(self, code: str | None, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _get(obj: Any, name: str, default: Any = None) -> Any:
    """Field access that works for SDK models, unknown-variant wrappers and dicts."""
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    if getattr(obj, "is_unknown", False) and isinstance(getattr(obj, "raw", None), dict):
        return obj.raw.get(name, default)
    return getattr(obj, name, default)


def to_plain(obj: Any) -> Any:
    """SDK model -> JSON-able dict (wire names, no ``None``s); dicts and scalars pass through.

    Walks the pydantic fields directly: the SDK's own ``model_dump`` costs several ms per
    interaction, which alone would exceed the per-call overhead budget.
    """
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if isinstance(obj, dict):
        return {k: to_plain(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, (list, tuple)):
        return [to_plain(v) for v in obj]
    if getattr(obj, "is_unknown", False):
        return to_plain(getattr(obj, "raw", None))
    model_fields = getattr(type(obj), "model_fields", None)
    if model_fields is None:
        return obj
    out: dict[str, Any] = {}
    values = getattr(obj, "__dict__", {})  # not getattr: deprecated fields warn on access
    for name, info in model_fields.items():
        value = values.get(name)
        if value is None or type(value).__name__ == "Unset":
            continue
        out[info.alias or name] = to_plain(value)
    for key, value in (getattr(obj, "__pydantic_extra__", None) or {}).items():
        if value is not None:
            out[key] = to_plain(value)
    return out


class _Block:
    """One step being assembled; text is kept as chunk lists until :meth:`finish`."""

    __slots__ = ("type", "fields", "content", "summary", "args")

    def __init__(self, shell: dict[str, Any]):
        self.type = shell.get("type") or "model_output"
        self.fields = {k: v for k, v in shell.items() if k not in ("type", "content", "summary")}
        self.content: list[dict[str, Any]] = []
        self.summary: list[dict[str, Any]] = []
        self.args: list[str] = []
        for item in shell.get("content") or []:
            self._add_part(self.content, item)
        self.summary.extend(dict(item) for item in shell.get("summary") or [])

    @staticmethod
    def _add_part(parts: list[dict[str, Any]], item: dict[str, Any]) -> None:
        if item.get("type", "text") == "text" and "text" in item:
            if parts and parts[-1].get("type") == "text" and "_chunks" in parts[-1]:
                parts[-1]["_chunks"].append(item["text"] or "")
            else:
                parts.append({"type": "text", "_chunks": [item["text"] or ""]})
        else:
            parts.append(dict(item))

    def delta(self, d: dict[str, Any]) -> None:
        kind = d.get("type")
        if kind == "text":
            self._add_part(self.content, {"type": "text", "text": d.get("text") or ""})
        elif kind == "thought_summary":  # each summary delta is its own paragraph
            self.summary.append(_close(dict(d.get("content") or {})))
        elif kind == "thought_signature":
            self.fields["signature"] = d.get("signature")
        elif kind == "arguments_delta":
            self.args.append(d.get("arguments") or d.get("partial_arguments") or "")
        elif kind in _MEDIA:
            self.content.append({k: v for k, v in d.items() if v is not None})
        elif kind == "function_call":  # legacy: the whole call in one delta
            self.fields.update({k: v for k, v in d.items() if k != "type"})
        elif kind == "text_annotation_delta":
            self.fields.setdefault("annotations", []).extend(d.get("annotations") or [])
        else:  # tool call/result deltas: merge their payload into the step
            self.fields.update({k: v for k, v in d.items() if k != "type" and v is not None})

    def text(self) -> str:
        return "".join("".join(p.get("_chunks", [])) for p in self.content if p.get("type") == "text")

    def summary_text(self) -> str:
        return "\n\n".join(p.get("text") or "" for p in self.summary if p.get("type", "text") == "text")

    def finish(self) -> dict[str, Any]:
        """The finished step dict (text joined, arguments parsed, audio chunks merged)."""
        step: dict[str, Any] = {"type": self.type, **self.fields}
        if self.type == "function_call" or self.args:
            raw = "".join(self.args)
            if raw.strip():
                try:
                    step["arguments"] = json.loads(raw)
                except ValueError:
                    step["arguments"] = {"_unparsed": raw}
            else:
                step.setdefault("arguments", {})
        if self.content or self.type == "model_output":
            step["content"] = _merge_audio([_close(p) for p in self.content])
        if self.summary or self.type == "thought":
            if self.summary:
                step["summary"] = [dict(p) for p in self.summary]
        return step


def _close(part: dict[str, Any]) -> dict[str, Any]:
    if "_chunks" in part:
        return {"type": "text", "text": "".join(part["_chunks"])}
    return part


def _merge_audio(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive streamed audio chunks of one mime type become one playable part."""
    out: list[dict[str, Any]] = []
    for part in parts:
        prev = out[-1] if out else None
        if (
            prev is not None
            and part.get("type") == "audio" == prev.get("type")
            and part.get("data")
            and prev.get("data")
            and part.get("mime_type") == prev.get("mime_type")
        ):
            joined = base64.b64decode(prev["data"]) + base64.b64decode(part["data"])
            out[-1] = {**prev, "data": base64.b64encode(joined).decode("ascii")}
        else:
            out.append(part)
    return out


class _TextLog:
    """Answer text in arrival order: an append is O(1), a tail costs what it returns, and the
    full string is joined only when asked (then cached and kept as the first chunk, so the next
    join copies it once more plus the new chunks). ``joins`` counts full joins (tests check
    that a stream costs O(1) of them per history flush, not one per event)."""

    __slots__ = ("chunks", "length", "joins", "_joined")

    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.length = 0
        self.joins = 0
        self._joined: str | None = ""

    def append(self, text: str) -> None:
        if text:
            self.chunks.append(text)
            self.length += len(text)
            self._joined = None

    def full(self) -> str:
        if self._joined is None:
            self._joined = "".join(self.chunks)
            self.chunks = [self._joined]
            self.joins += 1
        return self._joined

    def tail(self, n: int) -> str:
        """The last ``n`` characters, walking back only as far as needed."""
        if n <= 0:
            return ""
        if self._joined is not None:
            return self._joined[-n:]
        pieces: list[str] = []
        got = 0
        for chunk in reversed(self.chunks):
            pieces.append(chunk)
            got += len(chunk)
            if got >= n:
                break
        out = "".join(reversed(pieces))
        return out[-n:] if len(out) > n else out


class StreamAssembler:
    """Feed events in order; read the text any time; ``result()`` at the end.

    Reads meant for every display update are cheap: ``text_length``, ``text_tail(n)``,
    ``text_from(i)`` (and the thought twins) cost what they return. ``text`` is the full answer
    so far (one join, cached until more text arrives): read it at a flush or at the end, not
    per event.
    """

    def __init__(self) -> None:
        self.blocks: dict[int, _Block] = {}
        self.order: list[int] = []
        self.id: str | None = None
        self.model: str | None = None
        self.status: str | None = None
        self.usage: Any = None
        self.completed = False
        self.final_interaction: Any = None
        self.events = 0
        self.last_event_id: str | None = None
        """The ``event_id`` of the last event seen: where a dropped stream resumes."""
        self._base = 0  # index offset: continuation hops restart ``index`` at 0
        self._hops = 0
        self._pos: dict[int, int] = {}  # block index -> position in ``order``
        self._log = _TextLog()
        self._text_pos = -1  # position of the last block that received answer text
        self._in_order = True  # False if text ever arrived for an earlier block (then: full joins)
        self._thought_version = 0
        self._thought_cache: tuple[int, str] = (0, "")

    # -- feeding -------------------------------------------------------------------------
    def feed(self, event: Any) -> str:
        """Apply one event; returns the normalized event type ('' when skipped)."""
        self.events += 1
        if isinstance(event, str):  # 3.x yields a fragment str when a connection drops
            return ""
        is_dict = isinstance(event, dict)
        if is_dict:
            etype, event_id = event.get("event_type"), event.get("event_id")
        else:
            etype, event_id = getattr(event, "event_type", None), getattr(event, "event_id", None)
        if event_id:
            self.last_event_id = event_id
        if etype == "step.delta" and not is_dict:  # hot path: one text delta of an SDK event
            delta = event.delta
            if getattr(delta, "type", None) == "text":
                self._add_text(self._base + (event.index or 0), delta.text or "")
                return etype
        if etype == "UNKNOWN":
            raw = getattr(event, "raw", None) or {}
            etype, event = raw.get("event_type"), raw
            if raw.get("event_id"):
                self.last_event_id = raw["event_id"]
        etype = _LEGACY_EVENTS.get(etype, etype)
        if etype == "step.delta":
            index = self._base + int(_get(event, "index", 0) or 0)
            delta = _get(event, "delta")
            if _get(delta, "type") == "text":
                text = delta.get("text") if isinstance(delta, dict) else delta.text
                self._add_text(index, text or "")
            else:
                self._block(index).delta(to_plain(delta) or {})
                self._thought_version += 1
        elif etype == "step.start":
            shell = to_plain(_get(event, "step") or _get(event, "content")) or {}
            if shell.get("type") in ("text",) + _MEDIA:  # legacy: a content block is its own step
                shell = {"type": "model_output", "content": [shell] if len(shell) > 1 else []}
            index = self._base + int(_get(event, "index", 0) or 0)
            old = self.blocks.get(index)
            if old is None:
                self._pos[index] = len(self.order)
                self.order.append(index)
            elif old.type == "model_output" and any("_chunks" in p for p in old.content):
                self._in_order = False  # a restarted step drops text already logged
            block = self.blocks[index] = _Block(shell)
            self._thought_version += 1
            if block.type == "model_output":
                for part in block.content:
                    for chunk in part.get("_chunks", ()):
                        self._log_text(index, chunk)
        elif etype == "interaction.created":
            inter = _get(event, "interaction")
            if self._hops:
                self._base = (max(self.order) + 1) if self.order else 0
            self._hops += 1
            self._take_interaction(inter)
        elif etype == "interaction.completed":
            inter = _get(event, "interaction")
            self._take_interaction(inter)
            if self.status != "requires_continuation":
                self.completed = True
                self.final_interaction = inter
        elif etype == "interaction.status_update":
            self.status = _get(event, "status") or self.status
            self.usage = _get(event, "usage") or self.usage
        elif etype == "error":
            err = _get(event, "error")
            raise StreamError(_get(err, "code"), _get(err, "message") or "stream error")
        else:
            return ""
        return etype

    def _add_text(self, index: int, text: str) -> None:
        block = self._block(index)
        content = block.content
        if content and "_chunks" in content[-1]:
            content[-1]["_chunks"].append(text)
        else:
            content.append({"type": "text", "_chunks": [text]})
        if block.type == "model_output":
            self._log_text(index, text)

    def _log_text(self, index: int, text: str) -> None:
        pos = self._pos[index]
        if pos < self._text_pos:
            self._in_order = False
        else:
            self._text_pos = pos
        self._log.append(text)

    def _block(self, index: int) -> _Block:
        """The block at absolute ``index`` (base included); a delta without its start is text."""
        block = self.blocks.get(index)
        if block is None:
            block = self.blocks[index] = _Block({"type": "model_output"})
            self._pos[index] = len(self.order)
            self.order.append(index)
        return block

    def _take_interaction(self, inter: Any) -> None:
        if inter is None:
            return
        self.id = _get(inter, "id") or self.id
        self.model = _get(inter, "model") or _get(inter, "agent") or self.model
        self.status = _get(inter, "status") or self.status
        self.usage = _get(inter, "usage") or self.usage

    # -- reading -------------------------------------------------------------------------
    @property
    def text_joins(self) -> int:
        """How many times the full answer text was built (instrumentation for tests)."""
        return self._log.joins

    @property
    def text_length(self) -> int:
        return self._log.length

    @property
    def text(self) -> str:
        if self._in_order:
            return self._log.full()
        self._log.joins += 1
        return "".join(self.blocks[i].text() for i in self.order if self.blocks[i].type == "model_output")

    def text_tail(self, n: int) -> str:
        return self._log.tail(n) if self._in_order else self.text[-n:] if n > 0 else ""

    def text_from(self, start: int) -> str:
        """The answer text from character ``start`` on (what arrived since a reader's mark)."""
        return self.text_tail(self._log.length - max(start, 0))

    @property
    def thought_text(self) -> str:
        """Thought summaries so far; rebuilt only when a thought changed since the last read."""
        version, text = self._thought_cache
        if version != self._thought_version:
            text = "\n\n".join(
                t
                for t in (
                    self.blocks[i].summary_text() for i in self.order if self.blocks[i].type == "thought"
                )
                if t
            )
            self._thought_cache = (self._thought_version, text)
        return text

    @property
    def thought_length(self) -> int:
        return len(self.thought_text)

    def thought_tail(self, n: int) -> str:
        return self.thought_text[-n:] if n > 0 else ""

    def thought_from(self, start: int) -> str:
        return self.thought_text[max(start, 0) :]

    def steps(self) -> list[dict[str, Any]]:
        return [self.blocks[i].finish() for i in self.order]

    # -- tools: the live trace reads the tool steps only when a non-text step changed --
    @property
    def tool_version(self) -> int:
        """Changes whenever a step starts or a non-text delta arrives (0: nothing yet)."""
        return self._thought_version

    def tool_steps(self) -> list[dict[str, Any]]:
        """The tool call/result steps so far (a few; rebuilt only when :attr:`tool_version` moved)."""
        return [
            self.blocks[i].finish() for i in self.order if self.blocks[i].type.endswith(("_call", "_result"))
        ]

    def result(self, **kwargs: Any) -> InteractionResult:
        """The turn as an ``InteractionResult``; partial unless ``completed`` was seen."""
        status = kwargs.pop("status", None) or (self.status if self.completed else "interrupted")
        return InteractionResult(
            steps=self.steps(),
            id=self.id,
            status=status or "completed",
            model=self.model or kwargs.pop("model", None),
            usage=Usage.from_any(self.usage),
            raw=self.final_interaction,
            **{k: v for k, v in kwargs.items() if k != "model"},
        )


def result_from_interaction(interaction: Any, **kwargs: Any) -> InteractionResult:
    """Normalize a non-streamed SDK ``Interaction`` (steps or legacy outputs) to a result."""
    data = to_plain(interaction) or {}
    steps = data.get("steps")
    if steps is None and data.get("outputs") is not None:  # legacy: blocks -> steps
        steps = []
        for block in data["outputs"]:
            if block.get("type") in ("text",) + _MEDIA:
                if steps and steps[-1]["type"] == "model_output":
                    steps[-1]["content"].append(block)
                else:
                    steps.append({"type": "model_output", "content": [block]})
            else:
                steps.append(block)
    steps = list(steps or [])
    # A fetched interaction (GET, %gemini show) echoes its input first, and with an explicit
    # history (--no-store chains) that input holds earlier turns' answers: keep this turn only.
    last_input = max((i for i, s in enumerate(steps) if s.get("type") == "user_input"), default=-1)
    steps = steps[last_input + 1 :]
    model = data.get("model") or data.get("agent") or kwargs.pop("model", None)
    kwargs.pop("model", None)
    return InteractionResult(
        steps=steps,
        id=data.get("id"),
        status=data.get("status") or "completed",
        model=model,
        usage=Usage.from_any(data.get("usage")),
        raw=interaction,
        **kwargs,
    )
