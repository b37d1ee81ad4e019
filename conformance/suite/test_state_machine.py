"""A stateful model of one user's three phone slots: after every step the target equals the model.

The rule here is ``state-consistency``: what the target holds. Each step asserts only whether the move
was accepted (2xx) or refused (4xx); the exact status is the business of the rule that claims it
(``create-201``, ``update-204``, ``delete-204``, the refusal families of ``one-per-type`` and others).
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from conformance.testing import (
    PER_SEQUENCE,
    GraphClient,
    Target,
    User,
    budget,
    expect_status,
    fresh_number,
    in_budget_plan,
    not_unique_conflict,
    suite_settings,
)
from strategies.methods import PHONE_METHOD_IDS, PHONE_TYPES
from strategies.phone_numbers import invalid_phone_numbers, valid_phone_numbers

NUMBERS = st.one_of(valid_phone_numbers(), st.builds(fresh_number))
ACCEPTED = range(200, 300)
"""Any success: the exact status belongs to ``create-201`` / ``update-204`` / ``delete-204``."""
REFUSED = range(400, 500)
"""Any client error: the exact family belongs to the rule of each refusal."""


class PhoneSlots(RuleBasedStateMachine):
    """Valid and invalid moves on one user's mobile, alternateMobile and office slots."""

    target: Target
    user: User

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[str, str] = {}
        self.prefix = GraphClient.user_prefix("id", self.user)
        self.token = self.target.admin_token()

    @initialize()
    def empty_user(self) -> None:
        """Every scenario starts from a user with no phone methods."""
        self.target.reset(self.user, {})

    @rule(phone_type=st.sampled_from(PHONE_TYPES), number=NUMBERS)
    def create(self, phone_type: str, number: str) -> None:
        """Create a method; the model says whether the slot rules allow it."""
        r = self.target.client.create(self.prefix, {"phoneNumber": number, "phoneType": phone_type}, self.token)
        if phone_type in self.model:
            expect_status(r, REFUSED, f"a second {phone_type}")
        elif phone_type == "alternateMobile" and "mobile" not in self.model:
            expect_status(r, REFUSED, "alternateMobile without mobile")
        elif not self._saved_despite_conflict(r, phone_type, number):
            expect_status(r, ACCEPTED, f"creating {phone_type}")
            self.model[phone_type] = number

    def _saved_despite_conflict(self, r, phone_type: str, number: str) -> bool:
        """A 409 phoneNumberNotUnique to a valid write (the drawn number is another user's): Graph usually saves
        it all the same (facts §10); the read-back decides what the model holds."""
        if not not_unique_conflict(r):
            return False
        if self.target.numbers(self.user).get(phone_type) == number:
            self.model[phone_type] = number
        return True

    @rule(phone_type=st.sampled_from(PHONE_TYPES), bad=invalid_phone_numbers())
    def create_invalid(self, phone_type: str, bad) -> None:
        """Creating with an invalid number is always rejected."""
        r = self.target.client.create(self.prefix, {"phoneNumber": bad.value, "phoneType": phone_type}, self.token)
        expect_status(r, REFUSED, f"creating {phone_type} with {bad.label}")

    @rule(phone_type=st.sampled_from(PHONE_TYPES), number=NUMBERS)
    def update(self, phone_type: str, number: str) -> None:
        """Update a slot: 204 when the user has it, else 404."""
        r = self.target.client.update(self.prefix, PHONE_METHOD_IDS[phone_type], {"phoneNumber": number}, self.token)
        if phone_type in self.model:
            if not self._saved_despite_conflict(r, phone_type, number):
                expect_status(r, ACCEPTED, f"updating {phone_type}")
                self.model[phone_type] = number
        else:
            expect_status(r, REFUSED, f"updating an absent {phone_type}")

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data(), bad=invalid_phone_numbers())
    def update_invalid(self, data, bad) -> None:
        """Updating a held slot with an invalid number is rejected."""
        phone_type = data.draw(st.sampled_from(sorted(self.model)))
        r = self.target.client.update(self.prefix, PHONE_METHOD_IDS[phone_type], {"phoneNumber": bad.value},
                                      self.token)
        expect_status(r, REFUSED, f"updating {phone_type} with {bad.label}")

    @rule(phone_type=st.sampled_from(PHONE_TYPES))
    def delete(self, phone_type: str) -> None:
        """Delete a slot: 404 when absent, rejected for mobile while alternateMobile exists."""
        r = self.target.client.delete(self.prefix, PHONE_METHOD_IDS[phone_type], self.token)
        if phone_type not in self.model:
            expect_status(r, REFUSED, f"deleting an absent {phone_type}")
        elif phone_type == "mobile" and "alternateMobile" in self.model:
            # the invariant is documented, the refusal inferred: refused, or both go (facts §3)
            expect_status(r, [*REFUSED, *ACCEPTED], "deleting mobile before alternateMobile")
            if r.status_code in ACCEPTED:
                for gone in ("mobile", "alternateMobile"):
                    self.model.pop(gone, None)
        else:
            expect_status(r, ACCEPTED, f"deleting {phone_type}")
            del self.model[phone_type]

    @precondition(lambda self: "mobile" in self.model and self.user.sms_sign_in)
    @rule(action=st.sampled_from(["enableSmsSignIn", "disableSmsSignIn"]))
    def sms_action(self, action: str) -> None:
        """enable may be refused for a number another user holds; disable always succeeds on a mobile."""
        r = self.target.client.action(self.prefix, PHONE_METHOD_IDS["mobile"], action, self.token)
        expect_status(r, ACCEPTED if action == "disableSmsSignIn" else [*ACCEPTED, *REFUSED], action)

    @invariant()
    def target_equals_model(self) -> None:
        """The target's list holds exactly the model's numbers under their types' fixed ids."""
        state = self.target.state(self.user)
        got = {t: item.get("phoneNumber") for t, item in state.items()}
        differ = [f"{t}: holds {got.get(t)!r}, the model {self.model.get(t)!r}"
                  for t in sorted(set(got) | set(self.model)) if got.get(t) != self.model.get(t)]
        assert not differ, "the target differs from the slot model: " + "; ".join(differ)
        for t, item in state.items():
            assert item.get("id") == PHONE_METHOD_IDS.get(t), f"{t} listed under id {item.get('id')}"


@pytest.mark.rule("state-consistency")
def test_phone_slots_follow_the_model(target: Target, user_of) -> None:
    """Random sequences of moves on one user keep the target equal to the slot model."""
    machine = type("BoundPhoneSlots", (PhoneSlots,), {"target": target, "user": user_of("ordinary_target")})
    steps = budget.STATE_MACHINE_STEPS if in_budget_plan() else 10
    run_state_machine_as_test(machine, settings=suite_settings(PER_SEQUENCE, stateful_step_count=steps))
