"""Progress of a long batch (``map``): rows done, errors, rate and ETA, as a widget or a text line.

Why its own module: the map engine only produces :class:`MapProgress` snapshots; *how* they are
shown depends on where it runs (an ipywidgets bar in a Jupyter kernel, a ``\\r`` line on a
terminal, a line every few seconds in a log), and a caller may pass its own callback instead.
ipywidgets is imported only when a bar is shown.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class MapProgress:
    """One snapshot of a running map."""

    done: int
    total: int | None
    errors: int
    retries: int
    elapsed: float
    finished: bool = False

    @property
    def rate(self) -> float:
        """Rows finished per second so far."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left at the current rate (None when unknown)."""
        if self.total is None or self.rate <= 0:
            return None
        return max(self.total - self.done, 0) / self.rate

    def line(self) -> str:
        total = f"/{self.total}" if self.total is not None else ""
        bits = [
            f"{self.done}{total} rows",
            f"{self.errors} error{'s' if self.errors != 1 else ''}",
            f"{self.rate:.1f} rows/s",
        ]
        if self.retries:
            bits.append(f"{self.retries} retries")
        if self.finished:
            bits.append(f"{self.elapsed:.1f} s")
        elif self.eta is not None:
            bits.append(f"ETA {self.eta:.0f} s")
        return "map: " + " · ".join(bits)


Reporter = Callable[[MapProgress], None]


class TextProgress:
    """A ``\\r``-updated line on a terminal; elsewhere a line every ``every`` seconds and at the end."""

    def __init__(self, stream: Any = None, every: float = 10.0):
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.every = every
        self._at = time.monotonic()

    def __call__(self, progress: MapProgress) -> None:
        if self.tty:
            self.stream.write("\r" + progress.line() + ("\n" if progress.finished else ""))
            self.stream.flush()
            return
        now = time.monotonic()
        if progress.finished or now - self._at >= self.every:
            self._at = now
            print(progress.line(), file=self.stream, flush=True)


class WidgetProgress:
    """An ipywidgets bar with the same line beside it (shown on the first update)."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._label: Any = None

    def __call__(self, progress: MapProgress) -> None:
        if self._bar is None:
            import ipywidgets as widgets
            from IPython.display import display

            self._bar = widgets.IntProgress(min=0, max=max(progress.total or 1, 1), description="map")
            self._label = widgets.Label()
            display(widgets.HBox([self._bar, self._label]))
        self._bar.value = progress.done if progress.total else int(progress.finished)
        self._label.value = progress.line().removeprefix("map: ")
        if progress.finished:
            self._bar.bar_style = "danger" if progress.errors else "success"


def reporter_for(spec: Any) -> Reporter | None:
    """``True``: a widget in a kernel, else text on stderr; ``False``/None: nothing; a callable: itself."""
    if callable(spec):
        return spec
    if not spec:
        return None
    from .api import in_kernel

    if in_kernel():
        import importlib.util

        if importlib.util.find_spec("ipywidgets") is None:  # no bar to draw: a text line instead
            return TextProgress()
        return WidgetProgress()
    return TextProgress()


__all__ = ["MapProgress", "TextProgress", "WidgetProgress", "reporter_for", "Reporter"]
