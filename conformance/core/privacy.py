"""Masking helpers: keep tokens and phone numbers out of every report, for every target.

Every output channel (pytest's terminal text and failure reports, ``junit.xml``, Allure results and
attachments, ``results.json``, ``summary.md``, ``index.html``, restore lines) passes through
:func:`clean` (or :func:`redact` for JSON-like values):

* tokens: known secrets (minted or static tokens, the signing secret) and any 12-character slice
  of a known JWT become ``MASKED``, as does anything shaped like a JWT or a fragment of one (a base64url
  JSON segment, ``eyJ...``) and any ``Bearer`` credential;
* phone numbers, in any written form (with or without ``+``, grouped by spaces, dashes, dots,
  slashes or brackets, in any script's digits): the country code (when a ``+`` says where it ends)
  and the last two digits stay, every other digit becomes ``*`` (``+1 2065550123`` ->
  ``+1 ********23``), the form Graph shows an Authentication Administrator. Ids and times stay
  readable: GUIDs, ISO dates, compact timestamps (``20250101T100000Z``) and runs of more than 15
  plain digits (longer than any phone number) are left alone, as is anything under 7 digits (6 after
  a ``+``). A decimal of 7 digits or more is masked (``1.2065550123`` may be a number).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

MASK = "MASKED"

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}(?:\.[A-Za-z0-9_-]*){0,2}")
_BEARER = re.compile(r"(?i)\b(Bearer(?:\s|%20|\+)+)(?!MASKED\b|\$TOKEN\b)"
                     r"([A-Za-z0-9._~+/=-]{8,})(?![A-Za-z0-9._~+/=\"-])")
_SLICE = 12
"""A run sharing this many characters with a known secret is masked whole."""
_TOKENISH = re.compile(r"[A-Za-z0-9._~+/=-]{" + str(_SLICE) + ",}")

_ESCAPE = r"\\\\?(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|t)"
"""A separator written as an escape (``repr`` and JSON write a no-break space as ``\\xa0`` / ``\\u00a0``)."""
_SEP = rf"(?:[^\S\r\n]|[-./()\u2010-\u2015\u2212\uff08\uff09\uff0d\uff0e\uff0f]|{_ESCAPE})"
_PLUS = "+\uff0b"
_PHONE = re.compile(rf"[{_PLUS}]?{_SEP}{{0,2}}\d(?:{_SEP}{{0,3}}\d)*(?:{_SEP}?[xX]{_SEP}?\d+)?")
_GUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_DATE = re.compile(r"(?:19|20)\d\d[-/.](?:0[1-9]|1[0-2])[-/.](?:0[1-9]|[12]\d|3[01])(?:[T ]\d{1,2})?")
_ESCAPED_BEFORE = re.compile(r"(?:%[0-9A-Fa-f]{2}|\\[ntr]|\\x[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4})$")
"""What may end just before a number without gluing it to a word: a %-escape or a backslash escape (``\\n``)."""
_CALLING_CODES: frozenset[int] | None = None

TEXT_SUFFIXES = frozenset({".json", ".md", ".txt", ".xml", ".html", ".log", ".toml", ".csv", ".attach",
                           ".properties", ".jsonl"})


class Secrets:
    """Known secrets made ready to mask: plain ones to replace, and every 12-character slice of a JWT.

    Built once per masking pass (:func:`prepare`); building it per string would cost a slice set per
    value of every report file.
    """

    __slots__ = ("_known", "plain", "slices")

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.plain: tuple[str, ...] = ()
        self.slices: set[str] = set()
        self._known: set[str] = set()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> Secrets:
        """Add secrets not yet known (only their slices are computed); returns ``self``."""
        new = {s for s in secrets if s and len(s) >= 6} - self._known
        if not new:
            return self
        self._known |= new
        # a known JWT is masked whole by its slices (it is one token-shaped run): only the others are replaced
        jwts = [s for s in new if len(s) >= _SLICE and _JWT.fullmatch(s)]
        plain = set(self.plain) | (new - set(jwts))
        self.plain = tuple(sorted(plain, key=len, reverse=True))
        self.slices.update(s[i:i + _SLICE] for s in jwts for i in range(len(s) - _SLICE + 1))
        return self


def prepare(secrets: Iterable[str] | Secrets = ()) -> Secrets:
    """``secrets`` ready for :func:`scrub` (returned as is when already prepared)."""
    return secrets if isinstance(secrets, Secrets) else Secrets(secrets)


def scrub(text: str, secrets: Iterable[str] | Secrets = ()) -> str:
    """``text`` with every secret (or slice of one), JWT-shaped string and ``Bearer`` credential as ``MASKED``."""
    ready = prepare(secrets)
    for secret in ready.plain:
        text = text.replace(secret, MASK)
    if ready.slices:
        slices = ready.slices
        text = _TOKENISH.sub(lambda m: MASK if _shares_slice(m.group(0), slices) else m.group(0), text)
    text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    return _JWT.sub(MASK, text)


def _shares_slice(run: str, slices: set[str]) -> bool:
    return any(run[i:i + _SLICE] in slices for i in range(len(run) - _SLICE + 1))


def clean(text: str, secrets: Iterable[str] | Secrets = ()) -> str:
    """``text`` as it may be shown anywhere: tokens (:func:`scrub`) and phone numbers masked."""
    return mask_numbers_in_text(scrub(text, secrets))


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
    """Mask every phone-number-like run in free text (counterexamples, curl lines, bodies, logs).

    Digits written as escapes (``\\u09ea``, as JSON writes a non-ASCII digit, surrogate pairs too) count
    as digits: a number spelled that way is masked like any other, each masked escape becoming ``*``.
    """
    if not any(c.isdigit() for c in text):
        return text
    decoded, escapes = _decode_escaped_digits(text)
    guarded = [m.span() for m in _GUID.finditer(decoded)]
    masked = _PHONE.sub(lambda m: _mask_run(decoded, m, guarded), decoded)
    if not escapes:
        return masked
    if len(masked) != len(decoded):  # masking keeps lengths; if not, hide every escaped digit rather than guess
        for start, end, _ in reversed(list(_escaped_digits(text))):
            text = text[:start] + "*" + text[end:]
        return text
    out, last = [], 0
    for position, escape in escapes:
        out.append(masked[last:position])
        out.append("*" if masked[position] == "*" else escape)
        last = position + 1
    out.append(masked[last:])
    return "".join(out)


_ESCAPED_CHAR = re.compile(r"\\\\?u([0-9a-fA-F]{4})")
"""A ``\\uXXXX`` escape, written with one backslash or two."""


def _escaped_digits(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, digit) of every escape, or surrogate pair of escapes, that spells a decimal digit."""
    found = list(_ESCAPED_CHAR.finditer(text))
    i = 0
    while i < len(found):
        m = found[i]
        code, end = int(m.group(1), 16), m.end()
        if 0xD800 <= code < 0xDC00 and i + 1 < len(found) and found[i + 1].start() == end:
            low = int(found[i + 1].group(1), 16)
            if 0xDC00 <= low < 0xE000:
                code, end = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00), found[i + 1].end()
                i += 1
        i += 1
        char = chr(code)
        if char.isdecimal():
            yield m.start(), end, char


