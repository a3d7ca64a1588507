"""Record a real session once, replay it anywhere: ``--record DIR --upstream URL`` / ``--replay DIR``.

**Recording** turns the server into a pass-through proxy: every API request (interactions,
files, uploads; anything outside ``/_emulator/``) goes to the upstream with the API key put
back in, and the answer comes back unchanged, SSE streamed through event by event. Each
exchange becomes one JSON *cassette* in DIR holding the normalized request, the response
status and headers, and the body or, for streams, every event with its time since the request.

**Secrets never reach a cassette**: the key comes from ``GEMINI_API_KEY``/``GOOGLE_API_KEY``
(or, failing that, from the client's own header) and only ever travels in the upstream
request; auth and cookie headers are dropped, key-like fields are redacted by name, and
key-shaped strings (``AIza...``, OAuth ``ya29.``, the actual key values) are redacted anywhere.

**Replaying** matches an incoming request on method + normalized path and query + normalized
body (JSON with sorted keys, or a hash of binary bodies). Ids the upstream issued come back
verbatim from the cassettes, so follow-up requests that quote them (``previous_interaction_id``,
``GET /interactions/{id}``, upload session URLs) match too. The same request seen N times
(polling) replays the N recorded answers in order, then keeps the last. A request without a
cassette gets a 404 naming the closest one and what differs.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import hashlib
import json
import os
import re
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import Response

from . import redact
from .auth import request_key
from .errors import ApiError
from .extension import ANY, ApiRoute
from .redact import REDACTED as REDACTED  # re-exported: cassette readers compare with it
from .redact import RESPONSE_FIELD, SECRET_NAME, scrub_text

FORMAT = 1
HOP_BY_HOP = {
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "accept-encoding",
    "content-encoding",
    "proxy-connection",
}
# Per-response headers the replaying server sets itself (duplicates would confuse clients).
VOLATILE = {"date", "server", "alt-svc", "server-timing", "x-cloud-trace-context"}
ENV_KEYS = ("GEMINI_API_KEY", "GOOGLE_API_KEY")


# -- scrubbing and normalization ------------------------------------------------------------


def scrub(value: Any, known: tuple[str, ...] = ()) -> Any:
    """Answers in a cassette: secret-looking strings and credential fields redacted, while a
    model's ``{"key": ...}`` function argument is kept (it must replay intact)."""
    return redact.scrub(value, known, RESPONSE_FIELD)


