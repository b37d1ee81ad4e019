"""Target profiles: one TOML file that says what to test and how to reach it.

A profile names the base URL, the spec edition, how tokens are obtained, the test users by role, the
mode (readonly, smoke, full) and a request budget. Secrets come from the environment only; the
embedded emulator's own throwaway secret is the one exception.

Safety settings in ``[target]``: ``journal`` (snapshot users before the first write and restore them
at the end; always on for tenants), ``journal_dir``, ``settle_s`` (the first read after a write waits
until this long after it), ``consistency_timeout_s`` (how long a read after a write polls for the write
to show), ``consistency_window_s`` (a restore trusts a user's state only once reads have shown it unchanged
this long: replication may show the state before a run's writes),
``retry_attempts``, ``retry_max_wait_s`` and ``retry_budget`` (throttling, per request and per run),
``max_response_bytes`` (the most an answer may hold, on the wire and decoded) and ``request_deadline_s``
(one request, connect to last byte).
``[auth.msal]`` is validated here too (see :mod:`conformance.target.auth.msal_tokens`).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote, urlsplit

from conformance import PROJECT_ROOT, TARGETS_DIR
from conformance.core.errors import CredentialError, ProfileError
from conformance.core.tomlfile import FREE, LEAF, check_keys, read_toml, unknown_key_message

DEFAULT_PROFILE = TARGETS_DIR / "emulator.toml"
DEFAULT_TOKEN_CACHE = "~/.cache/graph-phone-conformance/msal-token-cache.json"

EDITIONS = ("seed", "current")
MODES = ("readonly", "smoke", "full")
AUTH_KINDS = ("mint", "static", "msal")
TARGET_KINDS = ("emulator", "tenant")

ROLES = (
    "caller",
    "ordinary_target",
    "privileged_target",
    "policy_off_user",
    "auth_admin",
    "privileged_auth_admin",
    "global_admin",
    "global_reader",
)
"""The user roles the suite knows; a profile may leave some out (tests needing them then skip)."""

WRITTEN_TO_ROLES = ("caller", "ordinary_target", "privileged_target", "policy_off_user", "privileged_auth_admin")
"""Roles whose users' phone methods the suite changes (set-up, probes, restore); one user may hold only one."""


@dataclass(frozen=True)
class User:
    """A directory user the suite may address."""

    key: str
    id: str
    upn: str
    roles: tuple[str, ...] = ()
    sms_sign_in: bool = True


@dataclass(frozen=True)
class StaticToken:
    """A pre-acquired token taken from an environment variable, with the context it stands for."""

    name: str
    env: str
    kind: str
    user: str | None
    scopes: tuple[str, ...]
    app_roles: tuple[str, ...]
    directory_roles: tuple[str, ...]
    worker: int | None = None
    """The pytest-xdist worker this token serves (``None``: every worker)."""

    def serves(self, worker: int) -> bool:
        """True when the token is for ``worker`` (a token without ``worker`` serves them all)."""
        return self.worker is None or self.worker == worker


@dataclass(frozen=True)
class AuthConfig:
    """How the suite obtains bearer tokens."""

    kind: str
    tenant_id: str
    app_id: str
    secret: str | None = None
    secret_env: str | None = None
    static_tokens: tuple[StaticToken, ...] = ()
    msal: Mapping[str, Any] = field(default_factory=dict)

    def resolved_secret(self) -> str:
        """Return the signing secret, from the profile (emulators only) or from the environment."""
        if self.secret_env:
            value = os.environ.get(self.secret_env)
            if not value:
                raise CredentialError(f"environment variable {self.secret_env} (the signing secret) is not set")
            return value
        if self.secret:
            return self.secret
        raise CredentialError("the profile's [auth] gives neither secret nor secret_env")


