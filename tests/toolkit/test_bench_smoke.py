"""The benches still run end to end and print their one table (shape only, never figures).

Benchmarks are reports, so nothing here checks a time or a ratio: only that ``bench/run_all.py``
produces every row with a value, and that the pieces the figures rest on are right (the
baseline server replays the emulator's bytes exactly; the busiest-second count; the spread).
"""

from __future__ import annotations

import asyncio
import datetime
import json
import pathlib
import subprocess
import sys

import pytest

BENCH = pathlib.Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import common  # noqa: E402
import http_bench  # noqa: E402
import run_all  # noqa: E402
from kernel import Cell, Message  # noqa: E402


def _table_rows(stdout: str) -> dict[str, list[str]]:
    rows = {}
    for line in stdout.splitlines():
        if line.startswith("[") and " | " in line:
            cells = [c.strip() for c in line.split(" | ")]
            rows[cells[0].split("]")[0].lstrip("[")] = cells
    return rows


@pytest.mark.slow
def test_run_all_smoke_prints_every_row(tmp_path):
    done = subprocess.run(
        [sys.executable, str(BENCH / "run_all.py"), "--smoke", "--no-ai-install", "--json", "rows.json"],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("gemini_nb benchmarks, mode smoke")
    head = [c.strip() for c in next(line for line in lines if line.startswith("measure")).split(" | ")]
    assert head == ["measure", "value", "baseline", "ratio", "target", "met?"]
    rows = _table_rows(done.stdout)
    expected = [key for bench in run_all.ROWS.values() for key, _ in bench]
    assert list(rows) == expected
    for key, cells in rows.items():
        assert len(cells) >= 5, (key, cells)  # trailing empty cells are stripped
        assert cells[1] not in ("error", "missing", ""), (key, cells, done.stderr[-3000:])
        assert cells[4], (key, "every row states its target")
    saved = json.loads((tmp_path / "rows.json").read_text())
    assert saved["header"] == lines[0]
    assert [r["key"] for r in saved["rows"]] == expected


def test_run_all_rejects_an_unknown_bench():
    done = subprocess.run(
        [sys.executable, str(BENCH / "run_all.py"), "--only", "nope"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "run_all: unknown bench nope; choose among kernel_turns, http_bench, emulator_state, load_ext"
    ]


def test_a_failing_bench_still_reports_its_rows(capsys):
    def broken():
        raise OSError("no such thing")

    rows = run_all.run("emulator_state", broken)
    assert [r.key for r in rows] == [key for key, _ in run_all.ROWS["emulator_state"]]
    assert all(r.value == "error" and "OSError: no such thing" in r.note for r in rows)


def test_baseline_server_replays_the_emulators_bytes(tmp_path):
    with common.emulator_process() as (_, emu_url):
        recording = http_bench.record(emu_url)
        path = tmp_path / "recording.json"
        path.write_text(json.dumps(recording))
        baseline = [sys.executable, str(BENCH / "baseline_server.py"), str(path)]
        with common.server_process(baseline) as (_, url):
            for name, body in http_bench.BODIES.items():
                status, headers, chunks = asyncio.run(http_bench._one(url, body))
                rec = recording[name]
                assert status == rec["status"] == 200
                assert [http_bench.base64.b64encode(c).decode() for c in chunks] == rec["chunks"], name
                kept = [[k, v] for k, v in headers if k.lower() not in http_bench.SKIP_HEADERS]
                assert kept == rec["headers"], name
    assert len(recording["stream"]["chunks"]) > 100  # one chunk per SSE event, as the emulator sent them


def test_baseline_server_takes_the_emulators_uvicorn_settings():
    import baseline_server

    from gemini_nb.emulator.config import EmulatorConfig
    from gemini_nb.emulator.server import build

    _, server = build(EmulatorConfig())
    settings = baseline_server.emulator_uvicorn_settings()
    assert {"timeout_keep_alive", "http", "loop", "lifespan", "ws", "backlog"} <= set(settings)
    assert {k: getattr(server.config, k) for k in settings} == settings


def _msg(kind: str, seconds: float) -> Message:
    date = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return Message(kind, 10, date, {})


def test_busiest_second_counts_display_messages_in_any_one_second_window():
    times = [0.0, 0.1, 0.5, 0.95, 1.2, 1.3, 1.4, 3.0]
    cell = Cell(
        1.0,
        {},
        [_msg("update_display_data", t) for t in times] + [_msg("status", 1.25), _msg("stream", 1.26)],
    )
    assert cell.busiest_second() == 5  # 0.5, 0.95, 1.2, 1.3, 1.4; status/stream do not count
    assert Cell(1.0, {}, []).busiest_second() == 0


def test_median_spread_and_paired_alternation():
    assert common.median_spread([3, 1, 2]) == (2, 1, 3)
    assert common.median_spread([1, 2, 3, 4, 5]) == (3, 2, 4)
    order = []
    a, b = common.paired(4, lambda: order.append("a") or 1.0, lambda: order.append("b") or 2.0)
    assert order == ["a", "b", "b", "a", "a", "b", "b", "a"]
    assert (a, b) == ([1.0] * 4, [2.0] * 4)
    with pytest.raises(ValueError):
        common.median_spread([])
