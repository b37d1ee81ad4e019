"""pytest plugin: Allure labels, parameters and failure attachments for the suite's tests.

Registered by :mod:`conformance.pytest_plugin.plugin`. For every test with ``@pytest.mark.rule`` markers:

* labels from the rule catalog: epic = operation, feature = rule group, story = rule id,
  severity (the highest of the test's rules), and a link to each rule's spec source;
* parameters: the permission context(s) the test used and, on failure, the minimal example
  Hypothesis found (excluded from Allure's history id, so trends still match runs up);
* on failure, attachments: the last request/response exchanges (tokens already ``MASKED`` by the
  client, scrubbed again here), the counterexample, the Hypothesis seed with a rerun command, and a
  ``curl`` line for the failing request.

At the end of the session every report file (Allure results, JUnit XML, results) is scrubbed of the
tokens the run used, and phone numbers are masked as the target's kind says (a tenant's but the
suite's own; none on an emulator: see :mod:`conformance.core.privacy`).
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import allure
import pytest
from hypothesis.vendor import pretty as _pretty

from conformance.core.privacy import NumberPolicy, Secrets, redact_tree
from conformance.core.privacy import clean as clean_text
from conformance.pytest_plugin.collector import counterexample
from conformance.pytest_plugin.settings import profile_of, results_dir
from conformance.spec.rules import RULES, SEVERITIES, Rule
from conformance.target.auth.contexts import describe_context

LEARN = "https://learn.microsoft.com/en-us/graph/api/"
V1 = "?view=graph-rest-1.0"
OPERATION_PAGES = {
    "update": LEARN + "phoneauthenticationmethod-update" + V1,
    "create": LEARN + "authentication-post-phonemethods" + V1,
    "list": LEARN + "authentication-list-phonemethods" + V1,
    "get": LEARN + "phoneauthenticationmethod-get" + V1,
    "delete": LEARN + "phoneauthenticationmethod-delete" + V1,
    "enable": LEARN + "phoneauthenticationmethod-enablesmssignin" + V1,
    "disable": LEARN + "phoneauthenticationmethod-disablesmssignin" + V1,
}
SOURCE_PAGES = {
    "D-update": OPERATION_PAGES["update"],
    "D-post": OPERATION_PAGES["create"],
    "D-list": OPERATION_PAGES["list"],
    "D-get": OPERATION_PAGES["get"],
    "D-delete": OPERATION_PAGES["delete"],
    "D-enable": OPERATION_PAGES["enable"],
    "D-disable": OPERATION_PAGES["disable"],
    "D-res": "https://learn.microsoft.com/en-us/graph/api/resources/phoneauthenticationmethod" + V1,
    "D-err": "https://learn.microsoft.com/en-us/graph/errors",
    "D-thr": "https://learn.microsoft.com/en-us/graph/throttling-limits",
    "E-roles": "https://learn.microsoft.com/en-us/entra/identity/role-based-access-control/permissions-reference",
    "E-priv": "https://learn.microsoft.com/en-us/entra/identity/role-based-access-control/"
              "privileged-roles-permissions",
    "E-claims": "https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference",
}
ATTACHED_EXCHANGES = 8
OWN_REPORTS = ("results.json", "summary.md", "index.html")
CURL_REQUESTS = 3
KEPT_EXCHANGES = 64
_EXAMPLE_ARG = re.compile(r"^ {4}(\w+)=(.*)$")
_EXAMPLE_COMMENT = re.compile(r",?\s*#[^'\"]*$")
_DRAW = re.compile(r"^Draw (\d+)(?: \((.+?)\))?: (.*)$")
_CAPTURE = pytest.StashKey["Capture"]()
_SECRETS = pytest.StashKey[set[str]]()


class ExamplePrinter(_pretty.RepresentationPrinter):
    """Hypothesis's printer, with the suite's fixture objects (target, profile, client) abbreviated."""

    def pretty(self, obj: object, *, cycle: bool = False) -> None:
        """Print ``obj``; a target, profile, auth config, client or token provider in one short token."""
        short = _fixture_repr(obj)
        if short is not None:
            self.text(short)
            return
        super().pretty(obj, cycle=cycle)


def _fixture_repr(obj: object) -> str | None:
    kind = type(obj).__name__
    module = type(obj).__module__
    if not module.startswith("conformance."):
        return None
    if kind == "Target":
        return f"<target {obj.profile.name!r} edition {obj.edition!r}>"  # type: ignore[attr-defined]
    if kind == "TargetProfile":
        return f"<profile {obj.name!r}>"  # type: ignore[attr-defined]
    if kind in {"AuthConfig", "MintProvider", "StaticProvider", "MsalProvider", "GraphClient"}:
        return f"<{kind}>"
    return None


@dataclass
class Capture:
    """What one test sent: its exchanges and the permission contexts of the tokens it used."""

    exchanges: deque[Any] = field(default_factory=lambda: deque(maxlen=KEPT_EXCHANGES))
    contexts: list[str] = field(default_factory=list)


# -- labels --------------------------------------------------------------------------------------
def item_rules(item: pytest.Item) -> list[Rule]:
    """The catalog rules a test names with ``@pytest.mark.rule``."""
    return [RULES[rid] for m in item.iter_markers("rule") for rid in m.args if rid in RULES]


def highest_severity(rules: list[Rule]) -> str:
    """The most severe of the rules' severities (blocker first)."""
    return min((r.severity for r in rules), key=SEVERITIES.index, default="normal")


