"""The write guard: no write leaves the suite unless its user is on the profile's allow-list.

The profile's test users (every user a role names) are the allow-list. A write (POST, PATCH, PUT,
DELETE) is allowed only when the user it addresses is on it:

* ``/users/{id}``: the id, compared without regard to case;
* ``/users/{upn}``: the UPN as written, ``%40``-encoded or in another case (percent-decoded once,
  compared lowercased); anything else (double encoding, a different user) is refused;
* ``/users('{id | upn}')``: the OData key form, read the same way (doubled quotes inside undone);
* ``/me``: the signed-in user, resolved first (from the token's ``oid`` when the token says, else
  the user the caller passed as ``me``); a write to ``/me`` whose user is unknown is refused. A
  write to ``/me`` with no credentials at all names nobody (Graph can only answer 401) and passes.

Before any of that, every request (reads too) is screened (:func:`screen_request`): only GET, POST,
PATCH and DELETE go out (``MERGE``, ``PUT``, ``HEAD``, ``OPTIONS``... are refused), no method-override
header (``X-HTTP-Method-Override``, ``X-HTTP-Method``, ``X-Method-Override``) goes out, and no path
whose segments, percent-decoded as often as they decode, hold ``..``, a backslash or a ``/`` (an
encoded slash: ``..%2F``, ``%2e%2e``, ``%252e%252e``). A path the suite builds never holds one; a
hostile answer (a ``nextLink``) or a future code path might. In readonly mode every write is refused.
Reads of anyone pass.

A refusal raises :class:`~conformance.core.errors.GuardRefusal` before anything is sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import unquote, urlsplit

from conformance.core.errors import GuardRefusal
from conformance.target.auth.claims import decode
from conformance.target.profile import User

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
ALLOWED_METHODS = frozenset({"GET", "POST", "PATCH", "DELETE"})
"""The only methods the suite sends: the API's operations use no other."""
OVERRIDE_HEADERS = frozenset({"x-http-method-override", "x-http-method", "x-method-override"})
"""Headers that ask a server to treat a request as another method (refused whatever their value)."""
_DECODE_ROUNDS = 5


def is_write(method: str) -> bool:
    """True for the methods that change state."""
    return method.upper() in WRITE_METHODS


_KEY_SEGMENT = re.compile(r"users\('((?:[^']|'')*)'\)", re.IGNORECASE)
"""``users('key')``: the OData key form of a user segment."""


def split_path(path: str) -> list[str]:
    """The path's segments, percent-decoded once, with ``.`` and ``..`` resolved (query dropped)."""
    raw = urlsplit(path).path if "://" in path else path.split("?", 1)[0].split("#", 1)[0]
    out: list[str] = []
    for segment in raw.split("/"):
        decoded = unquote(segment)
        if decoded in ("", "."):
            continue
        if decoded == "..":
            if out:
                out.pop()
            continue
        out.append(decoded)
    return out


def _fully_decoded(segment: str) -> str:
    """``segment`` percent-decoded until it stops changing (at most a few rounds: double encoding too)."""
    for _ in range(_DECODE_ROUNDS):
        decoded = unquote(segment)
        if decoded == segment:
            break
        segment = decoded
    return segment


def unsafe_segment(path: str) -> str | None:
    """The first raw segment of ``path`` that decodes to a traversal (``..``), a backslash or a ``/``."""
    raw = urlsplit(path).path if "://" in path else path.split("?", 1)[0].split("#", 1)[0]
    for segment in raw.split("/"):
        decoded = _fully_decoded(segment)
        if ".." in decoded or "\\" in decoded or "/" in decoded:
            return segment
    return None


def screen_request(method: str, path: str, headers: Mapping[str, object] | None = None) -> None:
    """Refuse a request no target should receive from the suite, whoever it addresses (reads too).

    Only :data:`ALLOWED_METHODS`; no :data:`OVERRIDE_HEADERS`; no path segment that decodes (once or
    more) to ``..``, a backslash or a ``/``. Raises :class:`GuardRefusal`; nothing is sent.
    """
    verb = str(method or "").upper()
    shown = path.split("?", 1)[0][:200]
    if verb not in ALLOWED_METHODS:
        raise GuardRefusal(f"guard: refused {verb[:20]!r} {shown}: only {', '.join(sorted(ALLOWED_METHODS))} are "
                           "sent; nothing was sent")
    for name in headers or {}:
        lowered = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        if lowered.lower() in OVERRIDE_HEADERS:
            raise GuardRefusal(f"guard: refused {verb} {shown}: the method-override header {lowered} is never "
                               "sent; nothing was sent")
    bad = unsafe_segment(path)
    if bad is not None:
        raise GuardRefusal(f"guard: refused {verb} {shown}: the path segment {bad[:60]!r} decodes to '..', a "
                           "backslash or a '/'; nothing was sent")