def _decode_escaped_digits(text: str) -> tuple[str, list[tuple[int, str]]]:
    """``text`` with every escaped decimal digit written as the digit, and (position in the result, escape) of each."""
    if "\\" not in text:
        return text, []
    out: list[str] = []
    escapes: list[tuple[int, str]] = []
    last, length = 0, 0
    for start, end, digit in _escaped_digits(text):
        out.append(text[last:start])
        length += start - last
        escapes.append((length, text[start:end]))
        out.append(digit)
        length += 1
        last = end
    out.append(text[last:])
    return "".join(out), escapes


def _mask_run(text: str, m: re.Match[str], guarded: list[tuple[int, int]]) -> str:
    run = m.group(0)
    lead = len(run) - len(run.lstrip())
    start, end = m.start() + lead, m.end()
    core = run.strip()
    shown = run
    before = text[start - 1] if start else ""
    if before.isalnum() and _ESCAPED_BEFORE.search(text, max(0, start - 6), start):
        before = " "  # the letter or digit ends an escape (``\\n``, ``%2B``, ``\\u00a0``): not part of a word
    after = text[end] if end < len(text) else ""
    plus = core[:1] in _PLUS
    digits = sum(c.isdigit() for c in re.sub(_ESCAPE, " ", core))
    if (before.isdigit() or after.isdigit() or after.isalpha() or after == "_"
            or (before.isalpha() and core[:1] != "\\")  # glued to a word (a leading \\t escape parts them)
            or any(s < end and start < e for s, e in guarded)
            or digits < (6 if plus else 7)
            or (not plus and _DATE.fullmatch(core))
            or (core.isdigit() and digits > 15)):
        return shown
    masked = mask_number("+" + core[1:]) if core[:1] == "+" else _mask_digits(core, keep_last=2)
    if core[:1] == "\uff0b":
        masked = _mask_digits(core, keep_last=2)
    return run[:lead] + masked + run[lead + len(core):]


def redact(value: Any, secrets: Iterable[str] | Secrets = (), *, numbers: bool = False) -> Any:
    """A deep copy of a JSON-like value with tokens (and, if ``numbers``, phone numbers) masked."""
    secrets = prepare(secrets)
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


def redact_document(data: dict[str, Any], secrets: Iterable[str] | Secrets = ()) -> dict[str, Any]:
    """A results document with tokens and phone numbers masked everywhere (every target is treated alike)."""
    return redact(data, secrets, numbers=True)


def redact_tree(root: Path, secrets: Iterable[str] | Secrets = (), *, numbers: bool = False,
                only: str | None = None) -> list[Path]:
    """Rewrite every text file under ``root`` (or just ``root/only``) with tokens (and numbers) masked.

    Returns the files that changed. JSON files stay JSON (values are masked, not the raw text).
    """
    changed: list[Path] = []
    if not root.exists():
        return changed
    secrets = prepare(secrets)
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


def _redact_file_text(text: str, suffix: str, secrets: Secrets, numbers: bool) -> str:
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
