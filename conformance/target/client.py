"""The suite's one HTTP client for Graph phone methods.

A ``requests.Session`` with: retries of 429/503/504 that honour ``Retry-After`` within a bound, a
request budget, an optional write guard, a record of every exchange with tokens redacted, and the
consistency wait of replicated targets (the first read after a write waits until ``settle_s`` after it).

The guard and the budget sit at the last point before the socket: the session's transport adapter,
which sees every request actually sent (through :meth:`GraphClient.request`, or on the session
directly, as schemathesis does) and judges the ``Authorization`` header that goes out (``/me`` is
resolved to the user that token is signed in as). The session never follows a redirect: a 3xx is an
answer like any other, handed to the test.

The transport also bounds what a target may send (:class:`Limits`): every answer is streamed, its
body counted as it arrives (at most ``max_response_bytes`` on the wire) and decoded by the client
itself (gzip or deflate, at most ``max_response_bytes`` decoded, never decompressed whole), and every
request has one overall deadline (connect, headers and body together; a watchdog closes the socket
when it passes, so a body dripped a byte at a time ends too). Over any limit the answer is broken:
:class:`TargetBroken` (exit 4), with memory bounded by the caps.
"""

from __future__ import annotations

import contextlib
import json as jsonlib
import math
import os
import random
import shlex
import socket
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from conformance.core.errors import BudgetExhausted, GuardRefusal
from conformance.core.privacy import GENERATED
from conformance.target.profile import User

PHONE_METHODS = "/authentication/phoneMethods"
RETRY_STATUSES = frozenset({429, 503, 504})
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
READ_METHODS = frozenset({"GET"})
_MISSING: Any = object()
DEFAULT_MAX_RESPONSE_BYTES = 1 << 20
"""An answer of this API is a few hundred bytes (a list of three methods, an error): 1 MiB is generous."""
DEFAULT_DEADLINE_S = 30.0
"""One request, from connecting to the last byte of the body."""
_CHUNK = 64 * 1024
ACCEPTED_ENCODINGS = "gzip, deflate"


class TargetBroken(Exception):
    """The environment, not the target's conformance, stopped a test (retries exhausted, no answer).

    ``unanswered`` is true when nothing answered at all (connection refused, timeout), as opposed to
    a target that answered but kept throttling.
    """

    def __init__(self, message: str, *, unanswered: bool = False) -> None:
        super().__init__(message)
        self.unanswered = unanswered


