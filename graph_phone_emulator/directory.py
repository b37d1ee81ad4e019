"""The directory: users, their phone methods, and the lock that guards them.

State lives in plain objects; every read or write of phone methods happens under ``Directory.lock``
(one lock for the whole store). Phones are immutable records replaced on change, so a reader can hand
out what it read after releasing the lock.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from graph_phone_emulator.config import UserSpec
from graph_phone_emulator.lag import Lag

MOBILE, ALTERNATE_MOBILE, OFFICE = "mobile", "alternateMobile", "office"
PHONE_TYPES: Final = (MOBILE, ALTERNATE_MOBILE, OFFICE)
"""The phone types, in listing order."""

METHOD_IDS: Final = MappingProxyType({
    MOBILE: "3179e48a-750b-4051-897c-87b9720928f7",
    ALTERNATE_MOBILE: "b6332ec1-7057-4abe-9331-3d72feddfe41",
    OFFICE: "e37fc753-ff3b-4958-9484-eaa9425c82bc",
})
"""phoneType -> the fixed phoneMethodId (the same for every user)."""

TYPE_FOR_ID: Final = MappingProxyType({v: k for k, v in METHOD_IDS.items()})
"""phoneMethodId -> phoneType."""

NOT_SUPPORTED = "notSupported"
NOT_ALLOWED_BY_POLICY = "notAllowedByPolicy"
NOT_ENABLED = "notEnabled"
PHONE_NUMBER_NOT_UNIQUE = "phoneNumberNotUnique"
READY = "ready"


@dataclass(frozen=True, slots=True)
class Phone:
    """One phone method as stored. ``phone_type``/``method_id`` normally follow the slot it sits in."""

    number: str | None
    phone_type: str
    method_id: str
    sms_state: str


@dataclass(slots=True, eq=False)
class User:
    """A directory user: ids, directory roles, SMS sign-in policy and phone methods by slot (type)."""

    id: str
    upn: str
    roles: frozenset[str]
    sms_policy: bool
    phones: dict[str, Phone] = field(default_factory=dict)
    stale: dict[str, Phone] = field(default_factory=dict)


class Directory:
    """All users, looked up by object id or UPN (both case-insensitive), plus mobile-number counts."""

    def __init__(self, specs: Iterable[UserSpec]) -> None:
        self.lock = threading.RLock()
        self.lag: Lag | None = None
        """Replication lag of reads (``--lag-ms``), set by the emulator; None: reads are current."""
        self._by_key: dict[str, User] = {}
        self._users: list[User] = []
        self._mobile_numbers: Counter[str] = Counter()
        initial: list[tuple[User, UserSpec]] = []
        for spec in specs:
            user = User(id=spec.id, upn=spec.upn, roles=frozenset(spec.roles), sms_policy=spec.sms_sign_in)
            self._users.append(user)
            self._by_key[spec.id.lower()] = user
            self._by_key[spec.upn.lower()] = user
            initial.append((user, spec))
            if MOBILE in spec.phones:
                self._mobile_numbers[spec.phones[MOBILE]] += 1
        for user, spec in initial:
            for phone_type in PHONE_TYPES:
                number = spec.phones.get(phone_type)
                if number is not None:
                    state = self.registration_state(user, number, others=self._mobile_numbers[number] - 1) \
                        if phone_type == MOBILE else NOT_SUPPORTED
                    user.phones[phone_type] = Phone(number, phone_type, METHOD_IDS[phone_type], state)

    def __len__(self) -> int:
        return len(self._users)

    def __iter__(self) -> Iterator[User]:
        return iter(self._users)

    def find(self, key: str) -> User | None:
        """The user whose object id or UPN is ``key`` (case-insensitive), or None."""
        return self._by_key.get(key.lower())

    def find_by_local_part(self, key: str) -> User | None:
        """The first user whose UPN's part before ``@`` matches ``key``'s (only the
        ``unknown-user-by-local-part`` fault calls this: the domain is ignored)."""
        local = key.lower().partition("@")[0]
        return next((u for u in self._users if "@" in key and u.upn.lower().partition("@")[0] == local), None)

    def first(self) -> User:
        """The first user of the profile."""
        return self._users[0]

    def others_with_mobile(self, user: User, number: str | None) -> int:
        """How many users other than ``user`` hold ``number`` as their mobile (call under the lock)."""
        if number is None:
            return 0
        own = user.phones.get(MOBILE)
        mine = 1 if own is not None and own.number == number else 0
        return self._mobile_numbers[number] - mine

    def registration_state(self, user: User, number: str | None, *, others: int) -> str:
        """The smsSignInState a mobile gets when registered (contract §6)."""
        if not user.sms_policy:
            return NOT_ALLOWED_BY_POLICY
        return READY if others == 0 else PHONE_NUMBER_NOT_UNIQUE

    def visible(self, user: User) -> Mapping[str, Phone]:
        """The user's phones as a read sees them (behind recent writes under replication lag)."""
        return self.lag.visible(id(user), user.phones) if self.lag is not None else user.phones

    def put(self, user: User, slot: str, phone: Phone) -> None:
        """Store ``phone`` in ``slot`` (call under the lock), keeping the mobile-number counts."""
        self.remove(user, slot)
        user.phones[slot] = phone
        if slot == MOBILE and phone.number is not None:
            self._mobile_numbers[phone.number] += 1

    def remove(self, user: User, slot: str) -> Phone | None:
        """Remove and return the phone in ``slot`` (call under the lock)."""
        if self.lag is not None:
            self.lag.changing(id(user), user.phones)
        old = user.phones.pop(slot, None)
        if slot == MOBILE and old is not None and old.number is not None:
            self._mobile_numbers[old.number] -= 1
            if self._mobile_numbers[old.number] <= 0:
                del self._mobile_numbers[old.number]
        return old
