"""A drawn value together with the label that says what kind of case it is."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from hypothesis.strategies import SearchStrategy

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Labelled(Generic[T]):
    """A value and its label, e.g. ``Labelled('no_leading_plus', '1 2015550123')``.

    Strategies for invalid and gray inputs draw these so that a failing test says what was wrong
    with the input, not only what it was. Unpacks like a pair: ``label, value = drawn``. Not
    hashable when the value is not (a list or dict drawn as a non-string JSON value).
    """

    label: str
    value: T

    def __iter__(self) -> Iterator[object]:
        """Yield ``label`` then ``value``."""
        yield self.label
        yield self.value

    def __repr__(self) -> str:
        return f"Labelled({self.label!r}, {self.value!r})"


def labelled(label: str, values: SearchStrategy[T]) -> SearchStrategy[Labelled[T]]:
    """Draw from ``values`` and wrap each value as ``Labelled(label, value)``."""
    return values.map(functools.partial(Labelled, label))
