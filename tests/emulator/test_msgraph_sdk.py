"""Microsoft's official Python SDK (``msgraph-sdk``, Kiota-generated) against the emulator.

The SDK is pointed at the emulator's base URL and authenticates with a static bearer token minted
from the default profile (a Global Administrator, contract §3). It must be able to create, read, list,
update, delete a phone method and call both SMS sign-in actions, and it must surface the emulator's
error envelope as an ``ODataError`` with the HTTP status and ``error.code``. This proves the emulator
speaks the wire format Microsoft's own clients expect (e.g. the ``@odata.type`` the SDK always sends,
the unqualified action segments of its URL templates, 204 bodies it does not try to parse).
"""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jwt
import pytest

pytest.importorskip("msgraph", reason="msgraph-sdk is not installed (pip install msgraph-sdk)")

from emukit import mint_profile_token
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.authentication_method_sign_in_state import (
    AuthenticationMethodSignInState,
)
from msgraph.generated.models.authentication_phone_type import AuthenticationPhoneType
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.phone_authentication_method import PhoneAuthenticationMethod

from graph_phone_emulator.server import start_in_thread
from strategies.methods import PHONE_METHOD_IDS

# The generated request builders warn about their own deprecated configuration classes on every call.
pytestmark = [
    pytest.mark.filterwarnings("ignore:This class is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:GetQueryParameters is deprecated:DeprecationWarning"),
]

REPO_ROOT = Path(__file__).resolve().parents[2]
PROFILE = REPO_ROOT / "conformance" / "targets" / "emulator.toml"
GLOBAL_ADMIN_TEMPLATE = "62e90394-69f5-4237-9190-012177145e10"
ADMIN_SCOPE = "UserAuthenticationMethod.ReadWrite.All"
MOBILE = PHONE_METHOD_IDS["mobile"]
OFFICE = PHONE_METHOD_IDS["office"]


class StaticTokenProvider(AccessTokenProvider):
    """Kiota access-token provider that hands out one fixed token, only to the allowed hosts."""

    def __init__(self, token: str, allowed_hosts: list[str]) -> None:
        self._token = token
        self._validator = AllowedHostsValidator(allowed_hosts)

    async def get_authorization_token(
        self, uri: str, additional_authentication_context: dict[str, Any] | None = None
    ) -> str:
        """The static token, or an empty string for a host that is not allowed."""
        return self._token if self._validator.is_url_host_valid(uri) else ""

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        """The validator restricting the token to the emulator's loopback host."""
        return self._validator


@pytest.fixture(scope="module")
def setup() -> Iterator[dict[str, Any]]:
    """Emulator (default profile), admin token and the target user (profile role ``ordinary_target``)."""
    profile = tomllib.loads(PROFILE.read_text(encoding="utf-8"))
    users = {u["key"]: u for u in profile["users"]}
    admin = users[profile["roles"]["global_admin"][0]]
    target_user = users[profile["roles"]["ordinary_target"][0]]
    with start_in_thread() as emulator:
        yield {
            "base_url": emulator.base_url,
            "token": mint_profile_token(profile, admin, scope=ADMIN_SCOPE, wids=[GLOBAL_ADMIN_TEMPLATE]),
            "admin": admin,
            "user": target_user,
        }


def make_client(base_url: str, token: str) -> GraphServiceClient:
    """A GraphServiceClient whose request adapter targets ``base_url`` with a static bearer token."""
    host = urlparse(base_url).hostname or "127.0.0.1"
    auth_provider = BaseBearerTokenAuthenticationProvider(StaticTokenProvider(token, [host]))
    adapter = GraphRequestAdapter(auth_provider)
    adapter.base_url = base_url
    return GraphServiceClient(request_adapter=adapter)


