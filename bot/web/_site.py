"""The web app of the `web` process: the group's pages, with room for other parts (the Slack
endpoints, `/healthz`) mounted beside them on the same aiohttp application."""

from __future__ import annotations

from importlib import resources

from aiohttp import web

from bot.app import App
from bot.web import _private, _public
from bot.web._security import Handler, client_address, secure_headers
from bot.web._state import SITE, Limits, Site

# Slack's events carry up to ~1 MB; the pages' own forms are limited much lower (read_form).
MAX_REQUEST_BYTES = 1024 * 1024
STYLESHEET = resources.files("bot.web").joinpath("static/style.css").read_bytes()


def build_site(app: App, *, limits: Limits | None = None) -> web.Application:
    """The aiohttp application with every page. Mount other parts on it before it starts."""
    web_app = web.Application(
        client_max_size=MAX_REQUEST_BYTES, middlewares=[secure_headers, _page_rate_limit]
    )
    web_app[SITE] = Site(app, limits)
    web_app.router.add_get("/style.css", _stylesheet)
    _public.register(web_app.router)
    _private.register(web_app.router)
    return web_app


async def _stylesheet(request: web.Request) -> web.Response:
    return web.Response(
        body=STYLESHEET,
        content_type="text/css",
        headers={"Cache-Control": "public, max-age=3600"},
    )


# Paths of other parts: they have their own checks (Slack signs every request) and traffic.
UNLIMITED_PREFIXES = ("/slack/", "/healthz")


@web.middleware
async def _page_rate_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
    limits = request.app[SITE].limits
    if limits is not None and not request.path.startswith(UNLIMITED_PREFIXES):
        address = client_address(request)
        if not limits.pages.allow(address):
            raise web.HTTPTooManyRequests(
                text="Too many requests from your address; wait a moment and try again.",
                headers={"Retry-After": str(limits.pages.retry_after(address))},
            )
    return await handler(request)
