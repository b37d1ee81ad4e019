"""Read a TOML file of ours (profile, expectations) with a one-line error for every way it can fail."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from conformance.core.errors import ToolError


def read_toml(path: Path, what: str, error: type[ToolError] = ToolError) -> dict[str, Any]:
    """Parse ``path``; raise ``error`` naming ``what`` (e.g. "profile") when it is missing, unreadable or bad."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{what} {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{what} {path}: cannot read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{what} {path}: not valid TOML ({exc})") from None
