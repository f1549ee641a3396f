"""A generator of hostile input files for `newsdesk ingest`, seeded so a run can be repeated.

    python tests/fuzzcorpus.py OUT_DIR [--count 2000] [--seed 14]

writes OUT_DIR/NNNN-kind.ext files (and OUT_DIR/links/ with symbolic links out of it and a
loop) for a manual run. tests/test_fuzz_cli.py uses :func:`corpus` directly.

Each file is one of a family of known-bad inputs (the cases of issue 14 and their relatives:
out-of-range and non-numeric dates, lone surrogates, control and NUL characters, bad URLs,
broken CSV, deep JSON, hostile feeds and pages) with random parts, or a good file mutated
at random (bytes flipped, cut, repeated, spliced). Many hold good records next to bad ones.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path

WORDS = ("harbour council ferry pier vote closed weeks divers survey cracks supports officials said monday "
         "fares rise percent storm warning coast radio mast dam inspection leaks").split()
BAD_DATES = ["1e300", "-1e20", "99999999999999999999", "NaN", "Infinity", "-Infinity", '"0001-01-01T00:00:00+14:00"',
             '"9999-12-31T23:59:59-12:00"', '"not a date"', "true", "[]", "{}", '"' + "9" * 400 + '"', "1e-300", "-0.0"]
BAD_STRINGS = ["x\\ud800y", "\\udfff", "a\\u0000b", "\\u0007\\u001b[31m", "\\ufffe\\uffff", "\\u202e", "x" * 5000]
BAD_URLS = ["http://example.org:12:00Z/", "javascript:alert(1)", "http://[::1", "file:///etc/passwd", "http://", "//x",
            "http://a b/", "http://x:99999/", "http://\\u0000/", "mailto:x@y", "http://127.0.0.1/admin"]
FEED_JUNK = ["&#xD800;", "&#0;", "&#x110000;", "&#1114112;", "&amp;#xDFFF;", "\x01", "\x0b", "\x7f", "]]>", "<![CDATA[", "&bogus;"]


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def _good_record(rng: random.Random, key: str) -> dict:
    return {"id": key, "title": _words(rng, 5), "text": " ".join(_words(rng, 12) for _ in range(3))}


def _jsonl_dates(rng: random.Random, key: str) -> tuple[str, bytes]:
    lines = [json.dumps(_good_record(rng, f"{key}-a"))]
    for _ in range(rng.randint(1, 3)):
        lines.append('{"id": "%s-%d", "title": "t", "text": "b", "published": %s}' % (key, rng.randint(0, 999), rng.choice(BAD_DATES)))
    lines.append(json.dumps(_good_record(rng, f"{key}-z")))
    return ".jsonl", "\n".join(lines).encode()


def _jsonl_strings(rng: random.Random, key: str) -> tuple[str, bytes]:
    field = rng.choice(["title", "text", "source", "byline", "label", "dek", "extra", "id"])
    bad = '{"id": "%s-s", "title": "t", "text": "body", "%s": "%s"}' % (key, field, rng.choice(BAD_STRINGS))
    return ".jsonl", "\n".join([json.dumps(_good_record(rng, f"{key}-a")), bad, json.dumps(_good_record(rng, f"{key}-z"))]).encode()


def _jsonl_urls(rng: random.Random, key: str) -> tuple[str, bytes]:
    bad = '{"id": "%s-u", "title": "t", "text": "b", "url": "%s"}' % (key, rng.choice(BAD_URLS))
    return ".jsonl", "\n".join([bad, json.dumps(_good_record(rng, f"{key}-z"))]).encode()


def _jsonl_lines(rng: random.Random, key: str) -> tuple[str, bytes]:
    junk = [b"\x00" * rng.randint(1, 200), b"[" * 100_000, b"1" * 5000, b'"just a string"', b"[1, 2]", b"null",
            b'{"title": ' + b"[" * 500 + b"]" * 500 + b"}", b"\xff\xfe\xfd", b'{"title": 5, "text": {"a": 1}}',
            b'{"html": "<p>' + b"<b>" * 2000 + b'</p>"}', b"{" + b'"a":' * 10 + b"1", b"\x1b[2J"]
    lines = [json.dumps(_good_record(rng, f"{key}-a")).encode()]
    lines += [rng.choice(junk) for _ in range(rng.randint(1, 4))]
    lines.append(json.dumps(_good_record(rng, f"{key}-z")).encode())
    return ".jsonl", rng.choice([b"\n", b"\r\n", b"\r"]).join(lines)


def _json_doc(rng: random.Random, key: str) -> tuple[str, bytes]:
    docs = ["[" * 100_000 + "]" * 100_000, '{"articles": ' + "[" * 50_000 + "]" * 50_000 + "}", "[]", "{}", '{"articles": 5}',
            json.dumps([_good_record(rng, f"{key}-a"), "x", 5, None, {"title": None}, {"text": ["a", {"b": "c"}]}]),
            '[{"id": "%s-n", "title": "t", "published": NaN, "x": Infinity}]' % key, '{"title": "' + "a" * 100 + '"' * 3]
    return ".json", rng.choice(docs).encode()


def _csv(rng: random.Random, key: str) -> tuple[str, bytes]:
    rows = ["id,title,text,published,url", f"{key}-a,{_words(rng, 4)},{_words(rng, 10)},,"]
    bad = rng.choice([
        f"{key}-b,Bad\rfield,body,,", f'{key}-c,"unterminated,body,,', f"{key}-d,t,b,1e300,", f"{key}-e,t,b,,http://example.org:12:00Z/",
        f"{key}-f,t,b,,,extra,columns,here", f"{key}-g,\x00nul,b,,", ",,,,", "\ufeff\ufeff", f"{key}-h,t," + "x" * (17 * 1024 * 1024),
        f'{key}-i,"a""b",c,,', f"{key}-j,t\x0b,b\x1b,,",
    ])
    rows += [bad, f"{key}-z,{_words(rng, 4)},{_words(rng, 10)},,"]
    sep = rng.choice(["\n", "\r\n"])
    return ".csv", sep.join(rows).encode("utf-8", "surrogatepass")


def _rss(rng: random.Random, key: str) -> tuple[str, bytes]:
    junk = rng.choice(FEED_JUNK)
    where = rng.choice(["title", "link", "pubDate", "description", "guid", "author"])
    values = {"title": _words(rng, 4), "link": f"https://elsin.example/{key}/1", "pubDate": "Mon, 06 Apr 2026 07:00:00 GMT",
              "description": "&lt;p&gt;" + _words(rng, 12) + "&lt;/p&gt;", "guid": f"{key}-1", "author": "desk@elsin.example"}
    values[where] = rng.choice([values[where] + junk, junk, rng.choice(BAD_URLS), rng.choice(BAD_DATES).strip('"')])
    bad_item = "<item>" + "".join(f"<{k}>{v}</{k}>" for k, v in values.items()) + "</item>"
    good_item = (f"<item><title>{_words(rng, 4)}</title><link>https://elsin.example/{key}/2</link>"
                 f"<description>{_words(rng, 10)}</description></item>")
    doc = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>C{junk}</title>{bad_item}{good_item}</channel></rss>'
    return rng.choice([".xml", ".rss"]), doc.encode("utf-8", "surrogatepass")


def _atom_or_json_feed(rng: random.Random, key: str) -> tuple[str, bytes]:
    if rng.random() < 0.5:
        items = [{"id": 5, "url": rng.choice(BAD_URLS), "title": ["a"], "content_html": {"x": 1}, "date_published": 1e300},
                 {"id": f"{key}-2", "url": f"https://coast.example/{key}", "title": _words(rng, 3), "content_text": _words(rng, 10),
                  "authors": "not a list", "author": {"name": 5}}]
        doc = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": ["x"], "home_page_url": "javascript:x", "items": items})
        return ".json", doc.encode()
    entry = (f"<entry><title>{rng.choice(FEED_JUNK)}t</title><id>urn:{key}</id><link href='{rng.choice(BAD_URLS)}'/>"
             f"<updated>{rng.choice(['99999-01-01T00:00:00Z', '2026-13-45T99:99:99Z', '0000-00-00'])}</updated>"
             f"<content type='html'>&lt;p&gt;a{rng.choice(FEED_JUNK)}b&lt;/p&gt;</content></entry>")
    doc = f"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>L</title>{entry}</feed>"
    return ".atom", doc.encode("utf-8", "surrogatepass")


def _xml_attacks(rng: random.Random, key: str) -> tuple[str, bytes]:
    docs = [
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
        '<rss version="2.0"><channel><title>&d;</title><item><title>&d;</title></item></channel></rss>',
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel>'
        "<title>t</title><item><title>&x;</title><description>&x;</description></item></channel></rss>",
        '<rss version="2.0"><channel>' + "<item>" * 20_000 + "</channel></rss>",
        '<?xml version="1.0" encoding="utf-16"?><rss/>',
        '<?xml version="1.0" encoding="bogus-charset"?><rss version="2.0"><channel><item><title>x</title></item></channel></rss>',
    ]
    return ".xml", rng.choice(docs).encode()


def _html(rng: random.Random, key: str) -> tuple[str, bytes]:
    article = "<article><h1>Pier</h1>" + "".join(f"<p>{_words(rng, 15)}</p>" for _ in range(4)) + "</article>"
    docs = [
        "<html><body>" + "<div>" * 50_000 + article + "</body></html>",
        "<html><head><script>" + "x" * 2_000_000 + "</script></head><body>" + article + "</body></html>",
        "<html><body>" + "<script>" * 10_000 + article,
        "<html><body><p>a\x00b\x01c\x0bd</p>" + article.replace("<p>", "<p>\x08") + "</body></html>",
        "<html><head><meta property='article:published_time' content='99999-99-99'><link rel='canonical' href='http://x:bad/'>"
        "<title>&#xD800;</title></head><body>" + article + "</body></html>",
        "<!doctype html><html><body>" + "<table><tr><td>" * 3000 + "</body></html>",
        "<html><body>" + "<!--" + article,
        "",
    ]
    return rng.choice([".html", ".htm"]), rng.choice(docs).encode("utf-8", "surrogatepass")


def _text(rng: random.Random, key: str) -> tuple[str, bytes]:
    docs = [
        bytes(rng.randrange(256) for _ in range(rng.randint(1, 2000))),
        b"\x00" * 1000,
        ("Headline\n\n" + _words(rng, 30)).encode("utf-16-le"),
        b"\x7fELF" + bytes(100),
        ("Pier closed\n\n" + _words(rng, 30) + "\x00\x01\x1b[31m" + _words(rng, 20)).encode(),
        b"\xef\xbb\xbf" + b"\xff" * 100,
        ("\u202eHeadline\n\n" + _words(rng, 30)).encode() + b"\xed\xa0\x80",
        b"\r" * 5000 + _words(rng, 20).encode(),
    ]
    return rng.choice([".txt", ".text"]), rng.choice(docs)


def _mutated(rng: random.Random, key: str) -> tuple[str, bytes]:
    """A good file of some format with random damage."""
    suffix, data = rng.choice([_good_jsonl, _good_csv, _good_rss])(rng, key)
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.choice(["flip", "cut", "dup", "insert", "nul"])
        at = rng.randrange(len(data)) if data else 0
        if op == "flip" and data:
            data[at] = rng.randrange(256)
        elif op == "cut":
            del data[at : at + rng.randint(1, 40)]
        elif op == "dup":
            data[at:at] = data[at : at + rng.randint(1, 200)] * rng.randint(1, 50)
        elif op == "insert":
            data[at:at] = rng.choice([b"\xed\xa0\x80", b"\x00", b"\r", b'"', b"{", b"[" * 2000, b"&#xD800;", b"\xff"])
        else:
            data[at:at] = b"\x00" * rng.randint(1, 100)
    return suffix, bytes(data)


def _good_jsonl(rng: random.Random, key: str) -> tuple[str, bytes]:
    return ".jsonl", "\n".join(json.dumps(_good_record(rng, f"{key}-{i}")) for i in range(4)).encode()


def _good_csv(rng: random.Random, key: str) -> tuple[str, bytes]:
    rows = ["id,title,text"] + [f"{key}-{i},{_words(rng, 4)},{_words(rng, 12)}" for i in range(4)]
    return ".csv", "\n".join(rows).encode()


def _good_rss(rng: random.Random, key: str) -> tuple[str, bytes]:
    items = "".join(f"<item><title>{_words(rng, 4)}</title><link>https://elsin.example/{key}/{i}</link>"
                    f"<description>{_words(rng, 12)}</description></item>" for i in range(3))
    return ".xml", f'<?xml version="1.0"?><rss version="2.0"><channel><title>C</title>{items}</channel></rss>'.encode()


FAMILIES: dict[str, Callable[[random.Random, str], tuple[str, bytes]]] = {
    "dates": _jsonl_dates, "strings": _jsonl_strings, "urls": _jsonl_urls, "lines": _jsonl_lines, "json": _json_doc,
    "csv": _csv, "rss": _rss, "feed": _atom_or_json_feed, "xml": _xml_attacks, "html": _html, "text": _text,
    "mutated": _mutated,
}


def corpus(count: int, seed: int = 14) -> Iterator[tuple[str, bytes]]:
    """``count`` hostile files as (file name, bytes), every family in turn."""
    rng = random.Random(seed)
    names = list(FAMILIES)
    for number in range(count):
        family = names[number % len(names)]
        suffix, data = FAMILIES[family](rng, f"f{seed}-{number}")
        yield f"{number:04d}-{family}{suffix}", data


def good_file(folder: Path, batch: int) -> tuple[Path, set[str]]:
    """A good JSONL file whose article ids are unique to this batch, and those ids."""
    rng = random.Random(f"good file {batch}")  # never the corpus's own sequence
    records = [_good_record(rng, f"good-{batch}-{i}") for i in range(4)]
    path = folder / f"good-{batch}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path, {r["id"] for r in records}


def write_links(folder: Path, outside: Path) -> list[Path]:
    """Symbolic links a folder walk must not follow out: to /etc/passwd, to a file beside the
    folder, to the folder's parent, and a loop. Returns the links made."""
    links = folder / "links"
    links.mkdir(exist_ok=True)
    made = []
    for name, target in (("passwd.txt", Path("/etc/passwd")), ("outside.txt", outside), ("up", folder.parent), ("loop", links)):
        link = links / name
        if not link.is_symlink():
            link.symlink_to(target, target_is_directory=target.is_dir())
        made.append(link)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in corpus(args.count, args.seed):
        (args.out / name).write_bytes(data)
    outside = args.out.parent / "outside-secret.txt"
    outside.write_text("Outside headline\n\nThis file is beside the corpus folder and must never be stored.\n")
    write_links(args.out, outside)
    print(f"wrote {args.count} files and links/ to {args.out}")


if __name__ == "__main__":
    main()
