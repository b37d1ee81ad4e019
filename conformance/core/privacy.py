"""Masking: one idea, for every report. Mask what belongs to people, never what the suite made.

* **Tokens are always masked**, on every target: known secrets (minted or static tokens, the signing
  secret), any fragment of 8 or more characters of a known token (12 of another secret), anything
  shaped like a JWT or a fragment of one (``eyJ...``) and any ``Bearer`` credential become ``MASKED``.
* **Phone numbers are masked only where they may be people's**, as :class:`NumberPolicy` says: on a
  tenant every number the suite did not generate is masked; the numbers the suite itself sent first
  (recorded at the transport, :data:`GENERATED`) stay in full, so a failure can be replayed. On an
  emulator numbers are nobody's: nothing is masked. Without a policy (a tool that does not know its
  target) every number is masked.

A masked number keeps its country code (when a ``+`` says where it ends) and its last two digits,
every other digit becomes ``*`` (``+1 2065550123`` -> ``+1 ********23``), the form Graph shows an
Authentication Administrator. Numbers are found in any written form: with or without ``+``, grouped
by spaces, dashes, dots, slashes or brackets, in any script's digits, glued to words (``tel7315550156``,
``7315550160_mobile``), with digits written as escapes (``\\u0037``), percent-encoded (``%37%33``, also
double-encoded) or as HTML character references (``&#55;``, ``&#x37;``). Ids and times stay readable:
GUIDs, long hex ids, ISO dates, compact timestamps (``20250101T100000Z``) and runs of more than 15
plain digits (longer than any phone number) are left alone, as is anything under 7 digits (6 after a
``+``). A decimal of 7 digits or more is masked (``1.2065550123`` may be a number).

Every output channel (pytest's terminal text and failure reports, ``junit.xml``, Allure results and
attachments, ``results.json``, ``summary.md``, ``index.html``, restore lines) passes through
:func:`clean` (or :func:`redact` for JSON-like values) with the run's :class:`Secrets`.
"""

from __future__ import annotations

import html
import json
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MASK = "MASKED"

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}(?:\.[A-Za-z0-9_-]*){0,2}")
_BEARER = re.compile(r"(?i)\b(Bearer(?:\s|%20|\+)+)(?!MASKED\b|\$TOKEN\b)"
                     r"([A-Za-z0-9._~+/=-]{8,})(?![A-Za-z0-9._~+/=\"-])")
_SLICE = 8
"""A run sharing this many characters with a known token (a JWT) is masked whole."""
_PLAIN_SLICE = 12
"""The same for other secrets (a signing secret may hold words: shorter fragments would mask prose)."""
_TOKENISH = re.compile(r"[A-Za-z0-9._~+/=-]{" + str(_SLICE) + ",}")

_ESCAPE = r"\\\\?(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|t)"
"""A separator written as an escape (``repr`` and JSON write a no-break space as ``\\xa0`` / ``\\u00a0``)."""
_SEP = rf"(?:[^\S\r\n]|[-./()\u2010-\u2015\u2212\uff08\uff09\uff0d\uff0e\uff0f]|{_ESCAPE})"
_PLUS = "+\uff0b"
_PHONE = re.compile(rf"[{_PLUS}]?{_SEP}{{0,2}}\d(?:{_SEP}{{0,3}}\d)*(?:{_SEP}?[xX]{_SEP}?\d+)?")
_GUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_DATE = re.compile(r"(?:19|20)\d\d[-/.](?:0[1-9]|1[0-2])[-/.](?:0[1-9]|[12]\d|3[01])(?:[T ]\d{1,2})?")
_COMPACT_TIME = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])T\d{4,6}")
_HEX_ID = re.compile(r"(?<![0-9A-Za-z])[0-9A-Fa-f]{16,}(?![0-9A-Za-z])")
"""A long hex id (a hash, an Allure history id): left alone when it holds a letter."""
_CALLING_CODES: frozenset[int] | None = None

TEXT_SUFFIXES = frozenset({".json", ".md", ".txt", ".xml", ".html", ".log", ".toml", ".csv", ".attach",
                           ".properties", ".jsonl"})


@dataclass(frozen=True)
class NumberPolicy:
    """Which phone numbers a masking pass hides.

    ``mask``: numbers may be people's (a tenant, or a target nobody named); ``False`` on an emulator,
    where numbers are nobody's and failures show real values. ``keep_ours``: the numbers the suite
    itself sent first (:data:`GENERATED`) stay in full, so a failure on a tenant can be replayed.
    """

    mask: bool = True
    keep_ours: bool = False

    @classmethod
    def for_target(cls, kind: str | None) -> NumberPolicy:
        """The policy for a target kind: ``emulator`` masks no number, ``tenant`` masks all but the suite's own,
        anything else (unknown) masks every number."""
        if kind == "emulator":
            return cls(mask=False)
        if kind == "tenant":
            return cls(mask=True, keep_ours=True)
        return cls()

    def keep(self) -> frozenset[str]:
        """The digit keys of numbers to leave in full."""
        return GENERATED.keys() if self.keep_ours else frozenset()


