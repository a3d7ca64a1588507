"""Background jobs against the emulator, through the real SDK: agents and ``--background`` models
that return at once (or wait), cancel (method, command, button), attach after a "restart", a
dropped stream resumed, the chain after completion, Ctrl-C in ``--wait``, the display's message
budget and nbval-friendly ``--wait`` output."""

from __future__ import annotations

import io
import os

import pytest
from shell_helpers import control, run_cell

import gemini_nb
from gemini_nb import jobs
from gemini_nb.errors import GeminiError
from gemini_nb.result import InteractionResult

AGENT = "deep-research-pro-preview-12-2025"
MODEL = "gemini-3-flash-preview"


@pytest.fixture(autouse=True)
def _fast_agents(monkeypatch):
    monkeypatch.setenv("GEMINI_NB_EMULATOR_AGENT_SECONDS", "0.6")


@pytest.fixture
def slow(emu, monkeypatch):
    """Runs that last long enough to be cancelled (restored afterwards)."""
    monkeypatch.setenv("GEMINI_NB_EMULATOR_AGENT_SECONDS", "30")
    control(emu.base_url, "config", {"background_ms": 30000})
    yield
    control(emu.base_url, "config", {"background_ms": 150})


def creates(emu):
    return [r for r in emu.requests() if r["method"] == "POST" and r["path"].endswith("/interactions")]


def body(request):
    import json

    raw = request.get("body")
    return raw if isinstance(raw, dict) else json.loads(raw or "{}")


class Sink:
    """Records display messages the way the kernel would send them."""

    def __init__(self):
        self.displays, self.updates = [], []

    def display(self, data, metadata, display_id):
        self.displays.append(data)

    def update(self, data, metadata, display_id):
        self.updates.append(data)


@pytest.fixture
def sink(monkeypatch):
    from gemini_nb.widgets import job as job_widgets

    recorder = Sink()
    monkeypatch.setattr(job_widgets, "IPythonSink", lambda: recorder)
    return recorder


@pytest.fixture
def kernel(monkeypatch):
    """Pretend to run inside a Jupyter kernel (displays and widgets are then chosen)."""
    from gemini_nb.widgets import job as job_widgets

    monkeypatch.setattr(job_widgets, "front_end", lambda: "kernel")


# -- Python API ------------------------------------------------------------------------------
def test_an_agent_returns_a_job_at_once_that_joins_the_chain(session, emu):
    job = session.ask("Research the history of tea", agent=AGENT)
    assert isinstance(job, jobs.Job) and not job.done and job.status in ("queued", "in_progress")
    assert job.kind == "agent" and job.name == AGENT and jobs.registry().find(job.number) is job
    sent = body(creates(emu)[-1])
    assert sent["background"] is True and sent["agent"] == AGENT and "stream" not in sent
    result = job.wait(30)
    assert result.status == "completed" and result.text.startswith("# History of Tea")
    assert job.progress and "Planning the research" in job.progress  # thought summaries streamed
    assert job.joined == "head" and session.chain.head().id == job.id
    follow_up = session.ask("Thanks, and in one line?", model=MODEL)
    assert follow_up.previous_interaction_id == job.id
    row = [r for r in session.history().rows() if r["interaction_id"] == job.id][-1]
    assert row["status"] == "completed" and "History of Tea" in row["text"]


def test_background_model_waits_and_ends_like_a_turn(session, emu):
    first = session.ask("My name is Phil", model=MODEL)
    result = session.ask("What is my name?", model=MODEL, background=True, wait=True)
    assert isinstance(result, InteractionResult) and "Phil" in result.text
    assert body(creates(emu)[-1])["background"] is True
    assert result.previous_interaction_id == first.id and session.chain.head().id == result.id
    assert jobs.registry().find(result.id).status == "completed"


def test_a_job_that_ends_after_the_user_moved_on_is_a_fork(session, emu, slow):
    control(emu.base_url, "config", {"background_ms": 4000})
    job = session.ask("What is 2+2?", model=MODEL, background=True)
    other = session.ask("Tell me a joke", model=MODEL, stream=False)  # moves the head meanwhile
    assert not job.done
    job.wait(30)
    assert job.joined == "fork" and session.chain.head().id == other.id
    assert job.id in session.chain.turns and session.chain.turns[job.id].result.text == job.text
    from gemini_nb.widgets.job import final_bundle, note_text

    assert f"%gemini fork {job.id}" in note_text(job)
    assert f"%gemini fork {job.id}" in final_bundle(job)[0]["text/markdown"]


