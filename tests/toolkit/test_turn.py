"""The turn engine's structure: typed seams, steps a feature can extend, no IPython, no cycles.

The runner is driven here with small fakes of its protocols (no Session, no SDK, no emulator)
to show the seams are real, and with the emulator where the extension points meet the server.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from gemini_nb.backend import Backend
from gemini_nb.chain import Chain
from gemini_nb.config import Settings
from gemini_nb.errors import GeminiError
from gemini_nb.request import TurnOptions
from gemini_nb.turn import TurnRunner

PACKAGE = Path(__file__).resolve().parents[2] / "gemini_nb"
ENGINE = ("turn", "calls", "request", "stream", "result", "errors", "seams", "chain", "backend")


# -- fakes of the seams ----------------------------------------------------------------------
def text_events(chunks, rid="v1_fake", clock=None, step=0.0):
    """A steps-schema stream (plain dicts) of ``chunks``; advances ``clock`` per event."""
    events = [
        {
            "event_type": "interaction.created",
            "event_id": "evt_1",
            "interaction": {"id": rid, "status": "in_progress", "model": "m"},
        },
        {"event_type": "step.start", "index": 0, "step": {"type": "model_output"}},
    ]
    events += [{"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": c}} for c in chunks]
    events += [
        {"event_type": "step.stop", "index": 0},
        {"event_type": "interaction.completed", "interaction": {"id": rid, "status": "completed"}},
    ]
    for event in events:
        if clock is not None:
            clock[0] += step
        yield event


class FakeInteractions:
    def __init__(self, make_stream=None, unary=None):
        self.make_stream, self.unary, self.calls = make_stream, unary, []

    def create(self, **request):
        self.calls.append(request)
        if request.get("stream"):
            return self.make_stream()
        return self.unary

    def get(self, id, **options):  # noqa: A002 - the SDK's name
        raise AssertionError("not used")


class FakeClient:
    def __init__(self, interactions):
        self.interactions = interactions


class FakeHost:
    """A TurnHost without a Session: a chain, settings, a counting log, a remembered result."""

    def __init__(self, client, **settings):
        self.settings = Settings(**settings)
        self.chain = Chain()
        self.keeps_chain = True
        self._client = client
        self.progress: list[tuple[int, str | None]] = []
        self.finished: list[tuple] = []
        self.last = "unset"

    def backend(self):
        return Backend("url", "http://fake", "test", True)

    def client(self):
        return self._client

    def local_id(self):
        return "local-1"

    def remember(self, result):
        self.last = result

    def log_start(self, prompt, opts, request, thread, backend):
        return 1

    def log_progress(self, row, text, interaction_id):
        self.progress.append((len(text), interaction_id))

    def log_finish(self, row, result, error):
        self.finished.append((row, result, error))


# -- the steps -------------------------------------------------------------------------------
def test_runner_runs_on_fakes_of_its_seams():
    client = FakeClient(FakeInteractions(lambda: text_events(["Hello", ", ", "world"])))
    host = FakeHost(client)
    result = TurnRunner(host).run("hi", TurnOptions(stream=True))
    assert result.text == "Hello, world" and result.id == "v1_fake" and result.status == "completed"
    assert host.chain.head().id == "v1_fake" and host.last is result
    assert host.finished == [(1, result, None)]
    assert client.interactions.calls[0]["input"] == "hi"


def test_history_progress_is_flushed_on_a_timer_with_one_join_per_flush():
    """20,000 deltas over 20 simulated seconds: ~20 flushes, and the full text is built once per
    flush (plus the end), never once per event."""
    clock = [0.0]
    chunks = [f"w{i} " for i in range(20_000)]
    client = FakeClient(FakeInteractions(lambda: text_events(chunks, clock=clock, step=0.001)))
    host = FakeHost(client)
    runner = TurnRunner(host, clock=lambda: clock[0], flush_every=1.0)
    result = runner.run("long", TurnOptions(stream=True))
    assert result.text == "".join(chunks)
    flushes = runner.flusher.flushes
    assert 19 <= flushes <= 22 and len(host.progress) == flushes
    assert host.progress[-1][1] == "v1_fake" and host.progress[0][0] < host.progress[-1][0]
    assembler = runner.flusher.view
    assert assembler.text_joins <= flushes + 1  # O(1) per flush, not O(events)


def test_a_finisher_sees_the_result_and_can_call_the_model_again(session):
    """A tool loop's shape: a finisher that sends a follow-up request through ``runner.send``."""
    rounds = []

    def follow_up(runner, state, result):
        rounds.append(result.id)
        state.request = {**state.request, "input": "What is my name?", "previous_interaction_id": result.id}
        return runner.send(state)

    first = session.ask("My name is Phil", stream=False)
    result = TurnRunner(session, finishers=[follow_up]).run("I like tea", TurnOptions(stream=True))
    assert rounds and rounds[0] != result.id and "Phil" in result.text
    assert session.chain.head().id == result.id and session.chain.turns[result.id].parent == first.id


