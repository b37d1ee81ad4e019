"""Masking helpers: keep tokens and (for tenant targets) phone numbers out of every report.

Two kinds of masking:

* tokens are always masked: known secrets (minted or static tokens, the signing secret) are
  replaced by ``MASKED``, and anything shaped like a JWT or a ``Bearer`` credential is too;
* phone numbers are masked for tenant targets only (real people's numbers): the country code and
  the last two digits stay, every other digit becomes ``*`` (``+1 2065550123`` -> ``+1 ********23``),
  the same form Graph shows an Authentication Administrator.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

MASK = "MASKED"

_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"(?i)\b(Bearer\s+)(?!MASKED\b|\$TOKEN\b)"
                     r"([A-Za-z0-9._~+/=-]{8,})(?![A-Za-z0-9._~+/=\"-])")
# a phone-number-like run: "+", 1-3 digits, then at least 4 more digits possibly separated
_PHONE = re.compile(r"\+\d[\d \-.()\u00a0]{4,}\d(?:[xX]\d+)?")
_CALLING_CODES: frozenset[int] | None = None

TEXT_SUFFIXES = frozenset({".json", ".md", ".txt", ".xml", ".html", ".log", ".toml", ".csv", ".attach",
                           ".properties", ".jsonl"})


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every secret, JWT-shaped string and ``Bearer`` credential replaced by ``MASKED``."""
    for secret in sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    return _JWT.sub(MASK, text)


def mask_number(number: Any) -> Any:
    """Mask one phone number: ``"+1 2065550123"`` -> ``"+1 ********23"``; non-strings pass through.

    The country code is the digits before the first space; without a space, the longest assigned
    calling code prefix (1-3 digits). An extension's digits are masked too (the last two kept).
    """
    if not isinstance(number, str):
        return number
    stripped = number.strip()
    if not stripped.startswith("+"):
        return _mask_digits(number, keep_last=2)
    head, sep, rest = stripped[1:].partition(" ")
    if sep and head.isdigit() and 1 <= len(head) <= 3:
        prefix, body = "+" + head + " ", rest
    else:
        digits = re.match(r"\d*", stripped[1:]).group(0)  # type: ignore[union-attr]
        cc = _calling_code_prefix(digits)
        prefix, body = "+" + cc, stripped[1 + len(cc):]
    lead = number[: len(number) - len(number.lstrip())]
    trail = number[len(number.rstrip()):]
    return lead + prefix + _mask_digits(body, keep_last=2) + trail


def mask_numbers_in_text(text: str) -> str:
    """Mask every phone-number-like run in free text (counterexamples, curl lines, bodies)."""
    return _PHONE.sub(lambda m: mask_number(m.group(0)), text)


def redact(value: Any, secrets: Iterable[str] = (), *, numbers: bool = False) -> Any:
    """A deep copy of a JSON-like value with tokens (and, if ``numbers``, phone numbers) masked."""
    secrets = tuple(secrets)
    if isinstance(value, str):
        out = scrub(value, secrets)
        return mask_numbers_in_text(out) if numbers else out
    if isinstance(value, dict):
        return {k: redact(v, secrets, numbers=numbers) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v, secrets, numbers=numbers) for v in value]
    return value


def is_tenant(data: dict[str, Any]) -> bool:
    """True when a results document describes a run against a real tenant."""
    return (data.get("target") or {}).get("kind") == "tenant"


def redact_document(data: dict[str, Any], secrets: Iterable[str] = ()) -> dict[str, Any]:
    """A results document with tokens masked everywhere and, for tenant targets, phone numbers too."""
    return redact(data, secrets, numbers=is_tenant(data))


def redact_tree(root: Path, secrets: Iterable[str] = (), *, numbers: bool = False,
                only: str | None = None) -> list[Path]:
    """Rewrite every text file under ``root`` (or just ``root/only``) with tokens (and numbers) masked.

    Returns the files that changed. JSON files stay JSON (values are masked, not the raw text).
    """
    changed: list[Path] = []
    if not root.exists():
        return changed
    secrets = tuple(secrets)
    candidates = [root / only] if only else root.rglob("*")
    for path in sorted(p for p in candidates if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        new = _redact_file_text(text, path.suffix.lower(), secrets, numbers)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


def _redact_file_text(text: str, suffix: str, secrets: tuple[str, ...], numbers: bool) -> str:
    if suffix == ".json":
        try:
            doc = json.loads(text)
        except ValueError:
            pass
        else:
            out = redact(doc, secrets, numbers=numbers)
            if out == doc:
                return text
            return json.dumps(out, indent=2 if text.lstrip().startswith("{\n") else None) + (
                "\n" if text.endswith("\n") else "")
    out = scrub(text, secrets)
    return mask_numbers_in_text(out) if numbers else out


def _mask_digits(text: str, *, keep_last: int) -> str:
    total = sum(c.isdigit() for c in text)
    seen = 0
    out = []
    for c in text:
        if c.isdigit():
            seen += 1
            out.append(c if seen > total - keep_last else "*")
        else:
            out.append(c)
    return "".join(out)


def _calling_code_prefix(digits: str) -> str:
    global _CALLING_CODES
    if _CALLING_CODES is None:
        try:
            import phonenumbers

            _CALLING_CODES = frozenset(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
        except ImportError:  # pragma: no cover - phonenumbers is a dependency
            _CALLING_CODES = frozenset()
    for n in (3, 2, 1):
        if len(digits) > n and int(digits[:n] or 0) in _CALLING_CODES:
            return digits[:n]
    return digits[:1]