def test_cancel_by_method_stops_the_run_on_the_server(session, emu, client, slow):
    job = session.ask("Research the history of maps", agent=AGENT)
    assert job.cancel() == "cancelled"
    result = job.wait(30)
    assert result.status == "cancelled" and client.interactions.get(job.id).status == "cancelled"
    assert job.joined == "kept" and session.chain.head() is None
    with pytest.raises(GeminiError) as err:
        job.cancel()
    assert "already ended" in str(err.value) and "\n" not in str(err.value)


def test_wait_timeout_leaves_the_job_running(session, emu, slow):
    job = session.ask("Research the history of maps", agent=AGENT)
    with pytest.raises(TimeoutError) as err:
        job.wait(0.05)
    assert "goes on" in str(err.value) and not job.done
    gemini_nb.cancel(job.id, session=session)
    assert job.wait(30).status == "cancelled"


def test_attach_after_a_restart_follows_the_run_and_joins_the_new_chain(session, emu, clean_env):
    from gemini_nb.api import Session

    job = session.ask("Research urban beekeeping", agent=AGENT)
    fresh = Session(backend=emu.base_url, retry_attempts=1, timeout=20)  # "after a kernel restart"
    again = gemini_nb.attach(job.id, session=fresh)
    assert again is not job and again.id == job.id and again.prompt == "Research urban beekeeping"
    result = again.wait(30)
    assert result.text == job.wait(30).text and result.status == "completed"
    assert fresh.chain.head().id == job.id and again.joined == "head"
    follow = fresh.ask("Summarize it in one line", model=MODEL, stream=False)
    assert follow.previous_interaction_id == job.id


def test_attach_to_a_finished_run_shows_its_report(session, emu):
    done = session.ask("What is 2+2?", model=MODEL, background=True, wait=True)
    job = gemini_nb.attach(done.id, session=session)
    assert job.wait(30).text == done.text


def test_attach_and_cancel_refuse_bad_ids_before_any_request(session, emu):
    before = len(emu.requests())
    with pytest.raises(GeminiError):
        gemini_nb.attach("../../_emulator/reset", session=session)
    with pytest.raises(GeminiError):
        gemini_nb.cancel("v1/../x", session=session)
    with pytest.raises(GeminiError) as err:
        gemini_nb.cancel("999", session=session)
    assert "no job 999" in str(err.value)
    assert len(emu.requests()) == before


def test_a_dropped_stream_is_resumed_from_the_last_event(session, emu):
    emu.fault(method="GET", path=r"interactions/", drop_after_events=4, times=1)
    job = session.ask("Research the history of tea", agent=AGENT)
    result = job.wait(30)
    assert job.resumes == 1 and not job.polled
    assert result.status == "completed" and result.text.startswith("# History of Tea")
    gets = [r for r in emu.requests() if r["method"] == "GET"]
    assert any("last_event_id" in r.get("query", "") or "last_event_id" in r["path"] for r in gets), gets


def test_polling_takes_over_when_the_stream_fails(session, emu):
    emu.fault(method="GET", path=r"interactions/", status=503, times=1)
    job = session.ask("What is 2+2?", model=MODEL, background=True)
    assert job.wait(30).text and job.polled


# -- the magics ----------------------------------------------------------------------------------
def test_the_cell_returns_at_once_with_a_job_display_that_ends_with_the_report(
    ip, emu, kernel, sink, monkeypatch
):
    monkeypatch.setenv("GEMINI_NB_EMULATOR_AGENT_SECONDS", "2")  # still running when the cell returns
    result, out, err = run_cell(ip, f"%%gemini --agent {AGENT} -o job\nResearch the history of tea")
    assert result.success, err
    job = ip.user_ns["job"]
    assert isinstance(job, jobs.Job) and result.result is None  # the display is the output
    assert len(sink.displays) == 1
    first = sink.displays[0]
    assert "application/vnd.jupyter.widget-view+json" in first and AGENT in first["text/html"]
    job.wait(30)
    from gemini_nb.widgets.job import JobDisplay

    display = [lst for lst in job._listeners if isinstance(lst, JobDisplay)][0]
    display._thread.join(5)
    final = sink.updates[-1]
    assert "# History of Tea" in final["text/markdown"]  # the cells' renderer, in place
    assert display.out.outputs[0]["data"]["text/markdown"] == final["text/markdown"]
    assert display.button.disabled and "completed" in display.html.value
    frame = run_cell(ip, "%gemini jobs")[0].result
    assert frame.loc[job.number, "status"] == "completed" and frame.loc[job.number, "model"] == AGENT