@dataclass(frozen=True)
class TargetProfile:
    """A parsed, validated target profile."""

    name: str
    kind: str
    base_url: str
    edition: str
    mode: str
    request_budget: int
    auth: AuthConfig
    roles: Mapping[str, tuple[str, ...]]
    users: Mapping[str, User]
    emulator: Mapping[str, Any]
    path: Path | None = None
    journal: bool = False
    journal_dir: str = "reports/journal"
    settle_s: float = 0.0
    consistency_timeout_s: float = 0.0
    consistency_window_s: float = 0.0
    retry_attempts: int = 4
    retry_max_wait_s: float = 10.0
    retry_budget: int = 200
    max_response_bytes: int = 1 << 20
    request_deadline_s: float = 30.0

    @property
    def embedded(self) -> bool:
        """True when the suite should start the embedded emulator itself."""
        return self.kind == "emulator" and not self.base_url

    def has_role(self, role: str) -> bool:
        """True when the profile names at least one user for ``role``."""
        return bool(self.roles.get(role))

    def user_for(self, role: str, worker: int = 0) -> User:
        """The user that plays ``role`` for pytest-xdist worker number ``worker``."""
        keys = self.roles.get(role)
        if not keys:
            raise ProfileError(f"profile {self.name!r} names no user for role {role!r}")
        return self.users[keys[worker % len(keys)]]

    def check_workers(self, workers: int) -> None:
        """Refuse ``workers`` parallel workers when two of them could write the same user, by any path.

        Worker ``i`` plays role ``r`` with its ``i mod n``-th user: with fewer distinct users than
        workers, two workers would write the same person and restore each other's "original". A
        delegated token is signed in as one user whatever the test wants (the profile's ``user``
        and, where the token says, its ``oid``): every worker it serves may write that user through
        ``/me``. So each worker's writable users (its written roles' users, every delegated token's
        user) must be its own. The embedded emulator is exempt (each worker starts its own).
        """
        if workers <= 1 or self.embedded:
            return
        for role in ROLES:
            distinct = len({self.users[k].id.lower() for k in self.roles.get(role, ())})
            if distinct and distinct < workers:
                raise ProfileError(f"--jobs {workers}: role {role} has {distinct} distinct user(s) in profile "
                                   f"{self.name!r}; every worker needs its own, so name at least {workers} "
                                   f"in [roles] {role} or run fewer jobs")
        owner: dict[str, tuple[int, str]] = {}
        for worker in range(workers):
            for uid, how in self.writable(worker).items():
                if uid in owner and owner[uid][0] != worker:
                    first, why = owner[uid]
                    raise ProfileError(
                        f"--jobs {workers}: workers {first} and {worker} would both write {self._name_of(uid)} "
                        f"({why}; {how}); give each worker its own token ([[auth.static]] or "
                        "[[auth.msal.delegated]] entries with worker = 0, 1, ...: README, tenant CI set-up) "
                        "or run fewer jobs")
                owner.setdefault(uid, (worker, how))

    def writable(self, worker: int) -> dict[str, str]:
        """Every user ``worker`` may write (lowercased id -> how): its written roles' users by id or UPN,
        and the user each delegated token serving it is signed in as (through ``/me``).

        A token that names nobody (no ``user`` in the profile, no ``oid`` in the token) is refused
        (:class:`ProfileError`): which user its ``/me`` writes would be unknown.
        """
        out: dict[str, str] = {}
        for role in WRITTEN_TO_ROLES:
            if self.has_role(role):
                user = self.user_for(role, worker)
                out.setdefault(user.id.lower(), f"worker {worker}'s {role} {user.key}")
        for name, user_key, env, serves in self._delegated_tokens():
            if not serves(worker):
                continue
            ids = set()
            if user_key:
                ids.add(self.users[user_key].id.lower())
            oid = _token_oid(env) if env else None
            if oid:
                ids.add(oid)
            if not ids:
                raise ProfileError(f"profile {self.name!r}: token {name!r} names no user (no user = in the profile, "
                                   "no oid in the token), so its /me writes could land on anyone; add user = ...")
            for uid in ids:
                how = f"worker {worker}'s token {name!r} signs in as {self._name_of(uid)} (/me)"
                out[uid] = f"{out[uid]}, and {how}" if uid in out else how
        return out

    def _delegated_tokens(self) -> list[tuple[str, str | None, str | None, Any]]:
        """``(name, user key, token environment variable, serves(worker))`` of every delegated token."""
        auth = self.auth
        out: list[tuple[str, str | None, str | None, Any]] = []
        if auth.kind == "static":
            out += [(e.name, e.user, e.env, e.serves) for e in auth.static_tokens if e.kind == "delegated"]
        elif auth.kind == "msal":
            for e in auth.msal.get("delegated", ()):
                wanted = e.get("worker")
                out.append((e["name"], e["user"], e.get("token_env"),
                            lambda w, wanted=wanted: wanted is None or wanted == w))
        return out

    def _name_of(self, uid: str) -> str:
        user = next((u for u in self.users.values() if u.id.lower() == uid), None)
        return user.key if user else f"the user with object id {uid} (not in the profile)"

    def test_users(self) -> tuple[User, ...]:
        """Every user named by a role: the allow-list of users the suite may write to."""
        keys = {k for ks in self.roles.values() for k in ks}
        return tuple(self.users[k] for k in sorted(keys))


