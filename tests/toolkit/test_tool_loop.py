"""The tool loop against the emulator through the real SDK: functions run, results go back, every
safety case becomes an error result, both state modes, streamed and not, approve, no-auto +
reply, the round limit, built-in tools and their traces, the magics, the live trace.

Prompts name the function explicitly ("Use get_weather for Paris") so they hold whatever the
emulator's way of choosing a function; cases the model would never produce (a call to an
undeclared name, arguments of the wrong type) are scripted with emulator scenarios.
"""

from __future__ import annotations

import json
import time

import pytest
from display_sink import RecordingSink
from shell_helpers import control, run_cell

from gemini_nb.errors import GeminiError
from gemini_nb.toolspec import ToolOptionError

MODES = [
    pytest.param(stream, store, id=f"{'stream' if stream else 'unary'}-{'store' if store else 'no-store'}")
    for stream in (False, True)
    for store in (True, False)
]


def get_weather(location: str, unit: str = "celsius") -> dict:
    """Gets the current weather for a city.

    Args:
        location: City name.
        unit: celsius or fahrenheit.
    """
    get_weather.calls.append(location)
    return {"location": location, "sky": "sunny", "temp": 21}


get_weather.calls = []


@pytest.fixture(autouse=True)
def _fresh():
    get_weather.calls.clear()


@pytest.fixture
def scenarios(emu):
    def add(*items):
        control(emu.base_url, "scenarios", {"scenarios": list(items)})

    yield add
    control(emu.base_url, "scenarios", method="DELETE")


def posts(emu):
    return [
        r["body"] for r in emu.requests() if r.get("method") == "POST" and "interactions" in r.get("path", "")
    ]


def md(result):
    return result._repr_mimebundle_()[0]["text/markdown"]


def results_sent(body):
    return [s for s in body.get("input") or [] if isinstance(s, dict) and s.get("type") == "function_result"]


# -- the loop in both state modes, streamed and not -------------------------------------------------
@pytest.mark.parametrize("stream,store", MODES)
def test_named_function_runs_and_its_result_reaches_the_answer(session, emu, stream, store):
    result = session.ask("Use get_weather for Paris", tools=[get_weather], stream=stream, store=store)
    assert result.status == "completed" and get_weather.calls == ["Paris"]
    assert "sunny" in result.text and "Paris" in result.text
    [call] = result.calls
    assert (call.name, call.arguments, call.status, call.error) == (
        "get_weather",
        {"location": "Paris"},
        "ok",
        None,
    )
    assert call.result == {"location": "Paris", "sky": "sunny", "temp": 21} and call.duration_s >= 0
    first, second = posts(emu)
    assert first["tools"][0]["name"] == "get_weather" and second["tools"] == first["tools"]
    [sent] = results_sent(second)
    assert sent["call_id"] == call.id and sent["result"] == call.result and "is_error" not in sent
    if store:
        assert second["previous_interaction_id"] == result.round_ids[0]
    else:  # the whole turn so far is resent: the prompt, the call (with its thought signature), the result
        assert "previous_interaction_id" not in second and second["store"] is False
        kinds = [s["type"] for s in second["input"]]
        assert kinds[0] == "user_input" and kinds[-2:] == ["function_call", "function_result"]
        assert any(s["type"] == "thought" and s.get("signature") for s in second["input"])
    assert len(result.round_ids) == 2 and result.id == result.round_ids[-1] and result.latency > 0
    # the chain keeps every round: the next turn continues after the answer
    follow = session.ask("What did I ask about?", stream=False, store=store)
    last = posts(emu)[-1]
    if store:
        assert last["previous_interaction_id"] == result.id
    else:
        assert [s["type"] for s in last["input"]].count("function_result") == 1
    assert follow.status == "completed"


