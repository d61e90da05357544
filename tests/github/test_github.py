"""Issue 20: the group's GitHub repository gets each session's announcement as a Discussion,
an edit when the session moves, a comment per recording, and the schedule file, through the
outbox, against a fake GitHub on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from bot.delivery import Dispatcher
from bot.github import GitHubClient, GitHubPublisher, GitHubSender
from bot.github._discussions import Discussion, Discussions
from handlers.github_sync import apply_settings, link_key
from models.github_tables import GitHubDiscussion, GitHubSync
from models.outbox import CLAIM_SECONDS
from models.tables import OutboxMessage
from tests.conftest import Chat, make_settings
from tests.core.conftest import RecordingSender
from tests.github.conftest import BOTH_BACKENDS, github_settings
from tests.github.fake_github import REPO, TOKEN, FakeDiscussion, FakeGitHubApi

# Session 1 of the test cohort: Tuesday 12 January 2027, 18:00 in Berlin; announced 3 days
# before.
SESSION_1 = dt.datetime(2027, 1, 12, 17, 0, tzinfo=dt.UTC)
ANNOUNCE = SESSION_1 - dt.timedelta(days=3)
SECONDARY = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes."}


async def rows(app: App, kind: str) -> list[OutboxMessage]:
    async with app.services.sessions() as db:
        return list(await db.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


@BOTH_BACKENDS
async def test_the_plan_becomes_a_schedule_file_and_an_announcement_one_discussion(
    published: App,
    deliver: Dispatcher,
    github: FakeGitHubApi,
    clock: FakeClock,
    chat_sender: RecordingSender,
) -> None:
    await deliver.run_once()
    assert github.discussions == []  # announced 3 days before, not yet
    schedule = github.file("SCHEDULE.md") or ""
    assert "| # | Date and time | Chapter and readings | Speaker | Recording |" in schedule
    assert "| 1 | Tue 12 Jan 2027, 18:00 CET | Ch. 1–2: [" in schedule
    assert "| 20 |" in schedule and "times are in Europe/Berlin" in schedule
    assert [c.parent_sha for c in github.commits] == [None]

    clock.set(ANNOUNCE)
    await deliver.run_once()
    await deliver.run_once()
    [discussion] = github.discussions
    assert discussion.title.startswith("Session 1: ")
    assert discussion.category == "DIC_1"  # "Announcements"
    assert "Test cohort · session 1 of 20" in discussion.body
    assert "**When:** Tue 12 Jan 2027, 18:00 CET" in discussion.body
    assert "`d2l rsvp yes`" in discussion.body
    assert "<!-- studybot:announce:" in discussion.body
    assert github.count("createDiscussion") == 1
    assert len(github.commits) == 1  # the plan didn't change
    assert "announcement" in chat_sender.kinds()  # the chat channel still gets its own
    [row] = await rows(published, "github_discussion")
    assert row.status == "sent" and row.delivered_ref == discussion.node_id


@BOTH_BACKENDS
async def test_a_moved_session_edits_its_discussion_and_updates_the_file_with_its_sha(
    published: App, deliver: Dispatcher, github: FakeGitHubApi, clock: FakeClock, olga: Chat
) -> None:
    clock.set(ANNOUNCE)
    await deliver.run_once()
    first_sha = github.files[(REPO, "SCHEDULE.md")].sha

    assert "now" in await olga.text("d2l admin session 1 time 19:30")
    await deliver.run_once()
    [discussion] = github.discussions
    assert "Tue 12 Jan 2027, 19:30 CET" in discussion.body
    assert "18:00" not in discussion.body
    assert github.count("updateDiscussion") == 1
    assert github.count("createDiscussion") == 1
    assert [c.parent_sha for c in github.commits] == [None, first_sha]
    assert "| 1 | Tue 12 Jan 2027, 19:30 CET |" in (github.file("SCHEDULE.md") or "")

    # Moving it back to a time it had before is a change too.
    await olga.text("d2l admin session 1 time 18:00")
    await deliver.run_once()
    await deliver.run_once()
    assert github.count("updateDiscussion") == 2
    assert "18:00 CET" in github.discussions[0].body
    assert len(github.commits) == 3


async def test_a_recording_adds_one_comment_however_often_it_is_saved(
    published: App, deliver: Dispatcher, github: FakeGitHubApi, clock: FakeClock, olga: Chat
) -> None:
    clock.set(ANNOUNCE)
    await deliver.run_once()
    clock.set(SESSION_1 + dt.timedelta(hours=2))
    for _ in range(2):
        await olga.text("d2l admin session 1 recording https://example.org/rec1")
        await deliver.run_once()
    [discussion] = github.discussions
    [comment] = discussion.comments
    assert "Recording of session 1" in comment["body"]
    assert "https://example.org/rec1" in comment["body"]
    assert "[recording](https://example.org/rec1)" in (github.file("SCHEDULE.md") or "")
    assert len(github.commits) == 2


@BOTH_BACKENDS
async def test_a_conflicting_edit_is_retried_once_then_reported_to_the_organizers(
    published: App,
    deliver: Dispatcher,
    github: FakeGitHubApi,
    olga: Chat,
    chat_sender: RecordingSender,
) -> None:
    await deliver.run_once()
    github.concurrent_edits = 1  # someone commits to the file as the bot writes it
    await olga.text("d2l admin session 2 speaker Ada")
    await deliver.run_once()
    assert github.count("PUT SCHEDULE.md") == 3  # the first, its 409, the retry
    assert "| Ada |" in (github.file("SCHEDULE.md") or "")

    github.concurrent_edits = 2  # ... and again, on the retry too
    await olga.text("d2l admin session 3 speaker Grace")
    await deliver.run_once()
    assert github.file("SCHEDULE.md") == "edited by hand 0\n"  # their edit stays
    assert github.count("PUT SCHEDULE.md") == 5
    failed = [r for r in await rows(published, "github_schedule") if r.status == "failed"]
    assert len(failed) == 1 and "changed while the bot wrote it" in (failed[0].last_error or "")
    await deliver.run_once()
    warned = [d for d in chat_sender.sent if d.direct and "not updated" in (d.reply.title or "")]
    assert [d.target for d in warned] == ["olga"]
    assert "github_schedule" in await olga.text("d2l admin outbox")

    assert "Queued" in await olga.text("d2l admin github sync")
    await deliver.run_once()
    assert "| Grace |" in (github.file("SCHEDULE.md") or "")


async def test_a_secondary_rate_limit_is_waited_out(
    published: App, deliver: Dispatcher, github: FakeGitHubApi, clock: FakeClock
) -> None:
    await deliver.run_once()
    github.failures["createDiscussion"] = [(403, {"Retry-After": "1"}, SECONDARY)]
    clock.set(ANNOUNCE)
    await deliver.run_once()
    creates = [c for c in github.calls if c.operation == "createDiscussion"]
    assert len(creates) == 2 and creates[1].at - creates[0].at >= 1.0
    assert len(github.discussions) == 1


async def test_a_long_retry_after_puts_the_row_back_until_then(
    published: App, deliver: Dispatcher, github: FakeGitHubApi, clock: FakeClock
) -> None:
    await deliver.run_once()
    github.failures["createDiscussion"] = [(403, {"Retry-After": "120"}, SECONDARY)]
    clock.set(ANNOUNCE)
    stats = await deliver.run_once()
    assert stats.deferred == 1 and github.discussions == []
    [row] = await rows(published, "github_discussion")
    assert (row.status, row.attempts) == ("pending", 0)
    assert row.next_attempt_at == ANNOUNCE + dt.timedelta(seconds=120)
    clock.advance(dt.timedelta(seconds=60))
    await deliver.run_once()
    assert github.count("createDiscussion") == 1  # not before GitHub said
    clock.advance(dt.timedelta(seconds=61))
    await deliver.run_once()
    assert len(github.discussions) == 1


class Crash(BaseException):
    """The process dies: nothing after this line runs."""


class DyingDiscussions(Discussions):
    async def create(self, title: str, body: str) -> Discussion:
        await super().create(title, body)
        raise Crash


@BOTH_BACKENDS
async def test_a_restart_between_the_discussion_and_its_record_creates_no_second_one(
    published: App, deliver: Dispatcher, github: FakeGitHubApi, clock: FakeClock
) -> None:
    await deliver.run_once()
    client = GitHubClient(github.url, TOKEN, REPO)
    dying = GitHubSender(published.services, client, "Announcements")
    dying.discussions = DyingDiscussions(client, "Announcements")
    clock.set(ANNOUNCE)
    with pytest.raises(Crash):
        await Dispatcher(published.services, {"github": dying}).run_once()
    await client.close()
    assert len(github.discussions) == 1
    [row] = await rows(published, "github_discussion")
    assert row.status == "claimed"

    clock.advance(dt.timedelta(seconds=CLAIM_SECONDS + 1))  # the claim of the dead process
    await deliver.run_once()
    assert len(github.discussions) == 1 and github.count("createDiscussion") == 1
    [row] = await rows(published, "github_discussion")
    assert row.status == "sent" and row.delivered_ref == github.discussions[0].node_id
    async with published.services.sessions() as db:
        assert (await db.scalar(select(GitHubDiscussion.number))) == 1


async def test_without_a_token_nothing_goes_to_github(
    published: App,
    deliver: Dispatcher,
    github: FakeGitHubApi,
    clock: FakeClock,
    sqlite_url: str,
    tmp_path: object,
) -> None:
    await deliver.run_once()
    before = len(github.calls)
    # The bot restarts with the token removed: the same database, no GitHub settings.
    plain = await App.create(make_settings(sqlite_url), clock=clock)
    try:
        await apply_settings(plain.services)
        organizer = Chat(plain, tmp_path / "plain", user="olga")  # type: ignore[operator]
        await organizer.say("d2l join")  # the first member organizes (none configured)
        assert "now" in await organizer.text("d2l admin session 1 time 19:30")
        assert "isn't configured" in await organizer.text("d2l admin github")
        clock.set(ANNOUNCE)
        await Dispatcher(plain.services, {"console": RecordingSender(clock)}).run_once()
        # What was planned before waits, cancelled, for a token; nothing new is planned.
        assert [r.status for r in await rows(plain, "github_discussion")] == ["cancelled"]
        assert [r.status for r in await rows(plain, "github_schedule")] == ["sent"]
        assert await rows(plain, "github_edit") == []
    finally:
        await plain.close()
    assert len(github.calls) == before


async def test_admin_github_shows_the_configuration_and_sync_announces_in_a_new_repository(
    published: App,
    deliver: Dispatcher,
    github: FakeGitHubApi,
    clock: FakeClock,
    sqlite_url: str,
    olga: Chat,
) -> None:
    clock.set(ANNOUNCE)
    await deliver.run_once()
    shown = await olga.text("d2l admin github")
    assert "Repository: d2l-group/study" in shown
    assert "Discussion category: Announcements" in shown
    assert "Discussions: 1 of 20 sessions" in shown
    assert "Last sync: Sat 9 Jan 2027, 18:00 CET" in shown
    assert "0 pending · 2 sent · 0 failed" in shown

    # The group moves to another repository.
    moved = await App.create(
        github_settings(sqlite_url, github.url, github_repo="d2l-group/other"), clock=clock
    )
    other = GitHubPublisher(moved.services)
    try:
        await other.start()
        chat = Chat(moved, olga.adapter.out_dir, user="olga")
        assert "1 missing Discussions" in await chat.text("d2l admin github sync")
        await Dispatcher(moved.services, {"github": other.sender()}).run_once()
    finally:
        await other.stop()
        await moved.close()
    assert [d.repo for d in github.discussions] == [REPO, "d2l-group/other"]
    assert github.file("SCHEDULE.md", repo="d2l-group/other") is not None


async def test_sync_recreates_a_deleted_discussion_and_leaves_a_present_one_alone(
    published: App, deliver: Dispatcher, github: FakeGitHubApi, clock: FakeClock, olga: Chat
) -> None:
    clock.set(ANNOUNCE)
    await deliver.run_once()
    assert "a check of the 1 announced ones" in await olga.text("d2l admin github sync")
    await deliver.run_once()
    assert github.count("createDiscussion") == 1  # found by its marker: nothing to do

    github.discussions.clear()  # someone deletes it on GitHub
    clock.advance(dt.timedelta(minutes=1))
    await olga.text("d2l admin github sync")
    await deliver.run_once()
    [again] = github.discussions
    assert again.number == 2 and again.title.startswith("Session 1: ")
    async with published.services.sessions() as db:
        assert (await db.scalar(select(GitHubDiscussion.number))) == 2


async def test_a_missing_category_is_retried_and_shown_with_githubs_categories(
    sqlite_url: str, clock: FakeClock, github: FakeGitHubApi, tmp_path: object
) -> None:
    app = await App.create(
        github_settings(sqlite_url, github.url, github_category="News"), clock=clock
    )
    publisher = GitHubPublisher(app.services)
    try:
        await publisher.start()
        clock.set(ANNOUNCE)
        stats = await Dispatcher(app.services, {"github": publisher.sender()}).run_once()
        assert stats.failed == 1 and github.discussions == []
        olga = Chat(app, tmp_path / "out", user="olga")  # type: ignore[operator]
        shown = await olga.text("d2l admin github")
        assert "github_discussion `announce:" in shown and "(retrying)" in shown
        assert "no Discussion category 'News' in d2l-group/study" in shown
        assert "(categories: Announcements, Q&A)" in shown
    finally:
        await publisher.stop()
        await app.close()


async def test_a_marker_copied_by_someone_else_doesnt_stop_the_bots_posts(
    published: App, deliver: Dispatcher, github: FakeGitHubApi, clock: FakeClock, olga: Chat
) -> None:
    await deliver.run_once()
    [session_1] = [r for r in await rows(published, "github_discussion")]
    marker = f"<!-- studybot:announce:{session_1.payload['session_id']}:github -->"
    # A member opens a Discussion of their own with the bot's marker in it, first.
    github.discussions.append(
        FakeDiscussion("D_mallory", 99, REPO, "DIC_1", "Session 1: moved!", marker, "mallory")
    )
    clock.set(ANNOUNCE)
    await deliver.run_once()
    ours = [d for d in github.discussions if d.author == "studybot"]
    assert len(ours) == 1 and github.count("createDiscussion") == 1
    [row] = await rows(published, "github_discussion")
    assert row.delivered_ref == ours[0].node_id

    # ... and comments the recording's marker before the organizer sets the link.
    url = "https://example.org/rec1"
    key = f"recording:{session_1.payload['session_id']}:{link_key(url)}:github"
    ours[0].comments.append(
        {"id": "DC_m", "url": "x", "body": f"<!-- studybot:{key} -->", "author": "mallory"}
    )
    clock.set(SESSION_1 + dt.timedelta(hours=2))
    await olga.text(f"d2l admin session 1 recording {url}")
    await deliver.run_once()
    assert [c["body"].count(url) for c in ours[0].comments] == [0, 1]


@pytest.mark.postgres
async def test_processes_starting_at_once_set_up_github_once(
    postgres_url: str, clock: FakeClock, github: FakeGitHubApi
) -> None:
    app = await App.create(github_settings(postgres_url, github.url), clock=clock)
    try:
        await asyncio.gather(*(apply_settings(app.services) for _ in range(4)))
        async with app.services.sessions() as db:
            states = list(await db.scalars(select(GitHubSync)))
        assert [(s.repo, s.category, s.enabled) for s in states] == [(REPO, "Announcements", True)]
    finally:
        await app.close()
