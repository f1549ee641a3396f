"""Shared by the web tests: a published seeds store, a logged-in client, a real server, HTML queries, store snapshots.

The seeds store (3 articles, one story, its brief) is built once per test session and
copied for each module, so every module starts from the same state and may change its
own copy.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import lxml.html
import pgsupport
from conftest import SEEDS, need
from starlette.testclient import TestClient

from newsdesk import pipeline
from newsdesk.auth import Accounts
from newsdesk.brief.desk import BriefDesk
from newsdesk.facts import FactsStage
from newsdesk.newsroom import Newsroom
from newsdesk.settings import load_settings
from newsdesk.store import Store
from newsdesk.stories import StoryDesk, make_embedder

EDITOR, PASSWORD = "ed", "correct horse battery staple"


@dataclass
class Desk:
    db: Path | str  # a SQLite file, or a PostgreSQL URL
    settings: Any
    embedder: Any
    story_id: int
    user: dict

    def store(self) -> Store:
        return Store(self.db)


def _base(tmp_path_factory) -> tuple[Path, Any]:
    """The session's seeds store with its draft brief (built on first use) and embedder."""
    root = tmp_path_factory.getbasetemp() / "web-seeds"
    root.mkdir(exist_ok=True)
    settings = load_settings(env={}, model_cache_dir=str(root / "models"))
    embedder = make_embedder(settings)
    base = root / "base.db"
    if not base.exists():
        building = root / "building.db"
        store = Store(building)
        settings_db = settings.replace(db=str(building))
        pipeline.ingest([str(need(SEEDS))], store, settings_db)
        StoryDesk(store, settings_db, embedder).run()
        FactsStage(store, processes=1).run()
        BriefDesk(store, settings_db, embedder).run()
        copy_store(store, base)
        store.close()
    return base, embedder


def copy_store(source: Store | Path, target: Path) -> Path:
    """A consistent copy of a store (SQLite's backup API, so WAL contents are included)."""
    src = source.conn if isinstance(source, Store) else sqlite3.connect(source)
    dst = sqlite3.connect(target)
    src.backup(dst)
    dst.close()
    if not isinstance(source, Store):
        src.close()
    return target


def published_seeds(tmp_path_factory, name: str, backend: str = "sqlite", *, published: bool = True) -> Desk:
    """A copy of the seeds store with an editor account and version 1 of the story published (left a
    draft when not ``published``), on ``backend``: a SQLite file, or a PostgreSQL database dropped when
    the session ends."""
    need(SEEDS)
    if backend == "postgres":
        pgsupport.require()
    base, embedder = _base(tmp_path_factory)
    db = copy_store(base, tmp_path_factory.mktemp(name) / "store.db")
    if backend == "postgres":
        db = pgsupport.copy_of(db)
    settings = load_settings(env={}, db=str(db))
    with Store(db) as store:
        user = Accounts(store).add_user(EDITOR, "editor", PASSWORD)
        (story,) = store.list_stories()
        if published:
            Newsroom(store, settings).publish(user, story["id"], 1)
    return Desk(db, settings, embedder, story["id"], user)


def new_version(desk: Desk, **changes: Any) -> int:
    """A new version of the story's brief (as the pipeline would write it), its content changed as given."""
    with desk.store() as store:
        latest = store.latest_brief(desk.story_id)
        content = latest["content"] | changes
        return store.save_brief(desk.story_id, writer="test", signature=latest["signature"], status="draft",
                                content=content, changes={"summary": ["test change"]}, note=None, lines=[])


def publish(desk: Desk, version: int, note: str | None = None) -> None:
    with desk.store() as store:
        Newsroom(store, desk.settings).publish(desk.user, desk.story_id, version, note=note)


# -- browsers ---------------------------------------------------------------------------------


def form_token(html: str, form_id: str | None = None) -> str:
    doc = page(html)
    scope = doc.get_element_by_id(form_id) if form_id else doc
    return scope.xpath(".//input[@name='csrf']/@value")[0]


def login(client: TestClient, name: str = EDITOR, password: str = PASSWORD) -> str:
    """Log the client in through the login form (unless it is); returns the session's CSRF token."""
    form = client.get("/login", follow_redirects=False)
    if form.status_code == 303:  # logged in already
        return form_token(client.get("/review").text)
    token = form_token(form.text)
    response = client.post("/login", data={"name": name, "password": password, "csrf": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return form_token(client.get("/review").text)


# -- HTML ---------------------------------------------------------------------------------------


def page(html: str):
    return lxml.html.fromstring(html)


def select(doc, selector: str) -> list:
    """Elements matching a simple CSS selector: 'tag', '.class', 'tag.class', '#id', 'a b', 'a > b'."""
    path, child = ".", False
    for step in selector.replace(">", " > ").split():
        if step == ">":
            child = True
            continue
        tag = re.match(r"[a-z0-9]*", step).group(0) or "*"
        tests = [f"[contains(concat(' ', normalize-space(@class), ' '), ' {c} ')]" for c in re.findall(r"\.([\w-]+)", step)]
        tests += [f"[@id='{i}']" for i in re.findall(r"#([\w-]+)", step)]
        path += ("/" if child else "//") + tag + "".join(tests)
        child = False
    return doc.xpath(path)


def text(element) -> str:
    return " ".join(element.text_content().split())


# -- the store ---------------------------------------------------------------------------------


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table, to prove a refused request changed nothing."""
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"'))) for t in tables}
    finally:
        conn.close()


# -- a real server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(folder: Path, db: Path | str, *args: str, settings: str = "") -> Iterator[str]:
    """``newsdesk serve ARGS`` on 127.0.0.1 and a free port, with ``settings`` as its settings file; yields its
    base URL once /healthz answers, and stops it (Ctrl+C) afterwards. Its log is ``folder/serve.log``."""
    port = free_port()
    (folder / "settings.toml").write_text(settings)
    env = {**os.environ, "NEWSDESK_CONFIG": str(folder / "settings.toml"), "NEWSDESK_DB": str(db)}
    log = (folder / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "newsdesk", "serve", "--port", str(port), *args], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (folder / "serve.log").read_text()
            assert time.monotonic() < deadline, "the server did not answer within 90 s"
            time.sleep(0.3)
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
