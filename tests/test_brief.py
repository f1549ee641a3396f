"""Briefs of the seed story: what the Quick Take says, where sources differ, and a gate that catches lies."""

from __future__ import annotations

import copy
import json
import re

import pytest
from conftest import SEEDS, need

from newsdesk import pipeline
from newsdesk.brief.desk import BriefDesk
from newsdesk.brief.gate import Gate, numbers_in, quotes_in
from newsdesk.brief.llm_writer import evidence_for
from newsdesk.brief.model import Evidence, Line
from newsdesk.brief.render import markdown
from newsdesk.facts import FactsStage
from newsdesk.settings import load_settings
from newsdesk.store import Store
from newsdesk.stories import StoryDesk, make_embedder

A000, A002, A004 = "000_8bbeadb7ac7fca71.txt", "002_176fb2ef09f34afc.txt", "004_0d8fb8fe25ed7548.txt"


@pytest.fixture(scope="module")
def embedder(tmp_path_factory):
    return make_embedder(load_settings(env={}, model_cache_dir=str(tmp_path_factory.mktemp("models"))))


def build(db, inputs, embedder):
    settings = load_settings(env={}, db=str(db))
    store = Store(db)
    pipeline.ingest([str(i) for i in inputs], store, settings)
    StoryDesk(store, settings, embedder).run()
    FactsStage(store, processes=1).run()
    return store, settings


@pytest.fixture(scope="module")
def seeds_brief(tmp_path_factory, embedder):
    need(SEEDS)
    store, settings = build(tmp_path_factory.mktemp("seeds") / "s.db", [SEEDS], embedder)
    desk = BriefDesk(store, settings, embedder)
    report = desk.run()
    (story,) = store.list_stories()
    material = desk.material(store.get_story(story["id"]))
    yield store.latest_brief(story["id"]), report, desk, material
    store.close()


def _short(ids):
    return sorted(i[:3] for i in ids)


# ------------------------------------------------------------------ the seed story's brief


def test_the_seed_story_gets_one_brief_that_passes_the_gate_and_waits_for_an_editor(seeds_brief):
    brief, report, _, _ = seeds_brief
    assert len(report.written) == 1 and report.written[0][1:] == (1, "draft")
    content = brief["content"]
    assert content["gate"] == {"passed": True, "reasons": []}
    assert len(content["articles"]) == 3 and content["independent_origins"] == 2
    assert len(content["headline"]) <= 90 and content["dek"].count(". ") == 0


def test_the_quick_take_covers_the_story_agreed_facts_first_then_one_outlet_facts(seeds_brief):
    bullets = seeds_brief[0]["content"]["quick_take"]
    assert 3 <= len(bullets) <= 5
    statuses = [b["status"] for b in bullets]
    assert statuses == sorted(statuses)  # "consensus" before "single-source"
    agreed = " ".join(b["text"] for b in bullets if b["status"] == "consensus")
    assert "second" in agreed and "meeting" in agreed
    assert "Witkoff" in agreed and "four" in agreed and "one" in agreed
    assert "finish the job" in agreed
    assert "Qatar" in agreed
    for b in bullets:
        if b["status"] == "consensus":
            origins = {c[:3] for c in b["citations"]} - {"004"} | ({"002"} if A004 in b["citations"] else set())
            assert "000" in origins and "002" in origins, b  # two independent origins each


def test_the_ten_hostages_fact_is_one_report_that_two_outlets_carried(seeds_brief):
    # 004 retells 002: one origin, two outlets; the label counts the outlets, not the reports
    bullets = seeds_brief[0]["content"]["quick_take"]
    (hostages,) = [b for b in bullets if "ten living hostages" in b["text"]]
    assert hostages["status"] == "single-source" and hostages["label"] == "one report, carried by 2 outlets"
    assert _short(hostages["citations"]) == ["002", "004"]


def test_where_sources_differ_gives_the_meeting_duration_with_each_side(seeds_brief):
    differences = seeds_brief[0]["content"]["differences"]
    (duration,) = [d for d in differences if d["kind"] == "quantity"]
    sides = {side["value"]: _short(side["articles"]) for side in duration["sides"]}
    assert sides == {"over an hour": ["000"], "approximately two hours": ["002", "004"]}
    sequences = [d for d in differences if d["kind"] == "sequence"]
    assert any("Qatari delegation" in d["topic"] for d in sequences)


