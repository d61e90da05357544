"""Progress, the chart, certificates and their verification, as chat transcripts."""

from __future__ import annotations

import datetime as dt
import io
import struct

from matplotlib.image import imread
from pypdf import PdfReader

from bot.app import App
from bot.clock import FakeClock
from tests.conftest import Chat
from tests.progress.conftest import CODE, answer, code_in, say_on, submit, text_of

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def assign_four(talk: Chat) -> None:
    """olga (the first member, an organizer) assigns two exercises and two quizzes."""
    await talk.say("help", as_="olga")
    for line in (
        "admin assign softmax due 2027-01-12 session 1",
        "admin assign probability due 2027-01-12 session 1",
        "admin assign adam_step due 2027-01-26 session 2",
        "admin assign optimization due 2027-01-26 session 2",
    ):
        assert "Assigned" in await talk.text(line, as_="olga")


def code_in_or_none(text: str) -> str | None:
    found = CODE.search(text)
    return None if found is None else found.group(1)


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_SIGNATURE)
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


AFTER_SESSION_2 = dt.datetime(2027, 1, 26, 19, 30, tzinfo=dt.UTC)  # it began 17:00 UTC
AFTER_THE_LAST_SESSION = dt.datetime(2027, 10, 6, 9, tzinfo=dt.UTC)  # session 20: 5 Oct


async def test_a_member_who_crosses_the_threshold_gets_a_chart_and_a_verifiable_certificate(
    talk: Chat, bot: App, clock: FakeClock
) -> None:
    await assign_four(talk)
    await talk.say("join", as_="marie_curie")
    await submit(bot, "marie_curie", "softmax", 8)
    await answer(bot, "marie_curie", "probability")
    await answer(bot, "marie_curie", "optimization")
    await submit(bot, "marie_curie", "adam_step", 6)  # partial: not passed
    refused = await talk.text("certificate", as_="marie_curie")
    assert "Not yet: you've done 3 of 4 pieces of required work (75%)" in refused
    assert "exercise `adam_step` (session 2" in refused

    await submit(bot, "marie_curie", "adam_step", 8)
    [progress] = await talk.say("progress", as_="marie_curie")
    assert progress.ephemeral
    assert "4 of 4 pieces of required work done (100%)" in progress.text
    sessions = dict((f.name, f.value) for f in progress.fields)["Sessions"]
    assert "Session 1: exercises passed 1/1 · quizzes completed 1/1" in sessions
    assert "Session 2: exercises passed 1/1 · quizzes completed 1/1" in sessions
    [chart] = progress.files
    assert (chart.name, chart.mime) == ("progress.png", "image/png")
    assert png_size(chart.content) == (800, 450)
    assert imread(io.BytesIO(chart.content)).shape[:2] == (450, 800)
    assert "once session 2 has taken place" in progress.text

    early = await talk.text("certificate", as_="marie_curie")  # session 2 is yet to come
    assert "it can be issued once session 2 has taken place" in early
    assert code_in_or_none(early) is None
    clock.set(AFTER_SESSION_2)
    [issued] = await talk.say("certificate", as_="marie_curie")
    [pdf] = issued.files
    assert pdf.mime == "application/pdf"
    code = code_in(issued.text)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "marie_curie" in text
    assert code in text
    assert "100%" in text
    assert "Test cohort" in text
    assert "sessions 1-20, ended 26 January 2027" in text  # the whole plan, and its end

    [again] = await talk.say("certificate", as_="marie_curie")
    assert code_in(again.text) == code
    assert again.files[0].content == pdf.content

    confirmed = await talk.text(f"verify {code.lower().replace('-', '')}", as_="a_stranger")
    assert "Valid certificate" in confirmed
    assert (
        "marie_curie completed 100% of the required work of Test cohort "
        "(sessions 1-20, ended 26 January 2027)"
    ) in confirmed
    assert "No certificate has that code" in await talk.text("verify ABCD-EFGH-JKMN")


