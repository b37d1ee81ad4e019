"""Read a TOML file of ours (profile, expectations, ledger) with a one-line error for every way it can fail.

Anything a user writes that the tool does not understand is an error: :func:`check_keys` walks a
parsed file against a *schema* of the keys it knows and refuses the first unknown one in one line,
naming the nearest known key (``unknown key request_buget in [target] (did you mean request_budget?)``).

A schema is a mapping ``key -> what``, where ``what`` is :data:`LEAF` (a value), another schema (a
table), a one-element list holding a schema (an array of tables), or :data:`FREE` (a table whose
keys the reader validates itself, e.g. ``[roles]``).
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from conformance.core.errors import ToolError

LEAF = None
"""A key whose value is not a table (a string, number, list of values ...)."""

FREE = "free"
"""A table whose keys the reader checks itself (their names are data, not settings)."""

Schema = Mapping[str, Any]


def read_toml(path: Path, what: str, error: type[ToolError] = ToolError,
              schema: Schema | None = None) -> dict[str, Any]:
    """Parse ``path``; raise ``error`` naming ``what`` (e.g. "profile") when it is missing, unreadable or bad.

    With a ``schema``, a key the schema does not know is refused too (see :func:`check_keys`).
    """
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{what} {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{what} {path}: cannot read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{what} {path}: not valid TOML ({exc})") from None
    if schema is not None:
        check_keys(raw, schema, error, f"{what} {path}")
    return raw


def nearest(key: str, known: Iterable[str]) -> str | None:
    """The known key most like ``key`` (difflib), or ``None`` when none is close."""
    names = [str(k) for k in known]
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
    if not close:  # a different case is the same mistake
        close = [k for k in names if k.lower() == key.lower()][:1]
    return close[0] if close else None


def unknown_key_message(key: str, known: Iterable[str], table: str) -> str:
    """``unknown key K in [T] (did you mean N?)``, or the known keys when none is close."""
    names = sorted(str(k) for k in known)
    best = nearest(key, names)
    where = f" in {table}" if table else ""
    hint = f"did you mean {best}?" if best else f"known: {', '.join(names) or 'none'}"
    return f"unknown key {key!r}{where} ({hint})"


def check_keys(raw: Mapping[str, Any], schema: Schema, error: type[ToolError] = ToolError, where: str = "",
               table: str = "") -> None:
    """Refuse the first key of ``raw`` (recursively) that ``schema`` does not know; one line via ``error``."""
    for key, value in raw.items():
        if key not in schema:
            message = unknown_key_message(key, schema, table or "the top level")
            raise error(f"{where}: {message}" if where else message)
        sub = schema[key]
        name = f"{table[1:-1]}.{key}" if table.startswith("[") and not table.startswith("[[") else key
        if isinstance(sub, Mapping) and isinstance(value, Mapping):
            check_keys(value, sub, error, where, f"[{name}]")
        elif isinstance(sub, list) and sub and isinstance(value, list):
            for n, entry in enumerate(value, 1):
                if isinstance(entry, Mapping):
                    check_keys(entry, sub[0], error, where, f"[[{name}]] entry {n}")