def token_identity(token: str | None) -> tuple[str, str] | None:
    """``(oid, upn)`` of a delegated JWT, decoded without verification; ``None`` when it names no user."""
    claims = decode(token)
    if claims is None or claims.get("idtyp") == "app" or not claims.get("oid"):
        return None
    upn = claims.get("upn") or claims.get("preferred_username") or claims.get("unique_name") or ""
    return str(claims["oid"]), str(upn)


class WriteGuard:
    """Refuses writes to users outside the allow-list (and every write in readonly mode).

    Called as ``guard(method, path, me)`` before every request; returns the user a write addresses
    (``None`` for reads). ``before_write(user)`` runs before the first write to each user is sent
    (the journal hooks in there); if it raises, the write is not sent. ``base_path`` is the base
    URL's path (``/v1.0``), stripped from full URL paths before the user is read.
    """

    def __init__(self, allowed: Iterable[User], *, readonly: bool = False,
                 before_write: Callable[[User], None] | None = None, base_path: str = "") -> None:
        self.allowed = tuple(allowed)
        self.readonly = readonly
        self.before_write = before_write
        self._base = split_path(base_path)
        self._by_id = {u.id.lower(): u for u in self.allowed}
        self._by_upn = {u.upn.lower(): u for u in self.allowed}
        self._written: set[str] = set()
        self.refusals = 0

    # -- identities -----------------------------------------------------------------------------
    def find(self, key: str) -> User | None:
        """The allow-listed user named by an id or a UPN (already percent-decoded), else ``None``."""
        k = key.lower()
        return self._by_id.get(k) or self._by_upn.get(k)

    def identify(self, token: str | None) -> User | None:
        """The user a delegated token is signed in as: an allow-listed user, a stranger, or ``None``."""
        ident = token_identity(token)
        if ident is None:
            return None
        oid, upn = ident
        return self._by_id.get(oid.lower()) or User(key="(not a test user)", id=oid, upn=upn)

    def addressee(self, path: str, me: User | None) -> tuple[User | None, str]:
        """The user a path addresses and how it was named (for the refusal message)."""
        segments = split_path(path)
        if self._base and segments[: len(self._base)] == self._base:
            segments = segments[len(self._base):]
        if not segments:
            return None, "no user"
        head = segments[0].lower()
        if head == "me":
            if me is None:
                return None, "/me with no known signed-in user"
            return self._by_id.get(me.id.lower()), f"/me (signed in as {me.upn or me.id})"
        if head == "users" and len(segments) >= 2:
            return self.find(segments[1]), f"user {segments[1]!r}"
        key = _KEY_SEGMENT.fullmatch(segments[0])
        if key is not None:  # the OData key form /users('id or upn'), quotes doubled inside
            name = key.group(1).replace("''", "'")
            return self.find(name), f"user {name!r}"
        return None, f"path {'/'.join(segments[:2])!r}, which names no user"

    # -- the hooks ------------------------------------------------------------------------------
    def screen(self, method: str, path: str, headers: Mapping[str, object] | None = None) -> None:
        """:func:`screen_request`, counting a refusal."""
        try:
            screen_request(method, path, headers)
        except GuardRefusal:
            self.refusals += 1
            raise

    def __call__(self, method: str, path: str, me: User | None = None, *, anonymous: bool = False) -> User | None:
        """Allow a read; allow a write to an allow-listed user (journaling first); else refuse.

        ``anonymous``: the request carries no credentials, so a ``/me`` without ``me`` names nobody.
        """
        self.screen(method, path)
        if not is_write(method):
            return None
        shown = path.split("?", 1)[0]
        if self.readonly:
            self.refusals += 1
            raise GuardRefusal(f"guard: refused {method.upper()} {shown}: mode = readonly sends no write; "
                               "nothing was sent")
        user, named = self.addressee(path, me)
        if user is None and anonymous and me is None and named.startswith("/me"):
            return None
        if user is None:
            self.refusals += 1
            raise GuardRefusal(f"guard: refused {method.upper()} {shown}: {named} is not on the profile's "
                               "test-user allow-list; nothing was sent")
        if user.id.lower() not in self._written:
            if self.before_write is not None:
                self.before_write(user)
            self._written.add(user.id.lower())
        return user
