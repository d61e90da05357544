"""Runs the chat platforms of one process together with outbox delivery, until a signal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Coroutine, Sequence
from typing import Any

from bot.app import App, freeze_heap
from bot.delivery import Dispatcher
from bot.platforms.base import Platform
from bot.scheduler import DeliveryScheduler

log = logging.getLogger(__name__)


async def run_platforms(app: App, platforms: Sequence[Platform]) -> None:
    """Start every platform, deliver the outbox through them, stop cleanly on SIGTERM/SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    started: list[Platform] = []  # whose start() was called: each is stopped at the end
    scheduler: DeliveryScheduler | None = None
    for platform in platforms:  # not connected yet: /healthz says so until they are
        app.platform_checks[platform.name] = platform.connected
    try:
        # A platform may retry its connection for as long as it is unreachable (Slack's
        # Socket Mode does): a signal while starting is a clean stop too.
        if not await _until_stopped(_start(platforms, started), stop):
            log.info("stopped while starting")
            return
        dispatcher = Dispatcher(app.services, {p.name: p.sender() for p in started})
        scheduler = DeliveryScheduler(dispatcher, listen=True)
        scheduler.start()
        freeze_heap()
        await stop.wait()
        log.info("shutting down")
    finally:
        if scheduler is not None:
            await scheduler.shutdown()
        for platform in reversed(started):
            await platform.stop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


async def _start(platforms: Sequence[Platform], started: list[Platform]) -> None:
    for platform in platforms:
        started.append(platform)
        await platform.start()
        log.info("%s is connected", platform.name)


async def _until_stopped(work: Coroutine[Any, Any, None], stop: asyncio.Event) -> bool:
    """Run `work` unless `stop` is set first (then cancel it); True if it finished."""
    task = asyncio.create_task(work)
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if task.done():
        task.result()  # a start that failed raises here
        return True
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return False
