"""Where a submission's code comes from: a fenced block, an attached file or a link.

The adapters only pass the message's fenced code and its files' bytes along; reading them
(notebooks included) happens once, here and in `quizzes.exercises.reader`, for every platform.
"""

from __future__ import annotations

from dataclasses import replace

from handlers.context import Context, Services
from handlers.links import fetch_link, looks_like_link
from handlers.types import Attachment, Invocation, Reply
from quizzes.exercises.catalog import UnknownExercise, get_exercise
from quizzes.exercises.reader import (
    ReadSubmission,
    UnreadableSubmission,
    is_code_file,
    read_file,
    read_text,
)


async def download_linked(
    services: Services, invocation: Invocation, args: list[str]
) -> Invocation | Reply:
    """`submit NAME URL`: the linked file becomes the invocation's attachment. Runs before the
    command's transaction, so a slow download holds no database lock."""
    if len(args) != 2 or not looks_like_link(args[1]) or not _is_exercise(args[0]):
        return invocation  # the handler explains what is wrong, without a download
    member = f"{invocation.platform}:{invocation.workspace_id}:{invocation.user_id}"
    try:
        file = await fetch_link(services.settings, services.downloads, member, args[1])
    except UnreadableSubmission as exc:
        return Reply(text=str(exc), ephemeral=True, is_error=True)
    return replace(invocation, attachments=(Attachment(file.name, file.content),))


def _is_exercise(name: str) -> bool:
    try:
        get_exercise(name)
    except UnknownExercise:
        return False
    return True


async def read_submission(ctx: Context) -> ReadSubmission | None:
    """The code to grade and the notes on how it was read; None when there is none."""
    if len(ctx.args) == 2 and not ctx.invocation.attachments:
        raise UnreadableSubmission(
            f"`{ctx.args[1][:80]}` isn't a link; send `submit NAME URL`, attach a file or put "
            "the code in a ``` block."
        )
    if ctx.code is not None and ctx.code.strip():
        return read_text(ctx.code)
    files = ctx.invocation.attachments
    code_files = [f for f in files if is_code_file(f.name)] or list(files)
    return read_file(code_files[0].name, code_files[0].content) if code_files else None
