"""Background jobs: an agent (always) or a ``--background`` model run that the cell does not wait for.

Why its own module: a Deep Research run takes minutes, and the kernel must stay free meanwhile.
The turn engine creates the run (``background: true``) and hands it to a *waiter*
(:class:`JobWaiter`); the waiter wraps it in a :class:`Job` that follows the run from a daemon
thread and returns at once (or, with ``--wait``, blocks until it ends). No IPython and no
display code here: a display *subscribes* to a job (``changed``/``ended`` callbacks, O(1) per
event) and throttles itself (:mod:`gemini_nb.widgets.job`).

How a job follows its run: the resumable stream ``GET /interactions/{id}?stream=true``,
resumed with ``last_event_id`` after a dropped connection
(:func:`~gemini_nb.calls.follow_stream`); if the stream fails for good, polling. At the end
one ``GET`` fetches the whole interaction, normalized like every other turn.

Where a finished job goes (the chain rule): it is recorded in its session's chain under the
chain's lock. It becomes the **head** of its thread only if that head is still where it was
when the job started (had the cell waited, the job would have moved it); if the user moved the
head meanwhile (another cell, ``fork``, ``reset``), the job is recorded as a **fork** and its
display says ``%gemini fork ID`` continues from it. A failed job is not recorded (like a failed
turn); a cancelled one is recorded without moving the head. With ``--wait`` the turn engine
records the job itself, exactly like a foreground turn; a Ctrl-C during ``--wait`` leaves the
run going on the server and the job then records itself when it ends.
"""

from __future__ import annotations

import sys
import threading
import time
import types
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import ids
from .calls import TERMINAL, follow_stream, poll_background
from .chain import Turn
from .errors import GeminiError, describe
from .request import user_step
from .stream import StreamAssembler, StreamError, result_from_interaction
from .turn import HEAD_MOVING, failure_message, run_turn

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .result import InteractionResult
    from .seams import TurnHost
    from .turn import TurnRunner, TurnState

WAIT_STEP = 0.25
"""Seconds between checks while a ``--wait`` blocks (a Ctrl-C lands within one step)."""


def _pause(job: Job, seconds: float) -> bool:
    """One step of a blocking wait (a seam: tests interrupt here as Ctrl-C would)."""
    return job._done.wait(seconds)


