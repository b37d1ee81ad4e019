"""Gray-zone ``phoneNumber`` values, one builder per label of :data:`GRAY_LABELS`.

Each builder starts from a real valid number and moves it out of the spec's exact form in one way
the spec leaves open (contract §1), so ``spec_verdict(value) == "gray"``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Final

import phonenumbers
from hypothesis import strategies as st

from strategies import _drawing as d
from strategies._valid_values import PARTS, PARTS_WITHOUT_EXTENSION
from strategies._validation import check_choices
from strategies.labelled import Labelled, labelled
from strategies.phone_grammar import (
    MAX_EXTENSION_DIGITS,
    MAX_NATIONAL_DIGITS,
    MAX_TOTAL_DIGITS,
    MIN_NATIONAL_DIGITS,
)

GRAY_LABELS: Final = (
    "no_space_after_country_code",
    "inner_spaces",
    "dashes",
    "dots",
    "parentheses",
    "surrounding_whitespace",
    "non_ascii_digits",
    "unassigned_country_code",
    "national_number_too_short",
    "national_number_too_long",
    "too_many_digits",
    "extension_too_long",
    "uppercase_extension_marker",
)
"""Every label :func:`gray_zone_phone_numbers` draws: what the spec leaves open (contract §1)."""

UNASSIGNED_COUNTRY_CODES: Final = tuple(
    str(code)
    for code in range(1, 1000)
    if phonenumbers.region_code_for_country_code(code) == phonenumbers.UNKNOWN_REGION
)
"""Calling codes of 1-3 digits (not starting with 0) that phonenumbers assigns to no region."""

_DIGIT_ZEROS: Final = (  # the zero of scripts with non-ASCII decimal digits
    0xFF10,  # fullwidth
    0x0660,  # Arabic-Indic
    0x06F0,  # extended Arabic-Indic
    0x0966,  # Devanagari
    0x09E6,  # Bengali
)
_SURROUNDINGS: Final = (
    (" ", ""),
    ("", " "),
    (" ", " "),
    ("\t", ""),
    ("", "\n"),
    ("  ", "\r\n"),
    ("\u00a0", ""),
)
_LONG_CODES: Final = ("44", "49", "358", "971")


def _cuts(draw: st.DrawFn, text: str, most: int = 3) -> list[int]:
    """Distinct inner cut positions of ``text`` (1 .. len-1), at least one, sorted."""
    count = draw(d.integers(1, min(most, len(text) - 1)))
    return sorted({draw(d.integers(1, len(text) - 1)) for _ in range(count)})


def _split(text: str, cuts: list[int]) -> list[str]:
    return [text[a:b] for a, b in itertools.pairwise([0, *cuts, len(text)])]


@st.composite
def _no_space_after_country_code(draw: st.DrawFn) -> str:
    parts = draw(PARTS)
    return f"+{parts.country_code}{parts.national}{parts.suffix}"


def _separated(separator: str) -> st.SearchStrategy[str]:
    @st.composite
    def separated(draw: st.DrawFn) -> str:
        parts = draw(PARTS)
        groups = _split(parts.national, _cuts(draw, parts.national))
        return f"+{parts.country_code} {separator.join(groups)}{parts.suffix}"

    return separated()


@st.composite
def _parentheses(draw: st.DrawFn) -> str:
    parts = draw(PARTS)
    national = parts.national
    if draw(st.booleans()):  # an area code in parentheses: +1 (201) 555-0123
        cut = draw(d.integers(1, min(4, len(national) - 1)))
        rest = national[cut:]
        inner = draw(d.integers(0, len(rest) - 1))
        body = f"({national[:cut]}) {rest[:inner]}{'-' if inner else ''}{rest[inner:]}"
    else:  # a bracketed trunk prefix: +44 (0)20 7946 0958
        body = f"(0){national}"
    return f"+{parts.country_code} {body}{parts.suffix}"


@st.composite
def _surrounding_whitespace(draw: st.DrawFn) -> str:
    before, after = draw(d.sampled(_SURROUNDINGS))
    return f"{before}{draw(PARTS).render()}{after}"


@st.composite
def _non_ascii_digits(draw: st.DrawFn) -> str:
    zero = draw(d.sampled(_DIGIT_ZEROS))
    parts = draw(PARTS)
    text = parts.render()
    positions = [i for i, ch in enumerate(text) if ch in d.DIGITS]
    scope = draw(d.sampled(("all", "national", "one")))
    if scope == "all":
        chosen = set(positions)
    elif scope == "national":
        start = len(parts.country_code) + 2
        chosen = set(range(start, start + len(parts.national)))
    else:
        chosen = {d.pick(draw, positions)}
    return "".join(chr(zero + int(ch)) if i in chosen else ch for i, ch in enumerate(text))


@st.composite
def _unassigned_country_code(draw: st.DrawFn) -> str:
    cc = draw(d.sampled(UNASSIGNED_COUNTRY_CODES))
    length = draw(d.integers(MIN_NATIONAL_DIGITS, MAX_TOTAL_DIGITS - len(cc)))
    return f"+{cc} {d.scattered_digits(draw, length)}"


@st.composite
def _national_number_too_short(draw: st.DrawFn) -> str:
    parts = draw(PARTS_WITHOUT_EXTENSION)
    length = draw(d.integers(1, MIN_NATIONAL_DIGITS - 1))
    return f"+{parts.country_code} {parts.national[:length]}"


def _padded(draw: st.DrawFn, national: str, length: int) -> str:
    national = national[:length]
    missing = length - len(national)
    return national + (d.scattered_digits(draw, missing) if missing else "")


@st.composite
def _national_number_too_long(draw: st.DrawFn) -> str:
    parts = draw(PARTS_WITHOUT_EXTENSION)
    length = draw(d.integers(MAX_NATIONAL_DIGITS + 1, MAX_NATIONAL_DIGITS + 3))
    return f"+{parts.country_code} {_padded(draw, parts.national, length)}"


@st.composite
def _too_many_digits(draw: st.DrawFn) -> str:
    parts = draw(PARTS_WITHOUT_EXTENSION)
    cc = parts.country_code
    if len(cc) == 1:  # a 1-digit code cannot pass 15 digits with at most 14 national digits
        cc = draw(d.sampled(_LONG_CODES))
    length = draw(d.integers(MAX_TOTAL_DIGITS + 1 - len(cc), MAX_NATIONAL_DIGITS))
    return f"+{cc} {_padded(draw, parts.national, length)}"


@st.composite
def _extension_too_long(draw: st.DrawFn) -> str:
    length = draw(d.integers(MAX_EXTENSION_DIGITS + 1, MAX_EXTENSION_DIGITS + 5))
    return f"{draw(PARTS_WITHOUT_EXTENSION).render()}x{d.scattered_digits(draw, length)}"


@st.composite
def _uppercase_extension_marker(draw: st.DrawFn) -> str:
    length = draw(d.integers(1, MAX_EXTENSION_DIGITS))
    return f"{draw(PARTS_WITHOUT_EXTENSION).render()}X{d.scattered_digits(draw, length)}"


_BUILDERS: Final[dict[str, st.SearchStrategy[str]]] = {
    "no_space_after_country_code": _no_space_after_country_code(),
    "inner_spaces": _separated(" "),
    "dashes": _separated("-"),
    "dots": _separated("."),
    "parentheses": _parentheses(),
    "surrounding_whitespace": _surrounding_whitespace(),
    "non_ascii_digits": _non_ascii_digits(),
    "unassigned_country_code": _unassigned_country_code(),
    "national_number_too_short": _national_number_too_short(),
    "national_number_too_long": _national_number_too_long(),
    "too_many_digits": _too_many_digits(),
    "extension_too_long": _extension_too_long(),
    "uppercase_extension_marker": _uppercase_extension_marker(),
}
if tuple(_BUILDERS) != GRAY_LABELS:  # pragma: no cover - a development-time guard
    raise RuntimeError("every gray label needs exactly one builder, in the same order")


def gray_zone_phone_numbers(*, labels: Iterable[str] | None = None) -> st.SearchStrategy[Labelled[str]]:
    """Draw ``Labelled(label, value)``: a ``phoneNumber`` string the spec leaves open.

    ``spec_verdict(value) == "gray"`` for every value drawn: neither accepting nor rejecting it is
    wrong, so the suite sends these, records the outcome and never asserts it. Labels
    (:data:`GRAY_LABELS`): no space after the country code, inner spaces, dashes, dots,
    parentheses, surrounding whitespace, non-ASCII digits, an unassigned country code, a national
    number shorter than 4 or longer than 14 digits, more than 15 digits in all, an extension over
    10 digits, an uppercase ``X`` extension marker. Each is made from a real valid number.

    ``labels``: draw only these (a collection of :data:`GRAY_LABELS`); None means all.
    """
    chosen = check_choices("labels", labels, GRAY_LABELS, what="gray label")
    return st.one_of([labelled(label, _BUILDERS[label]) for label in chosen])
