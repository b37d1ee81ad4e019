"""Per-region pools of realistic national numbers, built once from phonenumbers' metadata.

Internal to :mod:`strategies.phone_numbers`. A pool holds national significant numbers that
``phonenumbers`` accepts as valid *for that region* (and that it maps back to that region), varied
from the metadata's example numbers: every number type's example, its trailing 1-5 digits replaced by
fixed scrambles, and the example cut or extended to each possible length of its type. Pools are
built lazily, one region at a time, and cached for the life of the process, so drawing is a couple
of index look-ups with no phonenumbers call.
"""

from __future__ import annotations

import functools
from typing import Final, NamedTuple

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumber

from strategies.phone_grammar import MAX_NATIONAL_DIGITS, MAX_TOTAL_DIGITS, MIN_NATIONAL_DIGITS

SUPPORTED_REGIONS: Final = tuple(sorted(phonenumbers.SUPPORTED_REGIONS))
"""Every geographic region phonenumbers has metadata for (ISO 3166 alpha-2, upper case)."""

_DESC_FIELDS: Final = (
    "fixed_line",
    "mobile",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "personal_number",
    "voip",
    "pager",
    "uan",
    "voicemail",
)
# Digit patterns written over the tail of an example number: the extremes, and fixed scrambles.
_FILLS: Final = (
    "00000000000000",
    "99999999999999",
    "13579246801357",
    "24680135792468",
    "95425550349106",
    "54912103503446",
    "63795630945463",
    "38260605865167",
    "50199204538058",
    "03355860821440",
    "97499213557760",
)
_TAIL_LENGTHS: Final = (1, 2, 3, 4, 5)


class Candidate(NamedTuple):
    """One valid number: its region, country calling code and national significant number."""

    region: str
    country_code: str
    national: str


def phone_number(country_code: str, national: str) -> PhoneNumber:
    """The phonenumbers object for ``+{country_code} {national}`` (leading zeros kept)."""
    number = PhoneNumber(country_code=int(country_code), national_number=int(national))
    zeros = len(national) - len(national.lstrip("0"))
    if zeros:
        number.italian_leading_zero = True
        if zeros > 1:
            number.number_of_leading_zeros = zeros
    return number


def is_valid_for_region(region: str, country_code: str, national: str, *, mapped: bool = True) -> bool:
    """Whether phonenumbers accepts ``+{country_code} {national}`` as a valid number of ``region``.

    Also requires the number to fit the contract's lengths and to round-trip its digits; with
    ``mapped``, also that ``region_code_for_number`` maps it back to ``region`` (which matters for
    regions sharing a calling code).
    """
    if not (
        national.isascii()
        and national.isdigit()
        and MIN_NATIONAL_DIGITS <= len(national) <= MAX_NATIONAL_DIGITS
        and len(country_code) + len(national) <= MAX_TOTAL_DIGITS
    ):
        return False
    number = phone_number(country_code, national)
    return (
        phonenumbers.national_significant_number(number) == national
        and phonenumbers.is_valid_number_for_region(number, region)
        and (not mapped or phonenumbers.region_code_for_number(number) == region)
    )


def _variants(example: str, lengths: tuple[int, ...]) -> set[str]:
    """Candidate national numbers derived from one example number (unchecked)."""
    out = {example}
    for fill in _FILLS:
        for k in _TAIL_LENGTHS:
            if k < len(example):
                out.add(example[:-k] + fill[:k])
        for length in lengths:
            if length < len(example):
                out.add(example[:length])
            elif length > len(example):
                out.add(example + fill[: length - len(example)])
    return out


@functools.cache
def region_pool(region: str) -> tuple[Candidate, ...]:
    """All valid candidates of ``region``, shortest first (cached; empty if the metadata has none).

    Candidates are numbers phonenumbers maps back to ``region``. A few regions share their calling
    code with a main region that claims all their numbers (``EH`` with ``MA``, ``MF`` with ``GP``);
    their pool holds numbers valid for the region that phonenumbers maps to the main region.
    Building a pool checks a few hundred numbers, one region at a time (phonenumbers compiles its
    patterns through ``re``'s cache, which checks that hop between regions would thrash).
    """
    metadata = PhoneMetadata.metadata_for_region(region)
    if metadata is None:
        return ()
    country_code = str(metadata.country_code)
    general = tuple(n for n in (metadata.general_desc.possible_length or ()) if n > 0)
    raw: set[str] = set()
    for field in _DESC_FIELDS:
        desc = getattr(metadata, field, None)
        if desc is None or not desc.example_number:
            continue
        lengths = tuple(n for n in (desc.possible_length or ()) if n > 0) or general
        raw |= _variants(desc.example_number, lengths)
    valid = [n for n in raw if is_valid_for_region(region, country_code, n)]
    if not valid:
        valid = [n for n in raw if is_valid_for_region(region, country_code, n, mapped=False)]
    valid.sort(key=lambda n: (len(n), n))
    return tuple(Candidate(region, country_code, n) for n in valid)
