"""What a ``%%gemini`` turn adds in a real kernel over the raw SDK doing the same request there.

Both arms run as cells in one ipykernel (started through jupyter_client), against one emulator
in its own process:

* **magic**: ``%%gemini --stream`` / ``--no-stream`` cells, continuing the kernel's chain, with
  the history database on, the live preview and the final display crossing ZMQ as in a notebook;
* **raw**: a cell that sends *the same request body* (read back from the emulator's request log
  after a warm-up magic cell) with the google-genai SDK and consumes the stream, continuing its
  own chain with ``previous_interaction_id``, so the server does the same work for both.

Pairs alternate which arm goes first. Measured on the client side: cell wall time (request sent
to kernel idle), IOPub messages and bytes; kernel CPU from ``getrusage`` inside the kernel.

Rows: the 20,000-delta answer (kernel CPU added, display messages in the busiest second, IOPub
bytes vs the answer's size), the 100-delta streamed turn and the non-streamed turn (wall added).

    python bench/kernel_turns.py [--quick] [--pairs N] [--long-pairs N] [--deltas 20000]
                                 [--only long|short|stream]

``--only`` runs one part: ``long`` (rows 1a-1c), ``short`` (2a and 2b) or ``stream`` (2a alone),
to iterate on one figure faster; the rows print the same.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import sys
import tempfile
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from common import Row, bench_env, emulator_process, fmt, median_spread, paired, print_table  # noqa: E402
from kernel import Kernel  # noqa: E402

MODEL = "gemini-3-flash-preview"
LONG_PROMPT = "Bench: the long streamed answer"
WARM_PROMPT = "Bench: the short warm-up answer"  # same request shape, 100 deltas: a cheap warm-up
LONG_DELTA = "ab cd efg "  # three words, one delta of 10 characters (the emulator streams 3 words a delta)
SHORT_PROMPT = "Count from 1 to 300"  # 100 deltas of 3 numbers
PLAIN_PROMPT = "Tell me a joke"

SETUP = """
from google import genai as _bench_genai
_bench_client = _bench_genai.Client(api_key="bench", http_options={{"base_url": {url!r},
                                    "retry_options": {{"attempts": 1}}}})
_bench_prev = None

def _bench_raw_turn(body):
    '''The same request the magic sent, with the raw SDK; continues its own chain.'''
    global _bench_prev
    kwargs = {{k: v for k, v in body.items() if k != "previous_interaction_id"}}
    if _bench_prev:
        kwargs["previous_interaction_id"] = _bench_prev
    if kwargs.get("stream"):
        for event in _bench_client.interactions.create(**kwargs):
            interaction = getattr(event, "interaction", None)
            if interaction is not None and getattr(interaction, "id", None):
                _bench_prev = interaction.id
    else:
        _bench_prev = _bench_client.interactions.create(**kwargs).id

import json as _bench_json
_bench_wire_prev = None

def _bench_wire_turn(body):
    '''The same request with the SDK's raw response, read with json alone: no model per event or
    per answer (the request still goes through the SDK's keyword call). A floor for a client of
    the SDK that skips answer models; continues its own chain.'''
    global _bench_wire_prev
    kwargs = {{k: v for k, v in body.items() if k != "previous_interaction_id"}}
    if _bench_wire_prev:
        kwargs["previous_interaction_id"] = _bench_wire_prev
    response = _bench_client.interactions.with_raw_response.create(**kwargs)
    if not kwargs.get("stream"):
        _bench_wire_prev = response.json()["id"]
        return
    for line in response.http_response.iter_lines():
        if line.startswith("data: {{"):
            rid = (_bench_json.loads(line[6:]).get("interaction") or {{}}).get("id")
            _bench_wire_prev = rid or _bench_wire_prev
    response.http_response.close()
