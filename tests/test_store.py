"""The store: migrations, idempotent writes, each article all-or-nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsdesk.models import Article, Failure
from newsdesk.store import Store, integrity_errors
from newsdesk.store.copy import tables
from newsdesk.store.migrations import MIGRATIONS
from newsdesk.store.migrations_postgres import POSTGRES_MIGRATIONS


def _article(**kw) -> Article:
    base = dict(id="a1", title="Harbour bridge closes", text="The bridge closed at noon on Monday.", source="Gazette")
    base.update(kw)
    return Article(**base)


def test_migrations_are_applied_once_and_recorded(db_path):
    with Store(db_path) as store:
        assert store.applied_migrations() == [name for name, _ in MIGRATIONS]
    with Store(db_path) as store:  # opening again applies nothing twice
        assert store.applied_migrations() == [name for name, _ in MIGRATIONS]
        assert {"feeds", "fetch_attempts", "articles", "ingest_failures", "migrations"} <= set(tables(store))


def test_both_backends_have_the_same_named_migrations():
    assert [name for name, _ in POSTGRES_MIGRATIONS] == [name for name, _ in MIGRATIONS]


# One `newsdesk --db URL articles list`, started at once with the others: it loads the CLI, says it is
# ready, waits for the go file, then runs main() as the command does (start-up jitter would hide the race).
_STARTER = """
import os, sys, time
from pathlib import Path
url, ready, go = sys.argv[1:4]
sys.argv = ["newsdesk", "--db", url, "articles", "list"]
from newsdesk.cli import main
import psycopg  # noqa: F401  (imported before the start, like the CLI module)
Path(ready).touch()
while not os.path.exists(go):
    time.sleep(0.001)