MASK_ALL = NumberPolicy()
"""Every number masked (the default: a pass that does not know its target)."""


class GeneratedNumbers:
    """The phone numbers the suite itself sent first, recorded at the transport: the suite's, not people's.

    :meth:`sent` records the numbers in a request body the suite sends; :meth:`received` the numbers a
    target sent (people's, on a tenant): a number the target showed before the suite ever sent it (a
    user's own phone, re-created by a set-up or a restore) never becomes the suite's. Numbers are
    keyed by their digits (any script), with and without the extension.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ours: set[str] = set()
        self._theirs: set[str] = set()
        self._frozen: frozenset[str] = frozenset()

    def keys(self) -> frozenset[str]:
        """Every recorded key of the suite's own numbers."""
        return self._frozen

    def sent(self, text: str) -> None:
        """Record the numbers of a request body the suite sends (those a target showed first excepted)."""
        found = number_keys(text)
        if not found:
            return
        with self._lock:
            new = {k for k in found if k not in self._theirs} - self._ours
            if new:
                self._ours |= new
                self._frozen = frozenset(self._ours)

    def received(self, text: str) -> None:
        """Record the numbers a target sent (they are people's unless the suite sent them first)."""
        found = number_keys(text)
        if found:
            with self._lock:
                self._theirs |= found - self._ours

    def merge(self, keys: Iterable[str]) -> None:
        """Add keys recorded elsewhere (a pytest-xdist worker's)."""
        with self._lock:
            self._ours |= {k for k in keys if isinstance(k, str) and k.isdigit()}
            self._frozen = frozenset(self._ours)

    def clear(self) -> None:
        """Forget everything (tests)."""
        with self._lock:
            self._ours, self._theirs, self._frozen = set(), set(), frozenset()


GENERATED = GeneratedNumbers()
"""This process's record of the suite's own numbers (see :class:`GeneratedNumbers`)."""


def number_keys(text: str) -> set[str]:
    """The digit keys (ASCII, extension included and left off) of every phone-number-like run in ``text``."""
    if not any(c.isdigit() for c in text):
        return set()
    decoded, _ = _decode(text)
    keys: set[str] = set()
    for m in _PHONE.finditer(decoded):
        core = m.group(0).strip()
        digits = _digits_of(core)
        if len(digits) < (6 if core[:1] in _PLUS else 7) or len(digits) > 20:
            continue
        keys.add(digits)
        base = re.split(r"[xX]", core, maxsplit=1)[0]
        if base != core:
            keys.add(_digits_of(base))
    return keys


def _digits_of(text: str) -> str:
    return "".join(str(unicodedata.digit(c)) for c in re.sub(_ESCAPE, " ", text) if c.isdigit())


class Secrets:
    """Known secrets made ready to mask, and the :class:`NumberPolicy` of the pass.

    Plain secrets are replaced; every 8-character slice of a known JWT (12 of another secret) marks a
    token-shaped run to mask whole. Built once per masking pass (:func:`prepare`); building it per
    string would cost a slice set per value of every report file.
    """

    __slots__ = ("_known", "numbers", "plain", "slices")

    def __init__(self, secrets: Iterable[str] = (), *, numbers: NumberPolicy = MASK_ALL) -> None:
        self.plain: tuple[str, ...] = ()
        self.slices: dict[int, set[str]] = {}
        self._known: set[str] = set()
        self.numbers = numbers
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
        for secret in new:
            size = _SLICE if secret in jwts else _PLAIN_SLICE
            if len(secret) >= size:
                self.slices.setdefault(size, set()).update(
                    secret[i:i + size] for i in range(len(secret) - size + 1))
        return self


def prepare(secrets: Iterable[str] | Secrets = ()) -> Secrets:
    """``secrets`` ready for :func:`scrub` (returned as is when already prepared)."""
    return secrets if isinstance(secrets, Secrets) else Secrets(secrets)


def scrub(text: str, secrets: Iterable[str] | Secrets = ()) -> str:
    """``text`` with every secret (or fragment of one), JWT-shaped string and ``Bearer`` credential as ``MASKED``."""
    ready = prepare(secrets)
    for secret in ready.plain:
        text = text.replace(secret, MASK)
    if ready.slices:
        slices = ready.slices
        text = _TOKENISH.sub(lambda m: MASK if _shares_slice(m.group(0), slices) else m.group(0), text)
    text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    return _JWT.sub(MASK, text)


