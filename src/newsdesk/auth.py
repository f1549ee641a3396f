"""Who may write: editor accounts, browser sessions and API tokens (the login limit: :mod:`newsdesk.login_limit`).

Passwords are kept as argon2id hashes (argon2-cffi). Session and API tokens are
random, shown to their holder once, and stored only as SHA-256 digests: a copy of
the database signs no one in. Every write of the newsroom needs one of these
(see :mod:`newsdesk.newsroom`); reading the published pages needs none.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from newsdesk.store import Store, integrity_errors

ROLES = ("editor", "admin")
MIN_PASSWORD = 10
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
TOKEN_PREFIX = "nd_"
TOKEN_USE_RESOLUTION = timedelta(minutes=1)  # a token's last use is written at most this often

_hasher = PasswordHasher()  # argon2id with the library's current parameters; stateless, so safe to share
# verified against when the name is unknown, so that an unknown name takes as long as a wrong password
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AuthError(Exception):
    """An account cannot be created or used; the message is shown to the user."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Accounts:
    """Editor accounts of one store: creation, sign-in, sessions and API tokens."""

    def __init__(self, store: Store, *, session_hours: float = 12.0,
                 clock: Callable[[], datetime] = _utcnow) -> None:
        self.store = store
        self.session_length = timedelta(hours=session_hours)
        self.clock = clock

    # -- accounts

    def add_user(self, name: str, role: str, password: str) -> dict[str, Any]:
        """A new account: {id, name, role, created_at}. The name is 1-32 letters, digits, '.', '_' or '-'."""
        if not NAME.fullmatch(name or ""):
            raise AuthError(f"user name {name!r} is not allowed: use 1 to 32 letters, digits, '.', '_' or '-', "
                            "starting with a letter or digit")
        if role not in ROLES:
            raise AuthError(f"role {role!r} is unknown: choose one of {', '.join(ROLES)}")
        if len(password) < MIN_PASSWORD:
            raise AuthError(f"the password for {name} is {len(password)} characters long; "
                            f"it needs at least {MIN_PASSWORD}")
        user = self.store.add_user(name, role, hash_password(password))
        if user is None:
            raise AuthError(f"a user named {name!r} already exists")
        return user

    def list_users(self) -> list[dict[str, Any]]:
        return self.store.list_users()

    def authenticate(self, name: str, password: str) -> dict[str, Any] | None:
        """The user when the password is theirs, else None; an unknown name costs one hash check too."""
        found = self.store.user_password_hash(name) if name else None
        if found is None:
            verify_password(_DUMMY_HASH, password)
            return None
        user, hashed = found
        if not verify_password(hashed, password):
            return None
        if _hasher.check_needs_rehash(hashed):  # the library's parameters grew stronger since
            self.store.set_password_hash(user["id"], hash_password(password))
        return user

    # -- browser sessions

    def start_session(self, user_id: int) -> tuple[str, str]:
        """(session token, CSRF token) of a new session; only the session token's SHA-256 is stored."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = self.clock()
        self.store.delete_expired_sessions(now)
        try:
            self.store.add_session(_digest(token), user_id, csrf, created=now, expires=now + self.session_length)
        except integrity_errors():
            raise AuthError(f"no user with id {user_id}") from None
        return token, csrf

    def session(self, token: str) -> dict[str, Any] | None:
        """{"user": {...}, "csrf": str} of a live session; None when the token is unknown or expired."""
        if not token:
            return None
        found = self.store.get_session(_digest(token))
        if found is None:
            return None
        if found["expires_at"] <= self.clock():
            return None
        return {"user": found["user"], "csrf": found["csrf"]}

    def end_session(self, token: str) -> None:
        if token:
            self.store.delete_session(_digest(token))

    # -- API tokens

    def issue_token(self, name: str, label: str) -> str:
        """A new API token for user ``name``: shown this once, stored as its SHA-256."""
        user = self.store.get_user(name)
        if user is None:
            raise AuthError(f"no user named {name!r}")
        label = (label or "").strip()
        if not label:
            raise AuthError("an API token needs a label saying what it is for")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.store.add_api_token(_digest(token), user["id"], label)
        return token

    def token_user(self, token: str) -> dict[str, Any] | None:
        """The user of a live API token (None when unknown or revoked); notes when it was used."""
        if not token or not token.startswith(TOKEN_PREFIX):
            return None
        found = self.store.api_token_user(_digest(token))
        if found is None:
            return None
        user, token_id, last_used = found
        now = self.clock()
        if last_used is None or now - last_used >= TOKEN_USE_RESOLUTION:
            self.store.touch_api_token(token_id, now)
        return user

    def tokens(self, name: str | None = None) -> list[dict[str, Any]]:
        """The API tokens (of one account, or all): id, user, label, created_at, last_used_at — never a value."""
        if name is not None and self.store.get_user(name) is None:
            raise AuthError(f"no user named {name!r}")
        return self.store.list_api_tokens(name)

    def revoke_token(self, token_id: int) -> None:
        """Make an API token useless at once (the id is what 'newsdesk users tokens' lists)."""
        if not self.store.delete_api_token(token_id):
            raise AuthError(f"there is no API token with id {token_id}")
