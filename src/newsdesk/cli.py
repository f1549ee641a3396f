"""The newsdesk command line: parse options, call the core, print the result.

Data goes to standard output (tables, or JSON with --json); progress, notes and
errors go to standard error.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from newsdesk import __version__, pipeline
from newsdesk.cli_db import db_app
from newsdesk.cli_serve import serve
from newsdesk.cli_users import users_app
from newsdesk.fetch import FetchError, check_host, port_of, refusal
from newsdesk.models import Article, InputError
from newsdesk.settings import SETTINGS, Settings, SettingsError, load_settings
from newsdesk.sources.opml import Subscription, parse_opml, render_opml
from newsdesk.store import Store, StoreError, is_postgres
from newsdesk.urls import host_of, is_url, url_problem

# Tables written to a pipe or file get a generous width instead of rich's 80 columns.
out = Console(width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True, soft_wrap=True)

app = typer.Typer(
    name="newsdesk",
    help="A self-hosted news desk: ingest feeds, pages and files; one trustworthy, cited brief per story.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
articles_app = typer.Typer(help="Look at stored articles.", no_args_is_help=True)
feeds_app = typer.Typer(help="Manage feed subscriptions (RSS, Atom, JSON Feed; OPML import/export).", no_args_is_help=True)
stories_app = typer.Typer(help="Look at stories: articles grouped by event, with their independent origins.", no_args_is_help=True)
eval_app = typer.Typer(help="Measure quality on corpora with gold labels.", no_args_is_help=True)
app.add_typer(articles_app, name="articles")
app.add_typer(feeds_app, name="feeds")
app.add_typer(stories_app, name="stories")
app.add_typer(eval_app, name="eval")
app.add_typer(users_app, name="users")
app.command("serve")(serve)
app.add_typer(db_app, name="db")


class Desk:
    """What every command needs: the settings and, opened on first use, the store."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.settings.db_path)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def _desk(ctx: typer.Context) -> Desk:
    return ctx.find_root().obj


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/] {escape(message)}")
    raise typer.Exit(code)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _version(value: bool) -> None:
    if value:
        out.print(f"newsdesk {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[Optional[str], typer.Option("--db", metavar="PATH|URL", help="Store to use: a SQLite file, or a PostgreSQL database as postgresql://USER@HOST:PORT/DB (else NEWSDESK_DB, the settings file, or newsdesk.db in the user's data directory).", show_default=False)] = None,
    config: Annotated[Optional[Path], typer.Option("--config", help="Settings file (TOML) to read instead of the user's settings.toml.", show_default=False)] = None,
    dask: Annotated[Optional[str], typer.Option("--dask", metavar="ADDRESS", help="Run per-article work (file extraction, embeddings, dedupe signatures, facts) on the workers of the Dask scheduler at ADDRESS, e.g. tcp://10.0.0.5:8786 (else NEWSDESK_DASK_SCHEDULER or the settings file; none: in this process).", show_default=False)] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """A self-hosted news desk: ingest feeds, pages and files; one trustworthy, cited brief per story."""
    try:
        settings = load_settings(config, db=str(db) if db else None, dask_scheduler=dask)
    except SettingsError as exc:
        _fail(str(exc), 2)
    desk = Desk(settings)
    ctx.obj = desk
    ctx.call_on_close(desk.close)


@contextmanager
def _progress(label: str) -> Iterator[tuple[pipeline.TotalHook, pipeline.StepHook]]:
    """A progress bar on standard error while work runs (hidden when that is not a terminal)."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[item]}", style="dim"),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task(label, total=0, item="")

        def on_total(n: int) -> None:
            progress.update(task, total=(progress.tasks[0].total or 0) + n)

        def on_step(done: str | int) -> None:
            """One named item done, or a count of items done."""
            if isinstance(done, int):
                progress.update(task, advance=done)
            else:
                progress.update(task, advance=1, item=done[-60:])

        yield on_total, on_step


def _report_ingest(report: pipeline.IngestReport, *, as_json: bool) -> None:
    if as_json:
        _print_json(
            {
                "added": report.added,
                "already_stored": [{"input": d.input, "article": d.article_id, "reason": d.reason} for d in report.duplicates],
                "revised": [{"input": r.input, "article": r.article_id, "revision": r.revision} for r in report.revised],
                "failures": [{"input": f.input, "stage": f.stage, "reason": f.reason} for f in report.failures],
                "skipped": [{"input": f.input, "reason": f.reason} for f in report.skipped],
            }
        )
        return
    for failure in report.failures:
        err.print(f"[red]error:[/] {escape(failure.input)}: {escape(failure.reason)}")
    for skipped in report.skipped:
        err.print(f"[dim]skipped {escape(skipped.input)}: {escape(skipped.reason)}[/]")
    for dup in report.duplicates:
        if "different text" in dup.reason:
            err.print(f"[yellow]warning:[/] {escape(dup.input)}: id {escape(dup.article_id)} already stored with a different text; the stored version is kept")
    _report_revised(report)
    added, dups, revised = len(report.added), len(report.duplicates), len(report.revised)
    if added or revised:
        parts = [f"[green]Stored {added} new article{'s' * (added != 1)}[/]"] if added else []
        parts += [f"[green]{revised} new version{'s' * (revised != 1)} of stored articles[/]"] if revised else []
        parts += [f"{dups} already stored"] if dups else []
        err.print(", ".join(parts) + ".")
    elif dups:
        err.print(f"Nothing new: all {dups} article{'s were' if dups != 1 else ' was'} already stored.")
    if report.failures:
        n = len(report.failures)
        err.print(f"{n} input{'s' * (n != 1)} failed (see 'newsdesk failures').")


def _report_revised(report: pipeline.IngestReport) -> None:
    for revision in report.revised:
        err.print(f"revised: {escape(revision.article_id)} (revision {revision.revision})")


@app.command()
def ingest(
    ctx: typer.Context,
    inputs: Annotated[list[str], typer.Argument(help="Files, folders and http(s) URLs to ingest.", show_default=False)],
    source: Annotated[Optional[str], typer.Option("--source", "-s", help="Publisher name for inputs that do not name one.")] = None,
    mapping: Annotated[Optional[list[str]], typer.Option("--map", "-m", help="Column mapping for CSV/JSON: FIELD=COLUMN (fields: id, title, text, html, url, source, published, label, dek, byline, summary). Repeatable.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Ingest articles from files (.txt .html .json .jsonl .csv, feed files), folders and URLs.

    Re-ingesting the same input stores nothing new and says so. Each failing input
    is reported and recorded; the exit code is non-zero only when nothing at all
    could be ingested.
    """
    desk = _desk(ctx)
    csv_map: dict[str, str] = {}
    for item in mapping or []:
        field, sep, column = item.partition("=")
        if not sep or not field.strip() or not column.strip():
            _fail(f"--map {item!r}: expected FIELD=COLUMN, e.g. --map title=headline", 2)
        csv_map[field.strip()] = column.strip()
    with _progress("Ingesting") as (on_total, on_step):
        report = pipeline.ingest(inputs, desk.store, desk.settings, source=source, csv_map=csv_map or None, on_total=on_total, on_step=on_step)
    _report_ingest(report, as_json=as_json)
    if report.nothing_ingested:
        raise typer.Exit(1)


# -- articles ----------------------------------------------------------------------


def _article_json(article: Article) -> dict[str, Any]:
    data = article.as_dict()
    data["publisher_summary"] = data.pop("summary")
    return data


@articles_app.command("list")
def articles_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (one object per article, with text).")] = False,
    limit: Annotated[int, typer.Option(help="Show at most this many articles.")] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many articles first.")] = 0,
    source: Annotated[Optional[str], typer.Option("--source", "-s", help="Only articles from this publisher.")] = None,
) -> None:
    """List stored articles in arrival order."""
    store = _desk(ctx).store
    articles = store.list_articles(limit=limit, offset=offset, source=source)
    if as_json:
        _print_json([_article_json(a) for a in articles])
        return
    table = Table(title=f"{store.count_articles()} articles in {store.name}", title_justify="left")
    for col in ("id", "source", "published", "title", "words"):
        table.add_column(col, overflow="fold")
    for a in articles:
        table.add_row(
            escape(a.id),
            escape(a.source or ""),
            a.published.strftime("%Y-%m-%d %H:%M") if a.published else "",
            escape(a.title),
            str(len(a.text.split())),
        )
    out.print(table)


