"""``run --plan``: say what a run would do and to whom, sending nothing.

In ``smoke`` mode the plan is fixed: :data:`SMOKE_PLAN` lists, test by test, every request the run
makes, with the user each one touches (this worker's users of the profile). How many of the set-up
writes are needed depends on what the users hold when the run starts, so each step gives the least
and the most requests it can take; the total is printed as a range. ``tests/tenant`` checks that the
plan names exactly the tests marked ``smoke``.

In ``full`` and ``readonly`` modes the plan lists the tests the run would collect and the users.
"""

from __future__ import annotations

import contextlib
import io
import math
from dataclasses import dataclass

from conformance import SUITE_DIR
from conformance.core.errors import EXIT_CONFORMS, ProfileError
from conformance.safety.budget import examples_per_rule
from conformance.spec.rules import rules_for
from conformance.target.profile import TargetProfile, User

PHONE = "/authentication/phoneMethods"


@dataclass(frozen=True)
class Step:
    """One request (or a bounded group of them) of the plan."""

    method: str
    path: str
    role: str
    why: str
    least: int = 1
    most: int = 1
    as_whom: str = "admin"


@dataclass(frozen=True)
class PlannedTest:
    """A smoke test and its requests."""

    nodeid: str
    checks: str
    steps: tuple[Step, ...]


def _reset(role: str, to: str, deletes: tuple[int, int], creates: tuple[int, int], *,
           first: bool = False) -> tuple[Step, ...]:
    """The requests of ``Target.reset``: read, delete/create only what differs, read back."""
    read = f"read {role}'s methods" + (" (journaled: the first write to this user follows)" if first else "")
    return (
        Step("GET", f"/users/{{{role}}}{PHONE}", role, read),
        Step("DELETE", f"/users/{{{role}}}{PHONE}/{{type id}}", role,
             f"delete what differs from {to} (alternateMobile, office, mobile order)", *deletes),
        Step("POST", f"/users/{{{role}}}{PHONE}", role, f"create {to}", *creates),
        Step("GET", f"/users/{{{role}}}{PHONE}", role, "read back the set-up", 0, 1),
    )


CACHED = "(no request: answered from the read just before it)"

SMOKE_PLAN: tuple[PlannedTest, ...] = (
    PlannedTest(
        "conformance/suite/test_http.py::test_error_answers_carry_the_graph_envelope[403]",
        "one permission denial: a user without a role may not change another user (403 accessDenied)",
        (*_reset("ordinary_target", "{mobile}", (0, 3), (0, 1), first=True),
         Step("PATCH", f"/users/{{ordinary_target}}{PHONE}/{{mobile id}}", "ordinary_target",
              "change the mobile as the caller (UserAuthenticationMethod.ReadWrite, no role): refused",
              as_whom="caller")),
    ),
    PlannedTest(
        "conformance/suite/test_numbers.py::test_invalid_number_is_rejected_and_nothing_changes"
        "[letters_in_number]",
        "one invalid number rejected (400 or 422), nothing changed",
        (*_reset("ordinary_target", "{a new mobile}", (1, 1), (1, 1)),
         Step("GET", f"/users/{{ordinary_target}}{PHONE}", "ordinary_target", f"snapshot {CACHED}", 0, 0),
         Step("PATCH|POST", f"/users/{{ordinary_target}}{PHONE}[/{{mobile id}}]", "ordinary_target",
              "send a number with letters (update the mobile or create an office; drawn)"),
         Step("GET", f"/users/{{ordinary_target}}{PHONE}", "ordinary_target", "read back: unchanged")),
    ),
    PlannedTest(
        "conformance/suite/test_update.py::test_type_change_is_rejected_and_changes_nothing",
        "the immutable type: a PATCH asking for another phoneType is rejected, nothing changed",
        (*_reset("ordinary_target", "{one type (+ a mobile beside an alternateMobile)}", (1, 1), (1, 2)),
         Step("GET", f"/users/{{ordinary_target}}{PHONE}", "ordinary_target", f"snapshot {CACHED}", 0, 0),
         Step("PATCH", f"/users/{{ordinary_target}}{PHONE}/{{type id}}", "ordinary_target",
              "ask for another phoneType: rejected"),
         Step("GET", f"/users/{{ordinary_target}}{PHONE}", "ordinary_target", "read back: unchanged")),
    ),
    PlannedTest(
        "conformance/suite/test_update.py::test_valid_update_answers_204_and_reads_back",
        "a valid update (204) read back; addressing drawn: /me as the caller (seed edition), "
        "/users/{id} or /users/{upn} as the admin",
        (*_reset("caller|ordinary_target", "{one type (+ a mobile beside an alternateMobile)}", (0, 3), (0, 2),
                 first=True),
         Step("GET", f"/users/{{caller|ordinary_target}}{PHONE}", "caller|ordinary_target",
              f"snapshot {CACHED}", 0, 0),
         Step("PATCH", f"{{/me|/users/{{ordinary_target}}}}{PHONE}/{{type id}}", "caller|ordinary_target",
              "a valid new number: 204", as_whom="caller on /me, else admin"),
         Step("GET", f"/users/{{caller|ordinary_target}}{PHONE}", "caller|ordinary_target", "read back the number"),
         Step("GET", f"/users/{{caller|ordinary_target}}{PHONE}", "caller|ordinary_target",
              f"read back: the other types unchanged {CACHED}", 0, 0)),
    ),
)
"""The smoke plan, in the order the run sends it."""

