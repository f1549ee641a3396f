"""Issue 22: an article longer than spaCy's 1,000,000 characters gets facts and a brief.

Facts are read from its first FACTS_MAX_CHARS characters, cut at a paragraph; the whole body
stays stored (and searchable)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from newsdesk.facts import FACTS_MAX_CHARS
from newsdesk.facts.nlp import leading_part
from newsdesk.store import Store

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "articles"


def long_body(chars: int) -> str:
    """Paragraphs of the example articles in a shuffled order, their numbers varied, to ``chars``."""
    paragraphs = [line.strip() for path in sorted(EXAMPLES.glob("*.txt"))
                  for line in path.read_text(encoding="utf-8").splitlines()[2:] if len(line.split()) > 12]
    rng = random.Random(22)
    out, size = [], 0
    while size < chars:
        text = re.sub(r"\d+", lambda m: str(int(m.group()) + rng.randint(0, 9)), rng.choice(paragraphs))
        out.append(text)
        size += len(text) + 2
    return "\n\n".join(out)


def test_the_part_facts_read_is_a_prefix_cut_at_a_paragraph():
    text = "First paragraph here.\nSecond one is longer than that.\nThird."
    assert leading_part(text, 1000) == text
    assert leading_part(text, 40) == "First paragraph here.\n"
    assert leading_part("One sentence. Two sentence. Three", 30) == "One sentence. Two sentence. "
    assert leading_part("word " * 20, 33) == "word " * 6
    assert leading_part("x" * 50, 20) == "x" * 20  # nothing to cut at: cut at the limit
    body = long_body(300_000)
    part = leading_part(body, FACTS_MAX_CHARS)
    assert body.startswith(part) and FACTS_MAX_CHARS // 2 < len(part) <= FACTS_MAX_CHARS and part.endswith("\n")


@pytest.mark.slow
def test_an_article_of_more_than_a_million_characters_gets_facts_and_a_brief(cli, db_path, tmp_path):
    body = long_body(1_050_000)
    path = tmp_path / "liveblog.txt"
    path.write_text("Live: Brenmoor budget night, every update as it happened\n\n" + body, encoding="utf-8")
    assert cli("ingest", str(path)).exit_code == 0
    assert cli("cluster").exit_code == 0

    facts = cli("facts")
    assert facts.exit_code == 0 and "Read the facts of 1 articles." in facts.stderr, facts.output
    with Store(db_path) as store:
        (article,) = store.list_articles()
        text = article.text
    assert len(text) > 1_000_000  # stored whole
    read = json.loads(cli("articles", "facts", article.id).stdout)
    assert len(read["sentences"]) > 300 and read["quotes"] and read["quantities"]
    assert all(text[s["start"]:s["end"]] == s["text"] for s in read["sentences"] + read["statements"])
    assert read["sentences"][-1]["end"] <= FACTS_MAX_CHARS

    brief = cli("brief")
    assert brief.exit_code == 0 and "Wrote 1 brief: story 1 v1" in brief.stderr, brief.output
    with Store(db_path) as store:
        content = store.latest_brief(1)["content"]
    assert len(content["quick_take"]) >= 3 and content["body"]
