"""Developments: a figure a later report changed, told earlier value → later value.

Reconciliation lists, per developing figure, its values in time order, the last one current
(``reconciled["developments"]``: ``{"topic", "kind", "values": [{"value", "articles", "outlets",
"evidence", "context", "when"}, …]}``), and marks the statements of the earlier values superseded.
A brief shows each development with every value's date and citations, and gates it as a template
line ("Flights a day from the airport: 120 flights → 210 flights."), whose figures and names must
be in the cited statements.

A value's date is the day its statement gives, else its report's publication day (reconciliation's
``when``; the earliest publication of its articles when that is missing).

:func:`current_claims` is what a "Sources agree" listing may show: the agreed claims less the
statements a later report or a correction superseded, still agreed by two independent voices.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .material import Material
from .model import Evidence, Line, Source, independent_groups
from .numbers import figures_in, gives
from .sentences import capitalise, dedupe, superseded_spans
from .timeline import when

ARROW = " → "


def development_items(material: Material) -> list[dict[str, Any]]:
    """Each development of the story: topic, kind, values (value, date, when, articles, outlets,
    evidence, current), and its gate ``line`` (a template line citing every value's statement)."""
    sources = material.sources
    years = [s.published.year for s in sources.values() if s.published is not None]
    year = max(years) if years else None
    out = []
    for development in material.reconciled.get("developments", []) or []:
        values = [v for v in development.get("values", []) or [] if v.get("value") and v.get("articles")]
        if len(values) < 2:
            continue
        shown, evidence, citations = [], [], []
        for k, v in enumerate(values):
            spans = [e for e in (v.get("context") or v.get("evidence") or []) if e.get("article") in sources]
            day = _day(v, sources)
            shown.append({
                "value": v["value"],
                "date": day.isoformat() if day else None,
                "when": when(day, None, year) if day else None,
                "articles": list(v["articles"]),
                "outlets": list(v.get("outlets") or []),
                "evidence": spans,
                "current": k == len(values) - 1,
            })
            evidence += [Evidence(e["article"], e["start"], e["end"], e["text"]) for e in spans]
            citations += [a for a in v["articles"] if a in sources]
        topic = development.get("topic") or "figure"
        text = f"{capitalise(topic)}: " + ARROW.join(v["value"] for v in values) + "."
        line = Line(text, list(dict.fromkeys(citations)), dedupe(evidence), prose=False)
        out.append({"topic": topic, "kind": development.get("kind", "quantity"), "values": shown, "line": line})
    return out


def _day(value: dict[str, Any], sources: dict[str, Source]) -> date | None:
    """The day a value was told: the day its statement gives or its report's (reconciliation's ``when``),
    else the earliest publication of its articles."""
    told = value.get("when")
    if told:
        try:
            return date.fromisoformat(str(told)[:10])
        except ValueError:
            pass
    days = [sources[a].published.date() for a in value.get("articles", []) if a in sources and sources[a].published]
    return min(days) if days else None


def current_claims(reconciled: dict[str, Any], sources: dict[str, Source]) -> list[dict[str, Any]]:
    """The claims sources agree on as they stand: a claim marked outdated is left out, and so are the
    statements of a claim that a later report or a correction superseded; what remains is agreed when
    two independent voices (:func:`.model.independent_groups`) still tell it. Each claim is told in the
    words of a statement that stands, with the articles of the statements that give its figures (a
    statement told alike with another figure — "15,000 passengers" beside "27,000 passengers" — does
    not agree with it)."""
    stale = superseded_spans(reconciled)
    voices = independent_groups(sources)
    out = []
    for claim in reconciled.get("claims", []) or []:
        if claim.get("outdated") or claim.get("status") != "consensus":
            continue
        standing = [e for e in claim.get("evidence", [])
                    if not any(a < e["end"] and e["start"] < b for a, b in stale.get(e["article"], ()))]
        if not standing:
            continue
        texts = [e["text"] for e in standing]
        text = claim["text"] if claim["text"] in texts else texts[0]
        figures = figures_in(text)  # told alike is not agreed when the figures differ
        telling = [e for e in standing if all(any(gives(f, g) for g in figures_in(e["text"])) for f in figures)]
        if len({voices.get(e["article"], e["article"]) for e in telling}) < 2:
            continue
        out.append(claim | {"text": text, "articles": sorted({e["article"] for e in telling}), "evidence": telling})
    return out


__all__ = ["current_claims", "development_items"]