def test_wait_blocks_and_ends_with_one_final_display(ip, emu, kernel, sink):
    result, out, err = run_cell(ip, f"%%gemini --agent {AGENT} --wait -o job\nResearch the history of tea")
    assert result.success, err
    assert isinstance(result.result, InteractionResult) and result.result.text.startswith("# History of Tea")
    assert isinstance(ip.user_ns["job"], jobs.Job)
    # nbval ignores updates: the only display is the empty progress region, emptied again at the end
    assert sink.displays == [{"text/plain": ""}] and sink.updates[-1] == {"text/plain": ""}
    assert not any("application/vnd.jupyter.widget-view+json" in u for u in sink.updates)
    head = ip.magics_manager.registry["GeminiMagics"].session.chain.head()
    assert head.id == result.result.id


def test_wait_for_jobs_setting(ip, emu, kernel, sink):
    magics = ip.magics_manager.registry["GeminiMagics"]
    magics.wait_for_jobs = True
    try:
        result, _, err = run_cell(ip, f"%%gemini -m {MODEL} --background\nWhat is 2+2?")
    finally:
        magics.wait_for_jobs = False
    assert isinstance(result.result, InteractionResult) and "4" in result.result.text, err


def test_ctrl_c_in_wait_leaves_the_job_running_and_says_how_to_follow_it(ip, emu, monkeypatch):
    def interrupt(_job, _seconds):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(jobs, "_pause", interrupt)
        result, out, err = run_cell(ip, f"%%gemini --agent {AGENT} --wait -o job\nResearch tea")
    job = ip.user_ns["job"]
    assert f"%gemini attach {job.id}" in err and f"%gemini cancel {job.number}" in err
    assert "keeps running on the server" in err
    assert jobs.registry().find(job.id) is job
    job.wait(30)
    assert ip.magics_manager.registry["GeminiMagics"].session.chain.head().id == job.id


def test_cancel_and_attach_commands(ip, emu, client, slow):
    run_cell(ip, f"%%gemini --agent {AGENT} -o job\nResearch the history of maps")
    job = ip.user_ns["job"]
    result, out, err = run_cell(ip, f"%gemini cancel {job.number}")
    assert result.success and "cancelled" in out, err
    assert job.wait(30).status == "cancelled" and client.interactions.get(job.id).status == "cancelled"
    run_cell(ip, f"%%gemini --agent {AGENT} -o job2\nResearch the history of ships")
    job2 = ip.user_ns["job2"]
    result, out, err = run_cell(ip, f"%gemini cancel {job2.id}")
    assert result.success and job2.wait(30).status == "cancelled"
    result, out, err = run_cell(ip, f"%gemini attach {job.id}")
    assert result.success, err
    assert jobs.registry().find(job.id) is not job and len(jobs.registry()) >= 3


@pytest.mark.parametrize(
    "line, fragment",
    [
        ("%gemini cancel", "needs one job number"),
        ("%gemini cancel ../../x", "not an interaction id"),
        ("%gemini cancel 9999", "no job 9999"),
        ("%gemini attach", "needs one job number"),
        ("%gemini jobs now", "takes no argument"),
    ],
)
def test_job_commands_refuse_bad_input_in_one_line(ip, emu, line, fragment):
    before = len(emu.requests())
    result, out, err = run_cell(ip, line)
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in err, err
    assert len(emu.requests()) == before


