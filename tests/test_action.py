"""The CI recipes: action.yml, the GitLab template and docs/ci.md's workflow validate against their published
schemas, and the action's steps, run here as a runner would, write a job summary and exit with the suite's code.

Validation uses check-jsonschema's vendored schemas (no network). The local run executes each ``run:`` step
of ``action.yml`` with ``bash --noprofile --norc -eo pipefail`` (the runner's ``shell: bash``), the
``GITHUB_*`` files and variables set, after substituting the few ``${{ }}`` expressions the action uses (an
unknown one fails the test); ``uses:`` steps (setup-python, upload-artifact) are skipped. The install step
installs the package into a venv that sees the system's packages, from a copy of the sources.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from graph_phone_emulator.faults import FAULTS, FaultName
from tests.ci_kit import ROOT, clean_env, copy_sources, make_venv

ACTION = ROOT / "action.yml"
GITLAB = ROOT / "ci" / "gitlab" / "graph-phone-conformance.gitlab-ci.yml"
DOCS = ROOT / "docs" / "ci.md"
RULE = "update-204"
FAULT = FaultName("update-not-stored")
EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")

needs_validator = pytest.mark.skipif(importlib.util.find_spec("check_jsonschema") is None,
                                     reason="check-jsonschema is not installed (pip install '.[dev]')")


def validate(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    """Validate ``path`` against check-jsonschema's vendored ``schema`` (offline)."""
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
                          capture_output=True, text=True, timeout=120)


def docs_blocks() -> list[tuple[str, dict[str, Any]]]:
    """The YAML blocks of docs/ci.md: each one's text (validated as written: YAML 1.1 reads ``on`` as true) and
    its parsed form."""
    text = DOCS.read_text(encoding="utf-8")
    return [(block, yaml.safe_load(block)) for block in re.findall(r"```yaml\n(.*?)```", text, re.S)]


# -- schemas ---------------------------------------------------------------------------------------------------
@needs_validator
@pytest.mark.parametrize(("schema", "path"), [("vendor.github-actions", ACTION), ("vendor.gitlab-ci", GITLAB)],
                         ids=["action.yml", "gitlab-template"])
def test_recipe_validates_against_its_published_schema(schema: str, path: Path) -> None:
    proc = validate(schema, path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@needs_validator
def test_docs_workflow_and_gitlab_include_validate(tmp_path: Path) -> None:
    blocks = docs_blocks()
    workflows = [b for b in blocks if "jobs" in b[1]]
    includes = [b for b in blocks if "include" in b[1]]
    assert len(workflows) == 1 and len(includes) == 1, "docs/ci.md: one GitHub workflow and one GitLab include"
    for schema, (text, _) in (("vendor.github-workflows", workflows[0]), ("vendor.gitlab-ci", includes[0])):
        path = tmp_path / f"{schema}.yml"
        path.write_text(text, encoding="utf-8")
        proc = validate(schema, path)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    steps = workflows[0][1]["jobs"]["graph-phone-conformance"]["steps"]
    action = next(s for s in steps if "graph-phone-conformance@" in s.get("uses", ""))
    assert set(action["with"]) <= set(yaml.safe_load(ACTION.read_text(encoding="utf-8"))["inputs"])
    assert {"target", "expectations"} <= set(action["with"])
    assert any("compare" in s.get("run", "") and "--markdown" in s.get("run", "") for s in steps)
    assert any("gh pr comment" in s.get("run", "") for s in steps)


@needs_validator
@pytest.mark.parametrize("which", ["action", "gitlab"])
def test_the_validation_catches_a_broken_recipe(tmp_path: Path, which: str) -> None:
    """The check can fail: a run step without its shell, an artifact rule GitLab does not know."""
    if which == "action":
        data = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
        next(s for s in data["runs"]["steps"] if "run" in s).pop("shell")
        schema = "vendor.github-actions"
    else:
        data = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))
        data["graph-phone-conformance"]["artifacts"]["when"] = "sometimes"
        schema = "vendor.gitlab-ci"
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert validate(schema, path).returncode == 1


