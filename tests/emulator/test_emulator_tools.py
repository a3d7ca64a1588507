"""Built-in tools in the emulator, through the real google-genai SDK over HTTP.

Each tool must produce its ``*_call``/``*_result`` steps and a cited answer, parse into the
SDK's *typed* classes streamed and not (never the unknown-variant fallbacks), and code
execution must really compute while containing hostile snippets.
"""

from __future__ import annotations

import json
import subprocess
import textwrap

import pytest

MODEL = "gemini-3-flash-preview"

CASES = {
    "google_search": (
        [{"type": "google_search"}],
        "Who won the latest Tour de France?",
        "google_search_call",
        "google_search_result",
    ),
    "code_execution": (
        [{"type": "code_execution"}],
        "What is the sum of the first 10 primes?",
        "code_execution_call",
        "code_execution_result",
    ),
    "url_context": (
        [{"type": "url_context"}],
        "Summarize https://en.wikipedia.org/wiki/Alan_Turing and http://nohost/page",
        "url_context_call",
        "url_context_result",
    ),
    "mcp_server": (
        [
            {
                "type": "mcp_server",
                "name": "weather",
                "url": "https://mcp.example.com/sse",
                "allowed_tools": [{"mode": "auto", "tools": ["get_alerts", "get_weather"]}],
            }
        ],
        "What's the weather in Paris?",
        "mcp_server_tool_call",
        "mcp_server_tool_result",
    ),
    "file_search": (
        [{"type": "file_search", "file_search_store_names": ["fileSearchStores/hr-1"]}],
        "What does our vacation policy say?",
        "file_search_call",
        "file_search_result",
    ),
    "google_maps": (
        [{"type": "google_maps", "latitude": 48.8566, "longitude": 2.3522}],
        "Any good coffee shops near me?",
        "google_maps_call",
        "google_maps_result",
    ),
}


def _typed_stream(stream) -> list:
    """All events, asserting every step shell and delta parsed into its typed class."""
    events = list(stream)
    for ev in events:
        name = type(ev).__name__
        assert "Unknown" not in name, ev
        if name == "StepStart":
            assert "Unknown" not in type(ev.step).__name__, ev.step
        if name == "StepDelta":
            assert "Unknown" not in type(ev.delta).__name__, ev.delta
    return events


def _annotations(interaction):
    for step in interaction.steps:
        if step.type == "model_output":
            for part in step.content:
                if part.type == "text":
                    for ann in part.annotations or []:
                        yield part.text, ann


def _check_annotations(interaction, kind: str) -> int:
    n = 0
    for text, ann in _annotations(interaction):
        assert ann.type == kind
        span = text[ann.start_index : ann.end_index]
        assert span and span == span.strip(), (span, ann)
        assert 0 <= ann.start_index < ann.end_index <= len(text)
        n += 1
    return n


@pytest.mark.parametrize("name", list(CASES))
def test_builtin_tool_steps_unary_and_streamed(client, name):
    tools, prompt, call_type, result_type = CASES[name]
    r = client.interactions.create(model=MODEL, input=prompt, tools=tools)
    assert r.status == "completed"
    types = [s.type for s in r.steps]
    assert types == ["thought", call_type, result_type, "model_output"], types
    call, result = r.steps[1], r.steps[2]
    assert "Unknown" not in type(call).__name__ and "Unknown" not in type(result).__name__
    assert result.call_id == call.id
    assert r.output_text
    events = _typed_stream(client.interactions.create(model=MODEL, input=prompt, tools=tools, stream=True))
    starts = [ev.step.type for ev in events if type(ev).__name__ == "StepStart"]
    assert starts == types
    deltas = {type(ev.delta).__name__ for ev in events if type(ev).__name__ == "StepDelta"}
    assert "TextDelta" in deltas
    final = events[-1]
    assert type(final).__name__ == "InteractionCompletedEvent"
    assert final.interaction.status == "completed"
    # the streamed text equals the unary text (deterministic answers)
    text = "".join(
        ev.delta.text
        for ev in events
        if type(ev).__name__ == "StepDelta" and type(ev.delta).__name__ == "TextDelta"
    )
    assert text == r.output_text


