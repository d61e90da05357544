"""The bench's load generator, run in its own process so it doesn't share the bot's loop:
`python -m bot.platforms.slack_app._load URL SECRET FAKE_URL N` prints one JSON line."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from urllib.parse import urlencode, urlsplit

from slack_sdk.signature import SignatureVerifier


def command_body(i: int, fake_url: str) -> str:
    return urlencode(
        {
            "team_id": "TBENCH",
            "channel_id": "CBENCH",
            "user_id": f"U{i}",
            "user_name": f"member{i}",
            "command": "/d2l",
            "text": "next",
            "response_url": f"{fake_url}/hooks/{i}",
            "trigger_id": f"t{i}",
        }
    )


async def fire(url: str, secret: str, fake_url: str, requests: int) -> dict[str, object]:
    """Open every connection first, then send all requests at once and time each answer.

    Raw streams, not an HTTP client library: the client's own overhead must not be what the
    bench measures."""
    parsed = urlsplit(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    verifier = SignatureVerifier(secret)

    def request(i: int) -> bytes:
        body = command_body(i, fake_url)
        ts = str(int(time.time()))
        signature = verifier.generate_signature(timestamp=ts, body=body) or ""
        head = (
            f"POST {parsed.path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nX-Slack-Request-Timestamp: {ts}\r\n"
            f"X-Slack-Signature: {signature}\r\n\r\n"
        )
        return head.encode() + body.encode()

    async def one(
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter], data: bytes
    ) -> float:
        reader, writer = connection
        start = time.perf_counter()
        writer.write(data)
        head = await reader.readuntil(b"\r\n\r\n")
        elapsed = time.perf_counter() - start
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await reader.readexactly(length)
        return elapsed if head.startswith(b"HTTP/1.1 200") else -1.0

    connections = [await asyncio.open_connection(host, port) for _ in range(requests + 1)]
    try:
        await one(connections[-1], request(requests))  # warm-up: pays for auth.test
        payloads = [request(i) for i in range(requests)]
        results = await asyncio.gather(
            *(one(c, p) for c, p in zip(connections[:-1], payloads, strict=True))
        )
    finally:
        for _, writer in connections:
            writer.close()
    return {"latencies": [r for r in results if r >= 0], "errors": sum(r < 0 for r in results)}


if __name__ == "__main__":
    url, secret, fake_url, count = sys.argv[1:5]
    print(json.dumps(asyncio.run(fire(url, secret, fake_url, int(count)))))
