"""Files: .txt, .html, .json, .jsonl, .csv and local feed files (.xml, .rss, .atom).

:func:`read_path` yields, for every article in a file, either an
:class:`Article` or a :class:`Failure` naming the input (``file.jsonl:12`` for
one bad line) and the reason. Folders are walked for known file types.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path, PurePath

from newsdesk.clean import clean_string
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
MAX_CSV_FIELD = 16 * 1024 * 1024  # a longer CSV field fails its row
_ARTICLE_KEYS = {key for field in ("title", "text", "html") for key in RECORD_FIELDS[field]}


class NoArticles(InputError):
    """A readable file that holds no article at all (e.g. an annotation file beside the articles)."""


def expand_paths(paths: list[Path]) -> tuple[list[tuple[Path, bool]], list[Failure]]:
    """Files named directly, and files of known types found in folders (sorted, hidden ones skipped).

    Each file comes with whether it was named directly (True) or found in a folder. Walking a
    folder never leaves it: a symbolic link found inside is followed only when it points to a
    file within the folder (that file is read once); a link that points outside the folder is
    a failure that says so, and links to folders are not walked (so loops cannot happen).
    """
    files: list[tuple[Path, bool]] = []
    failures: list[Failure] = []
    for path in paths:
        if path.is_dir():
            found, outside = _walk(path)
            failures.extend(outside)
            if not found and not outside:
                failures.append(Failure(str(path), "read", "folder holds no .txt, .html, .json, .jsonl, .csv or feed files"))
            files.extend((p, False) for p in found)
        elif path.exists():
            files.append((path, True))
        elif path.is_symlink():
            failures.append(Failure(str(path), "read", "symbolic link to a file that does not exist"))
        else:
            failures.append(Failure(str(path), "read", "no such file or folder"))
    return files, failures


def _walk(folder: Path) -> tuple[list[Path], list[Failure]]:
    """Files of known types under ``folder``, and the links found that point outside it."""
    root = folder.resolve()
    found: dict[Path, Path] = {}  # real path -> path as found (a file reached twice is read once)
    outside: list[Failure] = []

    def on_error(exc: OSError) -> None:
        outside.append(Failure(str(exc.filename or folder), "read", exc.strerror or str(exc)))

    for dirpath, dirnames, filenames in os.walk(folder, onerror=on_error):  # followlinks=False
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames + [d for d in dirnames if (here / d).is_symlink()]:
            path = here / name
            if name.startswith(".") or (path.suffix.lower() not in SUFFIX_KINDS and not path.is_symlink()):
                continue
            if path.is_symlink():
                try:
                    target = path.resolve(strict=True)
                except (OSError, RuntimeError):  # dangling, or a loop of links
                    if path.suffix.lower() in SUFFIX_KINDS:
                        outside.append(Failure(str(path), "read", "symbolic link that leads nowhere (missing target or a loop); not followed"))
                    continue
                if not target.is_relative_to(root):
                    outside.append(Failure(str(path), "read", f"symbolic link to {target}, outside the folder {folder}; not followed"))
                    continue
                if target.is_dir() or path.suffix.lower() not in SUFFIX_KINDS:
                    continue  # a folder inside is walked on its own; links to folders are not followed
            else:
                target = path
            if not target.is_file():
                continue  # pipes, sockets and devices are never read from a folder
            if target not in found:
                found[target] = path
    return sorted(found.values()), outside


def estimate_records(path: Path) -> int:
    """Roughly how many articles a file holds, for progress bars (lines of jsonl/csv, else 1)."""
    if SUFFIX_KINDS.get(path.suffix.lower()) in ("jsonl", "csv"):
        try:
            if not path.is_file():  # a pipe would block; read_path refuses it
                return 1
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
    try:
        data = file_bytes(path, max_bytes=max_bytes)
    except Exception as exc:  # noqa: BLE001  (one file never costs the others)
        yield str(path), file_failure(str(path), exc)
        return
    yield from parse_file(path, data, source=source, csv_map=csv_map)


def file_bytes(path: Path, *, max_bytes: int) -> bytes:
    """The bytes of one regular file no larger than ``max_bytes`` (InputError or OSError otherwise)."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise InputError("read", "not a regular file (a device, pipe or socket)")
    size = info.st_size
    if size > max_bytes:
        raise InputError("read", f"file is {size:,} bytes, larger than the {max_bytes:,} allowed (setting file_max_bytes)")
    return path.read_bytes()[: max_bytes + 1]


