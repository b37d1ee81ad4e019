"""A loopback-only stand-in for MSAL: the same calls, tokens signed with the emulator's secret.

Configured through the environment (``FAKE_MSAL_*``), so it works in a subprocess too:

* ``FAKE_MSAL_SECRET``, ``FAKE_MSAL_TENANT``: how tokens are signed and whose tenant they name;
* ``FAKE_MSAL_USERS``: JSON ``{upn: {"oid": ..., "wids": [...]}}`` of who can sign in;
* ``FAKE_MSAL_DEVICE_USERS``: comma-separated UPNs who complete device-code sign-ins, in order;
* ``FAKE_MSAL_CONSENTED``: comma-separated delegated scopes granted (a token carries those asked for
  and granted); ``FAKE_MSAL_APP_ROLES``: application permissions of the app token;
* ``FAKE_MSAL_CLIENT_SECRET``: the client secret the app registration accepts;
* ``FAKE_MSAL_LOG``: a file that gets one line per call (no tokens).

No network call is ever made.
"""

from __future__ import annotations

import json
import os
import time

import jwt

GRAPH = "https://graph.microsoft.com/"


def _log(what: str) -> None:
    path = os.environ.get("FAKE_MSAL_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(what + "\n")


def _users() -> dict:
    return json.loads(os.environ.get("FAKE_MSAL_USERS", "{}"))


def _sign(claims: dict) -> str:
    now = int(time.time())
    tid = os.environ["FAKE_MSAL_TENANT"]
    base = {"aud": GRAPH.rstrip("/"), "iss": f"https://sts.windows.net/{tid}/", "tid": tid,
            "iat": now - 30, "nbf": now - 30, "exp": now + 3600}
    return jwt.encode({**base, **claims}, os.environ["FAKE_MSAL_SECRET"], algorithm="HS256")


def _user_token(upn: str, scopes: list[str]) -> dict:
    user = _users()[upn.lower()]
    consented = set(filter(None, os.environ.get("FAKE_MSAL_CONSENTED", "").split(",")))
    asked = {s.removeprefix(GRAPH) for s in scopes}
    scp = sorted((asked & consented) | {"User.Read"})
    token = _sign({"oid": user["oid"], "upn": upn, "idtyp": "user", "scp": " ".join(scp), "wids": user["wids"]})
    return {"access_token": token, "token_type": "Bearer", "expires_in": 3600,
            "id_token_claims": {"oid": user["oid"], "preferred_username": upn}}


class SerializableTokenCache:
    """Remembers who signed in (never a token)."""

    def __init__(self) -> None:
        self.accounts: list[str] = []
        self.has_state_changed = False

    def deserialize(self, text: str) -> None:
        self.accounts = json.loads(text).get("accounts", [])

    def serialize(self) -> str:
        return json.dumps({"accounts": self.accounts})


class PublicClientApplication:
    def __init__(self, client_id: str, authority: str | None = None, token_cache=None, **kw) -> None:
        _log(f"public {client_id} {authority}")
        self.cache = token_cache or SerializableTokenCache()

    def get_accounts(self, username: str | None = None) -> list[dict]:
        return [{"username": a} for a in self.cache.accounts if username is None or a == username.lower()]

    def acquire_token_silent(self, scopes: list[str], account: dict, **kw) -> dict | None:
        _log(f"silent {account['username']} {' '.join(scopes)}")
        return _user_token(account["username"], scopes)

    def initiate_device_flow(self, scopes: list[str] | None = None, **kw) -> dict:
        _log(f"device {' '.join(scopes or [])}")
        return {"user_code": "FAKE-CODE", "device_code": "x", "scopes": scopes,
                "message": "To sign in, use a web browser to open the page https://microsoft.com/devicelogin "
                           "and enter the code FAKE-CODE to authenticate."}

    def acquire_token_by_device_flow(self, flow: dict, **kw) -> dict:
        queue = [u for u in os.environ.get("FAKE_MSAL_DEVICE_USERS", "").split(",") if u]
        done = sum(1 for _ in self.cache.accounts)
        if not queue:
            return {"error": "authorization_declined", "error_description": "AADSTS70000: declined\nTrace ID: 1"}
        upn = queue[min(done, len(queue) - 1)].lower()
        if upn not in self.cache.accounts:
            self.cache.accounts.append(upn)
            self.cache.has_state_changed = True
        _log(f"signed in {upn}")
        return _user_token(upn, flow["scopes"])


class ConfidentialClientApplication:
    def __init__(self, client_id: str, authority: str | None = None, client_credential=None, **kw) -> None:
        _log(f"confidential {client_id} {authority} {'cert' if isinstance(client_credential, dict) else 'secret'}")
        self.credential = client_credential

    def acquire_token_for_client(self, scopes: list[str], **kw) -> dict:
        cred = self.credential
        by_cert = isinstance(cred, dict) and cred.get("private_key", "").startswith("-----BEGIN") \
            and bool(cred.get("thumbprint"))
        by_secret = isinstance(cred, str) and cred == os.environ.get("FAKE_MSAL_CLIENT_SECRET")
        ok = by_cert or by_secret
        if not ok:
            return {"error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided.\nTrace ID: 2\nTimestamp: x"}
        roles = [r for r in os.environ.get("FAKE_MSAL_APP_ROLES", "").split(",") if r]
        return {"access_token": _sign({"oid": "00000000-0000-0000-0000-00000000a990", "idtyp": "app",
                                       "roles": roles}), "token_type": "Bearer"}
