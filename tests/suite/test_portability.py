"""The portability matrix: the clean configurations cover every switch value, and interacting pairs."""

from __future__ import annotations

from itertools import combinations, product

from conformance.cli.kill_matrix.matrix import Outcome, build_report, render_markdown
from conformance.cli.kill_matrix.portability import (
    EDITION,
    INTERACTING,
    choice_table,
    clean_configurations,
    pair_coverage,
    pairwise_rows,
)


def _rows():
    table = choice_table()
    return table, [{EDITION: c.edition, **{k: c.choices.get(k, v[0]) for k, v in table.items() if k != EDITION}}
                   for c in clean_configurations()]


def test_first_configuration_is_the_defaults_and_the_set_is_small_and_stable() -> None:
    configs = clean_configurations()
    assert configs[0].edition == "seed" and not configs[0].choices and configs[0].args() == []
    assert 4 <= len(configs) <= 8
    assert [c.args() for c in configs] == [c.args() for c in clean_configurations()], "not deterministic"


def test_every_value_of_every_switch_is_run() -> None:
    table, rows = _rows()
    for key, values in table.items():
        assert {r[key] for r in rows} == set(values), f"{key}: not every value is run"


def test_every_pair_of_the_interacting_switches_is_run() -> None:
    table, rows = _rows()
    for a, b in combinations(INTERACTING, 2):
        for va, vb in product(table[a], table[b]):
            assert any(r[a] == va and r[b] == vb for r in rows), f"{a}={va} with {b}={vb} is never run"
    covered, total = pair_coverage(rows, table)
    assert covered / total > 0.85


def test_pairwise_rows_cover_every_pair() -> None:
    factors = [("a", ("1", "2", "3")), ("b", ("x", "y")), ("c", ("p", "q")), ("d", ("m", "n"))]
    rows = pairwise_rows(factors)
    assert rows[0] == {"a": "1", "b": "x", "c": "p", "d": "m"}
    for (f, fv), (g, gv) in combinations(factors, 2):
        for v, w in product(fv, gv):
            assert any(r[f] == v and r[g] == w for r in rows)
    assert len(rows) <= 7


def test_the_report_lists_the_clean_configurations() -> None:
    configs = clean_configurations()
    outcomes = [Outcome(name=c.name, args=c.args(), exit_code=0, seconds=1.0) for c in configs]
    outcomes[1].exit_code, outcomes[1].failed_rules = 1, ["perm-self-read"]
    report = build_report(outcomes, all_faults=False, seconds=2.0, clean_runs={c.name: c for c in configs})
    md = render_markdown(report)
    assert "## Clean configurations" in md and "clean-1 | seed | defaults" in md
    assert "perm-self-read" in md and all(c.name in md for c in configs)
    assert report["clean"][1]["choices"] == dict(configs[1].choices)
