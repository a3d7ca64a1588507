"""pytest plugin (entry point ``pytest11``): plain ``pytest --nbval`` works on gemini_nb notebooks.

Why a plugin: a notebook with ``%%gemini`` cells, executed once and checked with nbval, differs
on every re-run in values that say nothing about the answer: interaction ids, latencies,
timestamps and the cell numbers of the chain view. nbval can normalise them
(``--nbval-sanitize-with FILE``) but a user would have to know the patterns and pass the flag.
Installing gemini_nb registers this module, which, for notebooks that use gemini_nb only
(others are left exactly as nbval treats them), and only under ``--nbval``/``--nbval-lax``:

* adds :data:`SANITIZE_PATTERNS` to nbval's own per-notebook ``sanitize_patterns`` (applied to
  both the stored and the fresh outputs, so the answers themselves are still compared; a
  ``--nbval-sanitize-with`` file still adds its patterns);
* applies ``update_display_data`` (and ``clear_output``) messages to the outputs nbval records,
  as every Jupyter frontend does, instead of nbval printing "unhandled iopub msg" and comparing
  the display as first shown;
* does not compare ``%gemini history`` and ``%gemini usage`` cells: the history log they show
  spans every session of the machine (``gemini_nb.usage(history=False)`` is compared);
* re-runs a notebook whose stored answers are all emulated on the embedded emulator even when
  an API key is set (the kernel starts without it: never silently on the paid live API),
  unless ``GEMINI_NB_BACKEND`` or ``GOOGLE_GEMINI_BASE_URL`` (e.g. a replay emulator) says otherwise.

Opt out with ``pytest -p no:gemini_nb``. Imports nothing heavy: pytest loads it on every run.
"""

from __future__ import annotations

import os
import re
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

SANITIZE_PATTERNS: OrderedDict[str, str] = OrderedDict(
    [
        # interaction ids (``v1_`` + 30 characters; shown in footers, the chain view, ``print(r.id)``)
        (r"\bv1_[A-Za-z0-9_-]{8,}", "v1_ID"),
        # ids of turns made with --no-store
        (r"\blocal-\d+\b", "local-N"),
        # execution counts in the chain view ("[5] v1_ID · model · prompt") and after a fork
        (r"\[\d+\] (?=v1_ID|local-N)", "[N] "),
        (r"\(cell \[\d+\]\)", "(cell [N])"),
        # the latency in the footer ("· 0.31 s ·", "· 0.31 s</sub>", or last on its line), and a
        # function call's run time in a tool trace ("· 0.01 s · ok</summary>", plain "· 0.01 s ok]")
        (r"(?m)(?<= · )\d+\.\d+ s(?= · |</sub>|$| [a-z_]+\])", "N.NN s"),
        # ... and in the header of each column of a comparison ("gemini-2.5-flash — 0.13 s · 11 in ...")
        (r"(?<=— )\d+\.\d+ s(?= · )", "N.NN s"),
        # the port of a local server (the embedded emulator, ``gemini-nb emulator --port 0``)
        (r"(?<=//)(127\.0\.0\.1|localhost|\[::1\]):\d+\b", r"\1:PORT"),
        # wall-clock timestamps (ISO 8601 with a time: file expiry, job start...)
        (r"\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?", "TIMESTAMP"),
    ]
)
"""regex -> replacement, applied in order (nbval's ``sanitize_patterns`` format)."""

KEY_VARS = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
"""The variables a kernel finds an API key in (hidden from it to keep an emulated notebook emulated)."""

_USES_GEMINI = re.compile(r"gemini_nb|^\s*%%?gemini\b", re.MULTILINE)
_HISTORY_LINE = re.compile(r"^%gemini\s+(history|usage)\b")
_OUTPUT_TYPES = ("display_data", "execute_result", "stream", "error")


def _is_nbval_file(node: Any) -> bool:
    return type(node).__module__ == "nbval.plugin" and type(node).__name__ == "IPyNbFile"


def uses_gemini_nb(nb: Any) -> bool:
    """Does any code cell load gemini_nb or use its magics?"""
    return any(
        cell.get("cell_type") == "code" and _USES_GEMINI.search(cell.get("source") or "")
        for cell in nb.get("cells", [])
    )


