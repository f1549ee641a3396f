"""The editors' desk: login and logout, the review queue, editing a brief, its actions, the audit log.

Every page here needs a session (else a redirect to /login); every POST needs the
session and its CSRF token (``security.editor_form``) and runs under the write lock.
A refused action re-renders the page with the reason; a done one redirects (303) back
to the story's review page, which says what happened.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from newsdesk.brief.editing import DifferenceEdit, DraftParts, LineEdit, QuoteEdit, SideEdit
from newsdesk.newsroom import GateRefused, NewsroomError
from newsdesk.web import security
from newsdesk.web.guard import GuardedRoute, int64
from newsdesk.web.security import Web, editor_form, editor_page
from newsdesk.web.state import WebState
from newsdesk.web.views import StoryView

router = APIRouter(include_in_schema=False, route_class=GuardedRoute)

Editor = Annotated[dict, Depends(editor_page)]
Writer = Annotated[dict, Depends(editor_form)]
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
    """Check the pre-session token, then count the attempt (the login limit), then the password."""
    target = security.local_path(next)
    if not security.login_csrf_ok(request, csrf):
        raise HTTPException(403, "The login form has expired or did not come from this site; reload it and try again.")
    ip, name = _client(request), name.strip()
    refusal = web.limiter.attempt(ip, name)
    user = web.accounts.authenticate(name, password) if refusal is None else None
    if user is not None:
        refusal = web.limiter.succeeded(ip, name)
    if refusal is not None:
        response = _login_page(request, next_path=target, name=name, status=429, flash=refusal.message)
        response.headers["Retry-After"] = str(math.ceil(refusal.wait_s))
        return response
    if user is None:
        return _login_page(request, next_path=target, name=name, status=401, flash="Wrong name or password.")
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


@router.get("/review/{story_id:id}", response_class=HTMLResponse)
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
    view = StoryView(content)
    context = {
        "draft": draft,
        "content": content,
        "view": view,
        "story": web.newsroom.preview(story_id, draft["version"]),  # the version as the story page shows it
        "revised": web.store.revised_articles([a["id"] for a in view.articles]),
        "form": form or _form_from(content),
        "history": web.newsroom.audit(limit=20, story_id=story_id),
    } | flash
    return _pages(request).page(request, "review_edit.html", context, status=status)


SECTIONS = (("qt", "quick_take"), ("body", "body_sentences"), ("diff", "differences"), ("quote", "quotes"),
            ("tl", "timeline"))
MAX_ITEMS = 100  # items per section a form may send
MAX_SIDES = 10


def _evidence(line: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in line.get("evidence") or [] if isinstance(e, dict) and e.get("article")]


def _reasons(line: dict[str, Any]) -> list[str]:
    gate = line.get("gate") or {}
    return [] if gate.get("passed", True) else list(gate.get("reasons", []))


def _form_from(content: dict[str, Any]) -> dict[str, Any]:
    """The edit form's fields as the brief has them (every part, in order, with its citations and
    evidence), plus an empty bullet and body sentence to add."""
    def line(item: dict[str, Any], k: int, **extra: Any) -> dict[str, Any]:
        return {"text": item.get("text", ""), "citations": list(item.get("citations") or []), "base": k,
                "order": k + 1, "evidence": _evidence(item), "reasons": _reasons(item)} | extra

    blank = {"text": "", "citations": [], "base": "", "order": "", "evidence": [], "reasons": []}
    return {
        "headline": content.get("headline", ""), "dek": content.get("dek", ""), "override": "",
        "qt": [line(b, k) for k, b in enumerate(content.get("quick_take", []))] + [dict(blank)],
        "body": [line(b, k) for k, b in enumerate(content.get("body_sentences", []))] + [dict(blank)],
        "diff": [{"topic": d.get("topic", ""), "base": k, "order": k + 1, "reasons": _reasons(d),
                  "sides": [{"value": side.get("value", ""), "citations": list(side.get("articles") or []),
                             "evidence": _evidence(side)} for side in d.get("sides", [])]}
                 for k, d in enumerate(content.get("differences", []))],
        "quote": [line(q, k, speaker=q.get("speaker", ""), words=q.get("quote", ""), variants=q.get("variants", []))
                  for k, q in enumerate(content.get("quotes", []))],
        "tl": [line(t, k, when=t.get("date") or t.get("when") or "") for k, t in enumerate(content.get("timeline", []))],
    }


# -- actions --------------------------------------------------------------------------------


class FormProblem(ValueError):
    """A field of the edit form cannot be read; the message names it."""


def _one_line(value: Any) -> str:
    return " ".join(str(value or "").split())


def _cites(form: Any, name: str) -> list[str]:
    return list(dict.fromkeys(str(v).strip() for v in form.getlist(name) if str(v).strip()))


def _position(form: Any, prefix: str, i: int, what: str) -> tuple[int | None, float]:
    """An item's base position ("from") and wanted order ("order"; blank: where it is)."""
    base, order = str(form.get(f"{prefix}-{i}-base", "")).strip(), str(form.get(f"{prefix}-{i}-order", "")).strip()
    if base and not (base.isascii() and base.isdigit() and len(base) <= 18):
        raise FormProblem(f"{what} {i + 1}: the item it was edited from ({base[:40]!r}) is not a position")
    try:
        wanted = float(order) if order else i + 1 - 0.5  # a blank order keeps it where it is, before a tie
    except ValueError:
        raise FormProblem(f"{what} {i + 1}: its order ({order[:40]!r}) must be a number") from None
    if not math.isfinite(wanted):
        raise FormProblem(f"{what} {i + 1}: its order ({order[:40]!r}) must be a finite number")
    return (int(base) if base else None), wanted


