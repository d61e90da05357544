"""RSVPs and the live Q&A queue of the next session."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update

from handlers.context import Context, Refused, UsageError
from handlers.router import Command, Router
from handlers.schedule import next_session
from handlers.text import plural
from handlers.types import Reply
from models.cohorts import session_length
from models.tables import Question, QuestionVote, Rsvp, Session
from models.work import rsvp_counts

ANSWERS = ("yes", "no", "maybe")
MAX_QUESTION_CHARS = 500
MAX_OPEN_QUESTIONS_PER_MEMBER = 5


def register(router: Router) -> None:
    router.add(
        Command(
            name="rsvp",
            usage="rsvp yes|no|maybe [SESSION]",
            summary="say whether you'll come to the next session (or session N)",
            handler=rsvp,
            examples=("rsvp yes", "rsvp maybe 4"),
            joins=True,
        )
    )
    router.add(
        Command(
            name="ask",
            usage="ask QUESTION",
            summary="add a question for the next session's live Q&A",
            handler=ask,
            group="Live Q&A",
            examples=("ask Why does Adam need bias correction?",),
            joins=True,
        )
    )
    router.add(
        Command(
            name="questions",
            usage="questions",
            summary="the next session's questions, most votes first",
            handler=list_questions,
            group="Live Q&A",
        )
    )
    router.add(
        Command(
            name="upvote",
            usage="upvote N",
            summary="vote for question N",
            handler=upvote,
            group="Live Q&A",
            examples=("upvote 2",),
            joins=True,
        )
    )
    router.add(
        Command(
            name="questions clear",
            usage="questions clear",
            summary="clear the next session's Q&A queue (the one `questions` shows)",
            handler=clear_questions,
            organizer_only=True,
            group="Organizers",
        )
    )
    for action, summary in (
        ("answered", "mark question N answered: it leaves the queue"),
        ("remove", "remove question N from the queue"),
    ):
        router.add(
            Command(
                name=f"questions {action}",
                usage=f"questions {action} N",
                summary=summary,
                handler=answered_question if action == "answered" else remove_question,
                organizer_only=True,
                group="Organizers",
                examples=(f"questions {action} 2",),
            )
        )


def _target_session(ctx: Context, number: str | None) -> Session:
    if number is None:
        session = next_session(ctx.cohort.sessions, ctx.now, session_length(ctx.cohort))
        if session is None:
            raise Refused("There are no sessions left in this cohort.")
        return session
    if not number.isdigit():
        raise Refused(f"`{number}` is not a session number.")
    found = next((s for s in ctx.cohort.sessions if s.number == int(number)), None)
    if found is None:
        raise Refused(f"There is no session {number}.")
    return found


async def rsvp(ctx: Context) -> Reply:
    if not ctx.args or ctx.args[0].lower() not in ANSWERS or len(ctx.args) > 2:
        raise UsageError("Answer yes, no or maybe.")
    answer = ctx.args[0].lower()
    session = _target_session(ctx, ctx.args[1] if len(ctx.args) == 2 else None)
    if session.starts_at <= ctx.now and len(ctx.args) == 2:
        raise Refused(f"Session {session.number} has already started.")
    existing = await ctx.db.scalar(
        select(Rsvp).where(Rsvp.session_id == session.id, Rsvp.member_id == ctx.member.id)
    )
    if existing is None:
        ctx.db.add(
            Rsvp(session_id=session.id, member_id=ctx.member.id, answer=answer, updated_at=ctx.now)
        )
    else:
        existing.answer, existing.updated_at = answer, ctx.now
    await ctx.db.flush()
    counts = await rsvp_counts(ctx.db, session.id)
    return Reply(
        text=f"Noted: {answer} for session {session.number} ({session.title}). "
        f"So far {counts['yes']} going, {counts['maybe']} maybe, {counts['no']} not going.",
        ephemeral=True,
    )


async def ask(ctx: Context) -> Reply:
    text = " ".join(ctx.args).strip()
    if not text:
        raise UsageError("Write your question after `ask`.")
    if len(text) > MAX_QUESTION_CHARS:
        raise Refused(f"Keep questions under {MAX_QUESTION_CHARS} characters.")
    session = _target_session(ctx, None)
    open_by_member = await ctx.db.scalar(
        select(func.count())
        .select_from(Question)
        .where(
            Question.session_id == session.id,
            Question.member_id == ctx.member.id,
            Question.cleared.is_(False),
        )
    )
    if (open_by_member or 0) >= MAX_OPEN_QUESTIONS_PER_MEMBER:
        raise Refused(
            f"You already have {MAX_OPEN_QUESTIONS_PER_MEMBER} open questions for "
            "this session; let others have a turn."
        )
    number = (
        await ctx.db.scalar(
            select(func.max(Question.number)).where(Question.session_id == session.id)
        )
        or 0
    ) + 1
    ctx.db.add(
        Question(
            cohort_id=ctx.cohort.id,
            session_id=session.id,
            member_id=ctx.member.id,
            number=number,
            text=text,
            created_at=ctx.now,
        )
    )
    return Reply(
        text=f"Question {number} is in the queue for session {session.number}: “{text}”. "
        f"Others can vote for it with `d2l upvote {number}`."
    )


async def list_questions(ctx: Context) -> Reply:
    session = _target_session(ctx, None)
    votes = (
        select(QuestionVote.question_id, func.count().label("n"))
        .group_by(QuestionVote.question_id)
        .subquery()
    )
    rows = (
        await ctx.db.execute(
            select(Question, func.coalesce(votes.c.n, 0))
            .outerjoin(votes, votes.c.question_id == Question.id)
            .where(Question.session_id == session.id, Question.cleared.is_(False))
            .order_by(func.coalesce(votes.c.n, 0).desc(), Question.number)
        )
    ).all()
    if not rows:
        return Reply(
            text=f"No questions yet for session {session.number}. Ask one with `d2l ask …`."
        )
    lines = [f"{q.number}. ({n} ▲) {q.text}" for q, n in rows]
    return Reply(
        title=f"Q&A for session {session.number}: {session.title}",
        text="\n".join(lines),
        footer="`d2l upvote N` to vote.",
    )


async def upvote(ctx: Context) -> Reply:
    question = await _open_question(ctx)
    if question.member_id == ctx.member.id:
        return Reply(text="That's your own question — it already counts.", ephemeral=True)
    voted = await ctx.db.scalar(
        select(QuestionVote).where(
            QuestionVote.question_id == question.id, QuestionVote.member_id == ctx.member.id
        )
    )
    if voted is not None:
        return Reply(text=f"You already voted for question {question.number}.", ephemeral=True)
    ctx.db.add(QuestionVote(question_id=question.id, member_id=ctx.member.id))
    return Reply(text=f"Voted for question {question.number}.", ephemeral=True)


async def clear_questions(ctx: Context) -> Reply:
    if ctx.args:
        raise UsageError("`d2l questions clear` takes nothing after it.")
    session = _target_session(ctx, None)
    ids = select(Question.id).where(  # this session's queue only, as `questions` shows it
        Question.session_id == session.id, Question.cleared.is_(False)
    )
    cleared = list(await ctx.db.scalars(ids))
    await ctx.db.execute(
        update(Question)
        .where(Question.id.in_(cleared))
        .values(cleared=True)
        .execution_options(synchronize_session=False)
    )
    await ctx.db.execute(delete(QuestionVote).where(QuestionVote.question_id.in_(cleared)))
    return Reply(
        text=f"Cleared {plural(len(cleared), 'question')}. The queue for session "
        f"{session.number} is empty.",
        ephemeral=True,
    )


async def answered_question(ctx: Context) -> Reply:
    question = await _open_question(ctx)
    question.cleared = True
    return Reply(text=f"Question {question.number} is answered: “{question.text}”.")


async def remove_question(ctx: Context) -> Reply:
    question = await _open_question(ctx)
    question.cleared = True
    return Reply(text=f"Removed question {question.number}: “{question.text}”.", ephemeral=True)


async def _open_question(ctx: Context) -> Question:
    """Question N of the queue `questions` shows (the next session's), still open."""
    if len(ctx.args) != 1 or not ctx.args[0].isdigit():
        raise UsageError("Give the question's number, as `d2l questions` shows it.")
    session = _target_session(ctx, None)
    question = await ctx.db.scalar(
        select(Question).where(
            Question.session_id == session.id,
            Question.number == int(ctx.args[0]),
            Question.cleared.is_(False),
        )
    )
    if question is None:
        raise Refused(f"There is no open question {ctx.args[0]} for session {session.number}.")
    return question
