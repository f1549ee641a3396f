"""Direct quotes and their speakers, on invented sentences and on the seed articles.

Each test names what a reader of the facts would see: the words quoted, who said
them, and whether the name stands in the quote's own sentence.
"""

from __future__ import annotations

import pytest

from newsdesk.facts.model import Quote
from newsdesk.facts.nlp import load_pipeline, split_sentences
from newsdesk.facts.quotes import extract_quotes, quote_spans
from newsdesk.store import Store


def quotes(text: str) -> list[Quote]:
    doc = load_pipeline()(text)
    found = extract_quotes(doc, split_sentences(doc))
    for quote in found:  # every record points at its evidence verbatim
        assert text[quote.start:quote.end] == quote.text
        if quote.speaker_start is not None:
            assert text[quote.speaker_start:quote.speaker_end]
    return found


def only(text: str) -> Quote:
    found = quotes(text)
    assert len(found) == 1, found
    return found[0]


# --------------------------------------------------------------------------- finding quotes


def test_straight_and_curly_marks_give_the_same_quote_without_its_marks():
    straight = only('"We will rebuild the bridge before winter," Maria Lopez said.')
    curly = only("“We will rebuild the bridge before winter,” Maria Lopez said.")
    assert straight.text == curly.text == "We will rebuild the bridge before winter,"
    assert straight.speaker == curly.speaker == "Maria Lopez"


def test_guillemets_are_quotes():
    assert only("«The border stays open tonight», Maria Lopez said.").text == "The border stays open tonight"


def test_a_quote_of_several_sentences_is_one_quote():
    quote = only('"The harvest was poor. Prices will rise. Families will struggle," farmer Jonas Weber said.')
    assert quote.text == "The harvest was poor. Prices will rise. Families will struggle,"
    assert quote.speaker == "Jonas Weber" and quote.named_in_sentence


def test_apostrophes_and_possessives_are_never_quotes():
    text = (
        "The council’s plan angered the workers’ union, and we’re told it’s the ’90s all over again. "
        "Rock 'n' roll fans' tickets sold out; the players' union didn't object."
    )
    assert quote_spans(text) == []
    assert quotes(text) == []


def test_single_marks_count_only_around_three_words_or_more():
    spans = quote_spans("The sign read ‘no entry after dark’ in red, and the guard said ‘fine’ twice.")
    assert len(spans) == 1
    assert spans[0].start == len("The sign read ‘")


def test_an_apostrophe_inside_a_double_quote_does_not_end_it():
    quote = only("“We’re sure Hamas’ leaders and the unions’ members will sign,” Maria Lopez said.")
    assert quote.text == "We’re sure Hamas’ leaders and the unions’ members will sign,"


def test_a_paragraph_continued_quote_is_emitted_per_paragraph_with_one_speaker():
    text = (
        "“The first phase is done,” said Anna Kowalski, the project director. "
        "“The second phase starts in May.\n\n"
        "“After that, the tunnel opens to traffic.”"
    )
    found = quotes(text)
    assert [q.text for q in found] == [
        "The first phase is done,",
        "The second phase starts in May.",
        "After that, the tunnel opens to traffic.",
    ]
    assert [q.speaker for q in found] == ["Anna Kowalski"] * 3
    assert [q.named_in_sentence for q in found] == [True, False, False]


# --------------------------------------------------------------------------- speakers named in the sentence


def test_inverted_order_with_a_role_gives_the_full_name():
    quote = only('"We need more time to study the proposal," said Tomas Berg, spokesperson for the city council.')
    assert (quote.speaker, quote.verb, quote.named_in_sentence) == ("Tomas Berg", "say", True)
    assert quote.description is None


def test_colon_form():
    quote = only('Governor Alan Reyes said: "The budget is balanced for the first time in a decade."')
    assert quote.speaker == "Alan Reyes"
    assert quote.text == "The budget is balanced for the first time in a decade."


def test_stated_comma_form():
    quote = only('Helena Marsh stated, "The factory will reopen in March with two hundred workers."')
    assert (quote.speaker, quote.verb) == ("Helena Marsh", "state")


def test_according_to():
    quote = only('"The strike will end on Friday," according to Paul Novak, the union leader.')
    assert (quote.speaker, quote.verb) == ("Paul Novak", "according to")


