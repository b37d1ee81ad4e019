"""Masking helpers: tokens never reach a report; tenant phone numbers keep only country code and last two."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jwt
import pytest

from conformance.core.privacy import mask_number, mask_numbers_in_text, redact_document, redact_tree, scrub
from conformance.pytest_plugin.collector import write_results

sys.path.insert(0, str(Path(__file__).parent))  # pytest 9 may import this directory as a namespace package
from reports_synthetic import gray, make_results

TOKEN = jwt.encode({"aud": "https://graph.microsoft.com", "oid": "x"}, "k" * 32, algorithm="HS256")


@pytest.mark.parametrize(("number", "masked"), [
    ("+1 2065550123", "+1 ********23"),
    ("+44 2079460958", "+44 ********58"),
    ("+1 5555551234x123", "+1 **********x*23"),
    ("+15555551234", "+1********34"),
    ("+4420794609", "+44******09"),
    (" +1 5555551234 ", " +1 ********34 "),
    ("5555551234", "********34"),
    ("+1", "+1"),
    (None, None),
    (15555551234, 15555551234),
])
def test_mask_number(number: object, masked: object) -> None:
    assert mask_number(number) == masked


def test_mask_number_is_idempotent() -> None:
    assert mask_numbers_in_text(mask_numbers_in_text("PATCH {'phoneNumber': '+1 2065550123'}")) == (
        "PATCH {'phoneNumber': '+1 ********23'}")


def test_timestamps_and_counts_are_not_numbers() -> None:
    text = "started 2025-01-01T10:00:00+00:00, 12 requests, +5 more"
    assert mask_numbers_in_text(text) == text


def test_scrub_masks_known_secrets_jwts_and_bearer_credentials() -> None:
    text = f"Authorization: Bearer {TOKEN}\nraw {TOKEN}\nstatic opaque-static-token-123\nBearer abcdefgh12345"
    out = scrub(text, ["opaque-static-token-123"])
    assert TOKEN not in out and "opaque-static-token-123" not in out and "abcdefgh12345" not in out
    assert out.count("MASKED") == 4
    kept = "Bearer MASKED and Bearer $TOKEN and WWW-Authenticate: Bearer authorization_uri=\"https://x\""
    assert scrub(kept) == kept


def test_results_mask_a_tenants_numbers_and_show_an_emulators() -> None:
    """Mask what belongs to people: a tenant's numbers are masked, an emulator's are nobody's and stay."""
    tenant = make_results({"update-204": "failed"}, kind="tenant", name="contoso",
                          observations=[gray("no_space", "+12065550123", 204, "+1 2065550123")])
    out = redact_document(tenant)
    blob = json.dumps(out)
    assert "5555551234" not in blob and "2065550123" not in blob
    assert out["observations"][0]["stored"] == "+1 ********23"
    assert "+1 ********34" in out["rules"]["update-204"]["counterexample"]
    emulator = make_results({"update-204": "failed"})
    shown = json.dumps(redact_document(emulator))
    assert "5555551234" in shown and "********34" not in shown


def test_write_results_masks_tenant_numbers_in_every_file(tmp_path: Path) -> None:
    data = make_results({"update-204": "failed"}, kind="tenant", name="contoso",
                        observations=[gray("no_space", "+12065550123", 204, "+1 2065550123")])
    data["rules"]["update-204"]["counterexample"] += f" Bearer {TOKEN}"
    write_results(tmp_path, data)
    for path in tmp_path.iterdir():
        text = path.read_text()
        assert "5555551234" not in text and "2065550123" not in text, path.name
        assert TOKEN not in text, path.name


def test_redact_tree_rewrites_json_and_text_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x-result.json").write_text(json.dumps({"trace": f"Bearer {TOKEN} +1 2065550123"}))
    (tmp_path / "junit.xml").write_text(f"<failure>{TOKEN}</failure>")
    (tmp_path / "image.png").write_bytes(b"\x89PNG" + TOKEN.encode())
    changed = redact_tree(tmp_path, numbers=True)
    assert sorted(p.name for p in changed) == ["junit.xml", "x-result.json"]
    result = json.loads((tmp_path / "a" / "x-result.json").read_text())
    assert result == {"trace": "Bearer MASKED +1 ********23"}
    assert (tmp_path / "junit.xml").read_text() == "<failure>MASKED</failure>"


