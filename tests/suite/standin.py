"""A stand-in target for the observe -> ledger -> emulator -> diff loop: an implementation nobody here wrote.

It answers the open questions unlike the emulator's defaults, in ways no coarse choice of the emulator
expresses. To stay small it keeps a default emulator (gray numbers normalised) behind a proxy that
rewrites requests and answers:

* unknown and read-only properties are dropped from create and update bodies (ignored, not refused);
* a write without a JSON Content-Type is refused with 400 ``BadRequest`` (not 415);
* gray numbers are answered per class: an uppercase ``X`` marker or an unassigned country code is
  refused with its own code ``phoneNumberNotSupported``, the other classes are normalised and stored
  (or refused as the emulator refuses what it cannot normalise);
* every refused number gets the code ``InvalidPhoneNumber``, and most other refusals a status and code
  of their own (:data:`REFUSALS`: a second method of a type 400 ``MethodAlreadyExists``, ...);
* a masked number shows ``X`` for each hidden digit and the country code: ``+1 XXXXXXXX00``;
* listed methods come in reverse order, each with ``@odata.type``; no ``Location`` on a create and no
  ``WWW-Authenticate`` on a 401.

What it answers like the emulator (create 201, PATCH ``{}`` 204, ...) is what no emulator choice
could answer otherwise.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import phonenumbers
import uvicorn

from graph_phone_emulator.app import create_app
from graph_phone_emulator.config import DEFAULT_PROFILE, load_config

Message = dict[str, Any]
_REFUSED = "+1 refused by the stand-in"
"""What a number the stand-in refuses becomes on the way in (the inner emulator refuses it too)."""


REFUSALS: dict[str, tuple[int, str]] = {
    "Invalid phoneType": (400, "InvalidPhoneType"),
    "An alternateMobile phone needs a mobile": (409, "MobileRequired"),
    "phoneType can't change": (400, "TypeChangeNotAllowed"),
    "Delete the alternateMobile phone before": (409, "AlternateMobileExists"),
    "SMS sign-in can only be enabled": (400, "NotAMobilePhone"),
    "SMS sign-in is not allowed for this user": (403, "SmsSignInPolicyDisabled"),
    "Personal Microsoft accounts": (401, "PersonalAccountNotSupported"),
    "Resource '": (404, "UserNotFound"),
    "Request Authorization failed: an Authentication Administrator can't manage": (400, "PrivilegedTarget"),
}
"""The start of an inner refusal's message -> the status and code the stand-in answers instead."""
_TYPE = "#microsoft.graph.phoneAuthenticationMethod"


def refuses(number: str) -> bool:
    """The stand-in's own gray rule: an uppercase extension marker or an unassigned calling code."""
    match = re.match(r"\+(\d{1,3}) ", number)
    unassigned = match is not None and phonenumbers.region_code_for_country_code(int(match[1])) == "ZZ"
    return "X" in number or unassigned


class StandIn:
    """The ASGI proxy (see the module docstring) in front of an inner application."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: Message, receive: Any, send: Any) -> None:
        """Rewrite the request body, call the inner application, rewrite its answer."""
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        refused = False
        if scope["method"] in ("POST", "PATCH") and headers.get("content-type", "").startswith("application/json"):
            body, refused = _request(body)
            scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
                     + [(b"content-length", str(len(body)).encode())]}
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message.get("body", b""))

        await self.inner(scope, replay, capture)
        status, payload = _answer(start["status"], b"".join(chunks), refused)
        dropped = {b"content-length", b"location", b"www-authenticate"}
        out = [(k, v) for k, v in start.get("headers", []) if k.lower() not in dropped]
        await send({"type": "http.response.start", "status": status,
                    "headers": [*out, (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})


def _request(body: bytes) -> tuple[bytes, bool]:
    """The body with only phoneNumber and phoneType; a refused gray number replaced by one the emulator refuses."""
    try:
        data = json.loads(body)
    except ValueError:
        return body, False
    if not isinstance(data, dict):
        return body, False
    kept = {k: v for k, v in data.items() if k in ("phoneNumber", "phoneType")}
    number = kept.get("phoneNumber")
    refused = isinstance(number, str) and refuses(number)
    if refused:
        kept["phoneNumber"] = _REFUSED
    return json.dumps(kept).encode(), refused


def _answer(status: int, payload: bytes, refused: bool) -> tuple[int, bytes]:
    try:
        data = json.loads(payload) if payload else None
    except ValueError:
        return status, payload
    if not isinstance(data, dict):
        return status, payload
    error = data.get("error")
    if isinstance(error, dict):
        message = str(error.get("message", ""))
        if status == 415:
            status, error["code"] = 400, "BadRequest"
        elif refused:
            error["code"] = "phoneNumberNotSupported"
        elif message.startswith("Invalid phone number"):
            error["code"] = "InvalidPhoneNumber"
        elif status == 409 and "already has a" in message:
            status, error["code"] = 400, "MethodAlreadyExists"
        elif status == 404 and "phone method" in message:
            error["code"] = "ResourceNotFound"
        else:
            status, error["code"] = next((v for k, v in REFUSALS.items() if message.startswith(k)),
                                         (status, error.get("code")))
        return status, json.dumps(data).encode()
    listed = isinstance(data.get("value"), list)
    items = list(reversed(data["value"])) if listed else [data]
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("phoneNumber"), str):
            item["phoneNumber"] = item["phoneNumber"].replace("*", "X")
            if listed:
                item["@odata.type"] = _TYPE
    if listed:
        data["value"] = items
    elif "phoneType" in data:
        data["@odata.type"] = _TYPE
    return status, json.dumps(data).encode()


@contextlib.contextmanager
def serve_standin() -> Iterator[str]:
    """Serve a fresh stand-in on loopback; yield its base URL (``.../v1.0``)."""
    app = StandIn(create_app(load_config(None, {"gray": "accept"})))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1.0"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def standin_profile(path: Path, base_url: str) -> Path:
    """A profile for the stand-in: the embedded emulator's users and tokens, its own name and URL."""
    text = DEFAULT_PROFILE.read_text(encoding="utf-8")
    text = text.replace('name = "embedded-emulator"', 'name = "stand-in"', 1)
    text = text.replace('base_url = ""', f'base_url = "{base_url}"', 1)
    path.write_text(text, encoding="utf-8")
    return path
