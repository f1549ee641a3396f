"""Accounts: editor users, browser sessions and API tokens (only hashes of secrets are kept)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from newsdesk.store.base import StoreBase, _dt, _iso, utcnow


class AccountsStore(StoreBase):
    """Users, sessions and API tokens."""

    # users, sessions, API tokens

    def add_user(self, name: str, role: str, password_hash: str) -> dict[str, Any] | None:
        """A new account; None when the name is taken (case aside)."""
        with self.transaction() as conn:
            if self.get_user(name) is not None:
                return None
            conn.execute("INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                         (name, role, password_hash, _iso(utcnow())))
        return self.get_user(name)

    def get_user(self, name: str) -> dict[str, Any] | None:
        row = self.conn.execute(f"SELECT {_USER} FROM users WHERE name = ?", (name,)).fetchone()
        return dict(row) if row else None

    def list_users(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self.conn.execute(f"SELECT {_USER} FROM users ORDER BY name")]

    def user_password_hash(self, name: str) -> tuple[dict[str, Any], str] | None:
        row = self.conn.execute(f"SELECT {_USER}, password_hash FROM users WHERE name = ?", (name,)).fetchone()
        if row is None:
            return None
        user = dict(row)
        return user, user.pop("password_hash")

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id))

    def add_session(self, token_hash: str, user_id: int, csrf: str, *, created: datetime, expires: datetime) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                         (token_hash, user_id, csrf, _iso(created), _iso(expires)))

    def get_session(self, token_hash: str) -> dict[str, Any] | None:
        """{"user": {...}, "csrf", "expires_at": datetime} of a stored session, expired or not."""
        row = self.conn.execute(
            f"""SELECT s.csrf, s.expires_at, {_USER_OF_U}
                FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?""", (token_hash,)
        ).fetchone()
        if row is None:
            return None
        data = dict(row)
        return {"csrf": data.pop("csrf"), "expires_at": _dt(data.pop("expires_at")), "user": data}

    def delete_session(self, token_hash: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))

    def delete_expired_sessions(self, now: datetime) -> int:
        with self.transaction() as conn:
            return conn.execute("DELETE FROM sessions WHERE expires_at <= ?", (_iso(now),)).rowcount

    def add_api_token(self, token_hash: str, user_id: int, label: str) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT INTO api_tokens (token_hash, user_id, label, created_at) VALUES (?, ?, ?, ?)",
                         (token_hash, user_id, label, _iso(utcnow())))

    def api_token_user(self, token_hash: str) -> tuple[dict[str, Any], int, datetime | None] | None:
        """(user, token id, last used) of a stored API token."""
        row = self.conn.execute(
            f"""SELECT t.id AS token_id, t.last_used_at, {_USER_OF_U} FROM api_tokens t
                JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?""", (token_hash,)
        ).fetchone()
        if row is None:
            return None
        user = dict(row)
        return user, user.pop("token_id"), _dt(user.pop("last_used_at"))

    def touch_api_token(self, token_id: int, when: datetime) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (_iso(when), token_id))

    def list_api_tokens(self, user_name: str | None = None) -> list[dict[str, Any]]:
        """Every API token (never its value): id, user, label, created_at, last_used_at."""
        sql = """SELECT t.id, u.name AS user, t.label, t.created_at, t.last_used_at
                 FROM api_tokens t JOIN users u ON u.id = t.user_id"""
        rows = self.conn.execute(sql + (" WHERE u.name = ?" if user_name else "") + " ORDER BY t.id",
                                 (user_name,) if user_name else ())
        return [dict(row) for row in rows]

    def delete_api_token(self, token_id: int) -> bool:
        with self.transaction() as conn:
            return conn.execute("DELETE FROM api_tokens WHERE id = ?", (token_id,)).rowcount > 0

    # the login limit (newsdesk.login_limit): one row per user name and per client address

    @contextmanager
    def login_limits(self, keys: list[str], now: float) -> Iterator[dict[str, dict[str, Any]]]:
        """The login-limit rows of ``keys`` (new ones at zero), locked until the block ends: another process
        counting an attempt on them waits (a row lock on PostgreSQL; SQLite has one writer). What the block
        leaves in them is written back, in the same transaction. Rows forgotten before ``now`` are deleted first,
        in a transaction of their own that waits for no one (on PostgreSQL it skips the rows others hold), so
        that attempts wait only for each other's rows, always taken in the same order: never in a cycle."""
        keys = sorted(set(keys))  # one order for every attempt: no deadlock between two of them
        marks = ", ".join("?" for _ in keys)
        with self.transaction() as conn:
            if self.sql.postgres:
                conn.execute("""DELETE FROM login_limits WHERE key IN (SELECT key FROM login_limits
                                WHERE forget_at < ? FOR UPDATE SKIP LOCKED)""", (now,))
            else:
                conn.execute("DELETE FROM login_limits WHERE forget_at < ?", (now,))
        with self.transaction() as conn:
            conn.executemany("INSERT INTO login_limits (key) VALUES (?) ON CONFLICT (key) DO NOTHING", [(k,) for k in keys])
            lock = " FOR UPDATE" if self.sql.postgres else ""
            rows = {row["key"]: dict(row) for row in conn.execute(
                f"SELECT {_LIMIT} FROM login_limits WHERE key IN ({marks}) ORDER BY key{lock}", keys)}
            yield rows
            conn.executemany(
                "UPDATE login_limits SET attempts = ?, window_start = ?, locked_until = ?, lockouts = ?, forget_at = ? "
                "WHERE key = ?",
                [(r["attempts"], r["window_start"], r["locked_until"], r["lockouts"], r["forget_at"], key)
                 for key, r in rows.items()])


_LIMIT = "key, attempts, window_start, locked_until, lockouts, forget_at"
_USER = "id, name, role, created_at"
_USER_OF_U = ", ".join(f"u.{column}" for column in _USER.split(", "))  # the same, of a table aliased u
