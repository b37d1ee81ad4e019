"""The emulator's configuration: one TOML profile (``[[users]]``, ``[auth]``, ``[emulator]``) plus overrides.

The profile is parsed once at start-up; requests never touch TOML.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from graph_phone_emulator.choices import DEFAULTS, validate_choices
from graph_phone_emulator.faults import FaultName, validate_fault_names
from graph_phone_emulator.phone_format import classify

DEFAULT_PROFILE = Path(__file__).resolve().parents[1] / "conformance/targets/emulator.toml"
"""The package-default profile (the suite's embedded-emulator target)."""

EDITIONS = ("seed", "current")
GRAY_MODES = ("reject", "accept")
PHONE_TYPES = ("mobile", "alternateMobile", "office")
OVERRIDE_KEYS = frozenset({"edition", "gray", "faults", "throttle_per_second", "latency_ms", "secret", "choices",
                           "observations", "lag_ms", "page_size"})


PROFILE_KEYS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "target": ("name", "kind", "base_url", "edition", "mode", "request_budget", "journal", "journal_dir", "settle_s",
               "consistency_timeout_s", "consistency_window_s", "retry_attempts", "retry_max_wait_s",
               "retry_budget", "max_response_bytes", "request_deadline_s"),
    "auth": ("kind", "secret", "secret_env", "tenant_id", "app_id", "static", "msal"),
    "roles": (),
    "users": ("key", "id", "upn", "roles", "sms_sign_in", "phones"),
    "emulator": ("edition", "gray", "throttle_per_second", "latency_ms", "lag_ms", "page_size", "faults",
                 "observations", "choices"),
})
"""The keys of the profile file the emulator shares with the suite (``[auth.static]``, ``[auth.msal]`` and
``[roles]``'s users are the suite's to check). Any other key is refused: a misspelt setting is never ignored.
The suite keeps its own list (the emulator imports nothing of it); ``tests/suite/test_profile.py`` keeps
both equal."""
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
ROLE_NAMES = ("caller", "ordinary_target", "privileged_target", "policy_off_user", "auth_admin",
              "privileged_auth_admin", "global_admin", "global_reader")
"""The user roles a profile's ``[roles]`` may name."""


class ConfigError(ValueError):
    """A profile or override that cannot be used (the message says what and where)."""


