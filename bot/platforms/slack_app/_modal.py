"""`/d2l submit NAME` without code: a modal with a multi-line code input and a file input."""

from __future__ import annotations

import json
from typing import Any

from bot.app import App
from handlers.parsing import parse_message
from handlers.types import AnswerBox, Invocation

SUBMIT_VIEW = "d2l_submit"
MAX_CODE = 3000  # Slack's limit for a plain_text_input


def wants_modal(app: App, text: str) -> bool:
    """`submit NAME` with no code and no link, and a `submit` command to give it to."""
    parsed = parse_message(text)
    words = [w.lower() for w in parsed.words]
    return (
        parsed.code is None
        and len(words) == 2
        and words[0] == "submit"
        and app.router.match(parsed.words) is not None
    )


def submit_modal(invocation: Invocation, response_url: str | None) -> dict[str, Any]:
    """The modal; where to answer travels in `private_metadata` (≤ 3000 characters)."""
    name = parse_message(invocation.text).words[1]
    meta = {
        "command": invocation.text.strip()[:500],
        "channel_id": invocation.channel_id,
        "response_url": response_url,
    }
    return {
        "type": "modal",
        "callback_id": SUBMIT_VIEW,
        "private_metadata": json.dumps(meta),
        "title": {"type": "plain_text", "text": "Submit code"},
        "submit": {"type": "plain_text", "text": "Submit"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": "code",
                "label": {"type": "plain_text", "text": f"Your code for {name}"[:2000]},
                "optional": True,
                "element": {
                    "type": "plain_text_input",
                    "action_id": "code",
                    "multiline": True,
                    "max_length": MAX_CODE,
                    "placeholder": {"type": "plain_text", "text": "def solution(...):"},
                },
            },
            {
                "type": "input",
                "block_id": "file",
                "optional": True,
                "label": {"type": "plain_text", "text": "…or a .py / .ipynb file"},
                "element": {
                    "type": "file_input",
                    "action_id": "file",
                    "filetypes": ["py", "ipynb"],
                    "max_files": 1,
                },
            },
        ],
    }


def files_from_view(view: dict[str, Any]) -> list[dict[str, Any]]:
    """The files given in the modal's file input (Slack has already uploaded them)."""
    values = (view.get("state") or {}).get("values") or {}
    files = (values.get("file") or {}).get("file", {}).get("files")
    return [f for f in files if isinstance(f, dict)] if isinstance(files, list) else []


def code_from_view(view: dict[str, Any]) -> str:
    values = (view.get("state") or {}).get("values") or {}
    value = (values.get("code") or {}).get("code", {}).get("value")
    return str(value or "")


# --- the Answer form of a numeric question (issue 18) --------------------------------------

ANSWER_VIEW = "d2l_answer"
ANSWER_BLOCK = "answer"
MAX_TITLE = 24  # Slack's limit for a modal title
MAX_LABEL = 2000


def answer_modal(
    box: AnswerBox, channel_id: str, response_url: str | None, *, public: bool = False
) -> dict[str, Any]:
    """The form; the command (with the question's reference, `q42` or `r7-3`), the range and
    where to answer travel in `private_metadata` (≤ 3000 characters)."""
    meta = {
        "command": box.command,
        "low": box.low,
        "high": box.high,
        "channel_id": channel_id,
        "response_url": response_url,
        "public": public,  # the Answer button was on a public message: it may be updated
    }
    return {
        "type": "modal",
        "callback_id": ANSWER_VIEW,
        "private_metadata": json.dumps(meta),
        "title": {"type": "plain_text", "text": box.title[:MAX_TITLE] or "Answer"},
        "submit": {"type": "plain_text", "text": "Answer"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": ANSWER_BLOCK,
                "label": {"type": "plain_text", "text": box.prompt[:MAX_LABEL] or "Your answer"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": ANSWER_BLOCK,
                    "max_length": 200,
                    "placeholder": {"type": "plain_text", "text": box.placeholder[:150] or "…"},
                },
            }
        ],
    }


def answer_from_view(view: dict[str, Any]) -> tuple[AnswerBox | None, str, dict[str, Any]]:
    """What the form sends: its box (None if the metadata was tampered with), the typed
    text, and the metadata."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
        box = AnswerBox(
            label="Answer",
            title="",
            prompt="",
            command=str(meta["command"]),
            low=None if meta.get("low") is None else float(meta["low"]),
            high=None if meta.get("high") is None else float(meta["high"]),
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return None, "", {}
    values = (view.get("state") or {}).get("values") or {}
    text = (values.get(ANSWER_BLOCK) or {}).get(ANSWER_BLOCK, {}).get("value")
    return (box if "{text}" in box.command else None), str(text or ""), meta