def test_google_search_queries_results_citations_and_grounding_usage(client):
    r = client.interactions.create(
        model=MODEL, input="Who won the latest Tour de France?", tools=[{"type": "google_search"}]
    )
    call, result = r.steps[1], r.steps[2]
    assert call.arguments.queries and "Tour de France" in call.arguments.queries[0]
    urls = [item.url for item in result.result]
    assert len(urls) >= 3 and all(u.startswith("https://") for u in urls)
    assert result.result[0].search_suggestions.startswith("<div")
    assert _check_annotations(r, "url_citation") >= 3
    cited = {ann.url for _, ann in _annotations(r)}
    assert cited <= set(urls)
    assert "Tour de France" in r.output_text
    assert [(g.type, g.count) for g in r.usage.grounding_tool_count] == [("google_search", 1)]
    assert r.usage.total_tool_use_tokens > 0


def test_streamed_search_result_delta_carries_the_results(client):
    events = _typed_stream(
        client.interactions.create(
            model=MODEL,
            input="Search for the latest news about fusion energy",
            tools=[{"type": "google_search"}],
            stream=True,
        )
    )
    starts = {ev.index: ev.step for ev in events if type(ev).__name__ == "StepStart"}
    result_deltas = [
        ev.delta
        for ev in events
        if type(ev).__name__ == "StepDelta" and type(ev.delta).__name__ == "GoogleSearchResultDelta"
    ]
    assert result_deltas and len(result_deltas[0].result) >= 3
    call_start = next(s for s in starts.values() if s.type == "google_search_call")
    result_start = next(s for s in starts.values() if s.type == "google_search_result")
    assert result_start.call_id == call_start.id
    ann = [
        ev.delta
        for ev in events
        if type(ev).__name__ == "StepDelta" and type(ev.delta).__name__ == "TextAnnotationDelta"
    ]
    assert ann and all(type(a).__name__ == "URLCitation" for a in ann[0].annotations)


def test_code_execution_really_runs(client):
    r = client.interactions.create(
        model=MODEL, input="What is the sum of the first 10 primes?", tools=[{"type": "code_execution"}]
    )
    call, result = r.steps[1], r.steps[2]
    assert call.arguments.language == "python" and "is_prime" in call.arguments.code
    assert result.is_error is False
    assert "Sum: 129" in result.result
    assert "**129**" in r.output_text
    r2 = client.interactions.create(
        model=MODEL, input="Compute the factorial of 25", tools=[{"type": "code_execution"}]
    )
    assert "15511210043330985984000000" in r2.steps[2].result


def _run_code(client, code: str):
    prompt = f"Run this code:\n```python\n{textwrap.dedent(code).strip()}\n```"
    r = client.interactions.create(model=MODEL, input=prompt, tools=[{"type": "code_execution"}])
    call, result = r.steps[1], r.steps[2]
    assert call.arguments.code.strip() == textwrap.dedent(code).strip()
    return result, r.output_text


def test_user_code_runs_in_the_sandbox(client):
    result, text = _run_code(client, "print(sum(i * i for i in range(10)))")
    assert (result.result.strip(), result.is_error) == ("285", False)
    assert "285" in text


def test_hostile_infinite_loop_times_out(client):
    result, text = _run_code(client, "while True:\n    pass")
    assert result.is_error and "timed out" in result.result
    assert "ran out of time" in text


def test_hostile_huge_allocation_is_contained(client):
    result, _ = _run_code(client, "blob = bytearray(8 * 1024 ** 3)\nprint(len(blob))")
    assert result.is_error and "MemoryError" in result.result


