"""observe -> ledger -> an emulator that answers from it -> diff: end to end, plus every command's bad input."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.probes import ledger as ledger_module
from conformance.probes.questions import QUESTIONS, check_catalog, diff_scenarios, observe_scenarios
from graph_phone_emulator import observations as emulator_observations
from graph_phone_emulator.__main__ import main as emulator_main
from strategies.phone_numbers import GRAY_LABELS

ODD = "embedded?bad_body_status=422&gray=accept&masked_format=x-all"
"""An embedded emulator with non-default open choices."""


@pytest.fixture(scope="module")
def odd_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ledger observed from :data:`ODD`."""
    out = tmp_path_factory.mktemp("ledger") / "odd.toml"
    assert main(["observe", "--target", ODD, "--out", str(out)]) == 0
    return out


def test_the_ledger_records_the_non_default_answers(odd_ledger: Path) -> None:
    """422 for bad numbers, gray numbers stored in the spec's form, the other mask shape; nothing else."""
    raw = tomllib.loads(odd_ledger.read_text(encoding="utf-8"))
    assert raw["version"] == 2 and raw["target"] == {"name": "embedded-emulator", "kind": "emulator",
                                                        "edition": "seed"}
    q = raw["questions"]
    assert list(q) == list(QUESTIONS)
    assert (q["invalid-number"]["status"], q["invalid-number"]["agreed"], q["invalid-number"]["probes"]) == (422, 3, 3)
    assert (q["masked-number"]["shape"], q["masked-number"]["unmasked"]) == ("+X XXXXXXXX##", "+# ##########")
    dashes = q["gray-zone.dashes"]
    assert (dashes["outcome"], dashes["stored"], dashes["input"]) == ("accepted", "+1 5555551234", "+1 5-555551234")
    assert q["duplicate-type"]["status"] == 409 and q["odata-type"]["present"] is False


def test_a_default_emulator_configured_from_the_ledger_answers_like_the_original(odd_ledger: Path,
                                                                                  tmp_path: Path) -> None:
    """The issue's done-when: an empty diff; and the same diff against a plain default emulator is not empty."""
    code = main(["diff", "--target", ODD, "--against", f"embedded?observations={odd_ledger}",
                 "--results-dir", str(tmp_path / "same")])
    report = json.loads((tmp_path / "same" / "diff.json").read_text())
    assert code == 0 and report["differences"] == [], report["differences"][:5]
    assert report["requests"]["a"] == report["requests"]["b"] > 100
    assert "No difference." in (tmp_path / "same" / "diff.md").read_text()

    assert main(["diff", "--target", ODD, "--against", "embedded", "--results-dir", str(tmp_path / "other")]) == 1
    fields = {(d["scenario"], d["field"]) for d in json.loads((tmp_path / "other" / "diff.json").read_text())
              ["differences"]}
    assert ("invalid-number/letters_in_number", "status") in fields
    assert ("gray/dashes", "state.mobile.phoneNumber") in fields
    assert ("masked-number", "shape.value[0].phoneNumber") in fields


def test_an_allow_list_turns_known_differences_into_exit_0(tmp_path: Path) -> None:
    """Differences covered by the allow-list are reported but do not fail the diff."""
    allow = tmp_path / "allow.toml"
    allow.write_text('version = 1\n[[allow]]\nscenario = "*"\nfield = "status"\nreason = "known"\n'
                     '[[allow]]\nscenario = "*"\nfield = "shape*"\nreason = "known"\n', encoding="utf-8")
    args = ["diff", "--target", "embedded?content_type_status=400", "--against", "embedded",
            "--scenario", "content-type/*", "--results-dir", str(tmp_path / "r")]
    assert main(args) == 1
    assert main([*args, "--allow", str(allow)]) == 0
    diffs = json.loads((tmp_path / "r" / "diff.json").read_text())["differences"]
    assert diffs and all(d["allowed"] == "known" for d in diffs)


