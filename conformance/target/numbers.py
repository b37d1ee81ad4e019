"""Fresh phone numbers for setting up state: valid, and unique with overwhelming probability."""

from __future__ import annotations

import random

import phonenumbers

_rng = random.SystemRandom()


def fresh_number(*, extension: bool = False) -> str:
    """A valid number in the spec's form (a Seattle number), drawn at random so no other user has it."""
    while True:
        national = f"206{_rng.randint(200, 999)}{_rng.randint(0, 9999):04d}"
        if phonenumbers.is_valid_number(phonenumbers.parse("+1" + national)):
            number = f"+1 {national}"
            return number + f"x{_rng.randint(1, 9999)}" if extension else number