def restore_steps(profile: TargetProfile | None = None) -> tuple[Step, ...]:
    """The restore's requests per written user (:mod:`conformance.safety.restore`): reads until the user's
    state is stable over ``consistency_window_s`` (one read when it is 0), the writes back, reads until the
    journal shows."""
    window = profile.consistency_window_s if profile is not None else 0.0
    timeout = (profile.consistency_timeout_s if profile is not None else 0.0) + window
    settle_least = 2 if window else 1
    settle_most = max(settle_least, 1 + math.ceil(timeout / max(0.25, window)) + 1)
    verify_most = 1 + math.ceil(timeout / 0.25) if not window else 2 + math.ceil(timeout / min(4.0, window / 2))
    stable = f"until unchanged for consistency_window_s = {window:g} s" if window else "once (no consistency window)"
    return (
        Step("GET", f"/users/{{user}}{PHONE}", "each written user", f"read what the run left, {stable}",
             settle_least, settle_most),
        Step("DELETE|PATCH|POST", f"/users/{{user}}{PHONE}[/{{type id}}]", "each written user",
             "back to the journal (deletes, updates, then creates mobile -> alternateMobile -> office)", 0, 3),
        Step("GET", f"/users/{{user}}{PHONE}", "each written user",
             "read back until the journal shows (no request if nothing was written)", 0, verify_most),
        Step("POST", f"/users/{{user}}{PHONE}/{{mobile id}}/enableSmsSignIn|disableSmsSignIn", "each written user",
             "the mobile's SMS sign-in state as journaled", 0, 1),
    )


RESTORE_STEPS = restore_steps()
"""The restore's requests per written user without a consistency window."""
WRITTEN_ROLES = ("ordinary_target", "caller")
"""Users the smoke plan may write to (so journal and restore)."""


def preflight_requests(profile: TargetProfile) -> int:
    """Reads the preflight makes: one per distinct token (the administrator's is one of them)."""
    auth = profile.auth
    if auth.kind == "static":
        return max(1, sum(e.kind in ("delegated", "application") for e in auth.static_tokens))
    if auth.kind == "msal":
        app = bool(auth.msal.get("client_secret_env") or auth.msal.get("certificate_path_env"))
        return max(1, len(auth.msal.get("delegated", ())) + app)
    return 1


def smoke_bounds(profile: TargetProfile | None = None) -> tuple[int, int]:
    """The least and the most requests of the smoke plan, preflight and restore included."""
    pre = preflight_requests(profile) if profile is not None else 1
    least = pre + sum(s.least for t in SMOKE_PLAN for s in t.steps)
    most = pre + sum(s.most for t in SMOKE_PLAN for s in t.steps)
    steps = restore_steps(profile)
    restore_least = sum(s.least for s in steps)
    restore_most = sum(s.most for s in steps)
    return least + restore_least * len(WRITTEN_ROLES), most + restore_most * len(WRITTEN_ROLES)


def _who(profile: TargetProfile, roles: str) -> str:
    names = []
    for role in roles.split("|"):
        if profile.has_role(role):
            u = profile.user_for(role)
            names.append(f"{u.key} <{u.upn}>")
        elif role in ("each written user", "user"):
            names.append(role)
        else:
            names.append(f"(no {role} user)")
    return " or ".join(names)


def print_plan(profile: TargetProfile, edition: str, *, budget_plan: bool = False) -> int:
    """Print the mode, the budget, the users, and the requests (smoke) or tests (full, readonly).

    Under the budget plan (``--budget-plan``, or a tenant in ``mode = full``) it also prints the planned
    examples per rule.
    """
    print(f"target {profile.name} ({profile.kind}) at {profile.base_url or 'the embedded emulator'}, "
          f"edition {edition}, mode {profile.mode}, request budget {profile.request_budget or 'unlimited'}; "
          "nothing is sent by --plan")
    writes = profile.mode != "readonly"
    print("allow-list (the only users the run may write to):" if writes
          else "users (mode readonly: the guard refuses every write):")
    for user in profile.test_users():
        print(f"  {user.key:<16} {user.id}  {user.upn}")
    if writes and profile.auth.kind != "mint":
        _print_identities(profile)
    if writes:
        print(f"journal: each user's phone methods are recorded in {profile.journal_dir}/<run-id>.jsonl before "
              "the first write, and restored and verified at the end" if profile.journal
              else "journal: off (emulator)")
    budget = budget_plan or (profile.kind == "tenant" and profile.mode == "full")
    if profile.mode == "smoke":
        _print_smoke(profile)
    else:
        _print_tests(profile, edition, ["--budget-plan"] if budget else [])
    if budget:
        _print_budget(profile, edition)
    return EXIT_CONFORMS


