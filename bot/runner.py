"""Runs the chat platforms of one process together with outbox delivery, until a signal."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence

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
    started: list[Platform] = []
    scheduler: DeliveryScheduler | None = None
    try:
        for platform in platforms:
            await platform.start()
            started.append(platform)
            log.info("%s is connected", platform.name)
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
