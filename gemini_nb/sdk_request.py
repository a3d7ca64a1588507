"""A create request validated once by the SDK's compiled request model, and the SDK parts around it.

Why: google-genai 3.x turns keyword arguments into a request by building a throw-away pydantic
model class (``pydantic.create_model`` in ``unmarshal``) on every call, about 6 ms of CPU here.
Its compiled ``CreateInteractionRequest`` class validates the same request in well under 1 ms,
and ``create(request=...)`` accepts it. The keyword path first normalizes the body (a bare list of
content blocks becomes one ``user_input`` step), so :func:`typed` applies the SDK's own
normalizer first: the bytes on the wire are the same (``tests/toolkit/test_unary.py`` compares).

Everything here comes from the SDK's private modules, looked up once; if one is missing (another
3.x release), :func:`pieces` is None and callers use the plain keyword call. Nothing is patched.
"""

from __future__ import annotations

import functools
from typing import Any


class Pieces:
    """The SDK parts the cheaper calls need."""

    def __init__(self, request_class: Any, sdk: Any, continuation: Any):
        self.request_class = request_class
        self.normalize = sdk._normalize_create_body
        self.finish = sdk._add_output_properties_if_interaction
        """What the SDK does to every unary answer (``output_text`` and friends)."""
        self.normalize_interaction = sdk._normalize_interaction_shape
        self.continue_unary = continuation.continue_unary_interaction
        """The SDK's loop over decode-limit hops of a unary answer, and its merge."""
        self.known = _body_fields(request_class)


@functools.lru_cache(maxsize=1)
def pieces() -> Pieces | None:
    try:
        from google.genai import _interactions_continuation as continuation
        from google.genai._gaos import google_genai as sdk
        from google.genai._gaos.models import CreateInteractionRequest

        found = Pieces(CreateInteractionRequest, sdk, continuation)
    except (ImportError, AttributeError, KeyError):
        return None
    return found if found.known else None


def _body_fields(request_class: Any) -> frozenset[str]:
    annotation = request_class.model_fields["body"].annotation
    body = getattr(annotation, "__value__", annotation)  # a TypeAliasType over the Union
    known: set[str] = set()
    for model in getattr(body, "__args__", ()):
        for name, field in getattr(model, "model_fields", {}).items():
            known.update((name, field.alias or name))
    return frozenset(known)


def typed(request: dict[str, Any]) -> Any:
    """``request`` as the SDK's validated ``CreateInteractionRequest``; None when the keyword call
    should run instead (no such SDK parts, an unknown field, or a request it rejects: its own
    call then reports that the SDK's way)."""
    found = pieces()
    if found is None or not set(request) <= found.known:
        return None
    try:
        return found.request_class.model_validate({"body": found.normalize(dict(request))})
    except Exception:
        return None


__all__ = ["Pieces", "pieces", "typed"]