def test_every_line_cites_evidence_that_is_verbatim_in_the_article(seeds_brief):
    content = seeds_brief[0]["content"]
    store = seeds_brief[2].store
    stored = {a: store.get_article(a) for a in (A000, A002, A004)}
    lines = ([content["headline_source"], content["dek_source"]] + content["quick_take"] + content["body_sentences"]
             + content["differences"] + content["quotes"] + content["timeline"])
    for line in lines:
        assert line["citations"], line
        for e in line["evidence"]:
            assert e["article"] in line["citations"]
            article = stored[e["article"]]
            held = {"text": article.text, "title": article.title, "dek": article.dek}[e.get("field", "text")]
            assert e["text"] and held[e["start"]:e["end"]] == e["text"], e
            assert e["gate"] == "passed"


def test_the_body_is_a_short_non_redundant_read_from_both_origins(seeds_brief):
    content = seeds_brief[0]["content"]
    words = len(content["body"].split())
    assert 120 <= words <= 250, words
    cited = {c for s in content["body_sentences"] for c in s["citations"]}
    assert A000 in cited and cited & {A002, A004}
    texts = [s["text"] for s in content["body_sentences"]]
    assert len(set(texts)) == len(texts)
    # a disputed figure is told under "where sources differ", not as a plain fact
    assert "two hours" not in content["body"] and "over an hour" not in content["body"]


def test_quotes_keep_their_speaker_and_every_wording(seeds_brief):
    quotes = {q["speaker"]: q for q in seeds_brief[0]["content"]["quotes"]}
    netanyahu = quotes["Benjamin Netanyahu"]
    assert _short(netanyahu["articles"]) == ["000", "002", "004"] and len(netanyahu["variants"]) == 2
    assert "Majed Al-Ansari" in quotes


def test_markdown_shows_the_brief_with_numbered_sources(seeds_brief):
    text = markdown(seeds_brief[0]["content"])
    assert text.startswith("# ") and "## Quick Take" in text and "## Where sources differ" in text
    assert "*(one report, carried by 2 outlets)*" in text and "[1]" in text and "## Sources" in text


# ------------------------------------------------------------------ versions


def test_a_story_that_gains_an_article_gets_a_new_version_with_whats_new(tmp_path, embedder):
    need(SEEDS)
    store, settings = build(tmp_path / "v.db", [SEEDS / A000, SEEDS / A002], embedder)
    desk = BriefDesk(store, settings, embedder)
    assert [w[1] for w in desk.run().written] == [1]
    again = desk.run()
    assert again.written == [] and again.unchanged == 1  # nothing changed, no new version
    pipeline.ingest([str(SEEDS / A004)], store, settings)
    StoryDesk(store, settings, embedder).run()
    FactsStage(store, processes=1).run()
    written = desk.run().written
    assert [w[1] for w in written] == [2]
    story_id = written[0][0]
    versions = store.brief_versions(story_id)
    assert [v["version"] for v in versions] == [1, 2]
    new = versions[1]["changes"]
    assert [s["id"] for s in new["new_sources"]] == [A004]
    assert "1 new source" in new["summary"]
    assert versions[0]["content"]["headline"]  # the old version is kept as it was
    store.close()


def test_an_article_its_outlet_revises_is_news_in_the_next_version(tmp_path, embedder):
    """A new version of a stored article (same id, changed text) rewrites the brief, and what's new
    names the revised source."""
    first = [
        {"id": "ferry-a", "source": "Coast Post", "published": "2031-05-01T09:00:00+00:00",
         "title": "Ferry runs aground off Tarrow", "text": (
             "A passenger ferry ran aground off Tarrow on Friday morning with 212 people on board. "
             "The coastguard said nobody was hurt and the passengers were taken ashore by lifeboat. "
             "The ferry operator said the ship had lost steering shortly after leaving the harbour.")},
        {"id": "ferry-b", "source": "Isles Herald", "published": "2031-05-01T10:00:00+00:00",
         "title": "Tarrow ferry aground, passengers safe", "text": (
             "A ferry carrying 212 passengers ran aground off Tarrow on Friday. "
             "Lifeboat crews took the passengers ashore and the coastguard said there were no injuries. "
             "The operator blamed a steering fault that struck just after the ship left the harbour.")},
    ]
    path = tmp_path / "ferry.jsonl"
    path.write_text("\n".join(json.dumps(a) for a in first), encoding="utf-8")
    store, settings = build(tmp_path / "r.db", [path], embedder)
    desk = BriefDesk(store, settings, embedder)
    assert [w[1] for w in desk.run().written] == [1]
    revised = dict(first[1], text=first[1]["text"].replace("there were no injuries", "two people were hurt"))
    path.write_text(json.dumps(revised), encoding="utf-8")
    report = pipeline.ingest([str(path)], store, settings)
    assert [r.article_id for r in report.revised] == ["ferry-b"]
    StoryDesk(store, settings, embedder).run()
    FactsStage(store, processes=1).run()
    written = desk.run().written
    assert [w[1] for w in written] == [2]
    changes = store.brief_versions(written[0][0])[1]["changes"]
    assert [r["article"] for r in changes["revised_sources"]] == ["ferry-b"]
    assert "1 source revised its article" in changes["summary"]
    store.close()


