"""Valid phone numbers: the strategy behind :func:`strategies.phone_numbers.valid_phone_numbers`.

Drawing is a few index look-ups into per-region pools of real numbers (``_phone_pools``): one
choice for the kind (a region, the shortest or longest numbers, the spec examples), one for the
number, one or two for the extension. A region's pool is built the first time the region is drawn
(a few milliseconds) and cached; no other phonenumbers call happens while drawing.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Final, NamedTuple

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from strategies import _drawing as d
from strategies import _phone_pools as pools
from strategies._validation import check_bool, check_choices
from strategies.phone_grammar import MAX_EXTENSION_DIGITS, SPEC_EXAMPLES

SUPPORTED_REGIONS: Final = pools.SUPPORTED_REGIONS
"""Region codes :func:`valid_phone_numbers` accepts in ``regions`` (phonenumbers' geographic regions)."""


class PhoneParts(NamedTuple):
    """The parts of a number in the spec's form: ``+{country_code} {national}[x{extension}]``."""

    country_code: str
    national: str
    extension: str | None = None

    def render(self) -> str:
        """The spec's form of these parts, e.g. ``+44 2079460958x12``."""
        return f"+{self.country_code} {self.national}{self.suffix}"

    @property
    def suffix(self) -> str:
        """``x{extension}``, or ``""`` without an extension."""
        return "" if self.extension is None else f"x{self.extension}"


SPEC_PARTS: Final = tuple(
    PhoneParts(cc, rest.partition("x")[0], rest.partition("x")[2] or None)
    for cc, _, rest in (example[1:].partition(" ") for example in SPEC_EXAMPLES)
)
""":data:`SPEC_EXAMPLES` as parts."""
_SPEC_PARTS_WITHOUT_EXTENSION: Final = tuple(p for p in SPEC_PARTS if p.extension is None)

# Extension lengths, drawn uniformly: mostly none; 1 and 10 digits (the bounds) favoured.
_EXTENSION_LENGTHS: Final = (0,) * 20 + (1, MAX_EXTENSION_DIGITS) * 2 + tuple(range(2, MAX_EXTENSION_DIGITS))
_BOUNDARY_SHARE: Final = 20  # spec examples, shortest and longest each drawn ~1/20 of the time

# Regions whose valid numbers are the shortest (4 national digits) and the longest (13) that
# phonenumbers knows: favoured when drawing the shortest or longest numbers. Only a preference
# (pools decide what is drawn), so metadata updates cannot make a drawn number wrong.
SHORTEST_REGIONS: Final = ("NU", "TA", "TK", "IR", "LU", "UY", "DE")
LONGEST_REGIONS: Final = ("AT", "DE", "IN", "PH", "TR")


class _Plan(NamedTuple):
    """What one (regions, extensions) choice draws from. Building it builds no pool."""

    slots: st.SearchStrategy[tuple[str, tuple[str, ...]]]
    """Draws ``(kind, regions)``: kind "spec", "region" (one region), "shortest" or "longest"."""
    extensions: bool


@functools.cache
def _plan(regions: tuple[str, ...] | None, extensions: bool) -> _Plan:
    chosen = pools.SUPPORTED_REGIONS if regions is None else regions
    repeat = max(1, len(chosen) // _BOUNDARY_SHARE)
    shortest = tuple(r for r in SHORTEST_REGIONS if r in chosen) or chosen
    longest = tuple(r for r in LONGEST_REGIONS if r in chosen) or chosen
    slots: list[tuple[str, tuple[str, ...]]] = []
    if "US" in chosen:  # first, so that a failing example shrinks to the seed page's own example
        slots += [("spec", ())] * repeat
    slots += [("region", (r,)) for r in chosen]
    slots += [("shortest", shortest)] * repeat + [("longest", longest)] * repeat
    return _Plan(st.sampled_from(slots), extensions)


@functools.cache
def _pool(region: str) -> tuple[pools.Candidate, ...]:
    pool = pools.region_pool(region)
    if not pool:
        raise InvalidArgument(f"phonenumbers' metadata yields no valid number for region {region!r}")
    return pool


@functools.cache
def _ends(region: str) -> tuple[tuple[pools.Candidate, ...], tuple[pools.Candidate, ...]]:
    """The shortest and the longest candidates of ``region``."""
    pool = _pool(region)
    low, high = len(pool[0].national), len(pool[-1].national)
    return (
        tuple(c for c in pool if len(c.national) == low),
        tuple(c for c in pool if len(c.national) == high),
    )


def _draw_parts(draw: st.DrawFn, plan: _Plan) -> PhoneParts:
    kind, regions = draw(plan.slots)
    if kind == "spec":  # the seed page's examples, verbatim
        return d.pick(draw, SPEC_PARTS if plan.extensions else _SPEC_PARTS_WITHOUT_EXTENSION)
    region = regions[0] if len(regions) == 1 else d.pick(draw, regions)
    candidates = _pool(region) if kind == "region" else _ends(region)[kind == "longest"]
    entry = d.pick(draw, candidates)
    extension = None
    if plan.extensions:
        length = draw(d.sampled(_EXTENSION_LENGTHS))
        if length:
            extension = d.scattered_digits(draw, length)
    return PhoneParts(entry.country_code, entry.national, extension)


@st.composite
def _valid_parts(draw: st.DrawFn, regions: tuple[str, ...] | None, extensions: bool) -> PhoneParts:
    return _draw_parts(draw, _plan(regions, extensions))


@st.composite
def _valid_strings(draw: st.DrawFn, regions: tuple[str, ...] | None, extensions: bool) -> str:
    return _draw_parts(draw, _plan(regions, extensions)).render()


PARTS: Final = _valid_parts(None, True)
"""Valid numbers of every region as :class:`PhoneParts`: what invalid and gray values are made from."""
PARTS_WITHOUT_EXTENSION: Final = _valid_parts(None, False)
""":data:`PARTS` without extensions."""


def valid_phone_numbers(*, regions: Iterable[str] | None = None, extensions: bool = True) -> st.SearchStrategy[str]:
    """Draw phone numbers every correct implementation must accept (``spec_verdict`` "valid").

    Form ``+{country code} {national number}`` with, if ``extensions``, sometimes ``x{extension}``
    (1-10 digits; 1 and 10 favoured). Numbers are real: phonenumbers' metadata for each region gives
    example numbers of every number type, varied in their trailing digits and lengths, and each
    drawn number is one phonenumbers accepts as valid for its region (the extension aside). Also
    favoured: the shortest and the longest national numbers of a region (mostly of the regions
    with the shortest and longest numbers of all: 4 and 13 digits) and, when the regions include
    ``"US"``, the seed page's :data:`SPEC_EXAMPLES` verbatim (not phonenumbers-valid: 555 numbers).
    Country codes of 1, 2 and 3 digits all occur.

    ``regions``: region codes from :data:`SUPPORTED_REGIONS` (e.g. ``["GB", "DE"]``); None means all
    of them. A region's candidate numbers are computed the first time it is drawn, and cached.
    """
    chosen = None
    if regions is not None:
        chosen = check_choices("regions", regions, pools.SUPPORTED_REGIONS, what="phonenumbers region code")
    check_bool("extensions", extensions)
    return _valid_strings(chosen, extensions)


@functools.cache
def boundary_phone_numbers() -> tuple[tuple[str, str], ...]:
    """A fixed corpus of valid numbers at the grammar's edges, as ``(label, number)``, run on every run
    before any drawn example: extensions with leading zeros (``x007``, ``x0``, a 10-digit ``x00...``), the
    shortest national number known (4 digits, a 3-digit country code) and the longest (13 digits) with the
    longest extension, a 2-digit country code; the one space and the ``x`` marker, the only separators
    the grammar allows, in each.
    """
    shortest = _ends(SHORTEST_REGIONS[0])[0][0]
    longest = _ends(LONGEST_REGIONS[0])[1][0]
    two_digit = next(c for c in _pool("GB") if len(c.country_code) == 2)
    return (
        ("leading_zero_extension", SPEC_PARTS[0]._replace(extension="007").render()),
        ("longest_with_longest_zero_extension",
         PhoneParts(longest.country_code, longest.national, "0" * 2 + "1" * (MAX_EXTENSION_DIGITS - 2)).render()),
        ("shortest_with_zero_extension", PhoneParts(shortest.country_code, shortest.national, "0").render()),
        ("two_digit_country_code", PhoneParts(two_digit.country_code, two_digit.national).render()),
    )
