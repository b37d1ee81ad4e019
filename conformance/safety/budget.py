"""The budget plan: a full run sized for a real tenant, every rule exercised in a few hundred requests.

Against the emulator the suite draws dozens of Hypothesis examples per property (thousands of
requests). Against a tenant (``mode = "full"``) or with ``--budget-plan`` it instead runs, for each
rule, the smallest set of examples that still exercises every branch of the rule's oracle:

* every label of invalid numbers once (one test per label, one example each);
* every permission boundary of the rule model once (``BOUNDARIES`` in ``test_permissions``, one test
  case each, instead of drawn contexts);
* each addressing form once (``/me``, ``/users/{id}``, ``/users/{upn}`` as written, encoded, upper-case,
  ``/users('upn')``: the permission boundaries rotate through them, and four rows of the addressing matrix);
* a short state-machine walk (:data:`STATE_MACHINE_STEPS` steps);
* a sample of the schema layer (:data:`KEEP`, one positive or negative case per kept operation, no
  schemathesis coverage phase), of the gray zone and of the parametrized cases whose oracle is the
  same for every value (:data:`KEEP`);
* one example of every other property, never shrunk (shrinking sends more requests).

The emulator run keeps its budgets. ``python -m conformance run --plan`` prints the planned examples
per rule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

EXAMPLES = 1
"""Hypothesis examples per property in the budget plan."""

STATE_MACHINE_STEPS = 6
"""Steps of the one state-machine walk in the budget plan."""

_SCHEMA_SAMPLE = (
    "positive][GET /users/{user-id}/authentication/phoneMethods",
    "positive][GET /users/{user-id}/authentication/phoneMethods/{phoneAuthenticationMethod-id}",
    "positive][PATCH /users/{user-id}/authentication/phoneMethods/{phoneAuthenticationMethod-id}",
    "positive][POST /users/{user-id}/authentication/phoneMethods",
    "negative][PATCH /users/{user-id}/authentication/phoneMethods/{phoneAuthenticationMethod-id}",
)

CANNOT_KILL: dict[str, str] = {
    # fault -> why the budget plan cannot kill it (``faults --budget-plan`` lists these in faults.md).
    # Empty: measured against the emulator, the plan kills every fault of the catalog. Two are killed
    # only by another rule's test: ``drop-extension`` (update-204) and ``reject-extension``
    # (number-valid-accepted) need a drawn valid number with an extension, which one example of
    # ``valid_phone_numbers()`` does not carry; ``test_create_answers_201_with_the_object`` sends one.
}
"""Faults of the catalog a single example per oracle branch cannot kill, with the reason."""

KEEP: dict[str, tuple[str, ...]] = {
    # every permission rule's boundaries are tests of their own (test_boundary_context_...): no drawn contexts
    "test_operation_under_context_matches_the_rule_model": (),
    # test function -> the parametrized cases the budget plan keeps (a test not named keeps them all)
    "test_answers_match_the_description": _SCHEMA_SAMPLE,
    "test_gray_zone_outcome_is_recorded_and_consistent": ("no_space_after_country_code", "extension_too_long"),
    "test_body_without_json_content_type_is_rejected": ("update-None", "create-text/plain"),
    "test_malformed_json_is_rejected": ('{"phoneNumber": ', "["),
    "test_open_phone_type_spellings_are_recorded": ("Mobile",),
    "test_absent_method_answers_404_and_creates_nothing": ("get-office", "update-alternateMobile", "delete-mobile"),
    "test_delete_answers_204_and_the_method_is_gone": ("mobile",),
    "test_second_method_of_a_type_is_rejected": ("office",),
    "test_type_is_changed_by_adding_the_new_and_deleting_the_old": ("mobile-office",),
    "test_foreign_odata_type_is_rejected_and_nothing_changes": ("number-update", "email-method-create"),
    "test_own_or_absent_odata_type_is_accepted": ("own-type",),
    # addressing: one row per kind of proof (the refusal that depends on the addressed user under a UPN, a
    # read right after another user's, a write through a UPN, the /users('upn') key form)
    "test_every_address_form_reaches_the_addressed_user_only": (
        "auth_admin-upn-privileged_target-update", "privileged_auth_admin-id-ordinary_target-get",
        "privileged_auth_admin-upn-self-update", "application-users-key-ordinary_target-get"),
    # the second signed-in user: a /me that resolves to the directory's first user (the caller) shows there
    "test_me_reads_and_writes_the_signed_in_user": ("ordinary_target",),
    # the longest number with the longest extension, which starts with zeros: three edges in one
    "test_boundary_numbers_are_accepted_and_stored_as_sent": ("longest_with_longest_zero_extension",),
    "test_read_only_property_sent_never_takes_the_sent_value": ("update-smsSignInState",),
    "test_enable_sms_sign_in_on_a_non_mobile_is_rejected": ("office",),
    "test_unknown_user_answers_404": ("upn", "known-local-part"),
    # the drawn test sends every invalid label once already
    "test_invalid_number_one_edit_from_valid_is_rejected": (),
}


def case_id(function: str, name: str) -> str | None:
    """The parametrized case of a test item's ``name`` (``test_x[a-b]`` -> ``a-b``), or None."""
    if not name.startswith(function + "[") or not name.endswith("]"):
        return None
    return name[len(function) + 1:-1]


def kept(function: str, name: str) -> bool:
    """True when the budget plan runs the test item ``name`` of ``function``."""
    cases = KEEP.get(function)
    if cases is None:
        return True
    return case_id(function, name) in cases


def examples_per_rule(planned: Iterable[tuple[tuple[str, ...], int]]) -> Counter[str]:
    """Sum ``(rules of a test, its planned examples)`` per rule."""
    counts: Counter[str] = Counter()
    for rules, examples in planned:
        for rule in rules:
            counts[rule] += examples
    return counts
