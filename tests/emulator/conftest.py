"""Fixtures for the emulator's tests: token minting, fresh emulators on loopback, a small HTTP client."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests

from graph_phone_emulator.server import RunningEmulator, start_in_thread

# Test modules here import the shared constants as ``emukit``; pytest may import this directory as a
# namespace package (pytest 9), so put it on sys.path explicitly rather than relying on the import mode.
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))

from emukit import ADMIN_SCOPES, APP_ID, GRAPH_AUDIENCE, PROFILE, SECRET, TENANT, USERS

_UNSET: Any = object()


def mint(user: str | None = "patti", *, scopes: str | None = ADMIN_SCOPES, wids: list[str] | None = None,
         app_roles: list[str] | None = None, tid: str = TENANT, aud: str = GRAPH_AUDIENCE,
         exp_in: float = 3600, nbf_in: float = -60, secret: str = SECRET, omit: tuple[str, ...] = (),
         **extra: object) -> str:
    """An HS256 token for the test profile.

    Delegated by default: ``user`` is a key of the test profile (its ``oid``/``upn``), ``wids`` default to
    the user's directory roles. With ``app_roles`` it is an application token (``idtyp = app``, the
    profile's app id as ``oid``). ``omit`` drops claims; ``extra`` adds or replaces claims.
    """
    now = time.time()
    claims: dict[str, object] = {"aud": aud, "iss": f"https://sts.windows.net/{tid}/", "tid": tid,
                                 "iat": int(now) - 60, "nbf": int(now + nbf_in), "exp": int(now + exp_in)}
    if app_roles is not None:
        claims.update(oid=APP_ID, appid=APP_ID, idtyp="app", roles=list(app_roles))
    else:
        entry = USERS[user] if user is not None else {"id": "00000000-0000-4000-8000-00000000dead",
                                                      "upn": "nobody@contoso.test", "roles": []}
        claims.update(oid=entry["id"], upn=entry["upn"], idtyp="user", scp=scopes or "",
                      wids=list(entry.get("roles", [])) if wids is None else wids)
    claims.update(extra)
    for name in omit:
        claims.pop(name, None)
    return jwt.encode(claims, secret, algorithm="HS256")


ADMIN_TOKEN = mint()


def user_path(who: str) -> str:
    """``/me``, ``/users/{id}`` for a profile key, or ``/users/{who}`` verbatim."""
    if who == "me":
        return "/me"
    return f"/users/{USERS[who]['id']}" if who in USERS else f"/users/{who}"


class Api:
    """A tiny client for one running emulator. ``token=None`` sends no Authorization header."""

    def __init__(self, running: RunningEmulator) -> None:
        self.running = running
        self.base = running.base_url
        self.session = requests.Session()
        self.session.trust_env = False  # loopback only: never through a proxy from the environment
        self.admin_token = ADMIN_TOKEN

    def call(self, method: str, path: str, token: str | None = ADMIN_TOKEN, *, json: Any = _UNSET,
             data: bytes | str | None = None, headers: dict[str, str] | None = None) -> requests.Response:
        """Send ``method`` to ``base + path``."""
        sent = dict(headers or {})
        if token is not None:
            sent.setdefault("Authorization", f"Bearer {token}")
        kwargs: dict[str, Any] = {"headers": sent, "timeout": 10}
        if json is not _UNSET:
            kwargs["json"] = json
        if data is not None:
            kwargs["data"] = data
        return self.session.request(method, self.base + path, **kwargs)

    def methods_path(self, who: str, method_id: str | None = None) -> str:
        """The phoneMethods collection (or one member) of ``who``."""
        path = user_path(who) + "/authentication/phoneMethods"
        return f"{path}/{method_id}" if method_id else path

    def list(self, who: str, token: str | None = ADMIN_TOKEN) -> requests.Response:
        """GET the collection."""
        return self.call("GET", self.methods_path(who), token)

    def get(self, who: str, method_id: str, token: str | None = ADMIN_TOKEN) -> requests.Response:
        """GET one method."""
        return self.call("GET", self.methods_path(who, method_id), token)

    def create(self, who: str, body: Any, token: str | None = ADMIN_TOKEN, **kw: Any) -> requests.Response:
        """POST a new method."""
        return self.call("POST", self.methods_path(who), token, json=body, **kw)

    def patch(self, who: str, method_id: str, body: Any, token: str | None = ADMIN_TOKEN,
              **kw: Any) -> requests.Response:
        """PATCH one method."""
        return self.call("PATCH", self.methods_path(who, method_id), token, json=body, **kw)

    def delete(self, who: str, method_id: str, token: str | None = ADMIN_TOKEN) -> requests.Response:
        """DELETE one method."""
        return self.call("DELETE", self.methods_path(who, method_id), token)

    def enable(self, who: str, method_id: str, token: str | None = ADMIN_TOKEN) -> requests.Response:
        """POST enableSmsSignIn."""
        return self.call("POST", self.methods_path(who, method_id) + "/enableSmsSignIn", token)

    def disable(self, who: str, method_id: str, token: str | None = ADMIN_TOKEN) -> requests.Response:
        """POST disableSmsSignIn."""
        return self.call("POST", self.methods_path(who, method_id) + "/disableSmsSignIn", token)

    def phones(self, who: str) -> dict[str, dict[str, object]]:
        """The user's phones straight from the emulator's directory: type -> its JSON (no HTTP)."""
        user = self.running.emulator.directory.find(USERS[who]["id"] if who in USERS else who)
        assert user is not None
        with self.running.emulator.directory.lock:
            return {slot: {"id": p.method_id, "phoneNumber": p.number, "phoneType": p.phone_type,
                           "smsSignInState": p.sms_state} for slot, p in user.phones.items()}

    def snapshot(self) -> dict[str, dict[str, dict[str, object]]]:
        """Every user's phones (to show a rejected request changed nothing)."""
        return {key: self.phones(key) for key in USERS}

    @property
    def server_errors(self) -> int:
        """Genuine 500s the emulator produced (must stay 0)."""
        return self.running.emulator.server_errors.count


