"""Feeds of what is published: Atom 1.0 (briefs, corrections) and JSON Feed 1.1, and /healthz.

Atom is built with ElementTree, so every text is XML-escaped; characters XML 1.0 cannot
carry (control characters an article may hold) are dropped first. The HTML content of
an entry is built from escaped text and passed through nh3.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Request
from markupsafe import escape
from starlette.responses import JSONResponse, Response

from newsdesk.web.guard import GuardedRoute
from newsdesk.web.render import sanitize
from newsdesk.web.security import Web

router = APIRouter(include_in_schema=False, route_class=GuardedRoute)
ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
EPOCH = "1970-01-01T00:00:00+00:00"


def xml_text(value: Any) -> str:
    return _NOT_XML.sub("", str(value or ""))


def rfc3339(value: Any) -> str:
    """A stored timestamp as RFC 3339 (UTC when it has no zone)."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return EPOCH
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.isoformat()


def _child(parent: ET.Element, tag: str, text: Any = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = xml_text(text)
    return element


def atom(*, feed_id: str, title: str, self_url: str, home_url: str, entries: list[dict[str, Any]]) -> bytes:
    """An Atom 1.0 document; each entry: id, title, updated, link, summary, optional html."""
    feed = ET.Element("feed", xmlns=ATOM)  # plain tags under a default namespace: no global prefix registry
    _child(feed, "id", feed_id)
    _child(feed, "title", title)
    _child(feed, "updated", max((e["updated"] for e in entries), default=EPOCH))
    _child(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _child(feed, "link", rel="alternate", type="text/html", href=home_url)
    author = _child(feed, "author")
    _child(author, "name", "newsdesk")
    _child(feed, "generator", "newsdesk")
    for e in entries:
        entry = _child(feed, "entry")
        _child(entry, "id", e["id"])
        _child(entry, "title", e["title"] or "(untitled)")
        _child(entry, "updated", e["updated"])
        _child(entry, "link", rel="alternate", type="text/html", href=e["link"])
        _child(entry, "summary", e["summary"] or e["title"], type="text")
        if e.get("html"):
            _child(entry, "content", e["html"], type="html")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8", xml_declaration=False)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def development_text(d: dict[str, Any]) -> str:
    """A development as one line of text: "Flights a day: 120 flights (Tue 3 Mar) → 210 flights (Wed 4 Mar)"."""
    topic = str(d.get("topic") or "")
    steps = [f"{v.get('value', '')} ({v['when'] or v['date']})" if v.get("when") or v.get("date") else str(v.get("value", ""))
             for v in d.get("values", [])]
    return f"{topic[:1].upper()}{topic[1:]}: " + " → ".join(steps)


def _brief_html(row: dict[str, Any], content: dict[str, Any] | None) -> str:
    """The Quick Take, then the developments, as short HTML lists (escaped text, then sanitized)."""
    if not content:
        return ""
    items = "".join(f"<li>{escape(line.get('text', ''))}</li>" for line in content.get("quick_take", []))
    html = f"<p>{escape(row.get('dek') or '')}</p><ul>{items}</ul>"
    if content.get("developments"):
        changed = "".join(f"<li>{escape(development_text(d))}</li>" for d in content["developments"])
        html += f"<p>Developments:</p><ul>{changed}</ul>"
    return sanitize(html)


def _published_entries(web: Web, base: str) -> list[dict[str, Any]]:
    """Feed entries of the front page; a published version's content is read once and cached."""
    return [_entry(row, base) | web.fragments.get(("feed", row["story_id"], row["version"]), lambda row=row: _entry_body(web, row))
            for row in web.newsroom.front_page(limit=FEED_SIZE)]


def _entry(row: dict[str, Any], base: str) -> dict[str, Any]:
    """What both feeds say of a story (text without the control characters XML cannot carry)."""
    return {
        "id": f"{base}/stories/{row['story_id']}",
        "title": xml_text(row["headline"]),
        "updated": rfc3339(row.get("published_at")),
        "link": f"{base}/stories/{row['story_id']}",
        "summary": xml_text(row.get("dek")),
    }


def _entry_body(web: Web, row: dict[str, Any]) -> dict[str, Any]:
    published = web.newsroom.published(row["story_id"])
    content = published["content"] if published else {}
    return {"html": _brief_html(row, content), "quick_take": [xml_text(line.get("text")) for line in content.get("quick_take", [])],
            "developments": [xml_text(development_text(d)) for d in content.get("developments", [])]}


@router.get("/feed.atom")
def feed_atom(request: Request, web: Web) -> Response:
    base = _base(request)
    body = atom(feed_id=f"{base}/feed.atom", title="newsdesk: published briefs", self_url=f"{base}/feed.atom",
                home_url=f"{base}/", entries=_published_entries(web, base))
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/corrections.atom")
def corrections_atom(request: Request, web: Web) -> Response:
    base = _base(request)
    entries = [{
        "id": f"{base}/stories/{c['story_id']}#correction-{c['id']}",
        "title": f"Correction: {c.get('headline') or 'story ' + str(c['story_id'])}",
        "updated": rfc3339(c.get("at")),
        "link": f"{base}/stories/{c['story_id']}",
        "summary": c.get("note"),
    } for c in web.newsroom.corrections(limit=FEED_SIZE)]
    body = atom(feed_id=f"{base}/corrections.atom", title="newsdesk: corrections", self_url=f"{base}/corrections.atom",
                home_url=f"{base}/", entries=entries)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/feed.json")
def feed_json(request: Request, web: Web) -> Response:
    base = _base(request)
    items = [{
        "id": e["id"],
        "url": e["link"],
        "title": e["title"],
        "summary": e["summary"] or "",
        "content_text": _content_text(e),
        "date_published": e["updated"],
        "date_modified": e["updated"],
    } for e in _published_entries(web, base)]
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "newsdesk: published briefs",
        "home_page_url": f"{base}/",
        "feed_url": f"{base}/feed.json",
        "language": "en",
        "authors": [{"name": "newsdesk"}],
        "items": items,
    }
    return JSONResponse(feed, media_type="application/feed+json")


def _content_text(entry: dict[str, Any]) -> str:
    """A JSON Feed item's text: the Quick Take, then the developments."""
    text = "\n".join(f"• {t}" for t in entry["quick_take"]) or entry["summary"] or entry["title"]
    if entry.get("developments"):
        text += "\n\nDevelopments:\n" + "\n".join(f"• {t}" for t in entry["developments"])
    return text


@router.get("/healthz")
def healthz(web: Web) -> Response:
    """Liveness for a proxy or monitor: the store answers; the scheduler's state when it runs."""
    try:
        web.store.conn.execute("SELECT 1").fetchone()
    except Exception as exc:  # any store failure means unhealthy, with the reason
        return JSONResponse({"status": "error", "store": str(exc)}, status_code=503)
    body: dict[str, Any] = {"status": "ok", "store": "ok", "process": os.getpid(),  # which web process answered
                            "scheduler": _scheduler_state(web.scheduler)}
    return JSONResponse(body)


def _scheduler_state(scheduler: Any) -> dict[str, Any] | None:
    if scheduler is None:
        return None
    report = getattr(scheduler, "last_report", None) or {}
    return {"running": bool(getattr(scheduler, "running", False)), "cycles": getattr(scheduler, "cycles", None),
            "leading": bool(getattr(scheduler, "leading", False)),
            "last_cycle": report.get("started_at"), "last_errors": len(report.get("errors", []))}