def spec_links(rule: Rule) -> list[tuple[str, str]]:
    """(url, name) links to the spec pages a rule's source cites; the operation's page by default."""
    urls: list[str] = []
    if rule.source.startswith("seed page"):
        urls.append(OPERATION_PAGES["update"])
    urls += [SOURCE_PAGES[k] for k in re.findall(r"\b[DE]-[a-z]+\b", rule.source) if k in SOURCE_PAGES]
    if not urls:
        urls.append(OPERATION_PAGES.get(rule.operation, OPERATION_PAGES["update"]))
    name = f"{rule.id}: {rule.source}"
    name = name if len(name) <= 120 else name[:117] + "..."
    unique = list(dict.fromkeys(urls))
    return [(u, name if i == 0 else f"{rule.id}: {u.rsplit('/', 1)[-1]}") for i, u in enumerate(unique)]


def label_marks(rules: list[Rule]) -> list[Any]:
    """The Allure markers for a test of ``rules`` (empty when allure-pytest is not active).

    One epic, feature and story each, from the test's first rule: Allure's behaviour tree shows a
    result once under every story it carries, so a test of two rules would appear up to four times.
    Every rule the test covers is a ``rule`` label and a tag (filterable), and has its spec links.
    """
    first = rules[0]
    marks = [
        allure.epic(first.operation),
        allure.feature(first.group),
        allure.story(first.id),
        allure.severity(allure.severity_level(highest_severity(rules))),
        allure.label("rule", *(r.id for r in rules)),
        allure.tag(*(r.id for r in rules[1:])) if len(rules) > 1 else None,
    ]
    for r in rules:
        marks += [allure.link(url, name=name) for url, name in spec_links(r)]
    return [m for m in marks if isinstance(m, pytest.MarkDecorator)]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give every rule test its Allure labels and links (before Allure's own label selection)."""
    for item in items:
        rules = item_rules(item)
        for mark in label_marks(rules) if rules else ():
            item.add_marker(mark)


# -- capture during the call ---------------------------------------------------------------------
def install_example_printer() -> bool:
    """Make Hypothesis print falsifying examples readably and without the profile; True if it changed.

    Two problems with the printer Hypothesis uses for "Falsifying example: ..." lines:

    * ``schemathesis.generation.hypothesis.setup()`` (run when schemathesis is imported or its pytest
      plugin loads) swaps ``hypothesis.core.RepresentationPrinter`` for one that prints nothing, which
      blanks every counterexample of the suite's properties (``pair=,``);
    * the pytest fixtures are printed too, and ``target`` would print the whole profile, signing
      secret included.

    :class:`ExamplePrinter` is Hypothesis's own printer that abbreviates the suite's fixture objects.
    schemathesis patches only once, so installing it before each test holds for the whole run.
    """
    try:
        from hypothesis import core
    except ImportError:  # pragma: no cover
        return False
    if getattr(core, "RepresentationPrinter", None) is ExamplePrinter:
        return False
    core.RepresentationPrinter = ExamplePrinter
    return True


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Record the test's exchanges and the contexts of the tokens it asks for."""
    install_example_printer()
    target = getattr(item, "funcargs", {}).get("target") if item_rules(item) else None
    if target is None or not hasattr(target, "client"):
        yield
        return
    cap = Capture()
    item.stash[_CAPTURE] = cap
    secrets = item.config.stash.setdefault(_SECRETS, set())
    original = target.token

    def token(ctx: Any, subject: Any = None) -> str | None:
        value = original(ctx, subject)
        if value:
            secrets.add(value)
        shown = _describe(ctx)
        if shown not in cap.contexts:
            cap.contexts.append(shown)
        return value

    target.client.listeners.append(cap.exchanges.append)
    target.token = token
    try:
        yield
    finally:
        target.client.listeners.remove(cap.exchanges.append)
        vars(target).pop("token", None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Add parameters to every rule test and the reproduction attachments to a failing one."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if call.when != "call" or not item_rules(item):
        return
    cap = item.stash.get(_CAPTURE, None)
    secrets = prepared_secrets(item.config)

    def clean(text: str) -> str:
        return clean_text(text, secrets)

    example = falsifying_example(report.longreprtext) if report.failed else {}
    fixtures = set(getattr(item, "fixturenames", ()))
    inputs = {k: v for k, v in example.items() if k not in fixtures and v != "data(...)"}
    context = next((v for v in inputs.values() if v.startswith("PermissionContext(")), None)
    if context is None and cap is not None and cap.contexts:
        shown = cap.contexts[:3] + ([f"... (+{len(cap.contexts) - 3} more)"] if len(cap.contexts) > 3 else [])
        context = " | ".join(shown)
    if context:
        allure.dynamic.parameter("permission context", clean(context), excluded=True)
    allure.dynamic.parameter("token", "MASKED", excluded=True, mode=allure.parameter_mode.MASKED)
    if "[" in item.name and getattr(item, "callspec", None) is None:
        # parametrized outside pytest (schemathesis): without this every case shares one history id,
        # and Allure would count them as retries of one test
        allure.dynamic.parameter("case", clean(item.name[item.name.index("["):]))
    for name, value in inputs.items():
        allure.dynamic.parameter(f"input: {name}", clean(value[:300]), excluded=True)
    if report.failed:
        _attach_failure(item, cap, report, clean)


def _attach_failure(item: pytest.Item, cap: Capture | None, report: pytest.TestReport, clean: Any) -> None:

    text = counterexample(report.longreprtext or "")
    as_text = allure.attachment_type.TEXT
    allure.attach(clean(text), name="counterexample (minimal example)", attachment_type=as_text)
    allure.attach(clean(reproduction(item)), name="seed and rerun", attachment_type=as_text)
    exchanges = list(cap.exchanges) if cap is not None else []
    if exchanges:
        shown = [_exchange_dict(ex) for ex in exchanges[-ATTACHED_EXCHANGES:]]
        allure.attach(clean(json.dumps(shown, indent=2)), name=f"last {len(shown)} exchanges (tokens masked)",
                      attachment_type=allure.attachment_type.JSON)
        allure.attach(clean(curl_script(exchanges[-CURL_REQUESTS:])),
                      name=f"curl (last {min(len(exchanges), CURL_REQUESTS)} requests; token as $TOKEN)",
                      attachment_type=as_text)


# -- reproduction helpers ------------------------------------------------------------------------
def falsifying_example(longrepr: str) -> dict[str, str]:
    """The arguments and labelled draws of Hypothesis's (minimal) falsifying example in a failure text."""
    out: dict[str, str] = {}
    inside, last = False, None
    for raw in (longrepr or "").splitlines():
        line = raw[4:] if raw.startswith("E   ") else raw
        if line.startswith("Falsifying example:"):
            inside = True
            continue
        if inside:
            m = _EXAMPLE_ARG.match(line)
            if line.startswith(")"):
                inside = False
            elif m:
                last = m.group(1)
                out[last] = m.group(2)
            elif last is not None and line.startswith("     "):
                out[last] += " " + line.strip()
            continue
        d = _DRAW.match(line.strip())
        if d:
            out[d.group(2) or f"draw {d.group(1)}"] = d.group(3)
    return {k: _EXAMPLE_COMMENT.sub("", v).rstrip(",").strip() for k, v in out.items()}


def curl_script(exchanges: list[Any]) -> str:
    """``curl`` lines reproducing the given exchanges in order, each with what came back."""
    lines = ["# export TOKEN=...  (a token for the permission context of the test)"]
    for i, ex in enumerate(exchanges, 1):
        lines += [f"# {i}. {ex.method} -> {ex.status}", ex.curl()]
    return "\n".join(lines) + "\n"


def hypothesis_seed(item: pytest.Item) -> str | None:
    """How Hypothesis seeded this test (explicit, derived from the test under derandomize, or generated)."""
    fn = getattr(item, "obj", None)
    handle = getattr(fn, "hypothesis", None)
    if handle is None:
        return None
    explicit = getattr(fn, "_hypothesis_internal_use_seed", None)
    if explicit is not None:
        return f"@seed({explicit})"
    settings = getattr(fn, "_hypothesis_internal_use_settings", None)
    if settings is not None and settings.derandomize:
        try:
            from hypothesis.internal.compat import int_from_bytes
            from hypothesis.internal.reflection import function_digest

            digest = int_from_bytes(function_digest(handle.inner_test))
        except Exception:  # internal API moved: the statement below still holds
            return "derandomize=True: the seed is derived from the test's source; rerunning reproduces"
        return f"{digest} (derandomize=True: derived from the test's source; rerunning reproduces)"
    generated = getattr(fn, "_hypothesis_internal_use_generated_seed", None)
    if generated is not None:
        return f"{generated} (add @seed({generated}) or pass --hypothesis-seed={generated})"
    return None


def rerun_command(item: pytest.Item) -> str:
    """The ``python -m conformance run`` line that reruns this test's rules the same way."""
    opt = item.config.getoption
    parts = ["python -m conformance run"]
    for flag in ("--target", "--edition", "--examples", "--emulator-gray"):
        value = opt(flag, None)
        if value is not None:
            parts.append(f"{flag} {value}")
    if opt("--quick", False):
        parts.append("--quick")
    parts += [f"--emulator-fault {f}" for f in opt("--emulator-fault", []) or []]
    parts += [f"--emulator-choice {c}" for c in opt("--emulator-choice", []) or []]
    parts += [f"--rule {r.id}" for r in item_rules(item)]
    return " ".join(parts)


def reproduction(item: pytest.Item) -> str:
    """The seed statement and the commands that reproduce a failure."""
    seed = hypothesis_seed(item)
    seed = seed or "not a @given test (stateful or plain): the run is derandomized, rerunning reproduces"
    lines = [f"test: {item.nodeid}", f"seed: {seed}",
             f"rerun: {rerun_command(item)}", f"pytest: pytest '{item.nodeid}' -p conformance.pytest_plugin.plugin"]
    return "\n".join(lines) + "\n"


def _exchange_dict(ex: Any) -> dict[str, Any]:
    d = asdict(ex)
    d["elapsed_ms"] = round(d.get("elapsed_ms", 0.0), 1)
    return d


def _describe(ctx: Any) -> str:
    try:

        return describe_context(ctx)
    except Exception:
        return type(ctx).__name__


# -- privacy at the end of the session ------------------------------------------------------------
def known_secrets(config: pytest.Config) -> set[str]:
    """Every token this process handed out in the session, plus the secrets the profile names."""
    secrets = set(config.stash.get(_SECRETS, set()))
    try:

        profile = profile_of(config)
    except Exception:
        return secrets
    import os

    auth = profile.auth
    if auth.secret:
        secrets.add(auth.secret)
    if auth.secret_env and os.environ.get(auth.secret_env):
        secrets.add(os.environ[auth.secret_env])
    for st in auth.static_tokens:
        if os.environ.get(st.env):
            secrets.add(os.environ[st.env])
    return secrets


_PREPARED = pytest.StashKey[Secrets]()


def prepared_secrets(config: pytest.Config) -> Secrets:
    """:func:`known_secrets` made ready to mask, once per session; tokens handed out since are added.

    Numbers are masked as the target's kind says (:meth:`NumberPolicy.for_target`): every number but the
    suite's own on a tenant, none on an emulator, all when the profile cannot be read.
    """
    prepared = config.stash.get(_PREPARED, None)
    if prepared is None:
        prepared = config.stash[_PREPARED] = Secrets(numbers=NumberPolicy.for_target(_target_kind(config)))
    return prepared.add(known_secrets(config))


def _target_kind(config: pytest.Config) -> str | None:
    try:
        return profile_of(config).kind
    except Exception:  # an unreadable profile is reported elsewhere; meanwhile every number is masked
        return None


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Scrub tokens and phone numbers from every report file this session wrote."""
    if hasattr(config, "workerinput"):
        return
    secrets = prepared_secrets(config)
    allure_dir = getattr(config.option, "allure_report_dir", None)
    if allure_dir:
        redact_tree(Path(allure_dir), secrets, numbers=True)
    files = [getattr(config.option, "xmlpath", None)]
    if getattr(config, "_conformance_results", None) is not None:

        files += [str(results_dir(config) / name) for name in OWN_REPORTS]
    for name in filter(None, files):
        if Path(name).is_file():
            redact_tree(Path(name).parent, secrets, numbers=True, only=Path(name).name)
