"""The store: the only code in newsdesk that writes SQL.

SQLite by default: one file, WAL journal, foreign keys on, named migrations
applied on open. Or PostgreSQL, given a ``postgresql://USER@HOST:PORT/DB`` URL
(psycopg 3; see ``backend``), with the same tables and behaviour. Every article is
written in one transaction, so a process killed mid-ingest leaves only whole
articles behind.

One module per concern, each a mixin composed here; what each may touch is in its name:
``base`` (connection, transactions, migrations, named values), ``articles`` (articles and
feeds), ``stories``, ``facts``, ``briefs`` (and review), ``accounts``, ``search``, ``audit``.
"""

from __future__ import annotations

from newsdesk.store.accounts import AccountsStore
from newsdesk.store.articles import AddResult, ArticlesStore, Feed, content_hash
from newsdesk.store.audit import AuditEntry, AuditStore
from newsdesk.store.backend import StoreError, describe, integrity_errors, is_postgres, store_target
from newsdesk.store.base import PENDING_BRIEFS_KEY, utcnow
from newsdesk.store.briefs import BriefsStore, Publication
from newsdesk.store.facts import FactsStore
from newsdesk.store.search import SearchStore
from newsdesk.store.stories import StoriesStore

__all__ = ["AddResult", "AuditEntry", "Feed", "PENDING_BRIEFS_KEY", "Publication", "Store", "StoreError",
           "content_hash", "describe", "integrity_errors", "is_postgres", "store_target", "utcnow"]


class Store(ArticlesStore, StoriesStore, FactsStore, BriefsStore, AccountsStore, SearchStore, AuditStore):
    """A newsdesk store: a SQLite file (a path) or a PostgreSQL database (a ``postgresql://`` URL)."""
