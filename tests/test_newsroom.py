"""The newsroom on the seed story: review, edits through the gate, publication, corrections, search, entities."""

from __future__ import annotations

import shutil

import pgsupport
import pytest
from conftest import SEEDS, need

from newsdesk import pipeline
from newsdesk.auth import Accounts
from newsdesk.brief.desk import BriefDesk
from newsdesk.facts import FactsStage
from newsdesk.newsroom import GateRefused, Newsroom, NewsroomError
from newsdesk.settings import load_settings
from newsdesk.store import Store
from newsdesk.stories import StoryDesk, make_embedder

PASSWORD = "correct horse battery"
CORRECTION = "An earlier version gave the number of open issues wrongly."


@pytest.fixture(scope="module")
def embedder(tmp_path_factory):
    return make_embedder(load_settings(env={}, model_cache_dir=str(tmp_path_factory.mktemp("models"))))


@pytest.fixture(scope="module")
def seeds_db(tmp_path_factory, embedder):
    """A store of the seed story with its first brief (a draft that passed the gate), built once."""
    need(SEEDS)
    db = tmp_path_factory.mktemp("seeds") / "seeds.db"
    settings = load_settings(env={}, db=str(db))
    with Store(db) as store:
        pipeline.ingest([str(SEEDS)], store, settings)
        StoryDesk(store, settings, embedder).run()
        FactsStage(store, processes=1).run()
        BriefDesk(store, settings, embedder).run()
    return db


class Room:
    """A fresh copy of the seed store with a newsroom and one editor, ann."""

    def __init__(self, db, embedder):
        self.settings = load_settings(env={}, db=str(db))
        self.store = Store(db)
        self.newsroom = Newsroom(self.store, self.settings, embedder)
        self.ann = Accounts(self.store).add_user("ann", "editor", PASSWORD)
        (story,) = self.store.list_stories()
        self.story = story["id"]

    def draft_bullets(self) -> list[dict]:
        content = self.newsroom.draft(self.story)["content"]
        return [{"text": b["text"], "citations": list(b["citations"])} for b in content["quick_take"]]

    def edit(self, bullets=None, **kw):
        content = self.newsroom.draft(self.story)["content"]
        return self.newsroom.edit(self.ann, self.story, headline=kw.pop("headline", content["headline"]),
                                  dek=content["dek"], bullets=bullets or self.draft_bullets(), **kw)

    def five_issues(self) -> list[dict]:
        """The Quick Take with "four negotiation issues" changed to five, which no article says."""
        bullets = self.draft_bullets()
        (k,) = [i for i, b in enumerate(bullets) if "four negotiation issues" in b["text"]]
        bullets[k]["text"] = bullets[k]["text"].replace("four", "five")
        return bullets


@pytest.fixture
def room(seeds_db, embedder, tmp_path, backend):
    db = tmp_path / "room.db"
    shutil.copy(seeds_db, db)
    if backend == "postgres":
        db = pgsupport.copy_of(db, drop_at_exit=False)
    room = Room(db, embedder)
    yield room
    room.store.close()
    if backend == "postgres":
        pgsupport.drop(db)


# ------------------------------------------------------------------ the review queue


def test_the_queue_lists_the_seed_story_draft_and_nothing_is_public_yet(room):
    (item,) = room.newsroom.queue()
    assert item["story_id"] == room.story and item["version"] == 1
    assert item["status"] == "draft" and item["gate_passed"] and item["reasons"] == []
    assert "Netanyahu" in item["headline"] and item["published_version"] is None
    assert room.newsroom.front_page() == []
    assert room.newsroom.published(room.story) is None
    assert room.newsroom.search("ceasefire") == {"stories": [], "articles": [], "terms": ["ceasefire"]}


# ------------------------------------------------------------------ edits through the gate


def test_an_edit_with_a_number_no_article_gives_is_refused_with_the_reasons(room):
    with pytest.raises(GateRefused) as refused:
        room.edit(room.five_issues())
    assert any("number 'five'" in r and r.startswith("quick take") for r in refused.value.reasons)
    assert f"story {room.story}" in str(refused.value)
    assert room.store.latest_brief(room.story)["version"] == 1  # nothing was saved
    assert room.newsroom.audit() == []


