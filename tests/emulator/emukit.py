"""Plain data the emulator tests share: the test profile's users, fixed method ids, role template ids.

Stated here independently of the emulator package (tests must not trust the code they test).
"""

from __future__ import annotations

import time
import tomllib
from pathlib import Path
from typing import Any

import jwt

PROFILE = Path(__file__).with_name("emulator_test_profile.toml")
_RAW = tomllib.loads(PROFILE.read_text(encoding="utf-8"))

SECRET: str = _RAW["auth"]["secret"]
TENANT: str = _RAW["auth"]["tenant_id"]
APP_ID: str = _RAW["auth"]["app_id"]
PERSONAL_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"
GRAPH_AUDIENCE = "https://graph.microsoft.com"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"

USERS: dict[str, dict] = {u["key"]: u for u in _RAW["users"]}
"""key -> the profile entry (id, upn, roles, sms_sign_in, phones)."""

MOBILE_ID = "3179e48a-750b-4051-897c-87b9720928f7"
ALTERNATE_ID = "b6332ec1-7057-4abe-9331-3d72feddfe41"
OFFICE_ID = "e37fc753-ff3b-4958-9484-eaa9425c82bc"
IDS = {"mobile": MOBILE_ID, "alternateMobile": ALTERNATE_ID, "office": OFFICE_ID}
TYPES = tuple(IDS)

GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
PRIV_AUTH_ADMIN = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13"
AUTH_ADMIN = "c4e39bd9-1100-46d3-8c65-fb160da0071f"
GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
HELPDESK_ADMIN = "729827e3-9c14-49f7-bb1b-9608f156bbb8"

UAM = "UserAuthenticationMethod"
PHONE = "UserAuthMethod-Phone"
ADMIN_SCOPES = f"{UAM}.ReadWrite.All"
"""Scopes of the default (Privileged Authentication Administrator) caller."""

VALID_NUMBERS = ("+1 5555551234", "+1 5555551234x123", "+1 2065555554", "+44 7700900456", "+49 3012345678x1")
"""Numbers every correct implementation must accept (contract §1)."""

INVALID_NUMBERS = {
    "not_a_string": [None, 15555551234, True, ["+1 5555551234"], {"n": "+1 5555551234"}],
    "empty_or_whitespace": ["", "   ", "\t"],
    "no_leading_plus": ["15555551234", "1 5555551234", "a+1 5555551234"],
    "plus_without_digits": ["+", "+ ", "+x1"],
    "country_code_without_number": ["+1", "+44", "+1 "],
    "letters_in_number": ["+1 555555ABCD", "+1 5555551234ext12"],
    "letters_in_country_code": ["+1a 5555551234"],
    "extension_without_digits": ["+1 5555551234x"],
    "two_extension_markers": ["+1 5555551234x12x3"],
}
"""Numbers every correct implementation must reject, by the contract's label."""

GRAY_NUMBERS = {
    "+15555551234": "+1 5555551234",
    "+1 555-555-1234": "+1 5555551234",
    " +1 5555551234 ": "+1 5555551234",
    "+1 (555) 555.1234": "+1 5555551234",
    "+1 5555551234X12": "+1 5555551234x12",
    "+1 \u0665\u0665\u0665\u0665\u0665\u0665\u0661\u0662\u0663\u0664": "+1 5555551234",
    "+999 1234567": None,
    "+1 555": None,
    "+1 5555551234x12345678901": None,
}
"""Gray numbers -> what ``gray = "accept"`` stores (None: rejected even then)."""


def mint_profile_token(profile: dict[str, Any], user: dict[str, Any], *, scope: str, wids: list[str]) -> str:
    """A delegated HS256 token for ``user`` of a raw profile mapping, with the claims of contract §3."""
    auth = profile["auth"]
    now = int(time.time())
    claims = {
        "aud": "https://graph.microsoft.com",
        "iss": f"https://sts.windows.net/{auth['tenant_id']}/",
        "tid": auth["tenant_id"],
        "oid": user["id"],
        "upn": user["upn"],
        "scp": scope,
        "wids": wids,
        "idtyp": "user",
        "iat": now - 60,
        "nbf": now - 60,
        "exp": now + 3600,
    }
    return jwt.encode(claims, auth["secret"], algorithm="HS256")
