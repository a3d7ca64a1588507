"""The Python API: ``ask(prompt, **options)`` and ``Session`` (alias ``Chat``), which owns a chain.

The magics are a thin layer over one kernel-wide :class:`Session` (:func:`default_session`), so
everything a cell can do is also plain Python::

    chat = gemini_nb.Session()
    chat.ask("My name is Phil")
    chat.ask("What is my name?").text

Streaming shows a throttled live preview only inside a Jupyter kernel (:func:`live_for` is
the one place that chooses it, for the magics too); the returned
:class:`~gemini_nb.result.InteractionResult` renders itself. A failed turn raises a
:class:`~gemini_nb.errors.GeminiError` that IPython shows as one line; its partial answer stays
on screen, in ``err.partial`` and in :func:`last`.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import fields, replace
from typing import TYPE_CHECKING, Any

from . import ids
from .backend import Backend, resolve, take_notice
from .chain import Chain
from .config import Settings
from .errors import GeminiError
from .request import TurnOptions
from .result import InteractionResult

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .seams import LiveView

_OPTION_NAMES = {f.name for f in fields(TurnOptions)}
_ALIASES = {"from_": "from_ref", "max_output_tokens": "max_tokens", "system_instruction": "system"}
_local_ids = itertools.count(1)
SCOPED_FIELDS = ("system_instruction", "generation_config", "tools", "agent", "agent_config")
"""Request fields the API scopes to one interaction: a resumed chain must keep resending them."""


def in_terminal() -> bool:
    """True in terminal IPython (``ipython`` at a shell prompt): no in-place display updates."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return type(shell).__name__ == "TerminalInteractiveShell"


