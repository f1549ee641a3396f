"""The scheduler: the pipeline on a timer, beside the web app, in the same SQLite file.

One cycle (:meth:`Scheduler.run_once`) runs, in order:

    poll due feeds              newsdesk.pipeline.poll        (one feed at a time)
      → cluster                 newsdesk.stories.StoryDesk     every article not yet in a story
      → facts                   newsdesk.facts.FactsStage      the articles clustered in this cycle
      → briefs                  newsdesk.brief.desk.BriefDesk  the stories those articles joined

It never publishes: a version written by ``BriefDesk`` is a draft or needs review, and
the published version stays on the front page until an editor publishes the new one.

Sharing the file with the web app. SQLite in WAL mode lets pages read while the
scheduler writes; only writers wait for each other. Within one process, every write
transaction of a :class:`LockedStore` (see :func:`open_store`) first takes
:data:`write_lock`, a process-wide lock the web app also takes around its own writes, so
threads queue in Python rather than in SQLite's busy handler; the lock is held for one
transaction (one article, one brief), never for a whole stage. Between processes (the
scheduler's worker, the CLI) SQLite's own lock serialises writers, waited for with the
busy timeout set on every connection.

On PostgreSQL (several web processes, perhaps on several hosts) each process has a scheduler,
but only the one holding a session advisory lock (:data:`LEADER_LOCK`) runs cycles; the others
stand by and take over when it ends. Feeds are claimed one at a time (``Store.claim_due_feed``,
``FOR UPDATE SKIP LOCKED``), so a ``newsdesk poll`` beside it never fetches the same feed twice.

Page views come first. A cycle that parses, embeds and writes briefs inside the server's
interpreter holds the GIL for seconds at a time and slows every page (bench/web.py at 200
requests/s on two shared cores: p95 400 ms, p99 750 ms with cycles in the server's process;
9 ms and 70 ms with them in a worker). So the thread does not run cycles itself: it hands
each one to a worker process, spawned on the first cycle and kept (with its models
loaded) for the next ones, at a lower CPU priority. ``isolate=False`` runs cycles in the
thread instead; :meth:`Scheduler.run_once` always runs in the calling thread.

Failures never stop the thread: a stage that raises is logged, stored as an ingest
failure (stage ``scheduler``, input ``scheduler:<stage>``) and reported. A story not
reached before a stop is tried next cycle. A story whose brief failed is tried again
with backoff, not every cycle: after :data:`BRIEF_RETRY_FIRST_S`, then twice as long each
time up to :data:`BRIEF_RETRY_MAX_S`; its failure is stored once (input ``scheduler:story
<id>``), and again only when the reason changes. The count and the next try are kept in
the store (:data:`BRIEF_RETRY_KEY`), so a restart does not retry at once. A bad feed is
recorded by ``poll`` itself.
"""

from __future__ import annotations

import atexit
import json
import logging
import multiprocessing
import os
import pickle
import signal
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from newsdesk import pipeline
from newsdesk.models import Failure
from newsdesk.settings import Settings
from newsdesk.store import Store, StoreError, is_postgres, store_target, utcnow

log = logging.getLogger("newsdesk.scheduler")

write_lock = threading.RLock()
"""One writer at a time in this process: held by every :class:`LockedStore` transaction.

Re-entrant, so code that holds it around several store calls (a web handler saving an
edit and its audit entry) may call store methods that take it again."""

BUSY_TIMEOUT_MS = 30_000  # how long a connection waits for another process's writer
WORKER_NICE = 10  # how much lower the worker's CPU priority is than the server's
PENDING_KEY = "scheduler_pending_briefs"  # meta: JSON list of stories whose brief is still to write
FEED_LEASE_S = 600  # a claimed feed is nobody else's for this long, unless its poll records a schedule first
LEADER_LOCK = 0x6E6577_0002  # PostgreSQL advisory lock held by the one process that runs the cycles
LEADER_KEY = "scheduler_leader"  # meta: which process took the lock last, and when
BRIEF_RETRY_KEY = "scheduler_brief_retries"  # meta: JSON {story id: {failures, retry_at (epoch s), reason}}
BRIEF_RETRY_FIRST_S = 60  # a story whose brief failed is tried again after this many seconds,
BRIEF_RETRY_MAX_S = 3600  # then twice as long each time, up to this