@articles_app.command("show")
def articles_show(
    ctx: typer.Context,
    article_id: Annotated[str, typer.Argument(metavar="ID", help="Article id, as in 'articles list'.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one stored article: metadata, publisher's summary and text."""
    store = _desk(ctx).store
    article = store.get_article(article_id)
    if article is None:
        _fail(f"no article with id {article_id!r}")
    revisions = store.article_revisions(article_id)
    if as_json:
        _print_json(_article_json(article) | {"revisions": [
            r | {k: r[k].isoformat() if r[k] else None for k in ("replaced_at", "published")} for r in revisions
        ]})
        return
    out.print(f"[bold]{escape(article.title)}[/]")
    if article.dek:
        out.print(f"[italic]{escape(article.dek)}[/]")
    for label, value in (
        ("id", article.id),
        ("source", article.source),
        ("byline", article.byline),
        ("published", article.published.isoformat() if article.published else None),
        ("url", article.url),
        ("canonical", article.canonical_url if article.canonical_url != article.url else None),
        ("fetched", article.fetched.isoformat() if article.fetched else None),
    ):
        if value:
            out.print(f"[dim]{label:>10}[/] {escape(value)}")
    if article.summary:
        out.print("\n[bold]Publisher's summary[/] [dim](the outlet's own, not independent evidence)[/]")
        for line in article.summary.splitlines():
            out.print(f"  • {escape(line)}")
    out.print()
    out.print(escape(article.text))
    if revisions:
        out.print(f"\n[bold]Earlier versions[/] [dim](this is version {len(revisions) + 1})[/]")
        for r in revisions:
            out.print(f"  {r['revision']}. replaced {r['replaced_at']:%Y-%m-%d %H:%M} UTC: {escape(r['title'])}")
            out.print(f"     [dim]{escape(r['text'])}[/]")


# -- feeds -------------------------------------------------------------------------


def _warn_if_unresolved(desk: Desk, url: str) -> None:
    try:
        check_host(host_of(url), desk.settings.fetch_allow_hosts, port_of(url))
    except FetchError as exc:  # the name does not resolve (now)
        err.print(f"[yellow]warning:[/] {escape(url)}: {escape(exc.reason)}")


def _feed_url_problem(desk: Desk, url: str) -> str | None:
    """Why a feed URL cannot be subscribed: not an http(s) URL, or refused by the SSRF guard."""
    return url_problem(url) or refusal(url, desk.settings.fetch_allow_hosts)


@feeds_app.command("add")
def feeds_add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="Feed URL (RSS, Atom or JSON Feed).")],
    title: Annotated[Optional[str], typer.Option(help="Name to show (default: the feed's own title).")] = None,
    interval: Annotated[Optional[int], typer.Option(help="Seconds between polls (default: the feed_poll_interval setting).", min=60)] = None,
) -> None:
    """Subscribe to a feed. It is fetched by the next 'newsdesk poll'.

    A URL the fetcher's SSRF guard would refuse (loopback, private and other non-public
    addresses) is not subscribed unless the setting fetch_allow_hosts allows its host.
    """
    if not is_url(url) or url_problem(url):
        _fail(f"{url}: {url_problem(url) or 'not an http(s) URL'}", 2)
    desk = _desk(ctx)
    problem = _feed_url_problem(desk, url)
    if problem:
        _fail(f"{url}: {problem}; not subscribed")
    feed, created = desk.store.add_feed(url, title=title, poll_interval=interval)
    if created:
        err.print(f"[green]Subscribed[/] to {escape(url)} as feed {feed.id}.")
        _warn_if_unresolved(desk, url)
    else:
        err.print(f"Already subscribed to {escape(url)} (feed {feed.id}).")


