"""``newsdesk serve``: the web newsroom (pages, review desk, API, feeds) with the scheduler beside it.

With ``--workers N`` (PostgreSQL only) uvicorn runs N processes behind one port; each builds its
app with :func:`worker_app` from the settings the command passes down in ``NEWSDESK_SERVE``.
Everything they must agree on is in the store: sessions and their CSRF tokens, the login form's
key, failed logins; and one scheduler runs across them (see ``newsdesk.scheduler``).
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from newsdesk.settings import Settings
from newsdesk.store import Store, is_postgres

err = Console(stderr=True, soft_wrap=True)
DEMO_USER = "demo"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
WORKER_ENV = "NEWSDESK_SERVE"  # what serve passes to its worker processes: settings and scheduler options


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)] = 8000,
    no_scheduler: Annotated[bool, typer.Option("--no-scheduler", help="Serve pages only: do not poll feeds or write briefs in the background.")] = False,
    demo_user: Annotated[bool, typer.Option("--demo-user", help="Create an editor 'demo' with a random password on first start (printed once, saved to demo-login.txt beside the store).")] = False,
    scheduler_interval: Annotated[float, typer.Option("--scheduler-interval", min=1.0, help="Seconds between two scheduler cycles (each polls the feeds that are due and writes what is new).")] = 60.0,
    forwarded_allow_ips: Annotated[str | None, typer.Option("--forwarded-allow-ips", help="Proxies (comma-separated IPs or CIDR networks, or *) whose X-Forwarded-For/Proto headers are believed, e.g. a TLS-terminating proxy; session cookies are Secure when it says https. Default: the setting forwarded_allow_ips (none: no proxy is believed).")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Web processes behind the one port (more than 1 needs a PostgreSQL store); one scheduler runs across them.")] = 1,
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
    if workers > 1 and not is_postgres(store_path):
        err.print(f"[red]error:[/] --workers {workers} needs a PostgreSQL store: a SQLite file is written by one "
                  "server process. Copy it with 'newsdesk db copy' and serve with --db postgresql://USER@HOST:PORT/DB.")
        raise typer.Exit(2)
    try:
        proxies = trusted_proxies(forwarded_allow_ips, settings)
    except ValueError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    store = desk.store  # opened (and migrated) once here, before any worker starts
    if demo_user:
        ensure_demo_user(store, store_path)
    if host not in LOOPBACK:
        err.print(f"[yellow]note:[/] listening on {escape(host)}: put a TLS-terminating proxy in front so passwords and cookies travel encrypted.")
    # no proxy named: uvicorn reads no X-Forwarded-* header at all (its own default believes 127.0.0.1)
    options = dict(host=host, port=port, proxy_headers=bool(proxies), forwarded_allow_ips=",".join(proxies),
                   log_level="info", server_header=False)
    err.print(f"Serving the newsroom on http://{escape(host)}:{port}/ (store {escape(store.name)}"
              f"{f', {workers} processes' if workers > 1 else ''}); Ctrl+C stops it.")
    if workers > 1:
        os.environ[WORKER_ENV] = json.dumps({"settings": settings.values, "origins": settings.origins,
                                             "scheduler": not no_scheduler, "interval": scheduler_interval},
                                            default=str)
        uvicorn.run(f"{__name__}:worker_app", factory=True, workers=workers, **options)
        return
    scheduler = None if no_scheduler else Scheduler(settings, store_path, interval_s=scheduler_interval)
    app = create_app(settings, store_path=store_path, scheduler=scheduler)
    uvicorn.run(app, **options)


def trusted_proxies(option: str | None, settings: Settings) -> list[str]:
    """The proxies whose X-Forwarded-* headers are believed: ``--forwarded-allow-ips``, else the setting
    ``forwarded_allow_ips``. Each must be an IP address, a CIDR network or ``*``; ValueError names one that is not
    (uvicorn would take a name silently as a literal that never matches)."""
    if option is not None:
        values, where = [part.strip() for part in option.split(",") if part.strip()], "--forwarded-allow-ips"
    else:
        values, where = list(settings.forwarded_allow_ips or []), "the setting forwarded_allow_ips"
    for value in values:
        if value == "*":
            continue
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ValueError(f"{where}: {value!r} is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/24); "
                             "name each proxy by its address") from None
    return values


def worker_app():
    """The app of one ``serve --workers`` process, built from what :func:`serve` put in ``NEWSDESK_SERVE``."""
    from newsdesk.scheduler import Scheduler
    from newsdesk.web.app import create_app

    try:
        passed = json.loads(os.environ[WORKER_ENV])
    except (KeyError, ValueError) as exc:
        raise RuntimeError(f"{WORKER_ENV} is missing or unreadable ({exc}): start workers with 'newsdesk serve --workers N'") from None
    settings = Settings(passed["settings"], passed["origins"])
    scheduler = Scheduler(settings, settings.db_path, interval_s=passed["interval"]) if passed["scheduler"] else None
    return create_app(settings, store_path=settings.db_path, scheduler=scheduler)


def ensure_demo_user(store: Store, store_path: Path) -> str:
    """Create the editor 'demo' with a random password once; returns what was said about it.

    The password is printed once and written to ``demo-login.txt`` beside the store,
    readable by the owner only (mode 0600). Later starts only say the account exists."""
    from newsdesk.auth import Accounts

    accounts = Accounts(store)
    path = _demo_login_path(store_path)
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


def _demo_login_path(store_path: Path | str) -> Path:
    """Beside a SQLite store; for a PostgreSQL one, in the user's data directory."""
    if is_postgres(store_path):
        import platformdirs

        folder = Path(platformdirs.user_data_dir("newsdesk"))
        folder.mkdir(parents=True, exist_ok=True)
        return folder / "demo-login.txt"
    return Path(store_path).parent / "demo-login.txt"


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode())
    finally:
        os.close(fd)