def test_the_same_edit_with_an_override_is_saved_needs_review_and_is_audited(room):
    saved = room.edit(room.five_issues(), override="The reporter confirmed five issues by phone.")
    assert saved["version"] == 2 and saved["status"] == "needs_review"
    assert saved["writer"] == "editor:ann" and not saved["gate_passed"]
    assert saved["override_reason"] == "The reporter confirmed five issues by phone."
    assert any("five negotiation issues" in b["text"] for b in saved["content"]["quick_take"])
    (entry,) = room.newsroom.audit(story_id=room.story)
    assert entry["action"] == "edit" and entry["user"] == "ann" and entry["version"] == 2
    assert entry["reason"] == "The reporter confirmed five issues by phone."
    assert any("four negotiation issues" in b["text"] for b in entry["before"]["quick_take"])
    assert any("five negotiation issues" in b["text"] for b in entry["after"]["quick_take"])
    (item,) = room.newsroom.queue()
    assert item["version"] == 2 and item["override"] and item["reasons"]


def test_an_edit_the_articles_support_passes_and_says_what_the_editor_changed(room):
    saved = room.edit(headline="Trump and Netanyahu meet again over a Gaza ceasefire")
    assert saved["gate_passed"] and saved["status"] == "needs_review"
    assert saved["content"]["headline"] == "Trump and Netanyahu meet again over a Gaza ceasefire"
    assert saved["changes"]["summary"][0] == "edited by ann: headline"
    draft = room.newsroom.draft(room.story)
    assert draft["version"] == 2 and draft["failed_lines"] == [] and draft["published_version"] is None


def test_a_headline_naming_someone_the_articles_do_not_is_refused(room):
    with pytest.raises(GateRefused) as refused:
        room.edit(headline="Trump and Macron meet again over a Gaza ceasefire")
    assert any("Macron" in r for r in refused.value.reasons)


# ------------------------------------------------------------------ publication


def test_approve_then_publish_puts_the_story_on_the_front_page(room):
    room.newsroom.approve(room.ann, room.story, 1)
    assert room.newsroom.queue()[0]["status"] == "approved"
    room.newsroom.publish(room.ann, room.story, 1)
    (card,) = room.newsroom.front_page()
    assert card["story_id"] == room.story and card["version"] == 1 and "Netanyahu" in card["headline"]
    assert (card["articles"], card["origins"], card["differences"], card["updated"]) == (3, 2, 3, False)
    public = room.newsroom.published(room.story)
    assert public["content"]["headline"] == card["headline"] and public["content"]["status"] == "published"
    assert public["corrections"] == []
    assert [v["version"] for v in public["versions"]] == [1]
    assert room.newsroom.queue() == []
    assert [e["action"] for e in room.newsroom.audit()] == ["publish", "approve"]


def test_a_second_publish_needs_a_correction_note_which_is_then_public(room):
    room.newsroom.publish(room.ann, room.story, 1)  # a draft that passed the gate: approval is implied
    assert [e["action"] for e in room.newsroom.audit()] == ["publish", "approve"]
    room.edit(room.five_issues(), override="The reporter confirmed five issues by phone.")
    with pytest.raises(NewsroomError, match=f"story {room.story} has version 1 published.*correction note"):
        room.newsroom.publish(room.ann, room.story, 2)
    room.newsroom.publish(room.ann, room.story, 2, note=CORRECTION)

    (card,) = room.newsroom.front_page()
    assert card["version"] == 2 and card["updated"]
    public = room.newsroom.published(room.story)
    assert [c["note"] for c in public["corrections"]] == [CORRECTION]
    assert [(v["version"], v["status"]) for v in public["versions"]] == [(2, "published"), (1, "superseded")]
    (correction,) = room.newsroom.corrections()
    assert correction["story_id"] == room.story and correction["version"] == 2 and correction["user"] == "ann"
    assert correction["headline"] == card["headline"]
    publish = room.newsroom.audit()[0]
    assert publish["action"] == "publish" and publish["reason"] == CORRECTION
    assert publish["before"]["published_version"] == 1 and publish["after"]["published_version"] == 2


