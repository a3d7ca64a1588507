"""One non-streamed ``create`` for a turn, at about 40% of the SDK's CPU, with the same result.

Why: google-genai 3.x builds throw-away pydantic model classes on every create
(``pydantic.create_model`` for the keyword arguments, for the body and for the answer): about
17 ms of CPU per call on the project's machines, more than everything the toolkit does in a turn.
Two of the three are avoidable through the SDK's own API:

* the request is normalized as the SDK normalizes keyword arguments (a bare content list becomes
  one ``user_input`` step) and validated once by its compiled ``CreateInteractionRequest`` class;
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

import functools
from typing import Any

from .sse import continues_client_side, next_hop, sdk_interaction


def create(client: Any, request: dict[str, Any]) -> Any:
    """``client.interactions.create(**request)`` (not streamed), the cheaper way when possible."""
    pieces = _pieces()
    interactions = getattr(client, "interactions", None)
    raw = getattr(interactions, "with_raw_response", None) if pieces is not None else None
    if raw is None or _typed(pieces, request) is None:
        return client.interactions.create(**request)

    def send(body: dict[str, Any]) -> Any:
        typed = _typed(pieces, body)
        if typed is None:  # a hop's request the typed model rejects: the SDK's own call
            return client.interactions.create(**body, automatic_continuation=False)
        data = raw.create(request=typed).json()
        return sdk_interaction(data)

    first = send(request)
    if not continues_client_side(request):
        return pieces.finish(first)
    return pieces.continue_unary(
        first,
        lambda token, issued_by: send(next_hop(request, token, issued_by)),
        initial_continuation_token=request.get("continuation_token"),
        normalize_interaction=pieces.normalize_interaction,
        finalize_interaction=pieces.finish,
        stateful=request.get("store") is not False,
    )


class _Pieces:
    """The SDK parts the cheaper call needs (3.x)."""

    def __init__(self, request_class: Any, sdk: Any, continuation: Any):
        self.request_class = request_class
        self.normalize = sdk._normalize_create_body
        self.finish = sdk._add_output_properties_if_interaction
        self.normalize_interaction = sdk._normalize_interaction_shape
        self.continue_unary = continuation.continue_unary_interaction
        self.known = _body_fields(request_class)


@functools.lru_cache(maxsize=1)
def _pieces() -> _Pieces | None:
    try:
        from google.genai import _interactions_continuation as continuation
        from google.genai._gaos import google_genai as sdk
        from google.genai._gaos.models import CreateInteractionRequest

        pieces = _Pieces(CreateInteractionRequest, sdk, continuation)
    except (ImportError, AttributeError, KeyError):
        return None
    return pieces if pieces.known else None


def _body_fields(request_class: Any) -> frozenset[str]:
    annotation = request_class.model_fields["body"].annotation
    body = getattr(annotation, "__value__", annotation)  # a TypeAliasType over the Union
    known: set[str] = set()
    for model in getattr(body, "__args__", ()):
        for name, field in getattr(model, "model_fields", {}).items():
            known.update((name, field.alias or name))
    return frozenset(known)


def _typed(pieces: _Pieces, request: dict[str, Any]) -> Any:
    """The validated request, or None (unknown fields, or what the SDK's own path should report)."""
    if not set(request) <= pieces.known or request.get("stream"):
        return None
    try:
        return pieces.request_class.model_validate({"body": pieces.normalize(dict(request))})
    except Exception:  # the plain call reports it the SDK's way
        return None


__all__ = ["create"]