class Job:
    """One background run being followed. Read ``status``, ``elapsed``, ``progress`` (thought
    summaries so far), ``result`` (an :class:`~gemini_nb.result.InteractionResult` once it ended);
    ``wait(timeout)`` blocks, ``cancel()`` asks the server to stop it."""

    def __init__(
        self,
        client: Any,
        interaction_id: str,
        *,
        name: str | None,
        kind: str,
        prompt: str,
        view: dict[str, Any],
        host: TurnHost | None = None,
        turn: dict[str, Any] | None = None,
        row: Any = None,
        base_url: str | None = None,
        status: str = "in_progress",
        clock: Callable[[], float] = time.monotonic,
    ):
        self.client = client
        self.id = ids.interaction_id(interaction_id)
        self.name = name
        self.kind = kind
        """``agent`` or ``model``."""
        self.prompt = prompt
        self.view = dict(view)
        self.host = host
        self.turn = turn
        """Where the finished job goes in ``host.chain`` (parent, thread, settings, head_before...)."""
        self.row = row
        self.base_url = base_url
        self.number: int | None = None
        self.started = time.time()
        self.clock = clock
        self.joined: str | None = None
        """Once recorded in the chain: ``head``, ``fork`` (the head had moved on) or ``kept`` (a
        cancelled run: recorded, the head not moved); see the module docstring."""
        self.error: GeminiError | None = None
        """Set when the job could not be followed to its end (the run may still go on)."""
        self.result: InteractionResult | None = None
        self.final: Any = None
        """The terminal SDK ``Interaction``."""
        self.assembler = StreamAssembler()
        self.resumes = 0
        self.polled = False
        self._status = status
        self._t0 = clock()
        self._t1: float | None = None
        self._snapshot_thoughts = ""
        self._done = threading.Event()
        self._lock = threading.RLock()
        self._listeners: list[Any] = []
        self._released = False
        self._settled = False
        self._thread: threading.Thread | None = None

    # -- reading -----------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def status(self) -> str:
        """The run's status (``queued``, ``in_progress``, then a terminal one); ``error`` when the
        job lost track of it (see ``error``)."""
        if self.result is not None:
            return self.result.status
        if self.error is not None:
            return "error"
        return self.assembler.status or self._status

    @property
    def elapsed(self) -> float:
        """Seconds since the job started (frozen once it ended)."""
        return (self._t1 if self._t1 is not None else self.clock()) - self._t0

    @property
    def progress(self) -> str:
        """The thought summaries so far (the agent's progress reports)."""
        if self.result is not None:
            return "\n\n".join(self.result.thoughts)
        return self.assembler.thought_text or self._snapshot_thoughts

    @property
    def text(self) -> str:
        """The answer text once the job ended ('' before)."""
        return self.result.text if self.result is not None else ""

    def headline(self) -> str:
        """The latest progress heading (the first line of the last thought summary)."""
        tail = self.progress[-2000:]
        para = tail.rsplit("\n\n**", 1)
        last = ("**" + para[1]) if len(para) == 2 else tail
        return last.strip().split("\n", 1)[0].strip("* ") if last.strip() else ""

    # -- following ---------------------------------------------------------------------------
    def start(self) -> Job:
        self._thread = threading.Thread(target=self._follow, name=f"gemini-job-{self.id[:16]}", daemon=True)
        self._thread.start()
        return self

    def subscribe(self, listener: Any) -> None:
        """``listener.changed()`` after every event (keep it O(1)), ``listener.ended()`` once at
        the end (at once if the job has ended already). Both run on the job's thread."""
        with self._lock:
            self._listeners.append(listener)
            ended = self.done
        if ended:
            listener.ended()

    def _notify(self, what: str) -> None:
        for listener in list(self._listeners):
            try:
                getattr(listener, what)()
            except Exception:  # a broken display must never stop the job
                pass

    def _on_event(self) -> None:
        self._notify("changed")

    def _on_snapshot(self, snapshot: Any) -> None:
        self._status = getattr(snapshot, "status", None) or self._status
        try:
            partial = result_from_interaction(snapshot)
            self._snapshot_thoughts = "\n\n".join(partial.thoughts)
        except Exception:
            pass
        self._notify("changed")

    def _follow(self) -> None:
        client = self.client
        try:
            self.resumes = follow_stream(client, self.id, self.assembler, self._on_event)
            if not self.assembler.completed:
                raise StreamError("stream_cut", "the stream ended before the run did")
        except Exception:
            self.polled = True  # the stream is gone for good: poll instead
        try:
            final = client.interactions.get(self.id)
            if getattr(final, "status", "completed") not in TERMINAL:
                self.polled = True
                final = poll_background(client, final, deadline=None, on_snapshot=self._on_snapshot)
        except Exception as exc:
            self._end(None, describe(exc, request={"interaction_id": self.id}, base_url=self.base_url))
            return
        self._end(final, None)

    def _end(self, final: Any, error: GeminiError | None) -> None:
        result = None
        if final is not None:
            result = result_from_interaction(final, **self.view)
            result.model = result.model or self.name
            if result.status == "failed":
                result.error = failure_message(result, keeps_chain=bool(self.view.get("keeps_chain", True)))
        with self._lock:
            self._t1 = self.clock()
            if result is not None:
                result.latency = self._t1 - self._t0
            self.final, self.result, self.error = final, result, error
            if self._released:
                self._settle()
            self._done.set()
        self._notify("ended")

    # -- the chain and the log ---------------------------------------------------------------
    def release(self) -> None:
        """The turn that created this job has returned: from now on the job records itself in
        the chain and the log when it ends (at once if it already has)."""
        with self._lock:
            self._released = True
            if self.done:
                self._settle()

    def _settled_by_turn(self) -> None:
        """A ``--wait`` turn returned with the job's result: the engine records it."""
        with self._lock:
            self._settled = True

    def _settle(self) -> None:
        if self._settled:
            return
        self._settled = True
        host, info, result = self.host, self.turn, self.result
        if host is None or info is None:
            return
        try:
            if result is None or result.status == "failed":
                with host.chain.lock:  # the running turn recorded at the start is no answer
                    stale = host.chain.turns.get(self.id)
                    if stale is not None and stale.id not in host.chain.heads.values():
                        host.chain.delete(self.id)
            else:
                turn = Turn(
                    id=self.id,
                    parent=info.get("parent"),
                    prompt=self.prompt,
                    model=result.model,
                    thread=info["thread"],
                    execution_count=info.get("execution_count"),
                    input_steps=[] if info.get("external") else [user_step(self.prompt)],
                    output_steps=result.steps,
                    settings=dict(info.get("settings") or {}),
                    text=result.text[:200],
                    result=result,
                    external=bool(info.get("external")),
                )
                moved = host.chain.record_late(
                    turn, info.get("head_before"), move_head=result.status in HEAD_MOVING
                )
                moving = result.status in HEAD_MOVING
                self.joined = "head" if moved else ("fork" if moving else "kept")
        finally:
            error = str(self.error) if self.error is not None else (result.error if result else None)
            host.log_finish(self.row, result, error)

    # -- actions -----------------------------------------------------------------------------
    def wait(self, timeout: float | None = None) -> InteractionResult:
        """Block until the job ends; returns its result. Raises ``TimeoutError`` (the job goes
        on) or :class:`GeminiError` (the run failed, or could not be followed)."""
        if not self._done.wait(timeout):
            raise TimeoutError(
                f"job {self.label} is still {self.status} after {timeout:g} s; it goes on "
                "(wait again, or cancel it)"
            )
        if self.error is not None:
            raise self.error
        assert self.result is not None
        if self.result.status == "failed":
            raise GeminiError(
                self.result.error or "The interaction failed.", kind="failed", partial=self.result
            )
        return self.result

    def cancel(self) -> str:
        """Ask the server to stop the run; returns the status it reports (``cancelled``)."""
        if self.done:
            raise GeminiError(f"job {self.label} already ended ({self.status}); nothing to cancel")
        try:
            answer = self.client.interactions.cancel(self.id)
        except Exception as exc:
            raise describe(exc, request={"interaction_id": self.id}, base_url=self.base_url) from None
        return getattr(answer, "status", None) or "cancelled"

    # -- display -----------------------------------------------------------------------------
    @property
    def label(self) -> str:
        return f"{self.number} ({self.id})" if self.number is not None else self.id

    def row_dict(self) -> dict[str, Any]:
        return {
            "job": self.number,
            "id": self.id,
            "model": self.name,
            "status": self.status,
            "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started)),
            "elapsed": round(self.elapsed, 1),
            "prompt": self.prompt,
        }

    def show(self) -> Any:
        """Display this job's live view in a notebook (the cell returns at once)."""
        from .widgets.job import show_job

        return show_job(self, wait=False)

    def _repr_mimebundle_(self, include=None, exclude=None):
        from .widgets.job import job_bundle

        return job_bundle(self)

    def _repr_html_(self) -> str:
        bundle = self._repr_mimebundle_()
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        return data.get("text/html") or f"<pre>{data.get('text/plain', '')}</pre>"

    def __repr__(self) -> str:
        return f"<gemini_nb.Job {self.label} {self.name} {self.status} {self.elapsed:.0f}s>"


