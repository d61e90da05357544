"""Platform-neutral use cases. Each command group registers itself here, in one place."""

from __future__ import annotations

from handlers import (
    admin,
    assignments,
    attendance,
    calendar,
    conduct,
    exercises,
    feedback,
    github_admin,
    help,
    linking,
    membership,
    outbox_admin,
    progress,
    public_names,
    quiz,
    reminders,
    reports,
    schedule,
    sessions_admin,
    web_links,
)
from handlers.router import Router

GROUPS = (
    help,
    membership,
    schedule,
    attendance,
    reminders,
    assignments,
    calendar,
    exercises,
    feedback,
    admin,
    sessions_admin,
    outbox_admin,
    github_admin,
    quiz,
    progress,
    linking,
    conduct,
    reports,
    public_names,
    web_links,
)


def build_router() -> Router:
    router = Router()
    for group in GROUPS:
        group.register(router)
    return router
