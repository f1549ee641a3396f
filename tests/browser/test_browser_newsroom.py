"""What readers and editors see in a real browser: the review desk from login to the front page and the
Atom feed, citations that open the highlighted evidence, and hostile article markup that stays inert text."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import feedparser
import pytest
from playwright.sync_api import expect

from .conftest import EDITOR, HOSTILE_ID, PASSWORD, log_in, screenshot

EDITED = ("Donald Trump and Benjamin Netanyahu met on Tuesday evening for their second discussion in as many days "
          "about the hostilities in Gaza.")
UNSUPPORTED = ("US President Donald Trump and Israeli Prime Minister Benjamin Netanyahu met on Tuesday evening, "
               "their second meeting in two days.")  # the sources never say "two"


def test_the_review_desk_asks_a_visitor_to_log_in_first_and_opens_after_login(page):
    page.goto("/review")
    assert urlsplit(page.url).path == "/login"
    form = page.locator("form#login-form")
    form.locator("input[name=name]").fill(EDITOR)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/review")
    expect(page.locator("tr.queue-item").first).to_be_visible()


def test_a_wrong_password_keeps_the_visitor_out(page):
    page.goto("/login")
    page.locator("input[name=name]").fill(EDITOR)
    page.locator("input[name=password]").fill("not the password at all")
    page.locator("form#login-form button[type=submit]").click()
    expect(page.locator("div.flash")).to_contain_text("Wrong name or password")
    page.goto("/review")
    expect(page.locator("form#login-form")).to_be_visible()


def test_an_edit_the_sources_do_not_support_is_refused_with_the_reasons(page, site):
    story = site.stories["review"]
    log_in(page)
    page.goto(f"/review/{story}")
    page.locator("#edit-form textarea[name=qt-0-text]").fill(UNSUPPORTED)
    page.locator("#edit-form button[name=action][value=save]").click()
    expect(page.locator("div.flash ul.gate-reasons li").first).to_contain_text("'two'")
    with site.store() as store:
        assert [b["writer"] for b in store.brief_versions(story)] == ["extractive"]  # nothing was saved


def test_an_editor_edits_a_bullet_approves_and_publishes_and_readers_see_it(page, site):
    story = site.stories["review"]
    log_in(page)
    queue_link = page.locator(f"tr.queue-item a.review-link[href='/review/{story}']")
    expect(queue_link).to_be_visible()
    queue_link.click()
    page.wait_for_url(f"**/review/{story}")
    expect(page.locator("p.review-meta")).to_contain_text("not published")

    page.locator("#edit-form textarea[name=qt-0-text]").fill(EDITED)
    page.locator("#edit-form button[name=action][value=save]").click()
    expect(page.locator("div.flash")).not_to_have_class("flash flash-error")
    expect(page.locator("section.current ul.quick-take > li").first).to_contain_text(EDITED)
    version = page.locator("form.action-approve input[name=version]").input_value()
    assert version == "2"

    page.locator("form.action-approve button[type=submit]").click()
    expect(page.locator("p.review-meta .status")).to_have_text("approved")
    page.locator("form.action-publish button[type=submit]").click()
    expect(page.locator("div.flash-error")).to_have_count(0)

    page.goto("/")
    card = page.locator("article.story-card").filter(has=page.locator(f"a.story-link[href='/stories/{story}']"))
    expect(card).to_have_count(1)
    expect(card.locator(".counts")).to_have_text("3 articles · 2 independent sources")
    headline = card.locator("a.story-link").inner_text()
    card.locator("a.story-link").click()
    expect(page.locator("h1.headline")).to_have_text(headline)
    expect(page.locator("ul.quick-take > li").first).to_contain_text(EDITED)

    atom = page.request.get("/feed.atom")
    assert atom.ok and "atom" in atom.headers["content-type"]
    feed = feedparser.parse(atom.body())
    assert feed.bozo == 0, feed.get("bozo_exception")
    (entry,) = [e for e in feed.entries if e.link.endswith(f"/stories/{story}")]
    assert entry.title == headline
    assert EDITED in " ".join(c.value for c in entry.get("content", [])) + entry.get("summary", "")


def test_a_citation_opens_its_article_with_the_evidence_highlighted(page, site):
    story = site.stories["published"]
    page.goto(f"/stories/{story}")
    cite = page.locator("ul.quick-take > li").first.locator("a.cite").first
    href = urlsplit(cite.get_attribute("href"))
    article_id = unquote(href.path.removeprefix("/articles/"))
    query = parse_qs(href.query)
    start, end = (int(n) for n in query["hl"][0].split("-"))
    field = query.get("f", ["text"])[0]
    with site.store() as store:
        expected = getattr(store.get_article(article_id), field)[start:end]
        first_line = store.latest_brief(story)["content"]["quick_take"][0]
    assert expected in {e["text"] for e in first_line["evidence"]}

    cite.click()
    page.wait_for_url("**/articles/**")
    mark = page.locator("mark#evidence")
    expect(mark).to_be_visible()
    expect(mark).to_be_in_viewport()
    assert mark.inner_text() == expected
    expect(page.locator("a.back-to-story")).to_have_attribute("href", f"/stories/{story}")
    screenshot(page, "article-evidence")


HOSTILE_PAGES = {
    "home": "/",
    "story": "/stories/{hostile}",
    "article": f"/articles/{HOSTILE_ID}",
    "article-highlighted": f"/articles/{HOSTILE_ID}?hl=0-60&f=title",
    "search": "/search?q=pier",
    "review-queue": "/review",
    "review": "/review/{hostile}",
}


@pytest.mark.parametrize("name", HOSTILE_PAGES)
def test_hostile_article_markup_is_shown_as_inert_text(page, site, watch, name):
    if name.startswith("review"):
        log_in(page)
    page.goto(HOSTILE_PAGES[name].format(hostile=site.stories["hostile"]))
    page.wait_for_load_state("load")
    for hover in page.locator(".outlet, .source, a").all()[:40]:  # an onmouseover would fire here
        if hover.is_visible():
            hover.hover()

    assert page.evaluate("typeof window.__xss") == "undefined", "an injected script ran"
    assert page.title() != "pwned"  # the payload would set exactly this (the escaped text holds the word)
    assert watch.dialogs == []
    # injected markup must not even reach the DOM (the CSP would only hide a failure to escape)
    assert page.locator("script:not([src])").count() == 0
    assert page.locator("[onerror], [onmouseover], img[src='x']").count() == 0
    assert page.locator("a[href^='javascript:' i]").count() == 0
    assert watch.csp_violations == []
    assert "reopens" in page.locator("body").inner_text()  # the article is there, as text


def test_pages_are_captured_for_a_person_to_look_at(page, site):
    page.goto("/")
    expect(page.locator("article.story-card").first).to_be_visible()
    shots = [screenshot(page, "home")]
    page.goto(f"/stories/{site.stories['published']}")
    expect(page.locator("h1.headline")).to_be_visible()
    expect(page.locator("section.sources")).to_be_visible()
    shots.append(screenshot(page, "story"))
    log_in(page)
    expect(page.locator("tr.queue-item").first).to_be_visible()
    shots.append(screenshot(page, "review"))
    page.goto(f"/review/{site.stories['review']}")
    expect(page.locator("#edit-form")).to_be_visible()
    shots.append(screenshot(page, "review-story"))
    assert all(shot.stat().st_size > 10_000 for shot in shots)