@feeds_app.command("list")
def feeds_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List subscribed feeds with their last poll and next due time."""
    feeds = _desk(ctx).store.list_feeds()
    if as_json:
        _print_json([f.as_dict() for f in feeds])
        return
    table = Table(title=f"{len(feeds)} feeds", title_justify="left")
    for col in ("id", "title", "url", "articles", "last poll", "status", "next poll"):
        table.add_column(col, overflow="fold")
    for f in feeds:
        status = f.last_status or "never polled"
        if f.last_error:
            status = f"[red]error[/] ({escape(f.last_error)})"
        table.add_row(
            str(f.id),
            escape(f.title or ""),
            escape(f.url),
            str(f.articles),
            f.last_polled_at.strftime("%Y-%m-%d %H:%M") if f.last_polled_at else "",
            status,
            f.next_poll_at.strftime("%Y-%m-%d %H:%M") if f.next_poll_at else "due",
        )
    out.print(table)


@feeds_app.command("remove")
def feeds_remove(
    ctx: typer.Context,
    feed: Annotated[str, typer.Argument(metavar="FEED", help="Feed id or URL.")],
) -> None:
    """Unsubscribe from a feed. Articles already stored from it are kept."""
    removed = _desk(ctx).store.remove_feed(feed)
    if removed is None:
        _fail(f"no feed {feed!r} (see 'newsdesk feeds list')")
    err.print(f"Removed feed {removed.id} ({escape(removed.url)}); its {removed.articles} stored articles are kept.")


@feeds_app.command("import-opml")
def feeds_import_opml(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="OPML file exported from a feed reader.", exists=True, dir_okay=False)],
) -> None:
    """Subscribe to every feed listed in an OPML file (folders are flattened)."""
    try:
        subscriptions = parse_opml(file.read_bytes())
    except InputError as exc:
        _fail(f"{file}: {exc.reason}")
    desk = _desk(ctx)
    refused = {s.url: problem for s in subscriptions if (problem := _feed_url_problem(desk, s.url))}
    for url, problem in refused.items():
        err.print(f"[red]error:[/] {escape(url)}: {escape(problem)}; not subscribed")
    added = sum(desk.store.add_feed(s.url, title=s.title)[1] for s in subscriptions if s.url not in refused)
    kept = len(subscriptions) - len(refused)
    note = f", {len(refused)} refused" if refused else ""
    err.print(f"{len(subscriptions)} feeds in {escape(str(file))}: {added} new, {kept - added} already subscribed{note}.")
    if refused and not kept:
        raise typer.Exit(1)


@feeds_app.command("export-opml")
def feeds_export_opml(
    ctx: typer.Context,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file instead of standard output.")] = None,
) -> None:
    """Write the subscriptions as OPML 2.0, for another feed reader."""
    feeds = _desk(ctx).store.list_feeds()
    data = render_opml([Subscription(f.url, f.title, f.site_url) for f in feeds])
    if output:
        output.write_bytes(data)
        err.print(f"Wrote {len(feeds)} feeds to {escape(str(output))}.")
    else:
        sys.stdout.write(data.decode("utf-8"))


@app.command()
def poll(
    ctx: typer.Context,
    every: Annotated[bool, typer.Option("--all", help="Poll every feed, not only the due ones.")] = False,
    feed: Annotated[Optional[list[str]], typer.Option("--feed", "-f", help="Poll only this feed (id or URL). Repeatable.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome of each feed as JSON.")] = False,
) -> None:
    """Fetch due feeds (conditional GET), follow links for full text, store new articles."""
    desk = _desk(ctx)
    store = desk.store
    feeds = None
    if feed:
        feeds = []
        for key in feed:
            found = store.get_feed(key)
            if found is None:
                _fail(f"no feed {key!r} (see 'newsdesk feeds list')")
            feeds.append(found)
    elif every:
        feeds = store.list_feeds()
    with _progress("Polling") as (on_total, on_step):
        report = pipeline.poll(store, desk.settings, feeds=feeds, on_total=on_total, on_step=on_step)
    if as_json:
        _print_json(
            [
                {"feed": p.feed.id, "url": p.feed.url, "outcome": p.outcome, "new_articles": p.new_articles, "error": p.error}
                for p in report.polls
            ]
        )
        _exit_if_every_feed_failed(report)
        return
    if not report.polls:
        err.print("No feed is due (use --all to poll every feed now).")
    for p in report.polls:
        name = escape(p.feed.title or p.feed.url)
        if p.outcome == "error":
            err.print(f"[red]error:[/] {escape(p.feed.url)}: {escape(p.error or '')}")
        elif p.outcome == "not_modified":
            err.print(f"{name}: not modified")
        else:
            err.print(f"{name}: {p.new_articles} new")
    _report_revised(report.ingest)
    for f in report.ingest.failures:
        if f.stage != "feed":
            err.print(f"[yellow]warning:[/] {escape(f.input)}: {escape(f.reason)}")
    _exit_if_every_feed_failed(report)


def _exit_if_every_feed_failed(report: pipeline.PollReport) -> None:
    """poll exits non-zero when feeds were polled and not one could be fetched and read."""
    if report.polls and all(p.outcome == "error" for p in report.polls):
        err.print(f"[red]error:[/] no feed could be fetched ({len(report.polls)} polled).")
        raise typer.Exit(1)


@app.command()
def cluster(ctx: typer.Context) -> None:
    """Assign every article not yet in a story: dedupe (copies, rewrites), embed, cluster, merge."""
    from newsdesk.stories import StoryDesk, make_embedder

    desk = _desk(ctx)
    with _progress("Clustering") as (on_total, on_step):
        report = StoryDesk(desk.store, desk.settings, make_embedder(desk.settings)).run(on_total=on_total, on_step=on_step)
    if not report.articles:
        err.print("Nothing to cluster: every article is already in a story.")
        return
    levels = ", ".join(f"{n} {level}" for level, n in sorted(report.levels.items()))
    err.print(
        f"Clustered {report.articles} articles: {report.new_stories} new stories, "
        f"{len(report.merged)} merged; origins: {levels}."
    )


@stories_app.command("list")
def stories_list(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="Show at most this many stories, most recently active first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List stories: id, provisional headline, articles, independent origins, first and last seen."""
    rows = _desk(ctx).store.list_stories(limit=limit)
    if as_json:
        _print_json(rows)
        return
    table = Table(title=f"{len(rows)} stories", title_justify="left")
    for col in ("id", "headline", "articles", "origins", "first seen", "last seen"):
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(
            str(row["id"]), escape(row["headline"]), str(row["articles"]), str(row["origins"]),
            row["first_seen"][:16].replace("T", " "), row["last_seen"][:16].replace("T", " "),
        )
    out.print(table)


