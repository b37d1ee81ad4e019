"""The phone number strategies agree with the grammar, draw real numbers, and cover their cases."""

from __future__ import annotations

import collections
import functools

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import InvalidArgument

from strategies import (
    GRAY_LABELS,
    INVALID_LABELS,
    SPEC_EXAMPLES,
    SUPPORTED_REGIONS,
    Labelled,
    gray_zone_phone_numbers,
    invalid_phone_numbers,
    invalid_reason,
    spec_verdict,
    valid_phone_numbers,
)
from strategies.samples import draw_examples

# Deterministic; the first draw builds the candidate pools (a fraction of a second), hence no deadline.
SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _parse_real(value: str) -> phonenumbers.PhoneNumber:
    """The number of a valid value, extension left off (phonenumbers reads at most 9 digits after x)."""
    base, _, _ = value.partition("x")
    number = phonenumbers.parse(base)
    country_code, _, national = base[1:].partition(" ")
    assert (str(number.country_code), phonenumbers.national_significant_number(number)) == (
        country_code,
        national,
    )
    return number


# --------------------------------------------------------------------------- properties


@settings(SETTINGS, max_examples=1000)
@given(valid_phone_numbers())
def test_valid_numbers_are_valid_and_real(value: str) -> None:
    assert spec_verdict(value) == "valid"
    if value in SPEC_EXAMPLES:  # the seed page's own examples: 555 numbers, not phonenumbers-valid
        return
    number = _parse_real(value)
    assert phonenumbers.is_valid_number(number), value
    assert phonenumbers.region_code_for_number(number) in SUPPORTED_REGIONS


@settings(SETTINGS, max_examples=300)
@given(valid_phone_numbers(regions=["GB", "DE", "EH"], extensions=False))
def test_valid_numbers_of_chosen_regions(value: str) -> None:
    assert spec_verdict(value) == "valid"
    assert "x" not in value
    assert value not in SPEC_EXAMPLES  # only drawn when the US is among the regions
    number = _parse_real(value)
    # EH shares +212 with MA, which phonenumbers maps all of them to: check validity per region.
    assert any(phonenumbers.is_valid_number_for_region(number, r) for r in ("GB", "DE", "EH")), value


@settings(SETTINGS, max_examples=1000)
@given(invalid_phone_numbers())
def test_invalid_values_are_invalid_for_their_label(drawn: Labelled[object]) -> None:
    assert isinstance(drawn, Labelled)
    assert drawn.label in INVALID_LABELS
    assert invalid_reason(drawn.value) == drawn.label
    assert spec_verdict(drawn.value) == "invalid"


@settings(SETTINGS, max_examples=1000)
@given(gray_zone_phone_numbers())
def test_gray_values_are_gray(drawn: Labelled[object]) -> None:
    assert drawn.label in GRAY_LABELS
    assert isinstance(drawn.value, str)
    assert spec_verdict(drawn.value) == "gray"


@settings(SETTINGS, max_examples=200)
@given(invalid_phone_numbers(labels=["letters_in_number", "not_a_string"]))
def test_invalid_labels_can_be_chosen(drawn: Labelled[object]) -> None:
    assert drawn.label in ("letters_in_number", "not_a_string")


@settings(SETTINGS, max_examples=200)
@given(gray_zone_phone_numbers(labels=("dashes",)))
def test_gray_labels_can_be_chosen(drawn: Labelled[object]) -> None:
    assert drawn.label == "dashes"
    assert "-" in drawn.value  # type: ignore[operator]


# --------------------------------------------------------------------------- coverage (fixed seed)


@functools.cache
def _valid_sample() -> tuple[str, ...]:
    return tuple(draw_examples(valid_phone_numbers(), 5000, seed=0))


def test_at_least_200_regions_in_5000_valid_draws() -> None:
    regions = collections.Counter(
        phonenumbers.region_code_for_number(_parse_real(v)) for v in _valid_sample() if v not in SPEC_EXAMPLES
    )
    assert len(regions) >= 200, len(regions)


def test_valid_draws_favour_the_boundaries() -> None:
    sample = _valid_sample()
    assert set(SPEC_EXAMPLES) <= set(sample)
    bases = [v.partition("x")[0] for v in sample]
    country_codes = {b[1:].partition(" ")[0] for b in bases}
    assert {len(cc) for cc in country_codes} == {1, 2, 3}
    national_lengths = collections.Counter(len(b.partition(" ")[2]) for b in bases)
    assert national_lengths[4] >= 50  # the shortest valid national numbers
    assert national_lengths[13] >= 50  # the longest ones phonenumbers knows (AT, DE, IN)
    extension_lengths = collections.Counter(len(v.partition("x")[2]) for v in sample if "x" in v)
    assert extension_lengths[1] >= 50
    assert extension_lengths[10] >= 50
    assert set(extension_lengths) == set(range(1, 11))
    assert 0.5 * len(sample) < sum(1 for v in sample if "x" not in v)  # most have no extension
    assert len(set(sample)) > 0.9 * len(sample)


