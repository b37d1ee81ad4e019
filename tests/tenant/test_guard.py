"""The write guard: a write to a user not on the allow-list is refused before anything is sent."""

from __future__ import annotations

import time

import jwt
import pytest
import requests

from conformance.core.errors import EXIT_USAGE, GuardRefusal
from conformance.safety.guard import WriteGuard, split_path
from conformance.target.client import GraphClient
from conformance.target.profile import User
from tests.tenant.tenantkit import Recorder

ALICE = User(key="alice", id="11111111-1111-4111-8111-111111111111", upn="Alice@contoso.test")
BOB = User(key="bob", id="22222222-2222-4222-8222-222222222222", upn="Bob@contoso.test")
MALLORY = User(key="mallory", id="33333333-3333-4333-8333-333333333333", upn="Mallory@contoso.test")
PHONES = "/authentication/phoneMethods"
MOBILE = "3179e48a-750b-4051-897c-87b9720928f7"


def token_for(user: User) -> str:
    """A delegated-looking JWT signed in as ``user`` (the guard decodes, never verifies)."""
    now = int(time.time())
    return jwt.encode({"oid": user.id, "upn": user.upn, "idtyp": "user", "scp": "x", "iat": now, "exp": now + 60},
                      "not-a-real-secret-but-long-enough-0123", algorithm="HS256")


@pytest.fixture
def server():
    with Recorder(status=204, body="") as rec:
        yield rec


@pytest.fixture
def client(server: Recorder) -> GraphClient:
    guard = WriteGuard([ALICE, BOB], base_path="/v1.0")
    c = GraphClient(server.url + "/v1.0", guard=guard)
    c.session.trust_env = False
    return c


@pytest.mark.parametrize("prefix", [
    f"/users/{MALLORY.id}",
    f"/users/{MALLORY.id.upper()}",
    "/users/Mallory@contoso.test",
    "/users/mallory%40contoso.test",
    "/users/MALLORY%40CONTOSO.TEST",
    "/users/Alice%2540contoso.test",
    "/users/'Alice@contoso.test'",
    "/groups/x",
    "/users('Mallory@contoso.test')",
    "/users('mallory%40contoso.test')",
    f"/users('{MALLORY.id}')",
    "/users('Alice@contoso.test'')",
], ids=["id", "id-upper", "upn", "upn-%40", "upn-upper-%40", "double-encoded", "quoted", "not-a-user",
        "key-upn", "key-upn-%40", "key-id", "key-stray-quote"])
@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
def test_write_to_a_user_off_the_list_is_refused_and_nothing_is_sent(server, client, prefix, method) -> None:
    path = prefix + PHONES + ("" if method == "POST" else f"/{MOBILE}")
    with pytest.raises(GuardRefusal) as err:
        client.request(method, path, token=token_for(ALICE), json={"phoneNumber": "+1 2065550100"})
    assert "not on the profile's test-user allow-list" in str(err.value) and "nothing was sent" in str(err.value)
    assert err.value.exit_code == EXIT_USAGE
    assert server.seen == [] and client.requests_sent == 0


@pytest.mark.parametrize("prefix", [f"/users/{ALICE.id}", f"/users/{ALICE.id.upper()}", "/users/Alice@contoso.test",
                                    "/users/alice%40contoso.test", "/users/ALICE@CONTOSO.TEST",
                                    "/users('Alice@contoso.test')", "/users('alice%40contoso.test')",
                                    f"/users('{BOB.id}')"])
def test_write_to_an_allow_listed_user_is_sent(server, client, prefix) -> None:
    r = client.update(prefix, MOBILE, {"phoneNumber": "+1 2065550100"}, token_for(ALICE))
    assert r.status_code == 204 and len(server.writes()) == 1