class JobRegistry:
    """This kernel's jobs, numbered from 1 in the order they started."""

    def __init__(self) -> None:
        self._jobs: list[Job] = []
        self._lock = threading.Lock()

    def add(self, job: Job) -> Job:
        with self._lock:
            self._jobs.append(job)
            job.number = len(self._jobs)
        return job

    def __iter__(self):
        return iter(list(self._jobs))

    def __len__(self) -> int:
        return len(self._jobs)

    def find(self, ref: Any) -> Job | None:
        """The job for a job number (``3``) or an interaction id; None if this kernel has none.
        A malformed reference is :class:`~gemini_nb.ids.InvalidIdError` (nothing is sent)."""
        text = str(ref).strip()
        if text.isdecimal():
            number = int(text)
            if 1 <= number <= len(self._jobs):
                return self._jobs[number - 1]
            return None
        rid = ids.interaction_id(text)
        return next((job for job in reversed(self._jobs) if job.id == rid), None)

    def rows(self) -> list[dict[str, Any]]:
        return [job.row_dict() for job in self]

    def dataframe(self):
        import pandas as pd

        columns = ["job", "id", "model", "status", "started", "elapsed", "prompt"]
        return pd.DataFrame(self.rows(), columns=columns).set_index("job")


_registry = JobRegistry()


