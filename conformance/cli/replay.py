"""``python -m conformance replay RESULTS_DIR RULE``: send a rule's failing request again; print request and answer.

It needs a target that answers like the run's. A run against the embedded emulator recorded that
emulator's URL, but the emulator stopped with the run: start the same one
(``python -m graph_phone_emulator --port PORT --fault ...``, the exact command is printed) or pass
``--base-url``. The users the request touches are first brought to the state the run set up (on
emulators only); the token is minted for the recorded context where the profile mints, else read from
``$TOKEN``. Exit 0 when the answer is the recorded one, 1 when it differs, 2 for bad input, 3 when
nothing answers.
"""

from __future__ import annotations

import argparse
import contextlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.cli.parser import DEFAULT_RESULTS
from conformance.cli.token import mint_token
from conformance.core.errors import (
    EXIT_CONFORMS,
    EXIT_NONCONFORMANT,
    TargetUnreachable,
    ToolError,
)
from conformance.core.privacy import mask_numbers_in_text
from conformance.results.document import load_results
from conformance.results.expectations import failure_headline
from conformance.results.reproduce import base_of, emulator_command, request_curl, sent_headers
from conformance.safety.guarded import GuardedTarget
from conformance.target.auth.contexts import env_token
from conformance.target.client import TargetBroken
from conformance.target.profile import TargetProfile, load_profile

ANSWER_CHARS = 1500


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``replay``."""
    p = sub.add_parser("replay", help="send a failing rule's request again and print request and answer")
    p.add_argument("results_dir", nargs="?", default=str(DEFAULT_RESULTS), help="a run's reports directory")
    p.add_argument("rule", help="the failing rule's id")
    p.add_argument("--target", help="the run's profile (default: the one results.json names)")
    p.add_argument("--base-url", help="where to send it (default: the profile's URL, or the run's emulator's)")
    p.add_argument("--no-setup", action="store_true", help="send the request as it is, without the set-up")


def command(args: argparse.Namespace) -> int:
    """Replay; exit 0 when the answer is the recorded one, 1 when not."""
    data = load_results(Path(args.results_dir) / "results.json")
    rules = data.get("rules", {})
    if args.rule not in rules:
        raise ToolError(f"{args.rule!r} is not a rule of this run (see: python -m conformance rules)")
    verdict = rules[args.rule]
    replay = verdict.get("replay")
    if not replay:
        why = "did not fail" if verdict.get("verdict") not in ("fail", "broken") else "has no recorded request"
        raise ToolError(f"rule {args.rule} {why} in {args.results_dir}: nothing to replay")
    target_info = data.get("target", {})
    recorded = target_info.get("profile")
    if recorded and str(recorded).endswith("conformance/targets/emulator.toml") and not Path(recorded).exists():
        recorded = None  # the default emulator profile, named relative to where the run was started
    profile = load_profile(args.target or recorded or None)
    if profile.kind != "emulator" and str(replay.get("method", "")).upper() != "GET":
        raise ToolError(f"replay sends only reads to a {profile.kind} (this request is a {replay.get('method')}, "
                        "and a replay keeps no journal to restore from): replay it on an emulator, or rerun the "
                        "rule with `python -m conformance run --rule ...`")
    base_url = _base_url(args, profile, replay, target_info)
    gt = GuardedTarget(profile, base_url, target_info.get("edition") or profile.edition, record=False)
    if replay.get("setup") and not args.no_setup:
        if profile.kind != "emulator":
            print("note: the set-up is not replayed on a tenant; the users hold what they hold now")
        else:
            _setup(gt, profile, replay["setup"], target_info)
    token = _token(profile, replay)
    headers = sent_headers(replay)
    print(f"{args.rule} failed in the run: {failure_headline(verdict.get('counterexample'))[:300]}")
    print(f"> {replay['method']} {base_url}{replay['path']}")
    for k, v in headers.items():
        print(f"> {k}: {v}")
    if replay.get("authorization"):
        print(f"> Authorization: Bearer {'$TOKEN' if replay['authorization'] == 'token' else ''}"
              + (f"   [{replay.get('context')}{' as ' + replay['subject'] if replay.get('subject') else ''}]"
                 if replay.get("context") else ""))
    if replay.get("body") is not None:
        print(f"> {replay['body']}")
    try:
        r = gt.client.request(replay["method"], replay["path"], token=token,
                              data=replay.get("body"), headers=headers)
    except TargetBroken as exc:
        raise TargetUnreachable(_unreachable(base_url, target_info, str(exc))) from None
    print(f"< {r.status_code} {r.reason}")
    for k in ("Content-Type", "Location", "WWW-Authenticate"):
        if k in r.headers:
            print(f"< {k}: {r.headers[k]}")
    if r.text:
        answer = _trim(r.text)
        print(f"< {mask_numbers_in_text(answer) if profile.kind == 'tenant' else answer}")
    recorded = replay.get("status")
    if r.status_code == recorded:
        print(f"reproduced: {r.status_code}, as in the run")
        return EXIT_CONFORMS
    print(f"NOT reproduced: the run got {recorded}, now {r.status_code}")
    return EXIT_NONCONFORMANT


def _base_url(args: argparse.Namespace, profile: TargetProfile, replay: dict[str, Any],
              target_info: dict[str, Any]) -> str:
    """Where the replay goes. A tenant's token goes only to its profile's ``base_url`` (no override); a URL
    read from the results file (which anyone may have edited) must be a loopback emulator's."""
    if args.base_url:
        if profile.kind == "tenant":
            raise ToolError("--base-url is refused for a tenant profile: its token goes only to the profile's "
                            "base_url")
        url = args.base_url.rstrip("/")
        if urlsplit(url).scheme not in ("http", "https"):
            raise ToolError("--base-url is not an http(s) URL")
        return url
    if profile.base_url:
        return profile.base_url.rstrip("/")
    recorded = base_of(replay)
    if (urlsplit(recorded).hostname or "") not in _LOOPBACK:
        raise ToolError("the results file names a non-loopback URL for the run's embedded emulator; "
                        "pass --target PROFILE or --base-url URL")
    return recorded


