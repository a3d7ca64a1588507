"""Chat panel streaming cost: comm messages per second and bytes on the wire, whatever the event rate.

Two runs:

* **synthetic**: 20,000 real SDK ``step.delta`` events (200,000 characters, parsed by
  google-genai's own types) through the same StreamAssembler + WidgetLive + StreamView the
  panel uses; the StreamView's comm is replaced by a sink that JSON-encodes every message as
  the kernel would and timestamps it. Paced over ``--pace`` seconds, then as fast as possible.
* **end to end** (``--e2e``, default on): a ChatPanel asks the in-process emulator to count to
  3000 at ``--tokens-per-second``, in its worker thread, and the StreamView's comm messages are
  counted the same way.

Targets: at most ~25 comm messages in any 1-second window; the deltas add up to exactly the
answer (only new text crosses the wire: bytes sent ~ 1x the answer, plus a small envelope each).
"""

from __future__ import annotations

import argparse
import json
import time

DELTAS = 20_000
CHUNK = "abcdefghi "
ENVELOPE = 700
"""Bytes of a comm message's own envelope in a kernel (header, parent, signature), as in render/live.py."""


class CommSink:
    """Stands in for the widget's comm: serializes each message, counts and timestamps it."""

    def __init__(self) -> None:
        self.messages = 0
        self.bytes = 0
        self.times: list[float] = []
        self.text: list[str] = []

    def send(self, data=None, metadata=None, buffers=None):
        self.messages += 1
        self.times.append(time.perf_counter())
        self.bytes += len(json.dumps({"data": data, "metadata": metadata or {}})) + ENVELOPE
        content = (data or {}).get("content") or {}
        if content.get("type") == "delta":
            self.text.append(content.get("text") or "")


def _peak(times: list[float]) -> int:
    return max((sum(1 for t in times if s <= t < s + 1.0) for s in times), default=0)


def _events():
    from google.genai._gaos.types.interactions.interactionsseevent import InteractionSSEEvent
    from pydantic import TypeAdapter

    adapter = TypeAdapter(InteractionSSEEvent)
    wire = [
        {
            "event_type": "interaction.created",
            "interaction": {"id": "v1_bench", "status": "in_progress", "model": "gemini-3-flash-preview"},
        },
        {"event_type": "step.start", "index": 0, "step": {"type": "model_output"}},
    ]
    wire += [{"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": CHUNK}}] * DELTAS
    wire += [
        {"event_type": "step.stop", "index": 0},
        {"event_type": "interaction.completed", "interaction": {"id": "v1_bench", "status": "completed"}},
    ]
    return [adapter.validate_python(e) for e in wire]


def _view():
    from gemini_nb.widgets.front import StreamView

    view = StreamView()
    sink = CommSink()
    view.comm.send = sink.send
    return view, sink


def synthetic(events, pace_seconds: float) -> dict:
    from gemini_nb.stream import StreamAssembler
    from gemini_nb.widgets.live import WidgetLive

    view, sink = _view()
    live = WidgetLive(view, rate=1000.0)  # asks for far more than the cap: the cap must hold
    assembler = StreamAssembler()
    per_event = pace_seconds / len(events)
    sleep_every = max(1, int(0.002 / per_event)) if per_event else 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    live.start()
    for i, event in enumerate(events):
        assembler.feed(event)
        live.tick(assembler)
        if sleep_every and i % sleep_every == 0:
            time.sleep(per_event * sleep_every)
    last_tick_text = "".join(sink.text)
    live.close()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    answer = CHUNK * DELTAS
    return {
        "wall": wall,
        "messages": sink.messages,
        "peak": _peak(sink.times),
        "cpu": cpu,
        "prefix": answer.startswith(last_tick_text),
        "sent": len(last_tick_text),
        "bytes": sink.bytes,
        "chars": len(answer),
    }


def end_to_end(tokens_per_second: float) -> dict:
    from gemini_nb.api import Session
    from gemini_nb.emulator import start
    from gemini_nb.widgets.chat import ChatPanel

    emu = start(tokens_per_second=tokens_per_second)
    try:
        session = Session(backend=emu.base_url, history=False)
        panel = ChatPanel(session)
        sink = CommSink()
        panel.stream.comm.send = sink.send
        wall0 = time.perf_counter()
        panel.send("Count from 1 to 3000", wait=True)
        wall = time.perf_counter() - wall0
        result = panel.last
    finally:
        emu.stop()
    return {
        "wall": wall,
        "messages": sink.messages,
        "peak": _peak(sink.times),
        "bytes": sink.bytes,
        "chars": len(result.text) + sum(len(t) for t in result.thoughts),
        "status": result.status,
        "sent": sum(len(t) for t in sink.text),
        "text": len(result.text),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pace", type=float, default=4.0, help="seconds over which the deltas arrive")
    parser.add_argument("--tokens-per-second", type=float, default=3000.0, help="emulator pace (--e2e)")
    parser.add_argument("--no-e2e", dest="e2e", action="store_false", help="skip the emulator run")
    args = parser.parse_args(argv)
    events = _events()
    print(f"synthetic stream: {DELTAS} deltas, {len(CHUNK) * DELTAS} characters")
    for label, pace in (("paced over %.1f s" % args.pace, args.pace), ("as fast as possible", 0.0)):
        r = synthetic(events, pace)
        print(f"[{label}]")
        print(f"  wall time:                 {r['wall']:.3f} s")
        print(
            f"  comm messages:             {r['messages']}  (busiest 1-s window: {r['peak']}; target <= 25)"
        )
        print(f"  CPU, assemble + live view: {r['cpu']:.3f} s  ({r['cpu'] / DELTAS * 1e6:.1f} µs per delta)")
        print(
            f"  bytes on the wire:         {r['bytes']}  ({r['bytes'] / r['chars']:.2f}x the answer, "
            f"envelopes included)"
        )
        print(
            f"  deltas are the answer's prefix: {r['prefix']} ({r['sent']} of {r['chars']} characters "
            "before close; the final display carries the whole)"
        )
    if args.e2e:
        r = end_to_end(args.tokens_per_second)
        print(
            f"[end to end: ChatPanel -> emulator at {args.tokens_per_second:g} tokens/s, "
            "'Count from 1 to 3000']"
        )
        print(f"  wall time:                 {r['wall']:.3f} s  (status {r['status']})")
        print(
            f"  comm messages:             {r['messages']}  (busiest 1-s window: {r['peak']}; target <= 25)"
        )
        print(f"  bytes on the wire:         {r['bytes']}  for {r['chars']} characters of thoughts + answer")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
