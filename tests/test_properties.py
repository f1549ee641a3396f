"""Property tests (Hypothesis): whatever bytes or records the readers of every format and the
extract stage are given, each record gives an article that passes the store's last check or a
failure with a reason — never an exception. Bounded for CI: a fixed number of examples each."""

from __future__ import annotations

import json
import math
import os
import tempfile
from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsdesk.clean import is_clean_string
from newsdesk.extract import (
    article_from_html,
    article_from_record,
    article_from_text,
    decode_bytes,
    html_fragment_to_text,
    parse_datetime,
    published_time,
    resolve_mapping,
)
from newsdesk.models import Article, Failure, InputError, check_article
from newsdesk.sources.feeds import ParsedFeed, entry_article, parse_feed
from newsdesk.sources.files import NoArticles, read_path

# NEWSDESK_PROPERTY_SCALE=20 searches twenty times longer (by hand, before a release)
SCALE = int(os.environ.get("NEWSDESK_PROPERTY_SCALE", "1"))
BOUNDED = settings(max_examples=60 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
QUICK = settings(max_examples=150 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- what hostile input is made of ---------------------------------------------------------------

# any code point, lone surrogates and control characters included
any_text = st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=60)
odd_floats = st.sampled_from([math.nan, math.inf, -math.inf, 1e300, -1e20, 1e17, 0.0, -0.0, 1394470370.5])
odd_ints = st.sampled_from([99999999999999999999, -(10**30), 10**15, 2**63, 0, 1, -1, 1394470370698])
scalars = st.one_of(st.none(), st.booleans(), any_text, odd_floats, odd_ints, st.integers(), st.floats())
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4), max_leaves=12)
FIELDS = ["id", "title", "text", "html", "url", "source", "published", "label", "dek", "byline", "summary", "body", "date", "link"]
odd_values = st.one_of(
    json_values,
    st.sampled_from(["http://example.org:12:00Z/", "javascript:alert(1)", "http://[::1", "x\ud800y", "a\x00b\x0bc",
                     "<p>a\x01b</p>", "&#xD800;", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "NaN",
                     "1e300", "99999999999999999999", "<html><body><p>" + "word " * 30 + "</p></body></html>"]),
)
records = st.dictionaries(st.sampled_from(FIELDS) | any_text, odd_values, max_size=8)
GOOD = {"id": "g1", "title": "Pier closed", "text": "The north pier is closed for three weeks, officials said on Monday."}


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def _is_article_or_failure(item) -> None:
    name, value = item
    assert isinstance(name, str) and name
    if isinstance(value, Failure):
        assert value.reason and isinstance(value.reason, str) and value.stage
        return
    assert isinstance(value, Article)
    check_article(value)  # what the store would be given is valid: no exception here


def _read(suffix: str, data: bytes) -> list:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(data)
        try:
            return list(read_path(path, max_bytes=10_000_000))
        except NoArticles:  # a readable JSON object with no article: skipped by folder walks
            return []


# -- the readers of every format: random bytes and mutated good files ---------------------------------


@QUICK
@given(suffix=st.sampled_from([".txt", ".json", ".jsonl", ".csv", ".xml", ".rss", ".atom", ".unknown"]), data=st.binary(max_size=400))
def test_random_bytes_in_any_format_give_articles_or_failures(suffix, data):
    for item in _read(suffix, data):
        _is_article_or_failure(item)


@BOUNDED
@given(data=st.binary(max_size=300))
def test_random_bytes_as_a_page_give_an_article_or_a_failure(data):
    for item in _read(".html", data):
        _is_article_or_failure(item)


@QUICK
@given(lines=st.lists(st.one_of(records.map(lambda r: json.dumps(r, allow_nan=True)), any_text, st.just(_deep(5000))), max_size=6))
def test_jsonl_lines_each_give_an_article_or_a_failure_and_good_lines_survive(lines):
    data = "\n".join([json.dumps(GOOD), *[line.replace("\n", " ").replace("\r", " ") for line in lines], json.dumps(GOOD | {"id": "g2"})])
    items = _read(".jsonl", data.encode("utf-8", "surrogatepass"))
    for item in items:
        _is_article_or_failure(item)
    stored = {value.id for _, value in items if isinstance(value, Article)}
    assert {"g1", "g2"} <= stored  # the good first and last lines are never lost


@QUICK
@given(objects=st.lists(records, max_size=5))
def test_json_lists_of_mutated_records_give_one_item_each(objects):
    items = _read(".json", json.dumps([GOOD, *objects], allow_nan=True).encode("utf-8", "surrogatepass"))
    assert len(items) == 1 + len(objects)
    for item in items:
        _is_article_or_failure(item)


