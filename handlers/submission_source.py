"""Where a submission's code comes from: a fenced block, an attached file or a link.

The adapters only pass the message's fenced code and its files' bytes along; reading them
(notebooks included) happens once, here and in `quizzes.exercises.reader`, for every platform.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.links import fetch_link, looks_like_link
from quizzes.exercises.reader import (
    ReadSubmission,
    UnreadableSubmission,
    is_code_file,
    read_file,
    read_text,
)


async def read_submission(ctx: Context) -> ReadSubmission | None:
    """The code to grade and the notes on how it was read; None when there is none."""
    if len(ctx.args) == 2:
        url = ctx.args[1]
        if not looks_like_link(url):
            raise UnreadableSubmission(
                f"`{url[:80]}` isn't a link; send `submit NAME URL`, attach a file or put the "
                "code in a ``` block."
            )
        services = ctx.services
        file = await fetch_link(services.settings, services.downloads, ctx.member.id, url)
        return read_file(file.name, file.content)
    if ctx.code is not None and ctx.code.strip():
        return read_text(ctx.code)
    files = ctx.invocation.attachments
    code_files = [f for f in files if is_code_file(f.name)] or list(files)
    return read_file(code_files[0].name, code_files[0].content) if code_files else None
