"""The command line documents itself, and settings come from the places the README promises."""

from __future__ import annotations

import json

import pytest
from typer.main import get_command

from newsdesk.cli import app
from newsdesk.settings import SETTINGS, SettingsError, load_settings


def _all_commands(command, path=()):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _all_commands(sub, path + (name,))


COMMANDS = [path for path, _ in _all_commands(get_command(app))]


def test_the_command_tree_has_the_documented_commands():
    names = {" ".join(p) for p in COMMANDS}
    for expected in ("ingest", "poll", "failures", "settings", "articles list", "articles show",
                     "feeds add", "feeds list", "feeds remove", "feeds import-opml", "feeds export-opml"):
        assert expected in names


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "newsdesk")
def test_every_command_has_help(cli, path):
    result = cli(*path, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    command = dict(_all_commands(get_command(app)))[path]
    assert (command.help or "").strip(), f"'newsdesk {' '.join(path)}' has no help text"
    for param in command.params:
        if param.param_type_name == "option" and param.name != "help":
            assert getattr(param, "help", None), f"option {param.name} of 'newsdesk {' '.join(path)}' has no help"


def test_every_setting_is_documented_and_shown(cli):
    result = cli("settings", "--json")
    shown = {row["name"]: row for row in json.loads(result.stdout)}
    for setting in SETTINGS:
        assert len(setting.help) > 20, f"setting {setting.name} needs a help text"
        assert setting.name in shown and shown[setting.name]["help"] == setting.help


def test_db_option_beats_environment_variable(cli, tmp_path, db_path):
    other = tmp_path / "other.db"
    result = cli("settings", "--json", env={"NEWSDESK_DB": str(other)})
    db = next(r for r in json.loads(result.stdout) if r["name"] == "db")
    assert db["value"] == str(db_path) and db["origin"] == "--db"


def test_environment_beats_settings_file_beats_default(tmp_path):
    config = tmp_path / "settings.toml"
    config.write_text('fetch_timeout = 3.5\nfetch_allow_hosts = ["intranet.local"]\n')
    s = load_settings(config, env={"NEWSDESK_FETCH_TIMEOUT": "7"})
    assert s.fetch_timeout == 7.0 and s.origins["fetch_timeout"] == "NEWSDESK_FETCH_TIMEOUT"
    assert s.fetch_allow_hosts == ["intranet.local"] and s.origins["fetch_allow_hosts"] == str(config)
    assert s.feed_poll_interval == 1800 and s.origins["feed_poll_interval"] == "default"
    assert load_settings(config, env={"NEWSDESK_FETCH_ALLOW_HOSTS": "a.example, 10.0.0.0/8"}).fetch_allow_hosts == [
        "a.example",
        "10.0.0.0/8",
    ]


def test_bad_settings_name_the_file_or_variable(tmp_path):
    config = tmp_path / "settings.toml"
    config.write_text("fetch_timeot = 3\n")
    with pytest.raises(SettingsError, match="settings.toml: unknown setting 'fetch_timeot'"):
        load_settings(config, env={})
    with pytest.raises(SettingsError, match="NEWSDESK_FETCH_TIMEOUT: bad value"):
        load_settings(env={"NEWSDESK_FETCH_TIMEOUT": "soon"})


def test_a_bad_settings_file_is_a_clear_error_on_the_command_line(cli, tmp_path):
    config = tmp_path / "broken.toml"
    config.write_text("fetch_timeout = [\n")
    result = cli("--config", str(config), "articles", "list")
    assert result.exit_code == 2
    assert "broken.toml" in result.stderr and "Traceback" not in result.output


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0 and result.stdout.startswith("newsdesk ")
