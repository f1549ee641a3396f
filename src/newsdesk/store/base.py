"""The store's plumbing: opening the database, transactions, named migrations, small named values.

Every module of the store (articles, stories, facts, briefs, accounts, search, audit) is a mixin
composed into :class:`newsdesk.store.Store`; this one holds what they all use.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from newsdesk.store.migrations import MIGRATIONS

PENDING_BRIEFS_KEY = "scheduler_pending_briefs"  # meta: JSON list of stories whose brief is still to write


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


class StoreError(Exception):
    """The store file cannot be opened or used; the message names the file."""



class StoreBase:
    """Connection, transactions and migrations of a newsdesk store in one SQLite file."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self._savepoints = 0  # depth of nested transactions
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self.conn.execute("PRAGMA busy_timeout=30000")
            self._migrate()
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}") from None

    # -- plumbing ---------------------------------------------------------

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
                raise
            else:
                self.conn.execute(f"RELEASE {name}")
            finally:
                self._savepoints -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
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
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            if self.conn.in_transaction:  # SQLite may have ended it on a fatal error
                self.conn.execute("COMMIT")

    def _migrate(self) -> None:
        self.conn.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        done = {row[0] for row in self.conn.execute("SELECT name FROM migrations")}
        for name, sql in MIGRATIONS:
            if name in done:
                continue
            with self.transaction() as conn:
                for statement in _statements(sql):
                    conn.execute(statement)
                conn.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (name, _iso(utcnow())))

    def applied_migrations(self) -> list[str]:
        return [row[0] for row in self.conn.execute("SELECT name FROM migrations ORDER BY name")]

    def integrity_ok(self) -> bool:
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


    @staticmethod
    def _mark_brief_pending(conn: sqlite3.Connection, story_id: int) -> None:
        """Add a story to those whose brief the scheduler is still to write."""
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (PENDING_BRIEFS_KEY,)).fetchone()
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
    """Split a migration into statements (semicolons inside comments and strings are safe)."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


