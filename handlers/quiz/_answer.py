"""`d2l answer VALUE`: route an answer to the live round in this channel or to the member's
own quiz or review. A button's command ends with a reference (`q42`, `r7-3`) that pins the
question it answers."""

from __future__ import annotations

from handlers.context import Context, Refused, UsageError
from handlers.quiz._common import ANSWER_REF
from handlers.quiz._live import answer_live, live_question_waiting
from handlers.quiz._runs import answer_in_run
from handlers.types import Reply
from models.quiz_play import open_run


async def answer(ctx: Context) -> Reply | list[Reply]:
    words = list(ctx.args)
    ref = ANSWER_REF.fullmatch(words[-1].lower()) if len(words) >= 2 else None
    if ref is not None:
        words.pop()
    text = " ".join(words).strip()
    if not text:
        raise UsageError("Write your answer after `answer`: a letter, true/false or a number.")
    if ref is not None and ref["attempt"] is not None:
        return await answer_in_run(ctx, text, int(ref["attempt"]))
    if ref is not None:
        found = await answer_live(ctx, text, int(ref["round"]), int(ref["number"]))
        assert found is not None  # a named round either answers or raises
        return found
    # No reference: a live round in this channel comes first, unless the member already
    # answered its question and has a quiz of their own open.
    run = await open_run(ctx.db, ctx.cohort.id, ctx.member.id, lock=True)
    if run is None:
        live = await answer_live(ctx, text, None, None)
        if live is not None:
            return live
        raise Refused("You have no open question. Start with `d2l quiz TOPIC` or `d2l review`.")
    if await live_question_waiting(ctx):
        found = await answer_live(ctx, text, None, None)
        assert found is not None
        return found
    return await answer_in_run(ctx, text, None, run=run)