def test_unpublishing_takes_the_story_off_the_front_page_search_and_entities(room):
    room.newsroom.publish(room.ann, room.story, 1)
    with pytest.raises(NewsroomError, match="reason is required"):
        room.newsroom.unpublish(room.ann, room.story, "  ")
    room.newsroom.unpublish(room.ann, room.story, "Legal asked us to hold it.")
    assert room.newsroom.front_page() == [] and room.newsroom.published(room.story) is None
    assert room.newsroom.search("ceasefire")["stories"] == []
    assert room.newsroom.entity("Netanyahu") is None
    entry = room.newsroom.audit()[0]
    assert (entry["action"], entry["before"], entry["after"]) == ("unpublish", {"status": "published"},
                                                                  {"status": "unpublished"})
    with pytest.raises(NewsroomError, match=f"story {room.story} is not published"):
        room.newsroom.unpublish(room.ann, room.story, "again")


def test_a_rejected_version_cannot_be_published(room):
    with pytest.raises(NewsroomError, match="reason is required"):
        room.newsroom.reject(room.ann, room.story, 1, "")
    room.newsroom.reject(room.ann, room.story, 1, "Too early: wait for the ceasefire text.")
    with pytest.raises(NewsroomError, match=f"version 1 of story {room.story} was rejected; it cannot be published"):
        room.newsroom.publish(room.ann, room.story, 1)
    assert room.newsroom.queue() == [] and room.newsroom.front_page() == []
    assert room.newsroom.audit()[0]["reason"] == "Too early: wait for the ceasefire text."


def test_a_version_that_failed_the_gate_needs_an_override_before_approval(room):
    brief = room.store.latest_brief(room.story)
    failed = brief["content"] | {"gate": {"passed": False, "reasons": ["quick take 2: number '7' is not in it"]}}
    room.store.save_brief(room.story, writer="extractive", signature=brief["signature"], status="needs_review",
                          content=failed, changes=None, note=None, lines=[])
    assert room.newsroom.queue()[0]["reasons"] == ["quick take 2: number '7' is not in it"]
    for act in (room.newsroom.approve, room.newsroom.publish):
        with pytest.raises(NewsroomError, match=f"version 2 of story {room.story} failed the gate.*no override"):
            act(room.ann, room.story, 2)


def test_errors_name_the_story_and_version_and_writes_need_an_editor(room):
    with pytest.raises(NewsroomError, match=f"story {room.story} has no version 9"):
        room.newsroom.publish(room.ann, room.story, 9)
    with pytest.raises(NewsroomError, match="signed-in editor"):
        room.newsroom.approve({"name": "mallory", "role": "reader"}, room.story, 1)
    with pytest.raises(NewsroomError, match="signed-in editor"):
        room.newsroom.publish(None, room.story, 1)
    room.newsroom.publish(room.ann, room.story, 1)
    with pytest.raises(NewsroomError, match=f"version 1 of story {room.story} is already published"):
        room.newsroom.publish(room.ann, room.story, 1, note="again")
    assert len(room.newsroom.audit()) == 2  # approve (implied) and publish; refusals write nothing


def test_the_pipeline_never_replaces_the_published_version(room, embedder):
    room.newsroom.publish(room.ann, room.story, 1)
    report = BriefDesk(room.store, room.settings, embedder).run(force=True)
    assert report.written == [(room.story, 2, "draft")]
    (card,) = room.newsroom.front_page()
    assert card["version"] == 1
    (item,) = room.newsroom.queue()
    assert item["version"] == 2 and item["published_version"] == 1


# ------------------------------------------------------------------ reading: articles, search, entities


