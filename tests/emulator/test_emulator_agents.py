"""Agents (Deep Research, Antigravity) in the emulator, through the real SDK over HTTP.

Agents run only in the background, report progress as thought summaries over a configurable
time, finish with a cited research report, honour ``agent_config``, can be cancelled, and
share chains with model interactions.
"""

from __future__ import annotations

import base64
import json
import struct
import subprocess
import time

import pytest
from google.genai import _interactions as gx

AGENT = "deep-research-pro-preview-12-2025"
MODEL = "gemini-3-flash-preview"
TERMINAL = {"completed", "failed", "cancelled", "incomplete", "requires_action"}


@pytest.fixture(autouse=True)
def _fast_agents(monkeypatch):
    monkeypatch.setenv("GEMINI_NB_EMULATOR_AGENT_SECONDS", "0.8")


def poll(client, iid: str, timeout: float = 20.0):
    """Poll until terminal; returns (final interaction, statuses seen, step counts seen)."""
    statuses, counts = [], []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = client.interactions.get(iid)
        statuses.append(got.status)
        counts.append(len(got.steps or []))
        if got.status in TERMINAL:
            return got, statuses, counts
        time.sleep(0.05)
    raise AssertionError(f"{iid} did not finish: {statuses[-5:]}")


def report_of(interaction) -> tuple[str, list]:
    step = [s for s in interaction.steps if s.type == "model_output"][-1]
    part = [p for p in step.content if p.type == "text"][-1]
    return part.text, list(part.annotations or [])


def test_agents_need_background(client):
    with pytest.raises(gx.BadRequestError) as err:
        client.interactions.create(agent=AGENT, input="Research the history of tea")
    assert "background" in str(err.value)


def test_deep_research_progresses_and_writes_a_cited_report(client):
    created = client.interactions.create(agent=AGENT, input="Research the history of tea", background=True)
    assert created.status == "in_progress" and created.agent == AGENT
    final, statuses, counts = poll(client, created.id)
    assert final.status == "completed"
    assert statuses[0] == "in_progress" and "in_progress" in statuses[:-1]
    assert counts == sorted(counts)  # partial steps only ever grow
    assert 1 < max(counts[:-1], default=0) < counts[-1] or len(statuses) > 2
    types = [s.type for s in final.steps]
    assert types[0] == "user_input" and types[-1] == "model_output"
    assert types.count("google_search_call") == 2 and types.count("google_search_result") == 2
    thoughts = [s for s in final.steps if s.type == "thought"]
    assert len(thoughts) >= 4 and all(t.signature and t.summary for t in thoughts)
    headings = [t.summary[0].text.split("\n")[0] for t in thoughts]
    assert headings[0] == "**Planning the research**" and headings[-1] == "**Synthesizing the report**"
    assert any(h.startswith("**Searching ") for h in headings)
    text, annotations = report_of(final)
    assert text.startswith("# History of Tea: a research report")
    for section in ("## Executive summary", "## Key findings", "## Conclusion", "## Sources"):
        assert section in text
    results = [s for s in final.steps if s.type == "google_search_result"]
    urls = {item.url for r in results for item in r.result}
    assert annotations and {a.url for a in annotations} <= urls
    for ann in annotations:
        span = text[ann.start_index : ann.end_index]
        assert span and span == span.strip() and ann.type == "url_citation"
    for n in range(1, 4):
        assert f"[{n}]" in text and f"\n{n}. [" in text
    assert final.usage.total_thought_tokens > 0
    assert final.usage.grounding_tool_count[0].count == 2


def test_get_stream_shows_thought_summaries_before_the_report(client):
    created = client.interactions.create(
        agent="deep-research-preview-04-2026", input="Research urban beekeeping", background=True
    )
    events = list(client.interactions.get(created.id, stream=True))
    names = []
    for ev in events:
        name = type(ev).__name__
        assert "Unknown" not in name
        if name == "StepStart":
            assert "Unknown" not in type(ev.step).__name__
        if name == "StepDelta":
            assert "Unknown" not in type(ev.delta).__name__
            name = type(ev.delta).__name__
        names.append(name)
    summaries = [i for i, n in enumerate(names) if n == "ThoughtSummaryDelta"]
    first_text = names.index("TextDelta")
    assert len(summaries) >= 4 and max(summaries) < first_text
    assert names[-1] == "InteractionCompletedEvent"
    assert events[-1].interaction.status == "completed"


def test_background_stream_create_arrives_over_time(client):
    start = time.monotonic()
    stamps = []
    for ev in client.interactions.create(
        agent=AGENT, input="Research tidal power", background=True, stream=True
    ):
        stamps.append((time.monotonic() - start, type(ev).__name__))
    assert stamps[-1][1] == "InteractionCompletedEvent"
    assert stamps[-1][0] >= 0.6  # paced by GEMINI_NB_EMULATOR_AGENT_SECONDS


def test_thinking_summaries_none_keeps_signature_only_thoughts(client):
    created = client.interactions.create(
        agent=AGENT,
        input="Research soil carbon",
        background=True,
        agent_config={"type": "deep-research", "thinking_summaries": "none"},
    )
    final, _, _ = poll(client, created.id)
    thoughts = [s for s in final.steps if s.type == "thought"]
    assert thoughts and all(t.signature and not t.summary for t in thoughts)
    assert report_of(final)[0].startswith("# ")


