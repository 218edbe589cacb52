"""The services an entry point needs, built once from Settings: the one way in.

``Services`` holds the settings, the store, the matcher (loaded on first use) and
the review environment (``review_env``: store, settings, keyring) that jobs and
review operations take; building it wires what must be wired (the reports'
listener on confirmed review items), explicitly, never by importing a module.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from brightline.services import reports
from brightline.services.lists.matching import Matcher
from brightline.services.review.env import ReviewEnv
from brightline.services.store import Store
from brightline.services.store import audit as store_audit
from brightline.services.vault.keys import audit_key_from_settings
from brightline.services.video import matching as video_matching
from brightline.settings import Settings


@dataclass
class Services:
    settings: Settings
    store: Store
    _matcher: Matcher | None = field(default=None, repr=False)
    _review: ReviewEnv | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        video_matching.configure(self.settings)  # vPDQ sampling, budgets, default shares
        reports.install()  # confirmed review items become draft reports

    @property
    def matcher(self) -> Matcher:
        """The PDQ matcher, loaded (and caught up with the database) on first use."""
        if self._matcher is None:
            self._matcher = Matcher(self.store, index_dir_for(self.settings)).open()
        return self._matcher

    def review_env(self) -> ReviewEnv:
        """Store, settings and the keyring (loaded on first use): what jobs and review
        operations need."""
        if self._review is None:
            self._review = ReviewEnv(self.store, self.settings)
        return self._review

    def close(self) -> None:
        self.store.dispose()


def index_dir_for(settings: Settings) -> Path:
    # One folder per database, so pointing at another database never reuses an index.
    key = hashlib.sha256(settings.db_url.encode()).hexdigest()[:12]
    return settings.index_dir / key


def open_services(settings: Settings) -> Services:
    store = Store(settings.db_url)
    store.migrate()
    # The audit key stays outside the database; read (or made) when first needed.
    store_audit.use_key(store.url, functools.cache(lambda: audit_key_from_settings(settings)))
    return Services(settings, store)


def shown_database_url(url: str) -> str:
    """The URL with its password masked, in the userinfo or (libpq) in the query."""
    parsed = make_url(url)
    hidden = {k: "***" for k in parsed.query if k.lower() in ("password", "sslpassword")}
    return parsed.update_query_dict(hidden).render_as_string(hide_password=True)


def database_label(settings: Settings) -> str:
    """Where the data is, for people: the SQLite file (in ``BRIGHTLINE_HOME``) or the
    database URL without its password."""
    if settings.database_url:
        return shown_database_url(settings.db_url)
    home = settings.home.absolute()
    return f"{home / 'brightline.db'} (BRIGHTLINE_HOME={home})"
