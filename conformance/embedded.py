"""Start the embedded reference emulator for a profile that names no URL.

This is the one place the suite touches the emulator package, and only through its public
``start_in_thread`` function: the tests themselves know the target only through HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from conformance.errors import ToolError
from conformance.profile import TargetProfile


class Running(Protocol):
    """A started emulator."""

    base_url: str

    def stop(self) -> None:
        """Stop the emulator."""
        ...


def start_embedded(profile: TargetProfile, *, edition: str, gray: str | None = None,
                   faults: Iterable[str] = (), observations: str | None = None,
                   choices: Mapping[str, str] | None = None) -> Running:
    """Start the emulator on a free loopback port with the profile's directory; return its handle.

    ``observations``: an observation ledger the emulator's open choices follow; ``choices``: explicit
    choice values (they win over the ledger's).
    """
    try:
        from emulator.server import start_in_thread
    except ImportError as exc:  # pragma: no cover - the emulator ships with the suite
        raise ToolError(f"the embedded emulator cannot be imported ({exc})") from None
    overrides: dict[str, Any] = {"edition": edition}
    if gray:
        overrides["gray"] = gray
    faults = list(faults) or list(profile.emulator.get("faults", []))
    if faults:
        overrides["faults"] = faults
    if observations:
        overrides["observations"] = observations
    if choices:
        overrides["choices"] = dict(choices)
    try:
        return start_in_thread(profile.path, overrides=overrides)
    except ValueError as exc:
        raise ToolError(f"embedded emulator: {exc}") from None
