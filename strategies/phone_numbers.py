"""Strategies for ``phoneNumber`` values: valid, invalid and gray-zone, per contract §1.

* :func:`boundary_phone_numbers` is the fixed corpus of valid numbers at the grammar's edges (leading
  zeros in extensions, the shortest and longest numbers, 1-, 2- and 3-digit country codes) that every
  number property sends before its drawn examples.
* :func:`valid_phone_numbers` draws numbers every correct implementation must accept, in the spec's
  form ``+{country code} {national number}`` with an optional ``x{extension}``. They are real
  numbers: phonenumbers accepts each (except the seed page's own :data:`SPEC_EXAMPLES`).
* :func:`invalid_phone_numbers` draws :class:`Labelled` values every correct implementation must
  reject; the label (one of :data:`INVALID_LABELS`) names the defect.
* :func:`gray_zone_phone_numbers` draws :class:`Labelled` values the spec leaves open (one of
  :data:`GRAY_LABELS`); the suite records what an implementation does with them, never asserts.

The grammar itself is :func:`spec_verdict` (from :mod:`strategies.phone_grammar`, re-exported here).
"""

from strategies._gray_values import GRAY_LABELS, UNASSIGNED_COUNTRY_CODES, gray_zone_phone_numbers
from strategies._invalid_values import BOUNDARY_INVALID, invalid_phone_numbers
from strategies._valid_values import SUPPORTED_REGIONS, PhoneParts, boundary_phone_numbers, valid_phone_numbers
from strategies.labelled import Labelled
from strategies.phone_grammar import (
    INVALID_LABELS,
    SPEC_EXAMPLES,
    Verdict,
    invalid_reason,
    is_spec_valid,
    spec_verdict,
)

__all__ = [
    "BOUNDARY_INVALID",
    "GRAY_LABELS",
    "INVALID_LABELS",
    "SPEC_EXAMPLES",
    "SUPPORTED_REGIONS",
    "UNASSIGNED_COUNTRY_CODES",
    "Labelled",
    "PhoneParts",
    "Verdict",
    "boundary_phone_numbers",
    "gray_zone_phone_numbers",
    "invalid_phone_numbers",
    "invalid_reason",
    "is_spec_valid",
    "spec_verdict",
    "valid_phone_numbers",
]