def registry() -> JobRegistry:
    """The kernel-wide job registry (``%gemini jobs``, ``gemini_nb.jobs()``)."""
    return _registry


class JobWaiter:
    """The turn engine's waiter for background runs: wraps the run in a :class:`Job`.

    ``wait=False`` returns the created (running) interaction at once; ``wait=True`` blocks until
    the job ends, with ``progress(job)`` (a view with ``close()``) shown meanwhile, and returns
    the terminal interaction for the engine to finish like any turn. ``job`` is the job made.
    """

    def __init__(
        self, *, wait: bool, progress: Callable[[Job], Any] | None = None, jobs: JobRegistry | None = None
    ):
        self.wait = wait
        self.progress = progress
        self.jobs = jobs or registry()
        self.job: Job | None = None

    def __call__(self, runner: TurnRunner, state: TurnState, interaction: Any) -> Any:
        host = runner.host
        request = state.request
        head = host.chain.head(state.thread)
        job = Job(
            state.client,
            interaction.id,
            name=request.get("agent") or request.get("model"),
            kind="agent" if request.get("agent") else "model",
            prompt=state.prompt,
            view=state.view,
            host=host,
            row=state.row,
            base_url=state.backend.base_url,
            status=getattr(interaction, "status", None) or "in_progress",
            turn={
                "parent": state.parent.id if state.parent else None,
                "thread": state.thread,
                "settings": state.settings,
                "execution_count": state.opts.execution_count,
                "head_before": head.id if head else None,
            },
        )
        self.job = job
        self.jobs.add(job)
        job.start()
        if not self.wait:
            return interaction
        view = self.progress(job) if self.progress is not None else None
        try:
            while not _pause(job, WAIT_STEP):
                pass
        finally:
            if view is not None:
                view.close()
        if job.error is not None:
            raise job.error
        job._settled_by_turn()
        return job.final


def wants_wait(host: Any, opts: Any) -> bool:
    return bool(host.settings.wait_for_jobs if opts.wait is None else opts.wait)


def run(
    host: TurnHost, prompt: str, opts: Any, live: Any = None, progress: Callable[[Job], Any] | None = None
) -> tuple[InteractionResult, Job | None]:
    """Run one turn that may become a job: ``(result, job)``; ``job`` is None for a foreground
    turn. The job is released (records itself when it ends) once the turn has returned."""
    waiter = JobWaiter(wait=wants_wait(host, opts), progress=progress)
    try:
        result = run_turn(host, prompt, opts, live=live, waiter=waiter)  # the one entry point of turns
    finally:
        if waiter.job is not None:
            waiter.job.release()
    return result, waiter.job


