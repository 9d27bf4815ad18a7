"""Password hashes (Argon2id), with the cost set once at start-up from ``Settings`` (``configure``, called by
``core.crypto.setup_security``). Hashes made with other parameters still verify and are rehashed at the next
sign-in (``needs_rehash``)."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# Verified when the account does not exist, so an unknown username costs the same time as a wrong password.
_dummy_hash = _hasher.hash(secrets.token_urlsafe(16))


def configure(*, time_cost: int, memory_kib: int) -> None:
    """Use this Argon2id cost from now on; the dummy hash is remade at the same cost."""
    global _hasher, _dummy_hash
    if (_hasher.time_cost, _hasher.memory_cost) == (time_cost, memory_kib):
        return
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
    _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
