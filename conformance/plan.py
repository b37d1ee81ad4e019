"""``run --plan``: say what a run would do and to whom, sending nothing."""

from __future__ import annotations

from conformance.errors import EXIT_CONFORMS
from conformance.profile import TargetProfile
from conformance.rules import rules_for


def print_plan(profile: TargetProfile, edition: str) -> int:
    """Print the mode, the budget, the users the run may write to and the rules it checks."""
    print(f"target {profile.name} ({profile.kind}), edition {edition}, mode {profile.mode}, "
          f"request budget {profile.request_budget or 'unlimited'}")
    writes = profile.mode != "readonly"
    print("users the run may write to:" if writes else "users the run reads (mode readonly, no writes):")
    for user in profile.test_users():
        print(f"  {user.key:<16} {user.id}  {user.upn}")
    print("rules:")
    for rule in rules_for(edition):
        print(f"  {rule.id}")
    return EXIT_CONFORMS
