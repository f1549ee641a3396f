"""The pipeline: one article travels one road, stage by stage.

    sources (files, URLs, feeds)    newsdesk.sources.*   read or fetch the input
      → extract                     newsdesk.extract     bytes/HTML/records → Article
      → clean                       newsdesk.clean       headline, dek, byline, boilerplate
      → store                       newsdesk.store       each article all-or-nothing, idempotent
      → dedupe → embed → cluster → facts → reconcile → brief → gate → review → publish

This module only sequences the stages; each stage lives in its own module.
Inputs that fail become :class:`~newsdesk.models.Failure` records (stored and
reported), never exceptions, so one bad input never costs the others.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice
from pathlib import Path

from newsdesk.fetch import FetchError, Fetcher
from newsdesk.models import Article, Failure, check_article
from newsdesk.settings import Settings
from newsdesk.sources.feeds import entry_article, merge_fulltext, needs_fulltext, parse_feed
from newsdesk.sources.files import NoArticles, estimate_records, expand_paths, file_bytes, file_failure, read_path
from newsdesk.sources.web import fetch_article
from newsdesk.store import Feed, Store, StoreError, content_hash, utcnow
from newsdesk.urls import is_url

BATCH = 200  # articles of one file stored under one commit
StepHook = Callable[[str], None]  # called once per input done, with its name
TotalHook = Callable[[int], None]  # called with more work discovered


@dataclass(slots=True)
class Duplicate:
    input: str
    article_id: str  # the stored article it repeats
    reason: str


@dataclass(slots=True)
class Revision:
    input: str
    article_id: str  # the stored article it is a new version of
    revision: int  # the number of the version now current (the first stored is 1)


@dataclass(slots=True)
class IngestReport:
    added: list[str] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    revised: list[Revision] = field(default_factory=list)  # new versions of stored articles
    failures: list[Failure] = field(default_factory=list)
    skipped: list[Failure] = field(default_factory=list)  # files in folders that hold no article

    @property
    def nothing_ingested(self) -> bool:
        """True when every input failed: the only case in which ingest exits non-zero."""
        return not self.added and not self.duplicates and not self.revised


def _noop(_: object) -> None:
    return None


def store_item(store: Store, report: IngestReport, name: str, item: Article | Failure, *,
               entry_hash: str | None = None) -> None:
    """The store stage for one extracted item (or the failure that replaced it).

    ``entry_hash``: for a feed entry, the hash of the entry's own text (see ``Store.entry_status``).

    An article is checked as a whole first (models.check_article): what is invalid becomes
    this item's failure, and so does anything the store refuses for this article alone.
    Errors of the store itself (locked, full, broken) still stop the run.
    """
    if isinstance(item, Article):
        try:
            check_article(item)
            result = store.add_article(item, input=name, entry_hash=entry_hash)
        except (sqlite3.OperationalError, StoreError):
            raise
        except Exception as exc:  # noqa: BLE001  (this article only; the batch goes on)
            item = Failure.from_exception(name, "store", exc)
        else:
            if result.added:
                report.added.append(result.article_id)
            elif result.revised:
                report.revised.append(Revision(name, result.article_id, result.revision or 2))
            else:
                report.duplicates.append(Duplicate(name, result.article_id, result.reason))
            return
    store.record_failure(item)
    report.failures.append(item)


def ingest(
    inputs: list[str],
    store: Store,
    settings: Settings,
    *,
    source: str | None = None,
    csv_map: dict[str, str] | None = None,
    on_total: TotalHook = _noop,
    on_step: StepHook = _noop,
) -> IngestReport:
    """Ingest files, folders and URLs into the store."""
    report = IngestReport()
    urls = [i for i in inputs if is_url(i)]
    paths, failures = expand_paths([Path(i) for i in inputs if not is_url(i)])
    for failure in failures:
        store_item(store, report, failure.input, failure)
    on_total(len(urls) + sum(estimate_records(p) for p, _ in paths))

    for path, named, items in _file_items(paths, settings, source, csv_map):
        try:
            while True:
                # each article is still all-or-nothing; BATCH of them share one commit
                with store.batch():
                    chunk = list(islice(items, BATCH))
                    for name, item in chunk:
                        store_item(store, report, name, item)
                        on_step(name)
                if len(chunk) < BATCH:
                    break
        except NoArticles as exc:
            failure = Failure(str(path), exc.stage, exc.reason)
            if named:
                store_item(store, report, failure.input, failure)
            else:
                report.skipped.append(failure)

    if urls:
        with Fetcher(settings) as fetcher:
            for url in urls:
                store_item(store, report, url, _fetch_page(url, fetcher, source))
                on_step(url)
    return report


def _file_items(paths: list[tuple[Path, bool]], settings: Settings, source: str | None, csv_map: dict[str, str] | None):
    """(path, named, items) for each file in order; items may raise NoArticles after its articles.

    Read here, or — with a Dask scheduler set — read here and extracted on the cluster's workers
    (see newsdesk.distributed): the same items either way, stored by this process in this order.
    """
    if not settings.dask_scheduler or not paths:
        for path, named in paths:
            yield path, named, _isolated(str(path), read_path(path, max_bytes=settings.file_max_bytes, source=source, csv_map=csv_map))
        return
    from newsdesk import distributed

    read: list[tuple[Path, bool, Failure | None]] = []

    def jobs():
        for path, named in paths:
            try:
                data = file_bytes(path, max_bytes=settings.file_max_bytes)
            except Exception as exc:  # noqa: BLE001  (as read_path: this file fails alone)
                read.append((path, named, file_failure(str(path), exc)))
                continue
            read.append((path, named, None))
            yield str(path), data, source, csv_map

    results = distributed.map_ordered(settings.dask_scheduler, distributed.extract_file, jobs())
    done = 0
    for items, empty in results:
        # the files that could not be read come before the next extracted one, in order
        while read[done][2] is not None:
            path, named, failure = read[done]
            yield path, named, iter([(str(path), failure)])
            done += 1
        path, named, _ = read[done]
        done += 1
        yield path, named, _replay(items, empty)
    for path, named, failure in read[done:]:
        yield path, named, iter([(str(path), failure)])


def _replay(items: list, empty: tuple[str, str] | None) -> Iterator[tuple[str, Article | Failure]]:
    yield from items
    if empty is not None:
        raise NoArticles(*empty)


def _isolated(name: str, items: Iterator[tuple[str, Article | Failure]]) -> Iterator[tuple[str, Article | Failure]]:
    """A file's items; should its reader itself raise, the items so far are kept and the
    file's failure says after which record it stopped (the call goes on with the next input)."""
    count = 0
    try:
        for item in items:
            count += 1
            yield item
    except NoArticles:
        raise
    except Exception as exc:  # noqa: BLE001
        failure = Failure.from_exception(name, "read", exc)
        if count:
            failure.reason += f" (after {count} record{'s' * (count != 1)})"
        yield name, failure


