"""Editing the whole draft in the web desk, and previewing it on the story page.

Each test starts from its own copy of the seeds store (one story, its first brief a draft) and posts the
review page's edit form as a browser would: every field the page holds, some of them changed.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from starlette.testclient import TestClient
from websupport import login, new_version, page, published_seeds, publish, select, text

from newsdesk.facts import FactsStage
from newsdesk.web.app import create_app
from newsdesk.web.render import article_href

A000, A002, A004 = "000_8bbeadb7ac7fca71.txt", "002_176fb2ef09f34afc.txt", "004_0d8fb8fe25ed7548.txt"
OVERRIDE = "The desk confirmed the length of the meeting with the White House."


@pytest.fixture
def desk(tmp_path_factory):
    return published_seeds(tmp_path_factory, "draft", published=False)


@pytest.fixture
def client(desk):
    with TestClient(create_app(desk.settings, embedder=desk.embedder)) as client:
        yield client


def latest(desk) -> dict:
    with desk.store() as store:
        return store.newest_brief(desk.story_id)


def edit_form(client, desk) -> list[tuple[str, str]]:
    """The edit form's fields as a browser would send them (checked boxes only)."""
    doc = page(client.get(f"/review/{desk.story_id}").text)
    return list(doc.get_element_by_id("edit-form").form_values())


def changed(fields: list[tuple[str, str]], **values) -> list[tuple[str, str]]:
    """The fields with the named ones (dashes written as underscores) set; a name not there is added."""
    values = {name.replace("_", "-"): value for name, value in values.items()}
    out = [(name, values.pop(name) if name in values else value) for name, value in fields]
    return out + list(values.items())


def cites(fields: list[tuple[str, str]], name: str, articles: list[str]) -> list[tuple[str, str]]:
    """The fields with the citation boxes of ``name`` ticked for ``articles`` only."""
    return [f for f in fields if f[0] != name] + [(name, a) for a in articles]


def post(client, desk, fields, **kw):
    """Post the edit form (repeated names, as a browser sends ticked boxes)."""
    return client.post(f"/review/{desk.story_id}/edit", content=urlencode(fields),
                       headers={"content-type": "application/x-www-form-urlencoded"}, **kw)


def save(client, desk, fields, **changes):
    return post(client, desk, changed(fields, **changes), follow_redirects=False)


def a_sentence_of(desk, article: str, not_in: list[str]) -> str:
    """A whole sentence of an article that the brief's body does not hold."""
    with desk.store() as store:
        facts = FactsStage(store, processes=1).load([article])[article]
    return next(s.text for s in facts.sentences if len(s.text.split()) >= 10 and s.text not in not_in
                and s.text.endswith("."))


# ------------------------------------------------------------------ the review page


def test_the_review_page_shows_every_part_a_reader_will_see_and_a_field_for_each(client, desk):
    login(client)
    content = latest(desk)["content"]
    doc = page(client.get(f"/review/{desk.story_id}").text)
    (current,) = select(doc, "section.current")
    assert [text(li) for li in select(current, "ul.quick-take > li")] == [
        text(li) for li in select(page(client.get(f"/stories/{desk.story_id}").text), "ul.quick-take > li")]
    shown = text(current)
    assert all(s["text"] in shown for s in content["body_sentences"])
    assert all(side["value"] in shown for d in content["differences"] for side in d["sides"])
    assert all(q["speaker"] in text(select(current, "section.quotes")[0]) for q in content["quotes"])
    assert len(select(current, "section.sources li.origin")) == content["independent_origins"]

    form = doc.get_element_by_id("edit-form")
    values = dict(form.form_values())
    assert [values[f"body-{i}-text"] for i in range(len(content["body_sentences"]))] == \
        [s["text"] for s in content["body_sentences"]]
    assert [values[f"diff-{i}-topic"] for i in range(len(content["differences"]))] == \
        [d["topic"] for d in content["differences"]]
    assert [values[f"quote-{i}-words"] for i in range(len(content["quotes"]))] == [q["quote"] for q in content["quotes"]]
    # the body sentence's citation is ticked, and its evidence is shown with a link to the marked passage
    first = content["body_sentences"][0]
    (item,) = select(form, "div#body-0")
    assert item.xpath(".//input[@type='checkbox' and @checked]/@value") == first["citations"]
    (evidence,) = [a for a in select(item, "a.evidence-text") if text(a) == f"“{first['evidence'][0]['text']}”"]
    assert evidence.get("href") == article_href(first["citations"][0], first["evidence"][0])


