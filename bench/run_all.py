"""Run every bench and print ONE table: measure, value, baseline, ratio, target, met?

It is a report, not a test: the exit code is 0 whatever the figures (and a bench that fails
still gets its rows, saying so), so a slow or loaded machine never turns it red. Progress goes to
stderr, the table to stdout.

    python bench/run_all.py            # the full run (several times --quick)
    python bench/run_all.py --quick    # about 3 minutes: fewer pairs/windows, same sizes
    python bench/run_all.py --smoke    # seconds of work per bench, small sizes: checks the shape only
    python bench/run_all.py --only kernel_turns,http_bench --json figures.json
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import pathlib
import platform
import sys
import time
import traceback

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import emulator_state  # noqa: E402
import http_bench  # noqa: E402
import kernel_turns  # noqa: E402
import load_ext  # noqa: E402
from common import Row, print_table  # noqa: E402

# Every row the table must have, by bench, in order: a failed bench still shows these.
ROWS = {
    "kernel_turns": [
        ("1a", "long stream: kernel CPU added"),
        ("1b", "long stream: display messages/s"),
        ("1c", "long stream: IOPub bytes"),
        ("2a", "streamed 100-delta turn: wall added"),
        ("2b", "non-streamed turn: wall added"),
    ],
    "http_bench": [
        ("3a", "emulator over HTTP: creates/s, 1 client"),
        ("3b", "emulator over HTTP: creates/s, 8 clients"),
        ("3c", "emulator over HTTP: 100-delta streams/s, 1 client"),
        ("3d", "emulator over HTTP: 100-delta streams/s, 8 clients"),
        ("3e", "emulator via the SDK: creates/s, 1 client"),
        ("3f", "emulator via the SDK: 100-delta streams/s, 1 client"),
        ("4a", "emulator --db: creates/s, 1 client"),
        ("4b", "emulator --db: creates/s, 8 clients"),
    ],
    "emulator_state": [
        ("5", "chained create at turn 200 vs 2"),
        ("5b", "chained create at turn 200 vs 2, new prompts"),
        ("6a", "memory per stored interaction"),
        ("6b", "memory kept after reset"),
        ("6c", "memory growth with --max-interactions"),
        ("6d", "memory per stored interaction, new prompts"),
    ],
    "load_ext": [
        ("7a", "%load_ext gemini_nb added"),
        ("7b", "%load_ext jupyter_ai_magics added"),
        ("7c", "kernel RSS added by %load_ext"),
    ],
}


def plans(mode: str, install_ai: bool) -> dict:
    """What each bench is called with in each mode."""
    if mode == "smoke":
        return {
            "kernel_turns": lambda: kernel_turns.measure(pairs=2, long_pairs=1, deltas=2000),
            "http_bench": lambda: http_bench.measure(n=2, seconds=0.3),
            "emulator_state": lambda: emulator_state.measure(batch=20, batches=2, creates=1000),
            "load_ext": lambda: load_ext.measure(rounds=1, install_ai=install_ai),
        }
    quick = mode == "quick"
    return {
        "kernel_turns": lambda: kernel_turns.measure(quick),
        "http_bench": lambda: http_bench.measure(quick),
        "emulator_state": lambda: emulator_state.measure(quick),
        "load_ext": lambda: load_ext.measure(quick, install_ai=install_ai),
    }


def run(name: str, fn) -> list[Row]:
    """The bench's rows, labelled with their keys; if it fails, every expected row says so."""
    t0 = time.monotonic()
    print(f"[run_all] {name} ...", file=sys.stderr, flush=True)
    try:
        rows = fn()
    except Exception as exc:  # a report must finish: the failure becomes the bench's rows
        traceback.print_exc(file=sys.stderr)
        line = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        rows = [Row(key, label, "error", note=f"{name} failed: {line}") for key, label in ROWS[name]]
    print(f"[run_all] {name} done in {time.monotonic() - t0:.0f} s", file=sys.stderr, flush=True)
    got = {r.key for r in rows}
    rows += [
        Row(key, label, "missing", note=f"{name} did not report this row")
        for key, label in ROWS[name]
        if key not in got
    ]
    for r in rows:
        r.measure = f"[{r.key}] {r.measure}"
    return rows


def header(mode: str) -> str:
    import google.genai
    import uvicorn

    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"gemini_nb benchmarks, mode {mode}, {now}; {os.cpu_count()} CPUs, load average {load}; "
        f"Python {platform.python_version()}, google-genai {google.genai.__version__}, "
        f"uvicorn {uvicorn.__version__}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_true", help="fewer pairs and windows (a few minutes)")
    group.add_argument("--smoke", action="store_true", help="tiny sizes: checks that every row is produced")
    ap.add_argument("--only", help=f"comma-separated benches among {', '.join(ROWS)}")
    ap.add_argument("--json", metavar="PATH", help="also write the rows (and the header) as JSON")
    ap.add_argument(
        "--no-ai-install", action="store_true", help="do not create bench/.venvs/jupyter-ai if it is missing"
    )
    args = ap.parse_args(argv)
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    chosen = args.only.split(",") if args.only else list(ROWS)
    unknown = [n for n in chosen if n not in ROWS]
    if unknown:
        print(f"run_all: unknown bench {', '.join(unknown)}; choose among {', '.join(ROWS)}", file=sys.stderr)
        return 2
    table = plans(mode, not args.no_ai_install)
    rows: list[Row] = []
    for name in chosen:
        rows += run(name, table[name])
    title = header(mode)
    print(title)
    print()
    print_table(rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"header": title, "rows": [dataclasses.asdict(r) for r in rows]}, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
