"""A hostile loopback server for the transport-limit tests: huge bodies, gzip bombs, drips.

It forwards the first ``honest`` requests to an upstream (an emulator), then answers every request
with its attack. Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
import zlib
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

MB = 1 << 20
ATTACKS = ("huge", "huge-chunked", "gzip-bomb", "deflate-bomb", "drip", "drip-headers")


@lru_cache(maxsize=2)
def bomb(wrapper: str = "gzip", expands_to: int = 1024 * MB) -> bytes:
    """About 1 MB of ``gzip`` (or ``deflate``, zlib-wrapped) that decodes to ``expands_to`` bytes of JSON.

    Built in a fraction of a second: after a full flush, each further megabyte of zeros compresses to
    the same bytes, so the stream is one block repeated; the trailer's checksum is computed honestly.
    """
    head, tail, block = b'{"value": "', b'"}', b"0" * MB
    z = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = z.compress(head) + z.compress(block) + z.flush(zlib.Z_FULL_FLUSH)
    again = z.compress(block) + z.flush(zlib.Z_FULL_FLUSH)
    last = z.compress(tail) + z.flush()
    count = expands_to // MB
    body = first + again * (count - 1) + last
    crc, adler = zlib.crc32(head), zlib.adler32(head)
    for _ in range(count):
        crc, adler = zlib.crc32(block, crc), zlib.adler32(block, adler)
    crc, adler = zlib.crc32(tail, crc), zlib.adler32(tail, adler)
    size = len(head) + count * MB + len(tail)
    if wrapper == "gzip":
        return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + body + struct.pack("<II", crc, size & 0xFFFFFFFF)
    return b"\x78\xda" + body + struct.pack(">I", adler)


class Hostile:
    """``with Hostile(attack) as h: h.url`` -- a server that answers with ``attack`` after ``honest`` requests."""

    def __init__(self, attack: str, *, upstream: str | None = None, honest: int = 0, drip_s: float = 1.0,
                 huge: int = 300 * MB) -> None:
        assert attack in ATTACKS, attack
        self.attack, self.upstream, self.honest, self.drip_s, self.huge = attack, upstream, honest, drip_s, huge
        self.count = 0
        self.attacks_sent = 0
        self.lock = threading.Lock()
        hostile = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                """Quiet."""

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else None
                with hostile.lock:
                    hostile.count += 1
                    honest = hostile.count <= hostile.honest
                try:
                    if honest and hostile.upstream:
                        self._forward(data)
                    else:
                        with hostile.lock:
                            hostile.attacks_sent += 1
                        self._attack()
                except (BrokenPipeError, ConnectionResetError, OSError):
                    self.close_connection = True

            def _forward(self, data: bytes | None) -> None:
                hdrs = {k: v for k, v in self.headers.items()
                        if k.lower() not in ("host", "content-length", "accept-encoding")}
                with requests.Session() as s:
                    s.trust_env = False
                    r = s.request(self.command, hostile.upstream + self.path, data=data, headers=hdrs, timeout=30)
                self.send_response(r.status_code)
                for k, v in r.headers.items():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(r.content)))
                self.end_headers()
                self.wfile.write(r.content)

            def _attack(self) -> None:
                kind = hostile.attack
                self.close_connection = True
                if kind == "drip-headers":
                    for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: " + b"a" * 10_000:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(hostile.drip_s)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                if kind == "huge":
                    self.send_header("Content-Length", str(hostile.huge))
                    self.end_headers()
                    self._stream(hostile.huge)
                elif kind == "huge-chunked":  # no length announced: the body ends when the connection closes
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self._stream(hostile.huge)
                elif kind in ("gzip-bomb", "deflate-bomb"):
                    payload = bomb("gzip" if kind == "gzip-bomb" else "deflate")
                    self.send_header("Content-Encoding", "gzip" if kind == "gzip-bomb" else "deflate")
                    self.send_header("Connection", "close")  # no length announced: only decoding can tell
                    self.end_headers()
                    self.wfile.write(payload)
                elif kind == "drip":
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    for _ in range(100000):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(hostile.drip_s)

            def _stream(self, total: int) -> None:
                block = b" " * MB
                sent = 0
                while sent < total:
                    self.wfile.write(block)
                    sent += len(block)

            do_GET = do_POST = do_PATCH = do_DELETE = _any

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                """Quiet: the client hanging up on an attack is the point."""

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Hostile:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve_forever(attack: str, upstream: str, honest: int, drip_s: float) -> None:
    """Run a :class:`Hostile` in this process until killed; print its URL on the first line."""
    with Hostile(attack, upstream=upstream or None, honest=honest, drip_s=drip_s) as h:
        print(h.url, flush=True)
        while True:
            time.sleep(3600)


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    import sys

    serve_forever(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