async def _crud(client: GraphServiceClient, user_id: str) -> None:
    """Create, read, list, update, actions, delete — each through the SDK's own request builders."""
    methods = client.users.by_user_id(user_id).authentication.phone_methods

    # Start clean whatever the profile seeded (the allowed delete order: alternate, mobile, office).
    existing = await methods.get()
    present = {m.id for m in (existing.value if existing else None) or []}
    for method_id in (PHONE_METHOD_IDS["alternateMobile"], MOBILE, OFFICE):
        if method_id in present:
            await methods.by_phone_authentication_method_id(method_id).delete()

    created = await methods.post(
        PhoneAuthenticationMethod(phone_number="+1 4255550101", phone_type=AuthenticationPhoneType.Mobile)
    )
    assert created is not None
    assert created.id == MOBILE
    assert created.phone_number == "+1 4255550101"
    assert created.phone_type == AuthenticationPhoneType.Mobile
    assert isinstance(created.sms_sign_in_state, AuthenticationMethodSignInState)

    fetched = await methods.by_phone_authentication_method_id(MOBILE).get()
    assert fetched is not None
    assert (fetched.id, fetched.phone_number, fetched.phone_type) == (
        MOBILE,
        "+1 4255550101",
        AuthenticationPhoneType.Mobile,
    )

    office = await methods.post(
        PhoneAuthenticationMethod(phone_number="+1 4255550199x42", phone_type=AuthenticationPhoneType.Office)
    )
    assert office is not None and office.id == OFFICE
    assert office.sms_sign_in_state == AuthenticationMethodSignInState.NotSupported  # contract §6

    listed = await methods.get()
    assert listed is not None and listed.value is not None
    assert {(m.id, m.phone_type) for m in listed.value} == {
        (MOBILE, AuthenticationPhoneType.Mobile),
        (OFFICE, AuthenticationPhoneType.Office),
    }

    # PATCH answers 204: the SDK returns None and the change is visible on the next GET.
    updated = await methods.by_phone_authentication_method_id(MOBILE).patch(
        PhoneAuthenticationMethod(phone_number="+1 4255550102")
    )
    assert updated is None
    refetched = await methods.by_phone_authentication_method_id(MOBILE).get()
    assert refetched is not None and refetched.phone_number == "+1 4255550102"

    # The actions (unqualified segments in the SDK's URL templates), 204 each.
    mobile_builder = methods.by_phone_authentication_method_id(MOBILE)
    await mobile_builder.disable_sms_sign_in.post()
    disabled = await mobile_builder.get()
    assert disabled is not None and disabled.sms_sign_in_state == AuthenticationMethodSignInState.NotEnabled
    await mobile_builder.enable_sms_sign_in.post()
    enabled = await mobile_builder.get()
    assert enabled is not None and enabled.sms_sign_in_state == AuthenticationMethodSignInState.Ready

    await methods.by_phone_authentication_method_id(OFFICE).delete()
    await methods.by_phone_authentication_method_id(MOBILE).delete()
    emptied = await methods.get()
    assert emptied is not None and not emptied.value


async def _absent_method_is_odata_404(client: GraphServiceClient, user_id: str) -> ODataError:
    """GET of a method the user does not hold must raise ``ODataError`` (404, a non-empty code)."""
    methods = client.users.by_user_id(user_id).authentication.phone_methods
    with pytest.raises(ODataError) as excinfo:
        await methods.by_phone_authentication_method_id(OFFICE).get()
    return excinfo.value


def test_sdk_crud_round_trip(setup: dict[str, Any]) -> None:
    """The SDK's create/get/list/update/enable/disable/delete all succeed against the emulator."""
    client = make_client(setup["base_url"], setup["token"])
    asyncio.run(_crud(client, setup["user"]["id"]))


def test_sdk_addresses_user_by_upn(setup: dict[str, Any]) -> None:
    """The same round trip with the user addressed by userPrincipalName."""
    client = make_client(setup["base_url"], setup["token"])
    asyncio.run(_crud(client, setup["user"]["upn"]))


def test_sdk_reads_own_methods_through_me(setup: dict[str, Any]) -> None:
    """``client.me.authentication.phone_methods.get()`` resolves ``/me`` to the caller."""
    client = make_client(setup["base_url"], setup["token"])

    async def run() -> None:
        listed = await client.me.authentication.phone_methods.get()
        assert listed is not None and listed.value is not None
        assert all(m.id in PHONE_METHOD_IDS.values() for m in listed.value)

    asyncio.run(run())


def test_sdk_surfaces_the_error_envelope(setup: dict[str, Any]) -> None:
    """An absent method is a 404 the SDK deserialises into ``ODataError`` with ``error.code``."""
    client = make_client(setup["base_url"], setup["token"])
    error = asyncio.run(_absent_method_is_odata_404(client, setup["user"]["id"]))
    assert error.response_status_code == 404
    assert error.error is not None and error.error.code


def test_sdk_without_valid_token_gets_401(setup: dict[str, Any]) -> None:
    """A token signed with another secret is refused: ``ODataError`` 401 ``InvalidAuthenticationToken``."""
    forged = jwt.encode({"oid": setup["admin"]["id"]}, "not-the-profile-secret-0123456789abcdef", "HS256")
    client = make_client(setup["base_url"], forged)

    async def run() -> ODataError:
        with pytest.raises(ODataError) as excinfo:
            await client.users.by_user_id(setup["user"]["id"]).authentication.phone_methods.get()
        return excinfo.value

    error = asyncio.run(run())
    assert error.response_status_code == 401
    assert error.error is not None and error.error.code == "InvalidAuthenticationToken"
