"""Phone method types, their fixed ids, and strategies over type/id pairings.

The three fixed ids are written here and nowhere else in the suite (seed page; facts §1).
"""

from __future__ import annotations

import uuid
from types import MappingProxyType
from typing import Final

from hypothesis import strategies as st

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


def _is_not_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return value not in {".", ".."}
    return False
