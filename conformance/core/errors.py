"""Errors of the suite's own tools, each with the exit code the CLI gives it."""

from __future__ import annotations

EXIT_CONFORMS = 0
EXIT_NONCONFORMANT = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_BROKEN = 4
EXIT_RESTORE_FAILED = 5
"""A user may not be as the run found them: outranks every verdict (someone may be locked out)."""


class ToolError(Exception):
    """An error in how the suite was invoked or configured: printed as one line, never a traceback."""

    exit_code = EXIT_USAGE


class ProfileError(ToolError):
    """A target profile is missing, unreadable or inconsistent."""

    exit_code = EXIT_USAGE


class CredentialError(ToolError):
    """A token or secret the profile names is missing from the environment."""

    exit_code = EXIT_USAGE


class MalformedCredential(CredentialError):
    """A token or secret the profile names is present but unusable (whitespace, control characters)."""

    exit_code = EXIT_USAGE


class TargetUnreachable(ToolError):
    """The target did not answer, or rejected the credentials at preflight."""

    exit_code = EXIT_UNREACHABLE


class EnvironmentBroken(ToolError):
    """The environment stopped the run before any test (e.g. the preflight kept being throttled)."""

    exit_code = EXIT_BROKEN


class GuardRefusal(ToolError):
    """The safety guard refused to send a request (a write to a user not on the allow-list)."""

    exit_code = EXIT_USAGE


class BudgetExhausted(ToolError):
    """The run's request budget is spent."""

    exit_code = EXIT_BROKEN
