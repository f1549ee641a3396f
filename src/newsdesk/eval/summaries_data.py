"""Multi-document summarisation evaluation: corpora, two extractive baselines and ROUGE.

Used by ``newsdesk eval summaries``: each cluster of articles is summarised at a fixed length of N
words and scored with ROUGE-1/2/L against the human summary. This module holds the parts that need no
language model: loading the clusters, the *lead* and *LexRank* baselines, the word cut that puts every
system at exactly N words, and the scoring.

Formats (:data:`FORMATS`; see ``../shared/data/README.md`` for the corpora themselves)
------------------------------------------------------------------------------------------

- ``jsonl``: the generic shape, one cluster per line: ``id`` (optional; a line without one is known as
  ``NAME:LINE``, the file name and the 1-based line number), ``documents`` (a list of article texts; an
  item may also be an object ``{"title": ..., "text": ...}``) and ``reference`` (the human summary).
  Blank lines are skipped.
- ``multinews``: the Multi-News CSV (columns ``documents``, a Python list literal of article strings read
  with :func:`ast.literal_eval`, ``num_documents`` and ``summary``). Articles mark paragraphs with
  ``" \\n \\n "``; they are normalised like every text here (below). Multi-News summaries start with an
  en dash and a space (``"– "``), a leftover of the newser.com layout, which is stripped. Articles have
  no title field (``title`` is ""; the first paragraph is often the headline). id = the 0-based row
  number as a string. ``num_documents`` is not needed (it always equals the list's length) and is
  ignored.
- ``neus``: NeuS/AllSides, a ``.source`` file read with its sibling ``.target`` (same stem; the two must
  have the same number of lines). A source line is three articles (left, centre, right) joined by
  ``[SEP]``, each ``TITLE=> headline ARTICLE=> body``; the target line has the same shape and the
  reference is its ``ARTICLE`` part (the roundup's own headline is dropped). Each document keeps its
  headline in ``title``. A part without a ``TITLE=>`` marker has title "" (text before ``ARTICLE=>``,
  if any, is taken as the title); a part with no ``ARTICLE=>`` marker is all title when it starts with
  ``TITLE=>``, else all body. id = the 0-based line number as a string; a line blank in both files
  (the file's end) is skipped, so ids stay line numbers.

Every text is normalised the same way: paragraphs are separated by a blank line (``"\\n\\n"``), the
whitespace inside a paragraph (single newlines, tabs, no-break spaces, runs of spaces) becomes one
space, and zero-width characters (a stray BOM inside NeuS's train file) are removed. References are
one paragraph. A document whose body is empty after this is dropped, whatever its title (NeuS has a
few headline-only articles: 2 in val, 20 in train); a cluster left with no document, or with an
empty reference, is an error. Errors are :class:`ValueError` naming the file, the line or row, and the
reason.

Baselines
---------

The caller splits each document's text into sentences (with spaCy) and passes the candidate *pool*:
``pool[d]`` is document ``d``'s sentences in document order. A baseline answers with the chosen
sentences as ``(doc_index, sentence_index)`` pairs in output order, adding whole sentences until the
whitespace word count reaches at least ``words`` (or the pool runs out); sentences with no words are
never chosen. :func:`truncate` then cuts the joined sentences to exactly ``words`` words, so every
system is scored at the same length.

- :func:`lead`: round-robin over the documents, first sentence of each in turn, then the second of
  each, and so on: the usual strong baseline for news, whose important facts come first.
- :func:`lexrank`: LexRank with a threshold (Erkan & Radev 2004, "LexRank: graph-based lexical
  centrality as salience in text summarization"). Sentences are lowercased word tokens (no stemming,
  no stop list: idf already discounts frequent words) weighted tf x idf, with idf = log(N / df) over
  the cluster's N sentences. Two sentences are linked when their idf-modified cosine exceeds
  ``threshold``; the graph is unweighted, each sentence linked to itself as in the paper, each row
  divided by its degree; scores are the stationary distribution of PageRank (power iteration,
  following a link with probability ``damping``, jumping anywhere otherwise). Sentences are then taken
  by score; one whose cosine to an already chosen sentence exceeds :data:`REDUNDANCY` (0.5) is skipped
  as a near-repeat: a simple redundancy filter standing in for the paper's reranker. Only if the pool
  runs out before ``words`` is reached are the skipped sentences added back, by score, so the summary
  can still reach the length it is scored at. Ties go to the earlier document, then the earlier
  sentence, so the result is deterministic.

ROUGE
-----

:func:`rouge` gives ROUGE-1, ROUGE-2 and ROUGE-L F1 as percentages from Google's ``rouge-score``
package (Porter stemming on, its default tokenisation: lowercase ASCII letters and digits);
:func:`mean_scores` averages per-cluster scores.
"""

