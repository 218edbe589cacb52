"""Where ``Runtime.run_light`` runs a call: on the event loop while calls are quick
and no refresh holds the index, else in the thread pool."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

from brightline.adapters.api.runtime import Runtime
from brightline.services.context import open_services
from brightline.settings import Settings


def _thread_name() -> str:
    return threading.current_thread().name


def _slow_thread_name() -> str:
    time.sleep(0.005)  # slower than a light call may be
    return threading.current_thread().name


def test_run_light(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    runtime = Runtime(settings, open_services(settings))

    async def scenario() -> None:
        here = threading.current_thread().name
        assert await runtime.run_light(_thread_name) == here
        with runtime._refreshing:  # a refresh is running
            assert await runtime.run_light(_thread_name) != here
        for _ in range(30):
            await runtime.run_light(_slow_thread_name)
        assert await runtime.run_light(_thread_name) != here  # lately slow: off the loop
        for _ in range(60):
            await runtime.run_light(_thread_name)
        assert await runtime.run_light(_thread_name) == here  # quick again

    try:
        asyncio.run(scenario())
    finally:
        runtime.services.close()
