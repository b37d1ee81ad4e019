"""The journal: users recorded before the first write, restored exactly, in an order the rules allow."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.core.errors import GuardRefusal, ToolError
from conformance.safety.guarded import GuardedTarget
from conformance.safety.journal import Journal, read_journal
from conformance.safety.restore import plan_restore
from conformance.target.numbers import fresh_number
from conformance.target.profile import load_profile
from conformance.target.target import Target
from tests.tenant.tenantkit import PHONES, admin_state, as_tenant, cli, profile_dict, write_profile

TYPES = ("mobile", "alternateMobile", "office")


@pytest.fixture
def emulator(tmp_path: Path):
    """An in-process emulator whose users hold phones, and a profile (journal on) that points at it."""
    from graph_phone_emulator.server import start_in_thread

    path = write_profile(tmp_path / "p.toml", profile_dict(phones=PHONES))
    running = start_in_thread(path)
    raw = profile_dict(base_url=running.base_url, phones=PHONES, journal=True,
                       journal_dir=str(tmp_path / "journal"))
    write_profile(path, raw)
    try:
        yield path
    finally:
        running.stop()


def target_for(path: Path, **kw) -> Target:
    profile = load_profile(path)
    t = GuardedTarget(profile=profile, base_url=profile.base_url, edition=profile.edition, **kw)
    t.client.session.trust_env = False
    return t


def mess_up(target: Target) -> None:
    """Change every phone slot of three users, as tests do."""
    for role in ("ordinary_target", "caller", "privileged_auth_admin"):
        user = target.user(role)
        target.reset(user, {"mobile": fresh_number(), "alternateMobile": fresh_number()} if role == "caller"
                     else {"office": fresh_number()})


def test_round_trip_restores_every_user_exactly(emulator: Path) -> None:
    before = admin_state(emulator)
    target = target_for(emulator)
    mess_up(target)
    assert admin_state(emulator) != before
    outcomes = target.restore_journaled()
    assert [o.ok for o in outcomes] == [True, True, True], [o.line() for o in outcomes]
    assert admin_state(emulator) == before
    jf = read_journal(target.journal.path)
    assert {s["user"] for s in jf.snapshots.values()} == {"alex1", "adele1", "patti1"}
    assert all(jf.restored.values()) and len(jf.restored) == 3


def test_the_journal_keeps_numbers_locally_and_prints_them_masked(emulator: Path) -> None:
    target = target_for(emulator)
    mess_up(target)
    path = target.journal.path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    text = path.read_text()
    assert "+1 2065550111" in text and "+44 7700900123" in text  # full numbers, locally
    lines = [o.line() for o in target.restore_journaled()]
    printed = "\n".join(lines)
    assert "2065550111" not in printed and "7700900123" not in printed and "********11" in printed


def test_snapshot_is_written_before_the_first_write_is_sent(emulator: Path) -> None:
    target = target_for(emulator)
    user = target.user("ordinary_target")
    order: list[str] = []
    target.client.listeners.append(lambda ex: order.append(f"{ex.method} {len(_snapshots(target))}"))
    target.reset(user, {})
    writes = [o for o in order if not o.startswith("GET")]
    assert writes and all(o.endswith(" 1") for o in writes), order
    snap = _snapshots(target)[0]
    assert {t: m["phoneNumber"] for t, m in snap["methods"].items()} == PHONES["alex1"]


def _snapshots(target: Target) -> list[dict]:
    if not target.journal.path.exists():
        return []
    return [json.loads(x) for x in target.journal.path.read_text().splitlines() if '"snapshot"' in x]


def test_restore_command_recovers_after_a_crash(emulator: Path) -> None:
    before = admin_state(emulator)
    target = target_for(emulator)
    mess_up(target)  # and never restore: as if the run died here
    proc = cli("restore", str(target.journal.path), "--target", str(emulator))
    assert proc.returncode == 0, proc.stderr
    assert "all 3 user(s) read back as journaled" in proc.stdout
    assert "2065550111" not in proc.stdout + proc.stderr
    assert admin_state(emulator) == before
    again = cli("restore", str(target.journal.path), "--target", str(emulator))
    assert again.returncode == 0 and "nothing to do" in again.stdout


def test_restore_refuses_a_journal_of_another_target(emulator: Path, tmp_path: Path) -> None:
    target = target_for(emulator)
    mess_up(target)
    other = write_profile(tmp_path / "other.toml", profile_dict(base_url="http://127.0.0.1:9/v1.0"))
    proc = cli("restore", str(target.journal.path), "--target", str(other))
    assert proc.returncode == 2 and "was written for" in proc.stderr and len(proc.stderr.splitlines()) == 1
    missing = cli("restore", str(tmp_path / "nope.jsonl"), "--target", str(emulator))
    assert missing.returncode == 2 and "no such file" in missing.stderr


HEADER = '{"event": "run", "version": 1, "run_id": "r", "profile": "p", "base_url": ""}'
GID = "0a000000-0000-4000-8000-00000000000a"
SNAP = (f'{{"event": "snapshot", "user": "u", "id": "{GID}", '
        '"methods": {"mobile": {"phoneNumber": "+1 2065550100"}}}')
NO_ID = '{"event": "snapshot", "user": "u", "methods": {}}'


@pytest.mark.parametrize(("text", "problem"), [
    (f'{HEADER}\n{SNAP}\n{{"event": "snap', "line 3 is not JSON (truncated"),
    (f'{HEADER}\nnot json\n{SNAP}\n', "line 2 is not JSON"),
    (f'{HEADER}\n[1, 2]\n', "line 2 is not a JSON object"),
    (HEADER.replace('"version": 1', '"version": 3') + f"\n{SNAP}\n", "journal version 3"),
    (HEADER.replace('"version": 1', '"version": "1"') + f"\n{SNAP}\n", "journal version '1'"),
    (HEADER.replace('"run_id": "r", ', "") + f"\n{SNAP}\n", "lacks run_id"),
    (f'{HEADER}\n{NO_ID}\n', "(snapshot) has no user id"),
    (f'{HEADER}\n{SNAP.replace(GID, "")}\n', "(snapshot) has no user id"),
    (f'{HEADER}\n{{"event": "snapshot", "id": "{GID}", "methods": []}}\n', "has no methods table"),
    (f'{HEADER}\n{{"event": "snapshot", "id": "{GID}", "methods": {{"fax": {{"phoneNumber": "+1 2"}}}}}}\n',
     "unknown phone type 'fax'"),
    (f'{HEADER}\n{{"event": "snapshot", "id": "{GID}", "methods": {{"mobile": "+1 2065550100"}}}}\n',
     "mobile that is not an object"),
    (f'{HEADER}\n{{"event": "snapshot", "id": "{GID}", "methods": {{"mobile": {{"phoneNumber": 12}}}}}}\n',
     "no full mobile number"),
    (f'{HEADER}\n{{"event": "snapshot", "id": "{GID}", "methods": {{"office": {{"phoneNumber": "+1 ****00"}}}}}}\n',
     "no full office number"),
    (f'{HEADER}\n{{"event": "restored", "id": "{GID}"}}\n', "(restored) has no ok flag"),
    (f'{HEADER}\n{{"event": "deleted", "id": "{GID}"}}\n', "unknown event 'deleted'"),
], ids=lambda v: v if len(v) < 40 else None)
def test_a_damaged_journal_is_refused_as_a_whole(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text(text)
    with pytest.raises(ToolError) as err:
        read_journal(path)
    assert problem in str(err.value) and "nothing was sent" in str(err.value)
    assert err.value.exit_code == 2


def test_a_journal_without_a_version_is_version_1(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text(HEADER.replace('"version": 1, ', "") + "\n" + SNAP + "\n")
    assert list(read_journal(path).snapshots) == [GID]


def test_restore_of_a_damaged_journal_sends_nothing_even_when_the_damage_comes_late(tmp_path: Path) -> None:
    """A good snapshot first, a broken one after: validated as a whole before the first write, exit 2."""
    from tests.tenant.tenantkit import Recorder

    with Recorder() as nobody:
        path = write_profile(tmp_path / "p.toml", profile_dict(base_url=nobody.url + "/v1.0", journal=True))
        profile = load_profile(path)
        good = [u for u in profile.test_users()][:2]
        header = HEADER.replace('"profile": "p"', f'"profile": "{profile.name}"').replace(
            '"base_url": ""', f'"base_url": "{profile.base_url}"')
        lines = [header, SNAP.replace(GID, good[0].id),
                 SNAP.replace(GID, good[1].id).replace('"+1 2065550100"', '"+1 20655"}')]
        journal = tmp_path / "j.jsonl"
        journal.write_text("\n".join(lines) + "\n")
        proc = cli("restore", str(journal), "--target", str(path))
        assert nobody.seen == []
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "line 3" in proc.stderr and proc.stdout == ""


def test_masked_numbers_refuse_the_write(tmp_path: Path) -> None:
    """An administrator who reads masked numbers could not restore them: nothing may be written."""
    profile = load_profile(write_profile(tmp_path / "p.toml", profile_dict(base_url="http://127.0.0.1:9/v1.0")))
    journal = Journal.open(profile, lambda user: {"mobile": {"phoneNumber": "+1 ********34"}},
                           directory=tmp_path / "j")
    with pytest.raises(GuardRefusal, match="masked"):
        journal.before_write(profile.user_for("caller"))
    assert not journal.path.exists()


def test_an_unreadable_user_refuses_the_write(emulator: Path) -> None:
    target = target_for(emulator)
    target.admin_token = lambda acting_on=None: "broken-token"  # type: ignore[method-assign]
    with pytest.raises(GuardRefusal, match="cannot record"):
        target.client.delete(f"/users/{target.user('caller').id}", "3179e48a-750b-4051-897c-87b9720928f7", None)
    assert all(m == "GET" for m, _ in [(e.method, e.url) for e in target.client.exchanges])


def test_tenant_profiles_always_journal(tmp_path: Path) -> None:
    raw = as_tenant(profile_dict(base_url="https://graph.example.invalid/v1.0", journal=False))
    from conformance.core.errors import ProfileError
    from conformance.target.profile import parse_profile

    with pytest.raises(ProfileError, match="journal cannot be switched off for a tenant"):
        parse_profile(raw)
    for key in ("journal", "mode", "request_budget"):
        raw["target"].pop(key)
    profile = parse_profile(raw)
    assert profile.journal and profile.mode == "smoke" and profile.request_budget == 300


# -- the restore order, against a model of the rules --------------------------------------------

STATES = st.fixed_dictionaries({}, optional={t: st.sampled_from(["+1 2065550101", "+1 2065550102"]) for t in TYPES}
                               ).filter(lambda s: "alternateMobile" not in s or "mobile" in s)


@settings(max_examples=300, deadline=None)
@given(current=STATES, original=STATES)
def test_restore_steps_obey_the_rules_and_reach_the_original(current, original) -> None:
    state = dict(current)
    steps = plan_restore({t: {"phoneNumber": n} for t, n in current.items()},
                         {t: {"phoneNumber": n} for t, n in original.items()})
    for operation, kind, number in steps:
        if operation == "delete":
            assert not (kind == "mobile" and "alternateMobile" in state), "mobile deleted before the alternate"
            del state[kind]
        elif operation == "create":
            assert kind not in state, f"second {kind}"
            assert kind != "alternateMobile" or "mobile" in state, "alternateMobile created before the mobile"
            state[kind] = number
        else:
            assert kind in state
            state[kind] = number
    assert state == original
    assert len(steps) <= 3


# -- every value is validated before anything is sent (issue 18 item 5) -----------------------------


def _snapshot(user_id: str, methods: dict) -> str:
    return json.dumps({"event": "snapshot", "user": "u", "id": user_id, "methods": methods})


DAMAGED_VALUES = {
    "hello": ({"mobile": {"phoneNumber": "hello"}}, "not a phone number"),
    "newline": ({"mobile": {"phoneNumber": "+1 2065550100\n+1 2065550199"}}, "line break"),
    "100k characters": ({"mobile": {"phoneNumber": "+1 " + "2" * 100_000}}, "longer than 64 characters"),
    "alternate without mobile": ({"alternateMobile": {"phoneNumber": "+1 2065550100"}},
                                 "alternateMobile without a mobile"),
    "unknown field": ({"mobile": {"phoneNumber": "+1 2065550100", "isDefault": True}}, "unknown field 'isDefault'"),
    "unknown type": ({"fax": {"phoneNumber": "+1 2065550100"}}, "unknown phone type 'fax'"),
    "sms state on an office": ({"office": {"phoneNumber": "+1 2065550100", "smsSignInState": "ready"}},
                               "SMS sign-in state on its office"),
}


@pytest.mark.parametrize("case", [*DAMAGED_VALUES, "two snapshots", "two snapshots, id in another case",
                                  "unknown record field"])
def test_a_journal_with_a_bad_value_exits_2_naming_the_line_and_sends_nothing(tmp_path: Path, case: str) -> None:
    """Every damaged journal of the issue, the damage after a good user: exit 2, line number, no request."""
    from tests.tenant.tenantkit import Recorder

    with Recorder() as nobody:
        path = write_profile(tmp_path / "p.toml", profile_dict(base_url=nobody.url + "/v1.0", journal=True))
        profile = load_profile(path)
        first, second = profile.test_users()[:2]
        header = HEADER.replace('"profile": "p"', f'"profile": "{profile.name}"').replace(
            '"base_url": ""', f'"base_url": "{profile.base_url}"')
        good = _snapshot(first.id, {"mobile": {"phoneNumber": "+1 2065550100"}})
        if case in DAMAGED_VALUES:
            bad, problem = _snapshot(second.id, DAMAGED_VALUES[case][0]), DAMAGED_VALUES[case][1]
        elif case == "unknown record field":
            bad = _snapshot(second.id, {}).replace('"event"', '"restore_to": "+1 2065550100", "event"')
            problem = "unknown field 'restore_to'"
        else:
            other = first.id.upper() if "case" in case else first.id
            bad, problem = _snapshot(other, {"office": {"phoneNumber": "+1 2065550177"}}), "second snapshot"
        journal = tmp_path / "j.jsonl"
        journal.write_text("\n".join([header, good, bad]) + "\n")
        proc = cli("restore", str(journal), "--target", str(path))
        assert nobody.seen == []
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "line 3" in lines[0] and problem in lines[0] and proc.stdout == "", lines
    assert "2065550100" not in proc.stderr and "2222222222" not in proc.stderr


@pytest.mark.parametrize("number", ["+491701234567", "+1 (206) 555-0100", " +1 2065550100", "+1 2065550100X12",
                                    "+1 \uff12\uff10\uff16\uff15\uff15\uff15\uff10\uff11\uff10\uff10"])
def test_gray_forms_the_target_returned_are_restorable(tmp_path: Path, number: str) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text(HEADER + "\n" + _snapshot(GID, {"mobile": {"phoneNumber": number, "smsSignInState": "ready"}})
                    + "\n")
    assert read_journal(path).snapshots[GID]["methods"]["mobile"]["phoneNumber"] == number


def test_every_write_is_announced_in_the_journal_before_it_reaches_the_target(tmp_path: Path) -> None:
    """Write-ahead: when a write arrives at the target, the journal's last line already announces it (user and
    change); its status follows once answered (issue 18 item 2)."""
    from graph_phone_emulator.server import start_in_thread
    from tests.tenant.tenantkit import Recorder

    emu = write_profile(tmp_path / "emu.toml", profile_dict(phones=PHONES))
    running = start_in_thread(emu)
    seen_last: list[tuple[str, str, dict]] = []
    journal_dir = tmp_path / "journal"

    def check(method: str, path: str, status: int):
        if method != "GET":
            (journal,) = journal_dir.glob("*.jsonl")
            seen_last.append((method, path, json.loads(journal.read_text().splitlines()[-1])))
        return None

    try:
        with Recorder(upstream=running.base_url.removesuffix("/v1.0"), rewrite=check) as proxy:
            path = write_profile(tmp_path / "p.toml", profile_dict(base_url=proxy.url + "/v1.0", phones=PHONES,
                                                                    journal=True, journal_dir=str(journal_dir)))
            target = target_for(path)
            user = target.user("ordinary_target")
            target.reset(user, {"mobile": "+1 4255550101", "office": "+1 4255550102"})
    finally:
        running.stop()
    assert [m for m, _, _ in seen_last] == ["DELETE", "DELETE", "DELETE", "POST", "POST"], seen_last
    for method, sent_path, last in seen_last:
        assert last["event"] == "intent" and last["method"] == method and last["id"] == user.id, last
        assert sent_path.split("?")[0].endswith(last["path"].split("/v1.0", 1)[-1]), (sent_path, last)
    assert [last["change"] for *_, last in seen_last] == [
        {"type": "alternateMobile", "gone": True}, {"type": "office", "gone": True}, {"type": "mobile", "gone": True},
        {"type": "mobile", "number": "+1 4255550101"}, {"type": "office", "number": "+1 4255550102"}]
    jf = read_journal(target.journal.path)
    assert [(i.method, i.status) for i in jf.intents[user.id.lower()]] == [
        ("DELETE", 204), ("DELETE", 204), ("DELETE", 204), ("POST", 201), ("POST", 201)]
