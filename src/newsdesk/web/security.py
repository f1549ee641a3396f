"""Who may write, and how a browser is kept from being tricked into it.

Sessions: after a good login the browser holds ``newsdesk_session`` (HttpOnly,
SameSite=Lax, Secure over https), an opaque token whose SHA-256 is what the store keeps
(``Accounts.start_session``). Every session has its own CSRF token; every POST form
carries it in a hidden ``csrf`` field and a write is refused (403) unless it matches.
Without a session a write is refused with 401. The login form itself is protected by a
pre-session pair: a random ``newsdesk_login`` cookie and, in the form, an HMAC of it
under the app's secret, so a foreign page cannot log a browser into another account.

The JSON API never looks at cookies for writes: it needs ``Authorization: Bearer nd_…``.

Defence in depth beside the tokens: a POST, PUT, PATCH or DELETE whose ``Origin`` header (or,
without one, whose ``Referer``) names another site than the one asked is refused (403) before
any route sees it (:class:`SameOriginWrites`). Requests with neither header (API clients,
scripts) are left to the tokens.

Every response gets the security headers below (the middleware wraps error pages too).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Form, HTTPException, Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsdesk.web.state import WebState

SESSION_COOKIE = "newsdesk_session"
LOGIN_COOKIE = "newsdesk_login"

CSP = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
PRIVATE_PREFIXES = ("/login", "/logout", "/review", "/audit", "/api/review")


class SecurityHeaders:
    """ASGI middleware: the security headers on every HTTP response; private pages are never cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = scope["path"].startswith(PRIVATE_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_security_headers(MutableHeaders(scope=message), private=private)
            await send(message)

        await self.app(scope, receive, send_with_headers)


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def request_origin_refusal(method: str, headers: Headers, scheme: str) -> str | None:
    """Why an unsafe request must be refused as coming from another site, or None.

    The site asked is the request's ``Host``; the site asking is its ``Origin`` header, else the
    origin of its ``Referer``. ``Origin: null`` (sandboxed frames, some redirects) is another site.
    When ``Host`` names no port, the asking site's scheme decides the default, so a TLS proxy
    that forwards plain http to newsdesk does not make the desk's own forms look foreign.
    """
    if method.upper() not in UNSAFE_METHODS:
        return None
    claimed = headers.get("origin")
    source = "Origin"
    if claimed is None:
        claimed, source = headers.get("referer"), "Referer"
        if claimed is None:
            return None
    host = headers.get("host", "")
    try:
        asking = urlsplit(claimed.strip())
        asking_port = asking.port or _DEFAULT_PORTS.get(asking.scheme.lower())
        asked = urlsplit(f"//{host}")
        asked_port = asked.port or _DEFAULT_PORTS.get(asking.scheme.lower() or scheme)
    except ValueError:
        return f"{source} header cannot be read"
    if claimed.strip().lower() == "null" or not asking.hostname or asking.scheme.lower() not in _DEFAULT_PORTS:
        return f"{source} {claimed[:100]!r} is not this site"
    if (asking.hostname.lower(), asking_port) != ((asked.hostname or "").lower(), asked_port):
        return f"{source} {asking.scheme}://{asking.netloc} is not this site ({host})"
    return None


class SameOriginWrites:
    """ASGI middleware: unsafe methods sent from another site are refused with 403 (see
    :func:`request_origin_refusal`), as defence in depth beside the CSRF and API tokens."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = request_origin_refusal(scope["method"], Headers(scope=scope), scope.get("scheme", "http"))
            if refusal is not None:
                response = PlainTextResponse(f"Refused: this request came from another site ({refusal}).", status_code=403)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def add_security_headers(headers: MutableHeaders, *, private: bool = False) -> None:
    for name, value in SECURITY_HEADERS.items():
        headers[name] = value
    if private or "set-cookie" in headers:
        headers["Cache-Control"] = "no-store"


# -- the app's state and the session -------------------------------------------------


def web_state(request: Request) -> WebState:
    return request.app.state.web


Web = Annotated[WebState, Depends(web_state)]


def session_of(request: Request) -> dict[str, Any] | None:
    """The editor session the request's cookie names ({"user", "csrf"}), or None; looked up once."""
    if not hasattr(request.state, "session"):
        token = request.cookies.get(SESSION_COOKIE)
        request.state.session = web_state(request).accounts.session(token) if token else None
    return request.state.session


class LoginRequired(Exception):
    """An editor page was asked for without a session: the handler redirects to /login."""


def editor_page(request: Request) -> dict[str, Any]:
    """Dependency of editor pages: the logged-in editor, else a redirect to the login page."""
    session = session_of(request)
    if session is None:
        raise LoginRequired()
    return session["user"]


def editor_form(request: Request, csrf: Annotated[str, Form()] = "") -> dict[str, Any]:
    """Dependency of every POST form but login: a session (401 without) and its CSRF token (403)."""
    session = session_of(request)
    if session is None:
        raise HTTPException(401, "Log in as an editor to do this.")
    if not csrf or not same_secret(csrf, session["csrf"]):
        raise HTTPException(403, "This form has expired or did not come from this site; reload the page and try again.")
    return session["user"]


def token_user(request: Request) -> dict[str, Any] | None:
    """The user of the request's ``Authorization: Bearer`` API token, or None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return web_state(request).accounts.token_user(token.strip()) if scheme.lower() == "bearer" and token.strip() else None


def api_editor(request: Request) -> dict[str, Any]:
    """Dependency of API writes: the user of a valid ``Authorization: Bearer`` token (cookies do not count)."""
    user = token_user(request)
    if user is None:
        raise HTTPException(401, "An API token is required: send 'Authorization: Bearer nd_…' (see 'newsdesk users token').",
                            headers={"WWW-Authenticate": "Bearer"})
    return user


# -- the pre-session login token -----------------------------------------------------------


def login_csrf(web: WebState, cookie: str) -> str:
    return hmac.new(web.secret, cookie.encode(), hashlib.sha256).hexdigest()


def login_cookie(request: Request) -> tuple[str, bool]:
    """The browser's pre-session cookie value, and whether it is new (and must be set)."""
    value = request.cookies.get(LOGIN_COOKIE, "")
    if len(value) == 43:  # token_urlsafe(32)
        return value, False
    return secrets.token_urlsafe(32), True


def login_csrf_ok(request: Request, csrf: str) -> bool:
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    return bool(cookie and csrf) and same_secret(login_csrf(web_state(request), cookie), csrf)


def same_secret(sent: str, kept: str) -> bool:
    """A constant-time comparison of two tokens; whatever characters ``sent`` holds (compare_digest
    refuses non-ASCII strings, so the UTF-8 bytes are compared)."""
    return hmac.compare_digest(sent.encode("utf-8", "surrogatepass"), kept.encode("utf-8", "surrogatepass"))


def set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    """An HttpOnly, SameSite=Lax cookie for the whole site; Secure when the request came over https.

    Behind a TLS-terminating proxy the scheme is https when uvicorn trusts the proxy's
    ``X-Forwarded-Proto`` (``newsdesk serve --forwarded-allow-ips``)."""
    response.set_cookie(name, value, httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/")


def delete_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(name, httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/")


def local_path(target: str | None, default: str = "/review") -> str:
    """A redirect target that stays on this site (a path, not '//host' or 'scheme:')."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default
