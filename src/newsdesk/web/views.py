"""What the templates show, computed once: citation links of a brief, the highlighted evidence.

A published version's content never changes, so its ``StoryView`` can be cached by
(story id, version).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from newsdesk.web.render import article_href

FIELDS = ("text", "title", "dek")


@dataclass(slots=True, frozen=True)
class Cite:
    number: int
    href: str
    title: str


class StoryView:
    """A brief's content with its sources numbered like the Markdown brief ([1], [2] …)."""

    def __init__(self, content: dict[str, Any]) -> None:
        self.content = content
        self.articles = content.get("articles", [])
        self.by_id = {a["id"]: a for a in self.articles}
        self.numbers = {a["id"]: k for k, a in enumerate(self.articles, 1)}

    def cites(self, line: dict[str, Any], citations_key: str = "citations") -> list[Cite]:
        """One link per cited article, to the first evidence span the line has in it."""
        evidence = line.get("evidence") or []
        out = []
        for article_id in line.get(citations_key) or []:
            span = next((e for e in evidence if e.get("article") == article_id), None)
            article = self.by_id.get(article_id, {})
            number = self.numbers.get(article_id, 0)
            out.append(Cite(number, article_href(article_id, span), article.get("title") or article_id))
        return out

    def origins(self) -> list[list[dict[str, Any]]]:
        """The sources grouped by independent origin, each article with its number."""
        groups = self.content.get("origins") or [{"articles": [a["id"]]} for a in self.articles]
        return [[self.by_id[a] | {"number": self.numbers[a]} for a in g["articles"] if a in self.by_id] for g in groups]


@dataclass(slots=True, frozen=True)
class Highlight:
    field: str
    before: str
    marked: str
    after: str


def highlight(article: dict[str, Any], hl: str | None, field: str | None) -> tuple[Highlight | None, str | None]:
    """The evidence span ``hl`` ("start-end" in characters of ``field``), or why it cannot be shown."""
    if not hl:
        return None, None
    field = field or "text"
    start, sep, end = hl.partition("-")
    if field not in FIELDS or not sep or not start.isdigit() or not end.isdigit():
        return None, f"The link asks for an unknown passage ({hl!r} in {field!r})."
    text = article.get(field) or ""
    a, b = int(start), int(end)
    if not a < b <= len(text):
        return None, f"The cited passage ({a}–{b}) is not in this article's {field}: the article may have changed."
    return Highlight(field, text[:a], text[a:b], text[b:]), None
