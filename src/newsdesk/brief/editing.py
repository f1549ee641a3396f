"""An editor's edit of a whole draft, made into gate lines with evidence.

The editor sends every part a reader sees — headline, dek, Quick Take bullets, body
sentences, "where sources differ" lines, quotes, timeline entries — each with the
articles it cites, in the order wanted; a part left out is removed. Each item names the
item of the base version it was edited from (``base``, its position there), so what the
editor cannot change (a timeline entry's date, a quote's variants, a difference's kind)
comes from it.

Evidence: an item whose text and citations are as they were keeps its evidence; an
edited one keeps the base item's spans from the articles it still cites and gets, from
every cited article, the sentences most alike its new text (:func:`.llm_writer.evidence_for`).
The gate then checks every line: bullets, body sentences and timeline entries as prose,
differences and quotes as template lines (their figures, names and quoted words must be in
the evidence), headline and dek as before (:func:`title_line`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .llm_writer import evidence_for
from .material import Material
from .model import Evidence, Line, cited_label, independent_count
from .sentences import dedupe


class EditError(ValueError):
    """An edited part cannot be made into a line (a difference with one side, a side citing nothing…)."""


@dataclass(slots=True)
class LineEdit:
    """A bullet, body sentence or timeline entry as the editor left it."""

    text: str
    citations: list[str]
    base: int | None = None  # position (0-based) of the item it was edited from; None: a new one


@dataclass(slots=True)
class SideEdit:
    value: str
    citations: list[str]


@dataclass(slots=True)
class DifferenceEdit:
    topic: str
    sides: list[SideEdit]
    base: int


@dataclass(slots=True)
class QuoteEdit:
    speaker: str
    text: str
    citations: list[str]
    base: int


@dataclass(slots=True)
class DraftParts:
    """The parts below the Quick Take, in the order wanted. None: the section is kept as it was."""

    body: list[LineEdit] | None = None
    differences: list[DifferenceEdit] | None = None
    quotes: list[QuoteEdit] | None = None
    timeline: list[LineEdit] | None = None


@dataclass(slots=True)
class EditedSections:
    """The edited sections as content items (line dicts pending the gate) and their lines by section."""

    content: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    lines: list[tuple[str, list[Line]]] = field(default_factory=list)
    items: list[tuple[dict[str, Any], Line]] = field(default_factory=list)  # to write the verdicts back

    def finish(self) -> dict[str, list[dict[str, Any]]]:
        """The content items with each line's text, citations, evidence and verdict."""
        for item, line in self.items:
            item.update(line.as_dict())
        return self.content


def _same_cites(before: list[str] | None, now: list[str]) -> bool:
    """The same articles cited (a form lists them in the story's order, not the line's)."""
    return set(before or []) == set(now)


def _prior(section: list[dict[str, Any]], base: int | None, where: str) -> dict[str, Any] | None:
    if base is None:
        return None
    if not 0 <= base < len(section):
        raise EditError(f"{where} was edited from item {base + 1}, which the version has not")
    return section[base]


def cited_evidence(material: Material, embed: Callable, prior: dict[str, Any] | None, text: str,
                   citations: list[str], *, find: str | None = None) -> list[Evidence]:
    """Evidence for a line citing ``citations``: the prior line's spans from those articles, then the
    sentences of each most alike ``find`` (default: the text)."""
    kept = [Evidence.from_dict(e) for e in (prior or {}).get("evidence", []) if e["article"] in citations]
    found = [e for a in citations if a in material.sources for e in evidence_for(material, a, find or text, embed)]
    return dedupe(kept + found)


def prose_line(material: Material, embed: Callable, prior: dict[str, Any] | None, edit: LineEdit, *,
               labelled: bool = False) -> Line:
    """A bullet, body sentence or timeline entry. ``labelled`` lines (bullets) are presented as agreed
    when two independent origins are cited, else marked as one outlet's report."""
    if prior is not None and prior["text"] == edit.text and _same_cites(prior.get("citations"), edit.citations):
        return Line.from_dict(prior | {"gate": None})
    evidence = cited_evidence(material, embed, prior, edit.text, edit.citations)
    line = Line(edit.text, list(edit.citations), evidence)
    if labelled:
        line.consensus = independent_count(material.sources, edit.citations) >= 2
        line.label = None if line.consensus else cited_label(material.sources, list(edit.citations))
    return line