def test_every_invalid_label_is_drawn() -> None:
    drawn = draw_examples(invalid_phone_numbers(), 1000, seed=0)
    assert set(collections.Counter(d.label for d in drawn)) == set(INVALID_LABELS)
    json_kinds = {type(d.value).__name__ for d in drawn if d.label == "not_a_string"}
    assert {"NoneType", "bool", "list", "dict"} <= json_kinds
    assert json_kinds & {"int", "float"}


def test_every_gray_label_is_drawn() -> None:
    drawn = draw_examples(gray_zone_phone_numbers(), 1000, seed=0)
    assert set(collections.Counter(d.label for d in drawn)) == set(GRAY_LABELS)


def test_no_spec_examples_without_the_us() -> None:
    drawn = draw_examples(valid_phone_numbers(regions=["GB"]), 200, seed=0)
    assert all(v.startswith("+44 ") for v in drawn)


def test_spec_examples_without_extensions() -> None:
    drawn = draw_examples(valid_phone_numbers(regions=["US"], extensions=False), 300, seed=0)
    assert {"+1 5555551234", "+1 2065555554"} <= set(drawn)
    assert not any("x" in v for v in drawn)


# --------------------------------------------------------------------------- argument validation


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"regions": ["XX"]}, "unknown phonenumbers region code"),
        ({"regions": []}, "must not be empty"),
        ({"regions": "GB"}, "not a single string"),
        ({"regions": ["gb"]}, "case matters"),
        ({"regions": 44}, "collection"),
        ({"regions": ["GB", None]}, "unknown"),
        ({"extensions": "yes"}, "True or False"),
        ({"extensions": 1}, "True or False"),
    ],
)
def test_valid_phone_numbers_rejects_impossible_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        valid_phone_numbers(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("factory", [invalid_phone_numbers, gray_zone_phone_numbers])
@pytest.mark.parametrize("labels", [[], ["no_such_label"], "dashes"])
def test_labelled_strategies_reject_unknown_labels(factory, labels) -> None:
    with pytest.raises(InvalidArgument):
        factory(labels=labels)


def test_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        valid_phone_numbers(["GB"])  # type: ignore[misc]


def test_labelled_reads_well() -> None:
    drawn = Labelled("no_leading_plus", "15555551234")
    assert repr(drawn) == "Labelled('no_leading_plus', '15555551234')"
    label, value = drawn
    assert (label, value) == ("no_leading_plus", "15555551234")
    with pytest.raises(AttributeError):
        drawn.label = "other"  # type: ignore[misc]


def test_the_order_of_regions_does_not_matter() -> None:
    as_list = draw_examples(valid_phone_numbers(regions=["GB", "DE"]), 50, seed=3)
    as_set = draw_examples(valid_phone_numbers(regions={"DE", "GB"}), 50, seed=3)
    assert as_list == as_set


def test_every_supported_region_has_real_numbers_to_draw() -> None:
    from strategies._phone_pools import region_pool

    assert len(SUPPORTED_REGIONS) >= 240
    sizes = {region: len(region_pool(region)) for region in SUPPORTED_REGIONS}
    assert min(sizes.values()) >= 20, sorted(sizes.items(), key=lambda item: item[1])[:5]


def test_the_boundary_corpora_sit_on_both_sides_of_the_line() -> None:
    """Valid edges (leading-zero extensions, shortest, longest, 1-3 digit country codes) and invalid
    values one edit from valid, one per label."""
    from strategies.phone_numbers import BOUNDARY_INVALID, INVALID_LABELS, boundary_phone_numbers, invalid_reason

    valid = dict(boundary_phone_numbers())
    assert all(spec_verdict(n) == "valid" for n in valid.values()), valid
    extensions = [n.partition("x")[2] for n in valid.values() if "x" in n]
    assert any(e.startswith("0") and len(e) > 1 for e in extensions) and any(len(e) == 10 for e in extensions)
    nationals = [n.split(" ")[1].partition("x")[0] for n in valid.values()]
    assert min(map(len, nationals)) == 4 and max(map(len, nationals)) >= 13
    assert {len(n[1:].split(" ")[0]) for n in valid.values()} == {1, 2, 3}
    assert [label for label, _ in BOUNDARY_INVALID] == list(INVALID_LABELS)
    assert all(invalid_reason(v) == label for label, v in BOUNDARY_INVALID)