def interrupted_note(job: Job) -> str:
    """What a Ctrl-C during ``--wait`` tells the user (the run goes on server-side)."""
    return (
        f"Stopped waiting; job {job.label} keeps running on the server and joins the chain when it "
        f"ends. Follow it: %gemini attach {job.id} (gemini_nb.attach); stop it: %gemini cancel "
        f"{job.number or job.id} (gemini_nb.cancel)."
    )


# -- the Python surface ------------------------------------------------------------------------
def jobs():
    """This kernel's jobs as a DataFrame (job number, id, model/agent, status, started, elapsed, prompt)."""
    return registry().dataframe()


def cancel(ref: Any, session: Any) -> str:
    """Cancel a job by number or interaction id (an id this kernel does not know is cancelled on the
    server directly, e.g. after a restart); returns the status the server reports."""
    job = registry().find(ref)
    if job is not None:
        return job.cancel()
    if str(ref).strip().isdecimal():
        raise GeminiError(f"no job {str(ref).strip()} in this kernel (%gemini jobs lists them)")
    rid = ids.interaction_id(str(ref).strip())
    backend = session.backend()
    try:
        answer = session.client().interactions.cancel(rid)
    except Exception as exc:
        raise describe(
            exc, request={"interaction_id": rid}, base_url=backend.base_url, timeout=session.settings.timeout
        ) from None
    return getattr(answer, "status", None) or "cancelled"


def attach(interaction_id: str, session: Any, scoped: tuple[str, ...] = ()) -> Job:
    """Follow a running (or finished) interaction by id, e.g. after a kernel restart: a new
    :class:`Job` that joins ``session``'s chain when it ends (``scoped``: the request fields
    its history record restores, as ``Session.resume`` does)."""
    rid = ids.interaction_id(str(interaction_id).strip())
    backend = session.backend()
    client = session.client()
    try:
        current = client.interactions.get(rid)
    except Exception as exc:
        raise describe(
            exc, request={"interaction_id": rid}, base_url=backend.base_url, timeout=session.settings.timeout
        ) from None
    name = getattr(current, "agent", None) or getattr(current, "model", None)
    prompt, settings = _known(session, rid, current, scoped)
    chain = session.chain
    head = chain.head()
    view = dict(
        emulated=backend.emulated,
        prompt=prompt,
        thread=chain.thread,
        show_thoughts=session.settings.show_thoughts,
        max_chars=session.settings.max_chars,
        keeps_chain=session.keeps_chain,
    )
    job = Job(
        client,
        rid,
        name=name,
        kind="agent" if getattr(current, "agent", None) else "model",
        prompt=prompt,
        view=view,
        host=session,
        base_url=backend.base_url,
        status=getattr(current, "status", None) or "in_progress",
        turn={
            "parent": None,
            "thread": chain.thread,
            "settings": settings,
            "external": True,
            "head_before": head.id if head else None,
        },
    )
    registry().add(job)
    job.release()
    return job.start()


def _known(session: Any, rid: str, current: Any, scoped: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    """(prompt, chain settings) of an attached run: from the history log, else from the run."""
    import json

    try:
        history = session.history()
        record = history.lookup(rid) if history is not None else None
    except Exception:
        record = None
    if record:
        try:
            saved = json.loads(record.get("settings") or "{}")
        except ValueError:
            saved = {}
        return record.get("prompt") or "", {k: v for k, v in saved.items() if k in scoped}
    agent = getattr(current, "agent", None)
    return "", ({"agent": agent} if agent else {})


__all__ = [
    "Job",
    "JobRegistry",
    "JobWaiter",
    "registry",
    "run",
    "jobs",
    "cancel",
    "attach",
    "interrupted_note",
    "wants_wait",
]


class _CallableModule(types.ModuleType):
    """``gemini_nb.jobs()`` is the DataFrame of this kernel's jobs while ``gemini_nb.jobs`` is also
    this module: a package attribute cannot be both a function and a submodule (importing the
    submodule rebinds the name), so the module itself answers the call."""

    def __call__(self):
        return jobs()


sys.modules[__name__].__class__ = _CallableModule
