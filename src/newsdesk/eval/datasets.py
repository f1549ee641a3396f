"""Evaluation corpora as typed records, one :class:`EvalDoc` per document, in the order a stream would see them.

Formats (see ``../shared/data/README.md`` for the corpora themselves):

- ``jsonl``: the generic shape, one article per line: ``id``, ``title``, ``text``, optional ``published``
  and ``source``, and the gold ``label`` (required). A line without ``id`` is known as ``NAME:LINE``.
- ``ecbplus``: ECB+ (``doc_id``, ``topic``, ``event``, ``text``); label = ``event``.
- ``newswcl50``: NewsWCL50 (``doc_id``, ``event_id``, ``outlet_leaning``, ``text``); label = ``event_id``,
  source = the outlet's leaning (LL/L/M/R/RR), the only outlet information the file carries.
- ``uci``: the UCI News Aggregator CSV (``ID``, ``TITLE``, ``PUBLISHER``, ``STORY``, ``TIMESTAMP`` in ms …);
  headline-only (text = ""), label = ``STORY``.

Order: by publication time (stable) where documents have one, else file order. ECB+ and NewsWCL50 have
no times, so they keep file order (which groups documents by topic). In a generic file where only some
lines carry a time, the timed documents come first, by time, then the others in file order.

ECB+ and NewsWCL50 have no headline field: the title is the first line of the text as it stands (for
NewsWCL50 sometimes a dateline), and ``text`` is the remaining lines, so title + text is the whole
document and nothing is counted twice. NewsWCL50 marks paragraph ends with a literal backslash-n token
(`` \\n``) before the newline, an escaping leftover of its preparation; it is turned into a blank line.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from newsdesk.extract import parse_datetime

from .jsonl import json_lines

FORMATS = ("jsonl", "ecbplus", "newswcl50", "uci")


@dataclass(slots=True)
class EvalDoc:
    """One evaluation document with its gold cluster label."""

    id: str
    title: str
    text: str  # may be "" for headline-only data
    label: str  # the gold cluster
    published: datetime | None
    source: str | None
    url: str | None = None


def load(path: Path, fmt: str) -> list[EvalDoc]:
    """Read a corpus file in format ``fmt`` (one of :data:`FORMATS`); documents in time order.

    Raises ValueError naming the file (and line) when the format is unknown or the file does not match it.
    """
    path = Path(path)
    loaders = {"jsonl": _load_jsonl, "ecbplus": _load_ecbplus, "newswcl50": _load_newswcl50, "uci": _load_uci}
    if fmt not in loaders:
        raise ValueError(f"unknown evaluation format {fmt!r}: expected one of {', '.join(FORMATS)}")
    docs = loaders[fmt](path)
    if not docs:
        raise ValueError(f"{path}: no documents found (read as {fmt})")
    return _time_order(docs)


def detect_format(path: Path) -> str:
    """Guess the format from the file's first record (its keys or CSV header), else from its name."""
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as handle:
        first = next((line for line in handle if line.strip()), "")
    if path.suffix.lower() == ".csv" or first.startswith("ID,"):
        header = next(csv.reader([first]), [])
        if {"TITLE", "STORY", "TIMESTAMP"} <= set(header):
            return "uci"
        raise ValueError(f"{path}: a CSV without the UCI columns TITLE, STORY and TIMESTAMP")
    try:
        keys = set(json.loads(first))
    except (ValueError, TypeError) as error:
        raise ValueError(f"{path}: neither UCI CSV nor JSON lines ({error})") from None
    if {"doc_id", "event", "topic"} <= keys:
        return "ecbplus"
    if {"doc_id", "event_id", "outlet_leaning"} <= keys:
        return "newswcl50"
    if "label" in keys:
        return "jsonl"
    name = path.name.lower()
    for fmt in ("ecbplus", "newswcl50"):
        if fmt in name:
            return fmt
    raise ValueError(f"{path}: cannot tell the format from its first record (keys: {', '.join(sorted(keys))})")


def to_jsonl_records(docs: list[EvalDoc]) -> list[dict[str, Any]]:
    """The documents in the generic ``jsonl`` shape: id, title, text, published (ISO or None), source, label."""
    return [
        {
            "id": doc.id,
            "title": doc.title,
            "text": doc.text,
            "published": doc.published.isoformat() if doc.published else None,
            "source": doc.source,
            "url": doc.url,
            "label": doc.label,
        }
        for doc in docs
    ]


# -- readers -------------------------------------------------------------------


def _load_jsonl(path: Path) -> list[EvalDoc]:
    docs = []
    for number, record in json_lines(path, ("label",), "jsonl"):
        published = parse_datetime(record.get("published"))
        if record.get("published") not in (None, "") and published is None:
            raise ValueError(f"{path}:{number}: unreadable published time {record['published']!r}")
        docs.append(
            EvalDoc(
                id=str(record.get("id") or f"{path.name}:{number}"),
                title=str(record.get("title") or ""),
                text=str(record.get("text") or ""),
                label=str(record["label"]),
                published=published,
                source=str(record["source"]) if record.get("source") else None,
            )
        )
    return docs


