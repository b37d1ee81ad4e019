"""Hypothesis strategies for the Microsoft Graph phone authentication methods API.

Importable on its own (it needs only hypothesis and phonenumbers)::

    from strategies import valid_phone_numbers, invalid_phone_numbers, spec_verdict

Phone numbers (contract §1): :func:`valid_phone_numbers`, :func:`invalid_phone_numbers`,
:func:`gray_zone_phone_numbers` and the grammar :func:`spec_verdict` / :func:`invalid_reason`.
Types and ids: :data:`PHONE_METHOD_IDS` and the strategies of :mod:`strategies.methods`.
Callers: :class:`PermissionContext` and :func:`permission_contexts`. A text report of samples:
:func:`sample_report`.
"""

from strategies.labelled import Labelled
from strategies.methods import (
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
from strategies.permissions import (
    ADDRESS_FORMS,
    ADDRESSEES,
    ALL_APP_ROLES,
    ALL_SCOPES,
    BROKEN_TOKEN_KINDS,
    DELEGATED_FAMILIES,
    DIRECTORY_ROLES,
    TOKEN_KINDS,
    UPN_FORMS,
    Addressee,
    PermissionContext,
    TokenKind,
    permission_contexts,
)
from strategies.phone_grammar import (
    INVALID_LABELS,
    SPEC_EXAMPLES,
    Verdict,
    invalid_reason,
    is_spec_valid,
    spec_verdict,
)
from strategies.phone_numbers import (
    GRAY_LABELS,
    SUPPORTED_REGIONS,
    UNASSIGNED_COUNTRY_CODES,
    PhoneParts,
    gray_zone_phone_numbers,
    invalid_phone_numbers,
    valid_phone_numbers,
)
from strategies.samples import sample_report

__all__ = [
    "ADDRESSEES",
    "ADDRESS_FORMS",
    "ALL_APP_ROLES",
    "ALL_SCOPES",
    "BROKEN_TOKEN_KINDS",
    "DELEGATED_FAMILIES",
    "DIRECTORY_ROLES",
    "GRAY_LABELS",
    "GRAY_PHONE_TYPES",
    "INVALID_LABELS",
    "PHONE_METHOD_IDS",
    "PHONE_TYPES",
    "SPEC_EXAMPLES",
    "SUPPORTED_REGIONS",
    "TOKEN_KINDS",
    "TYPE_FOR_ID",
    "UNASSIGNED_COUNTRY_CODES",
    "UNKNOWN_PHONE_TYPE_EXAMPLES",
    "UPN_FORMS",
    "Addressee",
    "Labelled",
    "PermissionContext",
    "PhoneParts",
    "TokenKind",
    "Verdict",
    "gray_phone_types",
    "gray_zone_phone_numbers",
    "invalid_phone_numbers",
    "invalid_reason",
    "is_spec_valid",
    "malformed_method_ids",
    "matching_pairs",
    "mismatched_pairs",
    "permission_contexts",
    "phone_types",
    "sample_report",
    "spec_verdict",
    "unknown_method_ids",
    "unknown_phone_types",
    "valid_phone_numbers",
]
