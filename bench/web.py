"""Page views per second while the scheduler works: the home page and story pages under load.

    python bench/web.py [--db PATH] [--duration 30] [--rate 200] [--stories 20]
                        [--generator auto|wrk|python] [--connections 8] [--interval 5]
                        [--feed-every 5] [--scheduler-in-thread]

What it does, on this machine (127.0.0.1 only):
  1. a store of at least 10,000 articles: ECB+ dev (../shared/data beside the repository)
     ingested and clustered once, then replicated with new ids and dates 30 days apart by
     bench/cluster.py's ``copy_store`` (vectors and stories copied, not recomputed); with
     ``--db`` an existing store that already holds that many is reused, else built there;
  2. the briefs of ``--stories`` stories written and published through the Newsroom API by
     an editor ``bench`` (only briefs that pass the gate are published);
  3. a local RSS feed on 127.0.0.1 that grows by a few articles every ``--feed-every``
     seconds, subscribed in the store, so the scheduler has polling, clustering, facts and
     briefs to do during the load;
  4. the app with its scheduler (what ``newsdesk serve`` runs, with the scheduler every
     ``--interval`` seconds, in its worker process, or in the server's own process with
     ``--scheduler-in-thread``) in a child process on a free port, then ``--duration`` s of load,
     half home page, half story pages:
       * ``python``: an open-loop generator (asyncio + httpx) sending ``--rate`` requests/s
         on a fixed schedule; latency counts from the planned send time, so a slow server
         cannot hide queueing (no coordinated omission);
       * ``wrk`` (Debian's, when installed; ``auto`` picks it): two closed-loop wrk runs at
         once (home, stories) with ``--connections`` each, as fast as the server answers.
Prints the achieved requests/s, p50/p95/p99 latency per page, errors, and what the
scheduler did during the load (cycles finished, feed polls, articles stored, brief versions
written). Figures only, no assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from email.utils import format_datetime
from html import escape
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # tests/httpserver.py: the local feed server

from cluster import DATA, ECB, copy_store, ingest_and_cluster, replica, write_jsonl  # noqa: E402
from httpserver import LocalHTTPServer, stop_process  # noqa: E402

from newsdesk.auth import Accounts  # noqa: E402
from newsdesk.brief.desk import BriefDesk  # noqa: E402
from newsdesk.eval.datasets import load, to_jsonl_records  # noqa: E402
from newsdesk.facts import FactsStage  # noqa: E402
from newsdesk.newsroom import Newsroom, NewsroomError  # noqa: E402
from newsdesk.settings import load_settings  # noqa: E402
from newsdesk.store import Store  # noqa: E402
from newsdesk.stories import make_embedder  # noqa: E402

MIN_ARTICLES = 10_000
EDITOR = "bench"
FEED_PATH = "/bench-feed.xml"


# -- 1. the store -------------------------------------------------------------------------


def build_store(db: Path, records: list[dict], embedder) -> None:
    """ECB+ dev clustered once, replicated into ``db`` until it holds MIN_ARTICLES articles."""
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-web-") as tmp_name:
        tmp = Path(tmp_name)
        base = tmp / "base.db"
        settings = load_settings(env={}, db=str(base))
        with Store(base) as store:
            added, seconds = ingest_and_cluster(store, settings, embedder, write_jsonl(replica(records, 0), tmp / "base.jsonl"))
        print(f"  ECB+ dev: {added} articles ingested and clustered in {seconds:.1f} s")
        if db.exists():
            db.unlink()
        copy_store(base, db, math.ceil(MIN_ARTICLES / added))


def count_articles(db: Path) -> int:
    if not db.exists():
        return 0
    with Store(db) as store:
        return store.count_articles()


# -- 2. published stories -------------------------------------------------------------------


def editor(store: Store) -> dict:
    accounts = Accounts(store)
    known = {u["name"]: u for u in accounts.list_users()}
    return known.get(EDITOR) or accounts.add_user(EDITOR, "editor", secrets.token_urlsafe(16))


def publish_stories(store: Store, settings, embedder, count: int) -> list[int]:
    """Ids of ``count`` published stories: those already published, then new ones written and published."""
    newsroom = Newsroom(store, settings)
    published = [row["story_id"] for row in newsroom.front_page(limit=count)]
    user = editor(store)
    desk = BriefDesk(store, settings, embedder)
    candidates = [s for s in store.list_stories() if 3 <= s["articles"] <= 8 and s["id"] not in published]
    for story in sorted(candidates, key=lambda s: s["id"]):
        if len(published) >= count:
            break
        ids = [a["id"] for a in store.get_story(story["id"])["articles"]]
        FactsStage(store, processes=settings.facts_processes).run(ids)
        desk.run([story["id"]])
        brief = store.latest_brief(story["id"])
        if brief is None or not brief["gate_passed"]:
            continue
        try:
            newsroom.publish(user, story["id"], brief["version"])
        except NewsroomError as exc:
            print(f"  story {story['id']} not published: {exc}")
            continue
        published.append(story["id"])
    return published


# -- 3. a feed that keeps growing -----------------------------------------------------------


class GrowingFeed:
    """An RSS feed on the local server that gains ``batch`` new ECB+ articles every ``every`` seconds."""

    def __init__(self, server: LocalHTTPServer, records: list[dict], *, every: float, batch: int = 3) -> None:
        self.server, self.every, self.batch = server, every, batch
        run = int(time.time())
        self.pending = replica(records, 900 + run % 1000)  # ids this store has never seen
        self.title = f"Bench Wire {run}"  # another outlet per run: a store refuses the same text from the same one
        self.items: list[str] = []
        self.url = server.url(FEED_PATH)
        self._stop = threading.Event()
        self._grow()
        self._thread = threading.Thread(target=self._loop, name="bench-feed", daemon=True)

    def _grow(self) -> None:
        now = datetime.now(timezone.utc)
        for record in self.pending[: self.batch]:
            body = "".join(f"<p>{escape(p)}</p>" for p in record["text"].split("\n") if p.strip())
            link = self.server.url(f"/bench/{record['id']}")
            self.items.append(
                f"<item><title>{escape(record['title'] or '')}</title><link>{escape(link)}</link>"
                f"<guid>{escape(record['id'])}</guid><pubDate>{format_datetime(now)}</pubDate>"
                f"<description>{escape(body)}</description></item>"
            )
        self.pending = self.pending[self.batch :]
        channel = "".join(self.items[-30:])
        self.server.route(FEED_PATH, f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
                          f"<title>{self.title}</title><link>{self.server.url('/')}</link><description>bench</description>"
                          f"{channel}</channel></rss>", headers={"Content-Type": "application/rss+xml"})

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self._grow()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def polls_between(self, start: float, end: float) -> int:
        return sum(1 for (_m, path, _h), at in zip(self.server.requests, self.server.request_times)
                   if path == FEED_PATH and start <= at <= end)


def subscribe(store: Store, url: str, every: float) -> None:
    """Subscribe to the bench feed, dropping the feeds of earlier runs (their ports are gone)."""
    for feed in store.list_feeds():
        if feed.url.endswith(FEED_PATH):
            store.remove_feed(feed.id)
    store.add_feed(url, poll_interval=max(1, int(every)))


# -- 4. the server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int, tmp: Path, interval: float, isolate: bool) -> subprocess.Popen:
    """The app with its scheduler (every ``interval`` s) in a child process; returns once /healthz answers.

    The child is :func:`serve_child`: what ``newsdesk serve`` runs, with a shorter scheduler
    interval than its default so that several cycles fall inside the load."""
    config = tmp / "settings.toml"
    config.write_text("fetch_host_delay = 0\nfetch_allow_hosts = ['127.0.0.1:*']\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")} | {"NEWSDESK_CONFIG": str(config)}
    log = tmp / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, __file__, "serve-child", str(db), str(port), str(interval),
                                    "worker" if isolate else "thread"],
                                   stdout=out, stderr=subprocess.STDOUT, env=env)
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server exited with {process.returncode}:\n{log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_process(process)
    sys.exit("the server did not answer /healthz within 120 s")


def serve_child(db: str, port: str, interval: str, where: str) -> None:
    """Run the newsroom app with the scheduler on 127.0.0.1:``port`` until terminated."""
    import logging

    import uvicorn

    from newsdesk.scheduler import Scheduler
    from newsdesk.web.app import create_app

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("newsdesk.scheduler").setLevel(logging.INFO)
    settings = load_settings(db=db)
    scheduler = Scheduler(settings, db, interval_s=float(interval), isolate=where == "worker")
    app = create_app(settings, store_path=db, scheduler=scheduler)
    uvicorn.run(app, host="127.0.0.1", port=int(port), log_level="warning", access_log=False, server_header=False)


# -- 5. load --------------------------------------------------------------------------------


def plan(story_ids: list[int]) -> list[tuple[str, str]]:
    """The request mix: home and a story page in turn, the stories in rotation."""
    out: list[tuple[str, str]] = []
    for sid in story_ids:
        out += [("home", "/"), ("story", f"/stories/{sid}")]
    return out


async def open_loop(base: str, mix: list[tuple[str, str]], rate: float, duration: float, connections: int) -> dict:
    """Send ``rate`` requests/s on a fixed schedule for ``duration`` s; per page: latencies (s) and errors."""
    import httpx

    results: dict[str, dict] = {page: {"latency": [], "errors": 0, "statuses": {}} for page, _ in mix}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    timeout = httpx.Timeout(10.0, pool=30.0)
    loop = asyncio.get_running_loop()

    async def one(client, page: str, path: str, planned: float) -> None:
        into = results[page]
        try:
            response = await client.get(path)
            await response.aread()
            into["statuses"][response.status_code] = into["statuses"].get(response.status_code, 0) + 1
            if response.status_code != 200:
                into["errors"] += 1
        except httpx.HTTPError as exc:
            into["errors"] += 1
            into["statuses"][type(exc).__name__] = into["statuses"].get(type(exc).__name__, 0) + 1
        into["latency"].append(loop.time() - planned)

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout) as client:
        tasks = []
        start = loop.time()
        for i in range(int(rate * duration)):
            planned = start + i / rate
            delay = planned - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            page, path = mix[i % len(mix)]
            tasks.append(asyncio.create_task(one(client, page, path, planned)))
        await asyncio.gather(*tasks)
        elapsed = loop.time() - start
    return {"elapsed": elapsed, "pages": results}


WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %%d, "seconds": %%f, "p50": %%f, "p95": %%f, "p99": %%f, "errors": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e6, latency:percentile(95) / 1e6,
    latency:percentile(99) / 1e6, e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def wrk_load(base: str, mix: list[tuple[str, str]], duration: float, connections: int, tmp: Path) -> dict:
    """Two wrk runs at once, one per page kind; their summaries (closed loop: as fast as answered)."""
    runs = {}
    for page in dict(mix):
        paths = sorted({path for p, path in mix if p == page})
        script = tmp / f"{page}.lua"
        script.write_text(WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths))
        runs[page] = subprocess.Popen(
            ["wrk", "-t1", f"-c{connections}", f"-d{int(duration)}s", "--timeout", "10s", "-s", str(script), base],
            stdout=subprocess.PIPE, text=True,
        )
    out = {}
    for page, process in runs.items():
        text, _ = process.communicate()
        out[page] = json.loads(text.strip().splitlines()[-1])
    return out


# -- report ---------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(math.ceil(q / 100 * len(ordered))) - 1)]


def print_python(result: dict, rate: float) -> None:
    total = sum(len(r["latency"]) for r in result["pages"].values())
    print(f"\nopen loop at {rate:.0f} req/s planned: {total} requests in {result['elapsed']:.1f} s "
          f"= {total / result['elapsed']:.1f} req/s achieved")
    print(f"{'page':<8}{'requests':>10}{'errors':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}  statuses")
    for page, r in result["pages"].items():
        lat = r["latency"]
        print(f"{page:<8}{len(lat):>10}{r['errors']:>8}{pct(lat, 50) * 1e3:>10.1f}{pct(lat, 95) * 1e3:>10.1f}"
              f"{pct(lat, 99) * 1e3:>10.1f}  {r['statuses']}")


def print_wrk(result: dict) -> None:
    total = sum(r["requests"] for r in result.values())
    seconds = max(r["seconds"] for r in result.values())
    print(f"\nwrk, closed loop: {total} requests in {seconds:.1f} s = {total / seconds:.1f} req/s achieved")
    print(f"{'page':<8}{'requests':>10}{'req/s':>8}{'errors':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    for page, r in result.items():
        print(f"{page:<8}{r['requests']:>10}{r['requests'] / r['seconds']:>8.1f}{r['errors']:>8}"
              f"{r['p50'] * 1e3:>10.1f}{r['p95'] * 1e3:>10.1f}{r['p99'] * 1e3:>10.1f}")


def scheduler_cycles(base: str) -> int:
    """Cycles the server's scheduler has finished, from /healthz."""
    import httpx

    return int((httpx.get(f"{base}/healthz", timeout=10).json().get("scheduler") or {}).get("cycles") or 0)


