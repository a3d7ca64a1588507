"""A display sink that records what the live view would send to the front end.

The live view (``gemini_nb.render.live``) talks to a sink with ``display`` and ``update``;
tests hand it this one, or the ``kernel_displays`` fixture installs it as the kernel's sink.
"""

from __future__ import annotations


class RecordingSink:
    """Keeps every message as ``(kind, data)``, kind ``"display"`` or ``"update"``."""

    def __init__(self):
        self.messages: list[tuple[str, dict]] = []

    def display(self, data, display_id):
        self.messages.append(("display", data))

    def update(self, data, display_id):
        self.messages.append(("update", data))

    @property
    def payloads(self) -> list[dict]:
        """The data of every message, displays and updates alike, in order."""
        return [data for _, data in self.messages]
