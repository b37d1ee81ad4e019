"""The phone number grammar of contract §1, stated once as pure functions.

``spec_verdict(value)`` says whether every correct implementation must accept ``value`` as a
``phoneNumber`` ("valid"), must reject it ("invalid"), or whether the spec leaves it open ("gray").
``invalid_reason(value)`` names the defect of an invalid value with one of :data:`INVALID_LABELS`.

The seed page's format is ``+{country code} {number}x{extension}`` with the extension optional, e.g.
``+1 5555551234`` and ``+1 5555551234x123``.
"""

from __future__ import annotations

import re
import string
from typing import Final, Literal

import phonenumbers

Verdict = Literal["valid", "invalid", "gray"]
"""What the spec requires of an implementation for a value: accept, reject, or nothing."""

MIN_NATIONAL_DIGITS: Final = 4
"""Fewest national digits of a valid number (contract §1)."""
MAX_NATIONAL_DIGITS: Final = 14
"""Most national digits of a valid number (contract §1)."""
MAX_TOTAL_DIGITS: Final = 15
"""Most digits of country code plus national number together (contract §1; E.164's limit)."""
MAX_EXTENSION_DIGITS: Final = 10
"""Most extension digits of a valid number (contract §1)."""

INVALID_LABELS: Final = (
    "not_a_string",
    "empty_or_whitespace",
    "no_leading_plus",
    "plus_without_digits",
    "country_code_without_number",
    "letters_in_country_code",
    "letters_in_number",
    "extension_without_digits",
    "two_extension_markers",
)
"""Every defect :func:`invalid_reason` can name, in the order it checks them (contract §1)."""

SPEC_EXAMPLES: Final = ("+1 5555551234", "+1 5555551234x123", "+1 2065555554")
"""The seed page's own examples. Valid by the spec, although phonenumbers rejects 555 numbers."""

_VALID: Final = re.compile(r"\+([1-9][0-9]{0,2}) ([0-9]+)(?:x([0-9]+))?")
_COUNTRY_CODE_ONLY: Final = re.compile(r"\+[0-9]{1,3}\s*(?:[xX][0-9]*)?")
_LETTER_IN_COUNTRY_CODE: Final = re.compile(r"\+[0-9]{1,3}[A-WYZa-wyz]")
_LETTERS: Final = frozenset(string.ascii_letters) - {"x", "X"}
_MARKERS: Final = frozenset("xX")


def invalid_reason(value: object) -> str | None:
    """The defect that makes ``value`` invalid (one of :data:`INVALID_LABELS`), or ``None``.

    Checks run in the order of :data:`INVALID_LABELS`; the first that applies names the defect.
    Only ASCII letters count as letters; one ``x``/``X`` is an extension marker, not a letter.
    ``None`` means the value is valid or gray (see :func:`spec_verdict`).
    """
    if not isinstance(value, str):
        return "not_a_string"
    text = value.strip()
    if not text:
        return "empty_or_whitespace"
    if text[0] != "+":
        return "no_leading_plus" if text[0].isascii() and text[0].isalnum() else None
    rest = text[1:]
    head = rest.lstrip()
    if not any(ch.isdecimal() for ch in rest) or head[0] in string.ascii_letters:
        return "plus_without_digits"
    if _COUNTRY_CODE_ONLY.fullmatch(text):
        return "country_code_without_number"
    if any(ch in _LETTERS for ch in text):
        return "letters_in_country_code" if _LETTER_IN_COUNTRY_CODE.match(text) else "letters_in_number"
    markers = [i for i, ch in enumerate(text) if ch in _MARKERS]
    if len(markers) >= 2:
        return "two_extension_markers"
    if markers and not any(ch.isdecimal() for ch in text[markers[0] + 1 :]):
        return "extension_without_digits"
    return None


def is_spec_valid(value: object) -> bool:
    """Whether ``value`` has exactly the valid form of contract §1 (it is then never invalid).

    ``+CC N`` or ``+CC NxE``: ASCII digits, one space, ``CC`` an assigned calling code of 1-3 digits
    not starting with 0, ``4 <= len(N) <= 14``, ``len(CC) + len(N) <= 15``, ``1 <= len(E) <= 10``.
    """
    if not isinstance(value, str):
        return False
    match = _VALID.fullmatch(value)
    if match is None:
        return False
    country_code, national, extension = match.groups()
    return (
        MIN_NATIONAL_DIGITS <= len(national) <= MAX_NATIONAL_DIGITS
        and len(country_code) + len(national) <= MAX_TOTAL_DIGITS
        and (extension is None or len(extension) <= MAX_EXTENSION_DIGITS)
        and is_assigned_country_code(country_code)
    )


def is_assigned_country_code(country_code: str) -> bool:
    """Whether ``country_code`` (ASCII digits) is a calling code phonenumbers knows a region for."""
    return phonenumbers.region_code_for_country_code(int(country_code)) != phonenumbers.UNKNOWN_REGION


def spec_verdict(value: object) -> Verdict:
    """What contract §1 requires of an implementation given ``value`` as ``phoneNumber``.

    "invalid" (every correct implementation must reject it) when :func:`invalid_reason` names a
    defect; otherwise "valid" (every correct implementation must accept it) when it has the exact
    form of :func:`is_spec_valid`; otherwise "gray" (the spec leaves it open: observe, never assert).
    """
    if invalid_reason(value) is not None:
        return "invalid"
    return "valid" if is_spec_valid(value) else "gray"
