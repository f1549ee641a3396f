"""Issue 14, beside ingest: `feeds add` and `import-opml` refuse what the SSRF guard refuses and
name the setting that allows it; `poll` exits non-zero when no feed could be fetched; list
settings read a JSON list or commas and refuse anything else with a clear message."""

from __future__ import annotations

import json

import pytest

from newsdesk.settings import SettingsError, load_settings


def _feeds(cli) -> list[dict]:
    return json.loads(cli("feeds", "list", "--json").stdout)


@pytest.mark.parametrize("url", ["http://127.0.0.1/feed", "http://10.1.2.3/rss", "http://169.254.169.254/latest", "http://[::1]:8080/atom"])
def test_feeds_add_refuses_what_the_guard_refuses_and_names_the_setting(cli, url):
    result = cli("feeds", "add", url)
    assert result.exit_code == 1
    assert "refused:" in result.stderr and "fetch_allow_hosts" in result.stderr and "not subscribed" in result.stderr
    assert _feeds(cli) == []


def test_feeds_add_accepts_a_host_the_setting_allows(cli):
    result = cli("feeds", "add", "http://10.1.2.3/rss", env={"NEWSDESK_FETCH_ALLOW_HOSTS": '["10.0.0.0/8"]'})
    assert result.exit_code == 0 and "Subscribed" in result.stderr
    assert [f["url"] for f in _feeds(cli)] == ["http://10.1.2.3/rss"]


def test_feeds_add_refuses_a_url_whose_port_cannot_be_read(cli):
    result = cli("feeds", "add", "http://example.org:12:00Z/")
    assert result.exit_code == 2 and "not a valid URL" in result.stderr
    assert _feeds(cli) == []


def test_import_opml_skips_refused_feeds_and_says_why(cli, tmp_path):
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="1.0"><head/><body>'
        '<outline text="Gazette" type="rss" xmlUrl="https://gazette.example/rss"/>'
        '<outline text="Router" type="rss" xmlUrl="http://192.168.1.1/admin.rss"/></body></opml>'
    )
    result = cli("feeds", "import-opml", str(opml))
    assert "http://192.168.1.1/admin.rss: refused: 192.168.1.1 is a private address" in result.stderr
    assert "2 feeds" in result.stderr and "1 new" in result.stderr and "1 refused" in result.stderr
    assert [f["url"] for f in _feeds(cli)] == ["https://gazette.example/rss"]


def test_poll_exits_non_zero_when_no_feed_could_be_fetched(cli, http_server):
    allow = {"NEWSDESK_FETCH_ALLOW_HOSTS": "127.0.0.1:*"}
    cli("feeds", "add", http_server.url("/missing"), env=allow)
    cli("feeds", "add", http_server.route("/error", "oops", status=500), env=allow)
    result = cli("poll", env=allow)
    assert result.exit_code == 1 and "no feed could be fetched (2 polled)" in result.stderr
    as_json = cli("poll", "--all", "--json", env=allow)
    assert as_json.exit_code == 1 and [p["outcome"] for p in json.loads(as_json.stdout)] == ["error", "error"]


def test_poll_exits_zero_when_one_feed_worked(cli, http_server):
    allow = {"NEWSDESK_FETCH_ALLOW_HOSTS": "127.0.0.1:*"}
    atom = ('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>L</title><id>urn:l</id>'
            '<entry><title>Dam holds</title><id>urn:l:1</id><link href="https://ledger.example/dam"/>'
            '<updated>2026-04-06T10:00:00Z</updated><content type="text">The dam holds.</content></entry></feed>')
    cli("feeds", "add", http_server.url("/missing"), env=allow)
    cli("feeds", "add", http_server.route("/atom", atom, headers={"Content-Type": "application/atom+xml"}), env=allow)
    result = cli("poll", env={**allow, "NEWSDESK_FEED_FETCH_FULLTEXT": "false"})
    assert result.exit_code == 0, result.stderr
    assert "HTTP 404" in result.stderr and "1 new" in result.stderr


def test_no_feed_due_is_not_a_failure(cli):
    assert cli("poll").exit_code == 0


@pytest.mark.parametrize(
    ("value", "hosts"),
    [
        ('["127.0.0.1"]', ["127.0.0.1"]),
        ('["feeds.intranet.local", "10.20.0.0/16"]', ["feeds.intranet.local", "10.20.0.0/16"]),
        ("a.example,b.example", ["a.example", "b.example"]),
        (" a.example , b.example ,", ["a.example", "b.example"]),
        ("", []),
        ("[fd00::7]:8080, 10.0.0.0/8:*", ["[fd00::7]:8080", "10.0.0.0/8:*"]),
        ('["feeds.intranet:8443", "[::1]"]', ["feeds.intranet:8443", "[::1]"]),
    ],
)
def test_a_list_setting_reads_a_json_list_or_commas(value, hosts):
    assert load_settings(env={"NEWSDESK_FETCH_ALLOW_HOSTS": value}).fetch_allow_hosts == hosts


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('["127.0.0.1"', "expected a JSON list of strings"),
        ('"127.0.0.1"', "holds '\"'"),
        ('["a", 1]', "expected strings in the list, got int 1"),
        ('{"a": 1}', "holds"),
        ("a.example b.example", "holds ' '"),
        ("feeds.intranet:http", "'feeds.intranet:http': the port must be a number from 1 to 65535, or * for every port"),
        ("10.0.0.1:70000", "'10.0.0.1:70000': the port must be a number"),
        ("10.0.0.0/33", "'10.0.0.0/33': not a valid IP address or network"),
        ("[10.0.0.1]:80", "'[10.0.0.1]:80': only IPv6 addresses go in brackets"),
    ],
)
def test_anything_else_is_refused_naming_the_variable(value, message):
    with pytest.raises(SettingsError) as caught:
        load_settings(env={"NEWSDESK_FETCH_ALLOW_HOSTS": value})
    assert "NEWSDESK_FETCH_ALLOW_HOSTS: bad value for fetch_allow_hosts" in str(caught.value)
    assert message in str(caught.value)


def test_a_settings_file_list_of_numbers_is_refused(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("fetch_allow_hosts = [10, 20]\n")
    with pytest.raises(SettingsError, match="expected strings in the list"):
        load_settings(path, env={})


def test_a_bad_list_setting_stops_the_command_with_exit_2(cli):
    result = cli("settings", env={"NEWSDESK_FETCH_ALLOW_HOSTS": "['127.0.0.1']"})
    assert result.exit_code == 2 and "NEWSDESK_FETCH_ALLOW_HOSTS" in result.stderr and "Traceback" not in result.output
