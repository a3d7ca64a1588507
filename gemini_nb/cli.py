"""``gemini-nb`` console script: a thin dispatcher to each subcommand's own module.

Each subcommand's module is imported only when that subcommand runs, so
``gemini-nb emulator`` never pays for IPython or pandas.
"""

from __future__ import annotations

import sys

SUBCOMMANDS = {
    "emulator": ("gemini_nb.emulator.cli", "main", "run the Interactions API emulator (HTTP server)"),
    "demo": (
        "gemini_nb.demo",
        "demo_main",
        "run the quickstart notebook on the embedded emulator and write HTML",
    ),
    "lab": ("gemini_nb.demo", "lab_main", "open JupyterLab on the tutorial notebooks"),
    "refresh-notebooks": (
        "gemini_nb.demo",
        "refresh_main",
        "re-execute notebooks on the embedded emulator and store their outputs",
    ),
}


def _usage() -> str:
    lines = ["usage: gemini-nb <command> [options]", "", "commands:"]
    for name, (_, _, help_text) in SUBCOMMANDS.items():
        lines.append(f"  {name:<18} {help_text}")
    lines.append("")
    lines.append("Run 'gemini-nb <command> --help' for the options of a command.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in SUBCOMMANDS:
        print(f"gemini-nb: unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module_name, func_name, _ = SUBCOMMANDS[name]
    import importlib

    func = getattr(importlib.import_module(module_name), func_name)
    return int(func(rest) or 0)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
