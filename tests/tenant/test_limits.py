"""Limits on what a target sends (issue 18 item 6): a body cap, a decoded-size cap, one deadline per request.

A hostile loopback server sends a 300 MB body (announced, and not announced), a 1 MB gzip (or
deflate) body that decodes to 1 GB, and a body (or its headers) dripped a byte at a time. Each ends
as a broken answer (``TargetBroken``: exit 4) with memory bounded; whole runs against it end with
exit 4 under 400 MB of RSS (measured in a subprocess with ``resource.getrusage``).
"""

from __future__ import annotations

import gzip
import json
import sys
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import pytest

from conformance.core.errors import EXIT_BROKEN
from conformance.target.client import GraphClient, Limits, TargetBroken
from tests.tenant.hostilekit import MB, Hostile, bomb
from tests.tenant.tenantkit import clean_env, emulator_process, profile_dict, write_profile

ROOT = Path(__file__).resolve().parents[2]
LIST = "/users/11111111-1111-4111-8111-111111111111/authentication/phoneMethods"


def client_for(url: str, **limits: Any) -> GraphClient:
    c = GraphClient(url, limits=Limits(**limits), timeout_s=30.0)
    c.retry.attempts = 1
    return c


@pytest.mark.parametrize("attack, says", [
    ("huge", "announces 314572800 bytes, over the 1048576-byte cap"),
    ("huge-chunked", "over the 1048576-byte cap"),
    ("gzip-bomb", "decodes to more than the 1048576-byte cap"),
    ("deflate-bomb", "decodes to more than the 1048576-byte cap"),
])
def test_an_oversized_answer_is_broken_and_stops_being_read(attack: str, says: str) -> None:
    with Hostile(attack) as hostile:
        client = client_for(hostile.url)
        started = time.monotonic()
        with pytest.raises(TargetBroken, match=says) as err:
            client.request("GET", LIST, token=None)
        assert time.monotonic() - started < 20
    assert "max_response_bytes" in str(err.value)


@pytest.mark.parametrize("attack", ["drip", "drip-headers"])
def test_a_dripped_answer_ends_within_the_overall_deadline(attack: str) -> None:
    """One byte every 0.3 s never trips a 30 s per-read timeout; the 2 s deadline ends it all the same."""
    with Hostile(attack, drip_s=0.3) as hostile:
        client = client_for(hostile.url, deadline_s=2.0)
        started = time.monotonic()
        with pytest.raises(TargetBroken, match=r"within the 2 s deadline \(request_deadline_s\)"):
            client.request("GET", LIST, token=None)
        took = time.monotonic() - started
    assert 1.9 <= took < 4.0, took


def test_the_session_itself_is_bounded_too() -> None:
    """schemathesis calls the session directly (``stream`` or not): the transport reads within the caps."""
    with Hostile("gzip-bomb") as hostile:
        client = client_for(hostile.url)
        for stream in (False, True):
            with pytest.raises(TargetBroken, match="decodes to more than"):
                client.session.get(hostile.url + LIST, stream=stream)
    with Hostile("huge-chunked") as hostile:
        client = client_for(hostile.url, max_response_bytes=64 * 1024)
        with pytest.raises(TargetBroken, match="over the 65536-byte cap"):
            client.session.get(hostile.url + LIST)


class _Compressing(BaseHTTPRequestHandler):
    """Answers a small JSON body encoded as the path says: /gzip, /deflate, /raw-deflate, /two-members, /br."""

    def log_message(self, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        # recorded before the answer goes out: the client may read it and the test assert before a later append
        self.server.seen.append(self.headers.get("Accept-Encoding"))  # type: ignore[attr-defined]
        body = json.dumps({"value": [{"id": "3179e48a-750b-4051-897c-87b9720928f7", "phoneType": "mobile"}]}).encode()
        kind = self.path.rsplit("/", 1)[1]
        encoded = {"gzip": lambda: gzip.compress(body), "deflate": lambda: zlib.compress(body),
                   "raw-deflate": lambda: zlib.compress(body)[2:-4],
                   "two-members": lambda: gzip.compress(body[:10]) + gzip.compress(body[10:]),
                   "br": lambda: body, "identity": lambda: body}[kind]()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        coding = {"two-members": "gzip", "raw-deflate": "deflate", "identity": ""}.get(kind, kind)
        if coding:
            self.send_header("Content-Encoding", coding)
        self.send_header("Content-Length", str(len(encoded)))
        self.end_headers()
        self.wfile.write(encoded)


@pytest.fixture
def compressing() -> Any:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Compressing)
    server.seen = []  # type: ignore[attr-defined]
    Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("kind", ["gzip", "deflate", "raw-deflate", "two-members", "identity"])