def _headers(items: Any, known: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in items:
        low = name.lower()
        if low in HOP_BY_HOP or low in VOLATILE or SECRET_NAME.match(low):
            continue
        out[low] = scrub_text(value, known)
    return out


def _json_or_none(raw: bytes) -> Any:
    if not raw.strip():
        return None
    from .validate import loads_body

    try:
        return loads_body(raw)
    except ApiError:
        return None


def normalize(method: str, path: str, query: str, raw: bytes, known: tuple[str, ...] = ()) -> dict[str, Any]:
    """The parts of a request that identify it: what cassettes are matched on."""
    path = "/" + re.sub(r"/{2,}", "/", path).strip("/")
    pairs = sorted((k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not SECRET_NAME.match(k))
    body = _json_or_none(raw)
    norm: dict[str, Any] = {"method": method.upper(), "path": path, "query": urlencode(pairs)}
    if body is not None:
        norm["body"] = redact.scrub(body, known)  # what clients send: every credential field
    elif raw:
        norm["body_sha256"] = hashlib.sha256(raw).hexdigest()
        norm["body_size"] = len(raw)
    return norm


def match_key(norm: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(norm, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()


def _describe(norm: dict[str, Any]) -> str:
    body = norm.get("body")
    text = json.dumps(body, sort_keys=True) if body is not None else norm.get("body_sha256", "")
    return f"{norm['method']} {norm['path']}?{norm['query']} {text}"[:4000]


def _relative_upload_url(url: str, upstream_path: str) -> str:
    """The upload session URL without origin and upstream prefix, so any server can serve it."""
    parts = urlsplit(url)
    path = parts.path
    if upstream_path and path.startswith(upstream_path + "/"):
        path = path[len(upstream_path) :]
    return path + (f"?{parts.query}" if parts.query else "")


# -- recording ------------------------------------------------------------------------------


class CassetteWriter:
    """Numbers and writes cassettes (atomically), continuing after those already in DIR."""

    def __init__(self, directory: str | Path):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        numbers = [int(p.name[:4]) for p in self.dir.glob("[0-9][0-9][0-9][0-9]-*.json")]
        self._next = max(numbers, default=0) + 1
        self._lock = threading.Lock()

    def reserve(self) -> int:
        with self._lock:
            n, self._next = self._next, self._next + 1
            return n

    def write(self, seq: int, cassette: dict[str, Any]) -> Path:
        req = cassette["request"]
        slug = re.sub(r"[^a-z0-9]+", "-", req["path"].lower()).strip("-")[:60] or "root"
        path = self.dir / f"{seq:04d}-{req['method'].lower()}-{slug}.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(cassette, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)
        return path


class Recorder:
    """The proxy: forwards to ``upstream`` and writes one cassette per exchange."""

    def __init__(self, directory: str | Path, upstream: str):
        if not re.match(r"^https?://", upstream or ""):
            raise ValueError(f"--upstream must be an http(s) URL, got {upstream!r}")
        self.upstream = upstream.rstrip("/")
        self.upstream_path = urlsplit(self.upstream).path.rstrip("/")
        self.writer = CassetteWriter(directory)
        self._client: Any = None

    def client(self) -> Any:
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient(timeout=None, follow_redirects=False)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def handle(self, request: Request) -> Response:
        emu = request.app.state.emulator
        raw = await request.body()
        client_key = request_key(request)
        env_key = next((os.environ[k] for k in ENV_KEYS if os.environ.get(k)), None)
        key = env_key or client_key
        known = tuple(k for k in (client_key, env_key) if k)
        path, query = request.url.path, request.url.query
        norm = normalize(request.method, path, query, raw, known)
        emu.log_request(request.method, path, query, request.headers.items(), norm.get("body"), known)
        forward = {
            k: v
            for k, v in request.headers.items()
            if k.lower() not in HOP_BY_HOP and not SECRET_NAME.match(k)
        }
        forward["accept-encoding"] = "identity"  # pass SSE bytes through untouched
        if key:
            forward["x-goog-api-key"] = key
        fwd_query = urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "key"])
        url = self.upstream + path + (f"?{fwd_query}" if fwd_query else "")
        seq = self.writer.reserve()
        started = time.monotonic()
        try:
            upstream = await self.client().send(
                self.client().build_request(request.method, url, headers=forward, content=raw), stream=True
            )
        except Exception as exc:  # connection refused, DNS, TLS...
            raise ApiError(
                502,
                scrub_text(f"Upstream {self.upstream} is unreachable: {type(exc).__name__}: {exc}", known),
                "UNAVAILABLE",
            ) from None
        headers = _headers(upstream.headers.items(), known)
        if "x-goog-upload-url" in headers:
            headers["x-goog-upload-url"] = _relative_upload_url(
                upstream.headers["x-goog-upload-url"], self.upstream_path
            )
        cassette = {
            "format": FORMAT,
            "recorded": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "match_key": match_key(norm),
            "request": {**norm, "headers": _headers(request.headers.items(), known)},
            "response": {"status": upstream.status_code, "headers": headers},
        }
        out_headers = _client_headers(headers, request)
        if headers.get("content-type", "").startswith("text/event-stream"):
            return _PassThrough(upstream, out_headers, started, cassette, seq, self.writer, known)
        try:
            body = await upstream.aread()
        finally:
            await upstream.aclose()
        cassette["response"].update(_body_fields(body, headers, known))
        cassette["response"]["elapsed_s"] = round(time.monotonic() - started, 4)
        self.writer.write(seq, cassette)
        return Response(body, status_code=upstream.status_code, headers=out_headers)


def _client_headers(headers: dict[str, str], request: Request) -> dict[str, str]:
    """Cassette headers as sent to the client: upload URLs point back at this server."""
    out = dict(headers)
    if "x-goog-upload-url" in out:
        out["x-goog-upload-url"] = str(request.base_url).rstrip("/") + out["x-goog-upload-url"]
    return out


def _body_fields(body: bytes, headers: dict[str, str], known: tuple[str, ...]) -> dict[str, Any]:
    parsed = _json_or_none(body) if "json" in headers.get("content-type", "") else None
    if parsed is not None:
        return {"json": scrub(parsed, known)}
    try:
        return {"text": scrub(body.decode("utf-8"), known)}
    except UnicodeDecodeError:
        import base64

        return {"base64": base64.b64encode(body).decode()}


class _PassThrough:
    """Streams upstream SSE bytes to the client as they come, timing each event for the cassette."""

    def __init__(
        self,
        upstream: Any,
        headers: dict[str, str],
        started: float,
        cassette: dict,
        seq: int,
        writer: CassetteWriter,
        known: tuple[str, ...],
    ):
        self.upstream, self.headers, self.started = upstream, headers, started
        self.cassette, self.seq, self.writer, self.known = cassette, seq, writer, known

    async def __call__(self, scope, receive, send) -> None:
        heads = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.headers.items()]
        await send({"type": "http.response.start", "status": self.upstream.status_code, "headers": heads})
        events: list[dict[str, Any]] = []
        pending = ""
        failure = None
        try:
            async for chunk in self.upstream.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                pending += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
                while "\n\n" in pending:
                    block, pending = pending.split("\n\n", 1)
                    events.append(
                        {
                            "t": round(time.monotonic() - self.started, 4),
                            "data": scrub(block, self.known) + "\n\n",
                        }
                    )
        except Exception as exc:  # upstream dropped mid-stream: keep what came, say so
            failure = f"{type(exc).__name__}: {exc}"
        finally:
            await self.upstream.aclose()
            if pending.strip():
                events.append(
                    {"t": round(time.monotonic() - self.started, 4), "data": scrub(pending, self.known)}
                )
            self.cassette["response"]["events"] = events
            self.cassette["response"]["elapsed_s"] = round(time.monotonic() - self.started, 4)
            if failure:
                self.cassette["response"]["stream_error"] = failure
            self.writer.write(self.seq, self.cassette)
        with contextlib.suppress(OSError, RuntimeError):
            await send({"type": "http.response.body", "body": b"", "more_body": False})


# -- replaying ------------------------------------------------------------------------------


class Replayer:
    """Serves the cassettes of a directory; the Nth identical request gets the Nth answer."""

    def __init__(self, directory: str | Path):
        self.dir = Path(directory)
        if not self.dir.is_dir():
            raise ValueError(f"--replay directory {self.dir} does not exist")
        self.cassettes: list[tuple[str, dict[str, Any]]] = []
        for path in sorted(self.dir.glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise ValueError(f"cassette {path.name} is not valid JSON: {exc}") from None
            if not isinstance(data, dict) or "request" not in data or "response" not in data:
                raise ValueError(f"cassette {path.name} lacks 'request' or 'response'")
            self.cassettes.append((path.name, data))
        self.by_key: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for name, data in self.cassettes:
            key = data.get("match_key") or match_key(_norm_of(data["request"]))
            self.by_key.setdefault(key, []).append((name, data))
        self.served: dict[str, int] = {}
        self._lock = threading.Lock()

    def pick(self, norm: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        key = match_key(norm)
        with self._lock:
            options = self.by_key.get(key)
            if not options:
                return None
            n = self.served.get(key, 0)
            self.served[key] = n + 1
            return options[min(n, len(options) - 1)]

    def reset(self) -> None:
        with self._lock:
            self.served.clear()

    def explain_miss(self, norm: dict[str, Any]) -> str:
        want = f"{norm['method']} {norm['path']}" + (f"?{norm['query']}" if norm["query"] else "")
        if not self.cassettes:
            return f"No cassette matches {want}: the replay directory {self.dir} is empty."
        mine = _describe(norm)
        best = max(
            self.cassettes,
            key=lambda item: difflib.SequenceMatcher(
                None, mine, _describe(_norm_of(item[1]["request"])), autojunk=False
            ).ratio(),
        )
        other = _norm_of(best[1]["request"])
        return (
            f"No cassette matches {want}; the closest is {best[0]}, which differs in "
            f"{_difference(norm, other)}. Re-record, or make the request identical."
        )

    async def serve(self, request: Request, pacing: str) -> Response:
        emu = request.app.state.emulator
        raw = await request.body()
        # Patterns only: this client's key (often a placeholder) must not change what matches.
        norm = normalize(request.method, request.url.path, request.url.query, raw)
        emu.log_request(
            request.method, request.url.path, request.url.query, request.headers.items(), norm.get("body")
        )
        picked = self.pick(norm)
        if picked is None:
            raise ApiError(404, self.explain_miss(norm), "NOT_FOUND")
        data = picked[1]["response"]
        headers = _client_headers(dict(data.get("headers") or {}), request)
        instant = pacing == "instant"
        if "events" in data:
            return _Replay(data, headers, instant)
        if not instant and data.get("elapsed_s"):
            await asyncio.sleep(float(data["elapsed_s"]))
        if "json" in data:
            body = json.dumps(data["json"], ensure_ascii=False, separators=(",", ":")).encode()
        elif "base64" in data:
            import base64

            body = base64.b64decode(data["base64"])
        else:
            body = str(data.get("text", "")).encode("utf-8")
        return Response(body, status_code=int(data.get("status", 200)), headers=headers)


def _norm_of(req: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in req.items() if k != "headers"}


def _difference(a: dict[str, Any], b: dict[str, Any]) -> str:
    for field in ("method", "path", "query"):
        if a.get(field) != b.get(field):
            return f"{field} ({b.get(field)!r} recorded)"
    ab, bb = a.get("body"), b.get("body")
    if isinstance(ab, dict) and isinstance(bb, dict):
        for name in sorted(set(ab) | set(bb)):
            if ab.get(name) != bb.get(name):
                return f"body field {name!r}"
    return "body"


class _Replay:
    """Plays recorded SSE events back, at the recorded times unless pacing is instant."""

    def __init__(self, data: dict[str, Any], headers: dict[str, str], instant: bool):
        self.data, self.headers, self.instant = data, headers, instant

    async def __call__(self, scope, receive, send) -> None:
        heads = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.headers.items()]
        await send(
            {"type": "http.response.start", "status": int(self.data.get("status", 200)), "headers": heads}
        )
        start = time.monotonic()
        try:
            for event in self.data.get("events") or []:
                if not self.instant:
                    wait = float(event.get("t", 0)) - (time.monotonic() - start)
                    if wait > 0:
                        await asyncio.sleep(wait)
                await send(
                    {
                        "type": "http.response.body",
                        "body": str(event["data"]).encode("utf-8"),
                        "more_body": True,
                    }
                )
        except (OSError, asyncio.CancelledError):
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})


