"""The services an entry point needs, built once from Settings."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from brightline.services.matching import Matcher
from brightline.services.store import Store
from brightline.services.video_matching import VideoDefaults
from brightline.settings import Settings


@dataclass
class Services:
    settings: Settings
    store: Store
    _matcher: Matcher | None = field(default=None, repr=False)

    @property
    def matcher(self) -> Matcher:
        """The PDQ matcher, loaded (and caught up with the database) on first use."""
        if self._matcher is None:
            defaults = VideoDefaults(
                self.settings.video_query_share, self.settings.video_listed_share
            )
            self._matcher = Matcher(self.store, index_dir_for(self.settings), defaults).open()
        return self._matcher

    def close(self) -> None:
        self.store.dispose()


def index_dir_for(settings: Settings) -> Path:
    # One folder per database, so pointing at another database never reuses an index.
    key = hashlib.sha256(settings.db_url.encode()).hexdigest()[:12]
    return settings.index_dir / key


def open_services(settings: Settings) -> Services:
    store = Store(settings.db_url)
    store.migrate()
    return Services(settings, store)
