"""The phone number grammar (contract §1) as the emulator implements it."""

from __future__ import annotations

import phonenumbers
import pytest
from emukit import GRAY_NUMBERS, INVALID_NUMBERS, VALID_NUMBERS
from hypothesis import given
from hypothesis import strategies as st

from graph_phone_emulator.phone_format import classify_any, mask, normalise

ASSIGNED = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


@pytest.mark.parametrize("number", VALID_NUMBERS)
def test_seed_examples_are_valid(number: str) -> None:
    assert classify_any(number).kind == "valid"


INVALID_CASES = [(label, value) for label, values in INVALID_NUMBERS.items() for value in values]


@pytest.mark.parametrize(("label", "value"), INVALID_CASES)
def test_invalid_shapes_carry_their_label(label: str, value: object) -> None:
    verdict = classify_any(value)
    assert (verdict.kind, verdict.label) == ("invalid", label)


@pytest.mark.parametrize("value", list(GRAY_NUMBERS))
def test_gray_values_are_neither_valid_nor_invalid(value: str) -> None:
    assert classify_any(value).kind == "gray"


@pytest.mark.parametrize(("value", "normalised"), list(GRAY_NUMBERS.items()))
def test_gray_normalisation(value: str, normalised: str | None) -> None:
    assert normalise(value) == normalised


@pytest.mark.parametrize("value", ["+1 5555551234", "+1 5555551234x1", "+1234 5678", "+1 1234567890123456"])
def test_lengths_and_codes(value: str) -> None:
    expected = {"+1 5555551234": "valid", "+1 5555551234x1": "valid"}.get(value, "gray")
    assert classify_any(value).kind == expected


@given(cc=st.sampled_from(ASSIGNED), data=st.data())
def test_generated_valid_numbers_are_valid_and_normalise_to_themselves(cc: int, data: st.DataObject) -> None:
    national = data.draw(st.text("0123456789", min_size=4, max_size=min(14, 15 - len(str(cc)))))
    ext = data.draw(st.one_of(st.none(), st.text("0123456789", min_size=1, max_size=10)))
    number = f"+{cc} {national}" + (f"x{ext}" if ext else "")
    assert classify_any(number).kind == "valid"
    assert normalise(number) == number


@given(st.text(max_size=40))
def test_any_text_classifies_and_normalised_results_are_valid(value: str) -> None:
    verdict = classify_any(value)
    assert verdict.kind in ("valid", "invalid", "gray")
    result = normalise(value)
    if result is not None:
        assert classify_any(result).kind == "valid"
    if verdict.kind == "invalid":
        assert result is None


def test_mask_keeps_country_code_and_last_two_digits() -> None:
    assert mask("+1 5555551234") == "+1 ********34"
    assert mask("+1 5555551234x123") == "+1 ********34"
    assert mask("+44 770090012") == "+44 *******12"
