"""Scenarios: scripted exact answers, loaded from files or the control plane, via the real SDK."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import textwrap
from importlib import resources

import httpx
import pytest
from clients import make_client
from google.genai import _interactions as gx

from gemini_nb.emulator import start
from gemini_nb.emulator.ids import IdFactory
from gemini_nb.emulator.scenarios import ScenarioError, load_path, parse

MODEL = "gemini-3-flash-preview"
QUICKSTART = resources.files("gemini_nb") / "emulator" / "scenarios" / "quickstart.yaml"
WEATHER_TOOL = [
    {
        "type": "function",
        "name": "get_weather",
        "description": "Current weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
]


@pytest.fixture(scope="module")
def scripted():
    handle = start(scenarios=str(QUICKSTART))
    yield handle
    handle.stop()


@pytest.fixture
def sc(scripted):
    """The quickstart emulator with its scenario file reloaded (fresh ``times`` counters)."""
    httpx.post(
        scripted.base_url + "/_emulator/scenarios?replace=true&source=quickstart.yaml",
        content=QUICKSTART.read_text(),
    )
    return make_client(scripted.base_url)


def load(base_url: str, doc) -> httpx.Response:
    text = doc if isinstance(doc, str) else json.dumps(doc)
    return httpx.post(base_url + "/_emulator/scenarios?replace=true", content=text)


def test_quickstart_file_is_valid_and_packaged():
    scenarios = load_path(str(QUICKSTART))
    assert len(scenarios) >= 5 and all(s.name for s in scenarios)


def test_scripted_answers_count_their_tokens(sc):
    result = sc.interactions.create(model=MODEL, input="What is the capital of France?")
    usage = result.usage
    assert usage.total_input_tokens > 0 and usage.total_output_tokens > 0
    assert usage.total_thought_tokens > 0  # the scripted thought summary
    assert usage.total_tokens == (
        usage.total_input_tokens
        + usage.total_output_tokens
        + usage.total_thought_tokens
        + (usage.total_tool_use_tokens or 0)
    )


def test_text_and_thought_with_a_real_signature(sc):
    result = sc.interactions.create(model=MODEL, input="What is the capital of France?")
    assert result.output_text == "The capital of France is **Paris**."
    thought = result.steps[0]
    assert thought.type == "thought" and "capital city" in thought.summary[0].text
    assert IdFactory.verify(thought.signature)


def test_scripted_answers_report_token_usage(sc):
    """A scripted answer counts its tokens like any other (the real API always reports usage)."""
    result = sc.interactions.create(model=MODEL, input="What is the capital of France?")
    assert result.usage.total_input_tokens > 0
    assert result.usage.total_output_tokens > 0


def test_scripted_answers_report_usage_like_the_brain(sc):
    answer = "The capital of France is **Paris**."
    high = sc.interactions.create(
        model=MODEL, input="What is the capital of France?", generation_config={"thinking_level": "high"}
    )
    usage = high.usage
    assert usage.total_input_tokens > 0
    assert usage.total_output_tokens == -(-len(answer) // 4)  # ceil: the brain's own token rule
    assert usage.total_tokens == (
        usage.total_input_tokens + usage.total_output_tokens + usage.total_thought_tokens
    )
    low = sc.interactions.create(
        model=MODEL, input="What is the capital of France?", generation_config={"thinking_level": "low"}
    )
    hidden = sc.interactions.create(
        model=MODEL,
        input="What is the capital of France?",
        generation_config={"thinking_level": "low", "thinking_summaries": "none"},
    )
    assert usage.total_thought_tokens > low.usage.total_thought_tokens > 0
    assert hidden.usage.total_thought_tokens == low.usage.total_thought_tokens  # thinking costs the same
    assert not getattr(hidden.steps[0], "summary", None)


def test_turn_index_follows_the_chain(sc):
    first = sc.interactions.create(model=MODEL, input="What is the capital of France?")
    # Turn 1 does not match the turn-2 scenario: the generic brain answers.
    alone = sc.interactions.create(model=MODEL, input="How many people live there?")
    assert "million" not in alone.output_text
    second = sc.interactions.create(
        model=MODEL, input="How many people live there?", previous_interaction_id=first.id
    )
    assert "2.1 million" in second.output_text
    # Stateless history counts turns the same way.
    stateless = sc.interactions.create(
        model=MODEL,
        input=[
            {"type": "user_input", "content": [{"type": "text", "text": "capital of France?"}]},
            {"type": "model_output", "content": [{"type": "text", "text": "Paris."}]},
            {"type": "user_input", "content": [{"type": "text", "text": "How many people live there?"}]},
        ],
    )
    assert "2.1 million" in stateless.output_text


def test_function_call_then_scripted_answer_to_its_result(sc):
    call = sc.interactions.create(model=MODEL, input="What's the weather in Paris?", tools=WEATHER_TOOL)
    assert call.status == "requires_action"
    fc = call.steps[-1]
    assert fc.type == "function_call" and fc.name == "get_weather"
    assert fc.arguments == {"city": "Paris", "unit": "celsius"} and fc.id
    answer = sc.interactions.create(
        model=MODEL,
        previous_interaction_id=call.id,
        tools=WEATHER_TOOL,
        input=[{"type": "function_result", "call_id": fc.id, "name": "get_weather", "result": "18C, sunny"}],
    )
    assert answer.status == "completed" and answer.output_text.startswith("It is currently 18")


def test_http_error_fires_times_then_falls_through(sc):
    with pytest.raises(gx.RateLimitError) as exc:
        sc.interactions.create(model=MODEL, input="rate limit demo")
    assert exc.value.response.headers["retry-after"] == "1"
    assert exc.value.body["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert sc.interactions.create(model=MODEL, input="rate limit demo").status == "completed"


def test_sdk_retry_gets_past_a_one_time_error(scripted):
    httpx.post(
        scripted.base_url + "/_emulator/scenarios?replace=true&source=quickstart.yaml",
        content=QUICKSTART.read_text(),
    )
    client = make_client(scripted.base_url, retry_options={"attempts": 2})
    assert client.interactions.create(model=MODEL, input="rate limit demo").status == "completed"


def test_stream_error_fails_in_stream_and_in_the_resource(sc):
    events = list(sc.interactions.create(model=MODEL, input="interrupted stream demo", stream=True))
    kinds = [e.event_type for e in events]
    assert kinds[-1] == "error" and "step.delta" in kinds
    assert events[-1].error.message == "The service is currently unavailable."
    unary = sc.interactions.create(model=MODEL, input="interrupted stream demo")
    assert unary.status == "failed"


def test_model_glob_and_fallthrough(scripted):
    client = make_client(scripted.base_url)
    r = load(
        scripted.base_url,
        {"scenarios": [{"name": "lite-only", "match": {"model": "*-lite"}, "respond": "lite answer"}]},
    )
    assert r.status_code == 200 and r.json()["scenarios"][0]["name"] == "lite-only"
    assert client.interactions.create(model="gemini-2.5-flash-lite", input="x").output_text == "lite answer"
    assert client.interactions.create(model=MODEL, input="x").output_text != "lite answer"


def test_agent_match_and_tool_steps(scripted):
    client = make_client(scripted.base_url)
    load(
        scripted.base_url,
        """
