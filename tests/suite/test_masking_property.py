"""Property: the one masking function hides every generated number and token, and nothing else (issue 10 item 4,
issue 18 item 7)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.core.privacy import clean, redact

sys.path.insert(0, str(Path(__file__).parent))
from leakkit import (
    READABLE,
    chunked,
    decoded,
    in_context,
    number_leaks,
    numbers,
    slices_shown,
    token_forms,
    token_leaks,
    tokens,
)


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_no_number_in_any_written_form_survives(data: st.DataObject) -> None:
    number = data.draw(numbers(), label="number")
    text = data.draw(in_context(number), label="text")
    out = clean(text)
    assert not number_leaks(out, number), out
    assert clean(out) == out  # idempotent


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_no_token_or_fragment_survives(data: st.DataObject) -> None:
    token = data.draw(tokens(), label="token")
    text = data.draw(token_forms(token), label="text")
    out = clean(text)
    assert "eyJ" not in out and not [f for f in token_leaks(out, token) if f in text], out


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_a_slice_of_a_known_token_is_masked_wherever_it_starts(data: st.DataObject) -> None:
    token = data.draw(tokens(), label="token")
    start = data.draw(st.integers(0, len(token) - 12), label="start")
    piece = token[start:start + data.draw(st.integers(12, 40), label="length")]
    out = clean(f"echo: '{piece}' rejected", [token])
    assert piece not in out, out


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_json_values_are_masked_and_stay_json(data: st.DataObject) -> None:
    number = data.draw(numbers(), label="number")
    token = data.draw(tokens(), label="token")
    doc = {"input": number.written, "nested": [{"curl": f"-H 'Authorization: Bearer {token}'"}], "n": 15551234567}
    out = redact(doc, numbers=True)
    assert not number_leaks(str(out), number) and token not in str(out)
    assert out["n"] == 15551234567


@pytest.mark.parametrize("text", READABLE)
def test_ids_times_and_counters_stay_readable(text: str) -> None:
    assert clean(text) == text


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_a_known_token_echoed_in_chunks_leaves_no_fragment_of_8(data: st.DataObject) -> None:
    """Issue 18 item 7: a token echoed in 10-character chunks (any joiner), in every channel's text."""
    token = data.draw(tokens(), label="token")
    size = data.draw(st.integers(8, 16), label="size")
    joiner = data.draw(st.sampled_from([" ", "\n", "', '", "|", "\\n", " + "]), label="joiner")
    text = data.draw(st.sampled_from(["echo: {}", "<td>{}</td>", '{{"message": "{}"}}']), label="frame").format(
        chunked(token, size, joiner))
    out = clean(text, [token])
    assert slices_shown(out, token) == [], out


@pytest.mark.parametrize("written", ["tel7315550156", "7315550160_mobile", "tel:+17315550156;ext=1",
                                     "%37%33%31%35%35%35%30%31%35%36", "%2537%2533%2531%2535%2535%2535%2530%2531",
                                     "&#55;&#51;&#49;&#53;&#53;&#53;&#48;&#49;&#53;&#54;",
                                     "&#x37;&#x33;&#x31;&#x35;&#x35;&#x35;&#x30;&#x31;&#x35;&#x36;",
                                     "&#x37;3&#49;5&#x35;5&#48;1&#53;6", "%2B1%207315550156", "&#43;1&nbsp;7315550156"])
def test_the_forms_issue_18_found_are_masked(written: str) -> None:
    out = clean(written)
    assert "731555" not in decoded(out) and "*" in out, out


def test_the_suites_own_numbers_stay_on_a_tenant_and_every_number_on_an_emulator() -> None:
    """Mask what belongs to people: on a tenant the numbers the suite sent first stay (replayable), the
    target's are masked; on an emulator nothing is masked; without a policy everything is."""
    from conformance.core.privacy import GENERATED, NumberPolicy, Secrets

    ours, theirs = "+1 2065550142", "+1 4255550199"
    GENERATED.received(f'{{"phoneNumber": "{theirs}"}}')
    GENERATED.sent(f'{{"phoneNumber": "{ours}"}}')
    GENERATED.sent(f'{{"phoneNumber": "{theirs}"}}')  # re-sent after the target showed it: still theirs
    text = f"PATCH {{'phoneNumber': '{ours}'}} -> 204, then read back {theirs} and tel{theirs[1:].replace(' ', '')}"
    tenant = clean(text, Secrets(numbers=NumberPolicy.for_target("tenant")))
    assert ours in tenant and "4255550199" not in tenant and "+1 ********99" in tenant
    assert clean(text, Secrets(numbers=NumberPolicy.for_target("emulator"))) == text
    assert ours not in clean(text) and "4255550199" not in clean(text)
    GENERATED.clear()
