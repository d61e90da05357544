"""The code of conduct's text and the reply that shows it (no commands here: the welcome
message and `d2l conduct` both use it)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.text import when
from handlers.types import Choice, Reply
from models.conduct import agreed_at, conduct_settings
from models.tables import Cohort

AGREE = Choice("I agree", "conduct agree")


async def conduct_text(db: AsyncSession, cohort_id: int, conduct_file: Path | None) -> str:
    """The organizers' text, else the configured file, else the shipped default."""
    own = await conduct_settings(db, cohort_id)
    if own is not None and own.text:
        return own.text
    return (_file_text(conduct_file) if conduct_file else None) or default_conduct()


def _file_text(path: Path) -> str | None:
    try:  # a small local file, checked readable at start
        return path.read_text(encoding="utf-8").strip()
    except OSError:  # removed since: the default stands in
        return None


def default_conduct() -> str:
    return resources.files("handlers").joinpath("code_of_conduct.txt").read_text("utf-8").strip()


async def conduct_required(db: AsyncSession, cohort_id: int) -> bool:
    own = await conduct_settings(db, cohort_id)
    return own is not None and own.required


async def conduct_reply(
    db: AsyncSession, cohort: Cohort, member_id: int, conduct_file: Path | None, note: str = ""
) -> Reply:
    """The text with an "I agree" button, or the time the member agreed."""
    text = await conduct_text(db, cohort.id, conduct_file)
    agreed = await agreed_at(db, cohort.id, member_id)
    footer = (
        f"You agreed on {when(agreed, 'f')}."
        if agreed is not None
        else "Press “I agree” or type `d2l conduct agree`."
    )
    return Reply(
        title=f"Code of conduct · {cohort.name}",
        text=f"{note}\n\n{text}".strip(),
        choices=() if agreed is not None else (AGREE,),
        footer=footer,
        ephemeral=True,
        timezone=cohort.timezone,
    )


async def conduct_gate(
    db: AsyncSession, cohort: Cohort, member_id: int, conduct_file: Path | None
) -> Reply | None:
    """Where the cohort requires agreeing before submitting work: the code of conduct to
    agree to first, or None when the member may go on."""
    if not await conduct_required(db, cohort.id) or await agreed_at(db, cohort.id, member_id):
        return None
    return await conduct_reply(
        db,
        cohort,
        member_id,
        conduct_file,
        note="Before you submit work, please read and agree to the code of conduct. "
        "Nothing was recorded: submit again once you've agreed.",
    )