scenarios:
  - match: {model: "gemini-3*", input: "search"}
    respond:
      - google_search_call: {arguments: {queries: ["emulator"]}}
      - google_search_result: {result: [{search_suggestions: "<div>emulator</div>"}]}
      - text: "Found it."
        annotations: [{type: url_citation, url: "https://example.com", title: "Example", start_index: 0, end_index: 5}]
""",
    )
    r = client.interactions.create(model=MODEL, input="search the web", tools=[{"type": "google_search"}])
    types = [s.type for s in r.steps]
    assert types[-3:] == ["google_search_call", "google_search_result", "model_output"]
    assert r.steps[-2].call_id == r.steps[-3].id
    assert r.steps[-1].content[0].annotations[0].url == "https://example.com"


def test_image_and_audio_steps_are_real_media(scripted):
    client = make_client(scripted.base_url)
    load(
        scripted.base_url,
        {
            "scenarios": [
                {
                    "match": {"input": "draw"},
                    "respond": [{"image": {"prompt": "a red fox", "aspect_ratio": "16:9"}}],
                },
                {"match": {"input": "speak"}, "respond": [{"audio": "Hello there"}]},
            ]
        },
    )
    img = client.interactions.create(model="gemini-3-pro-image-preview", input="draw a fox")
    png = base64.b64decode(img.steps[-1].content[0].data)
    from PIL import Image

    assert Image.open(io.BytesIO(png)).size[0] > Image.open(io.BytesIO(png)).size[1]
    audio = client.interactions.create(model="gemini-2.5-flash-preview-tts", input="speak")
    pcm = base64.b64decode(audio.steps[-1].content[0].data)
    assert len(pcm) > 4800 and any(pcm)


def test_control_plane_lists_and_clears(scripted):
    base = scripted.base_url
    load(base, "- {name: one, respond: one}\n- {name: two, input: two, times: 2, respond: two}\n")
    listed = httpx.get(base + "/_emulator/scenarios").json()["scenarios"]
    assert [(s["name"], s["remaining"]) for s in listed] == [("one", None), ("two", 2)]
    assert httpx.delete(base + "/_emulator/scenarios").json()["scenarios"] == []
    assert httpx.get(base + "/_emulator/scenarios").json()["scenarios"] == []


@pytest.mark.parametrize(
    "doc, fragment",
    [
        ("- {name: a, respond: [{txt: hi}]}", "scenarios[0].respond[0]: unknown step key 'txt'"),
        ("- {name: a, modle: x, respond: hi}", "scenarios[0]: unknown key 'modle'"),
        ("- {match: {input: '('}, respond: hi}", "scenarios[0].match.input: invalid regular expression"),
        ("- {match: {turn: 0}, respond: hi}", "scenarios[0].match.turn"),
        ("- {name: a}", "needs 'respond', 'error' or 'stream_error'"),
        ("- {error: {code: 200}}", "scenarios[0].error.code"),
        ("- {respond: hi, error: {code: 500}}", "scenarios[0].error"),
        ("scenarioz: []", "unknown key 'scenarioz'"),
        ("- {respond: [{function_call: {arguments: {}}}]}", "respond[0].function_call: needs a 'name'"),
    ],
)
def test_validation_errors_name_the_source_and_key(tmp_path, doc, fragment):
    path = tmp_path / "broken.yaml"
    path.write_text(doc)
    with pytest.raises(ScenarioError) as exc:
        load_path(path)
    assert str(exc.value).startswith("broken.yaml") and fragment in str(exc.value)


def test_bad_file_refuses_to_start_and_posts_are_400(tmp_path, scripted):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"respond": [{"text": 3}]}]))
    with pytest.raises(ValueError, match=r"bad.json: scenarios\[0\].respond\[0\].text"):
        start(scenarios=str(bad))
    r = httpx.post(
        scripted.base_url + "/_emulator/scenarios?source=mine.yaml", content="- {respond: [{txt: x}]}"
    )
    assert r.status_code == 400 and r.json()["error"]["message"].startswith("mine.yaml: scenarios[0]")
    out = subprocess.run(
        [sys.executable, "-m", "gemini_nb.emulator", "--port", "0", "--scenarios", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2 and "bad.json: scenarios[0].respond[0].text" in out.stderr


def test_directory_loading_keeps_file_order(tmp_path):
    (tmp_path / "a.yaml").write_text("- {name: first, respond: one}\n")
    (tmp_path / "b.json").write_text(json.dumps({"scenarios": [{"name": "second", "respond": "two"}]}))
    (tmp_path / "notes.txt").write_text("ignored")
    assert [s.name for s in load_path(tmp_path)] == ["first", "second"]
    assert [
        s.name for s in parse("---\n- {name: x, respond: y}\n---\n- {name: z, respond: w}\n", "multi")
    ] == ["x", "z"]


def test_scenarios_with_a_custom_brain(tmp_path):
    class Echo:
        def respond(self, ctx):
            from gemini_nb.emulator.brain.base import Reply, text_step

            return Reply(steps=[text_step("echo")])

    path = tmp_path / "s.yaml"
    path.write_text("- {input: magic, respond: scripted}\n")
    with start(brain=Echo(), scenarios=str(path)) as handle:
        client = make_client(handle.base_url)
        assert client.interactions.create(model=MODEL, input="magic").output_text == "scripted"
        assert client.interactions.create(model=MODEL, input="other").output_text == "echo"


def test_scenarios_in_the_legacy_schema(legacy_py):
    proc = subprocess.Popen(
        [sys.executable, "-m", "gemini_nb.emulator", "--port", "0", "--scenarios", str(QUICKSTART)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip().rsplit(" ", 1)[-1]
        script = textwrap.dedent(f"""
            from google import genai
            c = genai.Client(api_key="k", http_options={{"base_url": "{url}"}})
            r = c.interactions.create(model="gemini-3-flash-preview", input="capital of France?")
            print(r.outputs[-1].text)
            tools = [{{"type": "function", "name": "get_weather", "parameters": {{"type": "object"}}}}]
            r = c.interactions.create(model="gemini-3-flash-preview", input="weather in Tokyo", tools=tools)
            print(r.status, r.outputs[-1].type, r.outputs[-1].name)
        """)
        out = subprocess.run([legacy_py, "-c", script], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert out.stdout.splitlines() == [
            "The capital of France is **Paris**.",
            "requires_action function_call get_weather",
        ]
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()