def test_citations_are_offered_by_outlet_and_title(client, desk):
    content = latest(desk)["content"]
    outlets = [a | {"source": f"Outlet {k}"} for k, a in enumerate(content["articles"], 1)]
    new_version(desk, articles=outlets)
    login(client)
    doc = page(client.get(f"/review/{desk.story_id}").text)
    labels = [text(label) for label in select(select(doc, "div#body-0")[0], "label.cite-choice")]
    assert labels == [f"[{k}] Outlet {k} — {a['title']}" for k, a in enumerate(content["articles"], 1)]


# ------------------------------------------------------------------ body sentences


def test_an_editor_edits_reorders_and_removes_body_sentences(client, desk):
    login(client)
    body = latest(desk)["content"]["body_sentences"]
    edited = ("Donald Trump and Benjamin Netanyahu met on Tuesday evening, their second discussion in as many days "
              "about the hostilities in Gaza.")
    fields = edit_form(client, desk)
    response = save(client, desk, fields, body_0_text=edited, body_0_order=str(len(body) + 1), body_1_remove="1")
    assert response.status_code == 303, text(page(response.text))

    saved = latest(desk)
    assert saved["version"] == 2 and saved["status"] == "needs_review" and saved["gate_passed"]
    sentences = saved["content"]["body_sentences"]
    assert [s["text"] for s in sentences] == [s["text"] for s in body[2:]] + [edited]
    assert sentences[-1]["citations"] == body[0]["citations"] and sentences[-1]["gate"]["passed"]
    assert sentences[-1]["evidence"] and {e["article"] for e in sentences[-1]["evidence"]} == set(body[0]["citations"])
    assert saved["content"]["body"].endswith(edited)
    assert "body" in saved["changes"]["edited"]
    review = page(client.get(f"/review/{desk.story_id}?done=save").text)
    assert edited in text(select(review, "section.current section.body")[0])


def test_a_new_body_sentence_cites_the_article_picked_and_shows_the_evidence_found(client, desk):
    login(client)
    body = latest(desk)["content"]["body_sentences"]
    sentence = a_sentence_of(desk, A002, [s["text"] for s in body])
    fields = edit_form(client, desk)
    new = len(body)  # the empty slot after the last sentence
    wrong = cites(changed(fields, **{f"body_{new}_text": sentence}), f"body-{new}-cite", [A000])
    refused = post(client, desk, wrong)
    assert refused.status_code == 422
    (item,) = select(page(refused.text), f"div#body-{new}")
    assert A000 in text(select(item, "ul.gate-reasons")[0])  # the reasons name the article that does not back it
    assert select(item, "a.evidence-text")  # the passages of A000 the gate compared are shown
    assert latest(desk)["version"] == 1

    right = cites(changed(fields, **{f"body_{new}_text": sentence}), f"body-{new}-cite", [A002])
    assert post(client, desk, right, follow_redirects=False).status_code == 303
    added = latest(desk)["content"]["body_sentences"][-1]
    assert added["text"] == sentence and added["citations"] == [A002] and added["gate"]["passed"]
    assert any(e["text"] == sentence for e in added["evidence"])
    doc = page(client.get(f"/review/{desk.story_id}").text)
    assert f"“{sentence}”" in [text(a) for a in select(select(doc, f"div#body-{new}")[0], "a.evidence-text")]


# ------------------------------------------------------------------ differences