def test_gitlab_template_has_the_actions_steps() -> None:
    job = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))["graph-phone-conformance"]
    script = "\n".join(job["script"])
    assert "pip install" in script and "graph-phone-conformance" in script
    for variable in ("GPC_TARGET", "GPC_EDITION", "GPC_EXPECTATIONS", "GPC_ARGS"):
        assert f'"${variable}"' in script or f"${variable}" in script, variable
    assert 'exit "$code"' in script and "summary.md" in script
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"]["junit"] == "reports/latest/junit.xml"
    assert "reports/latest/" in job["artifacts"]["paths"]


# -- the action's steps, run here ------------------------------------------------------------------------------
class Runner:
    """Runs action.yml's ``run:`` steps as a GitHub runner would, in a workspace of its own."""

    def __init__(self, root: Path, bin_dir: Path, action_path: Path) -> None:
        self.root, self.bin_dir, self.action_path = root, bin_dir, action_path
        self.action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))

    def run(self, name: str, inputs: dict[str, str], *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
        """Run the steps (but ``skip``'s, by step name) with ``inputs``; the outcome of each step and the files."""
        work = self.root / name
        workspace = work / "workspace"
        workspace.mkdir(parents=True)
        files = {key: work / f"{key.lower()}.txt" for key in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV",
                                                               "GITHUB_PATH", "GITHUB_STATE")}
        for path in files.values():
            path.touch()
        values = {f"inputs.{k}": str(v.get("default", "")) for k, v in self.action["inputs"].items()}
        values |= {f"inputs.{k}": v for k, v in inputs.items()}
        values["github.workspace"] = str(workspace)
        outputs: dict[str, str] = {}
        failed = False
        codes: dict[str, int | None] = {}
        for step in self.action["runs"]["steps"]:
            if "uses" in step or step["name"] in skip:
                continue
            condition = step.get("if", "success()")
            if not (condition == "always()" or (condition == "success()" and not failed)):
                raise AssertionError(f"step {step['name']!r}: condition {condition!r} is not modelled here")
            values |= {f"steps.run.outputs.{k}": v for k, v in outputs.items()}
            env = clean_env(self.bin_dir, GITHUB_ACTION_PATH=str(self.action_path), GITHUB_WORKSPACE=str(workspace),
                            RUNNER_TEMP=str(work), GITHUB_ACTIONS="true", CI="true",
                            **{k: str(p) for k, p in files.items()})
            env |= {k: substitute(str(v), values) for k, v in step.get("env", {}).items()}
            script = work / f"step-{len(codes)}.sh"
            script.write_text(substitute(step["run"], values), encoding="utf-8")
            assert step["shell"] == "bash"
            cwd = substitute(step.get("working-directory", "${{ github.workspace }}"), values)
            proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=cwd,
                                  env=env, capture_output=True, text=True, timeout=600)
            codes[step["name"]] = proc.returncode
            failed = failed or proc.returncode != 0
            if step.get("id") == "run":
                outputs = dict(line.split("=", 1) for line in files["GITHUB_OUTPUT"].read_text().splitlines() if line)
            (work / f"step-{len(codes) - 1}.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
        return {"codes": codes, "outputs": outputs, "workspace": workspace,
                "summary": files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8"),
                "logs": "\n".join(p.read_text(encoding="utf-8") for p in sorted(work.glob("step-*.log")))}


def substitute(text: str, values: dict[str, str]) -> str:
    """Replace each ``${{ expr }}`` by its value; an expression this model does not know fails the test."""

    def one(match: re.Match[str]) -> str:
        expr = match.group(1)
        if expr not in values:
            raise AssertionError(f"action.yml uses an expression this test does not model: {expr}")
        return values[expr]

    return EXPRESSION.sub(one, text)


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    """A runner whose install step has run (the package installed, from a copy of the sources, into a venv)."""
    if shutil.which("bash") is None:  # pragma: no cover
        pytest.skip("bash is not installed")
    root = tmp_path_factory.mktemp("action")
    bin_dir = make_venv(root / "venv")
    runner = Runner(root, bin_dir, copy_sources(root / "action-src"))
    install = runner.run("install", {}, skip=tuple(s["name"] for s in runner.action["runs"]["steps"]
                                                    if "install" not in s["name"].lower()))
    assert list(install["codes"].values()) == [0], install["logs"][-3000:]
    script = bin_dir / "graph-phone-conformance"
    assert script.is_file(), "the install step put no graph-phone-conformance console script in the venv"
    return runner


def _after_install(runner: Runner) -> tuple[str, ...]:
    return tuple(s["name"] for s in runner.action["runs"]["steps"] if "install" in s["name"].lower())


@pytest.mark.slow
def test_action_on_the_clean_emulator_writes_the_summary_and_exits_0(runner: Runner) -> None:
    out = runner.run("clean", {"args": f"--quick --rule {RULE}", "edition": "seed"}, skip=_after_install(runner))
    assert out["outputs"]["exit-code"] == "0", out["logs"][-3000:]
    assert list(out["codes"].values())[-1] == 0
    assert RULE in out["summary"] and "PASS" in out["summary"].upper(), out["summary"][:2000]
    assert (out["workspace"] / "reports" / "latest" / "results.json").is_file()
    assert out["outputs"]["results"] == "reports/latest/results.json"


@pytest.mark.slow
def test_action_on_a_seeded_fault_exits_1_after_writing_the_summary(runner: Runner) -> None:
    assert RULE in FAULTS[FAULT].rules
    out = runner.run("fault", {"args": f"--quick --no-shrink --rule {RULE} --emulator-fault {FAULT}"},
                     skip=_after_install(runner))
    codes = list(out["codes"].values())
    assert out["outputs"]["exit-code"] == "1", out["logs"][-3000:]
    assert codes[:-1] == [0, 0] and codes[-1] == 1, out["codes"]
    assert RULE in out["summary"] and "FAIL" in out["summary"].upper(), out["summary"][:2000]


@pytest.mark.slow
def test_action_reports_a_usage_error_in_the_summary(runner: Runner) -> None:
    """A profile that is not there: exit 2, and the job summary says the run ended before its summary."""
    out = runner.run("usage", {"target": "missing.toml"}, skip=_after_install(runner))
    assert out["outputs"]["exit-code"] == "2", out["logs"][-3000:]
    assert list(out["codes"].values())[-1] == 2
    assert "exited 2 before writing" in out["summary"]


@pytest.mark.slow
def test_action_applies_the_expectations_file(runner: Runner) -> None:
    """The same fault, listed as a known failure (expectations/example-emulator.toml): the gate passes."""
    out = runner.run("expected", {"args": f"--quick --no-shrink --rule {RULE} --emulator-fault {FAULT}",
                                  "expectations": str(ROOT / "expectations" / "example-emulator.toml")},
                     skip=_after_install(runner))
    assert out["outputs"]["exit-code"] == "0", out["logs"][-3000:]
    assert list(out["codes"].values())[-1] == 0
    assert "expected" in out["summary"].lower(), out["summary"][:2000]


@pytest.mark.slow
def test_gitlab_template_script_exits_1_on_a_seeded_fault_and_leaves_the_junit_report(runner: Runner) -> None:
    """The template's script (after its pip install, done by the fixture) as GitLab's bash runs it."""
    job = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))["graph-phone-conformance"]
    assert "pip install" in job["script"][0]
    work = runner.root / "gitlab"
    work.mkdir()
    env = clean_env(runner.bin_dir, CI="true", GITLAB_CI="true", **{k: str(v) for k, v in job["variables"].items()})
    env["GPC_ARGS"] = f"--quick --no-shrink --rule {RULE} --emulator-fault {FAULT}"
    script = work / "script.sh"
    script.write_text("\n".join(job["script"][1:]), encoding="utf-8")
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=work, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (work / job["artifacts"]["reports"]["junit"]).is_file()
    summary = (work / "reports" / "latest" / "summary.md").read_text(encoding="utf-8")
    assert summary.strip().splitlines()[0] in proc.stdout  # the summary is shown in the job log
    assert "graph-phone-conformance exited 1" in proc.stdout
