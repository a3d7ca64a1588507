"""Request building: a turn's options + the chain -> the keyword arguments of ``interactions.create``.

Why its own module: this is the part of a turn that is pure (no network, no display, no
clock), so it is tested without an emulator, and later features that change *what* is sent
(tools, a response schema, media parts) extend it here rather than inside the turn runner.

Invariant: interaction-scoped settings (system instruction, generation config, tools, agent)
are inherited from the parent turn and resent every turn, because the API does not carry them
over from ``previous_interaction_id``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from .chain import Chain, ChainError, Turn
from .media_out import MediaOptionError, generation_overrides, merge, request_overrides

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .config import Settings


class RequestSource(Protocol):
    """What building a request reads from a session (any :class:`~gemini_nb.seams.TurnHost`)."""

    chain: Chain
    settings: Settings


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
    # structured output (gemini_nb.schemas / gemini_nb.structured): answer as JSON matching a schema
    schema: Any = None
    """A pydantic model, dataclass, TypedDict, Enum, ``list[...]``, JSON Schema dict or spec string."""
    many: bool = False
    """Ask for a list of ``schema``."""
    # -- media in/out (gemini_nb.media_in, gemini_nb.media_out) --
    files: list[Any] | None = None
    """``--file`` specs / ``files=`` values: attached after the prompt."""
    content: list[Any] | None = None
    """The prompt as content parts (text and media), when it has media; resolved before sending."""
    rate: int | None = None
    aspect_ratio: str | None = None
    image_size: str | None = None
    modalities: Any = None
    voice: str | None = None
    speakers: Any = None
    stop: Any = None
    seed: int | None = None
    top_p: float | None = None
    config: Any = None
    request: dict[str, Any] | None = None
    """Other ``interactions.create`` fields, passed through (validated against the SDK)."""
    # -- background jobs (gemini_nb/jobs.py) --
    background: bool = False
    """Run a model in the background too (agents always are): the turn becomes a Job."""
    wait: bool | None = None
    """Block until a background job ends (None: ``Settings.wait_for_jobs``)."""
    agent_config: dict[str, Any] | None = None
    """``agent_config`` fields (``type`` is filled in from the agent); inherited like the agent."""
    # -- tools: Python functions and the tool loop (gemini_nb.toolspec, gemini_nb.tool_loop) --
    toolset: Any = None
    """The :class:`~gemini_nb.toolspec.ToolSet` the user handed over: the functions that may run."""
    auto: bool = True
    """Run the calls the model asks for (False: stop at ``requires_action``, calls pending)."""
    approve: Any = False
    """Ask before each call (True: a y/n prompt; or a callable ``ToolCall -> bool``)."""
    max_tool_rounds: int | None = None
    tool_timeout: float | None = None
    function_results: Any = None
    """Results for the parent turn's pending calls (a dict by name or call id, or a list)."""

    def logged(self) -> dict[str, Any]:
        """The options as logged in history: those that differ from the defaults (so an explicit
        ``--no-store``/``--no-stream``/``--no-thoughts`` is kept); no secrets exist here."""
        defaults = asdict(TurnOptions())
        light = replace(self, files=None, content=None)  # media: logged as labels, never as bytes
        out = {k: v for k, v in asdict(light).items() if v != defaults[k]}
        if self.content or self.files:
            from .media_in import labels

            out["media"] = labels(self.content or []) + [
                str(f)[:200] for f in self.files or [] if isinstance(f, str)
            ]
        return out