class LockedStore(Store):
    """A :class:`~newsdesk.store.Store` whose write transactions take :data:`write_lock` first."""

    def __init__(self, path: Path | str):
        super().__init__(path)
        if not self.sql.postgres:  # PostgreSQL's writers wait for row locks, not for the file
            self.conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with write_lock, super().transaction() as conn:
            yield conn

    @contextmanager
    def batch(self) -> Iterator[None]:
        with write_lock, super().batch():
            yield


def open_store(path: Path | str) -> LockedStore:
    """A store connection for one thread that shares the file with the scheduler."""
    return LockedStore(path)


class Scheduler:
    """Runs the pipeline every ``interval_s`` seconds from a daemon thread, until :meth:`stop`.

    ``embedder``: the sentence embedder to use instead of loading one. With ``isolate`` (the
    default) the thread's cycles run in a worker process, so it must be picklable to be
    used there (:meth:`start` says so otherwise); :meth:`run_once` uses it as it is."""

    def __init__(self, settings: Settings, store_path: Path | str, *, interval_s: float = 60, embedder=None,
                 isolate: bool = True, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock  # wall-clock seconds: when a failed brief is due again (kept in the store)
        self.store_path = store_target(store_path)
        self.interval_s = interval_s
        self.isolate = isolate
        self._embedder = embedder
        self._given_embedder = embedder
        self._worker: _Worker | None = None
        self._embedder_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.cycles = 0
        self.last_report: dict[str, Any] | None = None
        self._lock_store: Store | None = None  # PostgreSQL: the session that holds LEADER_LOCK
        self.leading = False
        self._said_standby = False

    # -- lifecycle ------------------------------------------------------------

    def start(self) -> None:
        """Start the cycles in a daemon thread (the first one right away)."""
        if self.running:
            return
        if self.isolate and self._given_embedder is not None:
            _check_picklable(self._given_embedder)
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="newsdesk-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> bool:
        """Ask the thread to stop and wait for it; True when it ended within ``timeout`` seconds.

        A cycle in progress stops at its next step (the next feed, stage or story), so this
        waits at most for one step, not for the rest of the cycle."""
        self._stop.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def worker_pid(self) -> int | None:
        """The process id of the worker that runs the cycles (None before the first, or in-thread)."""
        return self._worker.process.pid if self._worker is not None else None

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    if not self._lead():
                        self._stop.wait(self.interval_s)
                        continue
                    if self.isolate:
                        self._cycle_in_worker()
                    else:
                        self.run_once()
                except Exception:  # stages catch their own errors; this is the last line of defence
                    log.exception("scheduler cycle failed")
                self._stop.wait(self.interval_s)
        finally:
            self._drop_worker(timeout=10)
            self._release_lead()

    # -- one scheduler across processes and hosts ----------------------------------

    def _lead(self) -> bool:
        """Whether this process runs the cycles. On SQLite, yes (one machine, one server). On PostgreSQL,
        the process holding a session advisory lock does; the others stand by and try again every
        interval, so when the leader ends (its session ends with it) another takes over."""
        if not is_postgres(self.store_path):
            return True
        try:
            if self._lock_store is None:
                self._lock_store = Store(self.store_path)
            if self.leading:  # still ours while the session lives
                self._lock_store.conn.execute("SELECT 1").fetchone()
                return True
            self.leading = bool(self._lock_store.conn.execute(
                "SELECT pg_try_advisory_lock(?)", (LEADER_LOCK,)).fetchone()[0])
        except StoreError as exc:  # the session (and with it the lock) is gone: start again next time
            log.warning("scheduler: lost the store while holding the scheduler lock: %s", exc)
            self._release_lead()
            return False
        if self.leading:
            log.info("scheduler: this process (pid %d) runs the background cycles", os.getpid())
            self._lock_store.set_meta_value(LEADER_KEY, json.dumps(
                {"host": socket.gethostname(), "pid": os.getpid(), "since": utcnow().isoformat()}))
        elif not self._said_standby:
            self._said_standby = True
            log.info("scheduler: another process runs the background cycles; this one (pid %d) stands by",
                     os.getpid())
        return self.leading

    def _release_lead(self) -> None:
        self.leading = False
        if self._lock_store is not None:
            try:
                self._lock_store.close()  # ending the session releases the lock
            except Exception:  # noqa: BLE001 - it may be gone already
                pass
            self._lock_store = None

    def _cycle_in_worker(self) -> None:
        """One cycle in the worker process (started, or restarted after a crash, as needed)."""
        if self._worker is not None and not self._worker.alive:
            log.warning("scheduler: the worker process ended between cycles (exit code %s); starting another",
                        self._worker.process.exitcode)
            self._drop_worker()
        if self._worker is None:
            self._worker = _Worker(self.settings, self.store_path, self._given_embedder)
        try:
            report = self._worker.cycle(self._stop)
        except WorkerDied as exc:
            self._drop_worker()
            report = _empty_report()
            report["errors"].append({"stage": "worker", "input": "worker", "reason": str(exc)})
            with open_store(self.store_path) as store:
                store.record_failure(Failure("scheduler:worker", "scheduler", str(exc)))
            log.error("scheduler: %s", exc)
        self._finish(report)

    def _drop_worker(self, timeout: float = 1) -> None:
        if self._worker is not None:
            self._worker.close(timeout)
            self._worker = None

    # -- one cycle ------------------------------------------------------------

    @property
    def embedder(self):
        """The sentence embedder, loaded on first use and kept for every later cycle."""
        with self._embedder_lock:
            if self._embedder is None:
                from newsdesk.stories import make_embedder

                self._embedder = make_embedder(self.settings)
            return self._embedder

    def run_once(self) -> dict[str, Any]:
        """Run one cycle in the calling thread and return what it did.

        Keys: started_at, seconds, feeds (one row per polled feed), new_articles, clustered,
        facts, stories_touched, briefs (story_id, version, status), briefs_waiting (stories whose
        brief failed and is not due again yet), errors (stage, input, reason)."""
        started = time.monotonic()
        report = _empty_report()
        with open_store(self.store_path) as store:
            _Cycle(self, store, report).run()
        report["seconds"] = round(time.monotonic() - started, 3)
        self._finish(report)
        return report

    def _finish(self, report: dict[str, Any]) -> None:
        self.cycles += 1
        self.last_report = report
        _log_report(report)


def _empty_report() -> dict[str, Any]:
    return {"started_at": utcnow().isoformat(), "seconds": 0.0, "feeds": [], "new_articles": 0, "clustered": 0,
            "facts": 0, "stories_touched": [], "briefs": [], "briefs_waiting": [], "errors": []}


def _check_picklable(embedder) -> None:
    try:
        pickle.dumps(embedder)
    except Exception as exc:  # noqa: BLE001 - any reason it cannot travel is the same answer
        raise ValueError(f"the embedder {embedder!r} cannot be sent to the scheduler's worker process ({exc}); "
                         "pass isolate=False to use it in the scheduler's thread, or no embedder") from None


class _Cycle:
    """The stages of one cycle against one store connection, sharing what they learn."""

    def __init__(self, scheduler: Scheduler, store: Store, report: dict[str, Any]) -> None:
        self.scheduler, self.store, self.report = scheduler, store, report
        self.new_ids: list[str] = []

    @property
    def stopping(self) -> bool:
        return self.scheduler._stop.is_set()

    def run(self) -> None:
        for name, stage in (("poll", self.poll), ("cluster", self.cluster), ("facts", self.facts)):
            if self.stopping:
                return
            self.guarded(name, name, stage)
        if not self.stopping:
            self.briefs()

    def guarded(self, stage: str, subject: str, step: Callable[[], None]) -> bool:
        """Run one step; on an exception log it, store it as a failure and report it. True if it ran."""
        try:
            step()
            return True
        except Exception as exc:  # noqa: BLE001 - any failure of one step must not cost the others
            reason = f"{stage} failed: {type(exc).__name__}: {exc}"
            log.exception("scheduler: %s (%s)", reason, subject)
            self.report["errors"].append({"stage": stage, "input": subject, "reason": reason})
            self.record(subject, reason)
            return False

    def poll(self) -> None:
        """Poll each due feed on its own, so that a stop request waits for one feed at most. Each is
        claimed first (``Store.claim_due_feed``), so a ``newsdesk poll`` running meanwhile, or another
        host's, never fetches the same feed at the same time."""
        claimed: set[int] = set()
        while not self.stopping:
            feed = self.store.claim_due_feed(FEED_LEASE_S)
            if feed is None or feed.id in claimed:  # none due, or one due again at once: next cycle
                return
            claimed.add(feed.id)
            result = pipeline.poll(self.store, self.scheduler.settings, feeds=[feed])
            for p in result.polls:
                self.report["feeds"].append(
                    {"feed": p.feed.id, "url": p.feed.url, "outcome": p.outcome, "new_articles": p.new_articles,
                     "error": p.error}
                )
                if p.outcome == "error":
                    self.report["errors"].append({"stage": "feed", "input": p.feed.url, "reason": p.error})
                self.report["new_articles"] += p.new_articles

    def cluster(self) -> None:
        """Put every article not yet in a story into one; remember which, for the next stages."""
        from newsdesk.stories import StoryDesk

        pending = [a.id for a in self.store.unclustered_articles()]
        if not pending:
            return
        StoryDesk(self.store, self.scheduler.settings, self.scheduler.embedder).run()
        self.new_ids = [aid for aid in pending if self.store.story_of(aid) is not None]
        self.report["clustered"] = len(self.new_ids)
        self.save_pending(self.pending() | {self.store.story_of(aid) for aid in self.new_ids})

    def facts(self) -> None:
        from newsdesk.facts import FactsStage

        if self.new_ids:
            stage = FactsStage.for_settings(self.store, self.scheduler.settings)  # local pool or Dask
            self.report["facts"] = stage.run(self.new_ids)

    def briefs(self) -> None:
        """Write the brief of every story an article joined (and of those left from earlier cycles).

        A story stays pending until its brief is written, so a failure or a stop request
        costs a delay, never a missing brief."""
        from newsdesk.brief.desk import BriefDesk

        pending = self.pending()
        self.report["stories_touched"] = sorted(pending)
        retries = {sid: r for sid, r in self.retries().items() if sid in pending}
        now = self.scheduler.clock()
        due = [sid for sid in sorted(pending) if sid not in retries or retries[sid]["retry_at"] <= now]
        self.report["briefs_waiting"] = sorted(set(pending) - set(due))  # failed before; not due again yet
        if not due:
            return
        desk = BriefDesk(self.store, self.scheduler.settings, self.scheduler.embedder)
        for story_id in due:
            if self.stopping:
                return
            error = self.attempt(f"story {story_id}", lambda: self.brief(desk, story_id))
            if error is None:
                pending.discard(story_id)
                self.save_pending(pending)
                if retries.pop(story_id, None) is not None:
                    self.save_retries(retries)
                continue
            before = retries.get(story_id, {})
            failures = before.get("failures", 0) + 1
            wait = min(BRIEF_RETRY_MAX_S, BRIEF_RETRY_FIRST_S * 2 ** (failures - 1))
            retries[story_id] = {"failures": failures, "retry_at": now + wait, "reason": error}
            self.save_retries(retries)
            if error != before.get("reason"):  # stored once, not every try
                self.record(f"story {story_id}", f"{error} (tried again in {wait} s, then less often)")
            log.warning("scheduler: story %d: %s; try %d failed, next in %d s", story_id, error, failures, wait)

    def attempt(self, subject: str, step: Callable[[], None]) -> str | None:
        """Run one story's step: None when it ran, else the reason it failed (logged and reported, not stored)."""
        try:
            step()
            return None
        except Exception as exc:  # noqa: BLE001 - one story's failure must not cost the others
            reason = f"brief failed: {type(exc).__name__}: {exc}"
            log.exception("scheduler: %s (%s)", reason, subject)
            self.report["errors"].append({"stage": "brief", "input": subject, "reason": reason})
            return reason

    def record(self, subject: str, reason: str) -> None:
        try:
            self.store.record_failure(Failure(f"scheduler:{subject}", "scheduler", reason))
        except Exception:  # noqa: BLE001 - the store itself may be what failed
            log.exception("scheduler: could not record the failure")

    def retries(self) -> dict[int, dict[str, Any]]:
        """Stories whose brief failed: how often, when each is due again, and the last reason."""
        return {int(sid): r for sid, r in json.loads(self.store.meta_value(BRIEF_RETRY_KEY) or "{}").items()}

    def save_retries(self, retries: dict[int, dict[str, Any]]) -> None:
        self.store.set_meta_value(BRIEF_RETRY_KEY, json.dumps({str(k): v for k, v in sorted(retries.items())})
                                  if retries else None)

    def pending(self) -> set[int]:
        """Stories whose brief is still to write. Kept in the store, so that neither a restart nor a
        worker that died loses them."""
        return set(json.loads(self.store.meta_value(PENDING_KEY) or "[]"))

    def save_pending(self, pending: set[int]) -> None:
        self.store.set_meta_value(PENDING_KEY, json.dumps(sorted(pending)) if pending else None)

    def brief(self, desk, story_id: int) -> None:
        result = desk.run([story_id])
        for sid, version, status in result.written:
            self.report["briefs"].append({"story_id": sid, "version": version, "status": status})


# -- the worker process ---------------------------------------------------------------


class WorkerDied(RuntimeError):
    """The worker process ended in the middle of a cycle (killed, out of memory, crashed)."""


class _Worker:
    """A child process that runs cycles on request, at a lower CPU priority, keeping its models loaded.

    Not a daemon process (the facts stage may start worker processes of its own); it ends when
    asked, when the scheduler stops, when this process exits, or when its pipe closes."""

    def __init__(self, settings: Settings, store_path: Path, embedder) -> None:
        context = multiprocessing.get_context("spawn")  # the server may hold threads: never fork it
        self.conn, child_end = context.Pipe()
        self.process = context.Process(
            target=_worker_main, args=(settings, str(store_path), embedder, child_end),
            name="newsdesk-scheduler-worker",
        )
        self.process.start()
        child_end.close()
        atexit.register(self.close)

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def cycle(self, stop: threading.Event) -> dict[str, Any]:
        """Run one cycle in the worker and return its report; a stop request is passed on to it."""
        try:
            self.conn.send("cycle")
            asked_to_stop = False
            while not self.conn.poll(0.1):
                if stop.is_set() and not asked_to_stop:
                    self.conn.send("stop")
                    asked_to_stop = True
                if not self.process.is_alive():
                    break
            return self.conn.recv()
        except (EOFError, OSError):
            self.process.join(5)
            raise WorkerDied(f"the scheduler's worker process ended during a cycle (exit code {self.process.exitcode})") from None

    def close(self, timeout: float = 10.0) -> None:
        """Ask the worker to finish and wait for it; end it if it does not."""
        atexit.unregister(self.close)
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
        self.conn.close()


class _PipeStop:
    """The worker's view of a stop request: a message on its pipe, looked for between steps."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.requested = False
        self.closing = False  # the scheduler asked the worker to end, or is gone

    def is_set(self) -> bool:
        try:
            while not self.requested and self.conn.poll():
                self.closing = self.conn.recv() is None
                self.requested = True
        except (EOFError, OSError):
            self.requested = self.closing = True
        return self.requested


def _worker_main(settings: Settings, store_path: str, embedder, conn) -> None:
    """The worker's loop: one cycle per request, until asked to end or the scheduler's process is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the server, which then stops us in order
    try:
        os.nice(WORKER_NICE)
    except OSError:
        pass
    scheduler = Scheduler(settings, store_path, embedder=embedder, isolate=False)
    stop = scheduler._stop = _PipeStop(conn)  # a stop request ends the cycle at its next step
    while not stop.closing:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        if request == "cycle":  # (a "stop" that came after its cycle ended is stale)
            stop.requested = False
            conn.send(scheduler.run_once())


def _log_report(report: dict[str, Any]) -> None:
    if report["feeds"] or report["clustered"] or report["briefs"] or report["errors"]:
        log.info(
            "scheduler: %d feeds polled, %d new articles, %d clustered, %d briefs written, %d errors in %.1f s",
            len(report["feeds"]), report["new_articles"], report["clustered"], len(report["briefs"]),
            len(report["errors"]), report["seconds"],
        )