def test_hostile_writes_reads_and_processes_are_refused(client, tmp_path):
    target = tmp_path / "escaped.txt"
    result, _ = _run_code(client, f"open({str(target)!r}, 'w').write('pwned')")
    assert result.is_error and "PermissionError" in result.result
    assert not target.exists()
    result, _ = _run_code(client, "print(open('/etc/hostname').read())")
    assert result.is_error and "PermissionError" in result.result
    result, _ = _run_code(client, "import subprocess\nsubprocess.run(['id'])")
    assert result.is_error and "PermissionError" in result.result
    result, _ = _run_code(client, "import os\nprint(sorted(os.environ))")
    assert not result.is_error and "GEMINI" not in result.result and "PATH" not in result.result
    result, _ = _run_code(client, "open('local.txt', 'w').write('ok')\nprint(open('local.txt').read())")
    assert (result.is_error, result.result.strip()) == (False, "ok")


ESCAPES = {
    "traceback frame": """
        try:
            open({target!r}, 'w')
        except PermissionError as e:
            tb = e.__traceback__
            while tb.tb_next:
                tb = tb.tb_next
            tb.tb_frame.f_locals['root'] = '/'
            tb.tb_frame.f_globals['root'] = '/'
        open({target!r}, 'w').write('pwned')""",
    "monkeypatching": """
        import builtins, posixpath, os
        builtins.type = lambda x: int
        posixpath.realpath = posixpath.abspath = lambda p: os.getcwd()
        open({target!r}, 'w').write('pwned')""",
    "gc": """
        import gc
        gc.get_objects()""",
    "symlink": """
        import os
        os.symlink('/', 'root')
        open('root' + {target!r}, 'w').write('pwned')""",
    "str subclass": """
        class S(str):
            def startswith(self, *a):
                return True
        open(S({target!r}), 'w').write('pwned')""",
    "low-level module": """
        import importlib.util, os
        d = os.path.dirname(os.__file__) + '/lib-dynload'
        so = [f for f in os.listdir(d) if f.startswith('_posixsubprocess')][0]
        spec = importlib.util.spec_from_file_location('_posixsubprocess', d + '/' + so)
        importlib.util.module_from_spec(spec)""",
}


@pytest.mark.parametrize("attack", list(ESCAPES))
def test_sandbox_escape_attempts_fail(client, tmp_path, attack):
    target = str(tmp_path / "escaped.txt")
    result, _ = _run_code(client, textwrap.dedent(ESCAPES[attack]).format(target=target))
    assert result.is_error and "PermissionError: sandbox" in result.result
    assert not (tmp_path / "escaped.txt").exists()


def test_sandbox_keeps_ordinary_python_working(client):
    code = """
        import collections, dataclasses, decimal, enum, fractions, json, random, statistics
        @dataclasses.dataclass
        class Point:
            x: int = 1
        P = collections.namedtuple('P', 'a b')
        print(statistics.mean([1, 2, 3]), P(1, 2), Point(), json.dumps({'a': 1}))
        print(enum.Enum('E', 'A B').A, fractions.Fraction(1, 3), decimal.Decimal('1.5') * 2)"""
    result, _ = _run_code(client, code)
    assert not result.is_error, result.result
    assert "2 P(a=1, b=2) Point(x=1)" in result.result


def test_url_context_statuses_and_citations(client):
    r = client.interactions.create(
        model=MODEL, input=CASES["url_context"][1], tools=[{"type": "url_context"}]
    )
    call, result = r.steps[1], r.steps[2]
    assert call.arguments.urls == ["https://en.wikipedia.org/wiki/Alan_Turing", "http://nohost/page"]
    assert [(x.url, x.status) for x in result.result] == [
        ("https://en.wikipedia.org/wiki/Alan_Turing", "success"),
        ("http://nohost/page", "error"),
    ]
    assert result.is_error is False
    assert _check_annotations(r, "url_citation") == 1
    assert "Alan Turing" in r.output_text and "could not be retrieved" in r.output_text


