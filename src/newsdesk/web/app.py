"""The web newsroom application: ``create_app(settings)`` builds it, ``newsdesk serve`` runs it.

Routes are grouped per resource: ``reader`` (front page, stories, articles, search,
entities), ``editor`` (login, review queue, edits and actions, audit log), ``api`` (JSON),
``feeds`` (Atom, JSON Feed, /healthz). ``state.WebState`` holds what one app owns
(per-thread store connections, the write lock, the login limiter, caches);
``security`` adds the headers, sessions and CSRF checks; ``guard`` refuses hostile values (NUL,
text that is not UTF-8, numbers the store cannot keep) before any route sees them.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsdesk import __version__
from newsdesk.settings import Settings
from newsdesk.web import api, editor, feeds, reader
from newsdesk.web.guard import HostileInput
from newsdesk.web.render import Pages
from newsdesk.web.security import LoginRequired, SameOriginWrites, SecurityHeaders, add_security_headers
from newsdesk.web.state import WebState

log = logging.getLogger("newsdesk.web")
STATIC = Path(__file__).parent / "static"
TITLES = {400: "That request cannot be used", 401: "Log in first", 403: "Not allowed", 404: "Not found",
          413: "That request is too large", 422: "That request is incomplete", 429: "Too many attempts",
          500: "Something went wrong"}


def create_app(settings: Settings, *, store_path: Path | str | None = None, scheduler: Any = None,
               embedder: Any = None) -> FastAPI:
    """The newsroom app on ``store_path`` (default: the settings' store).

    ``scheduler`` (a ``newsdesk.scheduler.Scheduler``) is started with the app and stopped
    with it; ``embedder`` is the sentence embedder editors' edits are checked with
    (default: the scheduler's, else loaded on the first edit)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if scheduler is not None:
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.stop()

    app = FastAPI(title="newsdesk", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Published, cited news briefs; review actions for editors with an API token.")
    app.state.web = WebState(settings, store_path or settings.db_path, scheduler=scheduler, embedder=embedder)
    app.state.pages = Pages()
    app.add_middleware(HostileInput, refuse=_error)  # innermost: after the origin check, before any route
    app.add_middleware(SameOriginWrites)  # its 403 still gets the security headers
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (reader, editor, api, feeds):
        app.include_router(module.router)
    app.add_api_route("/docs", api_docs, methods=["GET"], include_in_schema=False, response_class=HTMLResponse)
    _add_error_handlers(app)
    return app


class HeadAsGet:
    """ASGI middleware: HEAD answers like GET without the body (uptime monitors, link checkers)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(scope | {"method": "GET"}, receive, send_headers_only)


def api_docs(request: Request) -> HTMLResponse:
    """The API reference rendered from the OpenAPI schema on the server (no script: the CSP forbids CDNs)."""
    schema = request.app.openapi()
    operations = [
        {"method": method.upper(), "path": path, "summary": op.get("summary", ""),
         "parameters": op.get("parameters", []), "body": _body_schema(op), "responses": op.get("responses", {})}
        for path, methods in schema["paths"].items() for method, op in methods.items()
    ]
    return request.app.state.pages.page(request, "docs.html", {"operations": operations, "schema": schema})


def _body_schema(op: dict[str, Any]) -> str | None:
    ref = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


# -- errors: friendly pages for people, JSON for the API --------------------------------------


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path in ("/openapi.json", "/healthz")


def _error(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    title = TITLES.get(status) or HTTPStatus(status).phrase
    context = {"title": title, "message": message, "status": status}
    response = request.app.state.pages.page(request, "error.html", context, status=status)
    if headers:
        response.headers.update(headers)
    return response


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) and exc.detail != HTTPStatus(exc.status_code).phrase else None
        if exc.status_code == 404 and message is None:
            message = f"There is no page at {request.url.path}."
        return _error(request, exc.status_code, message or HTTPStatus(exc.status_code).description, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if _wants_json(request):
            return await request_validation_exception_handler(request, exc)
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
        return _error(request, 422, f"Some of what was sent cannot be used ({problems}).")

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?next=" + quote(target, safe=""), status_code=303)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        """Runs outside the header middleware, so it adds the security headers itself."""
        log.exception("error serving %s %s", request.method, request.url.path)
        response = _error(request, 500, "The newsroom could not answer this request; the error has been logged.")
        add_security_headers(MutableHeaders(raw=response.raw_headers), private=True)
        return response
