"""One prompt from a ``%%gemini`` cell or a ``%gemini`` line, run inside IPython.

Why apart from the magics class: this is what a cell *does* (fill ``{{...}}``, choose the live
display, run the turn, keep a partial answer, assign ``-o VAR`` and ``_``), while the class only
registers the magic and routes a line. Every failure leaves as one ``UsageError`` line; a
partial answer is shown and assigned before the error is raised, so nothing that arrived is lost.
"""
from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError

from . import api, templating
from .chain import ChainError
from .errors import GeminiError, redact
from .options import Parsed


def fill_template(prompt: str, namespace: dict[str, Any], interpolate: bool) -> str:
    """``{{...}}`` filled from the namespace (the only expansion a prompt gets; no ``$``/``{}``)."""
    if not interpolate:
        return prompt
    try:
        return templating.render(prompt, namespace)
    except templating.TemplateError as exc:
        raise UsageError(redact(str(exc))) from None


def run_prompt(shell: Any, session: api.Session, prompt: str, parsed: Parsed) -> Any:
    """Run one turn; returns the value the cell shows (None when already printed or quiet)."""
    opts = parsed.turn
    if not prompt.strip():
        raise UsageError("empty prompt: write it in the cell body (or after %gemini on the line)")
    try:
        backend = session.backend()
    except GeminiError as exc:
        raise UsageError(str(exc)) from None
    for notice in session.pop_notices():
        print(notice)
    live = _live_display(session, opts, backend)
    from .turn import run_turn

    try:
        result = run_turn(session, prompt, opts, live=live)
    except ChainError as exc:
        raise UsageError(redact(str(exc))) from None
    except GeminiError as exc:
        if exc.partial is not None:
            _keep_partial(shell, exc.partial, parsed, live)
        badge = " [emulated]" if backend.emulated else ""  # even errors say where they came from
        raise UsageError(f"{exc}{badge}") from None
    if parsed.out:
        shell.user_ns[parsed.out] = result
    if opts.quiet:
        return None
    if getattr(live, "wrote", False):
        return _after_terminal_stream(shell, result)
    return result


def _live_display(session: api.Session, opts: Any, backend: Any) -> Any:
    stream = session.settings.stream if opts.stream is None else opts.stream
    if not stream or opts.quiet:
        return None
    if api.in_kernel():
        from .render import LiveDisplay

        return LiveDisplay(rate=session.settings.live_updates_per_second, emulated=backend.emulated,
                           tail=session.settings.live_tail_chars)
    if not opts.raw and api.in_terminal():
        from .render.live import TerminalLive

        show = session.settings.show_thoughts if opts.thoughts is None else opts.thoughts
        return TerminalLive(show_thoughts=show)
    return None


def _set_underscore(shell: Any, value: Any) -> None:
    displayhook = getattr(shell, "displayhook", None)
    if displayhook is not None and hasattr(displayhook, "update_user_ns"):
        try:
            displayhook.update_user_ns(value)
        except Exception:
            pass


def _keep_partial(shell: Any, partial: Any, parsed: Parsed, live: Any) -> None:
    if parsed.out:
        shell.user_ns[parsed.out] = partial
    if not parsed.turn.quiet:
        if getattr(live, "wrote", False):  # terminal: the text is already on screen
            from .render.markdown import BADGE_TEXT, usage_line

            print("— " + (BADGE_TEXT + " " if partial.emulated else "") + usage_line(partial))
        else:
            from IPython.display import display

            display(partial)
    _set_underscore(shell, partial)  # like a Ctrl-C'd turn, the partial answer is `_`


def _after_terminal_stream(shell: Any, result: Any) -> None:
    """The answer is already on screen: print the rest (media, calls, footer) once, and still
    make the result the cell's value (``_``) without printing it again."""
    from .render.markdown import BADGE_TEXT, usage_line

    extras = []
    if result.images or result.audio:
        extras.append(f"{len(result.images)} image(s), {len(result.audio)} audio part(s): "
                      "see _.images / _.audio")
    for call in result.calls:
        extras.append(f"→ call {call['name']}({call['arguments']})")
    if result.status not in ("completed", None):
        extras.append(f"status: {result.status}")
    for line in extras:
        print(f"[{line}]")
    print("— " + (BADGE_TEXT + " " if result.emulated else "") + usage_line(result))
    _set_underscore(shell, result)
    return None
