"""Command line: ``python -m graph_phone_emulator --profile FILE --port N [--edition …] [--gray …] [--choice K=V …]
[--observations LEDGER [--allow-partial]] [--fault NAME …]``."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
import tomllib
from pathlib import Path

from graph_phone_emulator.choices import FAMILIES, describe_choices, parse_assignments
from graph_phone_emulator.config import DEFAULT_PROFILE, EDITIONS, GRAY_MODES, load_config
from graph_phone_emulator.faults import describe_catalog


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m graph_phone_emulator",
        description="Reference emulator of Microsoft Graph v1.0 phoneMethods, served on loopback.",
    )
    parser.add_argument("--profile", default=None, help=f"TOML profile (default: {DEFAULT_PROFILE})")
    parser.add_argument("--port", type=int, default=0, help="loopback port (default 0: pick a free one)")
    parser.add_argument("--edition", choices=EDITIONS, help="permission edition (overrides the profile)")
    parser.add_argument("--gray", choices=GRAY_MODES, help="treatment of gray-zone numbers")
    parser.add_argument("--choice", action="append", default=[], metavar="KEY=VALUE",
                        help="set an open choice (repeatable; overrides [emulator.choices]; see --list-choices)")
    parser.add_argument("--observations", metavar="LEDGER",
                        help="answer like an observed target: choices from an observation ledger "
                             "(python -m conformance observe) and its edition; --choice and --edition still win. "
                             "Refuses to start when an answer cannot be mirrored (each is listed)")
    parser.add_argument("--allow-partial", action="store_true",
                        help="with --observations: start even though some answers are not mirrored")
    parser.add_argument("--fault", action="append", metavar="NAME",
                        help="inject a fault (repeatable; replaces the profile's list)")
    parser.add_argument("--secret", help="token signing secret (overrides the profile)")
    parser.add_argument("--throttle-per-second", type=int, help="429 past N requests per token per second")
    parser.add_argument("--latency-ms", type=float, help="added latency per request")
    parser.add_argument("--lag-ms", type=float,
                        help="replication lag: reads of a user show it as before its writes for this long")
    parser.add_argument("--page-size", type=int,
                        help="lists answer N methods a page, the rest behind @odata.nextLink (legal OData)")
    parser.add_argument("--list-faults", action="store_true", help="print the fault catalog and exit")
    parser.add_argument("--list-choices", action="store_true", help="print the open choices and exit")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the emulator until SIGINT/SIGTERM; print its base URL once it answers."""
    args = parse_args(argv)
    if args.list_faults:
        with contextlib.suppress(BrokenPipeError):
            print(describe_catalog())
        return 0
    if args.list_choices:
        with contextlib.suppress(BrokenPipeError):
            print(describe_choices())
            print("\nfine-grained keys (set by --observations, or by hand):")
            print("\n".join(f"{key:<16}  {text}" for key, text in FAMILIES.items()))
        return 0
    try:
        choices = parse_assignments(args.choice)
    except ValueError as exc:
        print(f"emulator: error: {exc}", file=sys.stderr)
        return 2
    edition = args.edition
    ledger = args.observations or _profile_ledger(args.profile)
    if ledger:
        from graph_phone_emulator.observations import LedgerError, mirror

        try:
            observed = mirror(ledger)
        except LedgerError as exc:
            print(f"emulator: error: {exc}", file=sys.stderr)
            return 2
        for item in observed.unmirrored:
            print(f"emulator: not mirrored: {item.line()}", file=sys.stderr)
        if observed.unmirrored and not args.allow_partial:
            print(f"emulator: error: {len(observed.unmirrored)} observed answer(s) cannot be mirrored (listed "
                  "above); pass --allow-partial to start anyway", file=sys.stderr)
            return 2
        if args.observations:
            edition = edition or observed.edition
    overrides = {key: value for key, value in (
        ("edition", edition), ("gray", args.gray), ("faults", args.fault), ("secret", args.secret),
        ("throttle_per_second", args.throttle_per_second), ("latency_ms", args.latency_ms),
        ("choices", choices or None), ("observations", args.observations), ("lag_ms", args.lag_ms),
        ("page_size", args.page_size),
    ) if value is not None}
    try:
        config = load_config(args.profile, overrides)
    except ValueError as exc:
        print(f"emulator: error: {exc}", file=sys.stderr)
        return 2
    from graph_phone_emulator.server import serve_config

    try:
        running = serve_config(config, port=args.port)
    except (OSError, RuntimeError) as exc:
        print(f"emulator: error: cannot serve on port {args.port}: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print(running.base_url, flush=True)
    try:
        while not stop.wait(0.5) and running.running:
            pass
    finally:
        running.stop()
    return 0


def _profile_ledger(profile: str | None) -> str | None:
    """The profile's ``[emulator] observations`` ledger (relative to the profile), if it names one."""
    path = Path(profile) if profile else DEFAULT_PROFILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None  # load_config reports it
    emulator = raw.get("emulator")
    value = emulator.get("observations") if isinstance(emulator, dict) else None
    return str(path.parent / value) if isinstance(value, str) and value else None


if __name__ == "__main__":
    sys.exit(main())
