"""The client's HTTP session: the environment is read once, and ``~/.netrc`` never adds a credential."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.target.client import GraphClient, NoRedirectSession


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:
        type(self).seen.append(dict(self.headers))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"value": []}')

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def server() -> Iterator[str]:
    _Recorder.seen = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1.0"
    finally:
        httpd.shutdown()


def test_a_request_without_a_token_carries_no_netrc_credential(server: str, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``~/.netrc`` entry for the target's host would turn an anonymous request into an authenticated one."""
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone password hunter2\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HOME", str(tmp_path))
    client = GraphClient(server)
    response = client.list("/users/x", None)
    assert response.status_code == 200
    assert "Authorization" not in _Recorder.seen[-1]


def test_the_proxy_for_the_target_is_read_once_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """``HTTPS_PROXY`` applies to the target's URL; ``NO_PROXY`` exempts it; later changes do not matter."""
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    session = NoRedirectSession("https://graph.microsoft.com/v1.0")
    assert session.proxies.get("https") == "http://proxy.invalid:3128"
    assert session.trust_env is False
    monkeypatch.setenv("NO_PROXY", "graph.microsoft.com")
    assert NoRedirectSession("https://graph.microsoft.com/v1.0").proxies.get("https") is None
    assert session.proxies.get("https") == "http://proxy.invalid:3128"  # read when made, not per request


def test_the_transport_records_the_numbers_the_suite_sent_first_and_no_others() -> None:
    """On a tenant (``track_numbers``) the numbers in request bodies are the suite's own, unless the target
    showed them first (a user's phone re-sent) or a restore sends them (``numbers_are_ours`` off)."""
    import json

    from conformance.core.privacy import GENERATED
    from tests.tenant.tenantkit import Recorder

    person, ours, restored = "+44 7700900321", "+1 2065550142", "+1 4255550188"
    GENERATED.clear()
    try:
        with Recorder(status=200, body=json.dumps({"value": [{"phoneNumber": person}]})) as server:
            client = GraphClient(server.url + "/v1.0")
            client.request("GET", "/me/authentication/phoneMethods", token=None)
            assert GENERATED.keys() == frozenset()  # not tracking: nothing recorded
            client.track_numbers = True
            client.request("GET", "/me/authentication/phoneMethods", token=None)
            client.request("POST", "/me/authentication/phoneMethods", token=None, json={"phoneNumber": ours})
            client.request("POST", "/me/authentication/phoneMethods", token=None, json={"phoneNumber": person})
            client.numbers_are_ours = False
            client.request("PATCH", "/me/authentication/phoneMethods/x", token=None, json={"phoneNumber": restored})
        assert GENERATED.keys() == frozenset({"12065550142"})
    finally:
        GENERATED.clear()