"""


def scenario_file(directory: str, deltas: int) -> str:
    """Scenarios answering LONG_PROMPT with ``deltas`` deltas of 10 characters, WARM_PROMPT with 100."""
    path = os.path.join(directory, "long.json")
    with open(path, "w") as f:
        json.dump(
            {
                "scenarios": [
                    {
                        "name": "bench-long",
                        "match": {"input": "Bench: the long"},
                        "respond": LONG_DELTA * deltas,
                    },
                    {
                        "name": "bench-warm",
                        "match": {"input": "Bench: the short warm-up"},
                        "respond": LONG_DELTA * 100,
                    },
                ]
            },
            f,
        )
    return path


def last_body(url: str) -> dict:
    """The body of the last create the emulator received (what the magic sent)."""
    with urllib.request.urlopen(url + "/_emulator/requests") as resp:
        log = json.load(resp)["requests"]
    creates = [r for r in log if r["method"] == "POST" and r["path"].endswith("/interactions")]
    return creates[-1]["body"]


class Turns:
    """One kernel with the extension loaded and the raw client set up, against ``url``."""

    def __init__(self, url: str, history: str):
        self.url = url
        self.kernel = Kernel(env=bench_env(GEMINI_NB_BACKEND=url, GEMINI_NB_HISTORY=history))
        self.kernel.execute(SETUP.format(url=url))
        self.kernel.execute("%load_ext gemini_nb")
        self.bodies: dict[str, dict] = {}

    def magic(self, flags: str, prompt: str, timeout: float = 600):
        return self.kernel.execute(f"%%gemini {flags}\n{prompt}", timeout=timeout)

    def raw(self, name: str, timeout: float = 600):
        return self.kernel.execute(f"_bench_raw_turn({self.bodies[name]!r})", timeout=timeout)

    def wire(self, name: str, timeout: float = 600):
        return self.kernel.execute(f"_bench_wire_turn({self.bodies[name]!r})", timeout=timeout)

    def learn(self, name: str, flags: str, prompt: str, timeout: float = 600, as_prompt: str = "") -> None:
        """Warm both arms up once, keeping the body the magic sent for the raw arm.

        With ``as_prompt``, the body learnt for ``prompt`` is kept with ``prompt`` replaced by
        ``as_prompt`` (the magic builds the same request for any plain prompt), so a long answer
        needs no long warm-up."""
        self.magic(flags, prompt, timeout)
        self.bodies[name] = last_body(self.url)
        self.raw(name, timeout)
        self.wire(name, timeout)
        if as_prompt:
            text = json.dumps(self.bodies[name])
            if json.dumps(prompt)[1:-1] not in text:
                raise RuntimeError(f"the magic's request does not carry the prompt as written: {text[:300]}")
            self.bodies[name] = json.loads(
                text.replace(json.dumps(prompt)[1:-1], json.dumps(as_prompt)[1:-1])
            )

    def close(self) -> None:
        self.kernel.close()


def long_stream(pairs: int, deltas: int) -> list[Row]:
    answer_bytes = len((LONG_DELTA * deltas).encode())
    with (
        tempfile.TemporaryDirectory(prefix="gemini-nb-bench-") as tmp,
        emulator_process("--scenarios", scenario_file(tmp, deltas)) as (_, url),
    ):
        turns = Turns(url, os.path.join(tmp, "history.sqlite3"))
        try:
            turns.learn("long", "--stream", WARM_PROMPT, as_prompt=LONG_PROMPT)
            cells = []

            def magic() -> float:
                cell, cpu = turns.kernel.measure(f"%%gemini --stream\n{LONG_PROMPT}")
                cells.append(cell)
                return cpu

            def raw() -> float:
                return turns.kernel.measure(f"_bench_raw_turn({turns.bodies['long']!r})")[1]

            def wire() -> float:
                return turns.kernel.measure(f"_bench_wire_turn({turns.bodies['long']!r})")[1]

            magic_cpu, raw_cpu = paired(pairs, magic, raw)
            floor_magic, floor_cpu = paired(pairs, magic, wire)
        finally:
            turns.close()
    added = [m - r for m, r in zip(magic_cpu, raw_cpu)]
    over_floor = [m - w for m, w in zip(floor_magic, floor_cpu)]
    ratios = [m / r for m, r in zip(magic_cpu, raw_cpu)]
    busiest = [c.busiest_second() for c in cells]
    iopub = [c.iopub_bytes for c in cells]
    complete = all(_in_bundle(c, deltas) for c in cells)
    n = f"{deltas:,}-delta"
    return [
        Row(
            "1a",
            f"{n} stream in a kernel: kernel CPU added by %%gemini",
            fmt(added, "s", signed=True),
            f"raw SDK {fmt(raw_cpu, 's')}",
            statistics.median(ratios),
            "<= 0.5 s added",
            median_spread(added)[0] <= 0.5,
            note=f"{pairs} pair(s); CPU of the whole kernel process (getrusage in the kernel). Over the "
            "floor (the SDK's keyword call, its raw response read with json alone): "
            f"{fmt(over_floor, 's', signed=True)} (floor {fmt(floor_cpu, 's')}).",
        ),
        Row(
            "1b",
            f"{n} stream: display messages in the busiest second",
            fmt(busiest, digits=0),
            "",
            None,
            "<= 25",
            max(busiest) <= 25,
            note="display_data/update_display_data/execute_result/clear_output, by kernel timestamp.",
        ),
        Row(
            "1c",
            f"{n} stream: IOPub bytes for the cell",
            fmt(iopub, "kB", 1e-3, 0),
            f"answer {answer_bytes / 1e3:.0f} kB",
            statistics.median(iopub) / answer_bytes,
            "<= 3x answer, final display complete",
            statistics.median(iopub) <= 3 * answer_bytes and complete,
            note="all IOPub frames of the cell, counted on the client; a fresh display after the last "
            f"live update holds the complete answer: {'yes' if complete else 'NO'}.",
        ),
    ]


def _in_bundle(cell, deltas: int) -> bool:
    """Does a fresh display after the last live update hold the complete answer?"""
    answer = (LONG_DELTA * deltas).strip()
    kinds = [m.msg_type for m in cell.messages]
    last_update = max((i for i, k in enumerate(kinds) if k == "update_display_data"), default=-1)
    for m in cell.messages[last_update + 1 :]:
        data = m.content.get("data") or {}
        if any(isinstance(v, str) and answer in v for v in data.values()):
            return True
    return False


SHORT_TURNS = (
    ("2a", "streamed 100-delta turn", "--stream", SHORT_PROMPT),
    ("2b", "non-streamed turn", "--no-stream", PLAIN_PROMPT),
)
PARTS = ("all", "long", "short", "stream")


def short_turns(pairs: int, keys: tuple[str, ...] = ("2a", "2b")) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="gemini-nb-bench-") as tmp, emulator_process() as (_, url):
        turns = Turns(url, os.path.join(tmp, "history.sqlite3"))
        try:
            rows = []
            for key, name, flags, prompt in (t for t in SHORT_TURNS if t[0] in keys):
                for _ in range(2):
                    turns.learn(name, flags, prompt)
                cpu: dict[str, list[float]] = {"magic": [], "raw": [], "wire": []}

                def arm(which: str, code: str) -> float:
                    cell, used = turns.kernel.measure(code)
                    cpu[which].append(used)
                    return cell.wall

                magic, raw = paired(
                    pairs,
                    lambda: arm("magic", f"%%gemini {flags}\n{prompt}"),
                    lambda: arm("raw", f"_bench_raw_turn({turns.bodies[name]!r})"),
                )
                cpu["magic"], magic_cpu = [], cpu["magic"]
                floor_magic, floor = paired(
                    pairs,
                    lambda: arm("magic", f"%%gemini {flags}\n{prompt}"),
                    lambda: arm("wire", f"_bench_wire_turn({turns.bodies[name]!r})"),
                )
                over_floor = [m - w for m, w in zip(floor_magic, floor)]
                added = [m - r for m, r in zip(magic, raw)]
                cpu_added = [m - r for m, r in zip(magic_cpu, cpu["raw"])]
                med = median_spread(added)[0]
                rows.append(
                    Row(
                        key,
                        f"{name} in a kernel: wall added by %%gemini",
                        fmt(added, "ms", 1e3, 1, True),
                        f"raw SDK {fmt(raw, 'ms', 1e3, 1)}",
                        statistics.median(m / r for m, r in zip(magic, raw)),
                        "<= 5 ms added",
                        med <= 0.005,
                        note=f"{pairs} pairs; cell wall time from execute_request to idle, both arms "
                        "continuing their own chain; kernel CPU added "
                        f"{fmt(cpu_added, 'ms', 1e3, 1, True)}. Over the floor (the SDK's keyword call, "
                        f"its raw response read with json alone; {pairs} more pairs): "
                        f"{fmt(over_floor, 'ms', 1e3, 1, True)} wall (floor {fmt(floor, 'ms', 1e3, 1)}).",
                    )
                )
        finally:
            turns.close()
    return rows


def measure(
    quick: bool = False,
    pairs: int | None = None,
    long_pairs: int | None = None,
    deltas: int = 20_000,
    only: str = "all",
) -> list[Row]:
    if only not in PARTS:
        raise ValueError(f"--only must be one of {', '.join(PARTS)}, not {only!r}")
    pairs = pairs or (10 if quick else 40)
    long_pairs = long_pairs or (1 if quick else 3)
    rows = long_stream(long_pairs, deltas) if only in ("all", "long") else []
    if only in ("all", "short"):
        rows += short_turns(pairs)
    elif only == "stream":
        rows += short_turns(pairs, ("2a",))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="few pairs, for a smoke run")
    ap.add_argument("--pairs", type=int, help="pairs for the short turns (default 40, quick 10)")
    ap.add_argument("--long-pairs", type=int, help="pairs for the long stream (default 3, quick 1)")
    ap.add_argument("--deltas", type=int, default=20_000, help="deltas in the long stream (default 20000)")
    ap.add_argument(
        "--only", choices=PARTS, default="all", help="one part: long (1a-1c), short (2a, 2b), stream (2a)"
    )
    args = ap.parse_args(argv)
    print_table(measure(args.quick, args.pairs, args.long_pairs, args.deltas, args.only))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