@dataclass(frozen=True)
class Exchange:
    """One request and its response, with the bearer token replaced by ``MASKED``."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str | None
    status: int
    response_headers: dict[str, str]
    response_body: str
    elapsed_ms: float
    context: str | None = None
    """What the token sent stood for (``delegated scp=... wids=...``), when the target knows; never the token."""
    subject: str | None = None
    """The profile key of the user the token was signed in as, when the target knows."""

    def curl(self, token_var: str = "TOKEN") -> str:
        """A shell-safe ``curl`` line that sends this request again, the token read from ``$TOKEN``.

        Every word is quoted with :func:`shlex.quote` except the Authorization header, which is in double
        quotes so that the shell expands ``$TOKEN`` (no header at all when the request had none).
        """
        parts = ["curl", "-sS", "-i", "-X", shlex.quote(self.method), shlex.quote(self.url)]
        for k, v in self.request_headers.items():
            if k.lower() == "authorization":
                empty = v.strip() == "Bearer"
                parts += ["-H", "'Authorization: Bearer '" if empty else f'"Authorization: Bearer ${token_var}"']
            else:
                parts += ["-H", shlex.quote(f"{k}: {v}")]
        if self.request_body is not None:
            parts += ["--data-raw", shlex.quote(self.request_body)]
        return " ".join(parts)

    def replay_record(self, base_url: str) -> dict[str, Any]:
        """The request as data (path relative to ``base_url``, no token) and the answer it got, trimmed."""
        path = self.url[len(base_url):] if base_url and self.url.startswith(base_url) else self.url
        headers = {k: v for k, v in self.request_headers.items() if k.lower() != "authorization"}
        auth = next((v for k, v in self.request_headers.items() if k.lower() == "authorization"), None)
        return {"method": self.method, "path": path, "url": self.url, "headers": headers, "body": self.request_body,
                "authorization": None if auth is None else ("empty" if auth.strip() == "Bearer" else "token"),
                "context": self.context, "subject": self.subject,
                "status": self.status, "answer": self.response_body[:2000]}


@dataclass
class RetryPolicy:
    """How throttling and transient unavailability are retried.

    At most ``attempts`` tries per request and ``run_retry_budget`` retries per run. A ``Retry-After``
    (seconds, fractional allowed, or an HTTP date) is always honoured: the wait is at least what it
    asks, plus a little jitter; when it asks for more than ``max_wait_s`` the request is not retried
    (the run is broken rather than impolite). Without ``Retry-After``: jittered exponential backoff.
    ``log`` keeps ``(status, Retry-After header, seconds waited)`` for every retry.
    """

    attempts: int = 4
    max_wait_s: float = 10.0
    run_retry_budget: int = 200
    retries_used: int = 0
    waits: list[float] = field(default_factory=list)
    log: list[tuple[int, str | None, float]] = field(default_factory=list)

    def delay(self, response: requests.Response, attempt: int) -> float | None:
        """Seconds to wait before retrying ``response``, or ``None`` when its ``Retry-After`` is too long."""
        header = response.headers.get("Retry-After")
        asked = retry_after_seconds(header)
        if asked is None:
            return min(self.max_wait_s, 0.2 * 2**attempt) * random.uniform(0.5, 1.0)
        if asked > self.max_wait_s:
            return None
        jitter = random.uniform(0.0, min(0.25, 0.1 * asked + 0.01))
        return max(asked, min(asked + jitter, self.max_wait_s))

    def exhausted(self, attempt: int) -> bool:
        """True when a request that has had ``attempt + 1`` tries may not be retried again."""
        return attempt + 1 >= self.attempts or self.retries_used >= self.run_retry_budget


def retry_after_seconds(header: str | None) -> float | None:
    """The seconds a ``Retry-After`` header asks for (delta-seconds or HTTP date).

    ``None`` (the header is treated as absent: default backoff) when it is missing, unreadable, or
    not a finite non-negative number (``NaN``, ``inf``, ``-1``) nor an HTTP date.
    """
    if header is None:
        return None
    text = header.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


WriteObserver = Callable[[str, str, Any, User, requests.Response], None]
"""Called after a write's final answer: ``(method, path, json body or None, the user, response)``."""


@dataclass(frozen=True)
class Limits:
    """What one answer may cost: bytes on the wire, bytes decoded, seconds from connect to last byte."""

    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    deadline_s: float = DEFAULT_DEADLINE_S


class _Watch:
    """One request in flight: the connection it uses (once it has one) and whether its deadline passed."""

    __slots__ = ("conn", "deadline", "expired")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.conn: Any = None
        self.expired = False

    def abort(self) -> None:
        """The deadline passed: shut the socket so a blocked read returns at once."""
        self.expired = True
        sock = getattr(self.conn, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread per process that aborts requests whose overall deadline has passed."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._due: dict[int, _Watch] = {}
        self._wake_at = math.inf
        self._thread: threading.Thread | None = None

    def arm(self, watch: _Watch) -> None:
        """Watch ``watch`` until :meth:`disarm`; abort it if its deadline passes first."""
        with self._cond:
            self._due[id(watch)] = watch
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="request-deadline", daemon=True)
                self._thread.start()
            if watch.deadline < self._wake_at:
                self._cond.notify()

    def disarm(self, watch: _Watch) -> None:
        """Stop watching ``watch`` (its request is over)."""
        with self._cond:
            self._due.pop(id(watch), None)

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for key, watch in list(self._due.items()):
                    if watch.deadline <= now:
                        del self._due[key]
                        watch.abort()
                self._wake_at = min((w.deadline for w in self._due.values()), default=math.inf)
                self._cond.wait(None if self._wake_at == math.inf else max(self._wake_at - now, 0.01))


