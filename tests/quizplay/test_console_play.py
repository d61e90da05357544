"""The issue's acceptance check: the console plays a personal quiz and a live round with
three members, and the answers end up in the database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from handlers.quiz import live_pick_seed, live_seed, personal_seed
from quizzes.questions import load_bank, pick_questions
from tests.quizplay.conftest import instance, right_answer, wrong_answer

STUDYBOT = Path(sys.executable).with_name("studybot")
# On a fresh database the members get ids in order of their first message.
OLGA, ALICE, BOB, CAROL = 1, 2, 3, 4


def script() -> str:
    bank = load_bank()
    quiz = pick_questions(bank, 3, personal_seed(ALICE, "quiz:probability", 1), "probability")
    mine = [instance(q.id, personal_seed(ALICE, q.id, 1)) for q in quiz]
    live = pick_questions(bank, 2, live_pick_seed(1), "optimization")
    shown = [instance(q.id, live_seed(1, q.id)) for q in live]
    return "\n".join(
        [
            "d2l join",  # olga, the first member, organizes
            "@alice d2l quiz probability 3",
            f"@alice d2l answer {right_answer(mine[0])}",
            f"@alice d2l answer {wrong_answer(mine[1])}",
            f"@alice d2l answer {right_answer(mine[2])}",
            "d2l quiz live optimization 2",
            f"@alice d2l answer {right_answer(shown[0])}",
            ":wait 1m",
            f"@bob d2l answer {right_answer(shown[0])}",
            f"@carol d2l answer {wrong_answer(shown[0])}",
            "d2l quiz next",
            f"@carol d2l answer {right_answer(shown[1])}",
            f"@bob d2l answer {right_answer(shown[1])}",
            f"@alice d2l answer {wrong_answer(shown[1])}",
            "d2l quiz next",
            "@alice d2l leaderboard quiz",
            "",
        ]
    )


@pytest.mark.slow
def test_the_console_plays_a_quiz_and_a_live_round_into_the_database(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    env = {**os.environ, "STUDYBOT_DATABASE_URL": f"sqlite:///{database}"}
    result = subprocess.run(
        [str(STUDYBOT), "console", "--as", "olga", "--clock", "2027-01-04T09:00"],
        input=script().encode(),
        capture_output=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()
    assert "Done: 2 of 3 questions answered correctly, 2000 points" in out
    assert "Final leaderboard" in out
    final = out[out.index("Final leaderboard") :]
    # alice: 1000 + 0; bob: 750 (60 s of 120) + 1000; carol: 0 + 1000.
    assert final.index("bob — 1750 points") < final.index("alice — 1000 points")
    assert final.index("alice — 1000 points") < final.index("carol — 1000 points")

    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT m.display_name, a.mode, a.correct, a.points, a.answered_at IS NOT NULL"
            " FROM quiz_attempts a JOIN members m ON m.id = a.member_id ORDER BY a.id"
        ).fetchall()
    assert rows == [
        ("alice", "personal", 1, 1000.0, 1),
        ("alice", "personal", 0, 0.0, 1),
        ("alice", "personal", 1, 1000.0, 1),
        ("alice", "live", 1, 1000.0, 1),
        ("bob", "live", 1, 750.0, 1),
        ("carol", "live", 0, 0.0, 1),
        ("carol", "live", 1, 1000.0, 1),
        ("bob", "live", 1, 1000.0, 1),
        ("alice", "live", 0, 0.0, 1),
    ]
