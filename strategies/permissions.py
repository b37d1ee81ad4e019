"""Permission contexts: who calls (token kind, scopes, app roles, directory roles) and on whom.

A :class:`PermissionContext` is plain data. The expected outcome of a request made in a context
(200, 401, 403, ...) is *not* computed here: the suite's rule model does that (contract §4-§5).
Scopes and roles are from facts §4 (both permission families, the 15 directory roles of §4.3).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal, get_args

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from strategies._validation import check_choices

TokenKind = Literal[
    "delegated",
    "application",
    "none",
    "empty",
    "malformed",
    "expired",
    "not_yet_valid",
    "bad_signature",
    "wrong_audience",
    "personal_account",
    "unsigned",
    "no_exp",
    "audience_lookalike_host",
    "audience_lookalike_path",
]
"""How the caller authenticates. ``none``: no Authorization header; ``empty``: ``Bearer`` with an empty
token. ``malformed``, ``expired``, ``not_yet_valid`` (``nbf`` in the future), ``bad_signature``,
``wrong_audience``: a delegated token broken that way. ``personal_account``: a delegated token of a
personal Microsoft account (tenant ``9188040d-...``). The RFC 8725 (JWT best current practice) cases:
``unsigned`` (``alg: none``, no signature), ``no_exp`` (no ``exp`` claim), ``audience_lookalike_host``
and ``audience_lookalike_path`` (an audience that extends Graph's URI:
``https://graph.microsoft.com.evil.example``, ``https://graph.microsoft.com/extra``)."""

Addressee = Literal["me", "self_id", "self_upn", "ordinary_target", "privileged_target", "privileged_auth_admin"]
"""Whose phone methods a request addresses: ``/me``; ``/users/{caller oid}``; ``/users/{caller upn}``;
another user with no admin role; another user holding an admin role an Authentication Administrator
may not manage; a Privileged Authentication Administrator (a privileged admin). The last three are the
profile roles (``[roles]``) of the users that stand for them."""

ADDRESS_FORMS: Final = ("id", "upn", "upn-upper", "upn-encoded", "users-key")
"""How ``/users/{x}`` names a user: object id, UPN as written, UPN in another case, UPN with ``@`` as
``%40``, and the OData key form ``/users('upn')`` (facts §1, §7)."""

UPN_FORMS: Final = ADDRESS_FORMS[1:]
"""The address forms that name a user by UPN."""

TOKEN_KINDS: Final[tuple[TokenKind, ...]] = get_args(TokenKind)
"""Every token kind, valid ones first."""

ADDRESSEES: Final[tuple[Addressee, ...]] = get_args(Addressee)
"""Every addressee, the caller itself first."""

BROKEN_TOKEN_KINDS: Final[tuple[TokenKind, ...]] = ("malformed", "expired", "not_yet_valid", "bad_signature",
                                                     "wrong_audience", "unsigned", "no_exp",
                                                     "audience_lookalike_host", "audience_lookalike_path")
"""Token kinds that are delegated tokens invalid for Graph (401 whatever they claim)."""

DELEGATED_FAMILIES: Final = ("UserAuthenticationMethod", "UserAuthMethod-Phone")
"""The two permission families (facts §4.1: ``UserAuthMethod-Phone`` is the late-2025 one)."""

ALL_SCOPES: Final = (
    *(
        f"{family}.{level}"
        for family in DELEGATED_FAMILIES
        for level in ("Read", "ReadWrite", "Read.All", "ReadWrite.All")
    ),
    "User.Read",
)
"""Delegated scopes (``scp``): both families at every level, and an irrelevant ``User.Read``."""

ALL_APP_ROLES: Final = (
    *(f"{family}.{level}" for family in DELEGATED_FAMILIES for level in ("Read.All", "ReadWrite.All")),
    "User.Read.All",
)
"""Application permissions (``roles``): both families' ``.All`` levels, and an irrelevant one."""

DIRECTORY_ROLES: Final = MappingProxyType(
    {
        "global_administrator": "62e90394-69f5-4237-9190-012177145e10",
        "privileged_authentication_administrator": "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
        "authentication_administrator": "c4e39bd9-1100-46d3-8c65-fb160da0071f",
        "global_reader": "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
        "authentication_policy_administrator": "0526716b-113d-4c15-b2c8-68e3c22b9f80",
        "helpdesk_administrator": "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        "password_administrator": "966707d0-3269-4727-9be2-8c3a10f19b9d",
        "user_administrator": "fe930be7-5e62-47db-91af-98c3a49a38b1",
        "privileged_role_administrator": "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "groups_administrator": "fdd7a751-b60b-444a-984c-02652fe8fa1c",
        "guest_inviter": "95e79109-95c0-4d8e-aee3-d01accf2d47b",
        "directory_readers": "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
        "message_center_reader": "790c1fb9-7f7d-4f88-86a1-ef1f95c05c1b",
        "reports_reader": "4a5d8f65-41da-4de4-8968-e035b65339cf",
        "usage_summary_reports_reader": "75934031-6c7e-415a-99d7-48dbd49e875e",
    }
)
"""Directory role name -> role template id (the ``wids`` claim), the 15 roles of facts §4.3."""


@dataclass(frozen=True, slots=True)
class PermissionContext:
    """A caller and an addressee (whose methods it asks for): plain data, validated on construction.

    ``scopes`` (delegated ``scp``) and ``directory_roles`` (names, keys of :data:`DIRECTORY_ROLES`)
    belong to delegated-like tokens (delegated, personal account, broken); ``app_roles`` (``roles``)
    to application tokens; ``none`` carries nothing. For a broken token they are what it claims.
    :func:`permission_contexts` draws only such consistent contexts; construction checks the field
    types, the token kind, the addressee and the role names, not that consistency (a profile may
    describe an odd token). Scopes and app roles need not be among :data:`ALL_SCOPES` /
    :data:`ALL_APP_ROLES`.
    """

    token_kind: TokenKind
    scopes: tuple[str, ...] = ()
    app_roles: tuple[str, ...] = ()
    directory_roles: tuple[str, ...] = ()
    addressee: Addressee = "me"

    def __post_init__(self) -> None:
        if self.token_kind not in TOKEN_KINDS:
            raise InvalidArgument(f"token_kind={self.token_kind!r} is not one of {TOKEN_KINDS}")
        if self.addressee not in ADDRESSEES:
            raise InvalidArgument(f"addressee={self.addressee!r} is not one of {ADDRESSEES}")
        for name in ("scopes", "app_roles", "directory_roles"):
            value = getattr(self, name)
            if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
                raise InvalidArgument(f"{name}={value!r} must be a tuple of strings")
        unknown = [r for r in self.directory_roles if r not in DIRECTORY_ROLES]
        if unknown:
            raise InvalidArgument(f"unknown directory role(s) {unknown!r}; expected keys of DIRECTORY_ROLES")

    @property
    def role_template_ids(self) -> tuple[str, ...]:
        """The caller's directory roles as template ids (the token's ``wids`` claim)."""
        return tuple(DIRECTORY_ROLES[r] for r in self.directory_roles)

    @property
    def is_self(self) -> bool:
        """Whether the addressee is the caller itself (``/me`` or its own id or UPN)."""
        return self.addressee in ("me", "self_id", "self_upn")


# Favoured token kinds first (shrinking goes there) and more often.
_TOKEN_KIND_WEIGHTS: Final[dict[TokenKind, int]] = {
    "delegated": 6,
    "application": 3,
    "none": 1,
    "empty": 1,
    "malformed": 1,
    "expired": 1,
    "not_yet_valid": 1,
    "bad_signature": 1,
    "wrong_audience": 1,
    "personal_account": 1,
    "unsigned": 1,
    "no_exp": 1,
    "audience_lookalike_host": 1,
    "audience_lookalike_path": 1,
}

_ADMIN_ROLES: Final = (
    "authentication_administrator",
    "privileged_authentication_administrator",
    "global_administrator",
    "global_reader",
)


def _in_order(values: Iterable[str], order: tuple[str, ...]) -> tuple[str, ...]:
    chosen = set(values)
    return tuple(v for v in order if v in chosen)


def _sets_of(elements: tuple[str, ...], *, max_size: int) -> st.SearchStrategy[tuple[str, ...]]:
    """Tuples in ``elements`` order: none, exactly one (twice as likely), or a few (2 to ``max_size``)."""
    singles = [st.sampled_from(elements).map(lambda e: (e,)) for _ in range(2)]  # distinct objects
    some = st.sets(st.sampled_from(elements), min_size=2, max_size=max_size)
    return st.one_of(st.just(()), *singles, some.map(lambda s: _in_order(s, elements)))


# A scope with its .All twin, or with its other-family twin: the boundaries that matter most.
_SCOPE_TWINS: Final = tuple(
    (f"{family}.{level}", f"{family}.{level}.All") for family in DELEGATED_FAMILIES for level in ("Read", "ReadWrite")
) + tuple((f"{DELEGATED_FAMILIES[0]}.{level}", f"{DELEGATED_FAMILIES[1]}.{level}") for level in ("Read", "ReadWrite"))

_SCOPE_SETS: Final = _sets_of(ALL_SCOPES, max_size=4) | st.sampled_from(_SCOPE_TWINS).map(
    lambda twins: _in_order(twins, ALL_SCOPES)
)
_ROLE_SETS: Final = _sets_of(tuple(DIRECTORY_ROLES), max_size=3) | st.tuples(
    st.sampled_from(_ADMIN_ROLES), st.sampled_from(tuple(DIRECTORY_ROLES))
).map(lambda pair: _in_order(pair, tuple(DIRECTORY_ROLES)))
_APP_ROLE_SETS: Final = _sets_of(ALL_APP_ROLES, max_size=3)


@functools.cache
def _weighted(kinds: tuple[TokenKind, ...]) -> st.SearchStrategy[TokenKind]:
    return st.sampled_from([k for k in kinds for _ in range(_TOKEN_KIND_WEIGHTS[k])])


@functools.cache
def _sampled(values: tuple[Addressee, ...]) -> st.SearchStrategy[Addressee]:
    return st.sampled_from(values)


@st.composite
def _contexts(draw: st.DrawFn, kinds: tuple[TokenKind, ...], addressees: tuple[Addressee, ...]) -> PermissionContext:
    token_kind = draw(_weighted(kinds))
    addressee = draw(_sampled(addressees))
    if token_kind == "application":
        return PermissionContext(token_kind, app_roles=draw(_APP_ROLE_SETS), addressee=addressee)
    if token_kind in ("none", "empty"):
        return PermissionContext(token_kind, addressee=addressee)
    return PermissionContext(token_kind, scopes=draw(_SCOPE_SETS), directory_roles=draw(_ROLE_SETS),
                             addressee=addressee)


def permission_contexts(
    *, token_kinds: Iterable[TokenKind] | None = None, addressees: Iterable[Addressee] | None = None
) -> st.SearchStrategy[PermissionContext]:
    """Draw :class:`PermissionContext` values, favouring the boundaries of the permission matrix.

    Delegated tokens are drawn most, then application tokens, then each failure kind. Scopes:
    none, exactly one of :data:`ALL_SCOPES` (so exactly the needed one, for every operation), a scope
    with its ``.All`` twin or its other-family twin, or a few. Directory roles: none, each single
    role of :data:`DIRECTORY_ROLES`, an admin role with another role, or a few. App roles: none,
    one, or a few of :data:`ALL_APP_ROLES`. The expected outcome is the rule model's business.

    ``token_kinds``: a collection of :data:`TOKEN_KINDS`; ``addressees``: a collection of
    :data:`ADDRESSEES`. None means all.
    """
    kinds = check_choices("token_kinds", token_kinds, TOKEN_KINDS, what="token kind")
    chosen = check_choices("addressees", addressees, ADDRESSEES, what="addressee")
    return _contexts(kinds, chosen)  # type: ignore[arg-type]


def pairwise_rows(factors: Sequence[tuple[str, Sequence[str]]],
                  required: Sequence[dict[str, str]] = ()) -> list[dict[str, str]]:
    """Rows (factor -> value) in which every pair of values of two factors appears at least once.

    ``required`` rows come first (combinations that must run whatever the pairs need); then, greedy and
    deterministic, each new row is the first combination that covers the most pairs not yet covered.
    Small factor sets only (it walks their whole product).
    """
    names = [name for name, _ in factors]
    combos = list(itertools.product(*(values for _, values in factors)))

    def pairs(row: tuple[str, ...]) -> set[tuple[int, str, int, str]]:
        return {(i, row[i], j, row[j]) for i, j in itertools.combinations(range(len(row)), 2)}

    uncovered = set().union(*(pairs(c) for c in combos))
    rows: list[tuple[str, ...]] = [tuple(r[n] for n in names) for r in required]
    for row in rows:
        uncovered -= pairs(row)
    while uncovered:
        best = max(combos, key=lambda c: len(pairs(c) & uncovered))
        rows.append(best)
        uncovered -= pairs(best)
    return [dict(zip(names, row, strict=True)) for row in rows]