def difference_text(topic: str, kind: str, values: list[str]) -> str:
    """The line a difference is gated as (the writer's form): "Topic: a vs b." or "Topic: a or b?"."""
    topic = topic[:1].upper() + topic[1:]
    if kind == "quantity":
        return f"{topic}: " + " vs ".join(values) + "."
    return f"{topic}: " + " or ".join(values) + "?"


def difference_item(material: Material, embed: Callable, prior: dict[str, Any], edit: DifferenceEdit,
                    where: str) -> tuple[dict[str, Any], Line]:
    sides = [s for s in edit.sides if s.value]
    if len(sides) < 2:
        raise EditError(f"{where} needs two sides with a value (it has {len(sides)})")
    if not edit.topic:
        raise EditError(f"{where} has no topic")
    for k, side in enumerate(sides, 1):
        if not side.citations:
            raise EditError(f"{where}, side {k} ('{side.value}') cites no article")
    kind = prior.get("kind", "quantity")
    prior_sides = {(s["value"], frozenset(s["articles"])): s for s in prior.get("sides", [])}
    out_sides, evidence = [], []
    for side in sides:
        same = prior_sides.get((side.value, frozenset(side.citations)))
        if same is not None:
            spans = [Evidence.from_dict(e) for e in same.get("evidence", [])]
            spans += [Evidence.from_dict(e) for e in prior.get("evidence", []) if e["article"] in side.citations]
        else:
            spans = cited_evidence(material, embed, prior, side.value, side.citations, find=f"{edit.topic}: {side.value}")
        spans = dedupe(spans)
        evidence += spans
        out_sides.append({"value": side.value, "articles": list(side.citations), "evidence": [e.as_dict() for e in spans]})
    citations = list(dict.fromkeys(a for s in sides for a in s.citations))
    text = difference_text(edit.topic, kind, [s.value for s in sides])
    line = Line(text, citations, dedupe(evidence), prose=False)
    return {"topic": edit.topic, "kind": kind, "sides": out_sides}, line


def quote_item(material: Material, embed: Callable, prior: dict[str, Any], edit: QuoteEdit,
               where: str) -> tuple[dict[str, Any], Line]:
    words = edit.text.strip().strip("“”\"").strip()
    if not words or not edit.speaker:
        raise EditError(f"{where} needs a speaker and the words quoted")
    text = f"{edit.speaker}: “{words}”"
    if prior["text"] == text and _same_cites(prior.get("citations"), edit.citations):
        line = Line.from_dict(prior | {"gate": None}, prose=False)
    else:
        line = Line(text, list(edit.citations), cited_evidence(material, embed, prior, text, edit.citations, find=words),
                    prose=False)
    item = {"speaker": edit.speaker, "articles": list(edit.citations), "variants": prior.get("variants", []),
            "quote": words}
    return item, line


def edit_sections(material: Material, embed: Callable, base: dict[str, Any], parts: DraftParts) -> EditedSections:
    """The edited sections of ``parts`` (those not None) as content items and lines to gate."""
    out = EditedSections()
    for key, section, edits in (("body_sentences", "body", parts.body), ("timeline", "timeline", parts.timeline)):
        if edits is None:
            continue
        items, lines = [], []
        for k, edit in enumerate(edits, 1):
            where = f"{section} {k}"
            prior = _prior(base.get(key, []), edit.base, where)
            if section == "timeline" and prior is None:
                raise EditError(f"{where} is new; a timeline entry can only be edited from one the brief has")
            line = prose_line(material, embed, prior, edit)
            item = {"when": prior["when"], "date": prior["date"]} if section == "timeline" else {}
            items.append(item)
            lines.append(line)
            out.items.append((item, line))
        out.content[key] = items
        out.lines.append((section, lines))
    for key, edits, make in (("differences", parts.differences, difference_item), ("quotes", parts.quotes, quote_item)):
        if edits is None:
            continue
        items, lines = [], []
        for k, edit in enumerate(edits, 1):
            where = f"{key} {k}"
            prior = _prior(base.get(key, []), edit.base, where)
            item, line = make(material, embed, prior, edit, where)
            items.append(item)
            lines.append(line)
            out.items.append((item, line))
        out.content[key] = items
        out.lines.append((key, lines))
    return out


__all__ = ["DifferenceEdit", "DraftParts", "EditError", "EditedSections", "LineEdit", "QuoteEdit", "SideEdit",
           "difference_text", "edit_sections", "prose_line"]
