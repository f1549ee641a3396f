"""The JSON API: published stories and articles for anyone; the review queue and actions with a token.

Writes need ``Authorization: Bearer nd_…`` (``security.api_editor``); a browser session
cookie is not enough, so no page on another site can make a logged-in browser act here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from newsdesk.newsroom import NewsroomError
from newsdesk.web.guard import GuardedRoute
from newsdesk.web.schemas import Action, ActionDone, Article, Brief, Problem, ReviewItem, StorySummary
from newsdesk.web.security import Web, api_editor, token_user

router = APIRouter(prefix="/api", tags=["api"], route_class=GuardedRoute)
ApiUser = Annotated[dict, Depends(api_editor)]
NOT_FOUND = {404: {"model": Problem, "description": "Not found"}}
REFUSED = {401: {"model": Problem, "description": "No valid API token"}, 409: {"model": Problem, "description": "Refused"},
           422: {"description": "Missing version, note or reason"}} | NOT_FOUND


@router.get("/stories", response_model=list[StorySummary], summary="Published stories, newest first")
def stories(web: Web, limit: Annotated[int, Query(ge=1, le=100)] = 30, offset: Annotated[int, Query(ge=0)] = 0) -> Any:
    return web.newsroom.front_page(limit=limit, offset=offset)


@router.get("/stories/{story_id}", response_model=Brief, response_model_exclude_unset=True, responses=NOT_FOUND,
            summary="A story's published brief (digest JSON shape)")
def story(web: Web, story_id: int) -> Any:
    published = web.newsroom.published(story_id)
    if published is None:
        raise HTTPException(404, f"There is no published story {story_id}.")
    return published["content"]


@router.get("/articles/{article_id:path}", response_model=Article, response_model_exclude_unset=True, responses=NOT_FOUND,
            summary="A stored article (ids may contain '/')")
def article(request: Request, web: Web, article_id: str) -> Any:
    """Articles of published stories for anyone; any stored article with an editor's token."""
    found = web.newsroom.article(article_id)
    if found is None or not (found.get("story_published") or token_user(request)):
        raise HTTPException(404, f"There is no published article {article_id!r}.")
    return found


@router.get("/review", response_model=list[ReviewItem], responses={401: {"model": Problem}},
            summary="Versions waiting for review (needs a token)")
def review(web: Web, user: ApiUser) -> Any:
    return web.newsroom.queue()


def _needs(value: Any, what: str, action: str) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise HTTPException(422, f"{action} needs a {what} in the JSON body.")
    return value.strip() if isinstance(value, str) else value


def _act(web: Web, story_id: int, action: str, version: int | None, user: dict, call) -> ActionDone:
    try:
        with web.writing() as newsroom:
            call(newsroom)
    except NewsroomError as exc:
        raise HTTPException(409, str(exc)) from None
    return ActionDone(story_id=story_id, action=action, version=version, by=user["name"])


@router.post("/stories/{story_id}/approve", response_model=ActionDone, responses=REFUSED, summary="Approve a version")
def approve(web: Web, user: ApiUser, story_id: int, body: Action) -> ActionDone:
    version = _needs(body.version, "version", "approve")
    return _act(web, story_id, "approve", version, user, lambda n: n.approve(user, story_id, version))


@router.post("/stories/{story_id}/publish", response_model=ActionDone, responses=REFUSED, summary="Publish a version")
def publish(web: Web, user: ApiUser, story_id: int, body: Action) -> ActionDone:
    version = _needs(body.version, "version", "publish")
    note = (body.note or "").strip() or None
    return _act(web, story_id, "publish", version, user, lambda n: n.publish(user, story_id, version, note=note))


@router.post("/stories/{story_id}/reject", response_model=ActionDone, responses=REFUSED, summary="Reject a version")
def reject(web: Web, user: ApiUser, story_id: int, body: Action) -> ActionDone:
    version = _needs(body.version, "version", "reject")
    reason = _needs(body.reason, "reason", "reject")
    return _act(web, story_id, "reject", version, user, lambda n: n.reject(user, story_id, version, reason))


@router.post("/stories/{story_id}/unpublish", response_model=ActionDone, responses=REFUSED, summary="Take a story off the front page")
def unpublish(web: Web, user: ApiUser, story_id: int, body: Action) -> ActionDone:
    reason = _needs(body.reason, "reason", "unpublish")
    return _act(web, story_id, "unpublish", None, user, lambda n: n.unpublish(user, story_id, reason))