def test_me_is_resolved_to_the_signed_in_user_from_the_token(server, client) -> None:
    """The token decides whose /me it is: a stranger's token is refused even if the caller says otherwise."""
    with pytest.raises(GuardRefusal, match=r"/me \(signed in as Mallory@contoso.test\)"):
        client.update("/me", MOBILE, {"phoneNumber": "+1 2065550100"}, token_for(MALLORY), me=ALICE)
    with pytest.raises(GuardRefusal):
        client.delete("/me", MOBILE, token_for(MALLORY))
    assert server.seen == []
    assert client.update("/me", MOBILE, {"phoneNumber": "+1 2065550100"}, token_for(BOB)).status_code == 204
    assert server.writes() == [("PATCH", f"/v1.0/me{PHONES}/{MOBILE}")]


def test_me_without_a_readable_token_uses_the_user_passed_and_refuses_a_stranger(server, client) -> None:
    with pytest.raises(GuardRefusal, match="not on the profile's test-user allow-list"):
        client.update("/me", MOBILE, {"phoneNumber": "+1 2065550100"}, "opaque-token", me=MALLORY)
    with pytest.raises(GuardRefusal, match="/me with no known signed-in user"):
        client.update("/me", MOBILE, {"phoneNumber": "+1 2065550100"}, "opaque-token")
    assert server.seen == []
    assert client.update("/me", MOBILE, {"phoneNumber": "+1 2065550100"}, "opaque-token", me=ALICE).status_code == 204


def test_an_anonymous_write_to_me_names_nobody_and_passes(server, client) -> None:
    """No credentials at all: Graph can only answer 401, so nobody is at risk."""
    client.update("/me", MOBILE, {"phoneNumber": "+1 2065550100"}, None)
    assert len(server.writes()) == 1


def test_reads_of_anyone_pass(server, client) -> None:
    for prefix in (f"/users/{MALLORY.id}", "/users/nobody@example.invalid", "/me"):
        client.list(prefix, token_for(MALLORY))
    assert len(server.seen) == 3 and server.writes() == []


def test_readonly_refuses_every_write_and_allows_reads(server) -> None:
    client = GraphClient(server.url + "/v1.0", guard=WriteGuard([ALICE], readonly=True, base_path="/v1.0"))
    client.session.trust_env = False
    for send in (lambda: client.update(f"/users/{ALICE.id}", MOBILE, {"phoneNumber": "+1 2065550100"}, None),
                 lambda: client.create(f"/users/{ALICE.id}", {"phoneNumber": "+1 2065550100"}, None),
                 lambda: client.delete("/me", MOBILE, token_for(ALICE))):
        with pytest.raises(GuardRefusal, match="mode = readonly sends no write"):
            send()
    client.list(f"/users/{ALICE.id}", None)
    assert server.seen == [("GET", f"/v1.0/users/{ALICE.id}{PHONES}")]


def test_requests_made_on_the_session_directly_are_guarded_and_counted(server, client) -> None:
    """schemathesis calls ``client.session`` itself: the transport adapter guards those too."""
    with pytest.raises(GuardRefusal):
        client.session.patch(f"{client.base_url}/users/{MALLORY.id}{PHONES}/{MOBILE}", json={"phoneNumber": "1"},
                             headers={"Authorization": f"Bearer {token_for(ALICE)}"})
    with pytest.raises(GuardRefusal):
        client.session.delete(f"{client.base_url}/me{PHONES}/{MOBILE}",
                              headers={"Authorization": f"Bearer {token_for(MALLORY)}"})
    assert server.seen == []
    client.session.patch(f"{client.base_url}/users/{BOB.id}{PHONES}/{MOBILE}", json={"phoneNumber": "1"})
    client.session.get(f"{client.base_url}/users/{MALLORY.id}{PHONES}")
    assert len(server.seen) == 2 and client.requests_sent == 2


def test_the_first_write_to_each_user_runs_the_journal_hook_first(server) -> None:
    calls: list[tuple[str, int]] = []
    client: GraphClient

    def journal(user: User) -> None:
        calls.append((user.key, len(server.seen)))

    client = GraphClient(server.url + "/v1.0", guard=WriteGuard([ALICE, BOB], before_write=journal,
                                                                  base_path="/v1.0"))
    client.session.trust_env = False
    for user in (ALICE, ALICE, BOB, ALICE):
        client.update(f"/users/{user.upn}", MOBILE, {"phoneNumber": "+1 2065550100"}, None)
    assert calls == [("alice", 0), ("bob", 2)]