def test_parallel_calls_are_all_answered_in_one_round(session, emu):
    result = session.ask("Use get_weather for Paris and for Tokyo", tools=[get_weather], stream=False)
    assert sorted(get_weather.calls) == ["Paris", "Tokyo"] and result.status == "completed"
    assert [len(results_sent(b)) for b in posts(emu)] == [0, 2]
    frame = result.calls_df()
    assert list(frame["name"]) == ["get_weather", "get_weather"] and list(frame["status"]) == ["ok", "ok"]


# -- safety --------------------------------------------------------------------------------------------
def test_a_call_to_another_name_runs_nothing(session, emu, scenarios):
    scenarios(
        {
            "name": "sneaky",
            "match": {"input": "(?i)tidy up"},
            "respond": [{"function_call": {"name": "rm_rf", "arguments": {"path": "/"}}}],
        },
        {"name": "after", "match": {"function_result": "rm_rf"}, "respond": "I could not do that."},
    )
    result = session.ask("Tidy up please", tools=[get_weather], stream=False)
    assert result.status == "completed" and result.text == "I could not do that." and get_weather.calls == []
    [call] = result.calls
    assert call.status == "error" and "no function named 'rm_rf'" in call.error
    [sent] = results_sent(posts(emu)[1])
    assert sent["is_error"] is True and "nothing was run" in sent["result"]["error"]
    assert "no function named" in md(result)


def test_invalid_arguments_are_refused_before_the_function_runs(session, emu, scenarios):
    scenarios(
        {
            "name": "bad",
            "match": {"input": "(?i)bad args"},
            "respond": [{"function_call": {"name": "get_weather", "arguments": {"location": 42}}}],
        },
        {"name": "after", "match": {"function_result": "get_weather"}, "respond": "Sorry."},
    )
    result = session.ask("bad args please", tools=[get_weather], stream=True)
    assert get_weather.calls == [] and result.status == "completed"
    assert result.calls[0].error == "invalid arguments for get_weather: location: expected string, got 42"
    assert results_sent(posts(emu)[1])[0]["is_error"] is True


@pytest.mark.parametrize("stream", [False, True])
def test_a_function_that_raises_or_times_out_becomes_an_error_result(session, emu, stream):
    def get_weather(location: str) -> str:
        """Gets the weather."""
        raise RuntimeError(f"no station in {location}")

    result = session.ask("Use get_weather for Oslo", tools=[get_weather], stream=stream)
    assert (
        result.status == "completed"
        and result.calls[0].error == "get_weather raised RuntimeError: no station in Oslo"
    )
    assert results_sent(posts(emu)[1])[0]["result"] == {"error": result.calls[0].error}

    def slow_weather(location: str) -> str:
        """Gets the weather slowly."""
        time.sleep(3)
        return "late"

    started = time.monotonic()
    result = session.ask(
        "Use slow_weather for Oslo", tools=[slow_weather], stream=stream, tool_timeout=0.3, new=True
    )
    assert time.monotonic() - started < 2.5
    assert result.calls[0].status == "error" and "did not finish within 0.3 s" in result.calls[0].error


def test_non_json_results_are_converted(session, emu):
    import numpy as np
    import pandas as pd

    def get_weather(location: str):
        """Gets the weather as a table."""
        return pd.DataFrame({"hour": np.arange(500), "temp": np.full(500, 20.5)})

    session.settings.max_tool_rounds = 3
    result = session.ask("Use get_weather for Lima", tools=[get_weather], stream=False)
    [sent] = results_sent(posts(emu)[1])
    rows = sent["result"]["result"]  # a list travels inside an object (the API reads a bare list as content)
    assert len(rows) == 200 and rows[0] == {"hour": 0, "temp": 20.5}
    assert result.calls[0].notes == ["DataFrame of 500 rows: the first 200 sent"]
    assert "DataFrame of 500 rows" in md(result)


