"""Server-rendered HTML: one Jinja2 environment (autoescape everywhere) and the filter that
turns a reply's text (chat Markdown-ish, time tokens, URLs) into safe HTML."""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

from aiohttp import web
from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape

from handlers.text import TIME_TOKEN, format_local

# Applied to escaped text, so none of these can produce markup from the input itself.
CODE = re.compile(r"`([^`\n]+)`")
BOLD = re.compile(r"\*\*([^*\n]+)\*\*")
URL = re.compile(r"(?<![\"'=])\bhttps?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("bot.web", "templates"),
        autoescape=True,  # every template, whatever its name: a `<script>` name stays text
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["rich"] = rich
    env.filters["local"] = local_time
    env.filters["iso"] = lambda moment: moment.astimezone(dt.UTC).isoformat()
    return env


def page(
    name: str, context: dict[str, Any], *, status: int = 200, request: web.Request | None = None
) -> web.Response:
    html = environment().get_template(name).render(**context)
    response = web.Response(text=html, status=status, content_type="text/html")
    if context.get("private"):
        response.headers["Cache-Control"] = "no-store"
    return response


def local_time(moment: dt.datetime, zone: str, style: str = "F") -> Markup:
    """A `<time>` element: the cohort's zone as text, the instant in `datetime` (so a reader's
    browser or extension can show their own zone)."""
    iso = moment.astimezone(dt.UTC).isoformat()
    return Markup('<time datetime="{}">{}</time>').format(iso, format_local(moment, zone, style))


def rich(text: str | None, zone: str = "UTC") -> Markup:
    """Reply text as HTML: escaped first, then `code`, **bold**, time tokens and links."""
    if not text:
        return Markup("")
    pieces, start = [], 0
    for token in TIME_TOKEN.finditer(text):
        pieces.append(_inline(text[start : token.start()]))
        moment = dt.datetime.fromtimestamp(int(token.group(1)), tz=dt.UTC)
        pieces.append(str(local_time(moment, zone, token.group(2))))
        start = token.end()
    pieces.append(_inline(text[start:]))
    return Markup("".join(pieces).replace("\n", "<br>\n"))


def _inline(text: str) -> str:
    html = str(escape(text))
    html = CODE.sub(r"<code>\1</code>", html)
    html = BOLD.sub(r"<strong>\1</strong>", html)
    return URL.sub(lambda m: f'<a href="{m[0]}" rel="nofollow noopener">{m[0]}</a>', html)
