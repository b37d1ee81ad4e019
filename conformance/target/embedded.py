"""Start the embedded reference emulator for a profile that names no URL.

This is the one place the suite touches the emulator package, and only through its public
``start_in_thread`` function and the running emulator's ``reset`` hook: the tests themselves know the
target only through HTTP.

By default every run starts its own emulator and stops it at the end. A process that runs the suite
many times (the kill matrix's workers) calls :func:`keep_running` once: from then on the emulator of
a profile is started once and, for every later run, switched in place to that run's edition, gray
mode and faults (fresh state, the same port) instead of being restarted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from conformance.core.errors import ToolError
from conformance.target.profile import TargetProfile


class Running(Protocol):
    """A started emulator."""

    base_url: str

    def stop(self) -> None:
        """Stop the emulator."""
        ...


def parse_choices(assignments: Iterable[str]) -> dict[str, str]:
    """``--emulator-choice key=value`` items as a mapping, checked against the emulator's choice table.

    Raises :class:`ToolError` (one line) for an item that is not ``key=value`` or names an unknown
    choice or value.
    """
    items = list(assignments)
    if not items:
        return {}
    try:
        from graph_phone_emulator.choices import parse_assignments, validate_choices
    except ImportError as exc:  # pragma: no cover - the emulator ships with the suite
        raise ToolError(f"the embedded emulator cannot be imported ({exc})") from None
    try:
        chosen = parse_assignments(items)
        validate_choices(chosen, "--emulator-choice")
    except ValueError as exc:
        raise ToolError(str(exc)) from None
    return chosen


class _Kept:
    """A shared emulator lent to one run: ``stop()`` leaves it serving for the next run."""

    def __init__(self, running: Any) -> None:
        self.base_url: str = running.base_url

    def stop(self) -> None:
        """Nothing: the emulator stays up until the process ends."""


_kept: dict[str, Any] | None = None


def keep_running() -> None:
    """Keep embedded emulators running between runs in this process (switched in place, never restarted)."""
    global _kept
    if _kept is None:
        _kept = {}


def start_embedded(profile: TargetProfile, *, edition: str, gray: str | None = None,
                   faults: Iterable[str] = (), choices: Iterable[str] = (),
                   observations: str | None = None) -> Running:
    """Start the emulator on a free loopback port with the profile's directory; return its handle.

    ``choices``: ``key=value`` settings of the emulator's open choices (over the profile's).
    ``observations``: an observation ledger whose answers set the open choices (``choices`` win).
    """
    try:
        from graph_phone_emulator.server import start_in_thread
    except ImportError as exc:  # pragma: no cover - the emulator ships with the suite
        raise ToolError(f"the embedded emulator cannot be imported ({exc})") from None
    overrides: dict[str, Any] = {"edition": edition}
    if gray:
        overrides["gray"] = gray
    chosen = parse_choices(choices)
    if chosen:
        overrides["choices"] = chosen
    faults = list(faults) or list(profile.emulator.get("faults", []))
    if faults:
        overrides["faults"] = faults
    if observations:
        overrides["observations"] = observations
    try:
        if _kept is None:
            return start_in_thread(profile.path, overrides=overrides)
        key = str(profile.path)
        running = _kept.get(key)
        if running is not None and running.running:
            running.reset(overrides)
        else:
            running = _kept[key] = start_in_thread(profile.path, overrides=overrides)
        return _Kept(running)
    except ValueError as exc:
        raise ToolError(f"embedded emulator: {exc}") from None
