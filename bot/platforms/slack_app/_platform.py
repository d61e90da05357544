"""The Slack platform: a bolt AsyncApp over HTTP (aiohttp on $PORT) or Socket Mode."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from bot.app import App
from bot.delivery import Sender
from bot.logs import SLACK_SOCKET_RETRY_SECONDS
from bot.platforms.slack_app import _listeners
from bot.platforms.slack_app._clients import Clients
from bot.platforms.slack_app._oauth import Stores, oauth_settings
from bot.platforms.slack_app._sender import SlackSender
from bot.platforms.slack_app._tokens import check_token
from bot.platforms.slack_app._web import AckFirst, build_web_app, mount_slack
from bot.settings import Settings

log = logging.getLogger(__name__)

# How long `stop()` lets answers in flight finish.
DRAIN_SECONDS = 10.0
# Commands run at most this many at a time: a burst queues instead of starving the acks.
WORKERS = 8


class SlackPlatform:
    """Implements `bot.platforms.base.Platform` for Slack."""

    name = "slack"

    def __init__(self, app: App, settings: Settings, *, host: str = "0.0.0.0") -> None:
        if settings.slack_signing_secret is None and settings.slack_app_token is None:
            raise ValueError("Slack needs SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN")
        self.app = app
        self.settings = settings
        self.host = host
        self.port = settings.port  # the bound port once started (useful with port 0)
        self.oauth = bool(settings.slack_client_id and settings.slack_client_secret)
        self.stores = Stores(settings.slack_client_id or "", app.engine) if self.oauth else None
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        if not self.oauth and not token:
            raise ValueError("Slack needs SLACK_BOT_TOKEN, or SLACK_CLIENT_ID and SECRET")
        self.clients = Clients(
            settings.slack_api_url,
            None if self.oauth else token,
            self.stores.installations if self.stores else None,
        )
        secret = settings.slack_signing_secret
        self.signing_secret = secret.get_secret_value() if secret else ""
        self.bolt = AsyncApp(
            name="studybot",
            signing_secret=self.signing_secret,
            client=self.clients.base,
            oauth_settings=oauth_settings(settings, self.stores) if self.stores else None,
            # Listeners only ack and spawn, so the HTTP answer can wait for them: no polling.
            process_before_response=True,
            logger=logging.getLogger("studybot.slack.bolt"),
        )
        _listeners.register(self.bolt, self)
        self._tasks: set[asyncio.Task[None]] = set()
        self._workers = asyncio.Semaphore(WORKERS)
        self._acking = AckFirst()
        self._runner: web.AppRunner | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._mounted = False

    @property
    def socket_mode(self) -> bool:
        return self.settings.slack_app_token is not None

    def mount(self, web_app: web.Application) -> None:
        """Serve Slack's endpoints as part of `web_app` (the web pages' app, started by its
        owner) instead of on a server of its own. Call before `web_app` starts."""
        if not self.signing_secret and self.stores is None:
            return  # Socket Mode: events come over the socket, nothing to verify or serve
        # (Socket Mode with OAuth: just the install pages; mount_slack leaves events out.)
        mount_slack(web_app, self.bolt, self.signing_secret, self.spawn, self._acking)
        self._mounted = True

    async def start(self) -> None:
        await self.clients.open()
        if self.stores is not None:
            await self.stores.create_tables()
        else:
            await check_token(self.clients.base, "SLACK_BOT_TOKEN", "auth.test")
        if self.socket_mode:
            assert self.settings.slack_app_token is not None
            app_token = self.settings.slack_app_token.get_secret_value()
            await check_token(
                self.clients.with_token(app_token), "SLACK_APP_TOKEN", "apps.connections.open"
            )
            self._socket = AsyncSocketModeHandler(
                self.bolt, app_token=app_token, ping_interval=SLACK_SOCKET_RETRY_SECONDS
            )
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("Slack: connected in Socket Mode")
            if self.stores is None:
                return
        if self._mounted:
            log.info("Slack: serving /slack/events on the web pages' server")
            return
        # HTTP: the events endpoint, or (Socket Mode with OAuth) just the install pages.
        self._runner = web.AppRunner(
            build_web_app(self.bolt, self.signing_secret, self.spawn, self._acking),
            access_log=None,
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._bound_port(site)
        log.info("Slack: serving /slack/events on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.idle(DRAIN_SECONDS)
        await self.clients.close()

    def connected(self) -> bool:
        if self._socket is not None:
            client = self._socket.client
            session = client.current_session
            return not client.closed and session is not None and not session.closed
        return self._mounted or self._runner is not None

    def sender(self) -> Sender:
        return SlackSender(self.clients)

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run work after the ack; kept referenced (and awaited by `idle`/`stop`)."""
        task = asyncio.create_task(self._run(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            await self._acking.wait()
            async with self._workers:
                await work
        except Exception:
            log.exception("Slack: answering an interaction failed")
        finally:
            work.close()  # a no-op once it ran; a never-started one mustn't warn "never awaited"

    async def idle(self, grace: float = 30.0) -> None:
        """Wait until every answer in flight has been sent (tests, shutdown)."""
        while self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
            if pending:
                log.warning("Slack: %d answers still in flight at shutdown", len(pending))
                return

    @staticmethod
    def _bound_port(site: web.TCPSite) -> int:
        server = site._server  # aiohttp keeps the asyncio server here; needed for port 0
        sockets = getattr(server, "sockets", None) or []
        return int(sockets[0].getsockname()[1]) if sockets else 0
