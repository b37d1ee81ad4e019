"""A restore never trusts one read nor a status (issue 18 items 2 and 3).

Entra replicates: the first read after a run may show a user as they were before its writes. And a
write Graph refuses (409 ``phoneNumberNotUnique``) may have been applied (facts §10). The emulator
lags reads behind writes (``lag_ms``); a proxy in front of it answers 409 to a mobile PATCH that the
emulator has applied. The restore must wait until a user's state is stable over the profile's
consistency window, then put them back, then read back until they show the journal.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from conformance.safety.guarded import GuardedTarget
from conformance.safety.journal import read_journal
from conformance.safety.restore import Restorer, expected_after
from conformance.target.profile import load_profile
from strategies.methods import PHONE_METHOD_IDS
from tests.tenant.tenantkit import PHONES, Recorder, admin_state, profile_dict, write_profile

LAG_MS = 1500
NOT_UNIQUE = json.dumps({"error": {"code": "phoneNumberNotUnique", "message": "The phone number is not unique."}})


@pytest.fixture
def lagging(tmp_path: Path):
    """An in-process emulator with replication lag and users holding phones, behind a proxy that answers 409
    (applied all the same) to every PATCH of a mobile."""
    from graph_phone_emulator.server import start_in_thread

    emu = write_profile(tmp_path / "emu.toml", profile_dict(phones=PHONES))
    running = start_in_thread(emu, overrides={"lag_ms": LAG_MS})

    def conflict(method: str, path: str, status: int):
        if method == "PATCH" and path.endswith(PHONE_METHOD_IDS["mobile"]) and status == 204:
            return 409, NOT_UNIQUE
        return None

    try:
        with Recorder(upstream=running.base_url.removesuffix("/v1.0"), rewrite=conflict) as proxy:
            yield tmp_path, proxy
    finally:
        running.stop()


def profile_for(tmp_path: Path, proxy: Recorder, **target) -> Path:
    target = {"settle_s": 0, "consistency_timeout_s": 3, **target}
    raw = profile_dict(base_url=proxy.url + "/v1.0", phones=PHONES, journal=True,
                       journal_dir=str(tmp_path / "journal"), **target)
    return write_profile(tmp_path / "p.toml", raw)


def settled(path: Path) -> dict:
    time.sleep(LAG_MS / 1000 + 0.3)
    return admin_state(path)


def guarded(path: Path) -> GuardedTarget:
    profile = load_profile(path)
    target = GuardedTarget(profile=profile, base_url=profile.base_url, edition=profile.edition)
    target.client.session.trust_env = False
    return target


def test_a_write_answered_409_but_applied_is_restored_after_the_lag(lagging) -> None:
    tmp_path, proxy = lagging
    path = profile_for(tmp_path, proxy, consistency_window_s=LAG_MS / 1000 + 0.5)
    before = settled(path)
    target = guarded(path)
    user = target.user("ordinary_target")  # alex1: mobile, alternateMobile, office
    r = target.client.update(f"/users/{user.id}", PHONE_METHOD_IDS["mobile"], {"phoneNumber": "+1 4255550142"},
                             target.admin_token(user))
    assert r.status_code == 409
    outcomes = target.restore_journaled()
    assert [o.ok for o in outcomes] == [True], [o.line() for o in outcomes]
    # the proxy answers the restore's own PATCH 409 too: applied all the same, and read back as such
    assert "update mobile answered 409 (reading back" in outcomes[0].line()
    assert settled(path) == before, "the refused-but-applied write was left in place"
    jf = read_journal(target.journal.path)
    (intent, *_) = jf.intents[user.id.lower()]
    assert intent.change == {"type": "mobile", "number": "+1 4255550142"} and intent.status == 409


def test_the_restore_does_not_trust_a_stale_read_after_accepted_writes(lagging) -> None:
    """The run's writes were accepted (2xx) but reads still show the user as before: the restore waits."""
    tmp_path, proxy = lagging
    path = profile_for(tmp_path, proxy, consistency_window_s=LAG_MS / 1000 + 0.5, consistency_timeout_s=0)
    before = settled(path)
    target = guarded(path)
    user = target.user("ordinary_target")
    token = target.admin_token(user)
    for kind in ("alternateMobile", "office"):
        assert target.client.delete(f"/users/{user.id}", PHONE_METHOD_IDS[kind], token).status_code == 204
    assert target._read(user).keys() == {"mobile", "alternateMobile", "office"}, "the emulator lags"
    outcomes = target.restore_journaled()
    assert [o.ok for o in outcomes] == [True], [o.line() for o in outcomes]
    assert settled(path) == before


def test_a_user_that_never_settles_is_not_touched_and_the_restore_fails(lagging) -> None:
    tmp_path, proxy = lagging
    path = profile_for(tmp_path, proxy, consistency_window_s=2.0, consistency_timeout_s=0)
    target = guarded(path)
    user = target.user("ordinary_target")
    target.client.delete(f"/users/{user.id}", PHONE_METHOD_IDS["office"], target.admin_token(user))
    flips = iter(range(10_000))
    real = target._read

    def restless(u):  # someone keeps changing the user: the state is never the same twice
        state = real(u)
        state["office"] = {"phoneNumber": f"+1 20655{next(flips):05d}"}
        return state

    target._read = restless  # type: ignore[method-assign]
    proxy.seen.clear()
    outcomes = Restorer(target, timeout_s=1.0).restore([(user, {"mobile": {"phoneNumber": "+1 2065550111"}}, ())])
    assert not outcomes[0].ok and "could not confirm" in outcomes[0].problem, outcomes[0].line()
    assert proxy.writes() == []


def test_only_writes_answered_2xx_make_a_state_certain() -> None:
    from conformance.safety.journal import Intent

    original = {"mobile": {"phoneNumber": "+1 2065550111"}, "office": {"phoneNumber": "+1 2065550113"}}
    gone = Intent(1, "DELETE", {"type": "office", "gone": True}, 204)
    assert expected_after(original, [gone]) == {"mobile": {"phoneNumber": "+1 2065550111"}}
    assert expected_after(original, [Intent(1, "DELETE", {"type": "office", "gone": True}, 409)]) is None
    assert expected_after(original, [Intent(1, "DELETE", {"type": "office", "gone": True}, None)]) is None
    assert expected_after(original, []) is None
    changed = Intent(2, "PATCH", {"type": "mobile", "number": "+1 4255550100"}, 204)
    certain = expected_after(original, [gone, changed])
    from conformance.safety.restore import shows

    assert shows({"mobile": {"phoneNumber": "+1 4255550100", "smsSignInState": "ready"}}, certain)
    assert shows({"mobile": {"phoneNumber": "+1 4255550100"}}, certain)
    assert not shows({"mobile": {"phoneNumber": "+1 2065550111"}}, certain)
    assert not shows(original, certain)
