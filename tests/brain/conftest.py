"""Brain tests: the emulator's deterministic model, called directly (``brain_helpers.make_ctx``)
or through the SDK. Property tests use hypothesis; the brain is pure and deterministic, so a
test's verdict must not depend on how busy the machine is: no per-example deadline here.
"""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("brain", parent=settings.default, deadline=None)  # keeps CI's fixed seeds
settings.load_profile("brain")