main()
"""


@pytest.mark.slow
def test_eight_processes_starting_on_a_new_postgresql_database_all_succeed(tmp_path):
    import pgsupport

    src = Path(__file__).resolve().parents[1] / "src"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")])))
    for attempt in range(4):  # the race is a matter of milliseconds: four new databases, 32 starts
        with pgsupport.empty_database() as url:
            go = tmp_path / f"go{attempt}"
            ready = [tmp_path / f"ready{attempt}.{i}" for i in range(8)]
            starters = [subprocess.Popen([sys.executable, "-c", _STARTER, url, str(r), str(go)], env=env,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for r in ready]
            deadline = time.monotonic() + 120
            while not all(r.exists() for r in ready) and time.monotonic() < deadline:
                time.sleep(0.01)
            go.touch()
            results = [(p.wait(timeout=120), p.communicate()[1]) for p in starters]
            assert [code for code, _ in results] == [0] * 8, [err for code, err in results if code]
            with Store(url) as store:
                assert store.applied_migrations() == [name for name, _ in POSTGRES_MIGRATIONS]


@pytest.mark.sqlite_only
def test_store_uses_wal_and_foreign_keys(store):
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_adding_the_same_article_twice_stores_it_once(store):
    assert store.add_article(_article()).added
    again = store.add_article(_article())
    assert not again.added and again.article_id == "a1" and again.reason == "same id"
    assert store.count_articles() == 1


def test_same_text_from_same_publisher_under_another_id_is_a_repeat(store):
    store.add_article(_article())
    result = store.add_article(_article(id="a2", text="The  bridge closed at NOON on Monday."))
    assert not result.added and result.reason == "same text from the same source"


def test_an_exact_copy_from_another_publisher_is_kept_for_dedupe(store):
    store.add_article(_article())
    assert store.add_article(_article(id="b1", source="Wire Daily")).added
    a, b = store.get_article("a1"), store.get_article("b1")
    assert a.content_hash == b.content_hash


def test_same_url_is_a_repeat_even_with_tracking_parameters(store):
    store.add_article(_article(url="https://gazette.example/bridge"))
    again = _article(id="x", url="https://Gazette.example/bridge/?utm_source=rss")
    result = store.add_article(again)
    assert not result.added and result.reason == "same URL"
    # another publisher's article at that URL with another text is not a new version of it
    other = store.add_article(_article(id="y", text="Updated text", source="Wire Daily", url=again.url))
    assert not other.added and not other.revised and other.reason == "same URL"
    # the same publisher's article at that URL with another text is (tests/test_revisions.py)
    revised = store.add_article(_article(id="z", text="Updated text", url=again.url))
    assert revised.revised and revised.article_id == "a1"


def test_a_failed_write_leaves_nothing_behind(store):
    with pytest.raises(integrity_errors()):
        with store.transaction() as conn:
            conn.execute("INSERT INTO ingest_failures (input, stage, reason, at) VALUES ('x', 'read', 'r', 'now')")
            conn.execute("INSERT INTO articles (id) VALUES ('broken')")  # NOT NULL columns missing
    assert store.list_failures() == []
    assert store.count_articles() == 0


def test_a_transaction_inside_another_is_part_of_it(store):
    """Clustering writes many articles' assignments in one transaction: an inner write that
    succeeded is rolled back with the outer one, and kept when the outer one commits."""
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.add_article(_article())
            raise RuntimeError("crash before the outer commit")
    assert store.count_articles() == 0
    with store.transaction():
        store.add_article(_article())
        assert store.conn.in_transaction  # the inner commit did not end the outer transaction
    assert store.count_articles() == 1 and not store.conn.in_transaction


def test_a_batch_commits_what_was_written_even_when_it_ends_in_an_error(store):
    """Ingest stores a file's articles in batches under one commit: an article that fails to
    store leaves nothing of itself, and an error later in the file loses none stored before it."""
    with pytest.raises(RuntimeError):
        with store.batch():
            store.add_article(_article())
            with pytest.raises(integrity_errors()):
                with store.transaction() as conn:
                    conn.execute("INSERT INTO ingest_failures (input, stage, reason, at) VALUES ('x', 'read', 'r', 'now')")
                    conn.execute("INSERT INTO articles (id) VALUES ('broken')")
            store.add_article(_article(id="a2", text="The ferry sailed at dawn on Tuesday."))
            raise RuntimeError("the file turned out to be broken further on")
    assert sorted(a.id for a in store.list_articles()) == ["a1", "a2"]
    assert store.list_failures() == [] and not store.conn.in_transaction


def test_articles_round_trip_with_all_fields(store):
    from datetime import datetime, timezone

    article = _article(
        dek="Traffic diverted",
        byline="Ana Lima",
        summary="one\ntwo",
        published=datetime(2026, 3, 4, 9, 15, tzinfo=timezone.utc),
        label="bridge",
        extra={"topic": 3},
    )
    store.add_article(article)
    back = store.get_article("a1")
    assert (back.dek, back.byline, back.summary, back.label, back.extra) == ("Traffic diverted", "Ana Lima", "one\ntwo", "bridge", {"topic": 3})
    assert back.published == article.published and back.fetched is not None


def test_failures_are_recorded(store):
    store.record_failure(Failure("/tmp/x.bin", "read", "binary file"))
    [row] = store.list_failures()
    assert (row["input"], row["stage"], row["reason"]) == ("/tmp/x.bin", "read", "binary file")


def test_removing_a_feed_keeps_its_articles(store):
    feed, created = store.add_feed("https://gazette.example/rss")
    assert created and not store.add_feed("https://gazette.example/rss")[1]
    store.add_article(_article(feed_id=feed.id))
    assert store.get_feed(feed.id).articles == 1
    store.remove_feed(str(feed.id))
    assert store.list_feeds() == [] and store.get_article("a1").feed_id is None


def test_a_due_feed_is_claimed_by_one_poller_and_not_again_until_its_lease_ends(store):
    from datetime import timedelta

    from newsdesk.store import utcnow

    first, _ = store.add_feed("https://a.example/feed.xml")
    second, _ = store.add_feed("https://b.example/feed.xml")
    now = utcnow()
    assert store.claim_due_feed(600, now).id == first.id
    assert store.claim_due_feed(600, now).id == second.id
    assert store.claim_due_feed(600, now) is None  # both are being polled
    assert store.claim_due_feed(600, now + timedelta(seconds=601)).id == first.id  # that poller never came back


def test_on_postgresql_a_feed_another_process_is_claiming_is_passed_over_not_waited_for(db_path, backend):
    if backend != "postgres":
        pytest.skip("SQLite serialises claims with its write lock; this is PostgreSQL's SKIP LOCKED")
    with Store(db_path) as one, Store(db_path) as other:
        first, _ = one.add_feed("https://a.example/feed.xml")
        second, _ = one.add_feed("https://b.example/feed.xml")
        with one.transaction() as conn:  # another process in the middle of claiming the first feed
            conn.execute("SELECT id FROM feeds WHERE id = ? FOR UPDATE", (first.id,))
            started = time.monotonic()
            assert other.claim_due_feed(600).id == second.id
            assert time.monotonic() - started < 5


def test_an_article_another_process_stores_between_our_look_and_our_write_is_already_stored(store, monkeypatch):
    """Two ingests of one article at once: the second one's insert meets the first's row, looks again
    and reports the article stored, rather than failing."""
    assert store.add_article(_article()).added
    looks = []
    real = store._match

    def missed_once(article, digest):
        looks.append(article.id)
        return None if len(looks) == 1 else real(article, digest)  # the first look came before the other's write

    monkeypatch.setattr(store, "_match", missed_once)
    again = store.add_article(_article())
    assert not again.added and again.reason == "same id" and len(looks) == 2
    assert store.count_articles() == 1


def test_two_writers_of_one_story_brief_each_get_their_own_version(db_path):
    """Two processes writing briefs of one story at once: every write is kept, as versions 1..n."""
    import threading
    from datetime import datetime

    from newsdesk.dedupe import OriginLink

    with Store(db_path) as setup:
        setup.add_article(_article())
        story = setup.assign(_article(), origin=OriginLink("a1", "original", None, "a1", 1.0, ""), minhash=None,
                             story_id=None, score=None, when=datetime(2026, 1, 1),
                             centroid=b"")
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            with Store(db_path) as own:
                for k in range(8):
                    own.save_brief(story, writer=f"w{n}", signature=f"{n}-{k}", status="draft", content={},
                                   changes=None, note=None, lines=[("quick_take", 0, "A line.", True, [])])
        except BaseException as exc:  # noqa: BLE001 - reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Store(db_path) as check:
        versions = check.brief_versions(story)
    assert [v["version"] for v in versions] == list(range(1, 17))
    assert sorted(v["signature"] for v in versions) == sorted(f"{n}-{k}" for n in range(2) for k in range(8))
