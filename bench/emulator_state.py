"""What stored state costs the emulator: creates deep in a chain, and memory per stored interaction.

* **Chained creates**: one chain is grown to turn 199; then batches of creates continue it at
  turn 2 (``previous_interaction_id`` = the root) and at turn 200 (= the 199th), alternating.
  Server time is the emulator process's own CPU (``/proc/PID/stat``) over each batch, divided
  by the batch size, so a loaded machine's waiting does not count.
* **Memory**: the emulator's RSS (``/proc/PID/status``) before and after N stored creates, and
  after ``POST /_emulator/reset``; and per stored create when every prompt is new. If this build
  has ``--max-interactions``, a second emulator capped at N/5 shows whether the cap bounds the
  growth.

All over raw HTTP with keep-alive connections, the emulator in its own process.

    python bench/emulator_state.py [--quick] [--batch N] [--batches N] [--creates N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import pathlib
import statistics
import sys
import urllib.parse
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from common import Row, emulator_flags, emulator_process, fmt, print_table, proc_cpu, proc_rss  # noqa: E402
from http_bench import CONFIG, MODEL, read_response, request_bytes  # noqa: E402


class Connection:
    """One keep-alive HTTP/1.1 connection sending non-streamed creates."""

    def __init__(self, url: str):
        self.url = url
        parts = urllib.parse.urlsplit(url)
        self.reader, self.writer = None, None
        self._addr = (parts.hostname, parts.port)

    async def open(self) -> Connection:
        self.reader, self.writer = await asyncio.open_connection(*self._addr)
        return self

    async def create(self, previous: str | None = None, prompt: str = "Tell me a joke") -> str:
        body = {"model": MODEL, "input": prompt, "generation_config": CONFIG}
        if previous:
            body["previous_interaction_id"] = previous
        self.writer.write(request_bytes(self.url, body))
        status, _, chunks = await read_response(self.reader)
        if status != 200:
            raise RuntimeError(f"create answered {status}: {b''.join(chunks)[:300]!r}")
        return json.loads(b"".join(chunks))["id"]

    def close(self) -> None:
        self.writer.close()


async def _chain(
    url: str, pid: int, batch: int, batches: int, distinct: bool = False
) -> tuple[list[float], list[float]]:
    """CPU per create at turn 2 and turn 200; ``distinct``: every create asks something new, so
    the emulator composes each answer (an identical turn may come from its memo)."""
    conn = await Connection(url).open()
    root = await conn.create(prompt="My name is Phil")
    head = root
    for _ in range(198):  # turns 2..199
        head = await conn.create(head)
    early, late = [], []
    asked = 0

    async def run(previous: str) -> float:
        nonlocal asked
        cpu = proc_cpu(pid)
        for _ in range(batch):
            asked += 1
            await conn.create(
                previous, f"Tell me a joke about rivers, take {asked}" if distinct else "Tell me a joke"
            )
        return (proc_cpu(pid) - cpu) / batch

    for i in range(batches):
        if i % 2 == 0:
            early.append(await run(root))
            late.append(await run(head))
        else:
            late.append(await run(head))
            early.append(await run(root))
    conn.close()
    return early, late


def chain_cost(batch: int, batches: int) -> list[Row]:
    rows = []
    for key, distinct, what in (
        ("5", False, "the same prompt each time"),
        ("5b", True, "a new prompt each time (no memo)"),
    ):
        with emulator_process() as (proc, url):
            early, late = asyncio.run(_chain(url, proc.pid, batch, batches, distinct))
        ratio = statistics.median(late) / max(statistics.median(early), 1e-9)
        rows.append(
            Row(
                key,
                f"chained create: emulator CPU at turn 200 vs turn 2, {what}",
                fmt(late, "ms", 1e3, 2),
                f"turn 2 {fmt(early, 'ms', 1e3, 2)}",
                ratio,
                "~1.0x (<= 1.2x)",
                ratio <= 1.2,
                note=f"{batches} batches of {batch} creates per turn, alternating; emulator process "
                "CPU from /proc (10 ms ticks) per create.",
            )
        )
    return rows


_PROMPTS = iter(range(10**9))


async def _fill(url: str, n: int, clients: int = 4, distinct: bool = False) -> None:
    """``n`` creates: the same prompt each time, or (``distinct``) a prompt never sent before."""
    conns = [await Connection(url).open() for _ in range(clients)]

    async def work(conn: Connection, count: int) -> None:
        for _ in range(count):
            if distinct:
                await conn.create(prompt=f"Tell me a joke about the number {next(_PROMPTS)}")
            else:
                await conn.create()

    await asyncio.gather(*(work(c, n // clients + (i < n % clients)) for i, c in enumerate(conns)))
    for c in conns:
        c.close()


WARM_CREATES = 2200
"""Before measuring: imports, caches, first allocations, and a full request log (the emulator
keeps the last 2000 requests), so the growth measured is what each *stored* interaction costs."""


def _growth(url: str, pid: int, creates: int, distinct: bool = False) -> tuple[int, int]:
    asyncio.run(_fill(url, WARM_CREATES, distinct=distinct))
    before = proc_rss(pid)
    asyncio.run(_fill(url, creates, distinct=distinct))
    return before, proc_rss(pid)


def memory(creates: int) -> list[Row]:
    with emulator_process() as (proc, url):
        before, after = _growth(url, proc.pid, creates)
        reset_request = urllib.request.Request(url + "/_emulator/reset", data=b"{}", method="POST")
        urllib.request.urlopen(reset_request).read()
        reset = proc_rss(proc.pid)
    grown = after - before
    per = grown / creates
    kept = reset - before
    rows = [
        Row(
            "6a",
            f"emulator memory per stored interaction ({creates:,} creates)",
            f"{per / 1024:.2f} KiB",
            f"RSS {before / 2**20:.0f} -> {after / 2**20:.0f} MiB",
            None,
            "bounded by a cap",
            None,
            note=f"RSS growth / creates (the same prompt each time), after {WARM_CREATES:,} warm-up "
            "creates; the issue measured about 4.5 KiB. A repeated turn's record shares the body's "
            "and the answer's blobs with the emulator's memo; 6d has a new prompt each time.",
        ),
        Row(
            "6b",
            "emulator memory kept after /_emulator/reset",
            f"{kept / 2**20:+.1f} MiB",
            f"grown {grown / 2**20:+.1f} MiB",
            kept / grown if grown > 0 else None,
            "returned (<= 0.25 of growth)",
            kept <= 0.25 * grown if grown > 0 else None,
            note="RSS after reset minus RSS before the creates.",
        ),
    ]
    if "--max-interactions" in emulator_flags():
        cap = max(100, creates // 5)
        with emulator_process("--max-interactions", str(cap)) as (proc, url):
            c_before, c_after = _growth(url, proc.pid, creates)
        capped = c_after - c_before
        rows.append(
            Row(
                "6c",
                f"emulator memory growth with --max-interactions {cap:,}",
                f"{capped / 2**20:+.1f} MiB",
                f"uncapped {grown / 2**20:+.1f} MiB",
                capped / grown if grown > 0 else None,
                "<= 0.5 of uncapped (cap = 1/5)",
                capped <= 0.5 * grown if grown > 0 else None,
                note=f"{creates:,} creates into an emulator capped at {cap:,} stored interactions.",
            )
        )
    else:
        rows.append(
            Row(
                "6c",
                "emulator memory growth with --max-interactions",
                "n/a",
                "",
                None,
                "<= 0.5 of uncapped (cap = 1/5)",
                None,
                note="this build's emulator has no --max-interactions flag.",
            )
        )
    with emulator_process() as (proc, url):
        d_before, d_after = _growth(url, proc.pid, creates, distinct=True)
    rows.append(
        Row(
            "6d",
            f"emulator memory per stored interaction, a new prompt each time ({creates:,} creates)",
            f"{(d_after - d_before) / creates / 1024:.2f} KiB",
            f"RSS {d_before / 2**20:.0f} -> {d_after / 2**20:.0f} MiB",
            None,
            "bounded by a cap",
            None,
            note=f"RSS growth / creates, after {WARM_CREATES:,} warm-up creates, every prompt new.",
        )
    )
    return rows


def measure(
    quick: bool = False, batch: int | None = None, batches: int | None = None, creates: int | None = None
) -> list[Row]:
    return chain_cost(batch or 100, batches or (4 if quick else 10)) + memory(
        creates or (5000 if quick else 20_000)
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer batches and creates, for a smoke run")
    ap.add_argument("--batch", type=int, help="creates per batch (default 100)")
    ap.add_argument("--batches", type=int, help="batches per turn (default 10, quick 4)")
    ap.add_argument("--creates", type=int, help="creates for the memory rows (default 20000, quick 5000)")
    args = ap.parse_args(argv)
    print_table(measure(args.quick, args.batch, args.batches, args.creates))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
