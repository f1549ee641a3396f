"""Named schema migrations, applied in order on start, each in one transaction with its record.

Never edit a migration that has shipped: add a new one.
"""

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_foundation",
        """
        CREATE TABLE feeds (
            id              INTEGER PRIMARY KEY,
            url             TEXT NOT NULL UNIQUE,
            title           TEXT,
            site_url        TEXT,
            etag            TEXT,
            last_modified   TEXT,
            poll_interval   INTEGER,            -- seconds; NULL = the feed_poll_interval setting
            added_at        TEXT NOT NULL,
            last_polled_at  TEXT,
            next_poll_at    TEXT,               -- NULL = due now
            last_status     TEXT,               -- ok | not_modified | error
            last_error      TEXT,
            error_count     INTEGER NOT NULL DEFAULT 0
        );

        CREATE TABLE fetch_attempts (
            id            INTEGER PRIMARY KEY,
            feed_id       INTEGER REFERENCES feeds(id) ON DELETE CASCADE,
            url           TEXT NOT NULL,
            started_at    TEXT NOT NULL,
            elapsed       REAL,
            http_status   INTEGER,
            outcome       TEXT NOT NULL,        -- ok | not_modified | error
            new_articles  INTEGER NOT NULL DEFAULT 0,
            error         TEXT
        );
        CREATE INDEX fetch_attempts_feed ON fetch_attempts(feed_id, started_at);

        CREATE TABLE articles (
            seq            INTEGER PRIMARY KEY,  -- arrival order
            id             TEXT NOT NULL UNIQUE,
            source         TEXT,                 -- publisher
            url            TEXT,
            canonical_url  TEXT,
            title          TEXT NOT NULL,
            dek            TEXT,
            byline         TEXT,
            teaser         TEXT,
            summary        TEXT,                 -- the publisher's own summary: not independent evidence
            published      TEXT,
            fetched        TEXT NOT NULL,
            language       TEXT,
            text           TEXT NOT NULL,
            content_hash   TEXT NOT NULL,
            label          TEXT,                 -- gold label carried by evaluation inputs
            feed_id        INTEGER REFERENCES feeds(id) ON DELETE SET NULL,
            input          TEXT,                 -- the path, URL or feed it came from
            extra          TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX articles_url ON articles(url);
        CREATE INDEX articles_canonical_url ON articles(canonical_url);
        CREATE INDEX articles_content_hash ON articles(content_hash);
        CREATE INDEX articles_published ON articles(published);

        CREATE TABLE ingest_failures (
            id      INTEGER PRIMARY KEY,
            input   TEXT NOT NULL,
            stage   TEXT NOT NULL,
            reason  TEXT NOT NULL,
            at      TEXT NOT NULL
        );
        """,
    ),
]