def test_a_difference_is_edited_through_the_gate_and_shown_as_readers_see_it(client, desk):
    login(client)
    (k, diff) = next((k, d) for k, d in enumerate(latest(desk)["content"]["differences"])
                     if any(s["value"] == "approximately two hours" for s in d["sides"]))
    (j,) = [j for j, s in enumerate(diff["sides"]) if s["value"] == "approximately two hours"]
    fields = edit_form(client, desk)
    response = save(client, desk, fields, **{f"diff_{k}_topic": "how long the meeting lasted",
                                             f"diff_{k}_side_{j}_value": "about two hours"})
    assert response.status_code == 303, text(page(response.text))
    saved = latest(desk)["content"]["differences"][k]
    assert saved["topic"] == "how long the meeting lasted" and saved["gate"]["passed"]
    assert saved["sides"][j]["value"] == "about two hours" and saved["sides"][j]["articles"] == diff["sides"][j]["articles"]
    assert saved["text"].startswith("How long the meeting lasted: ")
    story = page(client.get(f"/stories/{desk.story_id}").text)
    (section,) = select(story, "section.differences")
    assert "How long the meeting lasted" in text(section) and "about two hours" in text(section)


def test_a_difference_the_evidence_does_not_support_is_refused_then_kept_with_an_override(client, desk):
    login(client)
    (k, diff) = next((k, d) for k, d in enumerate(latest(desk)["content"]["differences"])
                     if any(s["value"] == "approximately two hours" for s in d["sides"]))
    (j,) = [j for j, s in enumerate(diff["sides"]) if s["value"] == "approximately two hours"]
    fields = changed(edit_form(client, desk), **{f"diff_{k}_side_{j}_value": "approximately three hours"})
    refused = post(client, desk, fields)
    assert refused.status_code == 422
    doc = page(refused.text)
    (item,) = select(doc, f"div#diff-{k}")
    assert "number 'three'" in text(select(item, "ul.gate-reasons")[0])
    assert dict(doc.get_element_by_id("edit-form").form_values())[f"diff-{k}-side-{j}-value"] == "approximately three hours"
    assert latest(desk)["version"] == 1

    kept = post(client, desk, changed(fields, override=OVERRIDE), follow_redirects=False)
    assert kept.status_code == 303
    saved = latest(desk)
    assert saved["override_reason"] == OVERRIDE and not saved["gate_passed"]
    assert saved["content"]["differences"][k]["sides"][j]["value"] == "approximately three hours"
    with desk.store() as store:
        (entry,) = [e for e in store.audit_log(story_id=desk.story_id) if e["action"] == "edit"]
    assert entry["reason"] == OVERRIDE
    assert any("approximately three hours" in d["text"] for d in entry["after"]["differences"])


def test_a_difference_left_with_one_side_is_refused_with_the_reason(client, desk):
    login(client)
    fields = edit_form(client, desk)
    response = save(client, desk, fields, diff_0_side_1_value="")
    assert response.status_code == 409
    assert "difference" in text(select(page(response.text), "div.flash")[0]) and "two sides" in response.text
    assert latest(desk)["version"] == 1


# ------------------------------------------------------------------ quotes and order


def test_quotes_are_trimmed_reordered_and_removed(client, desk):
    login(client)
    quotes = latest(desk)["content"]["quotes"]
    last = len(quotes) - 1
    trimmed = quotes[last]["quote"].split(",")[0]
    fields = edit_form(client, desk)
    response = save(client, desk, fields, **{f"quote_{last}_words": trimmed, f"quote_{last}_order": "0",
                                             "quote_0_remove": "1"})
    assert response.status_code == 303, text(page(response.text))
    saved = latest(desk)["content"]["quotes"]
    assert [q["speaker"] for q in saved] == [quotes[last]["speaker"]] + [q["speaker"] for q in quotes[1:last]]
    assert saved[0]["quote"] == trimmed and saved[0]["gate"]["passed"]
    story = page(client.get(f"/stories/{desk.story_id}").text)
    assert text(select(story, "section.quotes blockquote")[0]) == f"“{trimmed}”"


def test_a_quote_the_sources_never_gave_is_refused(client, desk):
    login(client)
    fields = edit_form(client, desk)
    response = save(client, desk, fields, quote_0_words="We will never finish the job")
    assert response.status_code == 422
    assert "is not in the cited evidence" in text(select(page(response.text), "div#quote-0")[0])


def test_an_order_that_is_not_a_number_is_refused_naming_the_field(client, desk):
    login(client)
    response = save(client, desk, edit_form(client, desk), body_2_order="third")
    assert response.status_code == 422
    assert "body sentence 3: its order ('third') must be a number" in text(select(page(response.text), "div.flash")[0])


