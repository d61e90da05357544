"""Progress toward the certificate: `d2l progress` (with a chart), certificates and their
verification, the organizers' grade export, and friendly nudges for members below pace."""

from __future__ import annotations

from handlers.progress._certificates import (
    admin_certificate,
    admin_certificates,
    certificate,
    find_certificate,
    verify,
)
from handlers.progress._export import export
from handlers.progress._name import name_command
from handlers.progress._nudges import KIND as NUDGE_KIND
from handlers.progress._nudges import NotNeeded, nudges, plan_nudges, render_nudge, set_nudges
from handlers.progress._summary import progress
from handlers.router import Command, Router

__all__ = [
    "NUDGE_KIND",
    "NotNeeded",
    "find_certificate",
    "plan_nudges",
    "register",
    "render_nudge",
    "set_nudges",
]

GROUP = "Progress and certificates"


def register(router: Router) -> None:
    router.add(
        Command(
            name="progress",
            usage="progress",
            summary="your progress toward the certificate, per session, with a chart",
            details="Required work is the cohort's assignments (every exercise and quiz when "
            "nothing is assigned). An exercise counts when it passes with full marks, a quiz "
            "after 5 answered questions of its topic with at least the cohort's quiz pass "
            "mark (60% unless changed) right; late work counts too. The chart shows your "
            "completion per session against the members' median and the threshold.",
            handler=progress,
            group=GROUP,
        )
    )
    router.add(
        Command(
            name="certificate",
            usage="certificate",
            summary="your certificate of completion (a PDF) once the course is over",
            details="It measures the whole course's required work and can be issued once the "
            "last session with required work has taken place. Asking again returns the same "
            "certificate. If you aren't there yet, you are told what is missing.",
            handler=certificate,
            group=GROUP,
        )
    )
    router.add(
        Command(
            name="name",
            usage='name ["Full Name" | -]',
            summary="the name printed on your certificate (your display name until you set one)",
            details="`-` goes back to your display name. Any script works, e.g. "
            '`d2l name "Jürgen Müller 李小龙"`.',
            handler=name_command,
            group=GROUP,
            examples=('name "Ada Lovelace"',),
        )
    )
    router.add(
        Command(
            name="verify",
            usage="verify CODE",
            summary="checks a certificate's verification code",
            handler=verify,
            group=GROUP,
            examples=("verify 7KQ2-M9XD-4TRA",),
        )
    )
    router.add(
        Command(
            name="nudges",
            usage="nudges [on|off]",
            summary="a friendly direct message after a session when you fall behind pace",
            handler=nudges,
            group=GROUP,
            examples=("nudges off",),
        )
    )
    router.add(
        Command(
            name="admin certificates",
            usage="admin certificates",
            summary="who is eligible for the certificate and who has one",
            handler=admin_certificates,
            organizer_only=True,
            group="Organizers",
        )
    )
    router.add(
        Command(
            name="admin certificate",
            usage="admin certificate @someone",
            summary="issue someone's certificate now, before the course has ended",
            details="Recorded as issued early by you; it states their share of the whole "
            "course's required work at the time.",
            handler=admin_certificate,
            organizer_only=True,
            group="Organizers",
            examples=("admin certificate @bob",),
        )
    )
    router.add(
        Command(
            name="admin export",
            usage="admin export grades",
            summary="a CSV of every member's work: scores, lateness, completion, eligibility",
            handler=export,
            organizer_only=True,
            group="Organizers",
            examples=("admin export grades",),
        )
    )
