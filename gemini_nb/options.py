"""The ``%%gemini`` / ``%gemini`` options: one table, one parser, one result (``TurnOptions``).

Why a module of its own: the options are needed in three places that must agree (splitting a
line magic into options and prompt, parsing them, and the ``%gemini?`` help), and the table
below is the only place that says which options exist and which of them take a value. Parsing
uses argparse's public interface only; every mistake is an :class:`OptionError` whose message
is one line (the magics show it as a ``UsageError``). No IPython import here.

Line magic rule: options come first; the first word that is not an option starts the prompt;
``--`` ends the options explicitly (``%gemini -- cancel my order`` sends "cancel my order").
"""

from __future__ import annotations

import argparse
import keyword
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import redact
from .turn import TurnOptions

THINKING_LEVELS = ("minimal", "low", "medium", "high", "xhigh")


class OptionError(ValueError):
    """A bad first line; ``str(exc)`` is one line and never contains a key."""


@dataclass(frozen=True)
class Option:
    """One option: its flags, where it lands, and whether it takes a value."""

    flags: tuple[str, ...]
    dest: str
    help: str
    metavar: str | None = None
    """Set for options that take a value (shown in the help); None for on/off switches."""
    type: Callable[[str], Any] = str
    const: Any = True
    """The value a switch stores when given."""
    default: Any = None
    repeat: bool = False
    """A value option that may be given several times (the values are collected in a list)."""

    @property
    def takes_value(self) -> bool:
        return self.metavar is not None


