"""Discussions over GitHub's GraphQL API: find one by its marker, create, edit, comment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.github._client import GitHubClient

_REPOSITORY = """
query($owner: String!, $name: String!) {
  repository(owner: $owner, name: $name) {
    id
    discussionCategories(first: 100) { nodes { id name slug } }
  }
}"""
# Newest first: a Discussion made just before a crash is among the latest. A list, not the
# search API, whose index lags behind by seconds to minutes.
_RECENT = """
query($owner: String!, $name: String!, $category: ID!) {
  repository(owner: $owner, name: $name) {
    discussions(first: 100, categoryId: $category,
                orderBy: {field: CREATED_AT, direction: DESC}) {
      nodes { id number url body viewerDidAuthor }
    }
  }
}"""
_CREATE = """
mutation($repository: ID!, $category: ID!, $title: String!, $body: String!) {
  createDiscussion(input: {repositoryId: $repository, categoryId: $category,
                           title: $title, body: $body}) {
    discussion { id number url }
  }
}"""
_UPDATE = """
mutation($id: ID!, $title: String!, $body: String!) {
  updateDiscussion(input: {discussionId: $id, title: $title, body: $body}) {
    discussion { id number url }
  }
}"""
_COMMENTS = """
query($id: ID!) {
  node(id: $id) {
    ... on Discussion { comments(last: 100) { nodes { id url body viewerDidAuthor } } }
  }
}"""
_COMMENT = """
mutation($id: ID!, $body: String!) {
  addDiscussionComment(input: {discussionId: $id, body: $body}) { comment { id url } }
}"""


class CategoryMissing(Exception):
    """The configured category isn't in the repository (or Discussions are off)."""


@dataclass(frozen=True)
class Discussion:
    node_id: str
    number: int
    url: str


class Discussions:
    """The Discussions of one category of the repository."""

    def __init__(self, client: GitHubClient, category: str) -> None:
        self.client = client
        self.category = category
        self._ids: tuple[str, str] | None = None  # repository id, category id

    async def ids(self) -> tuple[str, str]:
        if self._ids is None:
            data = await self.client.graphql(
                _REPOSITORY, owner=self.client.owner, name=self.client.name
            )
            repository = data.get("repository") or {}
            categories = (repository.get("discussionCategories") or {}).get("nodes") or []
            wanted = self.category.lower()
            match = [c for c in categories if wanted in (c["name"].lower(), c["slug"].lower())]
            if not match:
                names = ", ".join(c["name"] for c in categories) or "none: are Discussions on?"
                raise CategoryMissing(
                    f"no Discussion category {self.category!r} in "
                    f"{self.client.owner}/{self.client.name} (categories: {names})"
                )
            self._ids = (str(repository["id"]), str(match[0]["id"]))
        return self._ids

    async def find(self, marker: str) -> Discussion | None:
        _, category = await self.ids()
        data = await self.client.graphql(
            _RECENT, owner=self.client.owner, name=self.client.name, category=category
        )
        nodes = ((data.get("repository") or {}).get("discussions") or {}).get("nodes") or []
        for node in nodes:
            if _ours(node, marker):
                return _discussion(node)
        return None

    async def create(self, title: str, body: str) -> Discussion:
        repository, category = await self.ids()
        data = await self.client.graphql(
            _CREATE, repository=repository, category=category, title=title, body=body
        )
        return _discussion(data["createDiscussion"]["discussion"])

    async def update(self, node_id: str, title: str, body: str) -> Discussion:
        data = await self.client.graphql(_UPDATE, id=node_id, title=title, body=body)
        return _discussion(data["updateDiscussion"]["discussion"])

    async def comment(self, node_id: str, body: str, marker: str) -> str:
        """Add the comment unless one with this marker is there already; its URL."""
        data = await self.client.graphql(_COMMENTS, id=node_id)
        comments = (((data.get("node") or {}).get("comments")) or {}).get("nodes") or []
        for existing in comments:
            if _ours(existing, marker):
                return str(existing.get("url") or "")
        added = await self.client.graphql(_COMMENT, id=node_id, body=body)
        return str(added["addDiscussionComment"]["comment"].get("url") or "")


def _discussion(node: dict[str, Any]) -> Discussion:
    return Discussion(node_id=str(node["id"]), number=int(node["number"]), url=str(node["url"]))


def _ours(node: dict[str, Any], marker: str) -> bool:
    """Written by the bot's own account and carrying the marker. Anyone may copy a marker
    into a Discussion or comment of theirs, to keep the bot from posting its own."""
    return node.get("viewerDidAuthor") is True and marker in (node.get("body") or "")
