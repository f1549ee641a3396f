"""What a brief is made of: lines of text, each with its citations and evidence.

Every line a brief shows — headline, dek, Quick Take bullet, body sentence, "where
sources differ" line, quote, timeline entry — is a :class:`Line`: its text, the
articles it cites, and for each citation the exact span of the article that
supports it (``text[start:end]`` of the stored body, or of the title or dek when
``field`` says so). The gate (:mod:`.gate`) writes its verdict into ``gate``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..dedupe import outlet_key, voices

FIELDS = ("text", "title", "dek")


@dataclass(slots=True)
class Evidence:
    article: str
    start: int
    end: int
    text: str
    field: str = "text"  # which part of the article: its body ("text"), "title" or "dek"

    def as_dict(self) -> dict[str, Any]:
        out = {"article": self.article, "start": self.start, "end": self.end, "text": self.text}
        if self.field != "text":
            out["field"] = self.field
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Evidence":
        return cls(data["article"], int(data["start"]), int(data["end"]), data["text"], data.get("field", "text"))


@dataclass(slots=True)
class Verdict:
    """The gate's verdict on a line: passed or not, every reason, and the cited articles that fail it
    (``articles``: those a reason of their own names — they do not support the line; None when not
    known, as in verdicts stored before it was kept)."""

    passed: bool
    reasons: list[str] = field(default_factory=list)
    articles: list[str] | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"passed": self.passed, "reasons": list(self.reasons)}
        if not self.passed and self.articles is not None:
            out["articles"] = list(self.articles)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "Verdict | None":
        if not data:
            return None
        articles = data.get("articles")
        return cls(bool(data["passed"]), list(data.get("reasons", [])),
                   [str(a) for a in articles] if isinstance(articles, list) else None)

    def fails(self, article: str) -> bool:
        """Whether ``article``'s citation fails the line (by name in a reason, for a verdict without ``articles``)."""
        if self.passed:
            return False
        if self.articles is not None:
            return article in self.articles
        return any(article in r for r in self.reasons)


@dataclass(slots=True)
class Line:
    """One line of a brief and what it rests on.

    ``consensus`` marks a line presented as agreed by independent sources; ``label``
    is the marker shown beside a line ("reported by one outlet"), never gated as a
    claim; ``prose`` lines (bullets, body, dek, timeline) must be supported by each
    cited article as a whole, while template lines (differences, quotes) are checked
    figure by figure and word by word.
    """

    text: str
    citations: list[str]
    evidence: list[Evidence]
    consensus: bool = False
    label: str | None = None
    prose: bool = True
    gate: Verdict | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "text": self.text,
            "citations": list(self.citations),
            "evidence": [e.as_dict() | {"gate": self._evidence_gate(e)} for e in self.evidence],
            "consensus": self.consensus,
        }
        if self.label:
            out["label"] = self.label
        out["gate"] = self.gate.as_dict() if self.gate else None
        return out

    def _evidence_gate(self, evidence: Evidence) -> str:
        """Per citation: "passed", or "failed" when a reason names this article."""
        if self.gate is None:
            return "unchecked"
        return "failed" if self.gate.fails(evidence.article) else "passed"

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, prose: bool = True) -> "Line":
        return cls(
            text=data["text"],
            citations=[str(c) for c in data.get("citations", [])],
            evidence=[Evidence.from_dict(e) for e in data.get("evidence", [])],
            consensus=bool(data.get("consensus", False)),
            label=data.get("label"),
            prose=prose,
            gate=Verdict.from_dict(data.get("gate")),
        )


@dataclass(slots=True)
class Source:
    """An article as the brief shows it."""

    id: str
    title: str
    text: str
    origin: str
    source: str | None = None
    url: str | None = None
    published: datetime | None = None
    dek: str | None = None
    level: str | None = None  # original | copy | near-duplicate | rewrite

    def field_text(self, name: str) -> str:
        return {"text": self.text, "title": self.title or "", "dek": self.dek or ""}.get(name, "")

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "url": self.url,
            "published": self.published.isoformat() if self.published else None,
            "origin": self.origin,
        }


def outlet_of(source: Source) -> str:
    """The outlet an article is from, as a key: its publisher's name, else the article itself."""
    return outlet_key(source.source) or f"article:{source.id}"


def independent_groups(sources: dict[str, Source]) -> dict[str, str]:
    """Per article, its independent voice (:func:`newsdesk.dedupe.voices`): one origin, or one outlet."""
    return voices([(aid, s.origin, s.source) for aid, s in sources.items()])


def independent_count(sources: dict[str, Source], articles) -> int:
    """How many independent voices (:func:`independent_groups`) the known ``articles`` are."""
    groups = independent_groups(sources)
    return len({groups[a] for a in articles if a in groups})


SINGLE_LABEL = "reported by one outlet"
CARRIED_LABEL = "one report, carried by {n} outlets"


def cited_label(sources: dict[str, Source], citations: list[str]) -> str:
    """The label of a line one report tells: "reported by one outlet", or, when it cites several outlets'
    articles of that one report (copies, rewrites, syndication), "one report, carried by N outlets" — N
    counts the outlets the line cites, not every outlet that carried the report."""
    outlets = {outlet_of(sources[a]) for a in citations if a in sources}
    return CARRIED_LABEL.format(n=len(outlets)) if len(outlets) > 1 else SINGLE_LABEL
