"""Phone types, the fixed ids, and the strategies over types, ids and pairings."""

from __future__ import annotations

import pathlib
import uuid

import pytest
from hypothesis import given, settings
from hypothesis.errors import InvalidArgument

from strategies import (
    GRAY_PHONE_TYPES,
    PHONE_METHOD_IDS,
    PHONE_TYPES,
    TYPE_FOR_ID,
    UNKNOWN_PHONE_TYPE_EXAMPLES,
    gray_phone_types,
    malformed_method_ids,
    matching_pairs,
    mismatched_pairs,
    phone_types,
    unknown_method_ids,
    unknown_phone_types,
)
from strategies.samples import draw_examples

SETTINGS = settings(derandomize=True, database=None, deadline=None, max_examples=200)
PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "strategies"


def test_the_three_types_and_their_fixed_ids() -> None:
    assert dict(PHONE_METHOD_IDS) == {
        "mobile": "3179e48a-750b-4051-897c-87b9720928f7",
        "alternateMobile": "b6332ec1-7057-4abe-9331-3d72feddfe41",
        "office": "e37fc753-ff3b-4958-9484-eaa9425c82bc",
    }
    assert PHONE_TYPES == ("mobile", "alternateMobile", "office")
    assert {TYPE_FOR_ID[i]: i for i in TYPE_FOR_ID} == dict(PHONE_METHOD_IDS)
    with pytest.raises(TypeError):
        PHONE_METHOD_IDS["fax"] = "x"  # type: ignore[index]


def test_the_ids_are_written_only_in_methods_py() -> None:
    holders = {
        path.name
        for path in PACKAGE.glob("*.py")
        for method_id in PHONE_METHOD_IDS.values()
        if method_id in path.read_text(encoding="utf-8")
    }
    assert holders == {"methods.py"}


@SETTINGS
@given(phone_types())
def test_phone_types(value: str) -> None:
    assert value in PHONE_TYPES


@SETTINGS
@given(matching_pairs())
def test_matching_pairs(pair: tuple[str, str]) -> None:
    phone_type, method_id = pair
    assert PHONE_METHOD_IDS[phone_type] == method_id


@SETTINGS
@given(mismatched_pairs())
def test_mismatched_pairs(pair: tuple[str, str]) -> None:
    phone_type, method_id = pair
    assert method_id in TYPE_FOR_ID
    assert TYPE_FOR_ID[method_id] != phone_type


def test_every_pairing_is_drawn() -> None:
    assert len(set(draw_examples(matching_pairs(), 100))) == 3
    assert len(set(draw_examples(mismatched_pairs(), 200))) == 6


@SETTINGS
@given(unknown_method_ids())
def test_unknown_method_ids(value: str) -> None:
    assert str(uuid.UUID(value)) == value
    assert value not in TYPE_FOR_ID


@SETTINGS
@given(malformed_method_ids())
def test_malformed_method_ids(value: str) -> None:
    with pytest.raises(ValueError):
        uuid.UUID(value)
    assert value and value not in {".", ".."}
    assert "/" not in value


@SETTINGS
@given(unknown_phone_types())
def test_unknown_phone_types(value: str) -> None:
    assert value not in PHONE_TYPES
    assert value not in GRAY_PHONE_TYPES
    assert value.casefold() != "unknownfuturevalue"
    assert value == "" or (value.isascii() and value.replace("_", "").replace("-", "").isalnum())


@SETTINGS
@given(unknown_phone_types(case_variants=False))
def test_unknown_phone_types_without_case_variants(value: str) -> None:
    assert value.casefold() not in {t.casefold() for t in PHONE_TYPES}


def test_unknown_phone_types_draw_case_variants_and_the_examples() -> None:
    drawn = set(draw_examples(unknown_phone_types(), 500))
    variants = {v for v in drawn if v.casefold() in {t.casefold() for t in PHONE_TYPES}}
    assert {v.casefold() for v in variants} == {t.casefold() for t in PHONE_TYPES}
    assert {"fax", ""} <= drawn
    assert len(drawn & set(UNKNOWN_PHONE_TYPE_EXAMPLES)) >= 5


def test_unknown_future_value_is_gray_not_unknown() -> None:
    assert "unknownFutureValue" in GRAY_PHONE_TYPES
    assert "unknownFutureValue" not in UNKNOWN_PHONE_TYPE_EXAMPLES
    assert set(draw_examples(gray_phone_types(), 100)) == set(GRAY_PHONE_TYPES)
    assert not set(GRAY_PHONE_TYPES) & set(PHONE_TYPES)


@pytest.mark.parametrize("bad", [1, "no", None])
def test_unknown_phone_types_rejects_a_non_bool(bad: object) -> None:
    with pytest.raises(InvalidArgument, match="case_variants"):
        unknown_phone_types(case_variants=bad)  # type: ignore[arg-type]
