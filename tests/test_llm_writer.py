"""The optional LLM writer, against a fake chat endpoint on 127.0.0.1: used when it passes the gate, else not."""

from __future__ import annotations

import json

import pytest
from conftest import SEEDS, need

from newsdesk import pipeline
from newsdesk.brief.desk import BriefDesk
from newsdesk.facts import FactsStage
from newsdesk.settings import load_settings
from newsdesk.store import Store
from newsdesk.stories import StoryDesk, make_embedder

A000, A002, A004 = "000_8bbeadb7ac7fca71.txt", "002_176fb2ef09f34afc.txt", "004_0d8fb8fe25ed7548.txt"

GOOD = {
    "headline": "Trump and Netanyahu meet again as Gaza ceasefire talks gain momentum",
    "dek": "Trump and Netanyahu met for a second time as talks on a Gaza ceasefire went on.",
    "bullets": [
        {"text": "Trump and Netanyahu met for the second time on Tuesday.", "citations": [A000, A002],
         "consensus": True},
        {"text": "Witkoff said the negotiations went from four issues to one.", "citations": [A002, A000],
         "consensus": True},
        {"text": "The draft agreement would see ten living hostages released.", "citations": [A002, A004],
         "consensus": False},
    ],
}


@pytest.fixture(scope="module")
def seeds_store(tmp_path_factory):
    need(SEEDS)
    db = tmp_path_factory.mktemp("llm") / "s.db"
    settings = load_settings(env={}, db=str(db), model_cache_dir=str(tmp_path_factory.mktemp("models")))
    embedder = make_embedder(settings)
    store = Store(db)
    pipeline.ingest([str(SEEDS)], store, settings)
    StoryDesk(store, settings, embedder).run()
    FactsStage(store, processes=1).run()
    yield store, settings, embedder
    store.close()


def _write(seeds_store, chat_server, **overrides):
    store, settings, embedder = seeds_store
    llm = settings.replace(brief_writer="llm", llm_base_url=chat_server.base_url, llm_model="fake-model",
                           llm_timeout=overrides.pop("timeout", 5.0))
    desk = BriefDesk(store, llm, embedder)
    (story,) = store.list_stories()
    return desk.write(desk.material(store.get_story(story["id"])))


def test_a_draft_that_passes_the_gate_is_used(seeds_store, chat_server):
    chat_server.reply(json.dumps(GOOD))
    brief = _write(seeds_store, chat_server)
    assert brief["writer"] == "llm:fake-model" and brief["note"] is None, brief["note"]
    assert [b["text"] for b in brief["quick_take"]] == [b["text"] for b in GOOD["bullets"]]
    assert brief["gate"]["passed"]
    assert brief["quick_take"][2]["status"] == "single-source"
    # the prompt carried the story's claims with their evidence
    sent = chat_server.requests[-1].body
    assert sent["model"] == "fake-model" and "ten living hostages" in json.dumps(sent["messages"])


@pytest.mark.parametrize("bullet,problem", [
    ({"text": "Witkoff said the negotiations went from five issues to one.", "citations": [A002, A000],
      "consensus": True}, "number 'five'"),
    ({"text": "Kushner said the negotiations went from four issues to one.", "citations": [A002, A000],
      "consensus": True}, "Kushner"),
    ({"text": "The draft agreement would see ten living hostages released.", "citations": [A002, A004],
      "consensus": True}, "independent origin"),
    ({"text": "Netanyahu said “we will sign the deal tomorrow”.", "citations": [A000], "consensus": False},
     "quote"),
    ({"text": "The draft agreement would see ten living hostages released.", "citations": [A000],
      "consensus": False}, A000),
])
def test_a_hallucinated_draft_falls_back_to_the_extractive_brief_and_says_why(seeds_store, chat_server, bullet, problem):
    answer = json.loads(json.dumps(GOOD))
    answer["bullets"][1] = bullet
    chat_server.reply(json.dumps(answer))
    brief = _write(seeds_store, chat_server)
    assert brief["writer"] == "extractive"
    assert brief["note"].startswith("LLM draft (fake-model) failed the gate") and problem in brief["note"], brief["note"]
    assert brief["gate"]["passed"]  # the brief used instead is the extractive one, which passes


def test_an_endpoint_that_times_out_leaves_the_extractive_brief(seeds_store, chat_server):
    chat_server.reply_delay(3.0, json.dumps(GOOD))
    brief = _write(seeds_store, chat_server, timeout=0.5)
    assert brief["writer"] == "extractive" and "timed out" in brief["note"], brief["note"]


def test_an_endpoint_that_answers_nonsense_leaves_the_extractive_brief(seeds_store, chat_server):
    chat_server.reply("I'm sorry, I cannot help with that.")
    brief = _write(seeds_store, chat_server)
    assert brief["writer"] == "extractive" and brief["note"].startswith("LLM draft not used"), brief["note"]
