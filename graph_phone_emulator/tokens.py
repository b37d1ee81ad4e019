"""Bearer token verification (contract §3): HS256 JWTs signed with the profile secret.

Decoding and signature checks are cached per token string (small LRU); lifetime (``exp``/``nbf``) is
checked on every request, so a cached token still expires.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

import jwt

PERSONAL_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"
"""The tenant id of personal Microsoft accounts (refused on every operation)."""

AUDIENCES = ("https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000")
"""The audiences accepted for Microsoft Graph."""


class TokenError(Exception):
    """The token is missing or unusable; the message is the 401's message."""


class MalformedToken(TokenError):
    """The bearer value is not a JWT at all."""


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller.

    ``kind`` is ``"delegated"`` or ``"app"``; ``scopes`` are lower-cased delegated scopes or app roles;
    ``wids`` are lower-cased directory role template ids of a delegated caller.
    """

    kind: str
    oid: str
    upn: str
    tid: str
    scopes: frozenset[str]
    wids: frozenset[str]
    exp: float
    nbf: float
    token: str

    @property
    def is_app(self) -> bool:
        """True for an application (app-only) token."""
        return self.kind == "app"

    @property
    def personal(self) -> bool:
        """True for a personal Microsoft account."""
        return self.tid == PERSONAL_TENANT


class TokenVerifier:
    """Verifies bearer tokens against one secret and tenant; some checks can be switched off for faults."""

    def __init__(self, secret: str, tenant_id: str, *, check_signature: bool = True,
                 check_audience: bool = True, check_expiry: bool = True, check_not_before: bool = True,
                 accept_unsigned: bool = False, audience_prefix: bool = False, require_exp: bool = True,
                 cache_size: int = 2048) -> None:
        """``accept_unsigned``, ``audience_prefix`` (an audience that starts with Graph's URI passes) and
        ``require_exp`` (off: a token without ``exp`` never expires) exist for seeded faults only."""
        self._secret = secret
        self._accept_unsigned = accept_unsigned
        self._audience_prefix = audience_prefix and check_audience
        self._tenants = frozenset({tenant_id.lower(), PERSONAL_TENANT})
        self._check_expiry = check_expiry
        self._check_not_before = check_not_before
        self._options = {
            "verify_signature": check_signature, "verify_aud": check_audience and not audience_prefix,
            "verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_iss": False,
            "require": ["exp", "tid", "oid"] if require_exp else ["tid", "oid"],
        }
        self._decode = lru_cache(maxsize=cache_size)(self._decode_uncached)

    def authenticate(self, authorization: str | None) -> Principal:
        """Return the caller for an ``Authorization`` header value, or raise :class:`TokenError`."""
        if not authorization:
            raise TokenError("Access token is empty.")
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer":
            raise TokenError("Access token is empty or the Authorization scheme is not Bearer.")
        if not token:
            raise TokenError("Access token is empty.")
        principal = self._decode(token)
        now = time.time()
        if principal.exp <= now and self._check_expiry:
            raise TokenError("Lifetime validation failed, the token is expired.")
        if principal.nbf > now and self._check_not_before:
            raise TokenError("Lifetime validation failed, the token is not yet valid.")
        return principal

    def _decode_uncached(self, token: str) -> Principal:
        if token.count(".") != 2:
            raise MalformedToken("IDX14100: JWT is not well formed, there are no dots (.) or too many.")
        try:
            if self._accept_unsigned and _algorithm(token) == "none":
                claims = jwt.decode(token, options={**self._options, "verify_signature": False},
                                    audience=list(AUDIENCES))
            else:
                claims = jwt.decode(token, self._secret, algorithms=["HS256"], audience=list(AUDIENCES),
                                    options=self._options)
            if self._audience_prefix and not _audience_starts_like_graph(claims.get("aud")):
                raise jwt.InvalidAudienceError("audience")
        except jwt.InvalidSignatureError:
            raise TokenError("IDX10511: Signature validation failed.") from None
        except jwt.InvalidAudienceError:
            raise TokenError("IDX10214: Audience validation failed.") from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenError(f"The token lacks the required claim '{exc.claim}'.") from None
        except jwt.InvalidAlgorithmError:
            raise TokenError("IDX10511: only HS256-signed tokens are accepted.") from None
        except jwt.DecodeError as exc:
            raise MalformedToken(f"IDX14100: JWT is not well formed: {exc}") from None
        except jwt.InvalidTokenError as exc:
            raise TokenError(f"Access token validation failure: {exc}") from None
        return self._principal(claims, token)

    def _principal(self, claims: dict[str, object], token: str) -> Principal:
        tid, oid = claims.get("tid"), claims.get("oid")
        if not isinstance(tid, str) or not isinstance(oid, str) or not oid:
            raise TokenError("Access token validation failure: tid and oid must be strings.")
        if tid.lower() not in self._tenants:
            raise TokenError("Access token validation failure. Invalid tenant.")
        exp, nbf = claims.get("exp", float("inf")), claims.get("nbf", 0)
        if not _is_number(exp) or not _is_number(nbf):
            raise TokenError("Access token validation failure: exp and nbf must be numbers.")
        scp, roles, wids = claims.get("scp"), claims.get("roles"), claims.get("wids", [])
        idtyp = claims.get("idtyp")
        if idtyp is not None and idtyp not in ("app", "user"):
            raise TokenError("Access token validation failure: idtyp must be 'app' or 'user'.")
        if scp is not None and not isinstance(scp, str):
            raise TokenError("Access token validation failure: scp must be a string.")
        if not _is_str_list(roles, allow_none=True) or not _is_str_list(wids, allow_none=False):
            raise TokenError("Access token validation failure: roles and wids must be lists of strings.")
        is_app = idtyp == "app" or (idtyp is None and roles is not None and scp is None)
        granted = (roles or []) if is_app else (scp or "").split()
        upn = claims.get("upn") or claims.get("preferred_username") or ""
        return Principal(
            kind="app" if is_app else "delegated",
            oid=oid.lower(),
            upn=upn.lower() if isinstance(upn, str) else "",
            tid=tid.lower(),
            scopes=frozenset(s.lower() for s in granted),
            wids=frozenset() if is_app else frozenset(w.lower() for w in wids),
            exp=float(exp),  # type: ignore[arg-type]
            nbf=float(nbf),  # type: ignore[arg-type]
            token=token,
        )


def _algorithm(token: str) -> str:
    """The ``alg`` of a token's header, lower-cased (empty when unreadable)."""
    try:
        return str(jwt.get_unverified_header(token).get("alg", "")).lower()
    except jwt.PyJWTError:
        return ""


def _audience_starts_like_graph(aud: object) -> bool:
    """The ``audience-prefix`` fault's check: any audience that begins with one of Graph's."""
    values = aud if isinstance(aud, list) else [aud]
    return any(isinstance(v, str) and v.startswith(AUDIENCES) for v in values)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_str_list(value: object, *, allow_none: bool) -> bool:
    if value is None:
        return allow_none
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
