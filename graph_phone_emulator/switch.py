"""Serve one emulator, switch its configuration in place: the reset hook.

A running server (:mod:`graph_phone_emulator.server`) serves a :class:`SwitchableApp`, which hands every request
to the application built for the current configuration. :meth:`SwitchableApp.switch` builds a fresh
application (fresh directory, counters, token verifier, faults) and serves it from the next request
on: as if the emulator had been restarted on the same port, without the restart. Callers switch
between runs, when no request is in flight.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from graph_phone_emulator.config import EmulatorConfig

Scope = dict[str, Any]


class SwitchableApp:
    """An ASGI application that delegates to the current emulator application."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.app: Starlette = _build(config)
        self.config = config

    def switch(self, config: EmulatorConfig) -> None:
        """Serve ``config`` from the next request on, with fresh state."""
        app = _build(config)
        self.app, self.config = app, config

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        """Hand the request to the current application."""
        await self.app(scope, receive, send)


def _build(config: EmulatorConfig) -> Starlette:
    from graph_phone_emulator.app import create_app

    return create_app(config)
