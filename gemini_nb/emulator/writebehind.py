"""A background writer that batches: the first change wakes it, it waits a short window for
more, then makes one call that writes them all.

With ``--db`` a commit per create cost the emulator a fifth of its throughput under load; one
commit per window costs a few per second. The window is also what a ``kill -9`` can lose, so the
store that uses this keeps it short and flushes synchronously where losing a write would matter
(see :class:`gemini_nb.emulator.store.SqliteStore`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("gemini_nb.emulator")


class WriteBehind:
    """Calls ``flush()`` on its own thread at most ``window_s`` after each :meth:`kick`.

    ``flush`` must be safe to call from any thread (the owner also calls it directly for
    synchronous writes) and should return quickly when there is nothing to write. An exception
    from it is logged once and the writer retries every window: the owner keeps unwritten
    changes pending.
    """

    def __init__(self, flush: Callable[[], object], window_s: float, name: str = "emulator-writer"):
        self._flush = flush
        self.window_s = window_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._failed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def kick(self) -> None:
        """Something changed: write it within the window."""
        if not self._wake.is_set():  # set() takes a lock and notifies: once per window is enough
            self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            if self._stop.wait(self.window_s):  # closing: the owner flushes what is left
                return
            self._wake.clear()  # a change after this point wakes the next round
            try:
                self._flush()
            except Exception:
                if not self._failed:
                    log.exception("the emulator's background writer failed; it keeps retrying")
                self._failed = True
                self._wake.set()  # the changes are still pending: try again next window
            else:
                self._failed = False

    def stop(self) -> None:
        """End the thread (without a last flush: the owner does that, on its own thread)."""
        self._stop.set()
        self._wake.set()
        self._thread.join()
