"""Reader pages: the front page, a story, an article with its evidence, search, an entity.

Readers see what editors published: an article's page is public once a story citing it
is published; before that only a logged-in editor (reviewing the draft) can open it. A
logged-in editor also sees a story's unpublished draft on its story page, marked as a preview.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import HTMLResponse

from newsdesk.web.guard import GuardedRoute
from newsdesk.web.security import Web, session_of
from newsdesk.web.views import StoryView, highlight

router = APIRouter(include_in_schema=False, route_class=GuardedRoute)
PAGE_SIZE = 30


def pages(request: Request):
    return request.app.state.pages


@router.get("/", response_class=HTMLResponse)
def home(request: Request, web: Web, page: Annotated[int, Query(ge=1, le=1000)] = 1) -> HTMLResponse:
    rows = web.newsroom.front_page(limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    context = {"stories": rows[:PAGE_SIZE], "page": page, "more": len(rows) > PAGE_SIZE}
    return pages(request).page(request, "home.html", context)


@router.get("/stories/{story_id:id}", response_class=HTMLResponse)
def story(request: Request, web: Web, story_id: int,
          preview: Annotated[int | None, Query(ge=1, description="a version to preview (editors only)")] = None) -> HTMLResponse:
    """The published brief. A logged-in editor sees the newest version instead when nothing is published,
    or the version ``preview`` names, as readers would, under a "Draft preview — not published" banner."""
    published = web.newsroom.published(story_id)
    if session_of(request) is not None and (published is None or preview is not None):
        shown = web.newsroom.preview(story_id, preview)
        if shown is not None and shown["preview"]:
            view = StoryView(shown["content"])
            revised = web.store.revised_articles([a["id"] for a in view.articles])
            return pages(request).page(request, "story.html", {"story": shown, "view": view, "content": view.content,
                                                               "revised": revised})
        if shown is None and preview is not None:
            raise HTTPException(404, f"Story {story_id} has no version {preview}.")
    if published is None:
        raise HTTPException(404, f"There is no published story {story_id}.")
    key = ("story", story_id, published["version"])
    view = web.fragments.get(key, lambda: StoryView(published["content"]))
    revised = web.store.revised_articles([a["id"] for a in view.articles])  # a new version may come after publication
    return pages(request).page(request, "story.html", {"story": published, "view": view, "content": view.content,
                                                       "revised": revised})


@router.get("/articles/{article_id:path}", response_class=HTMLResponse)
def article(
    request: Request,
    web: Web,
    article_id: str,
    hl: Annotated[str | None, Query(max_length=40)] = None,
    f: Annotated[str | None, Query(max_length=10)] = None,
) -> HTMLResponse:
    found = web.newsroom.article(article_id)
    if found is None or not (found.get("story_published") or session_of(request)):
        raise HTTPException(404, f"There is no published article {article_id!r}.")
    mark, problem = highlight(found, hl, f)
    context = {"article": found, "mark": mark, "problem": problem, "revisions": web.store.article_revisions(article_id)}
    return pages(request).page(request, "article.html", context)


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, web: Web, q: Annotated[str, Query(max_length=200)] = "") -> HTMLResponse:
    query = " ".join(q.split())
    results = web.newsroom.search(query) if query else {"stories": [], "articles": []}
    return pages(request).page(request, "search.html", {"q": query, "results": results})


@router.get("/entities/{name:path}", response_class=HTMLResponse)
def entity(request: Request, web: Web, name: str) -> HTMLResponse:
    found = web.newsroom.entity(name)
    if found is None:
        raise HTTPException(404, f"No published story mentions {name!r}.")
    return pages(request).page(request, "entity.html", {"entity": found})
