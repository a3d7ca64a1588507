"""Custom agents (``client.agents.*``), their use by id, and synchronous Antigravity runs.

Everything goes through the unmodified google-genai 3.x SDK against the in-process emulator.
"""

from __future__ import annotations

import time
import warnings

import httpx
import pytest
from google.genai import _interactions as gx

from gemini_nb.emulator.agents_api import ID_OK

warnings.filterwarnings("ignore", message="Agents usage is experimental")
ANTIGRAVITY = "antigravity-preview-05-2026"
DEEP = "deep-research-pro-preview-12-2025"


@pytest.fixture(autouse=True)
def _fast_agents(monkeypatch):
    monkeypatch.setenv("GEMINI_NB_EMULATOR_AGENT_SECONDS", "0.3")


def test_create_get_list_delete(client):
    made = client.agents.create(
        id="code-reviewer",
        base_agent=ANTIGRAVITY,
        description="Reviews code",
        system_instruction="You are a senior code reviewer.",
        tools=[{"type": "code_execution"}],
    )
    assert (made.id, made.base_agent, made.description) == ("code-reviewer", ANTIGRAVITY, "Reviews code")
    got = client.agents.get("code-reviewer")
    assert (
        got.system_instruction == "You are a senior code reviewer." and got.tools[0].type == "code_execution"
    )
    client.agents.create(id="second-agent", system_instruction="Be brief.")
    listed = client.agents.list()
    assert [a.id for a in listed.agents] == ["code-reviewer", "second-agent"]
    assert client.agents.get("second-agent").base_agent.startswith("antigravity-")
    client.agents.delete("code-reviewer")
    with pytest.raises(gx.NotFoundError):
        client.agents.get("code-reviewer")
    with pytest.raises(gx.NotFoundError):
        client.agents.delete("code-reviewer")


def test_list_pages(client):
    for i in range(3):
        client.agents.create(id=f"agent-{i}")
    first = client.agents.list(page_size=2)
    assert [a.id for a in first.agents] == ["agent-0", "agent-1"] and first.next_page_token
    second = client.agents.list(page_size=2, page_token=first.next_page_token)
    assert [a.id for a in second.agents] == ["agent-2"] and not second.next_page_token


def test_bad_definitions_are_400_naming_the_field(emu):
    url = f"{emu.base_url}/v1/agents"
    head = {"x-goog-api-key": "k"}
    bad = [
        ({"id": "Bad_Id"}, "'id'"),
        ({"id": DEEP}, "built-in"),
        ({"id": "ok", "base_agent": "nope"}, "'base_agent'"),
        ({"id": "ok", "tools": [{"type": "teleport"}]}, "tools[0].type"),
        ({"id": "ok", "colour": 1}, "colour"),
    ]
    for body, needle in bad:
        answer = httpx.post(url, json=body, headers=head)
        assert answer.status_code == 400 and needle in answer.json()["error"]["message"], body
    assert httpx.post(url, json={"id": "twice"}, headers=head).status_code == 200
    again = httpx.post(url, json={"id": "twice"}, headers=head)
    assert again.status_code == 409 and again.json()["error"]["status"] == "ALREADY_EXISTS"


def test_agents_created_without_an_id_get_a_valid_one(emu):
    """The id the emulator picks follows the id grammar (a letter first), every time."""
    made = [
        httpx.post(
            f"{emu.base_url}/v1/agents", json={"description": f"n{i}"}, headers={"x-goog-api-key": "k"}
        )
        for i in range(25)
    ]
    assert [m.status_code for m in made] == [200] * 25
    ids = [m.json()["id"] for m in made]
    assert len(set(ids)) == 25 and all(ID_OK.match(i) for i in ids)
    got = httpx.get(f"{emu.base_url}/v1/agents/{ids[0]}", headers={"x-goog-api-key": "k"})
    assert got.json()["description"] == "n0"


def test_custom_agent_runs_synchronously_with_its_instruction(client):
    client.agents.create(id="pirate-helper", base_agent=ANTIGRAVITY, system_instruction="You are a pirate.")
    done = client.interactions.create(agent="pirate-helper", input="Greet the crew of the ship")
    assert done.status == "completed" and done.agent == "pirate-helper"
    assert "Arr" in done.output_text
    with pytest.raises(gx.NotFoundError):
        client.interactions.create(agent="never-made", input="hi")


def test_builtin_antigravity_is_synchronous_deep_research_is_not(client):
    done = client.interactions.create(agent=ANTIGRAVITY, input="Compute 17 * 23 with Python")
    assert done.status == "completed" and "391" in done.output_text
    client.agents.create(id="my-researcher", base_agent=DEEP, system_instruction="Cover costs.")
    with pytest.raises(gx.BadRequestError, match="background"):
        client.interactions.create(agent="my-researcher", input="Research solar panels")
    started = client.interactions.create(
        agent="my-researcher", input="Research solar panels", background=True
    )
    deadline = time.monotonic() + 20
    while (got := client.interactions.get(started.id)).status not in ("completed", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert got.status == "completed" and "solar panels" in got.output_text.lower()


def test_custom_agent_streams_in_the_foreground(client):
    client.agents.create(id="shouty", system_instruction="Answer in all caps.")
    events = list(client.interactions.create(agent="shouty", input="Say hello to the team", stream=True))
    kinds = [e.event_type for e in events]
    assert kinds[0] == "interaction.created" and kinds[-1] == "interaction.completed"
    text = "".join(e.delta.text for e in events if e.event_type == "step.delta" and e.delta.type == "text")
    assert text and text == text.upper()


def test_reset_forgets_agents(client, emu):
    client.agents.create(id="temp-agent")
    emu.reset()
    assert not client.agents.list().agents
