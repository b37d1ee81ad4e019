"""Helpers for the real-tenant safety tests: profiles, a counting server, a recording proxy, emulators.

Everything stays on loopback; no Microsoft endpoint is ever contacted.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "conformance" / "targets" / "emulator.toml"
SECRET_ENV = "GPC_TENANT_TEST_SECRET"

PHONES = {
    "alex1": {"mobile": "+1 2065550111", "alternateMobile": "+1 2065550112", "office": "+1 2065550113x7"},
    "adele1": {"mobile": "+44 7700900123", "office": "+1 2065550199"},
    "patti1": {"mobile": "+1 2065550177"},
}
"""Phones the test users hold before a run (real users hold phones; the default profile's don't)."""


def base_profile() -> dict[str, Any]:
    """The default emulator profile as a mapping."""
    return tomllib.loads(DEFAULT.read_text(encoding="utf-8"))


def profile_dict(*, base_url: str = "", phones: Mapping[str, Mapping[str, str]] | None = None,
                 **target: Any) -> dict[str, Any]:
    """The default profile with ``[target]`` keys replaced and initial phones added."""
    raw = base_profile()
    raw["target"]["base_url"] = base_url
    raw["target"].update(target)
    for user in raw["users"]:
        if phones and user["key"] in phones:
            user["phones"] = dict(phones[user["key"]])
    return raw


def as_tenant(raw: dict[str, Any]) -> dict[str, Any]:
    """A tenant-kind profile (mint tokens with the secret from the environment, as a tenant must).

    The restore's consistency window is 0 (the emulator replicates only when started with ``--lag-ms``);
    a test of lag sets ``consistency_window_s`` itself.
    """
    raw["target"]["kind"] = "tenant"
    raw["target"].setdefault("consistency_window_s", 0)  # no replication unless a test sets up lag
    secret = raw["auth"].pop("secret")
    os.environ[SECRET_ENV] = secret
    raw["auth"]["secret_env"] = SECRET_ENV
    return raw


def write_profile(path: Path, raw: Mapping[str, Any]) -> Path:
    """Write a profile mapping as TOML."""
    path.write_text(dumps(raw), encoding="utf-8")
    return path


def dumps(raw: Mapping[str, Any]) -> str:
    """A small TOML writer for profile mappings (tables, arrays of tables, inline tables)."""
    lines: list[str] = []
    _table(lines, [], raw)
    return "\n".join(lines) + "\n"


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(type(v))


def _table(lines: list[str], path: list[str], table: Mapping[str, Any]) -> None:
    subtables = []
    for key, value in table.items():
        if isinstance(value, Mapping) or (
                isinstance(value, list) and value and all(isinstance(x, Mapping) for x in value)):
            subtables.append((key, value))
        else:
            lines.append(f"{json.dumps(key)} = {_value(value)}")
    for key, value in subtables:
        name = ".".join([*path, key])
        if isinstance(value, list):
            for entry in value:
                lines.append(f"\n[[{name}]]")
                for k, v in entry.items():
                    lines.append(f"{json.dumps(k)} = {_value(v)}")
        else:
            lines.append(f"\n[{name}]")
            _table(lines, [*path, key], value)


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment for a child run, without the pytest-xdist worker variables.

    A child ``python -m conformance run`` started from inside a pytest-xdist worker would otherwise
    believe it is that worker (``PYTEST_XDIST_WORKER``) and pick that worker's users.
    """
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_XDIST_", "PYTEST_CURRENT_TEST")) and k != "PYTEST_ADDOPTS"}
    env.update(extra or {})
    env["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH", ""), str(ROOT)) if p)
    return env


def cli(*args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``python -m conformance ARGS`` (in an environment free of pytest-xdist's worker variables)."""
    full_env = clean_env(env)
    return subprocess.run([sys.executable, "-m", "conformance", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=timeout, env=full_env)


@contextlib.contextmanager
def emulator_process(profile: Path, *extra: str) -> Iterator[str]:
    """A standalone emulator (``python -m graph_phone_emulator``) on a free port; yields its base URL."""
    log = profile.with_suffix(".emulator.log")
    with log.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "graph_phone_emulator", "--profile", str(profile), "--port", "0",
                                 *extra], cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("http://127.0.0.1:"), f"emulator did not start: {line} {log.read_text()}"
        yield line
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


class Recorder:
    """A loopback HTTP server that records each request; it forwards to ``upstream`` or answers ``status``."""

    def __init__(self, upstream: str | None = None, status: int = 200, headers: Mapping[str, str] | None = None,
                 body: str = '{"value": []}', rewrite: Any = None) -> None:
        """``rewrite(method, path, status)`` may replace a forwarded answer by ``(status, JSON body)`` after the
        upstream has acted on the request (a refused write that was applied all the same, facts §10)."""
        self.upstream = upstream
        self.rewrite = rewrite
        self.status, self.headers, self.body = status, dict(headers or {}), body
        self.seen: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                """Quiet."""

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else None
                with recorder.lock:
                    recorder.seen.append((self.command, self.path))
                if recorder.upstream is None:
                    payload = recorder.body.encode()
                    self.send_response(recorder.status)
                    for k, v in {"Content-Type": "application/json", **recorder.headers}.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                with requests.Session() as s:
                    s.trust_env = False
                    r = s.request(self.command, recorder.upstream + self.path, data=data, headers=hdrs, timeout=30)
                status, content = r.status_code, r.content
                changed = recorder.rewrite(self.command, self.path, status) if recorder.rewrite else None
                if changed is not None:
                    status, content = changed[0], changed[1].encode()
                self.send_response(status)
                for k, v in r.headers.items():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    @property
    def url(self) -> str:
        """The server's root URL (``upstream`` is a root URL too; add ``/v1.0`` for a base URL)."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def writes(self) -> list[tuple[str, str]]:
        """The recorded requests that would change state."""
        return [(m, p) for m, p in self.seen if m in ("POST", "PATCH", "PUT", "DELETE")]

    def __enter__(self) -> Recorder:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


def admin_state(profile_path: Path, keys: tuple[str, ...] = ()) -> dict[str, dict[str, dict[str, Any]]]:
    """Every test user's (or the ``keys``') phone methods (numbers, the mobile's SMS state), read as the admin."""
    from conformance.safety.guarded import GuardedTarget
    from conformance.safety.journal import restorable_state
    from conformance.target.client import RetryPolicy
    from conformance.target.profile import load_profile

    profile = load_profile(profile_path)
    target = GuardedTarget(profile=profile, base_url=profile.base_url, edition=profile.edition, record=False)
    target.client.retry = RetryPolicy()
    target.client.session.trust_env = False
    return {u.key: restorable_state(target.state(u)) for u in profile.test_users() if not keys or u.key in keys}


def wait_for(predicate: Any, timeout: float = 60.0, interval: float = 0.02) -> bool:
    """Poll ``predicate`` until true or ``timeout``."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(interval)
    return False