def _shares_slice(run: str, slices: dict[int, set[str]]) -> bool:
    return any(run[i:i + size] in known for size, known in slices.items() for i in range(len(run) - size + 1))


def clean(text: str, secrets: Iterable[str] | Secrets = ()) -> str:
    """``text`` as it may be shown anywhere: tokens (:func:`scrub`) and, as the pass's policy says, numbers."""
    ready = prepare(secrets)
    out = scrub(text, ready)
    policy = ready.numbers
    return mask_numbers_in_text(out, keep=policy.keep()) if policy.mask else out


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


def mask_numbers_in_text(text: str, *, keep: Iterable[str] = ()) -> str:
    """Mask every phone-number-like run in free text (counterexamples, curl lines, bodies, logs).

    Digits (and the ``+`` and separators around them) written as escapes count as written: ``\\uXXXX``
    (as JSON writes a non-ASCII digit, surrogate pairs too), percent-encoding (``%37``, ``%2537``,
    UTF-8 sequences) and HTML character references (``&#55;``, ``&#x37;``, ``&nbsp;``). A number spelled
    that way is masked like any other, each masked escape becoming ``*``. Runs whose digits are in
    ``keep`` (:meth:`GeneratedNumbers.keys`) stay as they are.
    """
    if not any(c.isdigit() for c in text) and not _MAYBE_ENCODED.search(text):
        return text
    decoded, spans = _decode(text)
    keep = keep if isinstance(keep, (set, frozenset)) else frozenset(keep)
    guarded = [m.span() for pattern in (_GUID, _COMPACT_TIME) for m in pattern.finditer(decoded)]
    guarded += [m.span() for m in _HEX_ID.finditer(decoded) if any(c.isalpha() for c in m.group(0))]
    masked = _PHONE.sub(lambda m: _mask_run(decoded, m, guarded, keep), decoded)
    if spans is None:
        return masked
    if len(masked) != len(decoded):  # masking keeps lengths; if not, hide every encoded digit rather than guess
        return "".join("*" if decoded[i].isdigit() and e - s > 1 else text[s:e] for i, (s, e) in enumerate(spans))
    return "".join(text[s:e] if masked[i] == decoded[i] else masked[i] for i, (s, e) in enumerate(spans))


_MAYBE_ENCODED = re.compile(r"%(?:25)*3[0-9]|&#")
"""Text without a digit may still spell one (``%37``, ``&#55;``)."""
_ENCODED = re.compile(
    r"\\\\?u(?P<u>[0-9a-fA-F]{4})"
    r"|(?P<pct>(?:%(?:25)*[0-9A-Fa-f]{2})+)"
    r"|&#(?:[xX](?P<hex>[0-9a-fA-F]{1,6})|(?P<dec>[0-9]{1,7}));?"
    r"|&(?P<name>nbsp|plus|NonBreakingSpace|hyphen|dash|period|sol|lpar|rpar);")
"""An escape that may spell a digit, a plus or a separator (percent runs are decoded as UTF-8)."""
_PCT = re.compile(r"%(?:25)*([0-9A-Fa-f]{2})")


def _wanted(char: str) -> bool:
    """A character worth decoding for number masking: a digit, a plus, a separator."""
    return char.isdecimal() or char in _PLUS or bool(re.fullmatch(_SEP, char))


def _decode(text: str) -> tuple[str, list[tuple[int, int]] | None]:
    """``text`` with escaped digits, pluses and separators decoded, and each decoded character's span
    in ``text`` (``None`` when nothing was decoded)."""
    if "\\" not in text and "%" not in text and "&" not in text:
        return text, None
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    last = 0
    changed = False
    matches = list(_ENCODED.finditer(text))
    i = 0
    while i < len(matches):
        m = matches[i]
        for k in range(last, m.start()):
            out.append(text[k])
            spans.append((k, k + 1))
        last = m.end()
        if m.group("u") is not None:
            code, end = int(m.group("u"), 16), m.end()
            if 0xD800 <= code < 0xDC00 and i + 1 < len(matches) and matches[i + 1].start() == end \
                    and matches[i + 1].group("u") is not None:
                low = int(matches[i + 1].group("u"), 16)
                if 0xDC00 <= low < 0xE000:
                    code, end = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00), matches[i + 1].end()
                    i += 1
                    last = end
            pieces = [(chr(code), m.start(), end)]
        elif m.group("pct") is not None:
            pieces = _percent_pieces(m.group("pct"), m.start())
        elif m.group("hex") is not None or m.group("dec") is not None:
            number = int(m.group("hex"), 16) if m.group("hex") is not None else int(m.group("dec"))
            pieces = [(chr(number) if number < 0x110000 else "\ufffd", m.start(), m.end())]
        else:
            pieces = [(html.unescape(m.group(0)), m.start(), m.end())]
        for char, s, e in pieces:
            if len(char) == 1 and _wanted(char):
                out.append(char)
                spans.append((s, e))
                changed = True
            else:
                for k in range(s, e):
                    out.append(text[k])
                    spans.append((k, k + 1))
        i += 1
    for k in range(last, len(text)):
        out.append(text[k])
        spans.append((k, k + 1))
    return ("".join(out), spans) if changed else (text, None)


