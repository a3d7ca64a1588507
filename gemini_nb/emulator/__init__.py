"""A local emulator of the Gemini Interactions API (REST + SSE) for the unmodified SDK.

>>> from gemini_nb.emulator import start
>>> with start() as emu:                                   # doctest: +SKIP
...     client = genai.Client(api_key="x", http_options={"base_url": emu.base_url})

Imports nothing heavy until ``start()`` is called.
"""

from __future__ import annotations

from typing import Any

__all__ = ["start", "EmulatorHandle"]


def start(*args: Any, **kwargs: Any):
    """Start an in-process emulator (a thread); see :func:`gemini_nb.emulator.server.start`."""
    from .server import start as _start

    return _start(*args, **kwargs)


def __getattr__(name: str) -> Any:
    if name == "EmulatorHandle":
        from .server import EmulatorHandle

        return EmulatorHandle
    raise AttributeError(name)
