"""The editors' desk: login and logout, the review queue, editing a brief, its actions, the audit log.

Every page here needs a session (else a redirect to /login); every POST needs the
session and its CSRF token (``security.editor_form``) and runs under the write lock.
A refused action re-renders the page with the reason; a done one redirects (303) back
to the story's review page, which says what happened.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from newsdesk.newsroom import GateRefused, NewsroomError
from newsdesk.web import security
from newsdesk.web.security import Web, editor_form, editor_page
from newsdesk.web.state import WebState
from newsdesk.web.views import StoryView

router = APIRouter(include_in_schema=False)

Editor = Annotated[dict, Depends(editor_page)]
Writer = Annotated[dict, Depends(editor_form)]
MAX_BULLETS = 12
DONE = {
    "save": "Saved as a new version; it now waits for review.",
    "approve": "Approved. Publish it to put it on the front page.",
    "publish": "Published: it is on the front page now.",
    "reject": "Rejected.",
    "unpublish": "Unpublished: the story is off the front page.",
}


def _pages(request: Request):
    return request.app.state.pages


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# -- login and logout ---------------------------------------------------------------------


def _login_page(request: Request, *, next_path: str, name: str = "", flash: str | None = None, status: int = 200) -> Response:
    cookie, new = security.login_cookie(request)
    context = {"login_csrf": security.login_csrf(security.web_state(request), cookie), "next": next_path, "name": name,
               "flash": flash, "flash_kind": "error"}
    response = _pages(request).page(request, "login.html", context, status=status)
    if new:
        security.set_cookie(request, response, security.LOGIN_COOKIE, cookie)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    if security.session_of(request) is not None:  # already logged in: straight on
        return RedirectResponse(security.local_path(next), status_code=303)
    return _login_page(request, next_path=security.local_path(next))


@router.post("/login")
def login(
    request: Request,
    web: Web,
    name: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/review",
) -> Response:
    """Check the pre-session token, then the rate limit, then the password."""
    target = security.local_path(next)
    if not security.login_csrf_ok(request, csrf):
        raise HTTPException(403, "The login form has expired or did not come from this site; reload it and try again.")
    ip, name = _client(request), name.strip()
    if not web.limiter.allowed(ip, name):
        return _login_page(request, next_path=target, name=name, status=429,
                           flash="Too many failed logins. Wait 15 minutes before trying again.")
    user = web.accounts.authenticate(name, password)
    if user is None:
        web.limiter.failed(ip, name)
        return _login_page(request, next_path=target, name=name, status=401, flash="Wrong name or password.")
    web.limiter.succeeded(ip, name)
    with web.write_lock:
        token, _ = web.accounts.start_session(user["id"])
    response = RedirectResponse(target, status_code=303)
    security.set_cookie(request, response, security.SESSION_COOKIE, token)
    security.delete_cookie(request, response, security.LOGIN_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, web: Web, user: Writer) -> Response:
    with web.write_lock:
        web.accounts.end_session(request.cookies.get(security.SESSION_COOKIE, ""))
    response = RedirectResponse("/", status_code=303)
    security.delete_cookie(request, response, security.SESSION_COOKIE)
    return response


# -- pages ----------------------------------------------------------------------------------


@router.get("/review", response_class=HTMLResponse)
def review_queue(request: Request, web: Web, user: Editor) -> Response:
    return _pages(request).page(request, "review_queue.html", {"queue": web.newsroom.queue()})


@router.get("/review/{story_id:int}", response_class=HTMLResponse)
def review_story(request: Request, web: Web, user: Editor, story_id: int,
                 done: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    return _edit_page(request, web, story_id, flash=DONE.get(done or ""), flash_kind="success")


@router.get("/audit", response_class=HTMLResponse)
def audit(request: Request, web: Web, user: Editor, story: Annotated[int | None, Query(ge=1)] = None) -> Response:
    entries = web.newsroom.audit(limit=200, story_id=story)
    return _pages(request).page(request, "audit.html", {"entries": entries, "story": story})


def _edit_page(request: Request, web: WebState, story_id: int, *, status: int = 200, form: dict | None = None,
               **flash: Any) -> Response:
    draft = web.newsroom.draft(story_id)
    if draft is None:
        raise HTTPException(404, f"Story {story_id} has no brief to review.")
    content = draft["content"]
    context = {
        "draft": draft,
        "content": content,
        "view": StoryView(content),
        "form": form or _form_from(content),
        "history": web.newsroom.audit(limit=20, story_id=story_id),
    } | flash
    return _pages(request).page(request, "review_edit.html", context, status=status)


def _form_from(content: dict[str, Any]) -> dict[str, Any]:
    """The edit form's fields as the brief has them, plus one empty bullet to add."""
    bullets = [{"text": b["text"], "citations": ", ".join(b.get("citations", []))} for b in content.get("quick_take", [])]
    return {"headline": content.get("headline", ""), "dek": content.get("dek", ""), "override": "",
            "bullets": bullets + [{"text": "", "citations": ""}]}


