"""What every page response carries and what every request is held to: secure headers, a
size limit on form bodies, per-address rate limits and the cross-site form token."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from aiohttp import web

# No script at all, styles and images from this site only (charts are inline PNG data).
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Private pages carry their signed link in the URL: never send it to another site. (Not
    # "no-referrer": with it, browsers send `Origin: null` on the pages' own forms.)
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
log = logging.getLogger(__name__)
MAX_FORM_BYTES = 8 * 1024  # the pages' forms hold a token and a setting, nothing more

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class RateLimit:
    """A token bucket per client address: `burst` requests at once, refilled at `per_second`."""

    burst: float
    per_second: float
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def allow(self, address: str) -> bool:
        now = self.clock()
        tokens, last = self._buckets.get(address, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.per_second)
        if tokens < 1:
            self._buckets[address] = (tokens, now)
            return False
        if len(self._buckets) > 50_000:  # many addresses: forget the full (idle) buckets
            self._buckets = {a: b for a, b in self._buckets.items() if b[0] < self.burst}
        self._buckets[address] = (tokens - 1, now)
        return True

    def retry_after(self, address: str) -> int:
        tokens, _ = self._buckets.get(address, (self.burst, 0.0))
        return max(1, int((1 - tokens) / self.per_second) + 1)


def client_address(request: web.Request) -> str:
    """The peer's address. Forwarded headers are not trusted: anyone can write them."""
    return request.remote or "unknown"


def csrf_token(secret: str, link_token: str) -> str:
    """The form token of a private page: only someone who can read the page can send it."""
    return hmac.new(secret.encode(), b"csrf:" + link_token.encode(), hashlib.sha256).hexdigest()


def same_origin(request: web.Request, public_url: str | None = None) -> bool:
    """A browser's POST from another site names that site in Origin (absent: not a browser).
    Behind a TLS proxy the scheme seen here differs from the browser's, so the host decides,
    or the public URL's origin."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    if public_url and origin == "{0.scheme}://{0.netloc}".format(urlsplit(public_url)):
        return True
    return urlsplit(origin).netloc == request.host


async def read_form(request: web.Request) -> dict[str, str]:
    """A small urlencoded form; 413 when larger than MAX_FORM_BYTES (checked while reading)."""
    if request.content_length is not None and request.content_length > MAX_FORM_BYTES:
        raise web.HTTPRequestEntityTooLarge(MAX_FORM_BYTES, request.content_length)
    raw = await request.content.read(MAX_FORM_BYTES + 1)
    if len(raw) > MAX_FORM_BYTES:
        raise web.HTTPRequestEntityTooLarge(MAX_FORM_BYTES, len(raw))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise web.HTTPBadRequest(text="The form is not UTF-8.") from exc
    return dict(parse_qsl(text, keep_blank_values=True, max_num_fields=20))


@web.middleware
async def secure_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _add_headers(exc)
        raise
    except Exception:
        # Never a stack trace on a page: a reference that finds it in the log.
        reference = secrets.token_hex(4)
        log.exception("web page %s failed (reference %s)", request.path, reference)
        response = web.Response(
            status=500,
            text=f"Something went wrong on our side (reference {reference}). Try again later.",
        )
    _add_headers(response)
    return response


def _add_headers(response: web.StreamResponse) -> None:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