_WATCHDOG = _Watchdog()
_CURRENT = threading.local()
"""The :class:`_Watch` of the request this thread is sending (the pools hand it their connection)."""


class _TrackedHTTPPool(HTTPConnectionPool):
    """A pool that tells the request being sent which connection it got (for the deadline's watchdog)."""

    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)
        watch = getattr(_CURRENT, "watch", None)
        if watch is not None:
            watch.conn = conn
        return conn


class _TrackedHTTPSPool(HTTPSConnectionPool):
    """:class:`_TrackedHTTPPool` for https."""

    _get_conn = _TrackedHTTPPool._get_conn


_POOLS = {"http": _TrackedHTTPPool, "https": _TrackedHTTPSPool}


def _decoder(encoding: str) -> Any:
    """A streaming decoder for a ``Content-Encoding`` (``None`` for identity); ``ValueError`` when not accepted."""
    coding = encoding.strip().lower()
    if coding in ("", "identity"):
        return None
    if coding in ("gzip", "x-gzip"):
        return _Gzip()
    if coding == "deflate":
        return _Deflate()
    raise ValueError(coding)


class _Gzip:
    """``gzip``, one member after another (as a decoder must read concatenated members)."""

    def __init__(self) -> None:
        self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)

    @property
    def unconsumed_tail(self) -> bytes:
        return self._obj.unconsumed_tail

    def decompress(self, data: bytes, max_length: int) -> bytes:
        out = b""
        while True:
            if self._obj.eof:
                data, self._obj = self._obj.unused_data + data, zlib.decompressobj(16 + zlib.MAX_WBITS)
                if not data:
                    return out
            out += self._obj.decompress(data, max_length - len(out))
            data = b""
            if not (self._obj.eof and self._obj.unused_data) or len(out) >= max_length:
                return out


class _Deflate:
    """``deflate`` as servers send it: zlib-wrapped, or (wrongly but commonly) raw."""

    def __init__(self) -> None:
        self._first = True
        self._obj = zlib.decompressobj(zlib.MAX_WBITS)

    @property
    def unconsumed_tail(self) -> bytes:
        return self._obj.unconsumed_tail

    def decompress(self, data: bytes, max_length: int) -> bytes:
        if not self._first:
            return self._obj.decompress(data, max_length)
        self._first = False
        try:
            return self._obj.decompress(data, max_length)
        except zlib.error:
            self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
            return self._obj.decompress(data, max_length)


def read_bounded(response: requests.Response, limits: Limits, watch: _Watch | None = None) -> bytes:
    """The body of a streamed ``response``, decoded, or :class:`TargetBroken` when a limit is passed.

    Counts the bytes on the wire and the decoded bytes as they come (a gzip bomb is decompressed at
    most ``max_response_bytes`` + 1 at a time and stops there); never holds more than the cap, and
    drops what it holds before raising (a traceback kept by a test framework keeps nothing big alive).
    """
    out = bytearray()
    problem = _read_into(response, limits, watch, out)
    if problem is None:
        return bytes(out)
    out.clear()
    del out
    what = f"{response.request.method} {urlsplit(response.url or '').path}" if response.request else "answer"
    raise TargetBroken(f"{what}: {problem}")