def test_observing_an_unchanged_target_twice_gives_the_same_file(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The day of an unchanged answer is kept; a changed answer gets the new day."""
    out = tmp_path / "emu.toml"
    monkeypatch.setattr(ledger_module, "today", lambda: "2026-01-01")
    assert main(["observe", "--out", str(out)]) == 0
    first = out.read_text(encoding="utf-8")
    monkeypatch.setattr(ledger_module, "today", lambda: "2026-02-02")
    assert main(["observe", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == first
    assert main(["observe", "--target", "embedded?duplicate_status=400", "--out", str(out)]) == 0
    q = tomllib.loads(out.read_text(encoding="utf-8"))["questions"]
    assert (q["duplicate-type"]["status"], q["duplicate-type"]["observed"]) == (400, "2026-02-02")
    assert q["invalid-number"]["observed"] == "2026-01-01"


def test_observe_one_question_keeps_the_other_entries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--question`` re-observes one entry; the request count is printed and stays smoke-sized."""
    out = tmp_path / "emu.toml"
    assert main(["observe", "--out", str(out)]) == 0
    requests = int(capsys.readouterr().out.rsplit(" requests", 1)[0].rsplit(" ", 1)[1])
    assert requests <= 150
    before = tomllib.loads(out.read_text(encoding="utf-8"))["questions"]
    assert main(["observe", "--out", str(out), "--question", "masked-number"]) == 0
    assert tomllib.loads(out.read_text(encoding="utf-8"))["questions"] == before


def test_the_suite_passes_against_an_emulator_answering_from_a_ledger(odd_ledger: Path, tmp_path: Path) -> None:
    """The rules the ledger's choices touch pass against a ledger-configured emulator."""
    code = main(["run", "--quick", "--emulator-observations", str(odd_ledger), "--results-dir", str(tmp_path),
                 "--rule", "number-invalid-rejected", "--rule", "gray-zone-consistent",
                 "--rule", "perm-masked-numbers-auth-admin", "--rule", "one-per-type"])
    data = json.loads((tmp_path / "results.json").read_text())
    assert code == 0, {r: v["verdict"] for r, v in data["rules"].items() if v["verdict"] != "not-run"}
    assert data["target"]["emulator_observations"] == str(odd_ledger)


def test_the_emulator_knows_every_question_of_the_suite() -> None:
    """The emulator reads ledgers on its own: its question list is the suite's catalog."""
    check_catalog()
    assert tuple(QUESTIONS) == emulator_observations.QUESTIONS == tuple(emulator_observations.MAPPING)
    assert tuple(GRAY_LABELS) == emulator_observations.GRAY_LABELS
    ids = [s.id for s in diff_scenarios()]
    assert len(ids) == len(set(ids)) and [s.id for s in observe_scenarios()] == ids[:len(observe_scenarios())]


# -- bad input: one line on stderr, exit 2 ---------------------------------------------------------


def _ledger(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def bad_ledgers(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """A missing file, a ledger of another version, one naming an unknown question: path and expected text."""
    head = '[target]\nname = "x"\nkind = "emulator"\nedition = "seed"\n'
    return {
        "missing": (tmp_path / "nope.toml", "no such file"),
        "version": (_ledger(tmp_path / "v9.toml", "version = 9\n" + head), "version 9 is not supported"),
        "question": (_ledger(tmp_path / "q.toml", "version = 2\n" + head + '[questions.nope]\nstatus = 400\n'),
                     "unknown question 'nope'"),
    }


def _one_line_error(capsys: pytest.CaptureFixture[str], expected: str) -> None:
    err = capsys.readouterr().err.strip()
    assert expected in err and "\n" not in err and "Traceback" not in err, err


@pytest.mark.parametrize("case", ["missing", "version", "question"])
def test_the_emulator_refuses_a_bad_ledger(bad_ledgers, case: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m graph_phone_emulator --observations``: one line, exit 2."""
    path, expected = bad_ledgers[case]
    assert emulator_main(["--observations", str(path)]) == 2
    _one_line_error(capsys, expected)


@pytest.mark.parametrize("case", ["missing", "version", "question"])
def test_run_and_diff_refuse_a_bad_ledger(bad_ledgers, case: str, capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    """``run --emulator-observations`` and a diff target's ``observations``: one line, exit 2."""
    path, expected = bad_ledgers[case]
    assert main(["run", "--emulator-observations", str(path), "--results-dir", str(tmp_path)]) == 2
    _one_line_error(capsys, expected)
    assert main(["diff", "--against", f"embedded?observations={path}", "--results-dir", str(tmp_path)]) == 2
    _one_line_error(capsys, expected)


@pytest.mark.parametrize("case", ["version", "question"])
def test_observe_refuses_to_replace_a_bad_ledger(bad_ledgers, case: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``observe --out`` over a file that is not a readable ledger: one line, exit 2, file untouched."""
    path, expected = bad_ledgers[case]
    before = path.read_text(encoding="utf-8")
    assert main(["observe", "--out", str(path)]) == 2
    _one_line_error(capsys, expected)
    assert path.read_text(encoding="utf-8") == before


@pytest.mark.parametrize(("args", "expected"), [
    (["observe", "--question", "nope"], "unknown question(s) nope"),
    (["observe", "--target", "missing.toml"], "no such file"),
    (["observe", "--target", "embedded?edition=future"], "edition must be one of"),
    (["observe", "--target", "embedded?bad_body_status=418"], "bad_body_status must be one of"),
    (["diff", "--target", "embedded"], "diff needs --against"),
    (["diff", "--against", "missing.toml"], "no such file"),
    (["diff", "--against", "embedded", "--scenario", "nope*"], "matches no scenario"),
])
def test_observe_and_diff_bad_usage(args: list[str], expected: str, capsys: pytest.CaptureFixture[str],
                                    tmp_path: Path) -> None:
    """Unknown question, missing profile, bad spec: one line, exit 2."""
    assert main([*args, *(["--out", str(tmp_path / "o.toml")] if args[0] == "observe" else
                          ["--results-dir", str(tmp_path)])]) == 2
    _one_line_error(capsys, expected)


@pytest.mark.parametrize(("text", "expected"), [
    (None, "no such file"),
    ('version = 3\n', "version 3 is not supported"),
    ('version = 1\n[[allow]]\nscenario = "nope"\nreason = "r"\n', "matches no scenario"),
    ('version = 1\n[[allow]]\nscenario = "*"\nfield = "colour"\nreason = "r"\n', "unknown field 'colour'"),
    ('version = 1\n[[allow]]\nscenario = "*"\n', "needs scenario and reason"),
])
def test_diff_refuses_a_bad_allow_list(text: str | None, expected: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """``diff --allow``: one line, exit 2, before anything is sent."""
    allow = tmp_path / "allow.toml"
    if text is not None:
        allow.write_text(text, encoding="utf-8")
    assert main(["diff", "--against", "embedded", "--allow", str(allow), "--results-dir", str(tmp_path)]) == 2
    _one_line_error(capsys, expected)


def test_the_profile_key_and_explicit_choices(odd_ledger: Path, tmp_path: Path) -> None:
    """``[emulator] observations`` (relative to the profile) sets the choices; an explicit choice wins."""
    from graph_phone_emulator.config import DEFAULT_PROFILE, load_config

    text = DEFAULT_PROFILE.read_text(encoding="utf-8").replace("[emulator]\n", "[emulator]\nobservations = "
                                                                  f'"{odd_ledger.name}"\n', 1)
    profile = odd_ledger.parent / "emu-profile.toml"
    profile.write_text(text, encoding="utf-8")
    config = load_config(profile)
    assert (config.choice("bad_body_status"), config.gray, config.choice("masked_format")) == ("422", "accept", "x-all")
    config = load_config(profile, {"choices": {"bad_body_status": "400"}})
    assert config.choice("bad_body_status") == "400"


def test_observe_refuses_a_readonly_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The probes write: a readonly profile is refused before anything starts (one line, exit 2)."""
    from conformance.target.profile import DEFAULT_PROFILE

    profile = tmp_path / "ro.toml"
    profile.write_text(DEFAULT_PROFILE.read_text(encoding="utf-8").replace('mode = "full"', 'mode = "readonly"', 1),
                       encoding="utf-8")
    assert main(["observe", "--target", str(profile), "--out", str(tmp_path / "o.toml")]) == 2
    _one_line_error(capsys, "mode is readonly")
    assert not (tmp_path / "o.toml").exists()
