"""Concurrent uploads of a small file that decodes big stay within the worker's
decoding budget, on every route that decodes (issue 7 §5: four concurrent 381 KB
uploads of a 7000 x 7000 16-bit PNG took a worker from 384 MB to 1.9 GB).

The server runs in this process (a thread), so its peak memory is this process's
VmHWM, reset just before the uploads."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import Server

BUDGET = 256 << 20
pytestmark = pytest.mark.skipif(
    not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc to reset peak RSS"
)


def _png16_writer() -> Any:
    path = Path(__file__).parents[2] / "services" / "decode_rss.py"
    spec = importlib.util.spec_from_file_location("decode_rss", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def server_overrides() -> dict[str, Any]:
    return {"decode_memory_bytes": BUDGET, "hash_concurrency": 4}


@pytest.fixture(scope="module")
def png(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("png") / "7000.png"
    _png16_writer().write_png16(path, 7000, 7000, "rgba")
    return path.read_bytes()


def _kb(field: str) -> int:
    return _png16_writer().status_kb(field)  # type: ignore[no-any-return]


def _upload(client: httpx.Client, route: str, png: bytes) -> httpx.Response:
    if route == "/v1/match":
        return client.post(route, content=png)
    if route == "/v1/match/batch":
        return client.post(route, files=[("file", ("a.png", png)), ("file", ("b.png", png))])
    return client.post(route, files={"photo": ("a.png", png)})


def test_concurrent_big_decodes_share_the_budget(server: Server, png: bytes) -> None:
    assert len(png) < 500_000
    routes = ["/v1/match", "/v1/match/batch", "/compat/hma/h/hash", "/compat/hma/m/lookup"]
    with server.client("scanner") as client:
        assert _upload(client, "/v1/match", png).status_code == 200  # warm up
    headers = {"Authorization": f"Bearer {server.tokens['scanner']}"}
    clients = [httpx.Client(base_url=server.url, headers=headers, timeout=300) for _ in routes]
    responses: list[httpx.Response | Exception] = []

    def upload(client: httpx.Client, route: str) -> None:
        try:
            responses.append(_upload(client, route, png))
        except Exception as exc:
            responses.append(exc)

    Path("/proc/self/clear_refs").write_text("5")
    before = _kb("VmRSS")
    threads = [
        threading.Thread(target=upload, args=pair) for pair in zip(clients, routes, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    extra_mb = (_kb("VmHWM") - before) / 1024
    for client in clients:
        client.close()
    assert [getattr(r, "status_code", r) for r in responses] == [200] * len(routes)
    assert extra_mb < BUDGET / 2**20  # five decodes of ~190 MB each, one at a time
    assert server.app.state.runtime.decode_budget.free == BUDGET


def test_a_smaller_max_decode_bytes_refuses_it(
    make_settings: Any, tmp_path: Path, png: bytes
) -> None:
    from brightline.adapters.api.runtime import Runtime
    from brightline.services.context import open_services
    from brightline.services.store.testing import temporary_database

    with temporary_database(tmp_path, None) as url:
        settings = make_settings(tmp_path / "home", url, max_decode_bytes=64 << 20)
        runtime = Runtime(settings, open_services(settings))
        try:
            result = runtime.hash(png)
        finally:
            runtime.services.close()
    assert result.error and "max_decode_bytes" in result.error
    assert result.signals and result.signals.sha256  # the digests are still there
