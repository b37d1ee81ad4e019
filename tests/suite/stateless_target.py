"""A stateless stand-in target: every request is answered from fixed examples, as an API mock does.

Like Stoplight Prism mocking a description: a request without ``Authorization`` gets 401 with the
Graph envelope; otherwise a list answers one example mobile, a GET the example of the method asked
for, a create 201 with the example, an update, a delete and the SMS actions 204. Nothing is ever
stored, so nothing the suite arranges can be read back. Serves on a loopback port in a thread.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MOBILE_ID = "3179e48a-750b-4051-897c-87b9720928f7"
EXAMPLE = {"id": MOBILE_ID, "phoneNumber": "+1 2065550123", "phoneType": "mobile", "smsSignInState": "ready"}
METHODS = re.compile(r"^/v1\.0/(?:me|users/[^/]+)/authentication/phoneMethods(?:/(?P<id>[^/?]+)(?P<action>/[^?]+)?)?")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return

    def _answer(self, status: int, body: object | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if not self.headers.get("Authorization"):
            self._answer(401, {"error": {"code": "InvalidAuthenticationToken", "message": "Access token is empty."}})
            return
        match = METHODS.match(self.path)
        if match is None:
            self._answer(404, {"error": {"code": "itemNotFound", "message": "No such route."}})
            return
        method_id, action = match.group("id"), match.group("action")
        if self.command == "GET":
            self._answer(200, {"value": [EXAMPLE]} if method_id is None else {**EXAMPLE, "id": method_id})
        elif self.command == "POST" and method_id is None:
            self._answer(201, EXAMPLE)
        elif self.command in ("PATCH", "DELETE") or (self.command == "POST" and action):
            self._answer(204)
        else:
            self._answer(405, {"error": {"code": "methodNotAllowed", "message": "Method not allowed."}})

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _handle


@contextmanager
def serving() -> Iterator[str]:
    """Serve the stand-in on a free loopback port; yield its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
