"""Runs: an interaction being generated, with progress that streams and polls can watch.

Every streamed or background interaction gets a :class:`Run` driven by its own task, paced
by the emulator settings. Clients are only *subscribers*: a stream that drops does not stop
the run, so the interaction still completes server-side and ``GET ?stream=true&last_event_id``
can resume it, exactly as with the real service.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from . import events as ev
from .store import Record, now_iso


@dataclass
class Run:
    record: Record
    steps: list[dict[str, Any]]
    status: str
    usage: dict[str, Any] | None
    error: dict[str, Any] | None
    events: list[ev.Event]
    persist: Callable[[Record], None] | None
    revealed: int = 0
    finished: bool = False
    stopped: bool = False
    task: asyncio.Task | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    waiters: list[asyncio.Future] = field(default_factory=list)
    """Subscribers waiting in :func:`wait_changed`, woken by :meth:`notify`."""

    @property
    def steps_done(self) -> int:
        return self.events[self.revealed - 1].steps_done if self.revealed else 0

    @property
    def current_status(self) -> str:
        if self.finished:
            return self.record.status
        if self.record.status == "queued":
            return "queued"
        return "in_progress"

    def notify(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()
        waiters, self.waiters = self.waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(True)

    def partial_steps(self) -> list[dict[str, Any]]:
        return self.steps[: self.steps_done]

    def index_after(self, last_event_id: str | None) -> int | None:
        """Position to resume from, or None when the id is not one of this run's events."""
        if not last_event_id:
            return 0
        for i, event in enumerate(self.events):
            if event.data.get("event_id") == last_event_id:
                return i + 1
        return None


def _delays(run: Run, latency_s: float, tokens_per_second: float | None, min_total_s: float) -> list[float]:
    """Seconds to wait before each event: first-byte latency, token pacing, minimum duration."""
    delays = [0.0] * len(run.events)
    if not delays:
        return delays
    if tokens_per_second:
        for i, event in enumerate(run.events):
            if event.tokens:
                delays[i] = event.tokens / tokens_per_second
    spent = sum(delays)
    if min_total_s > spent:
        extra = (min_total_s - spent) / len(delays)
        delays = [d + extra for d in delays]
    delays[0] += latency_s
    return delays


async def drive(
    run: Run,
    *,
    latency_s: float,
    tokens_per_second: float | None,
    min_total_s: float = 0.0,
    queue_s: float = 0.0,
) -> None:
    """Reveal the run's events over time, then persist the final interaction."""
    try:
        if queue_s > 0 and run.record.status == "queued":
            await asyncio.sleep(queue_s)
            if run.stopped:
                return
            run.record.status = "in_progress"
            if run.persist:
                run.persist(run.record)
        delays = _delays(run, latency_s, tokens_per_second, min_total_s)
        if not any(delays) and not (run.persist and run.record.background):
            if not run.stopped:  # nothing to wait for and no progress to store: all at once
                finish(run)
            return
        last_done = 0
        for i, delay in enumerate(delays):
            if delay > 0:
                await asyncio.sleep(delay)
            if run.stopped:
                return
            run.revealed = i + 1
            if i + 1 == len(delays) or delays[i + 1] > 0:  # wake subscribers once per burst
                run.notify()
            done = run.steps_done
            if run.persist and run.record.background and done != last_done and i + 1 < len(delays):
                last_done = done
                run.record.output_steps = run.partial_steps()
                run.record.updated = now_iso()
                run.persist(run.record)
        finish(run)
    except asyncio.CancelledError:
        run.stopped = True
        raise
    except Exception as exc:  # a bug or a broken store: fail the run, never strand its streams
        logging.getLogger("gemini_nb.emulator").exception("run %s failed", run.record.id)
        persist = run.persist
        abort(run, "internal", f"Internal emulator error: {type(exc).__name__}: {exc}")
        run.record.status, run.record.error = "failed", run.error
        if persist is not None:
            try:
                persist(run.record)
            except Exception:
                pass


def finish(run: Run) -> None:
    """Store the final state and wake every subscriber."""
    if run.finished:
        return
    rec = run.record
    rec.status, rec.output_steps, rec.usage, rec.error = run.status, run.steps, run.usage, run.error
    rec.updated = now_iso()
    run.revealed = len(run.events)
    run.finished = True
    if run.persist:
        run.persist(rec)
    run.notify()


def cancel(run: Run, dialect_events: Callable[..., list[ev.Event]]) -> None:
    """Stop a running interaction where it is: partial output, status ``cancelled``."""
    run.stopped = True
    if run.task is not None:
        run.task.cancel()
    done = run.steps_done
    steps = run.partial_steps()
    shown = run.events[: run.revealed]
    tail: list[ev.Event] = []
    if shown:
        last = shown[-1].data
        if last.get("event_type") in ("step.start", "step.delta", "content.start", "content.delta"):
            stop = "step.stop" if last["event_type"].startswith("step") else "content.stop"
            tail.append(ev.Event({"event_type": stop, "index": last.get("index", 0)}, steps_done=done))
    full = dialect_events(steps, "cancelled")
    tail.extend(
        e
        for e in full
        if e.data["event_type"]
        in ("interaction.status_update", "interaction.completed", "interaction.complete")
        and (e.data.get("status") == "cancelled" or "interaction" in e.data)
    )
    n = len(shown)
    for event in tail:
        n += 1
        event.data["event_id"] = f"evt_{n}"
    run.events = shown + tail
    run.steps, run.status = steps, "cancelled"
    run.usage = dict(run.usage or {}, total_output_tokens=0) if run.usage else run.usage
    finish(run)


def abort(run: Run, code: str, message: str) -> None:
    """End a run that is being deleted or reset: nothing more is stored, and every
    subscriber gets an ``error`` event and its stream closes (instead of waiting forever
    on a run that will never finish)."""
    run.stopped, run.persist = True, None
    if run.task is not None:
        run.task.cancel()
    if run.finished:
        return
    n = run.revealed
    error = {"code": code, "message": message}
    run.events = run.events[:n] + [
        ev.Event(
            {"event_type": "error", "error": error, "event_id": f"evt_{n + 1}"}, steps_done=run.steps_done
        )
    ]
    run.revealed = n + 1
    run.status, run.error = "failed", error
    run.finished = True
    run.notify()


async def subscribe(run: Run, start: int, keepalive_s: float) -> AsyncIterator[list[ev.Event] | None]:
    """Events from ``start`` on as they are revealed, in batches (everything revealed since the
    last batch: one hop per burst, not per event); ``None`` means 'send a keep-alive'."""
    i = start
    while True:
        while i < run.revealed:
            end = run.revealed
            batch = run.events[i:end]
            i = end
            yield batch
        if run.finished:
            return
        if not await wait_changed(run, keepalive_s):
            yield None


async def wait_changed(run: Run, timeout: float) -> bool:
    """Until the run's next :meth:`Run.notify` (True) or ``timeout`` seconds (False): what
    ``asyncio.wait_for(run.changed.wait(), timeout)`` does, without a task per wait."""
    loop = asyncio.get_running_loop()
    waiter = loop.create_future()
    run.waiters.append(waiter)
    timer = loop.call_later(timeout, _expire, waiter)
    try:
        return await waiter
    finally:
        timer.cancel()
        if waiter.cancelled() or not waiter.done() or waiter.result() is False:
            try:  # cancelled or timed out: not woken by notify, still listed
                run.waiters.remove(waiter)
            except ValueError:
                pass


def _expire(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_result(False)


def deadline(seconds: float | None) -> float | None:
    return time.monotonic() + seconds if seconds else None
