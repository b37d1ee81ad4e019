"""The phone-method rules (contract §4 step 6, §6) applied to the directory under its lock.

Every rejection raises a :class:`GraphError` before anything is changed.
"""

from __future__ import annotations

import re

from graph_phone_emulator.directory import (
    ALTERNATE_MOBILE,
    METHOD_IDS,
    MOBILE,
    NOT_ENABLED,
    NOT_SUPPORTED,
    OFFICE,
    PHONE_NUMBER_NOT_UNIQUE,
    PHONE_TYPES,
    READY,
    TYPE_FOR_ID,
    Directory,
    Phone,
    User,
)
from graph_phone_emulator.errors import GraphError, bad_request, method_not_found
from graph_phone_emulator.faults import FaultName
from graph_phone_emulator.settings import Settings
from graph_phone_emulator.validation import PhoneInput

GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class PhoneMethods:
    """List, get, create, update, delete and SMS sign-in switches for users of one directory."""

    def __init__(self, directory: Directory, settings: Settings) -> None:
        self.directory = directory
        self.settings = settings
        self._read_cache: dict[str, Phone] = {}
        """method id -> the phone last read (only the ``read-cache-by-method-id`` fault fills it)."""

    def slot_of(self, user: User, method_id: str, *, upsert: bool = False) -> str:
        """The type whose fixed id is ``method_id`` when the user holds it (or ``upsert``), else 404."""
        slot = TYPE_FOR_ID.get(method_id.lower())
        if slot is None or (slot not in user.phones and not upsert):
            raise method_not_found(method_id, malformed=not GUID.fullmatch(method_id))
        return slot

    def list(self, user: User) -> list[Phone]:
        """The user's phones in type order (as a read sees them)."""
        with self.directory.lock:
            phones = self.directory.visible(user)
            if user.stale:
                phones = {**phones, **user.stale}
                user.stale.clear()
            return [phones[t] for t in PHONE_TYPES if t in phones]

    def get(self, user: User, method_id: str) -> Phone:
        """The user's phone with ``method_id`` (as a read sees it), or 404."""
        with self.directory.lock:
            phones = self.directory.visible(user)
            slot = TYPE_FOR_ID.get(method_id.lower())
            if slot is None or slot not in phones:
                raise method_not_found(method_id, malformed=not GUID.fullmatch(method_id))
            if self.settings.faulty(FaultName.READ_CACHE_BY_METHOD_ID):
                return self._read_cache.setdefault(method_id.lower(), user.stale.pop(slot, None) or phones[slot])
            return user.stale.pop(slot, None) or phones[slot]

    def count(self, user: User) -> int:
        """How many phone methods the user holds."""
        with self.directory.lock:
            return len(self.directory.visible(user))

    def create(self, user: User, values: PhoneInput) -> Phone:
        """Add a phone of a type the user lacks: 409 for a second of a type, 400 for an orphan alternate.

        Under ``not_unique_write = "409-applied"`` a mobile whose number another user holds is stored and
        then answered 409 ``phoneNumberNotUnique`` (facts §10: only the SMS sign-in registration failed).
        """
        faulty = self.settings.faulty
        slot = values.slot or OFFICE
        self._read_cache.clear()
        with self.directory.lock:
            if slot in user.phones and not faulty(FaultName.DUPLICATE_TYPE_OVERWRITES):
                raise GraphError(409, "conflict", f"The user already has a {slot} phone method.",
                                 kind="duplicate")
            orphan = slot == ALTERNATE_MOBILE and MOBILE not in user.phones
            if orphan and not faulty(FaultName.ALTERNATE_WITHOUT_MOBILE):
                raise bad_request("An alternateMobile phone needs a mobile phone first.", kind="slot",
                                  case="alternate_without_mobile")
            if faulty(FaultName.CREATE_REPLACES_OTHER_TYPES):
                for other in [t for t in user.phones if t != slot]:
                    self.directory.remove(user, other)
            method_id = METHOD_IDS[MOBILE] if slot == OFFICE and faulty(FaultName.ID_SWAP) else METHOD_IDS[slot]
            state = self._state(user, slot, values.number)
            if values.sms_state is not None and faulty(FaultName.READ_ONLY_STATE_APPLIED):
                state = values.sms_state
            phone = Phone(values.number, values.phone_type or slot, method_id, state)
            self.directory.put(user, slot, phone)
            user.stale.pop(slot, None)
            self._conflict_after_write(slot, phone)
            return phone

    def update(self, user: User, slot: str, values: PhoneInput) -> Phone:
        """Change the number of the phone in ``slot``; the type can't change (400)."""
        faulty = self.settings.faulty
        self._read_cache.clear()
        with self.directory.lock:
            old = user.phones.get(slot)
            if old is None:
                if faulty(FaultName.PATCH_UPSERT) and values.has_number:
                    return self.create(user, PhoneInput(slot, slot, values.number, True))
                raise method_not_found(METHOD_IDS[slot])
            phone_type = old.phone_type
            if values.slot is not None and values.slot != slot:
                if faulty(FaultName.TYPE_CHANGE_APPLIED):
                    phone_type = values.phone_type or phone_type
                elif not faulty(FaultName.TYPE_CHANGE_ACCEPTED):
                    raise bad_request(f"phoneType can't change: method {old.method_id} is {slot}. "
                                      "Add a phone of the new type, then delete this one.", case="type_change")
            elif values.slot == slot and faulty(FaultName.SAME_TYPE_REJECTED):
                raise bad_request("phoneType must not be sent when updating.")
            number, state = old.number, old.sms_state
            changed_number = values.has_number and values.number != old.number
            if values.has_number:
                if values.number == old.number and faulty(FaultName.IDEMPOTENCY_BROKEN):
                    raise GraphError(409, "conflict", "The phone method already has this number.")
                if values.number != old.number:
                    number = values.number
                    if not faulty(FaultName.SMS_STATE_NOT_RECALCULATED):
                        state = self._state(user, slot, number)
            if values.sms_state is not None and faulty(FaultName.READ_ONLY_STATE_APPLIED):
                state = values.sms_state
            new = Phone(number, phone_type, old.method_id, state)
            if faulty(FaultName.UPDATE_NOT_STORED) or new == old:
                return old
            if faulty(FaultName.UPDATE_STALE_READ):
                user.stale[slot] = old
            self.directory.put(user, slot, new)
            if changed_number:
                self._conflict_after_write(slot, new)
            return new

    def _conflict_after_write(self, slot: str, phone: Phone) -> None:
        """Under ``not_unique_write = "409-applied"``: a stored mobile that could not be registered for SMS
        sign-in because another user holds its number is answered 409 (the write stays)."""
        if (slot == MOBILE and phone.sms_state == PHONE_NUMBER_NOT_UNIQUE
                and self.settings.choice("not_unique_write") == "409-applied"):
            raise GraphError(409, "phoneNumberNotUnique", "The phone method was saved, but the number is already "
                             "registered for SMS sign-in by another user, so SMS sign-in could not be enabled.")

    def store_rejected(self, user: User, slot: str | None, raw: object) -> None:
        """Store a rejected raw number anyway (only the ``partial-write-on-invalid`` fault calls this)."""
        if slot is None:
            return
        with self.directory.lock:
            old = user.phones.get(slot)
            number = raw if isinstance(raw, str) else None
            state = old.sms_state if old else self._state(user, slot, number)
            self.directory.put(user, slot, Phone(number, slot, METHOD_IDS[slot], state))

    def delete(self, user: User, method_id: str) -> None:
        """Delete a phone; a mobile can't go while an alternateMobile exists (400), or takes it along
        (choice ``delete_mobile_with_alternate = "cascade"``)."""
        faulty = self.settings.faulty
        self._read_cache.clear()
        with self.directory.lock:
            slot = self.slot_of(user, method_id)
            blocked = slot == MOBILE and ALTERNATE_MOBILE in user.phones
            cascade = self.settings.choice("delete_mobile_with_alternate") == "cascade"
            if blocked and not cascade and not faulty(FaultName.DELETE_MOBILE_WITH_ALTERNATE):
                raise bad_request("Delete the alternateMobile phone before the mobile phone.", kind="slot",
                                  case="delete_mobile_with_alternate")
            if faulty(FaultName.DELETED_STILL_LISTED):
                return
            if blocked and cascade and not faulty(FaultName.DELETE_MOBILE_WITH_ALTERNATE):
                self.directory.remove(user, ALTERNATE_MOBILE)
                user.stale.pop(ALTERNATE_MOBILE, None)
            self.directory.remove(user, slot)
            user.stale.pop(slot, None)

    def enable_sms(self, user: User, method_id: str) -> None:
        """Enable SMS sign-in on the mobile: 400 for non-mobile, policy off or a non-unique number."""
        self._read_cache.clear()
        with self.directory.lock:
            slot = self.slot_of(user, method_id)
            if slot != MOBILE:
                if self.settings.faulty(FaultName.ENABLE_SMS_NON_MOBILE):
                    return
                raise bad_request("SMS sign-in can only be enabled on the mobile phone method.",
                                  kind="enable_refused", case="enable_non_mobile")
            phone = user.phones[slot]
            faulty = self.settings.faulty
            refusal = None
            if not user.sms_policy and not faulty(FaultName.ENABLE_SMS_POLICY_IGNORED):
                refusal = bad_request("SMS sign-in is not allowed for this user by policy.", kind="enable_refused",
                                      case="enable_policy_off")
            elif (self.directory.others_with_mobile(user, phone.number) > 0
                  and not faulty(FaultName.ENABLE_SMS_NOT_UNIQUE_ACCEPTED)):
                refusal = bad_request("The phone number is not unique, so it can't be used for SMS sign-in.",
                                      kind="enable_refused")
            if refusal is not None:
                if faulty(FaultName.ENABLE_REFUSAL_RESETS_STATE):
                    self.directory.put(user, slot, Phone(phone.number, phone.phone_type, phone.method_id,
                                                         NOT_ENABLED))
                raise refusal
            self.directory.put(user, slot, Phone(phone.number, phone.phone_type, phone.method_id, READY))

    def disable_sms(self, user: User, method_id: str) -> None:
        """Disable SMS sign-in on the mobile: 400 for non-mobile; policy off leaves the state."""
        self._read_cache.clear()
        with self.directory.lock:
            slot = self.slot_of(user, method_id)
            if slot != MOBILE:
                if self.settings.faulty(FaultName.DISABLE_SMS_NON_MOBILE):
                    phone = user.phones[slot]
                    self.directory.put(user, slot, Phone(phone.number, phone.phone_type, phone.method_id,
                                                         NOT_ENABLED))
                    return
                raise bad_request("SMS sign-in can only be disabled on the mobile phone method.",
                                  kind="enable_refused")
            phone = user.phones[slot]
            if not user.sms_policy or self.settings.faulty(FaultName.DISABLE_SMS_NOOP):
                return
            disabled = Phone(phone.number, phone.phone_type, phone.method_id, NOT_ENABLED)
            self.directory.put(user, slot, disabled)

    def _state(self, user: User, slot: str, number: str | None) -> str:
        if slot != MOBILE:
            return READY if self.settings.faulty(FaultName.SMS_STATE_OFFICE_READY) else NOT_SUPPORTED
        return self.directory.registration_state(
            user, number, others=self.directory.others_with_mobile(user, number))
