"""``python -m conformance token``: a bearer token for one permission context, for a reproduce command.

Profiles whose ``[auth] kind`` is ``mint`` (the emulators) sign one here; for any other profile the
command says in one line where its tokens come from and exits 2.
"""

from __future__ import annotations

import argparse

from conformance.core.errors import EXIT_CONFORMS, ToolError
from conformance.target.auth.contexts import NAMED_CONTEXTS, parse_context
from conformance.target.auth.providers import MintProvider
from conformance.target.profile import TargetProfile, User, load_profile

DEFAULT_SUBJECT_ROLES = {
    "admin": ("privileged_auth_admin", "global_admin", "caller"),
    "auth-admin": ("auth_admin", "caller"),
    "reader": ("global_reader", "caller"),
}
"""Whose token a named context is by default (the first of these roles the profile has); else the caller."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``token``."""
    p = sub.add_parser("token", help="print a bearer token for a permission context (profiles that mint)")
    p.add_argument("--target", help="target profile TOML (default: the embedded emulator's)")
    p.add_argument("--context", default="admin",
                   help=f"a name ({', '.join(NAMED_CONTEXTS)}) or 'KIND scp=A,B wids=ROLE' as a failure "
                        "prints it (default: admin)")
    p.add_argument("--user", help="the profile key of the signed-in user (default: by context)")


def command(args: argparse.Namespace) -> int:
    """Print the token; exit 2 with one line where the profile cannot mint one."""
    profile = load_profile(args.target)
    print(mint_token(profile, args.context, args.user) or "")
    return EXIT_CONFORMS


def cannot_mint(profile: TargetProfile) -> str:
    """One line: where the tokens of a profile that cannot mint come from."""
    auth = profile.auth
    if auth.kind == "static":
        envs = ", ".join(sorted({t.env for t in auth.static_tokens})) or "none configured"
        return (f"profile {profile.name!r} cannot mint tokens (auth kind static): its tokens are read from "
                f"the environment ({envs}); export TOKEN with the one the failure's context names")
    return (f"profile {profile.name!r} cannot mint tokens (auth kind {auth.kind}): sign in as the failure's "
            "user with your identity tooling (e.g. `az account get-access-token --resource "
            "https://graph.microsoft.com`) and export TOKEN")


def mint_token(profile: TargetProfile, context: str, user: str | None = None) -> str | None:
    """A token for ``context`` signed in as profile user ``user`` (``None`` for the ``none`` kind).

    Raises :class:`ToolError` (one line, exit 2) for a profile that cannot mint, an unknown context or user.
    """
    if profile.auth.kind != "mint":
        raise ToolError(cannot_mint(profile))
    try:
        ctx = parse_context(context)
    except ValueError as exc:
        raise ToolError(str(exc)) from None
    subject: User | None = None
    if ctx.token_kind != "application":
        subject = _subject(profile, context, user)
    return MintProvider(profile).token(ctx, subject)


def _subject(profile: TargetProfile, context: str, user: str | None) -> User:
    if user is not None:
        if user not in profile.users:
            raise ToolError(f"unknown user {user!r} (the profile's users: {', '.join(profile.users)})")
        return profile.users[user]
    for role in (*DEFAULT_SUBJECT_ROLES.get(context.strip(), ()), "caller"):
        if profile.has_role(role):
            return profile.user_for(role)
    return next(iter(profile.users.values()))
