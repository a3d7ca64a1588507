"""One renderer for every surface (magics, Python API, widgets).

``result_bundle(result)`` is the mime bundle + metadata a notebook stores for a turn;
``footer(result)`` the one footer line; ``LiveDisplay``/``TerminalLive`` the streaming views.
Nothing here talks to the API, and nothing here imports :mod:`gemini_nb.result` (the
dependency goes one way: result -> render).
"""

from __future__ import annotations

from .bundle import media_bundle, plain_text, result_bundle, result_metadata
from .live import IPythonSink, LiveDisplay, TerminalLive
from .markdown import echo_epilogue, footer, render_markdown, render_plain, render_raw, usage_line
from .media import audio_tag, image_tag, pcm_to_wav

__all__ = [
    "IPythonSink",
    "LiveDisplay",
    "TerminalLive",
    "result_bundle",
    "result_metadata",
    "plain_text",
    "media_bundle",
    "render_markdown",
    "render_plain",
    "render_raw",
    "usage_line",
    "footer",
    "echo_epilogue",
    "pcm_to_wav",
    "audio_tag",
    "image_tag",
]
