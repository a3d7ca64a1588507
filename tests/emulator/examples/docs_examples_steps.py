"""The Interactions API's documented examples in their steps-schema form (google-genai 3.x).

Run by tests/test_emulator_docs_examples.py:  python docs_examples_steps.py BASE_URL
Only ``base_url`` differs from the documentation. Prints one line per example, then ALL OK.
"""

import sys
import time

from google import genai

BASE = sys.argv[1]
client = genai.Client(api_key="docs-key", http_options={"base_url": BASE})
MODEL = "gemini-3-flash-preview"

# Text generation
interaction = client.interactions.create(model=MODEL, input="Tell me a short joke about programming.")
assert interaction.status == "completed" and interaction.output_text
print("text:", interaction.output_text[:60])

# Multi-turn, stateful
interaction1 = client.interactions.create(model=MODEL, input="Hi, my name is Phil.")
interaction2 = client.interactions.create(
    model=MODEL, input="What is my name?", previous_interaction_id=interaction1.id
)
assert "Phil" in interaction2.output_text
print("stateful:", interaction2.output_text)

# Multi-turn, stateless: user_input steps + the previous interaction's steps
history = [
    {"type": "user_input", "content": [{"type": "text", "text": "My name is Phil and I live in Lyon."}]}
]
interaction1 = client.interactions.create(model=MODEL, input=history)
history.extend(interaction1.steps)
history.append({"type": "user_input", "content": [{"type": "text", "text": "Where do I live?"}]})
interaction2 = client.interactions.create(model=MODEL, input=history)
assert "Lyon" in interaction2.output_text
print("stateless:", interaction2.output_text)

# Retrieve
previous_interaction = client.interactions.get(interaction1.id)
assert previous_interaction.steps[0].type == "user_input"
print("get:", [s.type for s in previous_interaction.steps])

# Streaming
text, total = "", None
for event in client.interactions.create(model=MODEL, input="Count from 1 to 12", stream=True):
    if event.event_type == "step.delta" and event.delta.type == "text":
        text += event.delta.text
    elif event.event_type == "interaction.completed":
        total = event.interaction.usage.total_tokens
assert text == ", ".join(str(i) for i in range(1, 13)) and total
print("stream:", text)

# Background + polling
interaction = client.interactions.create(model=MODEL, input="Write a haiku about the sea", background=True)
while interaction.status not in ("completed", "failed", "cancelled"):
    time.sleep(0.05)
    interaction = client.interactions.get(interaction.id)
assert interaction.status == "completed" and interaction.output_text
print("background:", interaction.status)

# Agent (Deep Research) in background, streamed
stream = client.interactions.create(
    input="Research the history of Google TPUs.",
    agent="deep-research-pro-preview-12-2025",
    background=True,
    stream=True,
    agent_config={"type": "deep-research", "thinking_summaries": "auto"},
)
kinds = [event.event_type for event in stream]
assert kinds[0] == "interaction.created" and kinds[-1] == "interaction.completed"
print("agent stream:", len(kinds), "events")

# Cancel and delete
job = client.interactions.create(model=MODEL, input="A very long essay", background=True)
assert client.interactions.cancel(job.id).status == "cancelled"
assert client.interactions.delete(interaction1.id) is None
print("cancel+delete: ok")
print("ALL OK")
