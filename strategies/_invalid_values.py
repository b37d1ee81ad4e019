"""Invalid ``phoneNumber`` values, one builder per defect of :data:`INVALID_LABELS`.

Each builder starts from a real valid number and gives it exactly one defect (or draws a JSON value
that is not a string), so ``invalid_reason(value)`` names the builder's label. Shapes that the
grammar calls invalid but that lenient parsers (phonenumbers among them) read as numbers are left
out: ``ext``/``ext.`` labels, ``tel:`` URIs, ``00`` international prefixes, vanity letters at the end.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from hypothesis import strategies as st

from strategies import _drawing as d
from strategies._valid_values import PARTS, PARTS_WITHOUT_EXTENSION
from strategies._validation import check_choices
from strategies.labelled import Labelled, labelled
from strategies.phone_grammar import INVALID_LABELS

NON_X_LETTERS: Final = "ABCDEFGHIJKLMNOPQRSTUVWYZabcdefghijklmnopqrstuvwyz"
"""ASCII letters other than the extension marker."""

_WHITESPACE: Final = " \t\n\r\u00a0\u2003\u3000"
_JSON_KINDS: Final = ("null", "number", "boolean", "array", "object")
_KEYS: Final = ("phoneNumber", "countryCode", "number", "extension")
_ANY_NUMBER: Final = st.integers(-(10**15), 10**15) | st.floats(allow_nan=False, allow_infinity=False)
_PLUS_ALONE: Final = ("+", "+ ", "+x1", "+-", "+()", "+ x", "+x", "+.", "+abc")


@st.composite
def _not_a_string(draw: st.DrawFn) -> object:
    kind = draw(d.sampled(_JSON_KINDS))
    if kind == "null":
        return None
    if kind == "boolean":
        return draw(st.booleans())
    parts = draw(PARTS)
    digits = int(parts.country_code + parts.national)
    if kind == "number":
        if draw(st.booleans()):
            return d.pick(draw, (digits, -digits, float(digits), 0))
        return draw(_ANY_NUMBER)
    elements = (parts.render(), digits, parts.national)
    size = draw(d.integers(0, 2))
    if kind == "array":
        return [d.pick(draw, elements) for _ in range(size)]
    return {d.pick(draw, _KEYS): d.pick(draw, elements) for _ in range(size)}


@st.composite
def _no_leading_plus(draw: st.DrawFn) -> str:
    parts = draw(PARTS)
    space = draw(d.sampled((" ", "")))
    return f"{parts.country_code}{space}{parts.national}{parts.suffix}"


@st.composite
def _plus_without_digits(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return draw(d.sampled(_PLUS_ALONE))
    letter = d.pick(draw, NON_X_LETTERS + "x")
    return f"+{letter}{draw(PARTS_WITHOUT_EXTENSION).render()[1:]}"


@st.composite
def _country_code_without_number(draw: st.DrawFn) -> str:
    parts = draw(PARTS_WITHOUT_EXTENSION)
    return f"+{parts.country_code}{draw(d.sampled(('', ' ')))}"


@st.composite
def _letters_in_country_code(draw: st.DrawFn) -> str:
    parts = draw(PARTS)
    cc = parts.country_code
    at = draw(d.integers(1, len(cc)))
    letter = d.pick(draw, NON_X_LETTERS)
    return f"+{cc[:at]}{letter}{cc[at:]} {parts.national}{parts.suffix}"


@st.composite
def _letters_in_number(draw: st.DrawFn) -> str:
    parts = draw(PARTS)
    national = parts.national
    start = draw(d.integers(0, len(national) - 1))
    letters = "".join(d.pick(draw, NON_X_LETTERS) for _ in range(draw(d.integers(1, 3))))
    end = min(len(national), start + len(letters)) if draw(st.booleans()) else start
    return f"+{parts.country_code} {national[:start]}{letters}{national[end:]}{parts.suffix}"


@st.composite
def _extension_without_digits(draw: st.DrawFn) -> str:
    return draw(PARTS_WITHOUT_EXTENSION).render() + draw(d.sampled(("x", "x", "x", "X")))


@st.composite
def _two_extension_markers(draw: st.DrawFn) -> str:
    parts = draw(PARTS_WITHOUT_EXTENSION)
    first, second = draw(d.sampled(("x", "X"))), draw(d.sampled(("x", "X")))
    if draw(st.booleans()):  # the seed-like shape: +1 555x12x3
        cut = draw(d.integers(1, len(parts.national) - 1))
        head, tail = parts.national[:cut], parts.national[cut:]
        return f"+{parts.country_code} {head}{first}{tail}{second}{draw(d.digits(0, 3))}"
    return f"{parts.render()}{first}{draw(d.digits(0, 4))}{second}{draw(d.digits(0, 4))}"


_BUILDERS: Final[dict[str, st.SearchStrategy[object]]] = {
    "not_a_string": _not_a_string(),
    "empty_or_whitespace": st.text(_WHITESPACE, max_size=5),
    "no_leading_plus": _no_leading_plus(),
    "plus_without_digits": _plus_without_digits(),
    "country_code_without_number": _country_code_without_number(),
    "letters_in_country_code": _letters_in_country_code(),
    "letters_in_number": _letters_in_number(),
    "extension_without_digits": _extension_without_digits(),
    "two_extension_markers": _two_extension_markers(),
}
if tuple(_BUILDERS) != INVALID_LABELS:  # pragma: no cover - a development-time guard
    raise RuntimeError("every invalid label needs exactly one builder, in the same order")


def invalid_phone_numbers(*, labels: Iterable[str] | None = None) -> st.SearchStrategy[Labelled[object]]:
    """Draw ``Labelled(label, value)``: a ``phoneNumber`` every correct implementation must reject.

    The label, one of :data:`INVALID_LABELS`, names the defect; ``invalid_reason(value) == label``
    and ``spec_verdict(value) == "invalid"`` hold for every value drawn. Values are JSON values:
    non-strings (null, numbers, booleans, arrays, objects) and strings made from real valid numbers
    with one defect (no leading ``+``, ASCII letters in the country code or the national number,
    ``+`` without digits, a country code alone, empty or whitespace-only, an ``x`` without digits,
    two extension markers). Shapes some lenient parsers accept although the grammar rejects them
    (``ext`` labels, ``tel:`` URIs, ``00`` prefixes) are not drawn.

    ``labels``: draw only these defects (a collection of :data:`INVALID_LABELS`); None means all.
    """
    chosen = check_choices("labels", labels, INVALID_LABELS, what="invalid label")
    return st.one_of([labelled(label, _BUILDERS[label]) for label in chosen])


BOUNDARY_INVALID: Final[tuple[tuple[str, object], ...]] = (
    # one step from a valid number (the seed page's own), one value per label: sent on every run
    ("not_a_string", 15555551234),
    ("empty_or_whitespace", " "),
    ("no_leading_plus", "1 5555551234"),
    ("plus_without_digits", "+ "),
    ("country_code_without_number", "+1 "),
    ("letters_in_country_code", "+1a 5555551234"),
    ("letters_in_number", "+1 555555123O"),
    ("extension_without_digits", "+1 5555551234x"),
    ("two_extension_markers", "+1 5555551234x1x2"),
)
"""A fixed corpus of invalid numbers, each one edit away from ``+1 5555551234`` (a letter O for a zero,
a marker with no digits, the plus dropped...), labelled like :func:`invalid_phone_numbers` draws them."""
