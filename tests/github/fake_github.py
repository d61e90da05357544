"""A fake of the parts of GitHub's API the bot writes to, on 127.0.0.1 (aiohttp): GraphQL
Discussions (categories, list, create, update, comments) and the REST contents API, with
the token checked, `sha` conflicts as GitHub answers them, and injectable failures.

(tests/submissions/fake_github.py fakes the *download* side: raw files and gists.)"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "github_pat_test"
BOT = "studybot"  # the account the token belongs to
REPO = "d2l-group/study"
CATEGORIES = {"DIC_1": "Announcements", "DIC_2": "Q&A"}


@dataclass
class Call:
    operation: str  # createDiscussion, updateDiscussion, PUT SCHEDULE.md, ...
    at: float
    variables: dict[str, Any]


@dataclass
class FakeDiscussion:
    node_id: str
    number: int
    repo: str
    category: str
    title: str
    body: str
    author: str = BOT
    comments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"https://github.com/{self.repo}/discussions/{self.number}"


@dataclass
class FakeFile:
    text: str
    sha: str


@dataclass
class Commit:
    repo: str
    path: str
    message: str
    text: str
    parent_sha: str | None


class FakeGitHubApi:
    def __init__(self) -> None:
        self.discussions: list[FakeDiscussion] = []
        self.created = 0  # Discussions ever created (numbers aren't reused after a deletion)
        self.files: dict[tuple[str, str], FakeFile] = {}
        self.commits: list[Commit] = []
        self.calls: list[Call] = []
        # operation → responses (status, headers, JSON body) to give before the real one
        self.failures: dict[str, list[tuple[int, dict[str, str], dict[str, Any]]]] = {}
        # operation → seconds it takes (so that two bot processes overlap in it)
        self.slow: dict[str, float] = {}
        # Someone edits the file on GitHub just before each of the next N writes.
        self.concurrent_edits = 0
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> FakeGitHubApi:
        app = web.Application()
        app.router.add_post("/graphql", self._graphql)
        app.router.add_get("/repos/{owner}/{name}/contents/{path:.*}", self._get_file)
        app.router.add_put("/repos/{owner}/{name}/contents/{path:.*}", self._put_file)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # What tests read ------------------------------------------------------------------------

    def count(self, operation: str) -> int:
        return sum(c.operation == operation for c in self.calls)

    def file(self, path: str, repo: str = REPO) -> str | None:
        found = self.files.get((repo, path))
        return found.text if found else None

    def edit_file(self, path: str, text: str, repo: str = REPO) -> None:
        """A person commits to the file on GitHub."""
        self.files[(repo, path)] = FakeFile(text, _sha(text + str(time.monotonic())))

    # GraphQL --------------------------------------------------------------------------------

    def _denied(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") not in (f"token {TOKEN}", f"bearer {TOKEN}"):
            return web.json_response({"message": "Bad credentials"}, status=401)
        return None

    def _injected(self, operation: str) -> web.Response | None:
        queued = self.failures.get(operation)
        if not queued:
            return None
        status, headers, body = queued.pop(0)
        return web.json_response(body, status=status, headers=headers)

    async def _graphql(self, request: web.Request) -> web.Response:
        if (denied := self._denied(request)) is not None:
            return denied
        payload = await request.json()
        query: str = payload["query"]
        variables: dict[str, Any] = payload.get("variables") or {}
        operation = next(
            (
                name
                for name in (
                    "createDiscussion",
                    "updateDiscussion",
                    "addDiscussionComment",
                    "discussionCategories",
                    "comments(",
                    "discussions(",
                )
                if name in query
            ),
            "unknown",
        )
        self.calls.append(Call(operation, time.monotonic(), variables))
        await asyncio.sleep(self.slow.get(operation, 0))
        if (injected := self._injected(operation)) is not None:
            return injected
        data = self._answer(operation, variables)
        if data is None:
            return web.json_response({"errors": [{"type": "NOT_FOUND", "message": "not found"}]})
        return web.json_response({"data": data})

    def _answer(self, operation: str, v: dict[str, Any]) -> dict[str, Any] | None:
        if operation == "discussionCategories":
            repo = f"{v['owner']}/{v['name']}"
            nodes = [
                {"id": node, "name": name, "slug": name.lower().replace("&", "-")}
                for node, name in CATEGORIES.items()
            ]
            return {"repository": {"id": f"R_{repo}", "discussionCategories": {"nodes": nodes}}}
        if operation == "discussions(":
            repo = f"{v['owner']}/{v['name']}"
            found = [d for d in self.discussions if d.repo == repo and d.category == v["category"]]
            nodes = [
                _node(d) | {"body": d.body, "viewerDidAuthor": d.author == BOT}
                for d in reversed(found)
            ][:100]
            return {"repository": {"discussions": {"nodes": nodes}}}
        if operation == "createDiscussion":
            repo = str(v["repository"]).removeprefix("R_")
            if v["category"] not in CATEGORIES:
                return None
            self.created += 1
            discussion = FakeDiscussion(
                node_id=f"D_{self.created}",
                number=self.created,
                repo=repo,
                category=v["category"],
                title=v["title"],
                body=v["body"],
            )
            self.discussions.append(discussion)
            return {"createDiscussion": {"discussion": _node(discussion)}}
        discussion = next((d for d in self.discussions if d.node_id == v.get("id")), None)
        if discussion is None:
            return None
        if operation == "updateDiscussion":
            discussion.title, discussion.body = v["title"], v["body"]
            return {"updateDiscussion": {"discussion": _node(discussion)}}
        if operation == "comments(":
            comments = [
                {k: v for k, v in c.items() if k != "author"}
                | {"viewerDidAuthor": c.get("author", BOT) == BOT}
                for c in discussion.comments
            ]
            return {"node": {"comments": {"nodes": comments}}}
        if operation == "addDiscussionComment":
            number = len(discussion.comments) + 1
            comment = {
                "id": f"DC_{discussion.number}_{number}",
                "url": f"{discussion.url}#discussioncomment-{number}",
                "body": v["body"],
            }
            discussion.comments.append(comment)
            return {"addDiscussionComment": {"comment": comment}}
        return None

    # REST contents --------------------------------------------------------------------------

    async def _get_file(self, request: web.Request) -> web.Response:
        if (denied := self._denied(request)) is not None:
            return denied
        repo, path = _where(request)
        self.calls.append(Call(f"GET {path}", time.monotonic(), {}))
        if (injected := self._injected(f"GET {path}")) is not None:
            return injected
        found = self.files.get((repo, path))
        if found is None:
            return web.json_response({"message": "Not Found"}, status=404)
        content = base64.b64encode(found.text.encode()).decode()
        return web.json_response(
            {
                "type": "file",
                "path": path,
                "sha": found.sha,
                "encoding": "base64",
                "content": content,
            }
        )

    async def _put_file(self, request: web.Request) -> web.Response:
        if (denied := self._denied(request)) is not None:
            return denied
        repo, path = _where(request)
        body = await request.json()
        self.calls.append(Call(f"PUT {path}", time.monotonic(), body))
        await asyncio.sleep(self.slow.get("PUT", 0))
        if (injected := self._injected(f"PUT {path}")) is not None:
            return injected
        if self.concurrent_edits > 0:
            self.concurrent_edits -= 1
            self.edit_file(path, f"edited by hand {self.concurrent_edits}\n", repo)
        current = self.files.get((repo, path))
        sha = body.get("sha")
        if current is not None and sha is None:
            return web.json_response(
                {"message": 'Invalid request.\n\n"sha" wasn\'t supplied.'}, status=422
            )
        if current is not None and sha != current.sha:
            return web.json_response({"message": f"{path} does not match {sha}"}, status=409)
        text = base64.b64decode(body["content"]).decode()
        self.files[(repo, path)] = FakeFile(text, _sha(text))
        self.commits.append(Commit(repo, path, body["message"], text, sha))
        commit_sha = _sha(f"{len(self.commits)}{text}")
        return web.json_response(
            {"content": {"path": path, "sha": _sha(text)}, "commit": {"sha": commit_sha}},
            status=201 if current is None else 200,
        )


def _where(request: web.Request) -> tuple[str, str]:
    info = request.match_info
    return f"{info['owner']}/{info['name']}", info["path"]


def _node(d: FakeDiscussion) -> dict[str, Any]:
    return {"id": d.node_id, "number": d.number, "url": d.url}


def _sha(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()  # git names objects by SHA-1
