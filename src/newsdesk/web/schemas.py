"""The JSON API's shapes, so that /openapi.json documents them.

A published brief is returned exactly as stored (the digest JSON shape): the models
declare the documented fields and allow the rest, and routes serialise with
``response_model_exclude_unset`` so nothing is added or renamed.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Gate(Open):
    passed: bool
    reasons: list[str] = []


class Evidence(Open):
    article: str = Field(description="Id of the cited article.")
    start: int = Field(description="Start of the span, in characters of the field.")
    end: int
    text: str = Field(description="Exactly what the article holds between start and end.")
    field: str | None = Field(None, description="text (default), title or dek.")
    gate: str | None = None


class Line(Open):
    text: str
    citations: list[str] = []
    evidence: list[Evidence] = []
    consensus: bool | None = None
    status: str | None = Field(None, description="consensus or single-source (Quick Take).")
    label: str | None = None
    gate: Gate | None = None


class ArticleRef(Open):
    id: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = None
    origin: str | None = None
    level: str | None = None


class Origin(Open):
    origin: str
    articles: list[str]


class Side(Open):
    value: str
    articles: list[str]
    evidence: list[Evidence] = []


class Difference(Line):
    topic: str
    kind: str | None = None
    sides: list[Side] = []


class Quote(Line):
    speaker: str
    quote: str
    articles: list[str] = []
    variants: list[dict[str, Any]] = []


class TimelineEntry(Line):
    when: str | None = None
    date: str | None = None


class Brief(Open):
    """One story's published brief, in the digest JSON shape (see README, "Briefs")."""

    id: int
    headline: str
    dek: str | None = None
    articles: list[ArticleRef]
    independent_origins: int
    origins: list[Origin] = []
    quick_take: list[Line]
    body: str | None = None
    body_sentences: list[Line] = []
    differences: list[Difference] = []
    quotes: list[Quote] = []
    timeline: list[TimelineEntry] = []
    gate: Gate | None = None
    writer: str | None = None
    note: str | None = None
    version: int | None = None
    status: str | None = None
    whats_new: dict[str, Any] | None = None
    published_at: str | None = Field(None, description="When this version was published.")


class StorySummary(Open):
    """A front-page row: one published story."""

    story_id: int
    version: int
    headline: str
    dek: str | None = None
    articles: int = Field(description="Articles in the story.")
    origins: int = Field(description="Independent origins among them.")
    differences: int = Field(description="Points on which the sources differ.")
    published_at: str | None = None
    updated: bool = Field(False, description="More than one version has been published.")


class Article(Open):
    id: str
    title: str
    text: str
    source: str | None = None
    url: str | None = None
    dek: str | None = None
    byline: str | None = None
    published: str | None = None
    story_id: int | None = None


class ReviewItem(Open):
    story_id: int
    version: int
    headline: str
    status: str
    gate_passed: bool
    reasons: list[str] = []
    created_at: str | None = None
    published_version: int | None = None
    changes: dict[str, Any] | None = None


class Action(BaseModel):
    """A review action: the version it applies to, and the note (publish) or reason (reject, unpublish)."""

    model_config = ConfigDict(extra="forbid")
    version: int | None = Field(None, ge=1, description="Required for approve, publish and reject.")
    note: str | None = Field(None, max_length=2000, description="Public correction note (publishing over a published version).")
    reason: str | None = Field(None, max_length=2000, description="Why (reject, unpublish).")


class ActionDone(BaseModel):
    story_id: int
    action: str
    version: int | None
    by: str


class Problem(BaseModel):
    detail: str
