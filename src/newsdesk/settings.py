"""Settings, declared as data in one place.

Each setting has a name, a type, a default and a help text. Values come from,
in rising order of precedence: the defaults below, a TOML settings file
(``--config FILE``, ``NEWSDESK_CONFIG`` or ``settings.toml`` in the user's
config directory), and ``NEWSDESK_<NAME>`` environment variables. The global
``--db`` option overrides the ``db`` setting.

``newsdesk settings`` prints the effective values and where each came from.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import platformdirs

from newsdesk import __version__
from newsdesk.addresses import parse_allow_list

APP_NAME = "newsdesk"
ENV_PREFIX = "NEWSDESK_"


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    type: type
    default: Any
    help: str


def _default_db() -> str:
    return str(Path(platformdirs.user_data_dir(APP_NAME)) / "newsdesk.db")


SETTINGS: tuple[Setting, ...] = (
    Setting("db", str, None, "The store: a SQLite file's path, or a PostgreSQL database as postgresql://USER@HOST:PORT/DB (default: newsdesk.db in the user's data directory)."),
    Setting("fetch_timeout", float, 15.0, "Seconds to wait for a host to connect, send or answer before giving up."),
    Setting("fetch_max_bytes", int, 10_000_000, "Largest body accepted from the network, after decompression, in bytes."),
    Setting("fetch_max_redirects", int, 5, "Redirects followed before a fetch fails."),
    Setting("fetch_user_agent", str, f"newsdesk/{__version__} (self-hosted news desk)", "User-Agent header sent with every request."),
    Setting("fetch_host_delay", float, 1.0, "Seconds to wait between two requests to the same host (one request at a time per host)."),
    Setting(
        "fetch_allow_hosts",
        list,
        [],
        "Hosts or networks (names, IPs or CIDRs) that may be fetched even though they resolve to loopback, "
        "private, link-local or other non-public addresses; e.g. an intranet feed server. An entry allows "
        "ports 80 and 443 only unless it names its port: feeds.intranet:8080, 10.20.0.0/16:8443, [fd00::7]:8080, "
        "or :* for every port (10.20.0.5:*).",
    ),
    Setting("feed_poll_interval", int, 1800, "Seconds between two polls of the same feed."),
    Setting("feed_max_backoff", int, 86400, "Longest wait, in seconds, before polling a feed that keeps failing."),
    Setting("feed_fetch_fulltext", bool, True, "Fetch the linked page when a feed entry carries only a summary."),
    Setting("feed_fulltext_min_words", int, 150, "A feed entry with fewer words than this counts as a summary only."),
    Setting("file_max_bytes", int, 50_000_000, "Largest input file accepted by ingest, in bytes."),
    # -- embeddings (see newsdesk.embed)
    Setting("embed_backend", str, "onnx", "How the embedding model runs on the CPU: onnx (fast; falls back to torch when onnxruntime is missing) or torch."),
    Setting(
        "embed_precision",
        str,
        "auto",
        "Number format of the embedding model: auto (int8 on onnx; on torch bf16 where the CPU has it natively, "
        "else fp32), int8, fp32 or bf16. It is part of the stored vectors' version: changing it re-embeds.",
    ),
    Setting("embed_threads", int, None, "CPU threads for the embedding model (default: all the process may use)."),
    Setting("embed_max_tokens", int, 128, "Tokens of title and lead that go into an article's embedding."),
    Setting("embed_batch_size", int, 64, "Articles embedded per batch."),
    Setting("model_cache_dir", str, None, "Where the exported embedding model is kept (default: the user's cache directory)."),
    # -- dedupe (see newsdesk.dedupe)
    Setting("dedupe_near_threshold", float, 0.7, "Estimated Jaccard of 5-word shingles from which an article is a near-duplicate copy."),
    Setting("dedupe_rewrite_threshold", float, 0.5, "Share of sentences retold in the same order from which an article is a rewrite of another."),
    Setting("dedupe_horizon_days", float, 14.0, "How far back, in days, near-duplicates are looked for."),
    # -- story clustering (see newsdesk.cluster; chosen on dev data, see README)
    Setting("cluster_embedding_weight", float, 0.3, "Weight of embedding similarity against TF-IDF similarity for full-text articles."),
    Setting("cluster_threshold", float, 0.3, "Average similarity to a story's recent articles needed to join it (full text)."),
    Setting("cluster_floor", float, 0.4, "No recent article of the story may have a lower embedding similarity than this (full text)."),
    Setting("cluster_closest", float, 0.45, "The story's most similar recent article must reach this to join it (full text); merges fix what this splits."),
    Setting("cluster_headline_embedding_weight", float, 0.8, "Weight of embedding similarity for headline-only articles."),
    Setting("cluster_headline_threshold", float, 0.28, "Average similarity needed to join a story (headline-only articles)."),
    Setting("cluster_headline_floor", float, -1.0, "Lowest embedding similarity allowed to any recent article of the story (headline-only articles)."),
    Setting("cluster_headline_window_hours", float, 12.0, "Headline-only articles: a story's articles further apart in time than this count against joining or merging it (a headline cannot tell a follow-up from a new event on the same topic)."),
    Setting("cluster_quiet_hours", float, 72.0, "Hours without a new article after which a story goes dormant."),
    Setting("cluster_revive_margin", float, 0.1, "Extra similarity a dormant story needs to be revived by a new article."),
    Setting("cluster_members_compared", int, 50, "Most recent articles of a story compared with a new article."),
    Setting("cluster_candidates", int, 8, "Stories (closest centroids first) scored for each new article."),
    Setting("cluster_merge_threshold", float, 0.2, "Two full-text stories merge when every pair of their articles is at least this similar."),
    Setting("cluster_headline_merge_threshold", float, 0.6, "Centroid similarity from which two headline stories merge."),
    Setting("cluster_merge_every", int, 200, "Articles assigned between two merge passes."),
    # distributed processing (see newsdesk.distributed)
    Setting("dask_scheduler", str, None, "Address of a Dask scheduler (e.g. tcp://10.0.0.5:8786; also the global option --dask): per-article work (file extraction, embeddings, dedupe signatures, facts) runs on its workers; none: in this process and its local pool."),
    # facts and reconciliation
    Setting("facts_processes", int, 2, "Worker processes parsing articles for facts (one core each); 1 parses in-process."),
    Setting("claim_similarity", float, 0.62, "Cosine from which two statements of different articles make one claim (best paraphrase F1 on MSRP train)."),
    Setting("topic_similarity", float, 0.5, "Cosine from which two figures or order phrases of different articles are about the same thing."),
    Setting("quote_similarity", float, 0.6, "Cosine from which two quotes of one speaker are one quote in different wordings."),
    Setting("conflict_window_hours", float, 12.0, "Figures of articles published further apart than this are a developing story, not a conflict."),
    # briefs
    Setting("brief_writer", str, "extractive", "Who writes a brief's headline, dek and Quick Take: extractive (default; cannot invent) or llm (an OpenAI-compatible chat endpoint; its draft must pass the gate, else the extractive brief is used)."),
    Setting("brief_body_words", int, 200, "Length of a brief's body in words (whole sentences, about this many)."),
    Setting("llm_base_url", str, "http://127.0.0.1:11434/v1", "Base URL of the OpenAI-compatible chat endpoint (Ollama, llama.cpp server, vLLM); /chat/completions is added."),
    Setting("llm_model", str, None, "Model name sent to the chat endpoint (required when brief_writer is llm)."),
    Setting("llm_api_key_env", str, "NEWSDESK_LLM_API_KEY", "Name of the environment variable that holds the endpoint's API key (none: no key sent)."),
    Setting("llm_timeout", float, 60.0, "Seconds to wait for the chat endpoint before the extractive brief is used."),
    # the web desk (newsdesk serve)
    Setting(
        "forwarded_allow_ips",
        list,
        [],
        "Proxies (IP addresses or CIDR networks, or *) whose X-Forwarded-For and X-Forwarded-Proto headers 'serve' "
        "believes: the client address the login limit counts, and https for Secure cookies. Default: none, so a "
        "request is from the address it connects from; name your TLS-terminating proxy here (or --forwarded-allow-ips).",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}
OPTIONS = {"dask_scheduler": "--dask"}  # global options whose name is not the setting's


class SettingsError(ValueError):
    """A settings file or variable that cannot be used; the message names it."""


def _coerce(setting: Setting, value: Any, origin: str) -> Any:
    try:
        if setting.type is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError(f"expected true or false, got {value!r}")
        if setting.type is list:
            items = _list_value(value)
            if setting.name == "fetch_allow_hosts":
                parse_allow_list(items)  # ValueError names the entry and what is wrong with it
            return items
        if value is None:
            return None
        return setting.type(value)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"{origin}: bad value for {setting.name}: {exc}") from None


_LIST_ITEM_FORBIDDEN = set("[]{}\"'`,;") | {" ", "\t", "\n", "\r"}
_BRACKETED_IPV6 = re.compile(r"^\[[0-9A-Fa-f:.%/]+\](?::(?:\d+|\*))?$")  # [fd00::7]:8080, as in a URL


def _list_value(value: Any) -> list[str]:
    """A list setting from a TOML list of strings, a JSON list of strings ('["a", "b"]')
    or comma-separated values ('a,b'); anything else is refused with the reason."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("[") and not _BRACKETED_IPV6.match(text.split(",")[0].strip()):  # JSON, not [fd00::7]:80,…
            try:
                value = json.loads(text)
            except ValueError:
                raise ValueError(f'expected a JSON list of strings such as ["a", "b"], or values separated by commas; got {text!r}') from None
        else:
            value = [part.strip() for part in text.split(",")]
            value = [part for part in value if part]
    if not isinstance(value, list):
        raise ValueError(f"expected a list of strings, or values separated by commas; got {type(value).__name__} {value!r}")
    items = []
    for item in value:
        if not isinstance(item, str):
            raise ValueError(f"expected strings in the list, got {type(item).__name__} {item!r}")
        item = item.strip()
        if not item:
            continue
        bad = sorted(set(_BRACKETED_IPV6.sub("", item)) & _LIST_ITEM_FORBIDDEN)
        if bad:
            raise ValueError(f"list item {item!r} holds {' '.join(repr(c) for c in bad)}; give a JSON list such as [\"a\", \"b\"] or values separated by commas")
        items.append(item)
    return items


@dataclass(slots=True)
class Settings:
    """Effective settings; attribute access by setting name."""

    values: dict[str, Any]
    origins: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "values":  # not a setting (e.g. asked while unpickling)
            raise AttributeError(name)
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def db_path(self) -> Path | str:
        """The store: a SQLite file's path, or a PostgreSQL URL (a string, kept as written)."""
        value = str(self.values["db"] or _default_db())
        return value if value.startswith(("postgresql://", "postgres://")) else Path(value).expanduser()

    def replace(self, **changes: Any) -> "Settings":
        values = dict(self.values)
        origins = dict(self.origins)
        for name, value in changes.items():
            if name not in _BY_NAME:
                raise SettingsError(f"unknown setting {name!r}")
            values[name] = _coerce(_BY_NAME[name], value, "override")
            origins[name] = "override"
        return Settings(values, origins)


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "settings.toml"


def load_settings(
    config: Path | None = None,
    env: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build the effective settings from defaults, a TOML file, the environment and overrides."""
    env = os.environ if env is None else env
    values = {s.name: s.default for s in SETTINGS}
    origins = {s.name: "default" for s in SETTINGS}

    path = config or (Path(env["NEWSDESK_CONFIG"]) if env.get("NEWSDESK_CONFIG") else None)
    explicit = path is not None
    path = path or default_config_path()
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"settings file {path}: {exc}") from None
        for name, value in data.items():
            if name not in _BY_NAME:
                raise SettingsError(f"settings file {path}: unknown setting {name!r}")
            values[name] = _coerce(_BY_NAME[name], value, f"settings file {path}")
            origins[name] = str(path)
    elif explicit:
        raise SettingsError(f"settings file {path}: no such file")

    for s in SETTINGS:
        key = ENV_PREFIX + s.name.upper()
        if key in env:
            values[s.name] = _coerce(s, env[key], key)
            origins[s.name] = key

    for name, value in overrides.items():
        if value is None:
            continue
        option = OPTIONS.get(name, f"--{name}")
        values[name] = _coerce(_BY_NAME[name], value, option)
        origins[name] = option
    return Settings(values, origins)