OPTIONS: tuple[Option, ...] = (
    Option(("-m", "--model"), "model", "model name (default: %config GeminiMagics.model)", "MODEL"),
    Option(
        ("--agent",), "agent", "an agent instead of a model, e.g. deep-research-pro-preview-12-2025", "AGENT"
    ),
    Option(("--system",), "system", "system instruction; kept for the following turns of this chain", "TEXT"),
    Option(("--thinking",), "thinking", "thinking level: " + ", ".join(THINKING_LEVELS), "LEVEL"),
    Option(("--thoughts",), "thoughts", "request and show thought summaries"),
    Option(("--no-thoughts",), "thoughts", "hide thought summaries", const=False),
    Option(("--temperature",), "temperature", "sampling temperature (0-2)", "T", float),
    Option(("--max-tokens",), "max_tokens", "max output tokens", "N", int),
    Option(("--stream",), "stream", "stream (live preview)"),
    Option(("--no-stream",), "stream", "wait for the whole answer", const=False),
    Option(("--new",), "new", "start a fresh chain with this turn", default=False),
    Option(
        ("--from",),
        "from_ref",
        "fork: continue from an earlier turn (interaction id, cell number, or -N; -1 is the head)",
        "REF",
    ),
    Option(("--thread",), "thread", "use a named parallel chain for this turn", "NAME"),
    Option(
        ("--no-store",),
        "store",
        "stateless: not stored server-side; the toolkit resends the history itself",
        const=False,
        default=True,
    ),
    Option(("-o", "--out"), "out", "also assign the result to VAR", "VAR"),
    Option(("--quiet",), "quiet", "show nothing (use with -o)", default=False),
    Option(("--raw",), "raw", "show the answer text unrendered", default=False),
    Option(
        ("--no-interpolate",),
        "interpolate",
        "send {{...}} literally instead of filling it from the namespace",
        const=False,
    ),
    # structured output and map (gemini_nb.schemas, gemini_nb.structured, gemini_nb.mapping)
    Option(
        ("--schema",),
        "schema",
        "answer as JSON matching X and show a typed table: a pydantic model, "
        "dataclass, TypedDict, Enum, list[...] or JSON Schema dict in the namespace, or a spec like "
        "'name, population: int, capital: bool?' (types str int float bool date datetime list[str] "
        "enum(a|b))",
        "X",
    ),
    Option(("--many",), "many", "with --schema: a list of X (one table row each)", default=False),
    Option(
        ("--map",),
        "map",
        "run the prompt once per row of DataFrame DF ({{column}}, {{row}}); "
        "-o VAR gets a DataFrame on DF's index",
        "DF",
    ),
    Option(("--concurrency",), "concurrency", "with --map: requests in flight (default 16)", "N", int),
    # -- media in/out (gemini_nb.media_in, gemini_nb.media_out) --
    Option(
        ("--file",),
        "files",
        "attach a path, URL, files/ID or variable (image, figure, array, "
        "bytes); repeatable. {{var}} puts media in place",
        "X",
        repeat=True,
    ),
    Option(("--rate",), "rate", "sample rate (Hz) for numpy arrays attached as audio", "N", int),
    Option(("--aspect-ratio",), "aspect_ratio", "generated image aspect ratio, e.g. 16:9", "W:H"),
    Option(("--image-size",), "image_size", "generated image size: 512, 1K, 2K, 4K", "SIZE"),
    Option(("--modalities",), "modalities", "response modalities, e.g. text,image or audio", "LIST"),
    Option(("--voice",), "voice", "speech voice, e.g. Kore, Puck (30 prebuilt voices)", "VOICE"),
    Option(("--speakers",), "speakers", 'multi-speaker speech: "Alice=Kore,Bob=Puck"', "MAP"),
    Option(("--stop",), "stop", "stop sequence; repeatable", "SEQ", repeat=True),
    Option(("--seed",), "seed", "sampling seed", "N", int),
    Option(("--top-p",), "top_p", "nucleus sampling (0-1)", "P", float),
    Option(
        ("--config",),
        "config",
        "any other generation_config field: KEY=VALUE (JSON values; dotted keys nest); repeatable",
        "KEY=VALUE",
        repeat=True,
    ),
    # -- background jobs (gemini_nb/jobs.py) --
    Option(
        ("--background",),
        "background",
        "run a model in the background as a job, like agents (the cell returns at once with a job display)",
        default=False,
    ),
    Option(
        ("--wait",),
        "wait",
        "block until a background job (agent or --background) ends, with live "
        "progress (also %config GeminiMagics.wait_for_jobs = True)",
    ),
    Option(
        ("--agent-config",),
        "agent_config",
        "an agent_config field as KEY=VALUE (repeatable; VALUE is "
        "JSON or text), e.g. thinking_summaries=auto, visualization=auto, collaborative_planning=true",
        "KEY=VALUE",
        repeat=True,
    ),
    # widgets: compare
    Option(
        ("--compare",),
        "compare",
        "run the prompt on 2+ models at once, side by side (one-off turns: "
        "the chain does not move; -o VAR gets the DataFrame)",
        "M1,M2",
    ),
    # -- tools: Python functions, built-in tools, the function-call loop --
    Option(
        ("--tools",),
        "tools",
        "tools for this chain: Python functions by name, google_search, "
        "code_execution, url_context, google_maps, computer_use, mcp:NAME=URL, file_search:STORE "
        "(comma-separated)",
        "LIST",
    ),
    Option(
        ("--approve",),
        "approve",
        "ask before running each function call: Run/Decline buttons in a kernel with ipywidgets, else "
        "a y/n prompt (%config GeminiMagics.approve_with)",
        default=False,
    ),
    Option(
        ("--no-auto",),
        "auto",
        "do not run function calls: stop with them pending (answer with _.reply({...}))",
        const=False,
        default=True,
    ),
    Option(
        ("--max-tool-rounds",),
        "max_tool_rounds",
        "rounds of function calls answered in this turn (default: %config GeminiMagics.max_tool_rounds)",
        "N",
        int,
    ),
    Option(
        ("--tool-timeout",),
        "tool_timeout",
        "seconds one function call may run (default: %config GeminiMagics.tool_timeout)",
        "S",
        float,
    ),
)

TAKES_VALUE: dict[str, bool] = {flag: opt.takes_value for opt in OPTIONS for flag in opt.flags}
HELP_FLAGS = ("-h", "--help")


@dataclass
class Parsed:
    """What the first line asked for: the engine's options plus the magics' own (-o, interpolation)."""

    turn: TurnOptions
    out: str | None = None
    interpolate: bool | None = None
    # map over a DataFrame (gemini_nb.mapping)
    map: str | None = None
    concurrency: int | None = None
    compare: list[str] | None = None
    """``--compare M1,M2``: the models to compare (widgets: compare)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print usage and exit the kernel's process
        raise OptionError(message)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="%gemini", add_help=False, allow_abbrev=False)
    for opt in OPTIONS:
        if opt.takes_value and opt.repeat:
            parser.add_argument(
                *opt.flags,
                dest=opt.dest,
                metavar=opt.metavar,
                type=opt.type,
                default=opt.default,
                action="append",
            )
        elif opt.takes_value:
            parser.add_argument(
                *opt.flags,
                dest=opt.dest,
                metavar=opt.metavar,
                type=opt.type,
                default=opt.default,
                action="append" if opt.repeat else "store",
            )
        else:
            parser.add_argument(
                *opt.flags, dest=opt.dest, action="store_const", const=opt.const, default=opt.default
            )
    return parser


_PARSER = _build_parser()


def options_help() -> str:
    """The options as help lines, generated from :data:`OPTIONS`."""
    lines = ["Options (first line only):"]
    for opt in OPTIONS:
        name = ", ".join(opt.flags) + (f" {opt.metavar}" if opt.metavar else "")
        lines.append(f"  {name:<23} {opt.help}")  # a long name still gets its space
    return "\n".join(lines)


# -- splitting ---------------------------------------------------------------------------------
_VALUE = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|'[^']*'|\S+)""")


