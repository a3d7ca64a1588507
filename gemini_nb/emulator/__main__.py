"""``python -m gemini_nb.emulator``: same as ``gemini-nb emulator``."""

import sys

from .cli import main

raise SystemExit(main(sys.argv[1:]))
