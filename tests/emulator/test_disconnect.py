"""A client that goes away mid-request is the client's doing: no 500, no traceback (issue 10 item 8)."""

from __future__ import annotations

import logging
import socket
import time

import pytest

from conftest import ADMIN_TOKEN, user_path


def _abandon(port: int, raw: bytes, linger: float = 0.05) -> None:
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(raw)
        time.sleep(linger)


@pytest.mark.parametrize("how", ["partial-body", "no-body", "before-the-answer"])
def test_a_client_disconnect_is_not_a_server_error(start, caplog, how: str) -> None:
    api = start(latency_ms=150)
    path = f"/v1.0{user_path('alex')}/authentication/phoneMethods"
    head = f"Host: x\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\nContent-Type: application/json\r\n"
    raw = {"partial-body": f"POST {path} HTTP/1.1\r\n{head}Content-Length: 100\r\n\r\n{{\"phone",
           "no-body": f"POST {path} HTTP/1.1\r\n{head}Content-Length: 60\r\n\r\n",
           "before-the-answer": f"GET {path} HTTP/1.1\r\n{head}\r\n"}[how]
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            _abandon(api.running.port, raw.encode())
        time.sleep(0.4)
        assert api.list("alex").status_code == 200  # still serving
    counter = api.running.emulator.server_errors
    assert counter.count == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    if how != "before-the-answer":
        assert counter.client_disconnects == 3