# -- approve, no-auto, reply, the round limit -----------------------------------------------------------
def test_approve_asks_before_each_call(session, emu, monkeypatch):
    answers = iter(["n"])
    prompts = []
    monkeypatch.setattr("builtins.input", lambda text: prompts.append(text) or next(answers))
    result = session.ask("Use get_weather for Paris", tools=[get_weather], approve=True, stream=False)
    assert prompts == ["Run get_weather(location='Paris')? [y/N] "] and get_weather.calls == []
    assert result.calls[0].status == "declined"
    assert results_sent(posts(emu)[1])[0]["result"] == {"error": "the user declined to run get_weather"}
    answers = iter(["y"])
    session.ask("Use get_weather for Rome", tools=[get_weather], approve=True, stream=False, new=True)
    assert get_weather.calls == ["Rome"]


@pytest.mark.parametrize("store", [True, False])
def test_no_auto_returns_pending_calls_and_reply_continues(session, emu, store):
    result = session.ask(
        "Use get_weather for Paris", tools=[get_weather], auto=False, stream=False, store=store
    )
    assert result.status == "requires_action" and get_weather.calls == []
    assert [c.status for c in result.pending_calls] == ["pending"]
    assert ".reply(" in md(result)
    answer = result.reply({"get_weather": "hail, 2 degrees"})
    assert answer.status == "completed" and "hail, 2 degrees" in answer.text
    [sent] = results_sent(posts(emu)[-1])
    assert sent == {
        "type": "function_result",
        "call_id": result.calls[0].id,
        "name": "get_weather",
        "result": "hail, 2 degrees",
    }
    assert session.chain.head().id == answer.id
    with pytest.raises(ToolOptionError.__mro__[1], match="no pending function calls"):
        answer.reply(["x"])


def test_session_function_results_answer_the_head(session, emu):
    first = session.ask(
        "Use get_weather for Paris and for Tokyo", tools=[get_weather], auto=False, stream=False
    )
    answer = session.ask(function_results=["sunny", "rainy"], stream=True)
    assert [s["result"] for s in results_sent(posts(emu)[-1])] == ["sunny", "rainy"]
    assert answer.status == "completed" and answer.previous_interaction_id == first.id


def test_declarations_without_a_function_stop_for_a_hand_answer(session, emu):
    declaration = {
        "type": "function",
        "name": "get_weather",
        "description": "Gets the weather",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string"}},
            "required": ["location"],
        },
    }
    result = session.ask("Use get_weather for Paris", tools=[declaration], stream=False)
    assert result.status == "requires_action" and result.pending_calls[0].name == "get_weather"
    assert len(posts(emu)) == 1


def test_round_limit_stops_with_calls_pending(session, emu, scenarios):
    call = [{"function_call": {"name": "get_weather", "arguments": {"location": "Paris"}}}]
    scenarios(
        {"name": "first", "match": {"input": "(?i)loop forever"}, "respond": call},
        {"name": "again", "match": {"function_result": "get_weather"}, "respond": call},
    )
    result = session.ask("loop forever", tools=[get_weather], max_tool_rounds=2, stream=False)
    assert result.status == "requires_action" and len(get_weather.calls) == 2 and len(posts(emu)) == 3
    assert "stopped after 2 tool round(s)" in md(result)
    assert [c.status for c in result.calls] == ["ok", "ok", "pending"]


def test_ctrl_c_while_tools_run_keeps_the_turn(session, emu):
    def interrupt(call):
        raise KeyboardInterrupt

    head = session.chain.head()
    result = session.ask("Use get_weather for Paris", tools=[get_weather], approve=interrupt, stream=False)
    assert result.status == "interrupted" and get_weather.calls == [] and len(posts(emu)) == 1
    assert result.calls[0].name == "get_weather" and session.last is result
    assert session.chain.head() is head  # an interrupted turn does not move the head