def _percent_pieces(run: str, offset: int) -> list[tuple[str, int, int]]:
    """A run of percent escapes as (character, start, end) pieces, UTF-8 sequences joined."""
    escapes = [(int(m.group(1), 16), offset + m.start(), offset + m.end()) for m in _PCT.finditer(run)]
    pieces: list[tuple[str, int, int]] = []
    i = 0
    while i < len(escapes):
        byte = escapes[i][0]
        size = 2 if 0xC0 <= byte < 0xE0 else 3 if 0xE0 <= byte < 0xF0 else 4 if byte >= 0xF0 else 1
        chunk = escapes[i:i + size]
        try:
            char = bytes(b for b, _, _ in chunk).decode("utf-8") if len(chunk) == size else "\ufffd"
        except UnicodeDecodeError:
            char, chunk = "\ufffd", chunk[:1]
        if len(char) != 1:
            char, chunk = "\ufffd", chunk[:1]
        pieces.append((char, chunk[0][1], chunk[-1][2]))
        i += len(chunk)
    return pieces


def _mask_run(text: str, m: re.Match[str], guarded: list[tuple[int, int]], keep: frozenset[str] | set[str]) -> str:
    run = m.group(0)
    lead = len(run) - len(run.lstrip())
    start, end = m.start() + lead, m.end()
    core = run.strip()
    shown = run
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    plus = core[:1] in _PLUS
    digits = _digits_of(core)
    if (before.isdigit() or after.isdigit()
            or any(s < end and start < e for s, e in guarded)
            or len(digits) < (6 if plus else 7)
            or (not plus and _DATE.fullmatch(core))
            # an id or a timestamp, not a number: longer than E.164 allows (15 digits; 17 after a 00 prefix)
            or (core.strip("()").isdigit() and len(digits) > (17 if digits.startswith("00") else 15))
            or (keep and (digits in keep or _digits_of(re.split(r"[xX]", core, maxsplit=1)[0]) in keep))):
        return shown
    masked = mask_number("+" + core[1:]) if core[:1] == "+" else _mask_digits(core, keep_last=2)
    if core[:1] == "\uff0b":
        masked = _mask_digits(core, keep_last=2)
    return run[:lead] + masked + run[lead + len(core):]


def redact(value: Any, secrets: Iterable[str] | Secrets = (), *, numbers: bool = False) -> Any:
    """A deep copy of a JSON-like value with tokens (and, if ``numbers``, phone numbers as the policy says)
    masked."""
    secrets = prepare(secrets)
    if isinstance(value, str):
        out = scrub(value, secrets)
        policy = secrets.numbers
        return mask_numbers_in_text(out, keep=policy.keep()) if numbers and policy.mask else out
    if isinstance(value, dict):
        return {k: redact(v, secrets, numbers=numbers) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v, secrets, numbers=numbers) for v in value]
    return value


def is_tenant(data: dict[str, Any]) -> bool:
    """True when a results document describes a run against a real tenant."""
    return (data.get("target") or {}).get("kind") == "tenant"


def redact_document(data: dict[str, Any], secrets: Iterable[str] | Secrets = ()) -> dict[str, Any]:
    """A results document with tokens masked, and numbers as its target's :class:`NumberPolicy` says
    (a tenant's but the suite's own; none of an emulator's)."""
    kind = (data.get("target") or {}).get("kind")
    ready = prepare(secrets)
    policy = NumberPolicy.for_target(kind if isinstance(kind, str) else None)
    return redact(data, _with_policy(ready, policy), numbers=True)


def _with_policy(secrets: Secrets, policy: NumberPolicy) -> Secrets:
    if secrets.numbers == policy:
        return secrets
    copy = Secrets(numbers=policy)
    copy.plain, copy.slices, copy._known = secrets.plain, secrets.slices, secrets._known
    return copy


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
    policy = secrets.numbers
    return mask_numbers_in_text(out, keep=policy.keep()) if numbers and policy.mask else out


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
