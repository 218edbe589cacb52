"""Property-based requests generated from the OpenAPI document (schemathesis), sent
to a real server with an admin key: no request may cause a 500, and every error
has the one JSON shape.

Creating webhook actions and exchanges is left out: a generated URL could point off this machine.
The always-on run is short; ``make test-slow`` runs many more examples."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

SETTINGS: dict[str, Any] = {
    "deadline": None,
    "derandomize": True,
    "suppress_health_check": list(HealthCheck),
    "database": None,
}


def _operations(server: Any) -> list[Any]:
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    schema = schema.exclude(path="/v1/lists/{name}/actions", method="POST")
    # Likewise an exchange: a generated URL could point off this machine.
    schema = schema.exclude(path="/v1/exchanges", method="POST")
    return [result.ok() for result in schema.get_all_operations()]


def _fuzz(server: Any, examples: int) -> None:
    headers = {"Authorization": f"Bearer {server.tokens['admin']}"}
    operations = _operations(server)
    assert len(operations) > 30

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=examples, **SETTINGS)
        def check(case: Any) -> None:
            response = case.call(headers=headers)
            where = f"{case.method} {case.formatted_path}"
            assert response.status_code < 500, f"{where}: {response.text[:500]}"
            if response.status_code >= 400:
                body = response.json()
                assert set(body) == {"error"}, where
                assert set(body["error"]) == {"code", "message", "request_id"}, where

        check()


def test_no_server_errors(server: Any) -> None:
    _fuzz(server, examples=5)


@pytest.mark.slow
def test_no_server_errors_thorough(server: Any) -> None:
    _fuzz(server, examples=150)
