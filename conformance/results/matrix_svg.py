"""The permission matrix as an inline SVG: contexts × operations × addressees, one coloured cell each.

Built from the run's ``permission`` observations (one per request the permission tests sent: the
context, the operation, the statuses the rule model allows and the status the target answered).
A cell is green when the target allowed what the model allows, blue when it refused what the model
refuses, amber where the pages leave the answer open, red when the answer broke the model, and
light gray where the run sent nothing.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape
from typing import Any

OPERATIONS = ("list", "get", "create", "update", "delete", "enable", "disable")
ADDRESSEES = ("me", "self_id", "self_upn", "ordinary_target", "privileged_target")
COLOURS = {"allowed": "#2e9d57", "refused": "#5b86d6", "open": "#e0a526", "mismatch": "#d42a2a", "none": "#eceff3"}
LEGEND = (("allowed", "allowed, as the model says"), ("refused", "refused, as the model says"),
          ("open", "open: the pages leave it open (recorded)"), ("mismatch", "answer breaks the model"),
          ("none", "not sent"))
MAX_ROWS = 48
LABEL_CHARS = 46
CELL, GAP, GROUP_GAP, LABEL_W, TOP = 14, 2, 12, 330, 64

ROLE_ABBREVIATIONS = {
    "privileged_authentication_administrator": "PrivAuthAdmin",
    "authentication_administrator": "AuthAdmin",
    "global_administrator": "GlobalAdmin",
    "global_reader": "GlobalReader",
}


def short_context(text: str) -> str:
    """A context description made short enough for a row label."""
    words = []
    for word in text.split():
        key, _, value = word.partition("=")
        if not value:
            words.append("" if key == "delegated" else key)
            continue
        items = [v.replace("UserAuthenticationMethod.", "UAM.").replace("UserAuthMethod-Phone.", "Phone.")
                 for v in value.split(",")]
        if key == "wids":
            items = [ROLE_ABBREVIATIONS.get(v, "".join(p[:1].upper() for p in v.split("_"))) for v in value.split(",")]
        words.append(("roles:" if key == "roles" else "") + "+".join(items))
    text = " ".join(w for w in words if w) or "delegated, no scope"
    return text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 1] + "…"


def _cells(observations: list[dict[str, Any]]) -> dict[str, dict[tuple[str, str], str]]:
    """context -> (addressee, operation) -> state."""
    seen: dict[str, dict[tuple[str, str], list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for o in observations:
        if o.get("topic") != "permission":
            continue
        text = str(o.get("context") or "")
        ctx, _, addressee = text.rpartition(" addressee=")
        seen[ctx or text][(addressee or "me", str(o.get("operation")))].append(o)
    out: dict[str, dict[tuple[str, str], str]] = {}
    for ctx, cells in seen.items():
        out[ctx] = {}
        for key, obs in cells.items():
            if any(o.get("status") not in (o.get("expected") or []) for o in obs):
                state = "mismatch"
            elif any(o.get("open") for o in obs):
                state = "open"
            elif all(isinstance(o.get("status"), int) and 200 <= o["status"] < 300 for o in obs):
                state = "allowed"
            else:
                state = "refused"
            out[ctx][key] = state
    return out


def permission_matrix(observations: list[dict[str, Any]]) -> str:
    """The matrix section (heading, SVG, legend); empty when the run sent no permission request."""
    cells = _cells(observations)
    if not cells:
        return ""
    order = sorted(cells, key=lambda c: (-sum(s == "mismatch" for s in cells[c].values()),
                                         -len(cells[c]), short_context(c)))
    shown, hidden = order[:MAX_ROWS], len(order) - MAX_ROWS
    group_w = len(OPERATIONS) * (CELL + GAP)
    width = LABEL_W + len(ADDRESSEES) * (group_w + GROUP_GAP)
    height = TOP + len(shown) * (CELL + GAP) + 8
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" id="permission-matrix" role="img" '
           f'aria-label="permission matrix" width="{width}" height="{height}" viewBox="0 0 {width} {height}">']
    for g, addressee in enumerate(ADDRESSEES):
        x0 = LABEL_W + g * (group_w + GROUP_GAP)
        svg.append(f'<text x="{x0}" y="14" font-weight="600">{escape(addressee)}</text>')
        for i, op in enumerate(OPERATIONS):
            x = x0 + i * (CELL + GAP) + CELL / 2
            svg.append(f'<text x="{x}" y="{TOP - 6}" transform="rotate(-60 {x} {TOP - 6})">{escape(op)}</text>')
    for r, ctx in enumerate(shown):
        y = TOP + r * (CELL + GAP)
        svg.append(f'<text x="{LABEL_W - 8}" y="{y + CELL - 3}" text-anchor="end"><title>{escape(ctx)}</title>'
                   f"{escape(short_context(ctx))}</text>")
        for g, addressee in enumerate(ADDRESSEES):
            x0 = LABEL_W + g * (group_w + GROUP_GAP)
            for i, op in enumerate(OPERATIONS):
                state = cells[ctx].get((addressee, op), "none")
                svg.append(f'<rect class="cell {state}" x="{x0 + i * (CELL + GAP)}" y="{y}" width="{CELL}" '
                           f'height="{CELL}" rx="2" fill="{COLOURS[state]}"><title>{escape(ctx)} · {op} on '
                           f"{addressee}: {state}</title></rect>")
    svg.append("</svg>")
    legend = " ".join(f'<span class="badge" style="background:{COLOURS[k]};color:{"#222" if k == "none" else "#fff"}">'
                      f"{escape(label)}</span>" for k, label in LEGEND)
    more = f'<p class="muted">{hidden} more context(s) in results.json (observations, topic "permission").</p>' \
        if hidden > 0 else ""
    return ('<h2 id="permissions">Permission matrix</h2><p class="muted">Each row a caller (token kind, scopes, '
            "directory roles); each column an operation on an addressee; each cell what the target answered "
            f"against the rule model.</p><p>{legend}</p><div class=\"svgwrap\">{''.join(svg)}</div>{more}")
