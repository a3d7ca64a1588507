"""The job display: status, elapsed time, progress (thought summaries), Cancel, the report in place.

Why a ticker and not a render per event: a job's events arrive from its own thread at any rate
(a report streams thousands of deltas), while the display must stay within a message budget
and must also move when *nothing* arrives (the elapsed time of a run that thinks for minutes).
So the job only flags a change (O(1) per event) and a daemon ticker renders at most ``rate``
frames a second, sending a frame only when it differs from the last one (at least once a second
while the clock runs). Every display or comm message goes through :meth:`JobDisplay._send`,
which counts them (``messages``); the final burst at the end is at most four messages.

Front ends, chosen by :func:`show_job`:

* a Jupyter kernel with ipywidgets: a widget (status/progress ``HTML``, a Cancel ``Button``, an
  ``Output`` that receives the final report rendered by :func:`~gemini_nb.render.result_bundle`,
  the cells' renderer) *and*, in the same display, a ``text/html`` fallback for front ends
  without widget support (nbclient, nbconvert, GitHub). The fallback is updated only when the
  status changes and at the end, so a saved notebook ends with the report;
* a kernel without ipywidgets: the HTML fallback alone, updated at the throttled rate;
* ``--wait``: a transient progress region that starts and ends empty (the cell's value is then
  the one final display, so nbval and saved notebooks agree), no widget (the kernel is busy and
  could not receive a click anyway; Ctrl-C stops waiting);
* terminal IPython: progress headings as text lines, then the report as text.
"""

from __future__ import annotations

import html
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

MAX_RATE = 25.0
"""Frames a second at most, whatever the caller asks (the display-message budget)."""
DEFAULT_RATE = 10.0
EMPTY = {"text/plain": ""}
HEADINGS = 8
"""Progress headings shown (the latest ones)."""
DETAIL_CHARS = 400
"""Characters of the latest thought shown under the headings."""
ICONS = {
    "queued": "⏳",
    "in_progress": "⏳",
    "completed": "✅",
    "cancelled": "⏹",
    "failed": "❌",
    "error": "❌",
    "incomplete": "⚠",
    "requires_action": "⏸",
    "budget_exceeded": "⚠",
}


def front_end() -> str | None:
    """``kernel`` (a Jupyter kernel: displays update in place), ``terminal`` (terminal IPython) or
    None (a script). The same tests as ``api.in_kernel``/``api.in_terminal``, not imported from
    there: ``api`` imports the jobs, so the widgets stay out of its import graph."""
    import sys

    if "IPython" not in sys.modules:  # no shell can exist: a script stays free of IPython
        return None
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return None
    if getattr(shell, "kernel", None) is not None:
        return "kernel"
    return "terminal" if type(shell).__name__ == "TerminalInteractiveShell" else None


def widgets_available() -> bool:
    """True where ipywidgets can open comms (a widget front end may listen); call it in a kernel."""
    try:
        import ipywidgets  # noqa: F401
        from IPython import get_ipython
    except ImportError:
        return False
    kernel = getattr(get_ipython(), "kernel", None)
    return getattr(kernel, "comm_manager", None) is not None or _comm_module()


def _comm_module() -> bool:
    try:
        import comm

        return comm.get_comm_manager() is not None
    except Exception:
        return False


