"""Generated phone numbers (in many written forms) and tokens, and a check that a text leaks neither.

Written forms include digits glued to words (``tel7315550156``, ``7315550160_mobile``), percent-encoded
(once or twice), as HTML character references (decimal and hex) and tokens echoed in 10-character chunks.

Used by the property tests that push them through :func:`conformance.core.privacy.clean` and through every
output channel of a real pytest session (terminal, junit.xml, Allure, results.json, summary.md).
"""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass
from urllib.parse import unquote

import jwt
from hypothesis import strategies as st

SCRIPTS = {"ascii": 0x30, "arabic-indic": 0x660, "extended-arabic": 0x6F0, "devanagari": 0x966,
           "bengali": 0x9E6, "fullwidth": 0xFF10}
"""Decimal digit zero of the scripts numbers are written in."""
SEPARATORS = [" ", "-", ".", "/", "\u00a0", "\u2009", " - ", "", "\u2011"]
CONTEXTS = [("", ""), ("'", "'"), ('"phoneNumber": "', '"'), ("number=", "&x=1"), ("tel:", ";"), ("\n", "\n"),
            ("(", ")"), ("[", "]"), ("got ", ", expected"), ("= ", " ->"), ("tel", ""), ("", "_mobile"),
            ("tel", "_mobile"), ("number%3D", "&"), ("<td>", "</td>"), ("id=", "x")]
ENCODINGS = ["none", "none", "none", "percent", "percent-twice", "entity-dec", "entity-hex", "entity-mixed"]
"""How a number's digits may be escaped: as written, percent-encoded (once or twice), HTML references."""
_NOT_DIGIT_OR_STAR = re.compile(r"[^\d*]")


@dataclass(frozen=True)
class Number:
    """A phone number: its digits, and how it is written this time."""

    country: str
    national: str
    written: str

    @property
    def secret(self) -> str:
        """The digits a full number shows and a masked one cannot: country code and national number
        but its last two, in a row (ASCII)."""
        return self.country + self.national[:-2]


@st.composite
def numbers(draw: st.DrawFn) -> Number:
    """A phone number written with or without +, grouped by any separator, brackets, any script's digits."""
    country = draw(st.sampled_from(["1", "44", "49", "33", "358", "971", "91", "86", "7"]))
    national = draw(st.text("0123456789", min_size=7, max_size=12).filter(lambda d: len(set(d)) > 2))
    groups: list[str] = []
    rest = national
    while rest:
        n = draw(st.integers(1, 4))
        groups.append(rest[:n])
        rest = rest[n:]
    sep = draw(st.sampled_from(SEPARATORS))
    body = sep.join(groups)
    if draw(st.booleans()) and len(groups) > 1:
        body = f"({groups[0]}){draw(st.sampled_from([' ', '', '-']))}{sep.join(groups[1:])}"
    plus = draw(st.sampled_from(["+", "+", "", "\uff0b", "00", "%2B"]))
    between = draw(st.sampled_from([" ", "", "-", "\u00a0", "."]))
    digits = f"{country}{between}{body}"
    if draw(st.integers(0, 5)) == 0:
        digits += draw(st.sampled_from(["x", " x", "x "])) + draw(st.text("0123456789", min_size=1, max_size=4))
    zero = SCRIPTS[draw(st.sampled_from(sorted(SCRIPTS)))]
    written = plus + "".join(chr(zero + int(c)) if c.isdigit() else c for c in digits)
    encoding = draw(st.sampled_from(ENCODINGS))
    if encoding != "none":
        written = "".join(encode_digit(c, encoding, i) if c.isdigit() else c for i, c in enumerate(written))
    return Number(country, national, written)


def encode_digit(c: str, encoding: str, i: int = 0) -> str:
    """One digit written escaped: ``%37``, ``%2537``, ``&#55;``, ``&#x37;`` (UTF-8 bytes for other scripts)."""
    if encoding == "percent":
        return "".join(f"%{b:02X}" for b in c.encode())
    if encoding == "percent-twice":
        return "".join(f"%25{b:02X}" for b in c.encode())
    if encoding == "entity-dec" or (encoding == "entity-mixed" and i % 2):
        return f"&#{ord(c)};"
    if encoding in ("entity-hex", "entity-mixed"):
        return f"&#x{ord(c):x};"
    return c