def test_an_edit_of_a_version_that_is_no_longer_the_newest_is_refused(client, desk):
    login(client)
    fields = edit_form(client, desk)
    new_version(desk, headline="A newer version written meanwhile")
    response = save(client, desk, fields)
    assert response.status_code == 409 and "reload the page" in text(select(page(response.text), "div.flash")[0])
    assert latest(desk)["content"]["headline"] == "A newer version written meanwhile"


def test_every_edit_needs_a_session_and_its_csrf_token(client, desk):
    login(client)
    fields = edit_form(client, desk)
    visitor = TestClient(create_app(desk.settings))
    assert post(visitor, desk, fields).status_code == 401
    forged = changed(fields, csrf="not-the-token")
    assert post(client, desk, forged).status_code == 403
    assert latest(desk)["version"] == 1


# ------------------------------------------------------------------ preview on the story page


def test_an_editor_previews_a_draft_on_the_story_page_and_a_visitor_gets_404(client, desk):
    visitor = TestClient(create_app(desk.settings))
    assert visitor.get(f"/stories/{desk.story_id}").status_code == 404
    assert visitor.get(f"/stories/{desk.story_id}?preview=1").status_code == 404
    login(client)
    response = client.get(f"/stories/{desk.story_id}")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    doc = page(response.text)
    assert "Draft preview — not published" in text(select(doc, "div.draft-banner")[0])
    assert doc.xpath("//meta[@name='robots']/@content") == ["noindex, nofollow"]
    content = latest(desk)["content"]
    assert text(select(doc, "h1.headline")[0]) == content["headline"]
    for name in ("quick-take-section", "body", "differences", "quotes", "timeline", "sources", "versions"):
        assert select(doc, f"section.{name}"), name
    assert client.get(f"/stories/{desk.story_id}?preview=9").status_code == 404


def test_a_preview_of_a_newer_version_beside_the_published_one_is_for_editors_only(client, desk):
    publish(desk, 1)
    version = new_version(desk, headline="Trump <script>alert(1)</script> and Netanyahu meet again")
    visitor = TestClient(create_app(desk.settings))
    seen = page(visitor.get(f"/stories/{desk.story_id}?preview={version}").text)
    assert not select(seen, "div.draft-banner") and "<script>" not in text(select(seen, "h1.headline")[0])
    login(client)
    published = page(client.get(f"/stories/{desk.story_id}").text)
    assert not select(published, "div.draft-banner")
    html = client.get(f"/stories/{desk.story_id}?preview={version}").text
    preview = page(html)
    assert select(preview, "div.draft-banner")
    assert text(select(preview, "h1.headline")[0]) == "Trump <script>alert(1)</script> and Netanyahu meet again"
    assert "<script>alert(1)" not in html  # escaped
    review = page(client.get(f"/review/{desk.story_id}").text)
    link = select(review, "a.preview-link")[0].get("href")
    assert urlsplit(link).path == f"/stories/{desk.story_id}" and parse_qs(urlsplit(link).query) == {"preview": [str(version)]}


def test_a_timeline_entry_is_edited_keeping_its_date_and_a_changed_number_is_refused(client, desk):
    body = latest(desk)["content"]["body_sentences"]
    dated = next(s for s in body if "October 7, 2023" in s["text"])
    new_version(desk, timeline=[{"when": "7 Oct 2023", "date": "2023-10-07"} | dated])
    login(client)
    fields = edit_form(client, desk)
    shorter = dated["text"].replace("The current series of discussions commenced", "The talks began")
    assert shorter != dated["text"] and "2023" in shorter
    refused = save(client, desk, fields, tl_0_text=shorter.replace("2023", "2024"))
    assert refused.status_code == 422 and "number '2024'" in text(select(page(refused.text), "div#tl-0")[0])
    assert save(client, desk, fields, tl_0_text=shorter).status_code == 303
    (entry,) = latest(desk)["content"]["timeline"]
    assert (entry["text"], entry["date"], entry["when"]) == (shorter, "2023-10-07", "7 Oct 2023")
    assert entry["gate"]["passed"] and entry["citations"] == dated["citations"]
    story = page(client.get(f"/stories/{desk.story_id}").text)
    assert text(select(story, "section.timeline li")[0]).startswith(f"2023-10-07 {shorter}")