def test_a_masking_pass_prepares_the_known_secrets_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The slice set of the known tokens is built once per file tree, not once per string value.

    Building it per value made masking a report tree quadratic (minutes for one suite run's Allure results).
    """
    from conformance.core import privacy

    built: list[int] = []
    real_init = privacy.Secrets.__init__

    def counting_init(self: privacy.Secrets, secrets=()) -> None:  # type: ignore[no-untyped-def]
        built.append(1)
        real_init(self, secrets)

    monkeypatch.setattr(privacy.Secrets, "__init__", counting_init)
    tokens = [jwt.encode({"oid": str(i)}, "k" * 32, algorithm="HS256") for i in range(20)]
    doc = {"steps": [{"name": f"step {i}", "body": f"Bearer {tokens[i % 20]} +1 206555{i:04d}"} for i in range(300)]}
    (tmp_path / "result.json").write_text(json.dumps(doc), encoding="utf-8")
    (tmp_path / "junit.xml").write_text(f"<x>{tokens[3]} {tokens[4][5:40]}</x>", encoding="utf-8")
    redact_tree(tmp_path, tokens, numbers=True)
    assert len(built) == 1
    text = (tmp_path / "result.json").read_text() + (tmp_path / "junit.xml").read_text()
    assert not any(t[i:i + 12] in text for t in tokens for i in range(len(t) - 11))
    assert "+1 206555" not in text


BENGALI = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")


@pytest.mark.parametrize("written", [
    json.dumps({"phoneNumber": "+44 2079460958".translate(BENGALI)}),           # JSON escapes non-ASCII digits
    json.dumps(json.dumps({"phoneNumber": "+44 2079460958".translate(BENGALI)})),  # and again, doubled
    json.dumps("+44 " + "".join(chr(0x1D7CE + int(c)) for c in "2079460958")),  # astral digits: surrogate pairs
    json.dumps("0044/2079/460958".translate(BENGALI)),
])
def test_a_number_whose_digits_are_written_as_escapes_is_masked(written: str) -> None:
    """A number JSON wrote with ``\\uXXXX`` escapes is a number: at most two of its digits stay visible."""
    masked = mask_numbers_in_text(written)
    decoded = json.loads(masked)
    while isinstance(decoded, str) and decoded.startswith("{"):
        decoded = json.loads(decoded)
    text = json.dumps(decoded, ensure_ascii=False)
    assert sum(c.isdecimal() for c in text) <= 4, masked  # country code and the last two at most
    assert "*" in masked


def test_escapes_that_are_not_digits_are_left_alone() -> None:
    """Separators and letters written as escapes, GUIDs and dates stay as they are."""
    text = json.dumps("id 550e8400-e29b-41d4-a716-446655440000 on 2025-01-01 \u00a0 é")
    assert mask_numbers_in_text(text) == text


@pytest.mark.parametrize("text", [
    r"test_leak[\n+33-(2)817/8/363\n-MASKED]",  # pytest writes a newline in a test id as \n
    r"value\t+44 2079460958",
    r"x\u00a0+44 2079460958",
    r"id\t2079460958",
])
def test_a_number_after_a_backslash_escape_is_not_glued_to_the_letter_of_the_escape(text: str) -> None:
    """``\\n+33…``: the ``n`` belongs to the escape, not to a word the number would be part of."""
    masked = mask_numbers_in_text(text)
    assert sum(c.isdigit() for c in masked.replace(r"\u00a0", "")) <= 4, masked


def test_a_tenant_document_keeps_the_suites_own_numbers_and_masks_the_rest() -> None:
    """The numbers the transport recorded as sent first by the suite stay in a tenant's results (replayable)."""
    from conformance.core.privacy import GENERATED

    GENERATED.clear()
    try:
        GENERATED.sent(json.dumps({"phoneNumber": "+1 5555551234"}))
        tenant = make_results({"update-204": "failed"}, kind="tenant", name="contoso",
                              observations=[gray("no_space", "+12065550123", 204, "+1 2065550123")])
        out = json.dumps(redact_document(tenant))
        assert "+1 5555551234" in out and "2065550123" not in out
    finally:
        GENERATED.clear()
