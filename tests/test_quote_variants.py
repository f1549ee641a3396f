"""Quote variants on invented stories: one remark in several wordings, never different remarks.

Each test states what a reader of a story's quotes would see: which quotes are shown as
wordings of one remark, whether a wording changes its meaning, and who said it.
"""

from __future__ import annotations

import re
from datetime import datetime

import numpy as np
import pytest

from newsdesk.facts import article_facts
from newsdesk.facts.entities import link
from newsdesk.facts.nlp import load_pipeline, split_sentences
from newsdesk.facts.quote_variants import change_kind, quote_variants
from newsdesk.facts.quotes import extract_quotes


def bag_of_words(texts: list[str]) -> np.ndarray:
    """A stand-in embedder: unit vectors of hashed words (alike texts share words)."""
    out = np.zeros((len(texts), 512), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in re.findall(r"\w+", text.lower()):
            out[row, hash(word) % 512] += 1
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def story_quotes(*articles: tuple[str, str, str]) -> list[dict]:
    """The quotes of a story of (id, published ISO time, text) articles."""
    nlp = load_pipeline()
    published = {aid: datetime.fromisoformat(when) for aid, when, _ in articles}
    texts = {aid: text for aid, _, text in articles}
    facts = {aid: article_facts(aid, nlp(text), published[aid]) for aid, text in texts.items()}
    entities, entity_of = link({aid: f.mentions for aid, f in facts.items()})
    return quote_variants(facts, entities, entity_of, texts, bag_of_words, 0.6, published)


def quotes_of(found: list[dict], surname: str) -> list[dict]:
    return [q for q in found if (q["speaker"] or "").split()[-1:] == [surname]]


def quote_with(found: list[dict], start: str) -> dict:
    hits = [q for q in found if any(v["text"].startswith(start) for v in q["variants"])]
    assert len(hits) == 1, [(q["speaker"], [v["text"] for v in q["variants"]]) for q in found]
    return hits[0]


# --------------------------------------------------------------------------- one remark or several


def test_different_remarks_of_one_speaker_stay_apart():
    # two sentences of one speech that share a phrase ("on the table") are two remarks
    found = story_quotes(
        ("a", "2031-05-04T10:00:00+00:00",
         ("Mayor Lena Hartwig spoke at the depot on Tuesday. \u201cWe will not sign the contract until "
         "a fixed price is on the table and it is lower than last year,\u201d Hartwig said.")),
        ("b", "2031-05-04T12:00:00+00:00",
         ("Mayor Lena Hartwig addressed the drivers. \u201cThere is an offer on the table now, and it is a great "
         "deal better than what the builders wanted in March,\u201d Hartwig said. \u201cOur drivers have waited "
         "four winters for a fair deal, and they will not wait through a fifth,\u201d she added.")),
    )
    hartwig = quotes_of(found, "Hartwig")
    assert len(hartwig) == 3, [q["text"] for q in hartwig]
    assert all(len(q["variants"]) == 1 and len(q["articles"]) == 1 for q in hartwig)


def test_a_truncated_quote_is_a_variant_that_changes_the_meaning():
    found = story_quotes(
        ("a", "2031-05-04T10:00:00+00:00",
         ("\u201cNo school will close in the first three years after the merger, and both names stay on the "
         "gates until then,\u201d said Ivo Brandt, the district's superintendent.")),
        ("b", "2031-05-04T11:00:00+00:00",
         "The superintendent, Ivo Brandt, was asked about closures. \u201cNo school will close,\u201d Brandt said."),
    )
    quote = quote_with(found, "No school will close")
    assert quote["speaker"] == "Ivo Brandt" and quote["articles"] == ["a", "b"]
    _main, short = quote["variants"]
    assert short["text"].startswith("No school will close,") and short["articles"] == ["b"]
    assert short["change"] == "meaning"  # the three-year limit is gone


def test_a_paraphrase_with_synonyms_is_a_style_variant():
    found = story_quotes(
        ("a", "2031-05-04T10:00:00+00:00",
         ("\u201cThe roof was badly damaged when our first engineers got there, and our aim was to keep the rain "
         "out of the wards on the top floor,\u201d said Nadia Orsk, the hospital's estates manager.")),
        ("b", "2031-05-04T13:00:00+00:00",
         ("Nadia Orsk, who runs the hospital's buildings, said: \u201cThe roof was severely damaged when the first "
         "engineers arrived. Our task was to keep the rain out of the wards.\u201d")),
    )
    quote = quote_with(found, "The roof was")
    assert quote["speaker"] == "Nadia Orsk" and quote["articles"] == ["a", "b"]
    assert quote["variants"][1]["change"] == "style"


def test_a_dropped_condition_is_a_meaning_variant():
    found = story_quotes(
        ("a", "2031-05-04T10:00:00+00:00",
         ("\u201cWe will pay the winter bonus to every driver if the accounts balance in June,\u201d said "
         "Tobias Renner, the company's finance director.")),
        ("b", "2031-05-04T14:00:00+00:00",
         "Finance director Tobias Renner said: \u201cWe will pay the winter bonus to every driver in June.\u201d"),
    )
    quote = quote_with(found, "We will pay the winter bonus")
    assert quote["articles"] == ["a", "b"]
    assert quote["variants"][1]["change"] == "meaning"


def test_a_fragment_in_the_writers_sentence_is_no_variant_of_the_full_quote():
    found = story_quotes(
        ("a", "2031-05-04T10:00:00+00:00",
         ("\u201cNobody here wanted to close the pool. But the other choice was losing the buses that people "
         "cannot do without,\u201d said Councillor Rosa Veldt.")),
        ("b", "2031-05-04T12:00:00+00:00",
         "Councillor Rosa Veldt said the budget kept \u201cthe buses that people cannot do without\u201d."),
    )
    veldt = quotes_of(found, "Veldt")
    assert sorted(q["articles"] for q in veldt) == [["a"], ["b"]]


def test_the_same_words_on_another_day_are_another_remark():
    found = story_quotes(
        ("a", "2031-05-05T18:00:00+00:00",
         "On Monday, Mayor Lena Hartwig said: \u201cWe will not sign any contract with the builders this year.\u201d"),
        ("b", "2031-05-08T18:00:00+00:00",
         ("On Thursday, Mayor Lena Hartwig told the council: \u201cWe will not sign a contract with these builders "
         "this year.\u201d")),
    )
    assert sorted(q["articles"] for q in quotes_of(found, "Hartwig")) == [["a"], ["b"]]


def test_partly_alike_quotes_of_articles_weeks_apart_are_separate():
    found = story_quotes(
        ("a", "2031-05-04T10:00:00+00:00",
         ("\u201cThe ferry will sail twice a day through the summer and the fares will stay frozen,\u201d said "
         "Otto Lindahl, the operator's chief executive.")),
        ("b", "2031-06-20T10:00:00+00:00",
         ("\u201cThe ferry will sail once a day through the autumn,\u201d said Otto Lindahl, the operator's chief "
         "executive.")),
    )
    assert sorted(q["articles"] for q in quotes_of(found, "Lindahl")) == [["a"], ["b"]]


# --------------------------------------------------------------------------- style or meaning


@pytest.mark.parametrize(
    ("a", "b", "kind"),
    [
        ("We are cutting routes that people rely on.", "We are cutting routes people rely on.", "style"),
        ("The hall was well lit when the guests came in.", "The hall was brightly lit when the guests arrived.",
         "style"),
        ("I do not expect the line to reopen before the end of June.",
         "I expect the line to reopen by the end of June.", "meaning"),
        ("We are not going back until the deal is signed.", "We are going back once the deal is signed.",
         "meaning"),
        ("Forty jobs will go this year.", "Fourteen jobs will go this year.", "meaning"),
        ("The plant will close in 2033.", "The plant will close in 2035.", "meaning"),
        ("We will keep the clinic open.", "We may keep the clinic open.", "meaning"),
        ("Only members can vote on the plan.", "Members can vote on the plan.", "meaning"),
        ("The road reopens unless it snows.", "The road reopens.", "meaning"),
    ],
)
def test_change_kind(a, b, kind):
    assert change_kind(a, b) == kind
    assert change_kind(b, a) == kind


# --------------------------------------------------------------------------- institutions


def attributions(text: str) -> list[tuple[str | None, str | None]]:
    doc = load_pipeline()(text)
    return [(q.speaker, q.description) for q in extract_quotes(doc, split_sentences(doc))]


@pytest.mark.parametrize(
    ("text", "institution"),
    [
        ("The hospital treating Carl Moss said he was \u201ccomfortable and talking to his family.\u201d",
         "hospital"),
        ("Carl Moss \u201cis recovering well after surgery,\u201d according to a statement from the hospital.",
         "hospital"),
        ("Carl Moss \u201cnever declared the payments to the auditors,\u201d according to the indictment.",
         "indictment"),
        (("Carl Moss was taken to the county hospital on Monday. \u201cHe is in a stable condition,\u201d the "
         "hospital said in a statement."), "hospital"),
        ("The fire service said Carl Moss had been rescued. \u201cCrews found him on the first floor,\u201d it said.",
         "service"),
    ],
)
def test_an_institutions_statement_is_attributed_to_the_institution(text, institution):
    [(speaker, description)] = attributions(text)
    assert speaker is None or "Moss" not in speaker
    assert institution in (speaker or description or "").lower()


def test_an_institutions_statement_is_not_grouped_with_the_person_it_is_about():
    found = story_quotes(
        ("a", "2031-05-04T10:00:00+00:00",
         ("Carl Moss, 61, was pulled from the river on Sunday. \u201cHe is comfortable and talking to his family,\u201d "
         "the hospital said in a statement.")),
        ("b", "2031-05-04T12:00:00+00:00",
         "\u201cI thought I would not see my family again,\u201d Carl Moss told reporters from his bed."),
    )
    assert all(q["articles"] == ["b"] for q in quotes_of(found, "Moss"))
    assert quote_with(found, "He is comfortable")["speaker"] == "the hospital"