def _token_oid(env: str) -> str | None:
    """The ``oid`` of the token in environment variable ``env`` (decoded, never verified), lowercased."""
    value = os.environ.get(env)
    if not value:
        return None
    from conformance.target.auth.claims import decode  # the auth package builds on this module

    claims = decode(value)
    oid = claims.get("oid") if claims else None
    return str(oid).lower() if oid and claims.get("idtyp") != "app" else None


GRAPH_HOSTS = ("graph.microsoft.com", "graph.microsoft.us", "dod-graph.microsoft.us",
               "microsoftgraph.chinacloudapi.cn", "graph.microsoft.de")
"""Microsoft Graph's hosts (global service and national clouds); any subdomain of them counts too."""


def sent_host(url: str) -> str:
    """The host a request to ``url`` goes to, as requests/urllib3 prepare it, percent-decoded, lowercased and
    without trailing dots (``graph%2emicrosoft.com``, ``graph.microsoft.com%2e`` and
    ``graph.microsoft.com\\@127.0.0.1`` are all ``graph.microsoft.com``); ``""`` when it cannot be sent."""
    import requests
    from urllib3.util import parse_url

    try:
        prepared = requests.Request("GET", url.rstrip("/") + "/").prepare()
        host = parse_url(prepared.url or "").host or ""
    except (requests.RequestException, ValueError):
        return ""
    host = unquote(host).strip("[]").rstrip(".").lower()
    with contextlib.suppress(UnicodeError):
        host = host.encode("idna").decode("ascii").lower() if host and not host.isascii() else host
    return host


def has_userinfo(url: str) -> bool:
    """True when ``url`` carries a user name or password, for urllib's parser or for the one requests uses."""
    from urllib3.util import parse_url

    try:
        if urlsplit(url).username is not None or "@" in urlsplit(url).netloc:
            return True
    except ValueError:
        return True
    try:
        return parse_url(url).auth is not None
    except ValueError:
        return True


def is_graph_host(url: str) -> bool:
    """True when ``url`` points at a Microsoft Graph host (global or a national cloud), judged on the
    host the HTTP library will really connect to (:func:`sent_host`) and on urllib's reading of it."""
    hosts = {sent_host(url)}
    with contextlib.suppress(ValueError):
        hosts.add(unquote(urlsplit(url).hostname or "").rstrip(".").lower())
    return any(host == h or host.endswith("." + h) for host in hosts for h in GRAPH_HOSTS)


def load_profile(path: str | os.PathLike[str] | None = None) -> TargetProfile:
    """Load and validate a profile; ``None`` loads the embedded emulator's default profile."""
    p = Path(path) if path is not None else DEFAULT_PROFILE
    return parse_profile(read_toml(p, "profile", ProfileError), source=p)


GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
"""An object id as Entra writes it (36 characters, hyphenated)."""