def _read_into(response: requests.Response, limits: Limits, watch: _Watch | None, out: bytearray) -> str | None:
    """Read and decode the body into ``out``; return what went wrong (``None`` when nothing did)."""
    cap = limits.max_response_bytes
    late = f"no whole answer within the {limits.deadline_s:g} s deadline (request_deadline_s)"
    declared = response.headers.get("Content-Length", "")
    if declared.strip().isdigit() and int(declared) > cap:
        return f"the answer announces {int(declared)} bytes, over the {cap}-byte cap (max_response_bytes); not read"
    encodings = [e.strip() for e in response.headers.get("Content-Encoding", "").split(",") if e.strip()]
    try:
        if len(encodings) > 1:
            raise ValueError(",".join(encodings))
        decoder = _decoder(encodings[0] if encodings else "")
    except ValueError as exc:
        return f"Content-Encoding {str(exc)[:40]!r} was not asked for (Accept-Encoding: {ACCEPTED_ENCODINGS})"
    wire = 0
    raw = response.raw
    try:
        while True:
            chunk = raw.read(_CHUNK, decode_content=False)
            if not chunk:
                break
            wire += len(chunk)
            if wire > cap:
                return f"the answer is over the {cap}-byte cap (max_response_bytes); stopped reading"
            if decoder is None:
                out += chunk
                continue
            problem = _inflate(decoder, chunk, out, cap)
            if problem is not None:
                return problem
    except Exception as exc:  # the socket was shut by the watchdog, or the target broke off
        if watch is not None and watch.expired:
            return late
        return f"the answer broke off ({type(exc).__name__})"
    finally:
        with contextlib.suppress(Exception):
            raw.close()
    return late if watch is not None and watch.expired else None


def _inflate(decoder: Any, data: bytes, out: bytearray, cap: int) -> str | None:
    """Decode ``data`` into ``out``, never producing more than the cap (plus one byte, to notice)."""
    try:
        while data:
            before = len(out)
            out += decoder.decompress(data, cap - len(out) + 1)
            if len(out) > cap:
                return f"the answer decodes to more than the {cap}-byte cap (max_response_bytes); stopped decoding"
            tail = decoder.unconsumed_tail
            if len(out) == before and tail == data:
                break
            data = tail
    except zlib.error:
        return "the compressed answer does not decode"
    return None


class NoRedirectSession(requests.Session):
    """A session that never follows a redirect, whatever ``allow_redirects`` a caller passes.

    It reads the environment once, when made for ``base_url``, not per request: the proxy for that URL
    (``HTTPS_PROXY``, ``NO_PROXY``, ...) and a CA bundle (``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``).
    ``~/.netrc`` is never read, so a request sent without a token goes out without any credential.
    """

    def __init__(self, base_url: str = "") -> None:
        super().__init__()
        self.trust_env = False
        self.headers["Accept-Encoding"] = ACCEPTED_ENCODINGS
        if base_url:
            self.proxies.update(requests.utils.get_environ_proxies(base_url))
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle:
            self.verify = bundle

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        """No redirect target, ever: the 3xx itself is the answer."""
        return None


class _GuardedAdapter(HTTPAdapter):
    """The session's transport: every request is guarded and counted here, just before it is sent, and
    its answer read within the client's :class:`Limits`."""

    def __init__(self, client: GraphClient) -> None:
        self._client = client
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """Pools that hand each request its connection (so the deadline can close it)."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        """The proxy's pools track their connections too."""
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = dict(_POOLS)
        return manager

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             *args: Any, **kwargs: Any) -> requests.Response:
        """Guard the request as it will go out (its own Authorization header) and count it, then send it
        and read its answer within the limits (whatever ``stream`` the caller asked for)."""
        self._client._before_send(request)
        started = time.perf_counter()
        client = self._client
        if client.track_numbers and client.numbers_are_ours and request.body:
            body = request.body
            GENERATED.sent(body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body))
        limits = self._client.limits
        watch = _Watch(time.monotonic() + limits.deadline_s)
        if timeout is None or (isinstance(timeout, int | float) and timeout > limits.deadline_s):
            timeout = limits.deadline_s
        _CURRENT.watch = watch
        _WATCHDOG.arm(watch)
        try:
            try:
                response = super().send(request, True, timeout, *args, **kwargs)
            except requests.RequestException:
                if watch.expired:
                    self._client.broken = (f"{request.method} {urlsplit(request.url or '').path}: no answer within "
                                           f"the {limits.deadline_s:g} s deadline (request_deadline_s)")
                    raise TargetBroken(self._client.broken) from None
                raise
            try:
                response._content = read_bounded(response, limits, watch)
            except TargetBroken as exc:  # a limit: this target is sent nothing more (see GraphClient.broken)
                self._client.broken = str(exc)
                raise
            response._content_consumed = True
            if self._client.track_numbers:
                GENERATED.received(response._content.decode("utf-8", "replace"))
        finally:
            _WATCHDOG.disarm(watch)
            _CURRENT.watch = None
            self._client._after_send(request)
        if not getattr(self._client._inside, "recording", False):
            # sent on the session directly (schemathesis): recorded here, so a failure's curl is this request
            body = request.body
            self._client._record(str(request.method or "GET"), str(request.url or ""), dict(request.headers),
                                 body, response, started)
        return response