def _fetch_page(url: str, fetcher: Fetcher, source: str | None) -> Article | Failure:
    try:
        article = fetch_article(url, fetcher)
    except FetchError as exc:
        return Failure(url, "fetch", exc.reason)
    except Exception as exc:  # noqa: BLE001  (InputError, or a library choking on a hostile page)
        return Failure.from_exception(url, "extract", exc)
    article.source = source or article.source
    return article


# -- feeds ---------------------------------------------------------------------


@dataclass(slots=True)
class FeedPoll:
    feed: Feed
    outcome: str  # ok | not_modified | error
    new_articles: int = 0
    error: str | None = None


@dataclass(slots=True)
class PollReport:
    polls: list[FeedPoll] = field(default_factory=list)
    ingest: IngestReport = field(default_factory=IngestReport)


def poll(
    store: Store,
    settings: Settings,
    *,
    feeds: list[Feed] | None = None,
    on_total: TotalHook = _noop,
    on_step: StepHook = _noop,
) -> PollReport:
    """Poll feeds (the due ones unless given): conditional GET, parse, follow links for full text, store."""
    feeds = store.due_feeds() if feeds is None else feeds
    report = PollReport()
    on_total(len(feeds))
    with Fetcher(settings) as fetcher:
        for feed in feeds:
            report.polls.append(poll_feed(feed, store, fetcher, settings, report.ingest))
            on_step(feed.title or feed.url)
    return report


def poll_feed(feed: Feed, store: Store, fetcher: Fetcher, settings: Settings, report: IngestReport) -> FeedPoll:
    """Poll one feed, store its new entries and record the attempt with its outcome."""
    started = utcnow()
    clock = time.monotonic()
    interval = feed.poll_interval or settings.feed_poll_interval

    def finish(outcome: str, *, status: int | None = None, new: int = 0, error: str | None = None, **extra) -> FeedPoll:
        if outcome == "error":
            wait = min(interval * 2 ** (feed.error_count + 1), settings.feed_max_backoff)
            store_item(store, report, feed.url, Failure(feed.url, "feed", error or "unknown error"))
        else:
            wait = interval
        store.record_poll(
            feed,
            started=started,
            elapsed=round(time.monotonic() - clock, 3),
            outcome=outcome,
            http_status=status,
            new_articles=new,
            error=error,
            next_poll_at=started + timedelta(seconds=wait),
            **extra,
        )
        return FeedPoll(feed, outcome, new, error)

    try:
        result = fetcher.get(feed.url, etag=feed.etag, last_modified=feed.last_modified, accept=FEED_ACCEPT)
    except FetchError as exc:
        return finish("error", error=exc.reason)
    if result.not_modified:
        return finish("not_modified", status=result.status)
    try:
        parsed = parse_feed(result.content, url=result.url)
    except Exception as exc:  # noqa: BLE001  (InputError, or feedparser choking on a hostile feed)
        return finish("error", status=result.status, error=Failure.from_exception(feed.url, "feed", exc).reason)

    new = 0
    for number, entry in enumerate(parsed.entries, 1):
        name = f"{feed.url}#{number}"
        try:
            article = entry_article(entry, parsed, feed_url=feed.url, feed_id=feed.id)
        except Exception as exc:  # noqa: BLE001  (one entry never costs the others)
            store_item(store, report, name, Failure.from_exception(name, "feed", exc))
            continue
        entry_hash = content_hash(article)
        if store.entry_status(article, entry_hash) == "unchanged":
            continue  # seen in an earlier poll with this text: no need to fetch its page again
        if settings.feed_fetch_fulltext and needs_fulltext(article, settings.feed_fulltext_min_words):
            page = _fetch_page(article.url, fetcher, None)  # type: ignore[arg-type]
            if isinstance(page, Failure):
                page.stage, page.reason = "fulltext", f"{page.reason}; kept the feed's own text"
                store_item(store, report, page.input, page)
            elif len(page.text) > len(article.text):
                merge_fulltext(article, page)
        before = len(report.added)
        store_item(store, report, name, article, entry_hash=entry_hash)
        new += len(report.added) - before
    return finish(
        "ok",
        status=result.status,
        new=new,
        etag=result.etag,
        last_modified=result.last_modified,
        title=parsed.title,
        site_url=parsed.site_url,
    )


FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
