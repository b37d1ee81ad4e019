"""The ledger mirrors a target nobody here wrote, at the granularity it was observed (issue 22).

observe a stand-in target (``tests/suite/standin.py``) -> ledger -> an emulator answering from it ->
diff: no difference; the same diff against a default emulator finds every rewritten answer; what the
emulator cannot mirror is listed (``--observations`` refuses to start, ``diff`` says ``not mirrored``).
Plus the loop for every clean configuration of the portability matrix, and the pieces: the
emulator's gray-zone classes, masks applied by class, fine-grained choices, version-1 ledgers.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.cli.kill_matrix.portability import clean_configurations
from conformance.probes import ledger as ledger_module
from graph_phone_emulator.__main__ import main as emulator_main
from graph_phone_emulator.choices import validate_choices
from graph_phone_emulator.observations import mirror
from graph_phone_emulator.phone_format import GRAY_LABELS, gray_label, mask, mask_pattern
from strategies.phone_numbers import gray_zone_phone_numbers
from strategies.samples import draw_examples
from tests.suite.standin import serve_standin, standin_profile

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory):
    """A served stand-in, its profile and the ledger ``observe`` wrote for it."""
    where = tmp_path_factory.mktemp("standin")
    with serve_standin() as base_url:
        profile = standin_profile(where / "standin.toml", base_url)
        ledger = where / "standin-ledger.toml"
        assert main(["observe", "--target", str(profile), "--out", str(ledger)]) == 0
        yield profile, ledger


def test_the_ledger_holds_the_stand_ins_answers_per_class_case_and_mask(standin, tmp_path: Path) -> None:
    """Per-label gray answers, the 400 content-type refusal, ignored properties, the unfamiliar mask;
    observing again over the file gives the same bytes."""
    profile, ledger = standin
    again = tmp_path / "again.toml"
    shutil.copy(ledger, again)
    assert main(["observe", "--target", str(profile), "--out", str(again)]) == 0
    assert again.read_bytes() == ledger.read_bytes()
    q = tomllib.loads(ledger.read_text(encoding="utf-8"))["questions"]
    assert q["content-type"]["status"] == 400 and q["content-type"]["code"] == "BadRequest"
    assert [q[k]["status"] for k in ("unknown-property", "read-only-property", "unknown-property-update",
                                     "read-only-property-update")] == [201, 201, 204, 204]
    assert (q["masked-number"]["shape"], q["masked-number"]["unmasked"]) == ("+# XXXXXXXX##", "+# ##########")
    gray = {label: q[f"gray-zone.{label}"] for label in GRAY_LABELS}
    assert {label for label, a in gray.items() if a["outcome"] == "accepted"} >= {"parentheses", "dots",
                                                                                 "non_ascii_digits"}
    assert gray["parentheses"]["stored"] == "+1 05555551234"
    assert [gray[k]["code"] for k in ("unassigned_country_code", "uppercase_extension_marker",
                                      "national_number_too_short")] == ["phoneNumberNotSupported"] * 2 + [
        "InvalidPhoneNumber"]
    assert q["read-only-property"]["applied"] is False and q["read-only-property-update"]["applied"] is False
    assert mirror(standin[1]).unmirrored == []


def test_an_emulator_from_the_stand_ins_ledger_answers_like_it(standin, tmp_path: Path) -> None:
    """The issue's done-when: no difference; a default emulator differs wherever the stand-in rewrites."""
    profile, ledger = standin
    code = main(["diff", "--target", str(profile), "--against", f"embedded?observations={ledger}",
                 "--results-dir", str(tmp_path / "same")])
    report = json.loads((tmp_path / "same" / "diff.json").read_text(encoding="utf-8"))
    assert code == 0 and report["differences"] == [], report["differences"][:5]

    scenarios = ["content-type/*", "unknown-property*", "read-only-property*", "masked-number", "gray/*",
                 "duplicate-type/*", "method-absent", "invalid-number/*", "alternate-without-mobile",
                 "personal-account/*", "unknown-user", "auth-admin-on-privileged", "list"]
    assert main(["diff", "--target", str(profile), "--against", "embedded", "--results-dir", str(tmp_path / "o"),
                 *(f"--scenario={s}" for s in scenarios)]) == 1
    seen = {d["scenario"] for d in json.loads((tmp_path / "o" / "diff.json").read_text())["differences"]}
    assert seen >= {"content-type/none", "unknown-property", "read-only-property-update", "masked-number",
                    "gray/parentheses", "gray/uppercase_extension_marker", "duplicate-type/mobile",
                    "method-absent", "invalid-number/letters_in_number", "alternate-without-mobile",
                    "personal-account/list", "unknown-user", "auth-admin-on-privileged", "list"}


