"""gemini_nb: Jupyter toolkit for the Gemini Interactions API.

``%load_ext gemini_nb`` registers ``%%gemini``/``%gemini``. Importing the package is cheap on
purpose (loading the extension must add well under 0.1 s to IPython's start): the SDK, pandas,
matplotlib and ipywidgets are imported only when first needed, through the module-level
``__getattr__`` below.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "ask": ("gemini_nb.api", "ask"),
    "last": ("gemini_nb.api", "last"),
    "Session": ("gemini_nb.api", "Session"),
    "Chat": ("gemini_nb.api", "Chat"),
    "default_session": ("gemini_nb.api", "default_session"),
    "InteractionResult": ("gemini_nb.result", "InteractionResult"),
    "GeminiError": ("gemini_nb.errors", "GeminiError"),
    "GeminiMagics": ("gemini_nb.magics", "GeminiMagics"),
    # map over a DataFrame (gemini_nb.mapping); not in __all__: `import *` must not shadow builtins.map
    "map": ("gemini_nb.mapping", "map_rows"),
    # -- Files API (gemini_nb.file_api) --
    "upload": ("gemini_nb.file_api", "upload"),
    "files": ("gemini_nb.file_api", "files"),
    "delete_file": ("gemini_nb.file_api", "delete_file"),
    # background jobs
    "Job": ("gemini_nb.jobs", "Job"),
    "jobs": ("gemini_nb.jobs", None),  # the module itself, which is callable: gemini_nb.jobs()
    "cancel": ("gemini_nb.api", "cancel"),
    "attach": ("gemini_nb.api", "attach"),
    # widgets: chat panel, compare, usage
    "chat": ("gemini_nb.widgets.chat", "chat"),
    "compare": ("gemini_nb.comparison", "compare"),
    "usage": ("gemini_nb.usage_report", "usage"),
    # emulator scenarios from a notebook
    "load_scenarios": ("gemini_nb.scenario_files", "load_scenarios"),
    # tools: see what a Python function is declared as
    "declare": ("gemini_nb.tools", "declare"),
    # --approve with buttons: the panel for a turn run with approve="buttons"
    "approve": ("gemini_nb.widgets.approval", "approval_panel"),
}

__all__ = [
    "__version__",
    "load_ipython_extension",
    "unload_ipython_extension",
    *(name for name in _LAZY if name != "map"),
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        imported = importlib.import_module(module)
        value = imported if attr is None else getattr(imported, attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gemini_nb' has no attribute {name!r}")


def load_ipython_extension(ipython: Any) -> None:
    """Register the magics (``%load_ext gemini_nb``); nothing contacts a server yet."""
    from .magics import GeminiMagics
    from .question_mark import protect_question_mark

    magics = GeminiMagics(shell=ipython)
    ipython.register_magics(magics)
    ipython.events.register("pre_run_cell", magics._pre_run_cell)
    cleanup = getattr(ipython, "input_transformers_cleanup", None)
    if cleanup is not None and protect_question_mark not in cleanup:
        cleanup.append(protect_question_mark)


def unload_ipython_extension(ipython: Any) -> None:
    """Remove the magics and their ``%config`` entry."""
    from .magics import GeminiMagics
    from .question_mark import protect_question_mark

    cleanup = getattr(ipython, "input_transformers_cleanup", None)
    if cleanup is not None and protect_question_mark in cleanup:
        cleanup.remove(protect_question_mark)
    manager = ipython.magics_manager
    magics = manager.registry.get("GeminiMagics")
    if magics is not None:
        try:
            ipython.events.unregister("pre_run_cell", magics._pre_run_cell)
        except ValueError:
            pass
    for kind in ("line", "cell"):
        manager.magics[kind].pop("gemini", None)
    manager.registry.pop("GeminiMagics", None)
    ipython.configurables[:] = [c for c in ipython.configurables if not isinstance(c, GeminiMagics)]
