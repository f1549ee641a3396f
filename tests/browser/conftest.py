"""A real newsroom in a real browser: a seeds store served by ``newsdesk serve`` on 127.0.0.1, driven by
Debian's chromium through Playwright (no Playwright browser is downloaded; .ci/run installs chromium).

The store holds three stories, all briefed by the pipeline:

* ``published`` — the seed articles dated 30 days ago under new ids, published by the fixture;
* ``review``    — the seed articles themselves, left in the review queue for the editor tests;
* ``hostile``   — one article whose title, body, outlet and URL carry ``<script>``,
  ``<img onerror>`` and ``javascript:`` payloads, published by the fixture, with an edited
  version waiting in the review queue.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from conftest import REPO, SEEDS, need
from httpserver import stop_process

from newsdesk import pipeline
from newsdesk.auth import Accounts
from newsdesk.brief.desk import BriefDesk
from newsdesk.facts import FactsStage
from newsdesk.newsroom import Newsroom
from newsdesk.settings import load_settings
from newsdesk.sources.files import read_path
from newsdesk.store import Store
from newsdesk.stories import StoryDesk, make_embedder

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
ARTIFACTS = REPO / "test-artifacts"
EDITOR, PASSWORD = "editor", "correct horse battery staple"

HOSTILE_ID = "hostile-1"
# each payload would set window.__xss, change the title or open a dialog if it ever ran
HOSTILE = {
    "id": HOSTILE_ID,
    "title": "Pier <script>window.__xss = 1; document.title = 'pwned'</script> reopens <img src=x onerror=\"window.__xss = 2; alert(2)\">",
    "text": "\n\n".join([
        "Harbour officials in the invented town of Port Elsin said on Monday that the north pier would reopen on Friday "
        "after three weeks of repairs. <script>window.__xss = 3; document.title = 'pwned'</script>",
        "Divers found that the two cracked supports had been replaced with steel piles, the harbour master, Ana Lima, "
        "said. <img src=x onerror=\"window.__xss = 4; alert(4)\">",
        "Ferry services will resume on the old timetable, and fares will stay at 12 euros, the operator said. "
        "<a href=\"javascript:window.__xss = 5; alert(5)\">Read more</a>",
        "The repairs cost 2.4 million euros, paid by the regional government, according to the town council.",
        "Fishing boats that had moved to the south quay will return to the north pier next week, the council added.",
    ]),
    "source": "Elsin <b onmouseover=\"alert(6)\">Courier</b>",
    "url": "javascript:window.__xss = 7; alert(7)",
}


@dataclass
class Site:
    base_url: str
    db: Path
    stories: dict[str, int]
    log: Path

    def store(self) -> Store:
        """A reading connection to the served store (WAL: it never blocks the server)."""
        return Store(self.db)


# -- the store -------------------------------------------------------------------------------


def _seed_records(published: datetime, prefix: str) -> list[dict]:
    """The seed articles under new ids, outlets and URLs, dated ``published`` (read from ../shared, never copied)."""
    records = []
    for path in sorted(need(SEEDS).glob("*.txt")):
        ((_, article),) = read_path(path, max_bytes=10_000_000)
        records.append({"id": f"{prefix}{article.id}", "title": article.title, "text": article.text, "dek": article.dek,
                        "source": f"{article.source or 'Seed outlet'} archive",
                        "url": f"https://archive.example/{prefix}{article.id}", "published": published.isoformat()})
    return records


def _ingest_and_cluster(store: Store, settings, embedder, inputs: list[Path], then=lambda: None) -> None:
    report = pipeline.ingest([str(p) for p in inputs], store, settings)
    assert not report.failures, report.failures
    then()
    StoryDesk(store, settings, embedder).run()


def _force_url(store: Store, article_id: str, url: str) -> None:
    """Ingest refuses a javascript: address (issue 14); it is written here, under ingest, so that the
    pages are still shown to stay inert should one ever be stored."""
    with store.transaction() as conn:
        conn.execute("UPDATE articles SET url = ? WHERE id = ?", (url, article_id))


def build_site_store(db: Path, tmp: Path) -> dict[str, int]:
    """Ingest, cluster (a month apart, so the two seed tellings stay two stories), read facts, write briefs."""
    settings = load_settings(env={}, db=str(db), facts_processes=1)
    embedder = make_embedder(settings)
    now = datetime.now(timezone.utc)
    older = tmp / "older.jsonl"
    older.write_text("\n".join(json.dumps(r) for r in _seed_records(now - timedelta(days=30), "older-")))
    hostile = tmp / "hostile.jsonl"
    hostile.write_text(json.dumps({k: v for k, v in HOSTILE.items() if k != "url"} | {"published": (now - timedelta(hours=1)).isoformat()}))
    with Store(db) as store:
        _ingest_and_cluster(store, settings, embedder, [older])
        _ingest_and_cluster(store, settings, embedder, [SEEDS, hostile], then=lambda: _force_url(store, HOSTILE_ID, HOSTILE["url"]))
        FactsStage(store, processes=1).run()
        BriefDesk(store, settings, embedder).run()
        stories = {
            "published": store.story_of("older-000_8bbeadb7ac7fca71.txt"),
            "review": store.story_of("000_8bbeadb7ac7fca71.txt"),
            "hostile": store.story_of(HOSTILE_ID),
        }
        assert len(set(stories.values())) == 3, f"expected three stories, got {stories}"
        assert "<script>" in store.get_article(HOSTILE_ID).title, "ingest changed the hostile title: the test would prove nothing"
        user = Accounts(store).add_user(EDITOR, "editor", PASSWORD)
        newsroom = Newsroom(store, settings, embedder=embedder)
        for name in ("published", "hostile"):
            newsroom.publish(user, stories[name], store.latest_brief(stories[name])["version"])
        _leave_an_edit_in_the_queue(newsroom, user, store.latest_brief(stories["hostile"])["content"])
    return stories


def _leave_an_edit_in_the_queue(newsroom: Newsroom, user: dict, content: dict) -> None:
    """A second version of the hostile story, without its last bullet: the review queue always shows it."""
    bullets = [{"text": b["text"], "citations": b["citations"]} for b in content["quick_take"][:-1]]
    newsroom.edit(user, content["id"], headline=content["headline"], dek=content["dek"], bullets=bullets)


# -- the server ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(process: subprocess.Popen, base_url: str, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"newsdesk serve exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"newsdesk serve did not answer {base_url}/healthz within {seconds:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The seeds newsroom served by ``newsdesk serve --no-scheduler`` on a free port; stopped afterwards."""
    tmp = tmp_path_factory.mktemp("browser-site")
    db = tmp / "newsroom.db"
    stories = build_site_store(db, tmp)
    config = tmp / "settings.toml"
    config.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")} | {"NEWSDESK_CONFIG": str(config)}
    port = _free_port()
    log = tmp / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "newsdesk", "--db", str(db), "serve", "--no-scheduler", "--host", "127.0.0.1",
             "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(process, base_url, log)
        yield Site(base_url, db, stories, log)
    finally:
        stop_process(process, timeout=15)


# -- the browser -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium (apt-get install chromium; .ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        yield chromium
        chromium.close()


@dataclass
class Watch:
    """What a page did that a reader would notice or that betrays injected markup."""

    dialogs: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def page(browser, site, watch):
    """A fresh browser context (no cookies) on the site; dialogs are recorded and dismissed."""
    context = browser.new_context(base_url=site.base_url, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)

    def on_dialog(dialog) -> None:
        watch.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            watch.csp_violations.append(message.text)

    tab.on("dialog", on_dialog)
    tab.on("console", on_console)
    yield tab
    context.close()


def log_in(page, name: str = EDITOR, password: str = PASSWORD) -> None:
    """Log in through the form, as an editor would; ends on the review queue."""
    page.goto("/login")
    form = page.locator("form#login-form")
    form.locator("input[name=name]").fill(name)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/review")


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
