"""The study plan as data (curriculum.yaml) and the arithmetic that dates its sessions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError, model_validator

CURRICULUM_FILE = Path(__file__).with_name("curriculum.yaml")


class PlannedSession(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int = Field(ge=1)
    title: str = Field(min_length=1)
    chapters: tuple[int, ...] = Field(min_length=1)
    link: HttpUrl
    sections: tuple[str, ...] = Field(min_length=1)
    prepare: str = Field(min_length=1)


class Curriculum(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    book: str
    book_url: HttpUrl
    sessions: tuple[PlannedSession, ...] = Field(min_length=1)
    chapters: dict[int, str]

    @model_validator(mode="after")
    def _consistent(self) -> Curriculum:
        numbers = [s.number for s in self.sessions]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"sessions must be numbered 1..n in order, got {numbers}")
        for session in self.sessions:
            unknown = [c for c in session.chapters if c not in self.chapters]
            if unknown:
                raise ValueError(f"session {session.number}: unknown chapters {unknown}")
        return self

    def chapter_label(self, chapters: Iterable[int]) -> str:
        """'Ch. 12 Optimization Algorithms', or 'Ch. 15–16' for a session spanning two."""
        numbers = list(chapters)
        if len(numbers) == 1:
            return f"Ch. {numbers[0]} {self.chapters[numbers[0]]}"
        return f"Ch. {numbers[0]}–{numbers[-1]}"


class CurriculumError(Exception):
    """The curriculum file is invalid; the message names the file and the field."""


def load_curriculum(path: Path = CURRICULUM_FILE) -> Curriculum:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Curriculum.model_validate(data)
    except yaml.YAMLError as exc:
        raise CurriculumError(f"{path}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise CurriculumError(f"{path}: {problems}") from None


@cache
def default_curriculum() -> Curriculum:
    return load_curriculum()


def session_starts(
    first: dt.date,
    at: dt.time,
    timezone: str,
    cadence_days: int,
    count: int,
    skipped: Iterable[dt.date] = (),
) -> list[dt.datetime]:
    """UTC start times of `count` sessions, every `cadence_days` from `first`, at local `at`.

    Dates are stepped in the cohort's calendar, so a session keeps its local time across DST
    changes. A session that would fall on a skipped date (a holiday) moves one cadence later,
    and so do all the sessions after it.
    """
    zone = ZoneInfo(timezone)
    skip = set(skipped)
    starts: list[dt.datetime] = []
    day = first
    while len(starts) < count:
        if day not in skip:
            local = dt.datetime.combine(day, at, tzinfo=zone)
            starts.append(local.astimezone(dt.UTC))
        day += dt.timedelta(days=cadence_days)
    return starts