def parse_file(
    path: PurePath,
    data: bytes,
    *,
    source: str | None = None,
    csv_map: Mapping[str, str] | None = None,
) -> Iterator[Item]:
    """Every article in the bytes of a file named ``path`` (which is never opened: a pure
    function of its input, so that it can run in another process or on another machine)."""
    name = str(path)
    try:
        kind = SUFFIX_KINDS.get(path.suffix.lower())
        if kind == "feed" and not data.strip():
            raise InputError("read", "empty file" if not data else "file holds only white space")
        if kind != "feed":  # feedparser reads the bytes itself, by the feed's own declaration
            text = decode_bytes(data)
            kind = kind or sniff_kind(text)
        if kind != "feed":
            del data  # a big file is held once, as text
        if kind == "text":
            yield _guard(name, lambda: article_from_text(text, article_id=path.name, source=source))
        elif kind == "html":
            yield _guard(name, lambda: article_from_html(text, article_id=path.name, source=source))
        elif kind == "feed":
            feed = parse_feed(data)
            if not feed.entries:
                raise InputError("feed", "feed has no entries")
            for number, entry in enumerate(feed.entries, 1):
                yield _guard(f"{name}#{number}", lambda e=entry: entry_article(e, feed), stage="feed")
        elif kind == "json":
            yield from _json_records(text, name, path, source, csv_map)
        elif kind == "jsonl":
            yield from _jsonl_records(text, name, path, source, csv_map)
        elif kind == "csv":
            yield from _csv_records(text, name, path, source, csv_map)
    except NoArticles:
        raise
    except Exception as exc:  # noqa: BLE001  (one file never costs the others: see Failure.from_exception)
        yield name, file_failure(name, exc)


def file_failure(name: str, exc: Exception) -> Failure:
    if isinstance(exc, OSError):
        return Failure(name, "read", exc.strerror or str(exc))
    return Failure.from_exception(name, "parse", exc)


def _guard(name: str, make: Callable[[], Article], stage: str = "extract") -> Item:
    """Isolation for one record: whatever it raises becomes that record's Failure."""
    try:
        return name, make()
    except Exception as exc:  # noqa: BLE001  (hostile input makes libraries raise anything)
        return name, Failure.from_exception(name, stage, exc)


def _records(records, name: str, path: Path, source, csv_map, columns=None) -> Iterator[Item]:
    mapping = csv_map if columns is not None else None  # CSV: resolved once from the header
    for number, record in records:
        label = name if number is None else f"{name}:{number}"
        if isinstance(record, Failure):
            yield label, record
            continue
        if not isinstance(record, dict):
            yield label, Failure(label, "parse", f"expected an object, got {type(record).__name__}")
            continue
        default_id = path.name if number is None else f"{path.name}:{number}"

        def make(r=record, d=default_id) -> Article:
            m = mapping if columns is not None else resolve_mapping(list(r), csv_map)
            return article_from_record(r, mapping=m, default_id=d, source=source)

        yield _guard(label, make, stage="parse")


def _json_records(text, name, path, source, csv_map) -> Iterator[Item]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError("parse", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise InputError("parse", "not readable JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise InputError("parse", f"not readable JSON: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    if isinstance(data, dict):
        if not set(data) & _ARTICLE_KEYS:
            raise NoArticles("parse", "JSON object holds no article (no title, text or html)")
        yield from _records([(None, data)], name, path, source, csv_map)
    elif isinstance(data, list):
        if not data:
            raise InputError("parse", "JSON holds an empty list")
        yield from _records(enumerate(data, 1), name, path, source, csv_map)
    else:
        raise InputError("parse", "JSON holds neither an article object nor a list of them")


def _json_line(line: str) -> object:
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError("parse", f"not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise InputError("parse", "not readable JSON: nested too deeply") from None
    except ValueError as exc:
        raise InputError("parse", f"not readable JSON: {exc}") from None


def _jsonl_records(text, name, path, source, csv_map) -> Iterator[Item]:
    def lines():
        for number, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            try:
                yield number, _json_line(line)
            except InputError as exc:
                yield number, Failure(f"{name}:{number}", exc.stage, exc.reason)

    yield from _records(lines(), name, path, source, csv_map)


def _csv_records(text, name, path, source, csv_map) -> Iterator[Item]:
    csv.field_size_limit(MAX_CSV_FIELD)
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except (csv.Error, ValueError, TypeError):
        dialect = csv.excel
    # newline="" as the csv module asks: CR, LF and CRLF all end a row; quoted fields keep theirs
    reader = csv.reader(io.StringIO(text, newline=""), dialect=dialect)
    try:
        header = next(reader, [])
    except csv.Error as exc:
        raise InputError("parse", f"CSV header row cannot be read: {exc}") from None
    columns = [clean_string(c) for c in header]
    if not any(c.strip() for c in columns):
        raise InputError("parse", "CSV has no header row")
    mapping = resolve_mapping(columns, csv_map)
    if "title" not in mapping and "text" not in mapping and "html" not in mapping:
        raise InputError(
            "parse",
            f"CSV has no title or text column (columns: {', '.join(columns)}); map them with --map title=COLUMN",
        )

    def rows() -> Iterator[tuple[int, object]]:
        number = 1
        while True:
            number += 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # one bad row (a field over the limit, a stray quote): the rest go on
                yield number, Failure(f"{name}:{number}", "parse", f"CSV row cannot be read: {exc}")
                continue
            if not row:
                number -= 1  # an empty line: skipped without counting, as csv.DictReader does
                continue
            record = dict(zip(columns, row))
            if len(row) > len(columns):
                record["extra_columns"] = row[len(columns):]
            yield number, record

    yield from _records(rows(), name, path, source, mapping, columns=columns)