def in_kernel() -> bool:
    """True inside a Jupyter kernel (display updates work); False in terminal IPython/scripts."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def live_for(session: Session, opts: TurnOptions, *, echo: bool = False) -> LiveView | None:
    """The live view for a turn: the one place that chooses it (magics and ``Session.ask``).

    Streaming, not ``--quiet``: a :class:`~gemini_nb.render.LiveDisplay` inside a Jupyter kernel;
    with ``echo`` (a caller that prints the epilogue itself, like the magics) and not ``--raw``,
    a :class:`~gemini_nb.render.live.TerminalLive` in terminal IPython; otherwise none.
    """
    settings = session.settings
    stream = settings.stream if opts.stream is None else opts.stream
    if not stream or opts.quiet:
        return None
    if in_kernel():
        from .render import live

        return live.LiveDisplay(
            rate=settings.live_updates_per_second,
            emulated=session.backend().emulated,
            tail=settings.live_tail_chars,
        )
    if echo and not opts.raw and in_terminal():
        from .render import live

        show = settings.show_thoughts if opts.thoughts is None else opts.thoughts
        return live.TerminalLive(show_thoughts=show)
    return None


_last: InteractionResult | None = None


def last() -> InteractionResult | None:
    """The outcome of the latest turn in this process (``ask``, a Session, or a cell).

    A completed or interrupted result, or the partial answer of a failed turn (status
    ``error``, the one-line message in ``.error``); None when the latest turn failed before
    anything arrived, so an older answer is never mistaken for it.
    """
    return _last


class Session:
    """A conversation chain plus the backend, client, settings and history it uses.

    It is the engine's :class:`~gemini_nb.seams.TurnHost`.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        backend: str | None = None,
        keeps_chain: bool = True,
        **overrides: Any,
    ):
        self.settings = replace(settings or _kernel_settings() or Settings(), **overrides)
        self.chain = Chain()
        self.backend_choice = backend
        self.keeps_chain = keeps_chain
        """False for the one-off session behind :func:`ask` (its turns never continue)."""
        self.last: InteractionResult | None = None
        self.notices: list[str] = []
        self._backend: Backend | None = None
        self._client: Any = None
        self._client_key: tuple | None = None
        self._history: Any = None
        self._history_path: str | None = None
        self._history_warned: str | None = None
        self.tool_functions: dict[str, Any] = {}
        """Functions handed over as tools in this session (the tool loop runs only these)."""

    # -- backend and client -------------------------------------------------------------
    def set_backend(self, choice: str | None) -> Backend:
        """``live``, ``emulator``, a URL, or None to go back to automatic selection."""
        backend = resolve(choice)  # first: a bad choice must not replace a working backend
        self.backend_choice = choice
        self._backend = backend
        self._client = None
        if backend.kind == "emulator":
            notice = take_notice()
            if notice:
                self.notices.append(notice)
        return backend

    def backend(self) -> Backend:
        if self._backend is None:
            self._backend = resolve(self.backend_choice)
            if self._backend.kind == "emulator":
                notice = take_notice()
                if notice:
                    self.notices.append(notice)
        return self._backend

    def client(self) -> Any:
        backend = self.backend()
        key = (id(backend), self.settings.timeout, self.settings.retry_attempts)
        if self._client is None or self._client_key != key:
            self._client = backend.client(self.settings.timeout, self.settings.retry_attempts)
            self._client_key = key
        return self._client

    def pop_notices(self) -> list[str]:
        notices, self.notices = self.notices, []
        return notices

    def local_id(self) -> str:
        return f"local-{next(_local_ids)}"

    # -- history ------------------------------------------------------------------------
    def history(self):
        """The History log, or None when disabled by settings."""
        if not self.settings.history:
            return None
        path = self.settings.history_path or None
        if self._history is None or self._history_path != path:
            from .history import History

            self._history = History(path)
            self._history_path = path
        return self._history

    def log_start(self, prompt: str, opts: TurnOptions, request: dict, thread: str, backend: Backend) -> Any:
        try:
            history = self.history()
        except Exception as exc:  # an unusable history file must never break a turn
            where = self.settings.history_path
            if not where:
                try:
                    from .history import default_path

                    where = str(default_path())
                except Exception:
                    where = "the history database"
            if self._history_warned != where:
                self._history_warned = where
                import sys

                print(
                    f"gemini_nb: not logging this session's turns: cannot open {where} "
                    f"({type(exc).__name__}: {exc}); see %config GeminiMagics.history_path.",
                    file=sys.stderr,
                )
            return None
        if history is None:
            return None
        try:
            settings = {k: request[k] for k in SCOPED_FIELDS if request.get(k)}
            return history.start(
                prompt=prompt,
                options=opts.logged(),
                model=request.get("model") or request.get("agent"),
                thread=thread,
                backend=backend.kind,
                previous_interaction_id=request.get("previous_interaction_id"),
                execution_count=opts.execution_count,
                settings=settings,
            )
        except Exception:  # logging must never break a turn
            return None

    def log_progress(self, row: Any, text: str, interaction_id: str | None) -> None:
        """The engine calls this on its own timer, so the log writes every time (``every=0``)."""
        if row is None or self._history is None:
            return
        try:
            self._history.progress(row, text, interaction_id, every=0.0)
        except Exception:
            pass

    def log_finish(self, row: Any, result: Any, error: str | None) -> None:
        if row is None or self._history is None:
            return
        try:
            self._history.finish(row, result, error)
        except Exception:
            pass

    def remember(self, result: InteractionResult | None) -> None:
        """The latest turn's outcome: ``self.last`` and :func:`gemini_nb.last`."""
        global _last
        self.last = _last = result

    # -- turns --------------------------------------------------------------------------
    def options(self, **options: Any) -> TurnOptions:
        values: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for name, value in options.items():
            name = _ALIASES.get(name, name)
            if name not in _OPTION_NAMES:
                from .media_out import create_fields  # media: other create() fields pass through

                if name in create_fields():
                    extra[name] = value
                    continue
                raise TypeError(
                    f"unknown option {name!r}; known: {', '.join(sorted(_OPTION_NAMES))} "
                    "(and any interactions.create field, e.g. response_format)"
                )
            values[name] = value
        if extra:
            values["request"] = {**extra, **(values.get("request") or {})}
        if values.get("from_ref") is not None:
            values["from_ref"] = str(values["from_ref"])
        if values.get("tools") is not None and values.get("toolset") is None:  # tools
            from .toolspec import resolve

            toolset = resolve(values["tools"])
            values["tools"], values["toolset"] = toolset.tools, toolset
        return TurnOptions(**values)

    def ask(
        self,
        prompt: Any = "",
        *,
        live: LiveView | None = None,
        namespace: dict[str, Any] | None = None,
        **options: Any,
    ) -> Any:
        """Send ``prompt`` as the next turn of this session's chain; returns the result.

        ``prompt`` is text, or a list of parts (text and media values: a PIL image, a figure,
        bytes, a Path...); with ``namespace``, ``{{name}}`` placeholders are filled from it and a
        media value lands at its position. ``files=[...]`` attaches more media after the prompt.
        An agent (or ``background=True``) becomes a :class:`~gemini_nb.jobs.Job`, returned at
        once (its repr is the live job display); with ``wait=True`` (or the ``wait_for_jobs``
        setting) the call blocks and returns the result. Raises :class:`GeminiError` (one-line
        message, ``.partial`` = what had arrived, also :func:`gemini_nb.last`).
        """
        opts = self.options(**options)
        from .templating import prompt_items
        from .uploads import prepare_turn

        prompt, content = prompt_items(prompt, namespace, opts.rate)
        if content is not None:
            opts.content = content
        prompt = prepare_turn(self, prompt, opts, namespace)
        self.backend()
        for notice in self.pop_notices():
            print(notice)
        if live is None:
            live = live_for(self, opts)
        from . import jobs  # background jobs

        progress = None
        if not opts.quiet:
            from .widgets.job import show_job

            def progress(job):
                return show_job(job, wait=True)

        result, job = jobs.run(self, prompt, opts, live=live, progress=progress)
        if job is None:
            return result
        if result.status == "interrupted":
            import sys

            print(jobs.interrupted_note(job), file=sys.stderr)
            return job
        return result if jobs.wants_wait(self, opts) else job

    send = ask

    def reset(self, thread: str | None = None) -> None:
        self.chain.reset(thread)

    def fork(self, ref: Any) -> Any:
        """Move the current thread's head to an earlier turn; the next turn continues there."""
        turn = self.chain.resolve(ref)
        self.chain.set_head(turn.id)
        return turn

    def resume(self, interaction_id: str) -> Any:
        """Continue a chain from an earlier session, by interaction id."""
        turn = self.chain.adopt(ids.interaction_id(interaction_id))
        try:
            history = self.history()
            record = history.lookup(interaction_id) if history is not None else None
        except Exception:  # no usable log: the id alone still continues the chain server-side
            record = None
        if record and turn.external:
            turn.prompt = record.get("prompt") or ""
            turn.model = record.get("model")
            try:  # the chain's system instruction, generation config, tools: resent from here on
                saved = json.loads(record.get("settings") or "{}")
            except ValueError:
                saved = {}
            turn.settings = {k: v for k, v in saved.items() if k in SCOPED_FIELDS}
        self.chain.set_head(turn.id)
        return turn

    def show(self, interaction_id: str):
        """Re-render a stored interaction: from this kernel if known, else fetched from the server."""
        turn = self.chain.turns.get(ids.interaction_id(interaction_id))
        if turn is not None and turn.result is not None:
            return turn.result
        from .stream import result_from_interaction

        interaction = self._by_id("get", interaction_id)
        return result_from_interaction(
            interaction,
            emulated=self.backend().emulated,
            show_thoughts=self.settings.show_thoughts,
            max_chars=self.settings.max_chars,
        )

    def delete(self, interaction_id: str) -> None:
        """Delete on the server (when stored there) and forget it locally."""
        turn = self.chain.turns.get(ids.interaction_id(interaction_id))
        if turn is None or (turn.stored and not interaction_id.startswith("local-")):
            self._by_id("delete", interaction_id)
        if turn is not None:
            self.chain.delete(interaction_id)

    def _by_id(self, method: str, interaction_id: str):
        """``client.interactions.<method>(id)``, its failure turned into one described error."""
        from .errors import describe

        backend = self.backend()
        try:
            return getattr(self.client().interactions, method)(interaction_id)
        except Exception as exc:
            raise describe(
                exc,
                request={"interaction_id": interaction_id},
                base_url=backend.base_url,
                timeout=self.settings.timeout,
            ) from None

    def __repr__(self) -> str:
        head = self.chain.head()
        return f"<gemini_nb.Session turns={len(self.chain.turns)} head={head.id if head else None}>"


