"""The reset hook: a running emulator switched to another configuration behaves like a fresh start."""

from __future__ import annotations

from typing import Any

import pytest
from emukit import PROFILE
from test_faults import PROBES

from graph_phone_emulator.faults import FaultName
from graph_phone_emulator.server import start_in_thread


@pytest.fixture(scope="module")
def switched() -> Any:
    """One emulator for the module, switched in place by each test."""
    from conftest import Api

    running = start_in_thread(PROFILE)
    yield Api(running)
    running.stop(wait=False)


@pytest.mark.parametrize("name", sorted(FaultName))
def test_a_switched_emulator_answers_like_a_fresh_one(fresh_start: Any, switched: Any, mint_token: Any,
                                                      name: FaultName) -> None:
    """For every fault: the probe sees the same on a reset emulator as on one started with the fault."""
    overrides, probe = PROBES[name]

    def seen(api: Any) -> str:  # what the probe saw, the emulator's own port left out
        return repr(probe(api, mint_token)).replace(f":{api.running.port}/", ":PORT/")

    fresh = seen(fresh_start(**overrides, faults=[name]))
    switched.running.reset({**overrides, "faults": [name]})
    assert switched.running.config.faults == {name}
    assert seen(switched) == fresh
    switched.running.reset(overrides)
    assert seen(switched) == seen(fresh_start(**overrides))


def test_reset_brings_back_the_profile_state(switched: Any) -> None:
    """What a run wrote is gone after a reset; the port stays the same."""
    switched.running.reset()
    port = switched.running.port
    assert switched.create("alex", {"phoneNumber": "+1 4255550123", "phoneType": "office"}).status_code == 201
    assert sorted(switched.phones("alex")) == ["mobile", "office"]
    switched.running.reset()
    assert switched.running.port == port
    assert sorted(switched.phones("alex")) == ["mobile"]
    assert switched.list("alex").status_code == 200


def test_reset_rejects_an_unknown_fault_and_keeps_serving(switched: Any) -> None:
    """A bad override raises ValueError; the emulator serves its previous configuration."""
    switched.running.reset()
    with pytest.raises(ValueError, match="no-such-fault"):
        switched.running.reset({"faults": ["no-such-fault"]})
    assert switched.list("carol").status_code == 200
