"""Running the app: in a background thread (``start()``) or in the foreground (CLI)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Sequence
from typing import Any

from .config import EmulatorConfig


def bind(host: str, port: int) -> socket.socket:
    """Bind before serving, so ``--port 0`` knows its port before the first request."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit TCP_NODELAY (Linux): without it, a response written as
    # headers + body stalls ~40 ms on Nagle vs. delayed ACK, capping a client at ~20 req/s.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def build(
    config: EmulatorConfig,
    brain: Any = None,
    on_ready: Callable[[], None] | None = None,
    log_level: str = "warning",
    extensions: Sequence[Any] = (),
):
    """The emulator and its uvicorn server; ``--record``/``--replay`` settings swap the app
    for the proxy or the cassette player. Bad settings (a broken scenario file, a missing
    replay directory) raise ValueError here, before anything listens. ``extensions`` are served
    after the standard ones (see :mod:`gemini_nb.emulator.extension`)."""
    import uvicorn

    from .app import create_app, new_emulator, standard_extensions

    emulator = new_emulator(config, brain)
    try:
        app = create_app(emulator, [*standard_extensions(emulator), *extensions], on_ready)
    except Exception:
        emulator.close()
        raise
    # Idle keep-alive well above httpx's 5 s pool expiry: with uvicorn's default (also 5 s)
    # the server may close a pooled connection just as the SDK reuses it, and the request
    # fails with "Server disconnected" / ReadError (seen under load in the test suite).
    uv_config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=1,
        ws="none",
        timeout_keep_alive=75,
    )
    return emulator, uvicorn.Server(uv_config)


class EmulatorHandle:
    """A running in-process emulator: ``.base_url``, ``.stop()``, context manager."""

    def __init__(
        self, host: str, port: int, server: Any, thread: threading.Thread, emulator: Any, sock: socket.socket
    ):
        self.host, self.port = host, port
        self.base_url = f"http://{host}:{port}" if ":" not in host else f"http://[{host}]:{port}"
        self.emulator = emulator
        self._server, self._thread, self._sock = server, thread, sock

    # Conveniences for tests and notebooks; the same operations exist over HTTP.
    def reset(self) -> None:
        self._call(self.emulator.reset)

    def seed(self, value: int | None) -> None:
        self._call(self.emulator.reseed, value)

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        return self._call(self.emulator.faults.add, rule)[0]

    def clear_faults(self) -> None:
        self._call(self.emulator.faults.clear)

    def requests(self) -> list[dict[str, Any]]:
        return list(self.emulator.request_log)

    def configure(self, **values: Any) -> dict[str, Any]:
        return self.emulator.config.update(values)

    def _call(self, fn, *args):
        loop = getattr(self._server, "_loop", None)
        if loop is None:
            return fn(*args)
        import asyncio

        future = asyncio.run_coroutine_threadsafe(_as_coro(fn, *args), loop)
        return future.result(timeout=10)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        try:
            self._sock.close()
        except OSError:
            pass

    def __enter__(self) -> EmulatorHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<EmulatorHandle {self.base_url} {'running' if self.running else 'stopped'}>"


async def _as_coro(fn, *args):
    return fn(*args)


def start(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    brain: Any = None,
    log_level: str = "warning",
    extensions: Sequence[Any] = (),
    ready_timeout: float = 15.0,
    **settings: Any,
) -> EmulatorHandle:
    """Start an emulator in a daemon thread and return once it accepts requests.

    ``settings`` are :class:`EmulatorConfig` fields, e.g. ``scenarios="path.yaml"``,
    ``record_dir=..., upstream=...`` (proxy and record) or ``replay_dir=...``.
    """
    import asyncio

    config = EmulatorConfig(**settings)
    ready = threading.Event()
    emulator, server = build(config, brain, on_ready=ready.set, log_level=log_level, extensions=extensions)
    sock = bind(host, port)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            server._loop = loop
            loop.run_until_complete(server.serve(sockets=[sock]))
        except BaseException as exc:  # surfaced to the caller of start()
            errors.append(exc)
            ready.set()

    thread = threading.Thread(target=run, name=f"gemini-emulator-{sock.getsockname()[1]}", daemon=True)
    thread.start()
    if not ready.wait(ready_timeout) or errors:
        server.should_exit = True
        sock.close()
        raise RuntimeError(f"the emulator did not start: {errors[0] if errors else 'timeout'}")
    return EmulatorHandle(host, sock.getsockname()[1], server, thread, emulator, sock)
