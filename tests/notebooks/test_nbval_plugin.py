"""A user's own ``%%gemini`` notebook, executed once, passes plain ``pytest --nbval`` on re-run.

The notebook is written here the way a newcomer would (no markers, no sanitize file), executed
with nbclient in a fresh kernel on the embedded emulator (no key: the default backend), saved,
then checked by ``python -m pytest --nbval`` in a subprocess: only the installed gemini_nb
plugin (entry point ``pytest11``) stands between it and failing cells (the chain, the fork and
the history always; footers whenever a latency differs). The unit tests pin each normalisation,
and that a real change in an answer is still caught.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from gemini_nb import nbval_plugin
from gemini_nb.nbval_plugin import SANITIZE_PATTERNS, DisplayTracker

KEY_VARS = ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GEMINI_NB_BACKEND",
            "GEMINI_NB_EMULATOR_SEED")

USER_CELLS = [
    "%load_ext gemini_nb",
    "%%gemini\nMy name is Ada. What is a haiku?",
    "%%gemini\nWhat is my name?",
    "%gemini --no-stream Give me one word for happy",
    "%%gemini --thinking low --thoughts\nWhy is the sky blue?",
    "%%gemini -o reply --no-stream\nCount from 1 to 5",
    "print(reply.id)\nprint(reply.text)",
    "%gemini chain",
    "%gemini fork -2",
    "%%gemini --no-store\nWhat was my name again?",
    "%gemini show {{reply.id}}",
    "%gemini history 3",
]


def sanitize(text: str) -> str:
    for regex, replace in SANITIZE_PATTERNS.items():
        text = re.sub(regex, replace, text)
    return text


# -- the normalisations, one by one ---------------------------------------------------------
def test_footer_ids_and_latency_are_normalised_but_the_answer_is_not():
    plain = ("Your name is Ada.\n— [emulated] gemini-3-flash-preview · 104 in / 5 out / 333 thought tokens"
             " · 0.10 s · v1_0LhUawRa3RA2ppfpWFqE3qr0YIbGWj")
    other = ("Your name is Ada.\n— [emulated] gemini-3-flash-preview · 104 in / 5 out / 333 thought tokens"
             " · 1.52 s · v1_81nm7T9NM7jr4j9LP9duTYZzDhcURR")
    assert sanitize(plain) == sanitize(other)
    assert sanitize(plain).endswith("· N.NN s · v1_ID")
    assert sanitize(plain.replace("Ada", "Bob")) != sanitize(other)
    assert sanitize(plain.replace("5 out", "6 out")) != sanitize(other)  # tokens are still compared
    markdown = "<sub>`emulated` · gemini-3-flash-preview · 8 in / 1 out / 0 thought tokens · 0.31 s</sub>"
    assert sanitize(markdown).endswith("· N.NN s</sub>")


def test_function_call_run_times_in_tool_traces_are_normalised():
    plain = "[✓ convert(amount=250, from_currency=EUR, to_currency=JPY) · 0.01 s ok] → 40500.0"
    assert sanitize(plain) == sanitize(plain.replace("0.01 s", "0.00 s"))
    assert sanitize(plain).startswith("[✓ convert(amount=250, from_currency=EUR, to_currency=JPY) "
                                      "· N.NN s ok]")
    assert sanitize(plain) != sanitize(plain.replace("40500.0", "40500.1"))  # the result is still compared
    markdown = "<details><summary>✓ <code>get_weather(city=Paris)</code> · 0.02 s · ok</summary>"
    assert sanitize(markdown) == ("<details><summary>✓ <code>get_weather(city=Paris)</code> · N.NN s · ok"
                                  "</summary>")


def test_chain_view_and_fork_cell_numbers_are_normalised():
    chain = ("[2] v1_6Xq2LF9NZ8kqoHRlVVTU6MhKR8hcS4 · gemini-3-flash-preview · My name is Phil\n"
             "    └─ [7] local-3 · gemini-3-flash-preview (not stored) · Count to 3  <- HEAD (main)")
    assert sanitize(chain) == (
        "[N] v1_ID · gemini-3-flash-preview · My name is Phil\n"
        "    └─ [N] local-N · gemini-3-flash-preview (not stored) · Count to 3  <- HEAD (main)")
    fork = "Head moved to v1_wREkPizHzvv8WGrrDyvT5CpfG2g6jX (cell [5]); the next prompt continues from there."
    assert sanitize(fork) == "Head moved to v1_ID (cell [N]); the next prompt continues from there."
    # numbers that are part of an answer are left alone
    assert sanitize("[1] apples, 2.50 s to boil") == "[1] apples, 2.50 s to boil"


def test_timestamps_are_normalised_but_dates_are_not():
    assert sanitize("expires 2026-11-29T17:56:57.838906Z.") == "expires TIMESTAMP."
    assert sanitize("started 2026-11-29 17:56:57+00:00") == "started TIMESTAMP"
    assert sanitize("Born on 1815-12-10.") == "Born on 1815-12-10."


def test_local_emulator_ports_are_normalised_but_other_urls_are_not():
    assert (sanitize("Uploaded files/a (application/pdf): http://127.0.0.1:39125/v1/files/a")
            == "Uploaded files/a (application/pdf): http://127.0.0.1:PORT/v1/files/a")
    assert sanitize("see http://localhost:8123/v1/files/b") == "see http://localhost:PORT/v1/files/b"
    assert sanitize("https://example.org:8443/report.pdf") == "https://example.org:8443/report.pdf"


def test_only_notebooks_that_use_gemini_nb_are_touched():
    def nb(*sources):
        return {"cells": [{"cell_type": "code", "source": s} for s in sources]}

    assert nbval_plugin.uses_gemini_nb(nb("x = 1", "%load_ext gemini_nb"))
    assert nbval_plugin.uses_gemini_nb(nb("%%gemini\nhello"))
    assert nbval_plugin.uses_gemini_nb(nb("import gemini_nb\ngemini_nb.ask('hi')"))
    assert not nbval_plugin.uses_gemini_nb(nb("print('gemini is a constellation')", "%timeit 1"))


def test_history_cells_are_not_compared():
    assert nbval_plugin.is_history_cell("%gemini history 3")
    assert nbval_plugin.is_history_cell("# what happened so far\n%gemini history")
    assert not nbval_plugin.is_history_cell("%gemini history 3\nprint(1)")
    assert not nbval_plugin.is_history_cell("%gemini chain")


def test_usage_cells_are_not_compared_but_the_python_report_is():
    # %gemini usage sums the history database (every session on the machine) under this kernel's
    assert nbval_plugin.is_history_cell("%gemini usage")
    assert nbval_plugin.is_history_cell("# tokens so far\n%gemini usage")
    assert not nbval_plugin.is_history_cell("report = gemini_nb.usage(history=False)\nreport")
    assert not nbval_plugin.is_history_cell("%gemini usage\nx = 1")


def test_compare_header_latency_is_normalised_but_tokens_are_not():
    text = "== gemini-2.5-flash — 0.13 s · 11 in / 16 out / 341 thought tokens\nSunny, hilly, soulful."
    other = text.replace("0.13 s", "1.07 s")
    assert sanitize(text) == sanitize(other)
    assert "— N.NN s · 11 in" in sanitize(text)
    assert sanitize(text.replace("16 out", "17 out")) != sanitize(other)
    html_head = "<th>gemini-3-flash-preview — 0.21 s · 11 in / 16 out / 0 thought tokens</th>"
    expected = "<th>gemini-3-flash-preview — N.NN s · 11 in / 16 out / 0 thought tokens</th>"
    assert sanitize(html_head) == expected
    assert sanitize("he ran it — 2.5 s later") == "he ran it — 2.5 s later"  # no figures after it


def test_local_server_ports_are_normalised_but_remote_urls_are_not():
    line = "Backend: emulator backend (emulated) at http://127.0.0.1:43909, chosen by default (no API key)."
    assert sanitize(line) == ("Backend: emulator backend (emulated) at http://127.0.0.1:PORT, chosen by "
                              "default (no API key).")
    assert sanitize("'http://localhost:8765'") == "'http://localhost:PORT'"
    assert sanitize("http://[::1]:5000/v1beta") == "http://[::1]:PORT/v1beta"
    assert sanitize("https://example.com:8443/x") == "https://example.com:8443/x"
    assert sanitize("http://127.0.0.1:43909") != sanitize("http://127.0.0.2:43909")


def test_emulated_notebook_stays_on_the_emulator_even_with_a_key():
    def nb(*flags):
        return {"cells": [{"cell_type": "code", "source": "%%gemini\nhi", "outputs": [
            {"output_type": "execute_result", "metadata": {"gemini_nb": {"emulated": f}}} for f in flags]}]}

    with_key = {"GEMINI_API_KEY": "k"}
    assert nbval_plugin.needs_emulator_env(nb(True, True), with_key)
    assert not nbval_plugin.needs_emulator_env(nb(True, False), with_key)  # some answers were live
    assert not nbval_plugin.needs_emulator_env(nb(True), {})  # no key: the emulator anyway
    assert not nbval_plugin.needs_emulator_env(nb(True), {**with_key, "GOOGLE_GEMINI_BASE_URL": "http://x"})
    assert not nbval_plugin.needs_emulator_env(nb(True), {**with_key, "GEMINI_NB_BACKEND": "live"})
    assert not nbval_plugin.needs_emulator_env(nb(), with_key)


def test_emulated_notebook_starts_its_kernel_without_the_key(monkeypatch):
    """The kernel never sees the key, so it picks the emulator "by default (no API key)" exactly as
    it did under refresh-notebooks (a stored ``%gemini backend`` line matches); the key is back after."""
    from collections import OrderedDict
    from types import SimpleNamespace

    for name in KEY_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GEMINI_API_KEY", "k-123")
    monkeypatch.setenv("GOOGLE_API_KEY", "k-456")
    seen = {}
    stored = {"output_type": "execute_result", "metadata": {"gemini_nb": {"emulated": True}}}
    node = SimpleNamespace(sanitize_patterns=OrderedDict(), get_kernel_message=lambda **kw: None,
                           nb={"cells": [{"cell_type": "code", "source": "%%gemini\nhi",
                                          "outputs": [stored]}]})
    node.setup = lambda: seen.update(os.environ)
    nbval_plugin.prepare_notebook(node, [])
    node.setup()
    assert "GEMINI_API_KEY" not in seen and "GOOGLE_API_KEY" not in seen
    assert "GEMINI_NB_BACKEND" not in seen
    assert os.environ["GEMINI_API_KEY"] == "k-123" and os.environ["GOOGLE_API_KEY"] == "k-456"


def _msg(kind, **content):
    return {"msg_type": kind, "content": content, "parent_header": {"msg_id": "m"}}


def test_display_updates_reach_the_recorded_output_and_are_consumed():
    from nbformat import NotebookNode

    queue = [
        _msg("display_data", data={"text/plain": ""}, metadata={}, transient={"display_id": "d"}),
        _msg("update_display_data", data={"text/plain": "Hel ▌"}, metadata={},
             transient={"display_id": "d"}),
        _msg("update_display_data", data={"text/plain": "Hello"}, metadata={"x": 1},
             transient={"display_id": "d"}),
        _msg("status", execution_state="idle"),
    ]
    tracker = DisplayTracker(lambda timeout=None, stream="iopub": queue.pop(0))
    first = tracker()
    out = NotebookNode(output_type="display_data")
    out["data"] = first["content"]["data"]  # what nbval does with the message
    assert tracker()["msg_type"] == "status"  # both updates consumed: nbval never prints about them
    assert out["data"] == {"text/plain": "Hello"}
    assert first["content"]["metadata"] == {"x": 1}


def test_clear_output_empties_the_running_cells_outputs():
    queue = [_msg("clear_output", wait=False), _msg("clear_output", wait=True),
             _msg("stream", name="stdout", text="b"), _msg("status", execution_state="idle")]
    tracker = DisplayTracker(lambda timeout=None, stream="iopub": queue.pop(0))

    class Cell:
        test_outputs = ["a"]

    tracker.cell = Cell()
    assert tracker()["msg_type"] == "stream"
    assert Cell.test_outputs == []
    assert tracker()["msg_type"] == "status"


def test_embedded_emulator_seed(monkeypatch):
    from gemini_nb import backend
    from gemini_nb.errors import GeminiError

    monkeypatch.delenv("GEMINI_NB_EMULATOR_SEED", raising=False)
    assert backend.embedded_seed() == backend.DEFAULT_SEED
    monkeypatch.setenv("GEMINI_NB_EMULATOR_SEED", "42")
    assert backend.embedded_seed() == 42
    monkeypatch.setenv("GEMINI_NB_EMULATOR_SEED", "random")
    assert backend.embedded_seed() is None
    monkeypatch.setenv("GEMINI_NB_EMULATOR_SEED", "soon")
    with pytest.raises(GeminiError, match="integer or 'random'"):
        backend.embedded_seed()


# -- the whole story, as a user meets it --------------------------------------------------------
def _user_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARS}
    env["GEMINI_NB_HISTORY"] = str(tmp_path / "history.sqlite3")
    env.update(extra)
    return env


def _execute_like_a_user(path: Path, tmp_path: Path, monkeypatch):
    """Run every cell with nbclient in a fresh kernel, no key and no backend chosen; save."""
    import nbformat
    from nbclient import NotebookClient

    for name in KEY_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GEMINI_NB_HISTORY", str(tmp_path / "history.sqlite3"))
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(nb, path)
    return nb


def _nbval(path: Path, tmp_path: Path, *extra: str, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-s", "--nbval", str(path), *extra],
        cwd=path.parent, env=env or _user_env(tmp_path), capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def user_notebook(tmp_path_factory):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    tmp_path = tmp_path_factory.mktemp("user_nb")
    path = tmp_path / "my_analysis.ipynb"
    nb = new_notebook(cells=[new_code_cell(source) for source in USER_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    with pytest.MonkeyPatch.context() as monkeypatch:
        executed = _execute_like_a_user(path, tmp_path, monkeypatch)
    return path, executed


def test_users_notebook_passes_plain_nbval(user_notebook, tmp_path):
    path, _ = user_notebook
    proc = _nbval(path, tmp_path)
    report = proc.stdout[-4000:] + proc.stderr[-2000:]
    assert proc.returncode == 0, report
    assert f"{len(USER_CELLS)} passed" in proc.stdout, report
    assert "unhandled iopub msg" not in proc.stdout  # no stray line, even with -s


def test_without_the_plugin_the_same_notebook_fails(user_notebook, tmp_path):
    """The control: the pass above is the plugin's doing, not a lenient comparison."""
    path, _ = user_notebook
    proc = _nbval(path, tmp_path, "-p", "no:gemini_nb")
    assert proc.returncode == 1, proc.stdout[-3000:]
    failed = {int(n) for n in re.findall(r"FAILED \S+::Cell (\d+)", proc.stdout)}
    # Always different on a re-run: cell numbers in the chain view and the fork message, and the
    # history's timestamps. Footers differ too whenever a latency rounds differently (not always).
    always = {USER_CELLS.index("%gemini chain"), USER_CELLS.index("%gemini fork -2"),
              USER_CELLS.index("%gemini history 3")}
    assert always <= failed, proc.stdout[-3000:]


