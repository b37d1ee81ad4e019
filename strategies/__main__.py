"""``python -m strategies [--count N] [--seed S]``: print :func:`strategies.samples.sample_report`."""

from strategies.samples import main

main()
