"""The scheduler beside the web app: feeds become stories with briefs an editor has not published yet,
a bad feed or a failing stage is recorded without stopping the thread, and readers never see a locked file."""

from __future__ import annotations

import html
import os
import signal
import sqlite3
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
from conftest import SEEDS, need

from newsdesk.models import Failure
from newsdesk.scheduler import LockedStore, Scheduler, write_lock
from newsdesk.settings import load_settings
from newsdesk.sources.files import read_path
from newsdesk.store import Store
from newsdesk.stories import make_embedder


@pytest.fixture(scope="module")
def embedder():
    return make_embedder(load_settings(env={}))


@pytest.fixture
def feed_settings(db_path: Path):
    """Settings that may fetch from the test server on 127.0.0.1, without politeness delays."""
    return load_settings(env={}, db=str(db_path), fetch_host_delay=0, fetch_timeout=5,
                         fetch_allow_hosts="127.0.0.1:*", facts_processes=1)


def seed_rss(server) -> str:
    """The three seed articles as one RSS feed with their full text (read from ../shared, never copied)."""
    items = []
    when = datetime.now(timezone.utc) - timedelta(hours=3)
    for number, path in enumerate(sorted(need(SEEDS).glob("*.txt"))):
        (_, article), = read_path(path, max_bytes=10_000_000)
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in article.text.split("\n") if p.strip())
        items.append(
            f"<item><title>{html.escape(article.title)}</title><link>{server.url(f'/seed/{number}')}</link>"
            f"<guid>seed-{number}</guid><pubDate>{format_datetime(when + timedelta(minutes=number))}</pubDate>"
            f"<description>{html.escape(paragraphs)}</description></item>"
        )
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Seed Wire</title>'
            f"<link>{server.url('/')}</link><description>seeds</description>{''.join(items)}</channel></rss>")


def serve_seeds(server) -> str:
    return server.route("/seeds.xml", seed_rss(server), headers={"Content-Type": "application/rss+xml"})


def test_a_polled_feed_becomes_one_story_with_a_brief_that_waits_for_an_editor(http_server, feed_settings, db_path, embedder):
    with Store(db_path) as store:
        store.add_feed(serve_seeds(http_server))
    report = Scheduler(feed_settings, db_path, embedder=embedder).run_once()

    assert report["errors"] == []
    assert [(f["outcome"], f["new_articles"]) for f in report["feeds"]] == [("ok", 3)]
    assert report["clustered"] == 3 and report["facts"] == 3
    with Store(db_path) as store:
        (story,) = store.list_stories()
        assert story["articles"] == 3
        assert report["stories_touched"] == [story["id"]]
        assert report["briefs"] == [{"story_id": story["id"], "version": 1, "status": "draft"}]
        versions = store.brief_versions(story["id"])
        assert [v["status"] for v in versions] == ["draft"]  # written, gated, not published
        assert len(store.latest_brief(story["id"])["content"]["quick_take"]) >= 3


def test_a_brief_that_failed_is_written_after_a_restart(http_server, feed_settings, db_path, embedder, monkeypatch):
    from newsdesk.brief.desk import BriefDesk

    with Store(db_path) as store:
        store.add_feed(serve_seeds(http_server))
    with monkeypatch.context() as patch:
        patch.setattr(BriefDesk, "run", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("model crashed")))
        first = Scheduler(feed_settings, db_path, embedder=embedder).run_once()
    assert [e["stage"] for e in first["errors"]] == ["brief"] and first["briefs"] == []

    at_once = Scheduler(feed_settings, db_path, embedder=embedder).run_once()  # a new process: nothing in memory
    assert at_once["briefs"] == [] and at_once["errors"] == [] and len(at_once["briefs_waiting"]) == 1  # backing off

    def later() -> float:  # the first retry is due after a minute
        return time.time() + 61

    restarted = Scheduler(feed_settings, db_path, embedder=embedder, clock=later).run_once()
    assert restarted["clustered"] == 0 and restarted["errors"] == []
    with Store(db_path) as store:
        (story,) = store.list_stories()
        assert restarted["briefs"] == [{"story_id": story["id"], "version": 1, "status": "draft"}]
        assert store.meta_value("scheduler_brief_retries") is None  # written: nothing left to retry
    assert Scheduler(feed_settings, db_path, embedder=embedder, clock=later).run_once()["briefs"] == []  # and only once


