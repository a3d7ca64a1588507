"""One non-streamed ``create`` for a turn, at about 40% of the SDK's CPU, with the same result.

Why: google-genai 3.x builds throw-away pydantic model classes on every create
(``pydantic.create_model`` for the keyword arguments, for the body and for the answer): about
17 ms of CPU per call on the project's machines, more than everything the toolkit does in a turn.
Two of the three are avoidable through the SDK's own API:

* the request is normalized as the SDK normalizes keyword arguments (a bare content list becomes
  one ``user_input`` step) and validated once by its compiled ``CreateInteractionRequest`` class
  (:mod:`gemini_nb.sdk_request`);
* the answer is read with ``with_raw_response`` and validated once by its compiled
  ``Interaction`` class, then given the output properties (``output_text``...) the SDK adds.

So ``result.raw`` is the same ``Interaction`` a plain create returns, the bytes on the wire are
the same, and an error status raises the SDK's usual exception (the raw accessor parses those
eagerly). An answer cut at the decode limit (``requires_continuation``) is continued by the SDK's own
continuation loop (``continue_unary_interaction``: the same hop requests, merging, and
``ContinuationInterruptedError`` with the partial answer), each hop sent this cheaper way.
Nothing in the SDK is patched; when a piece is missing, or the request has a field the typed
model does not know, the plain ``create(**request)`` runs.
"""

from __future__ import annotations

from typing import Any

from . import sdk_request
from .sse import continues_client_side, next_hop, sdk_interaction


def create(client: Any, request: dict[str, Any]) -> Any:
    """``client.interactions.create(**request)`` (not streamed), the cheaper way when possible."""
    pieces = sdk_request.pieces()
    raw = getattr(getattr(client, "interactions", None), "with_raw_response", None) if pieces else None
    first_typed = sdk_request.typed(request) if raw is not None and not request.get("stream") else None
    if pieces is None or first_typed is None:
        return client.interactions.create(**request)

    def send(typed: Any, body: dict[str, Any]) -> Any:
        if typed is None:  # a hop's request the typed model rejects: the SDK's own call
            return client.interactions.create(**body, automatic_continuation=False)
        return sdk_interaction(raw.create(request=typed).json())

    def next_one(token: str, issued_by: str | None) -> Any:
        body = next_hop(request, token, issued_by)
        return send(sdk_request.typed(body), body)

    first = send(first_typed, request)
    if not continues_client_side(request):
        return pieces.finish(first)
    return pieces.continue_unary(
        first,
        next_one,
        initial_continuation_token=request.get("continuation_token"),
        normalize_interaction=pieces.normalize_interaction,
        finalize_interaction=pieces.finish,
        stateful=request.get("store") is not False,
    )


__all__ = ["create"]