def test_speech_verb_with_a_that_clause_far_from_the_quote():
    quote = only('Paul Novak remarked on Sunday evening that the negotiations were "going rather well."')
    assert (quote.speaker, quote.verb, quote.text) == ("Paul Novak", "remark", "going rather well.")


def test_a_scare_quote_keeps_its_speaker():
    quote = only('Minister Omar Haddad told reporters he was "optimistic" that a deal could be signed.')
    assert (quote.text, quote.speaker, quote.verb) == ("optimistic", "Omar Haddad", "tell")


def test_the_speaker_span_points_at_the_name():
    text = '"Nobody was hurt in the fire," fire chief Rosa Delgado said on Tuesday.'
    quote = only(text)
    assert text[quote.speaker_start:quote.speaker_end] == "Rosa Delgado"


# --------------------------------------------------------------------------- pronouns and context


def test_a_pronoun_resolves_to_the_subject_of_the_sentence_before_not_an_object_or_place():
    text = (
        "Mayor Clara Dunn met the engineer Victor Hale in Lisbon on Monday. "
        '"We agreed on a timetable for the new metro line," she said.'
    )
    quote = only(text)
    assert quote.speaker == "Clara Dunn"
    assert text[quote.speaker_start:quote.speaker_end] == "Clara Dunn"
    assert quote.named_in_sentence is False


def test_a_pronoun_gets_the_fullest_name_but_the_span_of_the_mention_it_resolved_to():
    text = (
        "Prime Minister Clara Dunn arrived in Oslo on Sunday. "
        "On Monday, Dunn visited the harbour with local officials. "
        '"We came here to listen to the fishermen," she stated.'
    )
    quote = only(text)
    assert quote.speaker == "Clara Dunn"
    assert text[quote.speaker_start:quote.speaker_end] == "Dunn"
    assert quote.speaker_start > text.index("On Monday")


def test_a_pronoun_with_nobody_named_nearby_stays_unnamed():
    quote = only('The weather was cold all week. "It was a long night," he said.')
    assert (quote.speaker, quote.verb) == (None, "say")


def test_a_sentence_that_is_only_a_quote_continues_the_speaker_before_it():
    text = '"The budget is tight," Alan Reyes said. "We will cut travel first."'
    first, second = quotes(text)
    assert second.speaker == "Alan Reyes" and second.named_in_sentence is False


def test_a_colon_at_the_end_of_the_line_before_introduces_the_quote():
    quote = only('The minister, Omar Haddad, said on Friday:\n"Our ports will stay open to every ship."')
    assert quote.speaker == "Omar Haddad" and quote.named_in_sentence is False


def test_quoted_as_saying_credits_the_person_quoted():
    quote = only('"We will appeal the ruling," Maria Lopez was quoted as saying.')
    assert quote.speaker == "Maria Lopez"


# --------------------------------------------------------------------------- unnamed speakers, organisations, headings


def test_an_unnamed_speaker_is_described_as_written():
    quote = only('"No agreement has been reached yet," a senior European diplomat said.')
    assert quote.speaker is None
    assert quote.description == "a senior European diplomat"
    assert quote.named_in_sentence is False


def test_an_organisation_description_goes_to_description():
    quote = only('"The borders will stay closed until Monday," Norway\'s foreign ministry said in a statement.')
    assert quote.speaker is None
    assert quote.description == "Norway's foreign ministry"


def test_a_named_organisation_is_the_speaker():
    quote = only('"The vaccine is safe for children," the World Health Organization said on Friday.')
    assert quote.speaker == "World Health Organization" and quote.named_in_sentence


def test_a_heading_quote_goes_to_the_person_who_speaks_in_it():
    text = "“Stay the Course” in Europe: Merkel Speaks in Berlin\n\nThe chancellor addressed parliament."
    quote = only(text)
    assert (quote.text, quote.speaker) == ("Stay the Course", "Merkel")


def test_a_title_with_no_one_speaking_has_no_speaker():
    quote = only('The band released "Summer Rain Falls Again" last year to good reviews.')
    assert (quote.speaker, quote.description, quote.verb) == (None, None, None)


