"""The one module the conformance tests import: their fixtures' types, checks, numbers and settings.

Suite tests (``conformance/suite/``) reach the suite's machinery only through here and through
``conformance.spec`` (the rule model); an import-linter contract holds them to it. Re-exports only.
"""

from __future__ import annotations

from conformance.pytest_plugin.checks import (
    CONFLICT_FAMILY,
    CONTENT_TYPE_FAMILY,
    NOT_FOUND_FAMILY,
    SPEC_FORM,
    VALIDATION_FAMILY,
    describe_response,
    error_code,
    expect_error_code,
    expect_error_envelope,
    expect_no_server_error,
    expect_number,
    expect_rejected,
    expect_status,
    expect_success,
    expect_unchanged,
    not_unique_conflict,
    snapshot,
)
from conformance.pytest_plugin.settings import (
    EXPENSIVE_EXAMPLE,
    FEW_BEHAVIOURS,
    PER_CASE,
    PER_GRAY_LABEL,
    PER_INVALID_LABEL,
    PER_SEQUENCE,
    WIDENS_EXHAUSTIVE,
    in_budget_plan,
    suite_settings,
)
from conformance.safety import budget
from conformance.target.auth.contexts import describe_context
from conformance.target.auth.providers import SELF_CONTEXT
from conformance.target.client import GraphClient
from conformance.target.numbers import fresh_number
from conformance.target.profile import User
from conformance.target.target import Target

__all__ = [
    "CONFLICT_FAMILY",
    "CONTENT_TYPE_FAMILY",
    "EXPENSIVE_EXAMPLE",
    "FEW_BEHAVIOURS",
    "NOT_FOUND_FAMILY",
    "PER_CASE",
    "PER_GRAY_LABEL",
    "PER_INVALID_LABEL",
    "PER_SEQUENCE",
    "SELF_CONTEXT",
    "SPEC_FORM",
    "VALIDATION_FAMILY",
    "WIDENS_EXHAUSTIVE",
    "GraphClient",
    "Target",
    "User",
    "budget",
    "describe_context",
    "describe_response",
    "error_code",
    "expect_error_code",
    "expect_error_envelope",
    "expect_no_server_error",
    "expect_number",
    "expect_rejected",
    "expect_status",
    "expect_success",
    "expect_unchanged",
    "fresh_number",
    "in_budget_plan",
    "not_unique_conflict",
    "snapshot",
    "suite_settings",
]
