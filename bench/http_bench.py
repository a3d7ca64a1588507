"""Emulator throughput over raw HTTP, against a trivial server returning the same bytes, and --db cost.

Two request kinds: a non-streamed create (``"Tell me a joke"``) and a 100-delta stream
(``"Count from 1 to 300"``, read to the end). Each with 1 and 8 concurrent raw HTTP clients, and
with one google-genai client (the SDK's own CPU per call is the ceiling there, for any server).

* **Emulator vs baseline**: the emulator's exact responses to these requests are recorded first,
  and ``bench/baseline_server.py`` replays them with the emulator's own uvicorn settings and
  socket options. Both run as separate processes.
* **--db vs in-memory**: the emulator with ``--db FILE`` against the emulator without it.

Each comparison runs several windows of ``--seconds`` per server, alternating which server goes
first, and reports the median ratio with its min and max. The load comes from a lean asyncio
HTTP/1.1 client (one keep-alive connection per client, pre-built request bytes, no parsing
beyond framing), so the figures show the server rather than the client library.

    python bench/http_bench.py [--quick] [--windows N] [--seconds S]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import pathlib
import statistics
import sys
import tempfile
import time
import urllib.parse

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE))
from common import Row, emulator_process, fmt, print_table, proc_cpu, server_process  # noqa: E402

MODEL = "gemini-3-flash-preview"
CONFIG = {"thinking_level": "minimal", "thinking_summaries": "none"}
BODIES = {
    "create": {"model": MODEL, "input": "Tell me a joke", "generation_config": CONFIG},
    "stream": {"model": MODEL, "input": "Count from 1 to 300", "generation_config": CONFIG, "stream": True},
}
SKIP_HEADERS = {"date", "server", "transfer-encoding", "connection", "keep-alive"}  # uvicorn adds these


def request_bytes(url: str, body: dict) -> bytes:
    parts = urllib.parse.urlsplit(url)
    data = json.dumps(body).encode()
    head = (
        f"POST /v1beta/interactions HTTP/1.1\r\nhost: {parts.netloc}\r\n"
        f"x-goog-api-key: bench\r\ncontent-type: application/json\r\n"
        f"content-length: {len(data)}\r\n\r\n"
    )
    return head.encode() + data


async def read_response(reader: asyncio.StreamReader) -> tuple[int, list[tuple[str, str]], list[bytes]]:
    """One HTTP/1.1 response: status, headers, body chunks (one per chunked-encoding chunk)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:] if ":" in line]
    names = {k.lower(): v for k, v in headers}
    chunks = []
    if "content-length" in names:
        chunks.append(await reader.readexactly(int(names["content-length"])))
    else:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
    return status, headers, chunks


async def _one(url: str, body: dict):
    parts = urllib.parse.urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(request_bytes(url, body))
    result = await read_response(reader)
    writer.close()
    return result


def record(url: str) -> dict:
    """The emulator's exact answers to the bench requests, split into the chunks it sent."""
    out = {}
    for name, body in BODIES.items():
        status, headers, chunks = asyncio.run(_one(url, body))
        if status != 200:
            raise RuntimeError(f"emulator answered {status} to the {name} request")
        data = b"".join(chunks)
        if name == "stream":
            deltas = data.count(b"event: step.delta")
            if deltas < 100:  # 100 text deltas (3 numbers each), plus any thought delta
                raise RuntimeError(f"the stream request gave {deltas} deltas, not 100")
            events = [e + b"\n\n" for e in data.split(b"\n\n") if e]
            if b"".join(events) != data:
                raise RuntimeError("stream body does not split into SSE events")
            chunks = events
        else:
            chunks = [data]
        out[name] = {
            "status": status,
            "chunks": [base64.b64encode(c).decode() for c in chunks],
            "headers": [[k, v] for k, v in headers if k.lower() not in SKIP_HEADERS],
        }
    return out