TARGET_KEYS = ("name", "kind", "base_url", "edition", "mode", "request_budget", "journal", "journal_dir", "settle_s",
               "consistency_timeout_s", "consistency_window_s", "retry_attempts", "retry_max_wait_s",
               "retry_budget", "max_response_bytes", "request_deadline_s")
EMULATOR_KEYS = ("edition", "gray", "throttle_per_second", "latency_ms", "lag_ms", "page_size", "faults",
                 "observations", "choices")
"""The keys of ``[emulator]`` (read by the emulator itself; ``tests/suite/test_profile.py`` keeps both lists equal)."""
USER_KEYS = ("key", "id", "upn", "roles", "sms_sign_in", "phones")

PROFILE_SCHEMA: dict[str, Any] = {
    "target": dict.fromkeys(TARGET_KEYS, LEAF),
    "auth": {
        **dict.fromkeys(("kind", "secret", "secret_env", "tenant_id", "app_id"), LEAF),
        "static": [dict.fromkeys(("name", "env", "kind", "user", "worker", "scopes", "app_roles",
                                  "directory_roles"), LEAF)],
        "msal": {
            **dict.fromkeys(("client_id", "authority", "tenant", "client_secret_env", "certificate_path_env",
                             "certificate_thumbprint_env", "app_roles", "token_cache", "device_code"), LEAF),
            "delegated": [dict.fromkeys(("name", "user", "worker", "scopes", "token_env"), LEAF)],
        },
    },
    "roles": FREE,
    "users": [{**dict.fromkeys(USER_KEYS, LEAF), "phones": FREE}],
    "emulator": {**dict.fromkeys(EMULATOR_KEYS, LEAF), "choices": FREE},
}
"""Every key a profile may hold; any other is refused in one line naming the nearest known key."""
SECRET_KEYS = ("secret", "client_secret", "certificate", "private_key", "token")
"""Keys that would put a secret in ``[auth.msal]``: refused with their own message."""


def parse_profile(raw: Mapping[str, Any], *, source: Path | None = None) -> TargetProfile:
    """Validate the raw TOML mapping of a profile and build a :class:`TargetProfile`."""
    where = f"profile {source}" if source else "profile"

    def fail(msg: str) -> ProfileError:
        return ProfileError(f"{where}: {msg}")

    msal_table = raw.get("auth", {}).get("msal") if isinstance(raw.get("auth"), dict) else None
    if isinstance(msal_table, dict):
        for key in SECRET_KEYS:
            if key in msal_table:
                raise fail(f"[auth.msal] {key}: secrets never go in a profile; name an environment variable (*_env)")
    check_keys(raw, PROFILE_SCHEMA, ProfileError, where)
    target = _table(raw, "target", fail)
    kind = _choice(target, "kind", TARGET_KINDS, "emulator", fail, "[target]")
    base_url = target.get("base_url", "")
    if not isinstance(base_url, str):
        raise fail("[target] base_url must be a string")
    base_url = base_url.rstrip("/")  # the profile alone says where: no env override
    if base_url and not base_url.startswith(("http://", "https://")):
        raise fail("[target] base_url must start with http:// or https://" if has_userinfo(base_url)
                   else f"[target] base_url must start with http:// or https:// (got {base_url!r})")
    if kind == "emulator" and is_graph_host(base_url):
        raise fail(f"[target] kind = \"emulator\" but base_url's host {sent_host(base_url) or '?'} is Microsoft "
                   "Graph: that is a tenant (set kind = \"tenant\" for its journal, smoke mode and budget)")
    if has_userinfo(base_url):
        raise fail("[target] base_url carries a user name or password (user:password@host); credentials never go "
                   "in a URL (the value is not shown)")
    if kind == "tenant" and not base_url:
        raise fail("[target] base_url is required for a tenant (e.g. https://graph.microsoft.com/v1.0)")
    edition = _choice(target, "edition", EDITIONS, "seed", fail, "[target]")
    mode = _choice(target, "mode", MODES, "smoke" if kind == "tenant" else "full", fail, "[target]")
    budget = target.get("request_budget", (500 if mode == "full" else 300) if kind == "tenant" else 0)
    if not isinstance(budget, int) or budget < 0:
        raise fail(f"[target] request_budget must be a whole number >= 0 (got {budget!r})")

    users = _users(raw, fail)
    roles = _roles(raw, users, fail)
    auth = _auth(raw, kind, users, fail)
    emulator = raw.get("emulator", {})
    if not isinstance(emulator, dict):
        raise fail("[emulator] must be a table")
    safety = _safety(target, kind, fail)
    return TargetProfile(
        name=str(target.get("name") or (source.stem if source else "target")),
        kind=kind,
        base_url=base_url,
        edition=edition,
        mode=mode,
        request_budget=budget,
        auth=auth,
        roles=MappingProxyType(roles),
        users=MappingProxyType(users),
        emulator=MappingProxyType(dict(emulator)),
        path=source,
        **safety,
    )