# -- the extension ----------------------------------------------------------------------------


class ModeExtension:
    """``--record`` or ``--replay``: every API path (anything outside ``/_emulator/``) goes to
    the proxy or the cassette player instead of the emulated services."""

    ROUTE = re.compile(r"^/(?!_emulator(?:/|$))")

    def __init__(self, config: Any):
        if config.record_dir and config.replay_dir:
            raise ValueError("--record and --replay cannot be combined")
        if config.replay_pacing not in ("recorded", "instant"):
            raise ValueError(f"--replay-pacing must be 'recorded' or 'instant', got {config.replay_pacing!r}")
        self.config = config
        self.recorder = self.replayer = None
        if config.record_dir:
            if not config.upstream:
                raise ValueError("--record needs --upstream URL (the real API, or another emulator)")
            self.recorder = Recorder(config.record_dir, config.upstream)
        else:
            self.replayer = Replayer(config.replay_dir)

    def routes(self) -> list[ApiRoute]:
        return [ApiRoute(ANY, self.ROUTE, self.handle, auth=False)]

    async def handle(self, emu: Any, request: Request, match: re.Match) -> Response:
        if self.recorder is not None:
            return await self.recorder.handle(request)
        return await self.replayer.serve(request, self.config.replay_pacing)

    def reset(self) -> None:
        if self.replayer is not None:  # replay the cassettes from the start again
            self.replayer.reset()

    async def shutdown(self) -> None:
        if self.recorder is not None:
            await self.recorder.close()
