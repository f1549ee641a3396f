"""The story stage: embed → dedupe → cluster every article not yet in a story, in time order.

State held in memory is bounded by time (recent signatures for near-duplicates,
active stories and their recent members), and rebuilt from the store at the
start of each run, so a run costs the same per article however large the store.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np

from newsdesk.cluster import HEADLINE_WORDS, ClusterParams, Item, Lexicon, StoryIndex, StoryState, term_counts
from newsdesk.dedupe import Deduper, OriginLink, from_signature, minhash, signature_bytes
from newsdesk.models import Article
from newsdesk.settings import Settings
from newsdesk.store import Store

Hook = Callable[[int], None]
REWRITE_CANDIDATES = 5  # closest recent articles of the story checked for a rewrite
REWRITE_MIN_SIMILARITY = 0.5  # embedding similarity below which two articles cannot be one report
REWRITE_STORIES = 3  # stories (nearest centroids) searched for the report an unmatched article retells


@dataclass(slots=True)
class ClusterReport:
    articles: int = 0
    new_stories: int = 0
    merged: list[tuple[int, int]] = field(default_factory=list)
    levels: Counter = field(default_factory=Counter)


def make_embedder(settings: Settings):
    """The sentence embedder the settings ask for (loaded from the installed model package)."""
    from pathlib import Path

    import platformdirs

    from newsdesk.embed import Embedder

    cache = Path(settings.model_cache_dir or Path(platformdirs.user_cache_dir("newsdesk")) / "models")
    return Embedder(
        backend=settings.embed_backend,
        precision=settings.embed_precision,
        threads=settings.embed_threads,
        max_tokens=settings.embed_max_tokens,
        batch_size=settings.embed_batch_size,
        cache_dir=cache,
    )


def when_of(article: Article) -> datetime:
    return article.published or article.fetched or datetime.now(timezone.utc)


def embed_text(article: Article) -> str:
    return f"{article.title}\n{article.text}" if article.text else article.title


def is_headline_only(article: Article) -> bool:
    return len(article.text.split()) < HEADLINE_WORDS


def ensure_vectors(store: Store, embedder, articles: list[Article], on_step: Hook | None = None) -> dict[str, np.ndarray]:
    """Vectors for the articles: stored ones are reused, missing ones computed once and stored."""
    stored = store.vectors([a.id for a in articles], embedder.model_version)
    missing = [a for a in articles if a.id not in stored]
    batch = max(1, embedder.batch_size * 4)
    for start in range(0, len(missing), batch):
        chunk = missing[start : start + batch]
        vectors = embedder.encode([embed_text(a) for a in chunk])
        blobs = {a.id: v.astype(np.float32).tobytes() for a, v in zip(chunk, vectors)}
        store.save_vectors(embedder.model_version, blobs)
        stored.update(blobs)
        if on_step:
            on_step(len(chunk))
    return {aid: np.frombuffer(blob, dtype=np.float32) for aid, blob in stored.items()}


def remote_derivations(settings: Settings, store: Store, embedder, articles: list[Article], on_step: Hook | None = None):
    """As :func:`ensure_vectors`, with the missing vectors (in the same chunks, so the same values)
    and every article's MinHash signature computed on the Dask cluster's workers."""
    from newsdesk import distributed

    address = settings.dask_scheduler
    stored = store.vectors([a.id for a in articles], embedder.model_version)
    missing = [a for a in articles if a.id not in stored]
    size = max(1, embedder.batch_size * 4)
    chunks = [missing[start : start + size] for start in range(0, len(missing), size)]
    spec = distributed.EmbedSpec.from_settings(settings)
    jobs = ((spec, [embed_text(a) for a in chunk]) for chunk in chunks)
    for chunk, (version, blobs) in zip(chunks, distributed.map_ordered(address, distributed.embed_chunk, jobs)):
        _same_model(address, version, embedder)
        vectors = dict(zip((a.id for a in chunk), blobs))
        store.save_vectors(embedder.model_version, vectors)
        stored.update(vectors)
        if on_step:
            on_step(len(chunk))
    texts = [a.text for a in articles]
    signatures: dict[str, bytes | None] = {}
    jobs = ((texts[start : start + size],) for start in range(0, len(texts), size))
    for start, result in zip(range(0, len(texts), size), distributed.map_ordered(address, distributed.sign_chunk, jobs)):
        signatures.update(zip((a.id for a in articles[start : start + size]), result))
    return {aid: np.frombuffer(blob, dtype=np.float32) for aid, blob in stored.items()}, signatures


def _same_model(address: str, version: str, embedder) -> None:
    """The Dask workers must embed as this process does, or their vectors mean something else."""
    if version != embedder.model_version:
        from newsdesk.distributed import DaskError

        raise DaskError(f"the Dask workers of {address} embed with {version}, this process with "
                        f"{embedder.model_version}: install the same model and settings on the workers")


class StoryDesk:
    """Runs the story stage against one store."""

    def __init__(self, store: Store, settings: Settings, embedder):
        self.store = store
        self.settings = settings
        self.embedder = embedder
        self.params = ClusterParams.from_settings(settings)
        self.deduper = Deduper(
            near_threshold=settings.dedupe_near_threshold, rewrite_threshold=settings.dedupe_rewrite_threshold
        )
        df, documents = store.load_lexicon()
        self.lexicon = Lexicon(Counter(df), documents)
        self.index = StoryIndex(self.params, self.lexicon)
        self._pending_df: Counter = Counter()
        self._pending_docs = 0
        self._horizon = self.params.quiet_period * 4
        self._articles: dict[str, Article] = {}

    # -- state from the store ------------------------------------------------

    def _load(self, start: datetime) -> None:
        since = start - timedelta(days=self.settings.dedupe_horizon_days)
        for article, origin, signature in self.store.recent_signatures(since):
            self.deduper.remember(article, origin, from_signature(signature))
        for row in self.store.active_stories(start - self._horizon):
            members = self.store.story_members(row["id"], limit=self.params.members_compared)
            vectors = self.store.vectors([m.id for m in members], self.embedder.model_version)
            state = StoryState(
                id=row["id"],
                first_seen=row["first_seen"],
                last_seen=row["last_seen"],
                centroid=np.frombuffer(row["centroid"], dtype=np.float32).copy(),
            )
            for m in members:
                if m.id in vectors:
                    item = self._item(m, np.frombuffer(vectors[m.id], dtype=np.float32))
                    item.weights = self.lexicon.weigh(item.terms)  # what a member that joined in this run has
                    state.push(item, self.params.members_compared)
                    self._articles[m.id] = m
            if state.recent:
                self.index.stories[state.id] = state

    def _item(self, article: Article, vector: np.ndarray) -> Item:
        return Item(article.id, vector, term_counts(article.title, article.text), when_of(article), is_headline_only(article))

    # -- the run ------------------------------------------------------------------

    def run(self, *, on_total: Hook = lambda n: None, on_step: Hook = lambda n: None) -> ClusterReport:
        self.refresh_revised()
        articles = self.store.unclustered_articles()
        report = ClusterReport()
        if not articles:
            return report
        on_total(len(articles) * 2)
        signatures: dict[str, bytes | None] = {}
        if self.settings.dask_scheduler:
            vectors, signatures = remote_derivations(self.settings, self.store, self.embedder, articles, on_step)
        else:
            vectors = ensure_vectors(self.store, self.embedder, articles, on_step)
        self._load(when_of(articles[0]))
        every = max(1, self.settings.cluster_merge_every)
        for start in range(0, len(articles), every):
            chunk = articles[start : start + every]
            # one commit per chunk: a crash loses no article, only the chunk's assignments, made again next run
            with self.store.batch():
                for article in chunk:
                    self._assign(article, vectors[article.id], report, signatures.get(article.id))
                    on_step(1)
                self._merge(report)
                self._flush_lexicon()
            self.index.forget_before(when_of(chunk[-1]), self._horizon)
            self._forget_articles()
        return report

    def refresh_revised(self) -> int:
        """Vector and MinHash signature again for stored articles whose text a new version replaced
        (they stay in their story), on the Dask cluster's workers when one is set; returns how many."""
        revised = self.store.revised_without_derivations()
        if not revised:
            return 0
        texts = [embed_text(a) for a in revised]
        if self.settings.dask_scheduler:
            from newsdesk import distributed

            address = self.settings.dask_scheduler
            spec = distributed.EmbedSpec.from_settings(self.settings)
            ((version, vectors),) = distributed.map_ordered(address, distributed.embed_chunk, [(spec, texts)])
            _same_model(address, version, self.embedder)
            (signatures,) = distributed.map_ordered(address, distributed.sign_chunk, [([a.text for a in revised],)])
        else:
            vectors = [np.asarray(v, dtype=np.float32).tobytes() for v in self.embedder.encode(texts)]
            signatures = [_sig(minhash(a.text)) if a.text else None for a in revised]
        for article, vector, signature in zip(revised, vectors, signatures):
            self.store.save_revised_derivations(article.id, self.embedder.model_version, vector, signature)
        return len(revised)

    def _assign(self, article: Article, vector: np.ndarray, report: ClusterReport, signature_data: bytes | None = None) -> None:
        if signature_data is not None:  # computed on a Dask worker
            signature = from_signature(signature_data)
        else:
            signature = minhash(article.text) if article.text else None
        link = self.deduper.classify(article, signature)
        if link.level == "original" and not article.text:
            # a headline with nothing else: the same headline earlier is an exact copy
            earlier = self.store.first_clustered_with_hash(article.content_hash or "")
            if earlier:
                link = OriginLink(article.id, "exact", earlier, self.store.origin_of(earlier) or earlier, 1.0, "same headline")
        item = self._item(article, vector)
        story: StoryState | None = None
        score: float | None = None
        if link.level in ("exact", "near", "syndicated"):
            story = self.index.stories.get(self.store.story_of(link.of_article) or -1)
            if story is not None and item.headline_only and item.when - story.last_seen > self.params.headline_window:
                story = None  # the same words a long while later: a headline alone cannot say it is the same event
        if story is None:
            match = self.index.match(item)
            story, score = match.story, match.score
        if link.level == "original" and article.text:
            candidates = [story] if story is not None else self.index.nearest(item, REWRITE_STORIES)
            close = [a for s in candidates for a in self._close_members(s, item)]
            link = self.deduper.story_link(article, close) or link
            if story is None and link.level != "original":
                # a rewrite or syndicated copy belongs to the story of the report it retells
                story = self.index.stories.get(self.store.story_of(link.of_article or "") or -1)
        when = item.when
        if story is None:
            story_id = self.store.assign(
                article, origin=link, minhash=_sig(signature), story_id=None, score=None, when=when,
                centroid=vector.astype(np.float32).tobytes(),
            )
            state = StoryState(story_id, when, when, centroid=np.zeros_like(vector))
            self.index.add(state, item)
            report.new_stories += 1
        else:
            self.index.add(story, item)
            self.store.assign(
                article, origin=link, minhash=_sig(signature), story_id=story.id, score=score, when=when,
                centroid=story.centroid.astype(np.float32).tobytes(),
            )
        self.deduper.remember(article, link.origin, signature)
        self._articles[article.id] = article
        self.lexicon.add(item.terms)
        self._pending_df.update(item.terms.keys())
        self._pending_docs += 1
        report.articles += 1
        report.levels[link.level] += 1

    def _forget_articles(self) -> None:
        """Keep in memory only the articles of the stories still in memory."""
        keep = {m.article_id for story in self.index.stories.values() for m in story.recent}
        self._articles = {aid: a for aid, a in self._articles.items() if aid in keep}

    def _close_members(self, story: StoryState, item: Item) -> list[Article]:
        """The story's recent articles closest to the item: where a rewrite or copy would be."""
        sims = story.embeddings() @ item.vector
        close = [story.recent[int(i)] for i in np.argsort(-sims)[:REWRITE_CANDIDATES] if sims[int(i)] >= REWRITE_MIN_SIMILARITY]
        return [self._articles[m.article_id] for m in close if m.article_id in self._articles]

    def _merge(self, report: ClusterReport) -> None:
        for keep, gone, _margin in self.index.merge_pass():
            story = self.index.stories.get(keep)
            centroid = story.centroid if story is not None else np.zeros(self.embedder.dim, dtype=np.float32)
            self.store.merge_stories(keep, gone, centroid.astype(np.float32).tobytes())
            report.merged.append((keep, gone))

    def _flush_lexicon(self) -> None:
        if self._pending_docs:
            self.store.add_to_lexicon(dict(self._pending_df), self._pending_docs)
            self._pending_df = Counter()
            self._pending_docs = 0


def _sig(signature) -> bytes | None:
    return signature_bytes(signature) if signature is not None else None