def _safety(target: Mapping[str, Any], kind: str, fail: Any) -> dict[str, Any]:
    """The journal, consistency and retry settings of ``[target]``, with the defaults for its kind."""
    tenant = kind == "tenant"
    journal = target.get("journal", tenant)
    if not isinstance(journal, bool):
        raise fail(f"[target] journal must be true or false (got {journal!r})")
    if tenant and not journal:
        raise fail("[target] journal cannot be switched off for a tenant: every user must be restored")
    journal_dir = target.get("journal_dir", "reports/journal")
    if not isinstance(journal_dir, str) or not journal_dir:
        raise fail("[target] journal_dir must be a path")

    def number(key: str, default: float, *, whole: bool = False, least: float = 0) -> Any:
        value = target.get(key, default)
        ok = isinstance(value, int) if whole else isinstance(value, int | float)
        if isinstance(value, bool) or not ok or value < least:
            kind_of = "a whole number" if whole else "a number"
            raise fail(f"[target] {key} must be {kind_of} >= {least:g} (got {value!r})")
        return value

    return {
        "journal": journal,
        "journal_dir": journal_dir,
        "settle_s": float(number("settle_s", 5.0 if tenant else 0.0)),
        "consistency_timeout_s": float(number("consistency_timeout_s", 30.0 if tenant else 0.0)),
        "consistency_window_s": float(number("consistency_window_s", 20.0 if tenant else 0.0)),
        "retry_attempts": number("retry_attempts", 4, whole=True, least=1),
        "retry_max_wait_s": float(number("retry_max_wait_s", 60.0 if tenant else 10.0)),
        "retry_budget": number("retry_budget", 200, whole=True),
        "max_response_bytes": number("max_response_bytes", 1 << 20, whole=True, least=4096),
        "request_deadline_s": float(number("request_deadline_s", 30.0, least=1)),
    }


def _table(raw: Mapping[str, Any], name: str, fail: Any) -> Mapping[str, Any]:
    value = raw.get(name)
    if not isinstance(value, dict):
        raise fail(f"missing [{name}] table")
    return value


def _choice(table: Mapping[str, Any], key: str, allowed: tuple[str, ...], default: str, fail: Any,
            where: str) -> str:
    value = table.get(key, default)
    if value not in allowed:
        raise fail(f"{where} {key} must be one of {', '.join(allowed)} (got {value!r})")
    return str(value)


def _users(raw: Mapping[str, Any], fail: Any) -> dict[str, User]:
    entries = raw.get("users")
    if not isinstance(entries, list) or not entries:
        raise fail("no [[users]] entries")
    users: dict[str, User] = {}
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise fail(f"[[users]] entry {n} must be a table")
        missing = [k for k in ("key", "id", "upn") if not isinstance(entry.get(k), str) or not entry.get(k)]
        if missing:
            raise fail(f"[[users]] entry {n} lacks {', '.join(missing)}")
        if entry["key"] in users:
            raise fail(f"[[users]] key {entry['key']!r} appears twice")
        if not GUID.fullmatch(entry["id"]):
            raise fail(f"[[users]] {entry['key']}: id must be the user's object id, a GUID like "
                       f"00000000-0000-0000-0000-000000000000 (got {entry['id'][:40]!r})")
        users[entry["key"]] = User(
            key=entry["key"],
            id=entry["id"],
            upn=entry["upn"],
            roles=tuple(entry.get("roles", ())),
            sms_sign_in=bool(entry.get("sms_sign_in", True)),
        )
    return users


