"""Paged lists (issue 18 item 4): every list read follows ``@odata.nextLink`` or the answer is broken.

The state reads that decide what to write, what to journal and what to restore read every page, only
on the target's own origin and base path, through the guard, at most ``MAX_PAGES`` pages; otherwise
the answer is broken (exit 4) before any write to that user.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import pytest

from conformance.safety.guarded import GuardedTarget
from conformance.target.client import GraphClient, TargetBroken
from conformance.target.profile import load_profile, parse_profile
from conformance.target.target import MAX_PAGES, next_page
from tests.tenant.tenantkit import PHONES, emulator_process, profile_dict, write_profile

IDS = {"mobile": "3179e48a-750b-4051-897c-87b9720928f7", "alternateMobile": "b6332ec1-7057-4abe-9331-3d72feddfe41",
       "office": "e37fc753-ff3b-4958-9484-eaa9425c82bc"}


def test_the_emulator_pages_and_every_page_is_read(tmp_path: Path) -> None:
    emu = write_profile(tmp_path / "emu.toml", profile_dict(phones=PHONES))
    with emulator_process(emu, "--page-size", "1") as base_url:
        profile = load_profile(write_profile(tmp_path / "view.toml", profile_dict(base_url=base_url, phones=PHONES)))
        target = GuardedTarget(profile=profile, base_url=base_url, edition=profile.edition, record=False)
        alex = profile.users["alex1"]
        first = target.client.list(GraphClient.user_prefix("id", alex), target.admin_token(alex)).json()
        assert len(first["value"]) == 1 and "@odata.nextLink" in first, "the emulator pages"
        sent = target.client.requests_sent
        assert target.numbers(alex) == PHONES["alex1"]
        assert target.client.requests_sent - sent == 3  # one page each


class Pages:
    """A list endpoint that answers page ``n`` with ``items[n]`` and the link ``link(base, n)``."""

    def __init__(self, items: list[list[dict[str, Any]]], link: Callable[[str, int], Any]) -> None:
        self.items, self.link = items, link
        self.seen: list[tuple[str, str]] = []
        pages = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                """Quiet."""

            def _any(self) -> None:
                pages.seen.append((self.command, self.path))
                n = int(self.path.rsplit("page=", 1)[1]) if "page=" in self.path else 0
                body: dict[str, Any] = {"value": pages.items[min(n, len(pages.items) - 1)]}
                nxt = pages.link(pages.url, n)
                if nxt is not None:
                    body["@odata.nextLink"] = nxt
                data = json.dumps(body).encode()
                self.send_response(200 if self.command == "GET" else 204)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.seen if m != "GET"]


@pytest.fixture
def pages_server() -> Iterator[Callable[..., Pages]]:
    made: list[Pages] = []

    def make(items: list[list[dict[str, Any]]], link: Callable[[str, int], Any]) -> Pages:
        p = Pages(items, link)
        Thread(target=p.server.serve_forever, daemon=True).start()
        made.append(p)
        return p

    yield make
    for p in made:
        p.server.shutdown()
        p.server.server_close()


def item(kind: str, number: str) -> dict[str, Any]:
    return {"id": IDS[kind], "phoneType": kind, "phoneNumber": number, "smsSignInState": "notSupported"}


THREE = [[item("mobile", "+1 2065550111")], [item("alternateMobile", "+1 2065550112")],
         [item("office", "+1 2065550113")]]


def target_for(url: str) -> GuardedTarget:
    profile = parse_profile(profile_dict(base_url=url + "/v1.0"))
    return GuardedTarget(profile=profile, base_url=profile.base_url, edition="seed", record=False)


def own(base: str, n: int) -> str | None:
    return f"{base}/v1.0/users/x/authentication/phoneMethods?$skiptoken=abc&page={n + 1}" if n < 2 else None


def test_pages_on_the_own_origin_are_followed_and_the_reset_sees_them_all(pages_server) -> None:
    server = pages_server(THREE, own)
    target = target_for(server.url)
    user = target.user("ordinary_target")
    assert target.numbers(user) == {"mobile": "+1 2065550111", "alternateMobile": "+1 2065550112",
                                    "office": "+1 2065550113"}
    assert [p for _, p in server.seen][1:] == ["/v1.0/users/x/authentication/phoneMethods?$skiptoken=abc&page=1",
                                               "/v1.0/users/x/authentication/phoneMethods?$skiptoken=abc&page=2"]


HOSTILE_LINKS: dict[str, Callable[[str, int], Any]] = {
    "other-host": lambda base, n: "http://localhost" + base[len("http://127.0.0.1"):] + "/v1.0/users/x?page=1",
    "other-port": lambda base, n: "http://127.0.0.1:9/v1.0/users/x/authentication/phoneMethods?page=1",
    "other-scheme": lambda base, n: base.replace("http:", "https:") + "/v1.0/users/x?page=1",
    "other-base-path": lambda base, n: base + "/beta/users/x/authentication/phoneMethods?page=1",
    "base-path-prefix": lambda base, n: base + "/v1.0evil/users/x?page=1",
    "userinfo": lambda base, n: base.replace("http://", "http://user:pw@") + "/v1.0/users/x?page=1",
    "relative": lambda base, n: "/v1.0/users/x/authentication/phoneMethods?page=1",
    "not-a-string": lambda base, n: {"href": base},
    "traversal": lambda base, n: base + "/v1.0/users/x/..%2F..%2Fgroups?page=1",
    "double-encoded": lambda base, n: base + "/v1.0/users/%252e%252e/x?page=1",
    "endless": lambda base, n: f"{base}/v1.0/users/x/authentication/phoneMethods?page={n + 1}",
}


@pytest.mark.parametrize("name", list(HOSTILE_LINKS))
def test_a_list_that_cannot_be_read_whole_is_broken_before_any_write(pages_server, name: str) -> None:
    """A link off the target (or one the guard refuses, or pages without end): exit 4, nothing written."""
    server = pages_server(THREE, HOSTILE_LINKS[name])
    target = target_for(server.url)
    user = target.user("ordinary_target")
    with pytest.raises(TargetBroken, match="nothing is written to this user") as err:
        target.reset(user, {"mobile": "+1 2065550100"})
    assert err.value.unanswered is False
    assert server.writes() == []
    gets = [p for m, p in server.seen if m == "GET"]
    assert len(gets) <= MAX_PAGES and all(p.startswith("/v1.0/users/") for p in gets)


def test_next_page_keeps_to_the_origin_and_base_path() -> None:
    base = "http://127.0.0.1:8080/v1.0"
    assert next_page({"value": []}, base) is None
    assert next_page({"@odata.nextLink": "HTTP://127.0.0.1:8080/v1.0/me/x?$skip=1"}, base) == "/me/x?$skip=1"
    assert next_page({"@odata.nextLink": "https://graph.microsoft.com/v1.0/me/x"},
                     "https://graph.microsoft.com:443/v1.0") == "/me/x"
    for bad in ("http://127.0.0.1:8081/v1.0/me", "http://127.0.0.1:8080/v2/me", "http://127.0.0.1:8080/v1.0",
                "http://a@127.0.0.1:8080/v1.0/me", "http://127.0.0.1:8080@evil/v1.0/me", "", "x" * 3000,
                "http://127.0.0.1:bad/v1.0/me"):
        with pytest.raises(ValueError):
            next_page({"@odata.nextLink": bad}, base)
