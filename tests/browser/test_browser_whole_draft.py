"""Editing the whole draft in a real browser: a body sentence and a difference, saved through the gate,
previewed on the story page as readers will see it, published, and read on the public story page.

It works on the seeds story left for review, whether or not an earlier test published a version of it."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import log_in, screenshot

EDITED_BODY = ("Donald Trump and Benjamin Netanyahu met on Tuesday evening, their second discussion in as many days "
               "about the hostilities in Gaza.")
TOPIC = "how long the meeting lasted"
SIDE_BEFORE, SIDE_AFTER = "approximately two hours", "about two hours"


def test_an_editor_edits_a_body_sentence_and_a_difference_previews_and_publishes_them(page, site):
    story = site.stories["review"]
    log_in(page)
    page.goto(f"/review/{story}")
    form = page.locator("#edit-form")
    body = form.locator("textarea[name=body-0-text]")
    assert body.input_value().startswith("US President Donald Trump"), \
        f"the seeds brief's first body sentence changed ({body.input_value()!r}): choose another edit for this test"
    body.fill(EDITED_BODY)

    sides = form.locator("input[name^=diff-][name$=-value]")
    names = [s.get_attribute("name") for s in sides.all() if s.input_value() == SIDE_BEFORE]
    assert names, f"no difference of the seeds brief has the side {SIDE_BEFORE!r}"
    side = names[0]  # diff-K-side-J-value
    difference = side.split("-side-")[0]
    form.locator(f"input[name='{side}']").fill(SIDE_AFTER)
    form.locator(f"input[name='{difference}-topic']").fill(TOPIC)
    form.locator("button[name=action][value=save]").click()

    expect(page.locator("div.flash-success")).to_contain_text("Saved as a new version")
    current = page.locator("section.current")
    expect(current.locator("section.body")).to_contain_text(EDITED_BODY)
    expect(current.locator("section.differences")).to_contain_text(SIDE_AFTER)
    version = page.locator("form.action-publish input[name=version]").input_value()
    published_before = "is published" in page.locator("p.review-meta").inner_text()

    page.locator("a.preview-link").click()
    page.wait_for_url(f"**/stories/{story}?preview={version}")
    expect(page.locator("div.draft-banner")).to_contain_text("Draft preview — not published")
    expect(page.locator("section.body")).to_contain_text(EDITED_BODY)
    expect(page.locator("section.differences")).to_contain_text("How long the meeting lasted")
    expect(page.locator("section.differences")).to_contain_text(SIDE_AFTER)
    screenshot(page, "draft-preview")

    page.goto(f"/review/{story}")
    publish = page.locator("form.action-publish")
    if published_before:  # a version is public: readers are told what changed
        publish.locator("textarea[name=note]").fill("The body and the length of the meeting were edited.")
    publish.locator("button[type=submit]").click()
    expect(page.locator("div.flash-success")).to_contain_text("Published")

    reader = page.context.browser.new_context(base_url=site.base_url).new_page()  # no session: what readers get
    try:
        reader.goto(f"/stories/{story}")
        expect(reader.locator("div.draft-banner")).to_have_count(0)
        expect(reader.locator("section.body")).to_contain_text(EDITED_BODY)
        expect(reader.locator("section.differences")).to_contain_text(SIDE_AFTER)
        expect(reader.locator("section.differences")).not_to_contain_text(SIDE_BEFORE)
    finally:
        reader.context.close()
    with site.store() as store:
        live = store.published_brief(story)
    assert str(live["version"]) == version and live["gate_passed"]
