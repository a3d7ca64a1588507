"""What every bench shares: paired statistics, the table row, and processes as a user runs them.

The benches measure the user's path, so the emulator always runs in its own process
(``python -m gemini_nb.emulator --port 0``, ready when it prints its "listening on" line), and
process CPU and memory are read from ``/proc`` rather than from inside the measured code.
Statistics are over *paired* runs (the two arms alternate, and each pair gives one difference
or ratio), so drift on a shared machine hits both arms alike.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

READY = re.compile(r"listening on (http://\S+)")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Row:
    """One line of the table. ``value``/``baseline`` are already formatted for reading."""

    key: str
    measure: str
    value: str
    baseline: str = ""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""


def median_spread(values: Sequence[float]) -> tuple[float, float, float]:
    """(median, lower quartile, upper quartile); with fewer than 4 values, min and max."""
    vals = sorted(values)
    if not vals:
        raise ValueError("no values")
    med = statistics.median(vals)
    if len(vals) < 4:
        return med, vals[0], vals[-1]
    q = statistics.quantiles(vals, n=4, method="inclusive")
    return med, q[0], q[2]


def fmt(
    values: Sequence[float], unit: str = "", scale: float = 1.0, digits: int = 2, signed: bool = False
) -> str:
    """``median [q1, q3] unit`` of ``values * scale``."""
    med, lo, hi = (v * scale for v in median_spread(values))
    sign = "+" if signed else ""
    return f"{med:{sign}.{digits}f} [{lo:{sign}.{digits}f}, {hi:{sign}.{digits}f}]{unit and ' ' + unit}"


def paired(n: int, arm_a: Callable[[], float], arm_b: Callable[[], float]) -> tuple[list[float], list[float]]:
    """Run ``n`` pairs, alternating which arm goes first; returns (a values, b values) by pair."""
    a_vals, b_vals = [], []
    for i in range(n):
        if i % 2 == 0:
            a = arm_a()
            b = arm_b()
        else:
            b = arm_b()
            a = arm_a()
        a_vals.append(a)
        b_vals.append(b)
    return a_vals, b_vals


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads), from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def proc_rss(pid: int) -> int:
    """Resident set size in bytes, from /proc/PID/status."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def bench_env(**extra: str) -> dict[str, str]:
    """The environment for child processes: no real key can leak into a bench."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GEMINI_NB_BACKEND")
    }
    env.update(extra)
    return env


@contextmanager
def server_process(
    cmd: Sequence[str], env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen, str]]:
    """Start a server that prints ``... listening on URL``; yields (process, URL), then stops it."""
    proc = subprocess.Popen(
        list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env or bench_env()
    )
    try:
        line = proc.stdout.readline()
        match = READY.search(line)
        if not match:
            proc.kill()
            raise RuntimeError(f"{' '.join(cmd)} did not start: {line!r} {proc.stderr.read()[-2000:]}")
        yield proc, match.group(1)
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def emulator_cmd(*args: str) -> list[str]:
    """``python -m gemini_nb.emulator --port 0 ARGS`` with this interpreter."""
    return [sys.executable, "-m", "gemini_nb.emulator", "--port", "0", *args]


def emulator_process(*args: str):
    """The emulator in its own process; yields (process, URL)."""
    return server_process(emulator_cmd(*args))


def emulator_flags() -> str:
    """The emulator's ``--help`` text, to see which optional flags this build has."""
    return subprocess.run(emulator_cmd("--help"), capture_output=True, text=True, env=bench_env()).stdout


def print_table(rows: Sequence[Row], out=None) -> None:
    """The one table: measure, value, baseline, ratio, target, met?"""
    out = out or sys.stdout
    head = ("measure", "value", "baseline", "ratio", "target", "met?")
    cells = [head] + [
        (
            r.measure,
            r.value,
            r.baseline,
            "" if r.ratio is None else f"{r.ratio:.2f}",
            r.target,
            {True: "yes", False: "NO", None: "-"}[r.met],
        )
        for r in rows
    ]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    for i, cell in enumerate(cells):
        print(" | ".join(c.ljust(w) for c, w in zip(cell, widths)).rstrip(), file=out)
        if i == 0:
            print("-+-".join("-" * w for w in widths), file=out)
    notes = [r for r in rows if r.note]
    if notes:
        print(file=out)
        for r in notes:
            print(f"[{r.key}] {r.note}", file=out)
    out.flush()
