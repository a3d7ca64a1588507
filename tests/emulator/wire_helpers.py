"""Raw-wire helpers for emulator tests: post bytes, read SSE lines and events."""

from __future__ import annotations

import json

import httpx

MODEL = "gemini-3-flash-preview"
KEY = {"x-goog-api-key": "k"}


def post_raw(
    emu, raw: str | bytes, path: str = "/v1/interactions", headers=None, timeout: float = 30
) -> httpx.Response:
    with httpx.Client(base_url=emu.base_url, timeout=timeout) as http:
        return http.post(
            path, content=raw, headers={**KEY, "content-type": "application/json", **(headers or {})}
        )


def sse_data(text: str) -> list[str]:
    return [line[len("data: ") :] for line in text.splitlines() if line.startswith("data: ")]


def sse_events(text: str) -> list[dict]:
    return [json.loads(d) for d in sse_data(text) if d != "[DONE]"]


async def read_stream(
    http: httpx.AsyncClient, method: str, url: str, gone_ok: bool = False, **kw
) -> str | None:
    async with http.stream(method, url, **kw) as resp:
        if gone_ok and resp.status_code == 404:  # deleted before this GET arrived
            return None
        assert resp.status_code == 200
        return (await resp.aread()).decode()


async def start_stream(http: httpx.AsyncClient, emu, prompt: str, model: str = MODEL):
    """POST a streamed create as a task and wait until the emulator runs it: (task, run id)."""
    import asyncio

    owner = asyncio.create_task(
        read_stream(http, "POST", "/v1/interactions", json={"model": model, "input": prompt, "stream": True})
    )
    for _ in range(100):
        if emu.emulator.runs:
            break
        await asyncio.sleep(0.02)
    return owner, next(iter(emu.emulator.runs))
