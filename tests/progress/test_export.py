"""The organizers' grade export: one CSV row per enrolled member."""

from __future__ import annotations

import csv
import datetime as dt
import io

from bot.app import App
from bot.clock import FakeClock
from tests.conftest import Chat
from tests.progress.conftest import answer, say_on, submit


async def test_the_grade_export_has_a_row_per_member_with_scores_lateness_and_eligibility(
    talk: Chat, bot: App, clock: FakeClock
) -> None:
    await talk.say("help", as_="olga")
    await talk.text("admin assign softmax due 2027-01-12 session 1", as_="olga")
    await talk.text("admin assign probability due 2027-01-12 session 1", as_="olga")
    await talk.say("join", as_="ann")
    await talk.say("join", as_="=cmd")  # a name a spreadsheet would run as a formula
    await say_on(bot, "join", user="U42")
    await talk.say("help", as_="vic")  # a visitor: not in the export
    await submit(bot, "ann", "softmax", 8)
    await answer(bot, "ann", "probability", 4)
    await answer(bot, "ann", "probability", 1, correct=False)
    await submit(bot, "=cmd", "softmax", 5)
    clock.set(dt.datetime(2027, 1, 20, tzinfo=dt.UTC))
    await submit(bot, "U42", "softmax", 8, platform="slack")

    assert "for organizers" in await talk.text("admin export grades", as_="ann")
    [reply] = await talk.say("admin export grades", as_="olga")
    [file] = reply.files
    assert (file.name, file.mime) == ("grades-2027-01-20.csv", "text/csv")
    rows = list(csv.DictReader(io.StringIO(file.content.decode())))
    by_name = {row["member"]: row for row in rows}
    assert sorted(by_name) == ["'=cmd", "U42", "ann"]  # members only: no organizer, no visitor
    ann = by_name["ann"]
    assert ann["identities"] == "console:local:ann"
    assert (ann["exercise softmax done"], ann["exercise softmax score"]) == ("yes", "8")
    assert ann["exercise softmax late"] == "no"
    assert (ann["quiz probability done"], ann["quiz probability score"]) == ("yes", "4")
    assert (ann["share"], ann["eligible"]) == ("1.000", "yes")
    partial = by_name["'=cmd"]
    assert (partial["exercise softmax done"], partial["exercise softmax score"]) == ("no", "5")
    assert (partial["exercise softmax late"], partial["eligible"]) == ("", "no")
    late = by_name["U42"]
    assert late["identities"] == "slack:T1:U42"
    assert (late["exercise softmax late"], late["share"]) == ("yes", "0.500")
    assert by_name["U42"]["quiz probability score"] == ""
    assert "3 members, 2 pieces of required work, 1 eligible" in reply.text
