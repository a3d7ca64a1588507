"""The emulator as a separate process, as users run it; and legacy-SDK scripts against it.

1.55 and 3.x cannot share a virtualenv, so for legacy tests the emulator runs from this venv
as a subprocess and the legacy SDK drives it from its own interpreter. A legacy script prints
one JSON document on its last stdout line, which is what :func:`run_legacy` returns.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager

READY = re.compile(r"Gemini emulator listening on (http://127\.0\.0\.1:\d+)")


@contextmanager
def emulator_process(
    *args: str, entry: tuple[str, ...] = ("-m", "gemini_nb.emulator")
) -> Iterator[tuple[subprocess.Popen, str]]:
    """``python -m gemini_nb.emulator --port 0 ARGS``: yields (process, base URL), then stops it."""
    proc = subprocess.Popen(
        [sys.executable, *entry, "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        match = READY.fullmatch(line.strip())
        if not match:
            proc.kill()
            raise AssertionError(f"emulator did not start: {line!r}; stderr: {proc.stderr.read()}")
        yield proc, match.group(1)
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(10)


PRELUDE = """
import json, sys, warnings
warnings.simplefilter("ignore")
from google import genai
client = genai.Client(api_key="test-key", http_options={"base_url": sys.argv[1]})
MODEL = "gemini-3-flash-preview"
"""


def run_legacy(legacy_py: str, script: str, timeout: float = 60) -> dict:
    """Start an emulator, run ``script`` (after :data:`PRELUDE`) with 1.55, return its JSON."""
    with emulator_process() as (_, url):
        out = subprocess.run(
            [legacy_py, "-c", PRELUDE + textwrap.dedent(script), url],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout.strip().splitlines()[-1])
