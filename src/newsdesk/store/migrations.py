"""Named schema migrations, applied in order on start, each in one transaction with its record.

These are SQLite's; PostgreSQL's, under the same names, are in ``migrations_postgres``.
Never edit a migration that has shipped: add a new one (to both).
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
    (
        "0002_stories",
        """
        -- one embedding per article and model version; never recomputed once stored
        CREATE TABLE article_vectors (
            article_id  TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            model       TEXT NOT NULL,
            vector      BLOB NOT NULL            -- float32, L2-normalised
        );

        -- copies and rewrites: how each article relates to earlier ones
        CREATE TABLE article_origins (
            article_id  TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            level       TEXT NOT NULL,           -- original | exact | near | rewrite | syndicated
            of_article  TEXT REFERENCES articles(id) ON DELETE SET NULL,  -- the earlier article it repeats
            origin      TEXT NOT NULL,           -- origin group: id of the group's first article
            similarity  REAL,
            evidence    TEXT,                    -- why, in words
            minhash     BLOB                     -- MinHash signature of the body's word shingles
        );
        CREATE INDEX article_origins_origin ON article_origins(origin);

        CREATE TABLE stories (
            id           INTEGER PRIMARY KEY,    -- stable: never renumbered
            created_at   TEXT NOT NULL,
            first_seen   TEXT NOT NULL,
            last_seen    TEXT NOT NULL,
            headline     TEXT NOT NULL,          -- provisional: the first article's title
            merged_into  INTEGER REFERENCES stories(id),
            centroid     BLOB                    -- float32 sum of member vectors
        );
        CREATE INDEX stories_last_seen ON stories(last_seen);

        CREATE TABLE story_articles (
            article_id  TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            story_id    INTEGER NOT NULL REFERENCES stories(id),
            score       REAL,                    -- how well it matched when assigned (NULL: started the story)
            assigned_at TEXT NOT NULL
        );
        CREATE INDEX story_articles_story ON story_articles(story_id);

        -- document frequencies for TF-IDF, kept as articles are clustered
        CREATE TABLE lexicon (
            term  TEXT PRIMARY KEY,
            df    INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE meta (
            key    TEXT PRIMARY KEY,
            value  TEXT NOT NULL
        );
        """,
    ),
    (
        "0003_facts",
        """
        -- what the facts stage found in each article (JSON of newsdesk.facts.model.ArticleFacts);
        -- every span in it indexes articles.text
        CREATE TABLE article_facts (
            article_id  TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            model       TEXT NOT NULL,           -- pipeline and rules version that produced it
            facts       TEXT NOT NULL,
            created_at  TEXT NOT NULL
        );

        -- embeddings of an article's statements, one float32 row per statement, in order
        CREATE TABLE statement_vectors (
            article_id  TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            model       TEXT NOT NULL,
            rows        INTEGER NOT NULL,
            vectors     BLOB NOT NULL,
            PRIMARY KEY (article_id, model)
        );
        """,
    ),
    (
        "0004_briefs",
        """
        -- every version of every story's brief; the newest is the current one
        CREATE TABLE briefs (
            story_id    INTEGER NOT NULL REFERENCES stories(id),
            version     INTEGER NOT NULL,
            created_at  TEXT NOT NULL,
            writer      TEXT NOT NULL,           -- extractive | llm:<model>
            signature   TEXT NOT NULL,           -- what it was written from: articles, facts, writer
            status      TEXT NOT NULL,           -- draft | needs_review | approved | published | rejected
            gate_passed INTEGER NOT NULL,
            content     TEXT NOT NULL,           -- JSON: the brief in the digest shape
            changes     TEXT,                    -- JSON: what is new against the previous version
            note        TEXT,                    -- e.g. why an LLM draft was not used
            PRIMARY KEY (story_id, version)
        );
        CREATE INDEX briefs_status ON briefs(status);

        -- the gate's verdict on every line of every version
        CREATE TABLE brief_lines (
            story_id  INTEGER NOT NULL,
            version   INTEGER NOT NULL,
            section   TEXT NOT NULL,             -- headline | dek | quick take | body | differences | quotes | timeline
            position  INTEGER NOT NULL,
            text      TEXT NOT NULL,
            passed    INTEGER NOT NULL,
            reasons   TEXT NOT NULL,             -- JSON list
            PRIMARY KEY (story_id, version, section, position),
            FOREIGN KEY (story_id, version) REFERENCES briefs(story_id, version) ON DELETE CASCADE
        );
        """,
    ),
    (
        "0005_text_vectors",
        """
        -- embeddings of texts the brief gate compares (evidence sentences, bullets, titles), by the
        -- SHA-1 of the text: each is computed once per model and reused by every later version
        CREATE TABLE text_vectors (
            model   TEXT NOT NULL,
            digest  BLOB NOT NULL,
            vector  BLOB NOT NULL,
            PRIMARY KEY (model, digest)
        ) WITHOUT ROWID;
        """,
    ),
    (
        "0006_newsroom",
        """
        -- editors and admins of the web newsroom; passwords as argon2id hashes
        CREATE TABLE users (
            id             INTEGER PRIMARY KEY,
            name           TEXT NOT NULL UNIQUE COLLATE NOCASE,
            role           TEXT NOT NULL,       -- editor | admin
            password_hash  TEXT NOT NULL,
            created_at     TEXT NOT NULL
        );

        -- signed-in browsers: only the SHA-256 of the session token is kept
        CREATE TABLE sessions (
            token_hash  TEXT PRIMARY KEY,
            user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            csrf        TEXT NOT NULL,
            created_at  TEXT NOT NULL,
            expires_at  TEXT NOT NULL
        );
        CREATE INDEX sessions_expires ON sessions(expires_at);

        -- API tokens ("nd_..."): shown once, kept as SHA-256
        CREATE TABLE api_tokens (
            id          INTEGER PRIMARY KEY,
            token_hash  TEXT NOT NULL UNIQUE,
            user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            label       TEXT NOT NULL,
            created_at  TEXT NOT NULL
        );

        -- every editorial write: who did what to which version, with the state before and after
        CREATE TABLE audit_log (
            id         INTEGER PRIMARY KEY,
            at         TEXT NOT NULL,
            user_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
            user_name  TEXT NOT NULL,            -- kept when the account goes
            action     TEXT NOT NULL,            -- edit | approve | reject | publish | unpublish
            story_id   INTEGER,
            version    INTEGER,
            before     TEXT,                     -- JSON
            after      TEXT,                     -- JSON
            reason     TEXT                      -- override reason, rejection reason, correction note
        );
        CREATE INDEX audit_log_story ON audit_log(story_id, id);

        -- public corrections: what changed when a published brief was replaced
        CREATE TABLE corrections (
            id         INTEGER PRIMARY KEY,
            story_id   INTEGER NOT NULL REFERENCES stories(id),
            version    INTEGER NOT NULL,         -- the version published with this note
            at         TEXT NOT NULL,
            user_name  TEXT NOT NULL,
            note       TEXT NOT NULL
        );
        CREATE INDEX corrections_story ON corrections(story_id, id);

        -- review and publication of each brief version
        ALTER TABLE briefs ADD COLUMN reviewed_by TEXT;
        ALTER TABLE briefs ADD COLUMN reviewed_at TEXT;
        ALTER TABLE briefs ADD COLUMN override_reason TEXT;    -- why an editor kept lines the gate refused
        ALTER TABLE briefs ADD COLUMN published_at TEXT;       -- set when first made public; kept when superseded
        ALTER TABLE briefs ADD COLUMN published_by TEXT;
        ALTER TABLE briefs ADD COLUMN published_changes TEXT;  -- JSON: what is new against the previous published version
        CREATE INDEX briefs_published ON briefs(published_at) WHERE published_at IS NOT NULL;

        -- full-text search of article titles, deks and bodies, kept in step with articles by triggers
        CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, dek, text, content='articles', content_rowid='seq',
            tokenize='porter unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
            INSERT INTO articles_fts (rowid, title, dek, text) VALUES (new.seq, new.title, new.dek, new.text);
        END;
        CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts (articles_fts, rowid, title, dek, text)
            VALUES ('delete', old.seq, old.title, old.dek, old.text);
        END;
        CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, dek, text ON articles BEGIN
            INSERT INTO articles_fts (articles_fts, rowid, title, dek, text)
            VALUES ('delete', old.seq, old.title, old.dek, old.text);
            INSERT INTO articles_fts (rowid, title, dek, text) VALUES (new.seq, new.title, new.dek, new.text);
        END;
        INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');

        -- full-text search of published briefs (rowid = story id), written on publish, removed on unpublish
        CREATE VIRTUAL TABLE stories_fts USING fts5(
            headline, dek, text, tokenize='porter unicode61 remove_diacritics 2'
        );

        -- people, organisations and places of each published brief (the reconciled entities), by every
        -- name form written; written on publish, removed on unpublish
        CREATE TABLE story_entities (
            story_id  INTEGER NOT NULL REFERENCES stories(id),
            name      TEXT NOT NULL,             -- the entity's display name
            label     TEXT NOT NULL,             -- person | organisation | place
            key       TEXT NOT NULL,             -- one written form, normalised
            surname   TEXT,                      -- a person's last name, normalised
            mentions  INTEGER NOT NULL,
            PRIMARY KEY (story_id, name, key)
        ) WITHOUT ROWID;
        CREATE INDEX story_entities_key ON story_entities(key);
        CREATE INDEX story_entities_surname ON story_entities(surname);
        """,
    ),
    (
        "0007_token_use",
        """
        -- when an API token was last used (written at most once a minute), so unused ones can be revoked
        ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT;
        """,
    ),
    (
        "0008_article_revisions",
        """
        -- earlier versions of an article: a new version (same id, URL or feed GUID from the same
        -- source, different text) becomes the current row of articles and the old one is kept here
        CREATE TABLE article_revisions (
            article_id    TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            revision      INTEGER NOT NULL,      -- 1 = the first version stored; the current one is max + 1
            title         TEXT NOT NULL,
            dek           TEXT,
            text          TEXT NOT NULL,
            content_hash  TEXT NOT NULL,
            published     TEXT,
            replaced_at   TEXT NOT NULL,         -- when the next version replaced it
            input         TEXT,                  -- the path, URL or feed this version came from
            PRIMARY KEY (article_id, revision)
        ) WITHOUT ROWID;

        -- the content hash of a feed entry's own text (before any page was fetched for it), so a poll
        -- tells a changed entry from an unchanged one without fetching its page again
        ALTER TABLE articles ADD COLUMN entry_hash TEXT;
        """,
    ),
    (
        "0009_login_failures",
        """
        -- failed logins, for the login limit: kept in the store so that every web process sees them all
        CREATE TABLE login_failures (
            id        INTEGER PRIMARY KEY,
            at        REAL NOT NULL,             -- seconds since the epoch
            ip        TEXT NOT NULL,
            name_key  TEXT NOT NULL,             -- the user name tried, folded
            name_cleared INTEGER NOT NULL DEFAULT 0  -- 1: a later login of that name succeeded
        );
        CREATE INDEX login_failures_ip ON login_failures(ip, at);
        CREATE INDEX login_failures_name ON login_failures(name_key, at);
        """,
    ),
    (
        "0010_login_limits",
        """
        -- the login limit (newsdesk.login_limit): one row per user name ('name:...') and per client address
        -- ('address:...'), locked while an attempt is counted, before its password is checked; failures are
        -- no longer kept one per row
        DROP TABLE login_failures;
        CREATE TABLE login_limits (
            key           TEXT PRIMARY KEY,
            attempts      INTEGER NOT NULL DEFAULT 0,  -- counted in the current window
            window_start  REAL NOT NULL DEFAULT 0,     -- seconds since the epoch
            locked_until  REAL NOT NULL DEFAULT 0,
            lockouts      INTEGER NOT NULL DEFAULT 0,  -- in a row: each lasts twice as long as the one before
            forget_at     REAL NOT NULL DEFAULT 0      -- when the row no longer matters and may be deleted
        );
        CREATE INDEX login_limits_forget ON login_limits(forget_at);
        """,
    ),
]
