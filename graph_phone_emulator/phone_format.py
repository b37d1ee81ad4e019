"""Phone number grammar (contract §1): classify a value as valid, invalid or gray, and normalise.

* valid: ``+CC N[xE]`` with an assigned country calling code, ``4 <= len(N) <= 14``,
  ``len(CC) + len(N) <= 15`` and ``1 <= len(E) <= 10`` (ASCII digits, one space, lower-case ``x``).
* invalid: one of the labelled shapes every implementation must reject, checked first.
* gray: any other string. With ``gray = "accept"`` the emulator stores the gray values it can
  normalise to the valid spaced form; everything else is rejected.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import phonenumbers

Kind = Literal["valid", "invalid", "gray"]

_VALID = re.compile(r"\+([1-9][0-9]{0,2}) ([0-9]+)(?:x([0-9]+))?")
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_MARKERS = frozenset("xX")
_COUNTRY_CODE_ONLY = re.compile(r"\+[0-9]{1,3}\s*(?:[xX][0-9]*)?")
_LETTER_IN_COUNTRY_CODE = re.compile(r"\+[0-9]{1,3}[A-WYZa-wyz]")
_SEPARATORS = frozenset(" -.()")
_CALLING_CODES = frozenset(str(cc) for cc in phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


@dataclass(frozen=True)
class Verdict:
    """The classification of one value: its kind and, for invalid values, the contract's label."""

    kind: Kind
    label: str = ""


VALID = Verdict("valid")
GRAY = Verdict("gray")


def is_assigned_calling_code(code: str) -> bool:
    """True when ``code`` (ASCII digits) is an assigned country calling code per phonenumbers."""
    return phonenumbers.region_code_for_country_code(int(code)) != "ZZ"


def _is_valid(value: str) -> bool:
    match = _VALID.fullmatch(value)
    if match is None:
        return False
    cc, national, ext = match.groups()
    if not 4 <= len(national) <= 14 or len(cc) + len(national) > 15:
        return False
    if ext is not None and not 1 <= len(ext) <= 10:
        return False
    return is_assigned_calling_code(cc)


def _invalid_label(value: str) -> str | None:
    """The contract's invalid label for ``value`` (a str), or None when it is not invalid.

    Checks run in the contract's order. Only ASCII letters count as letters; one ``x``/``X`` is an
    extension marker, not a letter.
    """
    text = value.strip()
    if not text:
        return "empty_or_whitespace"
    if text[0] != "+":
        return "no_leading_plus" if text[0].isascii() and text[0].isalnum() else None
    rest = text[1:]
    if not any(c.isdecimal() for c in rest) or rest.lstrip()[0] in _ASCII_LETTERS:
        return "plus_without_digits"
    if _COUNTRY_CODE_ONLY.fullmatch(text):
        return "country_code_without_number"
    if any(c in _ASCII_LETTERS and c not in _MARKERS for c in text):
        return "letters_in_country_code" if _LETTER_IN_COUNTRY_CODE.match(text) else "letters_in_number"
    markers = [i for i, c in enumerate(text) if c in _MARKERS]
    if len(markers) >= 2:
        return "two_extension_markers"
    if markers and not any(c.isdecimal() for c in text[markers[0] + 1:]):
        return "extension_without_digits"
    return None


def classify(value: str) -> Verdict:
    """Classify a string phone number per contract §1 (use :func:`classify_any` for other JSON)."""
    return _classify_cached(value) if len(value) <= _CACHEABLE else _classify(value)


def _classify(value: str) -> Verdict:
    if _is_valid(value):
        return VALID
    label = _invalid_label(value)
    return Verdict("invalid", label) if label else GRAY


_CACHEABLE = 64
_classify_cached = lru_cache(maxsize=4096)(_classify)


def classify_any(value: object) -> Verdict:
    """Classify any JSON value: non-strings are invalid (``not_a_string``)."""
    if not isinstance(value, str):
        return Verdict("invalid", "not_a_string")
    return classify(value)


def _ascii_digit(char: str) -> str | None:
    if "0" <= char <= "9":
        return char
    try:
        return str(unicodedata.decimal(char))
    except (TypeError, ValueError):
        return None


def normalise(value: str) -> str | None:
    """Normalise a gray value to the valid spaced form ``+CC N[xE]``, or None when that is impossible.

    Strips surrounding whitespace, drops inner separators (spaces, dashes, dots, parentheses), maps
    non-ASCII decimal digits to ASCII, reads ``X`` as ``x`` and splits the country code off with
    phonenumbers' calling codes; the result must itself be valid.
    """
    text = value.strip()
    if not text.startswith("+"):
        return None
    main, marker, ext_raw = text[1:].replace("X", "x").partition("x")
    digits = []
    for char in main:
        digit = _ascii_digit(char)
        if digit is not None:
            digits.append(digit)
        elif not (char in _SEPARATORS or char.isspace()):
            return None
    ext = []
    for char in ext_raw:
        digit = _ascii_digit(char)
        if digit is None:
            return None
        ext.append(digit)
    number = "".join(digits)
    for size in (1, 2, 3):
        if number[:size] in _CALLING_CODES:
            candidate = f"+{number[:size]} {number[size:]}"
            if marker:
                candidate += "x" + "".join(ext)
            return candidate if _is_valid(candidate) else None
    return None


MASK_FORMATS = ("cc-stars", "x-all", "tail-only")
"""The mask shapes (choice ``masked_format``): ``+1 ********34``, ``+X XXXXXXXX34``, ``********34``."""


