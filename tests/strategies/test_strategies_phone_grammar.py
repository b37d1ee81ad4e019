"""The grammar of contract §1 (``spec_verdict`` / ``invalid_reason``) on hand-written cases."""

from __future__ import annotations

import pathlib
import re

import pytest

from strategies import GRAY_LABELS, INVALID_LABELS, SPEC_EXAMPLES, invalid_reason, is_spec_valid, spec_verdict

SEED = pathlib.Path(__file__).resolve().parents[3] / "shared" / "seeds" / "000_8782348dc17ddc30.txt"

VALID = [
    *SPEC_EXAMPLES,
    "+44 2079460958",
    "+358 401234567",
    "+1 2015550123x1",
    "+1 2015550123x1234567890",  # 10-digit extension: the longest valid one
    "+683 7012",  # 4 national digits: the fewest
    "+49 8001234567890",
    "+7 12345678901234",  # 1 + 14 = 15 digits: the most
    "+380 123456789012",  # 3 + 12 = 15
    "+800 12345678",  # a non-geographic calling code is still assigned
    "+1 0000",  # the grammar does not ask phonenumbers whether the number exists
]

INVALID: dict[str, list[object]] = {
    "not_a_string": [
        None,
        15551234,
        15555551234,
        1.5,
        0,
        True,
        False,
        [],
        {},
        ["+1 5555551234"],
        {"n": "+1 2"},
    ],
    "empty_or_whitespace": ["", " ", "   ", "\t\n", "\r\n", "\u00a0", "\u3000 "],
    "no_leading_plus": [
        "15555551234",
        "1 5555551234",
        " 15555551234",
        "5555551234x123",
        "a+1 5555551234",
        "tel:+1 5555551234",
        "001 5555551234",
    ],
    "plus_without_digits": ["+", "+ ", " + ", "+x1", "+x", "+-", "+()", "+abc", "+A1 5555551234", "+¹"],
    "country_code_without_number": ["+1", "+44", "+1 ", "+358", " +1 ", "+1x", "+1 x123"],
    "letters_in_country_code": ["+1A 5555551234", "+4B4 2079460958", "+358Z 401234567", "+1a5555551234"],
    "letters_in_number": [
        "+1 555ABC1234",
        "+1 A5555551234",
        "+1 5555551234 ext 123",
        "+1 5555551234x12a",
        "+1 555-CALL-NOW",
        "+1234A 5555",
        "+1 5555551234 (home)",
    ],
    "extension_without_digits": ["+1 5555551234x", "+1 5555551234X", "+1 5555551234x ", "+1 5555551234x-"],
    "two_extension_markers": ["+1 555x12x3", "+1 5555551234xx", "+1 5555551234x12X3", "+1 5555551234x1x"],
}

GRAY: dict[str, list[str]] = {
    "no_space_after_country_code": ["+15555551234", "+442079460958", "+15555551234x123", "+1234"],
    "inner_spaces": ["+1 555 555 1234", "+44 20 7946 0958", "+1  5555551234", "+ 1 5555551234"],
    "dashes": ["+1 555-555-1234", "+1-555-555-1234"],
    "dots": ["+1 555.555.1234"],
    "parentheses": ["+1 (555) 555-1234", "+44 (0)20 7946 0958", "(+1) 5555551234"],
    "surrounding_whitespace": [" +1 5555551234", "+1 5555551234 ", "\t+1 5555551234\n", "+1 5555551234\n"],
    "non_ascii_digits": ["+١ ٥٥٥٥٥٥١٢٣٤", "+1 ５５５５５５１２３４", "+1 5555551234x١٢٣", "+٤٤"],
    "unassigned_country_code": ["+999 1234567", "+0 5555551234", "+28 12345678", "+01 5555551234"],
    "national_number_too_short": ["+1 555", "+44 1", "+1 23"],
    "national_number_too_long": ["+1 555555123456789"],
    "too_many_digits": ["+44 12345678901234", "+358 1234567890123"],
    "extension_too_long": ["+1 5555551234x12345678901"],
    "uppercase_extension_marker": ["+1 5555551234X123"],
}
OTHER_GRAY = ["＋1 5555551234", "++1 5555551234", "\u200b+1 5555551234", "+1 555ΑΒΓ1234"]


def test_the_tables_cover_every_label() -> None:
    assert list(INVALID) == list(INVALID_LABELS)
    assert list(GRAY) == list(GRAY_LABELS)


@pytest.mark.parametrize("value", VALID)
def test_valid(value: str) -> None:
    assert spec_verdict(value) == "valid"
    assert invalid_reason(value) is None
    assert is_spec_valid(value)


@pytest.mark.parametrize(("label", "value"), [(label, v) for label, values in INVALID.items() for v in values])
def test_invalid(label: str, value: object) -> None:
    assert invalid_reason(value) == label
    assert spec_verdict(value) == "invalid"
    assert not is_spec_valid(value)


@pytest.mark.parametrize(
    ("label", "value"),
    [(label, v) for label, values in GRAY.items() for v in values] + [("other", v) for v in OTHER_GRAY],
)
def test_gray(label: str, value: str) -> None:
    assert invalid_reason(value) is None
    assert spec_verdict(value) == "gray"


def test_spec_examples_are_the_seed_pages_own() -> None:
    assert SPEC_EXAMPLES == ("+1 5555551234", "+1 5555551234x123", "+1 2065555554")


@pytest.mark.skipif(not SEED.exists(), reason="the seed page is not beside this checkout")
def test_every_number_in_the_seed_page_is_valid() -> None:
    text = SEED.read_text(encoding="utf-8")
    found = re.findall(r"\+\d+ \d+(?:x\d+)?", text)
    assert set(found) == set(SPEC_EXAMPLES)
    for value in found:
        assert spec_verdict(value) == "valid", value


def test_the_format_template_itself_is_not_a_number() -> None:
    assert spec_verdict("+{country code} {number}x{extension}") == "invalid"
