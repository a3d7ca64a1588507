"""``gemini_nb.chat()`` / ``%gemini chat``: a chat panel on the kernel's own conversation.

Why a panel on the *kernel's* chain (not a chat of its own, as server-side chat extensions
do): a question asked here is the next turn of the same chain the ``%%gemini`` cells use, so
the next cell can ask about it, and the panel shows the turns the cells made (it catches up
with the chain before each question). ``chat(thread="side")`` keeps it on a named thread.

Layout: the transcript (each answer rendered by the cells' renderer, ``result_bundle``: markdown,
thoughts, tool traces, images, audio), the live stream (:class:`~.front.StreamView`, fed by
:class:`~.live.WidgetLive`: deltas, <= 25 messages/s), the input (:class:`~.front.ChatInput`:
Enter sends, Shift+Enter is a new line), Send / Stop, a model picker, the thinking level, the
built-in tools and a file upload.

A question runs in a worker thread (:mod:`.chat_turn`), so the kernel stays free for cells;
Stop closes the stream and keeps the partial answer (the chain head does not move). Where no
widget front end exists, :func:`chat` says so in one line and returns None.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from typing import Any

from .. import api
from ..errors import GeminiError
from ..options import THINKING_LEVELS
from ..render.bundle import result_bundle
from .chat_turn import PanelHost, PanelRunner, Stopper, media_part
from .live import WidgetLive

BUILTIN_TOOLS = ("google_search", "code_execution", "url_context")
MODELS = (
    "gemini-3-flash-preview",
    "gemini-3-pro-preview",
    "gemini-2.5-flash",
    "gemini-2.5-pro",
    "gemini-2.5-flash-lite",
)
UPLOAD_ACCEPT = "image/*,audio/*,video/*,application/pdf,text/*,.csv,.json,.md"
NO_FRONT_END = (
    "gemini_nb.chat() needs a Jupyter front end with widgets (JupyterLab, Notebook 7, VS Code, "
    "Colab); here, use %%gemini cells or gemini_nb.Session().ask()."
)


class ChatPanel:
    """The panel's widgets and its Python side (``send``, ``stop``, ``wait``; tests drive these)."""

    def __init__(
        self,
        session: Any = None,
        *,
        thread: str | None = None,
        model: str | None = None,
        thinking: str | None = None,
        tools: Any = (),
        clock: Callable[[], float] = time.monotonic,
    ):
        import ipywidgets as w

        from .front import ChatInput, StreamView

        self.session = session or api.default_session()
        self.thread = thread
        self.clock = clock
        self.results: list[Any] = []
        self.errors: list[str] = []
        self.stopper = Stopper()
        self.live: WidgetLive | None = None
        self._worker: threading.Thread | None = None
        self._shown: set[str] = set()
        self._lines: list[tuple[str, str]] = []
        unknown = [t for t in tools if t not in BUILTIN_TOOLS]
        if unknown:
            raise ValueError(f"unknown tool {unknown[0]!r}; the panel's tools are {', '.join(BUILTIN_TOOLS)}")
        if thinking is not None and thinking not in THINKING_LEVELS:
            raise ValueError(f"thinking must be one of {', '.join(THINKING_LEVELS)} (got {thinking!r})")
        default_model = model or self.session.settings.model
        self.model = w.Combobox(
            value=default_model,
            options=list(dict.fromkeys((default_model, *MODELS))),
            description="model",
            ensure_option=False,
            layout=w.Layout(width="300px"),
        )
        self.thinking = w.Dropdown(
            options=[("default", "")] + [(lvl, lvl) for lvl in THINKING_LEVELS],
            value=thinking or "",
            description="thinking",
            layout=w.Layout(width="200px"),
        )
        self.tools = {
            name: w.ToggleButton(
                description=name,
                value=name in tools,
                tooltip=f"built-in tool {name}",
                layout=w.Layout(width="auto"),
            )
            for name in BUILTIN_TOOLS
        }
        self.upload = w.FileUpload(accept=UPLOAD_ACCEPT, multiple=True, description="Attach")
        self.transcript = w.VBox()  # grows with the conversation (the notebook scrolls it)
        self.stream = StreamView()
        self.input = ChatInput(on_submit=self.send)
        self.send_button = w.Button(description="Send", button_style="primary", icon="paper-plane")
        self.stop_button = w.Button(description="Stop", disabled=True, icon="stop")
        self.status = w.HTML(value="")
        self.send_button.on_click(lambda _b: self.send(self.input.value))
        self.stop_button.on_click(lambda _b: self.stop())
        where = f"thread {thread!r}" if thread else "the kernel's chain (shared with %%gemini cells)"
        title = w.HTML(f"<b>Gemini chat</b> <small>on {html.escape(where)}</small>")
        self.widget = w.VBox(
            [
                title,
                w.HBox([self.model, self.thinking]),
                w.HBox([*self.tools.values(), self.upload]),
                self.transcript,
                self.stream,
                self.input,
                w.HBox([self.send_button, self.stop_button, self.status]),
            ],
            layout=w.Layout(border="1px solid #ccc", padding="6px"),
        )
        self.widget.add_class("gnb-chat")
        self.sync()

    # -- state -------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._worker is not None and self._worker.is_alive()

    @property
    def last(self) -> Any:
        return self.results[-1] if self.results else None

    def options(self) -> dict[str, Any]:
        """The turn options the controls stand for (as ``Session.ask`` takes them)."""
        tools = [{"type": name} for name, button in self.tools.items() if button.value]
        opts: dict[str, Any] = {
            "model": (self.model.value or "").strip() or None,
            "stream": True,
            "thread": self.thread,
            "thinking": self.thinking.value or None,
        }
        if tools:
            opts["tools"] = tools
        return opts

    # -- the conversation --------------------------------------------------------------------
    def sync(self) -> int:
        """Show the chain's turns (cells' too) that the panel has not shown yet; returns how many."""
        chain = self.session.chain
        head = chain.head(self.thread)
        added = 0
        for turn in chain.path(head.id) if head else []:
            if turn.id in self._shown:
                continue
            self._shown.add(turn.id)
            if turn.result is None:
                continue
            self._question(turn.prompt)
            self._answer(turn.result)
            added += 1
        return added

    def send(self, text: str, *, wait: bool = False) -> threading.Thread | None:
        """Ask ``text`` as the next turn (in a worker thread); None when nothing was sent (the
        reason is in the status line)."""
        prompt = (text or "").strip()
        if self.busy:
            return self._say("a question is still being answered: wait, or press Stop")
        if not prompt:
            return self._say("type a question first")
        try:
            parts = self._attachments()
        except ValueError as exc:
            return self._say(str(exc))
        api._sync_settings(self.session)  # %config GeminiMagics.* applies here as in cells
        try:
            opts = self.session.options(**self.options())
        except TypeError as exc:
            return self._say(str(exc))
        self.sync()
        self.input.value = ""
        self.upload.value = ()
        names = [p.pop("_name") for p in parts]
        self._question(prompt, names)
        self.stopper.reset()
        self._busy(True)
        worker = self._worker = threading.Thread(
            target=self._run, args=(prompt, opts, parts), name="gemini-chat", daemon=True
        )
        worker.start()
        if wait:
            worker.join()
        return worker

    def stop(self) -> None:
        """Close the running stream; its partial answer is kept (status ``interrupted``)."""
        if self.busy:
            self.stopper.stop()
            self._say("stopping…")

    def wait(self, timeout: float | None = None) -> Any:
        """Block until the running question ends; returns the last result."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)
        return self.last

    def _run(self, prompt: str, opts: Any, parts: list[dict[str, Any]]) -> None:
        settings = self.session.settings
        live = self.live = WidgetLive(self.stream, rate=settings.live_updates_per_second, clock=self.clock)
        runner = PanelRunner(PanelHost(self.session, self.stopper), live, parts)
        try:
            result = runner.run(prompt, opts)
        except GeminiError as exc:
            self._failed(str(exc), exc.partial)
        except Exception as exc:  # an option the chain refuses (ChainError, OptionError): one line
            self._failed(f"{type(exc).__name__}: {exc}", None)
        else:
            self.results.append(result)
            if result.id:
                self._shown.add(result.id)
            self._answer(result)
            self._say(
                "stopped: partial answer kept; the chain did not move"
                if result.status == "interrupted"
                else ""
            )
        finally:
            self._busy(False)

    def _failed(self, message: str, partial: Any) -> None:
        self.errors.append(message)
        if partial is not None:
            self.results.append(partial)
            self._answer(partial)
        else:
            self._append_html(f'<div style="color:#b00">{html.escape(message)}</div>', ("error", message))
        self._say(message)

    # -- widgets -----------------------------------------------------------------------------
    def _attachments(self) -> list[dict[str, Any]]:
        parts = []
        for item in self.upload.value or ():
            name = item.get("name") or "upload"
            part = media_part(name, bytes(item.get("content") or b""), item.get("type") or None)
            part["_name"] = name
            parts.append(part)
        return parts

    def _question(self, prompt: str, attachments: list[str] = ()) -> None:
        extra = f" <small>📎 {html.escape(', '.join(attachments))}</small>" if attachments else ""
        body = html.escape(prompt).replace("\n", "<br>")
        self._append_html(
            f'<div class="gnb-chat-you" style="background:#eef3fd;padding:4px 8px;'
            f'border-radius:6px;margin:4px 0"><b>You:</b> {body}{extra}</div>',
            ("you", prompt),
        )

    def _answer(self, result: Any) -> None:
        import ipywidgets as w

        data, metadata = result_bundle(result)
        out = w.Output()
        out.outputs = ({"output_type": "display_data", "data": data, "metadata": metadata},)
        out.add_class("gnb-chat-answer")
        self.transcript.children = (*self.transcript.children, out)
        self._lines.append(("gemini", data.get("text/plain", "")))

    def _append_html(self, markup: str, line: tuple[str, str]) -> None:
        import ipywidgets as w

        self.transcript.children = (*self.transcript.children, w.HTML(markup))
        self._lines.append(line)

    def _busy(self, busy: bool) -> None:
        self.send_button.disabled = busy
        self.input.disabled = busy
        self.stop_button.disabled = not busy

    def _say(self, message: str) -> None:
        self.status.value = f"<small>{html.escape(message)}</small>" if message else ""
        return None

    # -- display -----------------------------------------------------------------------------
    def transcript_text(self) -> str:
        """The conversation as plain text (the fallback of front ends without widgets)."""
        return "\n\n".join(
            f"{'You' if who == 'you' else 'Gemini' if who == 'gemini' else 'Error'}: {text}"
            for who, text in self._lines
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        data = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        if isinstance(data, tuple):
            data = data[0]
        data = dict(data)
        data["text/plain"] = self.transcript_text() or "Gemini chat panel (needs a widget front end)"
        return data

    def __repr__(self) -> str:
        return f"<gemini_nb ChatPanel thread={self.thread or 'current'} turns={len(self._lines)}>"


def chat(
    thread: str | None = None,
    *,
    model: str | None = None,
    thinking: str | None = None,
    tools: Any = (),
    session: Any = None,
) -> ChatPanel | None:
    """A chat panel on the kernel's chain (``thread``: a named thread instead); None, with one
    line printed, where widgets cannot be shown."""
    if not api.in_kernel():
        print(NO_FRONT_END)
        return None
    try:
        import anywidget  # noqa: F401
        import ipywidgets  # noqa: F401
    except ImportError as exc:
        print(f"gemini_nb.chat() needs {exc.name} (pip install gemini_nb installs it); {NO_FRONT_END}")
        return None
    session = session or api.default_session()
    api._sync_settings(session)
    try:
        session.backend()  # a bad backend is one line now, not at the first question
    except GeminiError as exc:
        print(str(exc))
        return None
    for notice in session.pop_notices():  # e.g. "no API key found: answers come from the emulator"
        print(notice)
    return ChatPanel(session, thread=thread, model=model, thinking=thinking, tools=tools)
