"""The shipped study plan and the date arithmetic behind it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from quizzes.curriculum import (
    CURRICULUM_FILE,
    CurriculumError,
    default_curriculum,
    load_curriculum,
    session_starts,
)


def test_the_plan_covers_chapters_1_to_20_in_at_least_20_sessions() -> None:
    plan = default_curriculum()
    assert len(plan.sessions) >= 20
    covered = {chapter for session in plan.sessions for chapter in session.chapters}
    assert set(range(1, 21)) <= covered
    for session in plan.sessions:
        assert str(session.link).startswith("https://d2l.ai/")
        assert session.sections and session.prepare


def test_probability_and_optimization_have_their_sessions() -> None:
    titles = [s.title.lower() for s in default_curriculum().sessions]
    assert any("probability" in t for t in titles)
    assert sum("optimization" in t for t in titles) >= 2


def test_a_broken_curriculum_names_the_file_and_field(tmp_path: Path) -> None:
    broken = tmp_path / "plan.yaml"
    text = CURRICULUM_FILE.read_text().replace("    chapters: [3]\n", "    chapters: [99]\n")
    broken.write_text(text)
    with pytest.raises(CurriculumError, match=r"plan\.yaml.*unknown chapters"):
        load_curriculum(broken)
    broken.write_text("sessions: [\n")
    with pytest.raises(CurriculumError, match="not valid YAML"):
        load_curriculum(broken)


def test_sessions_keep_their_local_time_across_dst() -> None:
    starts = session_starts(dt.date(2027, 3, 16), dt.time(18), "Europe/Berlin", 14, 2)
    local = [s.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin")) for s in starts]
    assert [t.hour for t in local] == [18, 18]
    assert starts[1] - starts[0] == dt.timedelta(days=14, hours=-1)


def test_skipped_dates_push_the_later_sessions() -> None:
    starts = session_starts(
        dt.date(2027, 12, 14), dt.time(9), "UTC", 14, 3, skipped=[dt.date(2027, 12, 28)]
    )
    assert [s.date() for s in starts] == [
        dt.date(2027, 12, 14),
        dt.date(2028, 1, 11),
        dt.date(2028, 1, 25),
    ]
