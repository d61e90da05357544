"""The study group's web pages (issue 17): one aiohttp app with the public pages, the private
pages opened by signed links, and room for the Slack endpoints and `/healthz` beside them."""

from bot.web._server import WebServer
from bot.web._site import build_site
from bot.web._state import Limits

__all__ = ["Limits", "WebServer", "build_site"]
