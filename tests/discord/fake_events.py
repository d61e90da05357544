"""The part of the fake Discord that keeps guild scheduled events and threads opened on
messages (issue 16). Payloads follow discord.py's `types/scheduled_event.py`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.discord import payloads as p

SCHEDULED, CANCELED = 1, 4
EXTERNAL, GUILD_ONLY = 3, 2


class ScheduledEventsApi:
    """Mixed into FakeDiscord: `events` by id, `threads` by message id; `forbid_events`
    makes every scheduled-event call answer 403 as for a bot without Manage Events."""

    events: dict[str, dict[str, Any]]
    threads: dict[str, dict[str, Any]]
    forbid_events: bool
    creates_left: int | None  # after this many creations, the next ones answer 400

    def init_events(self) -> None:
        self.events, self.threads, self.forbid_events = {}, {}, False
        self.creates_left = None

    def add_event_routes(self, router: web.UrlDispatcher, api: str) -> None:
        events = api + "/guilds/{guild}/scheduled-events"
        router.add_get(events, self._list_events)
        router.add_post(events, self._create_event)
        router.add_patch(events + "/{event}", self._edit_event)
        router.add_post(api + "/channels/{channel}/messages/{message}/threads", self._thread)

    async def _checked(self, request: web.Request) -> Any:
        recorded = await self._record(request)
        if isinstance(recorded, web.Response):
            return recorded
        if self.forbid_events and "scheduled-events" in request.path:
            return self._json({"message": "Missing Permissions", "code": 50013}, 403)
        return recorded[0]

    async def _list_events(self, request: web.Request) -> web.Response:
        body = await self._checked(request)
        if isinstance(body, web.Response):
            return body
        guild = request.match_info["guild"]
        listed = [e for e in self.events.values() if e["guild_id"] == guild]
        return self._json(listed)

    async def _create_event(self, request: web.Request) -> web.Response:
        body = await self._checked(request)
        if isinstance(body, web.Response):
            return body
        if self.creates_left is not None:
            if self.creates_left <= 0:
                return self._json({"message": "Invalid Form Body", "code": 50035}, 400)
            self.creates_left -= 1
        event = {
            "id": p.snowflake(),
            "guild_id": request.match_info["guild"],
            "channel_id": None,
            "creator_id": p.BOT_USER["id"],
            "entity_id": None,
            "status": SCHEDULED,
            "user_count": 0,
            "image": None,
            **body,
        }
        self.events[event["id"]] = event
        return self._json(event)

    async def _edit_event(self, request: web.Request) -> web.Response:
        body = await self._checked(request)
        if isinstance(body, web.Response):
            return body
        event = self.events.get(request.match_info["event"])
        if event is None:
            return self._json({"message": "Unknown Guild Scheduled Event", "code": 10070}, 404)
        event.update(body)
        return self._json(event)

    async def _thread(self, request: web.Request) -> web.Response:
        body = await self._checked(request)
        if isinstance(body, web.Response):
            return body
        message = request.match_info["message"]
        if message in self.threads:
            error = {
                "message": "A thread has already been created for this message",
                "code": 160004,
            }
            return self._json(error, 400)
        thread = {
            "id": message,  # a thread opened on a message has the message's id
            "type": 11,
            "guild_id": p.GUILD_ID,
            "parent_id": request.match_info["channel"],
            "name": body.get("name"),
            "owner_id": p.BOT_USER["id"],
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 1440),
                "archive_timestamp": "2027-01-01T00:00:00+00:00",
                "locked": False,
            },
        }
        self.threads[message] = thread
        return self._json(thread)