# ------------------------------------------------------------------ the gate


def _gate(seeds_brief):
    _, _, desk, material = seeds_brief
    return desk.gate_for(material), material


def _bullet(seeds_brief, needle):
    content = seeds_brief[0]["content"]
    (b,) = [b for b in content["quick_take"] if needle in b["text"]]
    return Line.from_dict(copy.deepcopy(b))


def test_the_gate_passes_the_brief_as_written(seeds_brief):
    gate, _ = _gate(seeds_brief)
    for b in seeds_brief[0]["content"]["quick_take"]:
        assert gate.check(Line.from_dict(b)).passed


@pytest.mark.parametrize("needle,old,new", [
    ("ten living hostages", "ten living", "twelve living"),
    ("ten living hostages", "nine", "19"),
    ("Witkoff", "four", "five"),
])
def test_the_gate_catches_a_changed_number(seeds_brief, needle, old, new):
    gate, _ = _gate(seeds_brief)
    line = _bullet(seeds_brief, needle)
    line.text = line.text.replace(old, new, 1)
    verdict = gate.check(line)
    assert not verdict.passed and any("number" in r or ", not " in r for r in verdict.reasons), verdict


@pytest.mark.parametrize("old,new", [("Witkoff", "Kushner"), ("Witkoff", "Vance")])
def test_the_gate_catches_a_swapped_name(seeds_brief, old, new):
    gate, _ = _gate(seeds_brief)
    line = _bullet(seeds_brief, "Witkoff")
    line.text = line.text.replace(old, new)
    verdict = gate.check(line)
    assert not verdict.passed, verdict
    if new == "Kushner":  # a name no article gives
        assert any(new in r for r in verdict.reasons), verdict


def test_the_gate_catches_an_invented_quote(seeds_brief):
    gate, _ = _gate(seeds_brief)
    line = _bullet(seeds_brief, "finish the job")
    line.text = line.text.replace("finish the job", "finish the job within days")
    verdict = gate.check(line)
    assert not verdict.passed and any("quote" in r for r in verdict.reasons), verdict
    line = _bullet(seeds_brief, "ten living hostages")
    line.text += " A mediator called it “the deal of the century”."
    assert not gate.check(line).passed


def test_the_gate_catches_a_citation_to_the_wrong_article(seeds_brief):
    gate, material = _gate(seeds_brief)
    # the citation moved, its evidence left as it was
    line = _bullet(seeds_brief, "ten living hostages")
    line.citations = [A000 if c == A004 else c for c in line.citations]
    assert not gate.check(line).passed
    # the citation and its evidence moved to the same place in another article
    line = _bullet(seeds_brief, "ten living hostages")
    for e in line.evidence:
        if e.article == A002:
            e.article = A000
    line.citations = [A000 if c == A002 else c for c in line.citations]
    assert not gate.check(line).passed
    # the citation moved and honest evidence looked up in the wrong article
    line = _bullet(seeds_brief, "ten living hostages")
    line.citations = [A000]
    line.evidence = evidence_for(material, A000, line.text, gate.embed)
    verdict = gate.check(line)
    assert not verdict.passed and any("ten" in r or "does not say" in r for r in verdict.reasons), verdict