def test_an_honest_compressed_answer_reads_as_before(compressing: Any, kind: str) -> None:
    client = client_for(f"http://127.0.0.1:{compressing.server_address[1]}")
    r = client.request("GET", f"/x/{kind}", token=None)
    assert r.status_code == 200 and r.json()["value"][0]["phoneType"] == "mobile"
    assert compressing.seen == ["gzip, deflate"]


def test_an_encoding_not_asked_for_is_broken(compressing: Any) -> None:
    client = client_for(f"http://127.0.0.1:{compressing.server_address[1]}")
    with pytest.raises(TargetBroken, match="Content-Encoding 'br' was not asked for"):
        client.request("GET", "/x/br", token=None)


def test_the_bomb_is_what_it_claims() -> None:
    """The test's own bomb: about 1 MB that decodes to 1 GB (checked on a small one of the same build)."""
    small = bomb(expands_to=4 * MB)
    assert len(gzip.decompress(small)) == 4 * MB + len('{"value": ""}')
    assert len(zlib.decompress(bomb("deflate", expands_to=4 * MB))) == 4 * MB + len('{"value": ""}')
    assert len(bomb()) < 1.2 * MB


def test_the_limits_are_profile_settings_with_sane_defaults() -> None:
    from conformance.core.errors import ProfileError
    from conformance.target.profile import parse_profile

    profile = parse_profile(profile_dict())
    assert (profile.max_response_bytes, profile.request_deadline_s) == (1 << 20, 30.0)
    tuned = parse_profile(profile_dict(max_response_bytes=65536, request_deadline_s=5))
    assert (tuned.max_response_bytes, tuned.request_deadline_s) == (65536, 5.0)
    for bad in ({"max_response_bytes": 10}, {"request_deadline_s": 0}, {"max_response_bytes": "1MB"}):
        with pytest.raises(ProfileError):
            parse_profile(profile_dict(**bad))


# -- whole runs: exit 4, memory bounded --------------------------------------------------------------
MEASURE = """
import resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(proc.returncode)
sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
"""


@pytest.mark.parametrize("attack", ["huge-chunked", "gzip-bomb", "drip"])
def test_a_run_against_a_hostile_target_ends_broken_under_400_mb(tmp_path: Path, attack: str) -> None:
    """The preflight is answered honestly (by an emulator behind the hostile server); every later answer is the
    attack. The run ends with exit 4 within its deadlines and its peak RSS stays under 400 MB."""
    emulator_profile = write_profile(tmp_path / "emulator.toml", profile_dict())
    with emulator_process(emulator_profile) as upstream, Hostile(attack, upstream=upstream, honest=1,
                                                                   drip_s=1.0) as hostile:
        profile = write_profile(tmp_path / "hostile.toml",
                                profile_dict(base_url=hostile.url, request_deadline_s=3, retry_attempts=1))
        started = time.monotonic()
        proc = subprocess_run([sys.executable, "-c", MEASURE, sys.executable, "-m", "conformance", "run",
                               "--target", str(profile), "--quick", "--rule", "update-204",
                               "--results-dir", str(tmp_path / "out")])
        took = time.monotonic() - started
        attacks = hostile.attacks_sent
    lines = proc.stdout.split()
    peak_kb, code = int(lines[0]), int(lines[1])
    assert code == EXIT_BROKEN, proc.stderr
    assert peak_kb < 400 * 1024, f"peak RSS {peak_kb // 1024} MB"
    assert attacks >= 1 and took < 240
    assert "TargetBroken" in proc.stderr or "broken" in proc.stderr


def subprocess_run(cmd: list[str]) -> Any:
    import subprocess

    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT, env=clean_env())


def test_after_a_broken_limit_nothing_more_is_sent_until_a_restore_forgives() -> None:
    """A target that sent a bomb gets no further request from this client (the run ends broken at once);
    a restore gets its own chance."""
    with Hostile("gzip-bomb") as hostile:
        client = client_for(hostile.url)
        with pytest.raises(TargetBroken):
            client.request("GET", LIST, token=None)
        assert hostile.count == 1
        with pytest.raises(TargetBroken, match="nothing more is sent to it"):
            client.request("GET", LIST, token=None)
        with pytest.raises(TargetBroken):
            client.session.get(hostile.url + LIST)
        assert hostile.count == 1 and client.requests_sent == 1
        client.forgive()
        with pytest.raises(TargetBroken, match="decodes to more than"):
            client.request("GET", LIST, token=None)
        assert hostile.count == 2


def test_a_broken_answer_keeps_no_buffer_alive_in_its_traceback() -> None:
    """Hypothesis keeps the tracebacks of failing examples: none may hold the megabyte that was read."""
    import gc

    with Hostile("huge-chunked") as hostile:
        client = client_for(hostile.url)
        try:
            client.request("GET", LIST, token=None)
        except TargetBroken as exc:
            kept = exc
    frames, tb = [], kept.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    gc.collect()
    big = [name for f in frames for name, v in f.f_locals.items()
           if isinstance(v, bytes | bytearray) and len(v) > 100_000]
    assert big == []
