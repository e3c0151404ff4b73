"""Curator and admin accounts: passwords and sign-in sessions. No Flask here.

Roles: a *curator* edits installations; an *admin* also manages users and the route.
A session is a random token kept in the browser's signed cookie; the database
holds only its hash, so signing out, a new password or switching an account
off ends it on the server, whatever copies of the cookie exist.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from .store import Store

MIN_PASSWORD = 10
#: A session older than this ends even if its browser never signed out.
SESSION_MAX_AGE_DAYS = 30
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
#: A hash to check against when the user does not exist, so timing tells nothing.
_DUMMY_HASH = generate_password_hash("not a real password")


def hash_password(password: str) -> str:
    """A salted scrypt hash; ``ValueError`` for a password that is too short."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    return generate_password_hash(password)


def authenticate(store: Store, username: str, password: str) -> dict[str, Any] | None:
    """The active account with this name and password, or ``None``.

    Exactly one password hash is checked whether the account is unknown, switched
    off or given a wrong password, so the time taken tells nothing about which.
    """
    row = store.user_by_name(username.strip())
    right = check_password_hash(row["password_hash"] if row else _DUMMY_HASH, password)
    if row is None or not row["active"] or not right:
        return None
    return row


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(store: Store, user_id: int) -> str:
    """A new session for an account that has just signed in; returns its token."""
    token = secrets.token_urlsafe(32)
    store.start_session(user_id, _token_hash(token), SESSION_MAX_AGE_DAYS)
    return token


def session_account(store: Store, token: str) -> dict[str, Any] | None:
    """The active account of a live session, or ``None`` (ended, expired, malformed)."""
    if not _TOKEN.fullmatch(token):
        return None
    return store.session_user(_token_hash(token), SESSION_MAX_AGE_DAYS)


def end_session(store: Store, token: str) -> None:
    """Sign a session out on the server (its cookie no longer signs anyone in)."""
    if _TOKEN.fullmatch(token):
        store.end_session(_token_hash(token))
