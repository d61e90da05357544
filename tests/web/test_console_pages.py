"""`studybot console` serves the web pages on the port it prints while it runs; links in its
replies point there; `--web-port 0` turns them off."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

STUDYBOT = Path(sys.executable).with_name("studybot")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def console(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "STUDYBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"}
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_TOKEN", "STUDYBOT_PUBLIC_URL"):
        env.pop(name, None)
    return subprocess.Popen(
        [str(STUDYBOT), "console", "--as", "olga", *args],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_console_serves_the_pages_and_its_links_open_them(tmp_path: Path) -> None:
    port = free_port()
    bot = console(tmp_path, "--web-port", str(port))
    try:
        assert bot.stderr is not None and bot.stdin is not None and bot.stdout is not None
        printed = ""
        while "Web pages:" not in printed:
            line = bot.stderr.readline()
            assert line, "the console ended without serving the pages"
            printed += line
        assert f"Web pages: http://127.0.0.1:{port}/" in printed
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
            assert "The plan" in page.read().decode()
        bot.stdin.write("d2l join\nd2l web\n")
        bot.stdin.close()
        out = bot.stdout.read()
        link = re.search(rf"http://127\.0\.0\.1:{port}/organize/\S+", out)
        assert link is not None, out
        assert bot.wait(timeout=60) == 0
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait()
        for stream in (bot.stdout, bot.stderr):
            if stream is not None:
                stream.close()


def test_web_port_zero_turns_the_pages_off(tmp_path: Path) -> None:
    bot = console(tmp_path, "--web-port", "0")
    out, err = bot.communicate("d2l next\n", timeout=120)
    assert bot.returncode == 0, err
    assert "Web pages" not in err and "Next session 1" in out