def test_visualization_adds_a_real_png_chart(client):
    created = client.interactions.create(
        agent="deep-research-max-preview-04-2026",
        input="Research heat pumps in cold climates",
        background=True,
        agent_config={"type": "deep-research", "visualization": "auto"},
    )
    final, _, _ = poll(client, created.id)
    images = [p for s in final.steps if s.type == "model_output" for p in s.content if p.type == "image"]
    assert len(images) == 1 and images[0].mime_type == "image/png"
    png = base64.b64decode(images[0].data)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (480, 240)
    assert "Figure 1" in final.output_text
    # the max agent searches one more round than the standard one
    assert [s.type for s in final.steps].count("google_search_call") == 3


def test_collaborative_planning_waits_for_confirmation(client):
    config = {"type": "deep-research", "collaborative_planning": True}
    plan = client.interactions.create(
        agent=AGENT, input="Research vertical farming economics", background=True, agent_config=config
    )
    plan, _, _ = poll(client, plan.id)
    assert plan.output_text.startswith("## Proposed research plan")
    assert "google_search_call" not in [s.type for s in plan.steps]
    done = client.interactions.create(
        agent=AGENT,
        input="Looks good, go ahead",
        background=True,
        agent_config=config,
        previous_interaction_id=plan.id,
    )
    done, _, _ = poll(client, done.id)
    text, _ = report_of(done)
    assert "vertical farming economics" in text.lower() and "plan confirmed" in text


def test_cancel_mid_run_keeps_partial_steps(client, monkeypatch):
    monkeypatch.setenv("GEMINI_NB_EMULATOR_AGENT_SECONDS", "4")
    created = client.interactions.create(agent=AGENT, input="Research the history of maps", background=True)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        got = client.interactions.get(created.id)
        if len([s for s in got.steps if s.type != "user_input"]) >= 3:
            break
        time.sleep(0.05)
    cancelled = client.interactions.cancel(created.id)
    assert cancelled.status == "cancelled"
    final = client.interactions.get(created.id)
    assert final.status == "cancelled"
    types = [s.type for s in final.steps if s.type != "user_input"]
    assert 3 <= len(types) and types[0] == "thought"
    assert "model_output" not in types  # the report was never finished
    time.sleep(0.3)
    assert client.interactions.get(created.id).status == "cancelled"


def test_agent_and_model_interactions_mix_in_one_chain(client):
    first = client.interactions.create(model=MODEL, input="I'm planning a trip to study glaciers in Iceland.")
    research = client.interactions.create(
        agent=AGENT, input="Research this further for me", background=True, previous_interaction_id=first.id
    )
    research, _, _ = poll(client, research.id)
    assert research.status == "completed"
    assert research.previous_interaction_id == first.id
    text, _ = report_of(research)
    assert "glaciers in Iceland" in text
    follow = client.interactions.create(
        model=MODEL, input="Thanks! Can you summarize that?", previous_interaction_id=research.id
    )
    assert follow.status == "completed" and follow.output_text
    assert follow.usage.total_input_tokens > research.usage.total_input_tokens
    again = client.interactions.create(
        agent=AGENT,
        input="Now research the history of glaciology",
        background=True,
        previous_interaction_id=follow.id,
    )
    again, _, _ = poll(client, again.id)
    assert "glaciology" in report_of(again)[0]


def test_antigravity_agent_works_and_runs_code(client):
    created = client.interactions.create(
        agent="antigravity-preview-05-2026", input="Compute the sum of the first 10 primes", background=True
    )
    final, _, _ = poll(client, created.id)
    types = [s.type for s in final.steps]
    assert types[:3] == ["user_input", "thought", "code_execution_call"]
    result = next(s for s in final.steps if s.type == "code_execution_result")
    assert "Sum: 129" in result.result and not result.is_error
    assert "## Result" in final.output_text


LEGACY_SCRIPT = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
from google import genai
client = genai.Client(api_key="k", http_options={"base_url": sys.argv[1]})
r = client.interactions.create(agent="deep-research-pro-preview-12-2025",
                               input="Research the history of tea", background=True)
statuses = [r.status]
while r.status == "in_progress":
    time.sleep(0.05)
    r = client.interactions.get(r.id)
    statuses.append(r.status)
text = [o for o in r.outputs if o.type == "text"][-1]
raw = text.text.encode("utf-8")
events = []
for ev in client.interactions.get(r.id, stream=True):
    name = type(ev).__name__
    if name in ("ContentStart", "ContentDelta"):
        name += "/" + type(ev.content if name == "ContentStart" else ev.delta).__name__
    events.append(name)
print(json.dumps({"statuses": statuses, "agent": r.agent,
                  "outputs": [type(o).__name__ + ":" + o.type for o in r.outputs],
                  "spans": [raw[a.start_index:a.end_index].decode() for a in text.annotations],
                  "text": text.text, "events": events}))
"""


@pytest.mark.legacy
def test_legacy_sdk_runs_an_agent(legacy_py, emu, monkeypatch):
    proc = subprocess.run(
        [legacy_py, "-c", LEGACY_SCRIPT, emu.base_url], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["statuses"][0] == "in_progress" and out["statuses"][-1] == "completed"
    assert out["agent"] == AGENT
    assert out["outputs"][0] == "ThoughtContent:thought"
    assert "GoogleSearchResultContent:google_search_result" in out["outputs"]
    assert out["outputs"][-1] == "TextContent:text"
    assert out["text"].startswith("# ") and "## Sources" in out["text"]
    assert out["spans"] and all(s and s == s.strip() for s in out["spans"])
    events = out["events"]
    summaries = [i for i, n in enumerate(events) if n == "ContentDelta/DeltaThoughtSummaryDelta"]
    assert summaries and max(summaries) < events.index("ContentDelta/DeltaTextDelta")
    assert events.count("InteractionEvent") == 2
