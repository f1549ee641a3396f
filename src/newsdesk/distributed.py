"""Per-article work on a Dask cluster: ``--dask ADDRESS``, setting ``dask_scheduler``.

When a scheduler is set, the pure per-article work of ``ingest``, ``cluster``, ``facts``,
``brief`` and ``digest`` runs on that cluster's workers instead of in this process or
its local pool:

    file extraction   bytes of one file → its articles or failures   (sources.files.parse_file)
    embeddings        a chunk of articles' title and lead → vectors   (embed.Embedder)
    dedupe signatures a chunk of articles' texts → MinHash signatures (dedupe.minhash)
    facts             a batch of article bodies → their facts          (facts.facts_task)

This module knows no stage that calls it: the facts stage hands :func:`map_ordered` its
own task (``newsdesk.facts.facts_task``), so the two never import each other. Each task
is a function of its input alone: it never touches the store, and it is sent the data it
needs (this process reads the files, so the workers need no access to them).
This process — the one coordinator — submits the tasks with ``retries`` and takes their
results back *in submission order* (:func:`map_ordered`), then writes them to the store
itself, keyed by article id (an article by its id, URL and hash; vectors, signatures and
facts by article id and version). A task whose worker dies is run again on another
worker by the Dask scheduler, a task that raises is retried ``RETRIES`` times, and only
the one result the coordinator takes from a task's future is written: a retried task is
never stored twice, and results are the same as a local run's, in the same order.

Models load once per worker process: the spaCy pipeline through ``facts.nlp.load_pipeline``
(cached), the embedder through :func:`_embedder` (cached per setting values).

What stays here, in one ordered consumer: story clustering. Each article is compared
with the stories as they stand after every earlier article (its IDF, the recent members,
the dormant stories, the near-duplicate index and the merges all change with each
article), so the assignment of article *n* depends on all those before it; splitting
the stream would give different stories on different runs. Only its inputs (vectors and
signatures) are computed on the cluster. Fetching URLs and feeds also stays here: it is
network-bound and keeps one request at a time per host.
"""

from __future__ import annotations

import atexit
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import PurePath
from typing import Any

CONNECT_TIMEOUT = 10.0  # seconds to reach the scheduler, and to wait for a first worker
RETRIES = 3  # times a task that raised is run again before its error is the run's
PER_WORKER = 4  # tasks in flight per worker thread: enough to keep workers busy, bounded memory

_clients: dict[str, Any] = {}


class DaskError(RuntimeError):
    """The Dask cluster cannot do the work; the message names the scheduler and the reason."""


def connect(address: str):
    """A client of the scheduler at ``address`` (one per address and process), with a worker."""
    client = _clients.get(address)
    if client is not None and client.status == "running":
        return client
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise DaskError(f"the Dask scheduler {address} is set but the 'distributed' package is not installed ({exc})") from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except Exception as exc:  # noqa: BLE001  (OSError, TimeoutError, ValueError for a bad address)
        raise DaskError(
            f"cannot reach the Dask scheduler at {address} (setting dask_scheduler) within {CONNECT_TIMEOUT:g} s: {_reason(exc)}"
        ) from None
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except Exception:  # noqa: BLE001
        client.close()
        raise DaskError(
            f"the Dask scheduler at {address} has no workers (none joined within {CONNECT_TIMEOUT:g} s); "
            f"start some with: dask worker {address}"
        ) from None
    _clients[address] = client
    return client


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@atexit.register
def close_all() -> None:
    """Close every client this process opened (the workers and scheduler keep running)."""
    while _clients:
        _, client = _clients.popitem()
        try:
            client.close(timeout=CONNECT_TIMEOUT)
        except Exception:  # noqa: BLE001  (closing at exit: nothing more to do)
            pass


