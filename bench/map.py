"""``gemini_nb.map`` at scale against the emulator run as its own process.

Prints, in one run:

* **latency-bound map**: N rows (default 1,000), 1 s of emulator latency per request, concurrency
  32; wall time and its ratio to the ideal ``rows x latency / concurrency`` (31.25 s; target
  <= 1.3);
* **SDK ceilings**: creates/s of the SDK's async client (same concurrency, no map code) against a
  zero-latency emulator, measured in the same run: the plain ``create(**kwargs)`` (google-genai
  3.x costs ~25 ms of CPU per create here), and the call the map makes
  (:mod:`gemini_nb.map_send`: same wire request, ~11 ms). One process cannot go above the second
  whatever the server does; when ``rows / ceiling`` approaches the ideal time, the ratio above is
  bound by the client, not the map;
* **rate limits**: the same map with 10% of requests answered 429 (``Retry-After: 1``); every
  row must complete;
* **memory**: peak RSS of a map over 20,000 rows vs 1,000 rows (each in a fresh subprocess,
  ``VmHWM``; target within 1.5x). These run against a zero-latency emulator.

    python bench/map.py            # full (~2 min on 2 cores)
    python bench/map.py --quick    # 200 rows, 4,000-row memory run (~20 s)
    python bench/map.py --no-memory  # the ceiling and the two latency runs only
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import subprocess
import sys
import time
import urllib.request

MODEL = "gemini-3-flash-preview"
CONFIG = {"thinking_level": "minimal", "thinking_summaries": "none"}


def spawn(*args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gemini_nb.emulator", "--port", "0", *args], stdout=subprocess.PIPE, text=True
    )
    line = proc.stdout.readline()
    match = re.search(r"(http://\S+)$", line.strip())
    if not match:
        proc.kill()
        raise SystemExit(f"emulator did not start: {line!r}")
    return proc, match.group(1)


def control(url: str, path: str, body: dict | None = None, method: str = "POST") -> None:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{url}/_emulator/{path}", data=data, method=method, headers={"content-type": "application/json"}
    )
    urllib.request.urlopen(request, timeout=10).read()


def frame(rows: int, distinct: int | None = None):
    import pandas as pd

    distinct = distinct or rows
    return pd.DataFrame({"n": [i % distinct for i in range(rows)]})


def run_map(url: str, rows: int, concurrency: int) -> tuple[float, object]:
    import gemini_nb

    session = gemini_nb.Session(backend=url, timeout=60)
    start = time.perf_counter()
    out = gemini_nb.map(
        frame(rows),
        "Say item {{n}}",
        session=session,
        concurrency=concurrency,
        progress=False,
        generation_config=CONFIG,
    )
    return time.perf_counter() - start, out


async def _ceiling(url: str, creates: int, concurrency: int, sender: bool = False) -> float:
    """creates/s of the async client alone; ``sender``: through the map's own call
    (:class:`gemini_nb.map_send.RowSender`) instead of the plain ``create(**kwargs)``."""
    from google import genai

    from gemini_nb.map_send import RowSender

    client = genai.Client(api_key="bench", http_options={"base_url": url, "retry_options": {"attempts": 1}})
    aio = client.aio
    todo = iter(range(creates))
    base = {"model": MODEL, "input": "", "generation_config": CONFIG}
    send = RowSender.for_request(aio, base) if sender else RowSender(aio)

    async def worker() -> None:
        for i in todo:
            await send({**base, "input": f"Say item {i}"})

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    await aio.aclose()
    return creates / elapsed


MEMORY_SCRIPT = """
import sys, gemini_nb, pandas as pd

def peak_kb():  # VmHWM: this process's own high-water mark (ru_maxrss also counts the parent's image,
    # which Linux carries across fork+exec)
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

url, rows, distinct = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
df = pd.DataFrame({"n": [i % distinct for i in range(rows)]})
session = gemini_nb.Session(backend=url, timeout=60)
before = peak_kb()
out = gemini_nb.map(df, "Say item {{n}}", session=session, concurrency=32, progress=False,
                    generation_config={"thinking_level": "minimal", "thinking_summaries": "none"})