def test_a_failed_follow_up_keeps_the_rounds_so_far(session, emu):
    result_holder = {}

    def get_weather(location: str) -> str:
        """Gets the weather; the server breaks right after."""
        emu.fault(status=400, times=1, message="bad follow-up")
        result_holder["ran"] = True
        return "sunny"

    with pytest.raises(GeminiError) as info:
        session.ask("Use get_weather for Paris", tools=[get_weather], stream=False)
    partial = info.value.partial
    assert result_holder["ran"] and partial.status == "error" and "\n" not in str(info.value)
    assert [s["type"] for s in partial.steps if "function" in s["type"]] == [
        "function_call",
        "function_result",
    ]
    assert partial.calls[0].status == "ok"


# -- built-in tools ----------------------------------------------------------------------------------------
BUILTIN_CASES = [
    ("google_search", "Search the web: who designed the Eiffel Tower?", "search: “"),
    ("code_execution", "Run code to compute the sum of the first 10 primes", "**output**"),
    ("url_context", "Summarize https://example.com/article", "URL context: 1 URL(s)"),
    ("google_maps", "Find coffee shops near the Louvre in Paris", "maps: “"),
    ("mcp:docs=https://mcp.example.com/sse", "Ask the docs server about installation", "MCP <code>docs."),
    ("file_search:handbook", "What does the handbook say about vacation?", "file search:"),
]


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("spec,prompt,shown", BUILTIN_CASES, ids=[c[0].split(":")[0] for c in BUILTIN_CASES])
def test_builtin_tools_are_sent_and_traced(session, emu, spec, prompt, shown, stream):
    result = session.ask(prompt, tools=[spec], stream=stream, generation_config={"tool_choice": "any"})
    assert result.status == "completed"
    assert posts(emu)[0]["tools"][0]["type"] == {"mcp": "mcp_server"}.get(
        spec.split(":")[0], spec.split(":")[0]
    )
    markdown = md(result)
    assert shown in markdown and "<details><summary>" in markdown
    if spec == "google_search":  # the cited sources are listed once: by the answer or by the toolkit
        from gemini_nb.render.trace import citations

        urls = [url for _, url in citations(result.steps)]
        assert urls and all(markdown.count(url) >= 1 for url in urls)
        assert ("**Sources**" in markdown) != ("Sources:" in result.text)


def test_computer_use_actions_wait_for_the_user(session, emu):
    result = session.ask(
        "Open example.com in the browser and click the first link", tools=["computer_use"], stream=False
    )
    assert result.status == "requires_action" and result.pending_calls and len(posts(emu)) == 1


def test_functions_and_builtins_together_only_where_the_api_allows(session, emu):
    result = session.ask("Use get_weather for Paris", tools=[get_weather, "google_search"], stream=False)
    assert [t["type"] for t in posts(emu)[0]["tools"]] == ["function", "google_search"] and result.text
    before = len(posts(emu))
    with pytest.raises(ToolOptionError, match="gemini-2.5-flash cannot combine built-in tools"):
        session.ask(
            "Use get_weather for Paris",
            tools=[get_weather, "google_search"],
            model="gemini-2.5-flash",
            new=True,
        )
    assert len(posts(emu)) == before


# -- the magics -------------------------------------------------------------------------------------------
def test_magic_tools_option_runs_notebook_functions(ip, emu):
    ip.user_ns["get_weather"] = get_weather
    outcome, out, err = run_cell(
        ip, "%%gemini --tools get_weather,google_search --no-stream\nUse get_weather for Paris"
    )
    result = outcome.result
    assert result.status == "completed" and get_weather.calls == ["Paris"] and "sunny" in result.text
    outcome, out, err = run_cell(ip, "%%gemini --tools nope\nUse nope")
    assert outcome.error_in_exec is not None and "no function named 'nope' in the notebook" in err + out
    assert len((err + out).strip().splitlines()) == 1


def test_magic_no_auto_then_reply(ip, emu):
    ip.user_ns["get_weather"] = get_weather
    outcome, _, _ = run_cell(
        ip, "%%gemini --tools get_weather --no-auto -o r --no-stream\nUse get_weather for Rome"
    )
    assert ip.user_ns["r"].status == "requires_action" and get_weather.calls == []
    outcome, _, _ = run_cell(ip, "r.reply({'get_weather': 'foggy'}).text")
    assert "foggy" in outcome.result


