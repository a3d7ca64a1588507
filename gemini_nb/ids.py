"""Interaction ids and file names are checked before they can reach a URL.

Why: the SDK puts an interaction id straight into the request path
(``/v1beta/interactions/{id}``), so ``%gemini delete ../../../_emulator/faults`` used to delete
the emulator's fault rules, and against the live API such an id would send the user's key to
another path. Every place that puts an id or a file name into a path validates it here first;
a bad value is refused with one line naming it (a key-looking value is redacted, never echoed)
and nothing is sent.

Accepted shapes (what the API and the emulator hand out):

* interaction ids: letters, digits, ``_`` and ``-`` only (``v1_ChdEb2N...``, ``local-3``);
* file names: ``files/`` plus lowercase letters, digits and ``-`` (the bare id is accepted too).
"""

from __future__ import annotations

import re

from .errors import GeminiError, redact

MAX_ID_CHARS = 256
_INTERACTION_ID = re.compile(r"[A-Za-z0-9_-]{1,%d}" % MAX_ID_CHARS)
_FILE_ID = re.compile(r"[a-z0-9-]{1,64}")


class InvalidIdError(GeminiError, ValueError):
    """An id or file name that could not have come from the API; nothing was sent."""

    kind = "invalid_id"


def _shown(value: object) -> str:
    text = redact(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _looks_like_key(value: str) -> bool:
    return redact(value) != value


def interaction_id(value: object) -> str:
    """``value`` if it is a well-formed interaction id, else :class:`InvalidIdError`."""
    if isinstance(value, str) and _INTERACTION_ID.fullmatch(value):
        if _looks_like_key(value):  # would put the key into a URL path (and a server's access log)
            raise InvalidIdError("that looks like an API key, not an interaction id; nothing was sent")
        return value
    raise InvalidIdError(
        f"not an interaction id: {_shown(value)} (ids are letters, digits, '_' and '-'); nothing was sent"
    )


def file_name(value: object) -> str:
    """The canonical ``files/<id>`` for a well-formed file name or bare file id."""
    if isinstance(value, str):
        bare = value[len("files/") :] if value.startswith("files/") else value
        if _FILE_ID.fullmatch(bare) and not _looks_like_key(bare):
            return "files/" + bare
    raise InvalidIdError(
        f"not a file name: {_shown(value)} (expected files/ID, the ID in lowercase "
        "letters, digits and '-'); nothing was sent"
    )