def test_a_failing_story_is_recorded_once_and_retried_with_backoff_not_every_cycle(http_server, feed_settings, db_path,
                                                                                     embedder, monkeypatch):
    from newsdesk.brief.desk import BriefDesk

    with Store(db_path) as store:
        store.add_feed(serve_seeds(http_server))
    tries = []

    def failing(self, story_ids, **kwargs):
        tries.append(story_ids)
        raise ValueError("[E088] Text of length 1160295 exceeds maximum of 1000000")

    now = [time.time()]
    scheduler = Scheduler(feed_settings, db_path, embedder=embedder, clock=lambda: now[0])
    with monkeypatch.context() as patch:
        patch.setattr(BriefDesk, "run", failing)
        for _ in range(24):  # two minutes of cycles at a 5 s interval (the probe: 21 failures stored)
            scheduler.run_once()
            now[0] += 5
        assert len(tries) == 2  # at 0 s and 60 s later (the next is due 120 s after that)
    with Store(db_path) as store:
        (story,) = store.list_stories()
        stored = [f for f in store.list_failures() if f["input"] == f"scheduler:story {story['id']}"]
        assert len(stored) == 1 and "E088" in stored[0]["reason"] and "tried again in 60 s" in stored[0]["reason"]
    assert scheduler.last_report["briefs_waiting"] == [story["id"]] and scheduler.last_report["errors"] == []

    now[0] += 60  # the third try is due: the cause is gone, and the brief is written
    report = scheduler.run_once()
    assert report["briefs"] == [{"story_id": story["id"], "version": 1, "status": "draft"}]
    assert report["briefs_waiting"] == []


def test_the_next_cycle_after_nothing_new_writes_nothing(http_server, feed_settings, db_path, embedder):
    with Store(db_path) as store:
        store.add_feed(serve_seeds(http_server), poll_interval=1)
    scheduler = Scheduler(feed_settings, db_path, embedder=embedder)
    scheduler.run_once()
    time.sleep(1.1)  # the feed is due again
    again = scheduler.run_once()
    assert [(f["outcome"], f["new_articles"]) for f in again["feeds"]] == [("ok", 0)]
    assert again["clustered"] == 0 and again["briefs"] == [] and again["errors"] == []
    with Store(db_path) as store:
        (story,) = store.list_stories()
        assert len(store.brief_versions(story["id"])) == 1


def test_a_broken_feed_is_recorded_and_the_other_feed_and_the_next_cycle_still_run(http_server, feed_settings, db_path, embedder):
    broken = http_server.route("/broken.xml", "<html><body>this is not a feed</body></html>",
                               headers={"Content-Type": "text/html"})
    gone = http_server.route("/gone.xml", "gone", status=500)
    with Store(db_path) as store:
        store.add_feed(broken)
        store.add_feed(gone)
    scheduler = Scheduler(feed_settings, db_path, embedder=embedder)

    first = scheduler.run_once()
    assert {e["input"] for e in first["errors"]} == {broken, gone}
    assert all(e["stage"] == "feed" and e["reason"] for e in first["errors"])
    with Store(db_path) as store:
        failures = {f["input"]: f for f in store.list_failures()}
        assert failures[broken]["stage"] == "feed" and failures[gone]["stage"] == "feed"
        assert "500" in failures[gone]["reason"]
        assert store.get_feed(broken).error_count == 1
        store.add_feed(serve_seeds(http_server))

    second = scheduler.run_once()  # the broken feeds back off; the new one is polled
    assert [(f["url"], f["new_articles"]) for f in second["feeds"]] == [(http_server.url("/seeds.xml"), 3)]
    assert len(second["briefs"]) == 1


class BrokenEmbedder:
    """An embedder whose model cannot run: every cycle's cluster stage fails."""

    model_version = "broken"
    batch_size = 8

    def encode(self, texts):
        raise RuntimeError("the embedding model is missing")


