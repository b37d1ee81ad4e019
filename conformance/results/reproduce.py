"""A failure's reproduce script: a target to talk to, the state set up before it, and the failing request.

Built from ``results.json`` alone (a rule's ``replay`` record and the run's ``target``), as shell lines a
person pastes: every word quoted with :func:`shlex.quote`, tokens only as ``"$TOKEN"`` / ``"$ADMIN"``
(double quotes, so the shell expands them), never a token itself.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from conformance.target.client import PHONE_METHODS
from conformance.target.target import CREATE_ORDER, DELETE_ORDER
from strategies.methods import PHONE_METHOD_IDS as METHOD_IDS


def emulator_command(target: Mapping[str, Any], port: int | None) -> str:
    """The command that starts a standalone emulator answering as the run's embedded one did."""
    words = ["python", "-m", "graph_phone_emulator"]
    profile = target.get("profile")
    if profile and not str(profile).endswith("conformance/targets/emulator.toml"):
        words += ["--profile", str(profile)]
    if port:
        words += ["--port", str(port)]
    if target.get("edition"):
        words += ["--edition", str(target["edition"])]
    if target.get("emulator_gray"):
        words += ["--gray", str(target["emulator_gray"])]
    choices = target.get("emulator_choices") or []
    if isinstance(choices, Mapping):
        choices = [f"{k}={v}" for k, v in choices.items()]
    for choice in choices:
        words += ["--choice", str(choice)]
    if target.get("emulator_observations"):
        words += ["--observations", str(target["emulator_observations"])]
    for fault in target.get("emulator_faults") or []:
        words += ["--fault", str(fault)]
    return shlex.join(words)


def token_command(target: Mapping[str, Any], context: str, user: str | None) -> str:
    """``python -m conformance token ...`` for the run's profile."""
    words = ["python", "-m", "conformance", "token"]
    if target.get("profile") and not str(target["profile"]).endswith("conformance/targets/emulator.toml"):
        words += ["--target", str(target["profile"])]
    words += ["--context", context]
    if user:
        words += ["--user", user]
    return shlex.join(words)


DERIVED_HEADERS = frozenset({"content-length", "connection", "accept-encoding", "user-agent", "host",
                             "x-schemathesis-testcaseid"})
"""Headers the HTTP library (or schemathesis) adds on its own: curl and a replay set their own."""


def sent_headers(replay: Mapping[str, Any]) -> dict[str, str]:
    """The recorded request's headers a person needs to send again (no token, none the client derives)."""
    return {k: v for k, v in (replay.get("headers") or {}).items()
            if k.lower() not in DERIVED_HEADERS and k.lower() != "authorization"}


def base_of(replay: Mapping[str, Any]) -> str:
    """The base URL the failing request went to (its URL less its path)."""
    url, path = str(replay.get("url") or ""), str(replay.get("path") or "")
    return url[: len(url) - len(path)] if path and url.endswith(path) else url


def request_curl(replay: Mapping[str, Any], base_url: str | None = None) -> str:
    """The failing request as one shell-safe ``curl`` line (token as ``"$TOKEN"``)."""
    url = (base_url.rstrip("/") + str(replay["path"])) if base_url else str(replay.get("url") or replay["path"])
    words = ["curl", "-sS", "-i", "-X", shlex.quote(str(replay["method"])), shlex.quote(url)]
    for k, v in sent_headers(replay).items():
        words += ["-H", shlex.quote(f"{k}: {v}")]
    if replay.get("authorization") == "token":
        words += ["-H", '"Authorization: Bearer $TOKEN"']
    elif replay.get("authorization") == "empty":
        words += ["-H", shlex.quote("Authorization: Bearer ")]
    if replay.get("body") is not None:
        words += ["--data-raw", shlex.quote(str(replay["body"]))]
    return " ".join(words)


def setup_curls(replay: Mapping[str, Any], base_url: str, profile_users: Mapping[str, str] | None = None) -> list[str]:
    """``curl`` lines that bring each user to the state the run set before the request (token ``"$ADMIN"``).

    ``profile_users``: user key -> id (the run's ids are taken from the recorded path when absent).
    """
    lines: list[str] = []
    for key, want in (replay.get("setup") or {}).items():
        uid = (profile_users or {}).get(key) or key
        prefix = f"{base_url.rstrip('/')}/users/{uid}{PHONE_METHODS}"
        auth = '"Authorization: Bearer $ADMIN"'
        for kind in DELETE_ORDER:
            lines.append(f"curl -s -o /dev/null -w '%{{http_code}}\\n' -X DELETE "
                         f"{shlex.quote(prefix + '/' + METHOD_IDS[kind])} -H {auth}")
        for kind in CREATE_ORDER:
            if kind in want:
                body = json.dumps({"phoneNumber": want[kind], "phoneType": kind})
                lines.append(f"curl -s -o /dev/null -w '%{{http_code}}\\n' -X POST {shlex.quote(prefix)} "
                             f"-H 'Content-Type: application/json' -H {auth} --data-raw {shlex.quote(body)}")
    return lines


def reproduce_script(replay: Mapping[str, Any] | None, target: Mapping[str, Any], *, results_dir: str,
                     rule: str, users: Mapping[str, str] | None = None) -> str | None:
    """The shell lines that send the failing request again against a target like the run's; ``None`` without a record.

    ``users``: profile user key -> id, for the set-up lines (read from the profile by the caller).
    """
    if not replay:
        return None
    base = base_of(replay)
    embedded = target.get("base_url") == "embedded"
    lines = [f"# in one command: {shlex.join(['python', '-m', 'conformance', 'replay', results_dir, rule])}"]
    if embedded:
        port = urlsplit(base).port
        lines.append("# the run's embedded emulator stopped with the run; start the same one in another shell:")
        lines.append(f"#   {emulator_command(target, port)}")
    mint = target.get("kind") != "tenant"
    if replay.get("setup") and mint:
        lines.append("# the state before the request (the suite's set-up; a 404 on DELETE is fine):")
        admin_ctx = "admin"
        lines.append(f"ADMIN=$({token_command(target, admin_ctx, replay.get('admin_subject'))})")
        lines += setup_curls(replay, base, users or replay.get("users"))
    elif replay.get("setup"):
        held = "; ".join(f"{k} holds {', '.join(sorted(v)) or 'nothing'}" for k, v in replay["setup"].items())
        lines.append(f"# before the request: {held}")
    if replay.get("authorization") == "token":
        context = replay.get("context")
        if mint and context:
            lines.append(f"TOKEN=$({token_command(target, context, replay.get('subject'))})")
        else:
            lines.append(f"# TOKEN: a token for [{context or 'the context the failure names'}]"
                         + (f" signed in as {replay['subject']}" if replay.get("subject") else ""))
    lines.append(f"# the failing request (the run got {replay.get('status')}):")
    lines.append(request_curl(replay))
    return "\n".join(lines)