def elapsed_text(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _headings(progress: str) -> tuple[list[str], str]:
    """(the latest thought headings, the latest thought's text tail), from a bounded tail."""
    tail = progress[-(HEADINGS * 400 + DETAIL_CHARS) :]
    paragraphs = [p.strip() for p in tail.split("\n\n") if p.strip()]
    heads = [p.split("\n", 1)[0].strip("* ") for p in paragraphs if p.startswith("**")]
    detail = paragraphs[-1] if paragraphs and not paragraphs[-1].startswith("**") else ""
    if paragraphs and paragraphs[-1].startswith("**") and "\n" in paragraphs[-1]:
        detail = paragraphs[-1].split("\n", 1)[1].strip()
    return heads[-HEADINGS:], detail[-DETAIL_CHARS:]


def note_text(job: Any) -> str:
    """The line under a finished job: where it went in the chain, or why it has no result."""
    if job.error is not None:
        return str(job.error)
    if job.view.get("keeps_chain") is False:  # gemini_nb.ask(): a one-off, no chain to talk about
        return ""
    if job.joined == "fork":
        return (
            f"The chain had moved on while this ran: %gemini fork {job.id} continues from it "
            f"(gemini_nb.default_session().fork({job.id!r}))."
        )
    if job.joined == "kept":
        return (
            f"Kept in the chain without moving its head (status {job.status}): %gemini fork {job.id} "
            "continues from it."
        )
    if job.joined == "head":
        return "The next cell continues from this answer."
    return ""


def frame_html(job: Any, extra: str = "") -> str:
    """The job's status and progress as HTML (what the widget and the fallback show)."""
    status = job.status
    badge = ' · <span class="gemini-badge">emulated</span>' if job.view.get("emulated") else ""
    number = f" · job {job.number}" if job.number is not None else ""
    parts = [
        f'<div class="gemini-job-status"><b>{ICONS.get(status, "•")} {html.escape(str(job.name))}</b>'
        f' · <span class="gemini-job-state">{html.escape(status)}</span> · '
        f'<span class="gemini-job-elapsed">{elapsed_text(job.elapsed)}</span>{number} · '
        f"<code>{html.escape(job.id)}</code>{badge}</div>"
    ]
    if not job.done:
        heads, detail = _headings(job.progress)
        if heads:
            items = "".join(f"<li>{html.escape(h)}</li>" for h in heads)
            parts.append(f'<ul class="gemini-job-progress">{items}</ul>')
        if detail:
            parts.append(f'<div class="gemini-job-detail" style="opacity:.75">{html.escape(detail)}</div>')
    note = note_text(job) if job.done else ""
    for line in (note, extra):
        if line:
            parts.append(f'<div class="gemini-job-note"><i>{html.escape(line)}</i></div>')
    return "\n".join(parts)


def frame_text(job: Any) -> str:
    head = job.headline()
    return f"[job {job.number}] {job.name} · {job.status} · {elapsed_text(job.elapsed)} · {job.id}" + (
        f" · {head}" if head and not job.done else ""
    )


def final_bundle(job: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A finished job as a notebook stores it: the cells' result bundle, plus the chain note."""
    from ..render import result_bundle

    if job.result is None:
        text = frame_text(job) + (f"\n{job.error}" if job.error else "")
        return {"text/plain": text, "text/html": frame_html(job)}, {}
    data, metadata = result_bundle(job.result)
    data = dict(data)
    note = note_text(job) if job.joined in ("fork", "kept") else ""
    if note:
        for key in ("text/markdown", "text/plain"):
            if key in data:
                data[key] = data[key] + ("\n\n> " if key == "text/markdown" else "\n\n") + note
    return data, metadata


def job_bundle(job: Any) -> Any:
    """``Job._repr_mimebundle_``: the report once ended; while running, the live widget in a kernel
    with widgets (it updates itself), else the current status."""
    if job.done:
        return final_bundle(job)
    if front_end() == "kernel" and widgets_available():
        live = getattr(job, "_live_repr", None)
        if live is None:
            live = job._live_repr = JobDisplay(job, widgets=True, own_display=False)
            live.start()
        return live.bundle()
    return {"text/plain": frame_text(job), "text/html": frame_html(job)}


class IPythonSink:
    """Display messages through IPython (any Jupyter front end), without waiting on ipykernel's
    stream flush for each update (:mod:`gemini_nb.render.nowait`): a running job updates about
    11 times a second."""

    def display(self, data: dict[str, Any], metadata: dict[str, Any], display_id: str) -> None:
        from ..render import nowait

        nowait.display(data, display_id, metadata)

    def update(self, data: dict[str, Any], metadata: dict[str, Any], display_id: str) -> None:
        from ..render import nowait

        nowait.update(data, display_id, metadata)


class _Ticking:
    """A daemon ticker that calls :meth:`pump` every interval, and at once when woken."""

    def __init__(self, job: Any, rate: float, clock: Callable[[], float]):
        self.job = job
        rate = min(float(rate or DEFAULT_RATE), MAX_RATE)
        self.interval = 1.0 / rate
        self.clock = clock
        self.messages = 0
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._finished = False

    def start_ticker(self) -> None:
        self._thread = threading.Thread(target=self._tick, name="gemini-job-display", daemon=True)
        self._thread.start()

    def _tick(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.pump()
            except Exception:  # a display error must not kill the ticker silently mid-job
                pass
            if self._finished:
                break

    # job listener
    def changed(self) -> None:
        pass  # the ticker reads the job; nothing to do per event

    def ended(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2)

    def pump(self) -> int:  # pragma: no cover - overridden
        raise NotImplementedError


class JobDisplay(_Ticking):
    """A job in a notebook: the widget (+ HTML fallback), the HTML fallback alone, or (``transient``)
    a progress region that starts and ends empty. ``sink`` takes display messages (default:
    IPython's); ``messages`` counts display and comm messages sent after the first display."""

    def __init__(
        self,
        job: Any,
        *,
        sink: Any = None,
        widgets: bool = False,
        transient: bool = False,
        own_display: bool = True,
        rate: float = DEFAULT_RATE,
        clock: Callable[[], float] = time.monotonic,
    ):
        super().__init__(job, rate, clock)
        self.sink = sink or IPythonSink()
        self.widgets = widgets and not transient
        self.transient = transient
        self.own_display = own_display
        self.display_id = uuid.uuid4().hex
        self.extra = ""
        self._last = float("-inf")
        self._html: str | None = None
        self._status: str | None = None
        self._closed = False
        self.box: Any = None
        if self.widgets:
            self._build()

    # -- widgets -----------------------------------------------------------------------------
    def _build(self) -> None:
        import ipywidgets as w

        self.html = w.HTML(value=frame_html(self.job))
        self.button = w.Button(
            description="Cancel",
            button_style="warning",
            icon="stop",
            tooltip="Ask the server to stop this run (interactions.cancel)",
        )
        self.button.add_class("gemini-job-cancel")
        self.button.on_click(self._cancel_clicked)
        self.out = w.Output()
        self.box = w.VBox([self.html, self.button, self.out])
        self.box.add_class("gemini-job")

    def _cancel_clicked(self, _button: Any = None) -> None:
        from ..errors import GeminiError

        try:
            self.job.cancel()
        except GeminiError as exc:
            self.extra = str(exc)
        else:
            self.extra = "Cancelling…"
            self._set(self.button, "disabled", True)
        self._wake.set()

    def _set(self, widget: Any, name: str, value: Any) -> None:
        """One comm message (a trait change), counted."""
        if getattr(widget, name) != value:
            setattr(widget, name, value)
            self.messages += 1

    def _send(self, data: dict[str, Any], metadata: dict[str, Any] | None = None) -> None:
        """One display message (an update of this display), counted."""
        if not self.own_display:
            return
        self.sink.update(data, metadata or {}, self.display_id)
        self.messages += 1

    # -- bundles -----------------------------------------------------------------------------
    def bundle(self, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """Widget view (when there is one) + HTML fallback + plain text."""
        out = (
            dict(data)
            if data is not None
            else {"text/plain": frame_text(self.job), "text/html": frame_html(self.job, self.extra)}
        )
        if self.box is not None:
            view = self.box._repr_mimebundle_()
            view = view[0] if isinstance(view, tuple) else view
            for key, value in (view or {}).items():
                if key != "text/plain":
                    out[key] = value
        return out

    # -- lifecycle ---------------------------------------------------------------------------
    def show(self) -> JobDisplay:
        """Display (main thread), then follow the job from the ticker; a job that has ended
        already is shown with its report at once."""
        if self.job.done and not self.transient:
            with self._lock:
                data, metadata = self._final()
                self.sink.display(self.bundle(data), metadata, self.display_id)
            return self
        first = dict(EMPTY) if self.transient else self.bundle()
        self.sink.display(first, {}, self.display_id)
        return self.start()

    def start(self) -> JobDisplay:
        self.job.subscribe(self)
        self.start_ticker()
        return self

    def pump(self) -> int:
        """Send a frame if the interval has passed and it changed; the final frames once the job
        ended. Returns the messages sent."""
        with self._lock:
            if self._finished or self._closed:
                return 0
            before = self.messages
            if self.job.done and not self.transient:
                self._finish()
                return self.messages - before
            now = self.clock()
            if now - self._last < self.interval:
                return 0
            frame = frame_html(self.job, self.extra)
            if frame == self._html:
                return 0
            self._last, self._html = now, frame
            status = self.job.status
            if self.widgets:
                self._set(self.html, "value", frame)
            if self.transient:
                self._send({"text/html": frame, "text/plain": frame_text(self.job)})
            elif not self.widgets or status != self._status:
                self._send(self.bundle({"text/html": frame, "text/plain": frame_text(self.job)}))
            self._status = status
            return self.messages - before

    def _finish(self) -> None:
        data, metadata = self._final()
        self._send(self.bundle(data), metadata)

    def _final(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Put the ended job in the widget (status, disabled Cancel, the report in the Output);
        returns the final bundle for the display."""
        self._finished = True
        data, metadata = final_bundle(self.job)
        if self.widgets:
            self._set(self.html, "value", frame_html(self.job, ""))
            self._set(self.button, "disabled", True)
            if self.job.result is not None:
                from ..render import result_bundle

                rdata, rmeta = result_bundle(self.job.result)
                self.out.outputs = ({"output_type": "display_data", "data": rdata, "metadata": rmeta},)
                self.messages += 1
        return data, metadata

    def close(self) -> None:
        """Stop following; a transient region is emptied (the caller shows the final display)."""
        self.stop()
        with self._lock:
            if self.transient and not self._closed:
                self._send(dict(EMPTY))
            self._closed = True


class TextJobDisplay(_Ticking):
    """Terminal IPython: a line per new progress heading, then the status and (``final``) the report."""

    def __init__(
        self,
        job: Any,
        *,
        out: Any = None,
        final: bool = True,
        rate: float = DEFAULT_RATE,
        clock: Callable[[], float] = time.monotonic,
    ):
        import sys

        super().__init__(job, rate, clock)
        self.out = out or sys.stdout
        self.final = final
        self._seen: list[str] = []
        self._last = float("-inf")

    def show(self) -> TextJobDisplay:
        self._write(
            f"[job {self.job.number}] {self.job.name} started: {self.job.id} (stop it: "
            f"%gemini cancel {self.job.number})"
        )
        self.job.subscribe(self)
        self.start_ticker()
        return self

    def _write(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()
        self.messages += 1

    def pump(self) -> int:
        with self._lock:
            if self._finished:
                return 0
            before = self.messages
            now = self.clock()
            if self.job.done or now - self._last >= self.interval:
                self._last = now
                heads, _ = _headings(self.job.progress) if not self.job.done else ([], "")
                for head in heads:
                    if head not in self._seen:
                        self._seen.append(head)
                        self._write(f"[job {self.job.number}] {head}")
            if self.job.done:
                self._finished = True
                self._write(frame_text(self.job))
                if self.final:
                    data, _ = final_bundle(self.job)
                    self._write(data.get("text/plain", ""))
                elif self.job.error is not None:
                    self._write(str(self.job.error))
            return self.messages - before

    def close(self) -> None:
        self.stop()
        self.pump()


def show_job(job: Any, *, wait: bool) -> Any:
    """Show ``job`` on the current front end; returns the view (``close()`` ends a ``--wait``
    progress region) or None where there is nothing to show on (a plain script)."""
    where = front_end()
    if where == "kernel":
        return JobDisplay(job, widgets=not wait and widgets_available(), transient=wait).show()
    if where == "terminal":
        return TextJobDisplay(job, final=not wait).show()
    return None


__all__ = [
    "JobDisplay",
    "TextJobDisplay",
    "show_job",
    "front_end",
    "job_bundle",
    "final_bundle",
    "frame_html",
    "frame_text",
    "widgets_available",
    "MAX_RATE",
]
