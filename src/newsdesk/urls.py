"""URL helpers: normalisation for identity, and stable ids derived from URLs."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track the reader; dropping them does not change the page.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_")
_TRACKING_NAMES = {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "ref_src", "cmpid", "ocid", "smid", "mkt_tok"}
_DEFAULT_PORTS = {"http": 80, "https": 443}


MAX_URL_LENGTH = 8192


def is_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be stored or fetched as an article's address, or None when it can.

    An address must be an absolute http(s) URL of at most MAX_URL_LENGTH characters whose
    host and port can be read, without white space or control characters.
    """
    if not isinstance(url, str):
        return "not text"
    if len(url) > MAX_URL_LENGTH:
        return f"longer than {MAX_URL_LENGTH:,} characters"
    if any(ch.isspace() or ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 or 0xD800 <= ord(ch) < 0xE000 for ch in url):
        return "holds white space, control characters or invalid Unicode"
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError as exc:  # a bad port ("example.org:12:00Z"), a broken [IPv6] literal, ...
        return f"not a valid URL ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        return "not an http(s) URL"
    if not host:
        return "has no host"
    if port == 0:
        return "has port 0"
    try:
        normalize_url(url)
    except (ValueError, UnicodeError) as exc:
        return f"not a valid URL ({exc})"
    return None


def normalize_url(url: str) -> str:
    """Return the URL in the form used to recognise the same page twice.

    Lower-cases scheme and host, drops the default port, the fragment, tracking
    parameters and a trailing slash on non-root paths, and sorts the query.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port and parts.port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    path = parts.path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING_PREFIXES) and k.lower() not in _TRACKING_NAMES
    ]
    return urlunsplit((scheme, host, path, urlencode(sorted(query)), ""))


def url_id(url: str) -> str:
    """A short stable article id for an article known by its URL."""
    return "u" + hashlib.sha256(normalize_url(url).encode("utf-8")).hexdigest()[:15]


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
