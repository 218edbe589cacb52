"""An exchange environment on each backend and the local exchange stand-ins."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from brightline.services import lists
from brightline.services.context import Services
from brightline.services.exchanges.service import ExchangeEnv
from brightline.settings import Settings
from brightline.testing.exchange_servers import NcmecHashServer, made_up_entries


@pytest.fixture
def env(svc: Services, settings: Settings) -> ExchangeEnv:
    fast = settings.model_copy(
        update={"exchange_backoff_s": 0.01, "exchange_timeout_s": 5.0, "exchange_attempts": 4}
    )
    lists.create_list(svc.store, "ncmec", "industry")
    return ExchangeEnv(svc.store, fast)


@pytest.fixture
def ncmec() -> Iterator[NcmecHashServer]:
    server = NcmecHashServer(made_up_entries(25), page_size=10).start()
    yield server
    server.stop()
