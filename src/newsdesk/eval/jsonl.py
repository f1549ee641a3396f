"""JSON Lines files of the evaluation corpora, read one object a line with errors naming the line.

Its own module so that the corpus readers (:mod:`.datasets`) and the summary corpora
(:mod:`.summaries_data`), which read stories through each other, do not import each other for it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def json_lines(path: Path, required: tuple[str, ...], fmt: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) per non-blank line; ValueError naming the line when it is not what ``fmt`` needs.
    A byte-order mark at the start of the file is skipped."""
    with path.open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as error:
                raise ValueError(f"{path}:{number}: not a JSON object ({error})") from None
            if not isinstance(record, dict):
                raise ValueError(f"{path}:{number}: not a JSON object")
            missing = [key for key in required if record.get(key) in (None, "")]
            if missing:
                raise ValueError(f"{path}:{number}: no {', '.join(map(repr, missing))}, which {fmt} needs on every line")
            yield number, record


__all__ = ["json_lines"]
