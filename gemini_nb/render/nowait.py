"""Display messages that do not wait on the kernel's IO thread for a stream flush they do not need.

Why: ipykernel's display publisher flushes ``sys.stdout`` and ``sys.stderr`` before *every*
``display_data`` and ``update_display_data`` message, and each flush is a round trip to the
kernel's IO thread (schedule the flush, then block on an event until that thread has run it),
even when nothing was printed. During a stream the main thread is busy parsing events, so the
two round trips cost about 0.3 ms on an idle machine and several ms on a loaded one, and a live
preview paid them on every update: a short streamed turn was measurably slower than the raw SDK
consuming the same stream (bench row 2a).

The flush only keeps text printed *before* a new output ahead of it. So:

* :func:`update` never flushes: an update replaces an output that has its place already;
* :func:`display` flushes only when ``sys.stdout``/``sys.stderr`` hold unflushed text (a stream
  without ipykernel's ``_flush_pending`` flag counts as holding some), so printed text still
  comes first.

Both skip the flush on the calling thread only (another thread's display still flushes) and
otherwise go through IPython's ``display``/``update_display`` unchanged: hooks, parent header,
and the IO thread's message order, which also orders the messages after any flush in progress.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_lock = threading.RLock()


def update(data: dict[str, Any], display_id: str, metadata: dict[str, Any] | None = None) -> None:
    """``IPython.display.update_display(data, raw=True, ...)`` without the flush."""
    from IPython.display import update_display

    with _no_flush():
        update_display(data, raw=True, metadata=metadata, display_id=display_id)


def display(data: dict[str, Any], display_id: str, metadata: dict[str, Any] | None = None) -> None:
    """``IPython.display.display(data, raw=True, ...)``, flushing only printed text."""
    from IPython.display import display as show

    if _unflushed():
        show(data, raw=True, metadata=metadata, display_id=display_id)
        return
    with _no_flush():
        show(data, raw=True, metadata=metadata, display_id=display_id)


def _unflushed() -> bool:
    """Whether stdout or stderr may hold text that is not on its way to the front end yet."""
    return any(
        getattr(stream, "_flush_pending", True) or getattr(stream, "_subprocess_flush_pending", False)
        for stream in (sys.stdout, sys.stderr)
    )


@contextmanager
def _no_flush() -> Iterator[None]:
    """Within: the kernel's display publisher skips its stream flush on this thread."""
    publisher = _publisher()
    with _lock:  # one shadow at a time
        if publisher is None or "_flush_streams" in vars(publisher):  # not ipykernel's, or shadowed
            yield
            return
        original = publisher._flush_streams
        caller = threading.get_ident()

        def flush_other_threads() -> None:
            if threading.get_ident() != caller:
                original()

        publisher._flush_streams = flush_other_threads  # an instance attribute shadows the method
        try:
            yield
        finally:
            del publisher._flush_streams


def _publisher() -> Any:
    """The kernel's display publisher if it flushes streams through ``_flush_streams`` (ipykernel)."""
    from IPython import get_ipython

    publisher = getattr(get_ipython(), "display_pub", None)
    flush = getattr(type(publisher), "_flush_streams", None)
    return publisher if publisher is not None and callable(flush) else None
