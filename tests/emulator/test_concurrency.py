"""Concurrency: 8 threads × 500 mixed operations on shared users over real HTTP.

Afterwards (and in every list seen meanwhile) the invariants hold — at most one method per type, an
alternateMobile only with a mobile, ids matching types — and no acknowledged write is lost: each slot's
final value is one a linearizable store could end with, given when each acknowledged write was sent and
acknowledged.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from emukit import IDS, TYPES, USERS

from graph_phone_emulator.faults import FaultName

THREADS, OPS_PER_THREAD = 8, 500
SHARED = ("adele", "alex", "carol", "paula")
ABSENT = "<absent>"


@dataclass(frozen=True)
class Write:
    user: str
    slot: str
    value: str
    sent: float
    acked: float


def invariant_violations(methods: list[dict[str, Any]]) -> list[str]:
    """What is wrong with one user's list of methods."""
    problems = []
    types = [m["phoneType"] for m in methods]
    if len(types) != len(set(types)):
        problems.append(f"duplicate types {types}")
    if "alternateMobile" in types and "mobile" not in types:
        problems.append("alternateMobile without mobile")
    problems += [f"{m['phoneType']} has id {m['id']}" for m in methods if IDS.get(m["phoneType"]) != m["id"]]
    return problems


def worker(api: Any, token: str, seed: int, ops: int, writes: list[Write], problems: list[str]) -> None:
    rng = random.Random(seed)
    session = requests.Session()
    session.trust_env = False
    headers = {"Authorization": f"Bearer {token}"}
    for n in range(ops):
        who, slot = rng.choice(SHARED), rng.choice(TYPES)
        base = f"{api.base}/users/{USERS[who]['id']}/authentication/phoneMethods"
        number = f"+1 42{seed}{n:07d}"
        op = rng.choice(("list", "get", "create", "create", "patch", "patch", "patch", "delete", "enable",
                         "disable"))
        sent = time.monotonic()
        if op == "list":
            r = session.get(base, headers=headers)
        elif op == "get":
            r = session.get(f"{base}/{IDS[slot]}", headers=headers)
        elif op == "create":
            r = session.post(base, json={"phoneNumber": number, "phoneType": slot}, headers=headers)
        elif op == "patch":
            r = session.patch(f"{base}/{IDS[slot]}", json={"phoneNumber": number}, headers=headers)
        elif op == "delete":
            r = session.delete(f"{base}/{IDS[slot]}", headers=headers)
        else:
            r = session.post(f"{base}/{IDS['mobile']}/{op}SmsSignIn", headers=headers)
        acked = time.monotonic()
        if r.status_code >= 500 or r.status_code not in (200, 201, 204, 400, 404, 409):
            problems.append(f"{op} {who}/{slot}: {r.status_code} {r.text[:200]}")
        if op == "list" and r.status_code == 200:
            problems += [f"list {who}: {p}" for p in invariant_violations(r.json()["value"])]
        if r.ok and op in ("create", "patch"):
            writes.append(Write(who, slot, number, sent, acked))
        elif r.ok and op == "delete":
            writes.append(Write(who, slot, ABSENT, sent, acked))


def possible_final_values(initial: str, writes: list[Write]) -> set[str]:
    """Values a linearizable slot may end with: acknowledged writes no other write was sent after."""
    if not writes:
        return {initial}
    return {w.value for w in writes if not any(o.sent > w.acked for o in writes)}


def run_mix(api: Any, token: str, threads: int, ops: int) -> tuple[list[str], list[str], int]:
    """Run the mix; return (problems seen during the run, lost or impossible final values, writes acked)."""
    initial = {who: {slot: p["phoneNumber"] for slot, p in api.phones(who).items()} for who in SHARED}
    writes: list[list[Write]] = [[] for _ in range(threads)]
    problems: list[list[str]] = [[] for _ in range(threads)]
    workers = [threading.Thread(target=worker, args=(api, token, i, ops, writes[i], problems[i]))
               for i in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(120)
    assert not any(t.is_alive() for t in workers)
    all_writes = [w for ws in writes for w in ws]
    lost = []
    for who in SHARED:
        listed = api.list(who, token).json()["value"]
        lost += [f"final {who}: {p}" for p in invariant_violations(listed)]
        final = {m["phoneType"]: m["phoneNumber"] for m in listed}
        for slot in TYPES:
            slot_writes = [w for w in all_writes if (w.user, w.slot) == (who, slot)]
            allowed = possible_final_values(initial[who].get(slot, ABSENT), slot_writes)
            if final.get(slot, ABSENT) not in allowed:
                lost.append(f"{who}/{slot}: final {final.get(slot, ABSENT)}, allowed {sorted(allowed)}")
    return [p for ps in problems for p in ps], lost, len(all_writes)


def test_mixed_concurrent_operations_keep_invariants_and_lose_no_write(api: Any, mint_token: Any) -> None:
    token = mint_token(app_roles=["UserAuthenticationMethod.ReadWrite.All"])
    problems, lost, acked = run_mix(api, token, THREADS, OPS_PER_THREAD)
    assert not problems, "\n".join(problems[:20])
    assert not lost, "\n".join(lost)
    assert acked > 300, "the mix should acknowledge plenty of writes"
    assert api.server_errors == 0


def test_the_check_catches_lost_writes(start: Any, mint_token: Any) -> None:
    """Sanity check of the checker: with a fault that drops PATCHes, writes are reported lost."""
    api = start(faults=[FaultName.UPDATE_NOT_STORED])
    token = mint_token(app_roles=["UserAuthenticationMethod.ReadWrite.All"])
    _, lost, _ = run_mix(api, token, 2, 150)
    assert lost
