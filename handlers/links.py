"""`submit NAME URL`: a file on GitHub, a gist or a Colab notebook kept on GitHub.

The bot downloads it (the sandbox never touches the network): only the hosts below, as HTTPS
URLs written by the member, fetched from the configured bases (`STUDYBOT_GITHUB_RAW_URL`,
`STUDYBOT_GITHUB_API_URL`), no redirect off the base's host, a time limit, the attachments'
size limit, and one download per member at a time. Every refusal is one sentence.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urljoin, urlsplit

import aiohttp

from bot.settings import Settings
from quizzes.exercises.reader import MAX_FILE_BYTES, UnreadableSubmission, is_code_file

HOSTS = ("github.com", "raw.githubusercontent.com", "gist.github.com", "colab.research.google.com")
MAX_REDIRECTS = 3
DRIVE_HINT = (
    "I can't open notebooks kept in Google Drive: in Colab use File → Download → Download "
    ".ipynb and attach the file, or File → Save a copy in GitHub and send me that link."
)
_GIST_ID = re.compile(r"[0-9a-fA-F]{1,64}")
_SEGMENT = re.compile(r"[A-Za-z0-9._\-%~+@]+")


@dataclass(frozen=True)
class Link:
    """Where a member's URL points: a file path under the raw base, or a gist."""

    raw_path: str | None = None
    gist_id: str | None = None
    gist_file: str | None = None  # from `#file-NAME-py`

    @property
    def name(self) -> str:
        return unquote((self.raw_path or "").rsplit("/", 1)[-1])


@dataclass
class Downloads:
    """The members (`platform:workspace:user`) with a download under way, in this process."""

    busy: set[str] = field(default_factory=set)


def looks_like_link(text: str) -> bool:
    return unwrap(text).lower().startswith(("http://", "https://", "github.com/", "gist.github"))


def unwrap(url: str) -> str:
    """`<URL>` (Discord without a preview, Slack's own markup) and Slack's `<URL|label>`."""
    url = url.strip()
    if url.startswith("<") and url.endswith(">"):
        url = url[1:-1].split("|", 1)[0]
    return url


def parse_link(url: str) -> Link:
    """The file a public GitHub, gist or Colab URL names; refuses everything else."""
    parts = urlsplit(unwrap(url))
    host = (parts.hostname or "").lower()
    if parts.scheme != "https":
        raise UnreadableSubmission("I only download https:// links; send the https:// address.")
    if host not in HOSTS or parts.port not in (None, 443) or parts.username or parts.password:
        raise UnreadableSubmission(
            f"I only download from GitHub, gists and Colab notebooks kept on GitHub; "
            f"`{host[:60]}` isn't one of them."
        )
    path = [p for p in parts.path.split("/") if p]
    if not all(_SEGMENT.fullmatch(p) and p not in (".", "..") for p in path):
        raise UnreadableSubmission("That link has a path I can't follow; copy it from the page.")
    if host == "gist.github.com":
        gist_id = path[-1] if path else ""
        if not _GIST_ID.fullmatch(gist_id) or len(path) > 2:
            raise UnreadableSubmission("That gist link has no gist id; copy it from the gist.")
        fragment = parts.fragment[5:] if parts.fragment.startswith("file-") else None
        return Link(gist_id=gist_id, gist_file=fragment)
    if host == "colab.research.google.com":
        if path[:1] == ["drive"]:
            raise UnreadableSubmission(DRIVE_HINT)
        if path[:1] != ["github"]:
            raise UnreadableSubmission("That Colab link doesn't name a notebook on GitHub.")
        path = path[1:]
    if host in ("github.com", "colab.research.google.com"):
        if len(path) < 5 or path[2] not in ("blob", "raw"):
            raise UnreadableSubmission(
                "That GitHub link doesn't name a file; open the file and copy its address."
            )
        path = path[:2] + path[3:]
    link = Link(raw_path="/".join(path))
    if len(path) < 4 or not is_code_file(link.name):
        raise UnreadableSubmission(
            f"I can read `.py` and `.ipynb` files; `{link.name[:80]}` is neither."
        )
    return link


@dataclass(frozen=True)
class Named:
    name: str
    content: bytes


async def fetch_link(settings: Settings, downloads: Downloads, member_id: str, url: str) -> Named:
    """The linked file (a gist: the chosen file) as its name and bytes."""
    link = parse_link(url)
    if member_id in downloads.busy:
        raise UnreadableSubmission("Your previous link is still downloading; wait for its answer.")
    downloads.busy.add(member_id)
    timeout = aiohttp.ClientTimeout(total=settings.link_timeout_seconds)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            if link.raw_path is not None:
                return Named(link.name, await _get(session, settings.github_raw_url, link.raw_path))
            return await _gist(session, settings.github_api_url, link)
    except TimeoutError:
        raise UnreadableSubmission(
            f"The download took longer than {settings.link_timeout_seconds:g} s; try again "
            "later or attach the file."
        ) from None
    except aiohttp.ClientError:
        raise UnreadableSubmission("I couldn't reach GitHub; try again later.") from None
    finally:
        downloads.busy.discard(member_id)


async def _get(session: aiohttp.ClientSession, base: str, path: str) -> bytes:
    url = urljoin(base, path)
    origin = urlsplit(base)[:2]
    for _ in range(MAX_REDIRECTS + 1):
        async with session.get(url, allow_redirects=False) as response:
            if response.status in (301, 302, 303, 307, 308):
                url = urljoin(url, response.headers.get("Location", ""))
                if urlsplit(url)[:2] != origin:
                    raise UnreadableSubmission(
                        "That link redirects to another site; I only download from GitHub."
                    )
                continue
            if response.status == 404:
                raise UnreadableSubmission(
                    "GitHub says there is no such file (404); is the repository public?"
                )
            if response.status != 200:
                raise UnreadableSubmission(f"GitHub answered HTTP {response.status}; try again.")
            if (response.content_length or 0) > MAX_FILE_BYTES:
                raise _too_big()
            data = await response.content.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                raise _too_big()
            return data
    raise UnreadableSubmission("That link redirects too many times.")


async def _gist(session: aiohttp.ClientSession, api: str, link: Link) -> Named:
    """The gist's chosen file (GitHub's API answers with the files' content)."""
    data = await _get(session, api, f"gists/{link.gist_id}")
    try:
        files = json.loads(data)["files"]
        candidates = [(str(f["filename"]), f) for f in files.values()]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise UnreadableSubmission("GitHub's answer about that gist made no sense.") from None
    code = [(name, f) for name, f in candidates if is_code_file(name)]
    if link.gist_file is not None:
        code = [(n, f) for n, f in code if _anchor(n) == link.gist_file.lower()]
    if not code:
        raise UnreadableSubmission("That gist has no `.py` or `.ipynb` file.")
    name, file = code[0]
    content = file.get("content")
    if file.get("truncated") or not isinstance(content, str):
        raise _too_big()
    body = content.encode("utf-8")
    if len(body) > MAX_FILE_BYTES:
        raise _too_big()
    return Named(name, body)


def _anchor(name: str) -> str:
    """GitHub's `#file-…` anchor for a gist file: lower case, non-alphanumerics as dashes."""
    return re.sub(r"[^a-z0-9]", "-", name.lower())


def _too_big() -> UnreadableSubmission:
    return UnreadableSubmission(
        f"That file is over {MAX_FILE_BYTES // 1024} KB, the limit for submissions."
    )
