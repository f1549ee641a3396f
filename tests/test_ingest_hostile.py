"""Issue 14: no input breaks ingest. Each hostile file goes in beside a good one
(`newsdesk ingest FILE ok.jsonl`): the good records of both are stored, the call exits 0, and
the bad record is a recorded failure that names the input (line or entry) and the reason."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from newsdesk.store import Store

GOOD = [{"id": f"ok{i}", "title": f"Ferry fares rise {i}", "text": f"The ferry company raised fares by {i} percent on Monday, the council said."} for i in range(3)]
GOOD_IDS = {g["id"] for g in GOOD}


def _ok(tmp_path: Path) -> Path:
    path = tmp_path / "ok.jsonl"
    path.write_text("".join(json.dumps(g) + "\n" for g in GOOD))
    return path


def _lines(*records: str) -> str:
    """A JSONL file: a good line, the given raw lines, then two good lines after them."""
    before = json.dumps({"id": "before", "title": "Pier closed", "text": "The north pier is closed for repairs."})
    after = [json.dumps({"id": f"after{i}", "title": f"Pier reopens {i}", "text": f"The pier reopens in {i} weeks."}) for i in range(2)]
    return "\n".join([before, *records, *after]) + "\n"


AROUND = {"before", "after0", "after1"}


def _ingest(cli, db_path: Path, tmp_path: Path, hostile: Path, *more: str):
    result = cli("ingest", str(hostile), str(_ok(tmp_path)), *more, "--json")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    report = json.loads(result.stdout)
    with Store(db_path) as store:
        stored = {a.id for a in store.list_articles()}
        recorded = store.list_failures()
    return report, stored, recorded


def _failure(report: dict, recorded: list[dict], input_name: str, reason: str) -> dict:
    """The one failure the call reported for this input, also in 'newsdesk failures'."""
    found = [f for f in report["failures"] if f["input"] == input_name]
    assert len(found) == 1, report["failures"]
    assert reason in found[0]["reason"], found[0]
    assert any(r["input"] == input_name and reason in r["reason"] for r in recorded)
    return found[0]


# -- 1, 2, 9: dates out of range, NaN; later lines still stored ------------------------------


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("1e300", "published 1e+300 is out of range"),
        ("-1e20", "published -1e+20 is out of range"),
        ("99999999999999999999", "published 99999999999999999999 is out of range"),
        ("NaN", "published NaN is not a time"),
        ("Infinity", "published inf is not a time"),
        ('"0001-01-01T00:00:00+14:00"', "is out of range (years 1000 to 8999)"),
    ],
)
def test_a_published_time_out_of_range_fails_its_line_only(cli, db_path, tmp_path, raw, reason):
    hostile = tmp_path / "dates.jsonl"
    hostile.write_text(_lines('{"id": "bad", "title": "t", "text": "b", "published": %s}' % raw))
    report, stored, recorded = _ingest(cli, db_path, tmp_path, hostile)
    assert stored == AROUND | GOOD_IDS  # issue case 9: the lines after it are stored too
    assert _failure(report, recorded, f"{hostile}:2", reason)["stage"] == "parse"


def test_a_good_epoch_time_is_still_read(cli, db_path, tmp_path):
    path = tmp_path / "epoch.jsonl"
    path.write_text(json.dumps({"id": "e", "title": "t", "text": "b", "published": 1394470370698}) + "\n")
    assert cli("ingest", str(path)).exit_code == 0
    with Store(db_path) as store:
        assert store.get_article("e").published.isoformat() == "2014-03-10T16:52:50.698000+00:00"


# -- 3, 4, 5: surrogates and control characters -----------------------------------------------


def test_a_lone_surrogate_in_json_is_replaced_and_the_article_stored(cli, db_path, tmp_path):
    hostile = tmp_path / "surrogate.jsonl"
    hostile.write_text(_lines('{"id": "s", "title": "x\\ud800y", "text": "body \\udfff here", "tags": {"k\\ud800": "v"}}'))
    report, stored, _ = _ingest(cli, db_path, tmp_path, hostile)
    assert stored == AROUND | GOOD_IDS | {"s"} and report["failures"] == []
    with Store(db_path) as store:
        article = store.get_article("s")
    assert article.title == "x\ufffdy" and article.text == "body \ufffd here"
    assert article.extra["tags"] == {"k\ufffd": "v"}


def _rss(*items: str) -> str:
    body = "".join(f"<item>{item}</item>" for item in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Elsin Courier</title>{body}</channel></rss>'


GOOD_ITEM = "<title>Good entry</title><link>https://elsin.example/good</link><description>The good entry is stored.</description>"


def test_a_surrogate_character_reference_in_a_feed_keeps_every_entry(cli, db_path, tmp_path):
    hostile = tmp_path / "surrogate.xml"
    hostile.write_text(_rss(
        "<title>a&#xD800;b</title><link>https://elsin.example/1</link><description>x &amp;#xDFFF; &#0; y</description>",
        GOOD_ITEM,
    ))
    report, stored, _ = _ingest(cli, db_path, tmp_path, hostile)
    assert report["failures"] == [] and len(stored) == 2 + len(GOOD)
    with Store(db_path) as store:
        titles = {a.title for a in store.list_articles()}
    assert {"a\ufffdb", "Good entry"} <= titles


def test_control_characters_in_entry_html_are_dropped(cli, db_path, tmp_path):
    hostile = tmp_path / "controls.xml"
    hostile.write_text(_rss(
        "<title>Controls</title><link>https://elsin.example/c</link><description>&lt;p&gt;a\x01b\x0bc\x7f d&lt;/p&gt;</description>",
        GOOD_ITEM,
    ))
    report, stored, _ = _ingest(cli, db_path, tmp_path, hostile)
    assert report["failures"] == [] and len(stored) == 2 + len(GOOD)
    with Store(db_path) as store:
        article = next(a for a in store.list_articles() if a.title == "Controls")
    assert article.text == "ab c d"


# -- 6: a link with a bad port ------------------------------------------------------------------


def test_an_entry_link_with_a_bad_port_fails_that_entry_only(cli, db_path, tmp_path):
    hostile = tmp_path / "port.xml"
    hostile.write_text(_rss("<title>Bad port</title><link>http://example.org:12:00Z/</link><description>x</description>", GOOD_ITEM))
    report, stored, recorded = _ingest(cli, db_path, tmp_path, hostile)
    assert len(stored) == 1 + len(GOOD)
    _failure(report, recorded, f"{hostile}#1", "entry link 'http://example.org:12:00Z/': not a valid URL")


def test_a_record_url_that_is_no_http_url_fails_that_record(cli, db_path, tmp_path):
    hostile = tmp_path / "urls.jsonl"
    hostile.write_text(_lines('{"id": "j", "title": "t", "text": "b", "url": "javascript:alert(1)"}'))
    report, stored, recorded = _ingest(cli, db_path, tmp_path, hostile)
    assert stored == AROUND | GOOD_IDS
    _failure(report, recorded, f"{hostile}:2", "not an http(s) URL")


# -- 7: CSV with a bare CR, or a field over 16 MiB -----------------------------------------------


def test_a_bare_carriage_return_in_a_csv_field_ends_the_row(cli, db_path, tmp_path):
    hostile = tmp_path / "cr.csv"
    hostile.write_text("id,title,text\n1,First,body one\n2,Bad\rfield,body two\n3,Third,body three\n", newline="")
    report, stored, _ = _ingest(cli, db_path, tmp_path, hostile)
    assert {"1", "3"} | GOOD_IDS <= stored and report["failures"] == []  # a CR alone ends a row, as old Macs wrote


def test_a_csv_field_over_16_mib_fails_its_row_only(cli, db_path, tmp_path):
    hostile = tmp_path / "big.csv"
    with hostile.open("w") as fh:
        fh.write("id,title,text\n1,First,body one\n2,Big,")
        fh.write("x" * (16 * 1024 * 1024 + 10))
        fh.write("\n3,Third,body three\n")
    report, stored, recorded = _ingest(cli, db_path, tmp_path, hostile)
    assert {"1", "3"} | GOOD_IDS == stored
    _failure(report, recorded, f"{hostile}:3", "field larger than field limit")


# -- 8: JSON nested 100,000 levels -------------------------------------------------------------


def test_json_nested_100000_levels_is_one_failure(cli, db_path, tmp_path):
    hostile = tmp_path / "deep.json"
    hostile.write_text("[" * 100_000 + "]" * 100_000)
    report, stored, recorded = _ingest(cli, db_path, tmp_path, hostile)
    assert stored == GOOD_IDS
    _failure(report, recorded, str(hostile), "nested too deeply")


def test_a_deeply_nested_jsonl_line_fails_that_line(cli, db_path, tmp_path):
    hostile = tmp_path / "deep.jsonl"
    hostile.write_text(_lines('{"id": "d", "title": "t", "text": "b", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
                              '{"id": "d2", "title": "t", "text": "b", "x": ' + "[" * 100 + "]" * 100 + "}"))
    report, stored, recorded = _ingest(cli, db_path, tmp_path, hostile)
    assert stored == AROUND | GOOD_IDS
    _failure(report, recorded, f"{hostile}:2", "nested too deeply")
    _failure(report, recorded, f"{hostile}:3", "nested more than 32 levels deep")


# -- 10: a line of NUL bytes does not make a JSONL file binary -----------------------------------


def test_a_line_of_nul_bytes_fails_that_line_only(cli, db_path, tmp_path):
    hostile = tmp_path / "nul.jsonl"
    hostile.write_bytes(_lines("\x00" * 64).encode())
    report, stored, recorded = _ingest(cli, db_path, tmp_path, hostile)
    assert stored == AROUND | GOOD_IDS
    _failure(report, recorded, f"{hostile}:2", "not valid JSON")


def test_a_real_binary_file_is_still_binary(cli, db_path, tmp_path):
    hostile = tmp_path / "image.jsonl"
    hostile.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    report, stored, recorded = _ingest(cli, db_path, tmp_path, hostile)
    assert stored == GOOD_IDS
    _failure(report, recorded, str(hostile), "binary file (PNG image)")


# -- 11: a symlink out of the folder -----------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links on this system")
def test_a_symlink_out_of_the_folder_is_not_followed(cli, db_path, tmp_path):
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("Secret headline\n\nThis file lives outside the folder being ingested and must stay there.\n")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "story.jsonl").write_text(_lines())
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    (folder / "secret.txt").symlink_to(secret)
    (folder / "sub").mkdir()
    (folder / "sub" / "loop").symlink_to(folder, target_is_directory=True)  # a loop
    (folder / "sub" / "same.jsonl").symlink_to(folder / "story.jsonl")  # inside: read once
    report, stored, recorded = _ingest(cli, db_path, tmp_path, folder)
    assert stored == AROUND | GOOD_IDS
    for link, target in ((folder / "passwd.txt", "/etc/passwd"), (folder / "secret.txt", str(secret))):
        _failure(report, recorded, str(link), f"symbolic link to {target}, outside the folder")
    with Store(db_path) as store:
        assert not any("root:" in a.text or "Secret" in a.title for a in store.list_articles())


def test_a_fifo_named_on_the_command_line_is_refused_not_read(cli, db_path, tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    report, stored, recorded = _ingest(cli, db_path, tmp_path, fifo)
    assert stored == GOOD_IDS
    _failure(report, recorded, str(fifo), "not a regular file")


# -- pages at the size limit: bounded before the HTML parser ------------------------------------

PARAGRAPH = ("Harbour officials in the invented town of Port Elsin said on Monday that the north pier would stay "
             "closed for at least three weeks while divers inspect the pilings, after a survey found cracks. ")
ARTICLE = "<article><h1>North pier closed</h1>" + "".join(f"<p>{PARAGRAPH}Paragraph {i}.</p>" for i in range(8)) + "</article>"


def test_a_normal_article_behind_a_40_mb_script_is_stored(cli, db_path, tmp_path):
    page = tmp_path / "script.html"
    page.write_text("<html><head><title>North pier closed</title><script>var x='" + "a" * 40_000_000
                    + "';</script><style>" + ".x{}" * 100_000 + "</style></head><body>" + ARTICLE + "</body></html>")
    report, stored, _ = _ingest(cli, db_path, tmp_path, page)
    assert report["failures"] == [] and "script.html" in stored
    with Store(db_path) as store:
        article = store.get_article("script.html")
    assert article.title == "North pier closed" and "Paragraph 7." in article.text and "aaaa" not in article.text


def test_a_50_mb_page_of_text_is_cut_to_the_parser_limit_and_says_so(cli, db_path, tmp_path):
    from newsdesk.extract import MAX_MARKUP

    page = tmp_path / "huge.html"  # 49 MB in long paragraphs: under 40,000 elements
    long_paragraph = f"<p>{PARAGRAPH * 10}</p>"
    page.write_text("<html><head><title>North pier closed</title></head><body>" + ARTICLE
                    + long_paragraph * (49_000_000 // len(long_paragraph)) + "</body></html>")
    report, stored, _ = _ingest(cli, db_path, tmp_path, page)
    assert report["failures"] == [] and "huge.html" in stored
    with Store(db_path) as store:
        article = store.get_article("huge.html")
    assert article.extra["markup_trimmed"] == MAX_MARKUP and len(article.text) < MAX_MARKUP


def test_a_page_of_empty_elements_is_refused_with_the_reason(cli, db_path, tmp_path):
    page = tmp_path / "tags.html"
    page.write_text("<html><body>" + "<div><span></span></div>" * 100_000 + ARTICLE + "</body></html>")
    report, stored, recorded = _ingest(cli, db_path, tmp_path, page)
    assert stored == GOOD_IDS
    _failure(report, recorded, str(page), "more than 40,000 HTML elements")


def test_elements_are_counted_in_the_whole_page_not_only_in_what_the_parser_is_given(cli, db_path, tmp_path):
    page = tmp_path / "paragraphs.html"  # 52,107 paragraphs, 11 MB: 14,000 of them in the first 3 MB
    page.write_text("<html><body>" + ARTICLE + f"<p>{PARAGRAPH}</p>" * 52_107 + "</body></html>")
    report, stored, recorded = _ingest(cli, db_path, tmp_path, page)
    assert stored == GOOD_IDS
    _failure(report, recorded, str(page), "more than 40,000 HTML elements")


def test_unclosed_scripts_and_comments_are_cut_in_linear_time():
    import time

    from newsdesk.extract import strip_heavy_markup

    start = time.perf_counter()
    assert strip_heavy_markup("<p>kept</p>" + "<script>" * 200_000) == "<p>kept</p>"
    assert strip_heavy_markup("<p>a</p><!-- x --><p>b</p><SCRIPT src=x></script ><p>c</p><!--") == "<p>a</p><p>b</p><p>c</p>"
    assert time.perf_counter() - start < 2


def test_pipes_in_a_folder_and_named_pipes_with_a_data_suffix_never_block(cli, db_path, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    os.mkfifo(folder / "pipe.jsonl")
    (folder / "story.jsonl").write_text(_lines())
    os.mkfifo(tmp_path / "named.csv")
    report, stored, recorded = _ingest(cli, db_path, tmp_path, folder, str(tmp_path / "named.csv"))
    assert stored == AROUND | GOOD_IDS
    _failure(report, recorded, str(tmp_path / "named.csv"), "not a regular file")
