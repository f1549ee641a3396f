"""URL helpers: normalisation for identity, and stable ids derived from URLs."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track the reader; dropping them does not change the page.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_")
_TRACKING_NAMES = {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "ref_src", "cmpid", "ocid", "smid", "mkt_tok"}
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_url(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


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
