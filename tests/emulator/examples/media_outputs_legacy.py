"""Image and speech output through google-genai 1.55 (legacy outputs schema).

Run by tests/test_emulator_media.py with the legacy SDK's Python:
    python media_outputs_legacy.py BASE_URL
Prints one JSON object per line ({"case", "types", "mime_type", "data"}); the test decodes
the media with Pillow / numpy, which the legacy virtualenv need not have.
"""

import json
import sys
import warnings

from google import genai

warnings.simplefilter("ignore")
client = genai.Client(api_key="legacy-key", http_options={"base_url": sys.argv[1]})


def emit(case, outputs, media):
    print(
        json.dumps(
            {
                "case": case,
                "types": [o.type for o in outputs],
                "mime_type": media.mime_type,
                "data": media.data,
            }
        )
    )


# Image, non-streamed: legacy spelling of the size ("1k") through image_config.
interaction = client.interactions.create(
    model="gemini-2.5-flash-image",
    input="Generate an image of a lighthouse on a cliff",
    response_modalities=["TEXT", "IMAGE"],
    generation_config={"image_config": {"aspect_ratio": "16:9", "image_size": "1k"}},
)
assert interaction.status == "completed" and interaction.role == "model"
images = [o for o in interaction.outputs if o.type == "image"]
assert len(images) == 1 and interaction.outputs[0].type == "text", interaction.outputs
assert any(m.modality == "image" for m in interaction.usage.output_tokens_by_modality)
emit("image", interaction.outputs, images[0])

# Image, streamed: its own content block (content.start/delta/stop) after the text block.
stream = client.interactions.create(
    model="gemini-2.5-flash-image",
    input="A red kite in a blue sky",
    response_modalities=["IMAGE"],
    stream=True,
)
starts, deltas = [], []
for event in stream:
    if event.event_type == "content.start":
        starts.append(event.content.type)
    elif event.event_type == "content.delta" and event.delta.type == "image":
        deltas.append(event.delta)
assert starts == ["image"] and len(deltas) == 1, (starts, deltas)
emit("image_stream", deltas, deltas[0])

# Interleaved text + image, streamed: a text block, then an image block.
stream = client.interactions.create(
    model="gemini-2.5-flash-image",
    input="Draw a yellow sun",
    response_modalities=["TEXT", "IMAGE"],
    stream=True,
)
starts = [e.content.type for e in stream if e.event_type == "content.start"]
assert starts == ["text", "image"], starts

# Speech: a TTS model with the legacy list form of speech_config.
interaction = client.interactions.create(
    model="gemini-2.5-flash-preview-tts",
    input="Say cheerfully: Have a wonderful day!",
    response_modalities=["AUDIO"],
    generation_config={"speech_config": [{"voice": "Kore", "language": "en-US"}]},
)
audio = [o for o in interaction.outputs if o.type == "audio"]
assert len(audio) == 1, interaction.outputs
assert any(m.modality == "audio" for m in interaction.usage.output_tokens_by_modality)
emit("audio", interaction.outputs, audio[0])

# Speech, streamed.
stream = client.interactions.create(
    model="gemini-2.5-flash-preview-tts", input="Say: Good night!", stream=True
)
deltas = [e.delta for e in stream if e.event_type == "content.delta" and e.delta.type == "audio"]
assert len(deltas) == 1
emit("audio_stream", deltas, deltas[0])
print("ALL OK")
