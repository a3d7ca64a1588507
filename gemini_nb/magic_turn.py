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


def fill_prompt(prompt: str, namespace: dict[str, Any], interpolate: bool, opts: Any) -> str:
    """Like :func:`fill_template`, but a media value (``{{img}}``) becomes a content part at its
    position (kept in ``opts.content``); returns the prompt's text."""
    if not interpolate:
        return prompt
    try:
        filled = templating.render_parts(prompt, namespace, rate=opts.rate)
    except templating.TemplateError as exc:
        raise UsageError(redact(str(exc))) from None
    if isinstance(filled, str):
        return filled
    opts.content = filled
    return "".join(part for part in filled if isinstance(part, str))


def run_prompt(shell: Any, session: api.Session, prompt: str, parsed: Parsed) -> Any:
    """Run one turn; returns the value the cell shows (None when already printed or quiet)."""
    opts = parsed.turn
    if not prompt.strip() and not opts.content and not opts.files:
        raise UsageError("empty prompt: write it in the cell body (or after %gemini on the line)")
    try:
        backend = session.backend()
    except GeminiError as exc:
        raise UsageError(str(exc)) from None
    from .uploads import prepare_turn

    try:  # media: --file and {{media}} become content parts (big ones are uploaded)
        prompt = prepare_turn(session, prompt, opts, shell.user_ns)
    except GeminiError as exc:
        raise UsageError(redact(str(exc))) from None
    for notice in session.pop_notices():
        print(notice)
    if opts.tools is not None and opts.toolset is None:  # tools: names -> the notebook's functions
        from .toolspec import resolve

        try:
            toolset = resolve(opts.tools, shell.user_ns)
        except ChainError as exc:
            raise UsageError(redact(str(exc))) from None
        opts.tools, opts.toolset = toolset.tools, toolset
    if opts.approve is True:
        opts.approve = approve_mode(session.settings)
    live = api.live_for(session, opts, echo=True)
    from . import jobs

    try:
        result, job = jobs.run(session, prompt, opts, live=live, progress=None if opts.quiet else _wait_view)
    except ChainError as exc:
        raise UsageError(redact(str(exc))) from None
    except GeminiError as exc:
        if exc.partial is not None:
            _keep_partial(shell, exc.partial, parsed, live)
        badge = " [emulated]" if backend.emulated else ""  # even errors say where they came from
        raise UsageError(f"{exc}{badge}") from None
    if job is not None:
        return _job_outcome(shell, session, job, result, parsed)
    if parsed.out:
        shell.user_ns[parsed.out] = result
    if opts.quiet:
        return None
    shown = live is not None and live.shown
    if getattr(result, "approval", None) is not None:
        return _approval(shell, result, parsed, shown)
    if shown:
        return _after_terminal_stream(shell, result)
    return result


def approve_mode(settings: Any) -> str:
    """``--approve``: ``buttons`` or ``prompt`` (``%config GeminiMagics.approve_with``; ``auto``:
    buttons in a kernel that has ipywidgets, else the y/n prompt)."""
    import importlib.util

    mode = getattr(settings, "approve_with", "auto")
    if mode == "auto":
        mode = "buttons" if api.in_kernel() and importlib.util.find_spec("ipywidgets") else "prompt"
    return "buttons" if mode == "buttons" else True


def _approval(shell: Any, result: Any, parsed: Parsed, shown: bool) -> Any:
    """The turn stopped for approval: the cell shows the answer so far and the panel; each new
    result the panel gets becomes ``-o NAME`` and ``_``."""
    from .widgets.approval import ApprovalPanel

    def latest(new: Any) -> None:
        if parsed.out:
            shell.user_ns[parsed.out] = new
        _set_underscore(shell, new)

    _set_underscore(shell, result)
    return ApprovalPanel(result, on_result=latest, show_result=not shown)


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
    if not parsed.turn.quiet and not (live is not None and live.shown):  # else: on screen already
        from IPython.display import display

        display(partial)
    _set_underscore(shell, partial)  # like a Ctrl-C'd turn, the partial answer is `_`


def _after_terminal_stream(shell: Any, result: Any) -> None:
    """The answer is already on screen: print the rest (media, calls, footer) once, and still
    make the result the cell's value (``_``) without printing it again."""
    from .render import echo_epilogue

    if getattr(result, "structured", None) is not None:  # structured output: the table after the JSON
        from .render.table import table_text

        print(table_text(result))
    for line in echo_epilogue(result):
        print(line)
    _set_underscore(shell, result)
    return None


# -- background jobs ---------------------------------------------------------------------------
def _wait_view(job: Any) -> Any:
    """Live progress while a ``--wait`` blocks (a region that ends empty; then one final display)."""
    from .widgets.job import show_job

    return show_job(job, wait=True)


def _job_outcome(shell: Any, session: api.Session, job: Any, result: Any, parsed: Parsed) -> Any:
    """A turn that became a job: ``-o VAR`` holds the Job; without ``--wait`` the job display is
    shown and the cell returns at once; with it the cell's value is the final answer."""
    import sys

    from . import jobs

    if parsed.out:
        shell.user_ns[parsed.out] = job
    interrupted = result.status == "interrupted"
    if interrupted:
        print(jobs.interrupted_note(job), file=sys.stderr)
    if jobs.wants_wait(session, parsed.turn) and not interrupted:
        return None if parsed.turn.quiet else result
    if not parsed.turn.quiet:
        from .widgets.job import show_job

        show_job(job, wait=False)
    _set_underscore(shell, job)
    return None
