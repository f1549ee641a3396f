"""Issue 14's acceptance, in small: hostile files from tests/fuzzcorpus.py go through `newsdesk
ingest` in calls of ten beside a good file. Every call exits 0 without a traceback, every good
article is stored, and nothing from outside an ingested folder reaches the store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fuzzcorpus import corpus, good_file, write_links
from typer.testing import CliRunner

from newsdesk.cli import app
from newsdesk.store import Store

BATCH = 10
NEWSDESK = str(Path(sys.executable).parent / "newsdesk")  # the installed command, as a user runs it


def _write_batches(folder: Path, count: int, seed: int) -> list[list[Path]]:
    files = []
    for name, data in corpus(count, seed):
        path = folder / name
        path.write_bytes(data)
        files.append(path)
    return [files[i : i + BATCH] for i in range(0, len(files), BATCH)]


def _stored_ids(db: Path) -> set[str]:
    with Store(db) as store:
        return {a.id for a in store.list_articles()}


@pytest.fixture
def isolated_env(tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.startswith("NEWSDESK_"):
            monkeypatch.delenv(name)
    config = tmp_path / "settings.toml"
    config.write_text("")
    monkeypatch.setenv("NEWSDESK_CONFIG", str(config))
    return {**os.environ, "NEWSDESK_CONFIG": str(config)}


def test_300_hostile_files_in_calls_of_ten_lose_no_good_article(tmp_path, isolated_env):
    hostile = tmp_path / "hostile"
    hostile.mkdir()
    batches = _write_batches(hostile, 300, seed=14)
    db = tmp_path / "fuzz.db"
    runner = CliRunner()
    good: set[str] = set()
    failures = exits = 0
    started = time.monotonic()
    for number, batch in enumerate(batches):
        path, ids = good_file(tmp_path, number)
        good |= ids
        result = runner.invoke(app, ["--db", str(db), "ingest", *map(str, batch), str(path), "--json"])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"batch {number} ({', '.join(p.name for p in batch)}) raised {result.exception!r}")
        assert "Traceback" not in result.output
        exits += result.exit_code != 0
        failures += len(json.loads(result.stdout)["failures"])
    assert exits == 0
    assert good <= _stored_ids(db), f"lost good articles: {sorted(good - _stored_ids(db))[:10]}"
    assert failures >= len(batches)  # the corpus is hostile: most files hold a failing record
    assert time.monotonic() - started < 150


def test_a_folder_with_links_out_of_it_stores_nothing_from_outside(tmp_path, isolated_env):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, data in corpus(20, seed=7):
        (folder / name).write_bytes(data)
    secret = tmp_path / "outside-secret.txt"
    secret.write_text("Outside headline\n\nThis file is beside the folder and must never be stored.\n")
    links = write_links(folder, secret)
    good, ids = good_file(tmp_path, 0)
    db = tmp_path / "links.db"
    result = CliRunner().invoke(app, ["--db", str(db), "ingest", str(folder), str(good), "--json"])
    assert result.exit_code == 0 and result.exception is None or isinstance(result.exception, SystemExit)
    report = json.loads(result.stdout)
    refused = {f["input"] for f in report["failures"] if "outside the folder" in f["reason"]}
    assert {str(links[0]), str(links[1])} <= refused
    with Store(db) as store:
        articles = store.list_articles()
    assert ids <= {a.id for a in articles}
    assert not any("root:" in a.text or "Outside headline" in a.title or "beside the folder" in a.text for a in articles)


@pytest.mark.slow
def test_1000_hostile_files_through_the_real_command_line(tmp_path, isolated_env):
    """As the acceptance run does it: separate `newsdesk` processes, each with a time limit."""
    hostile = tmp_path / "hostile"
    hostile.mkdir()
    batches = _write_batches(hostile, 1000, seed=1414)
    db = tmp_path / "fuzz.db"
    good: set[str] = set()
    for number, batch in enumerate(batches):
        path, ids = good_file(tmp_path, number)
        good |= ids
        proc = subprocess.run([NEWSDESK, "--db", str(db), "ingest", *map(str, batch), str(path)],
                              capture_output=True, text=True, timeout=120, env=isolated_env)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, (number, proc.stderr[-2000:])
    assert good <= _stored_ids(db)