def test_magic_approve_and_limits_in_help(ip, emu, monkeypatch):
    from gemini_nb.magics import GeminiMagics

    ip.user_ns["get_weather"] = get_weather
    monkeypatch.setattr("builtins.input", lambda text: "y")
    outcome, _, _ = run_cell(
        ip, "%%gemini --tools get_weather --approve --no-stream\nUse get_weather for Bern"
    )
    assert get_weather.calls == ["Bern"]
    doc = GeminiMagics.gemini.__doc__
    for flag in ("--tools LIST", "--approve", "--no-auto", "--max-tool-rounds N", "--tool-timeout S"):
        assert flag in doc
    magics = ip.magics_manager.registry["GeminiMagics"]
    assert magics.max_tool_rounds == 10 and magics.tool_timeout == 30.0


# -- the live trace --------------------------------------------------------------------------------------
def test_live_view_shows_the_trace_as_it_happens(session, emu):
    from gemini_nb.render.live import LiveDisplay

    seen_during_run = []
    sink = RecordingSink()

    def get_weather(location: str) -> str:
        """Gets the weather (and looks at the screen while running)."""
        seen_during_run.append(json.dumps(sink.payloads[-1]))
        return "sunny"

    live = LiveDisplay(sink, rate=1000)
    result = session.ask("Use get_weather for Paris", tools=[get_weather], stream=True, live=live)
    assert result.status == "completed"
    assert "get_weather(location=Paris)" in seen_during_run[0] and "running" in seen_during_run[0]
    shown = [u.get("text/markdown", "") for u in sink.payloads]
    assert any("get_weather(location=Paris)</code>" in s and "· ok" in s for s in shown)
    assert (
        sum(1 for u in sink.payloads if u == {"text/plain": ""}) == 2
    )  # one region: opened and emptied once


def test_terminal_echo_writes_every_round():
    import io

    from gemini_nb.render.live import TerminalLive
    from gemini_nb.stream import StreamAssembler

    out = io.StringIO()
    live = TerminalLive(out, rate=0)
    for text in ("Let me check. ", "It is sunny."):  # two rounds: a fresh stream each
        stream = StreamAssembler()
        stream.feed({"event_type": "step.start", "index": 0, "step": {"type": "model_output"}})
        stream.feed({"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": text}})
        live.tick(stream)
    live.close()
    assert out.getvalue() == "Let me check. \nIt is sunny.\n"


def test_ask_takes_functions_and_its_result_replies(clean_env, emu, monkeypatch):
    import gemini_nb

    monkeypatch.setenv("GEMINI_NB_BACKEND", emu.base_url)
    result = gemini_nb.ask("Use get_weather for Paris", tools=[get_weather], stream=False)
    assert result.status == "completed" and get_weather.calls == ["Paris"]
    pending = gemini_nb.ask("Use get_weather for Rome", tools=[get_weather], auto=False, stream=False)
    answer = pending.reply(["drizzle"])
    assert "drizzle" in answer.text and get_weather.calls == ["Paris"]
    assert gemini_nb.default_session().chain.head() is None  # the magics' chain is untouched


def test_live_view_shows_server_side_tool_steps_while_streaming(session, emu):
    from gemini_nb.render.live import LiveDisplay

    sink = RecordingSink()
    result = session.ask(
        "Search the web: who designed the Eiffel Tower?",
        tools=["google_search"],
        generation_config={"tool_choice": "any"},
        live=LiveDisplay(sink, rate=1000),
    )
    live = [u.get("text/markdown", "") for u in sink.payloads[:-1]]  # before the region is emptied
    assert any("search: “" in md and "streaming…" in md for md in live)
    assert result.status == "completed"