def test_agent_config_from_the_first_line(ip, emu):
    line = (
        f"%%gemini --agent {AGENT} --wait --agent-config thinking_summaries=none "
        "--agent-config visualization=auto --agent-config collaborative_planning=false"
    )
    result, _, err = run_cell(ip, line + "\nResearch heat pumps")
    assert result.success, err
    sent = body(creates(emu)[-1])
    assert sent["agent_config"] == {
        "type": "deep-research",
        "thinking_summaries": "none",
        "visualization": "auto",
        "collaborative_planning": False,
    }
    assert result.result.images  # visualization=auto drew a chart
    run_cell(ip, "%%gemini --wait\nGo deeper on costs")  # the agent and its config carry on
    assert body(creates(emu)[-1])["agent_config"]["visualization"] == "auto"


@pytest.mark.parametrize(
    "line, fragment",
    [
        (f"%%gemini --agent {AGENT} --agent-config nokey", "KEY=VALUE"),
        (f"%%gemini -m {MODEL} --agent-config visualization=auto", "needs an agent"),
        (f"%%gemini -m {MODEL} --background --no-store", "drop --no-store"),
    ],
)
def test_bad_job_options_are_one_line(ip, emu, line, fragment):
    before = len(creates(emu))
    result, out, err = run_cell(ip, line + "\nhello")
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and fragment in lines[0], err
    assert len(creates(emu)) == before


def test_ask_takes_agent_config(session, emu):
    result = session.ask(
        "Research soil carbon", agent=AGENT, agent_config={"thinking_summaries": "none"}, wait=True
    )
    assert body(creates(emu)[-1])["agent_config"] == {"type": "deep-research", "thinking_summaries": "none"}
    assert not result.thoughts


def test_help_and_the_python_surface(ip):
    doc = ip.magics_manager.magics["line"]["gemini"].__doc__
    for word in (
        "--background",
        "--wait",
        "--agent-config",
        "%gemini jobs",
        "%gemini cancel",
        "%gemini attach",
    ):
        assert word in doc
    import gemini_nb

    assert gemini_nb.jobs is jobs and callable(gemini_nb.jobs)
    assert list(gemini_nb.jobs().columns) == ["id", "model", "status", "started", "elapsed", "prompt"]
    from gemini_nb import api

    assert gemini_nb.cancel is api.cancel and gemini_nb.attach is api.attach


# -- displays ----------------------------------------------------------------------------------
class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def _fake_job(clock):
    job = jobs.Job(
        client=None,
        interaction_id="v1_fake",
        name=AGENT,
        kind="agent",
        prompt="p",
        view={"emulated": True},
        clock=clock,
    )
    job.number = 1
    return job


def _feed(job, n, clock, pump, seconds):
    """``n`` events over ``seconds`` of fake time, ``pump`` after each (the worst case: a
    display driven by every event)."""
    job.assembler.feed(
        {"event_type": "interaction.created", "interaction": {"id": "v1_fake", "status": "in_progress"}}
    )
    job.assembler.feed({"event_type": "step.start", "index": 0, "step": {"type": "thought"}})
    for i in range(n):
        clock.now += seconds / n
        if i % 50 == 0:
            job.assembler.feed(
                {
                    "event_type": "step.delta",
                    "index": 0,
                    "delta": {
                        "type": "thought_summary",
                        "content": {"type": "text", "text": f"**Step {i}**\n\nreading"},
                    },
                }
            )
        else:
            job.assembler.feed(
                {"event_type": "step.delta", "index": 1, "delta": {"type": "text", "text": "x"}}
            )
        pump()


def test_the_job_display_sends_at_most_25_messages_a_second(monkeypatch):
    import comm

    from gemini_nb.widgets.job import JobDisplay

    sent = []  # every comm message a widget sends, as the kernel would publish it
    monkeypatch.setattr(comm.DummyComm, "publish_msg", lambda self, msg_type, *a, **kw: sent.append(msg_type))
    clock = FakeClock()
    job = _fake_job(clock)
    recorder = Sink()
    display = JobDisplay(job, sink=recorder, widgets=True, rate=100, clock=clock)  # asks for 100/s
    opened = len(sent)
    _feed(job, 20_000, clock, display.pump, seconds=4.0)
    clock.now += 0.2  # the ticker's next turn sends what the throttle held back
    display.pump()
    comm_updates = len(sent) - opened
    messages = comm_updates + len(recorder.updates)
    assert display.messages == messages  # its own count agrees with the wire
    assert 4 <= messages <= 25 * 4.2 + 1, messages
    assert "Step 19950" in display.html.value  # the latest progress reached the screen


