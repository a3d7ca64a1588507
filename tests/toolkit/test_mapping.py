"""map(): one prompt per row through the async SDK against the emulator (faults, latency, Ctrl-C)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap

import pandas as pd
import pytest
from shell_helpers import control, run_cell

import gemini_nb
from gemini_nb import mapping
from gemini_nb.mapping import MapError, Mapper, map_rows


def configure(emu, **values):
    control(emu.base_url, "config", values)


@pytest.fixture
def slow(emu):
    """``slow(ms)`` adds latency to every request for this test only."""
    yield lambda ms: configure(emu, latency_ms=float(ms))
    configure(emu, latency_ms=0.0)


def posts(emu):
    return [r for r in emu.requests() if r.get("method") == "POST"]


@pytest.fixture
def frame():
    return pd.DataFrame(
        {"city": ["Paris", "Lyon", "Nice", "Lille"], "n": [1, 2, 3, 4]},
        index=pd.Index(["a", "b", "c", "d"], name="key"),
    )


def test_text_map_keeps_the_index_and_adds_meta_columns(session, emu, frame):
    out = map_rows(frame, "Say {{city}} #{{n}}", session=session, progress=False)
    assert out.index.equals(frame.index)
    assert list(out.columns) == ["text", "interaction_id", "input_tokens", "output_tokens", "error"]
    assert [t.split("#")[-1].strip() for t in out["text"]] == ["1", "2", "3", "4"]
    assert "Paris" in out.loc["a", "text"] and out["error"].isna().all()
    assert str(out["input_tokens"].dtype) == "Int64" and out["interaction_id"].str.startswith("v1_").all()
    sent = [r["body"] for r in posts(emu)]
    assert len(sent) == 4 and all("previous_interaction_id" not in b and not b.get("stream") for b in sent)
    assert session.chain.head() is None  # rows never join the chain


def test_row_placeholder_is_the_whole_row_as_json(session, emu, frame):
    map_rows(frame.head(1), "Row: {{row}}", session=session, progress=False)
    assert json.dumps({"city": "Paris", "n": 1}) in posts(emu)[0]["body"]["input"]


def test_schema_map_gives_typed_columns(session, frame):
    out = map_rows(
        frame,
        "Describe {{city}}",
        schema="name, population: int, capital: bool",
        session=session,
        progress=False,
    )
    assert list(out.columns)[:3] == ["name", "population", "capital"]
    assert [str(out[c].dtype) for c in ("population", "capital")] == ["Int64", "boolean"]
    assert out.index.equals(frame.index) and out["error"].isna().all()


def test_many_schema_repeats_the_index_per_item(session, frame):
    out = map_rows(
        frame.head(2),
        "List cities near {{city}}",
        schema="name, population: int",
        many=True,
        session=session,
        progress=False,
    )
    assert set(out.index) == {"a", "b"} and len(out) > 2 and out.index.is_monotonic_increasing


def test_identical_requests_are_sent_once(session, emu):
    df = pd.DataFrame({"city": ["Paris", "Lyon", "Paris", "Paris", "Lyon"]})
    out = map_rows(df, "Describe {{city}}", session=session, progress=False, concurrency=4)
    assert len(posts(emu)) == 2 and out.attrs["gemini_nb"]["deduplicated"] == 3
    assert out.loc[0, "interaction_id"] == out.loc[2, "interaction_id"] == out.loc[3, "interaction_id"]
    assert out["text"].notna().all()


def test_429_with_retry_after_is_retried_and_every_row_completes(session, emu, frame):
    emu.fault(status=429, retry_after=1, times=3)
    out = map_rows(frame, "Describe {{city}}", session=session, progress=False, concurrency=2)
    assert out["error"].isna().all() and out.attrs["gemini_nb"]["retries"] == 3
    assert len(posts(emu)) == 4 + 3


def test_retry_after_is_read_from_the_sdk_error_and_honoured(client, emu):
    emu.fault(status=429, retry_after=2, times=1)
    with pytest.raises(Exception) as info:  # the SDK's RateLimitError, whatever module it lives in
        client.interactions.create(model="gemini-3-flash-preview", input="hi")
    assert type(info.value).__name__ == "RateLimitError"
    assert mapping.retry_after(info.value) == 2.0 and mapping.is_retryable(info.value)
    mapper = Mapper(
        iter(()), request_for=dict, finish=None, describe=None, make_client=None, rng=random.Random(1)
    )
    waits = [mapper.delay(0, 2.0) for _ in range(50)]
    assert min(waits) >= 2.0 and max(waits) <= 2.2
    backoff = [mapper.delay(3, None) for _ in range(50)]
    assert min(backoff) >= 2.0 and max(backoff) <= 4.0 and len(set(backoff)) > 1


def test_a_row_that_keeps_failing_gets_its_error_and_the_batch_goes_on(session, emu, frame):
    emu.fault(status=503, times=2)
    out = map_rows(frame, "Describe {{city}}", session=session, progress=False, concurrency=1, retries=1)
    assert out.loc["a", "error"].startswith("Server error") or "503" in out.loc["a", "error"]
    assert "\n" not in out.loc["a", "error"] and pd.isna(out.loc["a", "text"])
    assert out.loc[["b", "c", "d"], "error"].isna().all() and out.attrs["gemini_nb"]["errors"] == 1


def test_a_bad_request_is_not_retried(session, emu, frame):
    emu.fault(status=400, times=1, message="bad thing")
    out = map_rows(frame.head(1), "Describe {{city}}", session=session, progress=False)
    assert "bad thing" in out.loc["a", "error"] and len(posts(emu)) == 1


def test_a_dropped_connection_is_retried_then_reported(clean_env, frame):
    import socket

    with socket.socket() as sock:  # a port nobody listens on: every connection is refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    session = gemini_nb.Session(backend=f"http://127.0.0.1:{port}", timeout=5)
    out = map_rows(frame.head(2), "Describe {{city}}", session=session, progress=False, retries=1)
    assert out["error"].notna().all() and out.attrs["gemini_nb"]["retries"] == 2
    assert "connect" in out.loc["a", "error"].lower()


def test_concurrency_is_bounded_and_rows_stream_in(session, emu, slow):
    """At most `concurrency` requests in flight, and the input is pulled only as fast as rows finish."""
    slow(150)
    in_flight, peak, ahead = [0], [0], []
    base = session.backend()

    class Counting:
        def __init__(self, aio):
            self._aio = aio
            self.interactions = self

        async def create(self, **request):
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
            try:
                return await self._aio.interactions.create(**request)
            finally:
                in_flight[0] -= 1

        async def aclose(self):
            await self._aio.aclose()

    class Client:
        def __init__(self):
            self.aio = Counting(base.client(20, 1).aio)

    def rows():
        for i in range(12):
            ahead.append(i - len(mapper.outcomes))
            yield i, i, {"q": f"Count to {i}"}

    mapper = Mapper(
        rows(),
        request_for=lambda row: {"model": "gemini-3-flash-preview", "input": row["q"]},
        finish=mapping._finisher(None),
        describe=lambda e, r: str(e),
        make_client=Client,
        concurrency=3,
    )
    assert mapper.run() is True
    assert peak[0] == 3 and max(ahead) <= 3 and len(mapper.outcomes) == 12


def test_ctrl_c_returns_the_finished_rows_and_sends_no_more(session, emu, slow):
    slow(200)
    df = pd.DataFrame({"q": [f"Count to {i}" for i in range(40)]})

    def stop_after_two(progress):
        if progress.done >= 2:
            raise KeyboardInterrupt

    out = map_rows(df, "{{q}}", session=session, progress=stop_after_two, concurrency=2)
    assert out.attrs["gemini_nb"]["interrupted"] is True
    assert 2 <= len(out) < 40 and out["error"].isna().all() and out["text"].notna().all()
    sent = len(posts(emu))
    assert sent <= len(out) + 2  # rows not started were never sent (2 = the requests in flight)
    slow(0)
    assert len(posts(emu)) == sent  # nothing more goes out after the map returned


def test_sigint_to_a_script_mid_map_returns_partial_rows(emulator_url):
    script = textwrap.dedent("""
        import os, signal, sys, pandas as pd, gemini_nb, urllib.request, json
        urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/_emulator/config",
            data=json.dumps({"latency_ms": 300}).encode(), headers={"content-type": "application/json"}))
        session = gemini_nb.Session(backend=sys.argv[1])
        df = pd.DataFrame({"q": [f"Count to {i}" for i in range(200)]})
        def kill(progress):
            if progress.done >= 3:
                os.kill(os.getpid(), signal.SIGINT)
        out = gemini_nb.map(df, "{{q}}", session=session, progress=kill, concurrency=4)
        print(json.dumps({"rows": len(out), "interrupted": out.attrs["gemini_nb"]["interrupted"]}))
    """)
    done = subprocess.run(
        [sys.executable, "-c", script, emulator_url], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["interrupted"] is True and 3 <= report["rows"] < 200
    assert "map interrupted" in done.stderr


def test_template_errors(session, emu, frame):
    with pytest.raises(MapError, match="name 'nope' is not defined"):
        map_rows(frame, "Describe {{nope}}", session=session, progress=False)
    assert not posts(emu)
    df = pd.DataFrame({"x": [1, 0]})
    out = map_rows(df, "{{ 10 // x }}", session=session, progress=False)
    assert out.loc[0, "error"] is None or pd.isna(out.loc[0, "error"])
    assert "ZeroDivisionError" in out.loc[1, "error"]


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"concurrency": 0}, "between 1 and 256"),
        ({"retries": -1}, "non-negative"),
        ({"thread": "t"}, "thread= does not apply"),
        ({"many": True}, "needs a schema"),
        ({"schema": "n: numbr"}, "unknown type"),
    ],
)
def test_bad_arguments_are_one_line(session, emu, frame, kwargs, fragment):
    with pytest.raises(MapError, match=fragment):
        map_rows(frame, "{{city}}", session=session, progress=False, **kwargs)
    assert not posts(emu)


def test_rows_may_be_an_iterable_of_dicts(session):
    out = map_rows(({"city": c} for c in ["Paris", "Rome"]), "Say {{city}}", session=session, progress=False)
    assert list(out.index) == [0, 1] and "Rome" in out.loc[1, "text"]
    with pytest.raises(MapError, match="row 0 is a int"):
        map_rows([1], "x", session=session, progress=False)


def test_text_progress_line():
    from gemini_nb.map_progress import MapProgress

    line = MapProgress(done=50, total=200, errors=1, retries=2, elapsed=10.0).line()
    assert line == "map: 50/200 rows · 1 error · 5.0 rows/s · 2 retries · ETA 30 s"


def test_magic_map(ip, emu):
    ip.user_ns["towns"] = pd.DataFrame({"city": ["Paris", "Lyon"]}, index=[10, 20])
    result, _, err = run_cell(
        ip, "%%gemini --map towns -o out --schema 'name, population: int' --concurrency 2\nDescribe {{city}}"
    )
    assert result.success, err
    out = ip.user_ns["out"]
    assert out is result.result and list(out.index) == [10, 20] and str(out["population"].dtype) == "Int64"
    result, _, _ = run_cell(ip, "%%gemini --map missing\nDescribe {{city}}")
    assert not result.success and "NameError" in str(result.error_in_exec)
    ip.user_ns["notdf"] = [1]
    result, _, _ = run_cell(ip, "%%gemini --map notdf\nDescribe {{city}}")
    assert "needs a pandas DataFrame" in str(result.error_in_exec)


def test_progress_reporters(monkeypatch):
    import io

    from gemini_nb import map_progress as progress
    from gemini_nb.map_progress import MapProgress, TextProgress, WidgetProgress, reporter_for

    def mine(_):
        return None

    assert reporter_for(False) is None and reporter_for(mine) is mine
    assert isinstance(reporter_for(True), TextProgress)  # not in a kernel
    monkeypatch.setattr("gemini_nb.api.in_kernel", lambda: True)
    assert isinstance(reporter_for(True), WidgetProgress)
    bar = WidgetProgress()
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: None)
    bar(MapProgress(done=1, total=4, errors=0, retries=0, elapsed=1.0))
    bar(MapProgress(done=4, total=4, errors=1, retries=0, elapsed=2.0, finished=True))
    assert bar._bar.value == 4 and bar._bar.bar_style == "danger" and "4/4 rows" in bar._label.value

    class Tty(io.StringIO):
        def isatty(self):
            return True

    out = Tty()
    text = progress.TextProgress(out)
    text(MapProgress(done=1, total=2, errors=0, retries=0, elapsed=1.0))
    text(MapProgress(done=2, total=2, errors=0, retries=0, elapsed=2.0, finished=True))
    assert out.getvalue() == (
        "\rmap: 1/2 rows · 0 errors · 1.0 rows/s · ETA 1 s\rmap: 2/2 rows · 0 errors · 1.0 rows/s · 2.0 s\n"
    )


def test_package_exposes_map_without_shadowing_the_builtin():
    assert gemini_nb.map is map_rows and "map" not in gemini_nb.__all__
    scope: dict = {}
    exec("from gemini_nb import *", scope)
    assert "map" not in scope


def test_a_failing_progress_callback_stops_the_batch(session, emu, slow):
    slow(200)
    df = pd.DataFrame({"q": [f"Count to {i}" for i in range(40)]})

    seen = []

    def broken(progress):
        seen.append(progress.done)
        raise RuntimeError("my callback is broken")

    with pytest.raises(RuntimeError, match="my callback is broken"):
        map_rows(df, "{{q}}", session=session, progress=broken, concurrency=2)
    sent = len(posts(emu))
    slow(0)
    # rows already finished, plus those in flight, plus at most one more pair started while stopping
    assert seen == [seen[0]] and sent <= seen[0] + 4 < 40 and len(posts(emu)) == sent
