"""Replies as JSON, so the outbox can store a message now and deliver it later."""

from __future__ import annotations

import base64
from typing import Any

from handlers.types import Choice, Reply, ReplyField, ReplyFile


def reply_to_json(reply: Reply) -> dict[str, Any]:
    return {
        "text": reply.text,
        "title": reply.title,
        "fields": [[f.name, f.value, f.inline] for f in reply.fields],
        "code": reply.code,
        "code_language": reply.code_language,
        "choices": [[c.label, c.command] for c in reply.choices],
        "files": [
            [f.name, base64.b64encode(f.content).decode("ascii"), f.mime] for f in reply.files
        ],
        "footer": reply.footer,
        "ephemeral": reply.ephemeral,
        "timezone": reply.timezone,
        "is_error": reply.is_error,
    }


def reply_from_json(data: dict[str, Any]) -> Reply:
    return Reply(
        text=str(data.get("text", "")),
        title=data.get("title"),
        fields=tuple(ReplyField(str(n), str(v), bool(i)) for n, v, i in data.get("fields", [])),
        code=data.get("code"),
        code_language=str(data.get("code_language", "")),
        choices=tuple(Choice(str(label), str(cmd)) for label, cmd in data.get("choices", [])),
        files=tuple(
            ReplyFile(str(name), base64.b64decode(content), str(mime))
            for name, content, mime in data.get("files", [])
        ),
        footer=data.get("footer"),
        ephemeral=bool(data.get("ephemeral", False)),
        timezone=str(data.get("timezone", "UTC")),
        is_error=bool(data.get("is_error", False)),
    )