_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _unreachable(base_url: str, target_info: dict[str, Any], why: str) -> str:
    if target_info.get("base_url") == "embedded":
        start = emulator_command(target_info, urlsplit(base_url).port)
        return (f"nothing answers at {base_url}: the run's embedded emulator stopped with the run; start the "
                f"same one in another shell (`{start}`) and run this again, or pass --base-url URL")
    return f"nothing answers at {base_url} ({why})"


def _setup(gt: GuardedTarget, profile: TargetProfile, setup: dict[str, dict[str, str]],
           target_info: dict[str, Any]) -> None:
    for key, want in setup.items():
        if key not in profile.users:
            raise ToolError(f"the run set up user {key!r}, whom profile {profile.name!r} does not name")
        try:
            gt.reset(profile.users[key], want)
        except TargetBroken as exc:
            raise TargetUnreachable(_unreachable(gt.base_url, target_info, str(exc))) from None
        except AssertionError as exc:
            raise ToolError(f"set-up before the request failed: {exc}") from None
        print(f"set up: {key} holds {', '.join(f'{t} {n}' for t, n in want.items()) or 'nothing'}")


def _token(profile: TargetProfile, replay: dict[str, Any]) -> str | None:
    kind = replay.get("authorization")
    if kind is None:
        return None
    if kind == "empty":
        return ""
    context = replay.get("context")
    if profile.auth.kind == "mint" and context:
        return mint_token(profile, context, replay.get("subject"))
    return env_token("TOKEN", f"for [{context or 'the failing request'}]")


def _trim(text: str) -> str:
    with contextlib.suppress(ValueError):
        text = json.dumps(json.loads(text), ensure_ascii=False)
    return text if len(text) <= ANSWER_CHARS else text[:ANSWER_CHARS] + f" ... ({len(text)} characters)"


__all__ = ["add_parser", "command", "request_curl"]
