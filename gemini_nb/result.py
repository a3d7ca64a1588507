"""``InteractionResult``: one turn's outcome in a shape that does not depend on the SDK generation.

Why a separate type rather than the SDK's ``Interaction``: a streamed turn has no final
``Interaction`` with steps (the ``interaction.completed`` event carries none), a turn cut by
Ctrl-C or a mid-stream error still has a partial answer worth keeping, and the legacy and steps
schemas differ. Everything is therefore normalized to a list of **steps-schema dicts**
(``{"type": "model_output", "content": [...]}``, ``{"type": "thought", ...}``, ...), which is
also exactly what the stateless (``--no-store``) history sends back, thought signatures included.

This module imports nothing heavy: no SDK, no IPython. Rendering lives in :mod:`gemini_nb.render`,
which never imports this module back (the dependency goes one way: result -> render).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from .render.media import decode_b64

CALL_TYPES_SUFFIX = "_call"
RESULT_TYPES_SUFFIX = "_result"


@dataclass
class Usage:
    """Token counts, with the reasoning tokens under one name whatever the schema calls them."""

    input_tokens: int = 0
    output_tokens: int = 0
    thought_tokens: int = 0
    cached_tokens: int = 0
    total_tokens: int = 0

    @classmethod
    def from_any(cls, usage: Any) -> Usage:
        """Build from an SDK ``Usage`` object or a dict; legacy ``total_reasoning_tokens`` too."""
        if usage is None:
            return cls()
        get = usage.get if isinstance(usage, dict) else (lambda k, d=None: getattr(usage, k, d))
        thought = get("total_thought_tokens", None)
        if thought is None:
            thought = get("total_reasoning_tokens", None)
        return cls(
            input_tokens=int(get("total_input_tokens", 0) or 0),
            output_tokens=int(get("total_output_tokens", 0) or 0),
            thought_tokens=int(thought or 0),
            cached_tokens=int(get("total_cached_tokens", 0) or 0),
            total_tokens=int(get("total_tokens", 0) or 0),
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "thought_tokens": self.thought_tokens,
            "cached_tokens": self.cached_tokens,
            "total_tokens": self.total_tokens,
        }


@dataclass
class Media:
    """An image or audio part: decoded bytes (or a uri) plus its mime type."""

    mime_type: str
    data: bytes | None = None
    uri: str | None = None
    sample_rate: int | None = None

    def b64(self) -> str:
        return base64.b64encode(self.data or b"").decode("ascii")

    # -- media out: sizes, saving, PIL (gemini_nb.render.media) --
    @property
    def size(self) -> tuple[int, int] | None:
        """``(width, height)`` in pixels for a PNG/JPEG/GIF/WEBP image, else None."""
        from .render.media import image_size

        return image_size(self.data) if self.mime_type.startswith("image/") else None

    def playable(self) -> tuple[str, bytes]:
        """(mime, bytes) as a file would hold them: raw PCM speech is wrapped as WAV."""
        from .render.media import audio_src

        if self.mime_type.startswith("audio/"):
            return audio_src(self.mime_type, self.data, self.sample_rate)
        return self.mime_type, self.data or b""

    def save(self, path: Any) -> str:
        """Write the image (as sent) or the audio (raw PCM wrapped as WAV) to ``path``."""
        import os

        if not self.data:
            raise ValueError(f"this {self.mime_type} part has no inline data (uri: {self.uri})")
        with open(os.fspath(path), "wb") as fh:
            fh.write(self.playable()[1])
        return os.fspath(path)

    def to_pil(self) -> Any:
        """The image as a ``PIL.Image.Image`` (needs Pillow)."""
        import io

        if not self.mime_type.startswith("image/") or not self.data:
            raise ValueError(f"not an inline image: {self.mime_type}")
        from PIL import Image

        image = Image.open(io.BytesIO(self.data))
        image.load()
        return image

    def _repr_mimebundle_(self, include=None, exclude=None):
        """Show the media on its own (``result.images[0]`` in a cell)."""
        from .render import media_bundle

        return media_bundle(self)


@dataclass
class InteractionResult:
    """What a ``%%gemini`` cell (or ``gemini_nb.ask``) returns.

    ``status`` is the API status (``completed``, ``requires_action``, ...) or one of the
    toolkit's own ``interrupted`` (Ctrl-C) and ``error`` (the turn failed; ``error`` holds the
    one-line message). A partial result keeps whatever had streamed in.
    """

    steps: list[dict[str, Any]] = field(default_factory=list)
    id: str | None = None
    status: str = "completed"
    model: str | None = None
    usage: Usage = field(default_factory=Usage)
    raw: Any = None
    """The SDK object: the ``Interaction`` (non-streamed) or the final completed event's
    interaction (streamed); None when the turn never completed."""
    latency: float | None = None
    emulated: bool = False
    prompt: str | None = None
    previous_interaction_id: str | None = None
    error: str | None = None
    thread: str = "main"
    render_mode: str = "markdown"
    """``markdown`` (default) or ``raw`` (``--raw``: the answer text, unrendered)."""
    show_thoughts: bool = True
    max_chars: int = 200_000
    keeps_chain: bool = True
    """False for a one-off turn (``gemini_nb.ask``): it has no chain head to talk about."""
    # structured output (gemini_nb.structured): set on a --schema turn
    structured: Any = None
    """A :class:`~gemini_nb.structured.StructuredAnswer` (raw JSON, validated data or the error)."""

    @property
    def data(self) -> Any:
        """The validated objects of a ``--schema`` turn (None without a schema or when it failed)."""
        return self.structured.data if self.structured is not None else None

    @property
    def df(self) -> Any:
        """The answer of a ``--schema`` turn as a typed DataFrame (None without one / on failure)."""
        return self.structured.df if self.structured is not None else None

    @property
    def raw_json(self) -> str | None:
        """The JSON text of a ``--schema`` turn, kept whether or not it validated."""
        return self.structured.raw_json if self.structured is not None else None

    @property
    def schema_error(self) -> str | None:
        """One line naming each field that did not validate (None when it did)."""
        return self.structured.error if self.structured is not None else None

    # -- tools (the function-call loop, gemini_nb.tool_loop) --
    tool_runs: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """Call id -> :class:`~gemini_nb.toolcall.ToolCall`: what the loop did with each call."""
    round_ids: list[str] = field(default_factory=list, repr=False, compare=False)
    """The interaction id of every round of a tool loop (the last one is ``id``)."""
    tool_note: str | None = None
    """Why the loop stopped early (``max_tool_rounds``), shown with the status."""
    session: Any = field(default=None, repr=False, compare=False)
    """The session that ran the turn (what :meth:`reply` continues)."""
    approval: Any = field(default=None, repr=False, compare=False)
    """Set when ``approve="buttons"`` left the calls pending for an approval panel
    (:mod:`gemini_nb.widgets.approval`): the functions that may run, their declarations and the
    timeout, exactly what the loop would have used."""

    # -- convenience views ---------------------------------------------------------------
    @property
    def partial(self) -> bool:
        return self.status in ("interrupted", "error")

    @property
    def text(self) -> str:
        """All answer text, in order, across every ``model_output`` step.

        Deliberately not the SDK's ``output_text`` (only the *last* run of text): an answer
        interleaving text and images, or split by thoughts, would lose its first part.
        """
        parts: list[str] = []
        for step in self.steps:
            if step.get("type") == "model_output":
                for item in step.get("content") or []:
                    if item.get("type") == "text" and item.get("text"):
                        parts.append(item["text"])
        return "".join(parts)

    @property
    def thoughts(self) -> list[str]:
        """Thought summaries, one string per thought step that has one."""
        out = []
        for step in self.steps:
            if step.get("type") == "thought":
                text = "\n\n".join(
                    s.get("text", "") for s in (step.get("summary") or []) if s.get("type", "text") == "text"
                )
                if text:
                    out.append(text)
        return out

    @property
    def calls(self) -> list[Any]:
        """Function calls of the turn, as :class:`~gemini_nb.toolcall.ToolCall` objects: ``.name``,
        ``.arguments``, ``.result``, ``.error``, ``.duration_s``, ``.status`` (``call["name"]`` works too)."""
        from .toolcall import calls_of

        return calls_of(self)

    @property
    def pending_calls(self) -> list[Any]:
        """The calls still waiting for a result (``--no-auto``, or declarations without a function)."""
        return [c for c in self.calls if c.status == "pending"]

    def calls_df(self):
        """The calls as a pandas DataFrame (one row per call)."""
        import pandas as pd

        columns = ["name", "arguments", "result", "error", "status", "duration_s", "id"]
        return pd.DataFrame([{k: c[k] for k in columns} for c in self.calls], columns=columns)

    def reply(self, results: Any, prompt: str = "", **options: Any) -> InteractionResult:
        """Answer this turn's pending calls by hand and continue: ``results`` is a dict (function
        name or call id -> value) or a list in call order. Returns the next turn's result."""
        if self.session is None or not self.id:
            raise ValueError("this result cannot be continued (it did not come from a session turn)")
        options.setdefault("from_", self.id)
        options.setdefault(
            "store", self.session.chain.turns[self.id].stored if self.id in self.session.chain.turns else True
        )
        return self.session.ask(prompt, function_results=results, **options)

    @property
    def tool_steps(self) -> list[dict[str, Any]]:
        """Built-in tool traces (``google_search_call``/``_result``, code execution, ...)."""
        return [
            s
            for s in self.steps
            if str(s.get("type", "")).endswith((CALL_TYPES_SUFFIX, RESULT_TYPES_SUFFIX))
            and s.get("type") != "function_call"
        ]

    def _media(self, kind: str) -> list[Media]:
        out = []
        for step in self.steps:
            if step.get("type") != "model_output":
                continue
            for item in step.get("content") or []:
                if item.get("type") == kind:
                    out.append(
                        Media(
                            mime_type=item.get("mime_type")
                            or ("image/png" if kind == "image" else "audio/wav"),
                            data=decode_b64(item.get("data")),
                            uri=item.get("uri"),
                            sample_rate=item.get("sample_rate") or item.get("rate"),
                        )
                    )
        return out

    @property
    def images(self) -> list[Media]:
        return self._media("image")

    @property
    def audio(self) -> list[Media]:
        return self._media("audio")

    @property
    def thought_signatures(self) -> list[str]:
        return [s["signature"] for s in self.steps if s.get("type") == "thought" and s.get("signature")]

    # -- display -----------------------------------------------------------------------
    def _repr_mimebundle_(self, include=None, exclude=None):
        if self.structured is not None:
            from .render.table import table_bundle

            return table_bundle(self)
        from .render import result_bundle

        return result_bundle(self)

    def __repr__(self) -> str:
        if self.structured is not None:
            from .render.table import table_bundle

            return table_bundle(self)[0]["text/plain"]
        from .render import plain_text

        return plain_text(self)

    def __str__(self) -> str:
        return self.text
