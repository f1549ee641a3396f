"""Briefs in the store: written when a story changes, gated, kept as versions with what's new.

:class:`BriefDesk` writes the brief of a story when it has none or when what it
was written from changed (its articles, their facts, the writer): a *signature*
of those is stored with each version. A new version is a *draft* when every line
passed the gate and *needs review* otherwise; nothing here publishes (editors do).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np

from ..facts import FACTS_VERSION, FactsStage
from ..facts.story import reconcile
from ..settings import Settings
from .gate import Gate, summary
from .model import Source, Verdict
from .versions import snapshot, whats_new
from .writer import Draft, ExtractiveWriter, Material, WriterParams

WRITER_VERSION = "extractive-4"  # 2: superseded statements out, latest state first, corrections; 3: compressed bullets, one-article body;
# 4: every citation gives the line's figures, one outlet is one voice, developments


@dataclass
class BriefReport:
    written: list[tuple[int, int, str]] = field(default_factory=list)  # story, version, status
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)


def writer_params(settings: Settings) -> WriterParams:
    return WriterParams(body_words=settings.brief_body_words, same_topic=settings.topic_similarity)


def load_material(store, settings: Settings, story: dict[str, Any], embed: Callable, model_version: str) -> Material:
    """A story's articles, facts and reconciliation, with statement vectors stored for the next run."""
    ids = [a["id"] for a in story["articles"]]
    facts = FactsStage.for_settings(store, settings).load(ids)
    origins = store.story_origins(story["id"])
    levels = {a["id"]: a.get("level") for a in story["articles"]}
    sources: dict[str, Source] = {}
    for aid in ids:
        a = store.get_article(aid)
        sources[aid] = Source(aid, a.title or "", a.text, origins.get(aid, aid), a.source, a.url, a.published, a.dek,
                              levels.get(aid))
    reconciled, vectors = reconcile(
        store, settings, facts, {a: s.origin for a, s in sources.items()}, {a: s.text for a, s in sources.items()},
        {a: s.published for a, s in sources.items()}, embed, model_version, {a: s.source for a, s in sources.items()},
    )
    return Material(story["id"], sources, facts, reconciled, vectors, store.revised_articles(ids))