class GraphClient:
    """Talks to one target over HTTP; knows it only by its base URL.

    ``settle_s`` is the consistency wait of a replicated target: a read (GET) sent after a write
    (POST/PATCH/PUT/DELETE) waits until ``settle_s`` has passed since that write's answer, once per
    write; further reads, and every read when ``settle_s`` is 0, go out at once. ``clock`` and ``sleep``
    are the time source and the pause (replaceable in tests).
    """

    def __init__(
        self,
        base_url: str,
        *,
        budget: int = 0,
        retry: RetryPolicy | None = None,
        guard: Callable[[str, str, User | None], None] | None = None,
        timeout_s: float = 30.0,
        limits: Limits | None = None,
        keep: int = 64,
        settle_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session: requests.Session = NoRedirectSession(self.base_url)
        self.budget = budget
        self.retry = retry or RetryPolicy()
        self.guard = guard
        self.timeout_s = timeout_s
        self.limits = limits or Limits()
        self.broken: str | None = None
        self.track_numbers = False
        """Record the numbers sent and received (:data:`~conformance.core.privacy.GENERATED`): on a tenant,
        the numbers the suite sent first are its own and stay unmasked in reports; the target's are masked."""
        self.numbers_are_ours = True
        """False while the numbers sent are people's (a restore sends a user's own phones back)."""
        """Why the target broke a limit (:class:`Limits`), once it has: every later request is refused at
        once (the run ends broken instead of feeding it more) until :meth:`forgive`."""
        self.settle_s = settle_s
        self.clock = clock
        self.sleep = sleep
        self._written_at: float | None = None
        self.requests_sent = 0
        self.exchanges: deque[Exchange] = deque(maxlen=keep)
        self.listeners: list[Callable[[Exchange], None]] = []
        self.last_probe: Exchange | None = None
        self.probe_wanted: dict[str, dict[str, str]] = {}
        """:attr:`wanted` as it was when :attr:`last_probe` was sent: the state a replay sets up first."""
        self._setup_depth = 0
        self.write_observers: list[WriteObserver] = []
        self.describe_token: Callable[[str | None], tuple[str | None, str | None]] | None = None
        """Given a token sent, what it stood for and whose it was (set by the target; the token is never kept)."""
        self.wanted: dict[str, dict[str, str]] = {}
        """user key -> the state the suite last set that user to (type -> number); the suite's own numbers."""
        self._inside = threading.local()
        adapter = _GuardedAdapter(self)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    # -- addressing -------------------------------------------------------------------------------
    @staticmethod
    def user_prefix(addressing: str, user: User) -> str:
        """The path prefix that addresses ``user``: ``me``, ``id``, ``upn``, ``upn-encoded``, ``upn-upper``
        or ``users-key`` (``/users('upn')``)."""
        if addressing == "me":
            return "/me"
        if addressing == "id":
            return f"/users/{user.id}"
        if addressing == "upn":
            return "/users/" + quote(user.upn, safe="@")
        if addressing == "upn-encoded":
            return "/users/" + quote(user.upn, safe="")
        if addressing == "upn-upper":
            return "/users/" + quote(user.upn.upper(), safe="@")
        if addressing == "users-key":  # the OData key form /users('upn') (facts §7)
            return "/users('" + quote(user.upn.replace("'", "''"), safe="@'") + "')"
        raise ValueError(f"unknown addressing {addressing!r}")

    # -- raw requests -----------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None,
        json: Any = _MISSING,
        data: str | bytes | None = None,
        headers: dict[str, str] | None = None,
        me: User | None = None,
    ) -> requests.Response:
        """Send one request (retrying throttling) and record the exchange.

        ``me`` is a hint for ``/me``'s user, used only when the token sent names nobody.
        """
        hdrs = {"Accept": "application/json"}
        if token is not None:
            hdrs["Authorization"] = f"Bearer {token}"
        body: str | bytes | None = data
        if json is not _MISSING:
            body = jsonlib.dumps(json)
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        url = self.base_url + path
        screen = getattr(self.guard, "screen", None)
        if screen is not None:  # the path as asked: the HTTP library resolves dot segments before the transport
            screen(method, path, hdrs)
        attempt = 0
        while True:
            started = time.perf_counter()
            self._inside.me = me
            self._inside.user = None
            self._inside.recording = True
            try:
                response = self.session.request(method, url, data=body, headers=hdrs, timeout=self.timeout_s,
                                                allow_redirects=False)
            except requests.RequestException as exc:
                raise TargetBroken(f"{method} {path}: no answer ({type(exc).__name__})", unanswered=True) from None
            finally:
                self._inside.me = None
                self._inside.recording = False
            user = self._inside.user
            self._record(method, url, hdrs, body, response, started)
            if response.status_code not in RETRY_STATUSES:
                if user is not None:
                    for observe in self.write_observers:
                        observe(method, path, None if json is _MISSING else json, user, response)
                return response
            if self.retry.exhausted(attempt):
                raise TargetBroken(f"{method} {path}: still {response.status_code} after {attempt + 1} tries "
                                   f"({self.retry.retries_used} retries used in this run)")
            wait = self.retry.delay(response, attempt)
            if wait is None:
                raise TargetBroken(f"{method} {path}: {response.status_code} asks to wait "
                                   f"{response.headers.get('Retry-After')} s, more than the "
                                   f"{self.retry.max_wait_s:g} s bound")
            self.retry.waits.append(wait)
            self.retry.log.append((response.status_code, response.headers.get("Retry-After"), wait))
            self.retry.retries_used += 1
            attempt += 1
            time.sleep(wait)

    def check(self, method: str, path: str, me: User | None = None, token: str | None = None) -> User | None:
        """Run the guard for a request about to be sent with ``token``; return the user a write addresses.

        A write's ``/me`` is the user the token is signed in as when the token names one (the token
        decides whose methods change, not what the caller believes); else the ``me`` passed.
        """
        if self.guard is None:
            return None
        identify = getattr(self.guard, "identify", None)
        if identify is None:
            return self.guard(method, path, me)
        if token and method.upper() in {"POST", "PATCH", "PUT", "DELETE"}:
            me = identify(token) or me
        return self.guard(method, path, me, anonymous=not token)

    def _before_send(self, request: requests.PreparedRequest) -> None:
        """Guard and count a request at the transport: the method, URL and Authorization header it carries.

        A read that follows a write, once guarded and counted, waits for the target to settle
        (:meth:`await_consistency`): a refused or over-budget request waits for nothing.
        """
        if self.broken is not None:
            raise TargetBroken(f"the target already sent an answer over the limits ({self.broken}); "
                                "nothing more is sent to it")
        url = request.url or ""
        path = url[len(self.base_url):] if url.startswith(self.base_url) else url
        auth = request.headers.get("Authorization")
        if isinstance(auth, bytes):
            auth = auth.decode("latin-1")
        auth = str(auth or "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else (auth.strip() or None)
        if token and not (url == self.base_url or url.startswith(self.base_url + "/")):
            raise GuardRefusal(f"guard: refused {request.method} to {urlsplit(url).netloc or url!r}: a token goes only "
                               f"to the target's base_url; nothing was sent")
        screen = getattr(self.guard, "screen", None)
        if screen is not None:
            screen(str(request.method or ""), path, request.headers)
        me = getattr(self._inside, "me", None)
        self._inside.user = self.check(str(request.method or "GET"), path, me, token)
        if self.budget and self.requests_sent >= self.budget:
            raise BudgetExhausted(f"request budget of {self.budget} spent")
        self.requests_sent += 1
        if str(request.method or "GET").upper() in READ_METHODS:
            self.await_consistency()

    def forgive(self) -> None:
        """Talk to a target again after it broke a limit (a restore must try, whatever happened before)."""
        self.broken = None

    def _after_send(self, request: requests.PreparedRequest) -> None:
        """Remember when a write went out and was answered (or failed): the next read settles from then."""
        if str(request.method or "").upper() in WRITE_METHODS:
            self._written_at = self.clock()

    def await_consistency(self) -> None:
        """Wait until ``settle_s`` has passed since the last write, once per write (no write, no wait)."""
        written, self._written_at = self._written_at, None
        if written is None or not self.settle_s:
            return
        remaining = written + self.settle_s - self.clock()
        if remaining > 0:
            self.sleep(remaining)

    def _record(self, method: str, url: str, hdrs: dict[str, str], body: str | bytes | None,
                response: requests.Response, started: float) -> None:
        shown = {k: (_masked_auth(v) if k.lower() == "authorization" else v) for k, v in hdrs.items()}
        text_body = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        context = subject = None
        auth = next((v for k, v in hdrs.items() if k.lower() == "authorization"), None)
        if self.describe_token is not None:
            raw = str(auth)[7:] if auth is not None and str(auth)[:7].lower() == "bearer " else None
            context, subject = self.describe_token(raw if auth is not None else None)
        ex = Exchange(method, url, shown, text_body, response.status_code, dict(response.headers),
                      response.text[:4000], round((time.perf_counter() - started) * 1000, 1), context, subject)
        self.exchanges.append(ex)
        if not self._setup_depth:
            self.last_probe = ex
            self.probe_wanted = {k: dict(v) for k, v in self.wanted.items()}
        for listener in self.listeners:
            listener(ex)

    @contextlib.contextmanager
    def setup(self) -> Iterator[None]:
        """Mark the requests sent inside as the suite's own set-up and read-back, not the probe under test."""
        self._setup_depth += 1
        try:
            yield
        finally:
            self._setup_depth -= 1

    # -- operations -------------------------------------------------------------------------------
    def list(self, prefix: str, token: str | None, **kw: Any) -> requests.Response:
        """GET the user's phone methods."""
        return self.request("GET", prefix + PHONE_METHODS, token=token, **kw)

    def get(self, prefix: str, method_id: str, token: str | None, **kw: Any) -> requests.Response:
        """GET one phone method."""
        return self.request("GET", f"{prefix}{PHONE_METHODS}/{method_id}", token=token, **kw)

    def create(self, prefix: str, body: Any, token: str | None, **kw: Any) -> requests.Response:
        """POST a new phone method."""
        return self.request("POST", prefix + PHONE_METHODS, token=token, json=body, **kw)

    def update(self, prefix: str, method_id: str, body: Any, token: str | None, **kw: Any) -> requests.Response:
        """PATCH a phone method."""
        return self.request("PATCH", f"{prefix}{PHONE_METHODS}/{method_id}", token=token, json=body, **kw)

    def delete(self, prefix: str, method_id: str, token: str | None, **kw: Any) -> requests.Response:
        """DELETE a phone method."""
        return self.request("DELETE", f"{prefix}{PHONE_METHODS}/{method_id}", token=token, **kw)

    def action(self, prefix: str, method_id: str, name: str, token: str | None, **kw: Any) -> requests.Response:
        """POST a bound action (``enableSmsSignIn`` / ``disableSmsSignIn``)."""
        return self.request("POST", f"{prefix}{PHONE_METHODS}/{method_id}/{name}", token=token, **kw)


def _masked_auth(value: str | bytes) -> str:
    """An Authorization header as recorded: ``Bearer MASKED``, or ``Bearer`` when it carried no token."""
    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return "Bearer" if not text[7:].strip() else "Bearer MASKED"