def _unquote(token: str) -> str:
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "\"'":
        body = token[1:-1]
        return body.replace('\\"', '"') if token[0] == '"' else body
    return token


def split_leading_options(line: str) -> tuple[list[str], str, bool]:
    """A line magic's leading options, then the raw prompt (its quotes untouched), and whether
    ``--`` ended the options (the rest is a prompt whatever its first word). One linear pass."""
    tokens: list[str] = []
    pos = 0
    while True:
        while pos < len(line) and line[pos].isspace():
            pos += 1
        if pos >= len(line) or line[pos] != "-":
            return tokens, line[pos:].strip(), False
        match = _VALUE.match(line, pos)
        token = match.group(1)
        pos = match.end()
        if token == "--":
            return tokens, line[pos:].strip(), True
        tokens.append(token)
        name = token.split("=", 1)[0]
        if TAKES_VALUE.get(name) and "=" not in token:
            match = _VALUE.match(line, pos)
            if match:
                tokens.append(_unquote(match.group(1)))
                pos = match.end()


def split_cell_line(line: str) -> list[str]:
    """A ``%%gemini`` first line as shell-like words (quotes group, ``#`` is not a comment)."""
    try:
        return shlex.split(line, comments=False, posix=True)
    except ValueError as exc:
        raise OptionError(f"cannot parse the first line: {exc}") from None


def wants_help(tokens: list[str]) -> bool:
    return any(token in HELP_FLAGS for token in tokens)


# -- parsing -----------------------------------------------------------------------------------
def parse(tokens: list[str], execution_count: int | None = None) -> Parsed:
    """Options tokens to :class:`Parsed`; raises :class:`OptionError` (one line)."""
    if any(redact(token) != token for token in tokens):
        raise OptionError(
            "an option value looks like an API key; keys are never accepted as "
            "arguments (use %gemini key). Nothing was sent or stored."
        )
    args, extra = _PARSER.parse_known_args(tokens)
    if extra:
        unknown = [t for t in extra if t.startswith("-")]
        if unknown:
            hint = (
                " (API keys are never accepted as arguments: use %gemini key)"
                if any("key" in t.lower() for t in unknown)
                else " (see %gemini? for the options)"
            )
            raise OptionError(f"unknown option {unknown[0].split('=')[0]}{hint}")
        raise OptionError(
            f"unexpected text on the first line: {' '.join(extra)[:60]!r}; the prompt goes in the cell body"
        )
    parsed = Parsed(
        turn=_turn_options(args, execution_count),
        out=args.out,
        interpolate=args.interpolate,
        compare=_compare_models(args.compare),
    )
    _map_options(parsed, args)
    return parsed


def _map_options(parsed: Parsed, args: Any) -> None:
    """--map / --concurrency (structured output and map)."""
    if args.many and args.schema is None:
        raise OptionError("--many needs --schema (a list of what?)")
    if args.concurrency is not None and args.map is None:
        raise OptionError("--concurrency applies to --map only")
    if args.map is None:
        return
    if not args.map.isidentifier() and not re.fullmatch(r"[A-Za-z_][\w.]*", args.map):
        raise OptionError(f"--map needs the name of a DataFrame, got {args.map!r}")
    if args.concurrency is not None and not 1 <= args.concurrency <= 256:
        raise OptionError(f"--concurrency must be between 1 and 256 (got {args.concurrency})")
    clashes = [
        flag
        for flag, value in (
            ("--new", args.new),
            ("--from", args.from_ref),
            ("--thread", args.thread),
            ("--agent", args.agent),
            ("--stream", args.stream),
        )
        if value
    ]
    if clashes:
        raise OptionError(f"--map rows are independent one-off turns: {', '.join(clashes)} does not apply")
    parsed.map, parsed.concurrency = args.map, args.concurrency


