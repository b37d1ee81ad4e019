"""Strategies for ``phoneNumber`` values: valid, invalid and gray-zone, per contract §1.

* :func:`valid_phone_numbers` draws numbers every correct implementation must accept, in the spec's
  form ``+{country code} {national number}`` with an optional ``x{extension}``. They are real
  numbers: phonenumbers accepts each (except the seed page's own :data:`SPEC_EXAMPLES`).
* :func:`invalid_phone_numbers` draws :class:`Labelled` values every correct implementation must
  reject; the label (one of :data:`INVALID_LABELS`) names the defect.
* :func:`gray_zone_phone_numbers` draws :class:`Labelled` values the spec leaves open (one of
  :data:`GRAY_LABELS`); the suite records what an implementation does with them, never asserts.

The grammar itself is :func:`spec_verdict` (re-exported here from :mod:`strategies.phone_grammar`).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable
from typing import Final, NamedTuple

import phonenumbers
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from strategies import _phone_pools as pools
from strategies._validation import check_bool, check_choices
from strategies.labelled import Labelled
from strategies.phone_grammar import (
    INVALID_LABELS,
    MAX_EXTENSION_DIGITS,
    SPEC_EXAMPLES,
    Verdict,
    invalid_reason,
    is_spec_valid,
    spec_verdict,
)

__all__ = [
    "GRAY_LABELS",
    "INVALID_LABELS",
    "SPEC_EXAMPLES",
    "SUPPORTED_REGIONS",
    "UNASSIGNED_COUNTRY_CODES",
    "Labelled",
    "PhoneParts",
    "Verdict",
    "gray_zone_phone_numbers",
    "invalid_phone_numbers",
    "invalid_reason",
    "is_spec_valid",
    "spec_verdict",
    "valid_phone_numbers",
]

SUPPORTED_REGIONS: Final = pools.SUPPORTED_REGIONS
"""Region codes :func:`valid_phone_numbers` accepts in ``regions`` (phonenumbers' geographic regions)."""

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


class PhoneParts(NamedTuple):
    """The parts of a number in the spec's form: ``+{country_code} {national}[x{extension}]``."""

    country_code: str
    national: str
    extension: str | None = None

    def render(self) -> str:
        """The spec's form of these parts, e.g. ``+44 2079460958x12``."""
        suffix = "" if self.extension is None else f"x{self.extension}"
        return f"+{self.country_code} {self.national}{suffix}"

    @property
    def suffix(self) -> str:
        """``x{extension}``, or ``""`` without an extension."""
        return "" if self.extension is None else f"x{self.extension}"


_SPEC_PARTS: Final = tuple(
    PhoneParts(cc, rest.partition("x")[0], rest.partition("x")[2] or None)
    for cc, _, rest in (example[1:].partition(" ") for example in SPEC_EXAMPLES)
)

# Extension lengths, drawn uniformly: mostly none; 1 and 10 digits (the bounds) favoured.
_EXTENSION_LENGTHS: Final = (0,) * 20 + (1, MAX_EXTENSION_DIGITS) * 2 + tuple(range(2, MAX_EXTENSION_DIGITS))
_EXTENSION_LENGTH: Final = st.sampled_from(_EXTENSION_LENGTHS)
_GOLDEN: Final = {
    w: next(m for m in range(round(0.6180339887 * 10**w), 10**w + 1) if m % 2 and m % 5) for w in range(1, 11)
}
_BOUNDARY_SHARE: Final = 20  # spec examples, shortest and longest each drawn ~1/20 of the time


# --------------------------------------------------------------------------- valid numbers


class _Plan(NamedTuple):
    """What one (regions, extensions) choice draws from, built on first draw and cached."""

    slots: st.SearchStrategy[tuple[object, ...]]
    """Draws a pool: a tuple of ``Candidate`` (a region, the shortest, the longest) or of ``PhoneParts``."""
    extensions: bool


@functools.cache
def _index(size: int) -> st.SearchStrategy[int]:
    """A cached uniform index strategy over ``range(size)`` (shrinks towards 0)."""
    return st.sampled_from(range(size))


@functools.cache
def _plan(regions: tuple[str, ...] | None, extensions: bool) -> _Plan:
    chosen = pools.SUPPORTED_REGIONS if regions is None else regions
    region_pools = [pools.region_pool(r) for r in chosen]
    empty = [r for r, pool in zip(chosen, region_pools, strict=True) if not pool]
    if empty and regions is not None:
        raise InvalidArgument(f"phonenumbers' metadata yields no valid number for region(s) {empty!r}")
    region_pools = [pool for pool in region_pools if pool]
    everything = [c for pool in region_pools for c in pool]
    shortest = min(len(c.national) for c in everything)
    longest = max(len(c.national) for c in everything)
    boundary = [
        tuple(c for c in everything if len(c.national) == shortest),
        tuple(c for c in everything if len(c.national) == longest),
    ]
    repeat = max(1, len(region_pools) // _BOUNDARY_SHARE)
    slots: list[tuple[object, ...]] = []
    if regions is None or "US" in regions:
        # First, so that a failing example shrinks to the seed page's own example.
        spec = tuple(p for p in _SPEC_PARTS if extensions or p.extension is None)
        slots += [spec] * repeat
    slots += region_pools
    slots += [pool for pool in boundary for _ in range(repeat)]
    return _Plan(st.sampled_from(slots), extensions)


def _spread(value: int, width: int) -> int:
    """A bijection of ``range(10**width)`` fixing 0 that scatters small values over the range.

    Hypothesis draws small integers far more often than large ones; digits drawn as plain indices
    would be mostly zeros. Multiplying by a unit near ``0.618 * 10**width`` keeps shrinking towards
    0 while small draws land anywhere.
    """
    return value * _GOLDEN[width] % 10**width


def _draw_parts(draw: st.DrawFn, plan: _Plan) -> PhoneParts:
    """Draw one valid number's parts with as few choices as possible (drawing must be cheap)."""
    pool = draw(plan.slots)
    entry = pool[draw(_index(len(pool)))]
    if isinstance(entry, PhoneParts):  # a spec example, verbatim
        return entry
    extension = None
    if plan.extensions:
        length = draw(_EXTENSION_LENGTH)
        if length:
            extension = f"{_spread(draw(_index(10**length)), length):0{length}d}"
    return PhoneParts(entry.country_code, entry.national, extension)


@st.composite
def _valid_parts(draw: st.DrawFn, regions: tuple[str, ...] | None, extensions: bool) -> PhoneParts:
    return _draw_parts(draw, _plan(regions, extensions))


@st.composite
def _valid_strings(draw: st.DrawFn, regions: tuple[str, ...] | None, extensions: bool) -> str:
    return _draw_parts(draw, _plan(regions, extensions)).render()


def _check_regions(regions: Iterable[str] | None) -> tuple[str, ...] | None:
    if regions is None:
        return None
    return check_choices("regions", regions, pools.SUPPORTED_REGIONS, what="phonenumbers region code")


def valid_phone_numbers(
    *, regions: Iterable[str] | None = None, extensions: bool = True
) -> st.SearchStrategy[str]:
    """Draw phone numbers every correct implementation must accept (``spec_verdict`` "valid").

    Form ``+{country code} {national number}`` with, if ``extensions``, sometimes ``x{extension}``
    (1-10 digits; 1 and 10 favoured). Numbers are real: phonenumbers' metadata for each region gives
    example numbers of every number type, varied in their trailing digits and lengths, and each
    drawn number is one phonenumbers accepts as valid for its region (the extension aside). Also
    favoured: the shortest and the longest national numbers of the chosen regions and, when
    ``regions`` is None or includes ``"US"``, the seed page's :data:`SPEC_EXAMPLES` verbatim (not
    phonenumbers-valid: 555 numbers). Country codes of 1, 2 and 3 digits all occur.

    ``regions``: region codes from :data:`SUPPORTED_REGIONS` (e.g. ``["GB", "DE"]``); None means all
    of them. Candidate numbers are computed once per region, on first draw, and cached.
    """
    chosen = _check_regions(regions)
    check_bool("extensions", extensions)
    return _valid_strings(chosen, extensions)


def _parts(*, extensions: bool = True) -> st.SearchStrategy[PhoneParts]:
    """Valid numbers of every region, as parts (the base the invalid and gray values are made from)."""
    return _valid_parts(None, extensions)


# --------------------------------------------------------------------------- building blocks

_NON_X_LETTERS: Final = "ABCDEFGHIJKLMNOPQRSTUVWYZabcdefghijklmnopqrstuvwyz"
_DIGIT_SCRIPTS: Final = {  # zero of each script of non-ASCII decimal digits
    "fullwidth": 0xFF10,
    "arabic-indic": 0x0660,
    "extended-arabic-indic": 0x06F0,
    "devanagari": 0x0966,
    "bengali": 0x09E6,
}


def _digits(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=min_size, max_size=max_size)


def _positions(draw: st.DrawFn, text: str, max_count: int = 3) -> list[int]:
    """Distinct inner cut positions of ``text`` (1 .. len-1), at least one, sorted."""
    cuts = draw(st.lists(st.integers(1, len(text) - 1), min_size=1, max_size=max_count, unique=True))
    return sorted(cuts)


def _split(text: str, cuts: list[int]) -> list[str]:
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


# --------------------------------------------------------------------------- invalid values


@st.composite
def _not_a_string(draw: st.DrawFn) -> object:
    kind = draw(st.sampled_from(("null", "number", "boolean", "array", "object")))
    parts = draw(_parts())
    if kind == "null":
        return None
    if kind == "number":
        digits = int(parts.country_code + parts.national)
        return draw(
            st.sampled_from((digits, -digits, float(digits), 0))
            | st.integers(-(10**15), 10**15)
            | st.floats(allow_nan=False, allow_infinity=False)
        )
    if kind == "boolean":
        return draw(st.booleans())
    if kind == "array":
        return draw(st.lists(st.sampled_from((parts.render(), int(parts.national))), max_size=2))
    keys = st.sampled_from(("phoneNumber", "countryCode", "number", "extension"))
    return draw(st.dictionaries(keys, st.sampled_from((parts.render(), parts.national)), max_size=2))


_WHITESPACE: Final = " \t\n\r\u00a0\u2003\u3000"


@st.composite
def _no_leading_plus(draw: st.DrawFn) -> str:
    parts = draw(_parts())
    space = draw(st.sampled_from((" ", "")))
    return f"{parts.country_code}{space}{parts.national}{parts.suffix}"


@st.composite
def _plus_without_digits(draw: st.DrawFn) -> str:
    parts = draw(_parts(extensions=False))
    return draw(
        st.sampled_from(("+", "+ ", "+x1", "+-", "+()", "+ x", "+x", "+.", "+abc"))
        | st.sampled_from(_NON_X_LETTERS + "x").map(lambda letter: f"+{letter}{parts.render()[1:]}")
    )


@st.composite
def _country_code_without_number(draw: st.DrawFn) -> str:
    parts = draw(_parts(extensions=False))
    return f"+{parts.country_code}{draw(st.sampled_from(('', ' ')))}"


@st.composite
def _letters_in_country_code(draw: st.DrawFn) -> str:
    parts = draw(_parts())
    cc = parts.country_code
    at = draw(st.integers(1, len(cc)))
    letter = draw(st.sampled_from(_NON_X_LETTERS))
    return f"+{cc[:at]}{letter}{cc[at:]} {parts.national}{parts.suffix}"


@st.composite
def _letters_in_number(draw: st.DrawFn) -> str:
    parts = draw(_parts())
    national = parts.national
    start = draw(st.integers(0, len(national) - 1))
    letters = draw(st.text(_NON_X_LETTERS, min_size=1, max_size=3))
    replace = draw(st.booleans())
    end = min(len(national), start + len(letters)) if replace else start
    return f"+{parts.country_code} {national[:start]}{letters}{national[end:]}{parts.suffix}"


@st.composite
def _extension_without_digits(draw: st.DrawFn) -> str:
    parts = draw(_parts(extensions=False))
    return parts.render() + draw(st.sampled_from(("x", "x", "x", "X")))


@st.composite
def _two_extension_markers(draw: st.DrawFn) -> str:
    parts = draw(_parts(extensions=False))
    first, second = draw(st.sampled_from(("x", "X"))), draw(st.sampled_from(("x", "X")))
    if draw(st.booleans()):  # the seed-like shape: +1 555x12x3
        cut = draw(st.integers(1, len(parts.national) - 1))
        head, tail = parts.national[:cut], parts.national[cut:]
        return f"+{parts.country_code} {head}{first}{tail}{second}{draw(_digits(0, 3))}"
    return f"{parts.render()}{first}{draw(_digits(0, 4))}{second}{draw(_digits(0, 4))}"


_INVALID_STRATEGIES: Final[dict[str, st.SearchStrategy[object]]] = {
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


def _labelled(label: str, values: st.SearchStrategy[object]) -> st.SearchStrategy[Labelled[object]]:
    return values.map(functools.partial(Labelled, label))


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
    return st.one_of([_labelled(label, _INVALID_STRATEGIES[label]) for label in chosen])


# --------------------------------------------------------------------------- gray values


@st.composite
def _no_space_after_country_code(draw: st.DrawFn) -> str:
    parts = draw(_parts())
    return f"+{parts.country_code}{parts.national}{parts.suffix}"


def _separated(separator: str) -> st.SearchStrategy[str]:
    @st.composite
    def separated(draw: st.DrawFn) -> str:
        parts = draw(_parts())
        groups = _split(parts.national, _positions(draw, parts.national))
        return f"+{parts.country_code} {separator.join(groups)}{parts.suffix}"

    return separated()


@st.composite
def _parentheses(draw: st.DrawFn) -> str:
    parts = draw(_parts())
    national = parts.national
    if draw(st.booleans()):  # an area code in parentheses: +1 (201) 555-0123
        cut = draw(st.integers(1, min(4, len(national) - 1)))
        rest = national[cut:]
        inner = draw(st.integers(0, len(rest) - 1))
        body = f"({national[:cut]}) {rest[:inner]}{'-' if inner else ''}{rest[inner:]}"
    else:  # a bracketed trunk prefix: +44 (0)20 7946 0958
        body = f"(0){national}"
    return f"+{parts.country_code} {body}{parts.suffix}"


_SURROUNDINGS: Final = (
    (" ", ""),
    ("", " "),
    (" ", " "),
    ("\t", ""),
    ("", "\n"),
    ("  ", "\r\n"),
    ("\u00a0", ""),
)


@st.composite
def _surrounding_whitespace(draw: st.DrawFn) -> str:
    before, after = draw(st.sampled_from(_SURROUNDINGS))
    return f"{before}{draw(_parts()).render()}{after}"


@st.composite
def _non_ascii_digits(draw: st.DrawFn) -> str:
    zero = draw(st.sampled_from(tuple(_DIGIT_SCRIPTS.values())))
    parts = draw(_parts())
    text = parts.render()
    digit_at = [i for i, ch in enumerate(text) if ch in "0123456789"]
    scope = draw(st.sampled_from(("all", "national", "one")))
    if scope == "all":
        chosen = set(digit_at)
    elif scope == "national":
        start = len(parts.country_code) + 2
        chosen = {i for i in digit_at if start <= i < start + len(parts.national)}
    else:
        chosen = {draw(st.sampled_from(digit_at))}
    return "".join(chr(zero + int(ch)) if i in chosen else ch for i, ch in enumerate(text))


@st.composite
def _unassigned_country_code(draw: st.DrawFn) -> str:
    cc = draw(st.sampled_from(UNASSIGNED_COUNTRY_CODES))
    national = draw(_digits(pools.MIN_NATIONAL_DIGITS, pools.MAX_TOTAL_DIGITS - len(cc)))
    return f"+{cc} {national}"


@st.composite
def _national_number_too_short(draw: st.DrawFn) -> str:
    parts = draw(_parts(extensions=False))
    length = draw(st.integers(1, pools.MIN_NATIONAL_DIGITS - 1))
    return f"+{parts.country_code} {parts.national[:length]}"


@st.composite
def _national_number_too_long(draw: st.DrawFn) -> str:
    parts = draw(_parts(extensions=False))
    length = draw(st.integers(pools.MAX_NATIONAL_DIGITS + 1, pools.MAX_NATIONAL_DIGITS + 3))
    extra = draw(_digits(length - len(parts.national), length - len(parts.national)))
    return f"+{parts.country_code} {parts.national}{extra}"


@st.composite
def _too_many_digits(draw: st.DrawFn) -> str:
    parts = draw(_parts(extensions=False))
    cc = parts.country_code
    if len(cc) == 1:  # a 1-digit code cannot exceed 15 digits with at most 14 national digits
        cc = draw(st.sampled_from(("44", "49", "358", "971")))
    length = draw(st.integers(pools.MAX_TOTAL_DIGITS + 1 - len(cc), pools.MAX_NATIONAL_DIGITS))
    national = parts.national[:length]
    national += draw(_digits(length - len(national), length - len(national)))
    return f"+{cc} {national}"


@st.composite
def _extension_too_long(draw: st.DrawFn) -> str:
    parts = draw(_parts(extensions=False))
    return f"{parts.render()}x{draw(_digits(MAX_EXTENSION_DIGITS + 1, MAX_EXTENSION_DIGITS + 5))}"


@st.composite
def _uppercase_extension_marker(draw: st.DrawFn) -> str:
    parts = draw(_parts(extensions=False))
    return f"{parts.render()}X{draw(_digits(1, MAX_EXTENSION_DIGITS))}"


_GRAY_STRATEGIES: Final[dict[str, st.SearchStrategy[str]]] = {
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


def gray_zone_phone_numbers(*, labels: Iterable[str] | None = None) -> st.SearchStrategy[Labelled[object]]:
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
    return st.one_of([_labelled(label, _GRAY_STRATEGIES[label]) for label in chosen])