def test_a_failing_journal_hook_stops_the_write(server) -> None:
    def journal(user: User) -> None:
        raise GuardRefusal("journal: cannot record")

    client = GraphClient(server.url + "/v1.0", guard=WriteGuard([ALICE], before_write=journal, base_path="/v1.0"))
    client.session.trust_env = False
    with pytest.raises(GuardRefusal):
        client.delete(f"/users/{ALICE.id}", MOBILE, None)
    assert server.seen == []


def test_the_target_client_refuses_a_user_of_the_directory_that_no_role_names(tmp_path) -> None:
    """Users listed in [[users]] but named by no role are not test users: the target's client refuses them."""
    from conformance.safety.guarded import GuardedTarget
    from conformance.target.profile import parse_profile
    from tests.tenant.tenantkit import profile_dict

    raw = profile_dict(base_url="http://127.0.0.1:9/v1.0")
    raw["users"].append({"key": "ceo", "id": MALLORY.id, "upn": MALLORY.upn})
    profile = parse_profile(raw)
    target = GuardedTarget(profile=profile, base_url=profile.base_url, edition="seed")
    with pytest.raises(GuardRefusal, match="allow-list"):
        target.client.delete(f"/users/{MALLORY.upn}", MOBILE, target.admin_token())
    assert target.client.requests_sent == 0


def test_split_path_resolves_dot_segments_and_decodes_once() -> None:
    assert split_path("/v1.0/users/a/../b/x?y=1") == ["v1.0", "users", "b", "x"]
    assert split_path("/users/a%40b.c/./x") == ["users", "a@b.c", "x"]
    assert split_path("/users/a%2540b") == ["users", "a%40b"]
    assert split_path("http://h/v1.0/me/x") == ["v1.0", "me", "x"]


def test_requests_never_reach_the_network_for_a_refused_write(monkeypatch, client) -> None:
    def boom(*a, **k):
        raise AssertionError("sent")

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", boom)
    with pytest.raises(GuardRefusal):
        client.create(f"/users/{MALLORY.id}", {"phoneNumber": "+1 2065550100", "phoneType": "mobile"}, None)


# -- issue 10 item 1: redirects never carry a write past the guard ---------------------------------
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
def test_a_redirected_write_is_not_followed_and_the_3xx_is_the_answer(method, status) -> None:
    """A hostile target redirects a write to a user off the allow-list: nothing follows it."""
    where = f"/v1.0/users/{MALLORY.id}{PHONES}/{MOBILE}"
    with Recorder(status=status, headers={"Location": where}, body="") as hostile:
        client = GraphClient(hostile.url + "/v1.0", guard=WriteGuard([ALICE], base_path="/v1.0"))
        client.session.trust_env = False
        path = f"/users/{ALICE.id}{PHONES}" + ("" if method == "POST" else f"/{MOBILE}")
        r = client.request(method, path, token=token_for(ALICE), json={"phoneNumber": "+1 2065550100"})
        assert r.status_code == status
        assert hostile.seen == [(method, "/v1.0" + path)]
        assert client.requests_sent == 1


def test_the_session_itself_never_follows_a_redirect_even_when_asked() -> None:
    """schemathesis calls the session with its own options: redirects stay unfollowed there too."""
    where = f"/v1.0/users/{MALLORY.id}{PHONES}/{MOBILE}"
    with Recorder(status=308, headers={"Location": where}, body="") as hostile:
        client = GraphClient(hostile.url + "/v1.0", guard=WriteGuard([ALICE], base_path="/v1.0"))
        client.session.trust_env = False
        r = client.session.patch(f"{client.base_url}/users/{ALICE.id}{PHONES}/{MOBILE}", json={"phoneNumber": "1"},
                                 allow_redirects=True)
        assert r.status_code == 308 and len(hostile.seen) == 1