def _compare_models(value: str | None) -> list[str] | None:
    """``--compare M1,M2[,M3]`` as a list of two or more model names (widgets: compare)."""
    if value is None:
        return None
    models = [m.strip() for m in value.split(",")]
    if len(models) < 2 or not all(models):
        raise OptionError(
            f"--compare needs two or more comma-separated models, e.g. --compare "
            f"gemini-3-flash-preview,gemini-2.5-flash (got {value!r})"
        )
    return models


def _turn_options(args: Any, execution_count: int | None) -> TurnOptions:
    for opt in OPTIONS:  # `-m ''` must not quietly mean "the default model"
        given = getattr(args, opt.dest)
        values = given if opt.repeat and given is not None else [given]
        if opt.takes_value and opt.type is str and any(v is not None and not v.strip() for v in values):
            raise OptionError(f"{'/'.join(opt.flags)} needs a value, got an empty string")
    thinking = args.thinking.lower() if args.thinking else None
    if thinking and thinking not in THINKING_LEVELS:
        raise OptionError(f"--thinking must be one of {', '.join(THINKING_LEVELS)} (got {args.thinking!r})")
    if args.model and args.agent:
        raise OptionError("use either -m/--model or --agent, not both")
    if args.new and args.from_ref is not None:
        raise OptionError("use either --new or --from REF, not both")
    if args.out and (not args.out.isidentifier() or keyword.iskeyword(args.out)):
        raise OptionError(f"-o/--out needs a Python variable name, got {args.out!r}")
    if args.temperature is not None and not 0.0 <= args.temperature <= 2.0:
        raise OptionError(f"--temperature must be between 0 and 2 (got {args.temperature:g})")
    if args.max_tokens is not None and args.max_tokens <= 0:
        raise OptionError(f"--max-tokens must be positive (got {args.max_tokens})")
    opts = TurnOptions(
        model=args.model,
        agent=args.agent,
        system=args.system,
        thinking=thinking,
        thoughts=args.thoughts,
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        stream=args.stream,
        new=args.new,
        from_ref=args.from_ref,
        thread=args.thread,
        store=args.store,
        quiet=args.quiet,
        raw=args.raw,
        execution_count=execution_count,
        schema=args.schema,
        many=args.many,
        **_media_options(args),
        background=args.background,
        wait=args.wait,
        agent_config=agent_config_pairs(args.agent_config),
    )
    # -- tools: names stay words here; magic_turn resolves them in the user namespace --
    if args.max_tool_rounds is not None and args.max_tool_rounds < 0:
        raise OptionError(f"--max-tool-rounds must be 0 or more (got {args.max_tool_rounds})")
    if args.tool_timeout is not None and args.tool_timeout < 0:
        raise OptionError(f"--tool-timeout must be 0 or more seconds (got {args.tool_timeout:g})")
    opts.tools = [w.strip() for w in args.tools.split(",") if w.strip()] if args.tools else None
    opts.approve, opts.auto = args.approve, args.auto
    opts.max_tool_rounds, opts.tool_timeout = args.max_tool_rounds, args.tool_timeout
    return opts


def _media_options(args: Any) -> dict[str, Any]:
    """The media in/out options, validated here so a bad value is refused before any work."""
    from .media_out import MediaOptionError, config_items, generation_overrides, modalities

    values = dict(
        files=args.files,
        rate=args.rate,
        aspect_ratio=args.aspect_ratio,
        image_size=args.image_size,
        modalities=args.modalities,
        voice=args.voice,
        speakers=args.speakers,
        stop=args.stop,
        seed=args.seed,
        top_p=args.top_p,
        config=args.config,
    )
    try:
        generation_overrides(TurnOptions(**values))
        if args.modalities is not None:
            modalities(args.modalities)
        if args.config is not None:
            config_items(args.config)
    except MediaOptionError as exc:
        raise OptionError(str(exc)) from None
    if args.rate is not None and args.rate <= 0:
        raise OptionError(f"--rate must be a positive sample rate in Hz (got {args.rate})")
    return values


def agent_config_pairs(pairs: list[str] | None) -> dict[str, Any] | None:
    """``--agent-config KEY=VALUE`` values as a dict; VALUE is JSON when it parses, else text."""
    import json

    if not pairs:
        return None
    config: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise OptionError(f"--agent-config takes KEY=VALUE (e.g. thinking_summaries=auto), got {pair!r}")
        value = value.strip()
        try:
            config[key] = json.loads(value)
        except ValueError:
            config[key] = value
    return config
