"""The welcome DM and the code of conduct, as console transcripts."""

from __future__ import annotations

from sqlalchemy import select

from models.cohorts import first_cohort
from models.conduct import agreements
from models.tables import Identity
from tests.joining.conftest import Console

CODE = "submit softmax\n```python\ndef softmax(x):\n    return x\n```"


async def _member_id(console: Console, user: str) -> int:
    async with console.app.services.sessions() as db:
        found = await db.scalar(select(Identity.member_id).where(Identity.user_id == user))
        assert found is not None
        return found


async def test_someone_joining_the_channel_gets_one_welcome_with_join_and_agree_buttons(
    console: Console,
) -> None:
    await console.command(":join @dana")
    printed = console.printed()
    assert "[@dana joined #console]" in printed
    assert "[bot → @dana, direct message" in printed
    assert "Welcome to Test cohort!" in printed
    assert "Next: Session 1, Introduction and preliminaries" in printed
    assert "`d2l help`" in printed and "`d2l exercises`" in printed and "`d2l quiz`" in printed
    assert "Be kind and patient" in printed  # the shipped code of conduct
    assert "Press Join" in printed
    assert "I agree" in printed

    await console.command(":join @dana")  # joins again, then joins the group by command
    await console.text("dana", "d2l join")
    assert "Welcome to Test cohort!" not in console.printed()
    assert len(await console.sent("welcome")) == 1


async def test_joining_by_command_sends_the_welcome_without_a_join_button(
    console: Console,
) -> None:
    await console.text("erik", "d2l join")
    printed = console.printed()
    assert "Welcome to Test cohort!" in printed
    welcome = printed[printed.index("Welcome to Test cohort!") :]
    assert "Press Join" not in welcome
    assert "I agree" in welcome


async def test_agreeing_by_text_records_the_time_once(console: Console) -> None:
    reply = await console.text("dana", "d2l conduct agree")
    assert "you agreed to the code of conduct" in reply
    again = await console.text("dana", "d2l conduct agree")
    assert "already agreed" in again
    shown = await console.text("dana", "d2l conduct")
    assert "You agreed on" in shown and "I agree" not in shown
    async with console.app.services.sessions() as db:
        cohort = await first_cohort(db)
        assert cohort is not None
        agreed = await agreements(db, cohort.id)
    assert list(agreed) == [await _member_id(console, "dana")]


async def test_organizers_see_who_agreed_and_set_the_text_and_the_rule(console: Console) -> None:
    await console.text("dana", "d2l join")
    await console.text("erik", "d2l join")
    await console.text("dana", "d2l conduct agree")
    listing = await console.text("olga", "d2l admin conduct")
    assert "Agreed (1):\n• dana" in listing
    assert "Not yet (1):\n• erik" in listing

    changed = await console.text("olga", "d2l admin conduct set\n```\nNo spoilers, ever.\n```")
    assert "is now your text" in changed
    assert "No spoilers, ever." in await console.text("erik", "d2l conduct")

    refused = await console.text("dana", "d2l admin conduct required on")
    assert "for organizers" in refused
    await console.text("olga", "d2l admin conduct required on")
    gated = await console.text("erik", CODE)
    assert "Before you submit work" in gated and "No spoilers, ever." in gated
    assert "Grading" not in gated
    await console.text("erik", "d2l conduct agree")
    assert "Before you submit work" not in await console.text("erik", CODE)


async def test_by_default_agreeing_is_not_required_to_submit(console: Console) -> None:
    assert "Before you submit work" not in await console.text("erik", CODE)
