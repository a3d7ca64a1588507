"""The live view's display messages skip ipykernel's stream flush (a wait on its IO thread) where
it is not needed: counted on ipykernel's own display publisher, with a socket that records."""

from __future__ import annotations

import io
import json
import sys
import threading

import pytest
from ipykernel.zmqshell import ZMQDisplayPublisher
from jupyter_client.session import Session

from gemini_nb.render import nowait


class Socket:
    def __init__(self):
        self.sent: list[list[bytes]] = []

    def send_multipart(self, parts, *args, **kwargs):
        self.sent.append(parts)

    @property
    def types(self) -> list[str]:
        return [json.loads(p[p.index(b"<IDS|MSG>") + 2])["msg_type"] for p in self.sent]


class Quiet(io.StringIO):
    """A stream with nothing waiting to be flushed, as ipykernel's OutStream reports it."""

    _flush_pending = False


def quiet_streams(monkeypatch) -> None:
    """stdout and stderr with nothing to flush (called in the test body: pytest's capture swaps
    its own streams back in between the setup and the call)."""
    monkeypatch.setattr(sys, "stdout", Quiet())
    monkeypatch.setattr(sys, "stderr", Quiet())


@pytest.fixture
def kernel_pub(ipython_shell, monkeypatch):
    """ipykernel's display publisher on the shell; ``.flushes`` records the thread of each flush."""
    socket = Socket()
    pub = ZMQDisplayPublisher(session=Session(key=b""), pub_socket=socket)
    pub.flushes = []
    monkeypatch.setattr(
        ZMQDisplayPublisher, "_flush_streams", lambda self: self.flushes.append(threading.get_ident())
    )
    monkeypatch.setattr(ipython_shell, "display_pub", pub)
    pub.socket = socket
    return pub


def test_an_update_does_not_wait_for_a_stream_flush(kernel_pub):
    nowait.update({"text/plain": "x"}, "region")
    assert kernel_pub.flushes == []
    assert kernel_pub.socket.types == ["update_display_data"]
    assert "_flush_streams" not in vars(kernel_pub)  # the shadow is gone afterwards


def test_a_display_flushes_only_when_printed_text_is_waiting(kernel_pub, monkeypatch):
    quiet_streams(monkeypatch)
    nowait.display({"text/plain": ""}, "region")
    assert kernel_pub.flushes == []
    sys.stdout._flush_pending = True  # something printed, not flushed yet: it must come first
    nowait.display({"text/plain": ""}, "other")
    assert kernel_pub.flushes == [threading.get_ident()]
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # a stream that cannot say: flush
    nowait.display({"text/plain": ""}, "third")
    assert len(kernel_pub.flushes) == 2
    assert kernel_pub.socket.types == ["display_data"] * 3


def test_another_threads_display_still_flushes_during_an_update(kernel_pub):
    others = []

    def hook(msg):  # runs inside the update, while the flush is shadowed
        if not others:
            thread = threading.Thread(target=lambda: kernel_pub.publish({"text/plain": "other"}))
            thread.start()
            thread.join()
            others.append(thread.ident)
        return msg

    kernel_pub.register_hook(hook)
    try:
        nowait.update({"text/plain": "x"}, "region")
    finally:
        kernel_pub.unregister_hook(hook)
    assert kernel_pub.flushes == others  # the other thread flushed, the update did not
    assert sorted(kernel_pub.socket.types) == ["display_data", "update_display_data"]


def test_the_shadow_is_removed_when_publishing_fails(kernel_pub):
    def hook(msg):
        raise RuntimeError("broken hook")

    kernel_pub.register_hook(hook)
    try:
        with pytest.raises(RuntimeError):
            nowait.update({"text/plain": "x"}, "region")
    finally:
        kernel_pub.unregister_hook(hook)
    assert "_flush_streams" not in vars(kernel_pub)
    kernel_pub.publish({"text/plain": "y"})
    assert len(kernel_pub.flushes) == 1  # the publisher's own flush is back


def test_a_streamed_cell_waits_on_no_stream_flush(ip, kernel_pub, monkeypatch):
    """The whole live view of a streamed turn (open, updates, emptied) without one flush wait."""
    from gemini_nb import api

    monkeypatch.setattr(api, "in_kernel", lambda: True)
    quiet_streams(monkeypatch)
    result = ip.run_cell("%%gemini --stream\nCount from 1 to 300")
    assert result.success, sys.stderr.getvalue()
    types = kernel_pub.socket.types
    assert types[0] == "display_data" and types[-1] == "update_display_data" and len(types) >= 2
    assert kernel_pub.flushes == []


def test_the_job_display_passes_its_metadata_and_skips_the_flush(kernel_pub, monkeypatch):
    from gemini_nb.widgets.job import IPythonSink

    quiet_streams(monkeypatch)
    sink = IPythonSink()
    sink.display({"text/plain": "job"}, {"gemini_nb": {"job": "v1_x"}}, "job-region")
    sink.update({"text/plain": "job, later"}, {"gemini_nb": {"job": "v1_x"}}, "job-region")
    assert kernel_pub.flushes == []
    assert kernel_pub.socket.types == ["display_data", "update_display_data"]
    content = json.loads(kernel_pub.socket.sent[-1][kernel_pub.socket.sent[-1].index(b"<IDS|MSG>") + 5])
    assert content["metadata"] == {"gemini_nb": {"job": "v1_x"}}
    assert content["transient"] == {"display_id": "job-region"}
