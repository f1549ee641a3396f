"""The two databases a store can live in, behind the one connection interface the store uses.

SQLite (a file path) is the default: the store talks to a ``sqlite3.Connection`` directly.
PostgreSQL (a ``postgresql://USER@HOST:PORT/DB`` URL) is reached with psycopg 3 through
:class:`PostgresConnection`, which looks like a ``sqlite3.Connection`` to the store:
``execute``/``executemany`` take SQL with ``?`` placeholders, rows answer by index and by
column name (``dict(row)`` works), ``in_transaction`` says whether a transaction is open.

What the two dialects write differently (upserts, ``RETURNING``, JSON, full-text search)
stays in the store's modules, both backends' SQL beside each other (see ``Dialect``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class StoreError(Exception):
    """The store cannot be opened or used; the message names the file or database."""


def is_postgres(target: Any) -> bool:
    """Whether ``target`` (a path or a URL) names a PostgreSQL database."""
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def store_target(value: str | Path) -> str | Path:
    """What ``--db``, ``NEWSDESK_DB`` or the ``db`` setting names: a PostgreSQL URL, or a SQLite file path."""
    text = str(value)
    return text if is_postgres(text) else Path(text).expanduser()


def describe(target: str | Path) -> str:
    """A store's name for messages: the path, or the URL without its password."""
    if not is_postgres(target):
        return str(target)
    parts = urlsplit(str(target))
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return urlunsplit(parts._replace(netloc=netloc))
    return str(target)


class Row(tuple):
    """A result row read by position or by column name, like ``sqlite3.Row``."""

    def __new__(cls, values: Any, index: dict[str, int]) -> "Row":
        row = super().__new__(cls, values)
        row._index = index
        return row

    def keys(self) -> list[str]:
        return list(self._index)

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)


def _row_factory(cursor: Any):
    description = cursor.description or []
    index = {column.name: i for i, column in enumerate(description)}
    return lambda values: Row(values, index)


_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\?|%")


def to_pyformat(sql: str) -> str:
    """SQL with ``?`` placeholders as psycopg wants it: ``%s`` (outside string literals), ``%`` doubled."""
    def swap(match: re.Match) -> str:
        token = match.group(0)
        if token == "?":
            return "%s"
        return token.replace("%", "%%")
    return _PLACEHOLDER.sub(swap, sql)


class PostgresConnection:
    """A psycopg 3 connection in autocommit mode that the store uses like a ``sqlite3.Connection``.

    Transactions are begun and ended by the store's own ``BEGIN``/``SAVEPOINT``/``COMMIT``
    statements, as on SQLite. A lost or refused connection becomes a :class:`StoreError`."""

    dialect = "postgres"

    def __init__(self, url: str) -> None:
        import psycopg

        self._psycopg = psycopg
        self.url = url
        try:
            self.raw = psycopg.connect(url, autocommit=True, row_factory=_row_factory, connect_timeout=10)
        except psycopg.Error as exc:
            raise StoreError(f"cannot open store {describe(url)}: {_reason(exc)}") from None
        self._sql: dict[str, str] = {}

    def _translated(self, sql: str) -> str:
        out = self._sql.get(sql)
        if out is None:
            out = self._sql[sql] = to_pyformat(sql)
        return out

    def execute(self, sql: str, params: Any = ()) -> Any:
        cursor = self.raw.cursor()
        try:
            if params:
                cursor.execute(self._translated(sql), tuple(params))
            else:
                cursor.execute(sql)
        except self._psycopg.OperationalError as exc:
            raise StoreError(f"store {describe(self.url)}: {_reason(exc)}") from None
        return cursor

    def executemany(self, sql: str, rows: Any) -> Any:
        rows = [tuple(row) for row in rows]
        cursor = self.raw.cursor()
        if rows:
            try:
                cursor.executemany(self._translated(sql), rows)
            except self._psycopg.OperationalError as exc:
                raise StoreError(f"store {describe(self.url)}: {_reason(exc)}") from None
        return cursor

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != self._psycopg.pq.TransactionStatus.IDLE

    def close(self) -> None:
        self.raw.close()


def _reason(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def integrity_errors() -> tuple[type[Exception], ...]:
    """The exceptions either backend raises when a write breaks a constraint (a taken name, a missing row)."""
    import sqlite3

    errors: tuple[type[Exception], ...] = (sqlite3.IntegrityError,)
    try:
        import psycopg
    except ImportError:
        return errors
    return errors + (psycopg.IntegrityError,)


class Dialect:
    """The few SQL fragments the two backends spell differently, named for what they do."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.postgres = name == "postgres"
        self.unlimited = None if self.postgres else -1  # LIMIT ? with this value: no limit
        self.begin = "BEGIN" if self.postgres else "BEGIN IMMEDIATE"
        self.least = "least" if self.postgres else "min"  # of two values (SQLite's scalar min)
        self.greatest = "greatest" if self.postgres else "max"

    def json_text(self, column: str, *path: str) -> str:
        """A JSON text column's member at ``path``, as text (JSON text for an array or object)."""
        if self.postgres:
            return f"({column}::jsonb #>> '{{{','.join(path)}}}')"
        return f"json_extract({column}, '$.{'.'.join(path)}')"

    def json_int(self, column: str, *path: str) -> str:
        if self.postgres:
            return f"({column}::jsonb #>> '{{{','.join(path)}}}')::bigint"
        return f"json_extract({column}, '$.{'.'.join(path)}')"

    def json_length(self, column: str, key: str) -> str:
        """The length of the JSON array at ``key`` of a JSON text column."""
        if self.postgres:
            return f"jsonb_array_length({column}::jsonb -> '{key}')"
        return f"json_array_length({column}, '$.{key}')"
