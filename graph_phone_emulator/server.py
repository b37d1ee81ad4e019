"""Serving the emulator over loopback HTTP: uvicorn in a daemon thread, started and stopped in-process."""

from __future__ import annotations

import http.client
import os
import socket
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import uvicorn
from starlette.applications import Starlette

from graph_phone_emulator.app import Emulator
from graph_phone_emulator.config import EmulatorConfig, load_config
from graph_phone_emulator.switch import SwitchableApp

HOST = "127.0.0.1"
START_TIMEOUT = 15.0


class RunningEmulator:
    """An emulator serving on loopback. ``base_url`` ends with ``/v1.0``; ``stop()`` shuts it down.

    ``reset()`` switches it to another configuration in place (the reset hook, :mod:`graph_phone_emulator.switch`).
    """

    def __init__(self, switch: SwitchableApp, server: uvicorn.Server, thread: threading.Thread, port: int,
                 profile: str | os.PathLike[str] | None = None) -> None:
        self.port = port
        self.base_url = f"http://{HOST}:{port}/v1.0"
        self.profile = profile
        self._switch = switch
        self._server = server
        self._thread = thread

    @property
    def config(self) -> EmulatorConfig:
        """The configuration being served."""
        return self._switch.config

    @property
    def app(self) -> Starlette:
        """The application serving the current configuration."""
        return self._switch.app

    def reset(self, overrides: Mapping[str, object] | None = None) -> None:
        """Serve the profile it was started with under ``overrides``, with fresh state, from the next request.

        The same as stopping and starting again on the same port, without the restart. Call it between
        runs (no request in flight). Raises ValueError like :func:`start_in_thread`.
        """
        self.reset_config(load_config(self.profile, overrides))

    def reset_config(self, config: EmulatorConfig) -> None:
        """Serve ``config`` with fresh state from the next request (see :meth:`reset`)."""
        self._switch.switch(config)

    @property
    def emulator(self) -> Emulator:
        """The emulator instance behind the app (its directory and counters, for tests)."""
        return self.app.state.emulator

    @property
    def running(self) -> bool:
        """True while the server thread is alive."""
        return self._thread.is_alive()

    def stop(self, *, wait: bool = True, timeout: float = 10.0) -> None:
        """Ask the server to exit and (unless ``wait`` is false) wait for its thread; idempotent."""
        self._server.should_exit = True
        if wait and self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def __enter__(self) -> RunningEmulator:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"RunningEmulator({self.base_url!r}, edition={self.config.edition!r})"


def start_in_thread(profile: str | os.PathLike[str] | None = None, *, port: int = 0,
                    overrides: Mapping[str, object] | None = None) -> RunningEmulator:
    """Start an emulator for ``profile`` (None: the package default) on loopback and wait until it answers.

    ``port`` 0 picks a free port. ``overrides`` may set ``edition``, ``gray``, ``faults``,
    ``throttle_per_second``, ``latency_ms``, ``secret`` and ``choices`` (a mapping of
    :mod:`graph_phone_emulator.choices` keys to values). Raises ValueError for a bad profile, an
    unknown override or an unknown fault name, OSError when the port can't be bound.
    """
    config = load_config(profile, overrides)
    return serve_config(config, port=port, profile=profile)


def serve_config(config: EmulatorConfig, *, port: int = 0,
                 profile: str | os.PathLike[str] | None = None) -> RunningEmulator:
    """Serve an already-loaded configuration (see :func:`start_in_thread`); ``profile`` is what ``reset`` reloads."""
    switch = SwitchableApp(config)
    if profile is None and config.source and Path(config.source).is_file():
        profile = config.source
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only when proto says TCP
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    bound_port = sock.getsockname()[1]
    uv_config = uvicorn.Config(switch, log_level="warning", access_log=False, lifespan="off",
                               server_header=False, timeout_keep_alive=30)
    server = uvicorn.Server(uv_config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name=f"emulator-{bound_port}", daemon=True)
    running = RunningEmulator(switch, server, thread, bound_port, profile)
    thread.start()
    try:
        _wait_until_answering(running, thread)
    except BaseException:
        running.stop()
        sock.close()
        raise
    return running


def _wait_until_answering(running: RunningEmulator, thread: threading.Thread) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError("the emulator's server thread exited during start-up")
        try:
            conn = http.client.HTTPConnection(HOST, running.port, timeout=1.0)
            try:
                conn.request("GET", "/v1.0/")
                conn.getresponse().read()
                return
            finally:
                conn.close()
        except OSError:
            time.sleep(0.005)
    raise RuntimeError(f"the emulator did not answer on port {running.port} within {START_TIMEOUT:.0f} s")
