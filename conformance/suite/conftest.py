"""Fixtures shared by the suite's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.testing import GraphClient, Target


@pytest.fixture
def admin(target: Target) -> str | None:
    """The administrator's token (Privileged Authentication Administrator, ReadWrite.All)."""
    return target.admin_token()


@pytest.fixture
def client(target: Target) -> GraphClient:
    """The target's HTTP client."""
    return target.client


@pytest.fixture(autouse=True)
def _count_requests(target: Target, request: pytest.FixtureRequest) -> Iterator[None]:
    """Record how many HTTP requests a test made, and a curl line for the last request it probed with.

    Set-up and read-back requests (``GraphClient.setup``) are not probes: the curl line reproduces the
    request the verdict is about.
    """
    before = target.client.requests_sent
    target.client.last_probe = None
    target.tape.begin_test()
    target.client.wanted = {}
    yield
    request.node.user_properties.append(("requests", target.client.requests_sent - before))
    probe = target.client.last_probe or (target.client.exchanges[-1] if target.client.exchanges else None)
    if probe is not None:
        request.node.user_properties.append(("curl", probe.curl()))
        replay = probe.replay_record(target.client.base_url)
        replay["setup"] = target.client.probe_wanted if probe is target.client.last_probe else {}
        if replay["setup"]:
            acting_on = [target.profile.users[k] for k in replay["setup"] if k in target.profile.users]
            replay["admin_subject"] = target.admin_subject(acting_on[0] if acting_on else None).key
            replay["users"] = {u.key: u.id for u in acting_on}
        request.node.user_properties.append(("replay", replay))
