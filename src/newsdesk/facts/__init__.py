"""Facts per article: sentences, entities with roles, quotes with speakers, quantities, times, statements.

:func:`article_facts` reads one parsed article; :class:`FactsStage` runs it over
the articles of a store that have no facts yet (in worker processes when there are
many: spaCy parsing is the cost, and it runs on one core per process) and stores
the result as JSON. Facts are never recomputed unless the rules change, which
:data:`FACTS_VERSION` records.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Callable, Iterable
from datetime import datetime

from ..models import Article
from .entities import extract_mentions
from .model import ArticleFacts
from .nlp import MODEL_VERSION, FactsError, leading_part, load_pipeline, split_sentences
from .quantities import extract_quantities
from .quotes import extract_quotes
from .statements import extract_statements
from .times import extract_times

__all__ = ["ArticleFacts", "FACTS_MAX_CHARS", "FACTS_VERSION", "FactsError", "FactsStage", "article_facts", "extract_texts"]

# bump the rules part whenever extraction changes what it stores
FACTS_VERSION = f"{MODEL_VERSION}/rules-8"

# below this many articles, parse in this process: starting workers costs more
PARALLEL_FROM = 24

# Facts are read from at most this many characters of an article's body: its start, cut at a
# paragraph (see nlp.leading_part). spaCy refuses a text over 1,000,000 characters (E088), and
# what the stages after parsing do grows faster than the text (statements and mentions today
# take ~20 s at 100,000 characters and ~135 s at 200,000; reconciliation and the writer compare
# every statement), so a longer "article" (a live blog, a report pasted whole) would hold up a
# cycle for hours. The longest article of the evaluation corpora has 16,584 characters; a long
# feature has 60,000-100,000. The whole body stays stored, searchable and shown; only its facts
# (and so what a brief can cite) stop here.
FACTS_MAX_CHARS = 100_000


def article_facts(article_id: str, doc, published: datetime | None) -> ArticleFacts:
    """Everything the facts stage finds in one parsed article body."""
    sentences = split_sentences(doc)
    return ArticleFacts(
        article_id=article_id,
        sentences=sentences,
        mentions=extract_mentions(doc, sentences),
        quotes=extract_quotes(doc, sentences),
        quantities=extract_quantities(doc, sentences),
        times=extract_times(doc, sentences, published),
        statements=extract_statements(doc, sentences),
    )


Job = tuple[str, str, str | None]  # article id, body, published (ISO)


def _extract_batch(jobs: list[Job]) -> list[dict]:
    nlp = load_pipeline()
    docs = nlp.pipe([leading_part(text, FACTS_MAX_CHARS) for _, text, _ in jobs], batch_size=16)
    out = []
    for (article_id, _, published), doc in zip(jobs, docs):
        when = datetime.fromisoformat(published) if published else None
        out.append(article_facts(article_id, doc, when).as_dict())
    return out


def _chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def extract_texts(
    jobs: list[Job],
    *,
    processes: int = 1,
    progress: Callable[[int], None] | None = None,
    scheduler: str | None = None,
):
    """Facts (as dicts) for ``jobs``, yielded in batches as they complete, in input order.

    With a Dask ``scheduler``, the batches are parsed on its workers (newsdesk.distributed).
    """
    batches = list(_chunks(jobs, 16))
    if scheduler:
        yield from _extract_on_cluster(scheduler, batches, progress)
        return
    if processes <= 1 or len(jobs) < PARALLEL_FROM:
        load_pipeline()  # raise FactsError before any work
        for batch in batches:
            result = _extract_batch(batch)
            if progress:
                progress(len(batch))
            yield result
        return
    context = multiprocessing.get_context("spawn")  # the parent may hold threads (onnxruntime)
    with context.Pool(processes, initializer=load_pipeline) as pool:
        for result in pool.imap(_extract_batch, batches):
            if progress:
                progress(len(result))
            yield result


def facts_task(jobs: list[Job]) -> tuple[str, list[dict]]:
    """A Dask task (run on a worker): the facts version of the worker's code and the facts of one batch."""
    return FACTS_VERSION, _extract_batch(jobs)


def _extract_on_cluster(scheduler: str, batches: list[list[Job]], progress: Callable[[int], None] | None):
    from newsdesk import distributed

    for version, result in distributed.map_ordered(scheduler, facts_task, ((b,) for b in batches)):
        if version != FACTS_VERSION:
            raise distributed.DaskError(
                f"the Dask workers of {scheduler} read facts with {version}, this process with {FACTS_VERSION}: "
                "run the same newsdesk on the workers"
            )
        if progress:
            progress(len(result))
        yield result


class FactsStage:
    """Extract and store the facts of every article that has none yet."""

    def __init__(self, store, *, processes: int | None = None, scheduler: str | None = None) -> None:
        self.store = store
        self.processes = processes if processes is not None else min(2, os.cpu_count() or 1)
        self.scheduler = scheduler  # a Dask scheduler's address: parse on its workers

    @classmethod
    def for_settings(cls, store, settings) -> "FactsStage":
        """The stage as the settings ask: local worker processes, or a Dask cluster."""
        return cls(store, processes=settings.facts_processes, scheduler=settings.dask_scheduler)

    def pending(self, article_ids: list[str] | None = None) -> list[Article]:
        return self.store.articles_without_facts(FACTS_VERSION, article_ids)

    def run(
        self,
        article_ids: list[str] | None = None,
        *,
        on_total: Callable[[int], None] | None = None,
        on_step: Callable[[int], None] | None = None,
    ) -> int:
        """Extract facts for the pending articles (of ``article_ids`` when given); returns how many."""
        articles = self.pending(article_ids)
        if not articles:
            return 0
        jobs = [(a.id, a.text, a.published.isoformat() if a.published else None) for a in articles]
        if on_total:
            on_total(len(jobs))
        for batch in extract_texts(jobs, processes=self.processes, progress=on_step, scheduler=self.scheduler):
            self.store.save_facts(FACTS_VERSION, {f["article_id"]: json.dumps(f, ensure_ascii=False) for f in batch})
        return len(jobs)

    def load(self, article_ids: list[str]) -> dict[str, ArticleFacts]:
        """Stored facts of ``article_ids`` (extracting what is missing first)."""
        self.run(article_ids)
        stored = self.store.facts(article_ids, FACTS_VERSION)
        return {aid: ArticleFacts.from_dict(json.loads(blob)) for aid, blob in stored.items()}
