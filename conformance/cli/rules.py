"""``python -m conformance rules``: the rule catalog as text or markdown, and the generated docs.

The README's rule table and ``docs/rules-and-faults.md``'s rule and fault tables are generated from
the catalog (``conformance/spec/rules.py``) and the emulator's fault catalog (``emulator/faults.py``)
between ``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->`` markers. ``--write-docs``
rewrites them; a project test fails when they drift.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from conformance import PROJECT_ROOT
from conformance.core.errors import EXIT_CONFORMS, ToolError
from conformance.spec.rules import RULES, Rule

GENERATED_FILES = {"README.md": ("rules",), "docs/rules-and-faults.md": ("rules", "faults")}
"""Which generated blocks each document holds."""


def selected_rules(edition: str | None = None) -> list[Rule]:
    """The catalog's rules, in catalog order, limited to ``edition`` when given."""
    return [r for r in RULES.values() if not edition or edition in r.editions]


def rules_markdown(edition: str | None = None) -> str:
    """The rule table in markdown: id, severity, editions, statement, source."""
    lines = ["| rule | severity | editions | statement | source |", "|---|---|---|---|---|"]
    lines += [f"| `{r.id}` | {r.severity} | {', '.join(r.editions)} | {r.statement} | {r.source} |"
              for r in selected_rules(edition)]
    return "\n".join(lines)


def rules_text(edition: str | None = None) -> str:
    """The rule list as aligned plain text, each rule followed by its source."""
    out = []
    for r in selected_rules(edition):
        out.append(f"{r.id:<36} {r.severity:<9} {','.join(r.editions):<13} {r.statement}")
        out.append(f"{'':<36} source: {r.source}")
    return "\n".join(out)


def fault_catalog() -> dict[str, Any]:
    """The emulator's fault catalog in :class:`graph_phone_emulator.faults.FaultName` order (name -> fault with
    ``description`` and ``rules``); the keys are the enum's members, equal to the names as strings."""
    try:
        from graph_phone_emulator.faults import FAULTS, FaultName  # the emulator ships beside the suite; optional here
    except ImportError as exc:  # pragma: no cover - the emulator is part of this distribution
        raise ToolError(f"the emulator's fault catalog cannot be imported ({exc})") from None
    return {name: FAULTS[name] for name in FaultName}


def faults_markdown() -> str:
    """The fault table in markdown: name, what the emulator does wrong, the rules it must break."""
    lines = ["| fault | what the emulator does wrong | rules it breaks |", "|---|---|---|"]
    for name, fault in fault_catalog().items():
        rules = ", ".join(f"`{r}`" for r in fault.rules)
        lines.append(f"| `{name}` | {fault.description.replace('|', '/')} | {rules} |")
    return "\n".join(lines)


def _block(name: str) -> str:
    return {"rules": rules_markdown, "faults": faults_markdown}[name]()


def regenerate(text: str, name: str) -> str:
    """``text`` with its ``generated:name`` block replaced by the current table."""
    pattern = re.compile(rf"(<!-- generated:{name} -->\n)(?:.*?\n)?(<!-- /generated:{name} -->)", re.S)
    if not pattern.search(text):
        raise ToolError(f"no <!-- generated:{name} --> block to fill")
    return pattern.sub(lambda m: m.group(1) + _block(name) + "\n" + m.group(2), text)


def drifted_docs(root: Path = PROJECT_ROOT) -> list[str]:
    """The generated documents whose blocks differ from the catalogs (empty when all are current)."""
    stale = []
    for rel, blocks in GENERATED_FILES.items():
        text = (root / rel).read_text()
        fresh = text
        for name in blocks:
            fresh = regenerate(fresh, name)
        if fresh != text:
            stale.append(rel)
    return stale


def write_docs(root: Path = PROJECT_ROOT) -> list[str]:
    """Rewrite every generated block; returns the documents that changed."""
    changed = []
    for rel, blocks in GENERATED_FILES.items():
        path = root / rel
        text = path.read_text()
        fresh = text
        for name in blocks:
            fresh = regenerate(fresh, name)
        if fresh != text:
            path.write_text(fresh)
            changed.append(rel)
    return changed


def add_parser(sub: Any) -> None:
    """Register ``rules`` on the command line."""
    p = sub.add_parser("rules", help="list the rule catalog; regenerate the docs' rule and fault tables")
    p.add_argument("--edition", choices=("seed", "current"))
    p.add_argument("--markdown", action="store_true", help="a markdown table")
    p.add_argument("--write-docs", action="store_true",
                   help="rewrite the generated tables in README.md and docs/rules-and-faults.md")
    p.add_argument("--check-docs", action="store_true", help="exit 2 when the generated tables drifted")


def command(args: argparse.Namespace) -> int:
    """``python -m conformance rules``."""
    if args.write_docs:
        for rel in write_docs():
            print(f"rewrote {rel}")
        return EXIT_CONFORMS
    if args.check_docs:
        stale = drifted_docs()
        if stale:
            raise ToolError(f"generated tables drifted in {', '.join(stale)}: run "
                            "`python -m conformance rules --write-docs`")
        return EXIT_CONFORMS
    print(rules_markdown(args.edition) if args.markdown else rules_text(args.edition))
    return EXIT_CONFORMS