def test_the_gate_catches_a_single_origin_fact_presented_as_consensus(seeds_brief):
    gate, material = _gate(seeds_brief)
    line = _bullet(seeds_brief, "ten living hostages")
    line.consensus, line.label = True, None
    verdict = gate.check(line)
    assert not verdict.passed and any("independent origin" in r for r in verdict.reasons), verdict
    # with a citation of the other origin added, the figures are still only in one
    line.citations.append(A000)
    line.evidence += evidence_for(material, A000, line.text, gate.embed)
    verdict = gate.check(line)
    assert not verdict.passed, verdict


def test_the_gate_needs_a_citation_and_evidence_that_is_in_the_article(seeds_brief):
    gate, _ = _gate(seeds_brief)
    line = _bullet(seeds_brief, "ten living hostages")
    assert gate.check(Line(line.text, [], [])).reasons == ["no citation"]
    line.evidence[0] = Evidence(line.evidence[0].article, line.evidence[0].start + 1, line.evidence[0].end,
                                line.evidence[0].text)
    assert any("is not what the article says" in r for r in gate.check(line).reasons)


def test_every_kind_of_injected_hallucination_in_every_bullet_is_caught(seeds_brief):
    """All five kinds, injected into each bullet where they apply: the gate catches 100 %."""
    gate, material = _gate(seeds_brief)
    injected = caught = 0
    for b in seeds_brief[0]["content"]["quick_take"]:
        variants = []
        numbers = numbers_in(b["text"])
        if numbers:
            surface = numbers[0][0]
            variants.append(b["text"].replace(surface, "7,777", 1))
        names = [w for w in re.findall(r"\b[A-Z][a-z]{3,}\b", b["text"]) if w not in ("While", "The", "When")]
        if names:
            variants.append(b["text"].replace(names[-1], "Borrell"))
        variants.append(b["text"].rstrip(".") + ", adding: “we will never negotiate”.")
        for text in variants:
            line = Line.from_dict(copy.deepcopy(b))
            line.text = text
            injected += 1
            caught += not gate.check(line).passed
        wrong = Line.from_dict(copy.deepcopy(b))
        others = [a for a in material.sources if a not in wrong.citations]
        if others:
            wrong.citations = [others[0]]
            wrong.evidence = [Evidence(others[0], e.start, e.end, e.text) for e in wrong.evidence[:1]]
            injected += 1
            caught += not gate.check(wrong).passed
        if b["status"] == "single-source":
            fake = Line.from_dict(copy.deepcopy(b))
            fake.consensus = True
            injected += 1
            caught += not gate.check(fake).passed
    assert injected >= 15 and caught == injected


# ------------------------------------------------------------------ the gate's readers


def test_numbers_are_read_in_digits_and_words():
    found = {(v, k) for _, v, k in numbers_in("ten hostages, 1.2 million people, twenty-five boats, a 60-day truce, "
                                              "the third visit, 3bn dollars, 57,500 dead")}
    assert found == {(10, "cardinal"), (1.2e6, "cardinal"), (25, "cardinal"), (60, "cardinal"), (3, "ordinal"),
                     (3e9, "cardinal"), (57500, "cardinal")}


def test_quotes_are_read_in_every_quote_style_but_apostrophes_are_not_quotes():
    found = set(quotes_in("He said “we are close” and 'going very well' but «non», while Hamas' men and Trump's aides"))
    assert found == {"we are close", "going very well", "non"}


def test_a_line_in_the_words_of_the_evidence_passes_without_an_embedder():
    from newsdesk.brief.model import Source

    text = "The mayor, Ana Ruiz, said 12 buses will run on Sunday."
    sources = {"a": Source("a", "t", text, "a")}
    gate = Gate(sources)
    assert gate.check(Line("Ana Ruiz said 12 buses will run.", ["a"], [Evidence("a", 0, len(text), text)])).passed
    verdict = gate.check(Line("Ana Ruiz said 14 buses will run.", ["a"], [Evidence("a", 0, len(text), text)]))
    assert verdict.reasons == ["number '14' is not in the cited evidence (a)", "“t” gives 12 buses, not 14"]
    assert verdict.articles == ["a"]


def test_a_citation_that_gives_another_value_for_the_figure_fails_the_line():
    from newsdesk.brief.model import Source

    ours = "About 38,000 vehicles use the bridge on a normal weekday."
    theirs = "Nearly 45,000 vehicles use the bridge on a normal weekday, the council said."
    sources = {"a": Source("a", "Bridge traffic", ours, "a", "Valley Ledger"),
               "b": Source("b", "Council counts cars", theirs, "b", "Harbour Times")}
    line = Line(ours, ["a", "b"], [Evidence("a", 0, len(ours), ours), Evidence("b", 0, len(theirs), theirs)])
    verdict = Gate(sources).check(line)
    assert not verdict.passed
    assert verdict.reasons == ["Harbour Times — “Council counts cars” gives 45,000 vehicles, not 38,000"]
    assert verdict.articles == ["b"]