async def test_progress_counts_late_work_and_shows_the_cohort_median(
    talk: Chat, bot: App, clock: FakeClock
) -> None:
    await assign_four(talk)
    for name in ("ann", "ben", "cid"):
        await talk.say("join", as_=name)
    await submit(bot, "ben", "softmax", 8)
    await submit(bot, "cid", "softmax", 8)
    clock.set(dt.datetime(2027, 1, 13, 9, tzinfo=dt.UTC))  # after session 1's due time
    await submit(bot, "ann", "softmax", 8)
    [reply] = await talk.say("progress", as_="ann")
    assert "1 of 4 pieces of required work done (25%)" in reply.text
    assert "1 done late" in reply.text
    assert "⚠️ Behind pace: you've done 1 of the 2 pieces of work due so far" in reply.text
    sessions = reply.fields[0].value
    assert "Session 1: exercises passed 1/1 · quizzes completed 0/1 · 1 late" in sessions
    assert "quiz `probability` (session 1" in reply.fields[1].value


async def test_without_assignments_every_exercise_and_quiz_is_required(
    talk: Chat, bot: App
) -> None:
    await talk.say("join", as_="ann")
    await submit(bot, "ann", "softmax", 8)
    [reply] = await talk.say("progress", as_="ann")
    assert "1 of 4 pieces of required work done (25%)" in reply.text
    assert "Every exercise and quiz (none assigned): exercises passed 1/2" in reply.fields[0].value
    refused = await talk.text("certificate", as_="ann")
    assert "the certificate needs 80%, so 3 more." in refused
    assert "• exercise `adam_step` — `d2l submit adam_step`" in refused


async def test_organizers_see_who_is_eligible_and_who_has_a_certificate(
    talk: Chat, bot: App, clock: FakeClock
) -> None:
    await talk.say("help", as_="olga")  # organizes, isn't a member
    await talk.say("help", as_="vic")  # a visitor
    await talk.text("admin cohort threshold 50%", as_="olga")
    for name in ("ann", "ben", "cid"):
        await talk.say("join", as_=name)
    for name in ("ann", "ben"):
        await submit(bot, name, "softmax", 8)
        await submit(bot, name, "adam_step", 8)
    before = await talk.text("admin certificates", as_="olga")
    assert "ann — 50% (2/4) · ✅ enough so far; certificate once session 20" in before
    clock.set(AFTER_THE_LAST_SESSION)
    code = code_in(await talk.text("certificate", as_="ann"))
    assert "for organizers" in await talk.text("admin certificates", as_="ann")
    listing = await talk.text("admin certificates", as_="olga")
    assert f"ann — 50% (2/4) · 🎓 certificate {code}" in listing
    assert "ben — 50% (2/4) · ✅ eligible, not asked yet" in listing
    assert "cid — 0% (0/4) · ✗ 2 more needed" in listing
    assert "olga" not in listing and "vic" not in listing  # only members are listed
    assert "2 of 3 eligible, 1 issued; the threshold is 50%" in listing


async def test_a_certificate_spells_names_beyond_latin_and_covers_the_whole_course(
    bot: App, clock: FakeClock
) -> None:
    name = "Łukasz_Дмитрий"
    await say_on(bot, "join", user=name)
    for exercise in ("softmax", "adam_step"):
        await submit(bot, name, exercise, 8, platform="slack")
    for topic in ("probability", "optimization"):
        await answer(bot, name, topic, platform="slack")
    clock.set(AFTER_THE_LAST_SESSION)
    [issued] = await say_on(bot, "certificate", user=name)
    text = PdfReader(io.BytesIO(issued.files[0].content)).pages[0].extract_text()
    assert name in text
    assert "sessions 1-20, ended 5 October 2027" in text
    verified = text_of(await say_on(bot, f"verify {code_in(issued.text)}", user="U7"))
    assert (
        f"{name} completed 100% of the required work of Test cohort "
        "(sessions 1-20, ended 5 October 2027)"
    ) in verified