def scheduler_activity(db: Path, feed: GrowingFeed, since_wall: str, start: float, end: float, cycles: int) -> None:
    with Store(db) as store:
        briefs = store.conn.execute("SELECT count(*) FROM briefs WHERE created_at >= ?", (since_wall,)).fetchone()[0]
        articles = store.conn.execute("SELECT count(*) FROM articles WHERE fetched >= ?", (since_wall,)).fetchone()[0]
    polls = feed.polls_between(start, end)
    ran = "yes" if cycles and polls else "no"
    print(f"\nscheduler during the load: {ran} — {cycles} cycles finished, {polls} feed polls, "
          f"{articles} new articles stored, {briefs} brief versions written")


# -- main -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="store to reuse (built there when it holds fewer than 10,000 articles)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    parser.add_argument("--rate", type=float, default=200.0, help="requests/s of the open-loop generator")
    parser.add_argument("--stories", type=int, default=20, help="stories to publish and load")
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--connections", type=int, default=8, help="connections per page kind (wrk) or in all (python)")
    parser.add_argument("--feed-every", type=float, default=5.0, help="seconds between two growths of the local feed")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between two scheduler cycles")
    parser.add_argument("--scheduler-in-thread", action="store_true",
                        help="run the scheduler's cycles in the server's own process (isolate=False), for comparison")
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"{DATA} is absent: the benchmark reads the shared corpora beside the repository")
    generator = args.generator
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "python"

    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-web-") as tmp_name:
        tmp = Path(tmp_name)
        db = args.db or tmp / "web.db"
        settings = load_settings(env={}, db=str(db))
        records = to_jsonl_records(load(ECB, "ecbplus"))
        embedder = make_embedder(settings)
        started = time.perf_counter()
        if count_articles(db) < MIN_ARTICLES:
            print(f"building a store of at least {MIN_ARTICLES:,} articles in {db}")
            build_store(db, records, embedder)
        with Store(db) as store:
            published = publish_stories(store, settings, embedder, args.stories)
            print(f"store: {store.count_articles():,} articles, {len(store.list_stories()):,} stories, "
                  f"{len(published)} published ({time.perf_counter() - started:.0f} s to prepare)")
            with LocalHTTPServer() as feed_server:
                feed = GrowingFeed(feed_server, records, every=args.feed_every)
                subscribe(store, feed.url, args.feed_every)
                store.close()
                run_load(args, generator, db, tmp, feed, published)
    return 0


def run_load(args, generator: str, db: Path, tmp: Path, feed: GrowingFeed, published: list[int]) -> None:
    port = free_port()
    process = start_server(db, port, tmp, args.interval, not args.scheduler_in_thread)
    base = f"http://127.0.0.1:{port}"
    try:
        feed.start()
        mix = plan(published)
        since_wall = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        cycles_before = scheduler_cycles(base)
        start = time.monotonic()
        if generator == "wrk":
            print(f"loading {base} with wrk for {args.duration:.0f} s ({args.connections} connections per page kind)")
            print_wrk(wrk_load(base, mix, args.duration, args.connections, tmp))
        else:
            print(f"loading {base} at {args.rate:.0f} req/s for {args.duration:.0f} s (open loop, python)")
            print_python(asyncio.run(open_loop(base, mix, args.rate, args.duration, args.connections)), args.rate)
        end = time.monotonic()
        cycles = scheduler_cycles(base) - cycles_before
        feed.stop()
    finally:
        stop_process(process)
    scheduler_activity(db, feed, since_wall, start, end, cycles)


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve-child"]:
        serve_child(*sys.argv[2:6])
    else:
        sys.exit(main())