# --------------------------------------------------------------------------- a longer article


ARTICLE = """Harbour Deal Within Reach, Officials Say

Talks between the port authority and the dockworkers' union entered a third day on Wednesday in Rotterdam.

"We are closer than we have ever been," said Pieter de Vries, the authority's chief negotiator. "Two issues remain."

Union leader Sanne Bakker was more cautious. She told reporters the proposal was "a step, not a solution."

“Our members have waited eleven months for a fair contract,” she said. “They will not wait forever.”

A spokesperson for the city council said the mayor was "following the talks closely", according to local radio.
"""


def test_every_span_of_a_longer_article_is_verbatim_and_speakers_are_right():
    found = quotes(ARTICLE)
    doc_text = ARTICLE
    for quote in found:
        assert doc_text[quote.start:quote.end] == quote.text
        assert quote.sentence >= 0
    by_text = {q.text: q for q in found}
    assert by_text["We are closer than we have ever been,"].speaker == "Pieter de Vries"
    assert by_text["Two issues remain."].speaker == "Pieter de Vries"
    assert by_text["a step, not a solution."].speaker == "Sanne Bakker"
    assert by_text["Our members have waited eleven months for a fair contract,"].speaker == "Sanne Bakker"
    assert by_text["They will not wait forever."].speaker == "Sanne Bakker"
    assert by_text["following the talks closely"].speaker is None


# --------------------------------------------------------------------------- the seeds

# speakers of the quotes of four words or more, in text order (no seed text is copied here)
SEED_SPEAKERS = {
    "000_8bbeadb7ac7fca71.txt": ["Netanyahu", "Witkoff"],
    "002_176fb2ef09f34afc.txt": ["Benjamin Netanyahu", "Majed Al-Ansari"],  # "He stated," resolved to the full name
    "004_0d8fb8fe25ed7548.txt": ["Netanyahu", "Steve Witkoff"],  # "…," he mentioned: Witkoff, named before
}


@pytest.fixture
def seed_bodies(cli, seeds, db_path) -> dict[str, str]:
    """The seed articles as stored (boilerplate removed), read at run time."""
    cli("ingest", str(seeds))
    with Store(db_path) as store:
        return {a.id: a.text for a in store.list_articles()}


def test_every_seed_quote_of_four_words_or_more_has_its_speaker(seed_bodies):
    assert set(seed_bodies) == set(SEED_SPEAKERS)
    for article_id, speakers in SEED_SPEAKERS.items():
        long_quotes = [q for q in quotes(seed_bodies[article_id]) if len(q.text.split()) >= 4]
        assert [q.speaker for q in long_quotes] == speakers, article_id


def test_seed_pronouns_point_at_the_mention_they_resolved_to(seed_bodies):
    for article_id in ("002_176fb2ef09f34afc.txt", "004_0d8fb8fe25ed7548.txt"):
        text = seed_bodies[article_id]
        resolved = [q for q in quotes(text) if len(q.text.split()) >= 4 and not q.named_in_sentence]
        assert len(resolved) == 1, article_id
        quote = resolved[0]
        mention = text[quote.speaker_start:quote.speaker_end]
        assert quote.speaker.endswith(mention) and quote.speaker_start < quote.start


def test_seed_scare_quotes_and_heading_keep_their_speakers(seed_bodies):
    short_000 = [q for q in quotes(seed_bodies["000_8bbeadb7ac7fca71.txt"]) if len(q.text.split()) < 4]
    assert sorted(q.speaker for q in short_000) == ["Netanyahu", "Witkoff"]  # the heading and a scare quote
    short_004 = [q for q in quotes(seed_bodies["004_0d8fb8fe25ed7548.txt"]) if len(q.text.split()) < 4]
    assert [(q.speaker, q.named_in_sentence) for q in short_004] == [("Trump", True)]


@pytest.mark.parametrize(
    "text",
    [
        '"Yes," he said.',
        "He said nothing.",
        "",
        '"',
        "“Unclosed quote at the end",
    ],
)
def test_degenerate_texts_do_not_fail(text):
    doc = load_pipeline()(text)
    for quote in extract_quotes(doc, split_sentences(doc)):
        assert text[quote.start:quote.end] == quote.text