@st.composite
def in_context(draw: st.DrawFn, number: Number) -> str:
    """``number`` inside a little text, as a report or an echoing server would put it."""
    before, after = draw(st.sampled_from(CONTEXTS))
    return f"{before}{number.written}{after}"


@st.composite
def tokens(draw: st.DrawFn) -> str:
    """A signed JWT with generated claims."""
    claims = {"oid": draw(st.uuids()).hex, "upn": draw(st.emails()), "scp": "UserAuthenticationMethod.ReadWrite.All",
              "iat": int(time.time()), "n": draw(st.integers(0, 2**40))}
    secret = draw(st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=48, max_size=64))
    return jwt.encode(claims, secret, algorithm=draw(st.sampled_from(["HS256", "HS384"])))


def chunked(token: str, size: int = 10, joiner: str = " ") -> str:
    """``token`` echoed in ``size``-character chunks."""
    return joiner.join(token[i:i + size] for i in range(0, len(token), size))


def slices_shown(text: str, token: str, size: int = 8) -> list[str]:
    """Every ``size``-character fragment of ``token`` that ``text`` shows."""
    return sorted({token[i:i + size] for i in range(len(token) - size + 1) if token[i:i + size] in text})


def token_fragments(token: str) -> list[str]:
    """The parts of a token that must never show: the whole, the signature, header+payload, the payload."""
    header, payload, signature = token.split(".")
    return [token, signature, f"{header}.{payload}", payload, token[:24]]


@st.composite
def token_forms(draw: st.DrawFn, token: str) -> str:
    """How a token turns up in text: whole, after ``Bearer``, as a fragment, echoed in an error body."""
    header, payload, _ = token.split(".")
    form = draw(st.sampled_from([token, f"Bearer {token}", f"bearer\t{token}", f"{header}.{payload}", payload,
                                 token[:draw(st.integers(12, len(token)))], f"Authorization: Bearer {token}"]))
    if draw(st.booleans()):
        form = '{"error": {"code": "InvalidAuthenticationToken", "message": "token \'' + form + '\' is invalid"}}'
    return form


def normalise(text: str) -> str:
    """``text`` with every script's digits as ASCII and everything but digits and ``*`` removed."""
    out = []
    for c in text:
        if c.isdigit():
            out.append(str(int(c)))
        else:
            out.append(c)
    return _NOT_DIGIT_OR_STAR.sub("", "".join(out))


_GUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_RUN = re.compile(r"(?:\d|\*|[^\w\n\"':,;=&\[\]{}<>|]|\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|t)|%2B)+")


def decoded(text: str) -> str:
    """``text`` with HTML character references and percent-encoding undone (twice: double encoding too)."""
    for _ in range(3):
        text = unquote(html.unescape(text))
    return text


def number_leaks(text: str, number: Number) -> bool:
    """True when ``text`` shows ``number`` unmasked, in any written form (each run of digits and
    separators is read on its own, GUIDs aside; percent-encoding and HTML references decoded first)."""
    text = _GUID.sub(" ", decoded(text))
    return any(number.secret in normalise(re.sub(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|t)|%2B", " ", run))
               for run in _RUN.findall(text) if any(c.isdigit() for c in run))


def token_leaks(text: str, token: str) -> list[str]:
    """The fragments of ``token`` that ``text`` shows."""
    return [f for f in token_fragments(token) if f in text]


READABLE = [
    "started 2025-01-01T10:00:00+00:00, finished 2025-01-01 10:01:00, 12 requests, +5 more",
    "request-id 83d702e2-e56c-43bf-a24e-b61957b92c54 user 00000000-0000-0000-0000-000000000001",
    "journal reports/journal/20261130T230240Z-gw0-2448ac.jsonl, run 20261130T230240Z",
    "@seed(302934307671667531413257853548643485645) took 21.7 s; 7643 requests; elapsed_ms 12.3",
    "python 3.11.7 on 127.0.0.1:8080, pid 12345, exit 4, 51 of 51 faults in 272 s",
    "3179e48a-750b-4051-897c-87b9720928f7 b6332ec1-7057-4abe-9331-3d72feddfe41",
]
"""Report text that masking must leave exactly as it is."""
