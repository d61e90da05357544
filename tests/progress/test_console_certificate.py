"""The issue's acceptance check, end to end in the real `studybot console`: members do real
work (a quiz answered in the console, code graded in the sandbox) until one crosses the
threshold; the chart, the certificate, its verification and the grade export follow."""

from __future__ import annotations

import csv
import io
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from handlers.quiz import personal_seed
from quizzes.questions import load_bank, pick_questions
from tests.exercises.solutions import SOLUTIONS
from tests.quizplay.conftest import instance, right_answer

STUDYBOT = Path(sys.executable).with_name("studybot")
# On a fresh database the members get ids in order of their first message.
OLGA, MARIE, PIERRE = 1, 2, 3
CODE = re.compile(r"\b([0-9A-Z]{4}(?:-[0-9A-Z]{4})+)\b")
WRITTEN = re.compile(r"\(file written: (.+)\)")


def quiz_lines(name: str, member: int, run: int) -> list[str]:
    """A member's five-question probability quiz (the database's quiz run `run`), answered
    right."""
    bank = load_bank()
    picked = pick_questions(bank, 5, personal_seed(member, "quiz:probability", run), "probability")
    answers = [right_answer(instance(q.id, personal_seed(member, q.id, run))) for q in picked]
    return [f"@{name} d2l quiz probability 5"] + [f"@{name} d2l answer {a}" for a in answers]


def console(folder: Path, script: list[str]) -> str:
    env = {**os.environ, "STUDYBOT_DATABASE_URL": f"sqlite:///{folder / 'bot.db'}"}
    result = subprocess.run(
        [str(STUDYBOT), "console", "--as", "olga", "--clock", "2027-01-04T09:00"],
        input="\n".join([*script, ""]).encode(),
        capture_output=True,
        env=env,
        cwd=folder,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert "Traceback" not in result.stderr.decode() + result.stdout.decode()
    return result.stdout.decode()


def files_in(folder: Path, out: str) -> dict[str, Path]:
    """The files the console wrote, by suffix (paths are relative to its folder)."""
    return {Path(p).suffix: folder / p for p in WRITTEN.findall(out)}


@pytest.mark.slow
@pytest.mark.sandbox
def test_a_member_works_to_a_certificate_in_the_console(tmp_path: Path) -> None:
    work = console(
        tmp_path,
        [
            "d2l join",  # olga, the first member, organizes (and is a member)
            "d2l admin assign softmax due 2027-01-12 session 1",
            "d2l admin assign probability due 2027-01-12 session 1",
            *quiz_lines("marie", MARIE, 1),
            *quiz_lines("pierre", PIERRE, 2),
            "@marie d2l submit softmax",
            "```python",
            SOLUTIONS["softmax"].strip(),
            "```",
        ],
    )
    assert work.count("Assigned") == 2
    assert work.count("Done: 5 of 5 questions answered correctly") == 2
    assert "✅ softmax: 8/8" in work, work[-3000:]

    standing = console(
        tmp_path,
        [
            ":wait 8d",  # after session 1, the last session with required work
            "@pierre d2l certificate",
            "@marie d2l progress",
            "@marie d2l certificate",
            "d2l admin export grades",
        ],
    )
    assert "Not yet: you've done 1 of 2 pieces of required work (50%)" in standing
    assert "2 of 2 pieces of required work done (100%)" in standing
    files = files_in(tmp_path, standing)

    png = files[".png"].read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png[12:16] == b"IHDR"
    assert struct.unpack(">II", png[16:24]) == (800, 450)

    certificate = standing[standing.index("Certificate of completion") :]
    code = CODE.search(certificate)
    assert code is not None, certificate[:500]
    verify_url = f"http://127.0.0.1:8000/verify/{code.group(1)}"  # the console's web pages
    assert f"Anyone can check it at {verify_url} or with `d2l verify {code.group(1)}`" in (
        certificate
    )
    pdf = PdfReader(files[".pdf"])
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "marie" in text and code.group(1) in text

    rows = list(csv.DictReader(io.StringIO(files[".csv"].read_text())))
    by_member = {row["member"]: row for row in rows}
    assert set(by_member) == {"olga", "marie", "pierre"}
    assert (by_member["marie"]["share"], by_member["marie"]["eligible"]) == ("1.000", "yes")
    assert by_member["marie"]["certificate"] == code.group(1)
    assert (by_member["pierre"]["share"], by_member["pierre"]["eligible"]) == ("0.500", "no")

    checked = console(tmp_path, [f"@stranger d2l verify {code.group(1)}"])
    assert "Valid certificate" in checked
    assert "marie completed 100% of the required work" in checked
