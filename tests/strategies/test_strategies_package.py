"""The package stands on its own, exports its public API, and reports samples deterministically."""

from __future__ import annotations

import inspect
import pathlib
import subprocess
import sys

import pytest

import strategies
from strategies import GRAY_LABELS, INVALID_LABELS, sample_report

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_importable_on_its_own() -> None:
    code = (
        "import sys, strategies\n"
        "strategies.valid_phone_numbers()\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('conformance', 'graph_phone_emulator', 'tests'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


def test_public_api_is_exported_and_documented() -> None:
    for name in strategies.__all__:
        obj = getattr(strategies, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert inspect.getdoc(obj), f"{name} has no docstring"
    strategy_names = [n for n in strategies.__all__ if inspect.isfunction(getattr(strategies, n))]
    for name in strategy_names:
        parameters = inspect.signature(getattr(strategies, name)).parameters.values()
        if name in ("spec_verdict", "invalid_reason", "is_spec_valid"):
            continue
        if name == "sample_report":
            continue
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters), name


def test_sample_report_is_deterministic_and_complete() -> None:
    report = sample_report(5, seed=1, draws=120)
    assert report == sample_report(5, seed=1, draws=120)
    assert report != sample_report(5, seed=2, draws=120)
    for title in (
        "valid_phone_numbers()",
        "invalid_phone_numbers()",
        "gray_zone_phone_numbers()",
        "unknown_phone_types()",
        "permission_contexts()",
    ):
        assert f"== {title}" in report
    for label in (*INVALID_LABELS, *GRAY_LABELS):
        assert f"  {label} " in report
    valid_section = report.split("== valid_phone_numbers()")[1].split("==")[0]
    assert len([line for line in valid_section.splitlines() if line.startswith("  +")]) == 5


@pytest.mark.parametrize(
    "kwargs", [{"count": 0}, {"count": -1}, {"count": True}, {"count": 2.5}, {"count": "20"}, {"draws": 0}]
)
def test_sample_report_rejects_bad_arguments(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        sample_report(**kwargs)  # type: ignore[arg-type]


def test_python_dash_m_strategies_is_deterministic() -> None:
    command = [sys.executable, "-m", "strategies", "--count", "3", "--seed", "7", "--draws", "50"]
    runs = [
        subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True, timeout=120).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    assert runs[0].startswith("Strategy samples: count=3, seed=7")
    assert "== permission_contexts()" in runs[0]