def test_a_changed_answer_still_fails_and_says_how_to_refresh(user_notebook, tmp_path):
    import nbformat

    path, _ = user_notebook
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.source == "%%gemini\nWhat is my name?")
    result = next(o for o in cell.outputs if o.output_type == "execute_result")
    assert "Your name is Ada." in result.data["text/plain"]
    for mime in ("text/plain", "text/markdown"):
        result.data[mime] = result.data[mime].replace("Your name is Ada.", "Your name is Bob.")
    changed = tmp_path / "changed.ipynb"
    nbformat.write(nb, changed)
    proc = _nbval(changed, tmp_path)
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert re.findall(r"FAILED \S+::Cell (\d+)", proc.stdout) == [str(nb.cells.index(cell))]
    assert "name is Bob." in proc.stdout and "name is Ada." in proc.stdout  # the diff, both sides
    assert f"gemini-nb refresh-notebooks {changed}" in proc.stdout


def test_rerun_repeats_the_interaction_ids(user_notebook, tmp_path, monkeypatch):
    """The embedded emulator is seeded per kernel: a fresh run gives the very same ids."""
    import nbformat

    path, first = user_notebook
    again = tmp_path / "again.ipynb"
    nbformat.write(first, again)
    second = _execute_like_a_user(again, tmp_path, monkeypatch)

    def ids(nb):
        return [(o.get("metadata") or {}).get("gemini_nb", {}).get("interaction_id")
                for c in nb.cells for o in c.get("outputs", []) if o.output_type == "execute_result"]

    assert [i for i in ids(first) if i] and ids(first) == ids(second)
    printed = next(c for c in second.cells if c.source.startswith("print(reply.id)")).outputs[0].text
    assert printed.split()[0] == next(c for c in first.cells
                                      if c.source.startswith("print(reply.id)")).outputs[0].text.split()[0]


def test_emulated_notebook_is_rerun_on_the_emulator_when_a_key_is_set(user_notebook, tmp_path):
    """A developer's GEMINI_API_KEY must not send the re-run to the live API (no network here)."""
    path, _ = user_notebook
    proc = _nbval(path, tmp_path, env=_user_env(tmp_path, GEMINI_API_KEY="not-a-real-key"))
    assert proc.returncode == 0, proc.stdout[-3000:]