def map_ordered(address: str, func: Callable, jobs: Iterable[tuple]) -> Iterator[Any]:
    """``func(*job)`` for every job, run on the cluster; results yielded in the jobs' order.

    At most ``PER_WORKER`` tasks per worker thread are in flight, so a long input is never
    all in memory. A task that raises is retried (``RETRIES``); a task whose worker dies is
    rescheduled by Dask; when a task still fails, its error is raised here.
    """
    from distributed import KilledWorker

    client = connect(address)
    threads = sum(w.get("nthreads", 1) for w in client.scheduler_info(n_workers=-1)["workers"].values())
    window = max(2, PER_WORKER * threads)
    run = uuid.uuid4().hex[:12]
    numbered = enumerate(jobs)

    def submit(number: int, job: tuple):
        return client.submit(func, *job, retries=RETRIES, pure=False, key=f"newsdesk-{func.__name__}-{run}-{number}")

    pending = deque(submit(n, job) for n, job in islice(numbered, window))
    while pending:
        future = pending.popleft()
        try:
            result = future.result()
        except KilledWorker as exc:
            raise DaskError(f"the Dask workers of {address} kept dying while running {func.__name__}: {_reason(exc)}") from None
        finally:
            future.release()
        for n, job in islice(numbered, 1):
            pending.append(submit(n, job))
        yield result


# -- the tasks (run on workers) ------------------------------------------------------


def extract_file(name: str, data: bytes, source: str | None, csv_map: dict[str, str] | None) -> tuple[list, tuple[str, str] | None]:
    """The articles and failures of one file's bytes, and whether it turned out to hold no
    article (NoArticles' stage and reason): what ``read_path`` yields and raises, as a value."""
    from newsdesk.sources.files import NoArticles, parse_file

    items: list = []
    try:
        for item in parse_file(PurePath(name), data, source=source, csv_map=csv_map):
            items.append(item)
    except NoArticles as exc:
        return items, (exc.stage, exc.reason)
    except Exception as exc:  # noqa: BLE001  (as pipeline._isolated: the items so far are kept)
        from newsdesk.models import Failure

        failure = Failure.from_exception(name, "read", exc)
        if items:
            failure.reason += f" (after {len(items)} record{'s' * (len(items) != 1)})"
        items.append((name, failure))
    return items, None


@dataclass(frozen=True, slots=True)
class EmbedSpec:
    """What a worker needs to build the same embedder as the coordinator."""

    backend: str
    precision: str
    threads: int | None
    max_tokens: int
    batch_size: int
    cache_dir: str | None

    @classmethod
    def from_settings(cls, settings) -> "EmbedSpec":
        return cls(settings.embed_backend, settings.embed_precision, settings.embed_threads,
                   settings.embed_max_tokens, settings.embed_batch_size, settings.model_cache_dir)


_embedders: dict[EmbedSpec, Any] = {}  # per worker process: the model loads once


def _embedder(spec: EmbedSpec):
    if spec not in _embedders:
        from pathlib import Path

        import platformdirs

        from newsdesk.embed import Embedder

        _embedders[spec] = Embedder(
            backend=spec.backend, precision=spec.precision, threads=spec.threads, max_tokens=spec.max_tokens,
            batch_size=spec.batch_size, cache_dir=Path(spec.cache_dir or Path(platformdirs.user_cache_dir("newsdesk")) / "models"),
        )
    return _embedders[spec]


def embed_chunk(spec: EmbedSpec, texts: list[str]) -> tuple[str, list[bytes]]:
    """The model version and the float32 vectors of one chunk of texts."""
    import numpy as np

    embedder = _embedder(spec)
    vectors = embedder.encode(texts)
    return embedder.model_version, [np.asarray(v, dtype=np.float32).tobytes() for v in vectors]


def sign_chunk(texts: list[str]) -> list[bytes | None]:
    """MinHash signatures of one chunk of article bodies (None for an empty body)."""
    from newsdesk.dedupe import minhash, signature_bytes

    return [signature_bytes(minhash(text)) if text else None for text in texts]
