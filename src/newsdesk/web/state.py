"""What one web application instance owns: connections, the write lock, limits and caches.

Routes run in a thread pool, and a SQLite connection belongs to the thread that opened
it, so every thread gets its own store (and Newsroom and Accounts on top of it) on first
use. Reads run in parallel through WAL; writes take the scheduler's process-wide lock
(``newsdesk.scheduler.write_lock``), so an editor's save waits for one transaction, never
for SQLite's busy handler. On PostgreSQL each thread has its own connection the same way. Nothing here
is module-global: two apps in one process share nothing but that lock. What several processes must
agree on (``serve --workers``: the login form's key, login attempts, sessions) is read from the store.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from newsdesk.auth import Accounts
from newsdesk.login_limit import LoginLimit
from newsdesk.newsroom import Newsroom
from newsdesk.scheduler import open_store, write_lock
from newsdesk.settings import Settings
from newsdesk.store import Store, store_target


LOGIN_SECRET_KEY = "web_login_secret"  # meta: the key of the login form's CSRF tokens


class LRU:
    """A small thread-safe least-recently-used cache for immutable rendered fragments."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


class WebState:
    """Per-app resources; reached from a request as ``request.app.state.web``."""

    def __init__(self, settings: Settings, store_path: Path | str, *, scheduler: Any = None, embedder: Any = None) -> None:
        self.settings = settings
        self.store_path = store_target(store_path)
        self.scheduler = scheduler
        self._secret: bytes | None = None
        self.limiter = LoginLimit(lambda: self.store)  # in the store: every web process sees every attempt
        self.fragments = LRU()
        self._open, self.write_lock = open_store, write_lock  # the scheduler's: one writer per process
        self._local = threading.local()
        self._embedder = embedder
        self._embedder_lock = threading.Lock()

    @property
    def secret(self) -> bytes:
        """Signs the pre-session login CSRF tokens. Kept in the store (made once, by the first process
        to ask), so that a login form served by one web process is accepted by another."""
        if self._secret is None:
            self._secret = bytes.fromhex(self.store.meta_value_once(LOGIN_SECRET_KEY, secrets.token_hex(32)))
        return self._secret

    # -- per-thread objects -----------------------------------------------------

    def _thread_objects(self) -> dict[str, Any]:
        objects = getattr(self._local, "objects", None)
        if objects is None:
            store = self._open(self.store_path)
            objects = {"store": store, "newsroom": Newsroom(store, self.settings), "accounts": Accounts(store)}
            self._local.objects = objects
        return objects

    @property
    def store(self) -> Store:
        return self._thread_objects()["store"]

    @property
    def newsroom(self) -> Newsroom:
        return self._thread_objects()["newsroom"]

    @property
    def accounts(self) -> Accounts:
        return self._thread_objects()["accounts"]

    # -- writing ----------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[Newsroom]:
        """The thread's Newsroom, with the write lock held for the whole action."""
        with self.write_lock:
            yield self.newsroom

    @contextmanager
    def editing(self) -> Iterator[Newsroom]:
        """A Newsroom that can check edited lines (it needs the embedder), under the write lock."""
        embedder = self.embedder()
        with self.write_lock:
            yield Newsroom(self.store, self.settings, embedder=embedder)

    def embedder(self) -> Any:
        """The sentence embedder, loaded once per app (the scheduler's when it runs beside us)."""
        with self._embedder_lock:
            if self._embedder is None:
                if self.scheduler is not None and hasattr(self.scheduler, "embedder"):
                    self._embedder = self.scheduler.embedder
                else:
                    from newsdesk.stories import make_embedder

                    self._embedder = make_embedder(self.settings)
            return self._embedder
