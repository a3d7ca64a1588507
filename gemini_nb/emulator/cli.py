"""``gemini-nb emulator``: run the Interactions API emulator in the foreground."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys

from .config import EmulatorConfig


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="gemini-nb emulator", description="Local emulator of the Gemini Interactions API (REST + SSE)."
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port; 0 picks a free one (default 8765)")
    p.add_argument("--api-key", help="accept only this x-goog-api-key (default: any non-empty key)")
    p.add_argument("--db", help="SQLite file to keep interactions across restarts (default: memory)")
    p.add_argument("--latency-ms", type=float, default=0.0, help="delay before every answer")
    p.add_argument("--tokens-per-second", type=float, default=None, help="pace of streamed text")
    p.add_argument(
        "--background-ms",
        type=float,
        default=300.0,
        help="minimum run time of background interactions (default 300)",
    )
    p.add_argument(
        "--queue-ms",
        type=float,
        default=0.0,
        help="time background interactions stay 'queued' (steps schema)",
    )
    p.add_argument(
        "--schema",
        choices=["auto", "steps", "legacy"],
        default="auto",
        help="wire schema: auto-detect per request (default), or force one",
    )
    p.add_argument("--seed", type=int, default=None, help="deterministic ids from this seed")
    p.add_argument(
        "--files-processing-ms",
        type=float,
        default=300.0,
        help="time uploaded video/audio stays PROCESSING (default 300)",
    )
    p.add_argument(
        "--scenarios", metavar="PATH", help="YAML/JSON scenario file or directory of them (scripted answers)"
    )
    p.add_argument(
        "--record", metavar="DIR", help="proxy to --upstream and write one cassette per request into DIR"
    )
    p.add_argument(
        "--upstream",
        metavar="URL",
        help="API to record from, e.g. https://generativelanguage.googleapis.com "
        "(key from GEMINI_API_KEY/GOOGLE_API_KEY, else the client's)",
    )
    p.add_argument("--replay", metavar="DIR", help="serve the cassettes recorded in DIR")
    p.add_argument(
        "--replay-pacing",
        choices=["recorded", "instant"],
        default="recorded",
        help="replay streams at the recorded pace (default) or instantly",
    )
    p.add_argument(
        "--max-interactions",
        type=int,
        default=10_000,
        metavar="N",
        help="stored interactions kept; the oldest finished ones are evicted beyond N (default 10000)",
    )
    p.add_argument(
        "--max-files",
        type=int,
        default=1_000,
        metavar="N",
        help="uploaded files kept; the oldest are deleted beyond N (default 1000)",
    )
    p.add_argument("--log-level", default="warning", help="uvicorn log level (default warning)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from .server import bind, build

    for flag, value in (("--max-interactions", args.max_interactions), ("--max-files", args.max_files)):
        if value < 1:
            print(f"gemini-nb emulator: {flag} must be at least 1", file=sys.stderr)
            return 2
    if args.tokens_per_second is not None and args.tokens_per_second <= 0:
        print("gemini-nb emulator: --tokens-per-second must be positive", file=sys.stderr)
        return 2
    config = EmulatorConfig(
        api_key=args.api_key,
        db=args.db,
        latency_ms=args.latency_ms,
        tokens_per_second=args.tokens_per_second,
        background_ms=args.background_ms,
        queue_ms=args.queue_ms,
        schema=args.schema,
        seed=args.seed,
        files_processing_ms=args.files_processing_ms,
        scenarios=args.scenarios,
        record_dir=args.record,
        upstream=args.upstream,
        replay_dir=args.replay,
        replay_pacing=args.replay_pacing,
        max_interactions=args.max_interactions,
        max_files=args.max_files,
    )
    if args.upstream and not args.record:
        print("gemini-nb emulator: --upstream only makes sense with --record DIR", file=sys.stderr)
        return 2
    try:
        _, server = build(config, on_ready=lambda: ready(), log_level=args.log_level)
    except ValueError as exc:  # bad scenarios, missing replay dir, --record without --upstream
        print(f"gemini-nb emulator: {exc}", file=sys.stderr)
        return 2
    except sqlite3.Error as exc:  # --db names a directory, an unwritable path, or not a database
        print(f"gemini-nb emulator: cannot use --db {args.db}: {exc}", file=sys.stderr)
        return 2
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        print(
            f"gemini-nb emulator: cannot bind {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr
        )
        return 1
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host

    def ready() -> None:
        print(f"Gemini emulator listening on http://{shown}:{port}", flush=True)

    try:
        asyncio.run(server.serve(sockets=[sock]))
    except KeyboardInterrupt:
        pass
    return 0