def mask(number: str, shape: str = "cc-stars") -> str:
    """Mask a stored number for an Authentication Administrator, keeping the last two digits.

    ``+1 5555551234x123`` becomes ``+1 ********34`` (``cc-stars``: the country code kept),
    ``+X XXXXXXXX34`` (``x-all``) or ``********34`` (``tail-only``); the extension is never shown.
    Any other ``shape`` is a mask pattern (:func:`mask_pattern`), e.g. ``+# XXXXXXXX##``.
    """
    if shape not in MASK_FORMATS:
        pattern = mask_pattern(shape)
        if pattern is None:
            raise ValueError(f"unknown mask shape {shape!r}")
        return pattern.apply(number)
    cc, _, rest = number.partition(" ")
    national = rest.partition("x")[0]
    if not rest:
        return "*" * max(len(number) - 2, 0) + number[-2:]
    hidden = max(len(national) - 2, 0)
    if shape == "x-all":
        return f"+{'X' * max(len(cc) - 1, 1)} {'X' * hidden}{national[-2:]}"
    if shape == "tail-only":
        return f"{'*' * hidden}{national[-2:]}"
    return f"{cc} {'*' * hidden}{national[-2:]}"


# -- gray-zone classes (issue 22: the gray zone answered per class) -------------------------------

GRAY_LABELS = (
    "no_space_after_country_code", "inner_spaces", "dashes", "dots", "parentheses", "surrounding_whitespace",
    "non_ascii_digits", "unassigned_country_code", "national_number_too_short", "national_number_too_long",
    "too_many_digits", "extension_too_long", "uppercase_extension_marker",
)
"""The gray-zone classes this emulator tells apart (the same names as the suite's strategies)."""

_SPACED = re.compile(r"\+([0-9]{1,3}) ([0-9]+)(?:x([0-9]+))?")


def gray_label(value: str) -> str:
    """The gray-zone class of ``value`` (a gray string), or ``""`` when none fits.

    Checked in this order: surrounding whitespace, non-ASCII digits, an uppercase ``X`` marker,
    parentheses, dots, dashes, no space after the country code, inner spaces; then, for the spaced
    form ``+CC N[xE]``: an unassigned country code, an extension over 10 digits, a national number
    under 4 or over 14 digits, more than 15 digits in all.
    """
    if value != value.strip():
        return "surrounding_whitespace"
    if any(not c.isascii() and c.isdecimal() for c in value):
        return "non_ascii_digits"
    for mark, label in (("X", "uppercase_extension_marker"), ("(", "parentheses"), (")", "parentheses"),
                        (".", "dots"), ("-", "dashes")):
        if mark in value:
            return label
    if value.startswith("+") and " " not in value:
        return "no_space_after_country_code"
    if value.count(" ") > 1:
        return "inner_spaces"
    match = _SPACED.fullmatch(value)
    if match is None:
        return ""
    cc, national, ext = match.groups()
    if not is_assigned_calling_code(cc):
        return "unassigned_country_code"
    if ext is not None and len(ext) > 10:
        return "extension_too_long"
    if len(national) < 4:
        return "national_number_too_short"
    if len(national) > 14:
        return "national_number_too_long"
    if len(cc) + len(national) > 15:
        return "too_many_digits"
    return ""


# -- masks seen on other targets (issue 22: any observed mask, applied by position and class) -----

@dataclass(frozen=True)
class MaskPattern:
    """A mask read from one masked number, applied to others by class of character.

    ``prefix`` is how ``+`` and the country code show (``None``: not shown): ``"keep"`` or the
    character that stands for each country-code digit. The national number shows its first ``head``
    and last ``tail`` digits; each digit between is written ``hide`` (``""``: the whole number shown).
    The extension is never shown.
    """

    prefix: str | None
    head: int
    tail: int
    hide: str

    def apply(self, number: str) -> str:
        """``number`` (stored form ``+CC N[xE]``) masked by this pattern."""
        cc, space, rest = number.partition(" ")
        if not space:
            cc, rest = "", number
        national = rest.partition("x")[0]
        if not self.hide:
            shown = national
        else:
            head = national[:self.head]
            tail = national[len(head):][-self.tail:] if self.tail else ""
            shown = head + self.hide * (len(national) - len(head) - len(tail)) + tail
        if self.prefix is None or not cc:
            return shown
        digits = cc.removeprefix("+")
        return f"+{digits if self.prefix == 'keep' else self.prefix * len(digits)} {shown}"


_MASK_NATIONAL = re.compile(r"(#*)([^#\s+])\2*(#*)|(#+)")


def mask_pattern(pattern: str) -> MaskPattern | None:
    """Read a mask written as a number shape (digits as ``#``): ``+# XXXXXXXX##``, ``********##``, ...

    ``full`` shows the whole number. None when the pattern is not of the form ``[+CC ]NATIONAL`` with
    ``CC`` all ``#`` or all one character and ``NATIONAL`` kept digits, one hiding character, kept digits.
    """
    if pattern == "full":
        return MaskPattern("keep", 0, 0, "")
    prefix: str | None = None
    national = pattern
    if pattern.startswith("+"):
        head, space, national = pattern[1:].partition(" ")
        if not space or not head or len(set(head)) != 1 or head[0].isspace():
            return None
        prefix = "keep" if head[0] == "#" else head[0]
    match = _MASK_NATIONAL.fullmatch(national)
    if match is None:
        return None
    if match.group(4):
        return MaskPattern(prefix, len(national), 0, "")
    return MaskPattern(prefix, len(match.group(1)), len(match.group(3)), match.group(2))
