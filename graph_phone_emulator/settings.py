"""The one view of the configuration that the request-handling modules need.

:class:`graph_phone_emulator.config.EmulatorConfig` satisfies it; tests may pass any object with the same shape.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from graph_phone_emulator.faults import FaultName


@runtime_checkable
class Settings(Protocol):
    """What body parsing, validation, the permission matrix and the phone rules read from the configuration."""

    @property
    def edition(self) -> str:
        """The API edition the emulator follows (``seed`` or ``current``)."""
        ...

    @property
    def gray(self) -> str:
        """How gray-zone numbers are treated: ``reject`` or ``accept``."""
        ...

    def faulty(self, name: FaultName) -> bool:
        """True when the fault ``name`` is switched on."""
        ...

    def choice(self, key: str) -> str:
        """The value of an open choice (:mod:`graph_phone_emulator.choices`)."""
        ...
