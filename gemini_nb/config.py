"""Settings: a plain dataclass for the engine, traitlets for IPython's ``%config``.

The engine (turn, api) reads a :class:`Settings` so it can run without IPython; the magics
class mixes in :class:`GeminiConfig`, whose traits are what ``%config GeminiMagics.model =
...`` and ``ipython_config.py`` (``c.GeminiMagics.model = ...``) change.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from traitlets import Bool, Dict, Enum, Float, Int, Unicode
from traitlets.config import Configurable

DEFAULT_MODEL = "gemini-3-flash-preview"


@dataclass
class Settings:
    model: str = DEFAULT_MODEL
    stream: bool = True
    show_thoughts: bool = True
    timeout: float = 120.0
    """Seconds per request (0: no limit)."""
    retry_attempts: int = 3
    """Total attempts for retryable failures (429, 5xx), the first call included."""
    history: bool = True
    history_path: str = ""
    """SQLite file for the local log; empty: $GEMINI_NB_HISTORY or the user data directory."""
    max_chars: int = 200_000
    """Longest answer text rendered in the final output (the full text stays in ``.text``)."""
    live_updates_per_second: float = 20.0
    live_tail_chars: int = 8_000
    interpolate: bool = True
    wait_for_jobs: bool = False
    """Background jobs (agents, --background) block until done instead of returning a Job at once."""
    # widgets: usage
    prices: dict = field(default_factory=dict)
    """USD per 1M tokens per model, ``{"model": {"input": x, "output": y[, "cached": z]}}``: the
    cost columns of ``%gemini usage`` (no price is built in)."""
    # -- tools: the function-call loop --
    max_tool_rounds: int = 10
    """Rounds of function calls the loop answers in one turn before it stops (calls left pending)."""
    tool_timeout: float = 30.0
    approve_with: str = "auto"
    """How ``--approve`` asks: ``buttons`` (a panel under the cell), ``prompt`` (y/n), ``auto``
    (buttons in a kernel with ipywidgets, else the prompt)."""
    """Seconds one function call may take (then an error result is sent; 0: no limit)."""


class GeminiConfig(Configurable):
    """Traits mirrored one-to-one from :class:`Settings` (see there for meanings)."""

    model = Unicode(DEFAULT_MODEL, help="Default model for %%gemini and gemini_nb.ask.").tag(config=True)
    stream = Bool(True, help="Stream answers with a live preview.").tag(config=True)
    show_thoughts = Bool(True, help="Show thought summaries (collapsible) when the model sends them.").tag(
        config=True
    )
    timeout = Float(120.0, help="Seconds per request; 0 disables the limit.").tag(config=True)
    retry_attempts = Int(3, help="Attempts for 429/5xx failures, the first call included.").tag(config=True)
    history = Bool(True, help="Log every interaction to the local SQLite history.").tag(config=True)
    history_path = Unicode(
        "", help="History database path (default: $GEMINI_NB_HISTORY or the platform user data dir)."
    ).tag(config=True)
    max_chars = Int(200_000, help="Longest answer text rendered in an output.").tag(config=True)
    live_updates_per_second = Float(20.0, help="Cap on live preview updates per second.").tag(config=True)
    live_tail_chars = Int(8_000, help="Characters of the answer shown in the live preview.").tag(config=True)
    interpolate = Bool(True, help="Fill {{name}} placeholders from the user namespace.").tag(config=True)
    wait_for_jobs = Bool(
        False,
        help="Agents and --background runs block until done (like --wait) instead "
        "of returning a job display at once.",
    ).tag(config=True)
    # widgets: usage
    prices = Dict(
        help="USD per 1M tokens per model for %gemini usage, e.g. {'gemini-3-flash-preview': "
        "{'input': 0.5, 'output': 3.0}} (optional 'cached')."
    ).tag(config=True)

    # -- tools: the function-call loop --
    max_tool_rounds = Int(10, help="Rounds of function calls answered automatically in one turn.").tag(
        config=True
    )
    tool_timeout = Float(30.0, help="Seconds a Python tool function may run (0: no limit).").tag(config=True)
    approve_with = Enum(
        ["auto", "buttons", "prompt"],
        "auto",
        help="How --approve asks: buttons (a panel under the cell; the cell ends and a click runs the "
        "call), prompt (a y/n question that blocks the cell), auto (buttons in a kernel with "
        "ipywidgets, else the prompt).",
    ).tag(config=True)

    def to_settings(self) -> Settings:
        return Settings(**{f.name: getattr(self, f.name) for f in fields(Settings)})
