"""Articles and feeds: ingest (with new versions of stored articles), failures, subscriptions and polls."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from newsdesk.models import Article, Failure
from newsdesk.store.base import StoreBase, _chunks, _dt, _iso, utcnow
from newsdesk.urls import normalize_url


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



class ArticlesStore(StoreBase):
    """Articles (and their earlier versions), ingest failures and feeds."""

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
            "SELECT id FROM articles WHERE content_hash = ? AND source IS NOT DISTINCT FROM ?", (digest, article.source)
        ).fetchone()
        if row:
            return row["id"], "same text from the same source", "repeat"
        return None

    def has_article(self, article_id: str, url: str | None = None) -> bool:
        """Whether an article with this id, or from this URL, is stored."""
        by_url, params = (" OR url = ?", (article_id, normalize_url(url))) if url else ("", (article_id,))
        return self.conn.execute(f"SELECT 1 FROM articles WHERE id = ?{by_url}", params).fetchone() is not None

    def entry_status(self, article: Article, entry_hash: str) -> str:
        """How a feed entry stands against the store: ``new`` (no article with its id or URL),
        ``unchanged`` (stored from the same entry text, or another publisher's article) or
        ``changed`` (the same publisher's entry with another text: a possible new version).

        ``entry_hash`` is the :func:`content_hash` of the entry's own text, before any page is
        fetched for it, so an unchanged entry costs no page fetch."""
        by_url, params = (" OR url = ?", (normalize_url(article.url),)) if article.url else ("", ())
        row = self.conn.execute(
            f"""SELECT source, coalesce(entry_hash, content_hash) AS seen FROM articles
               WHERE id = ?{by_url} ORDER BY id = ? DESC, seq LIMIT 1""",
            (article.id, *params, article.id),
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
        :meth:`entry_status`). When another process stores the same article between this one's look
        and its write, the write is tried again and finds it stored."""
        article.content_hash = article.content_hash or content_hash(article)
        return self.retrying(lambda: self._add_article(article, input, entry_hash))

    def _add_article(self, article: Article, input: str | None, entry_hash: str | None) -> AddResult:
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
        params += [self.sql.unlimited if limit is None else limit, offset]
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

    def claim_due_feed(self, lease_s: float, now: datetime | None = None) -> Feed | None:
        """Take one due feed to poll, so that no other process polls it meanwhile; None when none is due.

        The feed's next poll is moved ``lease_s`` seconds ahead in the same short transaction (the poll
        then records the real one, and a poller that dies gives it back when the lease ends). On
        PostgreSQL the row is read ``FOR UPDATE SKIP LOCKED``: a feed another process is claiming at
        that moment is passed over, not waited for; on SQLite the write transaction serialises claims."""
        now = now or utcnow()
        skip_locked = " FOR UPDATE SKIP LOCKED" if self.sql.postgres else ""
        with self.transaction() as conn:
            row = conn.execute(
                f"SELECT id FROM feeds WHERE next_poll_at IS NULL OR next_poll_at <= ? ORDER BY id LIMIT 1{skip_locked}",
                (_iso(now),)).fetchone()
            if row is None:
                return None
            conn.execute("UPDATE feeds SET next_poll_at = ? WHERE id = ?",
                         (_iso(now + timedelta(seconds=lease_s)), row[0]))
        return self.get_feed(row[0])

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


_FEED_SELECT = """SELECT f.*, (SELECT count(*) FROM articles a WHERE a.feed_id = f.id) AS articles FROM feeds f"""



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



def _feed(row: sqlite3.Row) -> Feed:
    data = dict(row)
    for key in ("added_at", "last_polled_at", "next_poll_at"):
        data[key] = _dt(data[key])
    return Feed(**data)