def test_the_guard_judges_the_authorization_header_actually_sent(server, client) -> None:
    """The token parameter says Alice, the header that goes out says Mallory: /me is Mallory's, refused."""
    with pytest.raises(GuardRefusal, match=r"signed in as Mallory@contoso.test"):
        client.request("PATCH", f"/me{PHONES}/{MOBILE}", token=token_for(ALICE), json={"phoneNumber": "1"},
                       headers={"Authorization": f"Bearer {token_for(MALLORY)}"})
    assert server.seen == []


def test_every_retry_is_guarded_and_counted_at_the_transport(monkeypatch) -> None:
    """The guard and the budget sit at the adapter: each attempt actually sent passes through them."""
    from conformance.target.client import RetryPolicy

    calls: list[str] = []
    guard = WriteGuard([ALICE], base_path="/v1.0")
    original = guard.__call__

    class Counting(WriteGuard):
        def __call__(self, method, path, me=None, *, anonymous=False):
            calls.append(method)
            return original(method, path, me, anonymous=anonymous)

    counting = Counting([ALICE], base_path="/v1.0")
    with Recorder(status=503, headers={"Retry-After": "0"}, body="{}") as busy:
        client = GraphClient(busy.url + "/v1.0", guard=counting, retry=RetryPolicy(attempts=3))
        client.session.trust_env = False
        from conformance.target.client import TargetBroken

        with pytest.raises(TargetBroken):
            client.update(f"/users/{ALICE.id}", MOBILE, {"phoneNumber": "1"}, token_for(ALICE))
    assert calls == ["PATCH"] * 3 and client.requests_sent == 3 == len(busy.seen)


def test_a_token_never_goes_to_another_host() -> None:
    """A request carrying a token to a URL outside the target's base_url is refused before the socket."""
    client = GraphClient("http://127.0.0.1:9/v1.0")
    with pytest.raises(GuardRefusal, match="nothing was sent"):
        client.session.get("http://127.0.0.1:9/elsewhere/users", headers={"Authorization": "Bearer abc.def.ghi"})
    with pytest.raises(GuardRefusal):
        client.session.get("http://127.0.0.1:9/v1.0evil/users", headers={"Authorization": "Bearer abc.def.ghi"})
    with pytest.raises(requests.ConnectionError):  # same base: the guard lets it through (nothing listens)
        client.session.get("http://127.0.0.1:9/v1.0/me/authentication/phoneMethods",
                           headers={"Authorization": "Bearer abc.def.ghi"})


# -- issue 18 item 9: methods, method overrides and traversal, refused for every user ----------------
@pytest.mark.parametrize("method", ["MERGE", "OPTIONS", "HEAD", "PUT", "TRACE", "CONNECT", "PROPFIND", "get2"])
@pytest.mark.parametrize("who", [ALICE, MALLORY], ids=["allow-listed", "stranger"])
def test_only_get_post_patch_and_delete_are_sent(server, client, method, who) -> None:
    """MERGE, OPTIONS, HEAD... are refused before the socket, to anyone, on the client and on the session."""
    path = f"/users/{who.id}{PHONES}/{MOBILE}"
    with pytest.raises(GuardRefusal, match="only DELETE, GET, PATCH, POST are sent") as err:
        client.request(method, path, token=token_for(ALICE), json={"phoneNumber": "+1 2065550100"})
    assert err.value.exit_code == EXIT_USAGE
    with pytest.raises(GuardRefusal):
        client.session.request(method, client.base_url + path, headers={"Authorization": f"Bearer {token_for(ALICE)}"})
    assert server.seen == [] and client.requests_sent == 0
    for allowed in ("GET", "POST", "PATCH", "DELETE"):
        client.request(allowed, f"/users/{ALICE.id}{PHONES}/{MOBILE}", token=None)
    assert [m for m, _ in server.seen] == ["GET", "POST", "PATCH", "DELETE"]


@pytest.mark.parametrize("header", ["X-HTTP-Method-Override", "x-http-method", "X-Method-Override",
                                    "X-HTTP-METHOD-OVERRIDE"])
