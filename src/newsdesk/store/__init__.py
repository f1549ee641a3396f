"""The store: the only code in newsdesk that writes SQL.

SQLite by default: one file, WAL journal, foreign keys on, named migrations
applied on open. Every article is written in one transaction, so a process
killed mid-ingest leaves only whole articles behind.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from newsdesk.models import Article, Failure
from newsdesk.store.migrations import MIGRATIONS
from newsdesk.urls import normalize_url


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


def content_hash(article: Article) -> str:
    """Hash of the normalised body (the headline when there is no body).

    Case, punctuation spacing and white space do not count, so a copy that only
    reflowed the text hashes the same.
    """
    basis = article.text.strip() or article.title
    folded = unicodedata.normalize("NFKC", basis).casefold()
    folded = re.sub(r"\s+", " ", folded).strip()
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class AddResult:
    article_id: str
    added: bool
    reason: str = ""  # why it was not added: which stored article it duplicates, or that it revised one
    revised: bool = False  # a new version of a stored article: its text replaced the stored one
    revision: int | None = None  # when revised: the number of the version now current (the first is 1)


PENDING_BRIEFS_KEY = "scheduler_pending_briefs"  # meta: JSON list of stories whose brief is still to write


@dataclass(slots=True)
class Feed:
    id: int
    url: str
    title: str | None
    site_url: str | None
    etag: str | None
    last_modified: str | None
    poll_interval: int | None
    added_at: datetime
    last_polled_at: datetime | None
    next_poll_at: datetime | None
    last_status: str | None
    last_error: str | None
    error_count: int
    articles: int = 0

    def as_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__slots__}
        for key, value in out.items():
            if isinstance(value, datetime):
                out[key] = value.isoformat()
        return out


class StoreError(Exception):
    """The store file cannot be opened or used; the message names the file."""


class Store:
    """A newsdesk store in one SQLite file."""

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

    # -- articles ---------------------------------------------------------

    def find_existing(self, article: Article) -> tuple[str, str] | None:
        """The stored article this one repeats or revises, and how: (id, reason), or None.

        The same input again is recognised by its id, its URL, its canonical URL
        with the same content, or the same content from the same publisher.
        Exact copies from *other* publishers are stored: they are evidence of
        syndication, which dedupe records later. The same id or URL from the same
        publisher with another text is a new version (see :meth:`add_article`).
        """
        match = self._match(article, article.content_hash or content_hash(article))
        return (match[0], match[1]) if match else None

    def _match(self, article: Article, digest: str) -> tuple[str, str, str] | None:
        """(stored id, reason, kind) for what ``article`` is to the store; kind: repeat | same_entry | revision."""
        row = self.conn.execute("SELECT id, source, content_hash FROM articles WHERE id = ?", (article.id,)).fetchone()
        how = "same id"
        if row is None and article.url:
            row = self.conn.execute(
                "SELECT id, source, content_hash FROM articles WHERE url = ? ORDER BY seq LIMIT 1",
                (normalize_url(article.url),),
            ).fetchone()
            how = "same URL"
        if row:
            same_source = row["source"] == article.source
            if row["content_hash"] == digest:
                return row["id"], how, "same_entry" if same_source else "repeat"
            if not same_source:
                if how == "same id":
                    return row["id"], "same id, different text (the stored version is kept)", "repeat"
                return row["id"], how, "repeat"
            earlier = self.conn.execute(
                "SELECT revision FROM article_revisions WHERE article_id = ? AND content_hash = ? ORDER BY revision DESC",
                (row["id"], digest),
            ).fetchone()
            if earlier:  # an older version read again (a file ingested once more): not news
                return row["id"], f"{how}, an earlier version (revision {earlier[0]})", "same_entry"
            return row["id"], "new version of a stored article", "revision"
        if article.canonical_url:
            row = self.conn.execute(
                "SELECT id FROM articles WHERE canonical_url = ? AND content_hash = ?",
                (normalize_url(article.canonical_url), digest),
            ).fetchone()
            if row:
                return row["id"], "same canonical URL and text", "repeat"
        row = self.conn.execute(
            "SELECT id FROM articles WHERE content_hash = ? AND source IS ?", (digest, article.source)
        ).fetchone()
        if row:
            return row["id"], "same text from the same source", "repeat"
        return None

    def has_article(self, article_id: str, url: str | None = None) -> bool:
        """Whether an article with this id, or from this URL, is stored."""
        row = self.conn.execute(
            "SELECT 1 FROM articles WHERE id = ? OR (? IS NOT NULL AND url = ?)",
            (article_id, url, normalize_url(url) if url else None),
        ).fetchone()
        return row is not None

    def entry_status(self, article: Article, entry_hash: str) -> str:
        """How a feed entry stands against the store: ``new`` (no article with its id or URL),
        ``unchanged`` (stored from the same entry text, or another publisher's article) or
        ``changed`` (the same publisher's entry with another text: a possible new version).

        ``entry_hash`` is the :func:`content_hash` of the entry's own text, before any page is
        fetched for it, so an unchanged entry costs no page fetch."""
        row = self.conn.execute(
            """SELECT source, coalesce(entry_hash, content_hash) AS seen FROM articles
               WHERE id = ? OR (? IS NOT NULL AND url = ?) ORDER BY id = ? DESC, seq LIMIT 1""",
            (article.id, article.url, normalize_url(article.url) if article.url else None, article.id),
        ).fetchone()
        if row is None:
            return "new"
        if row["source"] != article.source or row["seen"] == entry_hash:
            return "unchanged"
        return "changed"

    def add_article(self, article: Article, *, input: str | None = None, entry_hash: str | None = None) -> AddResult:
        """Store one article in one transaction, unless it is already stored.

        A new version of a stored article (same id, or same URL, from the same publisher,
        with another text) replaces the stored text; the old version is kept in
        ``article_revisions`` and what was derived from its text is dropped (see
        :meth:`_revise`). ``entry_hash``: the hash of a feed entry's own text (see
        :meth:`entry_status`)."""
        article.content_hash = article.content_hash or content_hash(article)
        with self.transaction() as conn:
            match = self._match(article, article.content_hash)
            if match and match[2] == "revision":
                revision = self._revise(conn, match[0], article, input, entry_hash)
                return AddResult(match[0], False, f"{match[1]} (revision {revision})", revised=True, revision=revision)
            if match:
                if entry_hash and match[2] == "same_entry":
                    conn.execute("UPDATE articles SET entry_hash = ? WHERE id = ?", (entry_hash, match[0]))
                return AddResult(match[0], False, match[1])
            article.fetched = article.fetched or utcnow()
            conn.execute(
                """INSERT INTO articles (id, source, url, canonical_url, title, dek, byline, teaser, summary,
                       published, fetched, language, text, content_hash, label, feed_id, input, extra)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    article.id,
                    article.source,
                    normalize_url(article.url) if article.url else None,
                    normalize_url(article.canonical_url) if article.canonical_url else None,
                    article.title,
                    article.dek,
                    article.byline,
                    article.teaser,
                    article.summary,
                    _iso(article.published),
                    _iso(article.fetched),
                    article.language,
                    article.text,
                    article.content_hash,
                    article.label,
                    article.feed_id,
                    input,
                    json.dumps(article.extra, ensure_ascii=False, default=str),
                ),
            )
            if entry_hash:
                conn.execute("UPDATE articles SET entry_hash = ? WHERE id = ?", (entry_hash, article.id))
        return AddResult(article.id, True)

    def _revise(self, conn: sqlite3.Connection, article_id: str, article: Article, input: str | None,
                entry_hash: str | None) -> int:
        """Make ``article`` the current version of stored ``article_id``; returns its revision number.

        The stored version goes to ``article_revisions``. The article keeps its id, URL, arrival
        time and story; its facts, statement vectors, article vector and MinHash signature
        described the old text, so they are dropped (facts and vectors are computed again when
        next needed, the vector and signature by the next ``cluster`` run) and the story's
        brief is marked to be written again."""
        old = conn.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        revision = conn.execute(
            "SELECT coalesce(max(revision), 0) + 1 FROM article_revisions WHERE article_id = ?", (article_id,)
        ).fetchone()[0]
        now = _iso(utcnow())
        conn.execute(
            """INSERT INTO article_revisions (article_id, revision, title, dek, text, content_hash, published,
                   replaced_at, input) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (article_id, revision, old["title"], old["dek"], old["text"], old["content_hash"], old["published"],
             now, old["input"]),
        )
        extra = json.loads(old["extra"] or "{}") | article.extra
        conn.execute(
            """UPDATE articles SET title = ?, dek = ?, byline = coalesce(?, byline), teaser = ?, summary = ?,
                   published = coalesce(?, published), language = coalesce(?, language), text = ?, content_hash = ?,
                   canonical_url = coalesce(?, canonical_url), label = coalesce(?, label), input = ?, extra = ?,
                   entry_hash = ? WHERE id = ?""",
            (article.title, article.dek, article.byline, article.teaser, article.summary, _iso(article.published),
             article.language, article.text, article.content_hash,
             normalize_url(article.canonical_url) if article.canonical_url else None, article.label, input,
             json.dumps(extra, ensure_ascii=False, default=str), entry_hash, article_id),
        )
        conn.execute("DELETE FROM article_facts WHERE article_id = ?", (article_id,))
        conn.execute("DELETE FROM statement_vectors WHERE article_id = ?", (article_id,))
        story = conn.execute("SELECT story_id FROM story_articles WHERE article_id = ?", (article_id,)).fetchone()
        vector = conn.execute("SELECT vector FROM article_vectors WHERE article_id = ?", (article_id,)).fetchone()
        if story and vector:
            self._add_to_centroid(conn, story[0], vector[0], -1.0)  # the centroid is the sum of member vectors
        conn.execute("DELETE FROM article_vectors WHERE article_id = ?", (article_id,))
        conn.execute("UPDATE article_origins SET minhash = NULL WHERE article_id = ?", (article_id,))
        if story:
            self._mark_brief_pending(conn, story[0])
        return revision + 1

    @staticmethod
    def _add_to_centroid(conn: sqlite3.Connection, story_id: int, vector: bytes, sign: float) -> None:
        import numpy as np

        row = conn.execute("SELECT centroid FROM stories WHERE id = ?", (story_id,)).fetchone()
        if row is None or row[0] is None or len(row[0]) != len(vector):
            return
        centroid = np.frombuffer(row[0], dtype=np.float32) + sign * np.frombuffer(vector, dtype=np.float32)
        conn.execute("UPDATE stories SET centroid = ? WHERE id = ?", (centroid.astype(np.float32).tobytes(), story_id))

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

    def article_revisions(self, article_id: str) -> list[dict[str, Any]]:
        """The earlier versions of an article, newest first: revision number, when it was replaced,
        its title, dek, text, published time and the input it came from."""
        rows = self.conn.execute(
            """SELECT revision, replaced_at, title, dek, text, content_hash, published, input FROM article_revisions
               WHERE article_id = ? ORDER BY revision DESC""",
            (article_id,),
        )
        return [dict(row) | {"replaced_at": _dt(row["replaced_at"]), "published": _dt(row["published"])} for row in rows]

    def revised_articles(self, article_ids: list[str]) -> dict[str, dict[str, Any]]:
        """For those of ``article_ids`` that were revised: the latest change — ``revision`` (the number of
        the version now current), ``revisions`` (earlier versions kept), ``revised_at``, the outlet
        (``source``) and the replaced version's ``previous_title``."""
        out: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(list(article_ids), 500):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"""SELECT r.article_id, r.revision, r.replaced_at, r.title, a.source FROM article_revisions r
                    JOIN articles a ON a.id = r.article_id
                    WHERE r.article_id IN ({marks})
                      AND r.revision = (SELECT max(revision) FROM article_revisions WHERE article_id = r.article_id)""",
                chunk,
            )
            for row in rows:
                out[row["article_id"]] = {
                    "revision": row["revision"] + 1,
                    "revisions": row["revision"],
                    "revised_at": _dt(row["replaced_at"]),
                    "source": row["source"],
                    "previous_title": row["title"],
                }
        return out

    def get_article(self, article_id: str) -> Article | None:
        row = self.conn.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        return _article(row) if row else None

    def list_articles(self, *, limit: int | None = None, offset: int = 0, source: str | None = None) -> list[Article]:
        sql = "SELECT * FROM articles"
        params: list[Any] = []
        if source:
            sql += " WHERE source = ?"
            params.append(source)
        sql += " ORDER BY seq LIMIT ? OFFSET ?"
        params += [-1 if limit is None else limit, offset]
        return [_article(row) for row in self.conn.execute(sql, params)]

    def count_articles(self) -> int:
        return self.conn.execute("SELECT count(*) FROM articles").fetchone()[0]

    # -- failures ---------------------------------------------------------

    def record_failure(self, failure: Failure) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO ingest_failures (input, stage, reason, at) VALUES (?, ?, ?, ?)",
                (failure.input, failure.stage, failure.reason, _iso(utcnow())),
            )

    def list_failures(self, *, limit: int = 50) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT * FROM ingest_failures ORDER BY id DESC LIMIT ?", (limit,))
        return [dict(row) for row in rows]

    # -- feeds ------------------------------------------------------------

    def add_feed(self, url: str, *, title: str | None = None, poll_interval: int | None = None) -> tuple[Feed, bool]:
        """Subscribe to a feed; returns (feed, created). Adding a known URL changes nothing."""
        existing = self.get_feed(url)
        if existing:
            return existing, False
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO feeds (url, title, poll_interval, added_at) VALUES (?, ?, ?, ?)",
                (url, title, poll_interval, _iso(utcnow())),
            )
        return self.get_feed(url), True  # type: ignore[return-value]

    def get_feed(self, key: int | str) -> Feed | None:
        """A feed by id (an int or digits) or by URL."""
        if isinstance(key, int) or str(key).isdigit():
            row = self.conn.execute(_FEED_SELECT + " WHERE f.id = ?", (int(key),)).fetchone()
        else:
            row = self.conn.execute(_FEED_SELECT + " WHERE f.url = ?", (key,)).fetchone()
        return _feed(row) if row else None

    def list_feeds(self) -> list[Feed]:
        return [_feed(row) for row in self.conn.execute(_FEED_SELECT + " ORDER BY f.id")]

    def due_feeds(self, now: datetime | None = None) -> list[Feed]:
        now_iso = _iso(now or utcnow())
        rows = self.conn.execute(
            _FEED_SELECT + " WHERE f.next_poll_at IS NULL OR f.next_poll_at <= ? ORDER BY f.id", (now_iso,)
        )
        return [_feed(row) for row in rows]

    def remove_feed(self, key: int | str) -> Feed | None:
        """Unsubscribe; articles already stored from the feed are kept."""
        feed = self.get_feed(key)
        if feed:
            with self.transaction() as conn:
                conn.execute("DELETE FROM feeds WHERE id = ?", (feed.id,))
        return feed

    def record_poll(
        self,
        feed: Feed,
        *,
        started: datetime,
        elapsed: float,
        outcome: str,
        next_poll_at: datetime,
        http_status: int | None = None,
        new_articles: int = 0,
        error: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        title: str | None = None,
        site_url: str | None = None,
    ) -> None:
        """Record one fetch attempt of a feed and update its schedule and validators."""
        with self.transaction() as conn:
            conn.execute(
                """INSERT INTO fetch_attempts (feed_id, url, started_at, elapsed, http_status, outcome, new_articles, error)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                (feed.id, feed.url, _iso(started), elapsed, http_status, outcome, new_articles, error),
            )
            if outcome == "error":
                conn.execute(
                    """UPDATE feeds SET last_polled_at = ?, next_poll_at = ?, last_status = 'error',
                       last_error = ?, error_count = error_count + 1 WHERE id = ?""",
                    (_iso(started), _iso(next_poll_at), error, feed.id),
                )
            else:
                conn.execute(
                    """UPDATE feeds SET last_polled_at = ?, next_poll_at = ?, last_status = ?, last_error = NULL,
                       error_count = 0, etag = coalesce(?, etag), last_modified = coalesce(?, last_modified),
                       title = coalesce(title, ?), site_url = coalesce(?, site_url) WHERE id = ?""",
                    (_iso(started), _iso(next_poll_at), outcome, etag, last_modified, title, site_url, feed.id),
                )

    def fetch_attempts(self, feed_id: int | None = None, *, limit: int = 50) -> list[dict[str, Any]]:
        return [dict(row) for row in self._newest("SELECT * FROM fetch_attempts", "feed_id", feed_id, limit)]

    def _newest(self, select: str, column: str, value: Any, limit: int) -> sqlite3.Cursor:
        """The rows of ``select``, newest (highest id) first, only those whose ``column`` is ``value`` unless it is None."""
        where, params = (f" WHERE {column} = ?", [value]) if value is not None else ("", [])
        return self.conn.execute(f"{select}{where} ORDER BY id DESC LIMIT ?", (*params, limit))


    # -- vectors, origins, stories -------------------------------------------

    def unclustered_articles(self) -> list[Article]:
        """Articles not yet in a story, in time order (published, else fetched), then arrival."""
        rows = self.conn.execute(
            """SELECT a.* FROM articles a LEFT JOIN story_articles sa ON sa.article_id = a.id
               WHERE sa.article_id IS NULL ORDER BY coalesce(a.published, a.fetched), a.seq"""
        )
        return [_article(row) for row in rows]

    def _by_model(self, sql: str, model: str, keys: list) -> list[tuple]:
        """Rows of ``sql`` (with ``model = ?`` and ``IN ({marks})``) for every key, 500 keys a query."""
        rows: list[tuple] = []
        for chunk in _chunks(keys, 500):
            rows += self.conn.execute(sql.format(marks=",".join("?" * len(chunk))), (model, *chunk)).fetchall()
        return rows

    def vectors(self, article_ids: list[str], model: str) -> dict[str, bytes]:
        sql = "SELECT article_id, vector FROM article_vectors WHERE model = ? AND article_id IN ({marks})"
        return {row[0]: row[1] for row in self._by_model(sql, model, article_ids)}

    def save_vectors(self, model: str, vectors: dict[str, bytes]) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO article_vectors (article_id, model, vector) VALUES (?, ?, ?)",
                [(aid, model, blob) for aid, blob in vectors.items()],
            )

    def revised_without_derivations(self) -> list[Article]:
        """Clustered articles whose vector or MinHash signature was dropped when a new version replaced
        their text (see :meth:`_revise`), in arrival order."""
        rows = self.conn.execute(
            """SELECT a.* FROM articles a JOIN story_articles sa ON sa.article_id = a.id
               WHERE a.id IN (SELECT article_id FROM article_revisions)
                 AND (a.id NOT IN (SELECT article_id FROM article_vectors)
                      OR (a.text != '' AND a.id IN (SELECT article_id FROM article_origins WHERE minhash IS NULL)))
               ORDER BY a.seq"""
        )
        return [_article(row) for row in rows]

    def save_revised_derivations(self, article_id: str, model: str, vector: bytes, minhash: bytes | None) -> None:
        """Store a revised article's new vector (added to its story's centroid) and MinHash signature."""
        with self.transaction() as conn:
            had = conn.execute("SELECT 1 FROM article_vectors WHERE article_id = ?", (article_id,)).fetchone()
            if not had:
                conn.execute("INSERT INTO article_vectors (article_id, model, vector) VALUES (?, ?, ?)",
                             (article_id, model, vector))
                story = conn.execute("SELECT story_id FROM story_articles WHERE article_id = ?", (article_id,)).fetchone()
                if story:
                    self._add_to_centroid(conn, story[0], vector, 1.0)
            if minhash is not None:
                conn.execute("UPDATE article_origins SET minhash = ? WHERE article_id = ?", (minhash, article_id))

    def load_lexicon(self) -> tuple[dict[str, int], int]:
        df = dict(self.conn.execute("SELECT term, df FROM lexicon"))
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'lexicon_documents'").fetchone()
        return df, int(row[0]) if row else 0

    def add_to_lexicon(self, increments: dict[str, int], documents: int) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO lexicon (term, df) VALUES (?, ?) ON CONFLICT(term) DO UPDATE SET df = df + excluded.df",
                list(increments.items()),
            )
            conn.execute(
                """INSERT INTO meta (key, value) VALUES ('lexicon_documents', ?)
                   ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + CAST(excluded.value AS INTEGER)""",
                (str(documents),),
            )

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

    def first_clustered_with_hash(self, digest: str) -> str | None:
        row = self.conn.execute(
            """SELECT a.id FROM articles a JOIN story_articles sa ON sa.article_id = a.id
               WHERE a.content_hash = ? ORDER BY a.seq LIMIT 1""",
            (digest,),
        ).fetchone()
        return row[0] if row else None

    def recent_signatures(self, since: datetime) -> list[tuple[Article, str, bytes]]:
        """Clustered articles seen since ``since`` with their origin and MinHash signature."""
        rows = self.conn.execute(
            """SELECT a.*, o.origin AS o_origin, o.minhash AS o_minhash FROM articles a
               JOIN article_origins o ON o.article_id = a.id
               WHERE coalesce(a.published, a.fetched) >= ? AND o.minhash IS NOT NULL""",
            (_iso(since),),
        )
        return [(_article(row), row["o_origin"], row["o_minhash"]) for row in rows]

    def origin_of(self, article_id: str) -> str | None:
        row = self.conn.execute("SELECT origin FROM article_origins WHERE article_id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    def story_of(self, article_id: str) -> int | None:
        row = self.conn.execute("SELECT story_id FROM story_articles WHERE article_id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    def active_stories(self, since: datetime) -> list[dict[str, Any]]:
        """Stories not merged away whose last article is no older than ``since``."""
        rows = self.conn.execute(
            "SELECT * FROM stories WHERE merged_into IS NULL AND last_seen >= ? ORDER BY id", (_iso(since),)
        )
        return [dict(row) | {"first_seen": _dt(row["first_seen"]), "last_seen": _dt(row["last_seen"])} for row in rows]

    def story_members(self, story_id: int, *, limit: int | None = None) -> list[Article]:
        """A story's articles in time order (the most recent ``limit`` when given)."""
        rows = self.conn.execute(
            """SELECT * FROM (SELECT a.*, coalesce(a.published, a.fetched) AS t FROM articles a
                 JOIN story_articles sa ON sa.article_id = a.id WHERE sa.story_id = ? ORDER BY t DESC, a.seq DESC LIMIT ?)
               ORDER BY t, seq""",
            (story_id, -1 if limit is None else limit),
        )
        return [_article(row) for row in rows]

    def assign(
        self,
        article: Article,
        *,
        origin: Any,  # dedupe.OriginLink
        minhash: bytes | None,
        story_id: int | None,
        score: float | None,
        when: datetime,
        centroid: bytes,
    ) -> int:
        """Record an article's origin and story in one transaction; returns the story id (new if None)."""
        now = _iso(utcnow())
        with self.transaction() as conn:
            conn.execute(
                """INSERT OR REPLACE INTO article_origins (article_id, level, of_article, origin, similarity, evidence, minhash)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (article.id, origin.level, origin.of_article, origin.origin, origin.similarity, origin.evidence, minhash),
            )
            if story_id is None:
                cursor = conn.execute(
                    """INSERT INTO stories (created_at, first_seen, last_seen, headline, centroid)
                       VALUES (?, ?, ?, ?, ?)""",
                    (now, _iso(when), _iso(when), article.title, centroid),
                )
                story_id = int(cursor.lastrowid)
            else:
                conn.execute(
                    """UPDATE stories SET first_seen = min(first_seen, ?), last_seen = max(last_seen, ?), centroid = ?
                       WHERE id = ?""",
                    (_iso(when), _iso(when), centroid, story_id),
                )
            conn.execute(
                "INSERT INTO story_articles (article_id, story_id, score, assigned_at) VALUES (?, ?, ?, ?)",
                (article.id, story_id, score, now),
            )
        return story_id

    def merge_stories(self, keep: int, gone: int, centroid: bytes) -> None:
        """Move every article of ``gone`` into ``keep``; ``gone`` remembers where it went."""
        with self.transaction() as conn:
            conn.execute("UPDATE story_articles SET story_id = ? WHERE story_id = ?", (keep, gone))
            conn.execute(
                """UPDATE stories SET centroid = ?,
                     first_seen = min(first_seen, (SELECT first_seen FROM stories WHERE id = ?)),
                     last_seen = max(last_seen, (SELECT last_seen FROM stories WHERE id = ?)) WHERE id = ?""",
                (centroid, gone, gone, keep),
            )
            conn.execute("UPDATE stories SET merged_into = ? WHERE id = ?", (keep, gone))

    def list_stories(self, *, limit: int | None = None) -> list[dict[str, Any]]:
        """Stories (merged ones excluded) with article and independent-origin counts, newest activity first."""
        rows = self.conn.execute(
            """SELECT s.id, s.headline, s.first_seen, s.last_seen,
                      count(sa.article_id) AS articles, count(DISTINCT o.origin) AS origins
               FROM stories s JOIN story_articles sa ON sa.story_id = s.id
               LEFT JOIN article_origins o ON o.article_id = sa.article_id
               WHERE s.merged_into IS NULL GROUP BY s.id ORDER BY s.last_seen DESC, s.id LIMIT ?""",
            (-1 if limit is None else limit,),
        )
        return [dict(row) for row in rows]

    def get_story(self, story_id: int) -> dict[str, Any] | None:
        """A story with its articles and their origins; a merged story id leads to where it went."""
        row = self.conn.execute("SELECT * FROM stories WHERE id = ?", (story_id,)).fetchone()
        if row is None:
            return None
        if row["merged_into"] is not None:
            return self.get_story(row["merged_into"])
        members = self.conn.execute(
            """SELECT a.id, a.source, a.title, a.url, a.published, o.level, o.of_article, o.origin, o.similarity,
                      o.evidence FROM story_articles sa JOIN articles a ON a.id = sa.article_id
               LEFT JOIN article_origins o ON o.article_id = a.id
               WHERE sa.story_id = ? ORDER BY coalesce(a.published, a.fetched), a.seq""",
            (story_id,),
        )
        story = {k: row[k] for k in ("id", "headline", "first_seen", "last_seen", "created_at")}
        story["articles"] = [dict(m) for m in members]
        story["independent_origins"] = len({m["origin"] for m in story["articles"]})
        return story

    def story_origins(self, story_id: int) -> dict[str, str]:
        """article id -> origin group, for a story's articles."""
        rows = self.conn.execute(
            """SELECT sa.article_id, coalesce(o.origin, sa.article_id) FROM story_articles sa
               LEFT JOIN article_origins o ON o.article_id = sa.article_id WHERE sa.story_id = ?""",
            (story_id,),
        )
        return dict(rows)

    # -- facts ----------------------------------------------------------------

    def articles_without_facts(self, model: str, article_ids: list[str] | None = None) -> list[Article]:
        """Articles (all, or of ``article_ids``) with no facts from ``model``, in arrival order."""
        query = """SELECT a.* FROM articles a LEFT JOIN article_facts f ON f.article_id = a.id AND f.model = ?
                   WHERE f.article_id IS NULL"""
        if article_ids is None:
            return [_article(row) for row in self.conn.execute(query + " ORDER BY a.seq", (model,))]
        out: list[Article] = []
        for chunk in _chunks(article_ids, 500):
            marks = ",".join("?" * len(chunk))
            out += [_article(r) for r in self.conn.execute(query + f" AND a.id IN ({marks}) ORDER BY a.seq", (model, *chunk))]
        return out

    def save_facts(self, model: str, facts: dict[str, str]) -> None:
        """Store facts (article id -> JSON); replaces older facts and their statement vectors."""
        now = _iso(utcnow())
        with self.transaction() as conn:
            for chunk in _chunks(list(facts), 500):
                marks = ",".join("?" * len(chunk))
                conn.execute(f"DELETE FROM statement_vectors WHERE article_id IN ({marks})", chunk)
            conn.executemany(
                "INSERT OR REPLACE INTO article_facts (article_id, model, facts, created_at) VALUES (?, ?, ?, ?)",
                [(aid, model, blob, now) for aid, blob in facts.items()],
            )

    def facts(self, article_ids: list[str], model: str) -> dict[str, str]:
        """article id -> facts JSON from ``model``, for those that have them."""
        sql = "SELECT article_id, facts FROM article_facts WHERE model = ? AND article_id IN ({marks})"
        return {row[0]: row[1] for row in self._by_model(sql, model, article_ids)}

    def statement_vectors(self, article_ids: list[str], model: str) -> dict[str, tuple[int, bytes]]:
        sql = "SELECT article_id, rows, vectors FROM statement_vectors WHERE model = ? AND article_id IN ({marks})"
        return {row[0]: (row[1], row[2]) for row in self._by_model(sql, model, article_ids)}

    def save_statement_vectors(self, model: str, vectors: dict[str, tuple[int, bytes]]) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO statement_vectors (article_id, model, rows, vectors) VALUES (?, ?, ?, ?)",
                [(aid, model, n, blob) for aid, (n, blob) in vectors.items()],
            )

    def text_vectors(self, model: str, digests: list[bytes]) -> dict[bytes, bytes]:
        """digest -> float32 vector bytes, for the texts embedded before (see ``save_text_vectors``)."""
        sql = "SELECT digest, vector FROM text_vectors WHERE model = ? AND digest IN ({marks})"
        return {row[0]: row[1] for row in self._by_model(sql, model, digests)}

    def save_text_vectors(self, model: str, vectors: dict[bytes, bytes]) -> None:
        with self.transaction() as conn:  # a gate may run inside a caller's transaction
            conn.executemany(
                "INSERT OR REPLACE INTO text_vectors (model, digest, vector) VALUES (?, ?, ?)",
                [(model, digest, blob) for digest, blob in vectors.items()],
            )

    # -- briefs -----------------------------------------------------------------

    def latest_brief(self, story_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT * FROM briefs WHERE story_id = ? ORDER BY version DESC LIMIT 1", (story_id,)
        ).fetchone()
        return _brief(row) if row else None

    def brief_versions(self, story_id: int) -> list[dict[str, Any]]:
        """Every version of a story's brief, oldest first."""
        rows = self.conn.execute("SELECT * FROM briefs WHERE story_id = ? ORDER BY version", (story_id,))
        return [_brief(row) for row in rows]

    def save_brief(
        self,
        story_id: int,
        *,
        writer: str,
        signature: str,
        status: str,
        content: dict[str, Any],
        changes: dict[str, Any] | None,
        note: str | None,
        lines: list[tuple[str, int, str, bool, list[str]]],
    ) -> int:
        """Store a new version of a story's brief with its per-line verdicts; returns the version."""
        with self.transaction() as conn:
            row = conn.execute("SELECT max(version) FROM briefs WHERE story_id = ?", (story_id,)).fetchone()
            version = (row[0] or 0) + 1
            content = content | {"version": version, "status": status}
            conn.execute(
                """INSERT INTO briefs (story_id, version, created_at, writer, signature, status, gate_passed, content,
                                       changes, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (story_id, version, _iso(utcnow()), writer, signature, status,
                 int(bool(content.get("gate", {}).get("passed"))), json.dumps(content, ensure_ascii=False),
                 json.dumps(changes, ensure_ascii=False) if changes is not None else None, note),
            )
            conn.executemany(
                "INSERT INTO brief_lines (story_id, version, section, position, text, passed, reasons)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(story_id, version, section, pos, text, int(ok), json.dumps(reasons, ensure_ascii=False))
                 for section, pos, text, ok, reasons in lines],
            )
        return version

    def failed_brief_lines(self, story_id: int, version: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT section, position, text, reasons FROM brief_lines WHERE story_id = ? AND version = ? AND passed = 0"
            " ORDER BY section, position", (story_id, version))
        return [{"section": r[0], "position": r[1], "text": r[2], "reasons": json.loads(r[3])} for r in rows]

    def story_labels(self) -> dict[str, int]:
        """article id -> story id, for every clustered article."""
        return dict(self.conn.execute("SELECT article_id, story_id FROM story_articles"))

    # -- newsroom -----------------------------------------------------------------
    # Accounts, review, publication, corrections, the audit log and search. Every write here is
    # part of the caller's transaction when one is open (``transaction`` nests), so that Newsroom
    # can read, check and write in one transaction, with the audit entry written in the same one.

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

    # review and publication

    def get_brief(self, story_id: int, version: int) -> dict[str, Any] | None:
        """One version of a story's brief, with who reviewed and published it and any override."""
        row = self.conn.execute("SELECT * FROM briefs WHERE story_id = ? AND version = ?", (story_id, version)).fetchone()
        return _reviewed_brief(row) if row else None

    def newest_brief(self, story_id: int) -> dict[str, Any] | None:
        """The newest version (``latest_brief``) with review and publication fields."""
        row = self.conn.execute(
            "SELECT * FROM briefs WHERE story_id = ? ORDER BY version DESC LIMIT 1", (story_id,)).fetchone()
        return _reviewed_brief(row) if row else None

    def published_brief(self, story_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT * FROM briefs WHERE story_id = ? AND status = 'published'", (story_id,)).fetchone()
        return _reviewed_brief(row) if row else None

    def last_published_brief(self, story_id: int) -> dict[str, Any] | None:
        """The version made public most recently, whatever became of it since (superseded, unpublished)."""
        row = self.conn.execute(
            "SELECT * FROM briefs WHERE story_id = ? AND published_at IS NOT NULL ORDER BY published_at DESC,"
            " version DESC LIMIT 1", (story_id,)).fetchone()
        return _reviewed_brief(row) if row else None

    def published_rows(self, *, limit: int = 30, offset: int = 0,
                       story_ids: list[int] | None = None) -> list[dict[str, Any]]:
        """Published briefs in brief (headline, dek, counts), newest published first."""
        sql = _PUBLISHED_ROW + " WHERE b.status = 'published'"
        params: list[Any] = []
        if story_ids is not None:
            sql += f" AND b.story_id IN ({','.join('?' * len(story_ids))})"
            params += story_ids
        sql += " ORDER BY b.published_at DESC, b.story_id DESC LIMIT ? OFFSET ?"
        rows = self.conn.execute(sql, (*params, limit, offset))
        return [dict(row) | {"updated": bool(row["updated"])} for row in rows]

    def published_versions(self, story_id: int) -> list[dict[str, Any]]:
        """Every version of a story that was made public, newest first."""
        rows = self.conn.execute(
            """SELECT version, status, published_at, published_by, published_changes FROM briefs
               WHERE story_id = ? AND published_at IS NOT NULL ORDER BY version DESC""", (story_id,))
        return [{"version": r[0], "status": r[1], "published_at": r[2], "published_by": r[3],
                 "changes": json.loads(r[4]) if r[4] else None} for r in rows]

    def review_queue(self, *, limit: int | None = None) -> list[dict[str, Any]]:
        """The newest version of each story when it awaits an editor (draft, needs review, approved):
        gate failures without an override first, then newest first."""
        rows = self.conn.execute(
            """SELECT b.story_id, b.version, json_extract(b.content, '$.headline') AS headline, b.status,
                      b.gate_passed, json_extract(b.content, '$.gate.reasons') AS reasons, b.created_at,
                      b.override_reason AS override,
                      (SELECT p.version FROM briefs p WHERE p.story_id = b.story_id AND p.status = 'published')
                        AS published_version, b.changes
               FROM briefs b JOIN stories s ON s.id = b.story_id AND s.merged_into IS NULL
               WHERE b.version = (SELECT max(x.version) FROM briefs x WHERE x.story_id = b.story_id)
                 AND b.status IN ('draft', 'needs_review', 'approved')
               ORDER BY (b.gate_passed = 0 AND b.override_reason IS NULL) DESC, b.created_at DESC, b.story_id DESC
               LIMIT ?""", (-1 if limit is None else limit,))
        return [dict(row) | {"gate_passed": bool(row["gate_passed"]), "reasons": json.loads(row["reasons"] or "[]"),
                             "changes": json.loads(row["changes"]) if row["changes"] else None} for row in rows]

    def set_brief_status(self, story_id: int, version: int, status: str, audit: AuditEntry, *,
                         reviewed_by: str | None = None) -> None:
        """Change a version's status (approve, reject), recording the reviewer and the audit entry."""
        with self.transaction() as conn:
            conn.execute(
                """UPDATE briefs SET status = ?, reviewed_by = coalesce(?, reviewed_by),
                   reviewed_at = CASE WHEN ? IS NULL THEN reviewed_at ELSE ? END WHERE story_id = ? AND version = ?""",
                (status, reviewed_by, reviewed_by, _iso(utcnow()), story_id, version))
            self._audit(conn, audit)

    def record_override(self, story_id: int, version: int, reason: str) -> None:
        """Why an editor kept a version whose lines the gate refused."""
        with self.transaction() as conn:
            conn.execute("UPDATE briefs SET override_reason = ? WHERE story_id = ? AND version = ?",
                         (reason, story_id, version))

    def publish_brief(self, story_id: int, version: int, publication: Publication, audit: AuditEntry) -> None:
        """Make a version the story's public one: the one published before is superseded, the correction
        (if any) is stored, the search and entity indexes are rewritten, the audit entry is written."""
        now = _iso(utcnow())
        with self.transaction() as conn:
            conn.execute("UPDATE briefs SET status = 'superseded' WHERE story_id = ? AND status = 'published'",
                         (story_id,))
            conn.execute(
                """UPDATE briefs SET status = 'published', published_at = ?, published_by = ?, published_changes = ?,
                   reviewed_by = coalesce(reviewed_by, ?), reviewed_at = coalesce(reviewed_at, ?)
                   WHERE story_id = ? AND version = ?""",
                (now, publication.by, json.dumps(publication.changes, ensure_ascii=False), publication.by, now,
                 story_id, version))
            if publication.correction:
                conn.execute("INSERT INTO corrections (story_id, version, at, user_name, note) VALUES (?, ?, ?, ?, ?)",
                             (story_id, version, now, publication.by, publication.correction))
            self._unindex_story(conn, story_id)
            conn.execute("INSERT INTO stories_fts (rowid, headline, dek, text) VALUES (?, ?, ?, ?)",
                         (story_id, *publication.search))
            conn.executemany(
                """INSERT OR IGNORE INTO story_entities (story_id, name, label, key, surname, mentions)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                [(story_id, *row) for row in publication.entities])
            self._audit(conn, audit)

    def unpublish_brief(self, story_id: int, version: int, audit: AuditEntry) -> None:
        """Take a story's published version off the public pages, feeds and search."""
        with self.transaction() as conn:
            conn.execute("UPDATE briefs SET status = 'unpublished' WHERE story_id = ? AND version = ?",
                         (story_id, version))
            self._unindex_story(conn, story_id)
            self._audit(conn, audit)

    @staticmethod
    def _unindex_story(conn: sqlite3.Connection, story_id: int) -> None:
        conn.execute("DELETE FROM stories_fts WHERE rowid = ?", (story_id,))
        conn.execute("DELETE FROM story_entities WHERE story_id = ?", (story_id,))

    def corrections(self, *, limit: int = 50, story_id: int | None = None) -> list[dict[str, Any]]:
        """Public corrections, newest first, with the headline of the version each came with."""
        sql = """SELECT c.id, c.story_id, c.version, c.at, c.user_name AS user, c.note,
                        json_extract(b.content, '$.headline') AS headline
                 FROM corrections c LEFT JOIN briefs b ON b.story_id = c.story_id AND b.version = c.version"""
        params: list[Any] = []
        if story_id is not None:
            sql += " WHERE c.story_id = ?"
            params.append(story_id)
        sql += " ORDER BY c.id DESC LIMIT ?"
        return [dict(row) for row in self.conn.execute(sql, (*params, limit))]

    # audit log

    def add_audit(self, entry: AuditEntry) -> None:
        with self.transaction() as conn:
            self._audit(conn, entry)

    @staticmethod
    def _audit(conn: sqlite3.Connection, entry: AuditEntry) -> None:
        conn.execute(
            """INSERT INTO audit_log (at, user_id, user_name, action, story_id, version, before, after, reason)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (_iso(utcnow()), entry.user_id, entry.user_name, entry.action, entry.story_id, entry.version,
             _json_or_none(entry.before), _json_or_none(entry.after), entry.reason))

    def audit_log(self, *, limit: int = 100, story_id: int | None = None) -> list[dict[str, Any]]:
        """Audit entries, newest first."""
        sql = "SELECT id, at, user_name AS user, action, story_id, version, before, after, reason FROM audit_log"
        rows = self._newest(sql, "story_id", story_id, limit)
        return [dict(row) | {k: json.loads(row[k]) if row[k] else None for k in ("before", "after")} for row in rows]

    # search and entities

    def search_stories(self, match: str, *, limit: int = 20) -> list[dict[str, Any]]:
        """Published briefs matching an FTS5 expression (built by ``newsdesk.search``), best first."""
        rows = self.conn.execute(
            """SELECT f.rowid AS story_id, json_extract(b.content, '$.headline') AS headline,
                      snippet(stories_fts, -1, '', '', '…', 16) AS snippet
               FROM stories_fts f JOIN briefs b ON b.story_id = f.rowid AND b.status = 'published'
               WHERE stories_fts MATCH ? ORDER BY f.rank LIMIT ?""", (match, limit))
        return [dict(row) for row in rows]

    def search_articles(self, match: str, *, limit: int = 20, published_only: bool = True) -> list[dict[str, Any]]:
        """Articles matching an FTS5 expression, best first; only those of published stories by default."""
        sql = """SELECT a.id, a.title, a.source, snippet(articles_fts, -1, '', '', '…', 16) AS snippet,
                        sa.story_id
                 FROM articles_fts f JOIN articles a ON a.seq = f.rowid
                 LEFT JOIN story_articles sa ON sa.article_id = a.id
                 WHERE articles_fts MATCH ?"""
        if published_only:
            sql += " AND EXISTS (SELECT 1 FROM briefs b WHERE b.story_id = sa.story_id AND b.status = 'published')"
        rows = self.conn.execute(sql + " ORDER BY f.rank LIMIT ?", (match, limit))
        return [dict(row) for row in rows]

    def story_entities(self, story_id: int, limit: int = 30) -> list[dict[str, Any]]:
        """The people, organisations and places of a published story, most mentioned first."""
        rows = self.conn.execute(
            """SELECT name, label, MAX(mentions) AS mentions FROM story_entities WHERE story_id = ?
               GROUP BY name, label ORDER BY mentions DESC, name LIMIT ?""", (story_id, limit))
        return [dict(row) for row in rows]

    def entity_mentions(self, key: str) -> list[dict[str, Any]]:
        """Published stories naming an entity by this normalised form (or, for a person, this surname)."""
        rows = self.conn.execute(
            """SELECT story_id, name, label, mentions, key = ? AS exact FROM story_entities
               WHERE key = ? OR surname = ? ORDER BY exact DESC, mentions DESC""", (key, key, key))
        return [dict(row) | {"exact": bool(row["exact"])} for row in rows]


_USER = "id, name, role, created_at"
_USER_OF_U = ", ".join(f"u.{column}" for column in _USER.split(", "))  # the same, of a table aliased u

# a published brief in brief: what the front page and entity pages list
_PUBLISHED_ROW = """SELECT b.story_id, b.version, json_extract(b.content, '$.headline') AS headline,
       json_extract(b.content, '$.dek') AS dek, json_array_length(b.content, '$.articles') AS articles,
       json_extract(b.content, '$.independent_origins') AS origins,
       json_array_length(b.content, '$.differences') AS differences, b.published_at,
       (SELECT count(*) FROM briefs p WHERE p.story_id = b.story_id AND p.published_at IS NOT NULL) > 1 AS updated
FROM briefs b"""


@dataclass(slots=True)
class AuditEntry:
    """One editorial write, as the audit log keeps it."""

    user_id: int | None
    user_name: str
    action: str  # edit | approve | reject | publish | unpublish
    story_id: int | None
    version: int | None
    before: Any = None  # JSON-able state before and after the write
    after: Any = None
    reason: str | None = None


@dataclass(slots=True)
class Publication:
    """What publishing a version writes besides its status."""

    by: str
    changes: dict[str, Any]  # what is new against the previous published version
    search: tuple[str, str, str]  # headline, dek, text for the search index
    entities: list[tuple[str, str, str, str | None, int]]  # name, label, key, surname, mentions
    correction: str | None = None


def _json_or_none(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def _reviewed_brief(row: sqlite3.Row) -> dict[str, Any]:
    """A stored brief (see ``_brief``) with its review and publication fields."""
    extra = {k: row[k] for k in ("reviewed_by", "reviewed_at", "override_reason", "published_at", "published_by")}
    extra["published_changes"] = json.loads(row["published_changes"]) if row["published_changes"] else None
    brief = _brief(row) | extra
    brief["content"]["status"] = row["status"]  # the content keeps the status it was written with
    return brief


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]


_FEED_SELECT = """SELECT f.*, (SELECT count(*) FROM articles a WHERE a.feed_id = f.id) AS articles FROM feeds f"""


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


def _article(row: sqlite3.Row) -> Article:
    return Article(
        id=row["id"],
        title=row["title"],
        text=row["text"],
        source=row["source"],
        url=row["url"],
        canonical_url=row["canonical_url"],
        dek=row["dek"],
        byline=row["byline"],
        teaser=row["teaser"],
        summary=row["summary"],
        published=_dt(row["published"]),
        language=row["language"],
        label=row["label"],
        feed_id=row["feed_id"],
        extra=json.loads(row["extra"] or "{}"),
        fetched=_dt(row["fetched"]),
        content_hash=row["content_hash"],
    )


def _brief(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "story_id": row["story_id"],
        "version": row["version"],
        "created_at": row["created_at"],
        "writer": row["writer"],
        "signature": row["signature"],
        "status": row["status"],
        "gate_passed": bool(row["gate_passed"]),
        "content": json.loads(row["content"]),
        "changes": json.loads(row["changes"]) if row["changes"] else None,
        "note": row["note"],
    }


def _feed(row: sqlite3.Row) -> Feed:
    data = dict(row)
    for key in ("added_at", "last_polled_at", "next_poll_at"):
        data[key] = _dt(data[key])
    return Feed(**data)
