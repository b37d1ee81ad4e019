"""Cached strategy constructors for use inside ``@composite`` functions.

Building a strategy costs far more than drawing from it (Hypothesis validates it and works out its
properties), so strategies drawn on every call are built once, here, and reused.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable
from typing import Final, TypeVar

from hypothesis import strategies as st

T = TypeVar("T", bound=Hashable)

DIGITS: Final = "0123456789"

_GOLDEN: Final = {
    w: next(m for m in range(round(0.6180339887 * 10**w), 10**w + 1) if m % 2 and m % 5) for w in range(1, 16)
}


@functools.cache
def sampled(values: tuple[T, ...]) -> st.SearchStrategy[T]:
    """``st.sampled_from(values)`` for a fixed tuple, built once."""
    return st.sampled_from(values)


@functools.cache
def index(size: int) -> st.SearchStrategy[int]:
    """A uniform-ish index into ``range(size)`` (shrinks towards 0), built once per size."""
    return st.sampled_from(range(size))


@functools.cache
def integers(min_value: int, max_value: int) -> st.SearchStrategy[int]:
    """``st.integers(min_value, max_value)``, built once per range."""
    return st.integers(min_value, max_value)


@functools.cache
def digits(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    """Strings of ASCII digits of ``min_size`` to ``max_size`` characters, built once per size."""
    return st.text(DIGITS, min_size=min_size, max_size=max_size)


def pick(draw: st.DrawFn, values: tuple[T, ...] | list[T] | str) -> T:
    """Draw one of ``values`` (a sequence that changes from call to call) by index."""
    return values[draw(index(len(values)))]  # type: ignore[return-value]


def spread(value: int, width: int) -> int:
    """A bijection of ``range(10**width)`` fixing 0 that scatters small values over the range.

    Hypothesis draws small integers far more often than large ones, so digits drawn as a plain
    index would be mostly zeros. Multiplying by a unit near ``0.618 * 10**width`` keeps shrinking
    towards 0 while small draws land anywhere.
    """
    return value * _GOLDEN[width] % 10**width


def scattered_digits(draw: st.DrawFn, width: int) -> str:
    """Draw ``width`` ASCII digits with one choice (cheap; shrinks to all zeros)."""
    return f"{spread(draw(index(10**width)), width):0{width}d}"
