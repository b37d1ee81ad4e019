"""Root conftest: registers the suite's pytest plugin so ``pytest conformance --target ...`` works."""

pytest_plugins = ["conformance.pytest_plugin.plugin"]
