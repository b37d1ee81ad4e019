"""The open questions ``observe`` answers, and the scenarios it (and ``diff``) plays to answer them.

Each :class:`Question` is one ``[unk]``/``[inf]`` answer of the facts (graph-facts.md) or one gray-zone
class of numbers (``strategies`` gray labels). It names the scenarios that probe it and how one
outcome becomes an answer (status and error code, a header's presence, the stored form of a number,
the masking shape). The ledger (:mod:`conformance.probes.ledger`) keeps one entry per question.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conformance.probes.scenarios import (
    ALTERNATE,
    MOBILE,
    OFFICE,
    Outcome,
    Scenario,
    example,
    methods_path,
    number,
    number_shape,
    raw_json,
)
from strategies.phone_numbers import GRAY_LABELS, INVALID_LABELS

Answer = dict[str, Any]

OT = "ordinary_target"
_M, _MA, _MO = ("mobile",), ("mobile", "alternateMobile"), ("mobile", "office")


def _status_code(o: Outcome) -> Answer:
    return {"status": o.status, **({"code": o.code} if o.code else {})}


def _allowed(o: Outcome) -> Answer:
    """``accepted``, or ``refused`` with the status and code: for questions where any 2xx means the same."""
    if o.status is not None and 200 <= o.status < 300:
        return {"outcome": "accepted"}
    return {"outcome": "refused", **_status_code(o)}


def _status(o: Outcome) -> Answer:
    return {"status": o.status}


def _header(name: str) -> Callable[[Outcome], Answer]:
    def answer(o: Outcome) -> Answer:
        return {"present": bool(o.headers.get(name))}

    return answer


def _odata(key: str) -> Callable[[Outcome], Answer]:
    """Whether ``key`` annotates the entity (a GET/create body) or, in a list, its first item."""

    def answer(o: Outcome) -> Answer:
        body = o.body if isinstance(o.body, dict) else {}
        if key == "@odata.type" and isinstance(body.get("value"), list):
            items = [i for i in body["value"] if isinstance(i, dict)]
            return {"present": bool(items) and all(key in i for i in items)}
        return {"present": key in body}

    return answer


def _masked(o: Outcome) -> Answer:
    body = o.body if isinstance(o.body, dict) else {}
    items = body.get("value") if isinstance(body.get("value"), list) else []
    shown = next((i.get("phoneNumber") for i in items if isinstance(i, dict) and i.get("phoneType") == "mobile"), None)
    if not isinstance(shown, str):
        return {"status": o.status, "shape": ""}
    full = number(OT, "mobile")
    return {"status": o.status, "shape": number_shape(shown) if shown != full else "full",
            "unmasked": number_shape(full)}


def _read_only(kind: str, sent: str) -> Callable[[Outcome], Answer]:
    """Status and code; for an accepted write, whether the read-only ``smsSignInState`` sent was applied."""

    def answer(o: Outcome) -> Answer:
        out = _status_code(o)
        if o.status is not None and 200 <= o.status < 300:
            out["applied"] = o.state.get(kind, {}).get("smsSignInState") == sent
        return out

    return answer


def _delete(o: Outcome) -> Answer:
    """Status and code; for an accepted delete, the types left (a cascade leaves none)."""
    out = _status_code(o)
    if o.status is not None and 200 <= o.status < 300:
        out["remaining"] = ",".join(sorted(k for k in o.state if k != "unreadable"))
    return out


def _order(o: Outcome) -> Answer:
    items = o.body.get("value") if isinstance(o.body, dict) else None
    types = [str(i.get("phoneType")) for i in items if isinstance(i, dict)] if isinstance(items, list) else []
    return {"order": ",".join(types)}


def _sms_state(o: Outcome) -> Answer:
    return {"state": str(o.state.get("mobile", {}).get("smsSignInState", ""))}


def _gray(label: str) -> Callable[[Outcome], Answer]:
    def answer(o: Outcome) -> Answer:
        accepted = o.status is not None and 200 <= o.status < 300
        out: Answer = {"input": example("gray", label), "outcome": "accepted" if accepted else "refused",
                       **_status_code(o)}
        if accepted:
            out["stored"] = str(o.state.get("mobile", {}).get("phoneNumber", ""))
        return out

    return answer


@dataclass(frozen=True)
class Question:
    """One open question: its ledger id, where the facts leave it open, its probes, how to read an answer."""

    id: str
    facts: str
    scenarios: tuple[str, ...]
    answer: Callable[[Outcome], Answer]


OBSERVE_INVALID = ("letters_in_number", "no_leading_plus", "two_extension_markers")
"""Invalid labels ``observe`` sends (the rest are part of ``diff``'s wider set)."""


_SENT_STATE = ("ready", "notAllowedByPolicy")
"""The read-only smsSignInState sent with an office create and a mobile update (neither is what a
correct implementation would set there: an office is never ready, the user is in the policy)."""


def _patch_mobile(sid: str, body: Any, role: str = OT, **kw: Any) -> Scenario:
    return Scenario(sid, role, _M, "PATCH", methods_path(MOBILE), body=body, **kw)


def observe_scenarios() -> list[Scenario]:
    """The probes of every question, in the order they are sent."""
    new = number(OT, "new")
    out = [
        Scenario("create-mobile", OT, (), "POST", methods_path(), body={"phoneNumber": number(OT, "mobile"),
                                                                          "phoneType": "mobile"}),
        Scenario("get-mobile", OT, _M, "GET", methods_path(MOBILE)),
        Scenario("list", OT, _MO, "GET", methods_path()),
        Scenario("no-token", OT, _M, "GET", methods_path(), caller="none"),
        *(_patch_mobile(f"invalid-number/{label}", {"phoneNumber": example("invalid", label)})
          for label in OBSERVE_INVALID),
        Scenario("unknown-property", OT, _M, "POST", methods_path(),
                 body={"phoneNumber": number(OT, "office"), "phoneType": "office", "nickname": "desk"}),
        Scenario("read-only-property", OT, _M, "POST", methods_path(),
                 body={"phoneNumber": number(OT, "office"), "phoneType": "office", "smsSignInState": _SENT_STATE[0]}),
        _patch_mobile("unknown-property-update", {"phoneNumber": new, "nickname": "desk"}),
        _patch_mobile("read-only-property-update", {"phoneNumber": new, "smsSignInState": _SENT_STATE[1]}),
        Scenario("phone-type-case", OT, _M, "POST", methods_path(),
                 body={"phoneNumber": number(OT, "office"), "phoneType": "Office"}),
        _patch_mobile("patch-empty-body", {}),
        _patch_mobile("patch-same-type-only", {"phoneType": "mobile"}),
        Scenario("duplicate-type/mobile", OT, _M, "POST", methods_path(),
                 body={"phoneNumber": new, "phoneType": "mobile"}),
        Scenario("duplicate-type/office", OT, _MO, "POST", methods_path(),
                 body={"phoneNumber": new, "phoneType": "office"}),
        Scenario("alternate-without-mobile", OT, (), "POST", methods_path(),
                 body={"phoneNumber": number(OT, "alternateMobile"), "phoneType": "alternateMobile"}),
        _patch_mobile("type-change", {"phoneNumber": new, "phoneType": "office"}),
        Scenario("delete-mobile-with-alternate", OT, _MA, "DELETE", methods_path(MOBILE)),
        Scenario("enable-sms-non-mobile", OT, _MO, "POST", methods_path(OFFICE, "enableSmsSignIn")),
        Scenario("enable-sms-policy-off", "policy_off_user", _M, "POST", methods_path(MOBILE, "enableSmsSignIn")),
        Scenario("content-type/none", OT, _M, "PATCH", methods_path(MOBILE), raw=raw_json({"phoneNumber": new})),
        Scenario("content-type/text-plain", OT, _M, "PATCH", methods_path(MOBILE),
                 raw=raw_json({"phoneNumber": new}), content_type="text/plain"),
        Scenario("personal-account/list", OT, _M, "GET", methods_path(), caller="personal_account"),
        _patch_mobile("personal-account/update", {"phoneNumber": new}, caller="personal_account"),
        Scenario("unknown-user", OT, _M, "GET", methods_path(), addressing="unknown"),
        Scenario("method-absent", OT, _M, "GET", methods_path(OFFICE)),
        Scenario("malformed-id", OT, _M, "GET", methods_path("not-a-guid")),
        _patch_mobile("auth-admin-on-privileged", {"phoneNumber": number("privileged_target", "new")},
                      role="privileged_target", caller="auth_admin_write", needs=("auth_admin",)),
        Scenario("masked-number", OT, _M, "GET", methods_path(), caller="auth_admin_read", needs=("auth_admin",)),
        Scenario("self-service/create", "caller", _M, "POST", methods_path(), caller="self", addressing="me",
                 body={"phoneNumber": number("caller", "office"), "phoneType": "office"}),
        _patch_mobile("self-service/update", {"phoneNumber": number("caller", "new")}, role="caller",
                      caller="self", addressing="me"),
        Scenario("phone-family/read", "caller", _M, "GET", methods_path(), caller="self_phone_read", addressing="me"),
        *(_patch_mobile(f"gray/{label}", {"phoneNumber": example("gray", label)}) for label in GRAY_LABELS),
    ]
    return out


def _q(qid: str, facts: str, answer: Callable[[Outcome], Answer], *scenarios: str) -> Question:
    return Question(qid, facts, scenarios or (qid,), answer)


QUESTIONS: dict[str, Question] = {q.id: q for q in (
    _q("invalid-number", "§3 real error body for an invalid number [unk]", _status_code,
       *(f"invalid-number/{label}" for label in OBSERVE_INVALID)),
    _q("unknown-property", "§7 unknown properties in POST [unk]", _status_code),
    _q("read-only-property", "§7 sending smsSignInState in POST [unk]", _read_only("office", _SENT_STATE[0])),
    _q("unknown-property-update", "§7 unknown properties in PATCH [unk]", _status_code),
    _q("read-only-property-update", "§7 sending smsSignInState in PATCH [unk]",
       _read_only("mobile", _SENT_STATE[1])),
    _q("phone-type-case", "§7 case sensitivity of phoneType [unk]", _status_code),
    _q("patch-empty-body", "§7 PATCH with {} [unk]", _status_code),
    _q("patch-same-type-only", "§7 PATCH with only phoneType equal to the current type [unk]", _status_code),
    _q("duplicate-type", "§3 duplicate type: status and code [unk]", _status_code,
       "duplicate-type/mobile", "duplicate-type/office"),
    _q("alternate-without-mobile", "§3 alternateMobile without mobile: status and code [unk]", _status_code),
    _q("type-change", "§3 type change on PATCH: status and code [unk]", _status_code),
    _q("delete-mobile-with-alternate", "§3 deleting mobile while alternateMobile exists [inf]", _delete),
    _q("enable-sms-non-mobile", "§3 enableSmsSignIn on a non-mobile method: status and code [unk]", _status_code),
    _q("enable-sms-policy-off", "§3 enableSmsSignIn for a user outside the policy [unk]", _status_code),
    _q("content-type", "§5 write without a JSON Content-Type (400 on Graph [obs]; 400 or 415 open)", _status_code,
       "content-type/none", "content-type/text-plain"),
    _q("personal-account", "§4.5 personal Microsoft account: status and code [unk]", _status_code,
       "personal-account/list", "personal-account/update"),
    _q("unknown-user", "§4.5 unknown user in /users/{x}: code [unk]", _status_code),
    _q("method-absent", "§4.5 GET of a type the user doesn't have: code [unk]", _status_code),
    _q("malformed-id", "§4.5 a method id that is not a GUID: 404 or 400 [inf]", _status_code),
    _q("auth-admin-on-privileged", "§4.3 Authentication Administrator on a privileged user [unk]", _status_code),
    _q("masked-number", "§3 the masked-number format an Authentication Administrator sees [unk]", _masked),
    _q("self-service-write", "§8 self-service POST/PATCH in the target's edition [unk]", _allowed,
       "self-service/create", "self-service/update"),
    _q("phone-family-scope", "§4.1-4.2 is UserAuthMethod-Phone.Read honoured (seed pages are silent) [unk]",
       _allowed, "phone-family/read"),
    _q("create-status", "§1 create answers 201 (tutorial shows 200) [inf]", _status, "create-mobile"),
    _q("location-header", "§1 Location header on create [unk]", _header("location"), "create-mobile"),
    _q("odata-context", "§1 @odata.context on entity and collection answers [inf]", _odata("@odata.context"),
       "get-mobile", "list", "create-mobile"),
    _q("odata-type", "§1 @odata.type on phoneMethods items [inf]", _odata("@odata.type"), "get-mobile", "list"),
    _q("list-order", "list order of phone methods (not documented)", _order, "list"),
    _q("www-authenticate", "§4.5 WWW-Authenticate on 401 [unk]", _header("www-authenticate"), "no-token"),
    _q("sms-state-new-mobile", "§3 smsSignInState of a new mobile for a user in the policy [inf]", _sms_state,
       "create-mobile"),
    *(_q(f"gray-zone.{label}", f"§3 gray zone: {label.replace('_', ' ')} (no documented normalisation) [unk]",
         _gray(label), f"gray/{label}") for label in GRAY_LABELS),
)}
"""Every question, by ledger id, in ledger order."""


def diff_scenarios() -> list[Scenario]:
    """What ``diff`` replays: every question's probes, then the documented behaviours around them."""
    new = number(OT, "new")
    more = [
        _patch_mobile("update-valid", {"phoneNumber": new}),
        _patch_mobile("update-valid-extension", {"phoneNumber": new + "x123"}),
        _patch_mobile("update-same-type", {"phoneNumber": new, "phoneType": "mobile"}),
        Scenario("create-alternate", OT, _M, "POST", methods_path(),
                 body={"phoneNumber": number(OT, "alternateMobile"), "phoneType": "alternateMobile"}),
        Scenario("create-office", OT, _M, "POST", methods_path(),
                 body={"phoneNumber": number(OT, "office"), "phoneType": "office"}),
        Scenario("create-unknown-type", OT, _M, "POST", methods_path(),
                 body={"phoneNumber": number(OT, "office"), "phoneType": "pager"}),
        Scenario("get-office", OT, _MO, "GET", methods_path(OFFICE)),
        Scenario("get-alternate", OT, _MA, "GET", methods_path(ALTERNATE)),
        Scenario("delete-office", OT, _MO, "DELETE", methods_path(OFFICE)),
        Scenario("delete-alternate", OT, _MA, "DELETE", methods_path(ALTERNATE)),
        Scenario("delete-mobile", OT, _M, "DELETE", methods_path(MOBILE)),
        Scenario("enable-sms", OT, _M, "POST", methods_path(MOBILE, "enableSmsSignIn")),
        Scenario("disable-sms", OT, _M, "POST", methods_path(MOBILE, "disableSmsSignIn")),
        Scenario("enable-sms-qualified", OT, _M, "POST", methods_path(MOBILE, "microsoft.graph.enableSmsSignIn")),
        Scenario("list-by-upn", OT, _M, "GET", methods_path(), addressing="upn"),
        Scenario("list-by-upn-encoded", OT, _M, "GET", methods_path(), addressing="upn-encoded"),
        Scenario("list-me", "caller", _M, "GET", methods_path(), caller="self", addressing="me"),
        Scenario("malformed-json", OT, _M, "PATCH", methods_path(MOBILE), raw=b'{"phoneNumber": ',
                 content_type="application/json"),
        *(_patch_mobile(f"invalid-number/{label}", {"phoneNumber": example("invalid", label)})
          for label in INVALID_LABELS if label not in OBSERVE_INVALID),
        _patch_mobile("caller-on-other", {"phoneNumber": new}, caller="caller_on_other"),
        _patch_mobile("app-update", {"phoneNumber": new}, caller="app"),
        _patch_mobile("app-without-role", {"phoneNumber": new}, caller="app_no_role"),
        Scenario("app-on-me", OT, _M, "GET", methods_path(), caller="app_on_me", addressing="me"),
        *(Scenario(f"token/{kind}", OT, _M, "GET", methods_path(), caller=kind)
          for kind in ("malformed", "expired", "bad_signature", "wrong_audience")),
    ]
    return observe_scenarios() + more


def check_catalog() -> None:
    """Every question names scenarios that exist (a development-time guard, run by the tests)."""
    known = {s.id for s in observe_scenarios()}
    for q in QUESTIONS.values():
        missing = [s for s in q.scenarios if s not in known]
        if missing:
            raise RuntimeError(f"question {q.id} names unknown scenario(s) {missing}")
