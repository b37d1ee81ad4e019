"""Time the generation of valid phone numbers: 10,000 draws of ``valid_phone_numbers()`` (target < 2 s).

A plain script, not a timed test (timings vary with the machine):

    python benchmarks/strategies_generation.py [--count 10000] [--batch 500]

Values are drawn through Hypothesis's own engine (``@given``), ``--batch`` values per test case, so the
figure is the strategy's cost plus Hypothesis's per-draw bookkeeping, not its per-test-case overhead
(about a third of a millisecond per test case, which no strategy can avoid). Two figures are printed:
the first (cold) run includes building the candidate pools of every region; the second (warm) run
draws from the cached pools. CPU time is printed beside wall time: on a busy machine the wall time
says more about the neighbours than about the strategy. "distinct" is low-ish because Hypothesis's
first test case is the simplest one (a whole batch of the first spec example) and because it
deliberately repeats list elements.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from strategies import spec_verdict, valid_phone_numbers

TARGET_SECONDS = 2.0


def generate(count: int, batch: int) -> list[str]:
    """Draw ``count`` valid numbers through ``@given``, ``batch`` per test case, deterministically."""
    values: list[str] = []

    @settings(
        database=None,
        derandomize=True,
        max_examples=math.ceil(count / batch),
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(valid_phone_numbers(), min_size=batch, max_size=batch))
    def collect(drawn: list[str]) -> None:
        values.extend(drawn)

    collect()
    return values[:count]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit status 1 if the warm run's CPU time misses the target."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10_000, help="numbers to draw (default 10000)")
    parser.add_argument(
        "--batch", type=int, default=500, help="numbers per Hypothesis test case (default 500)"
    )
    args = parser.parse_args(argv)

    timings = []
    for run in ("cold", "warm"):
        start, start_cpu = time.perf_counter(), time.process_time()
        values = generate(args.count, args.batch)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        timings.append(cpu)
        each = elapsed / len(values) * 1e6
        print(
            f"{run}: {len(values)} valid numbers in {elapsed:.2f} s wall, {cpu:.2f} s CPU "
            f"({each:.0f} us each, {len(set(values))} distinct; target < {TARGET_SECONDS:.0f} s)"
        )
    bad = [v for v in values if spec_verdict(v) != "valid"]
    if bad:
        print(f"not valid by spec_verdict: {bad[:5]!r}")
        return 2
    return 0 if timings[-1] < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