async def _load(url: str, kind: str, clients: int, seconds: float, counts: dict | None = None) -> float:
    """Requests completed per second by ``clients`` keep-alive connections over ``seconds``;
    ``counts["requests"]`` gets every request sent, the warm-up ones included."""
    parts = urllib.parse.urlsplit(url)
    payload = request_bytes(url, BODIES[kind])
    conns = [await asyncio.open_connection(parts.hostname, parts.port) for _ in range(clients)]
    for reader, writer in conns:  # warm each connection
        writer.write(payload)
        await read_response(reader)
    done = 0
    stop = time.perf_counter() + seconds

    async def client(reader, writer):
        nonlocal done
        while True:  # at least one request per client, however short the window
            writer.write(payload)
            status, _, _ = await read_response(reader)
            if status != 200:
                raise RuntimeError(f"{url} answered {status}")
            done += 1
            if time.perf_counter() >= stop:
                break

    t0 = time.perf_counter()
    await asyncio.gather(*(client(r, w) for r, w in conns))
    elapsed = time.perf_counter() - t0
    for _, writer in conns:
        writer.close()
    if counts is not None:
        counts["requests"] = done + clients
    return done / elapsed


def sdk_rate(url: str, kind: str, seconds: float) -> float:
    """Calls per second of one google-genai client making the bench request (streams read to the end)."""
    from google import genai

    client = genai.Client(api_key="bench", http_options={"base_url": url, "retry_options": {"attempts": 1}})
    kwargs = dict(BODIES[kind])

    def call() -> None:
        if kwargs.get("stream"):
            for _ in client.interactions.create(**kwargs):
                pass
        else:
            client.interactions.create(**kwargs)

    call()  # warm: connection, SDK models
    done, t0 = 0, time.perf_counter()
    stop = t0 + seconds
    while True:  # at least one call, however short the window
        call()
        done += 1
        if time.perf_counter() >= stop:
            break
    return done / (time.perf_counter() - t0)


def rate(url: str, kind: str, clients: int, seconds: float) -> float:
    """Requests per second: ``clients`` raw HTTP connections, or one SDK client if clients == 0."""
    if clients == 0:
        return sdk_rate(url, kind, seconds)
    return asyncio.run(_load(url, kind, clients, seconds))


def windows(
    a_url: str,
    b_url: str,
    kind: str,
    clients: int,
    seconds: float,
    n: int,
    cpu: dict[str, list[float]] | None = None,
    pids: tuple[int, int] | None = None,
) -> tuple[list[float], list[float]]:
    """``n`` windows per server, alternating which goes first; returns (a rates, b rates).

    With ``pids`` (the two server processes), ``cpu["a"]``/``cpu["b"]`` also get each window's
    server CPU seconds per request (``/proc``): unlike a rate, it hardly moves when other work
    shares the machine."""
    a_vals, b_vals = [], []

    def one(url: str, pid: int | None, key: str) -> float:
        before, start = (proc_cpu(pid) if pid else 0.0), time.perf_counter()
        value = rate(url, kind, clients, seconds)
        if pid and cpu is not None:
            done = value * (time.perf_counter() - start)
            cpu.setdefault(key, []).append((proc_cpu(pid) - before) / max(done, 1.0))
        return value

    pa, pb = pids or (None, None)
    for i in range(n):
        if i % 2 == 0:
            a_vals.append(one(a_url, pa, "a"))
            b_vals.append(one(b_url, pb, "b"))
        else:
            b_vals.append(one(b_url, pb, "b"))
            a_vals.append(one(a_url, pa, "a"))
    return a_vals, b_vals


def _row(
    key: str, measure: str, a: list[float], b: list[float], base_name: str, target: float, note: str
) -> Row:
    ratios = [x / y for x, y in zip(a, b)]
    med = statistics.median(ratios)
    return Row(
        key,
        measure,
        fmt(a, "/s", digits=0),
        f"{base_name} {fmt(b, '/s', digits=0)}",
        med,
        f">= {target}x",
        med >= target,
        note=f"{note}; ratio per window pair: median {med:.2f}, min {min(ratios):.2f}, "
        f"max {max(ratios):.2f}.",
    )


CASES = (
    ("create", 1, "creates/s, 1 client"),
    ("create", 8, "creates/s, 8 clients"),
    ("stream", 1, "100-delta streams/s, 1 client"),
    ("stream", 8, "100-delta streams/s, 8 clients"),
)
SDK_CASES = (("create", 0, "creates/s, 1 client"), ("stream", 0, "100-delta streams/s, 1 client"))


