"""The Interactions API's documented examples, as written for google-genai 1.55 (outputs schema).

Run by tests/test_emulator_legacy.py with the legacy SDK's Python:
    python docs_examples_outputs.py BASE_URL
Only ``base_url`` differs from the documentation. Prints one line per example, then ALL OK.
"""

import sys
import time
import warnings

from google import genai

warnings.simplefilter("ignore")
BASE = sys.argv[1]
client = genai.Client(api_key="docs-key", http_options={"base_url": BASE})
MODEL = "gemini-3-flash-preview"

# Text generation
interaction = client.interactions.create(model=MODEL, input="Tell me a short joke about programming.")
assert interaction.status == "completed" and interaction.role == "model"
assert interaction.outputs[-1].text
assert interaction.usage.total_tokens > 0 and interaction.usage.total_reasoning_tokens >= 0
print("text:", interaction.outputs[-1].text[:60])

# Multi-turn, stateful (server-side history)
interaction1 = client.interactions.create(model=MODEL, input="Hi, my name is Phil.")
interaction2 = client.interactions.create(
    model=MODEL, input="What is my name?", previous_interaction_id=interaction1.id
)
assert "Phil" in interaction2.outputs[-1].text, interaction2.outputs
print("stateful:", interaction2.outputs[-1].text)

# Multi-turn, stateless (client-side history with role turns)
conversation_history = [{"role": "user", "content": "My name is Phil and I live in Lyon."}]
interaction1 = client.interactions.create(model=MODEL, input=conversation_history)
conversation_history.append({"role": "model", "content": interaction1.outputs})
conversation_history.append({"role": "user", "content": "Where do I live?"})
interaction2 = client.interactions.create(model=MODEL, input=conversation_history)
assert "Lyon" in interaction2.outputs[-1].text, interaction2.outputs
print("stateless:", interaction2.outputs[-1].text)

# Retrieve a past interaction
previous_interaction = client.interactions.get(interaction1.id)
assert previous_interaction.id == interaction1.id and previous_interaction.status == "completed"
print("get:", previous_interaction.id)

# Streaming
stream = client.interactions.create(model=MODEL, input="Count from 1 to 12", stream=True)
text, kinds, total, event_ids = "", [], None, []
for chunk in stream:
    kinds.append(chunk.event_type)
    event_ids.append(chunk.event_id)
    if chunk.event_type == "content.delta":
        if chunk.delta.type == "text":
            text += chunk.delta.text
    elif chunk.event_type == "interaction.complete":
        total = chunk.interaction.usage.total_tokens
assert text == ", ".join(str(i) for i in range(1, 13)), text
assert kinds[0] == "interaction.start" and kinds[1] == "interaction.status_update"
assert kinds[-1] == "interaction.complete" and total and total > 0
assert "content.start" in kinds and "content.stop" in kinds
assert all(event_ids) and len(set(event_ids)) == len(event_ids)
print("stream:", len(kinds), "events")

# Resume a stream after an event id
resumed = list(client.interactions.get(previous_interaction.id, stream=True, last_event_id=event_ids[0]))
assert resumed and resumed[-1].event_type == "interaction.complete"
print("resume:", len(resumed), "events")

# Background execution with polling
interaction = client.interactions.create(model=MODEL, input="Write a haiku about the sea", background=True)
assert interaction.status == "in_progress"
while True:
    interaction = client.interactions.get(interaction.id)
    if interaction.status == "completed":
        assert interaction.outputs[-1].text
        print("background:", interaction.status)
        break
    elif interaction.status == "failed":
        raise SystemExit(f"Failed: {interaction.error}")
    time.sleep(0.05)

# Agent in background (Deep Research), polled
interaction = client.interactions.create(
    input="Research the history of Google TPUs.", agent="deep-research-pro-preview-12-2025", background=True
)
while True:
    interaction = client.interactions.get(interaction.id)
    if interaction.status == "completed":
        assert interaction.outputs[-1].text
        print("agent:", interaction.status)
        break
    elif interaction.status in ("failed", "cancelled"):
        raise SystemExit(f"agent ended {interaction.status}")
    time.sleep(0.1)

# Cancel a running background interaction
job = client.interactions.create(model=MODEL, input="A very long essay", background=True)
cancelled = client.interactions.cancel(job.id)
assert cancelled.status == "cancelled", cancelled.status
print("cancel:", cancelled.status)

# Delete
assert client.interactions.delete(interaction1.id) == {}
try:
    client.interactions.get(interaction1.id)
except Exception as exc:
    assert type(exc).__name__ == "NotFoundError", exc
else:
    raise SystemExit("deleted interaction still readable")
print("delete: ok")

# Errors surface as the SDK's typed exceptions
try:
    client.interactions.create(model=MODEL, input="x", previous_interaction_id="v1_missing")
except Exception as exc:
    assert type(exc).__name__ == "NotFoundError"
print("ALL OK")
