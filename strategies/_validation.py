"""Argument validation shared by the strategies: clear ``InvalidArgument`` errors, raised at call time."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from hypothesis.errors import InvalidArgument


def check_bool(name: str, value: object) -> bool:
    """Return ``value`` if it is a bool, else raise :class:`InvalidArgument`."""
    if not isinstance(value, bool):
        raise InvalidArgument(f"{name}={value!r} must be True or False (got {type(value).__name__})")
    return value


def check_choices(
    name: str, values: Iterable[object] | None, allowed: Collection[str], *, what: str
) -> tuple[str, ...]:
    """Validate an optional collection of choices; ``None`` means all of ``allowed``.

    Returns the chosen values as a tuple without duplicates, in the order of ``allowed`` (so that a
    set, whose order varies between runs, draws the same as a list: derandomized tests stay so). Raises
    :class:`InvalidArgument` for a single string instead of a collection, a non-iterable, an empty
    collection, or a value not in ``allowed``.
    """
    if values is None:
        return tuple(allowed)
    if isinstance(values, str | bytes):
        raise InvalidArgument(
            f"{name}={values!r} must be a collection of {what}s, not a single string; did you mean {name}=[{values!r}]?"
        )
    try:
        chosen = tuple(dict.fromkeys(values))
    except TypeError:
        raise InvalidArgument(f"{name}={values!r} must be None or a collection of {what}s (strings)") from None
    if not chosen:
        raise InvalidArgument(f"{name} must not be empty: nothing could be drawn (pass None for all {what}s)")
    unknown = [v for v in chosen if v not in allowed]
    if unknown:
        shown = ", ".join(repr(v) for v in list(allowed)[:8])
        more = ", ..." if len(allowed) > 8 else ""
        hints = [
            f"{v!r} -> {v.upper()!r}?"
            for v in unknown
            if isinstance(v, str) and v != v.upper() and v.upper() in allowed
        ]
        hint = f" (case matters: {'; '.join(hints)})" if hints else ""
        raise InvalidArgument(
            f"{name} contains unknown {what}(s) {unknown!r}{hint}; expected values among {shown}{more}"
        )
    return tuple(v for v in allowed if v in chosen)
