"""``newsdesk serve``: the web newsroom (pages, review desk, API, feeds) with the scheduler beside it."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from newsdesk.settings import Settings
from newsdesk.store import Store

err = Console(stderr=True, soft_wrap=True)
DEMO_USER = "demo"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)] = 8000,
    no_scheduler: Annotated[bool, typer.Option("--no-scheduler", help="Serve pages only: do not poll feeds or write briefs in the background.")] = False,
    demo_user: Annotated[bool, typer.Option("--demo-user", help="Create an editor 'demo' with a random password on first start (printed once, saved to demo-login.txt beside the store).")] = False,
    scheduler_interval: Annotated[float, typer.Option("--scheduler-interval", min=1.0, help="Seconds between two scheduler cycles (each polls the feeds that are due and writes what is new).")] = 60.0,
    forwarded_allow_ips: Annotated[str, typer.Option("--forwarded-allow-ips", help="Proxies (comma-separated IPs, or *) whose X-Forwarded-Proto/For headers are trusted, e.g. a TLS-terminating proxy; session cookies are Secure when it says https.")] = "127.0.0.1",
) -> None:
    """Run the web newsroom: front page, stories, the editors' review desk, the JSON API and feeds.

    The scheduler polls feeds and writes briefs in the background unless --no-scheduler;
    it never publishes. Editors log in with accounts made by 'newsdesk users add'.
    """
    import uvicorn

    from newsdesk.scheduler import Scheduler
    from newsdesk.web.app import create_app

    desk = ctx.find_root().obj
    settings: Settings = desk.settings
    store_path = settings.db_path
    if demo_user:
        ensure_demo_user(desk.store, store_path)
    if host not in LOOPBACK:
        err.print(f"[yellow]note:[/] listening on {escape(host)}: put a TLS-terminating proxy in front so passwords and cookies travel encrypted.")
    scheduler = None if no_scheduler else Scheduler(settings, store_path, interval_s=scheduler_interval)
    app = create_app(settings, store_path=store_path, scheduler=scheduler)
    err.print(f"Serving the newsroom on http://{escape(host)}:{port}/ (store {escape(str(store_path))}); Ctrl+C stops it.")
    uvicorn.run(app, host=host, port=port, proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips,
                log_level="info", server_header=False)


def ensure_demo_user(store: Store, store_path: Path) -> str:
    """Create the editor 'demo' with a random password once; returns what was said about it.

    The password is printed once and written to ``demo-login.txt`` beside the store,
    readable by the owner only (mode 0600). Later starts only say the account exists."""
    from newsdesk.auth import Accounts

    accounts = Accounts(store)
    path = Path(store_path).parent / "demo-login.txt"
    if any(u["name"] == DEMO_USER for u in accounts.list_users()):
        message = f"The demo editor account exists (its password was saved in {path})."
        err.print(escape(message))
        return message
    password = secrets.token_urlsafe(15)
    accounts.add_user(DEMO_USER, "editor", password)
    _write_private(path, f"name: {DEMO_USER}\npassword: {password}\n")
    message = f"Created editor '{DEMO_USER}' with password {password} (also saved, owner-only, in {path})."
    err.print(escape(message))
    return message


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode())
    finally:
        os.close(fd)