@dataclass(frozen=True)
class UserSpec:
    """One ``[[users]]`` entry: ids, directory roles (template ids), SMS policy and initial phones."""

    key: str
    id: str
    upn: str
    roles: tuple[str, ...] = ()
    sms_sign_in: bool = True
    phones: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything the emulator needs, validated."""

    users: tuple[UserSpec, ...]
    secret: str
    tenant_id: str
    app_id: str = ""
    edition: str = "seed"
    throttle_per_second: int = 0
    latency_ms: float = 0.0
    lag_ms: float = 0.0
    """Replication lag: reads of a user show the state before its writes until this long after the last."""
    page_size: int = 0
    """Lists answer at most this many methods a page, the rest behind ``@odata.nextLink`` (0: one page)."""
    faults: frozenset[FaultName] = frozenset()
    source: str = ""
    choices: Mapping[str, str] = field(default_factory=lambda: MappingProxyType(dict(DEFAULTS)))

    @property
    def gray(self) -> str:
        """How gray-zone numbers are treated (the ``gray`` choice): ``reject`` or ``accept``."""
        return self.choices["gray"]

    def choice(self, key: str) -> str:
        """The value of the open choice ``key`` (see :mod:`graph_phone_emulator.choices`)."""
        return self.choices[key]

    def faulty(self, name: FaultName) -> bool:
        """True when the fault ``name`` is switched on."""
        return name in self.faults

    def fault(self, name: FaultName) -> bool:
        """Alias of :meth:`faulty`."""
        return name in self.faults


def load_config(path: str | os.PathLike[str] | None = None,
                overrides: Mapping[str, object] | None = None) -> EmulatorConfig:
    """Load and validate a profile (None: the package default), then apply ``overrides``.

    Overrides whose value is None are ignored. Raises :class:`ConfigError` (a ValueError) for an
    unreadable or invalid profile, an unknown override key or an unknown fault name.
    """
    profile = Path(path) if path is not None else DEFAULT_PROFILE
    try:
        raw = tomllib.loads(profile.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{profile}: cannot read profile ({exc.strerror or exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{profile}: not valid TOML ({exc})") from None
    try:
        return _build(raw, {k: v for k, v in (overrides or {}).items() if v is not None}, str(profile))
    except ConfigError as exc:
        raise ConfigError(f"{profile}: {exc}") from None


def config_from_mapping(raw: Mapping[str, object], overrides: Mapping[str, object] | None = None,
                        source: str = "<mapping>") -> EmulatorConfig:
    """Build a config from an already-parsed profile mapping (same rules as :func:`load_config`)."""
    return _build(raw, {k: v for k, v in (overrides or {}).items() if v is not None}, source)


def _unknown(key: str, known: Iterable[str], table: str) -> ConfigError:
    names = sorted(known)
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.6) or [k for k in names if k.lower() == key.lower()]
    hint = f"did you mean {close[0]}?" if close else f"known: {', '.join(names) or 'none'}"
    return ConfigError(f"unknown key {key!r} in {table} ({hint})")


def check_profile_keys(raw: Mapping[str, object]) -> None:
    """Refuse the first key of the profile no reader knows (one line naming the nearest known key)."""
    for key, value in raw.items():
        if key not in PROFILE_KEYS:
            raise _unknown(key, PROFILE_KEYS, "the top level")
        if key == "roles" and isinstance(value, dict):
            for role in value:
                if role not in ROLE_NAMES:
                    raise _unknown(role, ROLE_NAMES, "[roles]")
        elif key == "users" and isinstance(value, list):
            for n, entry in enumerate(value, 1):
                for k in entry if isinstance(entry, dict) else ():
                    if k not in PROFILE_KEYS["users"]:
                        raise _unknown(k, PROFILE_KEYS["users"], f"[[users]] entry {n}")
        elif isinstance(value, dict):
            for k in value:
                if k not in PROFILE_KEYS[key]:
                    raise _unknown(k, PROFILE_KEYS[key], f"[{key}]")


def _build(raw: Mapping[str, object], overrides: dict[str, object], source: str) -> EmulatorConfig:
    unknown = set(overrides) - OVERRIDE_KEYS
    if unknown:
        raise ConfigError(f"unknown override(s) {', '.join(sorted(unknown))} "
                          f"(known: {', '.join(sorted(OVERRIDE_KEYS))})")
    auth = _table(raw, "auth", required=True)
    check_profile_keys(raw)
    emu = _table(raw, "emulator", required=False)
    settings = {**emu, **{k: v for k, v in overrides.items() if k != "secret"}}
    secret = overrides.get("secret") or _secret(auth)
    tenant_id = auth.get("tenant_id")
    if not isinstance(tenant_id, str) or not tenant_id:
        raise ConfigError("[auth] tenant_id is required")
    app_id = auth.get("app_id", "")
    if not isinstance(app_id, str):
        raise ConfigError("[auth] app_id must be a string")
    faults = settings.get("faults", ())
    if isinstance(faults, str) or not isinstance(faults, Iterable):
        raise ConfigError("faults must be a list of fault names")
    try:
        fault_names = validate_fault_names(faults)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return EmulatorConfig(
        users=_users(raw),
        secret=str(secret),
        tenant_id=tenant_id,
        app_id=app_id,
        edition=_choice(settings, "edition", EDITIONS),
        choices=_choices(emu, _with_observations(emu, overrides, source)),
        throttle_per_second=int(_number(settings, "throttle_per_second", integer=True)),
        latency_ms=float(_number(settings, "latency_ms", integer=False)),
        lag_ms=float(_number(settings, "lag_ms", integer=False)),
        page_size=int(_number(settings, "page_size", integer=True)),
        faults=fault_names,
        source=source,
    )


def _choices(emu: Mapping[str, object], overrides: Mapping[str, object]) -> Mapping[str, str]:
    """The open choices: ``[emulator.choices]``, then ``[emulator] gray``, then the overrides."""
    table = emu.get("choices", {})
    if not isinstance(table, dict):
        raise ConfigError("[emulator.choices] is not a table")
    chosen: dict[str, object] = dict(table)
    if "gray" in emu:
        chosen["gray"] = emu["gray"]
    extra = overrides.get("choices") or {}
    if not isinstance(extra, Mapping):
        raise ConfigError("the choices override must be a mapping of choice = value")
    chosen.update(extra)
    if "gray" in overrides:
        chosen["gray"] = overrides["gray"]
    try:
        return validate_choices(chosen, "[emulator.choices]")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _with_observations(emu: Mapping[str, object], overrides: Mapping[str, object],
                       source: str) -> Mapping[str, object]:
    """``overrides`` with the choices an observation ledger decides placed under any explicit ones.

    The ledger is the ``observations`` override or the profile's ``[emulator] observations`` (a path
    relative to the profile); see :mod:`graph_phone_emulator.observations`.
    """
    from graph_phone_emulator.observations import LedgerError, choices_from_ledger

    path = overrides.get("observations")
    if path is None and emu.get("observations"):
        path = Path(source).parent / str(emu["observations"])
    if path is None:
        return overrides
    try:
        observed = choices_from_ledger(str(path)).choices
    except LedgerError as exc:
        raise ConfigError(str(exc)) from None
    explicit = overrides.get("choices") or {}
    if not isinstance(explicit, Mapping):
        raise ConfigError("the choices override must be a mapping of choice = value")
    return {**overrides, "choices": {**observed, **explicit}}


def _table(raw: Mapping[str, object], name: str, *, required: bool) -> Mapping[str, object]:
    value = raw.get(name)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"[{name}] table is {'missing' if value is None else 'not a table'}")
    return value


def _secret(auth: Mapping[str, object]) -> str:
    secret = auth.get("secret")
    if isinstance(secret, str) and secret:
        return secret
    env = auth.get("secret_env")
    if isinstance(env, str) and env:
        value = os.environ.get(env)
        if value:
            return value
        raise ConfigError(f"[auth] secret_env names {env}, which is not set")
    raise ConfigError("[auth] needs secret (or secret_env) to verify tokens")


def _choice(settings: Mapping[str, object], key: str, allowed: tuple[str, ...]) -> str:
    value = settings.get(key, allowed[0])
    if value not in allowed:
        raise ConfigError(f"{key} must be one of {', '.join(allowed)} (got {value!r})")
    return str(value)


def _number(settings: Mapping[str, object], key: str, *, integer: bool) -> float:
    value = settings.get(key, 0)
    ok_types = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, ok_types) or value < 0:
        kind = "a non-negative integer" if integer else "a non-negative number"
        raise ConfigError(f"{key} must be {kind} (got {value!r})")
    return value


def _users(raw: Mapping[str, object]) -> tuple[UserSpec, ...]:
    entries = raw.get("users")
    if not isinstance(entries, list) or not entries:
        raise ConfigError("no [[users]] entries")
    users: list[UserSpec] = []
    seen_ids: set[str] = set()
    seen_upns: set[str] = set()
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise ConfigError(f"[[users]] entry {n} is not a table")
        where = f"[[users]] entry {n}"
        for key in ("id", "upn"):
            if not isinstance(entry.get(key), str) or not entry[key]:
                raise ConfigError(f"{where} lacks {key}")
        if not _GUID.fullmatch(entry["id"]):
            raise ConfigError(f"{where} id must be the user's object id, a GUID (got {entry['id'][:40]!r})")
        user_id, upn = entry["id"].lower(), entry["upn"].lower()
        if user_id in seen_ids or upn in seen_upns:
            raise ConfigError(f"{where} repeats the id or upn of an earlier user")
        seen_ids.add(user_id)
        seen_upns.add(upn)
        roles = entry.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise ConfigError(f"{where} roles must be a list of role template ids")
        sms = entry.get("sms_sign_in", True)
        if not isinstance(sms, bool):
            raise ConfigError(f"{where} sms_sign_in must be true or false")
        users.append(UserSpec(
            key=str(entry.get("key", entry["id"])), id=entry["id"], upn=entry["upn"],
            roles=tuple(r.lower() for r in roles), sms_sign_in=sms, phones=_phones(entry, where),
        ))
    return tuple(users)


def _phones(entry: Mapping[str, object], where: str) -> Mapping[str, str]:
    phones = entry.get("phones", {})
    if not isinstance(phones, dict):
        raise ConfigError(f"{where} phones must be a table of phoneType = number")
    for phone_type, number in phones.items():
        if phone_type not in PHONE_TYPES:
            raise ConfigError(f"{where} phones: unknown phoneType {phone_type!r}")
        if not isinstance(number, str) or classify(number).kind != "valid":
            raise ConfigError(f"{where} phones: {phone_type} number {number!r} is not valid")
    if "alternateMobile" in phones and "mobile" not in phones:
        raise ConfigError(f"{where} phones: alternateMobile needs a mobile")
    return MappingProxyType(dict(phones))
