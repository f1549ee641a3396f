"""Ingest from files: the seeds, every file format, bad input, re-runs, and a kill mid-way."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import DATA, need

from newsdesk.store import Store, StoreError, content_hash


def _gold(seeds: Path) -> dict:
    return json.loads((seeds / "gold.json").read_text(encoding="utf-8"))["articles"]


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def test_seeds_are_stored_with_gold_titles_deks_bylines_and_no_boilerplate(cli, seeds, db_path):
    result = cli("ingest", str(seeds))
    assert result.exit_code == 0, result.output
    assert "Stored 3 new articles" in result.stderr
    gold = _gold(seeds)
    with Store(db_path) as store:
        assert store.count_articles() == 3
        for name, want in gold.items():
            article = store.get_article(name)
            assert article.title == want["title"]
            assert article.byline == want.get("byline")
            if "dek" in want:
                assert article.dek == want["dek"]
            body = _paragraphs(article.text)
            for line in want.get("boilerplate_lines", []):
                assert line.strip() not in body, f"boilerplate {line!r} survived in {name}"
            assert article.title not in body
            if want.get("publisher_summary_present"):
                bullets = article.summary.splitlines()
                assert len(bullets) >= 3 and not set(bullets) & set(body)


def test_reingesting_the_seeds_stores_nothing_and_says_so(cli, seeds, db_path):
    cli("ingest", str(seeds))
    result = cli("ingest", str(seeds))
    assert result.exit_code == 0
    assert "Nothing new: all 3 articles were already stored." in result.stderr
    with Store(db_path) as store:
        assert store.count_articles() == 3


def test_the_gold_file_beside_the_seeds_is_skipped_not_failed(cli, seeds, db_path):
    result = cli("ingest", str(seeds), "--json")
    report = json.loads(result.stdout)
    assert report["failures"] == []
    assert [s["input"].endswith("gold.json") for s in report["skipped"]] == [True]


def test_articles_show_json_has_the_stored_fields(cli, seeds):
    cli("ingest", str(seeds))
    data = json.loads(cli("articles", "show", "000_8bbeadb7ac7fca71.txt", "--json").stdout)
    for key in ("id", "source", "url", "title", "dek", "byline", "published", "text", "publisher_summary"):
        assert key in data
    assert data["publisher_summary"]
    listed = json.loads(cli("articles", "list", "--json").stdout)
    assert [a["id"] for a in listed] == sorted(a["id"] for a in listed)


def test_articles_show_unknown_id_is_a_clear_error(cli):
    result = cli("articles", "show", "nope")
    assert result.exit_code == 1 and "no article with id 'nope'" in result.stderr


def test_every_file_format_is_ingested(cli, tmp_path, db_path):
    folder = tmp_path / "in"
    folder.mkdir()
    body = "The council voted seven to two on Thursday to close the old ferry terminal by June. " * 3
    (folder / "one.json").write_text(json.dumps({"id": "j1", "title": "Ferry terminal to close", "text": body, "source": "Gazette", "published": "2026-03-04T09:15:00+01:00", "label": "ferry"}))
    (folder / "many.json").write_text(json.dumps([{"title": "Ferry vote", "text": body + "More."}, {"title": "Ferry vote 2", "text": body + "Other."}]))
    (folder / "lines.jsonl").write_text(json.dumps({"id": "l1", "title": "Terminal", "text": body + "L1."}) + "\n\n" + json.dumps({"id": "l2", "text": "Ferry users protest.\n" + body}) + "\n")
    table = tmp_path / "table.csv"
    table.write_text("ID,HEADLINE,OUTLET,WHEN\n7,Ferry terminal vote passes,Courier,1394470370698\n8,\"Council, in a split vote, closes terminal\",Courier,1394470371207\n")
    (folder / "page.html").write_text(
        "<html><head><title>Ferry terminal closes</title><meta name='author' content='Ana Lima'>"
        "<meta property='og:site_name' content='Harbour Gazette'>"
        "<meta property='article:published_time' content='2026-03-04T09:15:00Z'></head>"
        f"<body><nav>Home | News | Sport</nav><article><h1>Ferry terminal closes</h1><p>{body}</p><p>{body}</p></article>"
        "<footer>Share this article</footer></body></html>"
    )
    (folder / "bare.txt").write_text("Ferry terminal to close\n\nBy Ana Lima\n\n" + body + "\n\nShare this article\n")
    (folder / "notes.md").write_text("not an input type: ignored when walking folders")
    report = json.loads(cli("ingest", str(folder), "--json").stdout)
    assert report["failures"] == [], report
    mapped = cli("ingest", str(table), "--map", "title=HEADLINE", "--map", "source=OUTLET", "--map", "published=WHEN", "--json")
    assert json.loads(mapped.stdout)["added"] == ["7", "8"]
    with Store(db_path) as store:
        ids = {a.id for a in store.list_articles()}
        assert {"j1", "many.json:1", "many.json:2", "l1", "l2", "7", "8", "page.html", "bare.txt"} == ids
        j1 = store.get_article("j1")
        assert (j1.source, j1.label, j1.published.isoformat()) == ("Gazette", "ferry", "2026-03-04T08:15:00+00:00")
        assert store.get_article("l2").title == "Ferry users protest."  # derived from the first line
        csv_row = store.get_article("8")
        assert (csv_row.title, csv_row.source, csv_row.published.year) == ("Council, in a split vote, closes terminal", "Courier", 2014)
        page = store.get_article("page.html")
        assert (page.title, page.byline, page.source) == ("Ferry terminal closes", "Ana Lima", "Harbour Gazette")
        assert page.published.isoformat() == "2026-03-04T09:15:00+00:00"
        assert "Home | News" not in page.text and "Share this article" not in page.text
        bare = store.get_article("bare.txt")
        assert bare.byline == "Ana Lima" and "Share this article" not in bare.text


def test_bad_inputs_each_give_one_clear_error_and_keep_the_store(cli, tmp_path, db_path, seeds):
    cli("ingest", str(seeds))
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.txt"
    blank.write_bytes(b"  \n\n ")
    broken = tmp_path / "broken.json"
    broken.write_text('{"title": "x", ')
    cases = {
        "/bin/true": "binary file (ELF executable), not an article",
        str(empty): "empty file",
        str(blank): "file holds only white space",
        str(broken): "not valid JSON",
        str(tmp_path / "missing.txt"): "no such file or folder",
        "http://127.0.0.1:9/nothing": "refused: 127.0.0.1 is a loopback address",
    }
    for path, reason in cases.items():
        result = cli("ingest", path)
        assert result.exit_code == 1, path
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and path in errors[0] and reason in errors[0], result.stderr
        assert "Traceback" not in result.output
    with Store(db_path) as store:
        assert store.count_articles() == 3 and store.integrity_ok()
        assert len(store.list_failures()) == len(cases)


def test_exit_is_zero_when_some_inputs_worked(cli, tmp_path, seeds):
    result = cli("ingest", "/bin/true", str(seeds / "002_176fb2ef09f34afc.txt"))
    assert result.exit_code == 0
    assert "error: /bin/true" in result.stderr and "Stored 1 new article" in result.stderr


def test_a_bad_line_in_jsonl_is_named_and_the_rest_is_stored(cli, tmp_path, db_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"id": "ok1", "title": "A", "text": "Alpha beta gamma."}\n{broken\n{"id": "ok2", "title": "B", "text": "Delta."}\n{"id": "nothing"}\n')
    result = cli("ingest", str(path))
    assert result.exit_code == 0
    assert f"error: {path}:2: not valid JSON" in result.stderr
    assert f"error: {path}:4: record has no title, text or html" in result.stderr
    with Store(db_path) as store:
        assert {a.id for a in store.list_articles()} == {"ok1", "ok2"}


def test_legacy_encodings_are_decoded(cli, tmp_path, db_path):
    text = "Café owners in Málaga protest\n\nThe café owners of the old town said the new rule would cost them dearly, according to the union.\n"
    (tmp_path / "latin1.txt").write_bytes(text.encode("latin-1"))
    (tmp_path / "utf16.txt").write_bytes(text.encode("utf-16"))
    result = cli("ingest", str(tmp_path / "latin1.txt"), str(tmp_path / "utf16.txt"))
    assert result.exit_code == 0, result.stderr
    with Store(db_path) as store:
        a = store.get_article("latin1.txt")
        assert a.title == "Café owners in Málaga protest" and "café owners" in a.text
        # the same text in another encoding is the same article from the same (unknown) source
        assert store.count_articles() == 1


def test_oversized_files_are_refused(cli, tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("Headline\n\n" + "word " * 1000)
    result = cli("ingest", str(big), env={"NEWSDESK_FILE_MAX_BYTES": "1000"})
    assert result.exit_code == 1 and "larger than the 1,000 allowed" in result.stderr


def test_ecbplus_dev_is_stored_whole_and_only_once(cli, db_path):
    path = need(DATA / "ecbplus" / "dev.jsonl")
    first = cli("ingest", str(path))
    assert "Stored 772 new articles." in first.stderr
    second = cli("ingest", str(path))
    assert "Nothing new: all 772 articles were already stored." in second.stderr
    with Store(db_path) as store:
        assert store.count_articles() == 772
        assert store.get_article("1/1ecb/1").label == "1ecb"


def test_ingest_killed_midway_leaves_only_whole_articles(tmp_path, db_path):
    source = tmp_path / "stream.jsonl"
    total = 30000
    with source.open("w") as fh:
        for i in range(total):
            fh.write(json.dumps({"id": f"k{i}", "title": f"Story {i}", "text": f"Paragraph one of story {i}.\n\nParagraph two, with number {i * 7}."}) + "\n")
    env = {**os.environ, "NEWSDESK_CONFIG": str(tmp_path / "none.toml")}
    (tmp_path / "none.toml").write_text("")
    proc = subprocess.Popen([sys.executable, "-m", "newsdesk", "--db", str(db_path), "ingest", str(source)], env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        try:
            with Store(db_path) as store:
                stored = store.count_articles()
        except StoreError:  # not created yet, or busy
            continue
        if stored >= 200:
            break
    assert proc.poll() is None, "ingest finished before it could be killed: make the input larger"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with Store(db_path) as store:
        assert store.integrity_ok()
        count = store.count_articles()
        assert 200 <= count < total
        for article in store.list_articles():
            assert article.text.endswith(f"number {int(article.id[1:]) * 7}.")
            assert article.content_hash == content_hash(article)
    resumed = subprocess.run([sys.executable, "-m", "newsdesk", "--db", str(db_path), "ingest", str(source)], env=env, capture_output=True, text=True)
    assert resumed.returncode == 0
    assert f"Stored {total - count} new articles, {count} already stored." in resumed.stderr