def test_a_finisher_error_keeps_the_answer_as_partial_and_the_head(session):
    def reject(runner, state, result):
        raise GeminiError("The answer does not match the schema.", kind="schema")

    first = session.ask("My name is Phil", stream=False)
    with pytest.raises(GeminiError) as info:
        TurnRunner(session, finishers=[reject]).run("Count from 1 to 5", TurnOptions(stream=False))
    assert info.value.partial is not None and "1, 2" in info.value.partial.text
    assert session.last is info.value.partial and session.chain.head().id == first.id


def test_a_waiter_can_return_a_background_run_before_it_completes(session, monkeypatch):
    """A background job's shape: the waiter hands back the running interaction at once."""
    monkeypatch.setenv("GEMINI_NB_EMULATOR_AGENT_SECONDS", "0.5")
    first = session.ask("My name is Phil", stream=False)
    runner = TurnRunner(session, waiter=lambda runner, state, interaction: interaction)
    result = runner.run("Research tea", TurnOptions(agent="deep-research-pro-preview-12-2025", stream=False))
    assert result.status in ("queued", "in_progress") and result.id.startswith("v1_")
    assert session.chain.head().id == first.id  # not finished: the head stays


# -- structure -------------------------------------------------------------------------------
def _imports(path: Path, package: str) -> set[str]:
    """Modules of gemini_nb that ``path`` imports anywhere (lazy and TYPE_CHECKING ones too)."""
    modules = _modules()
    here = package if path.name == "__init__.py" else package.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = here
            for _ in range(max(node.level - 1, 0)):
                base = base.rsplit(".", 1)[0]
            if node.level:
                target = base + ("." + node.module if node.module else "")
            else:
                target = node.module or ""
            subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in modules]
            out.update(subs)
            if len(subs) < len(node.names) and target in modules:
                out.add(target)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in modules)
    out.discard(package)
    return out


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def test_no_import_cycles_in_the_toolkit():
    modules = {n: p for n, p in _modules().items() if ".emulator" not in n}
    graph = {name: _imports(path, name) & set(modules) for name, path in modules.items()}
    cycles = []

    def visit(node, trail):
        for nxt in sorted(graph[node]):
            if nxt in trail:
                cycles.append(trail[trail.index(nxt) :] + [nxt])
            elif nxt not in done:
                visit(nxt, trail + [nxt])
        done.add(node)

    done: set[str] = set()
    for name in sorted(graph):
        if name not in done:
            visit(name, [name])
    assert not cycles, cycles


@pytest.mark.parametrize("name", ENGINE)
def test_engine_modules_never_import_ipython(name):
    tree = ast.parse((PACKAGE / f"{name}.py").read_text())
    imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    imported += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [m for m in imported if m.split(".")[0] in ("IPython", "ipywidgets", "traitlets")]


def test_running_a_turn_loads_no_ipython():
    code = (
        "import sys; sys.path[:0] = ['tests', 'tests/toolkit']; from test_turn import *; "
        "test_runner_runs_on_fakes_of_its_seams(); "
        "print(sorted(m for m in ('IPython', 'ipywidgets', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent)
    assert out.stdout.strip().splitlines()[-1:] == ["[]"], out.stderr[-2000:]


def test_implementations_have_every_member_of_their_protocols(session):
    import io

    from gemini_nb.render.live import LiveDisplay, TerminalLive
    from gemini_nb.seams import LiveView, StreamView, Transport, TurnHost
    from gemini_nb.stream import StreamAssembler

    assert isinstance(session, TurnHost) and isinstance(FakeHost(None), TurnHost)
    assert isinstance(LiveDisplay(object()), LiveView) and isinstance(TerminalLive(io.StringIO()), LiveView)
    assert isinstance(StreamAssembler(), StreamView)
    assert isinstance(session.client(), Transport)
    assert not isinstance(object(), LiveView)
