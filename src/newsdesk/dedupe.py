"""Dedupe: exact copies, near-duplicates and rewrites of one report, and origin groups.

Three levels, each recorded on the article (table ``article_origins``):

* **exact** — the same content hash as an earlier article (any publisher);
* **near** — a syndicated copy with different boilerplate or small edits: MinHash
  over 5-word shingles, estimated Jaccard ≥ ``dedupe_near_threshold`` (LSH index);
* **rewrite** — the same report paraphrased: most sentences of the shorter article
  have a counterpart in the other (content-word overlap), *in the same order*
  (longest increasing run of matched positions ≥ ``dedupe_rewrite_threshold``).

A feed's ``<source>`` element naming another outlet, or a canonical link to another
host, also puts an article in the origin group of that outlet's article (level
**syndicated**). Articles that share an origin form an *origin group*, named by its
first article; a story counts its independent origins as its distinct groups.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash, MinHashLSH

from newsdesk.features import containment, content_words, sentences, shingles
from newsdesk.models import Article
from newsdesk.urls import host_of, normalize_url

NUM_PERM = 128
SCHEME = "affine32"  # datasketch's hashing scheme; stored signatures are only comparable within one
MIN_REWRITE_SENTENCES = 3


@dataclass(slots=True)
class OriginLink:
    article_id: str
    level: str  # original | exact | near | rewrite | syndicated
    of_article: str | None
    origin: str
    similarity: float | None = None
    evidence: str = ""


def outlet_key(outlet: str | None) -> str:
    """An outlet's name as a key: case and spacing do not make two outlets."""
    return " ".join((outlet or "").split()).casefold()


