"""Tests for newsdesk.clean: the seed pages (read at run time) and invented pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsdesk.clean import (
    PlainArticle,
    is_boilerplate,
    normalize_whitespace,
    parse_plain_text,
    strip_boilerplate,
)

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
GOLD_FILE = SEEDS / "gold.json"
SEED_NAMES = sorted(json.loads(GOLD_FILE.read_text("utf-8"))["articles"]) if GOLD_FILE.is_file() else ["<no seeds>"]

BULLET_GLYPHS = ("•", "-", "*", "–", "▪")


def paragraphs(article: PlainArticle) -> list[str]:
    return [p.strip() for p in article.body.split("\n\n") if p.strip()]


@pytest.fixture(params=SEED_NAMES)
def seed(request) -> tuple[str, dict, PlainArticle]:
    if not GOLD_FILE.is_file():
        pytest.skip(f"seed folder not found: {SEEDS} (needs the shared seeds next to the repo)")
    name = request.param
    gold = json.loads(GOLD_FILE.read_text("utf-8"))["articles"][name]
    return name, gold, parse_plain_text((SEEDS / name).read_text("utf-8"))


# --- seeds ----------------------------------------------------------------------------------


def test_seed_title_byline_and_no_title_in_body(seed):
    _, gold, art = seed
    assert art.title == gold["title"]
    assert art.byline == gold.get("byline")
    assert art.title not in paragraphs(art)
    assert art.byline is None or art.byline not in paragraphs(art)


def test_seed_dek(seed):
    _, gold, art = seed
    if "dek" in gold:
        assert art.dek == gold["dek"]
        assert art.dek not in paragraphs(art)
    else:
        # The annotator found no dek. On such a page the line after the repeated headline is
        # something else (in 000 it is the summary label), so any dek we returned would be a
        # misfiled body or summary line: demand None rather than "some line not in the body".
        assert art.dek is None


def test_seed_teaser(seed):
    _, gold, art = seed
    if "teaser" in gold:
        assert art.teaser == gold["teaser"]
    # Whatever the teaser is, it is shown once: not again as a body paragraph.
    assert art.teaser is None or art.teaser not in paragraphs(art)


def test_seed_boilerplate_is_gone(seed):
    _, gold, art = seed
    body = paragraphs(art)
    for line in gold.get("boilerplate_lines", []):
        assert line not in body, line
        assert line not in (art.title, art.dek)
    if "boilerplate_lines" in gold:
        # Every dropped line is accounted for, in page order (a byline shown twice is dropped twice).
        assert list(dict.fromkeys(art.removed)) == gold["boilerplate_lines"]


def test_seed_section_headings_stay_as_paragraphs(seed):
    _, gold, art = seed
    body = paragraphs(art)
    for heading in gold.get("section_headings", []):
        assert heading in body, heading


def test_seed_publisher_summary_kept_apart(seed):
    _, gold, art = seed
    if not gold.get("publisher_summary_present"):
        # The annotation flags a summary block only where the page has one.
        assert art.summary is None
        return
    bullets = art.summary.split("\n")
    assert len(bullets) == 4
    body = paragraphs(art)
    for bullet in bullets:
        assert bullet and not bullet.startswith(BULLET_GLYPHS)
        assert bullet not in body
        assert not any(bullet in p for p in body)


# --- invented pages -------------------------------------------------------------------------

LONG = (
    "The harbour authority confirmed on Thursday that the new timetable will add four early "
    "crossings, and that the older vessels will be retired once the replacement boats arrive."
)


def test_byline_with_two_authors_between_headline_and_dek():
    art = parse_plain_text(
        "Ferry Fares Rise for the Winter Season\n"
        "Ferry Fares Rise for the Winter Season\n"
        "By Jane Roe and Sam Poe\n"
        "Commuters will pay a little more from next month.\n"
        f"{LONG}\n"
    )
    assert art.title == "Ferry Fares Rise for the Winter Season"
    assert art.byline == "Jane Roe, Sam Poe"
    assert art.dek == "Commuters will pay a little more from next month."
    assert paragraphs(art) == [LONG]
    assert art.removed == ["By Jane Roe and Sam Poe"]


def test_by_line_then_name_line_three_authors():
    art = parse_plain_text(
        "Ferry Fares Rise for the Winter Season\nBy\nAna Lind, Tomas Berg and Ola Nord\n"
        "Ana Lind, Tomas Berg and Ola Nord\n" + LONG
    )
    assert art.byline == "Ana Lind, Tomas Berg, Ola Nord"
    assert art.title == "Ferry Fares Rise for the Winter Season"
    assert paragraphs(art) == [LONG]
    assert art.removed == ["By", "Ana Lind, Tomas Berg and Ola Nord", "Ana Lind, Tomas Berg and Ola Nord"]


def test_key_points_with_dash_bullets_and_ai_notice():
    art = parse_plain_text(
        "Library Opens Late on Weekdays\n\n"
        "Library Opens Late on Weekdays\n\n"
        "Key points:\n"
        "This summary was generated by AI\n"
        "- Opening hours extend to ten at night.\n"
        "- The change starts in March.\n"
        "1. A local trust pays for the extra staff.\n"
        f"{LONG}\n"
        "Highlights\n"
        "The reading room gets new lamps as well, the librarian said.\n"
    )
    assert art.summary == (
        "Opening hours extend to ten at night.\nThe change starts in March.\n"
        "A local trust pays for the extra staff."
    )
    assert art.dek is None  # a summary label right after the headline is not a dek
    assert art.removed == ["Key points:", "This summary was generated by AI"]
    # A label with no bullets after it is an ordinary heading and stays.
    assert paragraphs(art) == [LONG, "Highlights", "The reading room gets new lamps as well, the librarian said."]


@pytest.mark.parametrize(
    "line",
    [
        "Follow the money, investigators said.",
        "Share prices fell 4% on Monday.",
        "Subscribers to the service rose by a third last year.",
        "Related parties must disclose their stakes.",
        "Advertisement spending slowed in the second quarter.",
        "Click rates on the council's site doubled after the redesign, officials said.",
        "The Last Pop Icon",
        "Reporting by Jane Roe; Editing by Sam Poe",
        "Summary judgment was granted to the landlord.",
    ],
)
def test_lookalikes_are_kept(line):
    assert not is_boilerplate(line)
    art = parse_plain_text(f"Town Council Meets on Budget\n{LONG}\n{line}\n")
    assert line in paragraphs(art)
    assert line not in art.removed


@pytest.mark.parametrize(
    "line",
    [
        "Follow us on X", "Follow", "Share", "Share this article", "Sign up for our newsletter",
        "Subscribe", "Subscribe now for full access", "Get the latest market news and updates.",
        "Read more: Council approves new bike lanes", "Related:", "Advertisement", "Facebook Icon",
        "Click here to see the full gallery", "We use cookies to improve your experience.",
        "Accept all cookies", "All rights reserved.", "© 2024 Example Media Ltd", "Continue reading",
        "Download our app", "AI-generated summary", "This summary was generated by AI",
        ".", "…", "—", "***", "",
    ],
)
def test_boilerplate_lines(line):
    assert is_boilerplate(line)


def test_lone_punctuation_removed_from_body():
    art = parse_plain_text(f"Town Council Meets on Budget\n\n{LONG}\n\n.\n\n***\n\n—\n\nShare this article\n")
    assert paragraphs(art) == [LONG]
    assert art.removed == [".", "***", "—", "Share this article"]


def test_no_repeated_headline_first_line_is_title():
    art = parse_plain_text(
        "Night Buses Return to the Valley\n"
        "Three routes resume after a two-year pause.\n"
        f"{LONG}\n"
        "Where the Routes Go\n"
        "The first bus leaves the depot shortly after midnight.\n"
    )
    assert art.title == "Night Buses Return to the Valley"
    assert art.dek == "Three routes resume after a two-year pause."
    assert art.teaser is None and art.byline is None and art.summary is None
    assert paragraphs(art) == [LONG, "Where the Routes Go", "The first bus leaves the depot shortly after midnight."]


def test_first_line_a_sentence_gives_no_title():
    art = parse_plain_text(f"{LONG}\nThe first bus leaves the depot shortly after midnight.\n")
    assert art.title is None
    assert paragraphs(art) == [LONG, "The first bus leaves the depot shortly after midnight."]


def test_heading_after_title_is_not_a_dek():
    art = parse_plain_text(f"Night Buses Return to the Valley\nWhere the Routes Go\n{LONG}\n")
    assert art.dek is None
    assert paragraphs(art) == ["Where the Routes Go", LONG]


@pytest.mark.parametrize("text", ["", "   ", "\n\n \t\u00a0\r\n  \n"])
def test_empty_input(text):
    art = parse_plain_text(text)
    assert art == PlainArticle(title=None, dek=None, teaser=None, byline=None, summary=None, body="", removed=[])


def test_nbsp_and_crlf():
    text = (
        "A warm autumn kept the orchards busy until late in the year.\r\n\r\n"
        "Apple\u00a0Harvest Runs Late\r\n"
        "  Apple Harvest  Runs Late  \r\n"
        "\u00a0\u00a0By Jane\u00a0Roe\r\n"
        f"{LONG.replace(' the ', chr(0xA0) + 'the' + chr(0x2009))}\r\n"
    )
    art = parse_plain_text(text)
    assert art.title == "Apple Harvest Runs Late"
    assert art.teaser == "A warm autumn kept the orchards busy until late in the year."
    assert art.byline == "Jane Roe"
    assert paragraphs(art) == [LONG]
    assert "\r" not in art.body and "\u00a0" not in art.body


def test_normalize_whitespace():
    assert normalize_whitespace("  a\u00a0\u00a0 b\u2009c \r\n\r\n\r\n\r\n d\te\r\n") == "a b c\n\nd e"
    assert normalize_whitespace("one\rtwo") == "one\ntwo"
    assert normalize_whitespace("\u200bzero\ufeff width") == "zero width"


def test_strip_boilerplate_for_other_extractors():
    kept, removed = strip_boilerplate(
        ["  First paragraph of a feed body.  ", "", "Advertisement", "Share prices fell 4% on Monday.", "Read more:"]
    )
    assert kept == ["First paragraph of a feed body.", "Share prices fell 4% on Monday."]
    assert removed == ["Advertisement", "Read more:"]
