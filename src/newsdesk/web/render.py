"""HTML rendering: one Jinja2 environment per app, autoescaping everything.

Text from articles and briefs is only ever inserted as escaped text; links to the
outside are kept only when they are http(s). The one place HTML is built from article
text (feed content) goes through nh3 with a strict allow-list (see ``sanitize``).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import nh3
from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

TEMPLATES = Path(__file__).parent / "templates"
_HTTP_URL = re.compile(r"^https?://[^\s<>\"'`]+$", re.IGNORECASE)
ALLOWED_TAGS = {"p", "ul", "ol", "li", "a", "em", "strong", "blockquote", "br"}


def safe_url(url: str | None) -> str | None:
    """The URL when it is an http(s) link; javascript:, data: and the like become None."""
    return url if url and _HTTP_URL.match(url.strip()) else None


def sanitize(html: str) -> str:
    """HTML reduced to a few text tags; links keep only http(s) targets and get rel=noopener."""
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href"}}, url_schemes={"http", "https"},
                     link_rel="noopener noreferrer nofollow")


def article_href(article_id: str, evidence: dict[str, Any] | None = None) -> str:
    """The article page, with the evidence span to highlight when given (ids may hold '/', '?', '#')."""
    href = "/articles/" + quote(article_id, safe="")
    if evidence and isinstance(evidence.get("start"), int) and isinstance(evidence.get("end"), int):
        href += "?" + urlencode({"hl": f"{evidence['start']}-{evidence['end']}", "f": evidence.get("field") or "text"})
    return href


def entity_href(name: str) -> str:
    return "/entities/" + quote(name, safe="")


def when(value: Any) -> str:
    """A stored timestamp as '23 Nov 2026, 03:36 UTC' (a date alone stays a date)."""
    if not value:
        return ""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if isinstance(value, str) and len(value) <= 10:
        return moment.strftime("%-d %b %Y")
    zone = " UTC" if moment.utcoffset() is not None and not moment.utcoffset() else ""
    return moment.strftime("%-d %b %Y, %H:%M") + zone


def count(value: Any) -> int:
    """A count that may come as a number or as the list itself."""
    return len(value) if isinstance(value, (list, tuple, set, dict)) else int(value or 0)


def plural(n: Any, word: str, many: str | None = None) -> str:
    n = count(n)
    return f"{n} {word if n == 1 else (many or word + 's')}"


def first_upper(text: str) -> str:
    """The text with its first letter capitalised and the rest as written (Jinja's ``capitalize``
    lowercases names: "netanyahu", "us officials")."""
    return text[:1].upper() + text[1:]


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "xml"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(when=when, count=count, plural=plural, safe_url=safe_url, first_upper=first_upper)
    env.globals.update(article_href=article_href, entity_href=entity_href)
    return env


class Pages:
    """Renders templates into HTML responses, adding who is logged in and their CSRF token."""

    def __init__(self) -> None:
        self.env = make_environment()

    def render(self, name: str, context: dict[str, Any]) -> str:
        return self.env.get_template(name).render(context)

    def page(self, request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200) -> HTMLResponse:
        session = getattr(request.state, "session", None)
        base = {"request": request, "editor": session["user"] if session else None, "csrf": session["csrf"] if session else ""}
        response = HTMLResponse(self.render(name, base | (context or {})), status_code=status)
        if session:  # a page made for an editor (it holds their CSRF token) is never cached
            response.headers["Cache-Control"] = "no-store"
        return response