def _items(form: Any, prefix: str, what: str, read) -> tuple[list[tuple[float, int, Any]], list[dict]]:
    """The section's items in the order asked for (removed and empty ones left out) as (order, index,
    parsed item), and every item as sent, to show the form again."""
    kept, shown = [], []
    for i in range(MAX_ITEMS):
        if not any(key.startswith(f"{prefix}-{i}-") for key in form.keys()):
            break
        base, order = _position(form, prefix, i, what)
        parsed, as_sent = read(i, base)
        removed = bool(form.get(f"{prefix}-{i}-remove"))
        shown.append(as_sent | {"base": "" if base is None else base, "order": str(form.get(f"{prefix}-{i}-order", "")),
                                "removed": removed, "evidence": [], "reasons": []})
        if parsed is not None and not removed:
            kept.append((order, i, parsed))
    kept.sort(key=lambda item: (item[0], item[1]))
    return kept, shown


def _read_edit(form: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The edit as Newsroom.edit takes it, and the form as sent (to show it again on a refusal)."""
    fields = {key: _one_line(form.get(key, "")) for key in ("headline", "dek", "override")}

    def line(prefix: str):
        def read(i: int, base: int | None):
            text, cites = _one_line(form.get(f"{prefix}-{i}-text", "")), _cites(form, f"{prefix}-{i}-cite")
            return (LineEdit(text, cites, base) if text else None), {"text": text, "citations": cites}
        return read

    def difference(i: int, base: int | None):
        topic, sides = _one_line(form.get(f"diff-{i}-topic", "")), []
        for j in range(MAX_SIDES):
            if f"diff-{i}-side-{j}-value" not in form:
                break
            sides.append(SideEdit(_one_line(form.get(f"diff-{i}-side-{j}-value")), _cites(form, f"diff-{i}-side-{j}-cite")))
        as_sent = {"topic": topic, "sides": [{"value": s.value, "citations": s.citations, "evidence": []} for s in sides]}
        if base is None:
            return None, as_sent
        return DifferenceEdit(topic, sides, base), as_sent

    def quote(i: int, base: int | None):
        speaker, words = _one_line(form.get(f"quote-{i}-speaker", "")), _one_line(form.get(f"quote-{i}-words", ""))
        cites = _cites(form, f"quote-{i}-cite")
        as_sent = {"speaker": speaker, "words": words, "citations": cites}
        return (QuoteEdit(speaker, words, cites, base) if base is not None and (speaker or words) else None), as_sent

    sections = {
        "qt": _items(form, "qt", "Quick Take bullet", line("qt")),
        "body": _items(form, "body", "body sentence", line("body")),
        "diff": _items(form, "diff", "difference", difference),
        "quote": _items(form, "quote", "quote", quote),
        "tl": _items(form, "tl", "timeline entry", line("tl")),
    }
    # a section the form does not hold at all is kept as it is; one whose items are all removed is emptied
    sent = {name for name in sections if any(key.startswith(f"{name}-") for key in form.keys())}
    ordered = {name: [parsed for _, _, parsed in kept] if name in sent else None for name, (kept, _) in sections.items()}
    edit = fields | {
        "bullets": [{"text": b.text, "citations": b.citations} for b in ordered["qt"] or []],
        "parts": DraftParts(body=ordered["body"], differences=ordered["diff"], quotes=ordered["quote"],
                            timeline=ordered["tl"]),
    }
    submitted = fields | {name: shown for name, (_, shown) in sections.items()}
    submitted["order"] = {name: [i for _, i, _ in kept] for name, (kept, _) in sections.items()}
    return edit, submitted


def _with_verdicts(submitted: dict[str, Any], refused: dict[str, Any] | None) -> dict[str, Any]:
    """The form as sent, each kept item with the evidence found for it and the gate's reasons."""
    if not refused:
        return submitted
    for name, key in SECTIONS:
        lines = refused.get(key) or []
        for position, i in enumerate(submitted["order"][name]):
            if position < len(lines) and i < len(submitted[name]):
                item, line = submitted[name][i], lines[position]
                item["evidence"], item["reasons"] = _evidence(line), _reasons(line)
                if name == "diff":
                    for side, done in zip(item["sides"], line.get("sides", [])):
                        side["evidence"] = _evidence(done)
    return submitted | {"headline_reasons": _reasons(refused.get("headline_source") or {}),
                        "dek_reasons": _reasons(refused.get("dek_source") or {})}


@router.post("/review/{story_id:id}/edit")
async def edit(request: Request, web: Web, user: Writer, story_id: int) -> Response:
    """Save the edited brief (every part) as a new version; the gate checks it."""
    form = await request.form()
    try:
        base_version = int64(str(form.get("base_version") or 0), "the version edited") or None
        fields, submitted = _read_edit(form)
    except (FormProblem, ValueError) as exc:
        return _edit_page(request, web, story_id, status=422, flash=f"The edit form could not be read: {exc}",
                          flash_kind="error")
    return await run_in_threadpool(_save_edit, request, web, user, story_id, fields, submitted, base_version)


def _save_edit(request: Request, web: WebState, user: dict, story_id: int, fields: dict, submitted: dict,
               base_version: int | None) -> Response:
    try:
        with web.editing() as newsroom:
            newsroom.edit(user, story_id, headline=fields["headline"], dek=fields["dek"], bullets=fields["bullets"],
                          parts=fields["parts"], override=fields["override"] or None, base_version=base_version)
    except GateRefused as refused:
        message = "The edit did not pass the gate. Fix the lines below, or give a reason to override the gate."
        return _edit_page(request, web, story_id, status=422, form=_with_verdicts(submitted, refused.content),
                          flash=message, flash_kind="error", flash_reasons=refused.reasons)
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


@router.post("/review/{story_id:id}/approve")
def approve(request: Request, web: Web, user: Writer, story_id: int, version: Version) -> Response:
    return _act(request, web, story_id, "approve", lambda n: n.approve(user, story_id, version))


@router.post("/review/{story_id:id}/publish")
def publish(request: Request, web: Web, user: Writer, story_id: int, version: Version, note: Text = "") -> Response:
    return _act(request, web, story_id, "publish", lambda n: n.publish(user, story_id, version, note=note.strip() or None))


@router.post("/review/{story_id:id}/reject")
def reject(request: Request, web: Web, user: Writer, story_id: int, version: Version, reason: Text = "") -> Response:
    return _act(request, web, story_id, "reject", lambda n: n.reject(user, story_id, version, reason.strip()))


@router.post("/review/{story_id:id}/unpublish")
def unpublish(request: Request, web: Web, user: Writer, story_id: int, reason: Text = "") -> Response:
    return _act(request, web, story_id, "unpublish", lambda n: n.unpublish(user, story_id, reason.strip()))