def compose(material: Material, draft: Draft, *, writer: str, note: str | None = None) -> dict[str, Any]:
    """The brief in the shared JSON shape (``digest --json``, the API)."""
    sources = material.sources
    by_origin: dict[str, list[str]] = {}
    for aid, s in sources.items():
        by_origin.setdefault(s.origin, []).append(aid)
    verdict = summary(draft.lines())
    return {
        "id": material.story_id,
        "headline": draft.headline.text,
        "dek": draft.dek.text,
        "headline_source": draft.headline.as_dict(),
        "dek_source": draft.dek.as_dict(),
        "articles": [s.as_dict() | {"level": s.level} for s in sources.values()],
        "independent_origins": len(by_origin),
        "origins": [{"origin": o, "articles": ids} for o, ids in by_origin.items()],
        "quick_take": [
            ln.as_dict() | {"status": "consensus" if ln.consensus else "single-source"} for ln in draft.quick_take
        ],
        "body": " ".join(ln.text for ln in draft.body),
        "body_sentences": [ln.as_dict() for ln in draft.body],
        "differences": [
            {"topic": d["topic"], "kind": d["kind"], "sides": d["sides"]} | d["line"].as_dict()
            for d in draft.differences
        ],
        "developments": [
            {"topic": d["topic"], "kind": d["kind"], "values": d["values"]} | d["line"].as_dict()
            for d in draft.developments
        ],
        "quotes": [
            {k: q[k] for k in ("speaker", "articles", "variants")} | {"quote": q["text"]} | q["line"].as_dict()
            for q in draft.quotes
        ],
        "timeline": [{"when": t["when"], "date": t["date"]} | t["line"].as_dict() for t in draft.timeline],
        "corrections": [
            {k: c.get(k) for k in ("article", "outlet", "published", "notice", "corrects", "retracted", "summary")}
            for c in material.reconciled.get("corrections", [])
        ],
        "revisions": [
            {"article": aid, "outlet": r.get("source"), "revision": r["revision"],
             "revised_at": r["revised_at"].isoformat() if r.get("revised_at") else None,
             "previous_title": r.get("previous_title")}
            for aid, r in sorted(material.revised.items())
        ],
        "gate": verdict.as_dict(),
        "writer": writer,
        "note": note,
        "facts": snapshot(material.reconciled),
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def signature(material: Material, writer: str) -> str:
    parts = [FACTS_VERSION, WRITER_VERSION, writer]
    for aid, s in sorted(material.sources.items()):
        parts.append(f"{aid}:{s.origin}:{hashlib.sha256(s.text.encode()).hexdigest()[:16]}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


class StoredEmbed:
    """An embedding function that keeps every vector it computes in the store: texts a brief's gate
    compares (evidence sentences, bullets, titles) are embedded once per model, not on every version,
    each on its own (:meth:`~newsdesk.embed.Embedder.encode_each`), so that a verdict never depends on
    which texts happened to be embedded together."""

    def __init__(self, store, embedder) -> None:
        self.store, self.embedder = store, embedder

    def __call__(self, texts: list[str]) -> np.ndarray:
        digest = {t: hashlib.sha1(t.encode("utf-8")).digest() for t in texts}
        known = self.store.text_vectors(self.embedder.model_version, list(digest.values()))
        missing = [t for t, d in digest.items() if d not in known]
        if missing:
            new = {digest[t]: v.astype(np.float32).tobytes() for t, v in zip(missing, self.embedder.encode_each(missing))}
            self.store.save_text_vectors(self.embedder.model_version, new)
            known.update(new)
        if not texts:
            return self.embedder.encode([])
        return np.vstack([np.frombuffer(known[digest[t]], dtype=np.float32) for t in texts])


class BriefDesk:
    """Write, gate and store the briefs of a store's stories."""

    def __init__(self, store, settings: Settings, embedder) -> None:
        self.store = store
        self.settings = settings
        self.embedder = embedder
        self.embed = StoredEmbed(store, embedder)

    def writer_name(self) -> str:
        if self.settings.brief_writer == "llm":
            return f"llm:{self.settings.llm_model}"
        return "extractive"

    def material(self, story: dict[str, Any]) -> Material:
        return load_material(self.store, self.settings, story, self.embedder.encode, self.embedder.model_version)

    def gate_for(self, material: Material) -> Gate:
        return Gate(material.sources, embed=self.embed, support=self.settings.topic_similarity,
                    agree=self.settings.claim_similarity)

    def write(self, material: Material) -> dict[str, Any]:
        """The brief of a story (not stored): the LLM's draft when asked for and it passes, else extractive."""
        gate = self.gate_for(material)
        writer = ExtractiveWriter(self.embed, gate, writer_params(self.settings))
        draft = writer.write(material)
        name, note = "extractive", None
        if self.settings.brief_writer == "llm":
            from .llm_writer import llm_draft

            replaced, note = llm_draft(self.settings, material, draft, gate, self.embed)
            if replaced is not None:
                draft, name = replaced, self.writer_name()
        elif self.settings.brief_writer != "extractive":
            note = f"unknown brief_writer {self.settings.brief_writer!r}; the extractive writer was used"
        return compose(material, draft, writer=name, note=note)

    def run(self, story_ids: list[int] | None = None, *, force: bool = False,
            on_total: Callable[[int], None] | None = None, on_step: Callable[[int], None] | None = None) -> BriefReport:
        """Write a new version for each story whose material changed (all stories, or ``story_ids``)."""
        report = BriefReport()
        ids = story_ids if story_ids is not None else [s["id"] for s in self.store.list_stories()]
        if on_total:
            on_total(len(ids))
        for story_id in ids:
            story = self.store.get_story(story_id)
            if story is None:
                report.notes.append(f"no story with id {story_id}")
            else:
                self._one(story, force, report)
            if on_step:
                on_step(1)
        return report

    def _one(self, story: dict[str, Any], force: bool, report: BriefReport) -> None:
        material = self.material(story)
        sig = signature(material, self.writer_name())
        previous = self.store.latest_brief(story["id"])
        if previous is not None and previous["signature"] == sig and not force:
            report.unchanged += 1
            return
        content = self.write(material)
        changes = whats_new(previous["content"] if previous else None, content)
        content["whats_new"] = changes
        status = "draft" if content["gate"]["passed"] else "needs_review"
        lines = [
            (section, pos, line["text"], bool(line["gate"] and line["gate"]["passed"]),
             line["gate"]["reasons"] if line["gate"] else ["not checked"])
            for section, pos, line in content_lines(content)
        ]
        version = self.store.save_brief(
            story["id"], writer=content["writer"], signature=sig, status=status, content=content,
            changes=changes, note=content.get("note"), lines=lines,
        )
        report.written.append((story["id"], version, status))
        if content.get("note"):
            report.notes.append(f"story {story['id']}: {content['note']}")


def content_lines(content: dict[str, Any]):
    """(section, position, line dict) of every gated line of a brief in the digest shape."""
    yield "headline", 1, content["headline_source"]
    yield "dek", 1, content["dek_source"]
    for section, key in (("quick take", "quick_take"), ("body", "body_sentences"), ("differences", "differences"),
                         ("developments", "developments"), ("quotes", "quotes"), ("timeline", "timeline")):
        for pos, line in enumerate(content.get(key, []), 1):
            yield section, pos, line


__all__ = ["BriefDesk", "BriefReport", "compose", "load_material", "signature", "Verdict"]