from __future__ import annotations

import ast
import csv
import math
import re
import sys
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from .jsonl import json_lines

FORMATS = ("jsonl", "multinews", "neus")

REDUNDANCY = 0.5
"""LexRank skips a sentence whose cosine to an already chosen one is above this."""

ROUGE_KEYS = ("rouge1", "rouge2", "rougeL")


@dataclass(slots=True)
class SummaryDoc:
    """One input article of a cluster."""

    title: str  # "" when the format has none
    text: str  # body text, paragraphs separated by blank lines ("\n\n")


@dataclass(slots=True)
class SummaryCluster:
    """A set of articles on one story with the human summary to score against."""

    id: str
    documents: list[SummaryDoc]  # in input order
    reference: str  # the human summary


# -- loading -------------------------------------------------------------------


def load_clusters(path: Path | str, fmt: str, *, limit: int | None = None) -> list[SummaryCluster]:
    """Read the clusters of a corpus in format ``fmt`` (one of :data:`FORMATS`), in file order.

    ``limit`` keeps only the first ``limit`` clusters (the rest of the file is not read). For ``neus``,
    ``path`` is the ``.source`` file; the reference comes from the ``.target`` file beside it.

    Raises ValueError naming the file (and line or row) for an unknown format, a missing file, a
    malformed line or row, and a file with no clusters.
    """
    path = Path(path)
    loaders = {"jsonl": _load_jsonl, "multinews": _load_multinews, "neus": _load_neus}
    if fmt not in loaders:
        raise ValueError(f"{path}: unknown summaries format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if limit is not None and limit < 1:
        raise ValueError(f"{path}: limit must be at least 1, not {limit}")
    _need_file(path)
    clusters = loaders[fmt](path, limit)
    if not clusters:
        raise ValueError(f"{path}: no clusters found (read as {fmt})")
    return clusters


_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SPACES = re.compile(r"\s+")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def normalise(text: str) -> str:
    """Paragraphs separated by one blank line, the whitespace inside each a single space, no empty paragraphs."""
    text = _ZERO_WIDTH.sub("", text)
    paragraphs = (_SPACES.sub(" ", part).strip() for part in _PARAGRAPH_BREAK.split(text))
    return "\n\n".join(part for part in paragraphs if part)


def _one_line(text: str) -> str:
    """All whitespace (paragraph breaks included) as single spaces."""
    return _SPACES.sub(" ", _ZERO_WIDTH.sub("", text)).strip()


def _need_file(path: Path) -> None:
    if not path.exists():
        raise ValueError(f"{path}: no such file")
    if not path.is_file():
        raise ValueError(f"{path}: not a file")


def _cluster(where: str, cid: str, documents: list[SummaryDoc], reference: str) -> SummaryCluster:
    """The cluster, without body-less documents; ValueError at ``where`` when nothing is left to summarise."""
    documents = [doc for doc in documents if doc.text]
    if not documents:
        raise ValueError(f"{where}: no document with text")
    if not reference:
        raise ValueError(f"{where}: empty reference summary")
    return SummaryCluster(cid, documents, reference)


def _load_jsonl(path: Path, limit: int | None) -> list[SummaryCluster]:
    clusters: list[SummaryCluster] = []
    for number, record in json_lines(path, (), "jsonl"):
        if limit is not None and len(clusters) >= limit:
            break
        where = f"{path}:{number}"
        items = record.get("documents")
        if not isinstance(items, list) or not items:
            raise ValueError(f"{where}: 'documents' must be a non-empty list of article texts")
        reference = record.get("reference")
        if not isinstance(reference, str):
            raise ValueError(f"{where}: 'reference' must be the summary as a string")
        documents = [_jsonl_document(item, f"{where}: document {index}") for index, item in enumerate(items)]
        cid = record.get("id")
        cid = str(cid) if cid not in (None, "") else f"{path.name}:{number}"
        clusters.append(_cluster(where, cid, documents, _one_line(reference)))
    return clusters


def _jsonl_document(item: Any, where: str) -> SummaryDoc:
    if isinstance(item, str):
        return SummaryDoc("", normalise(item))
    if isinstance(item, dict) and isinstance(item.get("text"), str):
        return SummaryDoc(_one_line(str(item.get("title") or "")), normalise(item["text"]))
    raise ValueError(f"{where}: an article must be a string (or an object with a 'text' string)")


def _load_multinews(path: Path, limit: int | None) -> list[SummaryCluster]:
    clusters: list[SummaryCluster] = []
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # a cluster's articles are one field, often > 128 kB
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"documents", "summary"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: not a Multi-News CSV (no column {', '.join(sorted(missing))})")
        try:
            for index, row in enumerate(reader):
                if limit is not None and len(clusters) >= limit:
                    break
                where = f"{path}: row {index} (ending at line {reader.line_num})"
                try:
                    articles = ast.literal_eval(row["documents"] or "")
                except (ValueError, SyntaxError, MemoryError, RecursionError):
                    raise ValueError(f"{where}: 'documents' is not a Python list literal") from None
                if not isinstance(articles, list) or not all(isinstance(item, str) for item in articles):
                    raise ValueError(f"{where}: 'documents' must be a list of article strings")
                reference = _one_line(row["summary"] or "")
                if reference.startswith("–"):  # newser.com's lead dash
                    reference = reference[1:].lstrip()
                documents = [SummaryDoc("", normalise(article)) for article in articles]
                clusters.append(_cluster(where, str(index), documents, reference))
        except csv.Error as error:
            raise ValueError(f"{path}: line {reader.line_num}: unreadable CSV ({error})") from None
    return clusters


def _load_neus(path: Path, limit: int | None) -> list[SummaryCluster]:
    target = path.with_suffix(".target")
    if not target.exists():
        raise ValueError(f"{path}: its reference file {target} does not exist (NeuS keeps it beside the .source)")
    sources, targets = _lines(path), _lines(target)
    if len(sources) != len(targets):
        raise ValueError(
            f"{path} has {len(sources)} lines but {target} has {len(targets)}: they must pair line by line"
        )
    clusters: list[SummaryCluster] = []
    for number, (source, reference_line) in enumerate(zip(sources, targets)):
        if limit is not None and len(clusters) >= limit:
            break
        where = f"{path}:{number + 1}"
        if not source.strip() and not reference_line.strip():
            continue
        if not source.strip():
            raise ValueError(f"{where}: empty source line while {target.name} has a reference there")
        if not reference_line.strip():
            raise ValueError(f"{target}:{number + 1}: empty reference line for a non-empty source line")
        documents = [SummaryDoc(*_title_article(part)) for part in source.split("[SEP]")]
        _, reference = _title_article(reference_line)
        clusters.append(_cluster(where, str(number), documents, _one_line(reference)))
    return clusters


def _lines(path: Path) -> list[str]:
    """The file's lines split on "\\n" only (no universal newlines), without a final empty line."""
    with path.open(encoding="utf-8-sig", newline="\n") as handle:
        lines = [line.rstrip("\r\n") for line in handle]
    return lines


_TITLE = "TITLE=>"
_ARTICLE = "ARTICLE=>"


def _title_article(part: str) -> tuple[str, str]:
    """(title, body) of one NeuS ``TITLE=> ... ARTICLE=> ...`` part, both normalised (title on one line)."""
    head, marker, body = part.partition(_ARTICLE)
    if not marker:  # no ARTICLE=>: a bare headline, or a bare body
        stripped = part.strip()
        if stripped.startswith(_TITLE):
            head, body = stripped, ""
        else:
            head, body = "", part
    head = head.strip()
    if head.startswith(_TITLE):
        head = head[len(_TITLE) :]
    return _one_line(head), normalise(body)


# -- baselines -----------------------------------------------------------------


def _word_count(sentence: str) -> int:
    return len(sentence.split())


def lead(pool: list[list[str]], words: int) -> list[tuple[int, int]]:
    """Round-robin lead: the first sentence of each document in turn, then the second of each, and so on.

    Stops once the chosen sentences hold at least ``words`` whitespace words or the pool is exhausted
    (documents that run out of sentences are passed over). Returns ``(doc_index, sentence_index)`` pairs.
    """
    chosen: list[tuple[int, int]] = []
    total = 0
    depth = max((len(sentences) for sentences in pool), default=0)
    for position in range(depth):
        for doc, sentences in enumerate(pool):
            if total >= words:
                return chosen
            if position < len(sentences) and (count := _word_count(sentences[position])):
                chosen.append((doc, position))
                total += count
    return chosen


_TOKEN = re.compile(r"\w+")


def _tfidf_cosines(sentences: list[str]) -> np.ndarray:
    """The idf-modified cosine of every pair of sentences (idf over these sentences), diagonal 1."""
    tokens = [Counter(_TOKEN.findall(sentence.lower())) for sentence in sentences]
    vocabulary: dict[str, int] = {}
    for counts in tokens:
        for word in counts:
            vocabulary.setdefault(word, len(vocabulary))
    n = len(sentences)
    rows = [row for row, counts in enumerate(tokens) for _ in counts]
    columns = [vocabulary[word] for counts in tokens for word in counts]
    values = [float(count) for counts in tokens for count in counts.values()]
    matrix = sparse.csr_matrix((values, (rows, columns)), shape=(n, max(len(vocabulary), 1)))
    df = np.bincount(columns, minlength=matrix.shape[1])
    idf = np.log(n / np.maximum(df, 1))
    matrix = matrix @ sparse.diags(idf)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    matrix = sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ matrix
    cosines = np.clip((matrix @ matrix.T).toarray(), 0.0, 1.0)
    np.fill_diagonal(cosines, 1.0)
    return cosines


def lexrank_scores(cosines: np.ndarray, *, threshold: float = 0.1, damping: float = 0.85) -> np.ndarray:
    """LexRank with threshold over a cosine matrix: PageRank of the unweighted, degree-normalised graph.

    Sentences ``i`` and ``j`` are linked when ``cosines[i, j] > threshold`` (every sentence to itself);
    the scores sum to 1.
    """
    n = cosines.shape[0]
    if n == 0:
        return np.zeros(0)
    adjacency = (cosines > threshold).astype(float)
    np.fill_diagonal(adjacency, 1.0)
    transition = adjacency / adjacency.sum(axis=1, keepdims=True)
    scores = np.full(n, 1.0 / n)
    for _ in range(1000):
        updated = (1.0 - damping) / n + damping * (transition.T @ scores)
        if np.abs(updated - scores).sum() < 1e-10:
            scores = updated
            break
        scores = updated
    return scores


def lexrank(
    pool: list[list[str]], words: int, *, threshold: float = 0.1, damping: float = 0.85
) -> list[tuple[int, int]]:
    """LexRank (Erkan & Radev 2004) over the cluster's sentence pool, with a redundancy filter.

    Sentences go by LexRank score (ties: earlier document, then earlier sentence), skipping one whose
    cosine to an already chosen sentence is above :data:`REDUNDANCY`, until the chosen ones hold at
    least ``words`` whitespace words; skipped sentences are used only if the rest run out. Returns
    ``(doc_index, sentence_index)`` pairs in the order chosen (most central first).
    """
    keys = [(doc, index) for doc, sentences in enumerate(pool) for index, sentence in enumerate(sentences)]
    keys = [key for key in keys if _word_count(pool[key[0]][key[1]])]
    if not keys or words <= 0:
        return []
    texts = [pool[doc][index] for doc, index in keys]
    cosines = _tfidf_cosines(texts)
    scores = lexrank_scores(cosines, threshold=threshold, damping=damping)
    order = sorted(range(len(keys)), key=lambda i: (-round(float(scores[i]), 12), keys[i]))
    chosen: list[int] = []
    skipped: list[int] = []
    total = 0
    for i in order:
        if total >= words:
            break
        if chosen and cosines[i, chosen].max() > REDUNDANCY:
            skipped.append(i)
            continue
        chosen.append(i)
        total += _word_count(texts[i])
    for i in skipped:  # only when the distinct sentences were not enough
        if total >= words:
            break
        chosen.append(i)
        total += _word_count(texts[i])
    return [keys[i] for i in chosen]


def truncate(sentences: list[str], words: int) -> str:
    """The sentences joined with a space, cut to the first ``words`` whitespace words (single-spaced)."""
    return " ".join(" ".join(sentences).split()[: max(words, 0)])


# -- ROUGE ---------------------------------------------------------------------


@cache
def _scorer():
    from rouge_score import rouge_scorer  # imported on first use: it pulls in nltk

    return rouge_scorer.RougeScorer(list(ROUGE_KEYS), use_stemmer=True)


def rouge(prediction: str, reference: str) -> dict[str, float]:
    """ROUGE-1, ROUGE-2 and ROUGE-L F1 of ``prediction`` against ``reference``, as percentages (0-100)."""
    scores = _scorer().score(reference, prediction)  # rouge-score takes (target, prediction)
    return {key: 100.0 * scores[key].fmeasure for key in ROUGE_KEYS}


def mean_scores(scores: list[dict[str, float]]) -> dict[str, float]:
    """The mean of each key over per-cluster score dicts (keys of the first one), rounded to 2 decimals."""
    if not scores:
        raise ValueError("no scores to average")
    keys = list(scores[0])
    for index, item in enumerate(scores):
        if set(item) != set(keys):
            raise ValueError(f"score {index} has keys {sorted(item)}, expected {sorted(keys)}")
    return {key: round(math.fsum(item[key] for item in scores) / len(scores), 2) for key in keys}