def _print_identities(profile: TargetProfile) -> None:
    """Who worker 0 may write: its written roles' users and the user each of its delegated tokens signs in as."""
    print("worker 0 may write (by id or UPN, and through /me as each token's user):")
    try:
        ways = profile.writable(0)
    except ProfileError as exc:
        print(f"  (unknown: {exc})")
        return
    for how in dict.fromkeys(ways.values()):
        print(f"  {how}")


def _print_smoke(profile: TargetProfile) -> None:
    admin = _admin(profile)
    print(f"\nsmoke plan (requests as the administrator {admin.key} unless said):")
    caller = profile.user_for("caller")
    print(f"  preflight: GET /users/{{caller}}{PHONE} as the administrator [{caller.key} <{caller.upn}>], and "
          f"one per other configured token ({preflight_requests(profile)} in all): are the credentials accepted?")
    for n, test in enumerate(SMOKE_PLAN, 1):
        print(f"  {n}. {test.nodeid.split('::', 1)[1]}: {test.checks}")
        for step in test.steps:
            _print_step(profile, step)
    print("  restore (session end), for each user written (journaled):")
    for step in restore_steps(profile):
        _print_step(profile, step)
    least, most = smoke_bounds(profile)
    print(f"\nsmoke plan: {least} to {most} requests, by what the users hold and what is drawn "
          f"(the request budget stops the tests at {profile.request_budget or 'no limit'}; "
          "the restore always runs)")


def _print_step(profile: TargetProfile, step: Step) -> None:
    count = f"x{step.least}-{step.most}" if step.least != step.most else f"x{step.least}"
    whom = "" if step.as_whom == "admin" else f" as {step.as_whom}"
    print(f"     {step.method:<6} {step.path:<58} {count:<5} [{_who(profile, step.role)}] {step.why}{whom}")


def _admin(profile: TargetProfile) -> User:
    for role in ("privileged_auth_admin", "global_admin", "caller"):
        if profile.has_role(role):
            return profile.user_for(role)
    return profile.user_for("caller")  # pragma: no cover - caller is required


def planned_examples(profile: TargetProfile, edition: str) -> list[tuple[str, tuple[str, ...], int]]:
    """The budget plan's tests as ``(node id, rules, planned examples)``; collected only, nothing sent.

    The suite's example budgets are fixed when its modules are first imported: call this (or
    :func:`collect` with ``--budget-plan``) before any other collection in the process.
    """
    import pytest

    found: list[tuple[str, tuple[str, ...], int]] = []

    class _Collector:
        @pytest.hookimpl(trylast=True)
        def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
            for item in items:
                rules = tuple(r for m in item.iter_markers("rule") for r in m.args)
                if rules:
                    used = getattr(getattr(item, "obj", None), "_hypothesis_internal_use_settings", None)
                    found.append((item.nodeid, rules, used.max_examples if used is not None else 1))

    _collect_only(profile, edition, [_Collector()], ["--budget-plan"])
    return found


def _collect_only(profile: TargetProfile, edition: str, plugins: list[object], extra: list[str]) -> None:
    import pytest

    args = [str(SUITE_DIR), "--collect-only", "-q", "-p", "conformance.pytest_plugin.plugin", "-p", "no:cacheprovider",
            f"--rootdir={SUITE_DIR.parent.parent}", "--edition", edition, *extra]
    if profile.path is not None:
        args += ["--target", str(profile.path)]
    with contextlib.redirect_stdout(io.StringIO()):
        pytest.main(args, plugins=plugins)


def _print_budget(profile: TargetProfile, edition: str) -> None:

    planned = planned_examples(profile, edition)
    per_rule = examples_per_rule((rules, n) for _, rules, n in planned)
    print(f"\nbudget plan: {sum(n for _, _, n in planned)} examples in {len(planned)} test cases "
          "(each a few requests: set-up read, the probe, a read-back), per rule:")
    for rule in rules_for(edition):
        print(f"  {rule.id:<36} {per_rule.get(rule.id, 0)}")


def collect(profile: TargetProfile, edition: str, extra: list[str] | None = None) -> list[tuple[str, bool, bool]]:
    """The suite's tests for ``profile`` as ``(node id, readonly, smoke)``; collected only, nothing sent."""
    import pytest

    found: list[tuple[str, bool, bool]] = []

    class _Collector:
        def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
            found.extend((i.nodeid, i.get_closest_marker("readonly") is not None,
                          i.get_closest_marker("smoke") is not None)
                         for i in items if i.get_closest_marker("rule"))

    _collect_only(profile, edition, [_Collector()], extra or [])
    return found


def _print_tests(profile: TargetProfile, edition: str, extra: list[str]) -> None:
    readonly = profile.mode == "readonly"
    tests = [t for t in collect(profile, edition, extra) if t[1] or not readonly]
    what = "readonly tests (every write refused)" if readonly else "tests, each writing only to the allow-list"
    print(f"\n{what}: {len(tests)}")
    for nodeid, _, _ in tests:
        print(f"  {nodeid.removeprefix('conformance/suite/')}")
    print("\nrules:")
    for rule in rules_for(edition):
        print(f"  {rule.id}")
