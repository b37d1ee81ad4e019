"""Start the embedded reference emulator for a profile that names no URL.

This is the one place the suite touches the emulator package, and only through its public
``start_in_thread`` function: the tests themselves know the target only through HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from conformance.errors import ToolError
from conformance.profile import TargetProfile


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
        from emulator.choices import parse_assignments, validate_choices
    except ImportError as exc:  # pragma: no cover - the emulator ships with the suite
        raise ToolError(f"the embedded emulator cannot be imported ({exc})") from None
    try:
        chosen = parse_assignments(items)
        validate_choices(chosen, "--emulator-choice")
    except ValueError as exc:
        raise ToolError(str(exc)) from None
    return chosen


def start_embedded(profile: TargetProfile, *, edition: str, gray: str | None = None,
                   faults: Iterable[str] = (), choices: Iterable[str] = (),
                   observations: str | None = None) -> Running:
    """Start the emulator on a free loopback port with the profile's directory; return its handle.

    ``choices``: ``key=value`` settings of the emulator's open choices (over the profile's).
    ``observations``: an observation ledger whose answers set the open choices (``choices`` win).
    """
    try:
        from emulator.server import start_in_thread
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
        return start_in_thread(profile.path, overrides=overrides)
    except ValueError as exc:
        raise ToolError(f"embedded emulator: {exc}") from None
