"""Root conftest of the checkout: registers the suite's pytest plugin so ``pytest conformance --target ...``
works here without an install.

An installed copy (``pip install -e .``) also has the ``pytest11`` entry point
(:mod:`conformance.pytest_plugin.entry`); both register the plugin under its module name, so whichever
comes first wins and the other finds it registered. In a session that does not run the suite (the
project's own tests, ``python -m pytest tests``) the plugin's hooks stay inert
(:func:`conformance.pytest_plugin.entry.runs_suite`).
"""

pytest_plugins = ["conformance.pytest_plugin.plugin"]
