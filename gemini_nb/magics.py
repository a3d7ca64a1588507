"""``%%gemini`` / ``%gemini``: the IPython surface over :mod:`gemini_nb.api`.

Rules that make the magic predictable:

* options live on the first line only; the cell body is the prompt and is never parsed, so a
  prompt may contain ``--flags``, quotes, braces or code;
* every mistake or API failure is one ``UsageError`` line (no traceback), naming the problem;
  partial answers are still shown and assigned;
* an API key is never an argument: ``%gemini key`` reads it from a hidden prompt.
"""
from __future__ import annotations

import keyword
import re
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.utils.process import arg_split
from IPython.utils.text import dedent

from . import api, templating
from .chain import ChainError
from .config import GeminiConfig
from .errors import GeminiError, redact
from .turn import TurnOptions

SUBCOMMANDS = ("chain", "reset", "fork", "resume", "show", "delete", "history", "backend", "key",
               "thread", "help")
_VALUE = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|'[^']*'|\S+)""")
_THINKING = ("minimal", "low", "medium", "high", "xhigh")

SUBCOMMAND_HELP = """
Line commands:
  %gemini PROMPT            one turn from a single line (options may precede the prompt;
                            a trailing '?' belongs to the prompt; %gemini? alone is help)
  %gemini chain             the conversation tree: turns, ids, models, forks, heads
  %gemini reset             start a fresh conversation on the current thread
  %gemini fork REF          continue from an earlier turn (id, cell number, or -N)
  %gemini thread NAME       switch the current thread (named parallel chains)
  %gemini resume ID         continue a chain from an earlier session by interaction id
  %gemini show ID           re-render a stored interaction
  %gemini delete ID         delete an interaction (server and local chain)
  %gemini history [N]       the local log as a DataFrame (last N rows)
  %gemini backend [live|emulator|URL|auto]   show or choose the backend
  %gemini key               type an API key at a hidden prompt (never as an argument)

Prompts may use {{name}} or {{expression}} from your namespace; single braces are untouched.
Settings: %config GeminiMagics (model, stream, show_thoughts, timeout, retry_attempts, history, ...).
"""


def _unquote(token: str) -> str:
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "\"'":
        body = token[1:-1]
        return body.replace('\\"', '"') if token[0] == '"' else body
    return token


def split_leading_options(line: str, parser: Any) -> tuple[list[str], str]:
    """Options at the start of a line magic, then the raw prompt (quotes in it untouched)."""
    takes_value = {opt: action.nargs != 0 for opt, action in parser._option_string_actions.items()}
    tokens: list[str] = []
    pos = 0
    while True:
        while pos < len(line) and line[pos].isspace():
            pos += 1
        if pos >= len(line) or line[pos] != "-":
            break
        match = _VALUE.match(line, pos)
        token = match.group(1)
        pos = match.end()
        if token == "--":
            break
        tokens.append(token)
        name = token.split("=", 1)[0]
        if takes_value.get(name) and "=" not in token:
            match = _VALUE.match(line, pos)
            if match:
                tokens.append(_unquote(match.group(1)))
                pos = match.end()
    return tokens, line[pos:].strip()


_INCREMENTS_FIRST: bool | None = None


def _increments_first() -> bool:
    """Whether this IPython bumps ``execution_count`` before running the cell (checked once)."""
    global _INCREMENTS_FIRST
    if _INCREMENTS_FIRST is None:
        import inspect

        from IPython.core.interactiveshell import InteractiveShell

        try:
            source = inspect.getsource(InteractiveShell.run_cell_async)
            bump = source.find("self.execution_count += 1")
            _INCREMENTS_FIRST = 0 <= bump < source.find("pre_execute")
        except (OSError, TypeError):
            _INCREMENTS_FIRST = True
    return _INCREMENTS_FIRST