def _split_first_line(text: str) -> tuple[str, str]:
    first, _, rest = text.strip().partition("\n")
    return first.strip(), rest.strip()


# ECB+ text is tokenised the Penn Treebank way ("Reid 's", "20 , 000", `` quoted ''): put it back as a
# page would show it, so that figures, possessives and quotes read as they do in any article
_DETOKENISE = [
    (re.compile(r"(?<=\d) ([,.]) (?=\d{3}\b)"), r"\1"),  # 20 , 000 -> 20,000
    (re.compile(r"(?<=\d) \. (?=\d)"), "."),  # 3 . 5 -> 3.5
    (re.compile(r"`` ?"), "“"),
    (re.compile(r'(^|\s)" (?=\w)', re.MULTILINE), r"\1“"),
    (re.compile(r" ?''"), "”"),
    (re.compile(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", re.IGNORECASE), r"\1"),
    (re.compile(r"(?<=\d) %"), "%"),
    (re.compile(r" ([,.;:!?)\]])"), r"\1"),
    (re.compile(r"([(\[$]) "), r"\1"),
]


def detokenise(text: str) -> str:
    """Penn Treebank tokens joined back into running text, line by line."""
    for pattern, replacement in _DETOKENISE:
        text = pattern.sub(replacement, text)
    return text


def _load_ecbplus(path: Path) -> list[EvalDoc]:
    docs = []
    for _, record in json_lines(path, ("doc_id", "event", "text"), "ecbplus"):
        title, text = _split_first_line(detokenise(record["text"]))
        url = None
        if title.startswith("http"):  # ECB+ kept the page's URL as its first line, tokenised
            url = title.replace(" ", "")
            title, text = _split_first_line(text)
        docs.append(EvalDoc(str(record["doc_id"]), title, text, str(record["event"]), None, None, url))
    return docs


def _load_newswcl50(path: Path) -> list[EvalDoc]:
    docs = []
    for _, record in json_lines(path, ("doc_id", "event_id", "outlet_leaning", "text"), "newswcl50"):
        text = record["text"].replace(" \\n\n", "\n\n").replace("\\n", "\n")
        title, text = _split_first_line(text)
        docs.append(
            EvalDoc(str(record["doc_id"]), title, text, str(record["event_id"]), None, str(record["outlet_leaning"]))
        )
    return docs


def _load_uci(path: Path) -> list[EvalDoc]:
    docs = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"ID", "TITLE", "PUBLISHER", "STORY", "TIMESTAMP"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: not the UCI News Aggregator CSV (no column {', '.join(sorted(missing))})")
        for number, row in enumerate(reader, start=2):
            published = parse_datetime(row["TIMESTAMP"])
            if published is None or not row["STORY"]:
                raise ValueError(f"{path}:{number}: a UCI row needs a STORY and a TIMESTAMP in milliseconds")
            docs.append(EvalDoc(row["ID"], row["TITLE"], "", row["STORY"], published, row["PUBLISHER"] or None))
    return docs


def _time_order(docs: list[EvalDoc]) -> list[EvalDoc]:
    """Timed documents by time (stable), then untimed ones in file order."""
    timed = sorted((doc for doc in docs if doc.published is not None), key=lambda doc: doc.published)
    return timed + [doc for doc in docs if doc.published is None]


# -- stories for ``eval conflicts`` --------------------------------------------


@dataclass(slots=True)
class StoryGroup:
    """The articles of one story, each its own origin (no clustering step)."""

    id: str
    docs: list[EvalDoc]


STORY_FORMATS = ("neus", "ecbplus", "multinews")


def load_story_groups(path: Path, fmt: str, *, limit: int | None = None) -> list[StoryGroup]:
    """Multi-outlet stories in file order: a NeuS line (three outlets), a Multi-News cluster, or the ECB+
    documents of one ``event`` (events with at least two documents). ``limit`` keeps the first N stories."""
    path = Path(path)
    if fmt == "ecbplus":
        groups: dict[str, list[EvalDoc]] = {}
        for doc in load(path, "ecbplus"):
            groups.setdefault(doc.label, []).append(doc)
        stories = [StoryGroup(label, docs) for label, docs in groups.items() if len(docs) >= 2]
    elif fmt in ("neus", "multinews"):
        from .summaries_data import load_clusters

        stories = [
            StoryGroup(c.id, [EvalDoc(f"{c.id}-{k}", d.title, d.text, c.id, None, None) for k, d in enumerate(c.documents)])
            for c in load_clusters(path, fmt, limit=limit)
        ]
        stories = [s for s in stories if len(s.docs) >= 2]
    else:
        raise ValueError(f"{path}: unknown story format {fmt!r}: expected one of {', '.join(STORY_FORMATS)}")
    if not stories:
        raise ValueError(f"{path}: no story with two or more articles (read as {fmt})")
    return stories[:limit] if limit else stories