def test_an_article_page_knows_its_story(room):
    article_id = room.store.get_story(room.story)["articles"][0]["id"]
    article = room.newsroom.article(article_id)
    assert article["id"] == article_id and article["story_id"] == room.story and article["text"]
    assert not article["story_published"]
    assert room.newsroom.article("no-such-article") is None


def test_search_finds_a_published_story_by_its_headline_and_an_article_by_its_text(room):
    room.newsroom.publish(room.ann, room.story, 1)
    found = room.newsroom.search("Stalemates")  # a word of the headline only
    assert [s["story_id"] for s in found["stories"]] == [room.story]
    found = room.newsroom.search("Witkoff hopeful")
    assert found["articles"] and all(a["story_id"] == room.story for a in found["articles"])
    assert "hopeful" in found["articles"][0]["snippet"]
    assert room.newsroom.search("Zanzibar") == {"stories": [], "articles": [], "terms": ["Zanzibar"]}


@pytest.mark.parametrize("query", ['"', '"unterminated', "AND OR", "*", "NEAR(", "title:x", "a -b", "(((", "",
                                   "\x00", "ceasefire\u202e", "𝔑𝔢𝔱𝔞𝔫𝔶𝔞𝔥𝔲", "日本語のニュース", "x" * 5000])
def test_search_survives_hostile_queries(room, query):
    room.newsroom.publish(room.ann, room.story, 1)
    found = room.newsroom.search(query)
    assert isinstance(found["stories"], list) and isinstance(found["articles"], list)


def test_search_reads_query_words_as_words_not_syntax(room):
    room.newsroom.publish(room.ann, room.story, 1)
    assert room.newsroom.search('Witkoff*  "')["articles"]  # the star and the quote are dropped
    assert room.newsroom.search("𝔚𝔦𝔱𝔨𝔬𝔣𝔣")["articles"]  # styled letters read as plain ones
    assert room.newsroom.search("NEAR(Witkoff Zanzibar)")["articles"] == []  # every word must be found


def test_the_entity_page_lists_the_published_story_for_netanyahu(room):
    assert room.newsroom.entity("Netanyahu") is None  # nothing published yet
    room.newsroom.publish(room.ann, room.story, 1)
    page = room.newsroom.entity("Netanyahu")
    assert page["name"] == "Benjamin Netanyahu" and page["label"] == "person"
    assert [s["story_id"] for s in page["stories"]] == [room.story]
    assert room.newsroom.entity("benjamin netanyahu")["name"] == "Benjamin Netanyahu"
    assert room.newsroom.entity("Qatar")["label"] == "place"
    assert room.newsroom.entity("Zelensky") is None and room.newsroom.entity("") is None


def test_a_store_from_before_the_newsroom_migrates_and_its_articles_become_searchable(tmp_path, monkeypatch):
    import newsdesk.store.base as store_module
    from newsdesk.models import Article
    from newsdesk.store.migrations import MIGRATIONS

    db = tmp_path / "old.db"
    monkeypatch.setattr(store_module, "MIGRATIONS", [m for m in MIGRATIONS if m[0] < "0006"])
    with Store(db) as old:
        old.add_article(Article(id="a1", title="Harbour bridge closes", text="The swing bridge closed at noon."))
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS)
    with Store(db) as store:
        assert "0006_newsroom" in store.applied_migrations()
        assert store.applied_migrations()[-1] == MIGRATIONS[-1][0]
        assert [a["id"] for a in store.search_articles('"swing"', published_only=False)] == ["a1"]
        store.add_article(Article(id="a2", title="Ferry resumes", text="The ferry sails again."))
        assert [a["id"] for a in store.search_articles('"ferry"', published_only=False)] == ["a2"]


def test_a_query_becomes_quoted_words_and_never_fts5_syntax():
    from newsdesk.search import match_expression

    assert match_expression('Witkoff* OR "Gaza" NEAR(x, 2) title:y') == '"Witkoff" "OR" "Gaza" "NEAR" "x" "2" "title" "y"'
    assert match_expression('" * ( ) :') is None and match_expression("") is None