def user_step(prompt: str, content: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The ``user_input`` step a prompt becomes (also what stateless history resends); with
    ``content`` (the prompt's resolved parts: text and media), those parts."""
    if content:
        return {"type": "user_input", "content": list(content)}
    return {"type": "user_input", "content": [{"type": "text", "text": prompt}]}


def input_steps(prompt: str, opts: TurnOptions, parent: Turn | None) -> list[dict[str, Any]]:
    """The steps this turn adds to the conversation: the prompt, or the function results it
    answers the parent's pending calls with (then the prompt, if any)."""
    if opts.function_results is None:
        return [user_step(prompt, media_content(opts))]
    from .tool_results import pending_calls, reply_input

    return reply_input(prompt, opts.function_results, pending_calls(parent.output_steps) if parent else [])


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
    try:  # media out: image/speech config, stop, seed, top_p, --config (validated)
        gc = merge(gc, generation_overrides(opts))
    except MediaOptionError as exc:
        raise OptionError(str(exc)) from None
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


AGENT_CONFIG_TYPES = ("deep-research", "antigravity", "code-mender")
"""``agent_config.type`` by agent-name prefix (the SDK's discriminator); others are ``dynamic``."""


def agent_config_type(agent: str) -> str:
    """The ``agent_config.type`` the API expects for ``agent``."""
    return next((kind for kind in AGENT_CONFIG_TYPES if agent.startswith(kind)), "dynamic")


def _agent_config(agent: str, parent: Turn | None, opts: TurnOptions) -> dict[str, Any]:
    """The chain's agent config (inherited while the same agent continues) plus this turn's."""
    same_agent = parent is not None and parent.settings.get("agent") == agent
    config = dict(parent.settings.get("agent_config") or {}) if same_agent else {}
    config.update(opts.agent_config or {})
    if config:
        config.setdefault("type", agent_config_type(agent))
    return config


def _refuse_generation_settings(agent: str, opts: TurnOptions) -> None:
    """Raise :class:`OptionError` naming every generation setting asked for with ``agent``:
    agents take none, and what the user asked for is never dropped without saying so."""
    asked = (
        ("--temperature", opts.temperature),
        ("--max-tokens", opts.max_tokens),
        ("--thinking", opts.thinking),
    )
    ignored = [name for name, value in asked if value is not None]
    if opts.generation_config:
        ignored.append("generation_config")
    media = ("aspect_ratio", "image_size", "voice", "speakers", "stop", "seed", "top_p", "config")
    ignored += [f"--{name.replace('_', '-')}" for name in media if getattr(opts, name) is not None]
    if ignored:
        how = (
            ""
            if opts.agent
            else f"; this chain continues agent {agent!r}: add -m MODEL to ask a model instead"
        )
        raise OptionError(
            f"{', '.join(ignored)} cannot be used with agent {agent!r} (agents take no "
            f"generation settings){how}"
        )


def build_request(
    session: RequestSource, prompt: str, opts: TurnOptions
) -> tuple[dict[str, Any], Turn | None, dict[str, Any]]:
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
        _refuse_generation_settings(agent, opts)
        request["agent"] = agent
        request["background"] = True
        settings.pop("generation_config", None)
        config = _agent_config(agent, parent, opts)  # background jobs
        if config:
            settings["agent_config"] = config
    else:
        if opts.agent_config:  # background jobs
            raise OptionError("--agent-config needs an agent (--agent NAME), not a model")
        request["model"] = opts.model or session.settings.model
        if opts.background:
            request["background"] = True
    if request.get("background") and not opts.store:  # background jobs
        raise OptionError("a background run is always stored (it is polled by id): drop --no-store")
    steps = input_steps(prompt, opts, parent)
    if chain.needs_history(parent, opts.store):
        request["input"] = [*chain.history_steps(parent), *steps]
    else:
        request["input"] = prompt if opts.function_results is None and not opts.content else steps
        if parent is not None:
            request["previous_interaction_id"] = parent.id
    if not opts.store:
        request["store"] = False
    request.update(settings)
    if opts.schema is not None:  # structured output: this turn only, never inherited
        from .schemas import SchemaError, as_schema

        try:
            opts.schema = as_schema(opts.schema, opts.many)  # resolved once; the finisher reuses it
        except SchemaError as exc:
            raise OptionError(str(exc)) from None
        request["response_format"] = opts.schema.response_format
    elif opts.many:
        raise OptionError("--many needs --schema (a list of what?)")
    try:  # media out: response_modalities and the request= passthrough
        request.update(request_overrides(opts))
    except MediaOptionError as exc:
        raise OptionError(str(exc)) from None
    if settings.get("tools"):  # tools: the documented limits, one line each, before sending
        from .toolspec import check_tools

        check_tools(settings["tools"], request.get("model"))
    if agent:
        settings["agent"] = agent
    return request, parent, settings


def media_content(opts: TurnOptions) -> list[dict[str, Any]] | None:
    """The prompt's content parts when it carries media (already resolved into dicts by
    :func:`gemini_nb.uploads.prepare_turn`); None for a text-only prompt."""
    if not opts.content:
        return None
    from .media_in import resolve_parts

    return resolve_parts(list(opts.content))  # idempotent on resolved parts; inline otherwise


__all__ = ["media_content", "OptionError", "TurnOptions", "build_request", "input_steps", "user_step"]