def test_the_html_fallback_is_throttled_too():
    from gemini_nb.widgets.job import JobDisplay

    clock = FakeClock()
    job = _fake_job(clock)
    recorder = Sink()
    display = JobDisplay(job, sink=recorder, widgets=False, clock=clock)
    _feed(job, 10_000, clock, display.pump, seconds=2.0)
    clock.now += 0.2
    display.pump()
    assert 2 <= len(recorder.updates) <= 2.2 * 10 + 1
    assert "Step 9950" in recorder.updates[-1]["text/html"]


def test_the_cancel_button_cancels_on_the_server(session, emu, client, slow, monkeypatch):
    from gemini_nb.widgets.job import JobDisplay

    job = session.ask("Research the history of maps", agent=AGENT)
    display = JobDisplay(job, sink=Sink(), widgets=True).show()
    display.button.click()
    assert job.wait(30).status == "cancelled" and client.interactions.get(job.id).status == "cancelled"
    display._thread.join(5)
    assert display.button.disabled and "cancelled" in display.html.value


def test_terminal_shows_text_progress_then_the_report(session, emu):
    from gemini_nb.widgets.job import TextJobDisplay

    job = session.ask("Research the history of tea", agent=AGENT)
    out = io.StringIO()
    view = TextJobDisplay(job, out=out).show()
    job.wait(30)
    view._thread.join(5)
    text = out.getvalue()
    assert text.startswith(f"[job {job.number}] {AGENT} started: {job.id}")
    assert "completed" in text and "# History of Tea" in text


def test_a_finished_job_renders_like_a_cell(session, emu):
    from gemini_nb.render import result_bundle

    job = session.ask("What is 2+2?", model=MODEL, background=True)
    job.wait(30)
    data, metadata = job._repr_mimebundle_()
    assert data == result_bundle(job.result)[0] and metadata["gemini_nb"]["interaction_id"] == job.id
    assert "2+2" in job._repr_html_() or "4" in job._repr_html_()


def test_a_one_off_ask_job_never_talks_about_a_chain(clean_env, emu, monkeypatch):
    from gemini_nb.widgets.job import final_bundle, note_text

    monkeypatch.setenv("GEMINI_NB_BACKEND", emu.base_url)
    job = gemini_nb.ask("What is 2+2?", model=MODEL, background=True)
    assert isinstance(job, jobs.Job)
    job.wait(30)
    assert note_text(job) == "" and "fork" not in final_bundle(job)[0]["text/markdown"]
    assert gemini_nb.default_session().chain.head() is None  # the kernel's chain did not move


def test_a_job_that_cannot_start_is_one_line_and_no_job(ip, emu):
    before = len(jobs.registry())
    result, out, err = run_cell(ip, "%%gemini --agent no-such-agent -o job\nhi")
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and "no-such-agent" in lines[0] and "Traceback" not in err, err
    assert len(jobs.registry()) == before and "job" not in ip.user_ns


def test_a_script_waiting_for_a_job_loads_no_ipython(emulator, tmp_path):
    import subprocess
    import sys

    code = (
        "import sys\nfrom gemini_nb.api import Session\n"
        f"s = Session(backend={emulator.base_url!r}, retry_attempts=1)\n"
        "r = s.ask('What is 2+2?', model='gemini-3-flash-preview', background=True, wait=True,\n"
        "          stream=False)\n"
        "assert '4' in r.text, r.text\n"
        "assert 'IPython' not in sys.modules and 'ipywidgets' not in sys.modules\n"
        "print('ok')\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GEMINI_API", "GOOGLE_"))}
    env["GEMINI_NB_HISTORY"] = str(tmp_path / "h.sqlite3")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_attach_by_job_number_shows_that_job_again(ip, emu, kernel, sink):
    run_cell(ip, f"%%gemini -m {MODEL} --background -o job\nWhat is 2+2?")
    job = ip.user_ns["job"]
    job.wait(30)
    result, out, err = run_cell(ip, f"%gemini attach {job.number}")
    assert result.success, err
    assert len(sink.displays) == 2 and "2+2 = 4" in sink.displays[-1]["text/markdown"]
    assert ip.user_ns["_"] is job
    result, out, err = run_cell(ip, "%gemini attach 9999")
    assert "no job 9999" in err and "Traceback" not in err
