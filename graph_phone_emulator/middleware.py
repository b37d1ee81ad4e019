"""Pure ASGI middleware: request ids on every response, OData key syntax, and the catch-all 500."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import ClientDisconnect

from graph_phone_emulator.errors import error_response, server_error

try:  # uvicorn raises this from send() when the client has gone (newer versions)
    from uvicorn.protocols.utils import ClientDisconnected
except ImportError:  # pragma: no cover - served by another ASGI server
    ClientDisconnected = ClientDisconnect  # type: ignore[misc,assignment]

DISCONNECTS = (ClientDisconnect, ClientDisconnected)
"""The client went away mid-request: its doing, not a server error."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

IDS_KEY = "graph.ids"
"""Scope key holding ``(request-id, client-request-id)`` for the current request."""

_KEY_SEGMENT = re.compile(r"/v1\.0/users\('((?:[^']|'')*)'\)(/.*)?", re.S)
logger = logging.getLogger("graph_phone_emulator")


class ServerErrorCounter:
    """Counts genuine 500s (unexpected exceptions); tests assert it stays at zero.

    ``client_disconnects`` counts requests the client abandoned (not errors: nothing is answered).
    """

    def __init__(self) -> None:
        self.count = 0
        self.client_disconnects = 0


class GraphMiddleware:
    """Adds ``request-id``/``client-request-id`` headers, rewrites ``users('key')`` to ``users/key`` and
    turns any unexpected exception into a Graph-envelope 500 (counted and logged)."""

    def __init__(self, app: ASGIApp, errors: ServerErrorCounter) -> None:
        self.app = app
        self.errors = errors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = str(uuid.uuid4())
        client_id = request_id
        for name, value in scope["headers"]:
            if name == b"client-request-id":
                client_id = value.decode("latin-1")
                break
        scope[IDS_KEY] = (request_id, client_id)
        match = _KEY_SEGMENT.fullmatch(scope["path"])
        if match:
            key = match.group(1).replace("''", "'")
            scope["path"] = f"/v1.0/users/{key}{match.group(2) or ''}"
        extra = [(b"request-id", request_id.encode()), (b"client-request-id", client_id.encode("latin-1"))]
        started = False

        async def send_with_ids(message: Message) -> None:
            """Forward ``message``, adding the id headers to the response start."""
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        try:
            await self.app(scope, receive, send_with_ids)
        except DISCONNECTS:
            self.errors.client_disconnects += 1
            logger.debug("client went away during %s %s", scope.get("method"), scope.get("path"))
        except Exception:
            self.errors.count += 1
            logger.exception("unexpected error serving %s %s", scope.get("method"), scope.get("path"))
            if not started:
                await error_response(server_error(), request_id, client_id)(scope, receive, send_with_ids)
