"""Issue 9 item 3: a bounded emulator. Shapes, not times: what is evicted, what is read per
create, what stays referenced after a reset, how memory grows at the cap."""

from __future__ import annotations

import asyncio
import gc
import io
import tracemalloc

import httpx
import pytest
from clients import make_client
from google.genai import _interactions as gx
from google.genai import errors

from gemini_nb.emulator import start
from gemini_nb.emulator.config import EmulatorConfig
from gemini_nb.emulator.dialects import STEPS
from gemini_nb.emulator.service import Emulator
from gemini_nb.emulator.store import MemoryStore, Record, SqliteStore

MODEL = "gemini-3-flash-preview"


def _record(rid: str, status: str = "completed") -> Record:
    return Record(id=rid, model=MODEL, agent=None, status=status, dialect=STEPS, request={}, input_steps=[])


def test_oldest_finished_interactions_are_evicted_then_404():
    with start(max_interactions=5) as emu:
        client = make_client(emu.base_url)
        ids = [client.interactions.create(model=MODEL, input=f"turn {i}").id for i in range(8)]
        for old in ids[:3]:
            with pytest.raises(gx.NotFoundError):
                client.interactions.get(old)
        assert [client.interactions.get(i).id for i in ids[3:]] == ids[3:]
        with pytest.raises(gx.NotFoundError):  # as the real API for an expired one
            client.interactions.create(model=MODEL, input="go on", previous_interaction_id=ids[0])
        assert len(emu.emulator.store) == 5


@pytest.mark.parametrize("make", [lambda tmp: MemoryStore(3), lambda tmp: SqliteStore(str(tmp / "i.db"), 3)])
def test_running_interactions_are_never_evicted(tmp_path, make):
    store = make(tmp_path)
    gone: list[str] = []
    store.on_evict = gone.append
    store.put(_record("run1", "in_progress"))
    for n in range(4):
        store.put(_record(f"done{n}"))
    store.put(_record("done3"))  # an update neither counts nor ages
    assert store.get("run1") is not None and len(store) == 3
    assert gone == ["done0", "done1"] and store.get("done0") is None and store.get("done3") is not None


def test_sqlite_store_keeps_its_count_and_order_across_reopen(tmp_path):
    path = str(tmp_path / "i.db")
    first = SqliteStore(path, 10)
    for n in range(4):
        first.put(_record(f"r{n}"))
    first.close()
    again = SqliteStore(path, 3)
    assert len(again) == 4
    again.put(_record("r4"))
    assert len(again) == 3 and [again.get(f"r{n}") is None for n in range(5)] == [
        True,
        True,
        False,
        False,
        False,
    ]
    assert again.delete("r4") and len(again) == 2


def test_a_long_chain_reads_the_same_records_per_create():
    emu = Emulator(EmulatorConfig())
    reads = []
    real_get = emu.store.get
    emu.store.get = lambda rid: reads.append(rid) or real_get(rid)

    async def chain(turns: int) -> list[int]:
        per_turn, prev = [], None
        for i in range(turns):
            reads.clear()
            body = {"model": MODEL, "input": f"turn {i} about owls"}
            if prev:
                body["previous_interaction_id"] = prev
            prev = (await emu.create(body, STEPS))["id"]
            per_turn.append(len(reads))
        return per_turn

    per_turn = asyncio.run(chain(60))
    assert per_turn[0] == 0 and max(per_turn[1:]) == per_turn[1] == 1
    emu.close()


def test_the_history_still_holds_every_turn():
    emu = Emulator(EmulatorConfig())

    async def run() -> list:
        prev = None
        for i in range(5):
            body = {"model": MODEL, "input": f"turn {i}"}
            if prev:
                body["previous_interaction_id"] = prev
            prev = (await emu.create(body, STEPS))["id"]
        return emu._history(prev)

    history = asyncio.run(run())
    texts = [p["text"] for s in history if s.get("type") == "user_input" for p in s["content"]]
    assert texts == [f"turn {i}" for i in range(5)]
    emu.close()


