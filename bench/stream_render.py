"""Streaming render cost: a 20,000-delta, 200,000-character answer through the live preview.

Feeds real SDK event objects (parsed by google-genai's own types) through the same
StreamAssembler + LiveDisplay the magics use, with a sink that JSON-encodes every display
message as the kernel would. Reports display messages per second (target <= 25), total CPU of
the streaming + rendering path (target <= 0.5 s) and checks the final display is complete.
"""
from __future__ import annotations

import argparse
import json
import time

DELTAS = 20_000
CHUNK = "abcdefghi "  # 10 characters per delta -> 200,000 characters


class CountingSink:
    """Stands in for the kernel's display publisher: serializes each message, counts them."""

    def __init__(self) -> None:
        self.messages = 0
        self.bytes = 0
        self.times: list[float] = []

    def display(self, data, display_id):
        self._send(data)

    def update(self, data, display_id):
        self._send(data)

    def _send(self, data):
        self.messages += 1
        self.times.append(time.perf_counter())
        self.bytes += len(json.dumps({"data": data, "metadata": {}, "transient": {"display_id": "x"}}))


def _events():
    from pydantic import TypeAdapter
    from google.genai._gaos.types.interactions.interactionsseevent import InteractionSSEEvent

    adapter = TypeAdapter(InteractionSSEEvent)
    wire = [{"event_type": "interaction.created", "interaction": {"id": "v1_bench", "status": "in_progress",
                                                                  "model": "gemini-3-flash-preview"}},
            {"event_type": "step.start", "index": 0, "step": {"type": "model_output"}}]
    wire += [{"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": CHUNK}}] * DELTAS
    wire += [{"event_type": "step.stop", "index": 0},
             {"event_type": "interaction.completed", "interaction": {"id": "v1_bench", "status": "completed",
                                                                     "usage": {"total_output_tokens": DELTAS}}}]
    return [adapter.validate_python(e) for e in wire]


def run(events, pace_seconds: float) -> dict:
    from gemini_nb.render import LiveDisplay, result_bundle
    from gemini_nb.stream import StreamAssembler

    sink = CountingSink()
    live = LiveDisplay(sink, rate=20.0, emulated=True)
    assembler = StreamAssembler()
    per_event_sleep = pace_seconds / len(events)
    sleep_every = max(1, int(0.002 / per_event_sleep)) if per_event_sleep else 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    live.start()
    for i, event in enumerate(events):
        assembler.feed(event)
        live.tick(assembler)
        if sleep_every and i % sleep_every == 0:
            time.sleep(per_event_sleep * sleep_every)
    live.close()
    result = assembler.result()
    cpu1 = time.process_time()
    data, meta = result_bundle(result)
    final_json = json.dumps({"data": data, "metadata": meta})
    cpu2, wall = time.process_time(), time.perf_counter() - wall0
    return {
        "wall": wall, "messages": sink.messages, "rate": sink.messages / wall,
        "peak": max(sum(1 for t in sink.times if s <= t < s + 1.0) for s in sink.times),
        "stream_cpu": cpu1 - cpu0, "final_cpu": cpu2 - cpu1, "total_cpu": cpu2 - cpu0,
        "complete": result.text == CHUNK * DELTAS and (CHUNK * DELTAS)[-5000:] in data["text/markdown"],
        "final_bytes": len(final_json), "sent_bytes": sink.bytes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pace", type=float, default=4.0, help="seconds over which the deltas arrive")
    args = parser.parse_args(argv)
    events = _events()
    print(f"stream: {DELTAS} deltas, {len(CHUNK) * DELTAS} characters")
    for label, pace in (("paced over %.1f s" % args.pace, args.pace), ("as fast as possible", 0.0)):
        r = run(events, pace)
        print(f"[{label}]")
        print(f"  wall time:                      {r['wall']:.3f} s")
        mean = f"; mean {r['rate']:.1f}/s" if r["wall"] >= 1.0 else ""
        print(f"  display messages:               {r['messages']}  (busiest 1-s window: {r['peak']}{mean}; "
              "target <= 25 per second)")
        print(f"  CPU, streaming + live preview:  {r['stream_cpu']:.3f} s")
        print(f"  CPU, final display bundle:      {r['final_cpu']:.3f} s")
        print(f"  CPU, total rendering path:      {r['total_cpu']:.3f} s  (target <= 0.5 s)")
        print(f"  final display complete:         {r['complete']}  ({r['final_bytes']} bytes; "
              f"live messages sent {r['sent_bytes']} bytes)")
        print(f"  CPU per delta:                  {r['stream_cpu'] / DELTAS * 1e6:.1f} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