def voices(members: Sequence[tuple[str, str, str | None]]) -> dict[str, str]:
    """Per article, its independent voice, from (article, origin group, outlet) in a stable order:
    articles of one origin group (copies, rewrites) are one voice, and so are articles of one outlet
    (an outlet's later report is its update, never a second source). A voice is named by the origin of
    its first article."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for article, origin, outlet in members:
        a = find(f"origin:{origin}")
        for other in (f"article:{article}",) + ((f"outlet:{outlet_key(outlet)}",) if outlet_key(outlet) else ()):
            b = find(other)
            if a != b:
                parent[b] = a
    names: dict[str, str] = {}
    return {article: names.setdefault(find(f"origin:{origin}"), origin) for article, origin, _ in members}


def minhash(text: str) -> MinHash:
    m = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME)
    m.update_batch([shingle.encode("utf-8") for shingle in shingles(text)])
    return m


def signature_bytes(m: MinHash) -> bytes:
    return np.asarray(m.hashvalues, dtype=np.uint64).tobytes()


def from_signature(data: bytes) -> MinHash:
    return MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME, hashvalues=np.frombuffer(data, dtype=np.uint64))


def _ordered_match(a: list[set[str]], b: list[set[str]], overlap: float) -> float:
    """Share of b's sentences matched in a, keeping only matches in a's order."""
    positions = []
    for words_b in b:
        best, where = 0.0, -1
        for i, words_a in enumerate(a):
            score = containment(words_a, words_b)
            if score > best:
                best, where = score, i
        if best >= overlap:
            positions.append(where)
    run: list[int] = []  # longest increasing subsequence, patience style
    for p in positions:
        k = bisect.bisect_left(run, p)
        if k == len(run):
            run.append(p)
        else:
            run[k] = p
    return len(run) / len(b) if b else 0.0


def sentence_words(text: str) -> list[set[str]]:
    """The content words of each sentence: what rewrite detection compares."""
    return [content_words(s) for s in sentences(text)]


def rewrite_score(text_a: str | list[set[str]], text_b: str | list[set[str]], *, overlap: float = 0.3) -> float:
    """How much two articles read as one report retold: 0 (independent) to 1 (same order throughout)."""
    a = sentence_words(text_a) if isinstance(text_a, str) else text_a
    b = sentence_words(text_b) if isinstance(text_b, str) else text_b
    if min(len(a), len(b)) < MIN_REWRITE_SENTENCES:
        return 0.0
    return min(_ordered_match(a, b, overlap), _ordered_match(b, a, overlap))


class Deduper:
    """Remembers the articles seen so far (hashes, MinHash LSH, origins) and classifies new ones."""

    def __init__(self, *, near_threshold: float, rewrite_threshold: float):
        self.near_threshold = near_threshold
        self.rewrite_threshold = rewrite_threshold
        self.lsh = MinHashLSH(threshold=near_threshold, num_perm=NUM_PERM)
        self.signatures: dict[str, MinHash] = {}
        self.by_hash: dict[str, str] = {}
        self.by_url: dict[str, str] = {}
        self.origin: dict[str, str] = {}
        self._sentence_words: dict[str, list[set[str]]] = {}

    def remember(self, article: Article, origin: str, signature: MinHash | None) -> None:
        self.origin[article.id] = origin
        if article.content_hash:
            self.by_hash.setdefault(article.content_hash, article.id)
        if article.url:
            self.by_url.setdefault(normalize_url(article.url), article.id)
        if signature is not None and article.id not in self.signatures:
            self.signatures[article.id] = signature
            self.lsh.insert(article.id, signature)

    def _link(self, article: Article, level: str, other: str, similarity: float | None, evidence: str) -> OriginLink:
        return OriginLink(article.id, level, other, self.origin.get(other, other), similarity, evidence)

    def classify(self, article: Article, signature: MinHash | None) -> OriginLink:
        """Exact copy, near-duplicate, syndicated, or original (rewrites: see :meth:`check_rewrite`)."""
        first = self.by_hash.get(article.content_hash or "")
        if first and first != article.id:
            return self._link(article, "exact", first, 1.0, "same text")
        if signature is not None and article.text:
            best, best_id = 0.0, None
            for candidate in self.lsh.query(signature):
                if candidate == article.id:
                    continue
                score = signature.jaccard(self.signatures[candidate])
                if score > best:
                    best, best_id = score, candidate
            if best_id and best >= self.near_threshold:
                return self._link(article, "near", best_id, round(best, 3), f"{best:.0%} of word shingles shared")
        named = self._named_origin(article)
        if named:
            return named
        return OriginLink(article.id, "original", None, article.id)

    def _named_origin(self, article: Article) -> OriginLink | None:
        canonical = article.canonical_url
        if canonical and article.url and host_of(canonical) != host_of(article.url):
            other = self.by_url.get(normalize_url(canonical))
            if other and other != article.id:
                return self._link(article, "syndicated", other, None, f"canonical link to {host_of(canonical)}")
        return None

    def story_link(self, article: Article, candidates: Sequence[Article]) -> OriginLink | None:
        """Shared origin with one of ``candidates`` (earlier articles of the same story), if any.

        A feed ``<source>`` naming a candidate's publisher comes first; else the best rewrite.
        Two articles whose feeds name the same source share that origin even before the
        source's own article arrives.
        """
        named = ((article.extra or {}).get("origin_source") or {}).get("title")
        if named:
            for other in candidates:
                if other.source and other.source.casefold() == named.casefold() and other.id != article.id:
                    return self._link(article, "syndicated", other.id, None, f"feed names {named} as its source")
            for other in candidates:
                other_named = ((other.extra or {}).get("origin_source") or {}).get("title")
                if other_named and other_named.casefold() == named.casefold() and other.id != article.id:
                    return self._link(article, "syndicated", other.id, None, f"both syndicate {named}")
        best, best_id = 0.0, None
        mine = sentence_words(article.text)
        for other in candidates:
            if other.id == article.id or not other.text:
                continue
            if other.id not in self._sentence_words:
                self._sentence_words[other.id] = sentence_words(other.text)
            score = rewrite_score(self._sentence_words[other.id], mine)
            if score > best:
                best, best_id = score, other.id
        if best_id and best >= self.rewrite_threshold:
            return self._link(article, "rewrite", best_id, round(best, 3), f"{best:.0%} of sentences retold in the same order")
        return None