def test_the_stored_verdicts_list_each_failing_line(seeds_brief):
    brief = seeds_brief[0]
    store = seeds_brief[2].store
    assert store.failed_brief_lines(brief["story_id"], brief["version"]) == []
    assert json.loads(json.dumps(brief["content"]))["quick_take"][0]["gate"]["passed"] is True


def test_a_rewritten_brief_reuses_the_stored_evidence_vectors_and_says_the_same(seeds_brief, monkeypatch):
    brief, _, desk, material = seeds_brief
    stored = desk.store.conn.execute("SELECT COUNT(*) FROM text_vectors").fetchone()[0]
    assert stored > 0  # the first brief kept the vectors of what its gate compared
    calls = []
    monkeypatch.setattr(desk.embedder, "encode_each", lambda texts: calls.append(texts) or [])
    again = desk.write(material)
    assert calls == []  # nothing embedded again
    assert [b["text"] for b in again["quick_take"]] == [b["text"] for b in brief["content"]["quick_take"]]


def test_a_gate_vector_does_not_depend_on_the_texts_embedded_with_it(embedder):
    text = "Witkoff said the negotiations went from four issues to one."
    others = ["A Qatari delegation met US officials.", "Talks lasted approximately two hours at the White House."]
    alone = embedder.encode_each([text])[0]
    assert (embedder.encode_each([*others, text])[-1] == alone).all()


def test_markdown_escapes_what_makes_markup_and_nothing_else():
    from newsdesk.brief.render import escape_md

    assert escape_md("Netanyahu's X (formerly Twitter) account") == "Netanyahu's X (formerly Twitter) account"
    assert escape_md("[click](javascript:alert(1)) <b>*bold*</b>") == \
        "\\[click\\](javascript:alert(1)) \\<b\\>\\*bold\\*\\</b\\>"


# ------------------------------------------------------------------ a body that reads as one article

QUAY_A = """Crane collapse shuts Port Kell's north quay

Harbour officials in Port Kell closed the north quay on Monday after a loading crane collapsed onto a moored grain carrier.

Harbour master Ilsa Marren said the quay would stay shut for at least a week while engineers inspect the other cranes.

She added that nobody had been hurt because the crew had left the ship for a shift change.

The grain carrier, the Nordvik, was due to sail for Rotterdam on Wednesday with 30,000 tonnes of barley.

Dock workers gathered at the gates of the quay as salvage teams arrived with a floating crane.
"""

QUAY_B = """Port Kell quay closed after crane falls on grain ship

A loading crane toppled onto a grain ship at Port Kell's north quay on Monday, and harbour officials closed the quay.

The Nordvik, which was loading barley for Rotterdam, suffered damage to two of its hatches, the ship's agent said.

Engineers from the crane's maker were expected in Port Kell on Tuesday to examine the wreck and the quay's other cranes.

Traders said the closure would delay barley exports from the region by several days.
"""


def test_a_body_sentence_that_needs_its_context_comes_right_after_it(tmp_path, embedder):
    """'She added …' is only told right after the sentence that names Ilsa Marren, never on its own."""
    folder = tmp_path / "quay"
    folder.mkdir()
    (folder / "a.txt").write_text(QUAY_A, encoding="utf-8")
    (folder / "b.txt").write_text(QUAY_B, encoding="utf-8")
    store, settings = build(tmp_path / "q.db", [folder], embedder)
    BriefDesk(store, settings, embedder).run()
    (story,) = store.list_stories()
    sentences = store.latest_brief(story["id"])["content"]["body_sentences"]
    texts = [s["text"] for s in sentences]
    she = next(k for k, t in enumerate(texts) if t.startswith("She added that nobody had been hurt"))
    assert she > 0 and texts[she - 1].startswith("Harbour master Ilsa Marren said"), texts
    before, this = sentences[she - 1]["evidence"][0], sentences[she]["evidence"][0]
    assert before["article"] == this["article"]
    store.close()