def test_reset_lets_every_interaction_go():
    tracemalloc.start()
    try:
        with start(background_ms=50) as emu:
            client = make_client(emu.base_url)
            ids = [client.interactions.create(model=MODEL, input=f"keep {i}").id for i in range(20)]
            ids.append(
                client.interactions.create(model=MODEL, input="more", previous_interaction_id=ids[-1]).id
            )
            list(client.interactions.create(model=MODEL, input="a stream", stream=True))
            bg = client.interactions.create(model=MODEL, input="background", background=True)
            while client.interactions.get(bg.id).status != "completed":
                pass
            stored = _store_bytes()
            httpx.post(emu.base_url + "/_emulator/reset")
            gc.collect()
            assert stored > 23 * 300 and _store_bytes() < stored / 20  # the store keeps nothing of them
            assert len(emu.emulator.store) == 0 and not emu.emulator._chains and not emu.emulator.runs
    finally:
        tracemalloc.stop()


def _store_bytes() -> int:
    """Bytes still allocated by store.py (the packed records), as tracemalloc traced them."""
    from gemini_nb.emulator import store

    snap = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(True, store.__file__)])
    return sum(stat.size for stat in snap.statistics("filename"))


def test_memory_per_stored_interaction_stays_flat_at_the_cap():
    cap = 150
    emu = Emulator(EmulatorConfig(max_interactions=cap))

    ids: list[str] = []

    async def fill(n: int, start_at: int) -> None:
        for i in range(start_at, start_at + n):
            body = {"model": MODEL, "input": f"question number {i} about rivers"}
            ids.append((await emu.create(body, STEPS))["id"])

    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        asyncio.run(fill(cap, 0))
        gc.collect()
        at_cap = tracemalloc.get_traced_memory()[0] - base
        asyncio.run(fill(2 * cap, cap))
        gc.collect()
        after = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert len(emu.store) == cap
    assert at_cap / cap < 8 * 1024, f"{at_cap / cap:.0f} bytes per stored interaction"
    assert after < at_cap * 1.25, f"grew from {at_cap} to {after} bytes past the cap"
    # Compact: about the size of the interaction's own JSON document, not the ~1.6x that
    # a tree of small dicts and strings costs.
    document = sum(len(emu.store.get(i).to_json().encode()) for i in ids[-cap:]) / cap
    assert at_cap / cap < 1.3 * document, f"{at_cap / cap:.0f} bytes each for {document:.0f}-byte documents"
    emu.close()


def test_files_are_capped_oldest_first():
    with start(max_files=2) as emu:
        client = make_client(emu.base_url)
        names = [
            client.files.upload(file=io.BytesIO(b"x" * (i + 1)), config={"mime_type": "text/plain"}).name
            for i in range(3)
        ]
        assert sorted(f.name for f in client.files.list()) == sorted(names[1:])
        with pytest.raises(errors.ClientError) as gone:
            client.files.get(name=names[0])
        assert gone.value.code == 403


def test_cli_refuses_a_zero_cap(capsys):
    from gemini_nb.emulator.cli import main

    assert main(["--max-interactions", "0"]) == 2
    assert "--max-interactions must be at least 1" in capsys.readouterr().err


def test_deleting_a_link_still_cuts_the_history_after_caching():
    emu = Emulator(EmulatorConfig())

    async def run() -> list:
        ids = []
        for i in range(3):
            body = {"model": MODEL, "input": f"turn {i}"}
            if ids:
                body["previous_interaction_id"] = ids[-1]
            ids.append((await emu.create(body, STEPS))["id"])
        emu._history(ids[-1])  # cached now
        emu.delete(ids[1])
        return emu._history(ids[-1])

    history = asyncio.run(run())
    texts = [p["text"] for s in history if s.get("type") == "user_input" for p in s["content"]]
    assert texts == ["turn 2"]
    emu.close()
