"""Streams read off the wire as dicts (gemini_nb.sse): the same answers as the SDK's parsed stream,
its framing rules, its errors and its automatic continuation, without a pydantic model per event."""

from __future__ import annotations

import json

import httpx
import pytest

from gemini_nb import calls, sse
from gemini_nb.stream import StreamAssembler, to_plain

MODEL = "gemini-3-flash-preview"


class _Body:
    """An HTTP body being streamed, in the chunks given; ``fail`` is raised after them."""

    def __init__(self, chunks: list[bytes], fail: BaseException | None = None):
        self.chunks, self.fail, self.closed = chunks, fail, False

    def iter_bytes(self):
        yield from self.chunks
        if self.fail is not None:
            raise self.fail

    def close(self) -> None:
        self.closed = True


def _read(chunks: list[bytes], fail: BaseException | None = None) -> tuple[list, _Body]:
    from google.genai._gaos.lib.compat_errors import wrap_sdk_error

    body = _Body(chunks, fail)
    return list(sse.read_events(body, wrap_sdk_error)), body


def _frame(event: dict) -> bytes:
    return f"event: {event['event_type']}\ndata: {json.dumps(event)}\n\n".encode()


def test_framing_follows_the_sdk():
    one = {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": "a"}}
    two = {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": "b\nc"}}
    two_json = json.dumps(two).encode()
    split = two_json.index(b", ") + 1  # the lines are joined with a newline: whitespace in JSON
    wire = (
        b"\xef\xbb\xbf: keep-alive comment\n\n"  # BOM, then a comment block (no data: skipped)
        + _frame(one).replace(b"\n", b"\r\n")  # CRLF framing
        + b"event: ping\n\n"  # an event without data: skipped
        + b"event: step.delta\ndata: "
        + two_json[:split]
        + b"\ndata:"  # data on two lines
    )
    rest = two_json[split:] + b"\r\n\r\nevent: done\ndata: [DONE]\n\n" + _frame(one)
    cut = wire.index(b"\r\n\r\n") + 1  # a CRLF split across two chunks
    events, body = _read([wire[:cut], wire[cut:], rest])
    assert events == [one, two]
    assert body.closed  # [DONE] ends the stream (the event after it is never read) and closes it


def test_a_fragment_cut_mid_event_is_a_string_and_the_end_without_done_is_clean():
    one = {"event_type": "interaction.created", "interaction": {"id": "v1_x"}}
    events, body = _read([_frame(one) + b'event: step.delta\ndata: {"ind'])
    assert events == [one, '{"ind'] and body.closed


def test_a_transport_error_while_reading_is_the_sdks_connection_error():
    one = {"event_type": "interaction.created", "interaction": {"id": "v1_x"}}
    with pytest.raises(Exception) as caught:
        _read([_frame(one)], fail=httpx.RemoteProtocolError("peer closed connection"))
    assert calls.is_dropped_connection(caught.value)  # the SDK's APIConnectionError, not httpx's
    with pytest.raises(Exception) as caught:
        _read([], fail=httpx.ReadTimeout("slow"))
    assert type(caught.value).__name__ == "APITimeoutError"
    assert not calls.is_dropped_connection(caught.value)


def _steady(value):
    """``value`` without what differs between two runs of one request (ids, times)."""
    if isinstance(value, dict):
        return {
            k: _steady(v) for k, v in value.items() if k not in ("id", "interaction_id", "created", "updated")
        }
    if isinstance(value, list):
        return [_steady(v) for v in value]
    return value


def _assembled(events) -> StreamAssembler:
    assembler = StreamAssembler()
    for event in events:
        assembler.feed(event)
    return assembler


@pytest.mark.parametrize("schema", ["steps", "legacy"])
def test_the_same_answer_as_the_sdks_parsed_stream(client, emu, schema):
    emu.configure(schema=schema)
    request = {
        "model": MODEL,
        "input": [{"text": "Think it over, then count from 1 to 40 and describe a red square."}],
        "generation_config": {"thinking_summaries": "auto"},
        "store": False,
    }
    parsed = list(client.interactions.create(**request, stream=True))
    raw = sse.open_create(client, request)
    assert raw is not None, "the installed SDK offers raw access: the fast path must be taken"
    events = list(raw)
    posts = [
        r["body"] for r in emu.requests() if r["method"] == "POST" and r["path"].endswith("/interactions")
    ]
    assert posts[-1] == posts[-2]  # the same request on the wire
    assert all(isinstance(e, dict) for e in events)
    assert _steady([to_plain(e) for e in parsed]) == _steady(events)  # event for event, field for field
    a, b = _assembled(parsed), _assembled(events)
    assert a.completed and b.completed and a.text == b.text and a.text
    assert a.result().steps == b.result().steps


def test_no_pydantic_model_is_built_per_event(client, emu, monkeypatch):
    from google.genai._gaos.utils import serializers

    built = []
    real = serializers.create_model
    monkeypatch.setattr(serializers, "create_model", lambda *a, **k: built.append(1) or real(*a, **k))
    assembler = StreamAssembler()
    calls.consume_stream(
        client, {"model": MODEL, "input": "Count from 1 to 300"}, assembler, lambda: None, resumable=False
    )
    assert assembler.completed and assembler.events > 100
    assert len(built) <= 2  # the request's own models, none per event (the parsed stream: one each)
    assert type(assembler.final_interaction).__name__ == "Interaction"  # result.raw: the SDK's object


class _Hops:
    """A stand-in for ``client.interactions.with_raw_response``: one canned body per create."""

    def __init__(self, bodies: list[list[dict]]):
        self.bodies, self.requests = bodies, []

    def create(self, **request):
        if "request" in request:  # validated by the SDK's compiled model: compare its wire form
            request = to_plain(request["request"].body)
        self.requests.append(request)
        events = self.bodies[len(self.requests) - 1]
        return type("Raw", (), {"http_response": _Body([b"".join(_frame(e) for e in events)])})()


class _Interactions:
    def __init__(self, hops: _Hops):
        self._hops = hops

    @property
    def with_raw_response(self):
        return self._hops


def _hop(rid: str, status: str, text: str, token: str | None = None) -> list[dict]:
    done = {"id": rid, "status": status, **({"continuation_token": token} if token else {})}
    return [
        {"event_type": "interaction.created", "interaction": {"id": rid, "status": "in_progress"}},
        {"event_type": "step.start", "index": 0, "step": {"type": "model_output"}},
        {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": text}},
        {"event_type": "interaction.completed", "interaction": done},
    ]


def _client(bodies):
    hops = _Hops(bodies)
    return type("Client", (), {"interactions": _Interactions(hops)})(), hops


def test_an_answer_cut_at_the_decode_limit_is_continued_like_the_sdk():
    client, hops = _client(
        [
            _hop("h1", "requires_continuation", "one ", "t1"),
            _hop("h2", "requires_continuation", "two ", "t2"),
            _hop("h3", "completed", "three"),
        ]
    )
    request = {"model": MODEL, "input": "long", "previous_interaction_id": "v1_prev"}
    assembler = _assembled(sse.open_create(client, request))
    assert assembler.completed and assembler.text == "one two three" and assembler.id == "h3"
    assert hops.requests[0] == {**request, "stream": True}
    # a stored chain: the issuing hop is the previous interaction and the input is not resent
    assert hops.requests[1] == {
        "model": MODEL,
        "previous_interaction_id": "h1",
        "continuation_token": "t1",
        "stream": True,
    }
    assert (
        hops.requests[2]["previous_interaction_id"] == "h2" and hops.requests[2]["continuation_token"] == "t2"
    )


def test_continuation_without_store_resends_the_input_and_stops_on_a_repeated_token():
    client, hops = _client(
        [_hop("h1", "requires_continuation", "a", "t1"), _hop("h2", "requires_continuation", "b", "t1")]
    )
    assembler = _assembled(sse.open_create(client, {"model": MODEL, "input": "x", "store": False}))
    assert hops.requests[1] == {
        "model": MODEL,
        "input": "x",
        "store": False,
        "continuation_token": "t1",
        "stream": True,
    }
    assert len(hops.requests) == 2  # the second hop handed back its own token: no endless loop
    assert assembler.text == "ab" and not assembler.completed  # reported as cut, never as complete


def test_background_and_agent_runs_are_continued_by_the_server_not_here():
    for extra in ({"background": True}, {"agent": "deep-research"}):
        client, hops = _client([_hop("h1", "requires_continuation", "a", "t1"), _hop("h2", "completed", "b")])
        list(sse.open_create(client, {"input": "x", **extra}))
        assert len(hops.requests) == 1


def test_without_raw_access_the_sdks_parsed_stream_is_used():
    bare = type("Client", (), {"interactions": object()})()
    assert sse.open_create(bare, {"input": "x"}) is None and sse.open_get(bare, "v1_x") is None