def test_mcp_server_call_uses_an_allowed_tool(client):
    r = client.interactions.create(
        model=MODEL, input="What's the weather in Paris?", tools=CASES["mcp_server"][0]
    )
    call, result = r.steps[1], r.steps[2]
    assert (call.name, call.server_name, call.arguments) == ("get_weather", "weather", {"location": "Paris"})
    assert (result.name, result.server_name) == ("get_weather", "weather")
    assert "Paris" in result.result and "°C" in r.output_text


def test_file_search_uses_the_configured_stores_and_cites_files(client):
    stores = ["fileSearchStores/hr-1", "fileSearchStores/hr-2"]
    r = client.interactions.create(
        model=MODEL,
        input="What does our vacation policy say?",
        tools=[{"type": "file_search", "file_search_store_names": stores, "top_k": 4}],
    )
    result = r.steps[2]
    hits = result.model_dump()["result"]
    assert len(hits) == 4 and {h["file_search_store"] for h in hits} == set(stores)
    assert _check_annotations(r, "file_citation") == 4
    assert {ann.source for _, ann in _annotations(r)} == set(stores)


def test_google_maps_places_and_place_citations(client):
    r = client.interactions.create(
        model=MODEL, input="Any good coffee shops near me?", tools=CASES["google_maps"][0]
    )
    call, result = r.steps[1], r.steps[2]
    assert "48.8566" in call.arguments.queries[0]
    places = result.result[0].places
    assert len(places) == 3 and all(p.place_id.startswith("ChIJ") and p.review_snippets for p in places)
    assert _check_annotations(r, "place_citation") == 3
    assert {ann.place_id for _, ann in _annotations(r)} == {p.place_id for p in places}
    assert [(g.type, g.count) for g in r.usage.grounding_tool_count] == [("google_maps", 1)]


def test_computer_use_is_a_client_side_loop(client):
    tools = [
        {
            "type": "computer_use",
            "environment": "browser",
            "excluded_predefined_functions": ["open_web_browser"],
        }
    ]
    r = client.interactions.create(model=MODEL, input="Search for flights to Tokyo", tools=tools)
    assert r.status == "requires_action"
    call = r.steps[-1]
    assert call.type == "function_call" and call.name == "navigate"
    assert call.arguments["url"].startswith("https://")
    names, prev = [call.name], r
    for _ in range(6):
        nxt = client.interactions.create(
            model=MODEL,
            previous_interaction_id=prev.id,
            tools=tools,
            input=[
                {
                    "type": "function_result",
                    "call_id": prev.steps[-1].id,
                    "name": prev.steps[-1].name,
                    "result": {"url": "https://www.google.com/search?q=flights"},
                }
            ],
        )
        prev = nxt
        if nxt.status != "requires_action":
            break
        names.append(nxt.steps[-1].name)
    assert prev.status == "completed"
    assert names[:2] == ["navigate", "type_text_at"]
    assert "open_web_browser" not in names
    assert "completed the task" in prev.output_text


def test_tool_choice_none_and_any(client):
    none = client.interactions.create(
        model=MODEL,
        input="Search for the latest news on Mars",
        tools=[{"type": "google_search"}],
        generation_config={"tool_choice": "none"},
    )
    assert [s.type for s in none.steps] == ["thought", "model_output"]
    plain = client.interactions.create(model=MODEL, input="hello", tools=[{"type": "code_execution"}])
    assert [s.type for s in plain.steps] == ["thought", "model_output"]
    forced = client.interactions.create(
        model=MODEL,
        input="Tell me about otters",
        tools=[{"type": "code_execution"}],
        generation_config={"tool_choice": "any"},
    )
    assert [s.type for s in forced.steps][1:3] == ["code_execution_call", "code_execution_result"]


def test_several_tools_in_one_turn(client):
    r = client.interactions.create(
        model=MODEL,
        input="Read https://example.com/solar-report and search for the latest news on solar panels",
        tools=[{"type": "url_context"}, {"type": "google_search"}],
    )
    types = [s.type for s in r.steps]
    assert types == [
        "thought",
        "url_context_call",
        "url_context_result",
        "google_search_call",
        "google_search_result",
        "model_output",
    ]
    assert _check_annotations(r, "url_citation") >= 4


