"""The suite's one HTTP client for Graph phone methods.

A ``requests.Session`` with: retries of 429/503/504 that honour ``Retry-After`` within a bound, a
request budget, an optional write guard, and a record of every exchange with tokens redacted.
"""

from __future__ import annotations

import json as jsonlib
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests

from conformance.errors import BudgetExhausted
from conformance.profile import User

PHONE_METHODS = "/authentication/phoneMethods"
RETRY_STATUSES = frozenset({429, 503, 504})
_MISSING: Any = object()


class TargetBroken(Exception):
    """The environment, not the target's conformance, stopped a test (retries exhausted, no answer)."""


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

    def curl(self) -> str:
        """A ``curl`` line that reproduces the request (token left as ``$TOKEN``)."""
        parts = ["curl", "-i", "-X", self.method, _sh(self.url)]
        for k, v in self.request_headers.items():
            if k.lower() == "authorization":
                v = "Bearer $TOKEN"
            parts += ["-H", _sh(f"{k}: {v}")]
        if self.request_body is not None:
            parts += ["--data-raw", _sh(self.request_body)]
        return " ".join(parts)


@dataclass
class RetryPolicy:
    """How throttling and transient unavailability are retried."""

    attempts: int = 4
    max_wait_s: float = 10.0
    run_retry_budget: int = 200
    retries_used: int = 0
    waits: list[float] = field(default_factory=list)

    def delay(self, response: requests.Response, attempt: int) -> float:
        """Seconds to wait before retrying ``response``: ``Retry-After`` if given, else jittered backoff."""
        header = response.headers.get("Retry-After")
        try:
            wait = float(header) if header is not None else 0.0
        except ValueError:
            wait = 0.0
        if header is None:
            wait = min(self.max_wait_s, 0.2 * 2**attempt) * random.uniform(0.5, 1.0)
        return min(max(wait, 0.0), self.max_wait_s)


class GraphClient:
    """Talks to one target over HTTP; knows it only by its base URL."""

    def __init__(
        self,
        base_url: str,
        *,
        budget: int = 0,
        retry: RetryPolicy | None = None,
        guard: Callable[[str, str, User | None], None] | None = None,
        timeout_s: float = 30.0,
        keep: int = 64,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.budget = budget
        self.retry = retry or RetryPolicy()
        self.guard = guard
        self.timeout_s = timeout_s
        self.requests_sent = 0
        self.exchanges: deque[Exchange] = deque(maxlen=keep)
        self.listeners: list[Callable[[Exchange], None]] = []

    # -- addressing -------------------------------------------------------------------------------
    @staticmethod
    def user_prefix(addressing: str, user: User) -> str:
        """The path prefix that addresses ``user``: ``me``, ``id``, ``upn`` or ``upn-encoded``."""
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
        """Send one request (retrying throttling) and record the exchange; ``me`` is /me's user."""
        if self.guard is not None:
            self.guard(method, path, me)
        hdrs = {"Accept": "application/json"}
        if token is not None:
            hdrs["Authorization"] = f"Bearer {token}"
        body: str | bytes | None = data
        if json is not _MISSING:
            body = jsonlib.dumps(json)
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        url = self.base_url + path
        attempt = 0
        while True:
            if self.budget and self.requests_sent >= self.budget:
                raise BudgetExhausted(f"request budget of {self.budget} spent")
            self.requests_sent += 1
            started = time.perf_counter()
            try:
                response = self.session.request(method, url, data=body, headers=hdrs, timeout=self.timeout_s)
            except requests.RequestException as exc:
                raise TargetBroken(f"{method} {path}: no answer ({type(exc).__name__})") from None
            self._record(method, url, hdrs, body, response, started)
            if response.status_code not in RETRY_STATUSES:
                return response
            if attempt + 1 >= self.retry.attempts or self.retry.retries_used >= self.retry.run_retry_budget:
                raise TargetBroken(f"{method} {path}: still {response.status_code} after {attempt + 1} tries")
            wait = self.retry.delay(response, attempt)
            self.retry.waits.append(wait)
            self.retry.retries_used += 1
            attempt += 1
            time.sleep(wait)

    def _record(self, method: str, url: str, hdrs: dict[str, str], body: str | bytes | None,
                response: requests.Response, started: float) -> None:
        shown = {k: ("Bearer MASKED" if k.lower() == "authorization" else v) for k, v in hdrs.items()}
        text_body = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        ex = Exchange(method, url, shown, text_body, response.status_code, dict(response.headers),
                      response.text[:4000], (time.perf_counter() - started) * 1000)
        self.exchanges.append(ex)
        for listener in self.listeners:
            listener(ex)

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


def _sh(value: str) -> str:
    return "'" + value.replace("'", "'\"'\"'") + "'"
