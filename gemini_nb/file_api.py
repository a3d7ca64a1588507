"""The Files API as plain functions and commands: ``gemini_nb.upload()``, ``files()``,
``delete_file()`` (also ``%gemini upload`` / ``%gemini files``), on the kernel-wide session.

Why apart from :mod:`gemini_nb.uploads`: the upload machinery is used *by* a session's turns,
while these functions pick the default session; keeping them here keeps the imports one way
(api -> uploads, file_api -> api).
"""

from __future__ import annotations

import os
from typing import Any

from . import ids
from .media_in import path_blob, spec_blob
from .uploads import Uploaded, Uploader, _state, failed, forget


def _session(session: Any = None) -> Any:
    if session is not None:
        return session
    from .api import _sync_settings, default_session

    session = default_session()
    _sync_settings(session)
    return session


def upload(
    path: Any,
    *,
    name: str | None = None,
    display_name: str | None = None,
    mime_type: str | None = None,
    session: Any = None,
    progress: bool | str | None = True,
    reuse: bool = True,
) -> Uploaded:
    """Upload a file (a path, or any value ``--file`` accepts) to the Files API.

    Returns an :class:`Uploaded` (``.name``, ``.uri``, ``.mime_type``, ``.size_bytes``,
    ``.expires_at``); the same bytes uploaded again are reused while the file is valid.
    """
    if isinstance(path, (str, os.PathLike)) and os.path.isfile(os.path.expanduser(os.fspath(path))):
        blob = path_blob(os.fspath(path))
    else:
        blob = spec_blob(path)
    if mime_type:
        blob.mime_type = mime_type
    return Uploader(_session(session), progress=progress).upload(
        blob, name=name, display_name=display_name, reuse=reuse
    )


def files(session: Any = None):
    """The files stored in the Files API as a DataFrame (name, display name, mime, size, state,
    expiry, uri)."""
    import pandas as pd

    session = _session(session)
    try:
        rows = [
            {
                "name": f.name,
                "display_name": f.display_name,
                "mime_type": f.mime_type,
                "size_bytes": int(f.size_bytes or 0),
                "state": _state(f),
                "expires": f.expiration_time,
                "uri": f.uri,
            }
            for f in session.client().files.list()
        ]
    except Exception as exc:
        raise failed("list", exc) from None
    return pd.DataFrame(
        rows, columns=["name", "display_name", "mime_type", "size_bytes", "state", "expires", "uri"]
    )


def delete_file(name: str, session: Any = None) -> str:
    """Delete a file by name (``files/ID`` or ``ID``); returns the canonical name."""
    name = ids.file_name(name)
    session = _session(session)
    try:
        session.client().files.delete(name=name)
    except Exception as exc:
        raise failed(f"delete of {name}", exc) from None
    forget(session.backend().base_url or "live", name)
    return name


__all__ = ["upload", "files", "delete_file", "Uploaded"]
