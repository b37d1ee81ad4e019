"""Validation of create/update bodies: properties, ``phoneType`` and ``phoneNumber`` (contract §1, §4)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from graph_phone_emulator.directory import OFFICE, PHONE_TYPES
from graph_phone_emulator.errors import GraphError, bad_request
from graph_phone_emulator.faults import FaultName
from graph_phone_emulator.phone_format import classify_any, gray_label, normalise
from graph_phone_emulator.render import ODATA_TYPE
from graph_phone_emulator.settings import Settings

WRITABLE = frozenset({"phoneNumber", "phoneType"})
READ_ONLY = frozenset({"id", "smsSignInState"})
_LOWER_TYPES = {t.lower(): t for t in PHONE_TYPES}
_NO_SPACE = re.compile(r"\+[0-9]{5,18}(?:x[0-9]{1,10})?")
"""A number sent without the space after the country code (facts §10: accepted, stored with the space)."""


@dataclass(frozen=True, slots=True)
class PhoneInput:
    """A validated body. ``slot`` is the canonical type named (None: no phoneType given);
    ``phone_type`` the string to store; ``number`` applies only when ``has_number``."""

    slot: str | None
    phone_type: str | None
    number: str | None
    has_number: bool
    sms_state: str | None = None
    """A read-only smsSignInState the body sent (kept only for the ``read-only-state-applied`` fault)."""


class InvalidNumber(GraphError):
    """A rejected phoneNumber; carries the raw value and the slot the body named (for one fault)."""

    def __init__(self, message: str, raw: object, slot: str | None, case: str = "invalid_number") -> None:
        super().__init__(400, "invalidRequest", message, kind="validation", case=case)
        self.raw = raw
        self.slot = slot


def parse_phone_body(payload: dict[str, object], *, creating: bool, settings: Settings) -> PhoneInput:
    """Validate a create (``creating``) or update body and return its values, or raise a 400.

    OData annotations (keys containing ``@``) are ignored, but for ``@odata.type``: when present it must
    name the phone method's own type (:data:`ODATA_TYPE`, the only value the project's description
    allows; absent is fine). Read-only and unknown properties are refused (or ignored under
    ``property.<case> = "ignore"``).
    """
    if "@odata.type" in payload and payload["@odata.type"] != ODATA_TYPE \
            and not settings.faulty(FaultName.FOREIGN_ODATA_TYPE_ACCEPTED):
        raise bad_request(f"The @odata.type {payload['@odata.type']!r} is not compatible with the expected type "
                          f"'{ODATA_TYPE.lstrip('#')}'.")
    present = {k for k in payload if "@" not in k}
    verb = "create" if creating else "update"
    read_only = sorted(present & READ_ONLY)
    sent_state = payload.get("smsSignInState") if isinstance(payload.get("smsSignInState"), str) else None
    keep_state = sent_state if settings.faulty(FaultName.READ_ONLY_STATE_APPLIED) else None
    ignore_read_only = (settings.choice("read_only_in_body") == "ignore"
                        or settings.choice(f"property.read_only_property_{verb}") == "ignore")
    if (read_only and ignore_read_only) or keep_state is not None:
        present -= READ_ONLY  # a read-only property sent is ignored (the answer is [unk]: facts §1, §7)
    elif read_only:
        raise bad_request(f"Property '{read_only[0]}' is read-only and can't be set.",
                          case=f"read_only_property_{verb}")
    unknown = sorted(present - WRITABLE - READ_ONLY)
    if unknown and settings.choice(f"property.unknown_property_{verb}") == "reject":
        raise bad_request(f"Property '{unknown[0]}' does not exist on type "
                          "'microsoft.graph.phoneAuthenticationMethod'.", case=f"unknown_property_{verb}")
    present &= WRITABLE
    if creating:
        missing = sorted(WRITABLE - present)
        if missing:
            raise bad_request(f"Property '{missing[0]}' is required to create a phone method.")
    slot = phone_type = None
    if "phoneType" in present:
        slot, phone_type = _phone_type(payload["phoneType"], settings)
    if "phoneNumber" not in present:
        return PhoneInput(slot, phone_type, None, has_number=False, sms_state=keep_state)
    number = _phone_number(payload["phoneNumber"], slot, settings)
    return PhoneInput(slot, phone_type, number, has_number=True, sms_state=keep_state)


def _phone_type(value: object, settings: Settings) -> tuple[str, str]:
    if isinstance(value, str) and value in PHONE_TYPES:
        return value, value
    if isinstance(value, str) and settings.faulty(FaultName.UNKNOWN_TYPE_ACCEPTED):
        return _LOWER_TYPES.get(value.lower(), OFFICE), value
    raise bad_request(f"Invalid phoneType {value!r}; expected one of {', '.join(PHONE_TYPES)}.", case="phone_type")


def _phone_number(value: object, slot: str | None, settings: Settings) -> str | None:
    verdict = classify_any(value)
    number: str | None = value if verdict.kind == "valid" else None  # type: ignore[assignment]
    case = "invalid_number"
    if (verdict.kind == "gray" and settings.choice("number_without_space") == "normalise"
            and isinstance(value, str) and _NO_SPACE.fullmatch(value)):
        number = normalise(value)  # '+CCNNNN' stored as '+CC NNNN' (facts §10)
    elif verdict.kind == "gray":
        label = gray_label(value)  # type: ignore[arg-type]
        mode = settings.choice(f"gray.{label}") if label else settings.gray
        case = f"gray.{label}" if label else case
        if mode == "accept":
            number = normalise(value)  # type: ignore[arg-type]
        elif mode == "as-sent":
            number = value  # type: ignore[assignment]
    elif verdict.kind == "invalid":
        number = _accepted_by_fault(value, verdict.label, settings)
        if number is None and not (value is None and settings.faulty(FaultName.ACCEPT_NULL_NUMBER)):
            raise InvalidNumber(f"Invalid phone number ({verdict.label}); expected '+{{country code}} "
                                "{number}x{extension}', e.g. +1 5555551234.", value, slot)
        return number
    if number is None:
        raise InvalidNumber("Invalid phone number; expected '+{country code} {number}x{extension}', "
                            "e.g. +1 5555551234.", value, slot, case)
    if "x" in number and settings.faulty(FaultName.REJECT_EXTENSION):
        raise bad_request("Phone number extensions are not supported.")
    if "x" in number and settings.faulty(FaultName.EXTENSION_ZEROS_DROPPED):
        main, _, ext = number.partition("x")
        number = f"{main}x{int(ext)}"
    return number.partition("x")[0] if settings.faulty(FaultName.DROP_EXTENSION) else number


def _accepted_by_fault(value: object, label: str, settings: Settings) -> str | None:
    if label == "no_leading_plus" and settings.faulty(FaultName.ACCEPT_NO_PLUS):
        return str(value)
    if label == "letters_in_number" and settings.faulty(FaultName.ACCEPT_LETTERS):
        return str(value)
    return None
