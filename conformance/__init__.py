"""graph-phone-conformance: a conformance suite for Microsoft Graph's phone authentication methods API.

Where the package keeps its files (the one place that knows the layout on disk).
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
"""``conformance/``."""
PROJECT_ROOT = PACKAGE_DIR.parent
"""The checkout (or the site-packages folder of an installed copy)."""
SUITE_DIR = PACKAGE_DIR / "suite"
"""The conformance tests that ``python -m conformance run`` collects."""
TARGETS_DIR = PACKAGE_DIR / "targets"
"""Shipped target profiles (the embedded emulator's, the tenant template)."""
OPENAPI_SPEC = PACKAGE_DIR / "spec" / "openapi" / "phone-methods.yaml"
"""The project's own OpenAPI description of the phone methods paths."""
