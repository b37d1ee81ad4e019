"""Valid phone numbers: the strategy behind :func:`strategies.phone_numbers.valid_phone_numbers`.

Drawing is a few index look-ups into per-region pools of real numbers (``_phone_pools``): one
choice for the pool (a region, the shortest or longest numbers, or the spec examples), one for the
number, one or two for the extension. No phonenumbers call happens while drawing.
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

# Extension lengths, drawn uniformly: mostly none; 1 and 10 digits (the bounds) favoured.
_EXTENSION_LENGTHS: Final = (0,) * 20 + (1, MAX_EXTENSION_DIGITS) * 2 + tuple(range(2, MAX_EXTENSION_DIGITS))
_BOUNDARY_SHARE: Final = 20  # spec examples, shortest and longest each drawn ~1/20 of the time


class _Plan(NamedTuple):
    """What one (regions, extensions) choice draws from: built on first draw, then cached."""

    pools: st.SearchStrategy[tuple[object, ...]]
    """Draws a pool: a tuple of ``Candidate`` (a region's, the shortest, the longest) or of ``PhoneParts``."""
    extensions: bool


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
        spec = tuple(p for p in SPEC_PARTS if extensions or p.extension is None)
        slots += [spec] * repeat
    slots += region_pools
    slots += [pool for pool in boundary for _ in range(repeat)]
    return _Plan(st.sampled_from(slots), extensions)


def _draw_parts(draw: st.DrawFn, plan: _Plan) -> PhoneParts:
    pool = draw(plan.pools)
    entry = d.pick(draw, pool)
    if isinstance(entry, PhoneParts):  # a spec example, verbatim
        return entry
    extension = None
    if plan.extensions:
        length = draw(d.sampled(_EXTENSION_LENGTHS))
        if length:
            extension = d.scattered_digits(draw, length)
    return PhoneParts(entry.country_code, entry.national, extension)  # type: ignore[attr-defined]


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
    favoured: the shortest and the longest national numbers of the chosen regions and, when
    ``regions`` is None or includes ``"US"``, the seed page's :data:`SPEC_EXAMPLES` verbatim (not
    phonenumbers-valid: 555 numbers). Country codes of 1, 2 and 3 digits all occur.

    ``regions``: region codes from :data:`SUPPORTED_REGIONS` (e.g. ``["GB", "DE"]``); None means all
    of them. Candidate numbers are computed once per region, on first draw, and cached.
    """
    chosen = None
    if regions is not None:
        chosen = check_choices("regions", regions, pools.SUPPORTED_REGIONS, what="phonenumbers region code")
    check_bool("extensions", extensions)
    return _valid_strings(chosen, extensions)