LEGACY_SCRIPT = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
from google import genai
client = genai.Client(api_key="k", http_options={"base_url": sys.argv[1]})
out = {}
tools = json.loads(sys.argv[2])
prompt = sys.argv[3]
r = client.interactions.create(model="gemini-3-flash-preview", input=prompt, tools=tools)
out["status"] = r.status
out["outputs"] = [type(o).__name__ + ":" + o.type for o in r.outputs]
text = [o for o in r.outputs if o.type == "text"][-1]
raw = text.text.encode("utf-8")
out["spans"] = [raw[a.start_index:a.end_index].decode() for a in text.annotations or []]
out["sources"] = [a.source for a in text.annotations or []]
out["results"] = [o.model_dump() for o in r.outputs if o.type.endswith("_result")]
events = []
for ev in client.interactions.create(model="gemini-3-flash-preview", input=prompt, tools=tools,
                                     stream=True):
    name = type(ev).__name__
    if name in ("ContentStart", "ContentDelta"):
        name += "/" + type(ev.content if name == "ContentStart" else ev.delta).__name__
    events.append(name)
out["events"] = events
print(json.dumps(out))
"""


def _legacy(legacy_py, emu, tools, prompt):
    proc = subprocess.run(
        [legacy_py, "-c", LEGACY_SCRIPT, emu.base_url, json.dumps(tools), prompt],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.legacy
def test_legacy_google_search(legacy_py, emu):
    out = _legacy(legacy_py, emu, [{"type": "google_search"}], "Who won the latest Tour de France?")
    assert out["status"] == "completed"
    assert out["outputs"] == [
        "ThoughtContent:thought",
        "GoogleSearchCallContent:google_search_call",
        "GoogleSearchResultContent:google_search_result",
        "TextContent:text",
    ]
    assert out["spans"] and all(s == s.strip() and s for s in out["spans"])
    assert all(s.startswith("https://") for s in out["sources"])
    items = out["results"][0]["result"]
    assert all(item["url"] and item["title"] and item["rendered_content"] for item in items)
    events = out["events"]
    assert "ContentStart/GoogleSearchCallContent" in events
    assert "ContentDelta/DeltaGoogleSearchResultDelta" in events
    assert events[0] == "InteractionEvent" and events[-1] == "InteractionEvent"
    assert events.count("InteractionEvent") == 2  # start + complete: nothing fell back


@pytest.mark.legacy
def test_legacy_code_execution_mcp_and_file_search(legacy_py, emu):
    out = _legacy(legacy_py, emu, [{"type": "code_execution"}], "Sum of the first 10 primes?")
    assert out["results"][0]["result"].strip().endswith("Sum: 129")
    assert "ContentStart/CodeExecutionResultContent" in out["events"]
    out = _legacy(legacy_py, emu, CASES["mcp_server"][0], "What's the weather in Paris?")
    assert "ContentStart/MCPServerToolCallContent" in out["events"]
    assert out["events"].count("InteractionEvent") == 2
    out = _legacy(legacy_py, emu, CASES["file_search"][0], "What does our vacation policy say?")
    # 1.x has no file_search_call block: only the result is shown
    assert out["outputs"][1:] == ["FileSearchResultContent:file_search_result", "TextContent:text"]
    assert out["sources"] == ["fileSearchStores/hr-1"] * 3


def test_structured_output_requests_are_left_to_the_schema_skill(client):
    schema = {"type": "object", "properties": {"winner": {"type": "string"}}, "required": ["winner"]}
    r = client.interactions.create(
        model=MODEL,
        input="Who won the latest Tour de France?",
        tools=[{"type": "google_search"}],
        response_format=schema,
    )
    assert "google_search_call" not in [s.type for s in r.steps]
