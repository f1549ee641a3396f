"""Per-article work on a real Dask cluster: a scheduler and two workers started here on 127.0.0.1.

What a user sees: the digest of the example corpus is the same with ``--dask`` as without it,
a worker that dies mid-task costs nothing (the task runs again, nothing is stored twice), and an
unreachable scheduler is a clear error naming its address, not a hang.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from newsdesk import distributed, pipeline
from newsdesk.dask_local import LocalCluster, free_port
from newsdesk.facts import FACTS_VERSION, FactsStage
from newsdesk.settings import load_settings
from newsdesk.store import Store

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
ECBPLUS = REPO.parent / "shared" / "data" / "ecbplus" / "dev.jsonl"


def _env() -> dict[str, str]:
    """The environment of a newsdesk command run here: this checkout's newsdesk first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    started = LocalCluster(2, tmp_path_factory.mktemp("dask"), paths=(REPO / "src", REPO / "tests"))
    yield started
    started.stop()
    distributed.close_all()


def _digest(tmp: Path, env_extra: dict[str, str]) -> dict:
    env = _env() | {"NEWSDESK_CONFIG": str(tmp / "none.toml"), "NEWSDESK_DB": str(tmp / f"{len(env_extra)}.db")} | env_extra
    (tmp / "none.toml").write_text("")
    done = subprocess.run(
        [sys.executable, "-m", "newsdesk", "digest", "examples/corpus.jsonl", "examples/articles", "examples/feed.xml", "--json"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _what_readers_see(digest: dict) -> list:
    """Stories, articles per story, origins, Quick Take lines (with what they cite) and differences."""
    return [
        {
            "headline": s["headline"],
            "articles": sorted(a["id"] for a in s["articles"]),
            "origins": sorted(sorted(o["articles"]) for o in s["origins"]),
            "quick_take": [(q["text"], q["status"], sorted(q["citations"])) for q in s["quick_take"]],
            "differences": [(d["text"], d["kind"], [(side["value"], sorted(side["articles"])) for side in d["sides"]])
                            for d in s["differences"]],
        }
        for s in digest["stories"]
    ]


@pytest.mark.slow
def test_digest_on_two_dask_workers_equals_the_local_digest(cluster, tmp_path):
    local = _digest(tmp_path, {})
    remote = _digest(tmp_path, {"NEWSDESK_DASK_SCHEDULER": cluster.address})
    assert remote["articles"] == local["articles"] == 45
    assert len(local["stories"]) == 8
    assert _what_readers_see(remote) == _what_readers_see(local)


def _die_once(marker: str, value: int) -> int:
    """A task that kills its worker process the first time it runs (marker file absent)."""
    if value == 3 and not os.path.exists(marker):
        Path(marker).write_text("died")
        os._exit(1)
    return value * value


@pytest.mark.slow
def test_a_task_whose_worker_dies_runs_again_and_gives_its_result_once(cluster, tmp_path):
    marker = str(tmp_path / "died")
    results = list(distributed.map_ordered(cluster.address, _die_once, ((marker, n) for n in range(8))))
    assert os.path.exists(marker), "the worker never died: the test proved nothing"
    assert results == [n * n for n in range(8)]


def test_a_revised_article_gets_the_same_vector_and_signature_from_the_workers(cluster, tmp_path, monkeypatch):
    """A new version of a stored article is embedded and signed again on the workers, as a local run would."""
    import newsdesk.stories
    from newsdesk.models import Article
    from newsdesk.stories import StoryDesk, make_embedder

    (tmp_path / "none.toml").write_text("")
    derived = {}
    for name, scheduler in (("local", None), ("dask", cluster.address)):
        settings = load_settings(tmp_path / "none.toml", env={}, db=str(tmp_path / f"{name}.db"),
                                 dask_scheduler=scheduler, model_cache_dir=str(tmp_path / "models"))
        embedder = make_embedder(settings)
        if scheduler:  # nothing is embedded or signed in this process
            monkeypatch.setattr(embedder, "encode", lambda texts: pytest.fail("embedded in this process"))
            monkeypatch.setattr(newsdesk.stories, "minhash", lambda text: pytest.fail("signed in this process"))
        with Store(settings.db_path) as store:
            first = Article(id="r1", source="Gazette", title="Harbour bridge closes", url="https://example.org/r1",
                            text="The harbour bridge closed at noon on Monday after a crack was found in a bearing.")
            store.add_article(first)
            StoryDesk(store, settings, embedder).run()
            revised = Article(id="r1", source="Gazette", title="Harbour bridge closes for six weeks",
                              url="https://example.org/r1",
                              text="The harbour bridge will stay closed for six weeks while engineers replace a bearing.")
            assert store.add_article(revised).revised
            assert store.revised_without_derivations()
            StoryDesk(store, settings, embedder).run()
            assert not store.revised_without_derivations()
            derived[name] = (store.vectors(["r1"], embedder.model_version)["r1"],
                             store.conn.execute("SELECT minhash FROM article_origins WHERE article_id = 'r1'").fetchone()[0])
    assert derived["dask"] == derived["local"]


@pytest.mark.slow
def test_killing_a_worker_while_it_reads_facts_loses_nothing_and_stores_nothing_twice(cluster, tmp_path):
    if not ECBPLUS.exists():
        pytest.skip(f"{ECBPLUS} is absent: the shared corpora live in ../shared beside the repository")
    corpus = tmp_path / "ecb.jsonl"
    with ECBPLUS.open(encoding="utf-8") as source:
        corpus.write_text("".join(line for _, line in zip(range(160), source)), encoding="utf-8")
    (tmp_path / "none.toml").write_text("")
    settings = load_settings(tmp_path / "none.toml", env={}, db=str(tmp_path / "x.db"), dask_scheduler=cluster.address)
    store = Store(settings.db_path)
    report = pipeline.ingest([str(corpus)], store, settings)
    assert len(report.added) > 100

    written: Counter = Counter()
    save = store.save_facts

    def counting_save(model, facts):
        written.update(facts.keys())
        save(model, facts)

    store.save_facts = counting_save
    victim = next(iter(cluster.worker_pids().values()))
    killed = []

    def kill_once(_done: int) -> None:
        if not killed:
            os.kill(victim, signal.SIGKILL)  # mid-run: the other batches are queued or running
            killed.append(time.monotonic())

    done = FactsStage.for_settings(store, settings).run(on_step=kill_once)
    assert killed and done == len(report.added)
    assert set(written) == set(report.added) and set(written.values()) == {1}
    assert not store.articles_without_facts(FACTS_VERSION, None)

    # the same facts as a local run reads
    sample = sorted(report.added)[:10]
    remote = store.facts(sample, FACTS_VERSION)
    local_store = Store(tmp_path / "local.db")
    local_settings = settings.replace(db=str(tmp_path / "local.db"), dask_scheduler=None)
    pipeline.ingest([str(corpus)], local_store, local_settings)
    local = FactsStage(local_store, processes=1).load(sample)
    assert {aid: json.loads(blob) for aid, blob in remote.items()} == {aid: f.as_dict() for aid, f in local.items()}


def test_an_unreachable_scheduler_is_an_error_naming_it_not_a_hang(tmp_path):
    port = free_port()  # nothing listens there
    article = tmp_path / "a.txt"
    article.write_text("A headline\n\nA body of one sentence about a harbour.\n", encoding="utf-8")
    (tmp_path / "none.toml").write_text("")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "newsdesk", "--db", str(tmp_path / "x.db"), "--config", str(tmp_path / "none.toml"),
         "--dask", f"tcp://127.0.0.1:{port}", "ingest", str(article)],
        env=_env(), capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr
    assert time.monotonic() - started < distributed.CONNECT_TIMEOUT + 30


def test_the_scheduler_setting_comes_from_the_option_the_environment_or_the_file(tmp_path):
    config = tmp_path / "settings.toml"
    config.write_text('dask_scheduler = "tcp://10.0.0.5:8786"\n')
    assert load_settings(config, env={}).dask_scheduler == "tcp://10.0.0.5:8786"
    from_env = load_settings(config, env={"NEWSDESK_DASK_SCHEDULER": "tcp://10.0.0.6:8786"})
    assert from_env.dask_scheduler == "tcp://10.0.0.6:8786" and from_env.origins["dask_scheduler"] == "NEWSDESK_DASK_SCHEDULER"
    from_option = load_settings(config, env={"NEWSDESK_DASK_SCHEDULER": "x"}, dask_scheduler="tcp://10.0.0.7:8786")
    assert from_option.dask_scheduler == "tcp://10.0.0.7:8786" and from_option.origins["dask_scheduler"] == "--dask"
    (tmp_path / "none.toml").write_text("")
    assert load_settings(tmp_path / "none.toml", env={}).dask_scheduler is None
