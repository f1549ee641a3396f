"""What the facts stage finds in one article.

Every record carries the exact character span of its evidence in the article's
``text`` (the body as stored): ``text[start:end]`` is the evidence, verbatim. A test
checks this for every record on every dev corpus, so code that builds records must
take offsets from the parsed document, never from a re-joined string.

Records are plain dataclasses so that they can be stored as JSON (``as_dict`` /
``from_dict``) and compared in tests.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar


def _encode(value: Any) -> Any:
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def _decode(value: Any) -> Any:
    if value == "inf":
        return math.inf
    if value == "-inf":
        return -math.inf
    return value


class Record:
    """JSON round-trip for the dataclasses below (infinite bounds become "inf")."""

    __slots__ = ()

    def as_dict(self) -> dict[str, Any]:
        return {key: _encode(value) for key, value in asdict(self).items()}  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{key: _decode(value) for key, value in data.items() if key in names})


@dataclass(slots=True)
class Sentence(Record):
    start: int
    end: int
    text: str


@dataclass(slots=True)
class Mention(Record):
    """A named entity as written: a person, an organisation or a place."""

    text: str
    label: str  # person | organisation | place
    start: int
    end: int
    sentence: int
    role: str | None = None  # "US special envoy for the Middle East", as written
    role_start: int | None = None
    role_end: int | None = None


@dataclass(slots=True)
class Quote(Record):
    """A direct quote: the words inside the quotation marks, and who said them.

    ``speaker`` is the speaker's name as written at the mention that identifies
    them (for a pronoun, the named mention it was resolved to), ``speaker_start``/
    ``speaker_end`` that mention's span. ``named_in_sentence`` is True when the
    name (not a pronoun) stands in the same sentence as the quote.
    ``description`` holds an unnamed speaker ("a Palestinian source", "officials").
    """

    text: str
    start: int
    end: int
    sentence: int
    speaker: str | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None
    named_in_sentence: bool = False
    description: str | None = None
    verb: str | None = None


@dataclass(slots=True)
class Quantity(Record):
    """A number with what it counts, read as a range under its qualifier.

    ``value`` is the number as stated; ``low``/``high`` the range it stands for
    under the documented reading of ``qualifier`` (``math.inf`` for open ranges),
    in ``unit``. ``kind`` is count | ordinal | duration | money | percent | measure.
    ``what`` is what is counted, as written ("living hostages"); ``what_lemma``
    its head lemma ("hostage"), used to compare quantities across articles.
    """

    text: str
    start: int
    end: int
    sentence: int
    value: float
    low: float
    high: float
    kind: str
    unit: str | None = None
    qualifier: str | None = None
    what: str | None = None
    what_lemma: str | None = None


@dataclass(slots=True)
class TimeExpr(Record):
    """A point in time, or an order relation between two events.

    kind: clock | date | weekday | relative | order.
    ``value`` is the resolved value in ISO form when it can be resolved against the
    publication time ("2025-07-08", "17:00-05:00", "2025-07-08T17:00:00-05:00").
    For ``order``: ``relation`` is before | after, saying the event of the clause
    happened before/after the reference; ``reference`` is the reference event as
    written ("the Trump-Netanyahu talks") or None when implicit ("earlier that
    day"); ``head_start``/``head_end`` the span of the verb (or noun) the order
    phrase modifies, i.e. the event that is placed in time.
    """

    text: str
    start: int
    end: int
    sentence: int
    kind: str
    value: str | None = None
    zone: str | None = None
    relation: str | None = None
    reference: str | None = None
    reference_start: int | None = None
    reference_end: int | None = None
    head_start: int | None = None
    head_end: int | None = None


@dataclass(slots=True)
class Statement(Record):
    """One clause: the unit that claims are made of.

    ``subject`` is the subject inherited from the clause this one hangs on, when
    it has none of its own; ``head_start``/``head_end`` the span of the clause's
    head word and ``parent`` the start of its parent clause's head (None for a
    sentence's main clause), so that a time phrase placing a verb in time can be
    carried to the clauses below it.
    """

    text: str
    start: int
    end: int
    sentence: int
    subject: str | None = None
    head_start: int | None = None
    head_end: int | None = None
    parent: int | None = None


@dataclass(slots=True)
class ArticleFacts:
    article_id: str
    sentences: list[Sentence] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    times: list[TimeExpr] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)

    PARTS: ClassVar[dict[str, type]] = {
        "sentences": Sentence,
        "mentions": Mention,
        "quotes": Quote,
        "quantities": Quantity,
        "times": TimeExpr,
        "statements": Statement,
    }

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"article_id": self.article_id}
        for name in self.PARTS:
            data[name] = [record.as_dict() for record in getattr(self, name)]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ArticleFacts":
        parts = {name: [kind.from_dict(item) for item in data.get(name, [])] for name, kind in cls.PARTS.items()}
        return cls(article_id=data["article_id"], **parts)

    def statement_at(self, char: int) -> "Statement | None":
        """The smallest statement whose span holds ``char``."""
        best = None
        for st in self.statements:
            if st.start <= char < st.end and (best is None or st.end - st.start < best.end - best.start):
                best = st
        return best

    def spans(self):
        """Every (record, start, end) evidence span, for checks."""
        for name in self.PARTS:
            for record in getattr(self, name):
                yield record, record.start, record.end
                for prefix in ("role", "speaker", "reference", "head"):
                    start = getattr(record, f"{prefix}_start", None)
                    if start is not None:
                        yield record, start, getattr(record, f"{prefix}_end")