@magics_class
class GeminiMagics(Magics, GeminiConfig):
    """The magics; traits from :class:`GeminiConfig` are settable with ``%config GeminiMagics``."""

    @property
    def session(self) -> api.Session:
        """The kernel-wide session (shared with ``gemini_nb.default_session()``)."""
        return api.default_session()

    # -- parsing --------------------------------------------------------------------------
    def _parse(self, tokens: list[str]):
        if any(redact(token) != token for token in tokens):
            raise UsageError("an option value looks like an API key; keys are never accepted as "
                             "arguments (use %gemini key). Nothing was sent or stored.")
        parser = self.gemini.parser
        try:
            args, extra = parser.parse_known_args(tokens)
        except UsageError as exc:
            raise UsageError(redact(str(exc).strip().splitlines()[-1])) from None
        except SystemExit:
            raise UsageError("could not parse the options (see %gemini?)") from None
        if extra:
            unknown = [t for t in extra if t.startswith("-")]
            if unknown:
                hint = " (API keys are never accepted as arguments: use %gemini key)" if any(
                    "key" in t.lower() for t in unknown) else " (see %gemini? for the options)"
                raise UsageError(f"unknown option {unknown[0].split('=')[0]}{hint}")
            raise UsageError(redact(f"unexpected text on the first line: {' '.join(extra)[:60]!r}; the "
                                    "prompt goes in the cell body"))
        return args

    def _turn_options(self, args: Any) -> TurnOptions:
        thinking = args.thinking.lower() if args.thinking else None
        if thinking and thinking not in _THINKING:
            raise UsageError(f"--thinking must be one of {', '.join(_THINKING)} (got {args.thinking!r})")
        if args.model and args.agent:
            raise UsageError("use either -m/--model or --agent, not both")
        if args.new and args.from_ref is not None:
            raise UsageError("use either --new or --from REF, not both")
        if args.out and (not args.out.isidentifier() or keyword.iskeyword(args.out)):
            raise UsageError(f"-o/--out needs a Python variable name, got {args.out!r}")
        if args.temperature is not None and not 0.0 <= args.temperature <= 2.0:
            raise UsageError(f"--temperature must be between 0 and 2 (got {args.temperature:g})")
        if args.max_tokens is not None and args.max_tokens <= 0:
            raise UsageError(f"--max-tokens must be positive (got {args.max_tokens})")
        return TurnOptions(
            model=args.model, agent=args.agent, system=args.system, thinking=thinking,
            thoughts=args.thoughts, temperature=args.temperature, max_tokens=args.max_tokens,
            stream=args.stream, new=args.new, from_ref=args.from_ref, thread=args.thread,
            store=args.store, quiet=args.quiet, raw=args.raw,
            execution_count=self._cell_number(),
        )

    _store_history: bool = True

    def _pre_run_cell(self, info: Any) -> None:
        self._store_history = bool(getattr(info, "store_history", True))

    def _cell_number(self) -> int | None:
        """The running cell's ``In[n]``: IPython 9 increments the counter before running it."""
        count = getattr(self.shell, "execution_count", None)
        if count is not None and self._store_history and _increments_first():
            count -= 1
        return count

    # -- the magic ------------------------------------------------------------------------
    @magic_arguments()
    @argument("-m", "--model", help="model name (default: %%config GeminiMagics.model)")
    @argument("--agent", help="an agent instead of a model, e.g. deep-research-pro-preview-12-2025")
    @argument("--system", help="system instruction; kept for the following turns of this chain")
    @argument("--thinking", metavar="LEVEL", help="thinking level: minimal, low, medium, high, xhigh")
    @argument("--thoughts", dest="thoughts", action="store_true", default=None,
              help="request and show thought summaries")
    @argument("--no-thoughts", dest="thoughts", action="store_false", help="hide thought summaries")
    @argument("--temperature", type=float, help="sampling temperature (0-2)")
    @argument("--max-tokens", dest="max_tokens", type=int, help="max output tokens")
    @argument("--stream", dest="stream", action="store_true", default=None, help="stream (live preview)")
    @argument("--no-stream", dest="stream", action="store_false", help="wait for the whole answer")
    @argument("--new", action="store_true", help="start a fresh chain with this turn")
    @argument("--from", dest="from_ref", metavar="REF",
              help="fork: continue from an earlier turn (interaction id, cell number, or -N; -1 is the head)")
    @argument("--thread", metavar="NAME", help="use a named parallel chain for this turn")
    @argument("--no-store", dest="store", action="store_false", default=True,
              help="stateless: not stored server-side; the toolkit resends the history itself")
    @argument("-o", "--out", metavar="VAR", help="also assign the result to VAR")
    @argument("--quiet", action="store_true", help="show nothing (use with -o)")
    @argument("--raw", action="store_true", help="show the answer text unrendered")
    @argument("--no-interpolate", dest="interpolate", action="store_false", default=None,
              help="send {{...}} literally instead of filling it from the namespace")
    @line_cell_magic
    def gemini(self, line: str = "", cell: str | None = None):
        """Ask Gemini (Interactions API); every cell continues the same server-side conversation.

        %%gemini [options]   -> the cell body is the prompt (options on the first line only)
        %gemini [options] PROMPT, or %gemini COMMAND (see below)
        """
        try:
            return self._gemini(line, cell)
        except UsageError as exc:  # no message of ours may echo a key (e.g. a bad option value)
            message = str(exc)
            if redact(message) == message:
                raise
            raise UsageError(redact(message)) from None

    def _gemini(self, line: str = "", cell: str | None = None):
        line = line or ""
        stripped = line.strip()
        if cell is None:
            word = stripped.split(maxsplit=1)[0] if stripped else ""
            if word in SUBCOMMANDS:
                rest = stripped[len(word):].strip()
                return getattr(self, f"_cmd_{word}")(rest)
            if word in ("-h", "--help") or not stripped:
                return self._cmd_help("")
            tokens, prompt = split_leading_options(line, self.gemini.parser)
        else:
            try:
                tokens = arg_split(stripped, posix=True, strict=True)
            except ValueError as exc:
                raise UsageError(f"cannot parse the first line: {exc}") from None
            if "-h" in tokens or "--help" in tokens:
                return self._cmd_help("")
            prompt = cell.lstrip("\r\n").rstrip()
        args = self._parse(tokens)
        opts = self._turn_options(args)
        return self._run(prompt, opts, args)

    def _run(self, prompt: str, opts: TurnOptions, args: Any):
        interpolate = self.interpolate if args.interpolate is None else args.interpolate
        if interpolate:
            try:
                prompt = templating.render(prompt, self.shell.user_ns)
            except templating.TemplateError as exc:
                raise UsageError(redact(str(exc))) from None
        if not prompt.strip():
            raise UsageError("empty prompt: write it in the cell body (or after %gemini on the line)")
        session = self.session
        session.settings = self.to_settings()
        try:
            backend = session.backend()
        except GeminiError as exc:
            raise UsageError(str(exc)) from None
        for notice in session.pop_notices():
            print(notice)
        live = api.live_for(session, opts, echo=True)
        from .turn import run_turn

        try:
            result = run_turn(session, prompt, opts, live=live)
        except ChainError as exc:
            raise UsageError(redact(str(exc))) from None
        except GeminiError as exc:
            if exc.partial is not None:
                if args.out:
                    self.shell.user_ns[args.out] = exc.partial
                if not opts.quiet and not (live is not None and live.shown):  # else: on screen already
                    from IPython.display import display

                    display(exc.partial)
                # nothing partial is lost: like a Ctrl-C'd turn, the partial answer is `_`
                displayhook = getattr(self.shell, "displayhook", None)
                if displayhook is not None and hasattr(displayhook, "update_user_ns"):
                    try:
                        displayhook.update_user_ns(exc.partial)
                    except Exception:
                        pass
            badge = " [emulated]" if backend.emulated else ""  # even errors say where they came from
            raise UsageError(f"{exc}{badge}") from None
        if args.out:
            self.shell.user_ns[args.out] = result
        if opts.quiet:
            return None
        if live is not None and live.shown:
            return self._after_terminal_stream(result)
        return result

    def _after_terminal_stream(self, result: Any) -> None:
        """The answer is already on screen: print the rest (media, calls, footer) once, and
        still make the result the cell's value (``_``, ``Out[n]``) without printing it again."""
        from .render import echo_epilogue

        for line in echo_epilogue(result):
            print(line)
        displayhook = getattr(self.shell, "displayhook", None)
        if displayhook is not None:
            displayhook.update_user_ns(result)
        return None

    # -- subcommands ----------------------------------------------------------------------
    def _cmd_help(self, rest: str):
        print(dedent(self.gemini.__doc__ or "").strip())

    def _cmd_chain(self, rest: str):
        print("\n".join(self.session.chain.tree_lines()))

    def _cmd_reset(self, rest: str):
        self.session.reset(rest or None)
        thread = rest or self.session.chain.thread
        print(f"Chain {thread!r} reset: the next prompt starts a new conversation.")

    def _cmd_fork(self, rest: str):
        if not rest:
            raise UsageError("%gemini fork needs a REF: an interaction id, a cell number, or -N")
        try:
            turn = self.session.fork(rest)
        except ChainError as exc:
            raise UsageError(str(exc)) from None
        cell = f" (cell [{turn.execution_count}])" if turn.execution_count is not None else ""
        print(f"Head moved to {turn.id}{cell}; the next prompt continues from there.")

    def _cmd_thread(self, rest: str):
        if not rest or not re.fullmatch(r"[\w.-]+", rest):
            raise UsageError("%gemini thread needs a NAME (letters, digits, _ . -)")
        self.session.chain.switch(rest)
        print(f"Current thread: {rest!r}.")

    def _cmd_resume(self, rest: str):
        if not rest:
            raise UsageError("%gemini resume needs an interaction ID")
        turn = self.session.resume(rest.split()[0])
        print(f"Resumed: the next prompt continues from {turn.id}.")

    def _ref_id(self, command: str, rest: str) -> str:
        """The interaction id for ``%gemini show|delete REF``: an id, a cell number or -N."""
        if not rest:
            raise UsageError(f"%gemini {command} needs an interaction ID (or a cell number / -N)")
        ref = rest.split()[0]
        try:
            return self.session.chain.resolve(ref).id
        except ChainError:
            return ref  # not in this kernel's chain: let the server look it up

    def _cmd_show(self, rest: str):
        ref = self._ref_id("show", rest)
        try:
            return self.session.show(ref)
        except GeminiError as exc:
            raise UsageError(str(exc)) from None

    def _cmd_delete(self, rest: str):
        ref = self._ref_id("delete", rest)
        try:
            self.session.delete(ref)
        except (GeminiError, ChainError) as exc:
            raise UsageError(str(exc)) from None
        print(f"Deleted {ref}.")

    def _cmd_history(self, rest: str):
        self.session.settings = self.to_settings()
        try:
            history = self.session.history()
        except Exception as exc:
            raise UsageError(f"cannot open the history database: {type(exc).__name__}: {exc}") from None
        if history is None:
            raise UsageError("history is off (%config GeminiMagics.history = True to turn it on)")
        if rest and not rest.isdigit():
            raise UsageError("%gemini history takes an optional row count, e.g. %gemini history 20")
        return history.dataframe(int(rest) if rest else None)

    def _cmd_backend(self, rest: str):
        try:
            if rest:
                backend = self.session.set_backend(None if rest == "auto" else rest)
            else:
                backend = self.session.backend()
        except GeminiError as exc:
            raise UsageError(str(exc)) from None
        for notice in self.session.pop_notices():
            print(notice)
        print(f"Backend: {backend.describe()}.")

    def _cmd_key(self, rest: str):
        if rest:
            raise UsageError("%gemini key takes no argument: type the key at the hidden prompt instead "
                             "(nothing was stored)")
        import getpass

        from .backend import set_typed_key

        try:
            key = getpass.getpass("Gemini API key (hidden; kept in memory only): ")
        except (KeyboardInterrupt, EOFError):
            raise UsageError("no key entered; nothing changed") from None
        except Exception as exc:  # e.g. StdinNotImplementedError: a frontend without input
            raise UsageError(f"this frontend cannot prompt for a key ({type(exc).__name__}); set "
                             "GEMINI_API_KEY in the environment instead") from None
        if not key.strip():
            raise UsageError("no key entered; nothing changed")
        set_typed_key(key)
        try:  # re-resolve the current choice so it picks the key up (a URL backend uses it too)
            backend = self.session.set_backend(self.session.backend_choice)
        except GeminiError as exc:
            raise UsageError(str(exc)) from None
        if backend.kind == "live":
            print("Key set for this session (in memory only); the live backend will be used.")
        else:
            print(f"Key set for this session (in memory only). Backend: {backend.describe()}; "
                  "run %gemini backend live to use the key.")


# %gemini? shows the docstring: make it list the line commands too, not only the options.
GeminiMagics.gemini.__doc__ = (GeminiMagics.gemini.__doc__ or "") + SUBCOMMAND_HELP
