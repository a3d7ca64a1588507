"""Escape suite: hostile code reaches the sandbox through a prompt, and nothing gets out.

Every route that runs code (the ``code_execution`` tool; the Antigravity and CodeMender agents,
which run code when the task asks for it) is driven end to end with the real google-genai SDK,
against the embedded emulator (in this process) and the standalone one (a subprocess started
with a canary secret in its environment). One snippet batches all probes of
:mod:`sandbox_probes` (files, ``dir_fd``, symlinks, hard links, ``/proc``, ``chdir``, ``ctypes``,
processes, sockets, ``.pth``, environment...); each route must report 0 probes through, the
canary must appear nowhere in the interaction, and no file, connection or datagram may arrive.
Then the fail-closed path: with code execution turned off, the answer is marked simulated.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
from clients import make_client
from emu_process import READY
from sandbox_probes import CANARY, CANARY_NAME, Targets, assert_none_through

from gemini_nb.emulator.brain.lib import sandbox

MODEL = "gemini-3-flash-preview"
ROUTES = ["code_execution", "antigravity-preview-05-2026", "code-mender-preview-05-2026"]
needs_kernel = pytest.mark.skipif(
    sandbox._kernel_problem() is not None, reason=f"no kernel isolation here: {sandbox._kernel_problem()}"
)


def run_through(client, route: str, code: str) -> tuple[str, str]:
    """Ask ``route`` to run ``code``; returns (the code_execution_result text, the interaction JSON)."""
    prompt = f"Please run this Python code and tell me what it prints:\n```python\n{code}\n```"
    if route == "code_execution":
        interaction = client.interactions.create(
            model=MODEL, input=prompt, tools=[{"type": "code_execution"}]
        )
    else:
        created = client.interactions.create(agent=route, input=prompt, background=True)
        deadline = time.monotonic() + 60
        interaction = client.interactions.get(created.id)
        while interaction.status not in ("completed", "failed", "cancelled"):
            assert time.monotonic() < deadline, f"{route} run {created.id} did not finish"
            time.sleep(0.1)
            interaction = client.interactions.get(created.id)
        assert interaction.status == "completed"
    result = next(s for s in interaction.steps if s.type == "code_execution_result")
    return result.result, interaction.model_dump_json()


@contextmanager
def standalone(**env: str):
    """``python -m gemini_nb.emulator`` with ``env`` added; yields (process, base URL)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "gemini_nb.emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    try:
        match = READY.fullmatch(proc.stdout.readline().strip())
        assert match, f"emulator did not start: {proc.stderr.read()}"
        yield proc, match.group(1)
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def standalone_url():
    """A standalone emulator holding a canary secret (also as its API key) in its environment."""
    with standalone(
        GEMINI_API_KEY=CANARY,
        GOOGLE_API_KEY=CANARY,
        **{CANARY_NAME: CANARY},
        GEMINI_NB_EMULATOR_AGENT_SECONDS="0.2",
    ) as (_, url):
        yield url


@pytest.fixture
def targets(tmp_path):
    t = Targets(tmp_path)
    yield t
    t.close()


def _escape(client, route: str, targets: Targets, where: str) -> None:
    output, record = run_through(client, route, targets.snippet())
    count = assert_none_through(output)
    assert CANARY not in record
    targets.assert_nothing_reached()
    print(f"{where} / {route}: 0 of {count} probes through")


@needs_kernel
@pytest.mark.parametrize("route", ROUTES)
def test_embedded_emulator_holds(emu, monkeypatch, targets, route):
    monkeypatch.setenv("GEMINI_API_KEY", CANARY)
    monkeypatch.setenv(CANARY_NAME, CANARY)
    monkeypatch.setenv("GEMINI_NB_EMULATOR_AGENT_SECONDS", "0.2")
    _escape(make_client(emu.base_url), route, targets, "embedded")


@needs_kernel
@pytest.mark.slow
@pytest.mark.parametrize("route", ROUTES)
def test_standalone_emulator_holds(standalone_url, targets, route):
    _escape(make_client(standalone_url), route, targets, "standalone")


@needs_kernel
@pytest.mark.parametrize("route", ROUTES)
def test_legit_code_still_runs_on_every_route(emu, monkeypatch, route):
    monkeypatch.setenv("GEMINI_NB_EMULATOR_AGENT_SECONDS", "0.2")
    output, _ = run_through(
        make_client(emu.base_url),
        route,
        "open('n.txt', 'w').write('41')\nprint(int(open('n.txt').read()) + 1)",
    )
    assert output.strip() == "42"


# -- fail closed ------------------------------------------------------------------------------------
CODE = "print(6 * 7 * 1000 + 1)"  # 42001 shows up only if the code really ran


@pytest.mark.parametrize("route", ROUTES)
def test_embedded_without_isolation_answers_simulated_and_logs_once(emu, monkeypatch, caplog, route):
    monkeypatch.setenv(sandbox.RUN_CODE_ENV, "0")
    monkeypatch.setenv("GEMINI_NB_EMULATOR_AGENT_SECONDS", "0.2")
    monkeypatch.setattr(sandbox, "_logged", set())
    client = make_client(emu.base_url)
    with caplog.at_level("WARNING", logger="gemini_nb.emulator"):
        for _ in range(2):
            output, record = run_through(client, route, CODE)
            assert output.startswith(sandbox.SIMULATED) and "turned off" in output
            assert "42001" not in record
    assert "did not run" in record
    assert len([r for r in caplog.records if "code execution is simulated" in r.getMessage()]) == 1


@pytest.mark.slow
def test_standalone_without_isolation_answers_simulated_and_logs_once():
    with standalone(**{sandbox.RUN_CODE_ENV: "0", "GEMINI_NB_EMULATOR_AGENT_SECONDS": "0.2"}) as (proc, url):
        client = make_client(url)
        for route in ROUTES[:2] * 2:
            output, record = run_through(client, route, CODE)
            assert output.startswith(sandbox.SIMULATED) and "42001" not in record
        proc.terminate()
        _, stderr = proc.communicate(timeout=10)
    assert stderr.count("code execution is simulated, no code runs") == 1, stderr
