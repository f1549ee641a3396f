"""Moving a store: every table of one store copied into an empty other, SQLite or PostgreSQL either way.

:func:`copy_store` reads the source in one snapshot (a read transaction), writes the destination
in one transaction (a failure leaves it as empty as it was), table by table in batches, keeps every
id (identity sequences are moved past them on PostgreSQL) and then counts the rows of every table
on both sides: a difference is an error. The full-text indexes follow: SQLite's article index by
its triggers, PostgreSQL's by its GIN index; the published briefs' index (``stories_fts``) is
copied like a table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from newsdesk.store.backend import StoreError

# every table, parents before children; ``migrations`` is each store's own
TABLES = (
    "feeds", "articles", "fetch_attempts", "ingest_failures", "article_revisions", "article_vectors", "stories",
    "article_origins", "story_articles", "lexicon", "meta", "article_facts", "statement_vectors", "text_vectors",
    "briefs", "brief_lines", "users", "sessions", "api_tokens", "audit_log", "corrections", "stories_fts",
    "story_entities", "login_limits",
)
# columns that may point at a later row of their own table: written once every row is in
LATER = {"stories": ("merged_into",)}
KEYS = {"stories": "id"}  # the key those later writes go by
BATCH = 1000


@dataclass(slots=True)
class TableCopy:
    table: str
    source_rows: int
    copied_rows: int

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "source_rows": self.source_rows, "copied_rows": self.copied_rows}


class CopyError(StoreError):
    """The copy cannot start or did not copy every row; the message says which store or table."""


def copy_store(source, target, *, batch: int = BATCH,
               on_table: Callable[[str, int], None] = lambda table, rows: None,
               on_rows: Callable[[int], None] = lambda n: None) -> list[TableCopy]:
    """Copy every row of ``source`` into ``target`` (both ``Store``, both at the same migrations).

    ``on_table(name, rows)`` is called before each table, ``on_rows(n)`` after each batch written.
    Raises :class:`CopyError` when the target is not empty, the schemas differ, or a count differs."""
    if source.applied_migrations() != target.applied_migrations():
        raise CopyError(f"{source.name} and {target.name} are at different migrations; open both with this "
                        "version of newsdesk first")
    unknown = set(tables(source)) - set(TABLES) - {"migrations"}
    if unknown:
        raise CopyError(f"{source.name} has tables this version cannot copy: {', '.join(sorted(unknown))}")
    for table in TABLES:
        rows = _count(target, table)
        if rows:
            raise CopyError(f"{target.name} is not empty (table {table} has {rows} rows): copy into a new store")
    with _snapshot(source), target.transaction():
        counts = []
        for table in TABLES:
            total = _count(source, table)
            on_table(table, total)
            columns = _columns(source, table)
            if set(columns) != set(_columns(target, table)):
                raise CopyError(f"table {table} has other columns in {source.name} than in {target.name}")
            later = [c for c in LATER.get(table, ()) if c in columns]
            written = [c for c in columns if c not in later]
            insert = _insert(target, table, written)
            for rows in _batches(source, _select(source, table, written), batch):
                target.conn.executemany(insert, rows)
                on_rows(len(rows))
            if later:
                key = KEYS[table]
                update = f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in later)} WHERE {key} = ?"
                select = f"SELECT {', '.join(later)}, {key} FROM {table} WHERE " + " OR ".join(f"{c} IS NOT NULL" for c in later)
                for rows in _batches(source, select, batch):
                    target.conn.executemany(update, rows)
            counts.append(TableCopy(table, total, _count(target, table)))
        _move_sequences(target)
    wrong = [c for c in counts if c.copied_rows != c.source_rows]
    if wrong:
        raise CopyError("rows differ after the copy: " + "; ".join(
            f"{c.table}: {c.source_rows} in {source.name}, {c.copied_rows} in {target.name}" for c in wrong))
    return counts


def tables(store) -> list[str]:
    """The tables of a store (without the shadow tables of SQLite's full-text indexes)."""
    if store.sql.postgres:
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        return [row[0] for row in store.conn.execute(sql)]
    rows = store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    # FTS5 keeps each index in shadow tables (articles_fts_data, ...): part of the index, not data
    return [r[0] for r in rows if r[0] != "articles_fts" and not r[0].startswith(("articles_fts_", "stories_fts_"))]


def _columns(store, table: str) -> list[str]:
    """The table's columns as both backends name them (the published briefs' index by ``story_id``)."""
    if store.sql.postgres:
        rows = store.conn.execute(
            """SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()
               AND table_name = ? AND is_generated = 'NEVER' ORDER BY ordinal_position""", (table,))
        return [row[0] for row in rows]
    if table == "stories_fts":
        return ["story_id", "headline", "dek", "text"]
    return [row[1] for row in store.conn.execute(f"PRAGMA table_info({table})")]


def _sqlite_name(store, table: str, column: str) -> str:
    return "rowid" if table == "stories_fts" and column == "story_id" and not store.sql.postgres else column


def _select(store, table: str, columns: list[str]) -> str:
    names = ", ".join(_sqlite_name(store, table, c) for c in columns)
    return f"SELECT {names} FROM {table}"


def _insert(store, table: str, columns: list[str]) -> str:
    names = ", ".join(_sqlite_name(store, table, c) for c in columns)
    return f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"


def _count(store, table: str) -> int:
    return store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


class _snapshot:
    """A read transaction on the source, so every table is read as of one moment."""

    def __init__(self, store) -> None:
        self.store = store

    def __enter__(self) -> None:
        begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" if self.store.sql.postgres else "BEGIN"
        self.store.conn.execute(begin)

    def __exit__(self, *exc: object) -> None:
        self.store.conn.execute("ROLLBACK")


def _batches(store, sql: str, size: int) -> Iterator[list[tuple]]:
    """The rows of ``sql`` in lists of ``size``; from PostgreSQL through a server-side cursor (bounded memory)."""
    if store.sql.postgres:
        cursor = store.conn.raw.cursor(name="newsdesk_copy")
        try:
            cursor.execute(sql)
            while rows := cursor.fetchmany(size):
                yield [tuple(r) for r in rows]
        finally:
            cursor.close()
        return
    cursor = store.conn.execute(sql)
    while rows := cursor.fetchmany(size):
        yield [tuple(r) for r in rows]


def _move_sequences(store) -> None:
    """On PostgreSQL, move every identity column's sequence past the ids copied in."""
    if not store.sql.postgres:
        return
    rows = store.conn.execute(
        """SELECT table_name, column_name FROM information_schema.columns
           WHERE table_schema = current_schema() AND is_identity = 'YES'""").fetchall()
    for table, column in rows:
        store.conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), coalesce(max({column}), 0) + 1, false)"
            f" FROM {table}")
