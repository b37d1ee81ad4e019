"""Open a target for a tool command (``observe``, ``diff``): a profile, or the embedded emulator.

A target is named by a *spec*: ``embedded`` (the embedded emulator with its default profile) or a
profile path, optionally followed by settings for an embedded emulator, as in a URL query::

    embedded?bad_body_status=422&gray=accept&masked_format=x-all
    embedded?observations=observations/my-tenant.toml
    conformance/targets/emulator.toml?edition=current

Keys: ``edition`` (the spec edition for this run, any target), ``gray``, ``fault`` (repeatable),
``observations`` (a ledger the emulator answers from, in the ledger's edition unless ``edition`` is
given) and any other key, an open choice of the
emulator (``python -m graph_phone_emulator --list-choices``). The opened :class:`~conformance.target.target.Target` is
the suite's own: every write is guarded, tenant users are journaled and restored at the end.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.core.errors import EXIT_BROKEN, ToolError
from conformance.probes.ledger import read_ledger
from conformance.safety.guarded import GuardedTarget
from conformance.target.embedded import start_embedded
from conformance.target.preflight import preflight
from conformance.target.profile import EDITIONS, load_profile
from conformance.target.target import Target

EMBEDDED = "embedded"


class RestoreFailed(ToolError):
    """A journaled user could not be put back (the journal is kept for ``restore``)."""

    exit_code = EXIT_BROKEN


@dataclass(frozen=True)
class TargetSpec:
    """A parsed target spec (see the module docstring)."""

    text: str
    profile: str | None = None
    edition: str | None = None
    gray: str | None = None
    faults: tuple[str, ...] = ()
    observations: str | None = None
    choices: dict[str, str] = field(default_factory=dict)

    @property
    def emulator_settings(self) -> bool:
        """True when the spec sets anything only an embedded emulator understands."""
        return bool(self.gray or self.faults or self.observations or self.choices)


def parse_spec(text: str) -> TargetSpec:
    """Parse ``PROFILE|embedded[?key=value&...]``; a one-line :class:`ToolError` for a malformed one."""
    base, _, query = text.partition("?")
    profile = None if base in (EMBEDDED, "") else base
    edition = gray = observations = None
    faults: list[str] = []
    choices: dict[str, str] = {}
    for item in filter(None, query.split("&")):
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise ToolError(f"target {text!r}: {item!r} is not key=value")
        if key == "edition":
            if value not in EDITIONS:
                raise ToolError(f"target {text!r}: edition must be one of {', '.join(EDITIONS)}")
            edition = value
        elif key == "gray":
            gray = value
        elif key == "fault":
            faults.append(value)
        elif key == "observations":
            observations = value
        else:
            choices[key] = value
    return TargetSpec(text, profile, edition, gray, tuple(faults), observations, choices)


@contextlib.contextmanager
def opened(spec: TargetSpec) -> Iterator[Target]:
    """The spec's target, started (embedded) or preflighted (others); journaled users restored on exit."""
    profile = load_profile(spec.profile)
    edition = spec.edition or profile.edition
    if spec.emulator_settings and not profile.embedded:
        raise ToolError(f"target {spec.text!r}: emulator settings apply only to the embedded emulator")
    if profile.mode == "readonly":
        raise ToolError(f"target {spec.text!r}: the profile's mode is readonly, but these probes write "
                        "(use mode = smoke; every write is guarded and journaled)")
    if spec.observations:
        edition = spec.edition or read_ledger(Path(spec.observations)).edition  # answer as the observed edition
    running = None
    base_url = profile.base_url
    if profile.embedded:
        running = start_embedded(profile, edition=edition, gray=spec.gray, faults=spec.faults,
                                 observations=spec.observations,
                                 choices=[f"{k}={v}" for k, v in spec.choices.items()])
        base_url = running.base_url
    else:
        preflight(profile, edition)
    try:
        target = GuardedTarget(profile=profile, base_url=base_url, edition=edition)
        try:
            yield target
        finally:
            restore(target)
    finally:
        if running is not None:
            running.stop()


def unmirrored(spec: TargetSpec) -> dict[str, str]:
    """Question id -> why the emulator started from the spec's ledger does not give the observed answer.

    Empty for a spec without ``observations`` or where an explicit choice of the spec overrides a key.
    """
    if not spec.observations:
        return {}
    try:
        from graph_phone_emulator.observations import LedgerError, mirror
    except ImportError as exc:  # pragma: no cover - the emulator ships with the suite
        raise ToolError(f"the embedded emulator cannot be imported ({exc})") from None
    try:
        observed: Any = mirror(spec.observations)
    except LedgerError as exc:
        raise ToolError(str(exc)) from None
    return {u.question: u.line() for u in observed.unmirrored}


def restore(target: Target) -> None:
    """Put every journaled user back; print one masked line per user; :class:`RestoreFailed` if one fails."""
    before = target.client.requests_sent
    outcomes = target.restore_journaled()
    if not outcomes:
        return
    for outcome in outcomes:
        print(outcome.line(), file=sys.stderr)
    failed = [o.user.key for o in outcomes if not o.ok]
    journal = target.journal.path if target.journal else "?"
    if failed:
        raise RestoreFailed(f"restore failed for {', '.join(failed)}: run python -m conformance restore "
                            f"{journal} --target {target.profile.path}")
    print(f"journal {journal}: {len(outcomes)} user(s) restored and verified "
          f"({target.client.requests_sent - before} requests)", file=sys.stderr)