def _roles(raw: Mapping[str, Any], users: Mapping[str, User], fail: Any) -> dict[str, tuple[str, ...]]:
    table = _table(raw, "roles", fail)
    roles: dict[str, tuple[str, ...]] = {}
    for role, keys in table.items():
        if role not in ROLES:
            raise fail(f"[roles] {unknown_key_message(role, ROLES, '').replace('key', 'role', 1)}")
        keys = [keys] if isinstance(keys, str) else keys
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise fail(f"[roles] {role} must be a user key or a list of user keys")
        unknown = [k for k in keys if k not in users]
        if unknown:
            raise fail(f"[roles] {role} names unknown user(s) {', '.join(unknown)}")
        roles[role] = tuple(keys)
    if not roles.get("caller"):
        raise fail("[roles] caller is required")
    holder: dict[str, str] = {}
    for role in WRITTEN_TO_ROLES:
        for key in dict.fromkeys(roles.get(role, ())):
            uid = users[key].id.lower()
            if uid in holder and holder[uid] != role:
                raise fail(f"[roles] user {key!r} stands in both {holder[uid]} and {role}; both are written "
                           "to, so each needs its own user")
            holder[uid] = role
    return roles


def _auth(raw: Mapping[str, Any], target_kind: str, users: Mapping[str, User], fail: Any) -> AuthConfig:
    table = _table(raw, "auth", fail)
    kind = _choice(table, "kind", AUTH_KINDS, "mint", fail, "[auth]")
    secret = table.get("secret")
    if secret is not None and target_kind != "emulator":
        raise fail("[auth] secret may only be written in an emulator profile; use secret_env for a tenant")
    if kind == "mint" and not (secret or table.get("secret_env")):
        raise fail("[auth] kind = mint needs secret_env (or, for an emulator, secret)")
    tenant_id = table.get("tenant_id")
    if not isinstance(tenant_id, str) or not tenant_id:
        raise fail("[auth] tenant_id is required")
    statics = []
    for n, entry in enumerate(table.get("static", []) or [], 1):
        if not isinstance(entry, dict) or not entry.get("env") or not entry.get("name"):
            raise fail(f"[[auth.static]] entry {n} needs name and env")
        user = entry.get("user")
        if user is not None and user not in users:
            raise fail(f"[[auth.static]] {entry['name']}: unknown user {user!r}")
        statics.append(StaticToken(
            name=entry["name"], env=entry["env"], kind=entry.get("kind", "delegated"), user=user,
            scopes=tuple(entry.get("scopes", ())), app_roles=tuple(entry.get("app_roles", ())),
            directory_roles=tuple(entry.get("directory_roles", ())),
            worker=_worker(entry, f"[[auth.static]] {entry['name']}", fail),
        ))
    if kind == "static" and not statics:
        raise fail("[auth] kind = static needs [[auth.static]] entries")
    msal = table.get("msal", {}) or {}
    if not isinstance(msal, dict):
        raise fail("[auth.msal] must be a table")
    if kind == "msal":
        msal = _msal(msal, tenant_id, str(table.get("app_id", "")), users, fail)
    return AuthConfig(
        kind=kind,
        tenant_id=tenant_id,
        app_id=str(table.get("app_id", "")),
        secret=secret,
        secret_env=table.get("secret_env"),
        static_tokens=tuple(statics),
        msal=MappingProxyType(dict(msal)),
    )