def is_history_cell(source: str) -> bool:
    """A cell that only shows ``%gemini history`` or ``%gemini usage``: its output (the history
    database's log, or its per-model totals) depends on every past session of the machine."""
    lines = [ln.strip() for ln in source.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    return bool(lines) and all(_HISTORY_LINE.match(ln) for ln in lines)


def recorded_emulated(nb: Any) -> bool:
    """True when the notebook stores gemini_nb answers and every one of them was emulated."""
    flags = []
    for cell in nb.get("cells", []):
        for output in cell.get("outputs") or []:
            meta = (output.get("metadata") or {}).get("gemini_nb")
            if isinstance(meta, dict) and "emulated" in meta:
                flags.append(bool(meta["emulated"]))
    return bool(flags) and all(flags)


def needs_emulator_env(nb: Any, environ: os._Environ[str] | dict[str, str]) -> bool:
    """Would this re-run reach the live API although the stored answers were emulated?"""
    if environ.get("GEMINI_NB_BACKEND", "").strip() or environ.get("GOOGLE_GEMINI_BASE_URL", "").strip():
        return False
    has_key = any(environ.get(name, "").strip() for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY"))
    return has_key and recorded_emulated(nb)


class DisplayTracker:
    """Wraps nbval's ``get_kernel_message`` so display updates reach the recorded outputs.

    nbval stores ``msg["content"]["data"]`` of a ``display_data`` message in its output node;
    a NotebookNode is stored as is, so the tracker swaps in one it keeps (by display id) and
    later updates it in place. ``clear_output`` empties the running cell's outputs.
    """

    def __init__(self, get_message: Any):
        self._get = get_message
        self._displays: dict[str, list[Any]] = {}
        self.cell: Any = None
        """The nbval cell item being run (set by :func:`pytest_runtest_call`)."""
        self._clear_pending = False

    def __call__(self, timeout: float | None = None, stream: str = "iopub") -> Any:
        while True:
            msg = self._get(timeout=timeout, stream=stream)
            if stream != "iopub" or not self._handle(msg):
                return msg

    def _handle(self, msg: Any) -> bool:
        """Track or apply ``msg``; True when it was consumed (nbval never sees it)."""
        from nbformat import NotebookNode

        kind, content = msg.get("msg_type"), msg.get("content") or {}
        display_id = (content.get("transient") or {}).get("display_id")
        if kind in _OUTPUT_TYPES and self._clear_pending:
            self._clear_outputs()
        if kind == "display_data" and display_id:
            content["data"] = NotebookNode(content.get("data") or {})
            content["metadata"] = NotebookNode(content.get("metadata") or {})
            self._displays.setdefault(display_id, []).append(content)
            return False
        if kind == "update_display_data":
            for shown in self._displays.get(display_id, []):
                shown["data"].clear()
                shown["data"].update(content.get("data") or {})
                shown["metadata"].clear()
                shown["metadata"].update(content.get("metadata") or {})
            return True
        if kind == "clear_output":
            if content.get("wait"):
                self._clear_pending = True
            else:
                self._clear_outputs()
            return True
        return False

    def _clear_outputs(self) -> None:
        self._clear_pending = False
        outputs = getattr(self.cell, "test_outputs", None)
        if outputs is not None:
            outputs.clear()


def prepare_notebook(file_node: Any, cells: Iterable[Any]) -> None:
    """Install gemini_nb's normalisation on one nbval notebook collector and its cells."""
    patterns = OrderedDict(SANITIZE_PATTERNS)
    patterns.update(file_node.sanitize_patterns)  # anything already there keeps its place after ours
    file_node.sanitize_patterns.clear()
    file_node.sanitize_patterns.update(patterns)
    tracker = DisplayTracker(file_node.get_kernel_message)
    file_node.get_kernel_message = tracker
    file_node._gemini_nb_tracker = tracker
    for cell in cells:
        if is_history_cell(getattr(getattr(cell, "cell", None), "source", "") or ""):
            cell.options["check"] = False
    if needs_emulator_env(file_node.nb, os.environ):
        setup = file_node.setup

        def setup_on_emulator() -> None:
            # the kernel starts without the keys, as under ``gemini-nb refresh-notebooks``: it picks
            # the embedded emulator by default, and ``%gemini backend`` says so in the same words
            hidden = {name: os.environ.pop(name) for name in KEY_VARS if name in os.environ}
            try:
                setup()
            finally:
                os.environ.update(hidden)

        file_node.setup = setup_on_emulator


_STALE: list[str] = []
"""Node ids of gemini_nb notebook cells whose outputs differed in this run."""

REFRESH_HINT = (
    "gemini_nb: the stored outputs of {path} differ from a fresh run. If the new outputs are "
    "right, store them: gemini-nb refresh-notebooks {path}"
)


def pytest_collection_modifyitems(session: Any, config: Any, items: list[Any]) -> None:
    config._gemini_nb_notebooks = {}
    _STALE.clear()
    groups: OrderedDict[int, tuple[Any, list[Any]]] = OrderedDict()
    for item in items:
        parent = getattr(item, "parent", None)
        if _is_nbval_file(parent):
            groups.setdefault(id(parent), (parent, []))[1].append(item)
    for parent, cells in groups.values():
        if uses_gemini_nb(parent.nb) and not hasattr(parent, "_gemini_nb_tracker"):
            prepare_notebook(parent, cells)
            for cell in cells:
                config._gemini_nb_notebooks[cell.nodeid] = str(parent.path)


def pytest_runtest_setup(item: Any) -> None:
    tracker = getattr(getattr(item, "parent", None), "_gemini_nb_tracker", None)
    if tracker is not None:
        tracker.cell = item
        tracker._clear_pending = False


def pytest_runtest_logreport(report: Any) -> None:
    """Remember gemini_nb notebooks whose outputs differ (not those whose cells raised)."""
    if report.when == "call" and report.failed and "Cell outputs differ" in (report.longreprtext or ""):
        _STALE.append(report.nodeid)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    """One line per stale notebook saying how to refresh it."""
    known = getattr(config, "_gemini_nb_notebooks", {})
    paths = list(OrderedDict.fromkeys(known[n] for n in _STALE if n in known))
    for path in paths:
        terminalreporter.write_line(REFRESH_HINT.format(path=path), yellow=True, bold=True)
