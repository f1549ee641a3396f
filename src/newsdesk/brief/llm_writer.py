"""The optional LLM writer: headline, dek and Quick Take from a chat endpoint, through the same gate.

The model is given the story's claims with their evidence and answers with bullets
citing article ids (:mod:`.llm`). Each citation is given evidence here: the
sentences of that article most alike the bullet. The whole draft must pass the
gate; otherwise, or when the endpoint fails or times out, the extractive brief
stands and the reason is recorded in the brief's ``note``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

import numpy as np

from ..settings import Settings
from .gate import Gate, summary
from .llm import LLMConfig, LLMError, request_draft
from .model import Evidence, Line
from .writer import Draft, Material, cited_label

MAX_CLAIMS = 40
EVIDENCE_PER_CITATION = 2


def story_payload(material: Material, headline: str) -> dict[str, Any]:
    claims = [c for c in material.reconciled.get("claims", []) if c["status"] != "conflict"]
    claims.sort(key=lambda c: (c["status"] != "consensus", -len(c["articles"])))
    return {
        "headline": headline,
        "articles": [{"id": s.id, "title": s.title, "source": s.source, "origin": s.origin}
                     for s in material.sources.values()],
        "claims": [
            {"id": f"c{k}", "text": c["text"], "status": c["status"], "articles": c["articles"],
             "evidence": [{"article": e["article"], "text": e["text"]} for e in c["evidence"]]}
            for k, c in enumerate(claims[:MAX_CLAIMS], 1)
        ],
        "conflicts": [
            {"topic": c["topic"], "values": [{"value": v["value"], "articles": v["articles"]} for v in c["values"]]}
            for c in material.reconciled.get("conflicts", [])
        ],
    }


def evidence_for(material: Material, article: str, text: str, embed: Callable) -> list[Evidence]:
    """The sentences of ``article`` most alike ``text``: evidence for a line written elsewhere (by an LLM
    or an editor) that cites the article."""
    facts = material.facts.get(article)
    if facts is None or not facts.sentences:
        return []
    sentences = facts.sentences
    vectors = embed([text] + [s.text for s in sentences])
    sims = vectors[1:] @ vectors[0]
    best = np.argsort(-sims)[:EVIDENCE_PER_CITATION]
    return [Evidence(article, sentences[i].start, sentences[i].end, sentences[i].text) for i in sorted(best)]




def llm_draft(settings: Settings, material: Material, extractive: Draft, gate: Gate,
              embed: Callable) -> tuple[Draft | None, str | None]:
    """The LLM's draft (headline, dek and Quick Take replaced) when it passes the gate; else None and why."""
    if not settings.llm_model:
        return None, "LLM draft not used: the setting llm_model is not set"
    config = LLMConfig(base_url=settings.llm_base_url, model=settings.llm_model,
                       api_key_env=settings.llm_api_key_env, timeout=settings.llm_timeout)
    try:
        answer = request_draft(config, story_payload(material, extractive.headline.text))
    except LLMError as exc:
        return None, f"LLM draft not used: {exc}"
    bullets = []
    for b in answer.bullets:
        evidence = [e for a in dict.fromkeys(b.citations) if a in material.sources
                    for e in evidence_for(material, a, b.text, embed)]
        bullets.append(Line(b.text, list(dict.fromkeys(b.citations)), evidence, consensus=b.consensus,
                            label=None if b.consensus else cited_label(material.sources, b.citations)))
    cited = list(dict.fromkeys(a for line in bullets for a in line.citations if a in material.sources))
    context = [Evidence(a, 0, len(material.sources[a].title), material.sources[a].title, "title") for a in cited
               if material.sources[a].title]
    context += [e for line in bullets for e in line.evidence]
    headline = Line(answer.headline, cited, context, prose=False)
    dek = Line(answer.dek, cited, context, prose=False)
    gate.check_all([headline, dek, *bullets])
    problems = []
    if len(bullets) < 3:
        problems.append(f"{len(bullets)} bullet{'s' if len(bullets) != 1 else ''} (3 to 5 wanted)")
    if len(answer.headline) > 90:
        problems.append(f"headline of {len(answer.headline)} characters (90 at most)")
    verdict = summary([("headline", [headline]), ("dek", [dek]), ("quick take", bullets)])
    problems += verdict.reasons
    if problems:
        shown = "; ".join(problems[:4]) + (f"; and {len(problems) - 4} more" if len(problems) > 4 else "")
        return None, f"LLM draft ({answer.model}) failed the gate: {shown}"
    return replace(extractive, headline=headline, dek=dek, quick_take=bullets), None
