"""A real JupyterLab (or Notebook 7) on 127.0.0.1 driven by Playwright in Debian's headless Chromium.

Used by the browser tests: start a Lab or Notebook 7 server on a temporary folder, open a
notebook, run cells through the notebook's own commands, and read what the user would see. Everything is
stopped by the fixture that started it.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def browser_available() -> str | None:
    """None if the browser tests can run, else the reason they cannot."""
    if not (shutil.which("chromium") or os.path.exists(CHROMIUM)):
        return "Debian's chromium is not installed (.ci/browser-deps.sh installs it)"
    try:
        import jupyterlab  # noqa: F401
        import playwright  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[test]')"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def lab_server(root: Path, env: dict[str, str] | None = None, app: str = "jupyterlab") -> Iterator[str]:
    """Start ``jupyter lab`` (``app="notebook"``: Notebook 7) on 127.0.0.1 serving ``root``; yields
    its base URL (with token)."""
    port, token = _free_port(), "gemini-nb-test-token"
    cmd = [sys.executable, "-m", app, "--no-browser", f"--ServerApp.port={port}",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.root_dir={root}",
           f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True",
           "--ServerApp.open_browser=False", "--allow-root", "--LabApp.news_url=",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if app == "notebook":
        cmd.append("--JupyterNotebookApp.expose_app_in_browser=True")
    log = open(root / "lab.log", "w")
    full_env = dict(os.environ, **(env or {}))
    full_env["JUPYTER_CONFIG_DIR"] = str(root / ".jupyter")
    full_env["JUPYTERLAB_SETTINGS_DIR"] = str(root / ".lab-settings")
    full_env["JUPYTERLAB_WORKSPACES_DIR"] = str(root / ".lab-workspaces")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=full_env, cwd=root)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as resp:
                    json.load(resp)
                break
            except OSError as exc:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{app} did not start:\n" + (root / "lab.log").read_text()) from exc
                time.sleep(0.3)
        yield f"{base}?token={token}"
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def chromium_page() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1600})
            yield page
        finally:
            browser.close()


def open_notebook(page, url: str, name: str, app: str = "jupyterlab", timeout_s: float = 180) -> None:
    """Open ``name`` in Lab or Notebook 7 (``app="notebook"``: its own ``/notebooks/`` page, no
    ``reset`` workspace); wait until its kernel is idle."""
    base, query = url.split("?")
    target = (f"{base}/lab/tree/{name}?{query}&reset" if app == "jupyterlab"
              else f"{base}/notebooks/{name}?{query}")
    page.goto(target)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=timeout_s * 1000)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.sessionContext"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status"
                           " === 'idle'", timeout=timeout_s * 1000)


def start_run_all(page) -> None:
    """Run every cell with the notebook's own command (the same in Lab and Notebook 7); does not
    wait: the command's promise resolves only when every cell has run."""
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")


def wait_all_run(page, timeout_s: float = 120) -> None:
    """Every code cell has its execution count, then the kernel is idle."""
    page.wait_for_function(
        "() => { const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];"
        " return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent)); }",
        timeout=timeout_s * 1000)
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
        timeout=timeout_s * 1000)


def run_notebook_in_lab(page, lab_url: str, name: str, timeout_s: float = 120) -> None:
    """Open ``name`` in Lab, run all cells with Lab's command, wait until the kernel is idle."""
    open_notebook(page, lab_url, name, "jupyterlab", timeout_s)
    start_run_all(page)
    wait_all_run(page, timeout_s)


def cell_outputs(page, index: int):
    """The output areas of code cell ``index`` (0-based), as Playwright locators."""
    return page.locator(".jp-Notebook .jp-CodeCell").nth(index).locator(".jp-OutputArea-output")


@contextmanager
def ran_notebook(root: Path, name: str, cells: list[str], timeout_s: float = 180) -> Iterator[object]:
    """:func:`lab_notebook`, every cell run with Lab's own command and a full-page screenshot saved
    as ``root/lab.png``; yields the page."""
    with lab_notebook(root, name, cells) as (page, url):
        run_notebook_in_lab(page, url, name, timeout_s=timeout_s)
        page.screenshot(path=str(root / "lab.png"), full_page=True)
        yield page


@contextmanager
def lab_notebook(root: Path, name: str, cells: list[str]) -> Iterator[tuple[object, str]]:
    """Write ``cells`` as ``root/name``, start Lab on ``root`` (embedded emulator, no key) and a
    Chromium page; yield ``(page, lab_url)``. Both stop on exit."""
    write_notebook(root / name, cells)
    with lab_server(root, env=kernel_env(root)) as url, chromium_page() as page:
        yield page, url


def kernel_env(root: Path, backend: str = "") -> dict[str, str]:
    """The server's (so the kernel's) environment: no real key or endpoint leaks in, ``backend``
    (an emulator's URL, or empty) as ``GEMINI_NB_BACKEND``, a history DB under ``root``."""
    env = {k: "" for k in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL")}
    env["GEMINI_NB_BACKEND"] = backend
    env["GEMINI_NB_HISTORY"] = str(root / "history.sqlite3")
    return env


def write_notebook(path: Path, cells: list[str]) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
