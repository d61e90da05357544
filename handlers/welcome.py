"""What a person is told when they become a member (by `d2l join` or by recording work)."""

from __future__ import annotations

from models.members import Joined


def welcome_text(cohort_name: str, joined: Joined) -> str:
    """The notice, said once: when the membership starts."""
    text = (
        f"You've joined {cohort_name}; `d2l leave` to stop. Members get assignment reminders "
        "and progress nudges by direct message (`d2l remind` chooses which)."
    )
    if joined.made_organizer:
        text += (
            " You're its first member and no organizer is configured, so you are an organizer "
            "now: `d2l admin organizers add @someone` adds others."
        )
    return text
