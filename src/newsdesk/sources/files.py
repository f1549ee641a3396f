"""Files: .txt, .html, .json, .jsonl, .csv and local feed files (.xml, .rss, .atom).

:func:`read_path` yields, for every article in a file, either an
:class:`Article` or a :class:`Failure` naming the input (``file.jsonl:12`` for
one bad line) and the reason. Folders are walked for known file types.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from pathlib import Path

from newsdesk.extract import (
    RECORD_FIELDS,
    article_from_html,
    article_from_record,
    article_from_text,
    decode_bytes,
    resolve_mapping,
    sniff_kind,
)
from newsdesk.models import Article, Failure, InputError
from newsdesk.sources.feeds import entry_article, parse_feed

SUFFIX_KINDS = {
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
}

Item = tuple[str, Article | Failure]  # (input name, what it gave)
_ARTICLE_KEYS = {key for field in ("title", "text", "html") for key in RECORD_FIELDS[field]}


class NoArticles(InputError):
    """A readable file that holds no article at all (e.g. an annotation file beside the articles)."""


def expand_paths(paths: list[Path]) -> tuple[list[tuple[Path, bool]], list[Failure]]:
    """Files named directly, and files of known types found in folders (sorted, hidden ones skipped).

    Each file comes with whether it was named directly (True) or found in a folder.
    """
    files: list[tuple[Path, bool]] = []
    failures: list[Failure] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in SUFFIX_KINDS
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                failures.append(Failure(str(path), "read", "folder holds no .txt, .html, .json, .jsonl, .csv or feed files"))
            files.extend((p, False) for p in found)
        elif path.exists():
            files.append((path, True))
        else:
            failures.append(Failure(str(path), "read", "no such file or folder"))
    return files, failures


def estimate_records(path: Path) -> int:
    """Roughly how many articles a file holds, for progress bars (lines of jsonl/csv, else 1)."""
    if SUFFIX_KINDS.get(path.suffix.lower()) in ("jsonl", "csv"):
        try:
            with path.open("rb") as fh:
                return max(1, sum(1 for line in fh if line.strip()) - (path.suffix.lower() == ".csv"))
        except OSError:
            return 1
    return 1


def read_path(
    path: Path,
    *,
    max_bytes: int,
    source: str | None = None,
    csv_map: Mapping[str, str] | None = None,
) -> Iterator[Item]:
    """Every article in one file, or the failures that stopped it.

    Raises NoArticles for a readable JSON file that holds no article, so that a
    caller walking a folder can skip it rather than call it a failure.
    """
    name = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError("read", f"file is {size:,} bytes, larger than the {max_bytes:,} allowed (setting file_max_bytes)")
        data = path.read_bytes()
        text = decode_bytes(data)
        kind = SUFFIX_KINDS.get(path.suffix.lower()) or sniff_kind(text)
        if kind == "text":
            yield name, article_from_text(text, article_id=path.name, source=source)
        elif kind == "html":
            article = article_from_html(text, article_id=path.name, source=source)
            yield name, article
        elif kind == "feed":
            feed = parse_feed(data)
            if not feed.entries:
                raise InputError("feed", "feed has no entries")
            for number, entry in enumerate(feed.entries, 1):
                yield _guard(f"{name}#{number}", lambda e=entry: entry_article(e, feed))
        elif kind == "json":
            yield from _json_records(text, name, path, source, csv_map)
        elif kind == "jsonl":
            yield from _jsonl_records(text, name, path, source, csv_map)
        elif kind == "csv":
            yield from _csv_records(text, name, path, source, csv_map)
    except NoArticles:
        raise
    except InputError as exc:
        yield name, Failure(name, exc.stage, exc.reason)
    except OSError as exc:
        yield name, Failure(name, "read", exc.strerror or str(exc))


def _guard(name: str, make) -> Item:
    try:
        return name, make()
    except InputError as exc:
        return name, Failure(name, exc.stage, exc.reason)


def _records(records, name: str, path: Path, source, csv_map, columns=None) -> Iterator[Item]:
    mapping = None
    for number, record in records:
        label = name if number is None else f"{name}:{number}"
        if isinstance(record, Failure):
            yield label, record
            continue
        if not isinstance(record, dict):
            yield label, Failure(label, "parse", f"expected an object, got {type(record).__name__}")
            continue
        if mapping is None or columns is None:
            mapping = resolve_mapping(columns or list(record), csv_map)
        default_id = path.name if number is None else f"{path.name}:{number}"
        yield _guard(label, lambda r=record, m=mapping, d=default_id: article_from_record(r, mapping=m, default_id=d, source=source))


def _json_records(text, name, path, source, csv_map) -> Iterator[Item]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError("parse", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    if isinstance(data, dict):
        if not set(data) & _ARTICLE_KEYS:
            raise NoArticles("parse", "JSON object holds no article (no title, text or html)")
        yield from _records([(None, data)], name, path, source, csv_map)
    elif isinstance(data, list):
        if not data:
            raise InputError("parse", "JSON holds an empty list")
        yield from _records(list(enumerate(data, 1)), name, path, source, csv_map)
    else:
        raise InputError("parse", "JSON holds neither an article object nor a list of them")


def _jsonl_records(text, name, path, source, csv_map) -> Iterator[Item]:
    def lines():
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, Failure(f"{name}:{number}", "parse", f"not valid JSON: {exc.msg}")

    yield from _records(lines(), name, path, source, csv_map)


def _csv_records(text, name, path, source, csv_map) -> Iterator[Item]:
    csv.field_size_limit(16 * 1024 * 1024)
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    columns = list(reader.fieldnames or [])
    if not columns:
        raise InputError("parse", "CSV has no header row")
    mapping = resolve_mapping(columns, csv_map)
    if "title" not in mapping and "text" not in mapping and "html" not in mapping:
        raise InputError(
            "parse",
            f"CSV has no title or text column (columns: {', '.join(columns)}); map them with --map title=COLUMN",
        )
    rows = ((number, dict(row)) for number, row in enumerate(reader, 2))
    yield from _records(rows, name, path, source, mapping, columns=columns)