assert len(out) == rows and out["error"].isna().all(), out["error"].dropna().head()
print(before, peak_kb(), out.attrs["gemini_nb"]["requests"])
"""


def peak_rss(url: str, rows: int, distinct: int) -> tuple[int, int, int]:
    done = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, url, str(rows), str(distinct)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if done.returncode:
        raise SystemExit(done.stderr)
    before, after, requests = map(int, done.stdout.split()[-3:])
    return before, after, requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--rows", type=int, help="rows of the latency-bound runs (default 1000; quick 200)")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency-ms", type=float, default=1000.0)
    parser.add_argument(
        "--memory-rows", type=int, help="rows of the large memory run (default 20000; quick 4000)"
    )
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the two memory runs (the latency runs only)"
    )
    parser.add_argument(
        "--distinct",
        type=int,
        default=2000,
        help="distinct prompts in the memory runs (the rest are duplicates map sends once; "
        "default 2000, so the large run costs 2,000 creates, not 20,000)",
    )
    args = parser.parse_args()
    rows = args.rows or (200 if args.quick else 1000)
    big = args.memory_rows or (4000 if args.quick else 20000)
    small = 1000
    latency = args.latency_ms / 1000
    ideal = rows * latency / args.concurrency

    slow, slow_url = spawn("--latency-ms", str(args.latency_ms))
    fast, fast_url = spawn("--latency-ms", "0")
    try:
        creates = 100 if args.quick else 300
        ceiling = asyncio.run(_ceiling(fast_url, creates, args.concurrency))
        print(
            f"SDK ceiling (async client, create(**kwargs), zero-latency emulator, concurrency "
            f"{args.concurrency}): {ceiling:.1f} creates/s -> {rows} rows need >= {rows / ceiling:.1f} s"
        )
        floor = asyncio.run(_ceiling(fast_url, creates, args.concurrency, sender=True))
        print(
            f"map's SDK call ceiling (same client, map_send.RowSender, no map code): {floor:.1f} creates/s "
            f"-> {rows} rows need >= {rows / floor:.1f} s "
            f"(a ratio floor of {max(1.0, rows / floor / ideal):.2f})"
        )

        wall, out = run_map(slow_url, rows, args.concurrency)
        errors = int(out["error"].notna().sum())
        print(
            f"map {rows} rows, {args.latency_ms:.0f} ms latency, concurrency {args.concurrency}: "
            f"{wall:.1f} s; ideal {ideal:.2f} s; ratio {wall / ideal:.2f} (target <= 1.3); "
            f"errors {errors}; "
            f"{rows / wall:.1f} rows/s = {rows / wall / floor:.0%} of the map's SDK call ceiling "
            f"({rows / wall / ceiling:.0%} of the plain SDK's)"
        )

        control(
            slow_url,
            "faults",
            {"method": "POST", "path": "interactions", "status": 429, "retry_after": 1, "probability": 0.1},
        )
        wall, out = run_map(slow_url, rows, args.concurrency)
        meta = out.attrs["gemini_nb"]
        errors = int(out["error"].notna().sum())
        print(
            f"map with 10% 429 (Retry-After 1 s): {wall:.1f} s; ratio {wall / ideal:.2f}; "
            f"{meta['retries']} retries; {len(out) - errors}/{rows} rows completed"
        )
        control(slow_url, "faults", method="DELETE")
        if args.no_memory:
            return

        distinct_small = min(args.distinct, small)
        b1, a1, r1 = peak_rss(fast_url, small, distinct_small)
        b2, a2, r2 = peak_rss(fast_url, big, min(args.distinct, big))
        print(
            f"peak RSS: {small} rows {a1 / 1024:.0f} MB ({r1} requests); {big} rows {a2 / 1024:.0f} MB "
            f"({r2} requests); ratio {a2 / a1:.2f} (target <= 1.5); before the map: {b1 / 1024:.0f} / "
            f"{b2 / 1024:.0f} MB"
        )
    finally:
        for proc in (slow, fast):
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
