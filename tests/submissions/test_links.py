"""`submit NAME URL`: GitHub files, raw URLs, gists and Colab-on-GitHub links are downloaded
by the bot and graded; everything else gets one clear sentence and stores nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.app import App
from tests.conftest import Chat
from tests.exercises.conftest import ForkServerExecutor
from tests.submissions.conftest import graded
from tests.submissions.fake_github import FakeGitHub
from tests.submissions.notebooks import COLAB_NOTES, cell, colab_notebook, notebook

SOLUTION = b"import torch\n\ndef softmax(X):\n    Z = X - X.max(dim=1, keepdim=True).values\n"
SOLUTION += b"    return torch.exp(Z) / torch.exp(Z).sum(dim=1, keepdim=True)\n"
REPO = "ann/d2l-work/main"


@pytest.mark.parametrize(
    ("url", "notes"),
    [
        ("https://github.com/ann/d2l-work/blob/main/ch4/softmax.py", ()),
        (f"https://raw.githubusercontent.com/{REPO}/ch4/softmax.py", ()),
        (
            "https://colab.research.google.com/github/ann/d2l-work/blob/main/ch4/work.ipynb",
            COLAB_NOTES,
        ),
        ("https://github.com/ann/d2l-work/blob/main/ch4/work.ipynb", COLAB_NOTES),
        ("https://gist.github.com/ann/0123abcd", ()),
        ("https://gist.github.com/0123abcd#file-second-py", ()),
        # How Slack writes a link in a message, and how Discord members suppress its preview.
        (f"<https://raw.githubusercontent.com/{REPO}/ch4/softmax.py|softmax.py>", ()),
        (f"<https://raw.githubusercontent.com/{REPO}/ch4/softmax.py>", ()),
    ],
)
async def test_a_link_is_downloaded_by_the_bot_and_graded(
    linked_app: App,
    console: Chat,
    github: FakeGitHub,
    executor: ForkServerExecutor,
    url: str,
    notes: tuple[str, ...],
) -> None:
    github.files[f"{REPO}/ch4/softmax.py"] = SOLUTION
    github.files[f"{REPO}/ch4/work.ipynb"] = colab_notebook()
    github.gists["0123abcd"] = {
        "README.md": "# notes",
        "first.py": SOLUTION.decode(),
        "second.py": SOLUTION.decode().replace("Z = X -", "Z = 0 * X + X -"),
    }
    text = await console.text(f"submit softmax {url}")
    assert "Grading submission #1 for `softmax`" in text, text
    for note in notes:
        assert note in text
    [stored] = await graded(linked_app, executor)
    assert (stored.status, stored.score) == ("passed", stored.max_score)
    if url.endswith("#file-second-py"):
        assert "0 * X" in stored.code
    elif "gist" in url:
        assert "0 * X" not in stored.code


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://raw.githubusercontent.com/ann/d2l-work/main/a.py", "only download https://"),
        ("https://evil.example/ann/d2l-work/main/a.py", "`evil.example` isn't one of them"),
        ("https://github.com.evil.example/a/b/blob/main/a.py", "isn't one of them"),
        ("https://github.com/ann/d2l-work/blob/main/missing.py", "no such file (404)"),
        ("https://github.com/ann/d2l-work/blob/main/moved.py", "redirects to another site"),
        ("https://github.com/ann/d2l-work/blob/main/slow.py", "longer than 0.5 s"),
        ("https://github.com/ann/d2l-work/blob/main/big.py", "over 256 KB"),
        ("https://github.com/ann/d2l-work/blob/main/notes.txt", "`notes.txt` is neither"),
        ("https://github.com/ann/d2l-work/blob/main/../../x.py", "a path I can't follow"),
        ("https://colab.research.google.com/drive/1AbCdEf", "File → Download"),
        ("https://gist.github.com/ann/ffff", "no such file (404)"),
        ("ftp.example/softmax.py", "isn't a link"),
    ],
)
async def test_a_link_that_cannot_be_used_gets_one_sentence_and_stores_nothing(
    linked_app: App,
    console: Chat,
    github: FakeGitHub,
    executor: ForkServerExecutor,
    url: str,
    says: str,
) -> None:
    github.redirects[f"{REPO}/moved.py"] = "http://127.0.0.2:1/elsewhere.py"
    github.slow.add(f"{REPO}/slow.py")
    github.files[f"{REPO}/big.py"] = b"#" * 2_000_000
    text = await console.text(f"submit softmax {url}")
    assert says in text, text
    assert "Traceback" not in text and "went wrong" not in text
    assert await graded(linked_app, executor) == []


async def test_a_redirect_on_the_same_host_is_followed(
    linked_app: App, console: Chat, github: FakeGitHub, executor: ForkServerExecutor
) -> None:
    github.redirects[f"{REPO}/old.py"] = f"{github.url}/raw/{REPO}/new.py"
    github.files[f"{REPO}/new.py"] = SOLUTION
    text = await console.text("submit softmax https://github.com/ann/d2l-work/blob/main/old.py")
    assert "Grading submission #1" in text, text


async def test_one_download_per_member_at_a_time(
    linked_app: App, console: Chat, github: FakeGitHub
) -> None:
    github.slow.add(f"{REPO}/slow.py")
    slow = "submit softmax https://github.com/ann/d2l-work/blob/main/slow.py"
    first = asyncio.create_task(console.text(slow))
    await asyncio.sleep(0.1)
    second = await console.text(slow)
    assert "still downloading" in second
    assert "longer than" in await first
    assert github.requests.count(f"{REPO}/slow.py") == 1


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"not json at all", "`work.ipynb` isn't a Jupyter notebook (it isn't JSON)."),
        ("{}".encode("utf-16"), "`work.ipynb` is UTF-16 text; save it as UTF-8 and send it again."),
        (notebook(cell("markdown", "# prose")), "`work.ipynb` has no code cells to grade."),
    ],
)
async def test_a_bad_notebook_is_answered_in_one_sentence_and_stores_nothing(
    linked_app: App,
    console: Chat,
    executor: ForkServerExecutor,
    tmp_path: Path,
    content: bytes,
    says: str,
) -> None:
    path = tmp_path / "work.ipynb"
    path.write_bytes(content)
    text = await console.text(f"submit softmax {path}")
    assert text.splitlines()[0] == says
    assert await graded(linked_app, executor) == []


async def test_a_link_for_an_unknown_exercise_is_not_downloaded(
    console: Chat, github: FakeGitHub
) -> None:
    text = await console.text("submit sofmax https://github.com/ann/d2l-work/blob/main/a.py")
    assert "There is no exercise `sofmax`" in text
    assert github.requests == []
