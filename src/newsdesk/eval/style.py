"""``newsdesk eval style``: whether a corpus's briefs read like a desk's own summary.

For each story of the corpus (:func:`newsdesk.eval.datasets.load_story_groups`: a NeuS line, the ECB+
documents of one event, a Multi-News cluster; every article its own origin, no clustering step) the facts
are extracted, the story is reconciled and the extractive writer writes its Quick Take and body, which the
gate checks. What is measured, on the text a reader sees:

* **bullet length** in words (whitespace tokens): median and 90th percentile;
* **openings**: the share of bullets that open with a dateline ("WASHINGTON —", "LONDON, May 2 (Reuters) -",
  "(CNN) —"), with a connective ("But", "And", "However,", "Meanwhile", "There was" …) or with a pronoun
  whose antecedent is not in the bullet ("He", "She", "They", "It", "His" …);
* **quotes**: bullets whose double quote marks do not pair up (*unbalanced*), and bullets that hold a
  quotation of three words or more with no speaker: no speech verb ("said", "told", "according to" …) and
  no "Name:" outside the quote marks (*unattributed*);
* **datelines inside bodies**: a dateline at the start of any body sentence after the first;
* the gate's verdict on every bullet and body sentence.

These detectors are written from the definitions above, not taken from the writer, so that the writer's
own rules cannot define their own success.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from newsdesk.brief.gate import Gate
from newsdesk.brief.model import Source
from newsdesk.brief.writer import ExtractiveWriter, Material, WriterParams
from newsdesk.facts import ArticleFacts, extract_texts
from newsdesk.facts.reconcile import Reconciler
from newsdesk.facts.story import params_from
from newsdesk.settings import Settings

from .conflicts import CachedEmbed
from .datasets import load_story_groups

_CAPS_WORD = r"[A-Z][A-Z.'’\-]+"
DATELINE = re.compile(
    rf"^\s*(?:{_CAPS_WORD}(?:\s+{_CAPS_WORD}){{0,4}}"  # WASHINGTON, PORT HALVARD, ST. LOUIS
    r"(?:\s*,\s*[A-Z][\w.]*(?:\s+[\w.]+){0,3})?"  # , D.C. / , March 2 / , Calif.
    r"(?:\s*\([^)]{1,40}\))?"  # (Reuters)
    r"|\([A-Za-z .]{2,30}\))"  # (CNN)
    r"\s*(?:—|–|--|-)\s+"
)
CONNECTIVES = (
    "but", "and", "or", "so", "yet", "still", "also", "however", "meanwhile", "moreover", "instead", "then",
    "thus", "therefore", "nonetheless", "nevertheless", "besides", "furthermore", "additionally", "in addition",
    "in turn", "in fact", "as a result", "on the other hand", "at the same time", "even so", "after all",
    "there was", "there were", "there is", "there are", "there has been", "there have been",
)
PRONOUNS = ("he", "she", "they", "it", "we", "i", "his", "her", "their", "its", "them", "him", "our", "us")
SPEECH = re.compile(
    r"\b(?:said|says|say|told|tells|stated|states|added|adds|asked|asks|wrote|writes|according to|"
    r"declared|announced|warned|insisted|explained|noted|argued|replied|continued|recalled|tweeted|asserted|"
    r"vowed|vowing|called|calling|described|urged|pledged|promised|claimed|admitted|acknowledged|saying|"
    r"telling|quoted)\b",
    re.IGNORECASE,
)
QUOTED = re.compile(r"[“\"]([^“”\"]+)[”\"]")
OPEN_MARKS, CLOSE_MARKS = "“", "”"


def opening(text: str) -> str | None:
    """What a line opens with: "dateline", "connective", "pronoun" or None."""
    if DATELINE.match(text):
        return "dateline"
    raw = re.findall(r"[A-Za-z’']+", text[:60]) if text[:1].isalpha() else []  # a quotation opening is the speaker's
    words = [w.lower() for w in raw]
    for n in (4, 3, 2, 1):
        if " ".join(words[:n]) in CONNECTIVES:
            return "connective"
    if words and words[0] in PRONOUNS and not raw[0].isupper():  # "US" is no pronoun
        return "pronoun"
    return None


def unbalanced(text: str) -> bool:
    """Whether the line's double quote marks do not pair up (curly marks in order; straight marks even)."""
    depth = 0
    for char in text:
        if char == OPEN_MARKS:
            if depth:
                return True
            depth = 1
        elif char == CLOSE_MARKS:
            if not depth:
                return True
            depth = 0
    return bool(depth) or text.count('"') % 2 == 1


