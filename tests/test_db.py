"""Moving a store: ``newsdesk db copy`` SQLite → PostgreSQL → SQLite keeps every row of every table;
and the example corpus's digest on PostgreSQL is the digest on SQLite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pgsupport
import pytest
from conftest import EXAMPLES
from typer.testing import CliRunner
from websupport import new_version, publish, published_seeds

from newsdesk.auth import Accounts
from newsdesk.login_limit import LoginLimit
from newsdesk.cli import app
from newsdesk.models import Article, Failure
from newsdesk.store import Store, utcnow
from newsdesk.store.copy import TABLES, tables


def _rows(store: Store) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order (``stories_fts`` by story id)."""
    out = {}
    for table in TABLES:
        columns = "rowid AS story_id, headline, dek, text" if table == "stories_fts" and not store.sql.postgres else "*"
        out[table] = sorted(tuple(row) for row in store.conn.execute(f"SELECT {columns} FROM {table}"))
    return out


def _copy(*args: str):
    return CliRunner().invoke(app, ["db", "copy", *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def full_store(tmp_path_factory):
    """A SQLite store with rows in every table: the published seed story and a corrected version of it,
    an editor with a session, a token and login attempts, a feed with a poll, an ingest failure and a revised article."""
    desk = published_seeds(tmp_path_factory, "copy")
    publish(desk, new_version(desk, headline="A later headline"), note="The first version named the wrong day.")
    with Store(desk.db) as store:
        accounts = Accounts(store)
        accounts.start_session(desk.user["id"])
        accounts.issue_token(desk.user["name"], "copy test")
        LoginLimit(lambda: store).attempt("10.0.0.9", "mallory")
        feed, _ = store.add_feed("https://example.org/feed.xml")
        now = utcnow()
        store.record_poll(feed, started=now, elapsed=0.2, outcome="ok", next_poll_at=now + timedelta(hours=1))
        store.record_failure(Failure("broken.json", "read", "not JSON"))
        store.add_article(Article(id="rev", title="Ferry", text="The ferry sailed at nine.", source="Courier"))
        store.add_article(Article(id="rev", title="Ferry", text="The ferry sailed at ten.", source="Courier"))
        empty = [t for t, rows in _rows(store).items() if not rows]
        assert empty == [], f"the test store leaves tables empty: {empty}"
    return desk.db


def test_a_store_copied_to_postgresql_and_back_keeps_every_row_of_every_table(full_store, tmp_path):
    with pgsupport.database() as url:
        there = _copy(str(full_store), url)
        assert there.exit_code == 0, there.output
        assert "every table has as many rows in DST as in SRC" in there.output
        back = _copy(url, str(tmp_path / "back.db"), "--json")
        assert back.exit_code == 0, back.output
        report = json.loads(back.stdout)
        assert {t["table"] for t in report["tables"]} == set(TABLES)
        assert all(t["source_rows"] == t["copied_rows"] > 0 for t in report["tables"])
        with Store(full_store) as source, Store(url) as middle, Store(tmp_path / "back.db") as returned:
            assert set(tables(middle)) == set(tables(source)) == set(TABLES) | {"migrations"}
            assert _rows(returned) == _rows(source)
            # the copy is searchable where it landed, and finds what the original finds (ranked its own way)
            word = '"ceasefire"'
            assert {a["id"] for a in middle.search_articles(word)} == {a["id"] for a in source.search_articles(word)} != set()
            (story,) = source.search_stories(word)
            assert [s["story_id"] for s in middle.search_stories(word)] == [story["story_id"]]
            # new rows on PostgreSQL get new ids after the copied ones
            failure_ids = [r[0] for r in source.conn.execute("SELECT id FROM ingest_failures")]
            middle.record_failure(Failure("later.json", "read", "not JSON"))
            assert middle.list_failures(limit=1)[0]["id"] > max(failure_ids)


def test_a_copy_into_a_store_that_is_not_empty_is_refused_and_changes_nothing(full_store, tmp_path):
    target = tmp_path / "other.db"
    with Store(target) as other:
        other.add_article(Article(id="mine", title="Mine", text="Already here."))
    result = _copy(str(full_store), str(target))
    assert result.exit_code == 1
    assert "is not empty (table articles has 1 rows)" in result.output
    with Store(target) as other:
        assert [a.id for a in other.list_articles()] == ["mine"]


def test_a_missing_source_is_named_and_nothing_is_created(tmp_path):
    result = _copy(str(tmp_path / "nowhere.db"), str(tmp_path / "new.db"))
    assert result.exit_code == 1 and "no store at" in result.output and "nowhere.db" in result.output
    assert not (tmp_path / "new.db").exists()


def _digest(env: dict[str, str]) -> dict:
    command = [sys.executable, "-m", "newsdesk", "digest", str(EXAMPLES / "corpus.jsonl"), str(EXAMPLES / "articles"),
               str(EXAMPLES / "feed.xml"), "--json"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _what_a_reader_sees(digest: dict) -> list[dict]:
    return [{"articles": len(s["articles"]), "origins": s["independent_origins"],
             "quick_take": [b["text"] for b in s["quick_take"]],
             "differences": [d["text"] for d in s["differences"]], "headline": s["headline"]}
            for s in digest["stories"]]


@pytest.mark.slow
def test_the_example_digest_on_postgresql_is_the_digest_on_sqlite(tmp_path):
    pgsupport.require()
    (tmp_path / "settings.toml").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env["NEWSDESK_CONFIG"] = str(tmp_path / "settings.toml")
    on_sqlite = _digest(env)
    with pgsupport.database() as url:
        on_postgres = _digest(env | {"NEWSDESK_DB": url})
        with Store(url) as store:  # the run was kept in the database NEWSDESK_DB names
            assert store.count_articles() == on_postgres["articles"]
    assert on_postgres["articles"] == on_sqlite["articles"]
    assert _what_a_reader_sees(on_postgres) == _what_a_reader_sees(on_sqlite)