@stories_app.command("show")
def stories_show(
    ctx: typer.Context,
    story_id: Annotated[int, typer.Argument(metavar="ID", help="Story id, as in 'stories list'.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    facts: Annotated[bool, typer.Option("--facts/--no-facts", help="Reconcile the story's facts (extracting what is missing).")] = True,
) -> None:
    """Show a story: articles grouped by origin, then what sources agree on, where they differ, and who said what."""
    desk = _desk(ctx)
    story = desk.store.get_story(story_id)
    if story is None:
        _fail(f"no story with id {story_id}")
    if facts:
        from newsdesk.brief.developments import current_claims
        from newsdesk.facts.story import reconcile_story

        story |= reconcile_story(desk.store, desk.settings, story["id"]) or {}
        story["agreed"] = current_claims(story, _story_sources(story))  # superseded values are not agreed
    if as_json:
        _print_json(story)
        return
    if story["id"] != story_id:
        err.print(f"Story {story_id} was merged into story {story['id']}.")
    n = len(story["articles"])
    out.print(f"[bold]{escape(story['headline'])}[/]  [dim]story {story['id']} · {n} articles · {story['independent_origins']} independent origins[/]")
    groups: dict[str, list[dict]] = {}
    for article in story["articles"]:
        groups.setdefault(article["origin"] or article["id"], []).append(article)
    for number, (origin, members) in enumerate(groups.items(), 1):
        out.print(f"\n[bold]Origin {number}[/] [dim]({len(members)} article{'s' * (len(members) != 1)})[/]")
        for a in members:
            how = "" if a["level"] in (None, "original") else f" [dim]— {a['level']} of {escape(a['of_article'] or '')}: {escape(a['evidence'] or '')}[/]"
            when = (a["published"] or "")[:16].replace("T", " ")
            out.print(f"  {escape(a['id'])}  {escape(a['source'] or '')}  {when}  {escape(a['title'])}{how}")
    if facts:
        _print_story_facts(story)


def _cited(articles: list[str]) -> str:
    return "[dim]\\[" + ", ".join(escape(a) for a in articles) + "][/]"


def _story_sources(story: dict):
    """The story's articles as the brief sees them (origin and outlet), for counting independent voices."""
    from newsdesk.brief.model import Source

    return {a["id"]: Source(a["id"], a.get("title") or "", "", a.get("origin") or a["id"], a.get("source"))
            for a in story["articles"]}


def _print_story_facts(story: dict) -> None:
    agreed = story["agreed"]
    out.print(f"\n[bold]Sources agree[/] [dim]({len(agreed)} claims from two or more independent origins; "
              "values a later report changed are under Developments)[/]")
    for claim in agreed:
        out.print(f"  • {escape(claim['text'])} {_cited(claim['articles'])}")
    out.print(f"\n[bold]Where sources differ[/] [dim]({len(story['conflicts'])})[/]")
    for conflict in story["conflicts"]:
        out.print(f"  • {escape(conflict['topic'])}")
        for value in conflict["values"]:
            out.print(f"      {escape(value['value'])} {_cited(value['articles'])}")
    developments = story.get("developments") or []
    out.print(f"\n[bold]Developments[/] [dim]({len(developments)})[/]")
    for development in developments:
        out.print(f"  • {escape(development['topic'])}")
        values = development["values"]
        for k, value in enumerate(values):
            state = "latest" if k == len(values) - 1 else "superseded by a later report"
            when = f"{escape(value['when'])}  " if value.get("when") else ""
            out.print(f"      {when}{escape(value['value'])} {_cited(value['articles'])} [dim]({state})[/]")
    quoted = [q for q in story["quotes"] if q["speaker"]]
    out.print(f"\n[bold]Who said what[/] [dim]({len(quoted)} quotes)[/]")
    for quote in quoted:
        extra = f" [dim]({len(quote['variants'])} wordings)[/]" if len(quote["variants"]) > 1 else ""
        out.print(f"  • {escape(quote['speaker'])}: “{escape(quote['text'])}” {_cited(quote['articles'])}{extra}")


# -- briefs ------------------------------------------------------------------------


def _write_briefs(desk: Desk, story_ids: list[int] | None, *, force: bool, embedder=None):
    from newsdesk.brief.desk import BriefDesk
    from newsdesk.stories import make_embedder

    briefs = BriefDesk(desk.store, desk.settings, embedder or make_embedder(desk.settings))
    with _progress("Writing briefs") as (on_total, on_step):
        report = briefs.run(story_ids, force=force, on_total=on_total, on_step=on_step)
    for note in report.notes:
        err.print(f"[yellow]note:[/] {escape(note)}")
    return report


def _current_briefs(store: Store, story_ids: list[int]) -> list[dict]:
    out = []
    for sid in story_ids:
        latest = store.latest_brief(sid)
        if latest is not None:
            out.append(latest["content"])
    return out


@app.command("brief")
def brief_command(
    ctx: typer.Context,
    story_id: Annotated[Optional[int], typer.Argument(metavar="[STORY_ID]", help="Story to write (default: every story whose articles or facts changed).", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Write a new version even when nothing changed.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the brief(s) as JSON (the digest shape).")] = False,
    history: Annotated[bool, typer.Option("--history", help="List the story's versions with what was new in each.")] = False,
) -> None:
    """Write or refresh briefs: a cited Quick Take, body, where sources differ, quotes and timeline, checked by the gate.

    A story gets a new version when its articles or their facts changed; every
    version is kept. A brief whose lines all pass the gate is a draft, else it
    needs review; nothing is published here.
    """
    from newsdesk.brief.render import markdown

    desk = _desk(ctx)
    if story_id is not None:
        story = desk.store.get_story(story_id)
        if story is None:
            _fail(f"no story with id {story_id}")
        story_id = story["id"]
    if history:
        if story_id is None:
            _fail("--history needs a STORY_ID", 2)
        versions = desk.store.brief_versions(story_id)
        if as_json:
            _print_json([{k: v for k, v in b.items() if k != "content"} for b in versions])
            return
        table = Table(title=f"Story {story_id}: {len(versions)} versions", title_justify="left")
        for col in ("version", "written", "writer", "status", "gate", "what's new"):
            table.add_column(col, overflow="fold")
        for b in versions:
            table.add_row(str(b["version"]), b["created_at"][:16].replace("T", " "), escape(b["writer"]), b["status"],
                          "passed" if b["gate_passed"] else "failed", escape(", ".join((b["changes"] or {}).get("summary", []))))
        out.print(table)
        return
    report = _write_briefs(desk, [story_id] if story_id is not None else None, force=force)
    written = ", ".join(f"story {s} v{v} ({status.replace('_', ' ')})" for s, v, status in report.written)
    err.print(f"Wrote {len(report.written)} brief{'s' * (len(report.written) != 1)}" + (f": {written}" if written else "")
              + (f"; {report.unchanged} unchanged." if report.unchanged else "."))
    if story_id is not None:
        content = _current_briefs(desk.store, [story_id])
        if as_json:
            _print_json(content[0] if content else None)
        elif content:
            sys.stdout.write(markdown(content[0]))
    elif as_json:
        _print_json({"stories": _current_briefs(desk.store, [s["id"] for s in desk.store.list_stories()])})


@app.command()
def digest(
    ctx: typer.Context,
    inputs: Annotated[list[str], typer.Argument(metavar="PATH...", help="Files, folders and URLs to read.", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: {stories: [...]} in the shape the API serves.")] = False,
    as_markdown: Annotated[bool, typer.Option("--markdown", help="Print Markdown (the default).")] = False,
    db: Annotated[Optional[str], typer.Option("--db", metavar="PATH|URL", help="Keep the run in this store (a SQLite file or a PostgreSQL URL) instead of a temporary one.", show_default=False)] = None,
    source: Annotated[Optional[str], typer.Option("--source", "-s", help="Publisher name for inputs that do not name one.")] = None,
) -> None:
    """One shot: ingest PATHs, find stories, read facts, write and gate every story's brief, print them all.

    Runs in a temporary store that is deleted afterwards, unless --db names one or the store
    (NEWSDESK_DB, the settings file) is a PostgreSQL database.
    Stories are printed largest first.
    """
    import shutil
    import tempfile
    import time

    from newsdesk.brief.render import markdown
    from newsdesk.facts import FactsStage
    from newsdesk.stories import StoryDesk, make_embedder

    if as_json and as_markdown:
        _fail("choose one of --json and --markdown", 2)
    parent = _desk(ctx)
    tmp = None
    if db is None and parent.settings.origins.get("db") != "--db" and not is_postgres(parent.settings.db_path):
        tmp = tempfile.mkdtemp(prefix="newsdesk-digest-")
        db = Path(tmp) / "digest.db"
    settings = parent.settings.replace(db=str(db)) if db is not None else parent.settings
    desk = Desk(settings)
    started = time.perf_counter()
    try:
        with _progress("Ingesting") as (on_total, on_step):
            report = pipeline.ingest(inputs, desk.store, settings, source=source, on_total=on_total, on_step=on_step)
        for f in report.failures:
            err.print(f"[yellow]warning:[/] {escape(f.input)}: {escape(f.reason)}")
        if desk.store.count_articles() == 0:
            _fail("nothing to digest: no article could be read from " + ", ".join(inputs))
        embedder = make_embedder(settings)
        with _progress("Clustering") as (on_total, on_step):
            StoryDesk(desk.store, settings, embedder).run(on_total=on_total, on_step=on_step)
        with _progress("Reading facts") as (on_total, on_step):
            FactsStage.for_settings(desk.store, settings).run(on_total=on_total, on_step=on_step)
        _write_briefs(desk, None, force=False, embedder=embedder)
        stories = sorted(desk.store.list_stories(), key=lambda s: (-s["articles"], s["id"]))
        briefs = _current_briefs(desk.store, [s["id"] for s in stories])
        if as_json:
            _print_json({
                "articles": desk.store.count_articles(),
                "stories": briefs,
                "seconds": round(time.perf_counter() - started, 2),
            })
        else:
            sys.stdout.write("\n\n".join(markdown(b) for b in briefs))
        failed = sum(1 for b in briefs if not b["gate"]["passed"])
        err.print(f"{len(briefs)} stories from {desk.store.count_articles()} articles; "
                  f"{failed} brief{'s' * (failed != 1)} need review.")
    finally:
        desk.close()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


@app.command("facts")
def facts_command(ctx: typer.Context) -> None:
    """Extract facts (sentences, entities, quotes, figures, times, statements) for every article that has none."""
    from newsdesk.facts import FactsStage

    desk = _desk(ctx)
    with _progress("Reading facts") as (on_total, on_step):
        done = FactsStage.for_settings(desk.store, desk.settings).run(on_total=on_total, on_step=on_step)
    err.print(f"Read the facts of {done} articles." if done else "Nothing to read: every article has its facts.")


@articles_app.command("facts")
def articles_facts(
    ctx: typer.Context,
    article_id: Annotated[str, typer.Argument(metavar="ID", help="Article id, as in 'articles list'.")],
) -> None:
    """Print an article's facts as JSON, each with the character span of its evidence in the body."""
    from newsdesk.facts import FactsStage

    desk = _desk(ctx)
    if desk.store.get_article(article_id) is None:
        _fail(f"no article with id {article_id}")
    found = FactsStage(desk.store, processes=1).load([article_id])
    _print_json(found[article_id].as_dict())


def _evaluate(as_json: bool, evaluate: Callable[[], dict]) -> dict | None:
    """Run an evaluation; print its JSON and return None when asked for JSON, else return it for a table."""
    try:
        result = evaluate()
    except ValueError as exc:
        _fail(str(exc), 2)
    if as_json:
        _print_json(result)
        return None
    return result


@eval_app.command("clustering")
def eval_clustering(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Corpus with gold story labels.", exists=True, dir_okay=False)],
    fmt: Annotated[Optional[str], typer.Option("--format", help="jsonl, ecbplus, newswcl50 or uci (default: guessed from the file).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Cluster a labelled corpus in a fresh temporary store and score it (B-cubed, ARI) beside a TF-IDF baseline."""
    from newsdesk.eval.clustering import evaluate_clustering
    from newsdesk.eval.datasets import detect_format

    result = _evaluate(as_json, lambda: evaluate_clustering(file, fmt or detect_format(file), _desk(ctx).settings))
    if result is None:
        return
    table = Table(title=f"{file}: {result['articles']} articles, {result['gold_clusters']} gold stories", title_justify="left")
    for col in ("method", "clusters", "B3 P", "B3 R", "B3 F1", "ARI", "seconds"):
        table.add_column(col)
    base = result["baseline"]
    table.add_row("newsdesk", str(result["clusters"]), *(f"{result[k]:.3f}" for k in ("b3_precision", "b3_recall", "b3_f1", "ari")), f"{result['seconds']}")
    table.add_row(base["method"], str(base["clusters"]), *(f"{base[k]:.3f}" for k in ("b3_precision", "b3_recall", "b3_f1", "ari")), f"{base['seconds']}")
    out.print(table)


@eval_app.command("facts")
def eval_facts(
    ctx: typer.Context,
    folder: Annotated[list[Path], typer.Argument(help="Folder of articles of one story (e.g. ../shared/seeds), or the folders and files of a multi-story corpus (e.g. examples).", exists=True)],
    gold: Annotated[Path, typer.Option("--gold", help="Hand annotation: one story (seeds' gold.json) or several ('stories', as examples/gold.json).", exists=True, dir_okay=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (with per-story details and the misses).")] = False,
) -> None:
    """Find consensus, conflicts, sequence conflicts, quote variants, corrections, developments and speakers and score them against a hand annotation."""
    from newsdesk.eval.facts import evaluate_facts

    result = _evaluate(as_json, lambda: evaluate_facts(folder, gold, _desk(ctx).settings))
    if result is None:
        return
    table = Table(title=f"{' '.join(map(str, folder))}: facts against {gold}", title_justify="left")
    table.add_column("measure")
    table.add_column("value")
    for key in ("consensus_found", "conflicts_found", "sequence_conflicts_found", "quote_variants_found",
                "corrections_found", "developments_found"):
        if key in result:
            table.add_row(key, f"{result[key]} of {result[key.replace('_found', '_total')]}")
    for key in ("speakers_correct", "speakers_wrong", "false_conflicts", "seconds"):
        if key in result:
            table.add_row(key, str(result[key]))
    out.print(table)
    for miss in result.get("details", {}).get("misses", []):
        out.print(f"missed {miss['category']}: {miss.get('topic') or miss.get('speaker')} ({miss['story']})")


@eval_app.command("conflicts")
def eval_conflicts(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Multi-outlet stories: NeuS .source, ECB+ JSONL or Multi-News CSV.", exists=True, dir_okay=False)],
    fmt: Annotated[str, typer.Option("--format", help="neus (one story per line), ecbplus (documents grouped by event) or multinews (a cluster per row).")],
    limit: Annotated[Optional[int], typer.Option("--limit", help="Only the first N stories.", min=1)] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the choice of planted pairs.")] = 0,
    judgements: Annotated[Optional[Path], typer.Option("--judgements", help="Hand judgements (JSONL: key, verdict real|false, why); default: the committed ones for NeuS val.source.", dir_okay=False)] = None,
    differences: Annotated[Optional[Path], typer.Option("--differences", help="Write every other reported difference, with its evidence, to this JSONL file.", dir_okay=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (plants and differences included).")] = False,
) -> None:
    """Plant a conflict in each story where two outlets state the same figure, and report how many are found and every other reported difference."""
    from newsdesk.eval.conflicts import default_judgements, evaluate_conflicts

    def run() -> dict:
        with _progress("Measuring conflicts") as (on_total, on_step):
            result = evaluate_conflicts(file, fmt, _desk(ctx).settings, limit=limit, seed=seed,
                                        judgements=judgements or default_judgements(file, fmt),
                                        on_total=on_total, on_step=on_step)
        if differences:
            differences.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in result["differences"]),
                                   encoding="utf-8")
        return result

    result = _evaluate(as_json, run)
    if result is None:
        return
    table = Table(title=f"{file}: {result['stories']} stories ({fmt}), seed {seed}", title_justify="left")
    table.add_column("measure")
    table.add_column("value")
    for key in ("eligible", "planted", "found", "recall", "other_differences", "other_differences_per_100_stories",
                "judged", "judged_real", "judged_plants", "precision", "seconds"):
        table.add_row(key, str(result[key]))
    out.print(table)


@eval_app.command("planted")
def eval_planted(
    ctx: typer.Context,
    planted: Annotated[Path, typer.Argument(help="Planted articles, one JSON object a line (id, title, text, source, published, label).", exists=True, dir_okay=False)],
    key: Annotated[Path, typer.Argument(help="The planter's key: {story label: {article, old, new, ...}}.", exists=True, dir_okay=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (the other differences included).")] = False,
) -> None:
    """Score reconciliation on conflicts another tool planted (e.g. ../shared/tools/plant_conflicts.py): recall and other differences, overall and per half of the stories."""
    from newsdesk.eval.planted import evaluate_planted

    def run() -> dict:
        with _progress("Reconciling planted stories") as (on_total, on_step):
            return evaluate_planted(planted, key, _desk(ctx).settings, on_total=on_total, on_step=on_step)

    result = _evaluate(as_json, run)
    if result is None:
        return
    table = Table(title=f"{planted}: {result['stories']} stories", title_justify="left")
    for column in ("stories", "planted", "found", "recall", "other differences", "per story"):
        table.add_column(column)
    for name, part in [("all", result)] + list(result["halves"].items()):
        table.add_row(name, str(part["planted"]), str(part["found"]), str(part["recall"]),
                      str(part["other_differences"]), str(part["other_per_story"]))
    out.print(table)


@eval_app.command("paraphrase")
def eval_paraphrase(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="MSRP-style pairs (Quality, #1 ID, #2 ID, #1 String, #2 String; tab-separated).", exists=True, dir_okay=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """How well embedding cosine tells paraphrases apart, per threshold: the basis of the claim_similarity setting."""
    from newsdesk.eval.paraphrase import evaluate_paraphrase

    result = _evaluate(as_json, lambda: evaluate_paraphrase(file, _desk(ctx).settings))
    if result is None:
        return
    table = Table(title=f"{file}: {result['pairs']} pairs, best F1 {result['best']['f1']} at {result['best']['threshold']}", title_justify="left")
    for col in ("threshold", "precision", "recall", "f1"):
        table.add_column(col)
    for row in result["thresholds"]:
        table.add_row(*(str(row[c]) for c in ("threshold", "precision", "recall", "f1")))
    out.print(table)


@eval_app.command("summaries")
def eval_summaries(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Clusters with human summaries.", exists=True, dir_okay=False)],
    fmt: Annotated[str, typer.Option("--format", help="jsonl, multinews or neus.")] = "jsonl",
    words: Annotated[int, typer.Option("--words", help="Summary length in words (every system is cut to it).")] = 250,
    limit: Annotated[Optional[int], typer.Option("--limit", help="Only the first N clusters.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Write the brief body of each cluster at N words and score ROUGE-1/2/L beside lead and LexRank, with the gate's pass rate."""
    from newsdesk.eval.summaries import evaluate_summaries

    def run() -> dict:
        with _progress("Summarising") as (on_total, on_step):
            return evaluate_summaries(file, fmt, _desk(ctx).settings, words=words, limit=limit,
                                      on_total=on_total, on_step=on_step)

    result = _evaluate(as_json, run)
    if result is None:
        return
    table = Table(title=f"{file}: {result['clusters']} clusters at {result['words']} words; gate pass rate "
                        f"{result['gate_pass_rate']}", title_justify="left")
    for col in ("system", "ROUGE-1", "ROUGE-2", "ROUGE-L"):
        table.add_column(col)
    for name, s in result["systems"].items():
        table.add_row(name, *(f"{s[k]:.2f}" for k in ("rouge1", "rouge2", "rougeL")))
    out.print(table)


@eval_app.command("style")
def eval_style(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Multi-outlet stories: NeuS .source, ECB+ JSONL or Multi-News CSV.", exists=True, dir_okay=False)],
    fmt: Annotated[str, typer.Option("--format", help="neus (one story per line), ecbplus (documents grouped by event) or multinews (a cluster per row).")],
    limit: Annotated[Optional[int], typer.Option("--limit", help="Only the first N stories.", min=1)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (every story's Quick Take and body included).")] = False,
) -> None:
    """Write each story's Quick Take and body and measure how they read: bullet length, openings, quotes, datelines in bodies."""
    from newsdesk.eval.style import evaluate_style

    def run() -> dict:
        with _progress("Writing briefs") as (on_total, on_step):
            return evaluate_style(file, fmt, _desk(ctx).settings, limit=limit, on_total=on_total, on_step=on_step)

    result = _evaluate(as_json, run)
    if result is None:
        return
    table = Table(title=f"{file}: {result['stories']} stories ({fmt}), {result['bullets']} bullets", title_justify="left")
    table.add_column("measure")
    table.add_column("value")
    for key in ("bullet_words_median", "bullet_words_p90", "opening_dateline", "opening_connective", "opening_pronoun",
                "opening_dateline_share", "opening_connective_or_pronoun_share", "unbalanced_quotes",
                "unattributed_quotes", "unattributed_quotes_share", "body_sentences", "datelines_inside_bodies",
                "gate_pass_rate", "seconds"):
        table.add_row(key, str(result[key]))
    out.print(table)


@app.command()
def failures(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="Show at most this many, newest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List recorded ingest failures: input, stage, reason, time."""
    rows = _desk(ctx).store.list_failures(limit=limit)
    if as_json:
        _print_json(rows)
        return
    table = Table(title=f"Last {len(rows)} failures", title_justify="left")
    for col in ("time", "stage", "input", "reason"):
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(row["at"], row["stage"], escape(row["input"]), escape(row["reason"]))
    out.print(table)


@app.command("settings")
def settings_cmd(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show every setting: its value, where the value came from, and what it does."""
    settings = _desk(ctx).settings
    rows = [
        {"name": s.name, "value": settings.values[s.name], "origin": settings.origins[s.name], "help": s.help}
        for s in SETTINGS
    ]
    rows[0]["value"] = str(settings.db_path)
    if as_json:
        _print_json(rows)
        return
    table = Table(title="Settings (file: --config / NEWSDESK_CONFIG; variables: NEWSDESK_<NAME>)", title_justify="left")
    for col in ("name", "value", "from", "help"):
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(row["name"], escape(str(row["value"])), escape(row["origin"]), escape(row["help"]))
    out.print(table)


def main() -> None:
    from newsdesk.distributed import DaskError
    from newsdesk.embed import EmbedderError
    from newsdesk.facts.nlp import FactsError

    try:
        app()
    except (StoreError, EmbedderError, FactsError, DaskError) as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        sys.exit(1)