def _tampered(ledger: Path, out: Path) -> Path:
    text = ledger.read_text(encoding="utf-8").replace('shape = "+# XXXXXXXX##"', 'shape = "+# X*X*X*X*##"', 1)
    head, sep, rest = text.partition("[questions.create-status]\n")
    out.write_text(head + sep + rest.replace("status = 201", "status = 200", 1), encoding="utf-8")
    return out


def test_what_cannot_be_mirrored_is_listed_and_the_emulator_refuses_to_start(
        standin, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each unmirrored answer on stderr, exit 2; ``--allow-partial`` starts; diff labels them ``not mirrored``."""
    profile, ledger = standin
    bad = _tampered(ledger, tmp_path / "bad.toml")
    assert emulator_main(["--observations", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "not mirrored: masked-number: observed status=200 shape='+# X*X*X*X*##'" in err
    assert "not mirrored: create-status: observed status=200; this emulator always answers 201" in err
    assert "pass --allow-partial" in err and "Traceback" not in err

    proc = subprocess.Popen([sys.executable, "-m", "graph_phone_emulator", "--observations", str(bad),
                             "--allow-partial"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().startswith("http://127.0.0.1:")
    finally:
        proc.terminate()
        proc.wait(10)

    from graph_phone_emulator.config import DEFAULT_PROFILE

    emu = tmp_path / "emu.toml"
    emu.write_text(DEFAULT_PROFILE.read_text(encoding="utf-8").replace(
        "[emulator]\n", '[emulator]\nobservations = "bad.toml"\n', 1), encoding="utf-8")
    assert emulator_main(["--profile", str(emu)]) == 2
    assert "not mirrored: create-status" in capsys.readouterr().err

    code = main(["diff", "--target", str(profile), "--against", f"embedded?observations={bad}",
                 "--scenario", "masked-number", "--scenario", "content-type/*", "--results-dir", str(tmp_path / "r")])
    diffs = json.loads((tmp_path / "r" / "diff.json").read_text(encoding="utf-8"))["differences"]
    assert code == 0 and diffs and all(d["scenario"] == "masked-number" for d in diffs)
    assert all(d["not_mirrored"].startswith("masked-number: observed") and not d["allowed"] for d in diffs)
    assert "not mirrored" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.parametrize("config", clean_configurations(), ids=lambda c: c.name)
def test_every_clean_configuration_is_mirrored(config, tmp_path: Path) -> None:
    """observe the configuration, start an emulator from the ledger (its edition too), diff: nothing."""
    spec = "embedded?" + "&".join([f"edition={config.edition}", *(f"{k}={v}" for k, v in config.choices.items())])
    ledger = tmp_path / "ledger.toml"
    assert main(["observe", "--target", spec, "--out", str(ledger)]) == 0
    assert mirror(ledger).unmirrored == []
    code = main(["diff", "--target", spec, "--against", f"embedded?observations={ledger}",
                 "--results-dir", str(tmp_path)])
    diffs = json.loads((tmp_path / "diff.json").read_text(encoding="utf-8"))["differences"]
    assert code == 0 and diffs == [], diffs[:5]


def test_a_version_1_ledger_is_migrated_and_written_back_as_version_2(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The old file is read (mask reference added), unchanged answers keep their day, new questions get today."""
    old = tmp_path / "v1.toml"
    v1 = (REPO / "tests/suite/data/ledger-v1.toml").read_text(encoding="utf-8")
    old.write_text(v1, encoding="utf-8")
    assert mirror(old).unmirrored == []
    monkeypatch.setattr(ledger_module, "today", lambda: "2027-01-01")
    assert main(["observe", "--out", str(old)]) == 0
    raw = tomllib.loads(old.read_text(encoding="utf-8"))
    q = raw["questions"]
    assert raw["version"] == 2 and q["masked-number"]["observed"] == q["invalid-number"]["observed"] == "2026-11-30"
    assert q["unknown-property-update"]["observed"] == "2027-01-01"


@pytest.mark.parametrize("label", GRAY_LABELS)
def test_the_emulator_tells_every_gray_class_apart(label: str) -> None:
    """Every value the strategies draw for a gray label is of that class for the emulator too."""
    values = [e.value for e in draw_examples(gray_zone_phone_numbers(labels=[label]), 60, seed=3)]
    assert [v for v in values if gray_label(v) != label] == []


@pytest.mark.parametrize(("pattern", "number", "shown"), [
    ("+# XXXXXXXX##", "+44 2079460958x12", "+44 XXXXXXXX58"),
    ("+# XXXXXXXX##", "+1 5555551234", "+1 XXXXXXXX34"),
    ("##XXXX##", "+358 401234567", "40XXXXX67"),
    ("+* ******##", "+353 861234567", "+*** *******67"),
    ("full", "+1 5555551234x9", "+1 5555551234"),
])
def test_an_observed_mask_is_applied_to_other_numbers_by_class(pattern: str, number: str, shown: str) -> None:
    """Country code kept or hidden per digit, kept head and tail, one hiding character per hidden digit."""
    assert mask(number, pattern) == shown


@pytest.mark.parametrize("pattern", ["+#-XXXXXXXX##", "+# X*X##", "", "+ XX##"])
def test_a_mask_the_emulator_cannot_apply_is_refused(pattern: str) -> None:
    """Not '[+CC ]' then kept digits, one hiding character, kept digits: no pattern, a choice error."""
    assert mask_pattern(pattern) is None
    with pytest.raises(ValueError, match="mask is not a mask this emulator can apply"):
        validate_choices({"mask": pattern})


@pytest.mark.parametrize(("chosen", "expected"), [
    ({"gray.dashes": "maybe"}, "gray.dashes must be one of reject, accept, as-sent"),
    ({"gray.plaid": "accept"}, "unknown choice(s) gray.plaid"),
    ({"refusal.content_type": "200 Fine"}, "refusal.content_type must be 'STATUS' or 'STATUS CODE'"),
    ({"refusal.content_type": "400 Bad Request"}, "refusal.content_type must be"),
    ({"property.unknown_property_create": "apply"}, "must be reject or ignore"),
])
def test_fine_grained_choices_are_checked(chosen: dict[str, str], expected: str) -> None:
    """A bad fine-grained key or value is one clear ValueError."""
    with pytest.raises(ValueError, match=None) as info:
        validate_choices(chosen)
    assert expected in str(info.value)


def test_fine_grained_defaults_follow_the_coarse_choices() -> None:
    """``gray.<class>`` follows ``gray``; an explicit class wins; refusals and the mask default to the switches."""
    values = validate_choices({"gray": "accept", "gray.dashes": "reject", "refusal.duplicate": "400 Dup"})
    assert (values["gray.dots"], values["gray.dashes"], values["refusal.duplicate"]) == ("accept", "reject", "400 Dup")
    assert (values["refusal.content_type"], values["mask"], values["property.read_only_property_update"]) == (
        "", "", "reject")


def test_the_shipped_ledger_is_current() -> None:
    """``observations/embedded-emulator.toml`` is a version-2 ledger of the default emulator, fully mirrored."""
    path = REPO / "observations/embedded-emulator.toml"
    assert tomllib.loads(path.read_text(encoding="utf-8"))["version"] == 2
    assert mirror(path).unmirrored == []


def _ledger_with(tmp_path: Path, tables: str) -> Path:
    path = tmp_path / "l.toml"
    path.write_text('version = 2\n[target]\nname = "x"\nkind = "tenant"\nedition = "seed"\n' + tables,
                    encoding="utf-8")
    return path


def test_a_gray_class_stored_as_sent_is_mirrored_and_any_other_storage_is_listed(tmp_path: Path) -> None:
    """Stored as sent -> ``gray.<class> = as-sent`` (the emulator stores it so); stored otherwise -> unmirrored."""
    from graph_phone_emulator.config import load_config
    from graph_phone_emulator.validation import parse_phone_body

    table = '[questions."gray-zone.dashes"]\ninput = "+1 5-555551234"\noutcome = "accepted"\nstatus = 204\n'
    observed = mirror(_ledger_with(tmp_path, table + 'stored = "+1 5-555551234"\n'))
    assert observed.choices["gray.dashes"] == "as-sent" and observed.unmirrored == []
    config = load_config(None, {"choices": observed.choices})
    assert parse_phone_body({"phoneNumber": "+1 5-555551234"}, creating=False, settings=config).number == (
        "+1 5-555551234")
    other = mirror(_ledger_with(tmp_path, table + 'stored = "+1 555-555-1234"\n'))
    assert [u.question for u in other.unmirrored] == ["gray-zone.dashes"]


def test_a_refusal_case_gets_the_observed_status_and_code_and_a_gray_class_falls_back() -> None:
    """``refusal.<case>`` over the coarse status choice; a gray class without its own uses invalid_number's."""
    from graph_phone_emulator.errors import GraphError
    from graph_phone_emulator.validation import InvalidNumber

    choices = validate_choices({"content_type_status": "400", "refusal.content_type": "400 BadRequest",
                                "refusal.invalid_number": "422 InvalidPhoneNumber"})
    rendered = GraphError(415, "unsupportedMediaType", "m", kind="content_type").rendered(choices)
    assert (rendered.status, rendered.code) == (400, "BadRequest")
    gray = InvalidNumber("m", "+1 5", None, case="gray.national_number_too_short").rendered(choices)
    assert (gray.status, gray.code) == (422, "InvalidPhoneNumber")
    other = GraphError(409, "conflict", "m", kind="duplicate").rendered(choices)
    assert (other.status, other.code) == (409, "conflict")


def test_answers_split_between_probes_are_not_mirrored(tmp_path: Path) -> None:
    """Two content-type probes answered differently: the emulator gives one answer, so it says so."""
    observed = mirror(_ledger_with(tmp_path, '[questions.content-type]\nstatus = 400\ncode = "BadRequest"\n'
                                             'probes = 2\nagreed = 1\n'))
    assert [u.line() for u in observed.unmirrored] == [
        "content-type: observed status=400 code='BadRequest'; only 1 of 2 probes gave this answer; "
        "this emulator gives one answer to all of them"]


def test_a_read_only_property_the_target_applied_is_not_mirrored(tmp_path: Path) -> None:
    """Accepted and applied: the emulator can refuse or ignore, not apply, so it lists the answer."""
    observed = mirror(_ledger_with(tmp_path, '[questions.read-only-property]\nstatus = 201\napplied = true\n'))
    assert [u.question for u in observed.unmirrored] == ["read-only-property"]
    ignored = mirror(_ledger_with(tmp_path, '[questions.read-only-property]\nstatus = 201\napplied = false\n'))
    assert ignored.choices["property.read_only_property_create"] == "ignore" and not ignored.unmirrored