def vs_baseline(n: int, seconds: float) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="gemini-nb-bench-") as tmp, emulator_process() as (emu, emu_url):
        path = os.path.join(tmp, "recording.json")
        with open(path, "w") as f:
            json.dump(record(emu_url), f)
        with server_process([sys.executable, str(HERE / "baseline_server.py"), path]) as (base, base_url):
            for i, (kind, clients, label) in enumerate(CASES):
                cpu: dict[str, list[float]] = {}
                e, b = windows(emu_url, base_url, kind, clients, seconds, n, cpu, (emu.pid, base.pid))
                ce, cb = statistics.median(cpu["a"]), statistics.median(cpu["b"])
                rows.append(
                    _row(
                        f"3{'abcd'[i]}",
                        f"emulator over HTTP: {label}",
                        e,
                        b,
                        "same-bytes server",
                        0.8,
                        f"{n} windows of {seconds:g} s each, alternating; server CPU per request "
                        f"(/proc, 10 ms ticks) emulator {ce * 1e3:.2f} ms, same-bytes server "
                        f"{cb * 1e3:.2f} ms, ratio {cb / ce if ce else float('nan'):.2f}",
                    )
                )
            for i, (kind, clients, label) in enumerate(SDK_CASES):
                e, b = windows(emu_url, base_url, kind, clients, seconds, n)
                rows.append(
                    _row(
                        f"3{'ef'[i]}",
                        f"emulator via the SDK: {label}",
                        e,
                        b,
                        "same-bytes server",
                        0.8,
                        f"{n} windows of {seconds:g} s each, alternating; google-genai's own "
                        "CPU per call bounds both servers here",
                    )
                )
    return rows


def cpu_window(url: str, pid: int, kind: str, clients: int, seconds: float) -> tuple[float, float]:
    """One window: (requests/s, the server process's CPU seconds per request, from /proc)."""
    counts: dict = {}
    cpu = proc_cpu(pid)
    per_s = asyncio.run(_load(url, kind, clients, seconds, counts))
    return per_s, (proc_cpu(pid) - cpu) / counts["requests"]


def db_vs_memory(n: int, seconds: float) -> list[Row]:
    """Throughput, and (in the note) server CPU per create: on a loaded shared machine the
    throughput of two windows can differ by 2x on scheduling alone, while CPU per request
    still shows what ``--db`` costs."""
    rows = []
    with (
        tempfile.TemporaryDirectory(prefix="gemini-nb-bench-") as tmp,
        emulator_process() as (mem_proc, mem_url),
        emulator_process("--db", os.path.join(tmp, "emulator.sqlite3")) as (db_proc, db_url),
    ):
        for i, (kind, clients, label) in enumerate(CASES[:2]):
            d, m, d_cpu, m_cpu = [], [], [], []
            for w in range(n):
                arms = [(db_url, db_proc.pid, d, d_cpu), (mem_url, mem_proc.pid, m, m_cpu)]
                for url, pid, rates, cpus in arms if w % 2 == 0 else arms[::-1]:
                    per_s, cpu = cpu_window(url, pid, kind, clients, seconds)
                    rates.append(per_s)
                    cpus.append(cpu)
            cpu_ratio = statistics.median(m_cpu) / statistics.median(d_cpu)
            rows.append(
                _row(
                    f"4{'ab'[i]}",
                    f"emulator --db over HTTP: {label}",
                    d,
                    m,
                    "in-memory",
                    0.85,
                    f"{n} windows of {seconds:g} s each, alternating; server CPU per create (/proc, "
                    f"median): --db {statistics.median(d_cpu) * 1e3:.2f} ms, in-memory "
                    f"{statistics.median(m_cpu) * 1e3:.2f} ms (in-memory/--db {cpu_ratio:.2f})",
                )
            )
    return rows


def measure(quick: bool = False, n: int | None = None, seconds: float | None = None) -> list[Row]:
    n = n or (2 if quick else 6)
    seconds = seconds or (1.0 if quick else 2.0)
    return vs_baseline(n, seconds) + db_vs_memory(n, seconds)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="2 windows of 1 s, for a smoke run")
    ap.add_argument("--windows", type=int, help="windows per server and case (default 6)")
    ap.add_argument("--seconds", type=float, help="length of one window (default 2)")
    args = ap.parse_args(argv)
    print_table(measure(args.quick, args.windows, args.seconds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