# -- actions --------------------------------------------------------------------------------


def _bullets_of(form: Any) -> list[dict[str, str]]:
    """The bullet-N / citations-N pairs of the edit form, in order, empty ones left out."""
    out = []
    for i in range(MAX_BULLETS + 1):
        text = " ".join(str(form.get(f"bullet-{i}", "")).split())
        cites = str(form.get(f"citations-{i}", ""))
        if text or cites.strip():
            out.append({"text": text, "citations": cites})
    return out


@router.post("/review/{story_id:int}/edit")
async def edit(request: Request, web: Web, user: Writer, story_id: int) -> Response:
    """Save an edited headline, dek and Quick Take as a new version (the gate checks it)."""
    form = await request.form()
    fields = {key: " ".join(str(form.get(key, "")).split()) for key in ("headline", "dek", "override")}
    bullets = _bullets_of(form)
    submitted = fields | {"bullets": bullets + [{"text": "", "citations": ""}]}
    return await run_in_threadpool(_save_edit, request, web, user, story_id, fields, bullets, submitted)


def _save_edit(request: Request, web: WebState, user: dict, story_id: int, fields: dict, bullets: list, submitted: dict) -> Response:
    parsed = [{"text": b["text"], "citations": [c.strip() for c in b["citations"].split(",") if c.strip()]} for b in bullets]
    try:
        with web.editing() as newsroom:
            newsroom.edit(user, story_id, headline=fields["headline"], dek=fields["dek"], bullets=parsed,
                          override=fields["override"] or None)
    except GateRefused as refused:
        message = "The edit did not pass the gate. Fix the lines below, or give a reason to override the gate."
        return _edit_page(request, web, story_id, status=422, form=submitted, flash=message,
                          flash_kind="error", flash_reasons=refused.reasons)
    except NewsroomError as exc:
        return _edit_page(request, web, story_id, status=409, form=submitted, flash=str(exc), flash_kind="error")
    return RedirectResponse(f"/review/{story_id}?done=save", status_code=303)


def _act(request: Request, web: WebState, story_id: int, action: str, call) -> Response:
    """Run one review action under the write lock; a refusal re-renders the page with its reason."""
    try:
        with web.writing() as newsroom:
            call(newsroom)
    except NewsroomError as exc:
        return _edit_page(request, web, story_id, status=409, flash=str(exc), flash_kind="error")
    return RedirectResponse(f"/review/{story_id}?done={action}", status_code=303)


Version = Annotated[int, Form(ge=1)]
Text = Annotated[str, Form(max_length=2000)]


@router.post("/review/{story_id:int}/approve")
def approve(request: Request, web: Web, user: Writer, story_id: int, version: Version) -> Response:
    return _act(request, web, story_id, "approve", lambda n: n.approve(user, story_id, version))


@router.post("/review/{story_id:int}/publish")
def publish(request: Request, web: Web, user: Writer, story_id: int, version: Version, note: Text = "") -> Response:
    return _act(request, web, story_id, "publish", lambda n: n.publish(user, story_id, version, note=note.strip() or None))


@router.post("/review/{story_id:int}/reject")
def reject(request: Request, web: Web, user: Writer, story_id: int, version: Version, reason: Text = "") -> Response:
    return _act(request, web, story_id, "reject", lambda n: n.reject(user, story_id, version, reason.strip()))


@router.post("/review/{story_id:int}/unpublish")
def unpublish(request: Request, web: Web, user: Writer, story_id: int, reason: Text = "") -> Response:
    return _act(request, web, story_id, "unpublish", lambda n: n.unpublish(user, story_id, reason.strip()))
