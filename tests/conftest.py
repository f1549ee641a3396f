"""Shared fixtures: a fresh store, settings that ignore the user's environment, the CLI, corpora paths."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))  # tests/httpserver.py

import pgsupport  # noqa: E402
from httpserver import http_server  # noqa: E402,F401  (fixture)
from chatserver import chat_server  # noqa: E402,F401  (fixture)

from newsdesk.cli import app  # noqa: E402
from newsdesk.settings import load_settings  # noqa: E402
from newsdesk.store import Store  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"
DATA = SHARED / "data"
EXAMPLES = REPO / "examples"


def need(path: Path) -> Path:
    """Skip the test, naming the folder, when a shared corpus is not beside the repository."""
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared corpora live in ../shared beside the repository")
    return path


@pytest.fixture
def seeds() -> Path:
    return need(SEEDS)


# the store, pipeline and web tests: each runs on SQLite and on PostgreSQL (see pgsupport)
BOTH_BACKENDS = {"test_store", "test_revisions", "test_auth", "test_ingest", "test_stories", "test_feeds",
                 "test_scheduler", "test_web", "test_newsroom", "test_web_hostile"}


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "sqlite_only: a test of SQLite itself (its file, pragmas, FTS5 tables)")


def pytest_generate_tests(metafunc) -> None:
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if ("backend" in metafunc.fixturenames and module in BOTH_BACKENDS
            and not metafunc.definition.get_closest_marker("sqlite_only")):
        metafunc.parametrize("backend", ["sqlite", "postgres"], indirect=True, scope="module")


@pytest.fixture(scope="module")
def backend(request) -> str:
    """The store's database: "sqlite", or "postgres" for the modules in BOTH_BACKENDS (parametrised)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def db_path(tmp_path: Path, backend: str):
    """Where the test's store is: a SQLite file in a temp dir, or the URL of a fresh PostgreSQL database."""
    if backend == "sqlite":
        yield tmp_path / "store.db"
        return
    with pgsupport.database() as url:
        yield url


@pytest.fixture
def store(db_path: Path):
    with Store(db_path) as s:
        yield s


@pytest.fixture
def settings(db_path: Path):
    """Settings as a fresh install has them, with no politeness delay."""
    return load_settings(env={}, db=str(db_path), fetch_host_delay=0, fetch_timeout=5)


@pytest.fixture
def cli(db_path: Path, tmp_path: Path, monkeypatch):
    """Run the newsdesk command in-process against a fresh store; returns the result."""
    for name in list(__import__("os").environ):
        if name.startswith("NEWSDESK_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NEWSDESK_CONFIG", str(tmp_path / "no-settings.toml"))
    (tmp_path / "no-settings.toml").write_text("fetch_host_delay = 0\nfetch_timeout = 5\n")
    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None):
        return runner.invoke(app, ["--db", str(db_path), *args], env=env, catch_exceptions=False)

    return run
