"""Typed records passed between stages."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

# Publication times outside these bounds are not dates a news desk can mean (and near the
# ends of Python's range a time zone shift overflows).
EARLIEST = datetime(1000, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(9000, 1, 1, tzinfo=timezone.utc)
MAX_DEPTH = 32  # nesting of lists and objects kept from a record


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

    @classmethod
    def from_exception(cls, input: str, stage: str, exc: BaseException) -> "Failure":
        """The failure of one record that raised: InputError keeps its stage and reason; anything
        else (a bug or a library choking on hostile input) is named, so one record never costs the rest."""
        if isinstance(exc, InputError):
            return cls(input, exc.stage, exc.reason)
        return cls(input, stage, describe_error(exc))


def describe_error(exc: BaseException) -> str:
    """One readable line for an unexpected exception raised while reading one record."""
    if isinstance(exc, RecursionError):
        return "nested too deeply to read"
    if isinstance(exc, MemoryError):
        return "too large to read in the memory available"
    if isinstance(exc, UnicodeError):
        return "holds text that is not valid Unicode"
    detail = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"could not be read ({type(exc).__name__}{': ' + detail if detail else ''})"


class InputError(Exception):
    """An input that cannot become an article; carries the stage and a readable reason."""

    def __init__(self, stage: str, reason: str):
        super().__init__(reason)
        self.stage = stage
        self.reason = reason


def check_article(article: Article) -> None:
    """The last gate before the store: raise InputError("validate", reason) for anything invalid.

    Every source cleans and checks values where they enter (see newsdesk.extract); this
    checks the result as a whole, so that nothing invalid reaches the store whatever path it took.
    """
    from newsdesk.clean import is_clean_string
    from newsdesk.urls import url_problem

    if not isinstance(article.id, str) or not article.id.strip():
        raise InputError("validate", "article has no id")
    if not isinstance(article.text, str) or not isinstance(article.title, str):
        raise InputError("validate", "article title and text must be text")
    for name in ("id", "title", "text", "source", "url", "canonical_url", "dek", "byline", "teaser", "summary", "language", "label"):
        value = getattr(article, name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise InputError("validate", f"{name} is a {type(value).__name__}, not text")
        if not is_clean_string(value):
            raise InputError("validate", f"{name} holds control characters or invalid Unicode")
    for name in ("url", "canonical_url"):
        value = getattr(article, name)
        problem = url_problem(value) if value else None
        if problem:
            raise InputError("validate", f"{name} {value[:100]!r}: {problem}")
    if article.published is not None:
        check_published(article.published)
    if article.feed_id is not None and not isinstance(article.feed_id, int):
        raise InputError("validate", "feed_id is not a number")
    _check_value(article.extra, 0)


def check_published(value: datetime) -> datetime:
    """The publication time, aware and within EARLIEST..LATEST; raises InputError otherwise."""
    if not isinstance(value, datetime):
        raise InputError("validate", f"published is a {type(value).__name__}, not a time")
    try:
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        utc = value.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise InputError("validate", f"published time {value.isoformat()} is out of range (years {EARLIEST.year} to {LATEST.year - 1})")
    return value


def _check_value(value: Any, depth: int) -> None:
    from newsdesk.clean import is_clean_string

    if depth > MAX_DEPTH:
        raise InputError("validate", f"extra fields nested more than {MAX_DEPTH} levels deep")
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if value.bit_length() > 4096:  # more digits than Python will print
            raise InputError("validate", "extra fields hold a number too large to store")
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputError("validate", f"extra fields hold a number that is not finite ({value})")
        return
    if isinstance(value, str):
        if not is_clean_string(value):
            raise InputError("validate", "extra fields hold control characters or invalid Unicode")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InputError("validate", "extra fields have a key that is not text")
            _check_value(key, depth + 1)
            _check_value(item, depth + 1)
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            _check_value(item, depth + 1)
        return
    raise InputError("validate", f"extra fields hold a {type(value).__name__}")
