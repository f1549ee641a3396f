"""``newsdesk db``: moving a whole store between SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from newsdesk.store import Store, StoreError, describe, is_postgres, store_target

err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)
db_app = typer.Typer(help="Move a store between SQLite and PostgreSQL.", no_args_is_help=True)


@db_app.command("copy")
def copy_command(
    source: Annotated[str, typer.Argument(metavar="SRC", help="The store to copy: a SQLite file or postgresql://USER@HOST:PORT/DB.", show_default=False)],
    target: Annotated[str, typer.Argument(metavar="DST", help="An empty store to copy into (a new SQLite file is created; a PostgreSQL database must exist).", show_default=False)],
    batch: Annotated[int, typer.Option("--batch", min=1, help="Rows read and written at a time.")] = 1000,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows of every table as JSON.")] = False,
) -> None:
    """Copy every table of SRC into DST (SQLite to PostgreSQL or back) and check the rows of each table.

    DST must be empty. The copy is one transaction: when it fails, DST is left as it was.
    """
    from newsdesk.store.copy import copy_store

    src, dst = store_target(source), store_target(target)
    if not is_postgres(src) and not Path(src).is_file():
        _fail(f"no store at {describe(src)}: SRC must be an existing SQLite file or a PostgreSQL URL")
    if str(src) == str(dst):
        _fail("SRC and DST are the same store")
    try:
        with Store(src) as from_store, Store(dst) as to_store:
            def on_table(table: str, rows: int) -> None:
                err.print(f"copying {table} ({rows} rows)", highlight=False)

            counts = copy_store(from_store, to_store, batch=batch, on_table=on_table)
    except StoreError as exc:
        _fail(str(exc))
    if as_json:
        sys.stdout.write(json.dumps({"source": describe(src), "target": describe(dst),
                                     "tables": [c.as_dict() for c in counts]}, indent=2) + "\n")
        return
    table = Table(title=f"{describe(src)} → {describe(dst)}", title_justify="left")
    for name in ("table", "rows in SRC", "rows in DST"):
        table.add_column(name, justify="left" if name == "table" else "right")
    for c in counts:
        table.add_row(c.table, str(c.source_rows), str(c.copied_rows))
    out.print(table)
    total = sum(c.copied_rows for c in counts)
    err.print(f"Copied {total} rows in {len(counts)} tables; every table has as many rows in DST as in SRC.")


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/] {escape(message)}")
    raise typer.Exit(code)