@pytest.mark.parametrize("method", ["GET", "POST", "PATCH"])
def test_a_method_override_header_is_never_sent(server, client, header, method) -> None:
    """``X-HTTP-Method-Override: DELETE`` on a read of an allow-listed user would be a delete of anyone."""
    path = f"/users/{ALICE.id}{PHONES}/{MOBILE}"
    with pytest.raises(GuardRefusal, match="method-override header"):
        client.request(method, path, token=token_for(ALICE), headers={header: "DELETE"})
    with pytest.raises(GuardRefusal, match="method-override header"):
        client.session.request(method, client.base_url + path, headers={header: "MERGE"})
    assert server.seen == [] and client.requests_sent == 0


TRAVERSALS = {
    "dot-dot": f"/users/{ALICE.id}/../{MALLORY.id}",
    "dot-dot-to-allowed": f"/users/{MALLORY.id}/../{ALICE.id}",
    "encoded-dot-dot": f"/users/{ALICE.id}/%2e%2e/{MALLORY.id}",
    "encoded-dot-dot-upper": f"/users/{ALICE.id}/%2E%2E/{MALLORY.id}",
    "dot-dot-encoded-slash": f"/users/{ALICE.id}/..%2F{MALLORY.id}",
    "encoded-slash": f"/users/{ALICE.id}%2F..%2F{MALLORY.id}",
    "double-encoded-dots": f"/users/{ALICE.id}/%252e%252e/{MALLORY.id}",
    "double-encoded-slash": f"/users/{ALICE.id}%252F{MALLORY.id}",
    "triple-encoded": f"/users/{ALICE.id}/%25252e%25252e/{MALLORY.id}",
    "backslash": f"/users/{ALICE.id}/..\\{MALLORY.id}",
    "encoded-backslash": f"/users/{ALICE.id}/..%5C{MALLORY.id}",
    "dot-dot-in-segment": f"/users/{ALICE.id}..{MALLORY.id}",
}


@pytest.mark.parametrize("prefix", list(TRAVERSALS.values()), ids=list(TRAVERSALS))
@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "DELETE"])
def test_a_path_that_decodes_to_a_traversal_is_refused(server, client, prefix, method) -> None:
    """``..``, a backslash or an encoded ``/`` in any decoded segment: refused for reads and writes alike."""
    path = prefix + PHONES + ("" if method == "POST" else f"/{MOBILE}")
    with pytest.raises(GuardRefusal, match=r"decodes to '\.\.', a backslash or a '/'") as err:
        client.request(method, path, token=token_for(ALICE), json={"phoneNumber": "+1 2065550100"})
    assert err.value.exit_code == EXIT_USAGE
    assert server.seen == [] and client.requests_sent == 0


def test_the_guard_screens_even_when_called_without_the_transport() -> None:
    """The guard object itself (a future code path calling it directly) refuses the same requests."""
    guard = WriteGuard([ALICE], base_path="/v1.0")
    for method, path in (("HEAD", f"/v1.0/users/{ALICE.id}{PHONES}"), ("GET", f"/v1.0/users/{ALICE.id}/..%2Fx"),
                         ("MERGE", f"/v1.0/users/{ALICE.id}{PHONES}/{MOBILE}")):
        with pytest.raises(GuardRefusal):
            guard(method, path, None)
    assert guard.refusals == 3
    assert guard("GET", f"/v1.0/users/{MALLORY.id}{PHONES}", None) is None
    assert guard("PATCH", f"/v1.0/users/{ALICE.id}{PHONES}/{MOBILE}", None) == ALICE


def test_an_encoded_traversal_sent_on_the_session_directly_is_refused_at_the_transport(server, client) -> None:
    """schemathesis calls the session: an encoded slash or double-encoded dots survive preparation and are refused."""
    for tail in (f"/users/{ALICE.id}/..%2F{MALLORY.id}{PHONES}", f"/users/{ALICE.id}/%252e%252e{PHONES}",
                 f"/users/{ALICE.id}%5C..{PHONES}"):
        with pytest.raises(GuardRefusal, match="decodes to"):
            client.session.get(client.base_url + tail)
    assert server.seen == [] and client.requests_sent == 0