@QUICK
@given(rows=st.lists(st.lists(any_text, max_size=5), max_size=6), separator=st.sampled_from([",", ";", "\t", "\r", "\n", "\r\n"]))
def test_csv_rows_each_give_an_article_or_a_failure(rows, separator):
    body = separator.join(",".join(row) for row in rows)
    data = "id,title,text,published,url\ng1,Pier closed,The north pier is closed.,,\n" + body
    items = _read(".csv", data.encode("utf-8", "surrogatepass"))
    for item in items:
        _is_article_or_failure(item)


RSS_ITEM = "<item><title>{title}</title><link>{link}</link><pubDate>{date}</pubDate><description>{body}</description></item>"


@QUICK
@given(title=any_text, link=odd_values.map(str), date=odd_values.map(str), body=any_text)
def test_feed_entries_with_hostile_fields_give_articles_or_failures(title, link, date, body):
    def esc(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;")

    item = RSS_ITEM.format(title=esc(title), link=esc(link), date=esc(date), body=esc(body))
    good = RSS_ITEM.format(title="Pier closed", link="https://elsin.example/pier", date="Mon, 06 Apr 2026 07:00:00 GMT", body="The pier is closed.")
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>C</title>{item}{good}</channel></rss>'
    items = _read(".xml", feed.encode("utf-8", "surrogatepass"))
    for entry in items:
        _is_article_or_failure(entry)
    assert any(isinstance(v, Article) and v.title == "Pier closed" for _, v in items)


@BOUNDED
@given(data=st.binary(max_size=200), prefix=st.sampled_from([b"", b"<?xml version='1.0'?><rss version='2.0'><channel>", b"<feed xmlns='http://www.w3.org/2005/Atom'>", b'{"version": "https://jsonfeed.org/version/1.1", "items": ']))
def test_parse_feed_on_mutated_documents_raises_only_input_errors(data, prefix):
    try:
        parsed = parse_feed(prefix + data)
    except InputError as exc:
        assert exc.reason
        return
    for entry in parsed.entries:
        try:
            _is_article_or_failure(("entry", entry_article(entry, parsed)))
        except InputError:
            pass


@QUICK
@given(entry=st.dictionaries(st.sampled_from(["title", "link", "id", "summary", "content", "published", "updated", "author", "source", "published_parsed"]), json_values, max_size=6))
def test_entry_article_on_hostile_entries_raises_only_input_errors(entry):
    try:
        _is_article_or_failure(("entry", entry_article(entry, ParsedFeed(title="C", site_url=None))))
    except InputError as exc:
        assert exc.reason


# -- extract ----------------------------------------------------------------------------------------


@QUICK
@given(record=records)
@example(record={"title": "t", "published": math.nan})
@example(record={"title": "t", "published": 1e300})
@example(record={"title": "x\ud800y", "text": "a\x00b"})
@example(record={"title": "t", "url": "http://example.org:12:00Z/"})
def test_article_from_record_gives_a_valid_article_or_an_input_error(record):
    try:
        article = article_from_record(record, mapping=resolve_mapping(list(record)), default_id="r:1")
    except InputError as exc:
        assert exc.reason and exc.stage
        return
    check_article(article)


@BOUNDED
@given(html=st.one_of(any_text, st.text(st.sampled_from("<>/ap!-=\"' \n\x00&#;x"), max_size=300)))
def test_article_from_html_gives_a_valid_article_or_an_input_error(html):
    try:
        article = article_from_html("<html><body><p>" + html + " word" * 25 + "</p></body></html>", article_id="p")
    except InputError as exc:
        assert exc.reason
        return
    check_article(article)


@QUICK
@given(text=any_text)
def test_article_from_text_and_fragments_give_clean_text(text):
    assert is_clean_string(html_fragment_to_text(text))
    assert is_clean_string(html_fragment_to_text(f"<p>{text}</p><div>{text}</div>"))
    try:
        article = article_from_text(text, article_id="t")
    except InputError:
        return
    check_article(article)


@QUICK
@given(value=odd_values)
def test_dates_are_read_in_range_or_refused(value):
    parsed = parse_datetime(value)  # never raises
    assert parsed is None or (isinstance(parsed, datetime) and parsed.tzinfo is not None and 1000 <= parsed.year < 9000)
    try:
        strict = published_time(value)
    except InputError as exc:
        assert "published" in exc.reason
        return
    assert strict == parsed


@QUICK
@given(data=st.binary(max_size=300))
def test_decode_bytes_gives_text_or_an_input_error(data):
    try:
        assert isinstance(decode_bytes(data), str)
    except InputError as exc:
        assert exc.stage in ("read", "decode")
