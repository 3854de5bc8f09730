"""Password policy and hashing (ASVS 6.2, 11.4.2).

Policy: at least 8 characters, long ones welcome (up to 128), no composition rules,
and none of the 30,000 most common passwords (the list shipped with zxcvbn).
Hashing: argon2id with the cost set in config.
"""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 8
MAX_LENGTH = 128


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def problem_with(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why this password may not be used, or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in _common_passwords() or lowered.strip() in _common_passwords():
        return "That password is one of the most common ones. Please choose another."
    personal = {email.lower(), email.lower().split("@")[0], name.lower()} - {""}
    if lowered in personal:
        return "Please don't use your name or e-mail address as your password."
    return None


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_COST_KIB"],
        parallelism=cfg["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        # Spend the same effort as a real check, so timing does not reveal a missing account.
        _hasher().hash(password)
        return False
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)
