"""Job display message rate: a background job whose stream delivers events as fast as it can.

Feeds real SDK event objects (parsed by google-genai's own types) into a ``Job``'s assembler,
notifying its listeners per event exactly as the follow thread does, while the widget
``JobDisplay`` (ipywidgets, with its HTML fallback) runs its own ticker thread in real time.
Every comm message a widget publishes and every display message is counted with a timestamp.
Reports the event rate, messages per second overall and in the busiest one-second window
(target: at most 25, whatever the event rate), the CPU of the whole path, and checks that the
final report reached the widget's Output.

    python bench/jobs_display.py [--events 40000] [--seconds 4]
"""

from __future__ import annotations

import argparse
import json
import time


def _events(n: int):
    from google.genai._gaos.types.interactions.interactionsseevent import InteractionSSEEvent
    from pydantic import TypeAdapter

    adapter = TypeAdapter(InteractionSSEEvent)
    created = {"id": "v1_bench", "status": "in_progress", "agent": "deep-research-pro-preview-12-2025"}
    wire = [
        {"event_type": "interaction.created", "interaction": created},
        {"event_type": "step.start", "index": 0, "step": {"type": "thought"}},
    ]
    for i in range(n):
        if i % 200 == 0:
            summary = {"type": "text", "text": f"**Round {i}**\n\nReading."}
            wire.append(
                {
                    "event_type": "step.delta",
                    "index": 0,
                    "delta": {"type": "thought_summary", "content": summary},
                }
            )
        else:
            wire.append({"event_type": "step.delta", "index": 1, "delta": {"type": "text", "text": "abc "}})
    return [adapter.validate_python(e) for e in wire]


def run(n: int, seconds: float) -> dict:
    import comm

    from gemini_nb.jobs import Job
    from gemini_nb.widgets.job import JobDisplay

    stamps: list[float] = []
    comm.DummyComm.publish_msg = lambda self, msg_type, *a, **kw: stamps.append(time.perf_counter())

    class Sink:
        bytes = 0

        def display(self, data, metadata, display_id):
            pass  # the first display is not an update: not counted

        def update(self, data, metadata, display_id):
            stamps.append(time.perf_counter())
            Sink.bytes += len(json.dumps({"data": data, "metadata": metadata}))

    events = _events(n)
    job = Job(
        client=None,
        interaction_id="v1_bench",
        name="deep-research-pro-preview-12-2025",
        kind="agent",
        prompt="bench",
        view={"emulated": True},
    )
    job.number = 1
    display = JobDisplay(job, sink=Sink(), widgets=True)
    display.show()
    del stamps[:]  # widget creation (comm opens) is a one-off, not part of the rate
    cpu0, t0 = time.process_time(), time.perf_counter()
    batch = max(1, len(events) // 200)
    for i in range(0, len(events), batch):
        for event in events[i : i + batch]:
            job.assembler.feed(event)
            job._on_event()
        time.sleep(seconds / 200)
    final = {
        "id": "v1_bench",
        "status": "completed",
        "agent": "deep-research-pro-preview-12-2025",
        "steps": [{"type": "model_output", "content": [{"type": "text", "text": "# Report\n\nDone."}]}],
    }
    job._end(final, None)
    display._thread.join(10)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    rel = [s - t0 for s in stamps]
    busiest = max((sum(1 for r in rel if start <= r < start + 1.0) for start in rel), default=0)
    ok = display.out.outputs and "# Report" in display.out.outputs[0]["data"]["text/markdown"]
    return {
        "events": len(events),
        "wall_s": wall,
        "events_per_s": len(events) / wall,
        "messages": len(rel),
        "messages_per_s": len(rel) / wall,
        "busiest_1s_window": busiest,
        "cpu_s": cpu,
        "fallback_bytes": Sink.bytes,
        "final_report_in_output": bool(ok),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=40_000)
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    out = run(args.events, args.seconds)
    for key, value in out.items():
        print(f"{key:>24}: {value:.2f}" if isinstance(value, float) else f"{key:>24}: {value}")
    verdict = "OK" if out["busiest_1s_window"] <= 25 and out["final_report_in_output"] else "OVER BUDGET"
    print(f"{'target':>24}: <= 25 messages in any second -> {verdict}")


if __name__ == "__main__":
    main()
