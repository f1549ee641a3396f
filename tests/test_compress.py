"""Compression of invented sentences: what a reader sees in a bullet cut from a long source sentence."""

from __future__ import annotations

import pytest

from newsdesk.brief.compress import compress, reads_alone, standalone
from newsdesk.eval.style import opening, unattributed, unbalanced


def pieces_of(sentence: str, result) -> str:
    """The kept pieces joined as the bullet joins them: a bullet is only ever the source's own words."""
    out = ""
    for a, b in result.spans:
        piece = sentence[a:b]
        out += piece if not out or piece[0] in ",.;:!?”’)" else " " + piece
    return out


@pytest.mark.parametrize("sentence, expected", [
    ("KESTRELTON — The harbour board voted on Monday to close the old quay to fishing boats.",
     "The harbour board voted on Monday to close the old quay to fishing boats."),
    ("DUNMORE, May 4 (Lantern Wire) - Farmers in the valley began harvesting wheat two weeks early.",
     "Farmers in the valley began harvesting wheat two weeks early."),
    ("(Lantern) — The ferry to Orrin Isle was cancelled for a third day running.",
     "The ferry to Orrin Isle was cancelled for a third day running."),
    ("But the ferry company said its timetable would return to normal on Friday.",
     "The ferry company said its timetable would return to normal on Friday."),
    ("Meanwhile, the council said it would review the contract for the new depot.",
     "The council said it would review the contract for the new depot."),
    ("After six hours of talks behind closed doors, the two unions agreed to suspend the strike.",
     "The two unions agreed to suspend the strike."),
    ("Oskar Veltman, the company’s chief executive, announced the takeover of Brask Mills on Monday.",
     "Oskar Veltman announced the takeover of Brask Mills on Monday."),
    ("The ministry (which oversees the ports) confirmed the closure of the quay on Tuesday.",
     "The ministry confirmed the closure of the quay on Tuesday."),
])
def test_a_long_sentence_loses_its_dateline_connective_lead_and_asides(sentence, expected):
    result = compress(sentence)
    assert result is not None and result.text == expected
    assert pieces_of(sentence, result)[1:] == expected[1:]  # the source's words (the first letter capitalised)


@pytest.mark.parametrize("sentence", [
    "If the rain continues, the river will burst its banks by Friday morning.",
    "According to the harbour report, 300 jobs at the quay are at risk this year.",
    "Unless the board pays, the union will strike for another week at the depot.",
])
def test_a_condition_or_an_attribution_that_opens_a_sentence_is_kept(sentence):
    result = compress(sentence)
    assert result is not None and result.text == sentence


def test_a_figure_in_an_appositive_is_kept():
    sentence = "The bridge, built in 1932 for 40,000 crowns, will stay closed until the repairs are done."
    assert "1932" in compress(sentence).text


@pytest.mark.parametrize("sentence", [
    "He said the talks with the harbour board had gone well on the whole.",
    "They will meet the mayor again on Thursday to discuss the depot.",
    "There was no immediate comment from the ministry on the quay closure.",
    "This comes after a week of protests outside the town hall in Dunmore.",
    "Once the props are in, walkers may be allowed back onto the path, he said.",
])
def test_a_sentence_whose_subject_or_speaker_is_a_bare_pronoun_is_refused(sentence):
    assert compress(sentence) is None


def test_a_subject_that_names_its_own_antecedent_is_kept():
    sentence = "One of the harbour board’s members resigned over the closure of the old quay."
    assert compress(sentence).text == sentence


def test_a_quotation_comes_whole_with_its_speaker_or_not_at_all():
    sentence = "“We will not back down,” said Ilsa Marren, the dockers’ union leader."
    speaker = sentence.index("Ilsa Marren")
    kept = compress(sentence, speakers=[(speaker, speaker + len("Ilsa Marren"))])
    assert kept is not None and "Ilsa Marren" in kept.text and "“We will not back down,”" in kept.text
    assert not unbalanced(kept.text) and not unattributed(kept.text)
    assert compress(sentence) is None  # the facts stage named no speaker: no bullet
    assert compress("“We will not back down,” she said on the quay at Dunmore.") is None
    # a quotation opened in the sentence before or closed in the next one
    assert compress("the board will pay in full,” the union leader told the meeting on Monday.") is None
    assert compress("The union leader said: “the board will pay in full and on time to everyone.") is None


def test_a_body_sentence_keeps_its_words_without_dateline_or_connective():
    assert standalone("PORT KELL — But the harbour board voted to close the quay on Monday.") == (
        len("PORT KELL — But "), "The harbour board voted to close the quay on Monday.")
    assert standalone("It was the third closure this year at the quay in Port Kell.") is None
    assert standalone("“We are done here,” he said, before leaving the hall.") is None
    assert standalone("“We are done here,” Ilsa Marren said, before leaving the hall.") is not None
    assert not reads_alone("After the meeting, he told reporters that the board would pay.")
    assert reads_alone("After the meeting, Ilsa Marren told reporters that the board would pay.")


def test_the_style_measure_reads_openings_and_quotes():
    assert opening("PORT KELL, May 2 (Lantern Wire) – The board met.") == "dateline"
    assert opening("But the board met on Monday.") == "connective"
    assert opening("There was no comment from the board.") == "connective"
    assert opening("He met the board on Monday.") == "pronoun"
    assert opening("US officials met the board.") is None
    assert opening("The board met on Monday.") is None
    assert unbalanced("The board said “it would pay.") and not unbalanced("The board said “it would pay”.")
    assert unattributed("“It will pay in full and on time.”")
    assert not unattributed("“It will pay in full and on time,” Marren said.")
    assert not unattributed("The board agreed a “fair offer” on Monday.")  # two words: no quotation


def test_a_subject_pointing_back_with_this_or_these_is_refused():
    assert compress("This meeting follows a week of protests outside the town hall in Dunmore.") is None
    assert compress("These talks were the longest the harbour board has held with the union.") is None


def test_a_long_sentence_loses_its_trailing_clause_unless_it_holds_a_figure():
    cut = compress("The harbour board and the dockers’ union met behind closed doors at the town hall on Monday "
                   "evening, hoping to end a dispute that has closed the quay to fishing boats all winter.")
    assert cut.text == "The harbour board and the dockers’ union met behind closed doors at the town hall on Monday evening."
    kept = compress("The harbour board and the dockers’ union met behind closed doors at the town hall on Monday "
                    "evening, marking their third meeting in as many days over the closure of the old quay.")
    assert "third meeting" in kept.text


def test_a_fragment_without_a_main_verb_is_refused():
    assert compress("Ilsa Marren, 41, with a reputation as the toughest negotiator on the quay at Dunmore.") is None


def test_a_straight_quote_mark_without_its_pair_is_refused():
    for close in ("”", '"'):
        sentence = f"“The board will pay in full and on time,{close} Ilsa Marren said on the quay."
        at = sentence.index("Ilsa Marren")
        kept = compress(sentence, speakers=[(at, at + len("Ilsa Marren"))])
        assert (kept is not None) == (close == "”")
