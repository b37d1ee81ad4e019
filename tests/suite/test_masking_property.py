"""Property: the one masking function hides every generated number and token, and nothing else (issue 10 item 4)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.core.privacy import clean, redact

sys.path.insert(0, str(Path(__file__).parent))
from leakkit import READABLE, in_context, number_leaks, numbers, token_forms, token_leaks, tokens


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
