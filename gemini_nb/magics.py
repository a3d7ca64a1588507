"""``%%gemini`` / ``%gemini``: the IPython surface over :mod:`gemini_nb.api`.

This class only registers the magic and routes a line; the parts live next to it:
:mod:`~gemini_nb.options` (the options table and parser), :mod:`~gemini_nb.commands` (the line
commands table), :mod:`~gemini_nb.magic_turn` (running one prompt). Rules that make the magic
predictable:

* options live on the first line only; the cell body is the prompt and is never parsed, so a
  prompt may contain ``--flags``, quotes, braces or code;
* the line magic is ``@no_var_expand``: IPython's ``$name``/``{name}`` expansion never applies
  (it was also quadratic on long lines); ``{{...}}`` templating is the same as in cells;
* line commands are a closed set: an unknown command-like word is refused, never sent;
* every mistake or API failure is one ``UsageError`` line (no traceback), naming the problem;
  partial answers are still shown and assigned;
* an API key is never an argument: ``%gemini key`` reads it from a hidden prompt.
"""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from IPython.utils.text import dedent

from . import api, commands, options
from .config import GeminiConfig
from .errors import redact
from .magic_turn import fill_prompt, fill_template, run_prompt


def increments_first(version: tuple[int, ...] | None = None) -> bool:
    """Whether IPython bumps ``execution_count`` *before* running a cell: from IPython 9.8 on
    (``run_cell_async`` sets the result's count, then increments, then runs), before that after."""
    if version is None:
        import IPython

        version = tuple(IPython.version_info[:2])
    return tuple(version[:2]) >= (9, 8)


_INCREMENTS_FIRST = increments_first()


@magics_class
class GeminiMagics(Magics, GeminiConfig):
    """The magics; traits from :class:`GeminiConfig` are settable with ``%config GeminiMagics``."""

    _store_history: bool = True

    @property
    def session(self) -> api.Session:
        """The kernel-wide session (shared with ``gemini_nb.default_session()``)."""
        return api.default_session()

    def _pre_run_cell(self, info: Any) -> None:
        self._store_history = bool(getattr(info, "store_history", True))

    def _cell_number(self) -> int | None:
        """The running cell's ``In[n]`` (see :func:`increments_first`)."""
        count = getattr(self.shell, "execution_count", None)
        if count is not None and self._store_history and _INCREMENTS_FIRST:
            count -= 1
        return count

    def print_help(self) -> None:
        print(dedent(self.gemini.__doc__ or "").strip())

    @no_var_expand
    @line_cell_magic
    def gemini(self, line: str = "", cell: str | None = None):
        """Ask Gemini (Interactions API); every cell continues the same server-side conversation.

        %%gemini [options]   -> the cell body is the prompt (options on the first line only)
        %gemini [options] PROMPT, or %gemini COMMAND (see below)
        """
        try:
            return self._route(line or "", cell)
        except options.OptionError as exc:
            raise UsageError(redact(str(exc))) from None
        except UsageError as exc:  # no message of ours may echo a key (e.g. a bad option value)
            message = str(exc)
            if redact(message) == message:
                raise
            raise UsageError(redact(message)) from None

    def _route(self, line: str, cell: str | None):
        if cell is None:
            words = line.split(maxsplit=1)
            if not words or words[0] in options.HELP_FLAGS:
                return self.print_help()
            if words[0] in commands.COMMANDS:  # arguments get the same {{...}} templating as prompts
                rest = fill_template(
                    words[1].strip() if len(words) > 1 else "", self.shell.user_ns, self.interpolate
                )
                return commands.dispatch(self, words[0], rest)
            tokens, prompt, forced = options.split_leading_options(line)
        else:
            tokens = options.split_cell_line(line.strip())
            prompt, forced = cell.lstrip("\r\n").rstrip(), True  # a cell body is always a prompt
        if options.wants_help(tokens):
            return self.print_help()
        if self.interpolate and "--no-interpolate" not in tokens:  # option values: {{...}} too
            tokens = [fill_template(t, self.shell.user_ns, True) if "{{" in t else t for t in tokens]
        parsed = options.parse(tokens, execution_count=self._cell_number())
        if not forced and commands.looks_like_command(prompt.split()):
            leading = line.strip()[: len(line.strip()) - len(prompt)].strip()
            raise commands.unknown_command(prompt.split(), leading)
        interpolate = self.interpolate if parsed.interpolate is None else parsed.interpolate
        # structured output and map: --schema names resolve in the namespace; --map fills per row
        if parsed.turn.schema is not None or parsed.map is not None:
            from . import magic_structured

            magic_structured.resolve_schema(self.shell, parsed.turn)
            if parsed.map is not None:
                session = self.session
                session.settings = self.to_settings()
                return magic_structured.run_map(self.shell, session, prompt, parsed, interpolate)
        prompt = fill_prompt(prompt, self.shell.user_ns, interpolate, parsed.turn)
        session = self.session
        session.settings = self.to_settings()
        if parsed.compare is not None:  # widgets: compare (one-off turns, side by side)
            from .comparison import magic_compare

            return magic_compare(self.shell, session, prompt, parsed)
        return run_prompt(self.shell, session, prompt, parsed)


# %gemini? shows the docstring: the options and the line commands come from their tables.
GeminiMagics.gemini.__doc__ = "\n\n".join(
    [dedent(GeminiMagics.gemini.__doc__ or "").strip(), options.options_help(), commands.help_text()]
)