def _wait_for(condition, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


@pytest.mark.parametrize("isolate", [True, False], ids=["worker-process", "in-thread"])
def test_a_failing_stage_is_recorded_every_cycle_and_the_thread_keeps_running_until_stopped(feed_settings, db_path, seeds, isolate):
    from newsdesk import pipeline

    with Store(db_path) as store:
        pipeline.ingest([str(seeds)], store, feed_settings)
    scheduler = Scheduler(feed_settings, db_path, interval_s=0.05, embedder=BrokenEmbedder(), isolate=isolate)
    scheduler.start()
    assert _wait_for(lambda: scheduler.cycles >= 3) and scheduler.running
    started = time.monotonic()
    assert scheduler.stop(timeout=10) and not scheduler.running
    assert time.monotonic() - started < 10

    assert scheduler.last_report["errors"] == [
        {"stage": "cluster", "input": "cluster", "reason": "cluster failed: RuntimeError: the embedding model is missing"}
    ]
    with Store(db_path) as store:
        recorded = [f for f in store.list_failures() if f["input"] == "scheduler:cluster"]
        assert len(recorded) >= 3 and recorded[0]["stage"] == "scheduler"
        assert "the embedding model is missing" in recorded[0]["reason"]
        assert store.list_stories() == []  # nothing half-done


def test_cycles_run_in_a_worker_process_at_a_lower_priority_that_is_replaced_when_it_dies(feed_settings, db_path):
    scheduler = Scheduler(feed_settings, db_path, interval_s=0.05, embedder=BrokenEmbedder())
    scheduler.start()
    try:
        assert _wait_for(lambda: scheduler.cycles >= 1 and scheduler.worker_pid)
        first = scheduler.worker_pid
        assert first != os.getpid()
        assert os.getpriority(os.PRIO_PROCESS, first) > os.getpriority(os.PRIO_PROCESS, 0)  # page views come first
        os.kill(first, signal.SIGKILL)
        done = scheduler.cycles
        assert _wait_for(lambda: scheduler.worker_pid not in (None, first) and scheduler.cycles > done + 1)
        assert scheduler.running
    finally:
        assert scheduler.stop(timeout=10)


def test_the_running_scheduler_turns_a_new_feed_into_a_draft_brief_in_its_worker(http_server, feed_settings, db_path):
    scheduler = Scheduler(feed_settings, db_path, interval_s=0.2)  # loads its own models in the worker
    scheduler.start()
    try:
        with Store(db_path) as store:
            store.add_feed(serve_seeds(http_server))
            assert _wait_for(lambda: any(store.latest_brief(s["id"]) for s in store.list_stories()), 120)
            (story,) = store.list_stories()
            assert [v["status"] for v in store.brief_versions(story["id"])] == ["draft"]
    finally:
        assert scheduler.stop(timeout=30)
    assert scheduler.cycles >= 1


def test_an_embedder_that_cannot_reach_the_worker_process_is_refused_up_front(feed_settings, db_path):
    with pytest.raises(ValueError, match="isolate=False"):
        Scheduler(feed_settings, db_path, embedder=threading.Lock()).start()


def test_pages_read_and_editors_write_while_a_cycle_runs_without_database_is_locked(http_server, feed_settings, db_path, embedder):
    with Store(db_path) as store:
        store.add_feed(serve_seeds(http_server))
    scheduler = Scheduler(feed_settings, db_path, embedder=embedder)
    result: dict = {}
    cycle = threading.Thread(target=lambda: result.update(scheduler.run_once()))
    errors: list[str] = []
    reads = writes = 0

    with Store(db_path) as reader, LockedStore(db_path) as writer:
        cycle.start()
        while cycle.is_alive():
            try:
                for story in reader.list_stories():
                    reader.get_story(story["id"])
                    reader.latest_brief(story["id"])
                reader.count_articles()
                reads += 1
                if reads % 20 == 0:  # an editor's write in between, through the shared lock
                    with write_lock:
                        writer.record_failure(Failure(f"editor-{reads}", "store", "written during a cycle"))
                    writes += 1
            except sqlite3.OperationalError as exc:
                errors.append(str(exc))
        cycle.join()

    assert errors == []
    assert reads > 20 and writes >= 1
    assert result["errors"] == [] and len(result["briefs"]) == 1