Chat = Session

_default: Session | None = None


def default_session() -> Session:
    """The kernel-wide session shared by the magics."""
    global _default
    if _default is None:
        _default = Session()
    return _default


def _kernel_settings() -> Settings | None:
    """The kernel's ``%config GeminiMagics`` settings when the extension is loaded, so a new
    ``Session()`` starts from what the cells use (None outside IPython or before ``%load_ext``).
    A script that never imported IPython does not import it here."""
    import sys

    if "IPython" not in sys.modules:
        return None
    from IPython import get_ipython

    shell = get_ipython()
    magics = shell.magics_manager.registry.get("GeminiMagics") if shell is not None else None
    return magics.to_settings() if magics is not None else None


def _sync_settings(session: Session) -> None:
    """Inside IPython, ``%config GeminiMagics.*`` / ``ipython_config.py`` govern the kernel-wide
    session even when no magic has run yet (the magics copy their traits on every turn)."""
    settings = _kernel_settings()
    if settings is not None:
        session.settings = settings


def ask(prompt: str = "", **options: Any):
    """One-off question: a fresh conversation every call (use a :class:`Session` for chains).

    Options are those of ``%%gemini``: ``model``, ``system``, ``thinking``, ``thoughts``,
    ``temperature``, ``max_tokens``, ``stream``, ``store``, ``tools``, ``generation_config``,
    ``agent``, ``agent_config``, ``background``, ``wait`` (an agent or ``background=True`` returns a
    :class:`~gemini_nb.jobs.Job` unless ``wait=True``). Media: ``files=[...]``, ``namespace=`` for
    ``{{var}}`` media placeholders (or pass the prompt as a list of parts), ``rate``,
    ``aspect_ratio``, ``image_size``, ``modalities``, ``voice``, ``speakers``, ``stop``, ``seed``,
    ``top_p``, ``config``; structured output: ``schema``, ``many``; any other
    ``interactions.create`` field (``response_format``...) passes through, also as ``request={...}``.
    ``tools`` takes Python functions (run by the tool loop), tool dicts and built-in tool words;
    ``auto``, ``approve``, ``max_tool_rounds``, ``tool_timeout`` steer the loop (``approve=True``
    asks y/n; ``approve="buttons"`` stops with the calls pending for ``gemini_nb.approve(result)``,
    a panel of Run/Decline buttons).
    It uses its own session, so it never moves the head of the magics' chain.
    """
    global _one_off
    _sync_settings(default_session())
    if _one_off is None:
        _one_off = Session(default_session().settings, keeps_chain=False)
    _one_off.settings = default_session().settings
    options.setdefault("new", True)
    return _one_off.ask(prompt, **options)


_one_off: Session | None = None


# -- background jobs: the Python surface (gemini_nb.jobs() is the jobs module itself, callable) --
def cancel(ref: Any, session: Session | None = None) -> str:
    """Cancel a background job by job number or interaction id (also one this kernel does not
    know, e.g. after a restart); returns the status the server reports (``cancelled``)."""
    from . import jobs

    session = session or default_session()
    _sync_settings(session)
    return jobs.cancel(ref, session)


def attach(interaction_id: str, session: Session | None = None):
    """Follow a running or finished interaction by id (e.g. after a kernel restart): a new
    :class:`~gemini_nb.jobs.Job` that joins the kernel's chain (or ``session``'s) when it ends."""
    from . import jobs

    session = session or default_session()
    _sync_settings(session)
    return jobs.attach(interaction_id, session, scoped=SCOPED_FIELDS)


__all__ = ["ask", "last", "live_for", "Session", "Chat", "default_session", "GeminiError", "cancel", "attach"]
