"""Emulator throughput through the real google-genai SDK.

Measures, for 1 and 8 concurrent clients (threads, one client each):
  * non-streaming creates per second
  * 100-delta streams per second (read to the end)
with two kinds of client: the real google-genai SDK, and plain HTTP (httpx, the SDK's own
transport) sending the same bodies. Each against the emulator and against a baseline server
(same Starlette+uvicorn stack answering canned bytes, no logic), as separate processes, in
the same run; prints figures and emulator/baseline ratios.

Why two clients: google-genai 3.x spends ~13 ms of CPU per call building pydantic models
(see bench/README.md), so SDK-driven figures are bounded by the client on 2 cores whatever
the server does; the baseline column shows that ceiling. The plain-HTTP rows measure what
the emulator itself sustains. Targets on a 2-core machine: >= 300 creates/s, >= 50 streams/s.

    python bench/emulator.py [--seconds 3]
"""
from __future__ import annotations

import argparse
import pathlib
import re
import subprocess
import sys
import threading
import time

HERE = pathlib.Path(__file__).parent
MODEL = "gemini-3-flash-preview"
# "Count from 1 to 300" streams 100 text deltas (3 words each) from the emulator.
STREAM_PROMPT = "Count from 1 to 300"


def spawn(cmd: list[str]) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    return proc, re.search(r"(http://\S+)$", line.strip()).group(1)


CONFIG = {"thinking_level": "minimal", "thinking_summaries": "none"}


def _http_call(client, stream: bool) -> None:
    body = {"model": MODEL, "input": STREAM_PROMPT if stream else "Tell me a joke",
            "generation_config": CONFIG}
    if stream:
        body["stream"] = True
        with client.stream("POST", "/v1/interactions", json=body) as resp:
            n = sum(1 for line in resp.iter_lines() if line.startswith("event: step.delta"))
        assert n >= 100, n
    else:
        resp = client.post("/v1/interactions", json=body)
        assert resp.status_code == 200, resp.text


def measure_http(url: str, clients: int, seconds: float, stream: bool) -> float:
    import httpx

    pool = [httpx.Client(base_url=url, headers={"x-goog-api-key": "bench"}) for _ in range(clients)]
    return _run(clients, seconds, lambda i: _http_call(pool[i], stream),
                lambda i: _http_call(pool[i], False))


def _run(clients: int, seconds: float, call, warm) -> float:
    done = [0] * clients
    for i in range(clients):
        warm(i)
    stop = time.monotonic() + seconds

    def work(i: int) -> None:
        while time.monotonic() < stop:
            call(i)
            done[i] += 1

    t0 = time.monotonic()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.monotonic() - t0)


def measure(url: str, clients: int, seconds: float, stream: bool) -> float:
    from google import genai

    sdk = [genai.Client(api_key="bench", http_options={"base_url": url,
                                                         "retry_options": {"attempts": 1}})
           for _ in range(clients)]
    config = CONFIG

    def call(i: int) -> None:
        client = sdk[i]
        if stream:
            n = 0
            for event in client.interactions.create(model=MODEL, input=STREAM_PROMPT, stream=True,
                                                    generation_config=config):
                n += event.event_type == "step.delta"
            assert n >= 100, n
        else:
            client.interactions.create(model=MODEL, input="Tell me a joke", generation_config=config)

    return _run(clients, seconds, call,
                lambda i: sdk[i].interactions.create(model=MODEL, input="warm up"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    emu, emu_url = spawn([sys.executable, "-m", "gemini_nb.emulator", "--port", "0"])
    base, base_url = spawn([sys.executable, str(HERE / "baseline_server.py")])
    try:
        print(f"{'measure':<36}{'emulator':>10}{'baseline':>10}{'ratio':>8}")
        results = {}
        for kind, fn in (("sdk", measure), ("http", measure_http)):
            for stream in (False, True):
                for clients in (1, 8):
                    e = fn(emu_url, clients, args.seconds, stream)
                    b = fn(base_url, clients, args.seconds, stream)
                    name = (f"{kind}: {'streams' if stream else 'creates'}/s, {clients} "
                            f"client{'s' if clients > 1 else ''}")
                    results[name] = e
                    print(f"{name:<36}{e:>10.1f}{b:>10.1f}{e / b:>8.2f}", flush=True)
        for kind in ("sdk", "http"):
            creates = max(v for k, v in results.items() if k.startswith(f"{kind}: creates"))
            streams = max(v for k, v in results.items() if k.startswith(f"{kind}: streams"))
            print(f"{kind} targets: creates/s >= 300: {creates:.0f} ({'ok' if creates >= 300 else 'MISSED'}); "
                  f"100-delta streams/s >= 50: {streams:.0f} ({'ok' if streams >= 50 else 'MISSED'})")
    finally:
        for proc in (emu, base):
            proc.terminate()
            proc.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
