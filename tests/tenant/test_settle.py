"""The consistency wait sits in the client: the first read after a write waits ``settle_s`` from that write.

A fake clock stands in for time (``GraphClient.clock``/``sleep``); the requests go to an in-process emulator.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.safety.guarded import GuardedTarget
from conformance.target.client import GraphClient
from conformance.target.numbers import fresh_number
from conformance.target.profile import User, load_profile
from conformance.target.target import Target
from strategies.methods import PHONE_METHOD_IDS
from tests.tenant.tenantkit import PHONES, profile_dict, write_profile

SETTLE_S = 5.0
MOBILE = PHONE_METHOD_IDS["mobile"]


class FakeClock:
    """Monotonic time that only moves when slept on (or told to); remembers every pause."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.pauses: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def target(tmp_path: Path, clock: FakeClock) -> Iterator[Target]:
    """A target with ``settle_s`` = 5 on an in-process emulator, its client on a fake clock."""
    from graph_phone_emulator.server import start_in_thread

    path = write_profile(tmp_path / "p.toml", profile_dict(phones=PHONES))
    running = start_in_thread(path)
    write_profile(path, profile_dict(base_url=running.base_url, phones=PHONES, settle_s=SETTLE_S))
    try:
        profile = load_profile(path)
        t = GuardedTarget(profile=profile, base_url=profile.base_url, edition=profile.edition, record=False)
        t.client.clock, t.client.sleep = clock, clock.sleep
        yield t
    finally:
        running.stop()


def _patch(target: Target, user: User) -> None:
    r = target.client.update(GraphClient.user_prefix("id", user), MOBILE, {"phoneNumber": fresh_number()},
                             target.admin_token(user))
    assert r.status_code == 204, r.text


def test_the_profile_setting_reaches_the_client(target: Target, clock: FakeClock) -> None:
    assert target.client.settle_s == SETTLE_S


def test_a_read_after_a_read_does_not_wait(target: Target, clock: FakeClock) -> None:
    user = target.user("ordinary_target")
    prefix, token = GraphClient.user_prefix("id", user), target.admin_token(user)
    assert target.client.list(prefix, token).status_code == 200
    assert target.client.get(prefix, MOBILE, token).status_code == 200
    assert clock.pauses == []


def test_a_read_right_after_a_write_waits_once_for_that_write(target: Target, clock: FakeClock) -> None:
    user = target.user("ordinary_target")
    prefix, token = GraphClient.user_prefix("id", user), target.admin_token(user)
    _patch(target, user)
    assert clock.pauses == [], "a write itself does not wait"
    target.numbers(user)
    assert clock.pauses == [SETTLE_S], "the read-back waited the whole settle_s"
    assert target.client.get(prefix, MOBILE, token).status_code == 200
    assert target.client.list(prefix, token).status_code == 200
    assert clock.pauses == [SETTLE_S], "a second read after the same write waited again"


def test_the_wait_counts_from_the_last_write_and_only_what_is_left(target: Target, clock: FakeClock) -> None:
    user = target.user("ordinary_target")
    _patch(target, user)
    clock.now += 2.0
    _patch(target, user)
    clock.now += 1.5
    target.numbers(user)
    assert clock.pauses == [SETTLE_S - 1.5]
    _patch(target, user)
    clock.now += SETTLE_S + 1
    target.numbers(user)
    assert clock.pauses == [SETTLE_S - 1.5], "settle_s had passed already: no wait"


def test_a_rejected_write_is_a_write_and_a_raw_session_request_is_seen(target: Target, clock: FakeClock) -> None:
    """A 400 may still have changed a hostile target; schemathesis sends on the session directly."""
    user = target.user("ordinary_target")
    prefix, token = GraphClient.user_prefix("id", user), target.admin_token(user)
    r = target.client.update(prefix, MOBILE, {"phoneNumber": "not a number"}, token)
    assert r.status_code == 400
    target.client.session.request("GET", target.client.base_url + prefix + "/authentication/phoneMethods",
                                  headers={"Authorization": f"Bearer {token}"})
    assert clock.pauses == [SETTLE_S]


def test_no_wait_when_settle_s_is_zero(target: Target, clock: FakeClock) -> None:
    user = target.user("ordinary_target")
    target.client.settle_s = 0
    _patch(target, user)
    target.numbers(user)
    assert clock.pauses == []



def test_a_read_that_is_not_sent_waits_for_nothing(target: Target, clock: FakeClock) -> None:
    """Over budget (or refused by the guard), a read raises at once: the wait belongs to requests that go out."""
    from conformance.core.errors import BudgetExhausted

    user = target.user("ordinary_target")
    _patch(target, user)
    target.client.budget = target.client.requests_sent
    with pytest.raises(BudgetExhausted):
        target.client.list(GraphClient.user_prefix("id", user), target.admin_token(user))
    assert clock.pauses == []
