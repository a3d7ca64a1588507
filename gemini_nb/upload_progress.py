"""A progress bar for long transfers: an ipywidgets bar in a kernel, a text line elsewhere.

Why apart from the Files API code: the upload only reports bytes read; how they are shown
depends on where we run, and the reader that counts them (:class:`CountingReader`) must look
like a binary file to the SDK (``io.IOBase``, seekable), which is easier to keep right alone.
ipywidgets is imported only when a kernel shows the bar.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from typing import Any


def _in_kernel() -> bool:
    """Inside a Jupyter kernel (widgets can show); terminal IPython and scripts get text."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


class Progress:
    """``update(done)`` / ``close()``; ``kind`` is ``widget``, ``text`` or ``none``."""

    def __init__(self, total: int, label: str, *, kind: str | None = None, stream: Any = None):
        self.total = max(int(total), 1)
        self.label = label
        self.done = 0
        self.stream = stream or sys.stderr
        if kind is None:
            kind = "widget" if _in_kernel() else "text"
        self.kind = kind
        self._bar = None
        if kind == "widget":
            try:
                import ipywidgets as widgets
                from IPython.display import display
            except ImportError:
                self.kind = "text"
            else:
                self._bar = widgets.IntProgress(
                    value=0, min=0, max=self.total, description="upload", bar_style="info"
                )
                self._text = widgets.Label(value=self._caption())
                display(widgets.HBox([self._bar, self._text]))
        self._last_pct = -1
        self.update(0)

    def _caption(self) -> str:
        return f"{self.label}: {_human(self.done)} / {_human(self.total)}"

    def update(self, done: int) -> None:
        self.done = min(int(done), self.total)
        if self.kind == "widget" and self._bar is not None:
            self._bar.value = self.done
            self._text.value = self._caption()
        elif self.kind == "text":
            pct = self.done * 100 // self.total
            if pct != self._last_pct:
                self._last_pct = pct
                print(f"\rUploading {self._caption()} ({pct}%)", end="", file=self.stream, flush=True)

    def close(self, ok: bool = True) -> None:
        if self.kind == "widget" and self._bar is not None:
            self._bar.bar_style = "success" if ok else "danger"
        elif self.kind == "text":
            print(" done" if ok else " failed", file=self.stream, flush=True)


class CountingReader(io.RawIOBase):
    """A seekable binary reader over bytes that reports the bytes handed out so far."""

    def __init__(self, data: bytes, on_read: Callable[[int], None]):
        self._buf = io.BytesIO(data)
        self._on_read = on_read
        self.mode = "rb"

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._buf.tell()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._buf.seek(offset, whence)

    def read(self, size: int = -1) -> bytes:
        chunk = self._buf.read(size)
        self._on_read(self._buf.tell())
        return chunk

    def readinto(self, buffer: Any) -> int:
        chunk = self.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)
