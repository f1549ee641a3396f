"""``newsdesk users``: the accounts that may edit, approve and publish in the web newsroom."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from newsdesk.auth import ROLES, Accounts, AuthError

out = Console(width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True, soft_wrap=True)

users_app = typer.Typer(
    help="Editor accounts of the web newsroom: add them, list them, give them API tokens.",
    no_args_is_help=True,
)


def _accounts(ctx: typer.Context) -> Accounts:
    return Accounts(ctx.find_root().obj.store)


def _fail(message: str) -> None:
    err.print(f"[red]error:[/] {escape(message)}")
    raise typer.Exit(1)


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _read_password(name: str) -> str:
    """Asked for twice at a terminal (not echoed); else the first line of standard input (for scripts)."""
    if _stdin_is_terminal():
        return typer.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name: 1 to 32 letters, digits, '.', '_' or '-'.", show_default=False)],
    role: Annotated[str, typer.Option("--role", help=f"What the account may do: {' or '.join(ROLES)}.")] = "editor",
) -> None:
    """Create an account; the password is asked for twice, or read from standard input.

    The password needs 10 characters or more. When standard input is not a terminal its first line is
    the password: echo "$PASSWORD" | newsdesk users add ann --role editor
    """
    password = _read_password(name)
    try:
        user = _accounts(ctx).add_user(name, role, password)
    except AuthError as exc:
        _fail(str(exc))
    err.print(f"added {escape(user['role'])} [bold]{escape(user['name'])}[/] (id {user['id']})")


@users_app.command("list")
def users_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: a list of {id, name, role, created_at}.")] = False,
) -> None:
    """List the accounts (never their passwords or tokens)."""
    users = _accounts(ctx).list_users()
    if as_json:
        sys.stdout.write(json.dumps(users, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"{len(users)} account{'s' if len(users) != 1 else ''}", title_justify="left")
    for col in ("id", "name", "role", "created"):
        table.add_column(col)
    for u in users:
        table.add_row(str(u["id"]), escape(u["name"]), u["role"], u["created_at"][:16].replace("T", " "))
    out.print(table)


@users_app.command("token")
def users_token(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The account the token acts for.", show_default=False)],
    label: Annotated[str, typer.Option("--label", help="What the token is for (e.g. 'wire script'); kept with it.")],
) -> None:
    """Make an API token for an account and print it, once: only a hash of it is stored.

    Send it as 'Authorization: Bearer nd_…' to the API's write endpoints.
    """
    try:
        token = _accounts(ctx).issue_token(name, label)
    except AuthError as exc:
        _fail(str(exc))
    sys.stdout.write(token + "\n")
    err.print("This token is shown only now: store it somewhere safe.")


@users_app.command("tokens")
def users_tokens(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Only this account's tokens.", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: a list of {id, user, label, created_at, last_used_at}.")] = False,
) -> None:
    """List API tokens: id, account, label, when made and last used (never the token itself)."""
    try:
        tokens = _accounts(ctx).tokens(name)
    except AuthError as exc:
        _fail(str(exc))
    if as_json:
        sys.stdout.write(json.dumps(tokens, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"{len(tokens)} API token{'s' if len(tokens) != 1 else ''}", title_justify="left")
    for col in ("id", "account", "label", "created", "last used"):
        table.add_column(col)
    for t in tokens:
        used = t["last_used_at"][:16].replace("T", " ") if t["last_used_at"] else "never"
        table.add_row(str(t["id"]), escape(t["user"]), escape(t["label"]), t["created_at"][:16].replace("T", " "), used)
    out.print(table)


@users_app.command("revoke-token")
def users_revoke_token(
    ctx: typer.Context,
    token_id: Annotated[int, typer.Argument(help="The token's id, as 'newsdesk users tokens' lists it.", show_default=False)],
) -> None:
    """Revoke an API token: requests sending it are refused from now on."""
    try:
        _accounts(ctx).revoke_token(token_id)
    except AuthError as exc:
        _fail(str(exc))
    err.print(f"revoked API token {token_id}")
