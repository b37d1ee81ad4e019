"""The portability matrix: clean emulator configurations that together cover every open choice.

The facts leave many answers open (a status among two, an error code, the masked-number shape, the
gray zone, which permission family the seed edition honours, ...); the emulator has a switch for each
(:mod:`graph_phone_emulator.choices`). A correct implementation may take any value of any switch, so the suite
must pass against all of them: a rule that fails on one is a false alarm.

:func:`clean_configurations` gives a small, deterministic set of configurations (edition included as
one more switch) in which every *pair* of values of two switches appears at least once, the first
being the emulator's defaults in edition ``seed``. The kill matrix runs the suite against each.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from conformance.core.errors import ToolError

EDITION = "edition"
EDITIONS = ("seed", "current")
CANDIDATES = 40
"""Candidate rows tried per added row (fixed seeds: the result is the same on every run)."""

Pair = tuple[tuple[int, str], tuple[int, str]]


@dataclass(frozen=True)
class Configuration:
    """One clean run: the edition and the choices that differ from the emulator's defaults."""

    name: str
    edition: str
    choices: Mapping[str, str] = field(default_factory=dict)

    def args(self) -> list[str]:
        """The ``python -m conformance run`` arguments selecting this configuration."""
        out = ["--edition", self.edition] if self.edition != EDITIONS[0] else []
        for key, value in self.choices.items():
            out += ["--emulator-choice", f"{key}={value}"]
        return out

    def label(self) -> str:
        """A short description: the edition and the non-default choices."""
        parts = [f"edition={self.edition}", *(f"{k}={v}" for k, v in self.choices.items())]
        return ", ".join(parts) if self.choices else f"edition={self.edition}, all defaults"


def choice_table() -> dict[str, tuple[str, ...]]:
    """Every switch and its values (default first): the edition, then the emulator's open choices."""
    try:
        from graph_phone_emulator.choices import CHOICES
    except ImportError as exc:  # pragma: no cover - the emulator ships with the suite
        raise ToolError(f"the emulator's choice table cannot be imported ({exc})") from None
    return {EDITION: EDITIONS, **{key: c.values for key, c in CHOICES.items()}}


def pairwise_rows(factors: Sequence[tuple[str, tuple[str, ...]]], *, seed: int = 11) -> list[dict[str, str]]:
    """Rows (factor -> value) covering every pair of values of two factors; the first row is all defaults.

    Greedy (AETG style): each new row is the best of :data:`CANDIDATES` candidates, each built by
    starting from an uncovered pair and filling the other factors, in a seeded random order, with the
    value that covers most uncovered pairs. Deterministic for a given ``seed``.
    """
    names = [n for n, _ in factors]
    values = [vs for _, vs in factors]
    uncovered: set[Pair] = {((i, a), (j, b)) for i, j in combinations(range(len(names)), 2)
                            for a in values[i] for b in values[j]}
    rows: list[list[str]] = []

    def covered_by(row: list[str]) -> set[Pair]:
        return {((i, row[i]), (j, row[j])) for i, j in combinations(range(len(row)), 2)}

    def add(row: list[str]) -> None:
        rows.append(row)
        uncovered.difference_update(covered_by(row))

    add([vs[0] for vs in values])
    while uncovered:
        best: list[str] | None = None
        best_gain = -1
        for c in range(CANDIDATES):
            rng = random.Random(seed * 100_003 + len(rows) * 1_009 + c)
            row = _candidate(values, uncovered, rng)
            gain = len(covered_by(row) & uncovered)
            if gain > best_gain:
                best, best_gain = row, gain
        assert best is not None
        add(best)
    return [dict(zip(names, row, strict=True)) for row in rows]


def _candidate(values: Sequence[tuple[str, ...]], uncovered: set[Pair], rng: random.Random) -> list[str]:
    (i, a), (j, b) = min(uncovered) if rng.random() < 0.5 else sorted(uncovered)[rng.randrange(len(uncovered))]
    row: dict[int, str] = {i: a, j: b}
    rest = [k for k in range(len(values)) if k not in row]
    rng.shuffle(rest)
    for k in rest:
        def gain(v: str, k: int = k) -> int:
            return sum(1 for m, w in row.items()
                       if (((m, w), (k, v)) if m < k else ((k, v), (m, w))) in uncovered)
        row[k] = max(values[k], key=gain)
    return [row[k] for k in range(len(values))]


INTERACTING = (EDITION, "seed_phone_family", "current_self_service", "self_service_status", "gray",
               "delete_mobile_with_alternate", "number_without_space", "not_unique_write")
"""Switches whose values change what the suite must accept together (edition-dependent permission
answers, the gray zone and the slot rules both read back states, a number sent without the space is gray
or normalised, a 409 that was applied meets the slot and gray read-backs): every pair of their values is run."""


def fill(rows: list[dict[str, str]], factors: Sequence[tuple[str, tuple[str, ...]]]) -> list[dict[str, str]]:
    """Add ``factors`` to ``rows``: every value at least once, the first row at the defaults, the rest
    chosen to cover as many not-yet-covered pairs (with every switch already in the row) as possible."""
    seen: set[tuple[tuple[str, str], tuple[str, str]]] = {
        p for row in rows for p in combinations(sorted(row.items()), 2)}
    for name, values in factors:
        for n, row in enumerate(rows):
            if n == 0:
                row[name] = values[0]
            else:
                used = [r[name] for r in rows[:n]]
                row[name] = max(values, key=lambda v, row=row, used=used: (
                    sum(1 for item in row.items() if tuple(sorted((item, (name, v)))) not in seen),
                    -used.count(v)))
            seen.update(tuple(sorted((item, (name, row[name])))) for item in row.items() if item[0] != name)
        missing = [v for v in values if v not in {r[name] for r in rows}]
        for v, row in zip(missing, reversed(rows[1:]), strict=False):
            row[name] = v
        if any(v not in {r[name] for r in rows} for v in values):
            raise ToolError(f"choice {name}: more values than clean configurations")
    return rows


def pair_coverage(rows: Sequence[Mapping[str, str]], table: Mapping[str, tuple[str, ...]]) -> tuple[int, int]:
    """How many of all value pairs of two switches ``rows`` cover, and how many there are."""
    total = sum(len(table[a]) * len(table[b]) for a, b in combinations(table, 2))
    covered = {((a, r[a]), (b, r[b])) for r in rows for a, b in combinations(table, 2)}
    return len(covered), total


def clean_configurations() -> list[Configuration]:
    """The clean runs of the kill matrix, defaults first.

    Every value of every switch is run at least once; every pair of values of the
    :data:`INTERACTING` switches is run; the other pairs are covered as far as those rows allow.
    """
    table = choice_table()
    core = [(k, table[k]) for k in INTERACTING]
    rows = fill(pairwise_rows(core), [(k, v) for k, v in table.items() if k not in INTERACTING])
    out = []
    for n, row in enumerate(rows, 1):
        choices = {k: row[k] for k in table if k != EDITION and row[k] != table[k][0]}
        out.append(Configuration(name=f"clean-{n}", edition=row[EDITION], choices=choices))
    return out


def coverage_note(configs: Sequence[Configuration]) -> str:
    """One line for the report: how much of the choice space the clean configurations cover."""
    table = choice_table()
    rows = [{EDITION: c.edition, **{k: c.choices.get(k, v[0]) for k, v in table.items() if k != EDITION}}
            for c in configs]
    covered, total = pair_coverage(rows, table)
    return (f"{len(configs)} clean configurations over {len(table)} switches: every value of every switch, "
            f"every pair of {', '.join(INTERACTING)}; {covered} of {total} value pairs overall.")
