"""The store's plumbing: opening the database, transactions, named migrations, small named values.

Every module of the store (articles, stories, facts, briefs, accounts, search, audit) is a mixin
composed into :class:`newsdesk.store.Store`; this one holds what they all use.

A store is a SQLite file (a path) or a PostgreSQL database (a ``postgresql://`` URL; see
:mod:`newsdesk.store.backend`). ``self.conn`` is a ``sqlite3.Connection`` or a
:class:`~newsdesk.store.backend.PostgresConnection`; ``self.sql`` spells what differs.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from newsdesk.store.backend import Dialect, PostgresConnection, StoreError, describe, integrity_errors, is_postgres
from newsdesk.store.migrations import MIGRATIONS
from newsdesk.store.migrations_postgres import POSTGRES_MIGRATIONS

T = TypeVar("T")

PENDING_BRIEFS_KEY = "scheduler_pending_briefs"  # meta: JSON list of stories whose brief is still to write
MIGRATION_LOCK = 0x6E6577_0001  # PostgreSQL advisory lock: one process migrates at a time

__all__ = ["PENDING_BRIEFS_KEY", "StoreBase", "StoreError", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class StoreBase:
    """Connection, transactions and migrations of a newsdesk store (a SQLite file or a PostgreSQL database)."""

    def __init__(self, path: Path | str):
        self._savepoints = 0  # depth of nested transactions
        if is_postgres(path):
            self.path: Path | str = str(path)
            self.dialect = "postgres"
            self.sql = Dialect("postgres")
            self.conn = PostgresConnection(self.path)
            try:
                self._migrate()
            except StoreError:
                self.conn.close()
                raise
            except Exception as exc:  # noqa: BLE001 - psycopg's errors, without importing it here
                self.conn.close()
                raise StoreError(f"cannot open store {describe(self.path)}: {exc}") from None
            return
        self.path = Path(path)
        self.dialect = "sqlite"
        self.sql = Dialect("sqlite")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self.conn.execute("PRAGMA busy_timeout=30000")
            self._migrate()
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}") from None

    @property
    def name(self) -> str:
        """The store's name for messages: its path, or its URL without a password."""
        return describe(self.path)

    # -- plumbing ---------------------------------------------------------

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def retrying(self, write: Callable[[], T], attempts: int = 5) -> T:
        """Run ``write`` (one transaction that reads, then writes) again when another process took the
        key it was about to write between its read and its write (two ingests of one article). Each
        attempt reads afresh; the last one's error is raised."""
        for _ in range(attempts - 1):
            try:
                return write()
            except integrity_errors():
                pass
        return write()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One all-or-nothing write. Inside another transaction or a :meth:`batch` it is a savepoint:
        a failure undoes only its own work, and the rest is committed with the enclosing one."""
        if self.conn.in_transaction:
            self._savepoints += 1
            name = f"sp{self._savepoints}"
            self.conn.execute(f"SAVEPOINT {name}")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                self.conn.execute(f"RELEASE SAVEPOINT {name}")
                raise
            else:
                self.conn.execute(f"RELEASE SAVEPOINT {name}")
            finally:
                self._savepoints -= 1
            return
        self.conn.execute(self.sql.begin)
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Commit the transactions made inside at once, at the end, even when it ends in an error.

        Each keeps its all-or-nothing (a savepoint); only the commits are shared, which is much
        faster for many small writes. A crash before the end loses the batch's writes, which
        every caller can redo (ingest is idempotent; unassigned articles are clustered next run).
        """
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute(self.sql.begin)
        try:
            yield
        finally:
            if self.conn.in_transaction:  # SQLite may have ended it on a fatal error
                self.conn.execute("COMMIT")

    def migrations(self) -> list[tuple[str, str]]:
        """This backend's named migrations, in order (the same names on both)."""
        return POSTGRES_MIGRATIONS if self.sql.postgres else MIGRATIONS

    def _migrate(self) -> None:
        """Apply the migrations not applied yet, each in its own transaction with its record.

        Several processes may start on one new database at once. On PostgreSQL every DDL statement,
        the ``migrations`` table's own ``CREATE TABLE IF NOT EXISTS`` included, runs after the advisory
        lock :data:`MIGRATION_LOCK` is taken in its transaction: ``IF NOT EXISTS`` is no guard against
        another session creating the same table at the same moment (that one fails on the catalogue's
        unique index, ``pg_type_typname_nsp_index``). On SQLite, ``BEGIN IMMEDIATE`` holds the file's
        write lock for each migration."""
        create = "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        if self.sql.postgres:
            with self.transaction() as conn:
                self._lock_migrations(conn)
                conn.execute(create)
        else:  # a no-op once the table exists, which takes no write lock: opening never waits for a writer
            self.conn.execute(create)
        done = {row[0] for row in self.conn.execute("SELECT name FROM migrations")}
        for name, sql in self.migrations():
            if name in done:
                continue
            with self.transaction() as conn:
                self._lock_migrations(conn)
                if conn.execute("SELECT 1 FROM migrations WHERE name = ?", (name,)).fetchone():
                    continue  # another process starting at the same time applied it first
                if self.sql.postgres:
                    conn.execute(sql)  # PostgreSQL runs a script of several statements at once
                else:
                    for statement in _statements(sql):
                        conn.execute(statement)
                conn.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (name, _iso(utcnow())))

    def _lock_migrations(self, conn) -> None:
        """Wait until no other process migrates (SQLite: its ``BEGIN IMMEDIATE`` already holds the write
        lock; PostgreSQL: a transaction-scoped advisory lock, released at COMMIT or ROLLBACK)."""
        if self.sql.postgres:
            conn.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))

    def applied_migrations(self) -> list[str]:
        return [row[0] for row in self.conn.execute("SELECT name FROM migrations ORDER BY name")]

    def integrity_ok(self) -> bool:
        """SQLite's integrity check; on PostgreSQL (which checks its pages itself), that the server answers."""
        if self.sql.postgres:
            return self.conn.execute("SELECT 1").fetchone()[0] == 1
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    def meta_value(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta_value(self, key: str, value: str | None) -> None:
        """Keep a small named value (None removes it)."""
        with self.transaction() as conn:
            if value is None:
                conn.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                             (key, value))

    def meta_value_once(self, key: str, value: str) -> str:
        """The named value, set to ``value`` first when it has none (whoever sets it first wins)."""
        with self.transaction() as conn:
            conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING", (key, value))
        return self.meta_value(key)  # type: ignore[return-value]

    def _newest(self, select: str, column: str, value: Any, limit: int) -> sqlite3.Cursor:
        """The rows of ``select``, newest (highest id) first, only those whose ``column`` is ``value`` unless it is None."""
        where, params = (f" WHERE {column} = ?", [value]) if value is not None else ("", [])
        return self.conn.execute(f"{select}{where} ORDER BY id DESC LIMIT ?", (*params, limit))

    def _by_model(self, sql: str, model: str, keys: list) -> list[tuple]:
        """Rows of ``sql`` (with ``model = ?`` and ``IN ({marks})``) for every key, 500 keys a query."""
        rows: list[tuple] = []
        for chunk in _chunks(keys, 500):
            rows += self.conn.execute(sql.format(marks=",".join("?" * len(chunk))), (model, *chunk)).fetchall()
        return rows

    def _mark_brief_pending(self, conn: sqlite3.Connection, story_id: int) -> None:
        """Add a story to those whose brief the scheduler is still to write (in the caller's transaction;
        on PostgreSQL the row is locked until it commits, so two writers never lose each other's story)."""
        lock = " FOR UPDATE" if self.sql.postgres else ""
        row = conn.execute(f"SELECT value FROM meta WHERE key = ?{lock}", (PENDING_BRIEFS_KEY,)).fetchone()
        pending = set(json.loads(row[0])) if row else set()
        pending.add(story_id)
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (PENDING_BRIEFS_KEY, json.dumps(sorted(pending))),
        )


def _json_or_none(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _statements(sql: str) -> list[str]:
    """Split a SQLite migration into statements (semicolons inside comments and strings are safe)."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
