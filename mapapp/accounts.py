"""Curator and admin accounts: password hashing and checking. No Flask here.

Roles: a *curator* edits installations; an *admin* also manages users and the route.
"""

from __future__ import annotations

from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from .store import Store

MIN_PASSWORD = 10
#: A hash to check against when the user does not exist, so timing tells nothing.
_DUMMY_HASH = generate_password_hash("not a real password")


def hash_password(password: str) -> str:
    """A salted scrypt hash; ``ValueError`` for a password that is too short."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    return generate_password_hash(password)


def authenticate(store: Store, username: str, password: str) -> dict[str, Any] | None:
    """The active account with this name and password, or ``None``."""
    row = store.user_by_name(username.strip())
    if row is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not row["active"] or not check_password_hash(row["password_hash"], password):
        return None
    return row