def unattributed(text: str) -> bool:
    """Whether the line holds a quotation of three words or more and names no speaker outside it."""
    quotes = [m for m in QUOTED.finditer(text) if len(m.group(1).split()) >= 3]
    if not quotes:
        return False
    outside = QUOTED.sub(" ", text)
    return not (SPEECH.search(outside) or re.search(r"[A-Za-z]\s*:\s*$", text[: quotes[0].start()]))


def style_of(bullets: list[str], bodies: list[list[str]]) -> dict[str, Any]:
    """The figures of a set of bullets and bodies (each body a list of sentences)."""
    words = sorted(len(b.split()) for b in bullets)
    openings = [opening(b) for b in bullets]
    n = len(bullets)

    def share(count: int) -> float | None:
        return round(count / n, 4) if n else None

    inside = [s for body in bodies for s in body[1:] if DATELINE.match(s)]
    return {
        "bullets": n,
        "bullet_words_median": statistics.median(words) if words else None,
        "bullet_words_p90": words[min(n - 1, int(0.9 * n))] if words else None,
        "opening_dateline": openings.count("dateline"),
        "opening_connective": openings.count("connective"),
        "opening_pronoun": openings.count("pronoun"),
        "opening_dateline_share": share(openings.count("dateline")),
        "opening_connective_or_pronoun_share": share(openings.count("connective") + openings.count("pronoun")),
        "unbalanced_quotes": sum(unbalanced(b) for b in bullets),
        "unattributed_quotes": sum(unattributed(b) for b in bullets),
        "unattributed_quotes_share": share(sum(unattributed(b) for b in bullets)),
        "body_sentences": sum(len(b) for b in bodies),
        "datelines_inside_bodies": len(inside),
    }


def story_material(story_id: str, docs, facts: dict[str, ArticleFacts], embed, settings: Settings) -> Material:
    """One story as the writer reads it: each document its own origin and outlet."""
    ids = list(facts)
    sources = {aid: Source(aid, d.title or "", d.text, aid, d.source, None, d.published) for aid, d in zip(ids, docs)}
    reconciler = Reconciler(embed, params_from(settings))
    reconciled = reconciler.run(facts, {a: a for a in ids}, {a: s.text for a, s in sources.items()}, None,
                                {a: s.published for a, s in sources.items()}, {a: d.source or a for a, d in zip(ids, docs)})
    return Material(story_id, sources, facts, reconciled, reconciler.statement_vectors())


def evaluate_style(
    path: Path,
    fmt: str,
    settings: Settings,
    *,
    limit: int | None = None,
    embedder=None,
    on_total: Callable[[int], None] | None = None,
    on_step: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Write the Quick Take and body of every story of a corpus and measure how they read (module docstring)."""
    started = time.perf_counter()
    stories = load_story_groups(path, fmt, limit=limit)
    if embedder is None:
        from newsdesk.stories import make_embedder

        embedder = make_embedder(settings)
    embed = CachedEmbed(embedder.encode)
    jobs = [(f"s{i}-a{k}", doc.text, None) for i, s in enumerate(stories) for k, doc in enumerate(s.docs)]
    if on_total:
        on_total(len(jobs) + len(stories))
    facts: dict[str, ArticleFacts] = {}
    for batch in extract_texts(jobs, processes=settings.facts_processes, progress=on_step):
        for f in batch:
            facts[f["article_id"]] = ArticleFacts.from_dict(f)
    params = WriterParams(body_words=settings.brief_body_words, same_topic=settings.topic_similarity)
    bullets: list[str] = []
    bodies: list[list[str]] = []
    checked = passed = 0
    examples: list[dict[str, Any]] = []
    for i, story in enumerate(stories):
        ids = [f"s{i}-a{k}" for k in range(len(story.docs))]
        material = story_material(story.id, story.docs, {a: facts[a] for a in ids}, embed, settings)
        gate = Gate(material.sources, embed=embedder.encode_each, support=settings.topic_similarity,
                    agree=settings.claim_similarity)
        writer = ExtractiveWriter(embed, gate, params)
        cands = writer.candidates(material)
        quick = writer.quick_take(material, cands)
        body = writer.body(material, cands)
        for verdict in gate.check_all(quick + body):
            checked += 1
            passed += verdict.passed
        bullets += [b.text for b in quick]
        bodies.append([s.text for s in body])
        examples.append({"story": story.id, "quick_take": [b.text for b in quick], "body": [s.text for s in body]})
        if on_step:
            on_step(1)
    return {
        "corpus": str(path),
        "format": fmt,
        "stories": len(stories),
        **style_of(bullets, bodies),
        "gate_pass_rate": round(passed / checked, 4) if checked else None,
        "lines_checked": checked,
        "seconds": round(time.perf_counter() - started, 1),
        "briefs": examples,
    }
