"""``gemini-nb demo`` and ``gemini-nb lab``: the two commands a newcomer runs first.

``demo`` executes the quickstart notebook headlessly (nbclient) on the embedded emulator, so it
needs no key and no network, then writes the executed notebook and a rendered HTML copy and
prints where. ``lab`` opens JupyterLab on the tutorial notebooks. ``refresh-notebooks``
re-executes notebooks the same way and stores the fresh outputs in place: what nbval compares
against after an intended change (the embedded emulator's ids are seeded, so only what really
changed shows up in the diff).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

QUICKSTART = "01_quickstart.ipynb"
_KEY_VARS = ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL")


def notebooks_dir() -> Path:
    """The tutorial notebooks: the source checkout's ``notebooks/`` or the installed copy."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "notebooks", here / "notebooks"):
        if (candidate / QUICKSTART).exists():
            return candidate
    raise FileNotFoundError(f"cannot find {QUICKSTART} next to the gemini_nb package")


def execute_notebook(source: Path, timeout: int = 300, history: Path | None = None):
    """Run ``source`` in a fresh kernel forced onto the embedded emulator; returns the notebook.

    ``history`` points the kernel's interaction log elsewhere (the demo keeps its own).
    """
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:  # timing metadata would make every refresh a diff
        cell.metadata.pop("execution", None)
    # the kernel inherits this environment: no key, no backend choice, so it picks the embedded
    # emulator by default (no network), exactly as a keyless `pytest --nbval` re-run does later
    saved = {name: os.environ.pop(name, None) for name in (*_KEY_VARS, "GEMINI_NB_BACKEND")}
    saved["GEMINI_NB_HISTORY"] = os.environ.get("GEMINI_NB_HISTORY")
    if history is not None:
        os.environ["GEMINI_NB_HISTORY"] = str(history)
    try:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            record_timing=False,
            resources={"metadata": {"path": str(source.parent)}},
        )
        client.execute()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return nb


def demo_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="gemini-nb demo",
        description=(
            "Run the quickstart notebook on the embedded emulator (no key, no network) and write an "
            "executed copy plus a rendered HTML page."
        ),
    )
    parser.add_argument(
        "--out", default="gemini-nb-demo", help="output directory (default: ./gemini-nb-demo)"
    )
    parser.add_argument("--notebook", help="run this notebook instead of the quickstart")
    parser.add_argument(
        "--in-place",
        action="store_true",
        help="also store the fresh outputs back into the source notebook (maintainers: "
        "refreshes what nbval checks after the emulator's answers change)",
    )
    args = parser.parse_args(argv)
    try:
        source = Path(args.notebook) if args.notebook else notebooks_dir() / QUICKSTART
    except FileNotFoundError as exc:
        print(f"gemini-nb demo: {exc}", file=sys.stderr)
        return 1
    out_dir = Path(args.out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f"Running {source.name} on the embedded emulator...", flush=True)
    try:
        nb = execute_notebook(source, history=out_dir / "history.sqlite3")
    except Exception as exc:  # nbclient's CellExecutionError is long; keep its first line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"gemini-nb demo: the notebook failed: {first}", file=sys.stderr)
        return 1
    import nbformat
    from nbconvert import HTMLExporter

    executed = out_dir / source.name
    nbformat.write(nb, executed)
    if args.in_place:
        nbformat.write(nb, source)
        print(f"Updated outputs in: {source}")
    body, _ = HTMLExporter().from_notebook_node(nb)
    html_path = out_dir / (source.stem + ".html")
    html_path.write_text(body, encoding="utf-8")
    print(f"Executed notebook: {executed}")
    print(f"Rendered HTML:     {html_path}")
    return 0


def failure_line(exc: BaseException) -> str:
    """One line for a failed run: the failing cell's first line and its error (nbclient's
    ``CellExecutionError`` starts with a fixed sentence that names neither)."""
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    lines = [ln for ln in str(exc).splitlines() if ln.strip()]
    if not ename:
        return lines[0] if lines else type(exc).__name__
    source = lines[2].strip() if len(lines) > 2 and set(lines[1]) == {"-"} else ""
    where = f"cell {source!r} raised " if source and set(source) != {"-"} else ""
    return f"{where}{ename}: {evalue}".strip()


def refresh_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="gemini-nb refresh-notebooks",
        description=(
            "Re-execute notebooks on the embedded emulator (no key, no network) and store their fresh "
            "outputs in place, so `pytest --nbval` compares against them."
        ),
    )
    parser.add_argument("notebooks", nargs="*", help="notebooks to refresh (default: every tutorial)")
    args = parser.parse_args(argv)
    try:
        paths = [Path(p) for p in args.notebooks] or sorted(notebooks_dir().glob("*.ipynb"))
    except FileNotFoundError as exc:
        print(f"gemini-nb refresh-notebooks: {exc}", file=sys.stderr)
        return 1
    import tempfile

    import nbformat

    for path in paths:
        if not path.is_file():
            print(f"gemini-nb refresh-notebooks: no such notebook: {path}", file=sys.stderr)
            return 1
        # a throwaway history: `%gemini history` cells must not store the maintainer's own log
        with tempfile.TemporaryDirectory() as tmp:
            try:
                nb = execute_notebook(path, history=Path(tmp) / "history.sqlite3")
            except Exception as exc:  # nbclient's CellExecutionError is long: say which cell and why
                print(f"gemini-nb refresh-notebooks: {path} failed: {failure_line(exc)}", file=sys.stderr)
                return 1
        nbformat.write(nb, path)
        print(f"Refreshed {path}", flush=True)
    return 0


def lab_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="gemini-nb lab", description="Open JupyterLab on the tutorial notebooks."
    )
    parser.add_argument("extra", nargs=argparse.REMAINDER, help="arguments passed on to jupyter lab")
    args = parser.parse_args(argv)
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        print(
            "JupyterLab is not installed: pip install 'gemini_nb[lab]' (or pip install jupyterlab).",
            file=sys.stderr,
        )
        return 1
    try:
        directory = notebooks_dir()
    except FileNotFoundError as exc:
        print(f"gemini-nb lab: {exc}", file=sys.stderr)
        return 1
    command = [sys.executable, "-m", "jupyterlab", f"--notebook-dir={directory}", *args.extra]
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 0