def _msal(table: Mapping[str, Any], tenant_id: str, app_id: str, users: Mapping[str, User],
          fail: Any) -> dict[str, Any]:
    """Validate ``[auth.msal]`` and return it normalised (see :mod:`conformance.target.auth.msal_tokens`)."""
    where = "[auth.msal]"
    client_id = table.get("client_id") or app_id
    if not isinstance(client_id, str) or not client_id:
        raise fail(f"{where} client_id is required (the app registration's Application (client) ID)")
    authority = table.get("authority") or f"https://login.microsoftonline.com/{table.get('tenant') or tenant_id}"
    if not isinstance(authority, str) or not authority.startswith("https://"):
        raise fail(f"{where} authority must be an https:// URL (got {authority!r})")
    envs = {}
    for key in ("client_secret_env", "certificate_path_env", "certificate_thumbprint_env"):
        value = table.get(key)
        if value is not None and (not isinstance(value, str) or not value):
            raise fail(f"{where} {key} must name an environment variable")
        envs[key] = value
    if bool(envs["certificate_path_env"]) != bool(envs["certificate_thumbprint_env"]):
        raise fail(f"{where} certificate_path_env and certificate_thumbprint_env go together")
    app_roles = table.get("app_roles", [])
    if not isinstance(app_roles, list) or not all(isinstance(r, str) for r in app_roles):
        raise fail(f"{where} app_roles must be a list of application permissions")
    cache = table.get("token_cache", DEFAULT_TOKEN_CACHE)
    if not isinstance(cache, str) or not cache:
        raise fail(f"{where} token_cache must be a file path")
    cache_path = Path(os.path.expandvars(cache)).expanduser().resolve()
    if _inside_repository(cache_path):
        raise fail(f"{where} token_cache {cache_path} is inside a repository; keep tokens outside it "
                   f"(e.g. {DEFAULT_TOKEN_CACHE})")
    device_code = table.get("device_code", True)
    if not isinstance(device_code, bool):
        raise fail(f"{where} device_code must be true or false")
    delegated = []
    for n, entry in enumerate(table.get("delegated", []) or [], 1):
        if not isinstance(entry, dict) or not entry.get("name") or not entry.get("user"):
            raise fail(f"[[auth.msal.delegated]] entry {n} needs name and user")
        if entry["user"] not in users:
            raise fail(f"[[auth.msal.delegated]] {entry['name']}: unknown user {entry['user']!r}")
        scopes = entry.get("scopes", [])
        if not isinstance(scopes, list) or not scopes or not all(isinstance(x, str) for x in scopes):
            raise fail(f"[[auth.msal.delegated]] {entry['name']}: scopes must be a non-empty list")
        token_env = entry.get("token_env")
        if token_env is not None and (not isinstance(token_env, str) or not token_env):
            raise fail(f"[[auth.msal.delegated]] {entry['name']}: token_env must name an environment variable")
        delegated.append(MappingProxyType({"name": entry["name"], "user": entry["user"],
                                           "scopes": tuple(scopes), "token_env": token_env,
                                           "worker": _worker(entry, f"[[auth.msal.delegated]] {entry['name']}",
                                                             fail)}))
    return {"client_id": client_id, "authority": authority.rstrip("/"), **envs, "app_roles": tuple(app_roles),
            "token_cache": str(cache_path), "device_code": device_code, "delegated": tuple(delegated)}


def _worker(entry: Mapping[str, Any], where: str, fail: Any) -> int | None:
    """An entry's ``worker`` (the pytest-xdist worker number its token is for), or ``None`` for every worker."""
    worker = entry.get("worker")
    if worker is not None and (isinstance(worker, bool) or not isinstance(worker, int) or worker < 0):
        raise fail(f"{where}: worker must be a worker number 0, 1, ... (got {worker!r})")
    return worker


def _inside_repository(path: Path) -> bool:
    """True when ``path`` lies in this project's tree or in any git work tree."""
    if path == PROJECT_ROOT or PROJECT_ROOT in path.parents:
        return True
    return any((parent / ".git").exists() for parent in path.parents)
