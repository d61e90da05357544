"""What every page handler reads from the running app: the bot core and the rate limits."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from bot.app import App
from bot.web._cache import PageCache
from bot.web._security import RateLimit


@dataclass
class Limits:
    """Requests per client address: any page, and certificate look-ups (codes must not be
    guessable by trying many)."""

    pages: RateLimit = field(default_factory=lambda: RateLimit(burst=120, per_second=4))
    verify: RateLimit = field(default_factory=lambda: RateLimit(burst=10, per_second=1 / 6))


SITE: web.AppKey[Site] = web.AppKey("studybot_site")


@dataclass
class Site:
    app: App
    limits: Limits | None  # None: no rate limits (the benchmark, from one address)
    cache: PageCache = field(default_factory=PageCache)


def site_of(request: web.Request) -> Site:
    return request.app[SITE]
