"""The emulator's open choices: one switch for every answer the facts leave open.

Where the facts (``graph-facts.md``) tag a behaviour ``[unk]`` or ``[inf]``, or the pages disagree,
a correct implementation may answer either way. Each such answer is a *choice* here, with its allowed
values (the first is the default). A profile sets them in one ``[emulator.choices]`` table, the
command line with ``--choice key=value``. With every choice at any allowed value the emulator is
still a correct implementation: the kill matrix runs the suite against a covering set of them, and a
rule that fails on one is a false alarm.

Interim subset (branch issue-13): the full table of every open choice lands with issue 11, whose
``emulator/choices.py`` supersedes this file; the names and values here mirror it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final


@dataclass(frozen=True)
class Choice:
    """One open choice: its key, allowed values (the first is the default) and what it decides."""

    key: str
    values: tuple[str, ...]
    description: str

    @property
    def default(self) -> str:
        """The value the emulator uses unless told otherwise."""
        return self.values[0]


_TABLE: tuple[Choice, ...] = (
    Choice("gray", ("reject", "accept"), "gray-zone numbers: rejected, or normalised and stored (contract §1)"),
    Choice("bad_body_status", ("400", "422"), "status of a body that fails validation (facts §3 [unk])"),
    Choice("duplicate_status", ("409", "400"), "status of a second method of a type the user has (facts §3 [unk])"),
    Choice("content_type_status", ("415", "400"), "status of a write without a JSON content type (facts §5)"),
    Choice("masked_format", ("cc-stars", "x-all", "tail-only"),
           "what an Authentication Administrator sees: '+1 ********34', '+X XXXXXXXX34' or '********34' (facts §3)"),
)

CHOICES: Final[Mapping[str, Choice]] = MappingProxyType({c.key: c for c in _TABLE})
"""Every open choice, by key, in documentation order."""

DEFAULTS: Final[Mapping[str, str]] = MappingProxyType({c.key: c.default for c in _TABLE})
"""Each choice's default value."""

def validate_choices(chosen: Mapping[str, object], where: str = "choices") -> Mapping[str, str]:
    """Every choice's value: ``chosen`` over the defaults; ValueError naming an unknown key or value."""
    unknown = sorted(set(chosen) - set(CHOICES))
    if unknown:
        raise ValueError(f"{where}: unknown choice(s) {', '.join(unknown)} (known: {', '.join(CHOICES)})")
    values = dict(DEFAULTS)
    for key, value in chosen.items():
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if text not in CHOICES[key].values:
            raise ValueError(f"{where}: {key} must be one of {', '.join(CHOICES[key].values)} (got {value!r})")
        values[key] = str(text)
    return MappingProxyType(values)


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """``["key=value", ...]`` as a dict; ValueError for an item without ``=``."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"choice {item!r} is not key=value")
        out[key.strip()] = value.strip()
    return out


def describe_choices() -> str:
    """The choice table as text: key, allowed values (default first), what it decides."""
    width = max(len(k) for k in CHOICES)
    return "\n".join(f"{c.key:<{width}}  {'|'.join(c.values):<24}  {c.description}" for c in CHOICES.values())
