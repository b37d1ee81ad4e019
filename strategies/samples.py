"""A text report of what the strategies draw, for people: ``sample_report(count=20, seed=0)``.

The suite's CLI shows it (``python -m conformance samples --count 20``); so does
``python -m strategies --count 20 --seed 0``. Values are drawn by Hypothesis's own engine
with a fixed seed and no example database, so a report is the same every time it is made with the
same seed and the same versions of hypothesis and phonenumbers.
"""

from __future__ import annotations

import argparse
import collections
from collections.abc import Iterable
from typing import TypeVar

import hypothesis
import phonenumbers
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from strategies.labelled import Labelled
from strategies.methods import malformed_method_ids, unknown_phone_types
from strategies.permissions import PermissionContext, permission_contexts
from strategies.phone_grammar import INVALID_LABELS, SPEC_EXAMPLES
from strategies.phone_numbers import (
    GRAY_LABELS,
    gray_zone_phone_numbers,
    invalid_phone_numbers,
    valid_phone_numbers,
)

T = TypeVar("T")

MIN_TALLY_DRAWS = 500
"""Fewest draws the per-label counts are taken over (more when ``count`` is large)."""


def draw_examples(strategy: st.SearchStrategy[T], count: int, *, seed: int = 0) -> list[T]:
    """Draw ``count`` values of ``strategy`` deterministically (Hypothesis engine, fixed seed).

    Hypothesis's first test case is the simplest value (what a failure would shrink to); the rest
    are random under ``seed``. Fewer than ``count`` come back when the strategy has fewer distinct
    values. Not to be called from inside a running Hypothesis test.
    """
    values: list[T] = []

    @settings(
        database=None,
        derandomize=False,
        max_examples=count,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.seed(seed)
    @given(strategy)
    def collect(value: T) -> None:
        values.append(value)

    collect()
    return values[:count]


def _spread_out(values: list[T], count: int) -> list[T]:
    """``count`` values taken evenly from ``values`` (consecutive draws look alike), first included."""
    step = max(1, len(values) // count)
    return values[::step][:count]


def _section(title: str, lines: Iterable[str]) -> list[str]:
    return [f"== {title}", *(f"  {line}" for line in lines), ""]


def _tally(labels: tuple[str, ...], drawn: list[Labelled[object]]) -> list[str]:
    counts = collections.Counter(item.label for item in drawn)
    width = max(len(label) for label in labels)
    lines = [f"labels over {len(drawn)} draws:"]
    lines += [f"  {label:<{width}}  {counts.get(label, 0):>5}" for label in labels]
    return lines


def _valid_summary(values: list[str]) -> str:
    regions: set[str] = set()
    cc_lengths: collections.Counter[int] = collections.Counter()
    extensions = spec = 0
    for value in values:
        spec += value in SPEC_EXAMPLES
        extensions += "x" in value
        cc, _, rest = value[1:].partition(" ")
        cc_lengths[len(cc)] += 1
        number = phonenumbers.parse(f"+{cc}{rest.partition('x')[0]}")
        regions.add(phonenumbers.region_code_for_number(number) or "?")
    by_length = "/".join(str(cc_lengths[n]) for n in (1, 2, 3))
    return (
        f"over {len(values)} draws: {len(regions)} regions; country codes of 1/2/3 digits: {by_length}; "
        f"with an extension: {extensions}; spec examples: {spec}"
    )


def _context_line(context: PermissionContext) -> str:
    claims = context.scopes or context.app_roles
    roles = f" roles={list(context.directory_roles)}" if context.directory_roles else ""
    return f"{context.token_kind:<16} -> {context.addressee:<17} claims={list(claims)}{roles}"


def sample_report(count: int = 20, *, seed: int = 0, draws: int | None = None) -> str:
    """A text report: ``count`` values from each strategy and the label counts over a larger draw.

    Sections: valid numbers (with a summary of regions, country-code lengths and extensions over
    the larger draw), invalid and gray numbers with their labels (and per-label counts), unknown
    phone types, malformed method ids and permission contexts. ``draws``: how many values the
    counts are taken over (default ``max(500, 10 * count)``; at least ``count``).

    Deterministic: the same ``seed`` gives the same report in the same program. (Hypothesis also
    draws constants it finds in the program's own loaded modules, so a report made inside a test
    run can differ from the command line's.) Raises ``ValueError`` for a ``count`` or ``draws``
    that is not a positive int.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count={count!r} must be a positive int")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed={seed!r} must be an int")
    if draws is not None and (isinstance(draws, bool) or not isinstance(draws, int) or draws < 1):
        raise ValueError(f"draws={draws!r} must be None or a positive int")
    tally_draws = max(count, draws) if draws is not None else max(MIN_TALLY_DRAWS, 10 * count)

    def draw(strategy: st.SearchStrategy[T], n: int) -> list[T]:
        return draw_examples(strategy, n, seed=seed)

    lines = [
        f"Strategy samples: count={count}, seed={seed} "
        f"(hypothesis {hypothesis.__version__}, phonenumbers {phonenumbers.__version__})",
        "",
    ]
    valid = draw(valid_phone_numbers(), tally_draws)
    lines += _section("valid_phone_numbers()", [*_spread_out(valid, count), _valid_summary(valid)])

    for title, strategy, labels in (
        ("invalid_phone_numbers()", invalid_phone_numbers(), INVALID_LABELS),
        ("gray_zone_phone_numbers()", gray_zone_phone_numbers(), GRAY_LABELS),
    ):
        drawn = draw(strategy, tally_draws)
        width = max(len(label) for label in labels)
        examples = [f"{item.label:<{width}}  {item.value!r}" for item in _spread_out(drawn, count)]
        lines += _section(title, [*examples, *_tally(labels, drawn)])

    few = 5 * count
    lines += _section("unknown_phone_types()", map(repr, _spread_out(draw(unknown_phone_types(), few), count)))
    lines += _section("malformed_method_ids()", map(repr, _spread_out(draw(malformed_method_ids(), few), count)))
    contexts = _spread_out(draw(permission_contexts(), few), count)
    lines += _section("permission_contexts()", map(_context_line, contexts))
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> None:
    """``python -m strategies [--count N] [--seed S] [--draws D]``: print :func:`sample_report`."""
    parser = argparse.ArgumentParser(prog="python -m strategies", description="Print sample_report().")
    parser.add_argument("--count", type=int, default=20, help="examples per strategy (default 20)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--draws", type=int, default=None, help="draws the label counts are taken over")
    args = parser.parse_args(argv)
    print(sample_report(args.count, seed=args.seed, draws=args.draws), end="")
