"""OPML: import and export feed subscription lists (OPML 1.0 and 2.0)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime

from lxml import etree

from newsdesk.models import InputError
from newsdesk.urls import is_url


@dataclass(slots=True)
class Subscription:
    url: str
    title: str | None = None
    site_url: str | None = None


def parse_opml(data: bytes) -> list[Subscription]:
    """Every feed outline (any depth of folders) in an OPML document."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError("parse", f"not valid OPML/XML: {exc}") from None
    if root.tag != "opml":
        raise InputError("parse", f"not an OPML document (root element <{root.tag}>)")
    subscriptions: list[Subscription] = []
    seen: set[str] = set()
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url or url in seen or not is_url(url):
            continue
        seen.add(url)
        subscriptions.append(
            Subscription(url=url, title=outline.get("title") or outline.get("text"), site_url=outline.get("htmlUrl"))
        )
    return subscriptions


def render_opml(subscriptions: list[Subscription], *, title: str = "newsdesk subscriptions") -> bytes:
    """An OPML 2.0 document listing the feeds."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    etree.SubElement(head, "dateCreated").text = format_datetime(datetime.now(timezone.utc))
    body = etree.SubElement(root, "body")
    for sub in subscriptions:
        attrs = {"type": "rss", "text": sub.title or sub.url, "title": sub.title or sub.url, "xmlUrl": sub.url}
        if sub.site_url:
            attrs["htmlUrl"] = sub.site_url
        etree.SubElement(body, "outline", attrs)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
