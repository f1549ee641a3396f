"""Online story clustering: each article joins an existing story or starts a new one, as it arrives.

How an article is scored against a story
----------------------------------------
Each article carries three features: its sentence embedding (title and lead), its
content-word counts and its proper names (names are added to the word counts as
features of their own, ``N:name``, so shared people, places and organisations
weigh like rare words). The similarity of two articles is

    sim = w · cos(embeddings) + (1 − w) · cos(TF-IDF of words and names)

with IDF from the document frequencies seen so far. A story is scored by the
*average* similarity to its most recent members, and joined only if that average
reaches the threshold **and** no compared member is below the floor — an online
analogue of average linkage with a complete-linkage guard. This keeps similar but
different events apart (two earthquakes in one week share words and an embedding
neighbourhood, but not every member's names and details).

Headline-only articles (fewer than ``HEADLINE_WORDS`` words of body) use their own
weight and thresholds, since short texts score lower on every measure. They also
have a time *window* (``cluster_headline_window_hours``): a recent member further
than that from the new headline counts as opposite to it, so a story made mostly of
older articles is not joined, and two headline stories further apart than the window
do not merge. A headline cannot tell a follow-up from the next day's report on the
same topic (the next market close, a game's launch after its reviews); full text
can, so full-text articles have no window, only the quiet period below.

Time: a story is *active* while its last article is within ``cluster_quiet_period``
of the new one; a dormant story can be revived only by a clearly better match
(threshold + ``cluster_revive_margin``). Only active and recently dormant stories
are held in memory, so the cost per article does not grow with the store.

A periodic merge pass joins stories that converged (their centroids became close);
the older story keeps its id and the newer one records ``merged_into``. Story ids
are never renumbered.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from scipy import sparse

from newsdesk.features import STOPWORDS, names, words

HEADLINE_WORDS = 30
NAME_WEIGHT = 2  # a name counts like this many occurrences of a word
REWEIGH_GROWTH = 1.25  # the lexicon growth after which members' TF-IDF weights are recomputed


@dataclass(frozen=True, slots=True)
class ClusterParams:
    embedding_weight: float
    threshold: float
    floor: float
    closest: float
    headline_embedding_weight: float
    headline_threshold: float
    headline_floor: float
    headline_window: timedelta
    quiet_period: timedelta
    revive_margin: float
    members_compared: int
    candidates: int
    merge_threshold: float
    headline_merge_threshold: float

    @classmethod
    def from_settings(cls, s) -> "ClusterParams":
        return cls(
            embedding_weight=s.cluster_embedding_weight,
            threshold=s.cluster_threshold,
            floor=s.cluster_floor,
            closest=s.cluster_closest,
            headline_embedding_weight=s.cluster_headline_embedding_weight,
            headline_threshold=s.cluster_headline_threshold,
            headline_floor=s.cluster_headline_floor,
            headline_window=timedelta(hours=s.cluster_headline_window_hours),
            quiet_period=timedelta(hours=s.cluster_quiet_hours),
            revive_margin=s.cluster_revive_margin,
            members_compared=s.cluster_members_compared,
            candidates=s.cluster_candidates,
            merge_threshold=s.cluster_merge_threshold,
            headline_merge_threshold=s.cluster_headline_merge_threshold,
        )


def term_counts(title: str, text: str) -> Counter:
    """Content words and names of an article: the lexical side of its similarity."""
    body = f"{title}\n{text[:20000]}"
    counts = Counter(w for w in words(body) if w not in STOPWORDS and (len(w) > 2 or w[0].isdigit()))
    if NAME_WEIGHT:
        for name in names(body):
            counts["N:" + name] += NAME_WEIGHT
    return counts


class Lexicon:
    """Document frequencies of terms seen so far, for IDF weights."""

    def __init__(self, df: Counter | None = None, documents: int = 0):
        self.df = df or Counter()
        self.documents = documents

    def add(self, terms: Counter) -> None:
        self.df.update(terms.keys())
        self.documents += 1

    def weigh(self, terms: Counter) -> dict[str, float]:
        """The L2-normalised TF-IDF weights of a term count (sublinear tf, smoothed idf)."""
        n = self.documents + 1
        vec = {t: (1 + math.log(c)) * math.log(n / (self.df.get(t, 0) + 0.5)) for t, c in terms.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}


def _lexical_matrix(rows_a: list[dict[str, float]], rows_b: list[dict[str, float]]) -> np.ndarray:
    """Cosines between two lists of TF-IDF rows, as a dense matrix (local vocabulary)."""
    columns: dict[str, int] = {}

    def matrix(rows: list[dict[str, float]]) -> sparse.csr_matrix:
        indptr, indices, data = [0], [], []
        for row in rows:
            for term, value in row.items():
                indices.append(columns.setdefault(term, len(columns)))
                data.append(value)
            indptr.append(len(indices))
        return sparse.csr_matrix((data, indices, indptr), shape=(len(rows), 1 << 30))

    a, b = matrix(rows_a), matrix(rows_b)
    width = len(columns)
    a.resize((a.shape[0], width))
    b.resize((b.shape[0], width))
    return (a @ b.T).toarray()


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


@dataclass(slots=True)
class Item:
    """One article as the clusterer sees it."""

    article_id: str
    vector: np.ndarray
    terms: Counter
    when: datetime
    headline_only: bool
    weights: dict[str, float] | None = None  # TF-IDF, frozen with the IDF of the moment it joined


@dataclass(slots=True)
class StoryState:
    id: int
    first_seen: datetime
    last_seen: datetime
    centroid: np.ndarray  # sum of member vectors
    recent: deque = field(default_factory=deque)  # most recent members (Items)
    recent_lexical: Counter = field(default_factory=Counter)  # sum of the recent members' TF-IDF weights
    recent_sum: np.ndarray | None = None  # sum of the recent members' vectors (float64)
    _embeddings: np.ndarray | None = None  # the recent members' vectors, stacked; rebuilt after a change
    _times: np.ndarray | None = None  # the recent members' times (POSIX seconds); rebuilt after a change
    _headline_share: float | None = None  # share of headline-only recent members; recomputed after a change

    def embeddings(self) -> np.ndarray:
        if self._embeddings is None:
            self._embeddings = np.stack([m.vector for m in self.recent])
        return self._embeddings

    def times(self) -> np.ndarray:
        if self._times is None:
            self._times = np.array([m.when.timestamp() for m in self.recent])
        return self._times

    def push(self, item: Item, keep: int) -> None:
        """Make ``item`` the newest recent member, forgetting the oldest beyond ``keep``."""
        self.recent.append(item)
        self.recent_lexical.update(item.weights)
        self.recent_sum = item.vector.astype(np.float64) + (0.0 if self.recent_sum is None else self.recent_sum)
        while len(self.recent) > keep:
            old = self.recent.popleft()
            self.recent_lexical.subtract(old.weights)
            self.recent_sum -= old.vector
        self._embeddings = self._times = self._headline_share = None

    def unit_centroid(self) -> np.ndarray:
        norm = float(np.linalg.norm(self.centroid)) or 1.0
        return self.centroid / norm

    def headline_share(self) -> float:
        if self._headline_share is None:
            self._headline_share = sum(m.headline_only for m in self.recent) / max(1, len(self.recent))
        return self._headline_share


@dataclass(slots=True)
class Match:
    story: StoryState | None
    score: float | None  # the average similarity that decided, None when nothing compared


class StoryIndex:
    """The stories that can still receive articles, with the scoring and merging rules."""

    def __init__(self, params: ClusterParams, lexicon: Lexicon):
        self.params = params
        self.lexicon = lexicon
        self.stories: dict[int, StoryState] = {}
        self._rows: dict[int, int] = {}  # story id -> row of the centroid matrix
        self._buffer = np.zeros((0, 0), dtype=np.float32)  # rows beyond len(_order) are spare
        self._matrix = self._buffer
        self._order: list[StoryState] = []
        self._weighed_at = 0  # lexicon size at the last reweigh

    def _centroid_matrix(self) -> tuple[list[StoryState], np.ndarray]:
        """All stories in memory and their unit centroids, one row each (kept up to date, not rebuilt)."""
        if len(self._rows) != len(self.stories):  # _rows cleared after a removal or merge
            self._order = list(self.stories.values())
            self._rows = {s.id: i for i, s in enumerate(self._order)}
            self._buffer = np.stack([s.unit_centroid() for s in self._order]) if self._order else np.zeros((0, 0))
            self._matrix = self._buffer
        return self._order, self._matrix

    def _touch(self, story: StoryState) -> None:
        """Bring the story's row up to date, or give a new story a row (the buffer grows by doubling)."""
        row = self._rows.get(story.id)
        if row is not None and self._order[row] is story:
            self._matrix[row] = story.unit_centroid()
        elif row is None and self._rows and len(self._rows) == len(self.stories) - 1:
            n = len(self._order)
            if n == len(self._buffer):
                grown = np.zeros((2 * n, self._buffer.shape[1]), dtype=self._buffer.dtype)
                grown[:n] = self._buffer
                self._buffer = grown
            self._buffer[n] = story.unit_centroid()
            self._order.append(story)
            self._rows[story.id] = n
            self._matrix = self._buffer[: n + 1]

    @staticmethod
    def _score(item: Item, story: StoryState, weight: float, window: timedelta | None = None) -> tuple[float, np.ndarray | None]:
        """(average similarity to the story's recent members, which of them are outside the window or None).

        The average of cosines is a dot product with the members' summed vectors, and the
        lexical part one with their summed TF-IDF weights, whatever the story's size. With a
        ``window``, a member further than that in time from the item counts as opposite
        to it (embedding similarity −1, no shared words): a story mostly made of older
        articles is not joined, one that has moved on with the item is.
        """
        n = len(story.recent)
        embedding = float(story.recent_sum @ item.vector)
        lexical = _dot(item.weights, story.recent_lexical)
        far = None
        if window is not None:
            far = np.abs(story.times() - item.when.timestamp()) > window.total_seconds()
            if far.all():
                embedding, lexical = -float(n), 0.0
            elif far.any():
                outside = np.flatnonzero(far)
                embedding -= float((story.embeddings()[outside] @ item.vector).sum()) + len(outside)
                lexical -= sum(_dot(item.weights, story.recent[i].weights) for i in outside)
            else:
                far = None
        return (weight * embedding + (1 - weight) * lexical) / n, far

    @staticmethod
    def _member_sims(item: Item, story: StoryState, far: np.ndarray | None) -> np.ndarray:
        """The embedding similarity of the item to each recent member (−1 for those outside the window)."""
        sims = story.embeddings() @ item.vector
        return sims if far is None else np.where(far, -1.0, sims)

    @staticmethod
    def _best_member(item: Item, story: StoryState, weight: float, embeddings: np.ndarray) -> float:
        """The similarity of the item to the closest recent member of the story."""
        return max(
            weight * float(e) + (1 - weight) * _dot(item.weights, member.weights)
            for e, member in zip(embeddings, story.recent)
        )

    def match(self, item: Item) -> Match:
        """The story this item should join, or Match(None, best score) for a new story."""
        p = self.params
        if item.headline_only:
            weight, threshold, floor, closest = p.headline_embedding_weight, p.headline_threshold, p.headline_floor, -1.0
            window = p.headline_window
        else:
            weight, threshold, floor, closest = p.embedding_weight, p.threshold, p.floor, p.closest
            window = None
        item.weights = self.lexicon.weigh(item.terms)
        if not self.stories:
            return Match(None, None)
        stories, centroids = self._centroid_matrix()
        order = np.argsort(-(centroids @ item.vector))[: p.candidates]
        best: tuple[float, StoryState | None, float] = (-1.0, None, 0.0)
        for index in order:
            story = stories[int(index)]
            outside = window is not None and (item.when - story.last_seen > window or story.first_seen - item.when > window)
            if outside and -weight < threshold:
                continue  # every member is outside the window: the average is -weight, below the threshold
            gap = item.when - story.last_seen
            dormant = gap > p.quiet_period or story.first_seen - item.when > p.quiet_period
            average, far = self._score(item, story, weight, window)
            needed = threshold + (p.revive_margin if dormant else 0.0)
            if average < needed or average - needed <= best[0]:
                continue
            if floor > -1 or closest > -1:
                sims = self._member_sims(item, story, far)
                if float(sims.min()) < floor:
                    continue
                if closest > -1 and self._best_member(item, story, weight, sims) < closest:
                    continue
            best = (average - needed, story, average)
        return Match(best[1], round(best[2], 4) if best[1] else None)

    def nearest(self, item: Item, n: int) -> list[StoryState]:
        """The ``n`` active (not dormant) stories whose centroids are closest to the item."""
        if not self.stories:
            return []
        stories, centroids = self._centroid_matrix()
        quiet = self.params.quiet_period
        near = [stories[int(i)] for i in np.argsort(-(centroids @ item.vector))]
        return [s for s in near if item.when - s.last_seen <= quiet and s.first_seen - item.when <= quiet][:n]

    def add(self, story: StoryState, item: Item) -> None:
        if item.weights is None:
            item.weights = self.lexicon.weigh(item.terms)
        story.centroid = story.centroid + item.vector
        story.first_seen = min(story.first_seen, item.when)
        story.last_seen = max(story.last_seen, item.when)
        story.push(item, self.params.members_compared)
        self.stories[story.id] = story
        self._touch(story)

    def forget_before(self, when: datetime, horizon: timedelta) -> None:
        """Drop stories quiet for longer than ``horizon`` from memory (they stay in the store)."""
        for sid in [sid for sid, s in self.stories.items() if when - s.last_seen > horizon]:
            del self.stories[sid]
            self._rows.clear()

    def reweigh(self) -> None:
        """Recompute the members' TF-IDF weights with the document frequencies known now.

        Weights are frozen when an article joins; early in a stream the IDF is poor,
        so a merge pass brings the weights of the stories in memory up to date once the
        lexicon has grown by a quarter since the last time (often at first, rarely later).
        """
        if self.lexicon.documents < self._weighed_at * REWEIGH_GROWTH:
            return
        self._weighed_at = max(1, self.lexicon.documents)
        for story in self.stories.values():
            story.recent_lexical = Counter()
            for member in story.recent:
                member.weights = self.lexicon.weigh(member.terms)
                story.recent_lexical.update(member.weights)

    def _linkage(self, a: StoryState, b: StoryState) -> float:
        """Complete linkage: the lowest similarity between an article of one story and one of the other."""
        weight = self.params.embedding_weight
        embeddings = a.embeddings() @ b.embeddings().T
        lexical = _lexical_matrix([m.weights for m in a.recent], [m.weights for m in b.recent])
        return float((weight * embeddings + (1 - weight) * lexical).min())

    def _merge_score(self, a: StoryState, b: StoryState, centroid_link: float) -> float | None:
        """How strongly two stories belong together, or None when they cannot merge (apart in time).

        ``centroid_link``: the cosine of the two stories' centroids.
        """
        p = self.params
        apart = max(a.first_seen, b.first_seen) - min(a.last_seen, b.last_seen)
        if apart > p.quiet_period:
            return None
        if a.headline_share() > 0.5 and b.headline_share() > 0.5:
            if apart > p.headline_window:
                return None
            return centroid_link - p.headline_merge_threshold
        return self._linkage(a, b) - p.merge_threshold

    def merge_pass(self) -> list[tuple[int, int, float]]:
        """Merge stories that converged, best pair first; returns (keep, gone, margin) in the order done.

        Full-text stories merge when *every* pair of their articles is similar enough
        (complete linkage), headline stories when their centroids are close. Only the
        ``candidates`` nearest stories (by centroid) of each story are considered.
        The older story (smaller id) keeps its id.
        """
        p = self.params
        self.reweigh()
        scores: dict[tuple[int, int], float] = {}

        def consider(story: StoryState) -> None:
            stories, centroids = self._centroid_matrix()
            sims = centroids @ story.unit_centroid()
            for index in np.argsort(-sims)[: p.candidates + 1]:
                other = stories[int(index)]
                if other.id == story.id:
                    continue
                key = (min(story.id, other.id), max(story.id, other.id))
                if key not in scores:
                    score = self._merge_score(story, other, float(sims[index]))
                    if score is not None:
                        scores[key] = score

        for story in list(self.stories.values()):
            consider(story)
        done = []
        while scores:
            (keep, gone), margin = max(scores.items(), key=lambda kv: kv[1])
            if margin < 0:
                break
            self.absorb(keep, gone)
            done.append((keep, gone, round(margin, 4)))
            scores = {k: v for k, v in scores.items() if keep not in k and gone not in k}
            consider(self.stories[keep])
        return done

    def absorb(self, keep: int, gone: int) -> None:
        a, b = self.stories[keep], self.stories.pop(gone)
        self._rows.clear()
        a.centroid = a.centroid + b.centroid
        a.first_seen = min(a.first_seen, b.first_seen)
        a.last_seen = max(a.last_seen, b.last_seen)
        merged = sorted([*a.recent, *b.recent], key=lambda m: m.when)
        a.recent, a.recent_lexical, a.recent_sum = deque(), Counter(), None
        for item in merged:
            a.push(item, self.params.members_compared)
