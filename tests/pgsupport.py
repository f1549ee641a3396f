"""PostgreSQL for the tests: a fresh database per test on the local server (127.0.0.1:5432), dropped afterwards.

Without a server the PostgreSQL tests skip, saying why; with ``NEWSDESK_REQUIRE_POSTGRES=1``
(set by ``.ci/run``, where the server runs) they fail instead. ``NEWSDESK_TEST_POSTGRES``
names another server (a URL without a database name).
"""

from __future__ import annotations

import atexit
import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

SERVER = os.environ.get("NEWSDESK_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432").rstrip("/")
_names = itertools.count(1)
_state: dict[str, str | None] = {}


def _admin():
    import psycopg

    return psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=5)


def unavailable() -> str | None:
    """Why the PostgreSQL tests cannot run here (None when they can); asked once per session."""
    if "reason" not in _state:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            _state["reason"] = "psycopg is not installed"
        else:
            try:
                _admin().close()
                _state["reason"] = None
            except Exception as exc:  # noqa: BLE001 - any reason the server cannot be reached
                _state["reason"] = f"no PostgreSQL server at {SERVER}: {' '.join(str(exc).split())}"
    return _state["reason"]


def require() -> None:
    """Skip the test when there is no server, or fail it when ``NEWSDESK_REQUIRE_POSTGRES=1``."""
    reason = unavailable()
    if reason is None:
        return
    if os.environ.get("NEWSDESK_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"NEWSDESK_REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason} (set NEWSDESK_REQUIRE_POSTGRES=1 to make this a failure)")


def _template() -> str:
    """A database with every migration applied, copied for each test (much faster than migrating each)."""
    if "template" not in _state:
        from newsdesk.store import Store

        name = f"newsdesk_test_template_{os.getpid()}"
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        Store(f"{SERVER}/{name}").close()
        _state["template"] = name
        atexit.register(_drop, name)
    return _state["template"]  # type: ignore[return-value]


def create(*, drop_at_exit: bool = False) -> str:
    """A new, migrated, empty database; returns its URL. ``drop_at_exit``: for a database a whole
    module shares, dropped when the test session ends."""
    require()
    name = f"newsdesk_test_{os.getpid()}_{next(_names)}"
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_template()}"')
    if drop_at_exit:
        atexit.register(_drop, name)
    return f"{SERVER}/{name}"


def copy_of(sqlite_path, *, drop_at_exit: bool = True) -> str:
    """A new database holding a copy of a SQLite store (``newsdesk db copy``'s own code); returns its URL."""
    from newsdesk.store import Store
    from newsdesk.store.copy import copy_store

    url = create(drop_at_exit=drop_at_exit)
    with Store(sqlite_path) as source, Store(url) as target:
        copy_store(source, target)
    return url


def _drop(name: str) -> None:
    try:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception:  # noqa: BLE001 - the server may be gone at exit; nothing left to do
        pass


def drop(url: str) -> None:
    _drop(url.rsplit("/", 1)[-1])


@contextmanager
def empty_database() -> Iterator[str]:
    """A new database with no tables at all (as ``createdb`` makes it), dropped afterwards."""
    require()
    name = f"newsdesk_test_{os.getpid()}_{next(_names)}_empty"
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{SERVER}/{name}"
    finally:
        _drop(name)


@contextmanager
def database() -> Iterator[str]:
    """A fresh database for one test, dropped afterwards (connections left open are ended)."""
    url = create()
    try:
        yield url
    finally:
        drop(url)
