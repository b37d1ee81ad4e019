"""Phone method types, their fixed ids, and strategies over types, ids and type/id pairings.

The three fixed ids are written here and nowhere else in the suite (seed page; facts §1).
"""

from __future__ import annotations

import functools
import string
import uuid
from types import MappingProxyType
from typing import Final

from hypothesis import strategies as st

from strategies._validation import check_bool

PHONE_METHOD_IDS: Final = MappingProxyType(
    {
        "mobile": "3179e48a-750b-4051-897c-87b9720928f7",
        "alternateMobile": "b6332ec1-7057-4abe-9331-3d72feddfe41",
        "office": "e37fc753-ff3b-4958-9484-eaa9425c82bc",
    }
)
"""phoneType -> the fixed phoneMethodId of that type."""

PHONE_TYPES: Final = tuple(PHONE_METHOD_IDS)
"""The three phone types, in the order the seed page's model lists them."""

TYPE_FOR_ID: Final = MappingProxyType({v: k for k, v in PHONE_METHOD_IDS.items()})
"""phoneMethodId -> phoneType."""


GRAY_PHONE_TYPES: Final = ("unknownFutureValue", " mobile", "mobile ", "0", "1", "2", "mobile,office")
"""``phoneType`` values whose handling the spec leaves open (observe, never assert).

``unknownFutureValue`` is the sentinel member of Graph's evolvable enums (the SDKs' enum has it;
the docs list only the three types). Padded, numeric and comma-joined strings are what some enum
parsers (.NET's among them) trim, map to a member by number, or read as flags.
"""

UNKNOWN_PHONE_TYPE_EXAMPLES: Final = (
    "Mobile",
    "MOBILE",
    "AlternateMobile",
    "alternatemobile",
    "Office",
    "OFFICE",
    "fax",
    "",
    "home",
    "work",
    "pager",
    "landline",
    "alternate_mobile",
    "alternate-mobile",
    "alternateMobile2",
)
"""``phoneType`` values every correct implementation must reject: case variants and non-members.

Case variants assume enum values are case-sensitive, as OData enum parsing is by default; facts
§7 marks this unverified for Graph, so :func:`unknown_phone_types` can leave them out.
"""


def phone_types() -> st.SearchStrategy[str]:
    """Draw one of the three phone types."""
    return st.sampled_from(PHONE_TYPES)


def matching_pairs() -> st.SearchStrategy[tuple[str, str]]:
    """Draw ``(phone_type, method_id)`` where the id is the type's own fixed id."""
    return st.sampled_from(tuple(PHONE_METHOD_IDS.items()))


def mismatched_pairs() -> st.SearchStrategy[tuple[str, str]]:
    """Draw ``(phone_type, method_id)`` where the id belongs to another type: a type-change attempt."""
    pairs = tuple((t, i) for t in PHONE_TYPES for other, i in PHONE_METHOD_IDS.items() if other != t)
    return st.sampled_from(pairs)


def unknown_method_ids() -> st.SearchStrategy[str]:
    """Draw well-formed GUIDs that are none of the three fixed ids."""
    return st.uuids().map(str).filter(lambda s: s not in TYPE_FOR_ID)


def malformed_method_ids() -> st.SearchStrategy[str]:
    """Draw path-safe strings that are not GUIDs (so no implementation can hold a method under them)."""
    alphabet = st.characters(codec="ascii", categories=("L", "N"), include_characters="-_.~")
    return st.one_of(
        st.sampled_from(["not-a-guid", "0", "mobile", "3179e48a750b4051897c87b9720928f7x"]),
        st.text(alphabet, min_size=1, max_size=40),
    ).filter(_is_not_guid)


def unknown_phone_types(*, case_variants: bool = True) -> st.SearchStrategy[str]:
    """Draw ``phoneType`` strings that are none of the three types: to be rejected.

    Known non-members (``fax``, ``""``, ``alternate_mobile``, ...), case variants of the three types
    (``Mobile``, ``MOBILE``, ``alternatemobile``, ...) and other ASCII-letter words. Never draws a
    member of :data:`GRAY_PHONE_TYPES` (``unknownFutureValue`` in any case, padded or numeric values).
    ``case_variants=False`` leaves out every value equal to a type when case is ignored, for a
    target that treats enum values case-insensitively (facts §7: unverified for Graph).
    """
    check_bool("case_variants", case_variants)
    words = st.text(st.sampled_from(string.ascii_letters), max_size=20)
    strategy = st.sampled_from(UNKNOWN_PHONE_TYPE_EXAMPLES) | words
    if case_variants:
        strategy |= _case_variants()
    return strategy.filter(_is_unknown_type if case_variants else _is_unknown_type_ignoring_case)


def _case_variants() -> st.SearchStrategy[str]:
    """Each type with the case of some of its letters (at least one) flipped."""
    return st.one_of(
        [st.sets(st.integers(0, len(t) - 1), min_size=1).map(functools.partial(_flip_case, t)) for t in PHONE_TYPES]
    )


def _flip_case(text: str, positions: set[int]) -> str:
    return "".join(ch.swapcase() if i in positions else ch for i, ch in enumerate(text))


def _is_unknown_type(value: str) -> bool:
    return value not in PHONE_METHOD_IDS and value not in GRAY_PHONE_TYPES and value.casefold() != "unknownfuturevalue"


def _is_unknown_type_ignoring_case(value: str) -> bool:
    return _is_unknown_type(value) and value.casefold() not in {t.casefold() for t in PHONE_TYPES}


def gray_phone_types() -> st.SearchStrategy[str]:
    """Draw ``phoneType`` values whose handling the spec leaves open (:data:`GRAY_PHONE_TYPES`)."""
    return st.sampled_from(GRAY_PHONE_TYPES)


def _is_not_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return value not in {".", ".."}
    return False