@pytest.fixture(scope="session")
def mint_token() -> Any:
    """The token minting helper (see :func:`mint`)."""
    return mint


_IDLE: dict[str, list[RunningEmulator]] = {}
"""Started emulators no test holds, by profile: lent again, switched in place to a fresh state."""


def _acquire(profile: str | Path | None, overrides: dict[str, object]) -> RunningEmulator:
    """An emulator serving ``profile`` under ``overrides`` with fresh state: an idle one switched in place
    (``RunningEmulator.reset``, which test_reset.py shows answers like a fresh start), else a new one."""
    idle = _IDLE.setdefault(str(profile), [])
    while idle:
        running = idle.pop()
        if not running.running:
            continue
        try:
            running.reset(overrides)
        except BaseException:
            idle.append(running)  # it keeps serving its previous configuration
            raise
        return running
    return start_in_thread(profile, overrides=overrides)


def _emulators(*, reuse: bool = True) -> Iterator[Any]:
    """Yield a factory ``start(profile=PROFILE, **overrides) -> Api``; afterwards assert none of the
    emulators it lent hit an unexpected exception (a genuine 500), and give them back (``reuse``) or stop them."""
    started: list[tuple[str, RunningEmulator]] = []

    def _start(profile: str | Path | None = PROFILE, **overrides: object) -> Api:
        running = _acquire(profile, overrides) if reuse else start_in_thread(profile, overrides=overrides)
        started.append((str(profile), running))
        return Api(running)

    yield _start
    crashed = {r.base_url: r.emulator.server_errors.count for _, r in started if r.emulator.server_errors.count}
    for key, running in started:
        if reuse and not crashed and running.running:
            _IDLE.setdefault(key, []).append(running)
        else:
            running.stop(wait=False)
    assert not crashed, f"genuine 500s (unexpected exceptions) in {crashed}"


@pytest.fixture(scope="session", autouse=True)
def _stop_idle_emulators() -> Iterator[None]:
    """Stop the lent-out emulators' pool at the end of the session."""
    yield
    for idle in _IDLE.values():
        for running in idle:
            running.stop(wait=False)
    _IDLE.clear()


@pytest.fixture
def start() -> Iterator[Any]:
    """Factory: ``start(profile=PROFILE, **overrides) -> Api`` on an emulator with fresh state for this test
    (a pooled one switched in place, or a new one)."""
    yield from _emulators()


@pytest.fixture
def fresh_start() -> Iterator[Any]:
    """Like ``start``, but every emulator is newly started and stopped after the test (for test_reset.py)."""
    yield from _emulators(reuse=False)


@pytest.fixture(scope="module")
def module_start() -> Iterator[Any]:
    """Module-scoped factory like ``start``: emulators shared by a module's tests, stopped at its end."""
    yield from _emulators()


@pytest.fixture(scope="module")
def module_api() -> Iterator[Api]:
    """One emulator (test profile, defaults) shared by a module's tests, e.g. hypothesis fuzzing."""
    running = start_in_thread(PROFILE)
    yield Api(running)
    running.stop(wait=False)
    assert running.emulator.server_errors.count == 0, "genuine 500s (unexpected exceptions)"


@pytest.fixture
def api(start: Any) -> Api:
    """A fresh emulator on the test profile (edition seed, gray reject, no faults)."""
    return start()
