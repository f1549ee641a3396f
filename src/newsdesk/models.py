"""Typed records passed between stages."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class Article:
    """One extracted, cleaned article, ready to be stored.

    ``text`` is the body only: no headline, dek, byline or boilerplate.
    ``summary`` is the publisher's own summary block (e.g. a "Quick Take" list),
    kept apart from the body because it is not independent evidence.
    """

    id: str
    title: str
    text: str
    source: str | None = None  # publisher / outlet
    url: str | None = None
    canonical_url: str | None = None
    dek: str | None = None
    byline: str | None = None
    teaser: str | None = None
    summary: str | None = None
    published: datetime | None = None
    language: str | None = None
    label: str | None = None  # a gold label carried by evaluation data
    feed_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # set by the store
    fetched: datetime | None = None
    content_hash: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("published", "fetched"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        return data


@dataclass(slots=True)
class Failure:
    """Why one input could not be ingested. Stored, printed, never raised past the CLI."""

    input: str
    stage: str  # read | decode | parse | extract | fetch | feed | store
    reason: str

    def __str__(self) -> str:
        return f"{self.input}: {self.reason}"


class InputError(Exception):
    """An input that cannot become an article; carries the stage and a readable reason."""

    def __init__(self, stage: str, reason: str):
        super().__init__(reason)
        self.stage = stage
        self.reason = reason
